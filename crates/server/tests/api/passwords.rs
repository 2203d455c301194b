//! Forgotten passwords: an emailed single-use link sets a new one and signs out everywhere.

use serde_json::json;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_out_everywhere() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let old_session = app.login("bob@acme.example").await?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&json!({"email": "Bob@Acme.example"}))
        .send()
        .await?;
    assert_eq!(res.status(), 202);
    let token = app
        .reset_token("bob@acme.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no reset email"))?;

    let reset = |password: &str| {
        app.http
            .post(app.url("/api/v1/auth/reset-password"))
            .json(&json!({"token": token, "password": password}))
            .send()
    };
    let res = reset("short").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request", "too short");
    let res = reset("a much better passphrase").await?;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.login_status("bob@acme.example", "bellhop-demo").await?,
        401
    );
    assert_eq!(
        app.login_status("bob@acme.example", "a much better passphrase")
            .await?,
        200
    );
    let res = app.get(&old_session, "/api/v1/me").await?;
    assert_eq!(
        expect_error(res, 401).await?,
        "unauthenticated",
        "old sessions end"
    );
    let res = reset("yet another passphrase").await?;
    assert_eq!(
        expect_error(res, 422).await?,
        "bad_request",
        "the link works once"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&json!({"email": "nobody@acme.example"}))
        .send()
        .await?;
    assert_eq!(res.status(), 202);
    assert!(app.reset_token("nobody@acme.example").await?.is_none());
    let res = app
        .http
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&json!({"email": "not an address"}))
        .send()
        .await?;
    expect_error(res, 422).await?;
    let res = app
        .http
        .post(app.url("/api/v1/auth/reset-password"))
        .json(&json!({"token": "bhr_made_up", "password": "long enough password"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn reset_emails_are_capped_per_address() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for _ in 0..5 {
        let res = app
            .http
            .post(app.url("/api/v1/auth/forgot-password"))
            .json(&json!({"email": "alice@acme.example"}))
            .send()
            .await?;
        assert_eq!(res.status(), 202, "the answer never changes");
    }
    app.mail.drain().await?;
    let sent = app
        .mail_subjects("alice@acme.example")
        .await?
        .iter()
        .filter(|s| s.contains("Reset your Bellhop password"))
        .count();
    assert_eq!(sent, 3, "at most three reset emails an hour");
    Ok(())
}
