//! The one way the sealed child records of a case (a service, a task, proceedings, a court
//! date) are written: sealed with the lead organisation's key under their own associated
//! data, the case touched, its deadlines recomputed, the write audited, in one transaction.

use ally_core::audit::AuditOutcome;

use super::cases::CaseRow;
use super::common::aad;
use super::deadlines::refresh_deadlines;
use crate::{Access, Result, now_ms};

impl Access<'_> {
    /// Generic insert of a sealed child record of a case, with its audit event.
    pub(super) async fn insert_child(
        &self,
        case: &CaseRow,
        kind: &str,
        sql: &str,
        binds: Vec<Option<String>>,
        text: &str,
        audit_detail: String,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(case.org_id).await?;
        let sealed = keys.seal(&aad(kind, case.org_id, &id), text.trim().as_bytes())?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(id.clone())
            .bind(case.id.to_string())
            .bind(case.org_id.to_string());
        for b in binds {
            q = q.bind(b);
        }
        q.bind(sealed).bind(now_ms()).execute(&mut *tx).await?;
        sqlx::query("UPDATE prot_cases SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(case.id.to_string())
            .execute(&mut *tx)
            .await?;
        refresh_deadlines(&mut tx, case.id).await?;
        let ev = self.event(
            &format!("{kind}.add"),
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            audit_detail,
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}
