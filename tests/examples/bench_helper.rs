//! Benchmark of approved software (BENCHMARKS.md, issue #25): from the moment the right code is
//! sent to the privileged helper starting the package manager, on loopback. The helper is
//! the release `bellhop-helper`, run as root from its root-owned configuration; the agent is
//! connected (watching). Each sample removes an approved package that is not installed
//! (`hello`, removed first if it is), so apt starts and ends quickly and nothing accumulates:
//! ten for bob and ten for alice (ten actions an hour is each person's limit). The helper logs
//! the moment it starts apt; the samples are that moment less the moment the code was sent,
//! both on this machine's clock. Run with `scripts/bench helper` (as root).

use std::path::Path;
use std::time::{Duration, SystemTime};

use bellhop_proto::{Action, DeviceId};
use bellhop_tests::{RunningServer, workspace_binary};
use serde_json::json;

struct Person {
    token: String,
    device: DeviceId,
    phone: String,
}

/// When the helper logged that it started the package manager for `action`.
fn started_at(log: &Path, action: &str) -> anyhow::Result<Option<SystemTime>> {
    let text = std::fs::read_to_string(log)?;
    let Some(line) = text
        .lines()
        .find(|l| l.contains("running") && l.contains(action))
    else {
        return Ok(None);
    };
    let stamp: jiff::Timestamp = line.split_whitespace().next().unwrap_or_default().parse()?;
    Ok(Some(SystemTime::from(stamp)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let uid = std::process::Command::new("id").arg("-u").output()?;
    anyhow::ensure!(
        String::from_utf8_lossy(&uid.stdout).trim() == "0",
        "the helper and apt run as root: run this as root"
    );
    let _ = std::process::Command::new("apt-get")
        .args(["remove", "-y", "-q", "hello"])
        .output()?;
    let server = RunningServer::start_demo().await?;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir()?;

    // The desk's admin approves GNU Hello.
    let promoted = std::process::Command::new("sqlite3")
        // The running server may be writing: wait for it rather than fail.
        .args(["-cmd", ".timeout 10000"])
        .arg(server.data_dir().join("bellhop.sqlite3"))
        .arg("UPDATE users SET role = 'admin', org_id = NULL WHERE email = 'tech@helpdesk.example'")
        .status()?;
    anyhow::ensure!(promoted.success(), "sqlite3 failed");
    let admin = server.login("tech@helpdesk.example").await?;
    server
        .call(
            &http,
            &admin,
            reqwest::Method::PUT,
            "/software",
            json!({"items": [{"key": "hello", "name": {"text": "GNU Hello"},
                "packages": [{"manager": "apt", "id": "hello"}]}]}),
        )
        .await?;

    // The helper, release, from a root-owned configuration.
    let socket = dir.path().join("helper.sock");
    let config = dir.path().join("helper.toml");
    std::fs::write(
        &config,
        format!(
            "server_url = {:?}\nsocket = {:?}\nstate_dir = {:?}\n",
            server.url,
            socket.display().to_string(),
            dir.path().join("state").display().to_string()
        ),
    )?;
    let log = dir.path().join("helper.log");
    let release = workspace_binary("bellhop-helper")
        .parent()
        .and_then(Path::parent)
        .map(|target| target.join("release").join("bellhop-helper"))
        .ok_or_else(|| anyhow::anyhow!("no target directory"))?;
    let mut helper = std::process::Command::new(release)
        .arg("--config")
        .arg(&config)
        .env("BELLHOP_LOG", "info")
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    for _ in 0..300 {
        if socket.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

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
        .with_helper(bellhop_agent::helper::HelperLink::at(&socket));
        let token = server.login(email).await?;
        let phone = format!("+3931255502{i:02}");
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
    let measure =
        async {
            let mut samples = Vec::new();
            for person in &people {
                // The agent told the server about its helper when its watch connected.
                for _ in 0..600 {
                    let devices = server
                        .call(
                            &http,
                            &person.token,
                            reqwest::Method::GET,
                            "/me/devices",
                            json!(null),
                        )
                        .await?;
                    if !devices[0]["facts"]["helper"].is_null() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                for _ in 0..10 {
                    let asked: Action = serde_json::from_value(
                    server
                        .call(&http, &person.token, reqwest::Method::POST, "/actions",
                            json!({"id": bellhop_proto::ActionId::new(), "device_id": person.device,
                                   "kind": "remove", "software": "hello"}))
                        .await?,
                )?;
                    let code = server.newest_code(&person.phone)?;
                    // From the moment the code leaves the browser: the server's check of it is
                    // part of the time (the helper may start before the answer arrives).
                    let verified = SystemTime::now();
                    server
                        .call(
                            &http,
                            &person.token,
                            reqwest::Method::POST,
                            &format!("/actions/{}/verify", asked.id),
                            json!({ "code": code }),
                        )
                        .await?;
                    let id = asked.id.to_string();
                    let started = loop {
                        if let Some(at) = started_at(&log, &id)? {
                            break at;
                        }
                        anyhow::ensure!(
                            verified.elapsed().unwrap_or_default() < Duration::from_secs(60),
                            "the helper never started apt for {id}"
                        );
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    };
                    samples.push(started.duration_since(verified).map_err(|_| {
                        anyhow::anyhow!("the helper started apt before the code was sent")
                    })?);
                    // The next remove of the same entry waits for this one to end.
                    loop {
                        let now: Action = serde_json::from_value(
                            server
                                .call(
                                    &http,
                                    &person.token,
                                    reqwest::Method::GET,
                                    &format!("/actions/{id}"),
                                    json!(null),
                                )
                                .await?,
                        )?;
                        if now.state.is_final() {
                            anyhow::ensure!(
                                now.state == bellhop_proto::ActionState::Succeeded,
                                "{id} ended {:?}: {:?}",
                                now.state,
                                now.detail
                            );
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            Ok::<_, anyhow::Error>(samples)
        };
    let samples = tokio::select! {
        samples = measure => samples,
        stopped = watching => Err(anyhow::anyhow!("a watch stopped: {stopped:?}")),
    };
    let _ = helper.kill();
    let _ = helper.wait();
    let mut samples = samples?;
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "code sent → the helper starts apt, {} removes: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(samples[samples.len() - 1])
    );
    Ok(())
}
