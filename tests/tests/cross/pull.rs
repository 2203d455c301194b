//! Pulling: the agent's cache follows the server, notices say what the user should hear about,
//! and watching reacts to the server's live events.

use std::time::Duration;

use bellhop_proto::{NoticeKind, TicketStatus};
use bellhop_tests::{RunningServer, while_watching};

#[tokio::test]
async fn a_technicians_reply_reaches_the_cache_with_a_notice_but_the_note_never_does()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let first = agent.sync().await?;
    assert_eq!(first.pulled, 4, "bob's four demo tickets");
    assert!(first.notices.is_empty(), "the first pull is silent");
    let list = agent.tickets()?;
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|t| t.number.is_some() && !t.unread));

    let tech = server.login("tech@helpdesk.example").await?;
    let target = list[1].id;
    server
        .reply(&tech, target, "Please try the other printer", false)
        .await?;
    server
        .reply(&tech, target, "NOTE: toner order pending", true)
        .await?;

    let second = agent.sync().await?;
    assert_eq!(second.pulled, 1, "only the changed ticket comes again");
    assert_eq!(
        second.notices[0].kind,
        NoticeKind::Reply {
            author_name: "Tess Tech".into(),
            excerpt: "Please try the other printer".into()
        }
    );
    // A reply to an open ticket also moves it to "awaiting your reply": a second notice.
    assert!(second.notices.len() <= 2);
    assert_eq!(agent.unread_count()?, 1);
    let shown = agent.ticket(&list[1].number.unwrap_or_default().to_string())?;
    assert!(
        shown
            .comments
            .iter()
            .any(|c| c.body == "Please try the other printer")
    );
    assert!(
        shown.comments.iter().all(|c| !c.body.starts_with("NOTE")),
        "an internal note never reaches the device"
    );
    assert_eq!(agent.unread_count()?, 0, "showing it marks it read");
    assert_eq!(agent.sync().await?.pulled, 0, "nothing new: nothing pulled");
    Ok(())
}

#[tokio::test]
async fn a_reply_queued_while_the_server_is_down_arrives_once() -> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let ticket = agent.tickets()?[0].id;

    server.stop().await?;
    agent.queue_reply(ticket, "Still broken after the restart")?;
    assert!(
        agent.tickets()?[0].pending,
        "the list shows the reply waits"
    );
    let offline = agent.sync().await?;
    assert!(offline.problem.is_some());

    server.start().await?;
    agent.retry_now()?;
    let online = agent.sync().await?;
    assert_eq!((online.synced, online.waiting), (1, 0));
    agent.retry_now()?;
    agent.sync().await?;
    let bob = server.login("bob@acme.example").await?;
    let comments = server.comments(&bob, ticket).await?;
    let mine = comments
        .iter()
        .filter(|c| c.body == "Still broken after the restart")
        .count();
    assert_eq!(mine, 1, "exactly once on the server");
    assert!(!agent.tickets()?[0].pending);
    assert!(
        agent.sync().await?.notices.is_empty(),
        "your own reply is not news to you"
    );
    Ok(())
}

#[tokio::test]
async fn a_watching_agent_pulls_a_reply_as_soon_as_the_server_announces_it() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let ticket = agent.tickets()?[0].id;
    let tech = server.login("tech@helpdesk.example").await?;

    // Without the live event the next pass would come from the 60-second safety timer; the
    // latency itself is measured in BENCHMARKS.md.
    while_watching(&agent, Duration::from_secs(10), |mut passes| async move {
        // The stream's `ready` event brings a first (empty) pass: the agent is listening.
        assert!(passes.next().await?.notices.is_empty());
        server
            .reply(&tech, ticket, "Fixed on our side", false)
            .await?;
        loop {
            let report = passes.next().await?;
            if !report.notices.is_empty() {
                assert_eq!(report.notices[0].ticket_id, ticket);
                return Ok(());
            }
        }
    })
    .await
}

#[tokio::test]
async fn reopening_a_closed_ticket_offline_reaches_the_server_and_the_cache() -> anyhow::Result<()>
{
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let ticket = agent
        .tickets()?
        .into_iter()
        .find(|t| t.status != Some(TicketStatus::Closed))
        .ok_or_else(|| anyhow::anyhow!("bob has a ticket that is not closed"))?
        .id;
    let tech = server.login("tech@helpdesk.example").await?;
    let res = reqwest::Client::new()
        .patch(format!("{}/api/v1/tickets/{ticket}", server.url))
        .bearer_auth(&tech)
        .json(&serde_json::json!({"status": "closed"}))
        .send()
        .await?;
    assert!(res.status().is_success());
    let closed = agent.sync().await?;
    assert!(
        closed.notices.iter().any(|n| n.kind
            == NoticeKind::Status {
                status: TicketStatus::Closed
            }),
        "the user hears that the desk closed it"
    );

    server.stop().await?;
    agent.queue_reopen(ticket)?;
    server.start().await?;
    agent.retry_now()?;
    let report = agent.sync().await?;
    assert_eq!((report.synced, report.rejected), (1, 0));
    let cached = agent.ticket(&ticket.to_string())?;
    assert_eq!(
        cached.ticket.status,
        TicketStatus::Open,
        "the cache follows the server"
    );
    Ok(())
}

