//! Approved software, for real: bob asks in the portal to install GNU Hello, types the texted
//! code, his `bellhop` agent hands the grant to the privileged helper (`bellhop-helper`, a root
//! process this test starts from its root-owned configuration), and the helper installs the
//! Debian package `hello` through apt. `dpkg-query` confirms it; removing it works the same way.
//! Then every refusal at the helper's socket: a malformed request, another machine's grant, a
//! replayed one, a package id a shell would read, and a caller who is not the grant's user.
//!
//! The password: bob resets the password of the throwaway local account his computer is
//! assigned to; the temporary password from the text message verifies against the account's
//! shadow entry, and `chage` says it must be changed. An administrator's account, root's, and a
//! caller who is not the grant's user are refused.
//!
//! `sources`: the desk's own apt repository, and a Flatpak application.
//!
//! It runs as root (CI does): the helper, apt, Flatpak and the account tools need it.

#![cfg(target_os = "linux")]

mod sources;

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bellhop_proto::{
    Action, ActionGrant, ActionId, ActionKind, ActionState, ApprovedList, ApprovedListClaims,
    DeviceId, GRANT_CONTEXT, GrantClaims, GrantedPassword, GrantedSoftware, LIST_CONTEXT, Package,
    SoftwareSources, UserId, grant_check,
};
use bellhop_tests::{RunningServer, workspace_binary};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

/// A child process, killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(program: &str, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Ok(std::process::Command::new(program).args(args).output()?)
}

fn is_root() -> anyhow::Result<bool> {
    let out = run("id", &["-u"])?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The installed version of `package`, as dpkg knows it.
fn installed(package: &str) -> anyhow::Result<Option<String>> {
    let out = run(
        "dpkg-query",
        &["-W", "-f=${db:Status-Status} ${Version}", package],
    )?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text.strip_prefix("installed ").map(|v| v.trim().to_owned()))
}

async fn until<T>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let give_up = std::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await? {
            return Ok(found);
        }
        anyhow::ensure!(
            std::time::Instant::now() < give_up,
            "{what}: not within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Someone signed in, speaking JSON to the server.
struct Session<'a> {
    server: &'a RunningServer,
    token: String,
    http: reqwest::Client,
}

