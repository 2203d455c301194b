//! Benchmark of chat delivery (BENCHMARKS.md, issue #23): a message written by one side until
//! the other side has it (its live `chat` event heard, then the message fetched by number), on
//! loopback, with 1,000 chats open at once on one instance. Run with `scripts/bench chat`
//! (release build).
//!
//! The crowd: 1,000 people (made in the database, each with a session), each with a live stream
//! open and a chat open, taken by 10 technicians on duty (100 chats each, each technician with
//! a stream of their own hearing every chat). The people of 990 chats write one message every
//! 10 s on average (about 100 a second in all) while ten pairs (chats 0–9, each with its
//! technician) measure 300 messages in turn, alternating directions (each writer stays within
//! the 60 messages a minute a person may write).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bellhop_agent::{LiveEvent, ServerClient};
use bellhop_proto::{Chat, ChatId, ChatMessage, ChatMessageId, Language, Role, UserId};
use bellhop_server::db::{NewUser, Store};
use bellhop_server::tokens::{SESSION_PREFIX, new_token, token_hash};
use bellhop_tests::RunningServer;
use futures_util::StreamExt;
use serde_json::json;

const PEOPLE: usize = 1000;
const TECHNICIANS: usize = 10;
const MEASURED: usize = 300;
/// The chats measured, each a pair of a person and a technician.
const PAIRS: usize = 10;

