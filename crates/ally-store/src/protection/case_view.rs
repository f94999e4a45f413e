//! The full read model of a case: the case row with every record attached to it (history,
//! services, tasks, consents, legal bases, referrals, proceedings, court dates, permits,
//! compensation, linked persons), opened with the lead organisation's key.

use ally_core::OrgId;
use ally_core::protection::{
    ProceedingsOutcome, ProceedingsStage, ServiceKind, ServiceStatus, VictimRole,
};
use sqlx::Row;

use super::cases::CaseRow;
use super::common::{aad, col_date, opt_date};
use super::model::*;
use crate::{Access, Result, StoreError};

impl Access<'_> {
    /// Everything about a case (not authorised, not audited: callers do both).
    pub(crate) async fn full_view(&self, case: CaseRow) -> Result<CaseView> {
        let pool = &self.store.db().pool;
        let org = case.org_id;
        let keys = self.store.org_keys(org).await?;
        let cid = case.id.to_string();
        let open = |kind: &str, id: &str, sealed: Option<Vec<u8>>| -> Result<String> {
            match sealed {
                None => Ok(String::new()),
                Some(s) => {
                    let plain = keys.open(&aad(kind, org, id), &s)?;
                    String::from_utf8(plain).map_err(|_| StoreError::Corrupt("sealed text"))
                }
            }
        };
        let person_name = match case.person_id {
            Some(p) => self
                .person_identity(org, p)
                .await?
                .map(|i| i.display_name()),
            None => None,
        };
        let worker_ids: Vec<String> = sqlx::query_scalar(
            "SELECT user_id FROM prot_case_workers WHERE case_id = $1 ORDER BY user_id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?;
        let worker_names = self.user_names(&worker_ids).await?;
        let caseworkers = worker_ids
            .iter()
            .zip(worker_names)
            .filter_map(|(id, n)| id.parse().ok().map(|id| (id, n)))
            .collect();
        let mut history = Vec::new();
        for r in sqlx::query(
            "SELECT id, at, actor, action, from_state, to_state, sealed FROM prot_case_events \
             WHERE case_id = $1 ORDER BY at, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            let id: String = r.try_get("id")?;
            let actor: String = r.try_get("actor")?;
            history.push(CaseEvent {
                at_ms: r.try_get("at")?,
                actor: self
                    .user_names(std::slice::from_ref(&actor))
                    .await?
                    .pop()
                    .unwrap_or_default(),
                action: r.try_get("action")?,
                from_state: r.try_get("from_state")?,
                to_state: r.try_get("to_state")?,
                reason: open("case_event", &id, r.try_get("sealed")?)?,
            });
        }
        let mut services = Vec::new();
        for r in sqlx::query(
            "SELECT id, kind, provider_org, start_on, end_on, status, sealed FROM prot_services \
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            let id: String = r.try_get("id")?;
            let provider_org: Option<OrgId> = r
                .try_get::<Option<String>, _>("provider_org")?
                .and_then(|s| s.parse().ok());
            services.push(ServiceRecord {
                kind: ServiceKind::parse(&r.try_get::<String, _>("kind")?)
                    .ok_or(StoreError::Corrupt("service kind"))?,
                provider_name: match provider_org {
                    Some(o) => self.org_name(&o.to_string()).await?.unwrap_or_default(),
                    None => String::new(),
                },
                provider_org,
                start_on: opt_date(r.try_get("start_on")?)?,
                end_on: opt_date(r.try_get("end_on")?)?,
                status: ServiceStatus::parse(&r.try_get::<String, _>("status")?)
                    .ok_or(StoreError::Corrupt("service status"))?,
                outcome: open("service", &id, r.try_get("sealed")?)?,
                id,
            });
        }
        let mut tasks = Vec::new();
        for r in sqlx::query(
            "SELECT id, assignee, due_on, done, sealed FROM prot_tasks WHERE case_id = $1 \
             ORDER BY done, due_on, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            let id: String = r.try_get("id")?;
            let assignee: Option<String> = r.try_get("assignee")?;
            let assignee_name = match &assignee {
                Some(a) => self
                    .user_names(std::slice::from_ref(a))
                    .await?
                    .pop()
                    .unwrap_or_default(),
                None => String::new(),
            };
            tasks.push(PlanTask {
                text: open("task", &id, r.try_get("sealed")?)?,
                assignee: assignee.and_then(|a| a.parse().ok()),
                assignee_name,
                due_on: opt_date(r.try_get("due_on")?)?,
                done: r.try_get::<i64, _>("done")? != 0,
                id,
            });
        }
        let mut proceedings = Vec::new();
        for r in sqlx::query(
            "SELECT id, stage, victim_role, outcome, opened_on, sealed FROM prot_proceedings \
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            let id: String = r.try_get("id")?;
            proceedings.push(ProceedingsRecord {
                stage: ProceedingsStage::parse(&r.try_get::<String, _>("stage")?)
                    .ok_or(StoreError::Corrupt("stage"))?,
                victim_role: VictimRole::parse(&r.try_get::<String, _>("victim_role")?)
                    .ok_or(StoreError::Corrupt("victim role"))?,
                outcome: r
                    .try_get::<Option<String>, _>("outcome")?
                    .and_then(|o| ProceedingsOutcome::parse(&o)),
                opened_on: col_date(&r.try_get::<String, _>("opened_on")?)?,
                notes: open("proceedings", &id, r.try_get("sealed")?)?,
                id,
            });
        }
        let mut court_dates = Vec::new();
        for r in sqlx::query(
            "SELECT id, on_date, accompanied, sealed FROM prot_court_dates WHERE case_id = $1 \
             ORDER BY on_date, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            let id: String = r.try_get("id")?;
            court_dates.push(CourtDate {
                on: col_date(&r.try_get::<String, _>("on_date")?)?,
                accompanied: r.try_get::<i64, _>("accompanied")? != 0,
                note: open("court_date", &id, r.try_get("sealed")?)?,
                id,
            });
        }
        let mut permits = Vec::new();
        for r in sqlx::query(
            "SELECT id, applied_on, renewal, decision, decided_on, expires_on FROM prot_permits \
             WHERE case_id = $1 ORDER BY applied_on, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            permits.push(PermitRecord {
                id: r.try_get("id")?,
                applied_on: col_date(&r.try_get::<String, _>("applied_on")?)?,
                renewal: r.try_get::<i64, _>("renewal")? != 0,
                decision: r.try_get("decision")?,
                decided_on: opt_date(r.try_get("decided_on")?)?,
                expires_on: opt_date(r.try_get("expires_on")?)?,
            });
        }
        let mut compensation = Vec::new();
        for r in sqlx::query(
            "SELECT id, currency, claimed, awarded, received, filed_on FROM prot_compensation \
             WHERE case_id = $1 ORDER BY filed_on, id",
        )
        .bind(&cid)
        .fetch_all(pool)
        .await?
        {
            compensation.push(CompensationRecord {
                id: r.try_get("id")?,
                currency: r.try_get("currency")?,
                claimed: r.try_get("claimed")?,
                awarded: r.try_get("awarded")?,
                received: r.try_get("received")?,
                filed_on: col_date(&r.try_get::<String, _>("filed_on")?)?,
            });
        }
        let consents = self.consents_of(case.id, org).await?;
        let persons = self.linked_persons(case.id, org).await?;
        let legal_bases = self.legal_bases_of(case.id, org).await?;
        let referrals = self.referrals_of(case.id).await?;
        Ok(CaseView {
            id: case.id,
            org_id: org,
            person_id: case.person_id,
            person_name,
            interview_id: case.interview_id,
            allowed: case.lifecycle.allowed_actions(),
            lifecycle: case.lifecycle,
            facts: case.facts,
            may_be_child: case.may_be_child,
            content: case.content,
            caseworkers,
            persons,
            history,
            services,
            tasks,
            consents,
            legal_bases,
            referrals,
            proceedings,
            court_dates,
            permits,
            compensation,
            version: case.version,
        })
    }
}