#[tokio::test]
async fn portal_settings_reach_the_agent_with_the_next_sync_and_rejected_reopens_keep_their_reason()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    assert_eq!(agent.portal()?, None, "unknown before the first sync");
    agent.sync().await?;
    let before = agent
        .portal()?
        .ok_or_else(|| anyhow::anyhow!("no portal"))?;
    assert!(before.can_reopen && before.knowledge_base);

    let tech = server.login("tech@helpdesk.example").await?;
    let settings = bellhop_proto::PortalSettings {
        reopen_allowed: false,
        ..bellhop_proto::PortalSettings::default()
    };
    let res = reqwest::Client::new()
        .put(format!("{}/api/v1/portal-settings", server.url))
        .bearer_auth(&tech)
        .json(&settings)
        .send()
        .await?;
    assert_eq!(res.status(), 200);

    // A reopen queued before the device heard of it is refused by the server, with the reason.
    let resolved = agent
        .tickets()?
        .into_iter()
        .find(|t| t.status == Some(TicketStatus::Resolved))
        .ok_or_else(|| anyhow::anyhow!("bob has no resolved ticket"))?;
    agent.queue_reopen(resolved.id)?;
    let report = agent.sync().await?;
    assert_eq!(report.rejected, 1);
    let after = agent
        .portal()?
        .ok_or_else(|| anyhow::anyhow!("no portal"))?;
    assert!(!after.can_reopen, "the sync brought the new settings");
    let rejected = agent
        .outbox()?
        .into_iter()
        .find(|i| i.state == bellhop_proto::OutboxState::Rejected)
        .ok_or_else(|| anyhow::anyhow!("no rejected item"))?;
    assert!(
        rejected
            .last_error
            .unwrap_or_default()
            .contains("does not let tickets be reopened")
    );
    Ok(())
}

#[tokio::test]
async fn the_language_chosen_in_the_app_is_kept_and_reaches_the_server_with_the_next_sync()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.set_language(bellhop_proto::Language::Fr)?;
    // Kept by the store: another process (the CLI, the app after a restart) reads it.
    drop(agent);
    let agent = server.agent(home.path())?;
    assert_eq!(agent.language()?, bellhop_proto::Language::Fr);

    let bob = server.login("bob@acme.example").await?;
    let me = || async {
        let user: bellhop_proto::User = reqwest::Client::new()
            .get(format!("{}/api/v1/me", server.url))
            .bearer_auth(&bob)
            .send()
            .await?
            .json()
            .await?;
        anyhow::Ok(user.language)
    };
    assert_eq!(
        me().await?,
        bellhop_proto::Language::En,
        "not before a sync"
    );
    agent.sync().await?;
    assert_eq!(me().await?, bellhop_proto::Language::Fr);
    Ok(())
}

#[tokio::test]
async fn a_ticket_bob_is_no_longer_copied_on_leaves_his_copy_within_seconds() -> anyhow::Result<()>
{
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let alice = server.login("alice@acme.example").await?;
    let http = reqwest::Client::new();
    let new = bellhop_proto::NewTicket::new("Alice's laptop dock", "Bob sits next to it");
    let res = http
        .post(format!("{}/api/v1/tickets", server.url))
        .bearer_auth(&alice)
        .json(&new)
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "creating: {}", res.status());
    let cc = format!("{}/api/v1/tickets/{}/cc", server.url, new.id);
    let res = http
        .post(&cc)
        .bearer_auth(&alice)
        .json(&serde_json::json!({"email": "bob@acme.example"}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "copying bob: {}", res.status());
    agent.sync().await?;
    let held = |id| -> anyhow::Result<bool> { Ok(agent.tickets()?.iter().any(|t| t.id == id)) };
    assert!(held(new.id)?, "copied: bob's copy has it");
    let his_own = agent.tickets()?.len() - 1;
    let bob_id = agent
        .confirmed_user()?
        .ok_or_else(|| anyhow::anyhow!("bob is confirmed"))?
        .id;

    // The routine pass comes every minute: this rides the event the removal sends bob.
    while_watching(&agent, Duration::from_secs(15), |mut passes| async move {
        passes.next().await?;
        let res = http
            .delete(format!("{cc}/{bob_id}"))
            .bearer_auth(&alice)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "removing bob: {}", res.status());
        while held(new.id)? {
            passes.next().await?;
        }
        Ok(())
    })
    .await?;
    assert_eq!(agent.tickets()?.len(), his_own, "his own tickets stay");
    assert!(
        agent.ticket(&new.id.to_string()).is_err(),
        "nor can it be opened"
    );
    Ok(())
}
