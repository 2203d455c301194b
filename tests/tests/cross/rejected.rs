//! A ticket the server refuses keeps everything the user gave it: it comes back as a draft with
//! its words, fields and screenshot, is fixed and arrives once with the same bytes; or, once the
//! desk accepts it again, it is simply sent again.

use bellhop_agent::Outgoing;
use bellhop_proto::{FieldValue, NewTicket, OutboxState, TicketFields};
use bellhop_tests::RunningServer;

/// Makes the desk's "Who is affected" field required (or not) through the API.
async fn require_affected(
    server: &RunningServer,
    tech: &str,
    required: bool,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/ticket-fields", server.url);
    let mut fields: TicketFields = http
        .get(&url)
        .bearer_auth(tech)
        .send()
        .await?
        .json()
        .await?;
    let affected = fields
        .custom
        .iter_mut()
        .find(|f| f.key == "affected")
        .ok_or_else(|| anyhow::anyhow!("the demo has no 'affected' field"))?;
    affected.required = required;
    let res = http
        .put(&url)
        .bearer_auth(tech)
        .json(&fields)
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "saving the fields: {}",
        res.status()
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_ticket_is_fixed_as_a_draft_and_arrives_once_with_its_screenshot()
-> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    agent.sync().await?;
    let tech = server.login("tech@helpdesk.example").await?;
    let bob = server.login("bob@acme.example").await?;

    // Queued while the desk did not yet require the field; sent after it does.
    let shot = b"\x89PNG\r\n\x1a\n pretend screenshot".to_vec();
    let first = agent.send_ticket(
        NewTicket {
            ticket_type: Some("incident".into()),
            ..NewTicket::new("VPN drops hourly", "Since Monday")
        },
        Outgoing::files(vec![("screenshot.png".into(), shot.clone())]),
    )?;
    let second = agent.queue_ticket(NewTicket::new("Printer offline", ""))?;
    require_affected(&server, &tech, true).await?;
    let report = agent.sync().await?;
    assert_eq!(report.rejected, 2, "{report:?}");
    let outbox = agent.outbox()?;
    let refused = outbox
        .iter()
        .find(|i| i.seq == first.seq)
        .ok_or_else(|| anyhow::anyhow!("the refused ticket left the outbox"))?;
    assert_eq!(refused.state, OutboxState::Rejected);
    assert!(
        refused
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("Who is affected")),
        "the server's reason is kept: {:?}",
        refused.last_error
    );

    // Edit: a draft with everything; the user fills the field in and sends it.
    let draft = agent.edit_rejected(first.seq)?;
    assert_eq!(draft.attachments.len(), 1);
    let mut form = draft.form.clone();
    form.custom_fields
        .insert("affected".into(), FieldValue::Text("Only me".into()));
    agent.save_draft(Some(&draft.id), &form)?;
    agent.submit_draft(&draft.id)?;
    let report = agent.sync().await?;
    assert_eq!(report.synced, 1, "{report:?}");

    // Once the desk relaxes the rule again, the other one simply goes again.
    require_affected(&server, &tech, false).await?;
    agent.resend_rejected(second.seq)?;
    assert_eq!(agent.sync().await?.synced, 1);
    assert!(
        agent
            .outbox()?
            .iter()
            .all(|i| i.state == OutboxState::Synced),
        "nothing left refused"
    );

    let tickets = server.tickets(&bob).await?;
    let vpn: Vec<_> = tickets
        .iter()
        .filter(|t| t.title == "VPN drops hourly")
        .collect();
    assert_eq!(vpn.len(), 1, "arrived exactly once");
    assert_eq!(
        vpn[0].custom_fields.get("affected"),
        Some(&FieldValue::Text("Only me".into()))
    );
    assert_eq!(vpn[0].ticket_type.as_deref(), Some("incident"));
    assert_eq!(
        tickets
            .iter()
            .filter(|t| t.title == "Printer offline")
            .count(),
        1
    );
    let http = reqwest::Client::new();
    let files: Vec<bellhop_proto::Attachment> = http
        .get(format!(
            "{}/api/v1/tickets/{}/attachments",
            server.url, vpn[0].id
        ))
        .bearer_auth(&bob)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(files.len(), 1);
    let bytes = http
        .get(format!(
            "{}/api/v1/tickets/{}/attachments/{}",
            server.url, vpn[0].id, files[0].sha256
        ))
        .bearer_auth(&bob)
        .send()
        .await?
        .bytes()
        .await?;
    assert_eq!(
        bytes.as_ref(),
        shot.as_slice(),
        "the same screenshot, byte for byte"
    );
    Ok(())
}
