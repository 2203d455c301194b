//! Switching people off: one rule decides whether a person may act, and every credential —
//! browser session, device credential, password link, identity confirmation, live event
//! stream — is checked against it on every use.

use bellhop_proto::{DeviceCredential, User};
use serde_json::json;

use crate::devices::confirm_identity;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};

/// Bob's person as the console edits it, with `portal_access` as given.
async fn bob_with_access(app: &TestApp, tech: &str, access: bool) -> anyhow::Result<User> {
    let bob = app.user_id("bob@acme.example").await?;
    let me: User = app
        .get(tech, &format!("/api/v1/users/{bob}"))
        .await?
        .json::<serde_json::Value>()
        .await
        .map(|d| serde_json::from_value(d["user"].clone()))??;
    let body = json!({"name": me.name, "email": me.email, "phone": me.phone, "role": me.role,
                      "org_id": me.org_id, "portal_access": access});
    let res = app
        .put(tech, &format!("/api/v1/users/{bob}"), &body)
        .await?;
    anyhow::ensure!(res.status() == 200, "update: {}", res.status());
    Ok(res.json().await?)
}

/// A desktop credential for bob on a new Acme device.
async fn bobs_desktop(app: &TestApp, host: &str) -> anyhow::Result<DeviceCredential> {
    let device = enroll(app, "acme-demo-key", host).await?;
    confirm_identity(app, &device, "bob@acme.example").await
}

#[tokio::test]
async fn a_person_without_portal_access_gets_no_reset_link_and_the_same_answer()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let sent_before = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no link while bob had access"))?;

    let bob = bob_with_access(&app, &tech, false).await?;
    assert!(!bob.portal_access);
    let mails = app.mail_texts("bob@acme.example").await?.len();
    assert_eq!(
        app.forgot_password("bob@acme.example").await?,
        202,
        "the same answer as for anyone"
    );
    assert_eq!(
        app.mail_texts("bob@acme.example").await?.len(),
        mails,
        "no mail"
    );
    assert_eq!(
        app.reset_password(&sent_before, "a brand new passphrase")
            .await?,
        422,
        "the link sent before access was taken away no longer works"
    );
    assert_eq!(
        app.login_status("bob@acme.example", "a brand new passphrase")
            .await?,
        401
    );
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        401
    );
    Ok(())
}

#[tokio::test]
async fn a_password_reset_revokes_the_persons_device_credentials() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let desktop = bobs_desktop(&app, "ACME-RESET").await?;
    assert_eq!(app.get(&desktop.token, "/api/v1/me").await?.status(), 200);
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let link = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reset link"))?;
    assert_eq!(
        app.reset_password(&link, "a brand new passphrase").await?,
        204
    );
    let res = app.get(&desktop.token, "/api/v1/me").await?;
    assert_eq!(
        expect_error(res, 401).await?,
        "unauthenticated",
        "the desktop asks bob to confirm who he is again"
    );
    Ok(())
}

#[tokio::test]
async fn a_person_switched_off_is_off_everywhere_at_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob_id = app.user_id("bob@acme.example").await?;
    let session = app.login("bob@acme.example").await?;
    let desktop = bobs_desktop(&app, "ACME-OFF").await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let link = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reset link"))?;
    let mut stream = app
        .http
        .get(app.url("/api/v1/events"))
        .bearer_auth(&session)
        .send()
        .await?;
    assert_eq!(stream.status(), 200);
    assert!(
        stream.chunk().await?.is_some(),
        "the stream said it is live"
    );

    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{bob_id}/disable"),
            &json!({}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let bob: User = res.json().await?;
    assert!(bob.disabled);

    // The open stream ends (waited on: the chunk loop returns when the server closes it).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while stream.chunk().await?.is_some() {}
        anyhow::Ok(())
    })
    .await;
    assert!(
        matches!(ended, Ok(Ok(()))),
        "the live stream ended: {ended:?}"
    );
    for (what, token) in [("session", &session), ("desktop", &desktop.token)] {
        let res = app.get(token, "/api/v1/tickets").await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated", "{what}");
    }
    assert_eq!(
        app.reset_password(&link, "a brand new passphrase").await?,
        422,
        "the reset link sent before"
    );
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        401
    );
    let mails = app.mail_texts("bob@acme.example").await?.len();
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    // A new device cannot confirm bob either: the token is not even sent.
    let device = enroll(&app, "acme-demo-key", "ACME-OFF-2").await?;
    let res = app
        .post(
            &device.device_secret,
            "/api/v1/device/identity/send-token",
            &json!({"first_name": "Bob", "last_name": "Baker", "email": "bob@acme.example"}),
        )
        .await?;
    assert_eq!(res.status(), 202, "the same answer as for anyone");
    assert_eq!(
        app.mail_texts("bob@acme.example").await?.len(),
        mails,
        "no reset link, no confirmation token"
    );

    // Switched on again, bob signs in afresh; the old credentials stay dead.
    let res = app
        .post(&tech, &format!("/api/v1/users/{bob_id}/enable"), &json!({}))
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        200
    );
    let res = app.get(&desktop.token, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let audit = app
        .get(&tech, "/api/v1/audit?q=switched")
        .await?
        .text()
        .await?;
    assert!(
        audit.contains("user.disable") && audit.contains("user.enable"),
        "{audit}"
    );
    Ok(())
}

