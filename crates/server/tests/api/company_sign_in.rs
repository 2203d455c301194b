//! Signing in with a company account, against a real OpenID Connect provider the test starts:
//! the npm package `oidc-provider` (tests/e2e/oidc-provider.mjs). The provider signs in whoever
//! Bellhop names as `login_hint`; told to, it plays a provider gone wrong (a changed issuer,
//! audience, nonce or expiry, signed again with its key; or a signature of a key it never
//! published).

use std::process::Stdio;
use std::time::Duration;

use bellhop_proto::{LoginResponse, Role, User};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use crate::assistant::admin;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};

/// The provider, stopped when dropped.
struct Provider {
    issuer: String,
    _child: tokio::process::Child,
}

const SECRET: &str = "a client secret of the test provider";

async fn provider(app: &TestApp, tamper: Option<&str>) -> anyhow::Result<Provider> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/e2e/oidc-provider.mjs"
    );
    let mut command = tokio::process::Command::new("node");
    command
        .arg(script)
        .env("OIDC_CLIENT_ID", "bellhop")
        .env("OIDC_CLIENT_SECRET", SECRET)
        .env(
            "OIDC_REDIRECT_URI",
            app.url("/api/v1/auth/company/callback"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(tamper) = tamper {
        command.env("OIDC_TAMPER", tamper);
    }
    let mut child = command.spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no output"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .map_err(|_| anyhow::anyhow!("the OpenID provider did not start within 30 s"))??
        .ok_or_else(|| anyhow::anyhow!("the OpenID provider exited (is tests/e2e installed?)"))?;
    let issuer = first
        .strip_prefix("listening ")
        .ok_or_else(|| anyhow::anyhow!("the provider said {first:?}"))?
        .to_owned();
    // The rest of its output is read and let go, so that it never writes to a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Provider {
        issuer,
        _child: child,
    })
}

async fn acme(app: &TestApp, token: &str) -> anyhow::Result<String> {
    let orgs: Vec<Value> = app.get(token, "/api/v1/orgs").await?.json().await?;
    orgs.iter()
        .find(|o| o["name"] == "Acme")
        .and_then(|o| o["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no Acme"))
}

/// Connects Acme to `provider` as `kind`, with `extra` fields; answers the status.
async fn connect(
    app: &TestApp,
    admin: &str,
    provider: &Provider,
    extra: Value,
) -> anyhow::Result<Value> {
    let org = acme(app, admin).await?;
    let mut body = json!({"issuer": provider.issuer, "client_id": "bellhop",
                          "client_secret": SECRET});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let res = app
        .put(
            admin,
            &format!("/api/v1/orgs/{org}/identity-provider"),
            &body,
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "connecting failed: {}", res.status());
    Ok(res.json().await?)
}

/// A server whose Acme signs in with a provider of its own (generic, password sign-in on), and
/// its admin's session.
async fn connected() -> anyhow::Result<(TestApp, Provider, String)> {
    let app = spawn_app().await?;
    let op = provider(&app, None).await?;
    let ada = admin(&app).await?;
    connect(&app, &ada, &op, json!({})).await?;
    Ok((app, op, ada))
}

/// What a browser does: starts at the portal with `email`, follows the provider's redirects
/// (keeping its cookies), and comes back to Bellhop's callback; answers where the callback sent
/// it (the portal's address with its fragment).
async fn through_the_provider(app: &TestApp, email: &str) -> anyhow::Result<String> {
    let res = app
        .http
        .post(app.url("/api/v1/auth/company/start"))
        .json(&json!({ "email": email }))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "start: {}", res.status());
    let start: Value = res.json().await?;
    follow(app, start["url"].as_str().unwrap_or_default()).await
}

/// A browser of its own from the provider's `url` back to Bellhop's callback; where the callback
/// sends it.
async fn follow(app: &TestApp, url: &str) -> anyhow::Result<String> {
    let mut at = url::Url::parse(url)?;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let callback = app.url("/api/v1/auth/company/callback");
    for _ in 0..20 {
        let res = browser.get(at.clone()).send().await?;
        let Some(location) = res.headers().get("location").and_then(|l| l.to_str().ok()) else {
            anyhow::bail!("{at} answered {} without a redirect", res.status());
        };
        let next = at.join(location)?;
        if at.as_str().starts_with(&callback) {
            return Ok(next.to_string());
        }
        at = next;
    }
    anyhow::bail!("too many redirects")
}

