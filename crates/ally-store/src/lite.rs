//! SQLite without thread hand-offs, for the two paths every read of a record takes.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is a message to
//! that thread and a wake-up back, and the pool tests a connection it gets back with one more.
//! On a page that reads one row and waits for one audit event, those hand-offs, not SQLite,
//! were most of the cost (docs/benchmarks.md, issue 2). Here, with `rusqlite` on the same
//! SQLite library:
//! - [`Lite::read`] runs a point read on the caller's thread, on a kept read-only connection.
//!   It never waits for a lock: when SQLite says busy the caller takes the sqlx path instead.
//!   Only statements that read a few rows by key belong here (they take microseconds, so the
//!   async worker they run on is not held up).
//! - [`AuditThread`] is the audit writer's own thread on SQLite: one connection, one
//!   transaction and one prepared insert per batch, under the same write turn as every other
//!   writer of this process.
//!
//! Everything else, and all of PostgreSQL, stays on sqlx.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ally_core::audit::{AuditEvent, chain_mac, head_mac};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use crate::{Result, StoreError};

/// The SQLite file behind a pool URL, when it is a file this process can open again (not an
/// in-memory database).
pub(crate) fn file_of(url: &str) -> Option<PathBuf> {
    use std::str::FromStr;
    if url.contains("mode=memory") || url.contains(":memory:") {
        return None;
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = opts.get_filename();
    (!path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

/// Kept connections for point reads on the caller's thread.
pub(crate) struct Lite {
    path: PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
}

/// How many idle read connections are kept; more are opened when needed and then closed.
const KEEP_READERS: usize = 8;

impl Lite {
    pub(crate) fn new(path: PathBuf) -> Lite {
        Lite {
            path,
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn open_reader(&self) -> rusqlite::Result<Connection> {
        // Opened read-write (a WAL database's shared memory needs it) but refusing writes.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // No busy wait: a busy database sends the read to sqlx, which waits off this thread.
        conn.busy_timeout(Duration::ZERO)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    /// Runs `f` on a kept connection, on this thread. `Ok(None)` when the database was busy:
    /// the caller reads through sqlx instead.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let kept = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match kept {
            Some(c) => c,
            None => self.open_reader().map_err(StoreError::Lite)?,
        };
        match f(&conn) {
            Ok(v) => {
                self.keep(conn);
                Ok(Some(v))
            }
            Err(e) if is_busy(&e) => {
                self.keep(conn);
                Ok(None)
            }
            // Dropped: a connection that failed otherwise is not trusted again.
            Err(e) => Err(StoreError::Lite(e)),
        }
    }

    fn keep(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_READERS
        {
            idle.push(conn);
        }
    }

    /// Closes the kept connections (more are opened if a read comes after).
    pub(crate) fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// One connection for the audit writer's batches, used from its own thread.
pub(crate) struct AuditThread {
    conn: Connection,
    write_turn: Arc<tokio::sync::Mutex<()>>,
    /// With a sync window, batches commit without a disk sync of their own and this syncs
    /// the log within the window; without one, every commit syncs (`synchronous = FULL`).
    wal_sync: Option<WalSync>,
}

impl AuditThread {
    /// Opens the connection with the pool's settings (see `db::Db::connect`).
    /// `sync_window`: see `Policy::audit_sync_ms`; zero syncs every commit.
    pub(crate) fn open(
        path: &Path,
        write_turn: Arc<tokio::sync::Mutex<()>>,
        sync_window: Duration,
    ) -> Result<Self> {
        let windowed = !sync_window.is_zero();
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(15))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // NORMAL in WAL mode: a commit is written to the log (it survives the process being
            // killed) but not synced; `WalSync` syncs it within the window.
            conn.pragma_update(
                None,
                "synchronous",
                if windowed { "NORMAL" } else { "FULL" },
            )?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.pragma_update(None, "secure_delete", true)?;
            conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
            Ok(conn)
        };
        let conn = open().map_err(StoreError::Lite)?;
        let wal_sync = if windowed {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            Some(WalSync::start(PathBuf::from(wal), sync_window)?)
        } else {
            None
        };
        Ok(AuditThread {
            conn,
            write_turn,
            wal_sync,
        })
    }

    /// Syncs every batch committed so far, now (before the writer stops).
    pub(crate) fn sync_now(&self) -> Result<()> {
        match &self.wal_sync {
            Some(s) => s.sync_now(),
            None => Ok(()),
        }
    }

    /// Appends `events` to the chain in one transaction (the rules of `audit::append_in_tx`).
    /// Blocks: call it from the audit writer's own thread only.
    pub(crate) fn append(&mut self, key: &[u8], events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        if let Some(s) = &self.wal_sync {
            // A failed sync means earlier batches may not be on disk: stop acknowledging reads.
            s.healthy()?;
        }
        let turn = self.write_turn.clone();
        let _turn = turn.blocking_lock();
        self.append_locked(key, events).map_err(StoreError::Lite)?;
        if let Some(s) = &self.wal_sync {
            s.committed();
        }
        Ok(())
    }

    fn append_locked(&mut self, key: &[u8], events: &[AuditEvent]) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut seq, mut prev): (i64, Vec<u8>) = tx
            .prepare_cached("SELECT seq, last_mac FROM audit_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO audit_log (seq, at_ms, actor_user, org_id, action, target_kind, \
                 target_id, outcome, detail, client, mac) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for e in events {
                seq += 1;
                let mac = chain_mac(key, &prev, seq, e);
                insert.execute(params![
                    seq,
                    e.at_ms,
                    e.actor_user,
                    e.org,
                    e.action,
                    e.target_kind,
                    e.target_id,
                    e.outcome.as_str(),
                    e.detail,
                    e.client,
                    mac,
                ])?;
                prev = mac;
            }
        }
        let seal = head_mac(key, seq, &prev);
        tx.prepare_cached("UPDATE audit_head SET seq = ?1, last_mac = ?2, seal = ?3 WHERE id = 1")?
            .execute(params![seq, prev, seal])?;
        tx.commit()
    }
}

