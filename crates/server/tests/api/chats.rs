//! Chat with the service desk: the queue and duty, messages both ways live and once, who may
//! read, write, take and hand over, idle warnings and presence, incidents with the transcript,
//! the portal setting, and a chat crossing PostgreSQL instances.

use bellhop_proto::{
    Chat, ChatDesk, ChatEnd, ChatEvent, ChatMessage, ChatMessageKind, ChatStatus, Duty, MyPortal,
    Ticket, TicketSource,
};
use serde_json::{Value, json};

use crate::attachments::{PNG, sha, upload};
use crate::changes::{next_event, open_events};
use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with, spawn_on_postgres};

fn new_chat(first: Option<&str>) -> Value {
    let id = uuid::Uuid::now_v7();
    match first {
        Some(body) => json!({"id": id, "message": {"id": uuid::Uuid::now_v7(), "body": body}}),
        None => json!({"id": id}),
    }
}

async fn start(app: &TestApp, token: &str, first: &str) -> anyhow::Result<Chat> {
    let res = app
        .post(token, "/api/v1/chats", &new_chat(Some(first)))
        .await?;
    anyhow::ensure!(res.status() == 201, "starting a chat: {}", res.status());
    Ok(res.json().await?)
}

async fn say(app: &TestApp, token: &str, chat: &Chat, body: &str) -> anyhow::Result<ChatMessage> {
    let res = app
        .post(
            token,
            &format!("/api/v1/chats/{}/messages", chat.id),
            &json!({"id": uuid::Uuid::now_v7(), "body": body}),
        )
        .await?;
    anyhow::ensure!(res.status() == 201, "writing: {}", res.status());
    Ok(res.json().await?)
}

async fn messages(
    app: &TestApp,
    token: &str,
    chat: &Chat,
    after: i64,
) -> anyhow::Result<Vec<ChatMessage>> {
    let path = format!("/api/v1/chats/{}/messages?after={after}", chat.id);
    Ok(app
        .get(token, &path)
        .await?
        .error_for_status()?
        .json()
        .await?)
}

async fn on_duty(app: &TestApp, token: &str, on: bool) -> anyhow::Result<Duty> {
    let res = app
        .put(token, "/api/v1/duty", &json!({"on_duty": on}))
        .await?;
    Ok(res.error_for_status()?.json().await?)
}

async fn take(app: &TestApp, token: &str, chat: &Chat) -> anyhow::Result<reqwest::Response> {
    app.post(
        token,
        &format!("/api/v1/chats/{}/take", chat.id),
        &json!({}),
    )
    .await
}

/// Reads `chat` events until one says the chat reached message `seq`.
async fn heard_up_to(
    stream: &mut reqwest::Response,
    buf: &mut String,
    seq: i64,
) -> anyhow::Result<ChatEvent> {
    loop {
        let heard: ChatEvent = serde_json::from_str(&next_event(stream, buf, "chat").await?)?;
        if heard.seq >= seq {
            return Ok(heard);
        }
    }
}

async fn available(app: &TestApp, token: &str) -> anyhow::Result<bool> {
    let desk: ChatDesk = app.get(token, "/api/v1/chat-desk").await?.json().await?;
    Ok(desk.available)
}

/// A second technician: a new person made one behind the API's back (only admins give the
/// role, and the demo desk has none).
async fn second_technician(app: &TestApp) -> anyhow::Result<String> {
    app.new_person("Theo Tech", "theo@helpdesk.example", "end_user", "")
        .await?;
    app.sql(
        "UPDATE users SET role = 'technician', org_id = NULL WHERE email = 'theo@helpdesk.example'",
    )
    .await?;
    app.login("theo@helpdesk.example").await
}

