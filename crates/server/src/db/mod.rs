//! Storage. One [`Store`] over a SQLite pool (WAL, busy timeout, foreign keys on every
//! connection), migrated on open. Queries live next to the entity they serve.
//!
//! Ids are stored as UUID text, times as Unix milliseconds, enums as their wire strings: the same
//! encoding the PostgreSQL backend will use, so one story test can run against both.

mod attachments;
mod devices;
mod kb;
mod mail;
mod sync;
mod tickets;
mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use bellhop_proto::{OrgId, Role, UserId};
use jiff::Timestamp;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use devices::{DeviceCaller, EnrolOrg, PendingToken};
pub use mail::QueuedEmail;
pub use users::NewUser;

use crate::error::{AppError, Result};

/// Who is asking. Every query that returns tickets or comments takes one.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub org_id: Option<OrgId>,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the SQLite file and applies pending migrations.
    pub async fn open_sqlite(path: &std::path::Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database {}", path.display()))?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        "sqlite"
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