/// Syncs the write-ahead log within a window after the audit writer committed to it, on a
/// thread of its own. One `fdatasync` then covers every batch of the window instead of one per
/// batch: on a busy server that was a third of the audit writer's cost (docs/benchmarks.md).
/// A sync through another descriptor of the same file flushes what any connection wrote; a log
/// that SQLite restarted after a checkpoint was synced, with the database, by that checkpoint.
pub(crate) struct WalSync {
    shared: Arc<SyncShared>,
}

struct SyncShared {
    wal: PathBuf,
    window: Duration,
    state: std::sync::Mutex<SyncState>,
    wake: std::sync::Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Something was committed since the last sync began.
    dirty: bool,
    stop: bool,
    /// A sync failed: what is committed may not reach the disk.
    failed: bool,
}

impl WalSync {
    fn start(wal: PathBuf, window: Duration) -> Result<WalSync> {
        let shared = Arc::new(SyncShared {
            wal,
            window,
            state: Default::default(),
            wake: Default::default(),
        });
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("ally-audit-sync".into())
            .spawn(move || worker.run())
            .map_err(|_| StoreError::AuditWriterGone)?;
        Ok(WalSync { shared })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.shared.lock()
    }

    fn committed(&self) {
        let mut st = self.state();
        if !st.dirty {
            st.dirty = true;
            self.shared.wake.notify_one();
        }
    }

    fn healthy(&self) -> Result<()> {
        if self.state().failed {
            return Err(StoreError::AuditWriterGone);
        }
        Ok(())
    }

    fn sync_now(&self) -> Result<()> {
        self.state().dirty = false;
        let synced = self.shared.sync();
        if synced.is_err() {
            self.state().failed = true;
        }
        synced
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        self.state().stop = true;
        self.shared.wake.notify_one();
    }
}