#[tokio::test]
async fn a_chat_waits_in_the_queue_a_technician_takes_it_and_messages_go_both_ways_live()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;

    assert!(!available(&app, &bob).await?, "nobody is on duty yet");
    let duty = on_duty(&app, &tech, true).await?;
    assert!(duty.on_duty);
    assert_eq!(duty.technicians[0].name, "Tess Tech");
    assert!(available(&app, &bob).await?, "Tess is on duty");

    let (mut bobs_stream, mut bobs_buf) = open_events(&app, &bob).await?;
    let (mut techs_stream, mut techs_buf) = open_events(&app, &tech).await?;
    let first = new_chat(Some("My VPN drops every ten minutes"));
    let res = app.post(&bob, "/api/v1/chats", &first).await?;
    assert_eq!(res.status(), 201);
    let chat: Chat = res.json().await?;
    assert_eq!(chat.status, ChatStatus::Waiting);
    assert_eq!(chat.last_seq, 1);
    // The start again, and another start while this one is open, are the same chat.
    let again: Chat = app
        .post(&bob, "/api/v1/chats", &first)
        .await?
        .json()
        .await?;
    assert_eq!(again.id, chat.id);
    let res = app.post(&bob, "/api/v1/chats", &new_chat(None)).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Chat>().await?.id,
        chat.id,
        "one open chat at a time"
    );

    // The desk hears of it and finds it in the queue with who and which organisation.
    let heard: ChatEvent =
        serde_json::from_str(&next_event(&mut techs_stream, &mut techs_buf, "chat").await?)?;
    assert_eq!(heard.chat_id, chat.id);
    let queue: Vec<Chat> = app
        .get(&tech, "/api/v1/chats?status=waiting")
        .await?
        .json()
        .await?;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].user_name, "Bob Baker");
    assert_eq!(queue[0].org_name.as_deref(), Some("Acme"));

    // Taken: bob hears it, and reads who it is.
    let taken: Chat = take(&app, &tech, &chat)
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(taken.status, ChatStatus::Active);
    assert_eq!(taken.technician_name.as_deref(), Some("Tess Tech"));
    let heard = heard_up_to(&mut bobs_stream, &mut bobs_buf, 2).await?;
    assert_eq!((heard.chat_id, heard.seq), (chat.id, 2));
    let news = messages(&app, &bob, &chat, 1).await?;
    assert_eq!(news.len(), 1);
    assert_eq!(news[0].kind, ChatMessageKind::Taken);
    assert_eq!(news[0].author_name.as_deref(), Some("Tess Tech"));

    // The technician types, then answers; bob hears both.
    app.post(
        &tech,
        &format!("/api/v1/chats/{}/typing", chat.id),
        &json!({}),
    )
    .await?
    .error_for_status()?;
    let typing: ChatEvent =
        serde_json::from_str(&next_event(&mut bobs_stream, &mut bobs_buf, "chat_typing").await?)?;
    assert_eq!(typing.user_id, taken.technician_id);
    assert!(typing.user_id.is_some());
    say(&app, &tech, &chat, "Does it drop on the office Wi-Fi too?").await?;
    let heard = heard_up_to(&mut bobs_stream, &mut bobs_buf, 3).await?;
    assert_eq!(heard.seq, 3);
    let news = messages(&app, &bob, &chat, 2).await?;
    assert_eq!(news[0].body, "Does it drop on the office Wi-Fi too?");

    // A message sent twice (a retry after a lost answer) is written once.
    let answer = json!({"id": uuid::Uuid::now_v7(), "body": "Only at home"});
    let path = format!("/api/v1/chats/{}/messages", chat.id);
    assert_eq!(app.post(&bob, &path, &answer).await?.status(), 201);
    assert_eq!(app.post(&bob, &path, &answer).await?.status(), 200);
    let all = messages(&app, &tech, &chat, 0).await?;
    assert_eq!(
        all.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "numbered once each, in order"
    );

    // The desk ends it; the transcript stays and nobody writes any more.
    let ended: Chat = app
        .post(&tech, &format!("/api/v1/chats/{}/end", chat.id), &json!({}))
        .await?
        .json()
        .await?;
    assert_eq!(ended.status, ChatStatus::Ended);
    assert_eq!(ended.ended_by, Some(ChatEnd::Desk));
    let res = app
        .post(
            &bob,
            &path,
            &json!({"id": uuid::Uuid::now_v7(), "body": "Hello?"}),
        )
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    assert_eq!(messages(&app, &bob, &chat, 0).await?.len(), 5);
    let mine: Vec<Chat> = app.get(&bob, "/api/v1/chats").await?.json().await?;
    assert_eq!(mine.len(), 1);
    Ok(())
}

