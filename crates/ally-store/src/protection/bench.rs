//! The synthetic data set of the protection benchmark (`ally demo --bench-cases N
//! --bench-audit-rows M`, used by `bench/protection/run.sh`): many cases of one organisation and
//! a long audit chain, written in large transactions directly, because going through `Access`
//! one case at a time would take hours at 100,000 cases. The rows are what the access layer
//! writes (sealed content under the organisation's key and the case's associated data, one
//! caseworker, a service, a plan task with its deadline, an opening event); the audit rows are
//! appended through the ordinary chain, so `ally audit verify` holds afterwards.
//! Not for real data: it is reached only from the demo command.

use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::protection::{CaseId, CaseState, ServiceKind};
use ally_core::{OrgId, UserId};

use super::cases::case_aad;
use super::common::{aad, d2s, today};
use super::model::{CaseContent, SafetyPlan};
use crate::{Result, Store, StoreError, now_ms};

/// Cases per transaction.
const CASE_BATCH: usize = 500;
/// Audit events per transaction.
const AUDIT_BATCH: usize = 5000;
/// Synthetic colleagues the cases are spread over, besides the named caseworker.
const COLLEAGUES: usize = 99;

/// What was seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchSeeded {
    /// Cases written.
    pub cases: usize,
    /// Cases the named caseworker works on.
    pub own_cases: usize,
    /// Audit events written on the chain.
    pub audit_rows: usize,
}

