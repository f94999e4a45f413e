//! The connection pool and the two SQL dialects.
//!
//! One code path serves both backends through sqlx's `Any` driver. The schema uses only types
//! that both map the same way through `Any` (BIGINT, TEXT, BLOB/BYTEA), and queries use `$n`
//! placeholders in ascending order of first use, which both SQLite and PostgreSQL accept. The
//! few real differences (row locks, how to take the write lock) are methods on [`Backend`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};

use crate::{Result, StoreError};

/// The database behind a store, chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (`sqlite://PATH`), the default: one file, one writer at a time.
    Sqlite,
    /// A PostgreSQL server (`postgres://` or `postgresql://`), which several `ally serve`
    /// processes may share.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or `None` for any other scheme (`Store::open` then
    /// refuses with `StoreError::UnsupportedUrl`).
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// Lower-case name for logs and backup headers: `sqlite` or `postgresql`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }

    /// Suffix that locks the selected rows until the transaction ends. SQLite has no row locks;
    /// there every write transaction already holds the database's write lock (BEGIN IMMEDIATE).
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Like [`Self::for_update`], but skips rows another transaction has locked instead of
    /// waiting for them (PostgreSQL; empty on SQLite, where there are no row locks).
    pub fn for_update_skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub(crate) struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// SQLite has one writer at a time. Writers of this process wait their turn here, in
    /// order, instead of in SQLite's busy handler (which sleeps and retries, up to 100 ms a try).
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Counts committed changes that may affect what a session says (users, organisations,
    /// sessions, and any other write except the audit writer's batches). Caches of this
    /// process compare it to know whether what they hold may be stale.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Shared by every clone: background tasks holding a weak reference stop (and release
    /// their clone of the pool) once the last clone of this `Db` is gone.
    _alive: std::sync::Arc<()>,
    /// Connections kept for hot single-statement reads (see [`Db::read_conn`]).
    reads: std::sync::Arc<ReadConns>,
    /// On an SQLite file: point reads on the caller's thread (see [`crate::lite`]).
    lite: Option<std::sync::Arc<crate::lite::Lite>>,
}

/// A small set of connections for hot reads, beside the pool. sqlx's pool tests every
/// connection it gets back with a round trip (a `Sync` on PostgreSQL, a hand-off to the
/// connection's thread on SQLite) from a task it spawns: on a page that runs one query, that
/// doubles the database traffic. A connection comes back here only when its query finished
/// normally ([`ReadConn::done`]); one dropped mid-query (a cancelled request) is closed instead,
/// which is the case the pool's test is for.
struct ReadConns {
    idle: std::sync::Mutex<Vec<sqlx::AnyConnection>>,
    permits: tokio::sync::Semaphore,
}

/// A connection for reads outside any transaction, from [`Db::read_conn`].
pub(crate) struct ReadConn<'a> {
    conn: Option<sqlx::AnyConnection>,
    home: &'a ReadConns,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl ReadConn<'_> {
    /// Hands the connection back for the next read: call once its statements completed.
    pub(crate) fn done(mut self) {
        if let (Some(c), Ok(mut idle)) = (self.conn.take(), self.home.idle.lock()) {
            idle.push(c);
        }
    }
}

impl std::ops::Deref for ReadConn<'_> {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        // Only `done` takes the connection, and it consumes the guard.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl std::ops::DerefMut for ReadConn<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }
}

