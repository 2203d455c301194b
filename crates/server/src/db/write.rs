//! Write transactions run on one thread, statement after statement, for the hottest write (a
//! new ticket). Through sqlx-sqlite every statement of a transaction is a round trip to the
//! connection's worker thread, and SQLite's single write lock is held across all of them, so
//! creations could not go faster than those hops (BENCHMARKS.md). On a SQLite file the writes
//! run on a dedicated rusqlite connection, whose page cache stays warm because no other
//! connection of this process writes in between, and they are committed in groups: every write
//! that arrived while the last group was written shares the next transaction and its one flush
//! to disk, so a write is durable before it is answered without a flush per write. On an
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

/// Why a group's writes were not kept; one failure answers every write of the group.
#[derive(Debug, Clone)]
enum GroupFailure {
    /// The process's write turn was not free in time.
    Busy,
    /// SQLite refused to open, begin or commit.
    Database(Arc<rusqlite::Error>),
}

impl From<GroupFailure> for AppError {
    fn from(failure: GroupFailure) -> Self {
        match failure {
            GroupFailure::Busy => AppError::client(
                bellhop_proto::ErrorCode::Unavailable,
                "the database is busy; try again",
            ),
            GroupFailure::Database(e) => super::read::sqlite_failure(&e),
        }
    }
}

/// How a grouped write is answered once its group's transaction has ended: `Ok` when the
/// group committed (and is on disk), why not otherwise.
type Finish = Box<dyn FnOnce(std::result::Result<(), GroupFailure>) + Send>;

/// One write waiting for a group: given the group's transaction it runs its statements inside a
/// savepoint of its own (given `None`, no transaction could be begun) and says how to answer.
type Job = Box<dyn FnOnce(Option<&mut rusqlite::Transaction<'_>>) -> Finish + Send>;

/// Most writes one group's transaction carries.
const MAX_GROUP: usize = 256;

/// The writes waiting for the next group, and whether a leader is running groups.
#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    leading: bool,
}

/// The read-write rusqlite connection to the SQLite file that [`Store::write`] uses, opened on
/// first use, and the writes waiting for it.
///
/// Writes are committed in groups: whatever arrived while the previous group was being written
/// shares one transaction and one flush to disk (`synchronous = FULL`), each in a savepoint of
/// its own so that one write's failure costs only that write. Nobody is answered before the
/// group is on disk. The process's write turn ([`Store::write_turn`]) is held while a group is
/// written.
pub(super) struct Writer {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
    queue: Mutex<Queue>,
    /// Groups committed so far (how many flushes the writes cost).
    groups: std::sync::atomic::AtomicU64,
}

impl Writer {
    pub(super) fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            path,
            conn: Mutex::new(None),
            queue: Mutex::default(),
            groups: std::sync::atomic::AtomicU64::new(0),
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
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "mmap_size", super::read::MMAP_BYTES)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Queues a write; true when the caller must start a leader (none is running).
    fn enqueue(&self, job: Job) -> bool {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.jobs.push(job);
        !std::mem::replace(&mut queue.leading, true)
    }

    /// The next group, or `None` (and no leader any more) when nothing waits.
    fn next_group(&self) -> Option<Vec<Job>> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if queue.jobs.is_empty() {
            queue.leading = false;
            return None;
        }
        let take = queue.jobs.len().min(MAX_GROUP);
        Some(queue.jobs.drain(..take).collect())
    }

    /// Writes groups until nothing waits (on a blocking thread, in the write turn).
    fn lead(&self) {
        while let Some(group) = self.next_group() {
            self.run_group(group);
        }
    }

    /// Answers every waiting write with `failure` (no group can be written now).
    fn fail_all(&self, failure: &GroupFailure) {
        while let Some(group) = self.next_group() {
            Self::fail_group(group, failure);
        }
    }

    fn fail_group(group: Vec<Job>, failure: &GroupFailure) {
        for job in group {
            job(None)(Err(failure.clone()));
        }
    }

    /// One transaction for the group: each write in its savepoint, one commit, then the
    /// answers.
    fn run_group(&self, group: Vec<Job>) {
        let mut slot = self.conn.lock().unwrap_or_else(|poisoned| {
            // A group panicked outside its writes: start again on a fresh connection rather
            // than trust the old one.
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        });
        if slot.is_none() {
            match self.open() {
                Ok(conn) => *slot = Some(conn),
                Err(e) => {
                    return Self::fail_group(group, &GroupFailure::Database(Arc::new(e)));
                }
            }
        }
        let Some(conn) = slot.as_mut() else {
            return;
        };
        let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return Self::fail_group(group, &GroupFailure::Database(Arc::new(e))),
        };
        let answers: Vec<Finish> = group.into_iter().map(|job| job(Some(&mut tx))).collect();
        let committed = tx.commit().map_err(|e| GroupFailure::Database(Arc::new(e)));
        self.groups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for answer in answers {
            answer(committed.clone());
        }
    }
}

