//! Retention: the daily erasure of information past its retention time.

use ally_core::audit::{AuditEvent, AuditOutcome};

use crate::{Result, Store, now_ms};

// ----- retention -----

impl Store {
    /// Erases information past its retention time (`retain_until` < `now`): offenders' entities
    /// after their shorter default time, reports and their other entities after theirs, with
    /// their keys, tokens, links and memberships. Returns (reports, entities) erased. Meant for
    /// a daily job; audited with counts only.
    pub async fn purge_expired_information(&self, now: i64) -> Result<(u64, u64)> {
        let mut tx = self.db().begin_write().await?;
        let mut reports = 0;
        let mut entities = 0;
        for q in [
            "DELETE FROM info_report_tokens WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_reindex WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_attachments WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_report_entities WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_shares WHERE record_kind = 'report' AND record_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_reports WHERE retain_until < $1",
            "DELETE FROM info_entity_keys WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_entity_tokens WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_victim_cases WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_shares WHERE record_kind = 'entity' AND record_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_report_entities WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_links WHERE entity_a IN (SELECT id FROM info_entities WHERE retain_until < $1) \
               OR entity_b IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_pprl_clks WHERE record_ref IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_pprl_matches WHERE record_ref IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_entities WHERE retain_until < $1",
        ] {
            let n = sqlx::query(q)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if q.starts_with("DELETE FROM info_reports ") {
                reports = n;
            }
            if q.starts_with("DELETE FROM info_entities ") {
                entities = n;
            }
        }
        let ev = AuditEvent {
            at_ms: now_ms(),
            actor_user: None,
            org: None,
            action: "information.purge".to_owned(),
            target_kind: None,
            target_id: None,
            outcome: AuditOutcome::Success,
            detail: format!("reports={reports} entities={entities}"),
            client: None,
        };
        self.commit_audited(tx, &[ev]).await?;
        Ok((reports, entities))
    }
}
