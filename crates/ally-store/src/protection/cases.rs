//! The case aggregate (`prot_cases`, `prot_case_events`): opening, listing, reading, the
//! lifecycle, the sealed content and safety plan, the HTCDS facts. A case is loaded in two
//! steps: its clear columns first ([`SealedCase`], enough to authorise), its sealed content
//! only once the principal may see it ([`Access::open_case_row`]).

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::htcds::{
    MethodOfControl, StatusDecisionMaker, TraffickingStatus, TypeOfExploitation,
};
use ally_core::protection::{
    CaseAction, CaseFacts, CaseId, CaseLifecycle, CaseLifecycleParts, CaseState, Closure,
    ReflectionPeriod, Reopening, apply,
};
use ally_core::{OrgId, PersonId};
use sqlx::Row;

use super::common::{aad, col_date, d2s, invalid, opt_date, today};
use super::deadlines::refresh_deadlines;
use super::model::*;
use crate::access::id_col;
use crate::db::WriteTx;
use crate::{Access, Page, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The protection cases of the caller's organisation: opening, listing, reading, the lifecycle,
    /// the sealed content and the HTCDS facts.
    Cases,
    cases
);

/// A case row as stored, opened.
pub(crate) struct CaseRow {
    pub id: CaseId,
    pub org_id: OrgId,
    pub person_id: Option<PersonId>,
    pub interview_id: Option<String>,
    pub lifecycle: CaseLifecycle,
    pub facts: CaseFacts,
    pub may_be_child: bool,
    pub content: CaseContent,
    pub version: i64,
}

/// A case row as stored, its content still sealed: the clear columns that authorisation
/// needs (the lead organisation; whether the person may be a child, which the sharing rules
/// read). Nothing sealed is opened until [`Access::open_case_row`], after the decision.
pub(crate) struct SealedCase {
    pub id: CaseId,
    pub org_id: OrgId,
    pub may_be_child: bool,
    row: sqlx::any::AnyRow,
}

fn codes<T: Copy>(s: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    s.split(',').filter_map(parse).collect()
}

pub(crate) fn case_aad(org: OrgId, id: CaseId) -> String {
    aad("case", org, &id.to_string())
}

