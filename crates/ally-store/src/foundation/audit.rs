//! Appending to and reading the audit log. The chaining rules are `ally_core::audit`'s.
//!
//! Two ways in:
//! - a write of organisation data appends its event inside its own transaction
//!   ([`append_in_tx`]), so the record and its audit event commit together or not at all;
//! - everything else (reads, sign-ins, denials) goes through the [`AuditWriter`], a task that
//!   appends events in batches (one transaction per batch) and acknowledges each event only
//!   once it is committed: a read returns its data only after its event is committed, so it
//!   survives the server being killed. With a sync window (`Policy::audit_sync_ms`) a batch's
//!   commit does not wait for the disk; one sync per window makes it durable against a power
//!   cut. Without one, each commit syncs.
//!   On SQLite the writer is a thread with its own connection (`lite::AuditThread`), on
//!   PostgreSQL a task on the pool; both follow the chaining rules of [`append_in_tx`].

use std::time::Duration;

use ally_core::OrgId;
use ally_core::audit::{
    AuditEvent, AuditOutcome, ChainVerifier, ChainedEvent, chain_mac, head_mac,
};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};
use zeroize::Zeroizing;

use crate::crypto::KeyRing;
use crate::db::Db;
use crate::{Result, StoreError, now_ms};

/// An event of an operator command (`ally` on the command line): no acting user, the detail
/// starts with `operator`.
pub(crate) fn operator_event(
    action: &str,
    org: Option<OrgId>,
    target: Option<(&str, String)>,
    detail: &str,
) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        actor_user: None,
        org: org.map(|o| o.to_string()),
        action: action.to_owned(),
        target_kind: target.as_ref().map(|(k, _)| (*k).to_owned()),
        target_id: target.map(|(_, id)| id),
        outcome: AuditOutcome::Success,
        detail: format!("operator {detail}").trim().to_owned(),
        client: None,
    }
}

const BATCH_MAX: usize = 256;
/// With a sync window, a batch smaller than this waits `LINGER` for more (see `start`; 50,
/// 100, 200 and 400 µs and yielding instead of sleeping were tried: docs/benchmarks.md, run 11).
const LINGER_BELOW: usize = 16;
const LINGER: Duration = Duration::from_micros(200);

/// Appends events in the caller's transaction (which must be a write transaction).
pub(crate) async fn append_in_tx(
    tx: &mut sqlx::AnyConnection,
    db: &Db,
    key: &[u8],
    events: &[AuditEvent],
) -> Result<()> {
    let sql = format!(
        "SELECT seq, last_mac FROM audit_head WHERE id = 1{}",
        db.backend.for_update()
    );
    let head = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *tx)
        .await?;
    let mut seq: i64 = head.try_get("seq")?;
    let mut prev: Vec<u8> = head.try_get("last_mac")?;
    // One multi-row INSERT per chunk: a batch costs one round trip, not one per event.
    // 11 parameters per row; 64 rows stay far below both backends' parameter limits.
    for chunk in events.chunks(64) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let b = r * 11;
                let ph: Vec<String> = (1..=11).map(|k| format!("${}", b + k)).collect();
                format!("({})", ph.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, at_ms, actor_user, org_id, action, target_kind, target_id, outcome, detail, client, mac) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            seq += 1;
            let mac = chain_mac(key, &prev, seq, e);
            q = q
                .bind(seq)
                .bind(e.at_ms)
                .bind(e.actor_user.clone())
                .bind(e.org.clone())
                .bind(e.action.clone())
                .bind(e.target_kind.clone())
                .bind(e.target_id.clone())
                .bind(e.outcome.as_str())
                .bind(e.detail.clone())
                .bind(e.client.clone())
                .bind(mac.clone());
            prev = mac;
        }
        q.execute(&mut *tx).await?;
    }
    let seal = head_mac(key, seq, &prev);
    sqlx::query("UPDATE audit_head SET seq = $1, last_mac = $2, seal = $3 WHERE id = 1")
        .bind(seq)
        .bind(prev)
        .bind(seal)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl crate::Store {
    /// Appends the events of a write to the chain in the write's own transaction and commits:
    /// the record and its audit trail are durable together or not at all.
    pub(crate) async fn commit_audited(
        &self,
        mut tx: crate::db::WriteTx,
        events: &[AuditEvent],
    ) -> Result<()> {
        append_in_tx(&mut tx, self.db(), self.audit_key()?.as_slice(), events).await?;
        tx.commit().await?;
        Ok(())
    }
}

enum Msg {
    Event(AuditEvent, oneshot::Sender<Result<(), String>>),
    /// Acknowledged once every earlier event is committed; then the writer stops.
    Close(oneshot::Sender<Result<(), String>>),
}