/// The ticket in the portal address the callback sent the browser to, if it holds one.
fn ticket(location: &str) -> Option<&str> {
    location.split("#/company-sign-in?ticket=").nth(1)
}

async fn finish(app: &TestApp, ticket: &str) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .post(app.url("/api/v1/auth/company/finish"))
        .json(&json!({ "ticket": ticket }))
        .send()
        .await?)
}

/// Signs `email` in through the provider; their session.
async fn sign_in(app: &TestApp, email: &str) -> anyhow::Result<LoginResponse> {
    let location = through_the_provider(app, email).await?;
    let ticket = ticket(&location).ok_or_else(|| anyhow::anyhow!("refused: {location}"))?;
    let res = finish(app, ticket).await?;
    anyhow::ensure!(res.status() == 200, "finish: {}", res.status());
    Ok(res.json().await?)
}

/// The reason the callback gave, when the sign-in failed.
async fn refused(app: &TestApp, email: &str) -> anyhow::Result<String> {
    let location = through_the_provider(app, email).await?;
    anyhow::ensure!(ticket(&location).is_none(), "{email} got in: {location}");
    location
        .split("#/login?company_error=")
        .nth(1)
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no reason in {location}"))
}

#[tokio::test]
async fn people_sign_in_with_their_company_account_and_new_ones_join_their_organisation()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let op = provider(&app, None).await?;
    let ada = admin(&app).await?;
    let shown = connect(&app, &ada, &op, json!({})).await?;
    assert_eq!(shown["kind"], "oidc");
    assert_eq!(shown["has_secret"], true);
    assert_eq!(shown["password_sign_in"], true);
    assert_eq!(
        shown["redirect_uri"],
        json!(app.url("/api/v1/auth/company/callback"))
    );
    assert!(
        !shown.to_string().contains(SECRET),
        "the secret came back: {shown}"
    );

    // Alice is known: the provider's account is tied to her.
    let alice = sign_in(&app, "alice@acme.example").await?;
    assert_eq!(alice.user.email, "alice@acme.example");
    let me: User = app.get(&alice.token, "/api/v1/me").await?.json().await?;
    assert_eq!(me.name, "Alice Archer", "a known person keeps her name");
    // Again: the tie holds.
    let again = sign_in(&app, "alice@acme.example").await?;
    assert_eq!(again.user.id, alice.user.id);

    // Dana is new: she joins Acme as an end user, named as the provider says.
    let dana = sign_in(&app, "dana@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let acme_id = acme(&app, &tech).await?;
    assert_eq!(dana.user.role, Role::EndUser);
    assert_eq!(dana.user.name, "Dana Doe");
    assert_eq!(
        dana.user.org_id.map(|o| o.to_string()),
        Some(acme_id.clone())
    );
    let first = app.create_ticket(&dana.token, "My first request").await?;
    assert_eq!(first.title, "My first request");

    // The desk sees both in the audit log.
    let audit: Value = app
        .get(&tech, "/api/v1/audit?q=company")
        .await?
        .json()
        .await?;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"user.company_sign_in"), "{audit}");
    assert!(actions.contains(&"user.company_sign_up"), "{audit}");

    // A ticket works once.
    let location = through_the_provider(&app, "alice@acme.example").await?;
    let once = ticket(&location).unwrap_or_default().to_owned();
    assert_eq!(finish(&app, &once).await?.status(), 200);
    assert_eq!(
        expect_error(finish(&app, &once).await?, 422).await?,
        "bad_request"
    );
    assert_eq!(
        expect_error(finish(&app, "bht_made-up").await?, 422).await?,
        "bad_request"
    );
    Ok(())
}

