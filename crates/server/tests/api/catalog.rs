//! The service catalog: who sees which items, what the desk may save, a request as a ticket of
//! its item with its form's values, malformed forms refused with the field named, and the
//! primary contact's approval before the desk sees a request.

use bellhop_proto::{ApprovalState, Catalog, Comment, Ticket, TicketStatus};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, spawn_app};

fn request(item: &str, fields: Value) -> Value {
    json!({
        "id": uuid::Uuid::now_v7(),
        "title": format!("A request for {item}"),
        "description": "asked from the catalog",
        "catalog_item": item,
        "custom_fields": fields,
    })
}

async fn ask(app: &TestApp, token: &str, body: &Value) -> anyhow::Result<reqwest::Response> {
    app.post(token, "/api/v1/tickets", body).await
}

async fn asked(app: &TestApp, token: &str, item: &str, fields: Value) -> anyhow::Result<Ticket> {
    let res = ask(app, token, &request(item, fields)).await?;
    anyhow::ensure!(res.status() == 201, "asking for {item}: {}", res.status());
    Ok(res.json().await?)
}

async fn catalog(app: &TestApp, token: &str) -> anyhow::Result<Catalog> {
    Ok(app
        .get(token, "/api/v1/catalog")
        .await?
        .error_for_status()?
        .json()
        .await?)
}

fn keys(c: &Catalog) -> Vec<String> {
    c.items().map(|i| i.key.clone()).collect()
}

async fn decide(
    app: &TestApp,
    token: &str,
    ticket: &Ticket,
    body: Value,
) -> anyhow::Result<reqwest::Response> {
    app.post(
        token,
        &format!("/api/v1/tickets/{}/approval", ticket.id),
        &body,
    )
    .await
}

#[tokio::test]
async fn items_limited_to_globex_are_invisible_to_acme() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;

    // The demo catalog: SAP access is Globex's alone.
    let all = catalog(&app, &tech).await?;
    assert_eq!(all.items().count(), 12);
    let sap = all
        .item("erp-access")
        .ok_or_else(|| anyhow::anyhow!("the demo has no SAP item"))?;
    assert_eq!(sap.orgs.len(), 1, "the desk sees whom an item is for");

    let acme = catalog(&app, &bob).await?;
    assert!(!keys(&acme).contains(&"erp-access".to_owned()));
    assert_eq!(acme.items().count(), 11);
    let globex = catalog(&app, &carol).await?;
    assert!(keys(&globex).contains(&"erp-access".to_owned()));
    assert!(
        globex.items().all(|i| i.orgs.is_empty()),
        "a person is not told whom else an item is for"
    );

    // Asking for it from Acme is asking for something that does not exist.
    let res = ask(&app, &bob, &request("erp-access", json!({}))).await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("there is no catalog item \"erp-access\"")),
        "{body}"
    );

    // An item the desk limits to nobody Acme knows leaves an empty category out.
    let mut limited = all.clone();
    let globex_id = sap.orgs[0];
    for item in &mut limited.categories[1].items {
        item.orgs = vec![globex_id];
    }
    let res = app
        .put(&tech, "/api/v1/catalog", &serde_json::to_value(&limited)?)
        .await?;
    assert_eq!(res.status(), 200);
    let acme = catalog(&app, &bob).await?;
    assert_eq!(acme.categories.len(), 2);
    assert!(
        !acme
            .categories
            .iter()
            .any(|c| c.key == limited.categories[1].key)
    );
    Ok(())
}

