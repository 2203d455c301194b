//! An authenticator app as the second factor: set up from a QR code, confirmed by its first
//! code, each code taken once (for the set-up or for one action), removed by the person with a
//! fresh sign-in, and reset by the desk; and every refusal on the way.

use bellhop_proto::{Action, ActionState, AuditEntry, AuthenticatorSetup, Page, VerifyCodeResult};
use serde_json::{Value, json};
use totp_rs::{Builder, Secret, Totp};

use crate::actions::{action, ask, verify, waiting};
use crate::devices::confirm_identity;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};
use crate::second_factor::{factor, texts};

const APP: &str = "/api/v1/me/authenticator";
const CONFIRM: &str = "/api/v1/me/authenticator/confirm";

/// The person's side of it: an authenticator app holding the secret the server showed.
fn phone_app(setup: &AuthenticatorSetup) -> anyhow::Result<Totp> {
    let secret = Secret::try_from_base32(&setup.secret)
        .map_err(|e| anyhow::anyhow!("the secret is not base32: {e:?}"))?;
    Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

fn now() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0)
}

/// The app's code `steps` time steps from now.
fn code(app: &Totp, steps: i64) -> String {
    let at = now().saturating_add_signed(steps * 30);
    app.generate(at).to_string()
}

async fn start(app: &TestApp, token: &str) -> anyhow::Result<AuthenticatorSetup> {
    let res = app.post(token, APP, &json!({})).await?;
    anyhow::ensure!(res.status() == 201, "POST {APP}: {}", res.status());
    Ok(res.json().await?)
}

async fn confirm(app: &TestApp, token: &str, code: &str) -> anyhow::Result<reqwest::Response> {
    app.post(token, CONFIRM, &json!({ "code": code })).await
}

async fn ask_with(
    app: &TestApp,
    token: &str,
    device: &Value,
    factor: Option<&str>,
) -> anyhow::Result<reqwest::Response> {
    let mut body = json!({"id": uuid::Uuid::now_v7(), "device_id": device, "kind": "lock"});
    if let Some(factor) = factor {
        body["factor"] = json!(factor);
    }
    app.post(token, "/api/v1/actions", &body).await
}

async fn audit_actions(app: &TestApp, tech: &str, target: &str) -> anyhow::Result<Vec<String>> {
    let res = app
        .get(tech, &format!("/api/v1/audit?q={target}&limit=200"))
        .await?;
    anyhow::ensure!(res.status() == 200, "audit: {}", res.status());
    let page: Page<AuditEntry> = res.json().await?;
    Ok(page.items.into_iter().map(|e| e.action).collect())
}