#[tokio::test]
async fn a_provider_whose_token_does_not_hold_up_signs_nobody_in() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    for tamper in ["iss", "aud", "nonce", "exp", "sig"] {
        let op = provider(&app, Some(tamper)).await?;
        connect(&app, &ada, &op, json!({})).await?;
        assert_eq!(
            refused(&app, "alice@acme.example").await?,
            "invalid",
            "a token with a changed {tamper}"
        );
    }
    // Nobody was made or tied by any of them.
    let tech = app.login("tech@helpdesk.example").await?;
    let audit: Value = app
        .get(&tech, "/api/v1/audit?q=company")
        .await?
        .json()
        .await?;
    let company = audit["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("user.company"))
        })
        .count();
    assert_eq!(company, 0, "{audit}");
    Ok(())
}

#[tokio::test]
async fn unverified_addresses_other_tenants_other_organisations_and_people_switched_off_are_refused()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let op = provider(&app, None).await?;
    let ada = admin(&app).await?;
    // The Entra preset: every token's tid must be Acme's tenant.
    connect(
        &app,
        &ada,
        &op,
        json!({"kind": "entra", "tenant": "acme-tenant"}),
    )
    .await?;
    // Entra vouches for an address with xms_edov; this provider sends email_verified, which
    // counts the same.
    assert_eq!(
        refused(&app, "erin@acme.example").await?,
        "unverified_email"
    );
    assert_eq!(refused(&app, "mallory@acme.example").await?, "wrong_tenant");
    // Carol is Globex's: Acme's provider cannot sign her in, whatever address it vouches for.
    assert_eq!(
        refused(&app, "carol@acme.example").await?,
        "not_of_organisation"
    );
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.user_id("bob@acme.example").await?;
    let res = app
        .post(&tech, &format!("/api/v1/users/{bob}/disable"), &json!({}))
        .await?;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(refused(&app, "bob@acme.example").await?, "no_access");
    // Alice belongs to the tenant: in.
    sign_in(&app, "alice@acme.example").await?;

    // The Google preset checks the hosted domain the same way.
    connect(
        &app,
        &ada,
        &op,
        json!({"kind": "google", "tenant": "acme.example"}),
    )
    .await?;
    assert_eq!(refused(&app, "mallory@acme.example").await?, "wrong_tenant");
    sign_in(&app, "alice@acme.example").await?;
    Ok(())
}

#[tokio::test]
async fn a_sign_in_is_answered_once_and_a_refusal_or_a_made_up_state_gets_nothing()
-> anyhow::Result<()> {
    let (app, _op, _ada) = connected().await?;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let callback = |query: &str| app.url(&format!("/api/v1/auth/company/callback?{query}"));
    let reason = async |query: &str| -> anyhow::Result<String> {
        let res = plain.get(callback(query)).send().await?;
        anyhow::ensure!(res.status() == 303, "{}", res.status());
        Ok(res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned())
    };
    assert!(
        reason("state=made-up&code=abc")
            .await?
            .ends_with("#/login?company_error=expired")
    );
    assert!(reason("").await?.ends_with("#/login?company_error=expired"));

    // A real sign-in's state, answered with the provider's refusal, then again with a code.
    let res = app
        .http
        .post(app.url("/api/v1/auth/company/start"))
        .json(&json!({"email": "alice@acme.example"}))
        .send()
        .await?;
    let url: Value = res.json().await?;
    let url = url::Url::parse(url["url"].as_str().unwrap_or_default())?;
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(
        reason(&format!("state={state}&error=access_denied"))
            .await?
            .ends_with("#/login?company_error=refused")
    );
    assert!(
        reason(&format!("state={state}&code=abc"))
            .await?
            .ends_with("#/login?company_error=expired"),
        "a state is answered once"
    );

    // Addresses of a domain without a provider, and malformed ones.
    let start = async |body: Value| -> anyhow::Result<reqwest::Response> {
        Ok(app
            .http
            .post(app.url("/api/v1/auth/company/start"))
            .json(&body)
            .send()
            .await?)
    };
    assert_eq!(
        expect_error(start(json!({"email": "carol@globex.example"})).await?, 404).await?,
        "not_found"
    );
    assert_eq!(
        expect_error(start(json!({"email": "not an address"})).await?, 422).await?,
        "bad_request"
    );
    assert_eq!(
        expect_error(start(json!({"mail": "alice@acme.example"})).await?, 422).await?,
        "bad_request"
    );
    Ok(())
}