#[tokio::test]
async fn every_credential_is_checked_against_the_persons_standing_on_every_use()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let session = app.login("bob@acme.example").await?;
    let desktop = bobs_desktop(&app, "ACME-EVERY-USE").await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let link = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reset link"))?;
    // Switched off behind the server's back (another instance, a script): nothing was revoked,
    // so only the check on use can stop these.
    app.sql("UPDATE users SET disabled_at = 1 WHERE email = 'bob@acme.example'")
        .await?;
    for token in [&session, &desktop.token] {
        let res = app.get(token, "/api/v1/me").await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    }
    assert_eq!(
        app.reset_password(&link, "a brand new passphrase").await?,
        422
    );
    app.sql(
        "UPDATE users SET disabled_at = NULL, portal_access = 0 WHERE email = 'bob@acme.example'",
    )
    .await?;
    assert_eq!(
        app.get(&desktop.token, "/api/v1/me").await?.status(),
        200,
        "the desktop needs no portal access"
    );
    let res = app.get(&session, "/api/v1/me").await?;
    assert_eq!(
        expect_error(res, 401).await?,
        "unauthenticated",
        "a browser does"
    );
    assert_eq!(
        app.reset_password(&link, "a brand new passphrase").await?,
        422
    );
    Ok(())
}

#[tokio::test]
async fn only_the_desk_switches_people_off_and_only_admins_switch_off_the_desk()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.user_id("bob@acme.example").await?;
    let tech_id = app.user_id("tech@helpdesk.example").await?;
    for action in ["disable", "enable", "sign-out"] {
        let res = app
            .post(&alice, &format!("/api/v1/users/{bob}/{action}"), &json!({}))
            .await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{action}");
    }
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{tech_id}/disable"),
            &json!({}),
        )
        .await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "nobody switches themselves off"
    );
    // The demo technician is made an admin behind the server's back; a new technician may
    // then switch customers off, but not an admin.
    app.sql("UPDATE users SET role = 'admin' WHERE email = 'tech@helpdesk.example'")
        .await?;
    let tina = app
        .new_person("Tina Tech", "tina@helpdesk.example", "technician", "Acme")
        .await?;
    let res = app
        .post(
            &tina,
            &format!("/api/v1/users/{tech_id}/disable"),
            &json!({}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .post(&tina, &format!("/api/v1/users/{bob}/disable"), &json!({}))
        .await?;
    assert_eq!(res.status(), 200);
    let tina_id = app.user_id("tina@helpdesk.example").await?;
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{tina_id}/disable"),
            &json!({}),
        )
        .await?;
    assert_eq!(res.status(), 200, "an admin switches a technician off");
    let res = app.get(&tina, "/api/v1/tickets").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{}/disable", uuid::Uuid::now_v7()),
            &json!({}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_desktop_of_the_person() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let first = app.login("bob@acme.example").await?;
    let second = app.login("bob@acme.example").await?;
    let desktop = bobs_desktop(&app, "ACME-EVERYWHERE").await?;
    let alice = app.login("alice@acme.example").await?;
    let res = app
        .post(&first, "/api/v1/auth/sign-out-everywhere", &json!({}))
        .await?;
    assert_eq!(res.status(), 204);
    for token in [&first, &second, &desktop.token] {
        let res = app.get(token, "/api/v1/me").await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    }
    assert_eq!(
        app.get(&alice, "/api/v1/me").await?.status(),
        200,
        "other people stay signed in"
    );

    // The desk does it for someone (a lost laptop).
    let again = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.user_id("bob@acme.example").await?;
    let res = app
        .post(&tech, &format!("/api/v1/users/{bob}/sign-out"), &json!({}))
        .await?;
    assert_eq!(res.status(), 204);
    let res = app.get(&again, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn a_session_left_unused_past_the_idle_timeout_has_ended() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    assert_eq!(app.get(&bob, "/api/v1/me").await?.status(), 200);
    let idle = bellhop_server::db::SESSION_IDLE_MS + 60_000;
    let bob_id = app.user_id("bob@acme.example").await?;
    let moved = app
        .sql(&format!(
            "UPDATE sessions SET last_used_at = last_used_at - {idle} WHERE user_id = '{bob_id}'"
        ))
        .await?;
    assert!(moved >= 1);
    let res = app.get(&bob, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    assert_eq!(app.get(&alice, "/api/v1/me").await?.status(), 200);
    Ok(())
}

#[tokio::test]
async fn a_rotated_device_credential_retires_the_old_one_at_its_first_use() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let old = bobs_desktop(&app, "ACME-ROTATE").await?;
    let res = app
        .post(&old.token, "/api/v1/device/credential/rotate", &json!({}))
        .await?;
    assert_eq!(res.status(), 200);
    let new: DeviceCredential = res.json().await?;
    assert_ne!(new.token, old.token);
    assert_eq!(new.user.email, "bob@acme.example");
    assert_eq!(
        app.get(&old.token, "/api/v1/me").await?.status(),
        200,
        "the old one works until the new one is used (its answer may have been lost)"
    );
    assert_eq!(app.get(&new.token, "/api/v1/me").await?.status(), 200);
    let res = app.get(&old.token, "/api/v1/me").await?;
    assert_eq!(
        expect_error(res, 401).await?,
        "unauthenticated",
        "a copy of the old credential is worth nothing now"
    );
    assert_eq!(app.get(&new.token, "/api/v1/tickets").await?.status(), 200);

    let session = app.login("bob@acme.example").await?;
    let res = app
        .post(&session, "/api/v1/device/credential/rotate", &json!({}))
        .await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "a browser session is not rotated"
    );
    Ok(())
}

#[tokio::test]
async fn changing_a_persons_email_tells_the_old_address_and_voids_its_links() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let link = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reset link"))?;
    let bob = app.user_id("bob@acme.example").await?;
    let body = json!({"name": "Bob Baker", "email": "robert@acme.example", "role": "end_user",
                      "org_id": app.get(&tech, &format!("/api/v1/users/{bob}")).await?
                          .json::<serde_json::Value>().await?["user"]["org_id"],
                      "portal_access": true});
    let res = app
        .put(&tech, &format!("/api/v1/users/{bob}"), &body)
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.reset_password(&link, "a brand new passphrase").await?,
        422,
        "a link sent to the old address"
    );
    let mails = app.mails("bob@acme.example").await?;
    let (subject, text, _) = mails
        .last()
        .ok_or_else(|| anyhow::anyhow!("nothing to the old address"))?;
    assert_eq!(subject, "Your Bellhop email address was changed");
    assert!(
        text.contains("bob@acme.example") && text.contains("robert@acme.example"),
        "{text}"
    );
    assert_eq!(
        app.login_status("robert@acme.example", "bellhop-demo")
            .await?,
        200
    );
    Ok(())
}

