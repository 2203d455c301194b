//! The console's API: staff only (every endpoint refuses end users with 403 and strangers with
//! 401), assignment and the queue's filters, the help-desk search, the audit log.

use bellhop_proto::{
    AuditEntry, EmailState, Org, Page, QueueCounts, SearchResults, Ticket, User, UserDetail,
    VerifyCodeResult,
};
use serde_json::json;

use crate::helpers::{TestApp, enroll, expect_error, spawn_app};

async fn json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    path: &str,
) -> anyhow::Result<T> {
    let res = app.get(token, path).await?;
    anyhow::ensure!(res.status() == 200, "GET {path}: {}", res.status());
    Ok(res.json().await?)
}

async fn search(app: &TestApp, token: &str, q: &str) -> anyhow::Result<SearchResults> {
    let q = url_escape(q);
    json(app, token, &format!("/api/v1/search?q={q}")).await
}

fn url_escape(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn org_named(app: &TestApp, token: &str, name: &str) -> anyhow::Result<Org> {
    let orgs: Vec<Org> = json(app, token, "/api/v1/orgs").await?;
    orgs.into_iter()
        .find(|o| o.name == name)
        .ok_or_else(|| anyhow::anyhow!("no organisation {name}"))
}

#[tokio::test]
async fn every_console_endpoint_refuses_end_users_and_strangers() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let reads = [
        "/api/v1/orgs",
        "/api/v1/users",
        "/api/v1/users?staff=true",
        "/api/v1/search?q=bob",
        "/api/v1/audit",
        "/api/v1/devices",
    ];
    for path in reads {
        let res = app.http.get(app.url(path)).send().await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated", "{path}");
        for user in [&bob, &alice] {
            let res = app.get(user, path).await?;
            assert_eq!(expect_error(res, 403).await?, "forbidden", "{path}");
        }
        assert_eq!(app.get(&tech, path).await?.status(), 200, "{path}");
    }

    let own = app.create_ticket(&bob, "Mouse is sticky").await?;
    let path = format!("/api/v1/tickets/{}/assignee", own.id);
    let me: User = json(&app, &bob, "/api/v1/me").await?;
    let res = app.put(&bob, &path, &json!({"user_id": me.id})).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .http
        .put(app.url(&path))
        .json(&json!({"user_id": null}))
        .send()
        .await?;
    expect_error(res, 401).await?;
    for action in ["activate", "deactivate"] {
        let path = format!("/api/v1/devices/{action}");
        let res = app.post(&alice, &path, &json!({"device_ids": []})).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{path}");
    }
    let user_page = format!("/api/v1/users/{}", me.id);
    let res = app.get(&alice, &user_page).await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app.http.get(app.url(&user_page)).send().await?;
    expect_error(res, 401).await?;
    for (path, body) in [
        (format!("{user_page}/verification"), json!({})),
        (
            format!("{user_page}/verification/check"),
            json!({"code": "ABCD-EFGH"}),
        ),
    ] {
        let res = app.post(&bob, &path, &body).await?;
        assert_eq!(expect_error(res, 403).await?, "forbidden", "{path}");
        let res = app.http.post(app.url(&path)).json(&body).send().await?;
        assert_eq!(expect_error(res, 401).await?, "unauthenticated", "{path}");
    }
    Ok(())
}

/// The tickets a list filter finds, counted through the list endpoint itself.
async fn listed(app: &TestApp, token: &str, filter: &str) -> anyhow::Result<u32> {
    let page: Page<Ticket> =
        json(app, token, &format!("/api/v1/tickets?limit=200&{filter}")).await?;
    anyhow::ensure!(page.next.is_none(), "more than a page for {filter}");
    Ok(u32::try_from(page.items.len())?)
}

