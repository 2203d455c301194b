//! Installing and removing approved software as a self-service action: only an entry offered to
//! the person, only on their own computer whose privileged helper can install its package, one
//! at a time per entry, and a grant that names the entry, the package and that helper.

use bellhop_proto::{
    Action, ActionKind, ActionState, ApprovedList, GrantedSoftware, Package, grant_check,
};
use serde_json::{Value, json};

use crate::actions::{
    Bob, bob_on_his_computer, check_grant, last_text, report, verify, wait_for_state, waiting,
};
use crate::assistant::admin;
use crate::helpers::{TestApp, expect_error, facts, spawn_app};
use crate::second_factor::code_in;

fn catalog(globex: &str) -> Value {
    json!({"items": [
        {"key": "hello", "name": {"text": "GNU Hello"},
         "packages": [{"manager": "apt", "id": "hello"}, {"manager": "winget", "id": "GNU.Hello"}]},
        {"key": "sap-gui", "name": {"text": "SAP GUI"},
         "packages": [{"manager": "apt", "id": "sapgui"}], "orgs": [globex]},
        {"key": "paint", "name": {"text": "Paint.NET"},
         "packages": [{"manager": "chocolatey", "id": "paint.net"}]}
    ], "sources": {
        "apt": {"url": "https://apt.example.com/debian", "suite": "stable", "components": ["main"],
                "key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----"},
        "chocolatey": {"name": "desk", "url": "https://choco.example.com/api/v2"}
    }})
}

async fn approve(app: &TestApp) -> anyhow::Result<()> {
    let ada = admin(app).await?;
    let orgs: Vec<Value> = app.get(&ada, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o["name"] == "Globex")
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let res = app.put(&ada, "/api/v1/software", &catalog(&globex)).await?;
    anyhow::ensure!(res.status() == 200, "approve: {}", res.status());
    Ok(())
}

/// Bob's computer says what it is: Linux, with a helper running apt.
async fn with_helper(app: &TestApp, bob: &Bob, platform: &str) -> anyhow::Result<()> {
    let helper = json!({"machine": "machine-1", "version": "0.1.0", "managers": ["apt"]});
    helper_says(app, bob, platform, helper).await
}

async fn helper_says(
    app: &TestApp,
    bob: &Bob,
    platform: &str,
    helper: Value,
) -> anyhow::Result<()> {
    let mut said = facts("BOB-PC");
    said["platform"] = json!(platform);
    said["helper"] = helper;
    let res = app
        .put(&bob.device.device_secret, "/api/v1/device/facts", &said)
        .await?;
    anyhow::ensure!(res.status() == 204, "facts: {}", res.status());
    Ok(())
}

async fn ask_for(
    app: &TestApp,
    bob: &Bob,
    kind: &str,
    software: Option<&str>,
) -> anyhow::Result<reqwest::Response> {
    let mut body =
        json!({"id": uuid::Uuid::now_v7(), "device_id": bob.device.device_id, "kind": kind});
    if let Some(item) = software {
        body["software"] = json!(item);
    }
    app.post(&bob.portal, "/api/v1/actions", &body).await
}

