//! The desk looking at a customer's portal, read-only, with their consent: refused without it;
//! with it, the person's portal as they see it, every write refused by the server; audited, and
//! listed for the person; over when the consent is withdrawn.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

/// Trades a look's ticket.
async fn finish(app: &TestApp, ticket: &Value) -> anyhow::Result<reqwest::Response> {
    Ok(app
        .http
        .post(app.url("/api/v1/auth/view/finish"))
        .json(&json!({ "ticket": ticket }))
        .send()
        .await?)
}

/// Opens a look at `id`'s portal as `tech` and trades its ticket: the read-only session.
async fn look(app: &TestApp, tech: &str, id: &str) -> anyhow::Result<String> {
    let res = app
        .post(tech, &format!("/api/v1/users/{id}/view"), &json!({}))
        .await?;
    anyhow::ensure!(res.status() == 200, "open: {}", res.status());
    let ticket: Value = res.json().await?;
    let res = finish(app, &ticket["ticket"]).await?;
    anyhow::ensure!(res.status() == 200, "finish: {}", res.status());
    let session: Value = res.json().await?;
    Ok(session["token"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn the_desk_sees_a_customers_portal_only_with_consent_and_changes_nothing()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let alice_id = app.id_of(&tech, "alice@acme.example").await?;
    let open = format!("/api/v1/users/{alice_id}/view");

    // Without her consent: refused, and nothing is recorded as a look.
    let res = app.post(&tech, &open, &json!({})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let page: Value = app
        .get(&tech, &format!("/api/v1/users/{alice_id}"))
        .await?
        .json()
        .await?;
    assert!(page["view_consent_until"].is_null(), "{page}");

    // She allows it for two hours, from her portal.
    let consent = |hours: u32| json!({ "hours": hours });
    for bad in [0, 169] {
        let res = app
            .put(&alice, "/api/v1/me/view-consent", &consent(bad))
            .await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{bad} hours");
    }
    let res = app
        .put(&alice, "/api/v1/me/view-consent", &consent(2))
        .await?;
    assert_eq!(res.status(), 200);
    // The desk's own accounts give none; a customer cannot open a look.
    let res = app
        .put(&tech, "/api/v1/me/view-consent", &consent(2))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let bob = app.login("bob@acme.example").await?;
    let res = app.post(&bob, &open, &json!({})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let page: Value = app
        .get(&tech, &format!("/api/v1/users/{alice_id}"))
        .await?
        .json()
        .await?;
    assert!(page["view_consent_until"].is_string(), "{page}");

    // The look: her portal as she sees it.
    let view = look(&app, &tech, &alice_id).await?;
    let me: Value = app.get(&view, "/api/v1/me").await?.json().await?;
    assert_eq!(me["email"], "alice@acme.example");
    let portal: Value = app.get(&view, "/api/v1/me/portal").await?.json().await?;
    assert_eq!(portal["viewed_by"], "Tess Tech");
    let mine: Value = app.get(&alice, "/api/v1/me/portal").await?.json().await?;
    assert!(mine.get("viewed_by").is_none(), "{mine}");
    let seen: Value = app
        .get(&view, "/api/v1/tickets?scope=org")
        .await?
        .json()
        .await?;
    let theirs: Value = app
        .get(&alice, "/api/v1/tickets?scope=org")
        .await?
        .json()
        .await?;
    assert_eq!(seen["items"], theirs["items"], "exactly what she sees");
    assert!(!seen["items"].as_array().map(Vec::is_empty).unwrap_or(true));
    // No staff endpoint opens to it.
    let res = app.get(&view, "/api/v1/users").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");

    // Every write is refused by the server, whatever the endpoint.
    let ticket_id = seen["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let writes = [
        app.post(
            &view,
            "/api/v1/tickets",
            &json!({"id": uuid::Uuid::now_v7(), "title": "x", "description": "y"}),
        )
        .await?,
        app.post(
            &view,
            &format!("/api/v1/tickets/{ticket_id}/comments"),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?,
        app.put(&view, "/api/v1/me", &json!({"language": "it"}))
            .await?,
        app.put(&view, "/api/v1/me/view-consent", &consent(100))
            .await?,
        app.delete(&view, "/api/v1/me/view-consent").await?,
        app.patch(
            &view,
            &format!("/api/v1/tickets/{ticket_id}"),
            &json!({"status": "closed"}),
        )
        .await?,
        app.post(&view, "/api/v1/auth/sign-out-everywhere", &json!({}))
            .await?,
    ];
    for res in writes {
        let url = res.url().to_string();
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{url}");
    }
    let after: Value = app
        .get(&alice, "/api/v1/tickets?scope=org")
        .await?
        .json()
        .await?;
    assert_eq!(after["items"], theirs["items"], "nothing changed");

    // Audited, and she sees who looked.
    let audit: Value = app
        .get(&tech, "/api/v1/audit?q=user.viewed")
        .await?
        .json()
        .await?;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");
    let consent_now: Value = app
        .get(&alice, "/api/v1/me/view-consent")
        .await?
        .json()
        .await?;
    assert_eq!(
        consent_now["views"][0]["viewer_name"], "Tess Tech",
        "{consent_now}"
    );

    // She withdraws: the look ends at once, and no new one opens.
    let res = app.delete(&alice, "/api/v1/me/view-consent").await?;
    assert_eq!(res.status(), 200);
    let res = app.get(&view, "/api/v1/me").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app.post(&tech, &open, &json!({})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

#[tokio::test]
async fn a_look_is_traded_once_ends_with_its_tab_and_never_at_the_desks_own() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let bob_id = app.id_of(&tech, "bob@acme.example").await?;
    app.put(&bob, "/api/v1/me/view-consent", &json!({"hours": 1}))
        .await?;
    let res = app
        .post(&tech, &format!("/api/v1/users/{bob_id}/view"), &json!({}))
        .await?;
    let ticket: Value = res.json().await?;
    assert_eq!(finish(&app, &ticket["ticket"]).await?.status(), 200);
    assert_eq!(
        expect_error(finish(&app, &ticket["ticket"]).await?, 422).await?,
        "bad_request",
        "a ticket works once"
    );
    // Signing the tab out ends the look (the one write it may make).
    let view = look(&app, &tech, &bob_id).await?;
    let res = app.post(&view, "/api/v1/auth/logout", &json!({})).await?;
    assert_eq!(res.status(), 204);
    assert_eq!(
        expect_error(app.get(&view, "/api/v1/me").await?, 401).await?,
        "unauthenticated"
    );
    // The desk's own people are not looked at.
    let tech_id = app.id_of(&tech, "tech@helpdesk.example").await?;
    let res = app
        .post(&tech, &format!("/api/v1/users/{tech_id}/view"), &json!({}))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // A technician switched off ends their looks.
    let view = look(&app, &tech, &bob_id).await?;
    app.sql("UPDATE users SET disabled_at = 1 WHERE email = 'tech@helpdesk.example'")
        .await?;
    assert_eq!(
        expect_error(app.get(&view, "/api/v1/me").await?, 401).await?,
        "unauthenticated"
    );
    Ok(())
}
