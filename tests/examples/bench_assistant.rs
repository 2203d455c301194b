//! Benchmark of the assistant (BENCHMARKS.md, issue #24) over a knowledge base of 10,000
//! articles (the demo's ten and 9,990 made here, each about 120 words from a 6,000-word
//! vocabulary whose use follows Zipf's law, as text does). Run with `scripts/bench assistant`
//! (release build, SQLite).
//!
//! - The knowledge-base search: `Store::rank_articles` as the assistant calls it for bob (his
//!   organisation's visibility applied), 1,000 questions of 2 to 6 words.
//! - The first streamed words: `POST /api/v1/assistant/ask` as bob over loopback, from the request
//!   sent to the first `words` line read, 500 questions.

use std::time::{Duration, Instant};

use bellhop_proto::{Role, User};
use bellhop_server::db::{Caller, Store};
use bellhop_tests::RunningServer;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const ARTICLES: usize = 10_000;
const VOCABULARY: usize = 6_000;
const SEARCHES: usize = 1_000;
const ASKS: usize = 500;

/// A made-up word for rank `n` of the vocabulary: pronounceable, distinct, 4 to 10 letters.
fn word(n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ber", "dan", "fel", "gor", "hun", "jas",
        "pol", "wen",
    ];
    let mut n = n + 17;
    let mut out = String::new();
    while n > 0 || out.len() < 4 {
        out.push_str(SYLLABLES[n % 16]);
        n /= 16;
    }
    out
}

/// A word drawn by Zipf's law (rank r with weight 1/r) from the vocabulary, as a rank.
fn zipf(rng: &mut StdRng, weights: &[f64], total: f64) -> usize {
    let mut x = rng.random::<f64>() * total;
    for (rank, w) in weights.iter().enumerate() {
        x -= w;
        if x <= 0.0 {
            return rank;
        }
    }
    weights.len() - 1
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}, {} runs: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times[times.len() - 1]),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let store = Store::open_sqlite(&server.data_dir().join("bellhop.sqlite3")).await?;
    let mut rng = StdRng::seed_from_u64(24);
    let weights: Vec<f64> = (1..=VOCABULARY).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();

    println!("writing {} articles…", ARTICLES - 10);
    for n in 10..ARTICLES {
        let title: Vec<String> = (0..5)
            .map(|_| word(zipf(&mut rng, &weights, total)))
            .collect();
        let mut body = format!("# {}\n\n", title.join(" "));
        for paragraph in 0..4 {
            let words: Vec<String> = (0..30)
                .map(|_| word(zipf(&mut rng, &weights, total)))
                .collect();
            body.push_str(&format!("{}. {}.\n\n", paragraph + 1, words.join(" ")));
        }
        store
            .insert_article(&title.join(" "), &format!("Category {}", n % 40), &body)
            .await?;
    }

    let token = server.login("bob@acme.example").await?;
    let http = reqwest::Client::new();
    let me: User = http
        .get(format!("{}/api/v1/me", server.url))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let bob = Caller {
        user_id: me.id,
        name: me.name.clone(),
        role: Role::EndUser,
        org_id: me.org_id,
        device_id: None,
        signed_in_at: 0,
        viewer: None,
    };
    let question = |rng: &mut StdRng| -> Vec<String> {
        let n = rng.random_range(2..=6);
        (0..n).map(|_| word(zipf(rng, &weights, total))).collect()
    };

    let mut searches = Vec::with_capacity(SEARCHES);
    let mut found = 0;
    for _ in 0..SEARCHES {
        let words = question(&mut rng);
        let started = Instant::now();
        let articles = store
            .rank_articles(&bob, &words, bellhop_proto::Language::En, 3)
            .await?;
        searches.push(started.elapsed());
        found += usize::from(!articles.is_empty());
    }
    report(
        &format!(
            "knowledge-base search over {ARTICLES} articles ({found} of {SEARCHES} found some)"
        ),
        searches,
    );

    let mut firsts = Vec::with_capacity(ASKS);
    for _ in 0..ASKS {
        let words = question(&mut rng);
        let body = json!({"conversation": bellhop_proto::ConversationId::new(), "question": format!("how do I {}?", words.join(" "))});
        let started = Instant::now();
        let res = http
            .post(format!("{}/api/v1/assistant/ask", server.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "ask: {}", res.status());
        let mut stream = res.bytes_stream();
        let mut first = None;
        let mut seen = Vec::new();
        while let Some(chunk) = stream.next().await {
            seen.extend_from_slice(&chunk?);
            const WORDS: &[u8] = b"{\"type\":\"words\"";
            if first.is_none() && seen.windows(WORDS.len()).any(|w| w == WORDS) {
                first = Some(started.elapsed());
            }
        }
        firsts
            .push(first.ok_or_else(|| {
                anyhow::anyhow!("no words in {}", String::from_utf8_lossy(&seen))
            })?);
    }
    report(
        "assistant: the first streamed words (built-in engine)",
        firsts,
    );
    Ok(())
}