#[tokio::test]
async fn the_console_counts_what_the_queue_filters_find_and_an_end_user_their_own_requests()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let me: User = json(&app, &tech, "/api/v1/me").await?;

    let counts: QueueCounts = json(&app, &tech, "/api/v1/tickets/counts").await?;
    let open = listed(&app, &tech, "status=open").await?;
    let awaiting = listed(&app, &tech, "status=awaiting_reply").await?;
    assert!(
        open > 0 && awaiting > 0,
        "the demo has open and awaiting tickets"
    );
    let expected = QueueCounts {
        open,
        awaiting_reply: awaiting,
        mine: 0,
        unassigned: listed(&app, &tech, "status=open&unassigned=true").await?,
        urgent: listed(&app, &tech, "status=open&priority=urgent").await?,
    };
    assert_eq!(counts, expected);
    assert!(counts.urgent > 0, "the demo has an urgent open ticket");

    // A new ticket is open and nobody's; taken, it is the technician's; answered by the desk,
    // it awaits the customer and leaves the technician's open ones.
    let ticket = app
        .create_ticket(&bob, "Docking station drops the screen")
        .await?;
    let after: QueueCounts = json(&app, &tech, "/api/v1/tickets/counts").await?;
    assert_eq!(
        (after.open, after.unassigned),
        (open + 1, expected.unassigned + 1)
    );
    // Made urgent, it is one more urgent ticket, and the filter finds it.
    let res = app
        .patch(
            &tech,
            &format!("/api/v1/tickets/{}", ticket.id),
            &json!({"priority": "urgent"}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let urgent: QueueCounts = json(&app, &tech, "/api/v1/tickets/counts").await?;
    assert_eq!(urgent.urgent, expected.urgent + 1);
    assert_eq!(
        urgent.urgent,
        listed(&app, &tech, "status=open&priority=urgent").await?
    );
    let path = format!("/api/v1/tickets/{}/assignee", ticket.id);
    assert_eq!(
        app.put(&tech, &path, &json!({"user_id": me.id}))
            .await?
            .status(),
        200
    );
    let taken: QueueCounts = json(&app, &tech, "/api/v1/tickets/counts").await?;
    assert_eq!(
        (taken.open, taken.mine, taken.unassigned),
        (open + 1, 1, expected.unassigned)
    );
    let filter = format!("status=open&assignee_id={}", me.id);
    assert_eq!(taken.mine, listed(&app, &tech, &filter).await?);
    let path = format!("/api/v1/tickets/{}", ticket.id);
    let res = app
        .patch(&tech, &path, &json!({"status": "awaiting_reply"}))
        .await?;
    assert_eq!(res.status(), 200);
    let waiting: QueueCounts = json(&app, &tech, "/api/v1/tickets/counts").await?;
    assert_eq!(
        (waiting.open, waiting.awaiting_reply, waiting.mine),
        (open, awaiting + 1, 0)
    );

    // An end user's home counts their own requests, as "My requests" lists them; no queue.
    let bobs: QueueCounts = json(&app, &bob, "/api/v1/tickets/counts").await?;
    let expected = QueueCounts {
        open: listed(&app, &bob, "scope=mine&status=open").await?,
        awaiting_reply: listed(&app, &bob, "scope=mine&status=awaiting_reply").await?,
        mine: 0,
        unassigned: 0,
        urgent: 0,
    };
    assert_eq!(bobs, expected);
    // The demo desk shows no priorities to its customers: no filter by one either (it would
    // tell them).
    let res = app.get(&bob, "/api/v1/tickets?priority=urgent").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert!(bobs.open > 0, "bob has open requests in the demo");
    // Strangers have nothing.
    let res = app
        .http
        .get(app.url("/api/v1/tickets/counts"))
        .send()
        .await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn a_technician_assigns_tickets_and_the_queue_filters_by_assignee_and_organisation()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let staff: Vec<User> = json(&app, &tech, "/api/v1/users?staff=true").await?;
    assert_eq!(
        staff.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Tess Tech"]
    );
    let tess = &staff[0];
    let all = app.tickets(&tech).await?;
    assert!(all.iter().all(|t| t.assignee_id.is_none()));
    let ticket = app.create_ticket(&bob, "Laptop fan is loud").await?;
    assert_eq!(ticket.org_name.as_deref(), Some("Acme"));

    let path = format!("/api/v1/tickets/{}/assignee", ticket.id);
    let res = app.put(&tech, &path, &json!({"user_id": tess.id})).await?;
    assert_eq!(res.status(), 200);
    let assigned: Ticket = res.json().await?;
    assert_eq!(assigned.assignee_id, Some(tess.id));
    assert_eq!(assigned.assignee_name.as_deref(), Some("Tess Tech"));
    // Bob sees who works on his ticket.
    let seen: Ticket = json(&app, &bob, &format!("/api/v1/tickets/{}", ticket.id)).await?;
    assert_eq!(seen.assignee_name.as_deref(), Some("Tess Tech"));

    let mine: Page<Ticket> = json(
        &app,
        &tech,
        &format!("/api/v1/tickets?assignee_id={}", tess.id),
    )
    .await?;
    assert_eq!(
        mine.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ticket.id]
    );
    let unassigned: Page<Ticket> =
        json(&app, &tech, "/api/v1/tickets?unassigned=true&limit=200").await?;
    assert_eq!(unassigned.items.len(), all.len());
    assert!(unassigned.items.iter().all(|t| t.id != ticket.id));

    let globex = org_named(&app, &tech, "Globex").await?;
    assert_eq!(globex.domains, ["globex.example"]);
    // The people of one organisation (the console's device page offers them).
    let people: Vec<User> =
        json(&app, &tech, &format!("/api/v1/users?org_id={}", globex.id)).await?;
    assert_eq!(
        people.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["carol@globex.example"]
    );
    let res = app.get(&tech, "/api/v1/users?org_id=nope").await?;
    expect_error(res, 400).await?;
    let res = app
        .get(&bob, &format!("/api/v1/users?org_id={}", globex.id))
        .await?;
    expect_error(res, 403).await?;
    assert!(!globex.auto_activate);
    let theirs: Page<Ticket> = json(
        &app,
        &tech,
        &format!("/api/v1/tickets?org_id={}&limit=200", globex.id),
    )
    .await?;
    assert!(!theirs.items.is_empty());
    assert!(
        theirs
            .items
            .iter()
            .all(|t| t.org_name.as_deref() == Some("Globex"))
    );
    // The filter narrows what the caller may see; it never widens it.
    let bobs: Page<Ticket> =
        json(&app, &bob, &format!("/api/v1/tickets?org_id={}", globex.id)).await?;
    assert!(bobs.items.is_empty());

    // Oldest first, paged: the pages follow each other without gaps or repeats.
    let first: Page<Ticket> = json(&app, &tech, "/api/v1/tickets?sort=oldest&limit=5").await?;
    let next = first
        .next
        .clone()
        .ok_or_else(|| anyhow::anyhow!("one page only"))?;
    let second: Page<Ticket> = json(
        &app,
        &tech,
        &format!("/api/v1/tickets?sort=oldest&limit=5&cursor={next}"),
    )
    .await?;
    let numbers: Vec<i64> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|t| t.number)
        .collect();
    let lowest = all.iter().map(|t| t.number).min().unwrap_or_default();
    assert_eq!(numbers, (lowest..lowest + 10).collect::<Vec<_>>());

    // Only technicians can be assigned; nobody is fine.
    let me: User = json(&app, &bob, "/api/v1/me").await?;
    let res = app.put(&tech, &path, &json!({"user_id": me.id})).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = app.put(&tech, &path, &json!({"user_id": null})).await?;
    let unassigned: Ticket = res.json().await?;
    assert_eq!(unassigned.assignee_id, None);
    let res = app.put(&tech, &path, &json!({"user": null})).await?;
    assert_eq!(res.status(), 422);

    let log: Page<AuditEntry> = json(&app, &tech, "/api/v1/audit?q=ticket.assign").await?;
    let details: Vec<&str> = log.items.iter().map(|e| e.detail.as_str()).collect();
    let number = ticket.number;
    assert_eq!(
        details,
        [
            format!("#{number}: unassigned"),
            format!("#{number}: assigned to Tess Tech")
        ]
    );
    assert!(log.items.iter().all(|e| e.actor_name == "Tess Tech"));
    Ok(())
}

