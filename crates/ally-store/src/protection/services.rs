//! Services and the case plan (`prot_services`, `prot_tasks`): service requests and their
//! progress (by the lead, or by the provider that accepted a referral of exactly that service),
//! and the plan's tasks with their assignees and due dates.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::{
    CaseId, ServiceProgress, ServiceRequestId, ServiceStatus, ServiceUpdate,
};
use ally_core::{OrgId, UserId};
use sqlx::Row;
use time::Date;

use super::common::{aad, d2s, invalid, opt_date, today};
use super::deadlines::refresh_deadlines;
use super::model::*;
use crate::access::id_col;
use crate::{Result, StoreError, now_ms};
crate::foundation::access::access_handle!(
    /// The services of a case and the tasks of its plan.
    Services,
    services
);

impl Services<'_> {
    /// Requests a service for a case (`case.update`): its outcome text sealed under `service:<org>:<id>`; audited; returns its id.
    pub async fn add_service(&self, case: CaseId, s: NewService) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        if let (Some(a), Some(b)) = (s.start_on, s.end_on)
            && b < a
        {
            return Err(invalid("end_on", "before_start"));
        }
        if let Some(p) = s.provider_org {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                    .bind(p.to_string())
                    .fetch_optional(&self.store.db().pool)
                    .await?;
            if exists.is_none() {
                return Err(invalid("provider_org", "not_found"));
            }
        }
        self.insert_child(
            &case,
            "service",
            "INSERT INTO prot_services (id, case_id, org_id, kind, provider_org, start_on, end_on, status, sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            vec![
                Some(s.kind.as_str().to_owned()),
                s.provider_org.map(|p| p.to_string()),
                s.start_on.map(d2s),
                s.end_on.map(d2s),
                Some(s.status.as_str().to_owned()),
            ],
            &s.outcome,
            format!("kind={} status={}", s.kind.as_str(), s.status.as_str()),
        )
        .await
    }

    /// Adds a task to a case's plan (`case.update`), its text sealed under `task:<org>:<id>`; the case's deadlines are rebuilt; audited; returns its id.
    pub async fn add_task(
        &self,
        case: CaseId,
        text: &str,
        assignee: Option<UserId>,
        due_on: Option<Date>,
    ) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        if text.trim().is_empty() {
            return Err(invalid("task", "required"));
        }
        if let Some(u) = assignee {
            let org: Option<String> = sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
                .bind(u.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
            if org.as_deref() != Some(case.org_id.to_string().as_str()) {
                return Err(invalid("assignee", "not_found"));
            }
        }
        self.insert_child(
            &case,
            "task",
            "INSERT INTO prot_tasks (id, case_id, org_id, assignee, due_on, done, sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
            vec![assignee.map(|u| u.to_string()), due_on.map(d2s)],
            text,
            String::new(),
        )
        .await
    }

    /// Changes a service request: its status (the rules are `ServiceProgress::apply`: requested
    /// → in progress → delivered, or declined / cancelled, with the dates), and its outcome.
    /// The lead organisation may, and so may the provider that accepted the referral of exactly
    /// this service; nobody else (another organisation is told "not found").
    pub async fn update_service(&self, service: &str, change: ServiceChange) -> Result<CaseId> {
        // Only a well-formed id reaches the audit log (never text a user typed).
        let parsed = service.parse::<ServiceRequestId>().ok();
        let target = parsed.map(|s| ("service", s.to_string()));
        let row = match parsed {
            Some(sid) => sqlx::query(
                "SELECT case_id, org_id, status, start_on, end_on FROM prot_services WHERE id = $1",
            )
            .bind(sid.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?
            .map(|r| (sid, r)),
            None => None,
        };
        let Some((sid, row)) = row else {
            self.authorize_granted(Action::CaseUpdate, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        // The canonical form from here on (the sealed outcome's associated data names it).
        let service = sid.to_string();
        let service = service.as_str();
        let case: CaseId = id_col(&row, "case_id")?;
        let owner: OrgId = id_col(&row, "org_id")?;
        let grants = self.service_provider_grant(case, owner, sid).await?;
        self.authorize_granted(Action::CaseUpdate, owner, &grants, target)
            .await?;
        let current = ServiceProgress {
            status: ServiceStatus::parse(&row.try_get::<String, _>("status")?)
                .ok_or(StoreError::Corrupt("service status"))?,
            start_on: opt_date(row.try_get("start_on")?)?,
            end_on: opt_date(row.try_get("end_on")?)?,
        };
        let next = current
            .apply(
                ServiceUpdate {
                    status: change.status,
                    on: change.on,
                },
                today(),
            )
            .map_err(|e| match e {
                ally_core::protection::ServiceError::EndBeforeStart => invalid("on", e.code()),
                _ => invalid("status", e.code()),
            })?;
        let sealed = match &change.outcome {
            Some(text) => {
                let keys = self.store.org_keys(owner).await?;
                Some(keys.seal(&aad("service", owner, service), text.trim().as_bytes())?)
            }
            None => None,
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE prot_services SET status = $1, start_on = $2, end_on = $3 WHERE id = $4",
        )
        .bind(next.status.as_str())
        .bind(next.start_on.map(d2s))
        .bind(next.end_on.map(d2s))
        .bind(service)
        .execute(&mut *tx)
        .await?;
        if let Some(sealed) = sealed {
            sqlx::query("UPDATE prot_services SET sealed = $1 WHERE id = $2")
                .bind(sealed)
                .bind(service)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE prot_cases SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(case.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "service.update",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!(
                "service={service} status={}>{} by={} outcome={}",
                current.status.as_str(),
                next.status.as_str(),
                if grants.is_empty() {
                    "lead"
                } else {
                    "provider"
                },
                change.outcome.is_some()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(case)
    }

    /// Changes a task of the case plan: done or not, its assignee (a user of the lead
    /// organisation, or nobody), its due date. "My deadlines" follows at once.
    pub async fn update_task(&self, task: &str, change: TaskChange) -> Result<CaseId> {
        // The canonical form of the id, as stored; only it reaches the audit log.
        let task = task
            .parse::<uuid::Uuid>()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let task = task.as_str();
        let target = (!task.is_empty()).then(|| ("task", task.to_owned()));
        let row = if task.is_empty() {
            None
        } else {
            sqlx::query("SELECT case_id, done, assignee, due_on FROM prot_tasks WHERE id = $1")
                .bind(task)
                .fetch_optional(&self.store.db().pool)
                .await?
        };
        let Some(row) = row else {
            self.authorize_granted(Action::CaseUpdate, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let case = self
            .case_for(id_col(&row, "case_id")?, Action::CaseUpdate)
            .await?;
        if let Some(Some(u)) = change.assignee {
            let org: Option<String> = sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
                .bind(u.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
            if org.as_deref() != Some(case.org_id.to_string().as_str()) {
                return Err(invalid("assignee", "not_found"));
            }
        }
        let was_done = row.try_get::<i64, _>("done")? != 0;
        let was_assignee: Option<String> = row.try_get("assignee")?;
        let was_due: Option<String> = row.try_get("due_on")?;
        let done = change.done.unwrap_or(was_done);
        let assignee = match change.assignee {
            Some(a) => a.map(|u| u.to_string()),
            None => was_assignee.clone(),
        };
        let due = match change.due_on {
            Some(d) => d.map(d2s),
            None => was_due.clone(),
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE prot_tasks SET done = $1, assignee = $2, due_on = $3 WHERE id = $4")
            .bind(i64::from(done))
            .bind(assignee.clone())
            .bind(due.clone())
            .bind(task)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE prot_cases SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(case.id.to_string())
            .execute(&mut *tx)
            .await?;
        refresh_deadlines(&mut tx, case.id).await?;
        let ev = self.event(
            "task.update",
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            format!(
                "task={task} done={done} reassigned={} due_changed={}",
                assignee != was_assignee,
                due != was_due
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(case.id)
    }
}
