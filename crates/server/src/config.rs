//! Typed settings. Flags, then `BELLHOP_*` environment variables, then defaults (clap's `env`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Connections open at once (each desktop app keeps one for its live events).
    pub max_connections: usize,
    /// Live event streams one person may hold open at once.
    pub max_streams_per_person: usize,
    /// How long a client has to send a request's headers (and may sit idle between requests).
    pub header_read_timeout: Duration,
    /// How long a request may take, live event streams and uploads excepted.
    pub request_timeout: Duration,
    /// How long an upload may take.
    pub upload_timeout: Duration,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Let `--demo` (known passwords) listen on an address beyond loopback.
    pub demo_beyond_loopback: bool,
    /// How long a chat may go without a message before its first idle warning (the second
    /// comes after as long again, and the chat ends after a third).
    pub chat_idle: Duration,
    /// How long a technician stays present after their console's live stream last said so: a
    /// reload keeps them on duty, leaving takes them off after this.
    pub presence_holds: Duration,
    /// HTTPS on `listen` with this certificate and key (read again when they change).
    pub tls: Option<crate::tls::CertFiles>,
    /// With HTTPS: a plain-HTTP listener that sends every request to the public HTTPS address.
    pub http_redirect: Option<SocketAddr>,
    /// HTTPS with certificates the server obtains and renews itself over ACME (instead of
    /// `tls`'s files).
    pub acme: Option<crate::acme::AcmeSettings>,
    /// The host name the desk's DNS should point the portal's name at (Portal settings shows
    /// it), when the server sits behind a name of its host's.
    pub cname_target: Option<String>,
}

/// The defaults of the limits above.
pub mod limits {
    use std::time::Duration;

    pub const MAX_CONNECTIONS: usize = 4096;
    pub const MAX_STREAMS_PER_PERSON: usize = 8;
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10 * 60);
    pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
    pub const CHAT_IDLE: Duration = Duration::from_secs(4 * 60);
    pub const PRESENCE_HOLDS: Duration = Duration::from_secs(45);
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
            max_connections: limits::MAX_CONNECTIONS,
            max_streams_per_person: limits::MAX_STREAMS_PER_PERSON,
            header_read_timeout: limits::HEADER_READ_TIMEOUT,
            request_timeout: limits::REQUEST_TIMEOUT,
            upload_timeout: limits::UPLOAD_TIMEOUT,
            shutdown_grace: limits::SHUTDOWN_GRACE,
            demo_beyond_loopback: false,
            chat_idle: limits::CHAT_IDLE,
            presence_holds: limits::PRESENCE_HOLDS,
            tls: None,
            http_redirect: None,
            acme: None,
            cname_target: None,
        }
    }

    /// Where stored files live: attachments, and releases' files.
    pub fn attachments_dir(&self) -> PathBuf {
        self.data_dir.join("attachments")
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
