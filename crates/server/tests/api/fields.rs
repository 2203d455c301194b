//! Ticket types and custom fields: the desk defines them; users fill in the editable
//! ones when opening a ticket and never receive the hidden ones; locked default fields keep their
//! default; bad values are refused with the reason.

use bellhop_proto::{
    AuditEntry, CustomFieldAccess, FieldAccess, FieldValue, MyPortal, NewTicket, Page, Ticket,
    TicketFields,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

async fn fields(app: &TestApp, tech: &str) -> anyhow::Result<TicketFields> {
    let res = app.get(tech, "/api/v1/ticket-fields").await?;
    anyhow::ensure!(res.status() == 200, "ticket-fields: {}", res.status());
    Ok(res.json().await?)
}

async fn save(app: &TestApp, tech: &str, fields: &TicketFields) -> anyhow::Result<()> {
    let res = app
        .put(
            tech,
            "/api/v1/ticket-fields",
            &serde_json::to_value(fields)?,
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "save: {}", res.status());
    Ok(())
}

async fn open(app: &TestApp, token: &str, body: Value) -> anyhow::Result<reqwest::Response> {
    let mut ticket = serde_json::to_value(NewTicket::new("Screen flickers", "Since the update"))?;
    if let (Some(t), Some(extra)) = (ticket.as_object_mut(), body.as_object()) {
        t.extend(extra.clone());
    }
    app.post(token, "/api/v1/tickets", &ticket).await
}

async fn created(app: &TestApp, token: &str, body: Value) -> anyhow::Result<Ticket> {
    let res = open(app, token, body).await?;
    anyhow::ensure!(res.status() == 201, "create: {}", res.status());
    Ok(res.json().await?)
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

#[tokio::test]
async fn only_technicians_read_or_change_the_ticket_fields() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let res = app.get(&bob, "/api/v1/ticket-fields").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let body = serde_json::to_value(TicketFields::default())?;
    let res = app.put(&bob, "/api/v1/ticket-fields", &body).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .get(app.url("/api/v1/ticket-fields"))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");

    // Definitions that make no sense are refused with the reason; nothing changes.
    let before = fields(&app, &tech).await?;
    let mut twice = before.clone();
    twice.custom.push(twice.custom[0].clone());
    let mut assignee = before.clone();
    assignee.defaults.assignee = FieldAccess::Editable;
    let mut bad_key = before.clone();
    bad_key.types[0].key = "Bad Key".into();
    for bad in [twice, assignee, bad_key] {
        let res = app
            .put(&tech, "/api/v1/ticket-fields", &serde_json::to_value(&bad)?)
            .await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request");
    }
    let res = app
        .put(
            &tech,
            "/api/v1/ticket-fields",
            &json!({"custom": [{"key": "x"}]}),
        )
        .await?;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(fields(&app, &tech).await?, before);
    Ok(())
}

#[tokio::test]
async fn users_fill_in_editable_fields_and_never_see_the_desks_own() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;

    // The demo desk: three types, three fields for users, the cost centre for itself.
    let mine: MyPortal = app.get(&bob, "/api/v1/me/portal").await?.json().await?;
    // Besides those asked only on the catalog's forms.
    let keys: Vec<&str> = mine
        .ticket_fields
        .custom
        .iter()
        .filter(|f| !f.catalog_only)
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(keys, ["asset_tag", "affected", "needed_by"]);
    assert_eq!(mine.ticket_fields.types.len(), 3);
    let techs: MyPortal = app.get(&tech, "/api/v1/me/portal").await?.json().await?;
    assert!(techs.ticket_fields.field("cost_centre").is_some());

    // Bob's values are kept; the hidden one he tried to set is dropped.
    let ticket = created(
        &app,
        &bob,
        json!({"ticket_type": "incident",
               "custom_fields": {"asset_tag": "A-1042", "affected": "My team",
                                 "needed_by": "2026-12-01", "cost_centre": "Sales"}}),
    )
    .await?;
    assert_eq!(ticket.ticket_type.as_deref(), Some("incident"));
    assert_eq!(ticket.custom_fields.len(), 3);
    assert_eq!(ticket.custom_fields["asset_tag"], text("A-1042"));
    assert!(!ticket.custom_fields.contains_key("cost_centre"));

    // Wrong values are refused with the reason, and no ticket is made.
    let count = app.tickets(&bob).await?.len();
    for bad in [
        json!({"custom_fields": {"nope": "x"}}),
        json!({"custom_fields": {"affected": "Half the planet"}}),
        json!({"custom_fields": {"needed_by": "tomorrow"}}),
        json!({"custom_fields": {"asset_tag": 42}}),
        json!({"ticket_type": "complaint"}),
    ] {
        let res = open(&app, &bob, bad.clone()).await?;
        assert_eq!(expect_error(res, 422).await?, "bad_request", "{bad}");
    }
    assert_eq!(app.tickets(&bob).await?.len(), count);

    // The desk sets its own field; Bob never receives it: not in the ticket, the list or the
    // sync feed, and he cannot change fields himself.
    let path = format!("/api/v1/tickets/{}", ticket.id);
    let res = app
        .patch(
            &tech,
            &path,
            &json!({"custom_fields": {"asset_tag": "A-1042", "cost_centre": "IT"},
                                      "ticket_type": "service_request"}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let seen: Ticket = app.get(&tech, &path).await?.json().await?;
    assert_eq!(seen.custom_fields["cost_centre"], text("IT"));
    assert_eq!(seen.ticket_type.as_deref(), Some("service_request"));
    assert!(
        !seen.custom_fields.contains_key("affected"),
        "left out: cleared"
    );
    let bobs: Value = app.get(&bob, &path).await?.json().await?;
    assert_eq!(bobs["custom_fields"], json!({"asset_tag": "A-1042"}));
    let list = app.get(&bob, "/api/v1/tickets").await?.text().await?;
    let feed = app
        .get(&bob, "/api/v1/sync/changes?after=0")
        .await?
        .text()
        .await?;
    for body in [&list, &feed] {
        assert!(body.contains("A-1042") && !body.contains("cost_centre"));
    }
    let res = app
        .patch(
            &bob,
            &path,
            &json!({"custom_fields": {"asset_tag": "mine"}}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .patch(
            &tech,
            &path,
            &json!({"custom_fields": {"cost_centre": "HR"}}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    // The queue filters by type.
    let page: Page<Ticket> = app
        .get(
            &tech,
            "/api/v1/tickets?ticket_type=service_request&limit=200",
        )
        .await?
        .json()
        .await?;
    assert!(page.items.iter().any(|t| t.id == ticket.id));
    assert!(
        page.items
            .iter()
            .all(|t| t.ticket_type.as_deref() == Some("service_request"))
    );
    Ok(())
}

#[tokio::test]
async fn required_fields_locked_types_and_hidden_defaults_are_enforced() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    // No catalog here: its forms would keep the asset tag from being hidden below.
    let res = app
        .put(&tech, "/api/v1/catalog", &json!({"categories": []}))
        .await?;
    assert_eq!(res.status(), 200);
    let mut desk = fields(&app, &tech).await?;
    desk.custom[0].required = true;
    desk.defaults.ticket_type = FieldAccess::ReadOnly;
    desk.defaults.assignee = FieldAccess::Hidden;
    save(&app, &tech, &desk).await?;

    let res = open(&app, &bob, json!({})).await?;
    let body: Value = res.json().await?;
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Asset tag"),
        "{body}"
    );
    // The type is the desk's to set now: Bob's choice is dropped, the ticket still goes through.
    let ticket = created(
        &app,
        &bob,
        json!({"ticket_type": "question", "custom_fields": {"asset_tag": "A-7"}}),
    )
    .await?;
    assert_eq!(ticket.ticket_type, None);
    // Technicians are not held to required fields.
    created(&app, &tech, json!({})).await?;

    // A hidden assignee is not sent to users.
    let me: Value = app.get(&tech, "/api/v1/me").await?.json().await?;
    let res = app
        .put(
            &tech,
            &format!("/api/v1/tickets/{}/assignee", ticket.id),
            &json!({"user_id": me["id"]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let bobs: Ticket = app
        .get(&bob, &format!("/api/v1/tickets/{}", ticket.id))
        .await?
        .json()
        .await?;
    assert_eq!((bobs.assignee_id, bobs.assignee_name), (None, None));

    // Hiding a custom field hides its values on existing tickets too.
    desk.custom[0].access = CustomFieldAccess::Hidden;
    save(&app, &tech, &desk).await?;
    let bobs: Ticket = app
        .get(&bob, &format!("/api/v1/tickets/{}", ticket.id))
        .await?
        .json()
        .await?;
    assert!(bobs.custom_fields.is_empty());

    let audit: Page<AuditEntry> = app
        .get(&tech, "/api/v1/audit?q=settings.ticket_fields")
        .await?
        .json()
        .await?;
    assert!(audit.items.len() >= 2, "every change is audited");
    Ok(())
}
