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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

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
        install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact_url(url)))?;
        let pool = match backend {
            Backend::Sqlite => {
                // Creates the file if missing; refuses URLs sqlx cannot parse instead of guessing.
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
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
                    .connect(url)
                    .await?
            }
        };
        Ok(Db {
            pool,
            backend,
            write_turn: Default::default(),
            generation: Default::default(),
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

    /// A transaction that will write. On SQLite it takes the write lock at once, so two writers
    /// wait for each other (busy timeout) instead of failing when one upgrades a read lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        self.begin_write_inner(Some(self.generation.clone())).await
    }

    /// A write transaction of the audit writer: it appends audit rows only, so its commits do
    /// not invalidate caches.
    pub(crate) async fn begin_audit_write(&self) -> Result<WriteTx> {
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
    use super::*;

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