#[tokio::test]
async fn repeated_failed_sign_ins_make_the_next_attempt_wait() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for _ in 0..5 {
        assert_eq!(app.login_status("bob@acme.example", "guess").await?, 401);
    }
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "bob@acme.example", "password": "bellhop-demo"}))
        .send()
        .await?;
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert_eq!(
        expect_error(res, 429).await?,
        "rate_limited",
        "even the right password waits"
    );
    assert!(retry_after.is_some_and(|s| (1..=900).contains(&s)));
    // Unknown accounts are refused the same way, and wait the same way.
    for _ in 0..5 {
        assert_eq!(app.login_status("nobody@acme.example", "guess").await?, 401);
    }
    assert_eq!(app.login_status("nobody@acme.example", "guess").await?, 429);
    assert_eq!(
        app.login_status("alice@acme.example", "bellhop-demo")
            .await?,
        200,
        "another account from the same client still signs in"
    );
    // Once the wait is over the right password works, and clears the account's failures.
    let wait = bellhop_server::domain::sign_in::SIGN_IN_WINDOW_MS;
    app.sql(&format!(
        "UPDATE sign_in_failures SET at = at - {wait} WHERE account = 'bob@acme.example'"
    ))
    .await?;
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        200
    );
    Ok(())
}

#[tokio::test]
async fn guesses_at_a_token_sent_in_parallel_cannot_pass_the_limit() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "ACME-GUESS").await?;
    let res = app
        .post(
            &device.device_secret,
            "/api/v1/device/identity/send-token",
            &json!({"first_name": "Bob", "last_name": "Baker", "email": "bob@acme.example"}),
        )
        .await?;
    assert_eq!(res.status(), 202);
    let bodies: Vec<_> = (0..30)
        .map(|i| json!({"email": "bob@acme.example", "token": format!("ZZZZ{i:04}")}))
        .collect();
    let guesses = bodies.iter().map(|body| {
        app.post(
            &device.device_secret,
            "/api/v1/device/identity/confirm",
            body,
        )
    });
    for res in futures_util::future::join_all(guesses).await {
        assert_eq!(res?.status(), 401);
    }
    let attempts = app
        .sql("UPDATE identity_tokens SET attempts = attempts WHERE attempts = 5")
        .await?;
    assert_eq!(attempts, 1, "exactly the limit was counted");
    Ok(())
}