#[tokio::test]
async fn an_organisation_can_switch_password_sign_in_off_for_its_people() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let op = provider(&app, None).await?;
    let ada = admin(&app).await?;
    connect(&app, &ada, &op, json!({"password_sign_in": false})).await?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "alice@acme.example", "password": "bellhop-demo"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // A wrong password is still just wrong: nothing said about the organisation.
    assert_eq!(
        app.login_status("alice@acme.example", "not her password")
            .await?,
        401
    );
    // No password links for them either.
    assert_eq!(app.forgot_password("alice@acme.example").await?, 202);
    assert!(app.reset_token("alice@acme.example").await?.is_none());
    // Globex's people are not touched.
    assert_eq!(
        app.login_status("carol@globex.example", "bellhop-demo")
            .await?,
        200
    );
    // Alice signs in with her company account.
    sign_in(&app, "alice@acme.example").await?;

    // Password sign-in on again.
    connect(&app, &ada, &op, json!({"password_sign_in": true})).await?;
    assert_eq!(
        app.login_status("alice@acme.example", "bellhop-demo")
            .await?,
        200
    );
    Ok(())
}

#[tokio::test]
async fn only_admins_connect_a_provider_and_its_secret_never_comes_back() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ada = admin(&app).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let org = acme(&app, &tech).await?;
    let path = format!("/api/v1/orgs/{org}/identity-provider");
    let good = json!({"kind": "oidc", "issuer": "https://idp.acme.example",
                      "client_id": "bellhop", "client_secret": SECRET});

    // Nobody has one yet.
    assert_eq!(
        expect_error(app.get(&tech, &path).await?, 404).await?,
        "not_found"
    );
    // A technician reads but does not connect; a customer does neither; nobody signed in, 401.
    assert_eq!(
        expect_error(app.put(&tech, &path, &good).await?, 403).await?,
        "forbidden"
    );
    assert_eq!(
        expect_error(app.delete(&tech, &path).await?, 403).await?,
        "forbidden"
    );
    assert_eq!(
        expect_error(app.get(&alice, &path).await?, 403).await?,
        "forbidden"
    );
    assert_eq!(
        expect_error(app.put(&alice, &path, &good).await?, 403).await?,
        "forbidden"
    );
    let anonymous = app.http.get(app.url(&path)).send().await?;
    assert_eq!(expect_error(anonymous, 401).await?, "unauthenticated");

    // What an admin is told to fix.
    for (bad, why) in [
        (
            json!({"issuer": "http://idp.acme.example", "client_id": "x"}),
            "plain HTTP off this machine",
        ),
        (
            json!({"issuer": "file:///etc/passwd", "client_id": "x"}),
            "not a web address",
        ),
        (json!({"kind": "oidc", "client_id": "x"}), "no issuer"),
        (
            json!({"kind": "entra", "client_id": "x"}),
            "Entra without its tenant",
        ),
        (
            json!({"kind": "google", "client_id": "x"}),
            "Google without its domain",
        ),
        (
            json!({"issuer": "https://idp.acme.example", "client_id": " "}),
            "no client id",
        ),
        (
            json!({"issuer": "https://idp.acme.example", "client_id": "x", "extra": 1}),
            "an unknown field",
        ),
        (json!({"kind": "saml", "client_id": "x"}), "an unknown kind"),
    ] {
        let res = app.put(&ada, &path, &bad).await?;
        assert_eq!(res.status(), 422, "{why}: {bad}");
    }
    let unknown = format!("/api/v1/orgs/{}/identity-provider", uuid::Uuid::now_v7());
    assert_eq!(
        expect_error(app.put(&ada, &unknown, &good).await?, 404).await?,
        "not_found"
    );

    // Connected: the secret is kept, never shown, and kept when a change leaves it out.
    let shown: Value = app.put(&ada, &path, &good).await?.json().await?;
    assert_eq!(shown["has_secret"], true);
    let entra = json!({"kind": "entra", "tenant": "0000-aaaa", "client_id": "bellhop"});
    let shown: Value = app.put(&ada, &path, &entra).await?.json().await?;
    assert_eq!(
        shown["issuer"],
        "https://login.microsoftonline.com/0000-aaaa/v2.0"
    );
    assert_eq!(shown["has_secret"], true, "the secret stays: {shown}");
    let read = app.get(&tech, &path).await?.text().await?;
    assert!(!read.contains(SECRET), "{read}");
    let kept = app
        .sql_text("SELECT client_secret FROM identity_providers")
        .await?
        .unwrap_or_default();
    assert!(
        !kept.is_empty() && !kept.contains(SECRET),
        "kept as {kept:?}"
    );

    // Disconnected: gone, and so is company sign-in for acme.example.
    assert_eq!(app.delete(&ada, &path).await?.status(), 204);
    assert_eq!(
        expect_error(app.delete(&ada, &path).await?, 404).await?,
        "not_found"
    );
    let res = app
        .http
        .post(app.url("/api/v1/auth/company/start"))
        .json(&json!({"email": "alice@acme.example"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}

/// A PKCE pair as an app makes it: a verifier, and its S256 challenge.
fn pkce(verifier: &str) -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier.to_owned(), challenge)
}