#[tokio::test]
async fn a_request_is_a_ticket_of_its_item_with_its_forms_values() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;

    let body = request("monitor", json!({"quantity": 2, "location": "B-204"}));
    let res = ask(&app, &bob, &body).await?;
    assert_eq!(res.status(), 201);
    let ticket: Ticket = res.json().await?;
    assert_eq!(ticket.catalog_item.as_deref(), Some("monitor"));
    assert_eq!(ticket.approval, None, "a monitor needs nobody's approval");
    assert_eq!(ticket.custom_fields.len(), 2);
    assert_eq!(ticket.ticket_type, None);

    // Sent again (a retry): the same ticket, not a second one.
    let res = ask(&app, &bob, &body).await?;
    assert_eq!(res.status(), 200);
    let again: Ticket = res.json().await?;
    assert_eq!(again.id, ticket.id);

    // The desk sees it at once, with the item and the values.
    let seen: Ticket = app
        .get(&tech, &format!("/api/v1/tickets/{}", ticket.id))
        .await?
        .json()
        .await?;
    assert_eq!(seen.catalog_item.as_deref(), Some("monitor"));
    assert_eq!(
        serde_json::to_value(&seen.custom_fields["location"])?,
        json!("B-204")
    );

    // A field only catalog forms ask is not taken from an ordinary ticket.
    let mut plain = request("monitor", json!({"location": "B-204", "asset_tag": "A-1"}));
    plain["catalog_item"] = Value::Null;
    let res = ask(&app, &bob, &plain).await?;
    assert_eq!(res.status(), 201);
    let plain: Ticket = res.json().await?;
    assert_eq!(plain.catalog_item, None);
    assert_eq!(
        plain.custom_fields.keys().collect::<Vec<_>>(),
        ["asset_tag"]
    );
    Ok(())
}

#[tokio::test]
async fn malformed_forms_are_refused_with_the_field_named() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;

    let cases = [
        (
            json!({"needed_by": "2027-01-04"}),
            "Person's name must be filled in",
        ),
        (
            json!({"person_name": "Dana", "needed_by": "next Monday"}),
            "Needed by: a date as YYYY-MM-DD",
        ),
        (
            json!({"person_name": "Dana", "needed_by": "2027-01-04", "application": "Excel 97"}),
            "Application: one of",
        ),
        (
            json!({"person_name": "Dana", "needed_by": "2027-01-04", "shoe_size": 44}),
            "there is no custom field \"shoe_size\"",
        ),
        (
            json!({"person_name": 42, "needed_by": "2027-01-04"}),
            "Person's name: text",
        ),
    ];
    for (fields, expected) in cases {
        let res = ask(&app, &bob, &request("new-colleague", fields.clone())).await?;
        let status = res.status().as_u16();
        let body: Value = res.json().await?;
        assert_eq!(status, 422, "{fields}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{fields}: {message:?}");
    }
    assert!(
        app.tickets(&bob)
            .await?
            .iter()
            .all(|t| t.catalog_item.is_none()),
        "nothing was created"
    );

    // The desk's own mistakes are named too, and end users cannot save a catalog at all.
    let mut broken = catalog(&app, &tech).await?;
    broken.categories[0].items[0].form[0].field = "nope".into();
    let res = app
        .put(&tech, "/api/v1/catalog", &serde_json::to_value(&broken)?)
        .await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("item new-colleague: there is no custom field \"nope\"")),
        "{body}"
    );
    let res = app
        .put(
            &tech,
            "/api/v1/catalog",
            &json!({"categories": [{"key": "x"}]}),
        )
        .await?;
    expect_error(res, 422).await?;
    let mut dupe = catalog(&app, &tech).await?;
    let first = dupe.categories[0].items[0].clone();
    dupe.categories[2].items.push(first);
    let res = app
        .put(&tech, "/api/v1/catalog", &serde_json::to_value(&dupe)?)
        .await?;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("item new-colleague is listed twice")),
        "{body}"
    );
    let res = app
        .put(&bob, "/api/v1/catalog", &json!({"categories": []}))
        .await?;
    expect_error(res, 403).await?;

    // A field the catalog's forms use cannot be taken away from under them.
    let mut fields: Value = app
        .get(&tech, "/api/v1/ticket-fields")
        .await?
        .json()
        .await?;
    let custom = fields["custom"]
        .as_array_mut()
        .ok_or_else(|| anyhow::anyhow!("no custom fields"))?;
    custom.retain(|f| f["key"] != "person_name");
    let res = app.put(&tech, "/api/v1/ticket-fields", &fields).await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"].as_str().is_some_and(|m| m
            .contains("the service catalog would break")
            && m.contains("person_name")),
        "{body}"
    );
    Ok(())
}

