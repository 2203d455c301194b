use bellhop_proto::{
    CcEntry, Comment, CommentVisibility, Page, Priority, PushResponse, Ticket, TicketStatus,
};
use serde_json::json;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn an_end_user_sees_only_their_own_and_cc_tickets() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tickets = app.tickets(&bob).await?;
    assert_eq!(tickets.len(), 4, "bob asked four demo tickets");
    assert!(tickets.iter().all(|t| t.requester_name == "Bob Baker"));
    Ok(())
}

#[tokio::test]
async fn a_primary_contact_sees_their_organisation_but_not_another() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let alice = app.login("alice@acme.example").await?;
    let tickets = app.tickets(&alice).await?;
    assert_eq!(tickets.len(), 8, "Acme has eight demo tickets");
    assert!(tickets.iter().all(|t| t.requester_name != "Carol Cole"));

    let carol = app.login("carol@globex.example").await?;
    let carols = app.tickets(&carol).await?;
    let res = app
        .get(&alice, &format!("/api/v1/tickets/{}", carols[0].id))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}

#[tokio::test]
async fn another_users_ticket_is_not_found_for_an_end_user() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let alice = app.login("alice@acme.example").await?;
    let mine = app.create_ticket(&alice, "Alice's own").await?;
    let bob = app.login("bob@acme.example").await?;
    let res = app
        .get(&bob, &format!("/api/v1/tickets/{}", mine.id))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .post(
            &bob,
            &format!("/api/v1/tickets/{}/comments", mine.id),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}

#[tokio::test]
async fn internal_notes_never_reach_end_users() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = &app.tickets(&bob).await?[0];
    let path = format!("/api/v1/tickets/{}/comments", ticket.id);

    let staff_view: Vec<Comment> = app.get(&tech, &path).await?.json().await?;
    assert!(
        staff_view
            .iter()
            .any(|c| c.visibility == CommentVisibility::Internal)
    );
    let user_view: Vec<Comment> = app.get(&bob, &path).await?.json().await?;
    assert!(!user_view.is_empty());
    assert!(
        user_view
            .iter()
            .all(|c| c.visibility == CommentVisibility::Public)
    );

    let res = app
        .post(
            &bob,
            &path,
            &json!({"id": uuid::Uuid::now_v7(), "body": "sneaky", "visibility": "internal"}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    Ok(())
}

#[tokio::test]
async fn creating_the_same_ticket_twice_creates_it_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let body =
        json!({"id": uuid::Uuid::now_v7(), "title": "Mouse broken", "description": "left button"});
    let first = app.post(&bob, "/api/v1/tickets", &body).await?;
    assert_eq!(first.status(), 201);
    let first: Ticket = first.json().await?;
    let again = app.post(&bob, "/api/v1/tickets", &body).await?;
    assert_eq!(again.status(), 200);
    let again: Ticket = again.json().await?;
    assert_eq!(first.number, again.number);
    assert_eq!(app.tickets(&bob).await?.len(), 5);

    let alice = app.login("alice@acme.example").await?;
    let res = app.post(&alice, "/api/v1/tickets", &body).await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    Ok(())
}

#[tokio::test]
async fn pushing_the_same_op_twice_changes_nothing() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let push = json!({"ops": [
        {"op_id": uuid::Uuid::now_v7(), "op": {"type": "create_ticket", "ticket": {"id": uuid::Uuid::now_v7(), "title": "From the outbox", "description": ""}}},
        {"op_id": uuid::Uuid::now_v7(), "op": {"type": "create_ticket", "ticket": {"id": uuid::Uuid::now_v7(), "title": "   ", "description": ""}}}
    ]});
    let first: PushResponse = app
        .post(&bob, "/api/v1/sync/push", &push)
        .await?
        .json()
        .await?;
    let again: PushResponse = app
        .post(&bob, "/api/v1/sync/push", &push)
        .await?
        .json()
        .await?;
    assert_eq!(first, again, "a repeated push replays the first outcomes");
    let created = app.tickets(&bob).await?;
    assert_eq!(
        created
            .iter()
            .filter(|t| t.title == "From the outbox")
            .count(),
        1
    );
    assert!(
        matches!(&first.outcomes[1], bellhop_proto::OpOutcome::Rejected { error, .. } if error.message.contains("title")),
        "the empty title is rejected with its reason: {:?}",
        first.outcomes[1]
    );
    Ok(())
}

#[tokio::test]
async fn search_and_paging_walk_every_visible_ticket_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let page: serde_json::Value = app
        .get(&tech, "/api/v1/tickets?q=printer")
        .await?
        .json()
        .await?;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: serde_json::Value = app
            .get(&tech, &format!("/api/v1/tickets?limit=5&cursor={cursor}"))
            .await?
            .json()
            .await?;
        let items: Vec<Ticket> = serde_json::from_value(page["items"].clone())?;
        seen.extend(items.into_iter().map(|t| t.number));
        match page["next"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 12);
    assert_eq!(unique, seen);
    Ok(())
}

