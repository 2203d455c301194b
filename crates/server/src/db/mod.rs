//! Storage. One [`Store`] over an sqlx `Any` pool: a SQLite file (WAL, busy timeout, foreign
//! keys on every connection) by default, PostgreSQL when given a `postgres://` URL. Each backend
//! has its own migrations; the queries are shared and written in the SQL both understand, with
//! `$1`-style parameters. Queries live next to the entity they serve.
//!
//! Ids are stored as UUID text, times as Unix milliseconds (BIGINT), flags as 0/1 integers, enums
//! as their wire strings, so one test suite runs unchanged against both backends.
//!
//! One file on purpose: the store's handle, its opening and migration on either backend, and the
//! caller type every query takes.

/// A user `u` who may act at all, as SQL (the rule of `access.rs`, for `concat!`).
macro_rules! may_act {
    () => {
        "u.disabled_at IS NULL"
    };
}

/// A user `u` who may use the web portal, as SQL (the rule of `access.rs`, for `concat!`).
macro_rules! may_use_portal {
    () => {
        "u.disabled_at IS NULL AND u.portal_access = 1"
    };
}

/// The ticket columns and join every ticket query starts from, as a literal for `concat!`.
macro_rules! select_tickets {
    () => {
        concat!(
            "SELECT ",
            ticket_columns!(),
            " FROM tickets t ",
            ticket_joins!()
        )
    };
}

/// The columns `ticket_from_row` reads, of a ticket `t` joined by [`ticket_joins!`].
macro_rules! ticket_columns {
    () => {
        "t.id, t.number, t.title, t.description, t.status, t.priority, t.source,
         t.requester_id, u.name AS requester_name, t.org_id, o.name AS org_name,
         t.assignee_id, a.name AS assignee_name, t.device_id, dv.hostname AS device_name,
         t.ticket_type, t.custom_fields, t.created_at, t.updated_at, t.change_seq,
         t.opened_by_id, ob.name AS opened_by_name, t.catalog_item, t.approval,
         ap.name AS approval_by_name"
    };
}

/// The names of a ticket `t`'s requester, organisation, assignee and device.
macro_rules! ticket_joins {
    () => {
        "JOIN users u ON u.id = t.requester_id
         LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN users a ON a.id = t.assignee_id
         LEFT JOIN devices dv ON dv.id = t.device_id LEFT JOIN users ob ON ob.id = t.opened_by_id
         LEFT JOIN users ap ON ap.id = t.approval_by_id"
    };
}

mod access;
mod acme;
mod actions;
mod assistant;
mod attachments;
mod audit;
mod authenticators;
mod cc;
mod changes;
mod chats;
mod comments;
mod commits;
mod company;
mod console;
mod credentials;
mod devices;
mod kb;
mod mail;
mod people;
mod read;
mod releases;
mod second_factor;
mod settings;
mod sign_in;
mod sign_up;
mod sql;
mod sweep;
mod sync;
mod ticket_edit;
mod ticket_new;
mod tickets;
mod users;
mod verification;
mod views;
mod write;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use bellhop_proto::{DeviceId, OrgId, Role, UserId};
use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub use access::{SESSION_IDLE_MS, SESSION_TOUCH_EVERY_MS};
pub use actions::{
    ACTION_CODE_MAX_ATTEMPTS, ActionFilter, ActionRow, CodeCheck, Move, NewAction, Proof,
};
pub use authenticators::{AUTHENTICATOR_MAX_ATTEMPTS, SealedAuthenticator};
pub use changes::{ActionNote, ChangeEvent, ChatNote, Signal, TypingNote};
pub use chats::{ChatFilter, ChatMove, ChatTicks, NewMessage, Notice};
pub use company::{AppReturn, CompanyPerson, PendingSignIn, StoredIdp, Vouched};
pub(crate) use console::phone_digits;
pub use devices::{DeviceCaller, EnrolOrg, PendingToken};
pub use kb::RankedArticle;
pub use mail::QueuedEmail;
pub use people::{AdminMade, PasswordLink};
pub use releases::RolloutDevice;
pub use settings::StoredModel;
pub use sign_in::Failures;
pub use ticket_edit::TicketChange;
pub use ticket_new::{Admitted, Approval};
pub use tickets::SeedTicket;
pub use users::{Limited, LoginAccount, NewUser};