#[tokio::test]
async fn nobody_reads_or_writes_anothers_chat_and_only_technicians_on_duty_take_them()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let theo = second_technician(&app).await?;
    let chat = start(&app, &bob, "Outlook will not open").await?;
    let path = format!("/api/v1/chats/{}", chat.id);

    // Alice is bob's primary contact: his tickets are hers to see, his chats are not.
    let res = app.get(&alice, &path).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app.get(&alice, &format!("{path}/messages")).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .post(
            &alice,
            &format!("{path}/messages"),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let res = app
        .post(&alice, &format!("{path}/typing"), &json!({}))
        .await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");
    let hers: Vec<Chat> = app
        .get(&alice, "/api/v1/chats?status=waiting")
        .await?
        .json()
        .await?;
    assert!(hers.is_empty(), "the queue is the desk's");
    let res = app.post(&alice, &format!("{path}/end"), &json!({})).await?;
    assert_eq!(expect_error(res, 404).await?, "not_found");

    // An end user takes no chats, goes on no duty, opens no incidents.
    assert_eq!(
        expect_error(take(&app, &bob, &chat).await?, 403).await?,
        "forbidden"
    );
    let res = app
        .put(&bob, "/api/v1/duty", &json!({"on_duty": true}))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app.get(&bob, "/api/v1/duty").await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .post(&bob, &format!("{path}/incident"), &json!({}))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    // The desk answers chats; it does not start them.
    let res = app
        .post(&tech, "/api/v1/chats", &new_chat(Some("hi")))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");

    // Off duty, a technician takes nothing; nor writes in a chat nobody took.
    assert_eq!(
        expect_error(take(&app, &tech, &chat).await?, 409).await?,
        "conflict"
    );
    let res = app
        .post(
            &tech,
            &format!("{path}/messages"),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?;
    assert_eq!(expect_error(res, 409).await?, "conflict");
    on_duty(&app, &tech, true).await?;
    take(&app, &tech, &chat).await?.error_for_status()?;
    on_duty(&app, &theo, true).await?;
    assert_eq!(
        expect_error(take(&app, &theo, &chat).await?, 409).await?,
        "conflict",
        "Tess took it first"
    );
    let res = app
        .post(
            &theo,
            &format!("{path}/messages"),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");

    // Handing over: to a colleague on duty only, by the one who has it.
    let theo_id = app.user_id("theo@helpdesk.example").await?;
    let bob_id = app.user_id("bob@acme.example").await?;
    let res = app
        .post(
            &theo,
            &format!("{path}/hand-over"),
            &json!({"technician_id": theo_id}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let res = app
        .post(
            &tech,
            &format!("{path}/hand-over"),
            &json!({"technician_id": bob_id}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let handed: Chat = app
        .post(
            &tech,
            &format!("{path}/hand-over"),
            &json!({"technician_id": theo_id}),
        )
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(handed.technician_name.as_deref(), Some("Theo Tech"));
    say(&app, &theo, &chat, "Theo here, I have it now").await?;
    let res = app
        .post(
            &tech,
            &format!("{path}/messages"),
            &json!({"id": uuid::Uuid::now_v7(), "body": "hi"}),
        )
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let news = messages(&app, &bob, &chat, 0).await?;
    let kinds: Vec<_> = news.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            ChatMessageKind::Text,
            ChatMessageKind::Taken,
            ChatMessageKind::HandedOver,
            ChatMessageKind::Text
        ]
    );
    assert_eq!(news[2].body, "Theo Tech");
    Ok(())
}

#[tokio::test]
async fn malformed_messages_are_refused_with_what_to_fix() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let chat = start(&app, &bob, "Hello").await?;
    let path = format!("/api/v1/chats/{}/messages", chat.id);
    let res = app
        .post(
            &bob,
            &path,
            &json!({"id": uuid::Uuid::now_v7(), "body": "  "}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    let long = "x".repeat(4001);
    let res = app
        .post(
            &bob,
            &path,
            &json!({"id": uuid::Uuid::now_v7(), "body": long}),
        )
        .await?;
    let body: Value = res.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("4000"),
        "{body}"
    );
    let res = app.post(&bob, &path, &json!({"body": "no id"})).await?;
    assert!(res.status().is_client_error());
    let res = app.get(&bob, "/api/v1/chats/not-a-chat").await?;
    expect_error(res, 400).await?;
    let res = app.get(&bob, &format!("{path}?after=-1")).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    // A file bob never uploaded (alice did) is not his to send.
    let alice = app.login("alice@acme.example").await?;
    assert_eq!(upload(&app, &alice, PNG).await?.status(), 201);
    let res = app
        .post(
            &bob,
            &path,
            &json!({"id": uuid::Uuid::now_v7(), "files": [{"sha256": sha(PNG), "file_name": "a.png"}]}),
        )
        .await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    assert_eq!(
        messages(&app, &bob, &chat, 0).await?.len(),
        1,
        "nothing was written"
    );
    Ok(())
}

#[tokio::test]
async fn a_chat_becomes_an_incident_with_its_transcript_and_files_once() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let alice = app.login("alice@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    on_duty(&app, &tech, true).await?;
    let chat = start(&app, &bob, "The projector in room 4 shows nothing").await?;
    take(&app, &tech, &chat).await?.error_for_status()?;
    assert_eq!(upload(&app, &bob, PNG).await?.status(), 201);
    let res = app
        .post(
            &bob,
            &format!("/api/v1/chats/{}/messages", chat.id),
            &json!({"id": uuid::Uuid::now_v7(), "body": "Here is the screen",
                    "files": [{"sha256": sha(PNG), "file_name": "screen.png"}]}),
        )
        .await?;
    assert_eq!(res.status(), 201);
    let sent: ChatMessage = res.json().await?;
    assert_eq!(sent.files[0].media_type, "image/png");
    let file = format!("/api/v1/chats/{}/files/{}", chat.id, sha(PNG));
    assert_eq!(app.get(&tech, &file).await?.bytes().await?.as_ref(), PNG);
    assert_eq!(
        expect_error(app.get(&alice, &file).await?, 404).await?,
        "not_found"
    );
    say(&app, &tech, &chat, "I will send someone over").await?;

    let path = format!("/api/v1/chats/{}/incident", chat.id);
    let done: Chat = app
        .post(&tech, &path, &json!({}))
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(done.status, ChatStatus::Ended);
    assert_eq!(done.ended_by, Some(ChatEnd::Incident));
    let ticket_id = done.ticket_id.ok_or_else(|| anyhow::anyhow!("no ticket"))?;
    let again: Chat = app.post(&tech, &path, &json!({})).await?.json().await?;
    assert_eq!(
        again.ticket_id,
        Some(ticket_id),
        "a repeat is the same ticket"
    );
    let last = messages(&app, &bob, &chat, 0)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no messages"))?;
    assert_eq!(last.kind, ChatMessageKind::Incident);
    assert_eq!(last.ticket_id, Some(ticket_id));
    assert_eq!(Some(last.body), done.ticket_number.map(|n| n.to_string()));

    // Bob's ticket: the transcript, the file, opened for him by Tess, from a chat.
    let ticket: Ticket = app
        .get(&bob, &format!("/api/v1/tickets/{ticket_id}"))
        .await?
        .json()
        .await?;
    assert_eq!(ticket.title, "The projector in room 4 shows nothing");
    assert_eq!(ticket.source, TicketSource::Chat);
    assert_eq!(ticket.opened_by_name.as_deref(), Some("Tess Tech"));
    assert!(
        ticket
            .description
            .contains("Bob Baker: Here is the screen [file: screen.png]")
    );
    assert!(
        ticket
            .description
            .contains("Tess Tech: I will send someone over")
    );
    let files = app.attachments(&bob, ticket_id).await?;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].sha256, sha(PNG));
    let ours: Vec<Ticket> = app.tickets(&bob).await?;
    assert_eq!(ours.iter().filter(|t| t.id == ticket_id).count(), 1);
    Ok(())
}

#[tokio::test]
async fn an_idle_chat_is_warned_twice_then_ends_and_a_technician_who_left_goes_off_duty()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    on_duty(&app, &tech, true).await?;
    let chat = start(&app, &bob, "Can you reset my badge?").await?;
    take(&app, &tech, &chat).await?.error_for_status()?;
    let idle = 4 * 60 * 1000;
    let quiet_for = |periods: i64| {
        format!(
            "UPDATE chats SET said_at = said_at - {} WHERE id = '{}'",
            periods * idle + 1000,
            chat.id
        )
    };
    // Nothing is due while people write.
    assert_eq!(app.sweeper.tick_chats().await?.warned, 0);
    app.sql(&quiet_for(1)).await?;
    assert_eq!(app.sweeper.tick_chats().await?.warned, 1);
    assert_eq!(
        app.sweeper.tick_chats().await?.warned,
        0,
        "one warning per period"
    );
    app.sql(&quiet_for(1)).await?;
    assert_eq!(app.sweeper.tick_chats().await?.warned, 1);
    app.sql(&quiet_for(1)).await?;
    assert_eq!(app.sweeper.tick_chats().await?.ended, 1);
    let news = messages(&app, &bob, &chat, 2).await?;
    let said: Vec<_> = news.iter().map(|m| (m.kind, m.body.as_str())).collect();
    assert_eq!(
        said,
        [
            (ChatMessageKind::IdleWarning, "1"),
            (ChatMessageKind::IdleWarning, "2"),
            (ChatMessageKind::Ended, "idle")
        ]
    );

    // A message resets the clock: a warned chat that hears from someone starts again.
    let second = start(&app, &bob, "Another thing").await?;
    take(&app, &tech, &second).await?.error_for_status()?;
    let quiet = format!(
        "UPDATE chats SET said_at = said_at - {} WHERE id = '{}'",
        idle + 1000,
        second.id
    );
    app.sql(&quiet).await?;
    assert_eq!(app.sweeper.tick_chats().await?.warned, 1);
    say(&app, &bob, &second, "Still here").await?;
    let after: Chat = app
        .get(&bob, &format!("/api/v1/chats/{}", second.id))
        .await?
        .json()
        .await?;
    assert_eq!(after.idle_warnings, 0);

    // Tess's console closes and her presence lapses: her chat goes back to the queue, and she
    // goes off duty, so chat is no longer available.
    app.sql("UPDATE presence SET present_until = 0").await?;
    let ticks = app.sweeper.tick_chats().await?;
    assert_eq!((ticks.requeued, ticks.off_duty), (1, 1));
    let back: Chat = app
        .get(&bob, &format!("/api/v1/chats/{}", second.id))
        .await?
        .json()
        .await?;
    assert_eq!(back.status, ChatStatus::Waiting);
    assert_eq!(back.technician_id, None);
    assert!(!available(&app, &bob).await?);
    let duty: Duty = app.get(&tech, "/api/v1/duty").await?.json().await?;
    assert!(!duty.on_duty);
    Ok(())
}

#[tokio::test]
async fn an_open_console_keeps_its_technician_present() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.presence_holds = std::time::Duration::from_secs(3)).await?;
    let bob = app.login("bob@acme.example").await?;
    let tech = app.login("tech@helpdesk.example").await?;
    on_duty(&app, &tech, true).await?;
    let (_stream, _buf) = open_events(&app, &tech).await?;
    // Present for longer than the set-up's own hold: the stream keeps saying so.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        app.sweeper.tick_chats().await?;
        assert!(
            available(&app, &bob).await?,
            "the open console keeps Tess on duty"
        );
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Ok(())
}