#[tokio::test]
async fn a_revoked_session_is_refused() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    assert_eq!(app.get(&bob, "/api/v1/me").await?.status(), 200);
    let out = app.post(&bob, "/api/v1/auth/logout", &json!({})).await?;
    assert_eq!(out.status(), 204);
    let res = app.get(&bob, "/api/v1/tickets").await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

async fn patch(
    app: &crate::helpers::TestApp,
    token: &str,
    id: bellhop_proto::TicketId,
    body: serde_json::Value,
) -> anyhow::Result<reqwest::Response> {
    app.patch(token, &format!("/api/v1/tickets/{id}"), &body)
        .await
}

#[tokio::test]
async fn replies_move_the_status_between_open_and_awaiting_reply() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = app.create_ticket(&bob, "VPN drops").await?;
    let path = format!("/api/v1/tickets/{}/comments", ticket.id);
    let note =
        json!({"id": uuid::Uuid::now_v7(), "body": "checking logs", "visibility": "internal"});
    let after: Ticket = app.post(&tech, &path, &note).await?.json().await?;
    assert_eq!(
        after.status,
        TicketStatus::Open,
        "an internal note changes nothing"
    );
    let reply = json!({"id": uuid::Uuid::now_v7(), "body": "Which VPN client?"});
    let after: Ticket = app.post(&tech, &path, &reply).await?.json().await?;
    assert_eq!(after.status, TicketStatus::AwaitingReply);
    let answer = json!({"id": uuid::Uuid::now_v7(), "body": "The new one"});
    let after: Ticket = app.post(&bob, &path, &answer).await?.json().await?;
    assert_eq!(after.status, TicketStatus::Open);
    Ok(())
}