#[tokio::test]
async fn bob_installs_an_approved_package_through_his_computers_helper() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    approve(&app).await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;

    // No helper has answered on his computer yet: nothing can be installed there.
    let res = ask_for(&app, &bob, "install", Some("hello")).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");

    with_helper(&app, &bob, "linux").await?;
    let devices: Vec<Value> = app
        .get(&bob.portal, "/api/v1/me/devices")
        .await?
        .json()
        .await?;
    assert_eq!(devices[0]["facts"]["platform"], json!("linux"));
    assert_eq!(devices[0]["facts"]["helper"]["managers"], json!(["apt"]));

    // What is not for him, not on the list, or has no Linux package, and malformed asks.
    for (item, status) in [("sap-gui", 404), ("nmap", 404), ("paint", 409)] {
        let res = ask_for(&app, &bob, "install", Some(item)).await?;
        assert_eq!(res.status(), status, "{item}");
    }
    let res = ask_for(&app, &bob, "install", None).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = ask_for(&app, &bob, "lock", Some("hello")).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let res = ask_for(&app, &bob, "install", Some("hello")).await?;
    assert_eq!(res.status(), 201);
    let asked: Action = res.json().await?;
    let software = asked.software.clone();
    assert_eq!(
        software.map(|s| (s.item, s.name, s.package)),
        Some((
            "hello".to_owned(),
            "GNU Hello".to_owned(),
            Package::Apt("hello".into())
        ))
    );
    let text = last_text(&app)?;
    assert!(text.contains("install software on BOB-PC"), "{text}");
    // One install or remove of an entry at a time on a computer.
    let res = ask_for(&app, &bob, "remove", Some("hello")).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");

    let res = verify(&app, &bob.portal, &asked, &code_in(&text)?).await;
    assert_eq!(res.status(), 200);
    let granted = waiting(&app, &bob.agent.token).await?;
    assert_eq!(granted.len(), 1);
    let claims = check_grant(&bob.device.grant_key, &granted[0])?;
    assert_eq!(claims.kind, ActionKind::Install);
    assert_eq!(claims.machine.as_deref(), Some("machine-1"));
    assert_eq!(
        claims.software,
        Some(GrantedSoftware {
            item: "hello".into(),
            package: Package::Apt("hello".into())
        })
    );
    // With it, the approved list the grant names: what bob's organisation may install on
    // Linux (not Globex's SAP GUI, not the Windows packages), signed as a list.
    let list = granted[0].list.clone().unwrap_or_else(|| ApprovedList {
        claims: String::new(),
        signature: String::new(),
    });
    let listed = grant_check::signed_list(&bob.device.grant_key, &list)?;
    assert_eq!(listed.device_id, bob.device.device_id);
    assert_eq!(listed.packages, vec![Package::Apt("hello".into())]);
    // The desk's apt repository goes with it, its Chocolatey source does not.
    let apt = listed.sources.apt.as_ref().map(|a| a.url.as_str());
    assert_eq!(apt, Some("https://apt.example.com/debian"));
    assert_eq!(listed.sources.chocolatey, None);
    assert_eq!(
        claims.list,
        Some(grant_check::list_digest(&listed.packages, &listed.sources))
    );
    let as_grant = bellhop_proto::ActionGrant {
        claims: list.claims.clone(),
        signature: list.signature.clone(),
    };
    assert!(grant_check::signed_claims(&bob.device.grant_key, &as_grant).is_err());

    // Running, the installer's lines as they come, then the outcome.
    let res = report(&app, &bob.agent.token, &asked, "running").await?;
    assert_eq!(res.status(), 200);
    let path = format!("/api/v1/device/actions/{}/report", asked.id);
    let res = app
        .post(
            &bob.agent.token,
            &path,
            &json!({"state": "running", "detail": "Unpacking hello (2.10-3) ..."}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let now: Action = res.json().await?;
    assert_eq!(now.state, ActionState::Running);
    assert_eq!(now.detail.as_deref(), Some("Unpacking hello (2.10-3) ..."));
    let res = app
        .post(
            &bob.agent.token,
            &path,
            &json!({"state": "succeeded", "detail": "installed hello 2.10-3"}),
        )
        .await?;
    let done: Action = res.json().await?;
    assert_eq!(done.state, ActionState::Succeeded);

    // Once it ended, the entry may be asked for again; the audit names the package.
    let res = ask_for(&app, &bob, "remove", Some("hello")).await?;
    assert_eq!(res.status(), 201);
    let tech = app.login("tech@helpdesk.example").await?;
    let audit = app
        .get(&tech, "/api/v1/audit?q=action.request")
        .await?
        .text()
        .await?;
    assert!(audit.contains("GNU Hello (apt hello)"), "{audit}");
    Ok(())
}

#[tokio::test]
async fn a_device_reports_only_its_own_profile_and_well_formed_facts() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    let secret = &bob.device.device_secret;
    let good = facts("BOB-PC");
    let cases = [
        ("os_user", json!("alice")),
        ("platform", json!("amiga")),
        (
            "helper",
            json!({"machine": "m 1; rm", "version": "1", "managers": []}),
        ),
        (
            "helper",
            json!({"machine": "m1", "version": "1", "managers": ["apt", "sh -c"]}),
        ),
    ];
    for (field, value) in cases {
        let mut said = good.clone();
        said[field] = value;
        let res = app.put(secret, "/api/v1/device/facts", &said).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{field}");
    }
    // The person's credential is not the device's secret.
    let res = app
        .put(&bob.agent.token, "/api/v1/device/facts", &good)
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    // The grant key is public.
    let key: Value = app
        .http
        .get(app.url("/api/v1/grant-key"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(key["key"], json!(bob.device.grant_key));
    Ok(())
}

#[tokio::test]
async fn bob_resets_his_accounts_password_and_only_his_phone_hears_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;

    // No helper on his computer: nobody there could set it. Nor can a Mac's helper that has
    // no key to seal the password to (macOS sets a password from the password itself).
    let res = ask_for(&app, &bob, "reset_password", None).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    with_helper(&app, &bob, "macos").await?;
    let res = ask_for(&app, &bob, "reset_password", None).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    with_helper(&app, &bob, "linux").await?;
    let res = ask_for(&app, &bob, "reset_password", Some("hello")).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let (password, verified, granted, claims) = reset(&app, &bob).await?;
    assert_eq!(claims.kind, ActionKind::ResetPassword);
    assert_eq!(claims.os_user, "bob");
    assert_eq!(claims.machine.as_deref(), Some("machine-1"));
    // A Linux helper sets the crypt string: the password itself is not in the grant at all.
    assert_eq!(
        claims.password.as_ref().map(|p| p.sealed.is_none()),
        Some(true)
    );
    let crypt = claims.password.map(|p| p.sha512_crypt).unwrap_or_default();
    assert!(crypt.starts_with("$6$"), "{crypt}");
    let checked = sha_crypt::PasswordVerifier::verify_password(
        &sha_crypt::ShaCrypt::default(),
        password.as_bytes(),
        crypt.as_str(),
    );
    assert!(checked.is_ok(), "{crypt} is not {password}'s");
    // Not in what the person, the computer or the desk reads.
    assert!(!granted[0].grant.claims.contains(&password));
    assert!(!format!("{verified:?}").contains(&password));
    let tech = app.login("tech@helpdesk.example").await?;
    let audit = app.get(&tech, "/api/v1/audit").await?.text().await?;
    assert!(!audit.contains(&password));
    Ok(())
}

/// Bob asks for a reset, types the code, and reads the texted password: it, the action, what
/// his computer picks up and the grant's claims.
async fn reset(
    app: &TestApp,
    bob: &Bob,
) -> anyhow::Result<(
    String,
    Action,
    Vec<bellhop_proto::GrantedAction>,
    bellhop_proto::GrantClaims,
)> {
    let res = ask_for(app, bob, "reset_password", None).await?;
    anyhow::ensure!(res.status() == 201, "asked: {}", res.status());
    let asked: Action = res.json().await?;
    let text = last_text(app)?;
    assert!(text.contains("reset the password on BOB-PC"), "{text}");
    let res = verify(app, &bob.portal, &asked, &code_in(&text)?).await;
    anyhow::ensure!(res.status() == 200, "verified: {}", res.status());
    let verified: Action = res.json().await?;
    // The temporary password went by text.
    let text = last_text(app)?;
    let password = text
        .split_whitespace()
        .find(|w| w.len() == 14 && w.matches('-').count() == 2)
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains("temporary password for BOB-PC"), "{text}");
    assert!(!password.is_empty(), "{text}");
    let granted = waiting(app, &bob.agent.token).await?;
    let claims = check_grant(&bob.device.grant_key, &granted[0])?;
    Ok((password, verified, granted, claims))
}

