//! The pull endpoint and the live event stream.

use std::collections::HashSet;
use std::time::Duration;

use bellhop_proto::{ChangesPage, CommentVisibility, TicketEvent, TicketId};
use serde_json::json;

use crate::devices::confirm_identity;
use crate::helpers::{
    TestApp, enroll, expect_error, on_postgres, spawn_app, spawn_app_with, spawn_on_postgres,
};

async fn pull(app: &TestApp, token: &str, after: i64, limit: u32) -> anyhow::Result<ChangesPage> {
    let res = app
        .get(
            token,
            &format!("/api/v1/sync/changes?after={after}&limit={limit}"),
        )
        .await?;
    anyhow::ensure!(res.status() == 200, "pull failed: {}", res.status());
    Ok(res.json().await?)
}

async fn reply(
    app: &TestApp,
    token: &str,
    ticket: TicketId,
    body: &str,
    internal: bool,
) -> anyhow::Result<()> {
    let visibility = if internal { "internal" } else { "public" };
    let res = app
        .post(
            token,
            &format!("/api/v1/tickets/{ticket}/comments"),
            &json!({"id": uuid::Uuid::now_v7(), "body": body, "visibility": visibility}),
        )
        .await?;
    anyhow::ensure!(res.status().is_success(), "reply failed: {}", res.status());
    Ok(())
}

#[tokio::test]
async fn a_pull_from_zero_in_small_pages_returns_every_visible_ticket_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let alice = app.login("alice@acme.example").await?;
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let page = pull(&app, &alice, cursor, 3).await?;
        assert!(page.changes.len() <= 3);
        assert!(page.changes.windows(2).all(|w| w[0].seq < w[1].seq));
        seen.extend(page.changes.iter().map(|c| c.ticket.id));
        assert!(page.cursor >= cursor, "the cursor never goes back");
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), unique.len(), "no ticket twice");
    let listed: HashSet<_> = app
        .tickets(&alice)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(unique.len(), 8, "Acme's eight demo tickets");
    assert_eq!(
        unique,
        listed.iter().collect(),
        "the same tickets the list shows"
    );
    let again = pull(&app, &alice, cursor, 100).await?;
    assert!(
        again.changes.is_empty() && !again.more,
        "nothing new after the last cursor"
    );
    Ok(())
}

#[tokio::test]
async fn a_pull_after_the_cursor_brings_the_reply_but_never_the_internal_note() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let start = pull(&app, &bob, 0, 1000).await?;
    let ticket = start.changes[0].ticket.id;
    reply(&app, &tech, ticket, "Please restart the router", false).await?;
    reply(&app, &tech, ticket, "NOTE: user is on the old VPN", true).await?;

    let page = pull(&app, &bob, start.cursor, 100).await?;
    assert_eq!(page.changes.len(), 1, "only the ticket that changed");
    let change = &page.changes[0];
    assert_eq!(change.ticket.id, ticket);
    assert!(
        change
            .comments
            .iter()
            .any(|c| c.body == "Please restart the router")
    );
    assert!(
        change
            .comments
            .iter()
            .all(|c| c.visibility == CommentVisibility::Public && !c.body.starts_with("NOTE")),
        "internal notes never reach an end user"
    );
    // The technician's own pull has the note.
    let staff = pull(&app, &tech, start.cursor, 100).await?;
    assert!(
        staff.changes[0]
            .comments
            .iter()
            .any(|c| c.body.starts_with("NOTE"))
    );
    Ok(())
}

#[tokio::test]
async fn a_pull_is_refused_without_a_token_or_with_a_bad_cursor() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let res = app.http.get(app.url("/api/v1/sync/changes")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    let bob = app.login("bob@acme.example").await?;
    let res = app.get(&bob, "/api/v1/sync/changes?after=-5").await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let res = app.get(&bob, "/api/v1/sync/changes?after=soon").await?;
    expect_error(res, 400).await?;
    let res = app.http.get(app.url("/api/v1/events")).send().await?;
    assert_eq!(expect_error(res, 401).await?, "unauthenticated");
    Ok(())
}

/// Reads the event stream until a `ticket` event arrives, and returns it.
async fn next_ticket_event(
    res: &mut reqwest::Response,
    buf: &mut String,
) -> anyhow::Result<TicketEvent> {
    Ok(serde_json::from_str(
        &next_event(res, buf, "ticket").await?,
    )?)
}

