//! Self-service actions from the portal to the OS: bob asks in the portal, types the texted
//! code, and the `bellhop` agent on his computer runs it, through the D-Bus calls Linux makes.
//! The buses are a private `dbus-daemon` this test starts, where it answers as the screen
//! locker and as logind and writes down every call (CI must not lock, reboot or log out
//! itself).

#![cfg(target_os = "linux")]

use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bellhop_proto::{Action, ActionState};
use bellhop_tests::{RunningServer, workspace_binary};
use serde_json::json;
use zbus::zvariant::OwnedObjectPath;

/// A private session bus; ends with the test.
struct Bus {
    daemon: std::process::Child,
    address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn start_bus(dir: &Path) -> anyhow::Result<Bus> {
    let mut daemon = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .arg(format!("--address=unix:path={}", dir.join("bus").display()))
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = daemon
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut address = String::new();
    std::io::BufReader::new(stdout).read_line(&mut address)?;
    Ok(Bus {
        daemon,
        address: address.trim().to_owned(),
    })
}

/// Every call made to the recording services, in order.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<String>>>);

impl Calls {
    fn push(&self, call: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(call);
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn count(&self, call: &str) -> usize {
        self.all().iter().filter(|c| *c == call).count()
    }
}

/// The screen locker: records `Lock`, and while `hold` is shut, neither answers it nor locks.
struct ScreenSaver {
    calls: Calls,
    hold: Arc<tokio::sync::Semaphore>,
    locked: Arc<std::sync::atomic::AtomicBool>,
}

#[zbus::interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaver {
    async fn lock(&self) {
        self.calls.push("ScreenSaver.Lock".into());
        let _ = self.hold.acquire().await;
        self.locked.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Locked since the last `Lock`; each look unlocks it again, for the next test step.
    async fn get_active(&self) -> bool {
        self.locked.swap(false, std::sync::atomic::Ordering::SeqCst)
    }
}

struct Manager {
    calls: Calls,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    async fn reboot(&self, interactive: bool) {
        self.calls.push(format!("Manager.Reboot({interactive})"));
    }

    async fn power_off(&self, interactive: bool) {
        self.calls.push(format!("Manager.PowerOff({interactive})"));
    }

