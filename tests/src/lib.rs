//! Helpers for cross-part tests: a real `bellhop-server` on a loopback port that can be stopped
//! and started again on the same port and data.

use std::net::SocketAddr;
use std::path::Path;

use bellhop_server::app::Server;
use bellhop_server::config::Settings;
use bellhop_server::mail::MailWorker;

/// A demo server; stops when dropped.
pub struct RunningServer {
    pub url: String,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    mail: Option<MailWorker>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Set when the server runs as its own `bellhop-server` process (so it can be killed).
    process: Option<std::process::Child>,
    as_process: bool,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A workspace binary from the target directory this test was built into.
pub fn workspace_binary(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    );
    target.join("debug").join(name)
}

impl RunningServer {
    pub async fn start_demo() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut server = Self {
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            mail: None,
            stop: None,
            task: None,
            process: None,
            as_process: false,
        };
        server.start().await?;
        Ok(server)
    }

    /// The demo server as a separate `bellhop-server` process, so that [`Self::kill`] is a real
    /// `kill -9` (built by `cargo test --workspace`).
    pub async fn start_demo_process() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut server = Self {
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir: tempfile::tempdir()?,
            mail: None,
            stop: None,
            task: None,
            process: None,
            as_process: true,
        };
        server.start().await?;
        Ok(server)
    }

    /// SIGKILL for a process server: no graceful anything, mid-write if it was writing.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.process.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Starts (again) on the same address and data directory.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        if self.as_process {
            return self.start_process().await;
        }
        let mut settings = Settings::ephemeral(self.dir.path());
        settings.demo = true;
        settings.listen = self.addr;
        let server = Server::start(settings).await?;
        self.addr = server.addr();
        self.url = format!("http://{}", self.addr);
        self.mail = Some(server.mail());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(server.run_until(async move {
            let _ = stopped.await;
        })));
        Ok(())
    }

    async fn start_process(&mut self) -> anyhow::Result<()> {
        let binary = workspace_binary("bellhop-server");
        anyhow::ensure!(
            binary.is_file(),
            "{} is missing: run `cargo build -p bellhop-server` (cargo test --workspace builds it)",
            binary.display()
        );
        let child = std::process::Command::new(binary)
            .arg("--demo")
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--listen")
            .arg(self.addr.to_string())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        self.process = Some(child);
        self.url = format!("http://{}", self.addr);
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http
                .get(format!("{}/readyz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        anyhow::bail!("bellhop-server did not become ready")
    }

    /// Stops serving and waits until the port is closed.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        self.kill()?;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }

    /// A fresh agent for this server, every file (secrets included) under `home`.
    pub fn agent(&self, home: &Path) -> anyhow::Result<bellhop_agent::Agent> {
        Ok(bellhop_agent::Agent::with_config(
            bellhop_agent::Paths::under(home),
            bellhop_agent::AgentConfig {
                server_url: Some(self.url.clone()),
                ..Default::default()
            },
        )?)
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The newest code texted to `phone` (the server writes texts to its data directory).
    pub fn newest_code(&self, phone: &str) -> anyhow::Result<String> {
        let mut texts: Vec<_> = std::fs::read_dir(self.data_dir().join("sms"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        texts.sort();
        for path in texts.iter().rev() {
            let text = std::fs::read_to_string(path)?;
            if text.starts_with(&format!("To: {phone}\n")) {
                return text
                    .split(|c: char| !c.is_ascii_digit())
                    .rfind(|w| w.len() == 6)
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow::anyhow!("no code in {text}"));
            }
        }
        anyhow::bail!("no text to {phone}")
    }

    /// Calls `/api/v1{path}` as `token`; the answer's JSON when it succeeded.
    pub async fn call(
        &self,
        http: &reqwest::Client,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let res = http
            .request(method, format!("{}/api/v1{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
        Ok(res.json().await.unwrap_or_default())
    }

    /// Sends queued mail now and returns the newest confirmation token sent to `email`.
    pub async fn identity_token_for(&self, email: &str) -> anyhow::Result<String> {
        if let Some(mail) = &self.mail {
            mail.drain().await?;
        } else {
            // A process server's mail worker writes the message within moments.
            for _ in 0..100 {
                if let Ok(token) = self.newest_token(email) {
                    return Ok(token);
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
        self.newest_token(email)
    }

    fn newest_token(&self, email: &str) -> anyhow::Result<String> {
        let mut mails = Vec::new();
        for entry in std::fs::read_dir(self.dir.path().join("outbox"))? {
            let path = entry?.path();
            // Quoted-printable: undo soft line breaks before reading the body.
            let text = std::fs::read_to_string(&path)?
                .replace("=\r\n", "")
                .replace("=\n", "");
            let to_them = text
                .lines()
                .any(|l| l.starts_with("To: ") && l.contains(email));
            let token = text
                .lines()
                .find_map(|l| l.strip_prefix("Your confirmation token is "));
            if let (true, Some(token)) = (to_them, token) {
                mails.push((
                    std::fs::metadata(&path)?.modified()?,
                    token.trim().to_owned(),
                ));
            }
        }
        mails.sort();
        let (_, token) = mails
            .pop()
            .ok_or_else(|| anyhow::anyhow!("no confirmation mail to {email}"))?;
        Ok(token)
    }

    /// Signs a demo user in through the API.
    pub async fn login(&self, email: &str) -> anyhow::Result<String> {
        let res: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&serde_json::json!({"email": email, "password": "bellhop-demo"}))
            .send()
            .await?
            .json()
            .await?;
        res["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("login failed: {res}"))
    }

    /// Every ticket the token's user can see.
    pub async fn tickets(&self, token: &str) -> anyhow::Result<Vec<bellhop_proto::Ticket>> {
        let http = reqwest::Client::new();
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: bellhop_proto::Page<bellhop_proto::Ticket> = http
                .get(format!(
                    "{}/api/v1/tickets?limit=200&cursor={cursor}",
                    self.url
                ))
                .bearer_auth(token)
                .send()
                .await?
                .json()
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => cursor = next,
                None => return Ok(all),
            }
        }
    }

    /// A fresh agent under `home`, enrolled with Acme and confirmed as the demo user `email`
    /// (the token read from the server's mail outbox).
    pub async fn confirmed_agent(
        &self,
        home: &Path,
        first_name: &str,
        last_name: &str,
        email: &str,
    ) -> anyhow::Result<bellhop_agent::Agent> {
        let agent = self.agent(home)?;
        agent.enroll("acme-demo-key").await?;
        agent
            .send_identity_token(first_name, last_name, email)
            .await?;
        let token = self.identity_token_for(email).await?;
        agent.confirm_identity(email, &token).await?;
        Ok(agent)
    }

    /// Adds a reply (or, with `internal`, a note) to a ticket through the API.
    pub async fn reply(
        &self,
        token: &str,
        ticket: bellhop_proto::TicketId,
        body: &str,
        internal: bool,
    ) -> anyhow::Result<()> {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/tickets/{ticket}/comments", self.url))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "id": bellhop_proto::CommentId::new(),
                "body": body,
                "visibility": if internal { "internal" } else { "public" },
            }))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "reply failed: {}", res.status());
        Ok(())
    }

    /// The conversation of a ticket as the token's user sees it.
    pub async fn comments(
        &self,
        token: &str,
        ticket: bellhop_proto::TicketId,
    ) -> anyhow::Result<Vec<bellhop_proto::Comment>> {
        Ok(reqwest::Client::new()
            .get(format!("{}/api/v1/tickets/{ticket}/comments", self.url))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?)
    }
}

/// The passes of a watching agent (`Agent::watch`), as each reports itself.
pub struct Passes(tokio::sync::mpsc::UnboundedReceiver<bellhop_agent::SyncReport>);

impl Passes {
    /// The next pass's report.
    pub async fn next(&mut self) -> anyhow::Result<bellhop_agent::SyncReport> {
        self.0
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("the watch ended"))
    }
}

/// Runs `check` while `agent` watches the server (its first pass follows the stream's `ready`),
/// failing if the watch stops first or `check` takes longer than `limit`.
pub async fn while_watching<Check>(
    agent: &bellhop_agent::Agent,
    limit: std::time::Duration,
    check: impl FnOnce(Passes) -> Check,
) -> anyhow::Result<()>
where
    Check: Future<Output = anyhow::Result<()>>,
{
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let wake = tokio::sync::Notify::new();
    let watching = agent.watch(&wake, move |report| {
        let _ = tx.send(report.clone());
    });
    tokio::select! {
        result = watching => anyhow::bail!("the watch stopped: {result:?}"),
        done = tokio::time::timeout(limit, check(Passes(rx))) => done?,
    }
}
