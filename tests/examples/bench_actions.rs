//! Benchmark of self-service actions (BENCHMARKS.md, issue #22): from the moment the right code
//! is accepted to the agent on the computer starting the action, with the agent connected to a
//! server on loopback. Lock (no countdown), twenty times: ten for bob, ten for alice (ten
//! actions an hour is each person's limit). Run with `scripts/bench actions` (release build).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bellhop_proto::{Action, ActionKind, DeviceId};
use bellhop_tests::RunningServer;
use serde_json::json;

/// Notes when it was asked; asks nothing of the OS.
#[derive(Clone, Default)]
struct Stopwatch(Arc<Mutex<Vec<Instant>>>);

impl bellhop_agent::actions::Executor for Stopwatch {
    fn run(&self, _: ActionKind) -> bellhop_agent::actions::Asking<'_> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Instant::now());
        Box::pin(async { Ok("timed".to_owned()) })
    }
}

struct Person {
    token: String,
    device: DeviceId,
    phone: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = RunningServer::start_demo().await?;
    let http = reqwest::Client::new();
    let stopwatch = Stopwatch::default();
    let mut homes = Vec::new();
    let mut people = Vec::new();
    let mut agents = Vec::new();
    for (i, (first, email)) in [("Bob", "bob@acme.example"), ("Alice", "alice@acme.example")]
        .into_iter()
        .enumerate()
    {
        let home = tempfile::tempdir()?;
        let device = {
            let agent = server
                .confirmed_agent(home.path(), first, "Bench", email)
                .await?;
            agent.device_state().await?.device_id
        };
        let agent = bellhop_agent::Agent::with_config(
            bellhop_agent::Paths::under(home.path()),
            bellhop_agent::AgentConfig {
                server_url: Some(server.url.clone()),
                ..Default::default()
            },
        )?
        .with_executor(Arc::new(stopwatch.clone()));
        let token = server.login(email).await?;
        let phone = format!("+3931255501{i:02}");
        server
            .call(
                &http,
                &token,
                reqwest::Method::PUT,
                "/me/second-factor",
                json!({ "phone": phone }),
            )
            .await?;
        let code = server.newest_code(&phone)?;
        server
            .call(
                &http,
                &token,
                reqwest::Method::POST,
                "/me/second-factor/confirm",
                json!({ "code": code }),
            )
            .await?;
        people.push(Person {
            token,
            device,
            phone,
        });
        agents.push(agent);
        homes.push(home);
    }

    let wake = tokio::sync::Notify::new();
    let watching =
        futures_util::future::join_all(agents.iter().map(|agent| agent.watch(&wake, |_| {})));
    let measure = async {
        // The agents' streams are open once their first passes ran.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut samples = Vec::new();
        for person in &people {
            for _ in 0..10 {
                let asked: Action = serde_json::from_value(
                    server.call(&http, &person.token,
                        reqwest::Method::POST,
                        "/actions",
                        json!({"id": bellhop_proto::ActionId::new(), "device_id": person.device, "kind": "lock"}),
                    )
                    .await?,
                )?;
                let code = server.newest_code(&person.phone)?;
                let before = stopwatch.0.lock().unwrap_or_else(|p| p.into_inner()).len();
                server
                    .call(
                        &http,
                        &person.token,
                        reqwest::Method::POST,
                        &format!("/actions/{}/verify", asked.id),
                        json!({ "code": code }),
                    )
                    .await?;
                let verified = Instant::now();
                let started = loop {
                    if let Some(at) = stopwatch
                        .0
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(before)
                        .copied()
                    {
                        break at;
                    }
                    anyhow::ensure!(
                        verified.elapsed() < Duration::from_secs(30),
                        "never started"
                    );
                    tokio::time::sleep(Duration::from_millis(1)).await;
                };
                samples.push(started.saturating_duration_since(verified));
            }
        }
        Ok::<_, anyhow::Error>(samples)
    };
    let mut samples = tokio::select! {
        samples = measure => samples?,
        stopped = watching => anyhow::bail!("a watch stopped: {stopped:?}"),
    };
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "code accepted → agent starts the action, {} locks: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(samples[samples.len() - 1])
    );
    Ok(())
}
