//! Fast reads on SQLite. sqlx-sqlite runs each connection on its own worker thread and hands
//! every row across a channel to the async side; for a page of fifty tickets that hand-off, and
//! the copy of each value it needs, cost more than the query itself (BENCHMARKS.md). The hot
//! read paths (who a bearer token belongs to, ticket lists and single tickets, the sync feed's
//! tickets) therefore run, on SQLite only, on a few read-only rusqlite connections to the same
//! file, one blocking-pool hop per query. Writes stay on sqlx. WAL lets these readers run beside
//! the writer; each query is its own read transaction and so sees every commit made before it.
//!
//! The readers also tell whether anything was committed since a moment: SQLite's
//! `PRAGMA data_version` changes for a connection whenever another connection (of this process
//! or any other) commits. [`Readers::generation`] turns that into one number for the process,
//! which the ticket-list cache ([`ListCache`]) keys its pages on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use rusqlite::{Connection, OpenFlags};

use super::sql::Sql;
use crate::error::{AppError, Result};

/// Read-only connections to the SQLite file, opened on demand and kept for reuse. As many
/// reads run at once as the machine has cores: more would only make threads wait on SQLite's
/// and the allocator's locks, and each would need a connection of its own.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Reader>>,
    turns: Arc<tokio::sync::Semaphore>,
    /// Moves on whenever a reader sees that something was committed since it last looked, and
    /// when a reader is opened (it cannot know what came before).
    generation: AtomicU64,
}

/// How much of the database file a connection maps into memory.
pub(super) const MMAP_BYTES: i64 = 256 << 20;

/// A connection and the `data_version` it last saw.
struct Reader {
    conn: Connection,
    data_version: i64,
}

impl Readers {
    pub(super) fn new(path: PathBuf) -> Arc<Self> {
        let at_once = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 16));
        Arc::new(Self {
            path,
            idle: Mutex::new(Vec::with_capacity(at_once)),
            turns: Arc::new(tokio::sync::Semaphore::new(at_once)),
            generation: AtomicU64::new(0),
        })
    }

    fn open(&self) -> rusqlite::Result<Reader> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Pages are read from a memory map instead of a read call each: every commit empties a
        // reader's page cache, so under writes the calls showed in the profile.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        conn.set_prepared_statement_cache_capacity(64);
        let data_version = data_version(&conn)?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(Reader { conn, data_version })
    }

    fn take(&self) -> rusqlite::Result<Reader> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(reader) => Ok(reader),
            None => self.open(),
        }
    }

    fn give_back(&self, reader: Reader) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(reader);
        }
    }

    /// A number that is the same as an earlier answer only if nothing was committed to the
    /// database in between.
    pub(super) async fn generation(self: &Arc<Self>) -> Result<u64> {
        self.with_reader(|readers, reader| {
            let now = data_version(&reader.conn)?;
            if now != reader.data_version {
                reader.data_version = now;
                readers.generation.fetch_add(1, Ordering::SeqCst);
            }
            Ok(readers.generation.load(Ordering::SeqCst))
        })
        .await
    }

    /// Runs `read` on a reader connection on the blocking pool.
    pub(super) async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.with_reader(|_, reader| read(&reader.conn)).await
    }

    async fn with_reader<T, F>(self: &Arc<Self>, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Self, &mut Reader) -> Result<T> + Send + 'static,
    {
        // The turn goes with the read, so a request given up on still holds it until its read
        // ends.
        let turn = Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|e| AppError::Other(anyhow::anyhow!("the database readers closed: {e}")))?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut reader = readers.take()?;
            let out = read(&readers, &mut reader);
            // A connection whose statement failed is as good as any other: every statement is
            // reset when its rows are dropped, so no read transaction stays open.
            readers.give_back(reader);
            out
        })
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("a database read stopped: {e}")))?
    }
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |row| row.get(0))
}

/// Ticket-list pages as sent, by who asked and what, for one database generation (see
/// [`Readers::generation`]): a portal or console asking again for the same list, with nothing
/// written in between, gets the same bytes without a query. A page is kept only while nothing
/// has been committed since it was read, so it is never stale; the whole cache is at most
/// [`ListCache::BUDGET`] bytes.
#[derive(Default, Clone)]
pub(super) struct ListCache {
    pages: Arc<Mutex<CachedPages>>,
}

#[derive(Default)]
struct CachedPages {
    generation: u64,
    bytes: usize,
    by_key: HashMap<String, Bytes>,
}