/// A write transaction. On SQLite it holds this process's write turn until it ends.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Bumped after a successful commit (`None` for the audit writer's batches, which change
    /// nothing a cache holds).
    generation: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if let Some(g) = self.generation {
            g.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        Ok(())
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

impl Db {
    pub(crate) async fn connect(url: &str) -> Result<Db> {
        Db::connect_with(url, true).await
    }

    /// `checkpointer`: whether to run the background checkpointer on SQLite (tests of the
    /// checkpointer drive it by hand).
    async fn connect_with(url: &str, checkpointer: bool) -> Result<Db> {
        install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact_url(url)))?;
        // Creates an SQLite file if missing.
        let url = if backend == Backend::Sqlite && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        let pool = match backend {
            Backend::Sqlite => {
                // Refuses URLs sqlx cannot parse instead of guessing.
                sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|_| StoreError::UnsupportedUrl(redact_url(&url)))?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    // A broken connection shows up as a query error anyway; a ping per checkout
                    // doubles the round trips of every request.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL: readers never block the writer. FULL: a commit is on disk
                            // before it is acknowledged (survives power loss, not only kill -9).
                            // secure_delete: erased data is overwritten, not left in free pages.
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 15000",
                                "PRAGMA secure_delete = ON",
                                // Checkpoints run in the background (see `checkpointer`), not
                                // in whichever commit fills the log. SQLite's own automatic
                                // checkpoint stays as a bound should the checkpointer stall.
                                "PRAGMA wal_autocheckpoint = 16384",
                                "PRAGMA journal_size_limit = 33554432",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(&url)
                    .await?
            }
        };
        let lite = match backend {
            Backend::Sqlite => crate::lite::file_of(&url)
                .map(|path| std::sync::Arc::new(crate::lite::Lite::new(path))),
            Backend::Postgres => None,
        };
        let alive = std::sync::Arc::new(());
        let write_turn: std::sync::Arc<tokio::sync::Mutex<()>> = Default::default();
        if backend == Backend::Sqlite && checkpointer {
            let conn = checkpoint_connection(&url).await?;
            tokio::spawn(run_checkpointer(
                conn,
                write_turn.clone(),
                std::sync::Arc::downgrade(&alive),
            ));
        }
        // More concurrent readers than cores buys nothing on SQLite (its work is CPU in this
        // process); PostgreSQL works beside us and overlaps round trips.
        let readers = match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        Ok(Db {
            pool,
            backend,
            write_turn,
            generation: Default::default(),
            _alive: alive,
            reads: std::sync::Arc::new(ReadConns {
                idle: std::sync::Mutex::new(Vec::new()),
                permits: tokio::sync::Semaphore::new(readers),
            }),
            lite,
        })
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations. Idempotent; safe when several servers start at once on
    /// PostgreSQL (sqlx takes an advisory lock).
    pub(crate) async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn check_ready(&self) -> Result<()> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .or_else(|_| Ok::<i64, sqlx::Error>(-1))?;
        let expected = self.migrator().iter().count() as i64;
        if applied < expected {
            return Err(StoreError::Corrupt("migrations are not all applied"));
        }
        Ok(())
    }

    /// The SQLite file, when the database is one (not in memory).
    pub(crate) fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.lite.as_deref().map(crate::lite::Lite::path)
    }

    /// Point reads on the caller's thread, on an SQLite file.
    pub(crate) fn lite(&self) -> Option<&crate::lite::Lite> {
        self.lite.as_deref()
    }

    /// The turn every writer of this process takes on SQLite.
    pub(crate) fn write_turn(&self) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        self.write_turn.clone()
    }

    /// Closes the kept read connections and the pool.
    pub(crate) async fn close(&self) {
        if let Some(lite) = &self.lite {
            lite.close();
        }
        self.reads.permits.close();
        let kept = match self.reads.idle.lock() {
            Ok(mut v) => std::mem::take(&mut *v),
            Err(_) => Vec::new(),
        };
        for c in kept {
            let _ = sqlx::Connection::close(c).await;
        }
        self.pool.close().await;
    }

    /// A connection for one or a few reads outside a transaction, without the pool's per-use
    /// round trip. Give it back with [`ReadConn::done`] once its statements completed.
    pub(crate) async fn read_conn(&self) -> Result<ReadConn<'_>> {
        let permit = self
            .reads
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        let kept = self.reads.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match kept {
            Some(c) => c,
            // Taken out of the pool for good: the pool opens another when it needs one.
            None => self.pool.acquire().await?.detach(),
        };
        Ok(ReadConn {
            conn: Some(conn),
            home: &self.reads,
            _permit: permit,
        })
    }

    /// A transaction that will write. On SQLite it takes the write lock at once, so two writers
    /// wait for each other (busy timeout) instead of failing when one upgrades a read lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        self.begin_write_inner(Some(self.generation.clone())).await
    }

    /// A write transaction of the audit writer: it appends audit rows only, so its commits do
    /// not invalidate caches.
    /// `unsynced`: on PostgreSQL, the commit does not wait for the disk
    /// (`synchronous_commit = off` for this transaction only); the audit writer flushes within
    /// its window. SQLite's audit writer has a connection of its own (`lite::AuditThread`).
    pub(crate) async fn begin_audit_write(&self, unsynced: bool) -> Result<WriteTx> {
        if unsynced && self.backend == Backend::Postgres {
            return Ok(WriteTx {
                tx: self
                    .pool
                    .begin_with("BEGIN; SET LOCAL synchronous_commit = off")
                    .await?,
                _turn: None,
                generation: None,
            });
        }
        self.begin_write_inner(None).await
    }

    async fn begin_write_inner(
        &self,
        generation: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    ) -> Result<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.write_turn.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                    generation,
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
                generation,
            },
        })
    }

    /// The current change generation (see [`Db::changed`]).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Records that a write outside a [`WriteTx`] changed users, organisations or sessions.
    pub(crate) fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// A transaction for consistent reads of several tables (backups).
    pub(crate) async fn begin_snapshot(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        })
    }
}

/// How often the SQLite write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Log length (in 4 KiB frames) from which the log is made to start afresh.
const RESTART_FROM_FRAMES: i64 = 4096;

