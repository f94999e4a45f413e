//! Cases: opening, listing, the lifecycle, the sealed content and safety plan, caseworkers,
//! services, the case plan, proceedings, court dates, permits, compensation, deadlines.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::person::PersonIdentity;
use ally_core::protection::htcds::{
    MethodOfControl, StatusDecisionMaker, TraffickingStatus, TypeOfExploitation,
};
use ally_core::protection::{
    CaseAction, CaseFacts, CaseId, CaseLifecycle, CaseLifecycleParts, CaseState, Closure,
    ProceedingsOutcome, ProceedingsStage, ReflectionPeriod, Reopening, ServiceKind,
    ServiceProgress, ServiceRequestId, ServiceStatus, ServiceUpdate, VictimRole, apply,
};
use ally_core::{OrgId, PersonId, UserId};
use sqlx::Row;
use time::Date;

use super::model::*;
use super::{aad, col_date, d2s, invalid, opt_date, today};
use crate::access::{id_col, person_aad};
use crate::db::WriteTx;
use crate::{Access, Page, Result, StoreError, now_ms};

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
    pub(crate) async fn load_case(&self, id: CaseId) -> Result<Option<CaseRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLS} FROM prot_cases WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org_id: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org_id).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let plain = zeroize::Zeroizing::new(keys.open(&case_aad(org_id, id), &sealed)?);
        let content: CaseContent =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("case content"))?;
        Ok(Some(CaseRow {
            id,
            org_id,
            person_id: row
                .try_get::<Option<String>, _>("person_id")?
                .and_then(|s| s.parse().ok()),
            interview_id: row.try_get("interview_id")?,
            lifecycle: lifecycle_from_row(&row, &content)?,
            facts: facts_from_row(&row)?,
            may_be_child: row.try_get::<i64, _>("may_be_child")? != 0,
            content,
            version: row.try_get("version")?,
        }))
    }

    /// Loads a case and authorises `action` on it for the principal's own organisation (no
    /// grants): the path of every write by the lead organisation. Unknown and foreign cases
    /// give the same answer.
    pub(crate) async fn case_for(&self, id: CaseId, action: Action) -> Result<CaseRow> {
        let target = Some(("case", id.to_string()));
        let Some(case) = self.load_case(id).await? else {
            self.authorize_granted(action, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(action, case.org_id, &[], target)
            .await?;
        Ok(case)
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

    pub(crate) async fn user_names(&self, ids: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let name: Option<String> =
                sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.store.db().pool)
                    .await?;
            out.push(name.unwrap_or_default());
        }
        Ok(out)
    }

    pub(crate) async fn person_identity(
        &self,
        org: OrgId,
        id: PersonId,
    ) -> Result<Option<PersonIdentity>> {
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM persons WHERE id = $1 AND org_id = $2")
                .bind(id.to_string())
                .bind(org.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let keys = self.store.org_keys(org).await?;
        let plain = zeroize::Zeroizing::new(keys.open(&person_aad(org, id), &sealed)?);
        Ok(Some(
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("identity"))?,
        ))
    }

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

    /// Assigns a caseworker of the organisation to the case.
    pub async fn assign_caseworker(&self, id: CaseId, user: UserId) -> Result<()> {
        let case = self.case_for(id, Action::CaseUpdate).await?;
        let org: Option<String> = sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        if org.as_deref() != Some(case.org_id.to_string().as_str()) {
            return Err(invalid("user", "not_found"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM prot_case_workers WHERE case_id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO prot_case_workers (case_id, user_id, org_id) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(case.org_id.to_string())
            .execute(&mut *tx)
            .await?;
        // The new caseworker sees the case's deadlines.
        refresh_deadlines(&mut tx, id).await?;
        let ev = self.event(
            "case.assign",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            format!("user={user}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Generic insert of a sealed child record of a case, with its audit event.
    async fn insert_child(
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

    /// Opens proceedings (complaint or investigation) and marks the case's proceedings open.
    pub async fn add_proceedings(
        &self,
        case: CaseId,
        stage: ProceedingsStage,
        victim_role: VictimRole,
        opened_on: Date,
        notes: &str,
    ) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        let p = ally_core::protection::Proceedings::open(stage, opened_on, victim_role)
            .map_err(|e| invalid("stage", e.code()))?;
        self.insert_child(
            &case,
            "proceedings",
            "INSERT INTO prot_proceedings (id, case_id, org_id, stage, victim_role, opened_on, sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                Some(p.stage.as_str().to_owned()),
                Some(p.victim_role.as_str().to_owned()),
                Some(d2s(p.opened_on)),
            ],
            notes,
            format!("stage={}", p.stage.as_str()),
        )
        .await
    }

    /// Moves proceedings to their next stage (an outcome exactly at the outcome stage).
    pub async fn advance_proceedings(
        &self,
        case: CaseId,
        proceedings: &str,
        next: ProceedingsStage,
        outcome: Option<ProceedingsOutcome>,
    ) -> Result<()> {
        let view = {
            let case = self.case_for(case, Action::CaseUpdate).await?;
            self.full_view(case).await?
        };
        let rec = view
            .proceedings
            .iter()
            .find(|p| p.id == proceedings)
            .ok_or(StoreError::NotFound)?;
        let current = ally_core::protection::Proceedings {
            stage: rec.stage,
            opened_on: rec.opened_on,
            victim_role: rec.victim_role,
            outcome: rec.outcome,
            hearings: Vec::new(),
        };
        let moved = current
            .advance(next, outcome)
            .map_err(|e| invalid("stage", e.code()))?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE prot_proceedings SET stage = $1, outcome = $2 WHERE id = $3 AND case_id = $4",
        )
        .bind(moved.stage.as_str())
        .bind(moved.outcome.map(|o| o.as_str()))
        .bind(proceedings)
        .bind(case.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "proceedings.advance",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("stage={}", moved.stage.as_str()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    pub async fn add_court_date(
        &self,
        case: CaseId,
        on: Date,
        accompanied: bool,
        note: &str,
    ) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        self.insert_child(
            &case,
            "court_date",
            "INSERT INTO prot_court_dates (id, case_id, org_id, on_date, accompanied, sealed, created_at) \
             VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), $6, $7)",
            vec![
                Some(d2s(on)),
                Some(if accompanied { "1" } else { "0" }.to_owned()),
            ],
            note,
            format!("accompanied={accompanied}"),
        )
        .await
    }

    /// Records a residence permit application (art. 14) or renewal, and its decision.
    pub async fn add_permit(&self, case: CaseId, p: PermitRecord) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        if !matches!(p.decision.as_str(), "pending" | "granted" | "refused") {
            return Err(invalid("decision", "invalid"));
        }
        if p.decision == "granted" && p.expires_on.is_none() {
            return Err(invalid("expires_on", "required"));
        }
        if p.decided_on.is_some_and(|d| d < p.applied_on) {
            return Err(invalid("decided_on", "date_order"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_permits (id, case_id, org_id, applied_on, renewal, decision, decided_on, expires_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(case.id.to_string())
        .bind(case.org_id.to_string())
        .bind(d2s(p.applied_on))
        .bind(i64::from(p.renewal))
        .bind(p.decision.clone())
        .bind(p.decided_on.map(d2s))
        .bind(p.expires_on.map(d2s))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        refresh_deadlines(&mut tx, case.id).await?;
        let ev = self.event(
            "permit.add",
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            format!("decision={} renewal={}", p.decision, p.renewal),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Records a compensation claim (art. 15): amounts are exact decimals (text, validated).
    pub async fn add_compensation(&self, case: CaseId, c: CompensationRecord) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        ally_core::protection::CurrencyCode::new(&c.currency)
            .map_err(|_| invalid("currency", "invalid"))?;
        let claimed = decimal(&c.claimed, "claimed")?;
        let awarded = c
            .awarded
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|a| decimal(a, "awarded"))
            .transpose()?;
        let received = if c.received.trim().is_empty() {
            "0".to_owned()
        } else {
            decimal(&c.received, "received")?
        };
        let id = uuid::Uuid::now_v7().to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_compensation (id, case_id, org_id, currency, claimed, awarded, received, filed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(case.id.to_string())
        .bind(case.org_id.to_string())
        .bind(c.currency.trim().to_ascii_uppercase())
        .bind(claimed)
        .bind(awarded)
        .bind(received)
        .bind(d2s(c.filed_on))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "compensation.add",
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

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

/// Validates an exact decimal amount (non-negative, at most 2 decimals) and returns it as text.
fn decimal(s: &str, field: &'static str) -> Result<String> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.len() <= 15
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(s.contains('.') && frac.is_empty());
    if !ok {
        return Err(invalid(field, "invalid_amount"));
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Ok(if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac:0<2}")
    })
}

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

impl Access<'_> {
    /// The organisation's users who may work on cases (for assigning caseworkers and tasks).
    pub async fn case_assignable_users(&self) -> Result<Vec<(UserId, String)>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseUpdate, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, display_name, roles FROM users WHERE org_id = $1 AND disabled = 0 ORDER BY display_name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let roles = crate::access::roles_from_text(&r.try_get::<String, _>("roles")?);
            if roles
                .iter()
                .any(|role| ally_core::authz::role_allows(*role, Action::CaseRead))
            {
                out.push((id_col(&r, "id")?, r.try_get("display_name")?));
            }
        }
        Ok(out)
    }

    /// Links a person of the organisation to the case with a role (victim, relative, witness,
    /// suspect); linking again changes the role.
    pub async fn link_person(&self, case: CaseId, person: PersonId, role: &str) -> Result<()> {
        let row = self.case_for(case, Action::CaseUpdate).await?;
        if !PERSON_ROLES.contains(&role) {
            return Err(invalid("role", "invalid"));
        }
        let owner: Option<String> = sqlx::query_scalar("SELECT org_id FROM persons WHERE id = $1")
            .bind(person.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        if owner.as_deref() != Some(row.org_id.to_string().as_str()) {
            return Err(invalid("person", "not_found"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM prot_case_persons WHERE case_id = $1 AND person_id = $2")
            .bind(case.to_string())
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO prot_case_persons (case_id, person_id, role) VALUES ($1, $2, $3)")
            .bind(case.to_string())
            .bind(person.to_string())
            .bind(role)
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "case.link_person",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("person={person} role={role}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The persons linked to a case, with their roles and names (the lead organisation's).
    pub(crate) async fn linked_persons(
        &self,
        case: CaseId,
        org: OrgId,
    ) -> Result<Vec<(PersonId, String, String)>> {
        let rows = sqlx::query(
            "SELECT person_id, role FROM prot_case_persons WHERE case_id = $1 ORDER BY role, person_id",
        )
        .bind(case.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: PersonId = id_col(&r, "person_id")?;
            let name = self
                .person_identity(org, id)
                .await?
                .map(|i| i.display_name())
                .unwrap_or_default();
            out.push((id, r.try_get("role")?, name));
        }
        Ok(out)
    }
}

/// The roles a person can have in a case.
pub const PERSON_ROLES: &[&str] = &["victim", "relative", "witness", "suspect", "other"];

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(decimal("1200.5", "x").ok().as_deref(), Some("1200.50"));
        assert_eq!(decimal("007", "x").ok().as_deref(), Some("7"));
        assert!(decimal("1.234", "x").is_err());
        assert!(decimal("-3", "x").is_err());
        assert!(decimal("1e3", "x").is_err());
        assert!(decimal("", "x").is_err());
        assert!(decimal("5.", "x").is_err());
    }
}
