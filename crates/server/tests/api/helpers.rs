use bellhop_proto::{EnrolResponse, LoginResponse, NewTicket, Ticket};
use bellhop_server::app::Server;
use bellhop_server::config::Settings;
use reqwest::{Client, Response};
use serde_json::{Value, json};

/// A running server with the demo world, and a client for it.
pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub mail: bellhop_server::mail::MailWorker,
    /// The hourly sweep, to run at once.
    pub sweeper: bellhop_server::sweep::Sweeper,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL URL when the suite runs against PostgreSQL.
    pub database_url: Option<String>,
    _stop: tokio::sync::oneshot::Sender<()>,
    /// The throwaway PostgreSQL server when the suite runs against PostgreSQL (dropped last).
    _pg: Option<TempPg>,
}

/// Whether this run of the suite uses PostgreSQL (`BELLHOP_TEST_BACKEND=postgres`) instead of
/// the default SQLite file. scripts/test runs the suite both ways.
pub fn on_postgres() -> bool {
    std::env::var("BELLHOP_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

#[cfg(unix)]
pub type TempPg = pgtemp::PgTempDB;

/// Stands in where pgtemp does not build; `throwaway_postgres` says why.
#[cfg(not(unix))]
pub struct TempPg;

#[cfg(not(unix))]
impl TempPg {
    pub fn connection_uri(&self) -> String {
        String::new()
    }
}

/// A fresh PostgreSQL server from the system's binaries: initdb into a temp dir, a random port.
#[cfg(unix)]
pub async fn throwaway_postgres() -> anyhow::Result<TempPg> {
    let mut builder = pgtemp::PgTempDB::builder();
    if let Some(bin) = postgres_bin_dir() {
        builder = builder.with_bin_path(bin);
    }
    Ok(builder.start_async().await)
}

#[cfg(not(unix))]
pub async fn throwaway_postgres() -> anyhow::Result<TempPg> {
    anyhow::bail!("the PostgreSQL run of this suite needs Unix (pgtemp)")
}

#[cfg(unix)]
/// Debian keeps the server binaries off PATH, under /usr/lib/postgresql/<version>/bin;
/// `BELLHOP_PG_BIN` overrides.
fn postgres_bin_dir() -> Option<std::path::PathBuf> {
    if let Ok(dir) = std::env::var("BELLHOP_PG_BIN") {
        return Some(dir.into());
    }
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .collect();
    versions.sort_unstable();
    versions
        .last()
        .map(|v| format!("/usr/lib/postgresql/{v}/bin").into())
}

/// On a PostgreSQL run of the suite, a server and its database's URL; otherwise `None` (the test
/// is about PostgreSQL alone).
pub async fn spawn_on_postgres() -> anyhow::Result<Option<(TestApp, String)>> {
    if !on_postgres() {
        return Ok(None);
    }
    let app = spawn_app().await?;
    let url = app
        .database_url
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no PostgreSQL URL"))?;
    Ok(Some((app, url)))
}

pub async fn spawn_app() -> anyhow::Result<TestApp> {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> anyhow::Result<TestApp> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::ephemeral(dir.path());
    settings.demo = true;
    configure(&mut settings);
    let pg = if on_postgres() && settings.database_url.is_none() {
        let pg = throwaway_postgres().await?;
        settings.database_url = Some(pg.connection_uri());
        Some(pg)
    } else {
        None
    };
    let database_url = settings.database_url.clone();
    let server = Server::start(settings).await?;
    let mail = server.mail();
    let sweeper = server.sweeper();
    let base = format!("http://{}", server.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    Ok(TestApp {
        base,
        http: Client::new(),
        mail,
        sweeper,
        dir,
        database_url,
        _stop: stop,
        _pg: pg,
    })
}

impl TestApp {
    /// Sends queued mail now, then returns the `.eml` files addressed to `to`, oldest first, with
    /// quoted-printable's soft line breaks and `=3D` undone.
    pub async fn mail_texts(&self, to: &str) -> anyhow::Result<Vec<String>> {
        self.mail.drain().await?;
        let mut found = Vec::new();
        let dir = self.dir.path().join("outbox");
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let text = std::fs::read_to_string(entry.path())?;
            if text
                .lines()
                .any(|l| l.starts_with("To: ") && l.contains(to))
            {
                let text = text
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                found.push((entry.metadata()?.modified()?, text));
            }
        }
        found.sort_by_key(|(at, _)| *at);
        Ok(found.into_iter().map(|(_, text)| text).collect())
    }

    /// The mail to `to`, oldest first, as sent (every byte, for a MIME parser).
    pub async fn raw_mails(&self, to: &str) -> anyhow::Result<Vec<Vec<u8>>> {
        self.mail.drain().await?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.dir.path().join("outbox"))? {
            let entry = entry?;
            let raw = std::fs::read(entry.path())?;
            let to_us = mail_parser::MessageParser::default()
                .parse(&raw)
                .and_then(|m| {
                    m.to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .map(|a| a.eq_ignore_ascii_case(to))
                })
                .unwrap_or(false);
            if to_us {
                found.push((entry.metadata()?.modified()?, raw));
            }
        }
        found.sort_by_key(|(at, _)| *at);
        Ok(found.into_iter().map(|(_, raw)| raw).collect())
    }

    /// The mail to `to`, oldest first, decoded: (subject, plain-text body, HTML body).
    pub async fn mails(&self, to: &str) -> anyhow::Result<Vec<(String, String, String)>> {
        self.raw_mails(to)
            .await?
            .iter()
            .map(|raw| {
                let message = mail_parser::MessageParser::default()
                    .parse(raw)
                    .ok_or_else(|| anyhow::anyhow!("a letter to {to} is not a mail"))?;
                Ok((
                    message.subject().unwrap_or_default().to_owned(),
                    message.body_text(0).unwrap_or_default().into_owned(),
                    message.body_html(0).unwrap_or_default().into_owned(),
                ))
            })
            .collect()
    }

    /// The password-link token (`bhr_…`) in the newest mail to `to` that has one.
    pub async fn reset_token(&self, to: &str) -> anyhow::Result<Option<String>> {
        Ok(self.mail_texts(to).await?.iter().rev().find_map(|text| {
            let start = text.find("token=bhr_")?;
            Some(
                text[start + 6..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect(),
            )
        }))
    }

    /// Runs a statement on the server's database behind its back: for what no request can do,
    /// such as moving a session's last use into the past.
    pub async fn sql(&self, statement: &str) -> anyhow::Result<u64> {
        let mut conn = self.connect().await?;
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&mut conn)
            .await?;
        Ok(done.rows_affected())
    }

    /// A connection of its own to the server's database.
    async fn connect(&self) -> anyhow::Result<sqlx::AnyConnection> {
        sqlx::any::install_default_drivers();
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.dir.path().join("bellhop.sqlite3").display()
            ),
        };
        Ok(<sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?)
    }

    /// The first column of the first row a query answers on the server's database, as text.
    pub async fn sql_text(&self, query: &str) -> anyhow::Result<Option<String>> {
        let mut conn = self.connect().await?;
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_owned()))
            .fetch_optional(&mut conn)
            .await?)
    }

    /// Asks for a password link for `email`; returns the status (202 whoever it is).
    pub async fn forgot_password(&self, email: &str) -> anyhow::Result<u16> {
        Ok(self
            .http
            .post(self.url("/api/v1/auth/forgot-password"))
            .json(&json!({"email": email}))
            .send()
            .await?
            .status()
            .as_u16())
    }

    /// Sets a password with a link's token; returns the status (204, or 422 for a dead link).
    pub async fn reset_password(&self, token: &str, password: &str) -> anyhow::Result<u16> {
        Ok(self
            .http
            .post(self.url("/api/v1/auth/reset-password"))
            .json(&json!({"token": token, "password": password}))
            .send()
            .await?
            .status()
            .as_u16())
    }

    /// Tries to sign in; returns the status (200, or 401 for a wrong password).
    pub async fn login_status(&self, email: &str, password: &str) -> anyhow::Result<u16> {
        Ok(self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await?
            .status()
            .as_u16())
    }

    /// Sends queued mail now, then returns the subjects of the `.eml` files addressed to `to`.
    pub async fn mail_subjects(&self, to: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .mail_texts(to)
            .await?
            .iter()
            .filter_map(|t| t.lines().find_map(|l| l.strip_prefix("Subject: ")))
            .map(str::to_owned)
            .collect())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Signs in a demo user and returns their bearer token.
    pub async fn login(&self, email: &str) -> anyhow::Result<String> {
        let res = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": "bellhop-demo"}))
            .send()
            .await?;
        anyhow::ensure!(
            res.status() == 200,
            "login of {email} failed: {}",
            res.status()
        );
        Ok(res.json::<LoginResponse>().await?.token)
    }

    /// A new person in organisation `org` (by name), created by the demo technician with portal
    /// access; they choose the demo password through the welcome link. Returns their token.
    pub async fn new_person(
        &self,
        name: &str,
        email: &str,
        role: &str,
        org: &str,
    ) -> anyhow::Result<String> {
        let tech = self.login("tech@helpdesk.example").await?;
        let orgs: Vec<bellhop_proto::Org> = self.get(&tech, "/api/v1/orgs").await?.json().await?;
        let org_id = orgs.iter().find(|o| o.name == org).map(|o| o.id);
        let body = serde_json::json!({"name": name, "email": email, "role": role, "org_id": org_id,
                                      "portal_access": true});
        let res = self.post(&tech, "/api/v1/users", &body).await?;
        anyhow::ensure!(res.status() == 201, "creating {email}: {}", res.status());
        let token = self
            .reset_token(email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no welcome link for {email}"))?;
        let res = self
            .http
            .post(self.url("/api/v1/auth/reset-password"))
            .json(&serde_json::json!({"token": token, "password": "bellhop-demo"}))
            .send()
            .await?;
        anyhow::ensure!(
            res.status() == 204,
            "password for {email}: {}",
            res.status()
        );
        self.login(email).await
    }

    /// The id of the user signing in as `email`.
    /// A person's id as the console finds them (`token` is staff's): no need of their password.
    pub async fn id_of(&self, token: &str, email: &str) -> anyhow::Result<String> {
        let found: Vec<Value> = self
            .get(token, &format!("/api/v1/users?q={email}"))
            .await?
            .json()
            .await?;
        found
            .iter()
            .find(|u| u["email"] == email)
            .and_then(|u| u["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no {email}"))
    }

    pub async fn user_id(&self, email: &str) -> anyhow::Result<bellhop_proto::UserId> {
        let token = self.login(email).await?;
        let me: bellhop_proto::User = self.get(&token, "/api/v1/me").await?.json().await?;
        Ok(me.id)
    }

    pub async fn get(&self, token: &str, path: &str) -> anyhow::Result<Response> {
        Ok(self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await?)
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?)
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?)
    }

    pub async fn delete(&self, token: &str, path: &str) -> anyhow::Result<Response> {
        Ok(self
            .http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await?)
    }

    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?)
    }

    pub async fn tickets(&self, token: &str) -> anyhow::Result<Vec<Ticket>> {
        let page: Value = self
            .get(token, "/api/v1/tickets?limit=200")
            .await?
            .json()
            .await?;
        Ok(serde_json::from_value(page["items"].clone())?)
    }

    pub async fn attachments(
        &self,
        token: &str,
        ticket: impl std::fmt::Display,
    ) -> anyhow::Result<Vec<bellhop_proto::Attachment>> {
        let res = self
            .get(token, &format!("/api/v1/tickets/{ticket}/attachments"))
            .await?;
        Ok(res.error_for_status()?.json().await?)
    }

    pub async fn create_ticket(&self, token: &str, title: &str) -> anyhow::Result<Ticket> {
        let new = NewTicket::new(title, "made by a test");
        let res = self
            .post(token, "/api/v1/tickets", &serde_json::to_value(&new)?)
            .await?;
        anyhow::ensure!(res.status() == 201, "create failed: {}", res.status());
        Ok(res.json().await?)
    }
}

/// A Windows laptop's facts, with MAC `aa:bb:cc:dd:ee:01` and serial `SN-1`.
pub fn facts(host: &str) -> Value {
    json!({"hostname": host, "os": "Windows", "os_version": "11 23H2", "serial": "SN-1",
           "macs": ["AA:BB:CC:DD:EE:01"], "os_user": "bob"})
}

/// Enrols a device with an organisation's key (`acme-demo-key`, `globex-demo-key`).
pub async fn enroll(app: &TestApp, key: &str, host: &str) -> anyhow::Result<EnrolResponse> {
    let res = app
        .http
        .post(app.url("/api/v1/devices/enroll"))
        .json(&json!({"enrolment_key": key, "device": facts(host)}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "enrol failed: {}", res.status());
    Ok(res.json().await?)
}

/// Asserts the response is the given status with our JSON error shape, and returns its code.
pub async fn expect_error(res: Response, status: u16) -> anyhow::Result<String> {
    let got = res.status().as_u16();
    let body: Value = res.json().await?;
    anyhow::ensure!(got == status, "expected {status}, got {got}: {body}");
    let code = body["error"]["code"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no error.code in {body}"))?;
    anyhow::ensure!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no error.message in {body}"
    );
    Ok(code.to_owned())
}