async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<reqwest::Response> {
    let res = http
        .request(method, format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
    Ok(res)
}

/// A session for a new person of `role`, made in the database (their sign-in is not measured).
async fn person(store: &Store, role: Role, n: usize) -> anyhow::Result<(UserId, String)> {
    let name = format!("Load {role:?} {n}");
    let email = format!("load-{n}-{}@load.example", role.as_str());
    let id = store
        .insert_user(NewUser {
            name: &name,
            email: &email,
            role,
            org_id: None,
            phone: None,
            password_hash: None,
            language: Language::En,
            portal_access: true,
        })
        .await?;
    let token = new_token(SESSION_PREFIX);
    store
        .insert_session(&token_hash(&token), id, 24 * 3600 * 1000)
        .await?;
    Ok((id, token))
}

type Heard = tokio::sync::mpsc::UnboundedSender<(ChatId, i64, Instant)>;

/// Listens to `token`'s live stream; `chat` events of the `measured` chats go to `tx` as they
/// arrive.
async fn listen(
    base: String,
    token: String,
    measured: Arc<Vec<ChatId>>,
    tx: Option<Heard>,
    ready: tokio::sync::mpsc::UnboundedSender<()>,
) -> anyhow::Result<()> {
    let client = ServerClient::new(&base)?;
    let mut events = client.events(&token).await?;
    while let Some(event) = events.next().await {
        match event? {
            LiveEvent::Ready => {
                let _ = ready.send(());
            }
            LiveEvent::Chat(e) if measured.contains(&e.chat_id) => {
                if let Some(tx) = &tx {
                    let _ = tx.send((e.chat_id, e.seq, Instant::now()));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let base = server.url.clone();
    let store = Store::open_sqlite(&server.data_dir().join("bellhop.sqlite3")).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;

    println!("making {PEOPLE} people and {TECHNICIANS} technicians…");
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        people.push(person(&store, Role::EndUser, n).await?);
    }
    let mut techs = Vec::new();
    for n in 0..TECHNICIANS {
        techs.push(person(&store, Role::Technician, n).await?);
    }

    // Every stream open before anything is measured.
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
    let (person_tx, mut person_rx) = tokio::sync::mpsc::unbounded_channel();
    let (tech_tx, mut tech_rx) = tokio::sync::mpsc::unbounded_channel();
    for (_, token) in &techs {
        call(
            &http,
            &base,
            token,
            reqwest::Method::PUT,
            "/duty",
            json!({"on_duty": true}),
        )
        .await?;
    }

    println!("opening {PEOPLE} chats…");
    let mut chats: Vec<Chat> = Vec::new();
    for (_, token) in &people {
        let body =
            json!({"id": ChatId::new(), "message": {"id": ChatMessageId::new(), "body": "Hello"}});
        let chat: Chat = call(&http, &base, token, reqwest::Method::POST, "/chats", body)
            .await?
            .json()
            .await?;
        chats.push(chat);
    }
    for (i, chat) in chats.iter().enumerate() {
        let (_, token) = &techs[i % TECHNICIANS];
        call(
            &http,
            &base,
            token,
            reqwest::Method::POST,
            &format!("/chats/{}/take", chat.id),
            json!({}),
        )
        .await?;
    }
    let measured: Arc<Vec<ChatId>> = Arc::new(chats[..PAIRS].iter().map(|c| c.id).collect());

    println!("opening {} live streams…", PEOPLE + TECHNICIANS);
    let mut streams = Vec::new();
    for (i, (_, token)) in people.iter().enumerate() {
        let tx = (i < PAIRS).then(|| person_tx.clone());
        streams.push(tokio::spawn(listen(
            base.clone(),
            token.clone(),
            measured.clone(),
            tx,
            ready_tx.clone(),
        )));
    }
    for (_, token) in &techs {
        streams.push(tokio::spawn(listen(
            base.clone(),
            token.clone(),
            measured.clone(),
            Some(tech_tx.clone()),
            ready_tx.clone(),
        )));
    }
    for _ in 0..PEOPLE + TECHNICIANS {
        ready_rx.recv().await;
    }

    // The crowd: the people of the other chats write every 10 s on average.
    let crowd = {
        let (http, base) = (http.clone(), base.clone());
        let people = Arc::new(people.clone());
        let chats = Arc::new(chats.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut n = 0usize;
            loop {
                tick.tick().await;
                n += 1;
                let i = PAIRS + (n * 7919) % (PEOPLE - PAIRS);
                let token = &people[i].1;
                let body = json!({"id": ChatMessageId::new(), "body": format!("crowd {n}")});
                let (http, base, token, chat) =
                    (http.clone(), base.clone(), token.clone(), chats[i].id);
                tokio::spawn(async move {
                    let _ = call(
                        &http,
                        &base,
                        &token,
                        reqwest::Method::POST,
                        &format!("/chats/{chat}/messages"),
                        body,
                    )
                    .await;
                });
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;

    println!("measuring {MEASURED} messages in {PAIRS} chats…");
    let mut heard = Vec::new();
    let mut had = Vec::new();
    let mut last_seqs = [0i64; PAIRS];
    for n in 0..MEASURED {
        let pair = n % PAIRS;
        let chat = measured[pair];
        let to_person = (n / PAIRS).is_multiple_of(2);
        // Chat i was taken by technician i % TECHNICIANS.
        let (person_token, tech_token) = (&people[pair].1, &techs[pair % TECHNICIANS].1);
        let (writer, reader, rx) = if to_person {
            (tech_token, person_token, &mut person_rx)
        } else {
            (person_token, tech_token, &mut tech_rx)
        };
        let last_seq = &mut last_seqs[pair];
        while rx.try_recv().is_ok() {}
        let started = Instant::now();
        let sent: ChatMessage = call(
            &http,
            &base,
            writer,
            reqwest::Method::POST,
            &format!("/chats/{chat}/messages"),
            json!({"id": ChatMessageId::new(), "body": format!("measured {n}")}),
        )
        .await?
        .json()
        .await?;
        // The reader's stream says the chat reached the message…
        let at = loop {
            let (heard_chat, seq, at) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await?
                .ok_or_else(|| anyhow::anyhow!("a stream ended"))?;
            if heard_chat == chat && seq >= sent.seq {
                break at;
            }
        };
        heard.push(at - started);
        // …and the reader fetches what came after the last number it had.
        let fetched: Vec<ChatMessage> = call(
            &http,
            &base,
            reader,
            reqwest::Method::GET,
            &format!("/chats/{chat}/messages?after={last_seq}"),
            json!(null),
        )
        .await?
        .json()
        .await?;
        anyhow::ensure!(
            fetched.iter().any(|m| m.id == sent.id),
            "the message was fetched"
        );
        *last_seq = fetched.last().map_or(*last_seq, |m| m.seq);
        had.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crowd.abort();
    for s in streams {
        s.abort();
    }
    let mut crowd_messages = 0;
    for (id, _) in &people[PAIRS..] {
        crowd_messages += store.recent_chat_messages(*id, 0).await?;
    }
    for (what, mut times) in [("event heard", heard), ("message in hand", had)] {
        times.sort();
        println!(
            "{what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {MEASURED}",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        );
    }
    println!(
        "({PEOPLE} chats open; the crowd wrote {} messages besides the first ones)",
        crowd_messages - (PEOPLE - PAIRS) as i64
    );
    Ok(())
}
