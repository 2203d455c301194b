//! The local store: one SQLite file per OS user, shared by the desktop app and the CLI.
//!
//! Every user action is committed in one transaction before the caller hears "saved" — the
//! outbox row is written in the same transaction as whatever it carries. WAL and a busy timeout
//! let two processes (the app and the CLI) use the file at once. Migrations are embedded and an
//! applied one is never edited: add a new one.

use std::path::Path;
use std::time::Duration;

use bellhop_proto::{
    NewComment, NewTicket, OpId, OutboxItem, OutboxState, SyncOp, SyncOpKind, TicketId,
    TicketUpdate,
};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::error::Result;

const MIGRATIONS: &[M<'static>] = &[
    M::up(
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
    ),
    // The ticket cache as pulled from the server: each row is the ticket as it is now with its
    // visible conversation (a `TicketChange` as JSON), plus the columns lists sort and filter by.
    // The first version's table was never filled, so nothing is lost by replacing it.
    M::up(
        "DROP TABLE tickets;
    CREATE TABLE tickets (
        id          TEXT PRIMARY KEY,
        number      INTEGER NOT NULL,
        title       TEXT NOT NULL,
        status      TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        data        TEXT NOT NULL,
        unread      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tickets_number ON tickets(number);",
    ),
    // Drafts keep the ticket type and custom field values chosen so far (JSON object by key).
    M::up(
        "ALTER TABLE drafts ADD COLUMN ticket_type TEXT;
    ALTER TABLE drafts ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';",
    ),
    // The knowledge base for offline reading: each article as pulled (`Article` as JSON), and a
    // full-text index of its words (kept in the same transactions as the rows).
    M::up(
        "CREATE TABLE articles (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        category    TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        data        TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        id UNINDEXED, title, category, body,
        tokenize = 'unicode61 remove_diacritics 2'
    );",
    ),
    // Drafts keep files by hash (a refused ticket comes back as a draft with its screenshot).
    M::up("ALTER TABLE drafts ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';"),
    // Self-service actions this agent was given: written before anything runs, so an action
    // runs at most once whatever crashes or repeats (`actions/record.rs`).
    M::up(
        "CREATE TABLE actions (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        claims       TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('claimed', 'started', 'finished')),
        outcome      TEXT CHECK (outcome IN ('succeeded', 'failed', 'cancelled')),
        detail       TEXT,
        reported     INTEGER NOT NULL DEFAULT 0,
        -- The process that claimed it: only a claim whose process is gone was interrupted.
        pid          INTEGER NOT NULL,
        claimed_at   INTEGER NOT NULL,
        started_at   INTEGER,
        finished_at  INTEGER
    );
    CREATE INDEX actions_unreported ON actions(reported, claimed_at);",
    ),
    // A draft of a request from the service catalog keeps its item.
    M::up("ALTER TABLE drafts ADD COLUMN catalog_item TEXT;"),
];

pub struct Store {
    pub(crate) conn: Connection,
}

