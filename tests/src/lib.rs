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
        };
        server.start().await?;
        Ok(server)
    }

    /// Starts (again) on the same address and data directory.
    pub async fn start(&mut self) -> anyhow::Result<()> {
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

    /// Stops serving and waits until the port is closed.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
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
                enrolment_key: None,
            },
        )?)
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sends queued mail now and returns the newest confirmation token sent to `email`.
    pub async fn identity_token_for(&self, email: &str) -> anyhow::Result<String> {
        if let Some(mail) = &self.mail {
            mail.drain().await?;
        }
        let mut subjects = Vec::new();
        for entry in std::fs::read_dir(self.dir.path().join("outbox"))? {
            let path = entry?.path();
            let text = std::fs::read_to_string(&path)?;
            let to_them = text
                .lines()
                .any(|l| l.starts_with("To: ") && l.contains(email));
            if let (true, Some(subject)) = (
                to_them,
                text.lines().find_map(|l| l.strip_prefix("Subject: ")),
            ) {
                subjects.push((std::fs::metadata(&path)?.modified()?, subject.to_owned()));
            }
        }
        subjects.sort();
        let (_, subject) = subjects
            .pop()
            .ok_or_else(|| anyhow::anyhow!("no mail to {email}"))?;
        Ok(subject.rsplit(' ').next().unwrap_or_default().to_owned())
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