/// Group-commit writer for events that are not part of a data write.
pub(crate) struct AuditWriter {
    tx: mpsc::Sender<Msg>,
}

impl AuditWriter {
    /// Starts the writer: on an SQLite file, a thread of its own with its own connection
    /// (`lite::AuditThread`); otherwise a task on sqlx's pool. `sync_window`: see
    /// `Policy::audit_sync_ms`.
    pub(crate) fn start(db: Db, keys: &KeyRing, sync_window: Duration) -> Result<AuditWriter> {
        let key = keys
            .audit_key()
            .ok_or(StoreError::Corrupt("audit key not loaded"))?;
        let (tx, rx) = mpsc::channel::<Msg>(4096);
        let windowed = !sync_window.is_zero();
        match db.sqlite_file() {
            Some(path) => {
                let mut conn = crate::lite::AuditThread::open(path, db.write_turn(), sync_window)?;
                std::thread::Builder::new()
                    .name("ally-audit".into())
                    .spawn(move || {
                        let mut rx = rx;
                        let mut last_len = 0;
                        while let Some(mut batch) = next_batch(&mut rx, |rx| rx.blocking_recv()) {
                            // Without a sync to wait for, a commit returns at once and batches
                            // shrink to an event or two, each commit rewriting whole pages. Under
                            // load (the last batch held several), wait a moment for more.
                            if windowed
                                && last_len > 1
                                && !batch.close
                                && batch.events.len() < LINGER_BELOW
                            {
                                std::thread::sleep(LINGER);
                                batch.drain(&mut rx);
                            }
                            last_len = batch.events.len();
                            let mut outcome = conn.append(key.as_slice(), &batch.events);
                            if batch.close && outcome.is_ok() {
                                outcome = conn.sync_now();
                            }
                            if batch.acknowledge(outcome) {
                                return;
                            }
                        }
                    })
                    .map_err(|_| StoreError::AuditWriterGone)?;
            }
            None => {
                tokio::spawn(async move {
                    let mut rx = rx;
                    // When the log must be flushed, with a window (see `flush_postgres`). A
                    // failed flush is tried again a window later: the commits it covers are
                    // already in PostgreSQL, whose own WAL writer flushes them too.
                    let mut flush_at: Option<tokio::time::Instant> = None;
                    loop {
                        let first = match flush_at {
                            Some(at) => tokio::select! {
                                m = rx.recv() => m,
                                () = tokio::time::sleep_until(at) => {
                                    flush_at = flush_postgres(&db)
                                        .await
                                        .err()
                                        .map(|_| tokio::time::Instant::now() + sync_window);
                                    continue;
                                }
                            },
                            None => rx.recv().await,
                        };
                        let Some(first) = first else {
                            if flush_at.is_some() {
                                let _ = flush_postgres(&db).await;
                            }
                            return;
                        };
                        let Some(batch) = next_batch(&mut rx, |_| Some(first)) else {
                            return;
                        };
                        let mut outcome = write_batch(&db, &key, &batch.events, windowed).await;
                        if outcome.is_ok() && windowed {
                            if batch.close {
                                outcome = flush_postgres(&db).await;
                            } else if flush_at.is_none() && !batch.events.is_empty() {
                                flush_at = Some(tokio::time::Instant::now() + sync_window);
                            }
                        }
                        if batch.acknowledge(outcome) {
                            return;
                        }
                    }
                });
            }
        }
        Ok(AuditWriter { tx })
    }

    /// Appends one event and waits until it is committed.
    pub(crate) async fn record(&self, event: AuditEvent) -> Result<()> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Msg::Event(event, ack))
            .await
            .map_err(|_| StoreError::AuditWriterGone)?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(StoreError::AuditWriterGone),
        }
    }

    /// Commits every event sent before this call, then stops the writer (and closes its
    /// connection). Later events are refused with `AuditWriterGone`.
    pub(crate) async fn close(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Close(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// Events taken from the queue together, and who waits for them.
struct Batch {
    events: Vec<AuditEvent>,
    acks: Vec<oneshot::Sender<Result<(), String>>>,
    /// A `Close` came with this batch: the writer stops once it is acknowledged.
    close: bool,
}

impl Batch {
    /// Tells every sender how it went; true when the writer must stop.
    fn acknowledge(self, outcome: Result<()>) -> bool {
        let outcome = outcome.map_err(|e| {
            tracing::error!(error = %e, "audit batch failed");
            e.to_string()
        });
        for ack in self.acks {
            let _ = ack.send(outcome.clone());
        }
        self.close
    }

    fn take(&mut self, m: Msg) {
        match m {
            Msg::Event(e, ack) => {
                self.events.push(e);
                self.acks.push(ack);
            }
            Msg::Close(ack) => {
                self.acks.push(ack);
                self.close = true;
            }
        }
    }

    /// Adds whatever is already queued, up to `BATCH_MAX` messages, stopping after a `Close`.
    fn drain(&mut self, rx: &mut mpsc::Receiver<Msg>) {
        while !self.close && self.acks.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(m) => self.take(m),
                Err(_) => break,
            }
        }
    }
}