    async fn get_session(&self, id: String) -> zbus::fdo::Result<OwnedObjectPath> {
        self.calls.push(format!("Manager.GetSession({id})"));
        OwnedObjectPath::try_from(format!("/org/freedesktop/login1/session/_{id}"))
            .map_err(|e| zbus::fdo::Error::InvalidArgs(e.to_string()))
    }
}

struct Session {
    calls: Calls,
}

#[zbus::interface(name = "org.freedesktop.login1.Session")]
impl Session {
    async fn terminate(&self) {
        self.calls.push("Session(_7).Terminate".into());
    }
}

/// The locker and logind on `bus`, answering until dropped.
async fn serve(
    bus: &Bus,
    calls: &Calls,
    hold: &Arc<tokio::sync::Semaphore>,
) -> anyhow::Result<(zbus::Connection, zbus::Connection)> {
    let locker = zbus::connection::Builder::address(bus.address.as_str())?
        .name("org.freedesktop.ScreenSaver")?
        .serve_at(
            "/org/freedesktop/ScreenSaver",
            ScreenSaver {
                calls: calls.clone(),
                hold: Arc::clone(hold),
                locked: Arc::default(),
            },
        )?
        .build()
        .await?;
    let logind = zbus::connection::Builder::address(bus.address.as_str())?
        .name("org.freedesktop.login1")?
        .serve_at(
            "/org/freedesktop/login1",
            Manager {
                calls: calls.clone(),
            },
        )?
        .serve_at(
            "/org/freedesktop/login1/session/_7",
            Session {
                calls: calls.clone(),
            },
        )?
        .build()
        .await?;
    Ok((locker, logind))
}

/// `bellhop sync --watch` for `home`, its buses on `bus`; killed when dropped.
struct Watching(std::process::Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn watch(server: &RunningServer, home: &Path, bus: &Bus) -> anyhow::Result<Watching> {
    let bellhop = workspace_binary("bellhop");
    anyhow::ensure!(bellhop.is_file(), "{} is missing", bellhop.display());
    let child = std::process::Command::new(bellhop)
        .args(["sync", "--watch"])
        .env("BELLHOP_HOME", home)
        .env("BELLHOP_SERVER_URL", &server.url)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("BELLHOP_LOGIN1_BUS_ADDRESS", &bus.address)
        .env("XDG_SESSION_ID", "7")
        .env("BELLHOP_ACTION_COUNTDOWN_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    Ok(Watching(child))
}

/// Bob in the portal: his session, with his phone confirmed by the texted code.
struct Portal<'a> {
    server: &'a RunningServer,
    token: String,
    http: reqwest::Client,
}

impl Portal<'_> {
    fn newest_code(&self) -> anyhow::Result<String> {
        let mut texts: Vec<_> = std::fs::read_dir(self.server.data_dir().join("sms"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        texts.sort();
        let newest = texts
            .last()
            .ok_or_else(|| anyhow::anyhow!("no text was sent"))?;
        let text = std::fs::read_to_string(newest)?;
        text.split(|c: char| !c.is_ascii_digit())
            .rfind(|w| w.len() == 6)
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no code in {text}"))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let res = self
            .http
            .request(method, format!("{}{path}", self.server.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }

    async fn confirm_phone(&self) -> anyhow::Result<()> {
        self.send(
            reqwest::Method::PUT,
            "/api/v1/me/second-factor",
            json!({"phone": "+39 312 345 6789"}),
        )
        .await?;
        let code = self.newest_code()?;
        self.send(
            reqwest::Method::POST,
            "/api/v1/me/second-factor/confirm",
            json!({ "code": code }),
        )
        .await?;
        Ok(())
    }

    /// Asks for `kind` on the device and types the code: verified, waiting for the computer.
    async fn act(&self, device: bellhop_proto::DeviceId, kind: &str) -> anyhow::Result<Action> {
        let asked: Action = serde_json::from_value(
            self.send(
                reqwest::Method::POST,
                "/api/v1/actions",
                json!({"id": uuid_now(), "device_id": device, "kind": kind}),
            )
            .await?,
        )?;
        let code = self.newest_code()?;
        self.send(
            reqwest::Method::POST,
            &format!("/api/v1/actions/{}/verify", asked.id),
            json!({ "code": code }),
        )
        .await?;
        Ok(asked)
    }

    async fn wait_for(&self, action: &Action, state: ActionState) -> anyhow::Result<Action> {
        let give_up = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let now: Action = serde_json::from_value(
                self.send(
                    reqwest::Method::GET,
                    &format!("/api/v1/actions/{}", action.id),
                    serde_json::Value::Null,
                )
                .await?,
            )?;
            if now.state == state {
                return Ok(now);
            }
            anyhow::ensure!(
                !now.state.is_final() && std::time::Instant::now() < give_up,
                "{:?} ended {:?} ({:?}), not {state:?}",
                now.kind,
                now.state,
                now.detail
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn uuid_now() -> String {
    bellhop_proto::ActionId::new().to_string()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        anyhow::ensure!(
            std::time::Instant::now() < give_up,
            "{what}: not within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_runs_once_across_agent_restarts_and_not_again_after_a_kill_mid_run()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let bus = start_bus(dir.path())?;
    let calls = Calls::default();
    let hold = Arc::new(tokio::sync::Semaphore::new(1));
    let _services = serve(&bus, &calls, &hold).await?;

    let server = RunningServer::start_demo().await?;
    let home = dir.path().join("agent");
    let agent = server
        .confirmed_agent(&home, "Bob", "Brown", "bob@acme.example")
        .await?;
    let device = agent.device_state().await?.device_id;
    drop(agent);
    let bob = Portal {
        server: &server,
        token: server.login("bob@acme.example").await?,
        http: reqwest::Client::new(),
    };
    bob.confirm_phone().await?;

    // The computer is off while bob locks it: the action waits for it.
    let first = bob.act(device, "lock").await?;
    let mut agent = watch(&server, &home, &bus)?;
    let done = bob.wait_for(&first, ActionState::Succeeded).await?;
    assert!(
        done.detail
            .as_deref()
            .is_some_and(|d| d.contains("(org.freedesktop.ScreenSaver) locked the screen")),
        "{done:?}"
    );
    assert_eq!(calls.count("ScreenSaver.Lock"), 1);

    // Stopped and started again, it does not run the lock a second time; the log out it is
    // given next is the proof that it has looked.
    drop(agent);
    agent = watch(&server, &home, &bus)?;
    let out = bob.act(device, "log_out").await?;
    bob.wait_for(&out, ActionState::Succeeded).await?;
    assert_eq!(calls.count("ScreenSaver.Lock"), 1);
    assert_eq!(
        calls.all()[1..],
        ["Manager.GetSession(7)", "Session(_7).Terminate"]
    );

    // Killed while the locker has not answered: started, never finished.
    let held = hold.acquire().await?;
    let second = bob.act(device, "lock").await?;
    until("the second lock asked", || {
        calls.count("ScreenSaver.Lock") == 2
    })
    .await?;
    bob.wait_for(&second, ActionState::Running).await?;
    drop(agent);
    drop(held);
    agent = watch(&server, &home, &bus)?;
    let ended = bob.wait_for(&second, ActionState::Failed).await?;
    assert_eq!(
        ended.detail.as_deref(),
        Some("the agent stopped while running it; it was not run again")
    );

    // Restart and shut down count down, then ask logind, not interactively.
    let restart = bob.act(device, "restart").await?;
    bob.wait_for(&restart, ActionState::Succeeded).await?;
    let off = bob.act(device, "shut_down").await?;
    bob.wait_for(&off, ActionState::Succeeded).await?;
    assert_eq!(calls.count("ScreenSaver.Lock"), 2, "never a third time");
    assert_eq!(
        calls.all()[calls.all().len() - 2..],
        ["Manager.Reboot(false)", "Manager.PowerOff(false)"]
    );
    drop(agent);
    Ok(())
}

/// Writes down what it is asked and asks nothing of the OS.
#[derive(Clone, Default)]
struct Recording(Arc<Mutex<Vec<bellhop_proto::ActionKind>>>);

impl bellhop_agent::actions::Executor for Recording {
    fn run(&self, kind: bellhop_proto::ActionKind) -> bellhop_agent::actions::Asking<'_> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(kind);
        Box::pin(async { Ok("recorded".to_owned()) })
    }
}

#[tokio::test]
async fn a_countdown_is_cancelled_at_the_computer_or_in_the_portal_and_a_foreign_grant_never_runs()
-> anyhow::Result<()> {
    use bellhop_proto::{LocalAction, LocalActionState};

    let server = RunningServer::start_demo().await?;
    let dir = tempfile::tempdir()?;
    let device = {
        let agent = server
            .confirmed_agent(dir.path(), "Bob", "Brown", "bob@acme.example")
            .await?;
        agent.device_state().await?.device_id
    };
    let recorded = Recording::default();
    let agent = bellhop_agent::Agent::with_config(
        bellhop_agent::Paths::under(dir.path()),
        bellhop_agent::AgentConfig {
            server_url: Some(server.url.clone()),
            action_countdown_secs: Some(3),
            ..Default::default()
        },
    )?
    .with_executor(Arc::new(recorded.clone()));
    let (tx, mut told) = tokio::sync::mpsc::unbounded_channel::<LocalAction>();
    agent.on_action(move |action| {
        let _ = tx.send(action);
    });
    let bob = Portal {
        server: &server,
        token: server.login("bob@acme.example").await?,
        http: reqwest::Client::new(),
    };
    bob.confirm_phone().await?;

    bellhop_tests::while_watching(&agent, Duration::from_secs(60), |_| async {
        // Cancelled by the person at the computer during the countdown.
        let restart = bob.act(device, "restart").await?;
        let counting = told
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("no notice"))?;
        assert_eq!(
            (counting.id, counting.state, counting.asked_by.as_str()),
            (restart.id, LocalActionState::CountingDown, "Bob Baker")
        );
        assert!(counting.runs_at.is_some());
        assert!(agent.cancel_action_here(restart.id));
        let cancelled = bob.wait_for(&restart, ActionState::Cancelled).await?;
        assert!(
            cancelled
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("cancelled at the computer by")),
            "{cancelled:?}"
        );

        // Cancelled in the portal during the countdown: the computer may not start it.
        let off = bob.act(device, "shut_down").await?;
        let counting = loop {
            let notice = told
                .recv()
                .await
                .ok_or_else(|| anyhow::anyhow!("no notice"))?;
            if notice.id == off.id {
                break notice;
            }
        };
        assert_eq!(counting.state, LocalActionState::CountingDown);
        bob.send(
            reqwest::Method::POST,
            &format!("/api/v1/actions/{}/cancel", off.id),
            json!({}),
        )
        .await?;
        let ended = loop {
            let notice = told
                .recv()
                .await
                .ok_or_else(|| anyhow::anyhow!("no notice"))?;
            if notice.id == off.id && notice.state != LocalActionState::CountingDown {
                break notice;
            }
        };
        assert_eq!(ended.state, LocalActionState::Cancelled, "{ended:?}");
        assert!(
            recorded
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
        );
        Ok(())
    })
    .await?;

    // The agent trusts another server's key now: the grant from this one is refused, said so,
    // and nothing runs.
    let mut store =
        bellhop_agent::Store::open(&bellhop_agent::Paths::under(dir.path()).store_file())?;
    let stranger = bellhop_agent::actions::PinnedKey {
        device_id: device,
        key: "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=".into(),
    };
    store.set_meta("grant_pin", Some(&serde_json::to_string(&stranger)?))?;
    drop(store);
    let lock = bob.act(device, "lock").await?;
    bellhop_tests::while_watching(&agent, Duration::from_secs(30), |_| async {
        let refused = bob.wait_for(&lock, ActionState::Failed).await?;
        assert_eq!(
            refused.detail.as_deref(),
            Some("the grant is not signed by this computer's server")
        );
        Ok(())
    })
    .await?;
    assert!(
        recorded
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    );
    Ok(())
}
