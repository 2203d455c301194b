//! Chat from the desktop's agent against a real server: a chat started on the device names the
//! device; the live stream rings for the desk's answer and its typing; a notification's news is
//! each desk message once; a file staged on the device goes up with the message; a screenshot
//! leaves with the areas the person hid blacked out.

use std::time::Duration;

use bellhop_agent::ChatHeard;
use bellhop_proto::{Chat, ChatMessageId};
use bellhop_tests::{RunningServer, while_watching};
use serde_json::json;

async fn as_tech(
    server: &RunningServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<reqwest::Response> {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
    Ok(res)
}

#[tokio::test]
async fn the_agent_chats_hears_the_desk_live_and_tells_each_answer_once() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let home = tempfile::tempdir()?;
    let agent = server
        .confirmed_agent(home.path(), "Bob", "Baker", "bob@acme.example")
        .await?;
    let tech = server.login("tech@helpdesk.example").await?;
    use reqwest::Method;
    as_tech(
        &server,
        &tech,
        Method::PUT,
        "/api/v1/duty",
        json!({"on_duty": true}),
    )
    .await?;
    assert!(agent.chat_desk().await?.available);

    let chat = agent.start_chat(Some("  The scanner is offline  ")).await?;
    assert!(
        chat.device_name.is_some(),
        "a chat from the app names the computer"
    );
    assert_eq!(
        agent.start_chat(None).await?.id,
        chat.id,
        "one open chat at a time"
    );
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = heard.clone();
    agent.on_chat(move |h| kept.lock().unwrap_or_else(|p| p.into_inner()).push(h));

    let agent = &agent;
    let heard = &heard;
    while_watching(agent, Duration::from_secs(15), |_passes| async move {
        // The stream is open once it said so (a resync on connecting).
        let rang = |wanted: &dyn Fn(&ChatHeard) -> bool| {
            heard
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(wanted)
        };
        while !rang(&|h| *h == ChatHeard::Resync) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let path = format!("/api/v1/chats/{}", chat.id);
        let taken: Chat = as_tech(
            &server,
            &tech,
            Method::POST,
            &format!("{path}/take"),
            json!({}),
        )
        .await?
        .json()
        .await?;
        as_tech(
            &server,
            &tech,
            Method::POST,
            &format!("{path}/typing"),
            json!({}),
        )
        .await?;
        as_tech(
            &server,
            &tech,
            Method::POST,
            &format!("{path}/messages"),
            json!({"id": ChatMessageId::new(), "body": "Is it plugged in?"}),
        )
        .await?;
        while !rang(&|h| matches!(h, ChatHeard::Message(e) if e.chat_id == chat.id && e.seq == 3)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(rang(
            &|h| matches!(h, ChatHeard::Typing(e) if e.user_id == taken.technician_id)
        ));

        // The news: the desk's words, once (its joining is not news).
        let news = agent.chat_news(chat.id, 3).await?;
        assert_eq!(
            news.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            ["Is it plugged in?"]
        );
        assert!(agent.chat_news(chat.id, 3).await?.is_empty(), "told once");

        // A file staged on the device goes up with the answer; a resend is the same message.
        let file = agent.stage_file("cable.txt", b"the cable is in")?;
        let id = ChatMessageId::new();
        let sent = agent
            .say(chat.id, id, "Yes, see", vec![file.clone()])
            .await?;
        assert_eq!(sent.files[0].sha256, file.sha256);
        assert_eq!(
            agent
                .say(chat.id, id, "Yes, see", vec![file.clone()])
                .await?
                .seq,
            sent.seq
        );
        assert_eq!(
            agent.chat_file(chat.id, &file.sha256).await?,
            b"the cable is in"
        );
        // A screenshot leaves with the areas bob hid painted black, whatever was under them.
        let white = image::RgbaImage::from_pixel(40, 30, image::Rgba([255, 255, 255, 255]));
        let png = bellhop_agent::capture::encode_png(&white)?;
        let hidden = bellhop_proto::Redaction {
            x: 10,
            y: 5,
            width: 20,
            height: 10,
        };
        let shot = agent
            .say_screenshot(chat.id, ChatMessageId::new(), png, vec![hidden])
            .await?;
        let [file] = shot.files.as_slice() else {
            anyhow::bail!("one file: {shot:?}");
        };
        assert_eq!(file.file_name, "screenshot.png");
        let bytes = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/chats/{}/files/{}",
                server.url, chat.id, file.sha256
            ))
            .bearer_auth(&tech)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let got = image::load_from_memory(&bytes)?.to_rgba8();
        assert_eq!(got.get_pixel(15, 10).0, [0, 0, 0, 255], "hidden");
        assert_eq!(
            got.get_pixel(5, 5).0,
            [255, 255, 255, 255],
            "left as it was"
        );
        assert_eq!(
            got.get_pixel(35, 20).0,
            [255, 255, 255, 255],
            "left as it was"
        );

        // Bob's own message is not news either.
        assert!(agent.chat_news(chat.id, sent.seq).await?.is_empty());
        let ended = agent.end_chat(chat.id).await?;
        assert_eq!(ended.ended_by, Some(bellhop_proto::ChatEnd::User));
        anyhow::Ok(())
    })
    .await
}