#[tokio::test]
async fn a_windows_or_mac_helper_gets_the_password_sealed_to_its_own_key_alone()
-> anyhow::Result<()> {
    use bellhop_proto::sealing::SealKey;
    for (platform, manager) in [("windows", "winget"), ("macos", "brew_formula")] {
        let app = spawn_app().await?;
        let bob = bob_on_his_computer(&app, "BOB-PC").await?;
        let helper = |key: &str| json!({"machine": "machine-1", "version": "0.1.0", "managers": [manager], "seal_key": key});
        // A key that is not one is refused with the facts.
        let mut said = facts("BOB-PC");
        said["platform"] = json!(platform);
        said["helper"] = helper("bm90IGEga2V5");
        let res = app
            .put(&bob.device.device_secret, "/api/v1/device/facts", &said)
            .await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{platform}");

        let key = SealKey::generate();
        helper_says(&app, &bob, platform, helper(&key.public())).await?;
        let (password, _, granted, claims) = reset(&app, &bob).await?;
        let sealed = claims.password.as_ref().and_then(|p| p.sealed.clone());
        let sealed = sealed.unwrap_or_default();
        assert_eq!(
            key.open(&sealed).as_deref(),
            Some(password.as_str()),
            "{platform}"
        );
        assert_eq!(
            SealKey::generate().open(&sealed),
            None,
            "only the helper's key opens it"
        );
        assert!(!granted[0].grant.claims.contains(&password));
    }
    Ok(())
}

#[tokio::test]
async fn an_install_the_computer_stopped_reporting_on_fails_and_frees_the_entry()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    approve(&app).await?;
    let bob = bob_on_his_computer(&app, "BOB-PC").await?;
    with_helper(&app, &bob, "linux").await?;
    let res = ask_for(&app, &bob, "install", Some("hello")).await?;
    assert_eq!(res.status(), 201);
    let asked: Action = res.json().await?;
    let res = verify(&app, &bob.portal, &asked, &code_in(&last_text(&app)?)?).await;
    assert_eq!(res.status(), 200);
    assert_eq!(waiting(&app, &bob.agent.token).await?.len(), 1);
    let res = report(&app, &bob.agent.token, &asked, "running").await?;
    assert_eq!(res.status(), 200);
    // Running, and still busy: a second install of the entry waits for it.
    let res = ask_for(&app, &bob, "install", Some("hello")).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");

    // The agent died mid-install: two hours without a word.
    app.sql(&format!(
        "UPDATE actions SET updated_at = 1 WHERE id = '{}'",
        asked.id
    ))
    .await?;
    let failed = wait_for_state(&app, &bob.portal, &asked, ActionState::Failed).await?;
    assert!(
        failed
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("stopped reporting")),
        "{failed:?}"
    );
    // Its late word changes nothing; the entry can be asked for again.
    let res = report(&app, &bob.agent.token, &asked, "succeeded").await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    let res = ask_for(&app, &bob, "install", Some("hello")).await?;
    assert_eq!(res.status(), 201);
    let tech = app.login("tech@helpdesk.example").await?;
    let audit = app.get(&tech, "/api/v1/audit").await?.text().await?;
    assert!(audit.contains("stopped reporting"), "{audit}");
    Ok(())
}
