//! Portal settings: technicians switch sections on or off per user, choose the
//! statuses users see and whether they may reopen; the server enforces it at once.

use bellhop_proto::{
    Audience, AuditEntry, MyPortal, OpOutcome, Page, PortalSettings, PushResponse, SectionRule,
    Ticket, TicketStatus, User,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

async fn mine(app: &TestApp, token: &str) -> anyhow::Result<MyPortal> {
    let res = app.get(token, "/api/v1/me/portal").await?;
    anyhow::ensure!(res.status() == 200, "me/portal: {}", res.status());
    Ok(res.json().await?)
}

async fn save(app: &TestApp, tech: &str, settings: &PortalSettings) -> anyhow::Result<()> {
    let res = app
        .put(
            tech,
            "/api/v1/portal-settings",
            &serde_json::to_value(settings)?,
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "save: {}", res.status());
    Ok(())
}

async fn user_id(app: &TestApp, token: &str) -> anyhow::Result<bellhop_proto::UserId> {
    Ok(app.get(token, "/api/v1/me").await?.json::<User>().await?.id)
}

#[tokio::test]
async fn only_technicians_read_or_change_the_portal_settings() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app.get(&bob, "/api/v1/portal-settings").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let body = serde_json::to_value(PortalSettings::default())?;
    let res = app.put(&bob, "/api/v1/portal-settings", &body).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .put(app.url("/api/v1/portal-settings"))
        .json(&body)
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let res = app.http.get(app.url("/api/v1/me/portal")).send().await?;
    expect_error(res, 401).await?;

    // Everything is on until the desk says otherwise.
    let defaults = app.get(&tech, "/api/v1/portal-settings").await?;
    assert_eq!(
        defaults.json::<PortalSettings>().await?,
        PortalSettings::default()
    );
    let bobs = mine(&app, &bob).await?;
    assert!(bobs.ticketing && bobs.knowledge_base && bobs.can_reopen);
    assert_eq!(bobs.visible_statuses.len(), 4);
    Ok(())
}

#[tokio::test]
async fn the_knowledge_base_switched_off_for_bob_only_is_gone_for_him_and_kept_for_alice()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    assert_eq!(app.get(&bob, "/api/v1/kb/articles").await?.status(), 200);
    let settings = PortalSettings {
        knowledge_base: SectionRule {
            audience: Audience::AllBut,
            users: vec![user_id(&app, &bob).await?],
            orgs: Vec::new(),
        },
        ..PortalSettings::default()
    };
    save(&app, &tech, &settings).await?;

    assert!(!mine(&app, &bob).await?.knowledge_base);
    let res = app.get(&bob, "/api/v1/kb/articles").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app.get(&bob, "/api/v1/kb/stamps").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    assert!(mine(&app, &alice).await?.knowledge_base);
    let articles: Vec<Value> = app.get(&alice, "/api/v1/kb/articles").await?.json().await?;
    assert_eq!(articles.len(), 10);
    let id = articles[0]["id"].as_str().unwrap_or_default().to_owned();
    let res = app.get(&bob, &format!("/api/v1/kb/articles/{id}")).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    assert!(
        mine(&app, &tech).await?.knowledge_base,
        "staff see everything"
    );

    let log: Page<AuditEntry> = app
        .get(&tech, "/api/v1/audit?q=settings.portal")
        .await?
        .json()
        .await?;
    assert_eq!(log.items.len(), 1);
    Ok(())
}

