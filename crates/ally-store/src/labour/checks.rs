//! Document checks: rows in `labour_checks`, the worker's documents and the findings sealed
//! together (AAD `labour_check:<org>:<id>`), the rule set and finding count in clear. Guarded by
//! `document.check`.

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::labour::validate::{required, uuid_text};
use ally_core::labour::*;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::common::{aad, invalid, open_doc, seal_doc};
use crate::access::id_col;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Payslip and timesheet checks against the law and collective agreements.
    DocumentChecks,
    document_checks
);

#[derive(Clone, Serialize, Deserialize)]
struct CheckDoc {
    worker_label: String,
    record_json: String,
    payslips_csv: String,
    timesheets_csv: String,
    report: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredReport {
    rule_set: String,
    findings: Vec<StoredFinding>,
    notes: Vec<String>,
}

impl Access<'_> {
    // ----- document checks -----
}

impl DocumentChecks<'_> {
    /// Parses the worker's documents, runs the checks with the rule set and stores documents
    /// and findings. Invalid input writes nothing.
    pub async fn run_document_check(&self, input: CheckInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::DocumentCheck, org, &[], None)
            .await?;
        let worker_label = required("worker_label", &input.worker_label, 200)?;
        let rules = RuleSet::shipped(input.rule_set.trim())
            .map_err(|_| invalid("rule_set", "unknown_value"))?;
        let report = check_documents(
            &rules,
            &input.record_json,
            &input.payslips_csv,
            &input.timesheets_csv,
        )
        .map_err(|_| invalid("documents", "invalid"))?;
        let inspection_id = match input.inspection_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(i) => {
                let i = uuid_text("inspection_id", i)?;
                match self.load_inspection(&i).await? {
                    Some((o, ..)) if o == org => Some(i),
                    _ => return Err(invalid("inspection_id", "unknown_record")),
                }
            }
        };
        let finding_count = i64::try_from(report.findings.len()).unwrap_or(i64::MAX);
        let doc = CheckDoc {
            worker_label,
            record_json: input.record_json,
            payslips_csv: input.payslips_csv,
            timesheets_csv: input.timesheets_csv,
            report: serde_json::to_value(&report).map_err(|_| StoreError::Corrupt("report"))?,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("check", org, &id), &doc)?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_checks (id, org_id, inspection_id, rule_set, finding_count, sealed, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(inspection_id)
        .bind(&rules.id)
        .bind(finding_count)
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        self.write_event(
            tx,
            "document_check.run",
            "document_check",
            &id,
            format!("findings={finding_count}"),
        )
        .await?;
        Ok(id)
    }

    /// Reads one document check (owner organisation only, `document.check`); audited.
    pub async fn get_document_check(&self, id: &str) -> Result<DocumentCheck> {
        let row = sqlx::query(
            "SELECT org_id, inspection_id, rule_set, sealed, created_at FROM labour_checks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else {
            return Err(self
                .labour_not_found(Action::DocumentCheck, "document_check", id)
                .await);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        self.authorize_granted(
            Action::DocumentCheck,
            org,
            &[],
            Some(("document_check", id.to_owned())),
        )
        .await?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: CheckDoc = open_doc(&keys, &aad("check", org, id), &sealed)?;
        let report: StoredReport =
            serde_json::from_value(doc.report).map_err(|_| StoreError::Corrupt("report"))?;
        let rule_set: String = row.try_get("rule_set")?;
        let currency = RuleSet::shipped(&rule_set)
            .map(|r| r.currency)
            .unwrap_or_else(|_| "EUR".to_owned());
        self.read_event(
            "document_check.read",
            "document_check",
            Some(id),
            String::new(),
        )
        .await?;
        Ok(DocumentCheck {
            id: id.to_owned(),
            worker_label: doc.worker_label,
            rule_set,
            currency,
            inspection_id: row.try_get("inspection_id")?,
            findings: report.findings,
            notes: report.notes,
            record_json: doc.record_json,
            payslips_csv: doc.payslips_csv,
            timesheets_csv: doc.timesheets_csv,
            created_at_ms: row.try_get("created_at")?,
        })
    }

    /// Lists the organisation's document checks, newest first (`document.check`); audited with a count.
    pub async fn list_document_checks(
        &self,
        inspection: Option<&str>,
    ) -> Result<Vec<CheckSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::DocumentCheck, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, inspection_id, rule_set, finding_count, sealed, created_at FROM labour_checks \
             WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::new();
        for row in &rows {
            let insp: Option<String> = row.try_get("inspection_id")?;
            if inspection.is_some() && insp.as_deref() != inspection {
                continue;
            }
            let id: String = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let doc: CheckDoc = open_doc(&keys, &aad("check", org, &id), &sealed)?;
            out.push(CheckSummary {
                id,
                worker_label: doc.worker_label,
                rule_set: row.try_get("rule_set")?,
                finding_count: row.try_get("finding_count")?,
                inspection_id: insp,
                created_at_ms: row.try_get("created_at")?,
            });
        }
        self.read_event(
            "document_check.list",
            "document_check",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }
}