fn lifecycle_from_row(row: &sqlx::any::AnyRow, content: &CaseContent) -> Result<CaseLifecycle> {
    let state = CaseState::parse(&row.try_get::<String, _>("state")?)
        .ok_or(StoreError::Corrupt("case state"))?;
    let identified_on = col_date(&row.try_get::<String, _>("identified_on")?)?;
    let reflection = match (
        row.try_get::<Option<String>, _>("reflection_country")?,
        opt_date(row.try_get("reflection_start")?)?,
        row.try_get::<Option<i64>, _>("reflection_days")?,
    ) {
        (Some(c), Some(start), Some(days)) => Some(
            ReflectionPeriod::new(&c, start, u16::try_from(days).unwrap_or(u16::MAX))
                .map_err(|_| StoreError::Corrupt("reflection period"))?,
        ),
        _ => None,
    };
    let closure = match opt_date(row.try_get("closed_on")?)? {
        Some(on) => Some(Closure {
            on,
            reason: content.closure_reason.clone(),
            referred_out: row.try_get::<i64, _>("closed_referred_out")? != 0,
            from_state: CaseState::parse(
                &row.try_get::<Option<String>, _>("closed_from")?
                    .unwrap_or_default(),
            )
            .ok_or(StoreError::Corrupt("closed from"))?,
        }),
        None => None,
    };
    let reopenings = content
        .reopenings
        .iter()
        .map(|r| {
            Ok(Reopening {
                on: col_date(&r.on)?,
                reason: r.reason.clone(),
                closure: Closure {
                    on: col_date(&r.closed_on)?,
                    reason: r.closure_reason.clone(),
                    referred_out: r.referred_out,
                    from_state: CaseState::parse(&r.from_state)
                        .ok_or(StoreError::Corrupt("reopening"))?,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    CaseLifecycle::from_parts(CaseLifecycleParts {
        state,
        identified_on,
        reflection,
        proceedings_open: row.try_get::<i64, _>("proceedings_open")? != 0,
        closure,
        reopenings,
    })
    .map_err(|_| StoreError::Corrupt("case lifecycle"))
}

fn facts_from_row(row: &sqlx::any::AnyRow) -> Result<CaseFacts> {
    Ok(CaseFacts {
        trafficking_status: TraffickingStatus::parse(
            &row.try_get::<String, _>("trafficking_status")?,
        )
        .ok_or(StoreError::Corrupt("trafficking status"))?,
        status_decided_by: row
            .try_get::<Option<String>, _>("status_decided_by")?
            .and_then(|s| StatusDecisionMaker::parse(&s)),
        exploitation: codes(
            &row.try_get::<String, _>("exploitation")?,
            TypeOfExploitation::parse,
        )
        .into_iter()
        .collect(),
        methods_of_control: codes(
            &row.try_get::<String, _>("methods_of_control")?,
            MethodOfControl::parse,
        )
        .into_iter()
        .collect(),
    })
}

fn join<T: Copy>(items: impl IntoIterator<Item = T>, f: fn(T) -> &'static str) -> String {
    items.into_iter().map(f).collect::<Vec<_>>().join(",")
}

const CASE_COLS: &str = "id, org_id, person_id, interview_id, state, identified_on, reflection_country, \
    reflection_start, reflection_days, proceedings_open, closed_on, closed_from, closed_referred_out, \
    trafficking_status, status_decided_by, exploitation, methods_of_control, may_be_child, sealed, version";

impl Access<'_> {
    /// Loads a case's clear columns, opening nothing: what authorisation needs. Every loader
    /// decides first and opens ([`Access::open_case_row`]) after, so that a refused request
    /// (another organisation, no grant) never decrypts a victim's case.
    pub(crate) async fn load_case(&self, id: CaseId) -> Result<Option<SealedCase>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLS} FROM prot_cases WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SealedCase {
            id,
            org_id: id_col(&row, "org_id")?,
            may_be_child: row.try_get::<i64, _>("may_be_child")? != 0,
            row,
        }))
    }

    /// Opens a loaded case with its lead organisation's key: only once the principal has been
    /// authorised to see it.
    pub(crate) async fn open_case_row(&self, case: SealedCase) -> Result<CaseRow> {
        let SealedCase {
            id,
            org_id,
            may_be_child,
            row,
        } = case;
        let keys = self.store.org_keys(org_id).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let plain = zeroize::Zeroizing::new(keys.open(&case_aad(org_id, id), &sealed)?);
        let content: CaseContent =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("case content"))?;
        Ok(CaseRow {
            id,
            org_id,
            person_id: row
                .try_get::<Option<String>, _>("person_id")?
                .and_then(|s| s.parse().ok()),
            interview_id: row.try_get("interview_id")?,
            lifecycle: lifecycle_from_row(&row, &content)?,
            facts: facts_from_row(&row)?,
            may_be_child,
            content,
            version: row.try_get("version")?,
        })
    }

    /// Loads a case, authorises `action` on it for the principal's own organisation (no
    /// grants): the path of every write by the lead organisation. Unknown and foreign cases
    /// give the same answer. The case is opened only once authorised.
    pub(crate) async fn case_for(&self, id: CaseId, action: Action) -> Result<CaseRow> {
        let target = Some(("case", id.to_string()));
        let Some(case) = self.load_case(id).await? else {
            self.authorize_granted(action, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(action, case.org_id, &[], target)
            .await?;
        self.open_case_row(case).await
    }

    pub(crate) fn seal_content(
        &self,
        keys: &crate::crypto::OrgKeys,
        org: OrgId,
        id: CaseId,
        c: &CaseContent,
    ) -> Result<Vec<u8>> {
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(c).map_err(|_| StoreError::Corrupt("case content"))?,
        );
        Ok(keys.seal(&case_aad(org, id), &json)?)
    }

    async fn case_event(
        &self,
        tx: &mut WriteTx,
        case: CaseId,
        action: &str,
        from: &str,
        to: &str,
        reason: Option<(&crate::crypto::OrgKeys, OrgId, &str)>,
    ) -> Result<()> {
        let id = uuid::Uuid::now_v7().to_string();
        let sealed = match reason {
            Some((keys, org, text)) if !text.trim().is_empty() => {
                Some(keys.seal(&aad("case_event", org, &id), text.as_bytes())?)
            }
            _ => None,
        };
        sqlx::query(
            "INSERT INTO prot_case_events (id, case_id, at, actor, action, from_state, to_state, sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(case.to_string())
        .bind(now_ms())
        .bind(self.principal.user_id.to_string())
        .bind(action)
        .bind(from)
        .bind(to)
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

impl Cases<'_> {
    /// Opens a case for a presumed victim; the principal becomes its caseworker.
    pub async fn create_case(&self, new: NewCase) -> Result<CaseId> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseCreate, org, &[], None)
            .await?;
        if let Some(i) = &new.interview_id
            && i.parse::<uuid::Uuid>().is_err()
        {
            return Err(invalid("interview", "invalid"));
        }
        if let Some(p) = new.person_id {
            // The person must be one of the organisation's records.
            let owner: Option<String> =
                sqlx::query_scalar("SELECT org_id FROM persons WHERE id = $1")
                    .bind(p.to_string())
                    .fetch_optional(&self.store.db().pool)
                    .await?;
            if owner.as_deref() != Some(org.to_string().as_str()) {
                return Err(invalid("person", "not_found"));
            }
        }
        if new.content.reference.trim().is_empty() {
            return Err(invalid("reference", "required"));
        }
        let identified_on = new.identified_on.unwrap_or_else(today);
        if identified_on > today() {
            return Err(invalid("identified_on", "in_future"));
        }
        let id = CaseId::new();
        let keys = self.store.org_keys(org).await?;
        let sealed = self.seal_content(&keys, org, id, &new.content)?;
        let facts = CaseFacts::presumed_victim();
        let now = now_ms();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_cases (id, org_id, person_id, interview_id, state, identified_on, \
             proceedings_open, closed_referred_out, trafficking_status, exploitation, methods_of_control, \
             may_be_child, sealed, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, '', '', $8, $9, $10, $11, $12, 1)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(new.person_id.map(|p| p.to_string()))
        .bind(new.interview_id.clone())
        .bind(CaseState::Identified.as_str())
        .bind(d2s(identified_on))
        .bind(facts.trafficking_status.as_str())
        .bind(i64::from(new.may_be_child))
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO prot_case_workers (case_id, user_id, org_id) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(self.principal.user_id.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(p) = new.person_id {
            sqlx::query(
                "INSERT INTO prot_case_persons (case_id, person_id, role) VALUES ($1, $2, 'victim')",
            )
            .bind(id.to_string())
            .bind(p.to_string())
            .execute(&mut *tx)
            .await?;
        }
        self.case_event(
            &mut tx,
            id,
            "open",
            "",
            CaseState::Identified.as_str(),
            None,
        )
        .await?;
        let ev = self.event(
            "case.create",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// The organisation's cases, newest change first, optionally in one state.
    pub async fn list_cases(
        &self,
        state: Option<CaseState>,
        page: Page,
    ) -> Result<Vec<CaseSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, state, identified_on, reflection_end, proceedings_open, updated_at, sealed \
             FROM prot_cases WHERE org_id = $1 AND ($2 = '' OR state = $2) \
             ORDER BY updated_at DESC, id DESC LIMIT $3 OFFSET $4",
        )
        .bind(org.to_string())
        .bind(state.map(|s| s.as_str()).unwrap_or(""))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: CaseId = id_col(&row, "id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let plain = zeroize::Zeroizing::new(keys.open(&case_aad(org, id), &sealed)?);
            let content: CaseContent =
                serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("case content"))?;
            out.push(CaseSummary {
                id,
                state: row.try_get("state")?,
                identified_on: row.try_get("identified_on")?,
                reflection_end: row.try_get("reflection_end")?,
                proceedings_open: row.try_get::<i64, _>("proceedings_open")? != 0,
                updated_at_ms: row.try_get("updated_at")?,
                reference: content.reference,
            });
        }
        let detail = format!("offset={} count={}", page.offset, out.len());
        self.record(self.event("case.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    /// Opens a case: the full record for the lead organisation; for an organisation holding a
    /// referral grant, exactly the field groups its referrals select; otherwise not found.
    pub async fn open_case(&self, id: CaseId) -> Result<OpenedCase> {
        let target = Some(("case", id.to_string()));
        let Some(case) = self.load_case(id).await? else {
            self.authorize_granted(Action::CaseRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let grants = self.case_grants(id, case.org_id).await?;
        self.authorize_granted(Action::CaseRead, case.org_id, &grants, target.clone())
            .await?;
        let case = self.open_case_row(case).await?;
        let view = self.full_view(case).await?;
        if view.org_id == self.principal.org_id {
            self.record(self.event("case.read", target, AuditOutcome::Success, String::new()))
                .await?;
            return Ok(OpenedCase::Full(Box::new(view)));
        }
        let shared = self.shared_view(view).await?;
        let detail = format!(
            "groups={}",
            shared
                .fields
                .keys()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join("+")
        );
        self.record(self.event("case.read_shared", target, AuditOutcome::Success, detail))
            .await?;
        Ok(OpenedCase::Shared(shared))
    }

    /// Applies a lifecycle action (the rules are `ally_core::protection::apply`).
    pub async fn transition_case(&self, id: CaseId, action: CaseAction) -> Result<()> {
        let case = self.case_for(id, Action::CaseUpdate).await?;
        let today = today();
        let next =
            apply(&case.lifecycle, &action, today).map_err(|e| invalid("action", e.code()))?;
        let mut content = case.content.clone();
        let reason = match &action {
            CaseAction::Close { reason, .. } => {
                content.closure_reason = reason.trim().to_owned();
                reason.clone()
            }
            CaseAction::Reopen { reason } => {
                if let Some(c) = case.lifecycle.closure() {
                    content.reopenings.push(StoredReopening {
                        on: d2s(today),
                        reason: reason.trim().to_owned(),
                        closed_on: d2s(c.on),
                        closure_reason: c.reason.clone(),
                        referred_out: c.referred_out,
                        from_state: c.from_state.as_str().to_owned(),
                    });
                }
                content.closure_reason.clear();
                reason.clone()
            }
            _ => String::new(),
        };
        let org = case.org_id;
        let keys = self.store.org_keys(org).await?;
        let sealed = self.seal_content(&keys, org, id, &content)?;
        let parts = next.clone().into_parts();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE prot_cases SET state = $1, reflection_country = $2, reflection_start = $3, \
             reflection_days = $4, reflection_end = $5, proceedings_open = $6, closed_on = $7, \
             closed_from = $8, closed_referred_out = $9, sealed = $10, updated_at = $11, version = version + 1 \
             WHERE id = $12 AND version = $13",
        )
        .bind(parts.state.as_str())
        .bind(parts.reflection.as_ref().map(|r| r.country().to_owned()))
        .bind(parts.reflection.as_ref().map(|r| d2s(r.start())))
        .bind(parts.reflection.as_ref().map(|r| i64::from(r.days())))
        .bind(parts.reflection.as_ref().map(|r| d2s(r.last_day())))
        .bind(i64::from(parts.proceedings_open))
        .bind(parts.closure.as_ref().map(|c| d2s(c.on)))
        .bind(parts.closure.as_ref().map(|c| c.from_state.as_str()))
        .bind(i64::from(
            parts.closure.as_ref().is_some_and(|c| c.referred_out),
        ))
        .bind(sealed)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(case.version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        let kind = action.kind().as_str();
        self.case_event(
            &mut tx,
            id,
            kind,
            case.lifecycle.state().as_str(),
            next.state().as_str(),
            Some((&keys, org, &reason)),
        )
        .await?;
        refresh_deadlines(&mut tx, id).await?;
        let ev = self.event(
            "case.transition",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            format!("action={kind} state={}", next.state().as_str()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Replaces the sealed content (summary, notes by field group, safety plan).
    pub async fn update_case_content(
        &self,
        id: CaseId,
        expected_version: i64,
        content: CaseContent,
    ) -> Result<()> {
        let case = self.case_for(id, Action::CaseUpdate).await?;
        if content.reference.trim().is_empty() {
            return Err(invalid("reference", "required"));
        }
        if !content.safety.risk.is_empty()
            && ally_core::protection::RiskLevel::parse(&content.safety.risk).is_none()
        {
            return Err(invalid("risk", "invalid"));
        }
        let mut content = content;
        content.closure_reason = case.content.closure_reason.clone();
        content.reopenings = case.content.reopenings.clone();
        let keys = self.store.org_keys(case.org_id).await?;
        let sealed = self.seal_content(&keys, case.org_id, id, &content)?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE prot_cases SET sealed = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(sealed)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        let ev = self.event(
            "case.update",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Records the HTCDS facts (trafficking status, who decided it, exploitation, control).
    pub async fn set_case_facts(&self, id: CaseId, facts: CaseFacts) -> Result<()> {
        self.case_for(id, Action::CaseUpdate).await?;
        facts.validate().map_err(|f| invalid(f, "required"))?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE prot_cases SET trafficking_status = $1, status_decided_by = $2, exploitation = $3, \
             methods_of_control = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(facts.trafficking_status.as_str())
        .bind(facts.status_decided_by.map(|d| d.as_str()))
        .bind(join(facts.exploitation.iter().copied(), TypeOfExploitation::as_str))
        .bind(join(facts.methods_of_control.iter().copied(), MethodOfControl::as_str))
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "case.facts",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