impl SyncShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self) {
        loop {
            {
                let mut st = self.lock();
                while !st.dirty && !st.stop {
                    st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                if !st.dirty {
                    return;
                }
            }
            // Let the window fill (unless the writer is stopping), then sync what it holds.
            {
                let st = self.lock();
                if !st.stop {
                    drop(
                        self.wake
                            .wait_timeout_while(st, self.window, |s| !s.stop)
                            .unwrap_or_else(|e| e.into_inner()),
                    );
                }
            }
            self.lock().dirty = false;
            if self.sync().is_err() {
                self.lock().failed = true;
            }
        }
    }

    fn sync(&self) -> Result<()> {
        match std::fs::File::open(&self.wal) {
            Ok(f) => f.sync_data().map_err(|e| {
                // No personal data here: the error kind only.
                tracing::error!(error = %e.kind(), "syncing the audit log's write-ahead log failed");
                StoreError::AuditWriterGone
            }),
            // No log file: the last connection checkpointed and removed it, syncing the database.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => {
                tracing::error!(error = %e.kind(), "opening the write-ahead log to sync it failed");
                Err(StoreError::AuditWriterGone)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_busy_database_sends_the_read_back_to_the_caller_and_the_connection_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        // A rollback-journal file, where a writer's exclusive lock shuts readers out, stands in
        // for WAL's rare busy moments (recovery, a log restart), which a test cannot time.
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7);")
            .unwrap();
        let lite = Lite::new(path.clone());
        let count = |c: &Connection| {
            c.prepare_cached("SELECT COUNT(*) FROM t")?
                .query_row([], |r| r.get::<_, i64>(0))
        };
        assert_eq!(lite.read(count).unwrap(), Some(1));
        writer
            .execute_batch("BEGIN EXCLUSIVE; INSERT INTO t VALUES (8);")
            .unwrap();
        assert_eq!(
            lite.read(count).unwrap(),
            None,
            "busy must not be waited for"
        );
        assert_eq!(
            lite.idle.lock().unwrap().len(),
            1,
            "a busy answer keeps the connection"
        );
        writer.execute_batch("COMMIT").unwrap();
        assert_eq!(lite.read(count).unwrap(), Some(2));
        // Reads only: the kept connections refuse writes.
        let write = lite.read(|c| c.execute("INSERT INTO t VALUES (9)", []));
        assert!(matches!(write, Err(StoreError::Lite(_))), "{write:?}");
        assert_eq!(lite.read(count).unwrap(), Some(2));
    }

    #[test]
    fn the_log_is_synced_after_a_commit_and_on_demand() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER);")
            .unwrap();
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let sync = WalSync::start(PathBuf::from(wal), Duration::from_millis(5)).unwrap();
        let dirty = |s: &WalSync| s.state().dirty;
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        sync.committed();
        // The sync thread takes it within its window (bounded wait: a liveness check only).
        let mut waited = 0;
        while dirty(&sync) && waited < 1000 {
            std::thread::sleep(Duration::from_millis(10));
            waited += 1;
        }
        assert!(!dirty(&sync), "the sync thread never synced");
        assert!(sync.healthy().is_ok());
        // A stopping writer syncs at once.
        conn.execute("INSERT INTO t VALUES (2)", []).unwrap();
        sync.committed();
        sync.sync_now().unwrap();
        assert!(!dirty(&sync));
        // No log file (checkpointed away by the last connection): nothing to sync.
        let none = WalSync::start(dir.path().join("gone.db-wal"), Duration::from_millis(5));
        none.unwrap().sync_now().unwrap();
        // A failed sync stops the writer from acknowledging more.
        sync.state().failed = true;
        assert!(matches!(sync.healthy(), Err(StoreError::AuditWriterGone)));
    }

    #[test]
    fn only_files_get_direct_reads() {
        assert_eq!(
            file_of("sqlite:///tmp/x/ally.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x/ally.db"))
        );
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://file:a?mode=memory&cache=shared"), None);
    }
}
