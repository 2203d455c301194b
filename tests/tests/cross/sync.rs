use bellhop_agent::{Agent, Outgoing};
use bellhop_proto::{DeviceStatus, NewTicket, OutboxState, TicketSource};
use bellhop_tests::RunningServer;

fn ticket(title: String) -> NewTicket {
    NewTicket {
        source: Some(TicketSource::Hotkey),
        ..NewTicket::new(title, "queued while offline")
    }
}

/// An agent enrolled with Acme and confirmed as bob.
async fn confirmed_agent(server: &RunningServer, home: &std::path::Path) -> anyhow::Result<Agent> {
    let agent = server.agent(home)?;
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
async fn tickets_queued_while_the_server_is_down_arrive_exactly_once_with_their_files()
-> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    let bob = server.login("bob@acme.example").await?;
    let before = server.tickets(&bob).await?.len();

    server.stop().await?;
    let mut files = std::collections::HashMap::new();
    for i in 0..200 {
        let title = format!("offline ticket {i:03}");
        if i % 2 == 0 {
            // Distinct bytes per ticket, a few KB, so each upload is its own blob.
            let bytes: Vec<u8> = (0..4096u32)
                .map(|b| (b.wrapping_mul(31).wrapping_add(i) % 251) as u8)
                .collect();
            files.insert(title.clone(), bytes.clone());
            agent.send_ticket(
                ticket(title),
                Outgoing::files(vec![(format!("log-{i}.bin"), bytes)]),
            )?;
        } else {
            agent.queue_ticket(ticket(title))?;
        }
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

    let http = reqwest::Client::new();
    for t in tickets.iter().filter(|t| files.contains_key(&t.title)) {
        let list: Vec<bellhop_proto::Attachment> = http
            .get(format!(
                "{}/api/v1/tickets/{}/attachments",
                server.url, t.id
            ))
            .bearer_auth(&bob)
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(list.len(), 1, "{}", t.title);
        let bytes = http
            .get(format!(
                "{}/api/v1/tickets/{}/attachments/{}",
                server.url, t.id, list[0].sha256
            ))
            .bearer_auth(&bob)
            .send()
            .await?
            .bytes()
            .await?;
        assert_eq!(
            bytes.as_ref(),
            files[&t.title].as_slice(),
            "{} byte-identical",
            t.title
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_rejected_ticket_keeps_its_content_and_reason_and_the_rest_go_through()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    agent.queue_ticket(ticket("fine one".into()))?;
    // Only the server knows the desk's ticket types: a type it does not have is its to refuse.
    let unknown = NewTicket {
        ticket_type: Some("no-such-type".into()),
        ..ticket("of a type the desk does not have".into())
    };
    agent.queue_ticket(unknown.clone())?;
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
            .is_some_and(|e| e.contains("no-such-type")),
        "{:?}",
        rejected.last_error
    );
    assert!(
        matches!(&rejected.op.op, bellhop_proto::SyncOpKind::CreateTicket { ticket } if ticket.title == unknown.title && ticket.ticket_type == unknown.ticket_type)
    );
    Ok(())
}

#[tokio::test]
async fn a_title_the_server_would_refuse_is_refused_when_queued_offline_with_the_servers_words()
-> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    // No server at all: the rule is the agent's own, not learnt from a refusal.
    let agent = Agent::with_config(
        bellhop_agent::Paths::under(home.path()),
        bellhop_agent::AgentConfig::default(),
    )?;
    let too_long = "x".repeat(bellhop_proto::MAX_TITLE_CHARS + 1);
    let refused = agent.queue_ticket(ticket(too_long.clone()));
    let expected = bellhop_proto::Title::parse(&too_long)
        .err()
        .ok_or_else(|| anyhow::anyhow!("the title was accepted"))?;
    assert!(
        matches!(&refused, Err(bellhop_agent::Error::Value(e)) if *e == expected),
        "{refused:?}"
    );
    assert_eq!(
        refused.err().map(|e| e.to_string()).as_deref(),
        Some("a title has at most 200 characters")
    );
    let blank = agent.queue_ticket(ticket("   ".into()));
    assert!(
        matches!(blank, Err(bellhop_agent::Error::Value(_))),
        "{blank:?}"
    );
    assert!(agent.outbox()?.is_empty(), "nothing was queued");

    // The server says the same words for the same value.
    let server = RunningServer::start_demo().await?;
    let token = server.login("alice@acme.example").await?;
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets", server.url))
        .bearer_auth(token)
        .json(&ticket(too_long))
        .send()
        .await?;
    let status = answer.status();
    let body: serde_json::Value = answer.json().await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["message"],
        "a title has at most 200 characters"
    );
    Ok(())
}

#[tokio::test]
async fn without_a_confirmed_identity_sync_says_what_to_do() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server.agent(home.path())?;
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

