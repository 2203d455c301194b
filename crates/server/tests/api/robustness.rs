use serde_json::json;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn no_token_and_a_wrong_password_are_401_with_a_json_body() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let res = app.http.get(app.url("/api/v1/tickets")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app.get("not-a-token", "/api/v1/tickets").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "bob@acme.example", "password": "nope"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn malformed_requests_are_4xx_with_a_json_body() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let url = app.url("/api/v1/tickets");

    let res = app
        .http
        .post(&url)
        .bearer_auth(&bob)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await?;
    assert_eq!(expect_error(res, 400).await?, "bad_request");

    let res = app
        .post(&bob, "/api/v1/tickets", &json!({"id": 7, "title": ["x"]}))
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let res = app
        .http
        .post(&url)
        .bearer_auth(&bob)
        .body("title=x")
        .send()
        .await?;
    assert_eq!(expect_error(res, 415).await?, "bad_request");

    let huge = "x".repeat(2 * 1024 * 1024);
    let res = app
        .post(
            &bob,
            "/api/v1/tickets",
            &json!({"id": uuid::Uuid::now_v7(), "title": "t", "description": huge}),
        )
        .await?;
    assert_eq!(expect_error(res, 413).await?, "payload_too_large");

    let long_title = "x".repeat(bellhop_proto::MAX_TITLE_CHARS + 1);
    let res = app
        .post(
            &bob,
            "/api/v1/tickets",
            &json!({"id": uuid::Uuid::now_v7(), "title": long_title}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let res = app.get(&bob, "/api/v1/tickets/not-a-uuid").await?;
    assert_eq!(expect_error(res, 400).await?, "bad_request");
    let res = app.get(&bob, "/api/v1/tickets?status=sideways").await?;
    assert_eq!(expect_error(res, 400).await?, "bad_request");
    let res = app.get(&bob, "/api/v1/tickets?cursor=abc").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = app.get(&bob, "/api/v1/nothing-here").await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .http
        .delete(app.url("/api/v1/tickets"))
        .bearer_auth(&bob)
        .send()
        .await?;
    assert_eq!(expect_error(res, 405).await?, "bad_request");

    assert_eq!(
        app.tickets(&bob).await?.len(),
        4,
        "nothing was half-written"
    );
    Ok(())
}

#[tokio::test]
async fn health_probes_and_the_openapi_document_answer() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    assert_eq!(
        app.http.get(app.url("/healthz")).send().await?.status(),
        200
    );
    assert_eq!(app.http.get(app.url("/readyz")).send().await?.status(), 200);
    let doc: serde_json::Value = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await?
        .json()
        .await?;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(doc["paths"]["/api/v1/tickets"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Ticket"].is_object());
    let res = app.http.get(app.url("/api/v1/server")).send().await?;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let csp = res.headers()["content-security-policy"].to_str()?;
    assert!(
        csp.contains("script-src 'self'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
    let info: bellhop_proto::ServerInfo = res.json().await?;
    let expected = if crate::helpers::on_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(info.database, expected);
    Ok(())
}