impl ListCache {
    const BUDGET: usize = 32 << 20;

    pub(super) fn get(&self, generation: u64, key: &str) -> Option<Bytes> {
        let pages = self.pages.lock().ok()?;
        (pages.generation == generation)
            .then(|| pages.by_key.get(key).cloned())
            .flatten()
    }

    /// Keeps a page read at `generation` (as it was before the page's query began).
    pub(super) fn put(&self, generation: u64, key: String, page: Bytes) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        if generation != pages.generation {
            if generation < pages.generation {
                return;
            }
            *pages = CachedPages {
                generation,
                ..CachedPages::default()
            };
        }
        if pages.bytes + page.len() > Self::BUDGET {
            pages.by_key.clear();
            pages.bytes = 0;
        }
        pages.bytes += page.len();
        if let Some(old) = pages.by_key.insert(key, page) {
            pages.bytes -= old.len();
        }
    }
}

/// A rusqlite failure as the server's error: a busy database is "try again" (503), anything
/// else an internal error.
impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        sqlite_failure(&e)
    }
}

/// [`From<rusqlite::Error>`] for an error kept by reference (one failure answering many).
pub(super) fn sqlite_failure(e: &rusqlite::Error) -> AppError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            AppError::client(
                bellhop_proto::ErrorCode::Unavailable,
                "the database is busy; try again",
            )
        }
        _ => AppError::Other(anyhow::anyhow!("database: {e}")),
    }
}

/// The columns of a result row, read by name, the same way from sqlx's rows and rusqlite's, so
/// one function turns a row into a value for both paths.
pub(super) trait Columns {
    fn text(&self, name: &str) -> Result<String>;
    fn opt_text(&self, name: &str) -> Result<Option<String>>;
    fn int(&self, name: &str) -> Result<i64>;
    fn opt_int(&self, name: &str) -> Result<Option<i64>>;
}

impl dyn Columns + '_ {
    /// An id column.
    pub(super) fn id<T: std::str::FromStr>(&self, name: &str) -> Result<T> {
        super::parse_id(&self.text(name)?)
    }

    /// An id column that may be empty.
    pub(super) fn opt_id<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>> {
        self.opt_text(name)?
            .as_deref()
            .map(super::parse_id)
            .transpose()
    }
}

impl Columns for sqlx::any::AnyRow {
    fn text(&self, name: &str) -> Result<String> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn int(&self, name: &str) -> Result<i64> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
}

/// Each column's number by its name. (rusqlite finds a column by name by comparing it with
/// every column's name in turn, which showed in the profile of a ticket list.)
pub(super) fn column_numbers(statement: &rusqlite::Statement<'_>) -> HashMap<String, usize> {
    statement
        .column_names()
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name.to_owned(), i))
        .collect()
}

/// A rusqlite row with its statement's column numbers.
pub(super) struct Named<'a> {
    row: &'a rusqlite::Row<'a>,
    names: &'a HashMap<String, usize>,
}

impl<'a> Named<'a> {
    pub(super) fn new(row: &'a rusqlite::Row<'a>, names: &'a HashMap<String, usize>) -> Self {
        Self { row, names }
    }

    fn get<T: rusqlite::types::FromSql>(&self, name: &str) -> Result<T> {
        let i = *self
            .names
            .get(name)
            .ok_or_else(|| AppError::Other(anyhow::anyhow!("the query has no column {name:?}")))?;
        Ok(self.row.get(i)?)
    }
}

