//! Typed settings. Flags, then `BELLHOP_*` environment variables, then defaults (clap's `env`).

use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_MAIL_FROM: &str = "Bellhop <bellhop@localhost>";

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the SQLite file (and, later, attachments and the mail outbox) live.
    pub data_dir: PathBuf,
    /// A `postgres://` (or `sqlite://`) URL; `None` uses the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Seed the demo world on first start.
    pub demo: bool,
    /// The built web UI (`ui/dist`); `None` serves the API only.
    pub ui_dir: Option<PathBuf>,
    /// Largest JSON request body accepted, in bytes.
    pub max_json_bytes: usize,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// `smtp://…` or `smtps://…`; `None` writes mail as `.eml` files under the data directory.
    pub smtp_url: Option<String>,
    /// The From of every message.
    pub mail_from: String,
    /// The portal's address as people reach it (links in emails); default `http://<listen>`.
    pub public_url: Option<String>,
    /// An SMS gateway taking `{"to", "text"}` as JSON; `None` writes texts under the data
    /// directory.
    pub sms_url: Option<String>,
    /// Sent to the SMS gateway as a bearer token.
    pub sms_token: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (rate limits, audit); nobody else's.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Settings {
    /// Settings for tests and embedding: a data directory, a free loopback port, no UI.
    pub fn ephemeral(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            demo: false,
            ui_dir: None,
            max_json_bytes: 1024 * 1024,
            max_attachment_bytes: bellhop_proto::DEFAULT_MAX_ATTACHMENT_BYTES as usize,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            public_url: None,
            sms_url: None,
            sms_token: None,
            trusted_proxies: Vec::new(),
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("bellhop.sqlite3")
    }

    /// Where mail goes when no SMTP server is configured.
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where text messages go when no SMS gateway is configured.
    pub fn sms_dir(&self) -> PathBuf {
        self.data_dir.join("sms")
    }
}
