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
}

impl AuditThread {
    /// Opens the connection with the pool's settings (see `db::Db::connect`).
    pub(crate) fn open(path: &Path, write_turn: Arc<tokio::sync::Mutex<()>>) -> Result<Self> {
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(15))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.pragma_update(None, "secure_delete", true)?;
            conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
            Ok(conn)
        };
        Ok(AuditThread {
            conn: open().map_err(StoreError::Lite)?,
            write_turn,
        })
    }

    /// Appends `events` to the chain in one transaction (the rules of `audit::append_in_tx`).
    /// Blocks: call it from the audit writer's own thread only.
    pub(crate) fn append(&mut self, key: &[u8], events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let turn = self.write_turn.clone();
        let _turn = turn.blocking_lock();
        self.append_locked(key, events).map_err(StoreError::Lite)
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
    fn only_files_get_direct_reads() {
        assert_eq!(
            file_of("sqlite:///tmp/x/ally.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x/ally.db"))
        );
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://file:a?mode=memory&cache=shared"), None);
    }
}
