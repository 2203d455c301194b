//! Each person's language: kept by the server (`PUT /api/v1/me`), chosen by the desktop app at the
//! identity confirmation, and the language of every mail they get.

use bellhop_proto::{DeviceCredential, Language, User};
use serde_json::json;

use crate::helpers::{enroll, expect_error, spawn_app};

#[tokio::test]
async fn a_user_sets_their_language_and_their_mail_follows_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;

    // Nobody else's business, and only languages Bellhop speaks.
    let anonymous = app
        .http
        .put(app.url("/api/v1/me"))
        .json(&json!({"language": "it"}))
        .send()
        .await?;
    assert_eq!(expect_error(anonymous, 401).await?, "unauthenticated");
    let res = app
        .put(&bob, "/api/v1/me", &json!({"language": "pt"}))
        .await?;
    assert_eq!(res.status(), 422);
    let res = app.put(&bob, "/api/v1/me", &json!({"language": 7})).await?;
    assert_eq!(expect_error(res, 400).await?, "bad_request");

    let res = app
        .put(&bob, "/api/v1/me", &json!({"language": "it"}))
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<User>().await?.language, Language::It);
    let me: User = app.get(&bob, "/api/v1/me").await?.json().await?;
    assert_eq!(me.language, Language::It);
    // Alice keeps hers.
    let alice = app.login("alice@acme.example").await?;
    let her: User = app.get(&alice, "/api/v1/me").await?.json().await?;
    assert_eq!(her.language, Language::En);

    // The reset mail is Italian, text and HTML, the link intact.
    let res = app
        .http
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&json!({"email": "bob@acme.example"}))
        .send()
        .await?;
    assert_eq!(res.status(), 202);
    let mails = app.mails("bob@acme.example").await?;
    let (subject, text, html) = mails.last().ok_or_else(|| anyhow::anyhow!("no mail"))?;
    assert_eq!(subject, "Reimposta la tua password Bellhop");
    assert!(text.starts_with("Ciao Bob"), "{text}");
    assert!(text.contains("per un'ora"), "{text}");
    assert!(html.contains(">Scegli una nuova password</a>"), "{html}");
    assert!(app.reset_token("bob@acme.example").await?.is_some());
    Ok(())
}

#[tokio::test]
async fn the_desktop_apps_language_writes_the_token_mail_and_a_new_users_language()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let device = enroll(&app, "acme-demo-key", "IVAN-PC").await?;
    let res = app
        .post(
            &device.device_secret,
            "/api/v1/device/identity/send-token",
            &json!({"first_name": "Иван", "last_name": "Петров", "email": "ivan@acme.example",
                    "language": "ru"}),
        )
        .await?;
    assert_eq!(res.status(), 202);
    let mails = app.mails("ivan@acme.example").await?;
    let (subject, text, html) = mails.last().ok_or_else(|| anyhow::anyhow!("no mail"))?;
    assert_eq!(subject, "Ваш код подтверждения Bellhop");
    assert!(text.starts_with("Здравствуйте, Иван Петров!"), "{text}");
    let at = text
        .find("Ваш код подтверждения: ")
        .ok_or_else(|| anyhow::anyhow!("no code in {text}"))?;
    let code: String = text[at + "Ваш код подтверждения: ".len()..]
        .chars()
        .take(9)
        .collect();
    assert!(html.contains(&format!(
        "<strong style=\"font-size:1.4em\">{code}</strong>"
    )));

    // The user created by the confirmation reads Russian from then on.
    let res = app
        .post(
            &device.device_secret,
            "/api/v1/device/identity/confirm",
            &json!({"email": "ivan@acme.example", "token": code}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let credential: DeviceCredential = res.json().await?;
    assert_eq!(credential.user.language, Language::Ru);

    // The device credential may change it too (the desktop's language menu).
    let res = app
        .put(&credential.token, "/api/v1/me", &json!({"language": "de"}))
        .await?;
    assert_eq!(res.json::<User>().await?.language, Language::De);

    // An app that does not say gets English for someone new.
    let other = enroll(&app, "acme-demo-key", "NEW-PC").await?;
    let res = app
        .post(
            &other.device_secret,
            "/api/v1/device/identity/send-token",
            &json!({"first_name": "Nia", "last_name": "Ng", "email": "nia@acme.example"}),
        )
        .await?;
    assert_eq!(res.status(), 202);
    let mails = app.mails("nia@acme.example").await?;
    assert_eq!(
        mails.last().map(|m| m.0.as_str()),
        Some("Your Bellhop confirmation token")
    );
    Ok(())
}