#[tokio::test]
async fn approval_is_enforced() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let form = json!({"person_name": "Dana Dale", "needed_by": "2027-01-04"});

    // Bob asks; it waits for Acme's primary contact, and the desk does not see it.
    let ticket = asked(&app, &bob, "new-colleague", form.clone()).await?;
    assert_eq!(ticket.approval, Some(ApprovalState::Pending));
    // Alice, Acme's primary contact, is asked by email, with a link to the request.
    let subjects = app.mail_subjects("alice@acme.example").await?;
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Bob Baker asks for") && s.ends_with("your approval")),
        "{subjects:?}"
    );
    let texts = app.mail_texts("alice@acme.example").await?;
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("/#/tickets/{}", ticket.id))
                && t.contains("Set up a new colleague")),
        "{texts:?}"
    );
    let path = format!("/api/v1/tickets/{}", ticket.id);
    expect_error(app.get(&tech, &path).await?, 404).await?;
    assert!(!app.tickets(&tech).await?.iter().any(|t| t.id == ticket.id));
    let changes: Value = app
        .get(&tech, "/api/v1/sync/changes?after=0&limit=500")
        .await?
        .json()
        .await?;
    assert!(
        !changes.to_string().contains(&ticket.id.to_string()),
        "the desk's change feed does not carry it"
    );
    // The desk cannot act on it either.
    let reply = json!({"id": uuid::Uuid::now_v7(), "body": "on it"});
    expect_error(
        app.post(&tech, &format!("{path}/comments"), &reply).await?,
        404,
    )
    .await?;

    // Nobody but a primary contact of Acme decides: not Bob himself, not Globex, not the desk.
    expect_error(
        decide(&app, &bob, &ticket, json!({"approve": true})).await?,
        403,
    )
    .await?;
    expect_error(
        decide(&app, &carol, &ticket, json!({"approve": true})).await?,
        404,
    )
    .await?;
    expect_error(
        decide(&app, &tech, &ticket, json!({"approve": true})).await?,
        404,
    )
    .await?;
    expect_error(
        decide(&app, &alice, &ticket, json!({"approve": "yes"})).await?,
        422,
    )
    .await?;

    // Alice sees it among her organisation's requests, and approves: the desk sees it now.
    assert!(app.tickets(&alice).await?.iter().any(|t| t.id == ticket.id));
    let res = decide(&app, &alice, &ticket, json!({"approve": true})).await?;
    assert_eq!(res.status(), 200);
    let approved: Ticket = res.json().await?;
    assert_eq!(approved.approval, Some(ApprovalState::Approved));
    assert_eq!(approved.approval_by_name.as_deref(), Some("Alice Archer"));
    let seen: Ticket = app.get(&tech, &path).await?.json().await?;
    assert_eq!(seen.status, TicketStatus::Open);
    // Bob is told by email who approved it.
    let texts = app.mail_texts("bob@acme.example").await?;
    let subject = format!("Subject: Your request #{} is approved", ticket.number);
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&subject) && t.contains("Alice Archer approved your request")),
        "{texts:?}"
    );
    // Decided once.
    expect_error(
        decide(&app, &alice, &ticket, json!({"approve": false})).await?,
        409,
    )
    .await?;

    // Declined: closed, the reason is Alice's reply, and the desk never sees it.
    let other = asked(&app, &bob, "new-laptop", json!({"location": "B-204"})).await?;
    let res = decide(
        &app,
        &alice,
        &other,
        json!({"approve": false, "reason": "Your laptop is only a year old."}),
    )
    .await?;
    assert_eq!(res.status(), 200);
    let declined: Ticket = res.json().await?;
    assert_eq!(declined.approval, Some(ApprovalState::Declined));
    assert_eq!(declined.status, TicketStatus::Closed);
    let comments: Vec<Comment> = app
        .get(&bob, &format!("/api/v1/tickets/{}/comments", other.id))
        .await?
        .json()
        .await?;
    assert!(
        comments
            .iter()
            .any(|c| c.body == "Your laptop is only a year old." && c.author_name == "Alice Archer")
    );
    expect_error(
        app.get(&tech, &format!("/api/v1/tickets/{}", other.id))
            .await?,
        404,
    )
    .await?;
    // Bob's letter says that it was declined, and why.
    let texts = app.mail_texts("bob@acme.example").await?;
    let subject = format!("Subject: Your request #{} was declined", other.number);
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&subject)
                && t.contains("Their reason: Your laptop is only a year old.")),
        "{texts:?}"
    );

    // A primary contact's own request is approved by asking.
    let hers = asked(&app, &alice, "new-laptop", json!({"location": "A-1"})).await?;
    assert_eq!(hers.approval, Some(ApprovalState::Approved));
    let asks = app
        .mail_subjects("alice@acme.example")
        .await?
        .into_iter()
        .filter(|s| s.contains("your approval"))
        .count();
    assert_eq!(asks, 2, "one letter per request Bob made, none for her own");
    let seen: Ticket = app
        .get(&tech, &format!("/api/v1/tickets/{}", hers.id))
        .await?
        .json()
        .await?;
    assert_eq!(seen.approval_by_name.as_deref(), Some("Alice Archer"));

    // Globex has no primary contact: a request needing approval is refused, saying why.
    let res = ask(&app, &carol, &request("erp-access", json!({}))).await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("has none")),
        "{body}"
    );
    // The desk may ask for anything on someone's behalf, and needs nobody's approval.
    let carol_id = app.user_id("carol@globex.example").await?;
    let mut for_carol = request("erp-access", json!({}));
    for_carol["requester_id"] = json!(carol_id);
    let res = ask(&app, &tech, &for_carol).await?;
    assert_eq!(res.status(), 201);
    let theirs: Ticket = res.json().await?;
    assert_eq!(theirs.approval, None);
    Ok(())
}

