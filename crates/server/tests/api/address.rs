//! The portal's own address in Portal settings: the record to create, what the name resolves
//! to, and whether it reaches this server (a sealed probe sent to the public address).

use serde_json::Value;

use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

async fn address(app: &TestApp) -> anyhow::Result<Value> {
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app.get(&tech, "/api/v1/portal-settings/address").await?;
    anyhow::ensure!(res.status() == 200, "{}", res.status());
    Ok(res.json().await?)
}

#[tokio::test]
async fn the_portal_address_is_checked_against_this_server() -> anyhow::Result<()> {
    // Its own address: it reaches this server.
    let app = spawn_app().await?;
    let own = address(&app).await?;
    assert_eq!(own["public_url"], serde_json::json!(app.base));
    assert_eq!(own["host"], "127.0.0.1");
    assert_eq!(own["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(own["reaches_this_server"], true, "{own}");
    assert!(own.get("problem").is_none_or(Value::is_null), "{own}");

    // Customers and strangers are refused; a made-up probe is not this server's.
    let alice = app.login("alice@acme.example").await?;
    let res = app.get(&alice, "/api/v1/portal-settings/address").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .get(app.url("/api/v1/portal-settings/address"))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .http
        .get(app.url("/api/v1/server/probe?token=made.up"))
        .send()
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // A name that reaches another Bellhop server (its own keys) does not reach this one.
    let elsewhere = spawn_app_with(|s| {
        s.public_url = Some(app.base.replace("127.0.0.1", "localhost"));
        s.cname_target = Some("portal.host.example".into());
    })
    .await?;
    let other = address(&elsewhere).await?;
    assert_eq!(other["host"], "localhost");
    assert_eq!(other["cname_target"], "portal.host.example");
    assert_eq!(other["reaches_this_server"], false, "{other}");
    assert!(
        other["problem"]
            .as_str()
            .unwrap_or_default()
            .contains("another server"),
        "{other}"
    );

    // Nothing listening there; a name that does not resolve.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let nobody =
        spawn_app_with(|s| s.public_url = Some(format!("http://127.0.0.1:{port}"))).await?;
    let nothing = address(&nobody).await?;
    assert_eq!(nothing["reaches_this_server"], false);
    assert!(
        nothing["problem"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot be reached"),
        "{nothing}"
    );
    let unknown =
        spawn_app_with(|s| s.public_url = Some("http://help.bellhop.invalid".into())).await?;
    let unresolved = address(&unknown).await?;
    assert_eq!(unresolved["addresses"], serde_json::json!([]));
    assert!(
        unresolved["problem"]
            .as_str()
            .unwrap_or_default()
            .contains("does not resolve"),
        "{unresolved}"
    );
    Ok(())
}