/// The checkpointer's own connection. Its short busy timeout bounds how long a RESTART waits
/// for readers (a backup's snapshot can last minutes) while it holds the write turn.
async fn checkpoint_connection(url: &str) -> Result<sqlx::AnyConnection> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::query("PRAGMA busy_timeout = 20")
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// Copies the SQLite write-ahead log back into the database file, in the background, so that
/// no commit has to. SQLite's automatic checkpoint runs inside whichever commit fills the log,
/// often the audit writer's that every read waits for, and that commit stalls while pages are
/// copied and the database file is synced.
///
/// Each tick runs a PASSIVE checkpoint, which waits for no one: readers and writers go on
/// while pages are copied and the file is synced, the slow part. The log only starts afresh
/// when no reader still uses it, which a steady stream of reads rarely allows; so once it is
/// long, a RESTART checkpoint takes this process's write turn and waits briefly for the readers
/// of the moment, after which the next commit starts the log from its beginning. When this
/// process's last connection closes, SQLite checkpoints the rest itself, so short-lived
/// commands need no checkpointer.
async fn run_checkpointer(
    mut conn: sqlx::AnyConnection,
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    alive: std::sync::Weak<()>,
) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 {
            return;
        }
        if let Err(e) = checkpoint_once(&mut conn, &write_turn, RESTART_FROM_FRAMES).await {
            // Busy: the next tick tries again; nothing is lost meanwhile.
            tracing::debug!(error = %e, "wal checkpoint skipped");
        }
    }
}

/// One tick of the checkpointer: a PASSIVE checkpoint, then a RESTART under the write turn
/// when the log holds `restart_from` frames or more.
async fn checkpoint_once(
    conn: &mut sqlx::AnyConnection,
    write_turn: &tokio::sync::Mutex<()>,
    restart_from: i64,
) -> std::result::Result<(), sqlx::Error> {
    if checkpoint(conn, "PASSIVE").await? < restart_from {
        return Ok(());
    }
    let _turn = write_turn.lock().await;
    checkpoint(conn, "RESTART").await?;
    Ok(())
}

/// One checkpoint in the given mode; returns the number of frames in the log.
async fn checkpoint(
    conn: &mut sqlx::AnyConnection,
    mode: &str,
) -> std::result::Result<i64, sqlx::Error> {
    use sqlx::Row;
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    // fetch_all steps the statement to its end, so it leaves no read transaction open.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    match rows.first() {
        Some(row) => row.try_get(1),
        None => Ok(0),
    }
}

/// Removes a password from a database URL before it is shown in an error.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Frames in the write-ahead log (a PASSIVE checkpoint reports them; it copies pages but
    /// never restarts the log by itself).
    async fn wal_frames(db: &Db) -> i64 {
        let rows = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        sqlx::Row::try_get(&rows[0], 1).unwrap()
    }

    async fn commits(db: &Db, n: i64) {
        for i in 0..n {
            let mut tx = db.begin_write().await.unwrap();
            sqlx::query("INSERT INTO t (v) VALUES ($1)")
                .bind(i)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }

    #[tokio::test]
    async fn the_checkpointer_restarts_the_log_without_waiting_on_a_long_reader() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect_with(&url, false).await.unwrap();
        let mut ckpt = checkpoint_connection(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (v BIGINT)")
            .execute(&db.pool)
            .await
            .unwrap();
        // Commits only append to the log: no checkpoint runs inside them.
        commits(&db, 30).await;
        // A reader whose snapshot uses the log (a backup, say) keeps the log from restarting.
        let mut reader = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&mut reader)
            .await
            .unwrap();
        assert_eq!(seen, 30);
        // The RESTART gives up after its short busy timeout instead of holding the write
        // turn for the pool's 15 s; writers go on.
        let tick = tokio::time::timeout(
            Duration::from_secs(10),
            checkpoint_once(&mut ckpt, &db.write_turn, 1),
        )
        .await
        .expect("a RESTART must not wait for a long reader");
        tick.unwrap();
        commits(&db, 1).await;
        let kept = wal_frames(&db).await;
        assert!(kept >= 31, "log restarted under a reader: {kept} frames");
        // Once the reader is gone, a tick makes the next commit start the log afresh.
        sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
        checkpoint_once(&mut ckpt, &db.write_turn, 1).await.unwrap();
        commits(&db, 1).await;
        let restarted = wal_frames(&db).await;
        assert!(restarted < 5, "log not restarted: {restarted} frames");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(n, 32);
    }

    #[test]
    fn urls_pick_backends_and_hide_passwords() {
        assert_eq!(
            Backend::from_url("sqlite:///tmp/a.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://h/db"), None);
        assert_eq!(
            redact_url("postgres://ally:s3cret@db/ally"),
            "postgres://ally:***@db/ally"
        );
        assert_eq!(redact_url("postgres://db/ally"), "postgres://db/ally");
    }
}
