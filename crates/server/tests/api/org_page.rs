//! The desk's view of an account: an organisation's page (created, domains, primary contacts,
//! people and devices, company sign-in, sign-up rule) and a person's portal as they meet it.

use serde_json::{Value, json};

use crate::assistant::admin;
use crate::helpers::{enroll, expect_error, spawn_app};

#[tokio::test]
async fn an_organisations_page_and_a_persons_portal_as_the_desk_sees_them() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let orgs: Vec<Value> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let acme = orgs
        .iter()
        .find(|o| o["name"] == "Acme")
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    enroll(&app, "acme-demo-key", "bob-laptop").await?;
    let page: Value = app
        .get(&tech, &format!("/api/v1/orgs/{acme}"))
        .await?
        .json()
        .await?;
    assert_eq!(page["org"]["domains"], json!(["acme.example"]));
    assert_eq!(page["org"]["sign_up"], "domain");
    assert!(page["created_at"].is_string(), "{page}");
    let contacts: Vec<&str> = page["contacts"]
        .as_array()
        .map(|c| c.iter().filter_map(|u| u["email"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(contacts, ["alice@acme.example"]);
    assert!(page["people"].as_i64().unwrap_or_default() >= 2, "{page}");
    assert_eq!(page["devices"], 1);
    assert!(page.get("identity_provider").is_none_or(Value::is_null));

    // With company sign-in: shown, never its secret.
    let ada = admin(&app).await?;
    let res = app
        .put(
            &ada,
            &format!("/api/v1/orgs/{acme}/identity-provider"),
            &json!({"kind": "google", "tenant": "acme.example", "client_id": "bellhop",
                    "client_secret": "the google client secret"}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let page = app
        .get(&tech, &format!("/api/v1/orgs/{acme}"))
        .await?
        .text()
        .await?;
    assert!(page.contains("\"kind\":\"google\""), "{page}");
    assert!(!page.contains("the google client secret"), "{page}");

    // Refusals.
    let alice = app.login("alice@acme.example").await?;
    let res = app.get(&alice, &format!("/api/v1/orgs/{acme}")).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .get(app.url(&format!("/api/v1/orgs/{acme}")))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .get(&tech, &format!("/api/v1/orgs/{}", uuid::Uuid::now_v7()))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // A person's page shows their portal exactly as they meet it.
    let bob = app.login("bob@acme.example").await?;
    let his: Value = app.get(&bob, "/api/v1/me/portal").await?.json().await?;
    let bob_id = app.user_id("bob@acme.example").await?;
    let detail: Value = app
        .get(&tech, &format!("/api/v1/users/{bob_id}"))
        .await?
        .json()
        .await?;
    assert_eq!(detail["portal"], his);
    assert_eq!(detail["portal"]["ticketing"], true);
    Ok(())
}