#[tokio::test]
async fn the_requester_may_resolve_and_reopen_but_only_the_desk_sets_the_rest() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let ticket = app.create_ticket(&bob, "Mouse").await?;

    let res = patch(&app, &bob, ticket.id, json!({"status": "awaiting_reply"})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = patch(&app, &bob, ticket.id, json!({"priority": "urgent"})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = patch(&app, &carol, ticket.id, json!({"status": "resolved"})).await?;
    assert_eq!(
        expect_error(res, 404).await?,
        "not_found",
        "another org's user"
    );
    let res = patch(
        &app,
        &bob,
        ticket.id,
        json!({"status": "resolved", "colour": "red"}),
    )
    .await?;
    expect_error(res, 422).await?;

    let t: Ticket = patch(
        &app,
        &tech,
        ticket.id,
        json!({"status": "closed", "priority": "high"}),
    )
    .await?
    .json()
    .await?;
    assert_eq!(
        (t.status, t.priority),
        (TicketStatus::Closed, Some(Priority::High))
    );
    let t: Ticket = patch(&app, &bob, ticket.id, json!({"status": "open"}))
        .await?
        .json()
        .await?;
    assert_eq!(t.status, TicketStatus::Open, "reopened by its requester");
    let t: Ticket = patch(&app, &bob, ticket.id, json!({"status": "resolved"}))
        .await?
        .json()
        .await?;
    assert_eq!(t.status, TicketStatus::Resolved);
    Ok(())
}

#[tokio::test]
async fn a_portal_ticket_has_no_device_and_an_oversized_machine_snapshot_is_refused()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let ticket = app.create_ticket(&bob, "From the browser").await?;
    assert_eq!(ticket.device_id, None);
    let path = format!("/api/v1/tickets/{}/system-info", ticket.id);
    let info: serde_json::Value = app.get(&tech, &path).await?.json().await?;
    assert_eq!(info, serde_json::Value::Null);

    let disks: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            serde_json::json!({"mount_point": format!("/m{i}"), "file_system": "ext4",
                                    "total_bytes": 1, "available_bytes": 1, "removable": false})
        })
        .collect();
    let body = serde_json::json!({"id": uuid::Uuid::now_v7(), "title": "Huge", "description": "",
        "system_info": {"hostname": "h", "os": "o", "os_version": "v", "kernel_version": null,
            "os_user": "u", "serial": null, "uptime_secs": 1, "cpu": null, "cpu_cores": null,
            "memory_total_bytes": 1, "memory_used_bytes": 1, "disks": disks, "interfaces": [],
            "taken_at": "2026-11-22T08:00:00Z"}});
    let res = app.post(&bob, "/api/v1/tickets", &body).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn people_of_the_organisation_are_copied_on_a_request_and_see_it_under_cc()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let dana = app
        .new_person("Dana Dyer", "dana@acme.example", "end_user", "Acme")
        .await?;
    let ticket = app.create_ticket(&bob, "Shared printer offline").await?;
    let cc = format!("/api/v1/tickets/{}/cc", ticket.id);
    let emails = |list: &[CcEntry]| list.iter().map(|c| c.email.clone()).collect::<Vec<_>>();

    // Nobody yet; strangers and outsiders learn nothing.
    let list: Vec<CcEntry> = app.get(&bob, &cc).await?.json().await?;
    assert!(list.is_empty());
    let res = app.http.get(app.url(&cc)).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    assert_eq!(
        expect_error(app.get(&carol, &cc).await?, 404).await?,
        "not_found"
    );
    let add = |token: &str, email: &str| {
        let (app, token, cc, body) = (&app, token.to_owned(), cc.clone(), json!({"email": email}));
        async move { app.post(&token, &cc, &body).await }
    };
    let res = add(&carol, "carol@globex.example").await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // Bob copies only people of his organisation, and not unknown addresses.
    assert_eq!(
        expect_error(add(&bob, "carol@globex.example").await?, 404).await?,
        "not_found"
    );
    assert_eq!(
        expect_error(add(&bob, "nobody@acme.example").await?, 404).await?,
        "not_found"
    );
    assert_eq!(add(&bob, "not an address").await?.status(), 422);
    let res = add(&bob, "Dana@Acme.example").await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        emails(&res.json::<Vec<CcEntry>>().await?),
        ["dana@acme.example"]
    );
    // Alice, Acme's primary contact, may copy people on Acme's requests too.
    let res = add(&alice, "alice@acme.example").await?;
    assert_eq!(
        emails(&res.json::<Vec<CcEntry>>().await?),
        ["alice@acme.example", "dana@acme.example"]
    );

    // Dana sees it under "CC'd on", not under her own; she cannot copy or uncopy others.
    let list = |token: &str, scope: &str| {
        let (app, token, path) = (
            &app,
            token.to_owned(),
            format!("/api/v1/tickets?scope={scope}"),
        );
        async move { app.get(&token, &path).await }
    };
    let page: Page<Ticket> = list(&dana, "cc").await?.json().await?;
    assert_eq!(
        page.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ticket.id]
    );
    let page: Page<Ticket> = list(&dana, "mine").await?.json().await?;
    assert!(page.items.is_empty());
    let page: Page<Ticket> = list(&bob, "mine").await?.json().await?;
    assert!(page.items.iter().any(|t| t.id == ticket.id));
    assert_eq!(
        expect_error(add(&dana, "bob@acme.example").await?, 403).await?,
        "forbidden"
    );
    let id_of = |token: &str| {
        let (app, token) = (&app, token.to_owned());
        async move {
            let me: bellhop_proto::User = app.get(&token, "/api/v1/me").await?.json().await?;
            anyhow::Ok(me.id)
        }
    };
    let uncopy = |token: &str, user: bellhop_proto::UserId| {
        let (app, token, path) = (&app, token.to_owned(), format!("{cc}/{user}"));
        async move {
            Ok::<_, anyhow::Error>(
                app.http
                    .delete(app.url(&path))
                    .bearer_auth(token)
                    .send()
                    .await?,
            )
        }
    };
    let res = uncopy(&dana, id_of(&alice).await?).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");

    // "My organisation's requests" is for primary contacts.
    assert_eq!(
        expect_error(list(&bob, "org").await?, 403).await?,
        "forbidden"
    );
    let page: Page<Ticket> = list(&alice, "org").await?.json().await?;
    assert!(page.items.iter().any(|t| t.id == ticket.id));
    assert!(
        page.items
            .iter()
            .all(|t| t.org_name.as_deref() == Some("Acme"))
    );

    // Dana leaves: the request is gone from her view.
    let res = uncopy(&dana, id_of(&dana).await?).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        expect_error(
            app.get(&dana, &format!("/api/v1/tickets/{}", ticket.id))
                .await?,
            404
        )
        .await?,
        "not_found"
    );
    let list: Vec<CcEntry> = app.get(&bob, &cc).await?.json().await?;
    assert_eq!(emails(&list), ["alice@acme.example"]);
    Ok(())
}