#[tokio::test]
async fn bob_sets_up_an_app_and_locks_his_computer_with_its_codes_each_taken_once()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "BOB-APP").await?;
    let agent = confirm_identity(&app, &device, "bob@acme.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob_id = app.user_id("bob@acme.example").await?;
    let device_id = json!(device.device_id);
    assert_eq!(factor(&app, &bob).await?.authenticator_since, None);

    // The set-up: the secret three ways, for the QR code, the address and typing.
    let setup = start(&app, &bob).await?;
    assert!(
        setup
            .uri
            .starts_with("otpauth://totp/Bellhop:bob%40acme.example?"),
        "{}",
        setup.uri
    );
    assert!(
        setup.uri.contains(&format!("secret={}", setup.secret)),
        "{}",
        setup.uri
    );
    assert!(setup.uri.contains("issuer=Bellhop"), "{}", setup.uri);
    assert!(setup.qr_svg.contains("<svg"), "an SVG document");
    assert!(!setup.qr_svg.contains("<script"), "nothing but the picture");
    // Stored sealed: neither the base32 text nor the raw bytes' base64 is in the database.
    let raw = Secret::try_from_base32(&setup.secret).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw.as_bytes());
    for clear in [&setup.secret, &b64] {
        let found = app
            .sql(&format!(
                "UPDATE authenticators SET attempts = attempts WHERE secret LIKE '%{clear}%'"
            ))
            .await?;
        assert_eq!(found, 0, "the secret is in the database in the clear");
    }
    let phone = phone_app(&setup)?;

    // Not yet a factor: nothing can be asked with it.
    let res = ask_with(&app, &bob, &device_id, Some("totp")).await?;
    expect_error(res, 403).await?;

    // Malformed, wrong, then right.
    expect_error(confirm(&app, &bob, "12ab").await?, 422).await?;
    let right = code(&phone, 0);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let outcome: VerifyCodeResult = confirm(&app, &bob, wrong).await?.json().await?;
    assert_eq!(
        outcome,
        VerifyCodeResult {
            verified: false,
            attempts_left: 4
        }
    );
    let outcome: VerifyCodeResult = confirm(&app, &bob, &right).await?.json().await?;
    assert!(outcome.verified, "{outcome:?}");
    assert!(factor(&app, &bob).await?.authenticator_since.is_some());
    let subjects = app.mail_subjects("bob@acme.example").await?;
    assert!(
        subjects
            .iter()
            .any(|s| s == "Your Bellhop authenticator app was set up"),
        "{subjects:?}"
    );

    // Asked without naming a factor, the app is used: no text is sent.
    let lock = ask(&app, &bob, &device_id, "lock").await?;
    assert_eq!(lock.factor, bellhop_proto::FactorKind::Totp);
    assert!(texts(&app)?.is_empty(), "no text for an app's code");
    // The set-up's code was taken: it does not verify an action too.
    let res = verify(&app, &bob, &lock, &right).await;
    let why = expect_error(res, 422).await?;
    assert_eq!(why, "bad_request");
    assert_eq!(
        action(&app, &bob, &lock).await?.attempts_left,
        4,
        "a reused code costs a try"
    );
    // The app's next code does, once.
    let next = code(&phone, 1);
    let res = verify(&app, &bob, &lock, &next).await;
    assert_eq!(res.status(), 200);
    let verified: Action = res.json().await?;
    assert_eq!(verified.state, ActionState::Verified);
    let granted = waiting(&app, &agent.token).await?;
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].action.id, lock.id);

    // A second action cannot have the same code, nor an older one.
    let again = ask(&app, &bob, &device_id, "lock").await?;
    for old in [&next, &right] {
        let res = verify(&app, &bob, &again, old).await;
        expect_error(res, 422).await?;
    }
    assert_eq!(
        action(&app, &bob, &again).await?.state,
        ActionState::Requested
    );

    // The desk resets bob's factor (his phone is lost): the waiting action ends, he is told,
    // and he can ask for nothing until he sets a factor up again.
    let path = format!("/api/v1/users/{bob_id}/second-factor");
    let res = app.delete(&tech, &path).await?;
    assert_eq!(res.status(), 204);
    let ended = action(&app, &bob, &again).await?;
    assert_eq!(ended.state, ActionState::Failed);
    assert_eq!(
        ended.detail.as_deref(),
        Some("the second factor was reset by the service desk")
    );
    assert_eq!(factor(&app, &bob).await?.authenticator_since, None);
    let res = ask_with(&app, &bob, &device_id, None).await?;
    expect_error(res, 403).await?;
    let subjects = app.mail_subjects("bob@acme.example").await?;
    assert!(
        subjects
            .iter()
            .any(|s| s == "Your service desk reset your Bellhop second factor"),
        "{subjects:?}"
    );
    let audit = audit_actions(&app, &tech, &bob_id.to_string()).await?;
    for step in [
        "user.authenticator.wrong",
        "user.authenticator.set",
        "user.second_factor.reset",
    ] {
        assert!(audit.iter().any(|a| a == step), "{step} in {audit:?}");
    }
    let audit = audit_actions(&app, &tech, &again.id.to_string()).await?;
    assert!(audit.iter().any(|a| a == "action.code.wrong"), "{audit:?}");
    Ok(())
}

