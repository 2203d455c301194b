//! The local store: one SQLite file per OS user, shared by the desktop app and the CLI.
//!
//! Every user action is committed in one transaction before the caller hears "saved" — the
//! outbox row is written in the same transaction as whatever it carries. WAL and a busy timeout
//! let two processes (the app and the CLI) use the file at once. Migrations are embedded and an
//! applied one is never edited: add a new one.

use std::path::Path;
use std::time::Duration;

use bellhop_proto::{NewTicket, OpId, OutboxItem, OutboxState, SyncOp, SyncOpKind};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use rusqlite_migration::{M, Migrations};

use crate::error::Result;

const MIGRATIONS: &[M<'static>] = &[M::up(
    "CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id           TEXT NOT NULL UNIQUE,
        op              TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'synced', 'rejected')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX outbox_pending ON outbox(state, seq);
    CREATE TABLE drafts (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        description TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE TABLE tickets (
        id          TEXT PRIMARY KEY,
        number      INTEGER,
        body        TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
)];

pub struct Store {
    conn: Connection,
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

impl Store {
    /// Opens (creating if needed) the store file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Self::init(Connection::open(path)?)
    }

    /// A private store in memory (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged write survives power loss, not only a process crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// Queues a new ticket for the server. Durable when this returns.
    pub fn queue_ticket(&mut self, ticket: NewTicket) -> Result<OutboxItem> {
        let op = SyncOp {
            op_id: OpId::new(),
            op: SyncOpKind::CreateTicket { ticket },
        };
        let tx = self.conn.transaction()?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO outbox (op_id, op, state, created_at, updated_at) VALUES (?1, ?2, 'queued', ?3, ?3)",
            params![op.op_id.to_string(), serde_json::to_string(&op)?, now],
        )?;
        let seq = tx.last_insert_rowid();
        tx.commit()?;
        Ok(OutboxItem {
            seq,
            op,
            state: OutboxState::Queued,
            attempts: 0,
            last_error: None,
        })
    }

    /// The outbox in send order.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, op, state, attempts, last_error FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, op, state, attempts, last_error) = row?;
            Ok(OutboxItem {
                seq,
                op: serde_json::from_str(&op)?,
                state: OutboxState::parse(&state).unwrap_or(OutboxState::Queued),
                attempts,
                last_error,
            })
        })
        .collect()
    }

    /// Items not yet accepted or rejected by the server.
    pub fn pending_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    pub fn draft_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM drafts", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Marks an item's new state (and the reason, for a rejection or a failed attempt).
    pub fn set_state(&mut self, seq: i64, state: OutboxState, error: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = ?1, last_error = ?2, updated_at = ?3,
                    attempts = attempts + CASE WHEN ?1 = 'queued' THEN 1 ELSE 0 END
             WHERE seq = ?4",
            params![state.as_str(), error, now_ms(), seq],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use bellhop_proto::TicketId;

    use super::*;

    fn ticket(title: &str) -> NewTicket {
        NewTicket {
            id: TicketId::new(),
            title: title.into(),
            description: String::new(),
            priority: None,
            source: None,
        }
    }

    #[test]
    fn queued_tickets_survive_reopening_the_file_in_order() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("agent.sqlite3");
        {
            let mut store = Store::open(&path)?;
            store.queue_ticket(ticket("first"))?;
            store.queue_ticket(ticket("second"))?;
        }
        let store = Store::open(&path)?;
        let titles: Vec<String> = store
            .outbox()?
            .into_iter()
            .map(|i| match i.op.op {
                SyncOpKind::CreateTicket { ticket } => ticket.title,
                SyncOpKind::AddComment { comment, .. } => comment.body,
            })
            .collect();
        assert_eq!(titles, ["first", "second"]);
        assert_eq!(store.pending_count()?, 2);
        Ok(())
    }

    #[test]
    fn a_rejected_item_keeps_its_content_and_reason() -> anyhow::Result<()> {
        let mut store = Store::open_in_memory()?;
        let item = store.queue_ticket(ticket("too big"))?;
        store.set_state(item.seq, OutboxState::Rejected, Some("title too long"))?;
        let back = &store.outbox()?[0];
        assert_eq!(back.state, OutboxState::Rejected);
        assert_eq!(back.last_error.as_deref(), Some("title too long"));
        assert_eq!(back.op, item.op);
        assert_eq!(store.pending_count()?, 0);
        Ok(())
    }

    #[test]
    fn two_connections_share_one_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("agent.sqlite3");
        let mut app = Store::open(&path)?;
        let cli = Store::open(&path)?;
        app.queue_ticket(ticket("from the app"))?;
        assert_eq!(cli.pending_count()?, 1);
        Ok(())
    }
}