impl Columns for Named<'_> {
    fn text(&self, name: &str) -> Result<String> {
        self.get(name)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>> {
        self.get(name)
    }
    fn int(&self, name: &str) -> Result<i64> {
        self.get(name)
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>> {
        self.get(name)
    }
}

/// Turns a result row into a value.
pub(super) type FromRow<T> = fn(&dyn Columns) -> Result<T>;

impl super::Store {
    /// Every row of `qb`, each turned into a value by `from_row`: on SQLite through the readers,
    /// on PostgreSQL through the pool. Only for reads (the readers cannot write).
    pub(super) async fn read_rows<T: Send + 'static>(
        &self,
        qb: Sql,
        from_row: FromRow<T>,
    ) -> Result<Vec<T>> {
        match &self.readers {
            Some(readers) => {
                let (text, params) = qb.into_parts();
                readers
                    .read(move |conn| {
                        let mut statement = conn.prepare_cached(&text)?;
                        let names = column_numbers(&statement);
                        let mut rows = statement.query(rusqlite::params_from_iter(&params))?;
                        let mut out = Vec::new();
                        while let Some(row) = rows.next()? {
                            out.push(from_row(&Named::new(row, &names))?);
                        }
                        Ok(out)
                    })
                    .await
            }
            None => qb
                .build()?
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| from_row(row))
                .collect(),
        }
    }

    /// The first row of `qb` as a value, if there is one (see [`Self::read_rows`]).
    pub(super) async fn read_row<T: Send + 'static>(
        &self,
        qb: Sql,
        from_row: FromRow<T>,
    ) -> Result<Option<T>> {
        Ok(self.read_rows(qb, from_row).await?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;

    #[tokio::test]
    async fn sqlite_reads_use_the_readers_see_every_commit_and_cannot_write() -> anyhow::Result<()>
    {
        let dir = tempfile::tempdir()?;
        let store = Store::open_sqlite(&dir.path().join("bellhop.sqlite3")).await?;
        assert!(store.readers.is_some(), "a SQLite file gets its readers");
        let count = || {
            let mut qb = Sql::new("SELECT COUNT(*) AS n FROM settings WHERE name LIKE ");
            qb.bind("probe-%");
            store.read_row(qb, |r| r.int("n"))
        };
        for i in 1..=20 {
            // Written through sqlx's pool, read back at once through a reader.
            sqlx::query("INSERT INTO settings (name, value) VALUES ($1, '{}')")
                .bind(format!("probe-{i}"))
                .execute(&store.pool)
                .await?;
            assert_eq!(count().await?, Some(i));
        }
        let write = store
            .read_rows(Sql::new("DELETE FROM settings RETURNING name"), |r| {
                r.text("name")
            })
            .await;
        assert!(write.is_err(), "a reader wrote: {write:?}");
        assert_eq!(count().await?, Some(20));
        Ok(())
    }

    #[tokio::test]
    async fn the_generation_moves_on_with_every_commit_from_anywhere() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("bellhop.sqlite3");
        let store = Store::open_sqlite(&file).await?;
        let readers = store
            .readers
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no readers"))?;
        let before = readers.generation().await?;
        assert_eq!(readers.generation().await?, before, "nothing was committed");

        // A commit through the server's own pool.
        sqlx::query("INSERT INTO settings (name, value) VALUES ('probe-a', '{}')")
            .execute(&store.pool)
            .await?;
        let after_pool = readers.generation().await?;
        assert_ne!(after_pool, before);
        assert_eq!(readers.generation().await?, after_pool);

        // A commit by another program's connection to the same file.
        let outside = Connection::open(&file)?;
        outside.execute(
            "INSERT INTO settings (name, value) VALUES ('probe-b', '{}')",
            [],
        )?;
        assert_ne!(readers.generation().await?, after_pool);
        Ok(())
    }

    #[test]
    fn the_list_cache_keeps_pages_of_one_generation_within_its_budget() {
        let cache = ListCache::default();
        let page = |s: &str| Bytes::from(s.to_owned());
        cache.put(3, "bob".into(), page("bob's"));
        assert_eq!(cache.get(3, "bob"), Some(page("bob's")));
        assert_eq!(cache.get(3, "alice"), None);
        assert_eq!(cache.get(4, "bob"), None, "a newer generation");
        // A page read before the current generation is not kept.
        cache.put(4, "alice".into(), page("alice's"));
        cache.put(3, "bob".into(), page("bob's"));
        assert_eq!(cache.get(4, "bob"), None);
        assert_eq!(cache.get(4, "alice"), Some(page("alice's")));
        // Past the budget, the older pages go.
        let big = Bytes::from(vec![b' '; ListCache::BUDGET / 2 + 1]);
        cache.put(4, "big".into(), big.clone());
        cache.put(4, "bigger".into(), big.clone());
        assert_eq!(cache.get(4, "big"), None);
        assert_eq!(cache.get(4, "alice"), None);
        assert_eq!(cache.get(4, "bigger"), Some(big));
    }

    #[tokio::test]
    async fn a_missing_column_is_an_error_not_a_panic() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open_sqlite(&dir.path().join("bellhop.sqlite3")).await?;
        let read = store
            .read_row(Sql::new("SELECT 1 AS one"), |r| r.int("two"))
            .await;
        assert!(read.is_err());
        Ok(())
    }
}
