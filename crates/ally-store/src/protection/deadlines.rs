//! "My deadlines" (`prot_deadlines`): the rows derived from a case's reflection period, court
//! dates, permit expiries and plan tasks, one per watcher, recomputed in the transaction of
//! every change that moves them.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::{CaseId, CaseState};
use sqlx::Row;

use super::common::{col_date, d2s, today};
use super::model::*;
use crate::Result;
use crate::access::id_col;
use crate::db::WriteTx;

crate::foundation::access::access_handle!(
    /// "My deadlines": the caller's coming deadlines across the cases it works on.
    Deadlines,
    deadlines
);

/// Recomputes a case's rows in `prot_deadlines` (none while the case is closed).
pub(crate) async fn refresh_deadlines(tx: &mut WriteTx, case: CaseId) -> Result<()> {
    let cid = case.to_string();
    sqlx::query("DELETE FROM prot_deadlines WHERE case_id = $1")
        .bind(&cid)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT org_id, state, reflection_end FROM prot_cases WHERE id = $1")
        .bind(&cid)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let state: String = row.try_get("state")?;
    if state == CaseState::Closed.as_str() {
        return Ok(());
    }
    let org: String = row.try_get("org_id")?;
    let mut items: Vec<(&str, String, Option<String>, String)> = Vec::new();
    if let Some(end) = row.try_get::<Option<String>, _>("reflection_end")? {
        items.push(("reflection_end", end, None, cid.clone()));
    }
    for r in sqlx::query("SELECT id, on_date FROM prot_court_dates WHERE case_id = $1")
        .bind(&cid)
        .fetch_all(&mut **tx)
        .await?
    {
        items.push(("court_date", r.try_get("on_date")?, None, r.try_get("id")?));
    }
    for r in sqlx::query(
        "SELECT id, expires_on FROM prot_permits WHERE case_id = $1 AND expires_on IS NOT NULL",
    )
    .bind(&cid)
    .fetch_all(&mut **tx)
    .await?
    {
        items.push((
            "residence_permit_expiry",
            r.try_get("expires_on")?,
            None,
            r.try_get("id")?,
        ));
    }
    for r in sqlx::query(
        "SELECT id, due_on, assignee FROM prot_tasks WHERE case_id = $1 AND done = 0 AND due_on IS NOT NULL",
    )
    .bind(&cid)
    .fetch_all(&mut **tx)
    .await?
    {
        items.push(("task", r.try_get("due_on")?, r.try_get("assignee")?, r.try_get("id")?));
    }
    // Who sees each deadline in "my deadlines": its assignee, else every caseworker of the case
    // (a row with no watcher keeps the deadline when the case has none).
    let workers: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM prot_case_workers WHERE case_id = $1")
            .bind(&cid)
            .fetch_all(&mut **tx)
            .await?;
    for (kind, due, assignee, source) in items {
        let watchers: Vec<Option<String>> = match &assignee {
            Some(a) => vec![Some(a.clone())],
            None if workers.is_empty() => vec![None],
            None => workers.iter().cloned().map(Some).collect(),
        };
        for watcher in watchers {
            sqlx::query(
                "INSERT INTO prot_deadlines (id, case_id, org_id, kind, due_on, assignee, source_id, done, watcher) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&cid)
            .bind(&org)
            .bind(kind)
            .bind(&due)
            .bind(&assignee)
            .bind(&source)
            .bind(watcher)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

impl Deadlines<'_> {
    /// "My deadlines": reflection period ends, court dates, permit expiries and plan tasks of
    /// the cases the principal works on (and tasks assigned to them), soonest first.
    pub async fn my_deadlines(&self, limit: i64) -> Result<Vec<DeadlineRow>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseRead, org, &[], None)
            .await?;
        let me = self.principal.user_id.to_string();
        let rows = sqlx::query(
            // One index range from the user, in date order (see migration 0010): never the
            // organisation's deadlines, nor every case the user works on.
            "SELECT case_id, kind, due_on, id FROM prot_deadlines \
             WHERE watcher = $1 AND done = 0 AND org_id = $2 \
             ORDER BY due_on, id LIMIT $3",
        )
        .bind(me)
        .bind(org.to_string())
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.store.db().pool)
        .await?;
        let today = today();
        let out = rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let due = col_date(&r.try_get::<String, _>("due_on")?)?;
                Ok(DeadlineRow {
                    case_id: id_col(r, "case_id")?,
                    expulsion_sensitive: ally_core::protection::DeadlineKind::parse(&kind)
                        .is_some_and(|k| k.expulsion_sensitive()),
                    kind,
                    due_on: d2s(due),
                    days_left: (due - today).whole_days(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let detail = format!("count={}", out.len());
        self.record(self.event("case.deadlines", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }
}
