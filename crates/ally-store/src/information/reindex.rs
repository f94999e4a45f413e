//! The one-off re-index of reports filed before migration 0007.
//!
//! Until 0007, a report's entity values were indexed with its text in `info_report_tokens`, so
//! search found them at the report's level even when an entity was given a lower level of its
//! own. The index holds keyed hashes only, which cannot be told apart without the clear text:
//! migration 0012 lists those reports (an entity of theirs has no `info_entity_tokens` row) in
//! `info_reindex`, and [`Store::reindex_legacy_reports`], run when the store opens, rebuilds
//! each one's tokens from its decrypted text and entities: text and place in
//! `info_report_tokens`, each entity's value in `info_entity_tokens`. Several servers starting
//! at once share the work (each report is claimed by deleting its row in the transaction that
//! rewrites it).

use ally_core::audit::{AuditEvent, AuditOutcome};
use sqlx::Row;

use super::rows::{
    ENTITY_COLS, REPORT_COLS, entity_from_row, insert_entity_tokens, insert_report_tokens,
    report_from_row,
};
use crate::{Result, Store, now_ms};

/// Reports rewritten per transaction.
const BATCH: i64 = 100;

impl Store {
    /// Rebuilds the search tokens of the reports listed in `info_reindex` (filed before
    /// migration 0007), so that their entities' words obey each entity's own level. Returns
    /// how many reports were rewritten; audited with that count. A report that does not open
    /// (damaged ciphertext) keeps its old tokens and stays listed, with a warning naming its id
    /// only: it does not stop the server from starting.
    pub async fn reindex_legacy_reports(&self) -> Result<u64> {
        let mut done = 0u64;
        let mut after = String::new();
        loop {
            let ids: Vec<String> = sqlx::query(
                "SELECT report_id FROM info_reindex WHERE report_id > $1 ORDER BY report_id LIMIT $2",
            )
            .bind(&after)
            .bind(BATCH)
            .fetch_all(&self.db().pool)
            .await?
            .iter()
            .map(|r| r.try_get("report_id"))
            .collect::<std::result::Result<_, _>>()?;
            let Some(last) = ids.last() else {
                return Ok(done);
            };
            after = last.clone();
            let mut tx = self.db().begin_write().await?;
            let mut n = 0u64;
            for id in &ids {
                // Claimed here: another server that took it first leaves nothing to delete.
                let claimed = sqlx::query("DELETE FROM info_reindex WHERE report_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if claimed == 0 {
                    continue;
                }
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {REPORT_COLS} FROM info_reports WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    continue;
                };
                let entity_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ENTITY_COLS} FROM info_entities WHERE id IN \
                       (SELECT entity_id FROM info_report_entities WHERE report_id = $1)"
                )))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                let opened = async {
                    let report = report_from_row(self, &row).await?;
                    let mut entities = Vec::new();
                    for r in &entity_rows {
                        entities.push(entity_from_row(self, r).await?);
                    }
                    Ok::<_, crate::StoreError>((report, entities))
                }
                .await;
                let (report, entities) = match opened {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(report = %id, error = %e, "report not re-indexed: it does not open");
                        sqlx::query("INSERT INTO info_reindex (report_id) VALUES ($1)")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        continue;
                    }
                };
                let keys = self.org_keys(report.org_id).await?;
                sqlx::query("DELETE FROM info_report_tokens WHERE report_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_report_tokens(&mut tx, &keys, report.org_id, report.id, &report.text)
                    .await?;
                for e in &entities {
                    sqlx::query("DELETE FROM info_entity_tokens WHERE entity_id = $1")
                        .bind(e.id.to_string())
                        .execute(&mut *tx)
                        .await?;
                    insert_entity_tokens(&mut tx, &keys, e.org_id, e.id, e.role, &e.value).await?;
                }
                n += 1;
            }
            if n == 0 {
                tx.commit().await?;
                continue;
            }
            let ev = AuditEvent {
                at_ms: now_ms(),
                actor_user: None,
                org: None,
                action: "information.reindex".to_owned(),
                target_kind: None,
                target_id: None,
                outcome: AuditOutcome::Success,
                detail: format!("reports={n}"),
                client: None,
            };
            self.commit_audited(tx, &[ev]).await?;
            done += n;
        }
    }
}