#[tokio::test]
async fn a_set_up_counts_once_confirmed_wrong_codes_run_out_and_changes_need_a_fresh_sign_in()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let carol = app.login("carol@globex.example").await?;

    // Five wrong first codes end the set-up; even the right code is then refused.
    let setup = start(&app, &carol).await?;
    let phone = phone_app(&setup)?;
    let right = code(&phone, 0);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (0..5).rev() {
        let outcome: VerifyCodeResult = confirm(&app, &carol, wrong).await?.json().await?;
        assert_eq!(
            outcome,
            VerifyCodeResult {
                verified: false,
                attempts_left: left
            }
        );
    }
    expect_error(confirm(&app, &carol, &right).await?, 422).await?;
    assert_eq!(factor(&app, &carol).await?.authenticator_since, None);

    // A new set-up has a new secret; the first one's codes mean nothing to it.
    let setup = start(&app, &carol).await?;
    let phone = phone_app(&setup)?;
    let outcome: VerifyCodeResult = confirm(&app, &carol, &code(&phone, 0))
        .await?
        .json()
        .await?;
    assert!(outcome.verified);

    // An hour later the same session (perhaps a stolen one) may neither replace nor remove it.
    app.sql(
        "UPDATE sessions SET created_at = created_at - 3600000
         WHERE user_id = (SELECT id FROM users WHERE email = 'carol@globex.example')",
    )
    .await?;
    let res = app.post(&carol, APP, &json!({})).await?;
    assert_eq!(expect_error(res, 403).await?, "reauthenticate");
    let res = app.delete(&carol, APP).await?;
    assert_eq!(expect_error(res, 403).await?, "reauthenticate");
    assert!(
        factor(&app, &carol).await?.authenticator_since.is_some(),
        "the app stays"
    );

    // Signed in again, carol removes it, and is told.
    let carol = app.login("carol@globex.example").await?;
    let res = app.delete(&carol, APP).await?;
    assert_eq!(res.status(), 204);
    assert_eq!(factor(&app, &carol).await?.authenticator_since, None);
    let subjects = app.mail_subjects("carol@globex.example").await?;
    assert!(
        subjects
            .iter()
            .any(|s| s == "Your Bellhop authenticator app was removed"),
        "{subjects:?}"
    );
    Ok(())
}

#[tokio::test]
async fn only_the_desk_resets_a_factor_and_strangers_set_up_nothing() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice_id = app.user_id("alice@acme.example").await?;
    let path = format!("/api/v1/users/{alice_id}/second-factor");
    let res = app.delete(&bob, &path).await?;
    expect_error(res, 403).await?;
    let res = app.http.delete(app.url(&path)).send().await?;
    expect_error(res, 401).await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let nobody = format!("/api/v1/users/{}/second-factor", uuid::Uuid::now_v7());
    let res = app.delete(&tech, &nobody).await?;
    expect_error(res, 404).await?;
    let res = app
        .delete(&tech, "/api/v1/users/not-an-id/second-factor")
        .await?;
    expect_error(res, 400).await?;
    // Nothing to reset: no letter, no audit line.
    let res = app.delete(&tech, &path).await?;
    assert_eq!(res.status(), 204);
    assert!(
        app.mail_subjects("alice@acme.example")
            .await?
            .iter()
            .all(|s| !s.contains("reset"))
    );

    let res = app.http.post(app.url(APP)).send().await?;
    expect_error(res, 401).await?;
    let res = app
        .http
        .post(app.url(CONFIRM))
        .json(&json!({"code": "123456"}))
        .send()
        .await?;
    expect_error(res, 401).await?;
    // Confirming with no set-up under way says so.
    let res = confirm(&app, &bob, "123456").await?;
    expect_error(res, 422).await?;
    Ok(())
}

#[tokio::test]
async fn one_code_typed_for_two_actions_at_once_verifies_only_one() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "BOB-RACE").await?;
    confirm_identity(&app, &device, "bob@acme.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let device_id = json!(device.device_id);
    let setup = start(&app, &bob).await?;
    let phone = phone_app(&setup)?;
    let outcome: VerifyCodeResult = confirm(&app, &bob, &code(&phone, 0)).await?.json().await?;
    assert!(outcome.verified);

    let first = ask(&app, &bob, &device_id, "lock").await?;
    let second = ask(&app, &bob, &device_id, "lock").await?;
    let next = code(&phone, 1);
    let (a, b) = tokio::join!(
        verify(&app, &bob, &first, &next),
        verify(&app, &bob, &second, &next)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "the code is taken once");
    Ok(())
}