/// A desktop app's sign-in begun for `email` on the device with `secret`; the provider's address.
async fn start_app(
    app: &TestApp,
    secret: &str,
    email: &str,
    challenge: &str,
) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .post(app.url("/api/v1/device/identity/company/start"))
        .bearer_auth(secret)
        .json(
            &json!({"email": email, "redirect_uri": "http://127.0.0.1:9/bellhop/company-sign-in",
                      "code_challenge": challenge, "state": "the app's own state"}),
        )
        .send()
        .await?)
}

/// The query of the app's loopback address the callback sent the browser to.
fn app_answer(location: &str) -> anyhow::Result<Vec<(String, String)>> {
    let url = url::Url::parse(location)?;
    anyhow::ensure!(
        url.as_str()
            .starts_with("http://127.0.0.1:9/bellhop/company-sign-in?"),
        "not sent back to the app: {location}"
    );
    Ok(url.query_pairs().into_owned().collect())
}

/// A desktop app's sign-in for `email` through the provider: the query the browser brings back
/// to the app's loopback address.
async fn app_round(
    app: &TestApp,
    secret: &str,
    email: &str,
    challenge: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let res = start_app(app, secret, email, challenge).await?;
    anyhow::ensure!(res.status() == 200, "start: {}", res.status());
    let url: Value = res.json().await?;
    app_answer(&follow(app, url["url"].as_str().unwrap_or_default()).await?)
}

/// One value of a query.
fn get(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

async fn finish_app(
    app: &TestApp,
    secret: &str,
    code: &str,
    verifier: &str,
) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .post(app.url("/api/v1/device/identity/company/finish"))
        .bearer_auth(secret)
        .json(&json!({"code": code, "code_verifier": verifier}))
        .send()
        .await?)
}