impl Session<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let res = self
            .http
            .request(method, format!("{}{path}", self.server.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }

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

    /// Asks for `kind` of the approved `item` on `device`, and types the texted code.
    async fn act(
        &self,
        device: bellhop_proto::DeviceId,
        kind: &str,
        item: &str,
    ) -> anyhow::Result<Action> {
        let asked: Action = serde_json::from_value(
            self.send(
                reqwest::Method::POST,
                "/api/v1/actions",
                json!({"id": ActionId::new(), "device_id": device, "kind": kind, "software": item}),
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

    async fn ended(&self, action: &Action) -> anyhow::Result<Action> {
        let path = format!("/api/v1/actions/{}", action.id);
        until("the action's end", Duration::from_secs(300), async || {
            let now: Action =
                serde_json::from_value(self.send(reqwest::Method::GET, &path, Value::Null).await?)?;
            Ok(now.state.is_final().then_some(now))
        })
        .await
    }
}

/// The helper's configuration, owned by root and writable by root alone, as the package
/// installs it.
fn configure(dir: &Path, server: &RunningServer) -> anyhow::Result<(PathBuf, PathBuf)> {
    use std::os::unix::fs::PermissionsExt;
    // Every user reaches the socket, as in /run.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    let socket = dir.join("helper.sock");
    let config = dir.join("helper.toml");
    std::fs::write(
        &config,
        format!(
            "server_url = {:?}\nsocket = {:?}\nstate_dir = {:?}\n",
            server.url,
            socket.display().to_string(),
            dir.join("state").display().to_string()
        ),
    )?;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))?;
    Ok((config, socket))
}

/// One request to the helper's socket from a process running as `user` (`None`: this one), and
/// every line of its answer.
fn ask_helper(socket: &Path, user: Option<&str>, request: &Value) -> anyhow::Result<Vec<Value>> {
    const CLIENT: &str = "import socket, sys\n\
        s = socket.socket(socket.AF_UNIX)\n\
        s.connect(sys.argv[1])\n\
        s.sendall(sys.stdin.buffer.read())\n\
        sys.stdout.write(s.makefile().read())\n";
    let mut command = match user {
        Some(user) => {
            let mut c = std::process::Command::new("setpriv");
            c.args([
                &format!("--reuid={user}"),
                // nobody's group, whatever the system calls it.
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
            ]);
            c
        }
        None => std::process::Command::new("/usr/bin/python3"),
    };
    let mut child = command
        .args(["-c", CLIENT])
        .arg(socket)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(format!("{request}\n").as_bytes())?;
    }
    let out = child.wait_with_output()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

fn refusal(answer: &[Value]) -> String {
    answer
        .iter()
        .find_map(|r| r["refused"]["why"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Signs `claims` with the server's own grant key, read from its data directory (what only the
/// server could do).
/// `claims` (JSON) signed with the server's own key over `context`: the claims and the
/// signature.
fn signed(
    server: &RunningServer,
    context: &[u8],
    claims: String,
) -> anyhow::Result<(String, String)> {
    let seed: [u8; 32] = STANDARD
        .decode(std::fs::read_to_string(server.data_dir().join("grant-signing.key"))?.trim())?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the server's key is not 32 bytes"))?;
    let key = SigningKey::from_bytes(&seed);
    let mut message = context.to_vec();
    message.extend_from_slice(claims.as_bytes());
    Ok((claims, STANDARD.encode(key.sign(&message).to_bytes())))
}

fn sign(server: &RunningServer, claims: &GrantClaims) -> anyhow::Result<ActionGrant> {
    let (claims, signature) = signed(server, GRANT_CONTEXT, serde_json::to_string(claims)?)?;
    Ok(ActionGrant { claims, signature })
}

fn sign_list(server: &RunningServer, claims: &ApprovedListClaims) -> anyhow::Result<ApprovedList> {
    let (claims, signature) = signed(server, LIST_CONTEXT, serde_json::to_string(claims)?)?;
    Ok(ApprovedList { claims, signature })
}

/// apt, Flatpak, their lists and remotes and the desk's repository files are the machine's: one
/// test at a time.
static PACKAGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Bob's computer: the desk's admin approved `software`, the helper runs as the system service
/// would start it, and bob's agent, confirmed and with his phone as second factor, watches.
struct Computer {
    _helper: Child,
    _watching: Child,
    server: RunningServer,
    _dir: tempfile::TempDir,
    socket: PathBuf,
    /// The helper's log.
    log: PathBuf,
    device: DeviceId,
    /// The helper's machine id.
    machine: String,
}

impl Computer {
    async fn bob(&self) -> anyhow::Result<Session<'_>> {
        Ok(Session {
            server: &self.server,
            token: self.server.login("bob@acme.example").await?,
            http: reqwest::Client::new(),
        })
    }
}

async fn bobs_computer(software: Value) -> anyhow::Result<Computer> {
    let dir = tempfile::tempdir()?;
    let server = RunningServer::start_demo().await?;

    // The desk's admin approves the software.
    let db = server.data_dir().join("bellhop.sqlite3");
    let promoted = run(
        "sqlite3",
        &[
            // The running server may be writing: wait for it rather than fail.
            "-cmd",
            ".timeout 10000",
            &db.display().to_string(),
            "UPDATE users SET role = 'admin', org_id = NULL WHERE email = 'tech@helpdesk.example'",
        ],
    )?;
    anyhow::ensure!(promoted.status.success(), "sqlite3: {promoted:?}");
    let admin = Session {
        server: &server,
        token: server.login("tech@helpdesk.example").await?,
        http: reqwest::Client::new(),
    };
    admin
        .send(reqwest::Method::PUT, "/api/v1/software", software)
        .await?;

    // The helper, as the system service would start it.
    let (config, socket) = configure(dir.path(), &server)?;
    let log = dir.path().join("helper.log");
    let helper = Child(
        std::process::Command::new(workspace_binary("bellhop-helper"))
            .arg("--config")
            .arg(&config)
            .env("BELLHOP_LOG", "info")
            .stderr(std::fs::File::create(&log)?)
            .spawn()?,
    );
    until("the helper's socket", Duration::from_secs(30), async || {
        Ok(socket.exists().then_some(()))
    })
    .await?;

    // Bob's computer: his agent, confirmed, watching, reaching the helper.
    let home = dir.path().join("agent");
    let agent = server
        .confirmed_agent(&home, "Bob", "Brown", "bob@acme.example")
        .await?;
    let device = agent.device_state().await?.device_id;
    drop(agent);
    let watching = Child(
        std::process::Command::new(workspace_binary("bellhop"))
            .args(["sync", "--watch"])
            .env("BELLHOP_HOME", &home)
            .env("BELLHOP_SERVER_URL", &server.url)
            .env("BELLHOP_HELPER_SOCKET", &socket)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()?,
    );
    let bob = Session {
        server: &server,
        token: server.login("bob@acme.example").await?,
        http: reqwest::Client::new(),
    };
    bob.send(
        reqwest::Method::PUT,
        "/api/v1/me/second-factor",
        json!({"phone": "+39 312 345 6789"}),
    )
    .await?;
    let code = bob.newest_code()?;
    bob.send(
        reqwest::Method::POST,
        "/api/v1/me/second-factor/confirm",
        json!({ "code": code }),
    )
    .await?;
    let machine = until(
        "the helper in the device's facts",
        Duration::from_secs(30),
        async || {
            let devices = bob
                .send(reqwest::Method::GET, "/api/v1/me/devices", Value::Null)
                .await?;
            Ok(devices[0]["facts"]["helper"]["machine"]
                .as_str()
                .map(str::to_owned))
        },
    )
    .await?;
    drop(bob);
    Ok(Computer {
        _helper: helper,
        _watching: watching,
        server,
        _dir: dir,
        socket,
        log,
        device,
        machine,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bob_installs_and_removes_gnu_hello_through_the_privileged_helper_and_apt()
-> anyhow::Result<()> {
    anyhow::ensure!(
        is_root()?,
        "this test runs the privileged helper and apt as root: run it as root (CI does)"
    );
    if installed("hello")?.is_some() {
        let out = run("apt-get", &["remove", "-y", "-q", "hello"])?;
        anyhow::ensure!(out.status.success(), "could not remove hello first");
    }
    let _packages = PACKAGES.lock().await;
    let computer = bobs_computer(json!({"items": [{"key": "hello", "name": {"text": "GNU Hello"},
        "packages": [{"manager": "apt", "id": "hello"}, {"manager": "winget", "id": "GNU.Hello"}]}]}))
    .await?;
    let (server, socket, log, device, machine) = (
        &computer.server,
        &computer.socket,
        &computer.log,
        computer.device,
        computer.machine.clone(),
    );
    let bob = computer.bob().await?;

    // Install.
    let asked = bob.act(device, "install", "hello").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    let version = installed("hello")?;
    assert!(version.is_some(), "dpkg does not list hello");
    assert_eq!(
        done.detail,
        version.as_ref().map(|v| format!("installed hello {v}"))
    );
    // The portal knows it is installed, and which version, before it hears the outcome.
    let devices = bob
        .send(reqwest::Method::GET, "/api/v1/me/devices", Value::Null)
        .await?;
    assert_eq!(
        devices[0]["facts"]["installed"],
        json!([{"package": {"manager": "apt", "id": "hello"}, "version": version}])
    );

    // Refusals at the socket.
    let answer = ask_helper(socket, None, &json!({"run": {}}))?;
    assert!(
        refusal(&answer).contains("not a helper request"),
        "{answer:?}"
    );
    // What the desk approved, as the server would sign it for this computer.
    let approved = vec![
        Package::Apt("hello".into()),
        Package::Apt("hello-traditional".into()),
    ];
    let list = sign_list(
        server,
        &ApprovedListClaims {
            device_id: device,
            issued_at: 0,
            packages: approved.clone(),
            sources: SoftwareSources::default(),
        },
    )?;
    let claims = |kind: ActionKind, package: &str, machine: &str| GrantClaims {
        list: Some(grant_check::list_digest(
            &approved,
            &SoftwareSources::default(),
        )),
        action_id: ActionId::new(),
        device_id: device,
        os_user: "root".into(),
        user_id: UserId::new(),
        user_name: "Bob Brown".into(),
        kind,
        software: Some(GrantedSoftware {
            item: "hello".into(),
            package: Package::Apt(package.into()),
        }),
        password: None,
        machine: Some(machine.into()),
        issued_at: 0,
        expires_at: i64::MAX,
    };
    let run_it = |grant: &ActionGrant| json!({"run": {"grant": grant, "list": list}});
    let elsewhere = sign(
        server,
        &claims(ActionKind::Install, "hello", "another-machine"),
    )?;
    let answer = ask_helper(socket, None, &run_it(&elsewhere))?;
    assert!(
        refusal(&answer).contains("another computer's helper"),
        "{answer:?}"
    );
    // A package the desk did not approve, and a list the server did not sign.
    let nmap = sign(server, &claims(ActionKind::Install, "nmap", &machine))?;
    let answer = ask_helper(socket, None, &run_it(&nmap))?;
    assert!(
        refusal(&answer).contains("nmap is not on the desk's approved list"),
        "{answer:?}"
    );
    let hello = sign(server, &claims(ActionKind::Install, "hello", &machine))?;
    let forged = ApprovedList {
        claims: list.claims.replace("hello-traditional", "nmap"),
        signature: list.signature.clone(),
    };
    let answer = ask_helper(
        socket,
        None,
        &json!({"run": {"grant": hello, "list": forged}}),
    )?;
    assert!(
        refusal(&answer).contains("approved list is not signed"),
        "{answer:?}"
    );
    let answer = ask_helper(socket, None, &json!({"run": {"grant": hello}}))?;
    assert!(
        refusal(&answer).contains("did not come with the grant"),
        "{answer:?}"
    );
    let shell = sign(server, &claims(ActionKind::Install, "hello;id", &machine))?;
    let answer = ask_helper(socket, None, &run_it(&shell))?;
    assert!(refusal(&answer).contains("not a package id"), "{answer:?}");
    let power = sign(server, &claims(ActionKind::Restart, "hello", &machine))?;
    let answer = ask_helper(socket, None, &run_it(&power))?;
    assert!(
        refusal(&answer).contains("passwords only, not restart"),
        "{answer:?}"
    );
    // The grant is root's: another user on the socket gets nothing from it.
    let not_installed = sign(
        server,
        &claims(ActionKind::Remove, "hello-traditional", &machine),
    )?;
    let answer = ask_helper(socket, Some("nobody"), &run_it(&not_installed))?;
    assert!(
        refusal(&answer).contains("for the user root on this computer, not nobody"),
        "{answer:?}"
    );
    // Once, then never again (apt removes what is not there without complaint).
    let answer = ask_helper(socket, None, &run_it(&not_installed))?;
    assert!(
        answer.iter().any(|r| r["done"]["ok"] == json!(true)
            && r["done"]["detail"] == json!("removed hello-traditional")),
        "{answer:?}"
    );
    let answer = ask_helper(socket, None, &run_it(&not_installed))?;
    assert!(refusal(&answer).contains("used already"), "{answer:?}");

    // Remove, from the portal as well.
    let asked = bob.act(device, "remove", "hello").await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    assert_eq!(done.detail.as_deref(), Some("removed hello"));
    assert_eq!(installed("hello")?, None);
    let devices = bob
        .send(reqwest::Method::GET, "/api/v1/me/devices", Value::Null)
        .await?;
    assert_eq!(devices[0]["facts"]["installed"], json!([]));

    // The system's log has every request and outcome.
    let logged = std::fs::read_to_string(log)?;
    for words in [
        "refused",
        "another computer's helper",
        "not nobody",
        "used already",
        "succeeded",
        &asked.id.to_string(),
    ] {
        assert!(logged.contains(words), "the log lacks {words:?}:\n{logged}");
    }
    Ok(())
}

/// A throwaway local account, deleted with its home when dropped.
struct Account(String);

impl Account {
    fn create(name: &str, groups: Option<&str>) -> anyhow::Result<Self> {
        let _ = run("userdel", &["--remove", "--force", name]);
        let mut args = vec!["--create-home", "--shell", "/bin/bash"];
        if let Some(groups) = groups {
            args.extend(["--groups", groups]);
        }
        args.push(name);
        let out = run("useradd", &args)?;
        anyhow::ensure!(out.status.success(), "useradd {name}: {out:?}");
        Ok(Self(name.to_owned()))
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = run("userdel", &["--remove", "--force", &self.0]);
    }
}

/// The account's line of /etc/shadow, split at its colons.
fn shadow(user: &str) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string("/etc/shadow")?;
    text.lines()
        .map(|l| l.split(':').map(str::to_owned).collect::<Vec<_>>())
        .find(|f| f.first().map(String::as_str) == Some(user))
        .ok_or_else(|| anyhow::anyhow!("{user} is not in /etc/shadow"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bob_resets_the_password_of_his_own_account_and_no_one_elses() -> anyhow::Result<()> {
    anyhow::ensure!(
        is_root()?,
        "this test makes accounts and runs the privileged helper as root: run it as root (CI does)"
    );
    let person = Account::create("bellhop-reset", None)?;
    let admin = Account::create("bellhop-admin", Some("sudo"))?;
    let mut chpasswd = std::process::Command::new("chpasswd")
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = chpasswd.stdin.take() {
        use std::io::Write;
        stdin.write_all(format!("{}:Old-password-41\n", person.0).as_bytes())?;
    }
    anyhow::ensure!(chpasswd.wait()?.success(), "chpasswd failed");
    let before = shadow(&person.0)?;

    let dir = tempfile::tempdir()?;
    let server = RunningServer::start_demo().await?;
    let (config, socket) = configure(dir.path(), &server)?;
    let log = dir.path().join("helper.log");
    let _helper = Child(
        std::process::Command::new(workspace_binary("bellhop-helper"))
            .arg("--config")
            .arg(&config)
            .env("BELLHOP_LOG", "info")
            .stderr(std::fs::File::create(&log)?)
            .spawn()?,
    );
    until("the helper's socket", Duration::from_secs(30), async || {
        Ok(socket.exists().then_some(()))
    })
    .await?;

    // Bob's computer, assigned to the throwaway account: his agent runs as it.
    let home = dir.path().join("agent");
    let agent = server
        .confirmed_agent(&home, "Bob", "Brown", "bob@acme.example")
        .await?;
    let device = agent.device_state().await?.device_id;
    drop(agent);
    let db = server.data_dir().join("bellhop.sqlite3");
    let assigned = run(
        "sqlite3",
        &[
            // The running server may be writing: wait for it rather than fail.
            "-cmd",
            ".timeout 10000",
            &db.display().to_string(),
            &format!(
                "UPDATE devices SET os_user = '{}' WHERE id = '{device}'",
                person.0
            ),
        ],
    )?;
    anyhow::ensure!(assigned.status.success(), "sqlite3: {assigned:?}");
    let agent_binary = dir.path().join("bellhop");
    std::fs::copy(workspace_binary("bellhop"), &agent_binary)?;
    let owned = run("chown", &["-R", &person.0, &home.display().to_string()])?;
    anyhow::ensure!(owned.status.success(), "chown: {owned:?}");
    let _watching = Child(
        std::process::Command::new("setpriv")
            .args([
                &format!("--reuid={}", person.0),
                &format!("--regid={}", person.0),
                "--init-groups",
            ])
            .arg(&agent_binary)
            .args(["sync", "--watch"])
            .env("HOME", &home)
            .env("USER", &person.0)
            .env("BELLHOP_HOME", &home)
            .env("BELLHOP_SERVER_URL", &server.url)
            .env("BELLHOP_HELPER_SOCKET", &socket)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()?,
    );
    let bob = Session {
        server: &server,
        token: server.login("bob@acme.example").await?,
        http: reqwest::Client::new(),
    };
    bob.send(
        reqwest::Method::PUT,
        "/api/v1/me/second-factor",
        json!({"phone": "+39 312 345 6780"}),
    )
    .await?;
    let code = bob.newest_code()?;
    bob.send(
        reqwest::Method::POST,
        "/api/v1/me/second-factor/confirm",
        json!({ "code": code }),
    )
    .await?;
    let machine = until(
        "the helper in the device's facts",
        Duration::from_secs(30),
        async || {
            let devices = bob
                .send(reqwest::Method::GET, "/api/v1/me/devices", Value::Null)
                .await?;
            Ok(devices[0]["facts"]["helper"]["machine"]
                .as_str()
                .map(str::to_owned))
        },
    )
    .await?;

    // The reset, from the portal: the code, then the temporary password by text message.
    let asked: Action = serde_json::from_value(
        bob.send(
            reqwest::Method::POST,
            "/api/v1/actions",
            json!({"id": ActionId::new(), "device_id": device, "kind": "reset_password"}),
        )
        .await?,
    )?;
    let code = bob.newest_code()?;
    bob.send(
        reqwest::Method::POST,
        &format!("/api/v1/actions/{}/verify", asked.id),
        json!({ "code": code }),
    )
    .await?;
    let done = bob.ended(&asked).await?;
    assert_eq!(done.state, ActionState::Succeeded, "{:?}", done.detail);
    let mut texts: Vec<_> = std::fs::read_dir(server.data_dir().join("sms"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    texts.sort();
    let text = std::fs::read_to_string(texts.last().ok_or_else(|| anyhow::anyhow!("no text"))?)?;
    let password = text
        .split(|c: char| c.is_whitespace())
        .find(|w| w.len() == 14 && w.matches('-').count() == 2)
        .ok_or_else(|| anyhow::anyhow!("no temporary password in {text:?}"))?
        .to_owned();
    // Nowhere but the text: not in the action, not in the log.
    assert!(!format!("{done:?}").contains(&password));
    let after = shadow(&person.0)?;
    assert_ne!(after[1], before[1], "the password did not change");
    let crypt = run(
        "perl",
        &[
            "-e",
            "print crypt($ARGV[0], $ARGV[1])",
            &password,
            &after[1],
        ],
    )?;
    assert_eq!(
        String::from_utf8_lossy(&crypt.stdout),
        after[1],
        "the texted password does not verify against the shadow entry"
    );
    // Changed at the next sign-in: the last change is day 0.
    assert_eq!(after[2], "0");
    let aged = run("chage", &["--list", &person.0])?;
    let aged = String::from_utf8_lossy(&aged.stdout).into_owned();
    assert!(aged.contains("password must be changed"), "{aged}");

    // Refusals at the socket, with grants the server's key signed.
    let granted = |os_user: &str| -> anyhow::Result<ActionGrant> {
        sign(
            &server,
            &GrantClaims {
                action_id: ActionId::new(),
                device_id: device,
                os_user: os_user.into(),
                user_id: UserId::new(),
                user_name: "Bob Brown".into(),
                kind: ActionKind::ResetPassword,
                software: None,
                list: None,
                password: Some(GrantedPassword {
                    sha512_crypt: after[1].clone(),
                    sealed: None,
                }),
                machine: Some(machine.clone()),
                issued_at: 0,
                expires_at: i64::MAX,
            },
        )
    };
    let run_it = |grant: &ActionGrant| json!({"run": {"grant": grant}});
    let answer = ask_helper(&socket, Some(&admin.0), &run_it(&granted(&admin.0)?))?;
    assert!(
        refusal(&answer).contains("administrator's account (member of sudo)"),
        "{answer:?}"
    );
    let answer = ask_helper(&socket, None, &run_it(&granted("root")?))?;
    assert!(refusal(&answer).contains("(uid 0)"), "{answer:?}");
    let answer = ask_helper(&socket, Some("nobody"), &run_it(&granted(&person.0)?))?;
    assert!(
        refusal(&answer).contains(&format!(
            "for the user {} on this computer, not nobody",
            person.0
        )),
        "{answer:?}"
    );
    let logged = std::fs::read_to_string(&log)?;
    for words in [
        "resetting the password",
        "member of sudo",
        &asked.id.to_string(),
    ] {
        assert!(logged.contains(words), "the log lacks {words:?}:\n{logged}");
    }
    assert!(!logged.contains(&password));
    Ok(())
}