/// `GET /catalog` with `If-None-Match`: the status, the body's length and the tag sent.
async fn catalog_since(
    app: &TestApp,
    token: &str,
    held: Option<&str>,
) -> anyhow::Result<(u16, usize, String)> {
    let mut req = app.http.get(app.url("/api/v1/catalog")).bearer_auth(token);
    if let Some(tag) = held {
        req = req.header("If-None-Match", tag);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let tag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, res.bytes().await?.len(), tag))
}

#[tokio::test]
async fn an_unchanged_catalog_is_an_empty_304_until_the_desk_changes_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let (status, length, tag) = catalog_since(&app, &bob, None).await?;
    assert_eq!(status, 200);
    assert!(length > 100 && tag.starts_with('"'), "{length} {tag}");
    let (status, length, again) = catalog_since(&app, &bob, Some(&tag)).await?;
    assert_eq!((status, length), (304, 0));
    assert_eq!(again, tag);
    // Globex is offered another catalog: bob's tag is not carol's.
    let carol = app.login("carol@globex.example").await?;
    assert_eq!(catalog_since(&app, &carol, Some(&tag)).await?.0, 200);

    // The desk renames an item: bob's copy is stale, and he is sent the new one.
    let tech = app.login("tech@helpdesk.example").await?;
    let mut all: Value = app.get(&tech, "/api/v1/catalog").await?.json().await?;
    let for_everyone = all["categories"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|c| c["items"].as_array_mut().into_iter().flatten())
        .find(|i| i["orgs"].as_array().is_none_or(|o| o.is_empty()));
    if let Some(item) = for_everyone {
        item["name"]["text"] = json!("A renamed item");
    }
    assert_eq!(app.put(&tech, "/api/v1/catalog", &all).await?.status(), 200);
    let (status, length, renamed) = catalog_since(&app, &bob, Some(&tag)).await?;
    assert_eq!(status, 200);
    assert!(length > 100);
    assert_ne!(renamed, tag);
    Ok(())
}
