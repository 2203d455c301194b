//! The desk's field rules hold on every path: what a user may not set is not stored from them,
//! what they may not see is not sent to them (one ticket, lists, the change feed), a filter on
//! it is refused, and where a ticket came from is the agent's alone to say.

use bellhop_proto::{FieldAccess, Priority, Ticket, TicketFields, TicketSource};
use serde_json::{Value, json};

use crate::devices::confirm_identity;
use crate::helpers::{TestApp, enroll, expect_error, spawn_app};

async fn set_defaults(
    app: &TestApp,
    tech: &str,
    change: impl FnOnce(&mut TicketFields),
) -> anyhow::Result<()> {
    let mut fields: TicketFields = app.get(tech, "/api/v1/ticket-fields").await?.json().await?;
    change(&mut fields);
    let res = app
        .put(
            tech,
            "/api/v1/ticket-fields",
            &serde_json::to_value(&fields)?,
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "ticket-fields: {}", res.status());
    Ok(())
}

async fn open(app: &TestApp, token: &str, body: Value) -> anyhow::Result<Ticket> {
    let mut ticket = json!({"id": uuid::Uuid::now_v7(), "title": "Screen flickers",
                            "description": "since the update"});
    if let (Some(t), Some(extra)) = (ticket.as_object_mut(), body.as_object()) {
        t.extend(extra.clone());
    }
    let res = app.post(token, "/api/v1/tickets", &ticket).await?;
    anyhow::ensure!(res.status() == 201, "create: {}", res.status());
    Ok(res.json().await?)
}

/// Every way a user reads a ticket, as raw JSON: the answer to the creation is passed in; the
/// single ticket, the list and the change feed are read.
async fn every_read(app: &TestApp, token: &str, ticket: &Ticket) -> anyhow::Result<Vec<Value>> {
    let one: Value = app
        .get(token, &format!("/api/v1/tickets/{}", ticket.id))
        .await?
        .json()
        .await?;
    let list: Value = app
        .get(token, "/api/v1/tickets?limit=200")
        .await?
        .json()
        .await?;
    let listed = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == one["id"]).cloned())
        .ok_or_else(|| anyhow::anyhow!("not listed"))?;
    let feed: Value = app
        .get(token, "/api/v1/sync/changes?after=0&limit=1000")
        .await?
        .json()
        .await?;
    let fed = feed["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["ticket"]["id"] == one["id"]))
        .map(|c| c["ticket"].clone())
        .ok_or_else(|| anyhow::anyhow!("not in the feed"))?;
    Ok(vec![one, listed, fed])
}

#[tokio::test]
async fn a_users_priority_counts_only_where_the_desk_lets_users_set_it_and_a_hidden_one_is_never_shown()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    // The demo desk hides the priority from users.
    let urgent = open(&app, &bob, json!({"priority": "urgent"})).await?;
    assert_eq!(urgent.priority, None, "the answer to bob");
    for read in every_read(&app, &bob, &urgent).await? {
        assert!(read.get("priority").is_none(), "shown back: {read}");
    }
    let seen: Ticket = app
        .get(&tech, &format!("/api/v1/tickets/{}", urgent.id))
        .await?
        .json()
        .await?;
    assert_eq!(seen.priority, Some(Priority::Normal), "stored as normal");

    // Through the outbox too.
    let id = uuid::Uuid::now_v7();
    let push = json!({"ops": [{"op_id": uuid::Uuid::now_v7(), "op": {"type": "create_ticket",
        "ticket": {"id": id, "title": "Queued offline", "priority": "urgent"}}}]});
    assert_eq!(
        app.post(&bob, "/api/v1/sync/push", &push).await?.status(),
        200
    );
    let pushed: Ticket = app
        .get(&tech, &format!("/api/v1/tickets/{id}"))
        .await?
        .json()
        .await?;
    assert_eq!(pushed.priority, Some(Priority::Normal));

    // Naming a priority in an update is refused the same whatever the hidden value, so it
    // cannot be probed.
    for guess in ["normal", "urgent"] {
        let res = app
            .patch(
                &bob,
                &format!("/api/v1/tickets/{}", urgent.id),
                &json!({"priority": guess}),
            )
            .await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{guess}");
    }

    // Read-only: shown, still not set by users. Editable: theirs to choose.
    set_defaults(&app, &tech, |f| f.defaults.priority = FieldAccess::ReadOnly).await?;
    let shown = open(&app, &bob, json!({"priority": "urgent"})).await?;
    assert_eq!(shown.priority, Some(Priority::Normal));
    set_defaults(&app, &tech, |f| f.defaults.priority = FieldAccess::Editable).await?;
    let chosen = open(&app, &bob, json!({"priority": "high"})).await?;
    assert_eq!(chosen.priority, Some(Priority::High));
    Ok(())
}