#[tokio::test]
async fn a_ticket_from_the_agent_names_its_device_and_carries_the_machine_for_technicians_only()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    let device = agent.device_state().await?.device_id;
    let queued = agent.queue_ticket(ticket("Laptop is slow".into()))?;
    assert_eq!(agent.sync().await?.synced, 1);
    let id = match &queued.op.op {
        bellhop_proto::SyncOpKind::CreateTicket { ticket } => ticket.id,
        other => anyhow::bail!("queued {other:?}"),
    };

    let tech = server.login("tech@helpdesk.example").await?;
    let bob = server.login("bob@acme.example").await?;
    let on_server = server
        .tickets(&tech)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| anyhow::anyhow!("the ticket did not arrive"))?;
    let here = bellhop_agent::device::facts();
    assert_eq!(on_server.device_id, Some(device));
    assert_eq!(
        on_server.device_name.as_deref(),
        Some(here.hostname.as_str())
    );

    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/tickets/{id}/system-info", server.url);
    let info: Option<bellhop_proto::SystemInfo> = http
        .get(&url)
        .bearer_auth(&tech)
        .send()
        .await?
        .json()
        .await?;
    let info = info.ok_or_else(|| anyhow::anyhow!("no system information"))?;
    assert_eq!(info.hostname, here.hostname);
    assert_eq!(info.os_user, here.os_user);
    assert!(info.memory_total_bytes > 0 && info.uptime_secs > 0);
    let res = http.get(&url).bearer_auth(&bob).send().await?;
    assert_eq!(res.status(), 403, "end users do not read the snapshot");
    Ok(())
}

#[tokio::test]
async fn a_reply_queued_offline_with_a_file_arrives_once_with_the_file_under_the_reply()
-> anyhow::Result<()> {
    let mut server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    agent.sync().await?;
    let mine = agent
        .tickets()?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("bob has no tickets"))?;

    server.stop().await?;
    let log: Vec<u8> = (0..10_000u32).map(|b| (b % 253) as u8).collect();
    agent.queue_reply_with_files(
        mine.id,
        "The crash log",
        vec![("crash.log".into(), log.clone())],
    )?;
    assert_eq!(
        agent.sync().await?.synced,
        0,
        "nothing goes while the server is down"
    );
    server.start().await?;
    // "Sync now": the backoff after the failed pass is skipped.
    agent.retry_now()?;
    let report = agent.sync().await?;
    assert_eq!((report.synced, report.rejected), (1, 0));
    agent.retry_now()?;
    assert_eq!(agent.sync().await?.synced, 0, "nothing twice");

    let bob = server.login("bob@acme.example").await?;
    let http = reqwest::Client::new();
    let comments = server.comments(&bob, mine.id).await?;
    let reply: Vec<_> = comments
        .iter()
        .filter(|c| c.body == "The crash log")
        .collect();
    assert_eq!(reply.len(), 1, "exactly once");
    let files: Vec<bellhop_proto::Attachment> = http
        .get(format!(
            "{}/api/v1/tickets/{}/attachments",
            server.url, mine.id
        ))
        .bearer_auth(&bob)
        .send()
        .await?
        .json()
        .await?;
    let file = files
        .iter()
        .find(|a| a.file_name == "crash.log")
        .ok_or_else(|| anyhow::anyhow!("no crash.log in {files:?}"))?;
    assert_eq!(file.comment_id, Some(reply[0].id));
    let bytes = http
        .get(format!(
            "{}/api/v1/tickets/{}/attachments/{}",
            server.url, mine.id, file.sha256
        ))
        .bearer_auth(&bob)
        .send()
        .await?
        .bytes()
        .await?;
    assert_eq!(bytes.as_ref(), log.as_slice());
    Ok(())
}

#[tokio::test]
async fn a_large_file_goes_in_chunks_and_an_upload_left_half_done_is_finished() -> anyhow::Result<()>
{
    use sha2::{Digest, Sha256};
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = confirmed_agent(&server, home.path()).await?;
    // 9.5 MiB: three chunks of 4 MiB.
    let big: Vec<u8> = (0..9_961_472u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let hash = format!("{:x}", Sha256::digest(&big));
    let chunk = bellhop_agent::UPLOAD_CHUNK;

    // An earlier attempt by bob got the first chunk through before the connection broke.
    let bob = server.login("bob@acme.example").await?;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/attachments/{hash}", server.url);
    let res = http
        .put(&url)
        .bearer_auth(&bob)
        .header(
            "content-range",
            format!("bytes 0-{}/{}", chunk - 1, big.len()),
        )
        .body(big[..chunk].to_vec())
        .send()
        .await?;
    assert_eq!(res.status(), 202);

    let queued = agent.send_ticket(
        ticket("Installer log".into()),
        Outgoing::files(vec![("setup.log".into(), big.clone())]),
    )?;
    let report = agent.sync().await?;
    assert_eq!((report.synced, report.rejected), (1, 0), "{queued:?}");

    let res = http.head(&url).bearer_auth(&bob).send().await?;
    assert_eq!(res.status(), 200, "the server has it whole");
    let mine = server
        .tickets(&bob)
        .await?
        .into_iter()
        .find(|t| t.title == "Installer log")
        .ok_or_else(|| anyhow::anyhow!("the ticket arrived"))?;
    let bytes = http
        .get(format!(
            "{}/api/v1/tickets/{}/attachments/{hash}",
            server.url, mine.id
        ))
        .bearer_auth(&bob)
        .send()
        .await?
        .bytes()
        .await?;
    assert!(bytes.as_ref() == big.as_slice(), "byte-identical");
    Ok(())
}