#[tokio::test]
async fn the_help_desk_search_finds_people_organisations_and_devices() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let names = |r: &SearchResults| r.users.iter().map(|u| u.name.clone()).collect::<Vec<_>>();

    // People by phone however it is typed, by name, email and id.
    for q in ["+1 (555) 010-0142", "5550100142", "010 0142", "0142"] {
        assert_eq!(names(&search(&app, &tech, q).await?), ["Bob Baker"], "{q}");
    }
    assert_eq!(names(&search(&app, &tech, "bob").await?), ["Bob Baker"]);
    let by_mail = search(&app, &tech, "carol@globex").await?;
    assert_eq!(names(&by_mail), ["Carol Cole"]);
    let carol = by_mail.users[0].id;
    assert_eq!(
        names(&search(&app, &tech, &carol.to_string()).await?),
        ["Carol Cole"]
    );
    let bob = &search(&app, &tech, "bob").await?.users[0];
    assert_eq!(bob.phone.as_deref(), Some("+1 (555) 010-0142"));

    // Organisations by name, domain and id.
    let by_domain = search(&app, &tech, "globex.example").await?;
    assert_eq!(
        by_domain
            .orgs
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        ["Globex"]
    );
    let acme = org_named(&app, &tech, "Acme").await?;
    let by_id = search(&app, &tech, &acme.id.to_string()).await?;
    assert_eq!(by_id.orgs, std::slice::from_ref(&acme));
    assert!(by_id.users.is_empty() && by_id.devices.is_empty());

    // Devices by MAC in any common spelling, hostname, serial and id.
    let device = enroll(&app, "globex-demo-key", "GLX-LAPTOP-7").await?;
    for q in [
        "AA-BB-CC-DD-EE-01",
        "aabbccddee01",
        "dd:ee:01",
        "glx-laptop",
        "SN-1",
    ] {
        let found = search(&app, &tech, q).await?;
        assert_eq!(
            found.devices.iter().map(|d| d.id).collect::<Vec<_>>(),
            [device.device_id],
            "{q}"
        );
        assert_eq!(found.devices[0].org_name, "Globex");
    }
    let by_id = search(&app, &tech, &device.device_id.to_string()).await?;
    assert_eq!(by_id.devices.len(), 1);

    // Nothing for nonsense; an empty box is an empty answer; an essay is refused.
    let none = search(&app, &tech, "zzzz-no-such-thing").await?;
    assert!(none.users.is_empty() && none.orgs.is_empty() && none.devices.is_empty());
    assert_eq!(search(&app, &tech, "  ").await?, SearchResults::default());
    let res = app
        .get(&tech, &format!("/api/v1/search?q={}", "x".repeat(201)))
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = app.get(&tech, "/api/v1/search").await?;
    expect_error(res, 400).await?;
    Ok(())
}