#[tokio::test]
async fn a_desktop_app_confirms_its_person_through_the_loopback_and_proves_it_asked()
-> anyhow::Result<()> {
    let (app, _op, _ada) = connected().await?;
    let laptop = enroll(&app, "acme-demo-key", "bob-laptop").await?;
    let other = enroll(&app, "acme-demo-key", "other-laptop").await?;
    let (verifier, challenge) = pkce("the-verifier-only-bobs-app-holds-long-enough-to-count");

    // Begun, through the provider, and back to the app's loopback address with a code.
    let back = app_round(&app, &laptop.device_secret, "bob@acme.example", &challenge).await?;
    assert_eq!(get(&back, "state").as_deref(), Some("the app's own state"));
    let code = get(&back, "code").ok_or_else(|| anyhow::anyhow!("no code: {back:?}"))?;
    // The portal cannot take an app's code.
    assert_eq!(
        expect_error(finish(&app, &code).await?, 422).await?,
        "bad_request"
    );

    // Again, for the real thing: another device cannot use the code, nor a wrong verifier.
    let back = app_round(&app, &laptop.device_secret, "bob@acme.example", &challenge).await?;
    let code = get(&back, "code").unwrap_or_default();
    let res = finish_app(&app, &other.device_secret, &code, &verifier).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "another device"
    );
    let back = app_round(&app, &laptop.device_secret, "bob@acme.example", &challenge).await?;
    let code = get(&back, "code").unwrap_or_default();
    let res = finish_app(
        &app,
        &laptop.device_secret,
        &code,
        "a-verifier-someone-guessed-of-the-right-shape-too",
    )
    .await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "a wrong verifier"
    );
    let res = finish_app(&app, &laptop.device_secret, &code, &verifier).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "a code is tried once"
    );
    let res = finish_app(&app, &laptop.device_secret, &code, "short").await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "a malformed verifier"
    );

    // And right.
    let back = app_round(&app, &laptop.device_secret, "bob@acme.example", &challenge).await?;
    let code = get(&back, "code").unwrap_or_default();
    let res = finish_app(&app, &laptop.device_secret, &code, &verifier).await?;
    assert_eq!(res.status(), 200);
    let credential: Value = res.json().await?;
    assert_eq!(credential["user"]["email"], "bob@acme.example");
    let me: User = app
        .get(
            credential["token"].as_str().unwrap_or_default(),
            "/api/v1/me",
        )
        .await?
        .json()
        .await?;
    assert_eq!(me.name, "Bob Baker");

    // A refusal goes back to the app too, with the reason.
    let back = app_round(&app, &laptop.device_secret, "erin@acme.example", &challenge).await?;
    assert!(
        back.contains(&("error".into(), "unverified_email".into())),
        "{back:?}"
    );
    assert!(back.iter().all(|(k, _)| k != "code"), "{back:?}");
    Ok(())
}

#[tokio::test]
async fn an_app_sign_in_must_come_back_to_its_own_computer_from_an_active_device()
-> anyhow::Result<()> {
    let (app, _op, _ada) = connected().await?;
    let laptop = enroll(&app, "acme-demo-key", "bob-laptop").await?;
    let (_, challenge) = pkce("the-verifier-only-bobs-app-holds-long-enough-to-count");
    let start = async |body: Value, secret: &str| -> anyhow::Result<reqwest::Response> {
        Ok(app
            .http
            .post(app.url("/api/v1/device/identity/company/start"))
            .bearer_auth(secret)
            .json(&body)
            .send()
            .await?)
    };
    for (uri, why) in [
        ("https://evil.example/steal", "another computer"),
        ("http://localhost:9/cb", "a name, not a loopback address"),
        ("http://127.0.0.1/cb", "no port"),
    ] {
        let body = json!({"email": "bob@acme.example", "redirect_uri": uri,
                          "code_challenge": challenge, "state": "s"});
        let res = start(body, &laptop.device_secret).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{why}");
    }
    let body = json!({"email": "bob@acme.example", "redirect_uri": "http://127.0.0.1:9/cb",
                      "code_challenge": "plain", "state": "s"});
    let res = start(body, &laptop.device_secret).await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "not an S256 challenge"
    );
    // Without the device's secret; from a device waiting for activation (Globex's wait).
    let good = json!({"email": "bob@acme.example", "redirect_uri": "http://127.0.0.1:9/cb",
                      "code_challenge": challenge, "state": "s"});
    let bob = app.login("bob@acme.example").await?;
    assert_eq!(
        expect_error(start(good.clone(), &bob).await?, 401).await?,
        "unauthenticated"
    );
    let waiting = enroll(&app, "globex-demo-key", "carol-laptop").await?;
    assert_eq!(
        expect_error(start(good.clone(), &waiting.device_secret).await?, 403).await?,
        "forbidden"
    );
    assert_eq!(start(good, &laptop.device_secret).await?.status(), 200);
    Ok(())
}