/// Runs one write in a savepoint of the group's transaction: kept when it says commit, undone
/// when it says roll back or fails.
fn run_in_savepoint<T>(
    tx: &mut rusqlite::Transaction<'_>,
    work: impl FnOnce(&mut dyn WriteConn) -> Result<Done<T>>,
) -> Result<T> {
    tx.execute_batch("SAVEPOINT write")?;
    let undo =
        |tx: &mut rusqlite::Transaction<'_>| tx.execute_batch("ROLLBACK TO write; RELEASE write");
    match work(tx) {
        Ok(Done::Commit(out)) => {
            tx.execute_batch("RELEASE write")?;
            Ok(out)
        }
        Ok(Done::RollBack(out)) => {
            undo(tx)?;
            Ok(out)
        }
        Err(e) => {
            undo(tx)?;
            Err(e)
        }
    }
}

/// `work` as a [`Job`] that answers on `answer`.
fn job<T: Send + 'static>(
    work: impl FnOnce(&mut dyn WriteConn) -> Result<Done<T>> + Send + 'static,
    answer: tokio::sync::oneshot::Sender<Result<T>>,
) -> Job {
    Box::new(move |tx| {
        let Some(tx) = tx else {
            return Box::new(move |failure: std::result::Result<(), GroupFailure>| {
                let failure = failure.err().unwrap_or(GroupFailure::Busy);
                let _ = answer.send(Err(failure.into()));
            });
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_in_savepoint(tx, work)))
                .unwrap_or_else(|_| {
                    // Whatever the write did before it panicked is undone; the group goes on.
                    let _ = tx.execute_batch("ROLLBACK TO write; RELEASE write");
                    Err(AppError::Other(anyhow::anyhow!(
                        "a database write panicked"
                    )))
                });
        Box::new(move |committed: std::result::Result<(), GroupFailure>| {
            let answer_with = match (outcome, committed) {
                (Err(e), _) => Err(e),
                (Ok(out), Ok(())) => Ok(out),
                (Ok(_), Err(failure)) => Err(failure.into()),
            };
            let _ = answer.send(answer_with);
        })
    })
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
    /// Runs `work` as one write: on a SQLite file in a savepoint of the writer's next group
    /// (answered once the group is on disk); otherwise on a blocking thread in a transaction
    /// from [`Store::begin`]. An error undoes all of `work` and nothing else.
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn WriteConn) -> Result<Done<T>> + Send + 'static,
    {
        fn stopped(e: impl std::fmt::Display) -> AppError {
            AppError::Other(anyhow::anyhow!("a database write stopped: {e}"))
        }
        match &self.writer {
            Some(writer) => {
                let (answer, answered) = tokio::sync::oneshot::channel();
                if writer.enqueue(job(work, answer)) {
                    // This write leads: it takes the write turn and writes groups until nothing
                    // waits. Detached, so a request given up on cannot strand the others.
                    let store = self.clone();
                    let writer = Arc::clone(writer);
                    tokio::spawn(async move {
                        match store.write_turn().await {
                            Ok(turn) => {
                                let leader = Arc::clone(&writer);
                                let led = tokio::task::spawn_blocking(move || {
                                    let _turn = turn;
                                    leader.lead();
                                })
                                .await;
                                if let Err(e) = led {
                                    tracing::error!(error = %e, "the database writer stopped");
                                    // Nobody leads any more: whoever waits is answered, and the
                                    // next write starts a leader afresh.
                                    writer.fail_all(&GroupFailure::Busy);
                                }
                            }
                            Err(_) => writer.fail_all(&GroupFailure::Busy),
                        }
                    });
                }
                answered.await.map_err(stopped)?
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_sent_together_share_flushes_and_each_keeps_its_own_outcome()
    -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open_sqlite(&dir.path().join("bellhop.sqlite3")).await?;
        let Some(writer) = store.writer.clone() else {
            anyhow::bail!("no writer");
        };
        store
            .write(|w| w.execute(insert("probe-taken")).map(Done::Commit))
            .await?;
        let writes = (0..200).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |w| {
                        w.execute(insert(&format!("probe-{i:03}")))?;
                        match i % 10 {
                            // One in ten fails after writing, one in ten gives its row back.
                            3 => w.execute(insert("probe-taken")).map(|_| Done::Commit(i)),
                            7 => Ok(Done::RollBack(i)),
                            _ => Ok(Done::Commit(i)),
                        }
                    })
                    .await
            })
        });
        let mut failed = 0;
        for (i, write) in futures_util::future::join_all(writes)
            .await
            .into_iter()
            .enumerate()
        {
            match write? {
                Ok(n) => assert_eq!(n, i),
                Err(_) => {
                    assert_eq!(i % 10, 3, "write {i} failed");
                    failed += 1;
                }
            }
        }
        assert_eq!(failed, 20);
        let kept = names(&store).await?;
        assert_eq!(kept.len(), 161, "each write kept or undone alone");
        assert!(kept.iter().all(|n| !n.ends_with('3') && !n.ends_with('7')));
        let groups = writer.groups.load(std::sync::atomic::Ordering::Relaxed);
        assert!(groups < 200, "{groups} flushes for 200 writes");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.pool)
            .await?;
        assert_eq!(
            synchronous, 2,
            "FULL: a commit is on disk before it returns"
        );
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