#[tokio::test]
async fn ticketing_for_chosen_users_reopening_and_visible_statuses_are_enforced()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let resolved = app
        .tickets(&bob)
        .await?
        .into_iter()
        .find(|t| t.status == TicketStatus::Resolved)
        .ok_or_else(|| anyhow::anyhow!("bob has no resolved ticket"))?;
    let earlier = json!({"id": uuid::Uuid::now_v7(), "title": "Sent before", "description": ""});
    let first: Ticket = app
        .post(&bob, "/api/v1/tickets", &earlier)
        .await?
        .json()
        .await?;
    let settings = PortalSettings {
        ticketing: SectionRule {
            audience: Audience::Only,
            users: vec![user_id(&app, &alice).await?],
            orgs: Vec::new(),
        },
        visible_statuses: vec![
            TicketStatus::Open,
            TicketStatus::AwaitingReply,
            TicketStatus::Resolved,
        ],
        reopen_allowed: false,
        ..PortalSettings::default()
    };
    save(&app, &tech, &settings).await?;

    // Opening tickets: alice yes; bob no, online or through his outbox (rejected, with why).
    app.create_ticket(&alice, "Alice may").await?;
    let new = json!({"id": uuid::Uuid::now_v7(), "title": "Bob may not", "description": ""});
    let res = app.post(&bob, "/api/v1/tickets", &new).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // A ticket he sent before, sent again (his outbox retrying): the first result, not a refusal.
    let res = app.post(&bob, "/api/v1/tickets", &earlier).await?;
    assert_eq!(res.status(), 200);
    let again: Ticket = res.json().await?;
    assert_eq!((again.id, again.number), (first.id, first.number));
    let push = json!({"ops": [{"op_id": uuid::Uuid::now_v7(),
                                "op": {"type": "create_ticket", "ticket": new}}]});
    let pushed: PushResponse = app
        .post(&bob, "/api/v1/sync/push", &push)
        .await?
        .json()
        .await?;
    match &pushed.outcomes[0] {
        OpOutcome::Rejected { error, .. } => assert!(error.message.contains("switched")),
        other => panic!("expected a rejection, got {other:?}"),
    }

    // Reopening is off; the desk still can.
    let path = format!("/api/v1/tickets/{}", resolved.id);
    let res = app
        .http
        .patch(app.url(&path))
        .bearer_auth(&bob)
        .json(&json!({"status": "open"}))
        .send()
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .patch(app.url(&path))
        .bearer_auth(&tech)
        .json(&json!({"status": "open"}))
        .send()
        .await?;
    assert_eq!(res.status(), 200);

    // Users see only the chosen statuses, in lists and everywhere else; technicians see all.
    let listed = app.tickets(&alice).await?;
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|t| t.status != TicketStatus::Closed));
    let all = app.tickets(&tech).await?;
    let closed = all
        .iter()
        .find(|t| t.status == TicketStatus::Closed && t.org_name.as_deref() == Some("Acme"))
        .ok_or_else(|| anyhow::anyhow!("no closed Acme ticket"))?;
    for path in [
        format!("/api/v1/tickets/{}", closed.id),
        format!("/api/v1/tickets/{}/comments", closed.id),
        format!("/api/v1/tickets/{}/attachments", closed.id),
    ] {
        let res = app.get(&alice, &path).await?;
        assert_eq!(expect_error(res, 404).await?, "not_found", "{path}");
    }
    let ids: Vec<bellhop_proto::TicketId> =
        app.get(&alice, "/api/v1/tickets/ids").await?.json().await?;
    assert!(!ids.contains(&closed.id), "an offline copy drops it");
    let feed = app
        .get(&alice, "/api/v1/sync/changes?after=0&limit=1000")
        .await?
        .text()
        .await?;
    assert!(!feed.contains(&closed.id.to_string()), "the change feed");
    let bobs = mine(&app, &bob).await?;
    assert!(!bobs.ticketing && !bobs.can_reopen);
    Ok(())
}

#[tokio::test]
async fn settings_that_make_no_sense_are_refused_with_the_reason() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let mut body = serde_json::to_value(PortalSettings::default())?;
    body["visible_statuses"] = json!([]);
    let res = app.put(&tech, "/api/v1/portal-settings", &body).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let mut body = serde_json::to_value(PortalSettings::default())?;
    body["assistant"] = json!({"audience": "only", "users": [uuid::Uuid::now_v7()]});
    let res = app.put(&tech, "/api/v1/portal-settings", &body).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    let mut body = serde_json::to_value(PortalSettings::default())?;
    body["surprise"] = json!(true);
    let res = app.put(&tech, "/api/v1/portal-settings", &body).await?;
    assert_eq!(res.status(), 422);

    Ok(())
}