#[tokio::test]
async fn device_activation_is_in_the_audit_log() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let globex = org_named(&app, &tech, "Globex").await?;
    let first = enroll(&app, "globex-demo-key", "GLX-1").await?;
    enroll(&app, "globex-demo-key", "GLX-2").await?;
    let res = app
        .post(
            &tech,
            "/api/v1/devices/activate",
            &json!({"device_ids": [first.device_id]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &tech,
            "/api/v1/devices/activate",
            &json!({"org_id": globex.id}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &tech,
            "/api/v1/devices/deactivate",
            &json!({"org_id": globex.id}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    // Changing nothing records nothing.
    app.post(
        &tech,
        "/api/v1/devices/deactivate",
        &json!({"org_id": globex.id}),
    )
    .await?;

    let log: Page<AuditEntry> = json(&app, &tech, "/api/v1/audit?q=device").await?;
    // (The demo's saved settings mention devices too.)
    let lines: Vec<(&str, &str)> = log
        .items
        .iter()
        .filter(|e| e.action.starts_with("device."))
        .map(|e| (e.action.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("device.deactivated", "deactivated 2 devices of Globex"),
            ("device.active", "activated 1 device of Globex"),
            ("device.active", "activated 1 device"),
        ]
    );
    assert_eq!(log.items[2].target, first.device_id.to_string());
    let page: Page<AuditEntry> = json(&app, &tech, "/api/v1/audit?q=device&limit=2").await?;
    let cursor = page.next.ok_or_else(|| anyhow::anyhow!("no second page"))?;
    let rest: Page<AuditEntry> = json(
        &app,
        &tech,
        &format!("/api/v1/audit?q=device&limit=2&cursor={cursor}"),
    )
    .await?;
    assert_eq!(rest.items, log.items[2..]);
    let res = app.get(&tech, "/api/v1/audit?cursor=nonsense").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn the_console_page_is_served_at_slash_console_and_the_portal_everywhere_else()
-> anyhow::Result<()> {
    let ui = tempfile::tempdir()?;
    std::fs::write(ui.path().join("index.html"), "<title>portal</title>")?;
    std::fs::write(ui.path().join("console.html"), "<title>console</title>")?;
    let dir = ui.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |s| s.ui_dir = Some(dir)).await?;
    for (path, page) in [
        ("/console", "console"),
        ("/console/", "console"),
        ("/", "portal"),
        ("/tickets/whatever", "portal"),
    ] {
        let res = app.http.get(app.url(path)).send().await?;
        assert_eq!(res.status(), 200, "{path}");
        let csp = res
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(
            res.text().await?,
            format!("<title>{page}</title>"),
            "{path}"
        );
    }
    Ok(())
}

/// The code in the newest verification mail to `email` (in the body only: the subject is shown
/// on the user's page, where the technician must not read it).
async fn code_from_mail(app: &TestApp, email: &str) -> anyhow::Result<String> {
    let texts = app.mail_texts(email).await?;
    let newest = texts
        .iter()
        .rfind(|t| t.contains("Subject: Your Bellhop verification code"))
        .ok_or_else(|| anyhow::anyhow!("no verification mail to {email}"))?;
    anyhow::ensure!(
        !newest
            .lines()
            .any(|l| l.starts_with("Subject: ") && l.contains('-')),
        "the code is in the subject"
    );
    let at = newest
        .find("Your code is ")
        .ok_or_else(|| anyhow::anyhow!("no code in {newest}"))?;
    Ok(newest[at + 13..].chars().take(9).collect())
}

#[tokio::test]
async fn the_desk_sees_a_user_page_and_verifies_the_caller_with_an_emailed_code()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = search(&app, &tech, "bob@acme.example").await?.users[0].clone();
    let page = format!("/api/v1/users/{}", bob.id);

    let detail: UserDetail = json(&app, &tech, &page).await?;
    assert_eq!(detail.user.email, "bob@acme.example");
    assert_eq!(detail.org_name.as_deref(), Some("Acme"));
    assert!(detail.has_password);
    assert!(detail.last_email.is_none());
    assert!(!detail.tickets.is_empty());
    assert!(detail.tickets.iter().all(|t| t.requester_id == bob.id));

    let res = app
        .post(&tech, &format!("{page}/verification"), &json!({}))
        .await?;
    assert_eq!(res.status(), 202);
    let code = code_from_mail(&app, "bob@acme.example").await?;
    let detail: UserDetail = json(&app, &tech, &page).await?;
    let last = detail
        .last_email
        .ok_or_else(|| anyhow::anyhow!("no last email"))?;
    assert_eq!(last.subject, "Your Bellhop verification code");
    assert_eq!(last.state, EmailState::Sent);

    let check = format!("{page}/verification/check");
    let res = app
        .post(&tech, &check, &json!({"code": "0000-0000"}))
        .await?;
    let wrong: VerifyCodeResult = res.json().await?;
    assert_eq!(
        wrong,
        VerifyCodeResult {
            verified: false,
            attempts_left: 4
        }
    );
    // Read over the phone: case, spaces and look-alike letters do not matter.
    let spoken = code.to_lowercase().replace('-', " ");
    let res = app.post(&tech, &check, &json!({"code": spoken})).await?;
    let right: VerifyCodeResult = res.json().await?;
    assert!(right.verified);
    // Single use.
    let res = app.post(&tech, &check, &json!({"code": code})).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");

    // Five wrong guesses use a code up.
    app.post(&tech, &format!("{page}/verification"), &json!({}))
        .await?;
    for left in (0..5).rev() {
        let res = app
            .post(&tech, &check, &json!({"code": "0000-0000"}))
            .await?;
        let wrong: VerifyCodeResult = res.json().await?;
        assert_eq!(wrong.attempts_left, left);
    }
    let code = code_from_mail(&app, "bob@acme.example").await?;
    let res = app.post(&tech, &check, &json!({"code": code})).await?;
    expect_error(res, 422).await?;

    // Three codes per user per quarter of an hour.
    let res = app
        .post(&tech, &format!("{page}/verification"), &json!({}))
        .await?;
    assert_eq!(res.status(), 202);
    let res = app
        .post(&tech, &format!("{page}/verification"), &json!({}))
        .await?;
    assert_eq!(expect_error(res, 429).await?, "rate_limited");

    let log: Page<AuditEntry> = json(&app, &tech, "/api/v1/audit?q=user.verify.ok").await?;
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].target, bob.id.to_string());

    let nobody = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    let res = app.get(&tech, &nobody).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .post(&tech, &format!("{nobody}/verification"), &json!({}))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    Ok(())
}