impl Store {
    /// Seeds `cases` cases of the organisation of the user `caseworker_email`, spread
    /// round-robin over that caseworker and 99 synthetic colleagues (so that "my deadlines"
    /// shows a caseworker's share, not the whole organisation), and `audit_rows` audit events
    /// (reads of those cases) on the chain.
    pub async fn seed_protection_bench(
        &self,
        caseworker_email: &str,
        cases: usize,
        audit_rows: usize,
    ) -> Result<BenchSeeded> {
        let row = sqlx::query("SELECT id, org_id FROM users WHERE email = $1")
            .bind(caseworker_email.trim().to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let me: UserId = crate::access::id_col(&row, "id")?;
        let org: OrgId = crate::access::id_col(&row, "org_id")?;
        let keys = self.org_keys(org).await?;
        let mut workers = vec![me];
        workers.extend((0..COLLEAGUES).map(|_| UserId::new()));
        let today = today();
        let mut ids: Vec<CaseId> = Vec::with_capacity(cases);
        let mut own_cases = 0;
        let mut n = 0;
        while n < cases {
            let db = self.db();
            let mut tx = db.begin_write().await?;
            let upto = (n + CASE_BATCH).min(cases);
            for i in n..upto {
                let id = CaseId::new();
                let cid = id.to_string();
                let worker = workers[i % workers.len()];
                if worker == me {
                    own_cases += 1;
                }
                let content = CaseContent {
                    reference: format!("Bench case {i}"),
                    summary: "Synthetic case for the benchmark".into(),
                    needs: "Accommodation, legal counselling".into(),
                    safety: SafetyPlan {
                        risk: "medium".into(),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let json = zeroize::Zeroizing::new(
                    serde_json::to_vec(&content)
                        .map_err(|_| StoreError::Corrupt("case content"))?,
                );
                let sealed = keys.seal(&case_aad(org, id), &json)?;
                let days_ago = i64::try_from(i % 700).unwrap_or(0);
                let identified = today - time::Duration::days(days_ago);
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO prot_cases (id, org_id, person_id, interview_id, state, identified_on, \
                     proceedings_open, closed_referred_out, trafficking_status, exploitation, methods_of_control, \
                     may_be_child, sealed, created_by, created_at, updated_at, version) \
                     VALUES ($1, $2, NULL, NULL, $3, $4, 0, 0, $5, '', '', 0, $6, $7, $8, $9, 1)",
                )
                .bind(&cid)
                .bind(org.to_string())
                .bind(CaseState::Identified.as_str())
                .bind(d2s(identified))
                .bind(ally_core::protection::CaseFacts::presumed_victim().trafficking_status.as_str())
                .bind(sealed)
                .bind(worker.to_string())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO prot_case_workers (case_id, user_id, org_id) VALUES ($1, $2, $3)",
                )
                .bind(&cid)
                .bind(worker.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO prot_case_events (id, case_id, at, actor, action, from_state, to_state, sealed) \
                     VALUES ($1, $2, $3, $4, 'open', '', $5, NULL)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&cid)
                .bind(now)
                .bind(worker.to_string())
                .bind(CaseState::Identified.as_str())
                .execute(&mut *tx)
                .await?;
                let sid = uuid::Uuid::now_v7().to_string();
                let outcome = keys.seal(&aad("service", org, &sid), b"Placed")?;
                sqlx::query(
                    "INSERT INTO prot_services (id, case_id, org_id, kind, provider_org, start_on, end_on, status, sealed, created_at) \
                     VALUES ($1, $2, $3, $4, NULL, NULL, NULL, 'requested', $5, $6)",
                )
                .bind(&sid)
                .bind(&cid)
                .bind(org.to_string())
                .bind(ServiceKind::ALL[i % ServiceKind::ALL.len()].as_str())
                .bind(outcome)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let tid = uuid::Uuid::now_v7().to_string();
                let text = keys.seal(&aad("task", org, &tid), b"Follow-up call")?;
                let due = d2s(today + time::Duration::days(i64::try_from(i % 90).unwrap_or(0)));
                sqlx::query(
                    "INSERT INTO prot_tasks (id, case_id, org_id, assignee, due_on, done, sealed, created_at) \
                     VALUES ($1, $2, $3, NULL, $4, 0, $5, $6)",
                )
                .bind(&tid)
                .bind(&cid)
                .bind(org.to_string())
                .bind(&due)
                .bind(text)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO prot_deadlines (id, case_id, org_id, kind, due_on, assignee, source_id, done, watcher) \
                     VALUES ($1, $2, $3, 'task', $4, NULL, $5, 0, $6)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&cid)
                .bind(org.to_string())
                .bind(&due)
                .bind(&tid)
                .bind(worker.to_string())
                .execute(&mut *tx)
                .await?;
                ids.push(id);
            }
            // The batch's own audit event: the chain records that the set was seeded.
            let ev = bench_event(
                org,
                me,
                "bench.seed_cases",
                None,
                format!("count={}", upto - n),
            );
            self.commit_audited(tx, &[ev]).await?;
            n = upto;
        }
        let mut written = 0;
        while written < audit_rows {
            let upto = (written + AUDIT_BATCH).min(audit_rows);
            let events: Vec<AuditEvent> = (written..upto)
                .map(|i| {
                    let target = ids.get(i % ids.len().max(1)).map(|c| c.to_string());
                    bench_event(
                        org,
                        workers[i % workers.len()],
                        "case.read",
                        target,
                        String::new(),
                    )
                })
                .collect();
            let db = self.db();
            let tx = db.begin_write().await?;
            self.commit_audited(tx, &events).await?;
            written = upto;
        }
        Ok(BenchSeeded {
            cases,
            own_cases,
            audit_rows,
        })
    }

    /// Up to `limit` ids of the cases of the caseworker's organisation (every one may be
    /// opened by that caseworker), evenly spread over all of them, so that the benchmark's
    /// random picks touch the whole table and not only its newest rows.
    pub async fn bench_case_ids(
        &self,
        caseworker_email: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT c.id FROM prot_cases c JOIN users u ON u.org_id = c.org_id \
             WHERE u.email = $1 ORDER BY c.id",
        )
        .bind(caseworker_email.trim().to_lowercase())
        .fetch_all(&self.db().pool)
        .await?;
        let step = ids.len().div_ceil(limit.max(1)).max(1);
        Ok(ids.into_iter().step_by(step).collect())
    }
}

fn bench_event(
    org: OrgId,
    actor: UserId,
    action: &str,
    target: Option<String>,
    detail: String,
) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        actor_user: Some(actor.to_string()),
        org: Some(org.to_string()),
        action: action.to_owned(),
        target_kind: target.as_ref().map(|_| "case".to_owned()),
        target_id: target,
        outcome: AuditOutcome::Success,
        detail,
        client: None,
    }
}