/// Reads the event stream until an event called `name` arrives, and returns its data.
pub(crate) async fn next_event(
    res: &mut reqwest::Response,
    buf: &mut String,
    name: &str,
) -> anyhow::Result<String> {
    let wanted = format!("event: {name}");
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == wanted) {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .ok_or_else(|| anyhow::anyhow!("an event without data: {block}"))?;
                return Ok(data.to_owned());
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .map_err(|_| anyhow::anyhow!("no {name} event within 5 s"))??
            .ok_or_else(|| anyhow::anyhow!("the stream ended"))?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Opens the stream and waits for its `ready` event, so later changes cannot be missed.
pub(crate) async fn open_events(
    app: &TestApp,
    token: &str,
) -> anyhow::Result<(reqwest::Response, String)> {
    let mut res = app.get(token, "/api/v1/events").await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    while !buf.contains("event: ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await??
            .ok_or_else(|| anyhow::anyhow!("stream ended"))?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    buf.clear();
    Ok((res, buf))
}

#[tokio::test]
async fn live_events_reach_only_those_who_may_see_the_ticket() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bobs = app.tickets(&bob).await?[0].id;
    let carols = app.tickets(&carol).await?[0].id;
    let (mut stream, mut buf) = open_events(&app, &bob).await?;

    // Carol's ticket changes first: bob must not hear of it, so his first event is his own.
    reply(&app, &tech, carols, "Globex only", false).await?;
    reply(&app, &tech, bobs, "For bob", false).await?;
    let event = next_ticket_event(&mut stream, &mut buf).await?;
    assert_eq!(event.ticket_id, bobs);
    let page = pull(&app, &bob, event.seq - 1, 10).await?;
    assert_eq!(
        page.changes[0].ticket.id, bobs,
        "the event's seq finds the change"
    );
    Ok(())
}

#[tokio::test]
async fn on_postgresql_an_event_crosses_to_another_server_instance() -> anyhow::Result<()> {
    let Some((first, url)) = spawn_on_postgres().await? else {
        return Ok(());
    };
    let second = spawn_app_with(|s| s.database_url = Some(url)).await?;
    let bob_on_second = second.login("bob@acme.example").await?;
    let (mut stream, mut buf) = open_events(&second, &bob_on_second).await?;

    let tech_on_first = first.login("tech@helpdesk.example").await?;
    let bobs = first.tickets(&bob_on_second).await?[0].id;
    reply(
        &first,
        &tech_on_first,
        bobs,
        "Written on the first instance",
        false,
    )
    .await?;
    let event = next_ticket_event(&mut stream, &mut buf).await?;
    assert_eq!(event.ticket_id, bobs);
    Ok(())
}

/// On PostgreSQL change numbers come from a sequence and can commit out of order: a pull must
/// never hand out a cursor past a number whose write is still running, or that change would be
/// skipped for good.
#[tokio::test]
async fn on_postgresql_a_pull_never_passes_a_change_still_being_written() -> anyhow::Result<()> {
    use sqlx::Connection;
    let Some((app, url)) = spawn_on_postgres().await? else {
        return Ok(());
    };
    let bob = app.login("bob@acme.example").await?;
    let start = pull(&app, &bob, 0, 1000).await?;
    let held = app.tickets(&bob).await?[0].id;

    // Another writer (as the server writes: registered, then numbered) changes one of bob's
    // tickets and keeps its transaction open.
    let mut other = sqlx::PgConnection::connect(&url).await?;
    let mut tx = other.begin().await?;
    let held_seq: i64 = sqlx::query_scalar(
        "WITH registered AS MATERIALIZED (
             SELECT pg_advisory_xact_lock_shared(
                 CASE WHEN is_called THEN last_value ELSE last_value - 1 END)
             FROM change_seqs)
         UPDATE tickets SET change_seq = nextval('change_seqs'), title = 'Written slowly'
         FROM registered WHERE id = $1 RETURNING change_seq",
    )
    .bind(held.to_string())
    .fetch_one(&mut *tx)
    .await?;
    // Meanwhile a ticket is created, numbered higher, and committed.
    let quick = app.create_ticket(&bob, "Written quickly").await?;

    let during = pull(&app, &bob, start.cursor, 1000).await?;
    assert!(
        during.cursor < held_seq,
        "the cursor {} passed {held_seq}, still being written",
        during.cursor
    );
    tx.commit().await?;

    let after = pull(&app, &bob, during.cursor, 1000).await?;
    let titles: HashSet<(TicketId, String)> = after
        .changes
        .iter()
        .map(|c| (c.ticket.id, c.ticket.title.clone()))
        .collect();
    assert!(
        titles.contains(&(held, "Written slowly".into())),
        "{titles:?}"
    );
    assert!(
        titles.contains(&(quick.id, "Written quickly".into())),
        "{titles:?}"
    );
    assert!(after.cursor > held_seq && !after.more);
    Ok(())
}

