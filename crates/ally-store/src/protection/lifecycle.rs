//! Erasure on request, retention flags, the dossier's content and the HTCDS export rows.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::{CaseId, FieldGroup, RecordType, RetentionCandidate, RetentionPolicy};
use sqlx::Row;

use super::common::{d2s, opt_date, today};
use super::disclosure::{case_groups, consented_groups};
use super::model::*;
use crate::audit::{self, AuditQuery};
use crate::{Result, Store, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The end of a case's life and its exports: erasure on request, retention flags, the dossier's
    /// content and the HTCDS rows.
    Lifecycle,
    lifecycle
);

/// Tables holding a case's records, by their case column.
const CASE_TABLES: &[&str] = &[
    "prot_case_workers",
    "prot_case_persons",
    "prot_case_events",
    "prot_services",
    "prot_tasks",
    "prot_consents",
    "prot_legal_bases",
    "prot_proceedings",
    "prot_court_dates",
    "prot_permits",
    "prot_compensation",
    "prot_deadlines",
    // The information module's link from a possible victim's entity to this case.
    "info_victim_cases",
];

/// The retention periods applied by the scheduled job (days after closure): cases ten years.
pub fn default_retention() -> RetentionPolicy {
    RetentionPolicy::new().with(RecordType::Case, 3650)
}

impl Store {
    /// The scheduled retention job: flags the records past the retention period of their
    /// type in `policy`: closed cases (no legal hold while proceedings are open), consents that
    /// ended (withdrawn, refused, or past their validity) and finished referrals (declined,
    /// revoked, completed). Types without a period are never flagged. Returns how many new
    /// flags were set.
    pub async fn flag_protection_retention(&self, policy: &RetentionPolicy) -> Result<usize> {
        let pool = &self.db().pool;
        let mut candidates = Vec::new();
        if policy.days(RecordType::Case).is_some() {
            for r in sqlx::query(
                "SELECT id, org_id, closed_on, proceedings_open FROM prot_cases WHERE closed_on IS NOT NULL",
            )
            .fetch_all(pool)
            .await?
            {
                candidates.push(RetentionCandidate {
                    key: (
                        RecordType::Case,
                        r.try_get::<String, _>("id")?,
                        r.try_get::<String, _>("org_id")?,
                    ),
                    record_type: RecordType::Case,
                    closed_on: opt_date(r.try_get("closed_on")?)?,
                    legal_hold: r.try_get::<i64, _>("proceedings_open")? != 0,
                });
            }
        }
        if policy.days(RecordType::Consent).is_some() {
            for r in sqlx::query(
                "SELECT id, org_id, status, consent_on, valid_until, withdrawn_on FROM prot_consents \
                 WHERE status <> 'given' OR valid_until IS NOT NULL",
            )
            .fetch_all(pool)
            .await?
            {
                let status: String = r.try_get("status")?;
                let ended = match status.as_str() {
                    "withdrawn" => r.try_get("withdrawn_on")?,
                    "refused" => Some(r.try_get::<String, _>("consent_on")?),
                    _ => r.try_get("valid_until")?,
                };
                candidates.push(RetentionCandidate {
                    key: (
                        RecordType::Consent,
                        r.try_get::<String, _>("id")?,
                        r.try_get::<String, _>("org_id")?,
                    ),
                    record_type: RecordType::Consent,
                    // A consent still valid today has not ended.
                    closed_on: opt_date(ended)?.filter(|d| *d < today()),
                    legal_hold: false,
                });
            }
        }
        if policy.days(RecordType::Referral).is_some() {
            for r in sqlx::query(
                "SELECT id, from_org, updated_at FROM prot_referrals \
                 WHERE status IN ('declined', 'revoked', 'completed')",
            )
            .fetch_all(pool)
            .await?
            {
                let at: i64 = r.try_get("updated_at")?;
                let on =
                    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
                        .map_err(|_| StoreError::Corrupt("referral time"))?
                        .date();
                candidates.push(RetentionCandidate {
                    key: (
                        RecordType::Referral,
                        r.try_get::<String, _>("id")?,
                        r.try_get::<String, _>("from_org")?,
                    ),
                    record_type: RecordType::Referral,
                    closed_on: Some(on),
                    legal_hold: false,
                });
            }
        }
        let due = ally_core::protection::records_past_retention(&candidates, today(), policy);
        let mut n = 0;
        for (rt, id, org) in due {
            let done = sqlx::query(
                "INSERT INTO prot_retention_flags (record_type, record_id, org_id, flagged_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (record_type, record_id) DO NOTHING",
            )
            .bind(rt.as_str())
            .bind(id)
            .bind(org)
            .bind(now_ms())
            .execute(pool)
            .await?;
            n += done.rows_affected() as usize;
        }
        Ok(n)
    }
}

