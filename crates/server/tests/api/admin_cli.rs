//! `bellhop-server admin add`: the desk's first admin from the command line, beside a running
//! server, on its database (SQLite or PostgreSQL).

use bellhop_proto::{Role, User};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

/// Runs `bellhop-server … admin add` on the app's database; its exit status and output.
async fn admin_add(app: &TestApp, email: &str) -> anyhow::Result<(bool, String)> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bellhop-server"));
    command
        .arg("--data-dir")
        .arg(app.dir.path())
        .args(["--public-url", &app.base]);
    if let Some(url) = &app.database_url {
        command.args(["--database-url", url]);
    }
    let out = command
        .args(["admin", "add", "--email", email, "--name", "Ada Admin"])
        .env("RUST_LOG", "warn")
        .output()
        .await?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// The password-link token in the command's output.
fn token(output: &str) -> anyhow::Result<String> {
    output
        .split("#/reset-password?token=")
        .nth(1)
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| anyhow::anyhow!("no link in {output:?}"))
}

#[tokio::test]
async fn the_first_admin_comes_from_the_command_line_and_can_come_back() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (ok, out) = admin_add(&app, "Ada@Helpdesk.example").await?;
    assert!(ok, "{out}");
    assert!(
        out.contains("ada@helpdesk.example is the desk's admin now"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}/#/reset-password?token=", app.base)),
        "{out}"
    );
    assert_eq!(
        app.reset_password(&token(&out)?, "a long admin passphrase")
            .await?,
        204
    );
    assert_eq!(
        app.login_status("ada@helpdesk.example", "a long admin passphrase")
            .await?,
        200
    );
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "ada@helpdesk.example", "password": "a long admin passphrase"}))
        .send()
        .await?;
    let ada: serde_json::Value = res.json().await?;
    let me: User = app
        .get(ada["token"].as_str().unwrap_or_default(), "/api/v1/me")
        .await?
        .json()
        .await?;
    assert_eq!(me.role, Role::Admin);
    assert_eq!(me.org_id, None);

    // Switched off by mistake: the command line brings her back, with a new link.
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{}/disable", me.id),
            &json!({}),
        )
        .await?;
    assert_eq!(res.status(), 403, "a technician cannot switch an admin off");
    app.sql(&format!(
        "UPDATE users SET disabled_at = 1 WHERE id = '{}'",
        me.id
    ))
    .await?;
    assert_eq!(
        app.login_status("ada@helpdesk.example", "a long admin passphrase")
            .await?,
        401
    );
    let (ok, out) = admin_add(&app, "ada@helpdesk.example").await?;
    assert!(ok, "{out}");
    assert!(out.contains("is an admin of the desk again"), "{out}");
    assert_eq!(
        app.reset_password(&token(&out)?, "another long passphrase")
            .await?,
        204
    );
    assert_eq!(
        app.login_status("ada@helpdesk.example", "another long passphrase")
            .await?,
        200
    );

    // The technician made admin.
    let (ok, out) = admin_add(&app, "tech@helpdesk.example").await?;
    assert!(ok, "{out}");
    let tess: User = app.get(&tech, "/api/v1/me").await?.json().await?;
    assert_eq!(tess.role, Role::Admin);

    // The audit log says who did it, and how.
    let audit: serde_json::Value = app
        .get(&tech, "/api/v1/audit?q=user.admin")
        .await?
        .json()
        .await?;
    let entries = audit["items"].as_array().map(Vec::len).unwrap_or_default();
    assert_eq!(entries, 3, "{audit}");
    Ok(())
}

#[tokio::test]
async fn a_customer_or_a_malformed_address_is_not_made_admin() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (ok, out) = admin_add(&app, "bob@acme.example").await?;
    assert!(!ok, "{out}");
    assert!(out.contains("customer's address"), "{out}");
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.user_id("bob@acme.example").await?;
    let bob: serde_json::Value = app
        .get(&tech, &format!("/api/v1/users/{bob}"))
        .await?
        .json()
        .await?;
    assert_eq!(bob["user"]["role"], "end_user", "{bob}");
    let (ok, out) = admin_add(&app, "not an address").await?;
    assert!(!ok, "{out}");
    Ok(())
}