#[tokio::test]
async fn shutting_down_ends_open_event_streams_instead_of_waiting_for_them() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = bellhop_server::config::Settings::ephemeral(dir.path());
    settings.demo = true;
    // Kept to the end of the test: dropping it stops PostgreSQL.
    let _pg = if on_postgres() {
        let pg = crate::helpers::throwaway_postgres().await?;
        settings.database_url = Some(pg.connection_uri());
        Some(pg)
    } else {
        None
    };
    let server = bellhop_server::app::Server::start(settings).await?;
    let base = format!("http://{}", server.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let login: bellhop_proto::LoginResponse = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "bob@acme.example", "password": "bellhop-demo"}))
        .send()
        .await?
        .json()
        .await?;
    let mut stream = http
        .get(format!("{base}/api/v1/events"))
        .bearer_auth(&login.token)
        .send()
        .await?;
    assert!(stream.chunk().await?.is_some(), "the ready event");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .map_err(|_| anyhow::anyhow!("shutdown waited for the open event stream"))???;
    // The stream ends cleanly once the server is gone.
    while stream.chunk().await.ok().flatten().is_some() {}
    Ok(())
}

/// Reads until the server ends the stream; fails when it is still open 5 s later.
async fn stream_ends(res: &mut reqwest::Response) -> anyhow::Result<()> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), res.chunk()).await {
            Err(_) => anyhow::bail!("the stream is still open 5 s later"),
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None) | Err(_)) => return Ok(()),
        }
    }
}

#[tokio::test]
async fn a_stream_ends_when_its_device_is_deactivated_or_its_session_is_signed_out()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let device = enroll(&app, "acme-demo-key", "ACME-E2E").await?;
    let credential = confirm_identity(&app, &device, "bob@acme.example").await?;
    let (mut on_device, _) = open_events(&app, &credential.token).await?;
    let (mut in_browser, mut bob_buf) = open_events(&app, &bob).await?;
    let (mut alices, mut alice_buf) = open_events(&app, &alice).await?;

    let res = app
        .post(
            &tech,
            "/api/v1/devices/deactivate",
            &json!({"device_ids": [device.device_id]}),
        )
        .await?;
    assert_eq!(res.status(), 200);
    stream_ends(&mut on_device).await?;
    let res = app.get(&credential.token, "/api/v1/events").await?;
    expect_error(res, 401).await?;

    // Bob's browser session is not the device: it still hears his tickets.
    let bobs = app.tickets(&bob).await?[0].id;
    reply(&app, &tech, bobs, "Still here", false).await?;
    assert_eq!(
        next_ticket_event(&mut in_browser, &mut bob_buf)
            .await?
            .ticket_id,
        bobs
    );
    let res = app.post(&bob, "/api/v1/auth/logout", &json!({})).await?;
    assert_eq!(res.status(), 204);
    stream_ends(&mut in_browser).await?;

    // Nobody else lost their stream.
    reply(&app, &tech, bobs, "Alice sees her organisation", false).await?;
    assert_eq!(
        next_ticket_event(&mut alices, &mut alice_buf)
            .await?
            .ticket_id,
        bobs
    );
    Ok(())
}

#[tokio::test]
async fn someone_no_longer_copied_hears_of_it_once_and_the_feed_no_longer_counts_the_ticket()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let dana = app
        .new_person("Dana Dyer", "dana@acme.example", "end_user", "Acme")
        .await?;
    let dana_id = app.user_id("dana@acme.example").await?;
    let ticket = app.create_ticket(&bob, "Shared printer offline").await?;
    let cc = format!("/api/v1/tickets/{}/cc", ticket.id);
    let res = app
        .post(&bob, &cc, &json!({"email": "dana@acme.example"}))
        .await?;
    assert_eq!(res.status(), 200);

    let first = pull(&app, &dana, 0, 100).await?;
    assert_eq!(first.changes.len(), 1);
    assert_eq!(first.visible, Some(1));
    let ids: Vec<TicketId> = app.get(&dana, "/api/v1/tickets/ids").await?.json().await?;
    assert_eq!(ids, vec![ticket.id]);

    // Bob stops copying her: she hears of the ticket once more (nothing else tells her).
    let (mut stream, mut buf) = open_events(&app, &dana).await?;
    let res = app
        .http
        .delete(app.url(&format!("{cc}/{dana_id}")))
        .bearer_auth(&bob)
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    let event = next_ticket_event(&mut stream, &mut buf).await?;
    assert_eq!(event.ticket_id, ticket.id);

    // The feed brings nothing of it, and counts it no more; the ids say which she still sees.
    let after = pull(&app, &dana, first.cursor, 100).await?;
    assert!(after.changes.is_empty());
    assert_eq!(after.visible, Some(0));
    let ids: Vec<TicketId> = app.get(&dana, "/api/v1/tickets/ids").await?.json().await?;
    assert!(ids.is_empty());
    // The requester keeps it, and strangers learn nothing.
    let ids: Vec<TicketId> = app.get(&bob, "/api/v1/tickets/ids").await?.json().await?;
    assert!(ids.contains(&ticket.id));
    let res = app.http.get(app.url("/api/v1/tickets/ids")).send().await?;
    expect_error(res, 401).await?;
    Ok(())
}