impl Lifecycle<'_> {
    /// Erases a case on the person's request: the case, every record of it, its referrals, and
    /// the linked victim's person record and search tokens are deleted (not hidden). The audit
    /// keeps a tombstone with ids and counts only.
    pub async fn erase_case(&self, id: CaseId) -> Result<()> {
        let case = self.case_for(id, Action::PersonErase).await?;
        let cid = id.to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        for t in CASE_TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {t} WHERE case_id = $1"
            )))
            .bind(&cid)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "DELETE FROM prot_referral_events WHERE referral_id IN (SELECT id FROM prot_referrals WHERE case_id = $1)",
        )
        .bind(&cid)
        .execute(&mut *tx)
        .await?;
        let referrals = sqlx::query("DELETE FROM prot_referrals WHERE case_id = $1")
            .bind(&cid)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM prot_retention_flags WHERE record_id = $1")
            .bind(&cid)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM prot_cases WHERE id = $1")
            .bind(&cid)
            .execute(&mut *tx)
            .await?;
        let mut person_erased = false;
        if let Some(p) = case.person_id {
            // Only if no other case of the organisation still concerns the person.
            let others: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM prot_cases WHERE person_id = $1")
                    .bind(p.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
            if others == 0 {
                sqlx::query("DELETE FROM person_tokens WHERE person_id = $1")
                    .bind(p.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM persons WHERE id = $1 AND org_id = $2")
                    .bind(p.to_string())
                    .bind(case.org_id.to_string())
                    .execute(&mut *tx)
                    .await?;
                person_erased = true;
            }
        }
        let ev = self.event(
            "case.erase",
            Some(("case", cid)),
            AuditOutcome::Success,
            format!("tombstone person_erased={person_erased} referrals={referrals}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The content of a dossier for a lawyer or a court: only the field groups covered by a
    /// consent in force (or none), with the audit excerpt of the case. Audited as an export.
    pub async fn dossier(&self, id: CaseId) -> Result<DossierData> {
        let case = self.case_for(id, Action::DossierExport).await?;
        let org = case.org_id;
        let view = self.full_view(case).await?;
        let allowed = consented_groups(&view);
        let groups = case_groups(&view, self)
            .await?
            .into_iter()
            .filter(|(g, _)| allowed.contains(g))
            .collect::<std::collections::BTreeMap<FieldGroup, _>>();
        let events = audit::query(
            self.store.db(),
            &AuditQuery {
                org: org.to_string(),
                actor_user: None,
                target_id: Some(id.to_string()),
                action: None,
                before_seq: None,
                limit: 200,
            },
        )
        .await?;
        let audit = events
            .into_iter()
            .map(|e| {
                serde_json::json!({
                    "seq": e.seq,
                    "at_ms": e.event.at_ms,
                    "actor_user": e.event.actor_user,
                    "action": e.event.action,
                    "target_kind": e.event.target_kind,
                    "target_id": e.event.target_id,
                    "outcome": e.event.outcome.as_str(),
                    "detail": e.event.detail,
                    "mac": hex::encode(&e.mac),
                })
            })
            .collect();
        let detail = format!(
            "groups={}",
            groups
                .keys()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join("+")
        );
        self.record(self.event(
            "dossier.export",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            detail,
        ))
        .await?;
        Ok(DossierData {
            case_id: id,
            org_name: self.org_name(&org.to_string()).await?.unwrap_or_default(),
            generated_at_ms: now_ms(),
            groups,
            audit,
        })
    }

    /// Retention flags of the organisation's records (set by the scheduled job).
    pub async fn retention_flags(&self) -> Result<Vec<RetentionFlag>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT record_type, record_id, flagged_at FROM prot_retention_flags WHERE org_id = $1 \
             ORDER BY flagged_at, record_id LIMIT 500",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RetentionFlag {
                    record_type: r.try_get("record_type")?,
                    record_id: r.try_get("record_id")?,
                    flagged_at_ms: r.try_get("flagged_at")?,
                })
            })
            .collect()
    }

    /// The organisation's cases as HTCDS rows (header, rows). Identifying fields (the case
    /// reference and the linked person's name) only with `identifying`; audited either way.
    pub async fn htcds_rows(&self, identifying: bool) -> Result<(Vec<String>, Vec<Vec<String>>)> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::DossierExport, org, &[], None)
            .await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM prot_cases WHERE org_id = $1 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut header: Vec<String> = [
            "cas_CaseId",
            "cas_Status",
            "cas_ReasonForCaseClosure",
            "vic_TraffickingStatus",
            "vic_TraffickingStatusDecisionMakingOrg",
            "vic_TypeOfExploitation",
            "vic_MethodsOfControl",
            "con_Consent",
            "cas_ReferredOrganisation",
            "cas_OutgoingReferralDate",
            "cas_ReasonForOutgoingReferral",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if identifying {
            header.push("ally_CaseReference".into());
            header.push("ally_PersonName".into());
        }
        let today = today();
        let mut rows = Vec::new();
        for id in ids {
            let Ok(cid) = id.parse::<CaseId>() else {
                continue;
            };
            let Some(case) = self.load_case(cid).await? else {
                continue;
            };
            // Authorised above for the whole organisation; opened only now.
            let case = self.open_case_row(case).await?;
            let view = self.full_view(case).await?;
            let consents: Vec<_> = view.consents.iter().map(|c| c.record.clone()).collect();
            let out = view
                .referrals
                .iter()
                .rfind(|r| r.referral.from_org == org)
                .map(|r| r.referral.clone());
            let mut row = vec![
                id.clone(),
                view.lifecycle.htcds_status().as_str().to_owned(),
                view.lifecycle
                    .closure()
                    .map(|c| c.reason.clone())
                    .filter(|_| identifying)
                    .unwrap_or_default(),
                view.facts.trafficking_status.as_str().to_owned(),
                view.facts
                    .status_decided_by
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
                view.facts
                    .exploitation
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                view.facts
                    .methods_of_control
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                ally_core::protection::htcds_con_consent(&consents, today).to_owned(),
                out.as_ref()
                    .map(|r| r.to_org.to_string())
                    .unwrap_or_default(),
                out.as_ref().map(|r| d2s(r.sent_on)).unwrap_or_default(),
                out.as_ref()
                    .map(|r| r.reason.as_str().to_owned())
                    .unwrap_or_default(),
            ];
            if identifying {
                row.push(view.content.reference.clone());
                row.push(view.person_name.clone().unwrap_or_default());
            }
            rows.push(row);
        }
        self.record(self.event(
            "case.export_htcds",
            None,
            AuditOutcome::Success,
            format!("count={} identifying={identifying}", rows.len()),
        ))
        .await?;
        Ok((header, rows))
    }
}
