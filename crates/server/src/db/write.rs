//! Write transactions run on one thread, statement after statement, for the hottest write (a
//! new ticket). Through sqlx-sqlite every statement of a transaction is a round trip to the
//! connection's worker thread, and SQLite's single write lock is held across all of them, so
//! creations could not go faster than those hops (BENCHMARKS.md). On SQLite the whole
//! transaction now runs in one blocking-pool hop on a dedicated rusqlite connection, whose page
//! cache stays warm because no other connection of this process writes in between. On an
//! in-memory SQLite (tests) the same code runs on a blocking thread against an sqlx
//! transaction, each statement awaited there. (On PostgreSQL a new ticket is one statement of
//! its own instead: see `ticket_new.rs`.)

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::read::{Columns, FromRow, Named, column_numbers};
use super::sql::Sql;
use super::{Store, WriteTx};
use crate::error::{AppError, Result};

/// The statements of a write transaction, run in order (see the module comment).
pub(super) trait WriteConn {
    /// Runs a statement; how many rows it changed.
    fn execute(&mut self, sql: Sql) -> Result<u64>;
    /// Runs a statement and hands its first row, if there is one, to `read`.
    fn first_row(
        &mut self,
        sql: Sql,
        read: &mut dyn FnMut(&dyn Columns) -> Result<()>,
    ) -> Result<bool>;
}

impl dyn WriteConn + '_ {
    /// The first row of `sql` as a value, if there is a row.
    pub(super) fn row<T>(&mut self, sql: Sql, from_row: FromRow<T>) -> Result<Option<T>> {
        let mut value = None;
        self.first_row(sql, &mut |row| {
            value = Some(from_row(row)?);
            Ok(())
        })?;
        Ok(value)
    }
}

/// How a write transaction ends.
pub(super) enum Done<T> {
    Commit(T),
    /// Nothing of it is kept (a ticket number taken for a ticket that already existed is given
    /// back).
    RollBack(T),
}

/// The read-write rusqlite connection to the SQLite file that [`Store::write`] uses, opened on
/// first use. The process's write turn ([`Store::write_turn`]) is held while it is used.
pub(super) struct Writer {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl Writer {
    pub(super) fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            path,
            conn: Mutex::new(None),
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The same settings as sqlx's connections (`Store::open`); the file is in WAL mode
        // already, set by the first of them.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "mmap_size", super::read::MMAP_BYTES)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Runs `work` in an immediate transaction on this thread.
    fn run<T>(&self, work: impl FnOnce(&mut dyn WriteConn) -> Result<Done<T>>) -> Result<T> {
        let mut slot = self.conn.lock().unwrap_or_else(|poisoned| {
            // A write panicked: its transaction rolled back as it was dropped, but start again
            // on a fresh connection rather than trust the old one.
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        });
        if slot.is_none() {
            *slot = Some(self.open()?);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(AppError::Other(anyhow::anyhow!(
                "the database writer is closed"
            )));
        };
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Dropped without commit (an error, a panic), the transaction rolls back.
        match work(&mut tx)? {
            Done::Commit(out) => {
                tx.commit()?;
                Ok(out)
            }
            Done::RollBack(out) => {
                tx.rollback()?;
                Ok(out)
            }
        }
    }
}

impl WriteConn for rusqlite::Transaction<'_> {
    fn execute(&mut self, sql: Sql) -> Result<u64> {
        let (text, params) = sql.into_parts();
        let changed = self
            .prepare_cached(&text)?
            .execute(rusqlite::params_from_iter(&params))?;
        Ok(changed as u64)
    }

    fn first_row(
        &mut self,
        sql: Sql,
        read: &mut dyn FnMut(&dyn Columns) -> Result<()>,
    ) -> Result<bool> {
        let (text, params) = sql.into_parts();
        let mut statement = self.prepare_cached(&text)?;
        let names = column_numbers(&statement);
        let mut rows = statement.query(rusqlite::params_from_iter(&params))?;
        let Some(row) = rows.next()? else {
            return Ok(false);
        };
        read(&Named::new(row, &names))?;
        Ok(true)
    }
}

/// A sqlx transaction driven from a blocking thread: each statement is awaited there.
struct Blocking<'a> {
    tx: &'a mut WriteTx,
    runtime: &'a tokio::runtime::Handle,
}

