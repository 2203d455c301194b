//! The assistant from the desktop's agent against a real server: the answer heard as it is
//! written, the next question with the sealed history, the hand-over with the hotkey's
//! screenshot on the ticket, and a refusal said as the server's.

use bellhop_agent::Error;
use bellhop_proto::{
    AssistantAsk, AssistantHandOver, AssistantRole, AssistantTurn, ConversationId, ErrorCode,
    TicketId, TicketSource,
};
use bellhop_tests::RunningServer;
use serde_json::json;

fn asked(text: &str) -> AssistantTurn {
    AssistantTurn {
        role: AssistantRole::Person,
        text: text.to_owned(),
        citations: Vec::new(),
        proposals: Vec::new(),
        seal: None,
    }
}

#[tokio::test]
async fn the_agent_asks_hears_the_answer_and_hands_over_with_the_screenshot() -> anyhow::Result<()>
{
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let conversation = ConversationId::new();
    let question = "How do I connect to the VPN?";
    let mut heard = Vec::new();
    let answer = agent
        .ask_assistant(
            &AssistantAsk {
                conversation,
                history: Vec::new(),
                question: question.to_owned(),
            },
            |words| heard.push(words),
        )
        .await?;
    assert!(heard.len() > 1, "the answer came in pieces: {heard:?}");
    assert_eq!(heard.concat(), answer.text);
    assert_eq!(answer.citations[0].title, "Connect to the VPN");
    assert!(answer.seal.is_some());

    // The next question carries the conversation, sealed as the server gave it.
    let mut history = vec![asked(question), answer];
    let follow_up = "It still drops, I need a person";
    let next = agent
        .ask_assistant(
            &AssistantAsk {
                conversation,
                history: history.clone(),
                question: follow_up.to_owned(),
            },
            |_| (),
        )
        .await?;
    history.extend([asked(follow_up), next]);

    // Handed over with the screenshot the hotkey took: the ticket has both.
    let screen = image::RgbaImage::from_pixel(40, 30, image::Rgba([0, 120, 255, 255]));
    let png = bellhop_agent::capture::encode_png(&screen)?;
    let hand_over = AssistantHandOver {
        ticket_id: TicketId::new(),
        conversation,
        history,
        actions: Vec::new(),
        attachments: Vec::new(),
    };
    let ticket = agent.hand_over(hand_over.clone(), Some(&png)).await?;
    assert_eq!(ticket.source, TicketSource::Assistant);
    assert_eq!(ticket.title, question);
    assert!(
        ticket.description.contains("Bob Baker: It still drops"),
        "{}",
        ticket.description
    );
    // A retry (the answer lost on the way back) is the same ticket.
    assert_eq!(agent.hand_over(hand_over, Some(&png)).await?.id, ticket.id);
    let tech = server.login("tech@helpdesk.example").await?;
    let files: Vec<bellhop_proto::Attachment> = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/tickets/{}/attachments",
            server.url, ticket.id
        ))
        .bearer_auth(&tech)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].file_name, "screenshot.png");
    assert_eq!(files[0].size, png.len() as u64);

    // Switched off for bob, the agent says so as the server's refusal.
    let settings: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/portal-settings", server.url))
        .bearer_auth(&tech)
        .send()
        .await?
        .json()
        .await?;
    let mut off = settings.clone();
    off["assistant"] = json!({"audience": "nobody"});
    reqwest::Client::new()
        .put(format!("{}/api/v1/portal-settings", server.url))
        .bearer_auth(&tech)
        .json(&off)
        .send()
        .await?
        .error_for_status()?;
    let refused = agent
        .ask_assistant(
            &AssistantAsk {
                conversation: ConversationId::new(),
                history: Vec::new(),
                question: question.to_owned(),
            },
            |_| (),
        )
        .await;
    match refused {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::Forbidden),
        other => panic!("{other:?}"),
    }
    Ok(())
}