use crate::error::{AppError, Result};

/// Who is asking. Every query that returns tickets or comments takes one.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub org_id: Option<OrgId>,
    /// The device when the caller signed in with a device credential (desktop app, CLI).
    pub device_id: Option<DeviceId>,
    /// When the caller proved who they are for this credential (signed in with a password,
    /// confirmed their identity on the device), in Unix milliseconds; 0 when not known.
    pub signed_in_at: i64,
    /// Set when this is a technician looking at the person's portal with their consent: the
    /// technician. Such a caller reads and changes nothing (`auth.rs` refuses every write).
    pub viewer: Option<UserId>,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// Whether the caller proved who they are within `window_ms`: what changing a security
    /// setting (the second factor) asks for.
    pub fn signed_in_within(&self, window_ms: i64) -> bool {
        now_ms() - self.signed_in_at <= window_ms
    }

    /// Whether this caller sees a ticket asked for by `requester`, of organisation `org`, with
    /// `cc` copied on it: the rule the ticket queries apply in SQL (`tickets::push_visibility`).
    pub fn sees(&self, requester: UserId, org: Option<OrgId>, cc: &[UserId]) -> bool {
        self.is_staff()
            || requester == self.user_id
            || cc.contains(&self.user_id)
            || (self.role == Role::PrimaryContact && org.is_some() && org == self.org_id)
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's read-only connections for the hot reads (`read.rs`); `None` on PostgreSQL and
    /// for a database that is not a file.
    readers: Option<std::sync::Arc<read::Readers>>,
    /// Ticket-list pages kept while nothing is written (see `read.rs`, `commits.rs`).
    lists: read::ListCache,
    /// PostgreSQL: moves on with every commit to the database (`commits.rs`).
    commits: std::sync::Arc<commits::CommitClock>,
    /// PostgreSQL: who session tokens are, while nothing is written (`commits.rs`).
    sessions: std::sync::Arc<commits::SessionCache>,
    /// The read-write rusqlite connection for [`Store::write`] (SQLite file only, `write.rs`).
    writer: Option<std::sync::Arc<write::Writer>>,
    /// This process's writers' queue on SQLite (see [`Store::begin`]).
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    events: tokio::sync::broadcast::Sender<ChangeEvent>,
    /// Rings with what every open event stream should hear beyond tickets (`changes::Signal`).
    signals: tokio::sync::broadcast::Sender<changes::Signal>,
    settings: settings::SettingsCache,
    seen: devices::SeenCache,
    releases: releases::ReleasesCache,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects, waiting out a database that is still starting (refused or reset connections, or one
/// too busy to finish a connection within the pool's wait) for up to half a minute, as when both
/// are started together.
async fn connect_patiently(
    options: AnyPoolOptions,
    url: &str,
) -> std::result::Result<sqlx::AnyPool, sqlx::Error> {
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    let mut pause = Duration::from_millis(200);
    loop {
        match options.clone().connect(url).await {
            Err(e @ (sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut))
                if std::time::Instant::now() + pause < give_up =>
            {
                tracing::warn!(error = %e, "the database does not answer yet; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

impl Store {
    /// Says that a request of this instance may have written to the database, now that it is
    /// done: on PostgreSQL, what this instance keeps in memory is read again (`commits.rs`).
    pub fn written(&self) {
        self.commits.tick();
    }

    /// The time of the database's commits, for keeping what is read now until something is
    /// written: SQLite's readers' generation, the commit clock on PostgreSQL (`None`: keep
    /// nothing).
    pub(super) async fn commit_time(&self) -> Result<Option<u64>> {
        match (&self.readers, self.backend) {
            (Some(readers), _) => Ok(Some(readers.generation().await?)),
            (None, Backend::Postgres) => Ok(self.commits.now()),
            (None, Backend::Sqlite) => Ok(None),
        }
    }

    /// Opens the database at `url` (`sqlite://…` or `postgres://…`) and applies pending
    /// migrations.
    pub async fn open(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(AppError::Other(anyhow::anyhow!(
                "DATABASE_URL must start with postgres:// or sqlite:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let options = match backend {
            // SQLite allows one writer: a small pool, and every connection waits for the lock
            // instead of failing at once.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(8)
                // A connection to a local file does not go stale: no ping before each use (it
                // was one more round trip to the connection's thread, inside the write lock).
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // FULL: a commit is on disk before it returns, so what the server
                        // acknowledged survives a power cut (NORMAL would lose the last
                        // commits, which the agents have already forgotten).
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                             PRAGMA mmap_size = 268435456;", // read::MMAP_BYTES
                        )
                        .await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(32),
        };
        let pool = connect_patiently(options.acquire_timeout(Duration::from_secs(10)), url)
            .await
            .with_context(|| format!("opening the database {}", redact_url(url)))?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        let file = match backend {
            Backend::Sqlite => sqlite_file(url),
            Backend::Postgres => None,
        };
        let readers = file.clone().map(read::Readers::new);
        let writer = file.map(write::Writer::new);
        let (events, _) = tokio::sync::broadcast::channel(1024);
        let (signals, _) = tokio::sync::broadcast::channel(16);
        let store = Self {
            pool,
            backend,
            readers,
            writer,
            lists: read::ListCache::default(),
            commits: std::sync::Arc::default(),
            sessions: std::sync::Arc::default(),
            write_turn: std::sync::Arc::default(),
            events,
            signals,
            settings: settings::SettingsCache::default(),
            seen: devices::SeenCache::default(),
            releases: releases::ReleasesCache::default(),
        };
        if backend == Backend::Postgres {
            store.spawn_listener(url.to_owned());
        }
        let restemmed = store.restem_articles().await?;
        if restemmed > 0 {
            tracing::info!(articles = restemmed, "knowledge base stemmed for search");
        }
        Ok(store)
    }

    /// Opens (creating if needed) the SQLite file.
    pub async fn open_sqlite(path: &std::path::Path) -> Result<Self> {
        let path = path.to_str().ok_or_else(|| {
            AppError::Other(anyhow::anyhow!("the data directory path is not UTF-8"))
        })?;
        Self::open(&format!("sqlite://{path}?mode=rwc")).await
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred one that reads first and writes later fails outright, without
    /// waiting, when another connection committed in between (SQLITE_BUSY_SNAPSHOT); taken up
    /// front, the lock is waited for like any other (`busy_timeout`).
    ///
    /// On SQLite the server's own writers also queue for their turn in the process first: left
    /// to SQLite, each waiting connection sleeps in its busy handler (1, 2, 5, … 100 ms) and
    /// retries, which made the slowest writes wait hundreds of milliseconds (creations' p99
    /// 330–455 ms, against 70–120 ms queued; BENCHMARKS.md). Other programs writing to the file
    /// are still waited for by `busy_timeout`.
    pub(crate) async fn begin(&self) -> Result<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.write_turn().await?;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// This process's turn to write to SQLite, waited for at most ten seconds (then the
    /// database is busy: 503).
    async fn write_turn(&self) -> Result<tokio::sync::OwnedMutexGuard<()>> {
        tokio::time::timeout(
            Duration::from_secs(10),
            std::sync::Arc::clone(&self.write_turn).lock_owned(),
        )
        .await
        .map_err(|_| {
            AppError::client(
                bellhop_proto::ErrorCode::Unavailable,
                "the database is busy; try again",
            )
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// The file of a SQLite URL, once it exists (not for an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    path.is_file().then(|| path.to_path_buf())
}

/// A write transaction from [`Store::begin`]: used as the connection it runs on, and ended with
/// [`WriteTx::commit`] (dropped, it rolls back). On SQLite it holds the process's turn to write.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback().await?)
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

pub(crate) fn ts(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms)
        .map_err(|e| AppError::Other(anyhow::anyhow!("stored time {ms} out of range: {e}")))
}

pub(crate) fn parse_id<T: FromStr>(s: &str) -> Result<T> {
    T::from_str(s).map_err(|_| AppError::Other(anyhow::anyhow!("stored id {s:?} is not a UUID")))
}

pub(crate) fn parse_enum<T>(s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| AppError::Other(anyhow::anyhow!("stored value {s:?} is unknown")))
}