/// The next batch: a first message (from `first`, which may wait), then whatever else is
/// already queued (`Batch::drain`). `None` once the channel closed.
fn next_batch(
    rx: &mut mpsc::Receiver<Msg>,
    first: impl FnOnce(&mut mpsc::Receiver<Msg>) -> Option<Msg>,
) -> Option<Batch> {
    let mut batch = Batch {
        events: Vec::new(),
        acks: Vec::new(),
        close: false,
    };
    batch.take(first(rx)?);
    batch.drain(rx);
    Some(batch)
}

/// `windowed`: commit without waiting for the disk (`synchronous_commit = off` for this
/// transaction alone); the writer flushes within the window.
async fn write_batch(
    db: &Db,
    key: &Zeroizing<[u8; 32]>,
    events: &[AuditEvent],
    windowed: bool,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_audit_write(windowed).await?;
    append_in_tx(&mut tx, db, key.as_slice(), events).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes every commit so far durable on PostgreSQL. A transaction that holds a transaction id
/// commits synchronously: its commit waits until the log is on disk up to its own record, which
/// covers every earlier commit made with `synchronous_commit = off`.
async fn flush_postgres(db: &Db) -> Result<()> {
    let flushed = async {
        let mut tx = db.pool.begin().await?;
        sqlx::query("SELECT txid_current()")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<(), StoreError>(())
    }
    .await;
    if let Err(e) = &flushed {
        tracing::error!(error = %e, "flushing the audit log failed");
    }
    flushed
}

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<ChainedEvent> {
    let outcome: String = row.try_get("outcome")?;
    Ok(ChainedEvent {
        seq: row.try_get("seq")?,
        mac: row.try_get("mac")?,
        event: AuditEvent {
            at_ms: row.try_get("at_ms")?,
            actor_user: row.try_get("actor_user")?,
            org: row.try_get("org_id")?,
            action: row.try_get("action")?,
            target_kind: row.try_get("target_kind")?,
            target_id: row.try_get("target_id")?,
            outcome: AuditOutcome::parse(&outcome)
                .ok_or(StoreError::Corrupt("unknown audit outcome"))?,
            detail: row.try_get("detail")?,
            client: row.try_get("client")?,
        },
    })
}

const EVENT_COLUMNS: &str =
    "seq, at_ms, actor_user, org_id, action, target_kind, target_id, outcome, detail, client, mac";

/// Verifies the whole chain and its head. Returns the number of events.
pub(crate) async fn verify(db: &Db, key: &[u8]) -> Result<i64> {
    let mut verifier = ChainVerifier::new(key);
    let mut tx = db.begin_snapshot().await?;
    let mut after = 0i64;
    loop {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let e = event_from_row(row)?;
            after = e.seq;
            verifier.push(&e)?;
        }
    }
    let head = sqlx::query("SELECT seq, last_mac, seal FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let n = verifier.finish(
        head.try_get("seq")?,
        &head.try_get::<Vec<u8>, _>("last_mac")?,
        &head.try_get::<Vec<u8>, _>("seal")?,
    )?;
    tx.commit().await?;
    Ok(n)
}

/// Filter for the audit view; the organisation is always set by the access layer.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub org: String,
    pub actor_user: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

pub(crate) async fn query(db: &Db, q: &AuditQuery) -> Result<Vec<ChainedEvent>> {
    // Optional filters as "($n IS NULL OR col = $n)" keep one statement text for every
    // combination; placeholders still appear in ascending order.
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_log WHERE org_id = $1 \
         AND ($2 IS NULL OR actor_user = $2) AND ($3 IS NULL OR target_id = $3) \
         AND ($4 IS NULL OR action = $4) AND seq < $5 ORDER BY seq DESC LIMIT $6"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(q.org.clone())
        .bind(q.actor_user.clone())
        .bind(q.target_id.clone())
        .bind(q.action.clone())
        .bind(q.before_seq.unwrap_or(i64::MAX))
        .bind(q.limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(event_from_row).collect()
}