#[tokio::test]
async fn chat_is_offered_to_the_organisations_and_people_the_desk_chose() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let tech = app.login("tech@helpdesk.example").await?;
    let bob = app.login("bob@acme.example").await?;
    let carol = app.login("carol@globex.example").await?;
    let orgs: Vec<bellhop_proto::Org> = app.get(&tech, "/api/v1/orgs").await?.json().await?;
    let globex = orgs
        .iter()
        .find(|o| o.name.starts_with("Globex"))
        .map(|o| o.id)
        .ok_or_else(|| anyhow::anyhow!("no Globex"))?;
    let mut settings: Value = app
        .get(&tech, "/api/v1/portal-settings")
        .await?
        .json()
        .await?;
    settings["chat"] = json!({"audience": "only", "orgs": [globex]});
    app.put(&tech, "/api/v1/portal-settings", &settings)
        .await?
        .error_for_status()?;

    let bobs: MyPortal = app.get(&bob, "/api/v1/me/portal").await?.json().await?;
    assert!(!bobs.chat);
    let res = app
        .post(&bob, "/api/v1/chats", &new_chat(Some("hi")))
        .await?;
    assert_eq!(expect_error(res, 403).await?, "forbidden");
    let carols: MyPortal = app.get(&carol, "/api/v1/me/portal").await?.json().await?;
    assert!(carols.chat);
    start(&app, &carol, "Hello from Globex").await?;

    settings["chat"] = json!({"audience": "only", "orgs": [uuid::Uuid::now_v7()]});
    let res = app.put(&tech, "/api/v1/portal-settings", &settings).await?;
    assert_eq!(expect_error(res, 422).await?, "bad_request");
    Ok(())
}

#[tokio::test]
async fn on_postgresql_a_chat_message_crosses_to_another_server_instance() -> anyhow::Result<()> {
    let Some((first, url)) = spawn_on_postgres().await? else {
        return Ok(());
    };
    let second = spawn_app_with(|s| s.database_url = Some(url)).await?;
    let bob = second.login("bob@acme.example").await?;
    let tech = first.login("tech@helpdesk.example").await?;
    on_duty(&first, &tech, true).await?;
    assert!(available(&second, &bob).await?, "duty is the database's");
    let chat = start(&second, &bob, "Hello from the second instance").await?;
    let (mut stream, mut buf) = open_events(&second, &bob).await?;
    take(&first, &tech, &chat).await?.error_for_status()?;
    say(&first, &tech, &chat, "Answered on the first").await?;
    heard_up_to(&mut stream, &mut buf, 3).await?;
    let news = messages(&second, &bob, &chat, 2).await?;
    assert_eq!(news[0].body, "Answered on the first");
    Ok(())
}
