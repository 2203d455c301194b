use bellhop_agent::{Agent, AgentConfig, Paths};
use bellhop_proto::{DeviceStatus, NewTicket, OutboxState, TicketId, TicketSource};
use bellhop_tests::RunningServer;

fn ticket(title: String) -> NewTicket {
    NewTicket {
        id: TicketId::new(),
        title,
        description: "queued while offline".into(),
        priority: None,
        source: Some(TicketSource::Hotkey),
    }
}

/// An agent enrolled with Acme and confirmed as bob.
async fn confirmed_agent(server: &RunningServer, home: &std::path::Path) -> anyhow::Result<Agent> {
    let agent = Agent::with_config(
        Paths::under(home),
        AgentConfig {
            server_url: Some(server.url.clone()),
            enrolment_key: None,
        },
    )?;
    assert_eq!(
        agent.enroll("acme-demo-key").await?.status,
        DeviceStatus::Active
    );
    agent
        .send_identity_token("Bob", "Baker", "bob@acme.example")
        .await?;
    let token = server.identity_token_for("bob@acme.example").await?;
    let user = agent.confirm_identity("bob@acme.example", &token).await?;
    assert_eq!(user.name, "Bob Baker");
    Ok(agent)
}

#[tokio::test]
async fn tickets_queued_while_the_server_is_down_arrive_exactly_once() -> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    let bob = server.login("bob@acme.example").await?;
    let before = server.tickets(&bob).await?.len();

    server.stop().await?;
    for i in 0..200 {
        agent.queue_ticket(ticket(format!("offline ticket {i:03}")))?;
    }
    let offline = agent.sync().await?;
    assert_eq!(offline.synced, 0);
    assert_eq!(offline.waiting, 200);
    assert!(
        offline.problem.is_some(),
        "the report says why nothing was sent"
    );

    server.start().await?;
    agent.retry_now()?;
    let online = agent.sync().await?;
    assert_eq!(
        (online.synced, online.rejected, online.waiting),
        (200, 0, 0)
    );
    agent.retry_now()?;
    assert_eq!(
        agent.sync().await?.synced,
        0,
        "a second pass has nothing to send"
    );

    let bob = server.login("bob@acme.example").await?;
    let tickets = server.tickets(&bob).await?;
    let mut titles: Vec<&str> = tickets
        .iter()
        .map(|t| t.title.as_str())
        .filter(|t| t.starts_with("offline ticket"))
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 200, "every ticket arrived once");
    assert_eq!(tickets.len(), before + 200, "and nothing else was created");
    Ok(())
}

#[tokio::test]
async fn a_rejected_ticket_keeps_its_content_and_reason_and_the_rest_go_through()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    agent.queue_ticket(ticket("fine one".into()))?;
    let too_long = "x".repeat(bellhop_proto::MAX_TITLE_CHARS + 1);
    agent.queue_ticket(ticket(too_long.clone()))?;
    agent.queue_ticket(ticket("fine two".into()))?;

    let report = agent.sync().await?;
    assert_eq!((report.synced, report.rejected), (2, 1));
    let outbox = agent.outbox()?;
    let rejected = outbox
        .iter()
        .find(|i| i.state == OutboxState::Rejected)
        .ok_or_else(|| anyhow::anyhow!("nothing rejected"))?;
    assert!(
        rejected
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("title"))
    );
    assert!(
        matches!(&rejected.op.op, bellhop_proto::SyncOpKind::CreateTicket { ticket } if ticket.title == too_long)
    );
    Ok(())
}

#[tokio::test]
async fn without_a_confirmed_identity_sync_says_what_to_do() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = Agent::with_config(
        Paths::under(home.path()),
        AgentConfig {
            server_url: Some(server.url.clone()),
            enrolment_key: None,
        },
    )?;
    agent.queue_ticket(ticket("waits for identity".into()))?;
    let err = agent
        .sync()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("confirm your identity"), "{err}");
    assert_eq!(agent.outbox()?.len(), 1, "the ticket is still there");
    Ok(())
}