pub(crate) fn now_ms() -> i64 {
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

    /// Queues a new ticket for the server and removes the draft its words were kept in as they
    /// were typed, if there is one, in one transaction: a crash leaves either the draft or the
    /// queued ticket. Durable when this returns.
    pub fn queue_ticket(&mut self, ticket: NewTicket, draft: Option<&str>) -> Result<OutboxItem> {
        let tx = self.conn.transaction()?;
        if let Some(id) = draft {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        }
        let item = Self::queue_in(&tx, SyncOpKind::CreateTicket { ticket })?;
        tx.commit()?;
        Ok(item)
    }

    /// Queues a reply to a ticket. Durable when this returns.
    pub fn queue_reply(&mut self, ticket_id: TicketId, comment: NewComment) -> Result<OutboxItem> {
        self.queue(SyncOpKind::AddComment { ticket_id, comment })
    }

    /// Queues a change of a ticket (e.g. reopening it). Durable when this returns.
    pub fn queue_update(
        &mut self,
        ticket_id: TicketId,
        update: TicketUpdate,
    ) -> Result<OutboxItem> {
        self.queue(SyncOpKind::UpdateTicket { ticket_id, update })
    }

    fn queue(&mut self, kind: SyncOpKind) -> Result<OutboxItem> {
        let tx = self.conn.transaction()?;
        let item = Self::queue_in(&tx, kind)?;
        tx.commit()?;
        Ok(item)
    }

    /// Adds an operation to the outbox inside the caller's transaction.
    pub(crate) fn queue_in(tx: &rusqlite::Transaction<'_>, kind: SyncOpKind) -> Result<OutboxItem> {
        let op = SyncOp {
            op_id: OpId::new(),
            op: kind,
        };
        let now = now_ms();
        tx.execute(
            "INSERT INTO outbox (op_id, op, state, created_at, updated_at) VALUES (?1, ?2, 'queued', ?3, ?3)",
            params![op.op_id.to_string(), serde_json::to_string(&op)?, now],
        )?;
        let seq = tx.last_insert_rowid();
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
        self.items(
            "SELECT seq, op, state, attempts, last_error FROM outbox ORDER BY seq",
            [],
        )
    }

    fn items(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |r| {
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

    /// The outbox item `seq`, which must be one the server refused.
    pub(crate) fn rejected(&self, seq: i64) -> Result<OutboxItem> {
        let item = self
            .items(
                "SELECT seq, op, state, attempts, last_error FROM outbox WHERE seq = ?1",
                [seq],
            )?
            .pop()
            .ok_or_else(|| crate::Error::NotFound(format!("nothing in the outbox at {seq}")))?;
        if item.state != OutboxState::Rejected {
            return Err(crate::Error::Invalid(format!(
                "outbox item {seq} was not refused: it is {}",
                item.state.as_str()
            )));
        }
        Ok(item)
    }

    /// Sends a refused item again, as it is, under a new operation id (the server remembers
    /// its answer to the old one): queued, tried at the next pass.
    pub fn resend_rejected(&mut self, seq: i64) -> Result<OutboxItem> {
        let mut item = self.rejected(seq)?;
        item.op.op_id = OpId::new();
        self.conn.execute(
            "UPDATE outbox SET op_id = ?1, op = ?2, state = 'queued', attempts = 0,
                    next_attempt_at = 0, last_error = NULL, updated_at = ?3
             WHERE seq = ?4 AND state = 'rejected'",
            params![
                item.op.op_id.to_string(),
                serde_json::to_string(&item.op)?,
                now_ms(),
                seq
            ],
        )?;
        item.state = OutboxState::Queued;
        item.attempts = 0;
        item.last_error = None;
        Ok(item)
    }

    /// Forgets a refused item.
    pub fn discard_rejected(&mut self, seq: i64) -> Result<()> {
        self.rejected(seq)?;
        self.conn.execute(
            "DELETE FROM outbox WHERE seq = ?1 AND state = 'rejected'",
            [seq],
        )?;
        Ok(())
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

    /// Items due for sending, in send order (including ones a crash left marked as sending: the
    /// server recognises a repeat by its op id).
    pub fn due(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        self.items(
            "SELECT seq, op, state, attempts, last_error FROM outbox
             WHERE state IN ('queued', 'sending') AND next_attempt_at <= ?1 ORDER BY seq LIMIT ?2",
            params![now_ms(), limit as i64],
        )
    }

    /// Records the outcome of one push for many items in one transaction.
    pub fn record_outcomes(
        &mut self,
        outcomes: &[(i64, OutboxState, Option<String>)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "UPDATE outbox SET state = ?1, last_error = ?2, updated_at = ?3 WHERE seq = ?4",
            )?;
            let now = now_ms();
            for (seq, state, error) in outcomes {
                stmt.execute(params![state.as_str(), error, now, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A failed attempt that may succeed later: back off before the next one.
    pub fn defer(&mut self, seqs: &[i64], error: &str, delay_ms: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "UPDATE outbox SET state = 'queued', last_error = ?1, attempts = attempts + 1,
                        next_attempt_at = ?2, updated_at = ?3 WHERE seq = ?4",
            )?;
            let now = now_ms();
            for seq in seqs {
                stmt.execute(params![error, now + delay_ms, now, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every waiting item may be tried now (the user pressed "Sync now", or the network came back).
    pub fn retry_now(&mut self) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET next_attempt_at = 0 WHERE state IN ('queued', 'sending')",
            [],
        )?;
        Ok(())
    }

    /// A small value kept across restarts (e.g. the confirmed user).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, v],
            )?,
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// SQLite's own check of the file: `"ok"` when it is consistent.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn draft_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM drafts", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn ticket(title: &str) -> NewTicket {
        NewTicket::new(title, "")
    }

    #[test]
    fn queued_tickets_survive_reopening_the_file_in_order() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("agent.sqlite3");
        {
            let mut store = Store::open(&path)?;
            store.queue_ticket(ticket("first"), None)?;
            store.queue_ticket(ticket("second"), None)?;
        }
        let store = Store::open(&path)?;
        let titles: Vec<String> = store
            .outbox()?
            .into_iter()
            .map(|i| match i.op.op {
                SyncOpKind::CreateTicket { ticket } => ticket.title,
                SyncOpKind::AddComment { comment, .. } => comment.body,
                SyncOpKind::UpdateTicket { .. } => String::new(),
            })
            .collect();
        assert_eq!(titles, ["first", "second"]);
        assert_eq!(store.pending_count()?, 2);
        Ok(())
    }

    #[test]
    fn a_rejected_item_keeps_its_content_and_reason() -> anyhow::Result<()> {
        let mut store = Store::open_in_memory()?;
        let item = store.queue_ticket(ticket("too big"), None)?;
        store.record_outcomes(&[(
            item.seq,
            OutboxState::Rejected,
            Some("title too long".into()),
        )])?;
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
        app.queue_ticket(ticket("from the app"), None)?;
        assert_eq!(cli.pending_count()?, 1);
        Ok(())
    }
}