impl WriteConn for Blocking<'_> {
    fn execute(&mut self, sql: Sql) -> Result<u64> {
        let query = sql.build()?;
        Ok(self
            .runtime
            .block_on(query.execute(&mut **self.tx))?
            .rows_affected())
    }

    fn first_row(
        &mut self,
        sql: Sql,
        read: &mut dyn FnMut(&dyn Columns) -> Result<()>,
    ) -> Result<bool> {
        let query = sql.build()?;
        let Some(row) = self
            .runtime
            .block_on(query.fetch_optional(&mut **self.tx))?
        else {
            return Ok(false);
        };
        read(&row)?;
        Ok(true)
    }
}

impl Store {
    /// Runs `work` as one write transaction: on a SQLite file in a single hop to the dedicated
    /// writer connection, in the process's write turn; otherwise on a blocking thread against
    /// a transaction from [`Store::begin`]. An error rolls everything back.
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn WriteConn) -> Result<Done<T>> + Send + 'static,
    {
        let stopped = |e| AppError::Other(anyhow::anyhow!("a database write stopped: {e}"));
        match &self.writer {
            Some(writer) => {
                let turn = self.write_turn().await?;
                let writer = Arc::clone(writer);
                // The turn goes with the work, so a request given up on still holds it until
                // the transaction has ended.
                tokio::task::spawn_blocking(move || {
                    let _turn = turn;
                    writer.run(work)
                })
                .await
                .map_err(stopped)?
            }
            None => {
                let mut tx = self.begin().await?;
                let runtime = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    let done = work(&mut Blocking {
                        tx: &mut tx,
                        runtime: &runtime,
                    })?;
                    match done {
                        Done::Commit(out) => {
                            runtime.block_on(tx.commit())?;
                            Ok(out)
                        }
                        Done::RollBack(out) => {
                            runtime.block_on(tx.rollback())?;
                            Ok(out)
                        }
                    }
                })
                .await
                .map_err(stopped)?
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(name: &str) -> Sql {
        let mut sql = Sql::new("INSERT INTO settings (name, value) VALUES (");
        sql.bind(name).push(", '{}')");
        sql
    }

    async fn names(store: &Store) -> Result<Vec<String>> {
        store
            .read_rows(
                Sql::new("SELECT name FROM settings WHERE name LIKE 'probe-%' ORDER BY name"),
                |r: &dyn Columns| r.text("name"),
            )
            .await
    }

    #[tokio::test]
    async fn a_write_is_kept_whole_or_not_at_all_on_the_writer_and_on_a_pool_transaction()
    -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("bellhop.sqlite3");
        let with_writer = Store::open_sqlite(&file).await?;
        assert!(
            with_writer.writer.is_some(),
            "a SQLite file gets its writer"
        );
        // The same file through sqlx's transaction, as on PostgreSQL.
        let mut through_pool = with_writer.clone();
        through_pool.writer = None;
        for (store, tag) in [(&with_writer, "w"), (&through_pool, "p")] {
            let kept = store
                .write(move |w| {
                    w.execute(insert(&format!("probe-{tag}1")))?;
                    let counted = w.row(
                        Sql::new("SELECT COUNT(*) AS n FROM settings WHERE name LIKE 'probe-%'"),
                        |r| r.int("n"),
                    )?;
                    Ok(Done::Commit(counted))
                })
                .await?;
            assert!(kept.is_some());
            let failed = store
                .write(move |w| {
                    w.execute(insert(&format!("probe-{tag}2")))?;
                    w.execute(insert(&format!("probe-{tag}1")))?; // the name is taken
                    Ok(Done::Commit(()))
                })
                .await;
            assert!(failed.is_err(), "a duplicate name was written");
            let given_back = store
                .write(move |w| {
                    w.execute(insert(&format!("probe-{tag}3")))?;
                    Ok(Done::RollBack("given back"))
                })
                .await?;
            assert_eq!(given_back, "given back");
        }
        // Only the committed rows, seen at once by the readers and by sqlx's pool.
        assert_eq!(names(&with_writer).await?, ["probe-p1", "probe-w1"]);
        let pooled: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM settings WHERE name LIKE 'probe-%'")
                .fetch_one(&with_writer.pool)
                .await?;
        assert_eq!(pooled, 2);
        Ok(())
    }

    #[tokio::test]
    async fn a_write_that_panics_is_rolled_back_and_later_writes_go_on() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open_sqlite(&dir.path().join("bellhop.sqlite3")).await?;
        let broken = store
            .write(|w| -> Result<Done<()>> {
                w.execute(insert("probe-lost"))?;
                panic!("a bug in a write");
            })
            .await;
        assert!(broken.is_err(), "the panic is an error for its request");
        store
            .write(|w| {
                w.execute(insert("probe-after"))?;
                Ok(Done::Commit(()))
            })
            .await?;
        assert_eq!(names(&store).await?, ["probe-after"]);
        Ok(())
    }
}