#[tokio::test]
async fn the_same_ticket_sent_many_times_at_once_is_created_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let body = json!({"id": uuid::Uuid::now_v7(), "title": "Sent from a flaky network"});
    // Bob's outbox retrying eight times at once, and alice trying the same id alongside.
    let sends = (0..9).map(|i| {
        let (app, body) = (&app, &body);
        let who = if i == 4 { &alice } else { &bob };
        async move {
            let res = app.post(who, "/api/v1/tickets", body).await?;
            let status = res.status().as_u16();
            let ticket = match status {
                200 | 201 => Some(res.json::<Ticket>().await?),
                _ => None,
            };
            anyhow::Ok((i == 4, status, ticket))
        }
    });
    let answers = futures_util::future::try_join_all(sends).await?;
    let mut created = 0;
    let mut numbers = std::collections::HashSet::new();
    for (alices, status, ticket) in answers {
        assert!(matches!(status, 200 | 201 | 409), "answered {status}");
        if alices {
            // Either bob's ticket existed already (409) or alice's came first and bob's are the
            // conflicts; nobody gets two tickets under one id.
            assert!(status == 409 || status == 201, "alice got {status}");
        }
        if status == 201 {
            created += 1;
        }
        if let Some(ticket) = ticket {
            numbers.insert(ticket.number);
        }
    }
    assert_eq!(created, 1, "exactly one creation");
    assert_eq!(numbers.len(), 1, "every answer is the same ticket");
    let listed = app
        .tickets(&bob)
        .await?
        .into_iter()
        .chain(app.tickets(&alice).await?);
    let copies = listed
        .filter(|t| t.title == "Sent from a flaky network")
        .map(|t| t.id)
        .collect::<std::collections::HashSet<_>>();
    assert_eq!(copies.len(), 1);
    Ok(())
}

#[tokio::test]
async fn many_creations_at_once_each_get_their_own_number_and_change() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let before = app.tickets(&bob).await?.len();
    let titles: Vec<String> = (0..40).map(|i| format!("At once {i}")).collect();
    let made =
        futures_util::future::try_join_all(titles.iter().map(|t| app.create_ticket(&bob, t)))
            .await?;
    let numbers: std::collections::HashSet<i64> = made.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 40, "every ticket has a number of its own");
    let page: serde_json::Value = app
        .get(&bob, "/api/v1/sync/changes?after=0&limit=1000")
        .await?
        .json()
        .await?;
    let seqs: std::collections::HashSet<i64> = page["changes"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["seq"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(seqs.len(), before + 40, "one change number each: {page}");
    Ok(())
}

#[tokio::test]
async fn the_desk_opens_a_ticket_for_a_person_who_sees_it_marked_as_opened_for_them()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let alice_id = app.user_id("alice@acme.example").await?;
    let id = uuid::Uuid::now_v7();
    let body = serde_json::json!({
        "id": id, "title": "Cannot print (phoned in)", "description": "Called at 9:10",
        "requester_id": alice_id,
    });
    let res = app.post(&tech, "/api/v1/tickets", &body).await?;
    assert_eq!(res.status(), 201);
    let opened: Ticket = res.json().await?;
    assert_eq!(opened.requester_id, alice_id);
    assert_eq!(opened.requester_name, "Alice Archer");
    assert_eq!(opened.org_name.as_deref(), Some("Acme"));
    assert_eq!(opened.opened_by_name.as_deref(), Some("Tess Tech"));
    // The technician's retry is the same ticket.
    let res = app.post(&tech, "/api/v1/tickets", &body).await?;
    assert_eq!(res.status(), 200);

    // Alice has it among her requests, marked; bob (also Acme, not a primary contact) does not.
    let alice = app.login("alice@acme.example").await?;
    let hers = app.tickets(&alice).await?;
    let seen = hers
        .iter()
        .find(|t| t.id == opened.id)
        .ok_or_else(|| anyhow::anyhow!("alice does not see it"))?;
    assert_eq!(seen.opened_by_name.as_deref(), Some("Tess Tech"));
    let bob = app.login("bob@acme.example").await?;
    assert!(app.tickets(&bob).await?.iter().all(|t| t.id != opened.id));

    // Only the desk opens tickets for others, and only for customers who are switched on.
    let mut as_bob = body.clone();
    as_bob["id"] = serde_json::json!(uuid::Uuid::now_v7());
    let res = app.post(&bob, "/api/v1/tickets", &as_bob).await?;
    expect_error(res, 403).await?;
    let carol_id = app.user_id("carol@globex.example").await?;
    let res = app
        .post(
            &tech,
            &format!("/api/v1/users/{carol_id}/disable"),
            &json!({}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    for (requester, why) in [
        (json!(uuid::Uuid::now_v7()), "no person"),
        (json!(carol_id), "switched off"),
    ] {
        let mut refused = body.clone();
        refused["id"] = json!(uuid::Uuid::now_v7());
        refused["requester_id"] = requester;
        let res = app.post(&tech, "/api/v1/tickets", &refused).await?;
        assert_eq!(res.status(), 422);
        let message = res.text().await?;
        assert!(message.contains(why), "{message}");
    }
    // Naming oneself is an ordinary ticket.
    let mut own = body.clone();
    own["id"] = json!(uuid::Uuid::now_v7());
    own["requester_id"] = json!(app.user_id("tech@helpdesk.example").await?);
    let res = app.post(&tech, "/api/v1/tickets", &own).await?;
    let mine: Ticket = res.json().await?;
    assert_eq!(mine.opened_by_id, None);
    Ok(())
}