#[tokio::test]
async fn links_in_email_use_the_servers_public_address_which_no_setting_can_change()
-> anyhow::Result<()> {
    let app = crate::helpers::spawn_app_with(|s| {
        s.public_url = Some("https://help.acme.example/".into());
    })
    .await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let mut settings = serde_json::to_value(bellhop_proto::PortalSettings::default())?;
    settings["portal_url"] = json!("https://evil.example");
    let res = app.put(&tech, "/api/v1/portal-settings", &settings).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "the portal's address is not a setting"
    );
    assert_eq!(app.forgot_password("bob@acme.example").await?, 202);
    let mails = app.mail_texts("bob@acme.example").await?;
    let newest = mails.last().map(String::as_str).unwrap_or_default();
    assert!(
        newest.contains("https://help.acme.example/#/reset-password?token=bhr_"),
        "{newest}"
    );
    assert!(!newest.contains("evil.example"));
    Ok(())
}

#[tokio::test]
async fn a_welcome_link_dies_with_the_persons_access() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let orgs: Vec<bellhop_proto::Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let acme = orgs.iter().find(|o| o.name == "Acme").map(|o| o.id);
    let body = json!({"name": "Dana Dyer", "email": "dana@acme.example", "role": "end_user",
                      "org_id": acme, "portal_access": true});
    let res = app.post(&tech, "/api/v1/users", &body).await?;
    assert_eq!(res.status(), 201);
    let dana: User = res.json().await?;
    let link = app
        .reset_token("dana@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no welcome link"))?;
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{}/disable", dana.id),
            &json!({}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.reset_password(&link, "dana's own passphrase").await?,
        422
    );
    Ok(())
}

#[tokio::test]
async fn a_forwarded_address_from_a_client_is_ignored_and_from_a_trusted_proxy_is_used()
-> anyhow::Result<()> {
    let attempt = |app: &crate::helpers::TestApp, n: usize| {
        let request = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({"email": format!("nobody{n}@acme.example"), "password": "guess"}));
        async move { anyhow::Ok(request.send().await?.status().as_u16()) }
    };
    // Each attempt claims another address, for another account: the socket's address counts.
    let app = spawn_app().await?;
    for n in 0..bellhop_server::domain::sign_in::SIGN_IN_FREE_PER_CLIENT as usize {
        assert_eq!(attempt(&app, n).await?, 401);
    }
    assert_eq!(
        attempt(&app, 99).await?,
        429,
        "the spoofed header changed nothing"
    );

    // Behind a proxy the server was told to trust, the forwarded address is the client.
    let app = crate::helpers::spawn_app_with(|s| {
        s.trusted_proxies = vec![ipnet::IpNet::from(std::net::IpAddr::from([127, 0, 0, 1]))];
    })
    .await?;
    for n in 0..=bellhop_server::domain::sign_in::SIGN_IN_FREE_PER_CLIENT as usize {
        assert_eq!(attempt(&app, n).await?, 401, "client {n} is someone else");
    }
    Ok(())
}

#[tokio::test]
async fn wrong_enrolment_keys_make_the_next_try_wait() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let enrol = |key: &str| {
        app.http
            .post(app.url("/api/v1/devices/enroll"))
            .json(&json!({"enrolment_key": key, "device": crate::helpers::facts("GUESSER")}))
            .send()
    };
    for n in 0..bellhop_server::domain::devices::ENROL_FREE_FAILURES {
        let res = enrol(&format!("guess-{n}")).await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    }
    let res = enrol("acme-demo-key").await?;
    assert_eq!(
        expect_error(res, 429).await?,
        "rate_limited",
        "even the right key waits"
    );
    Ok(())
}