#[tokio::test]
async fn a_description_users_may_not_write_becomes_their_first_reply_and_a_hidden_one_is_never_shown()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let earlier = open(
        &app,
        &bob,
        json!({"description": "the password is on a sticky note"}),
    )
    .await?;
    set_defaults(&app, &tech, |f| {
        f.defaults.description = FieldAccess::Hidden
    })
    .await?;

    let ticket = open(
        &app,
        &bob,
        json!({"description": "typed before the desk changed its mind"}),
    )
    .await?;
    assert_eq!(ticket.description, "");
    let stored: Ticket = app
        .get(&tech, &format!("/api/v1/tickets/{}", ticket.id))
        .await?
        .json()
        .await?;
    assert_eq!(stored.description, "", "not stored as the description");
    let conversation: Vec<bellhop_proto::Comment> = app
        .get(&tech, &format!("/api/v1/tickets/{}/comments", ticket.id))
        .await?
        .json()
        .await?;
    assert_eq!(conversation.len(), 1, "{conversation:?}");
    assert_eq!(
        conversation[0].body,
        "typed before the desk changed its mind"
    );
    assert_eq!(conversation[0].author_name, "Bob Baker");

    for read in every_read(&app, &bob, &earlier).await? {
        assert_eq!(read["description"], "", "shown back: {read}");
    }
    // Nor found by its words.
    let found: Value = app
        .get(&bob, "/api/v1/tickets?q=sticky")
        .await?
        .json()
        .await?;
    assert_eq!(found["items"], json!([]), "{found}");
    let found: Value = app
        .get(&tech, "/api/v1/tickets?q=sticky")
        .await?
        .json()
        .await?;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn a_filter_on_a_field_the_desk_hides_is_refused_not_applied() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let tech_id = app.user_id("tech@helpdesk.example").await?;
    set_defaults(&app, &tech, |f| {
        f.defaults.assignee = FieldAccess::Hidden;
        f.defaults.ticket_type = FieldAccess::Hidden;
    })
    .await?;
    for query in [
        format!("assignee_id={tech_id}"),
        "unassigned=true".to_owned(),
        "ticket_type=incident".to_owned(),
    ] {
        let res = app.get(&bob, &format!("/api/v1/tickets?{query}")).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{query}");
        let res = app.get(&tech, &format!("/api/v1/tickets?{query}")).await?;
        assert_eq!(res.status(), 200, "the desk filters as it likes: {query}");
    }
    for read in every_read(&app, &bob, &app.tickets(&bob).await?[0]).await? {
        assert!(
            read["assignee_id"].is_null() && read["ticket_type"].is_null(),
            "{read}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn where_a_ticket_came_from_and_the_machines_facts_are_the_agents_alone_to_say()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let facts = json!({"hostname": "FORGED", "os": "o", "os_version": "v", "kernel_version": null,
        "os_user": "u", "serial": null, "uptime_secs": 1, "cpu": null, "cpu_cores": null,
        "memory_total_bytes": 1, "memory_used_bytes": 1, "disks": [], "interfaces": [],
        "taken_at": "2026-11-22T08:00:00Z"});
    let claimed = json!({"source": "hotkey", "system_info": facts});
    let from_browser = open(&app, &bob, claimed.clone()).await?;
    assert_eq!(from_browser.source, TicketSource::Portal);
    let info: Value = app
        .get(
            &tech,
            &format!("/api/v1/tickets/{}/system-info", from_browser.id),
        )
        .await?
        .json()
        .await?;
    assert_eq!(info, Value::Null, "no machine facts from a browser");

    let device = enroll(&app, "acme-demo-key", "ACME-RULES").await?;
    let desktop = confirm_identity(&app, &device, "bob@acme.example").await?;
    let from_agent = open(&app, &desktop.token, claimed).await?;
    assert_eq!(from_agent.source, TicketSource::Hotkey);
    let info: Value = app
        .get(
            &tech,
            &format!("/api/v1/tickets/{}/system-info", from_agent.id),
        )
        .await?
        .json()
        .await?;
    assert_eq!(info["hostname"], "FORGED", "the agent's own report is kept");
    for server_side in ["chat", "assistant"] {
        let t = open(&app, &desktop.token, json!({"source": server_side})).await?;
        assert_eq!(t.source, TicketSource::Portal, "{server_side}");
    }
    Ok(())
}
