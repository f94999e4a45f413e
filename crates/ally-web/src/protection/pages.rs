//! HTML pages of the protection module.

use std::collections::BTreeSet;

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseAction, CaseActionKind, CaseId, CaseState, ConsentGiver, ConsentPurpose, ConsentStatus,
    FieldGroup, LegalBasis, ProceedingsOutcome, ProceedingsStage, ReferralAction, ReferralId,
    ReflectionPolicy, RiskLevel, ServiceKind, ServiceStatus, VictimRole,
};
use ally_store::protection::{
    CaseContent, CaseView, CompensationRecord, DirectoryEntry, NewCase, NewConsent, NewLegalBasis,
    NewReferralForm, NewService, OpenedCase, PermitRecord, ReferralView, SafetyPlan, ServiceChange,
    ServiceRecord, SharedCase, TaskChange, parse_date,
};
use ally_store::{Page, StoreError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use time::Date;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

// ----- form parsing -----

/// A submitted form as its pairs (checkbox groups repeat a name).
pub(crate) struct Form(pub Vec<(String, String)>);

/// A field at fault and why (a message key suffix).
pub(crate) type Bad = (&'static str, &'static str);

impl Form {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), "on" | "true" | "1" | "yes")
    }
    pub fn text(&self, k: &'static str, max: usize) -> Result<String, Bad> {
        let v = self.get(k).trim();
        if v.chars().count() > max {
            return Err((k, "too_long"));
        }
        Ok(v.to_owned())
    }
    pub fn date(&self, k: &'static str) -> Result<Option<Date>, Bad> {
        let v = self.get(k).trim();
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(v).map(Some).ok_or((k, "invalid_date"))
    }
    pub fn req_date(&self, k: &'static str) -> Result<Date, Bad> {
        self.date(k)?.ok_or((k, "required"))
    }
    pub fn code<T>(&self, k: &'static str, parse: fn(&str) -> Option<T>) -> Result<T, Bad> {
        parse(self.get(k)).ok_or((k, "invalid"))
    }
    pub fn groups(&self, k: &'static str) -> Result<BTreeSet<FieldGroup>, Bad> {
        self.all(k)
            .into_iter()
            .map(|g| FieldGroup::parse(g).ok_or((k, "invalid")))
            .collect()
    }
    pub fn orgs(&self, k: &'static str) -> Result<BTreeSet<OrgId>, Bad> {
        self.all(k)
            .into_iter()
            .map(|o| o.parse().map_err(|_| (k, "invalid")))
            .collect()
    }
}

/// Why a form was not accepted: a message for the user (the page is shown again, 422).
pub(crate) enum Refused {
    Field(Bad),
    Page(PageError),
}

impl From<Bad> for Refused {
    fn from(b: Bad) -> Self {
        Refused::Field(b)
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) if !f.is_empty() => Refused::Field((f[0].field, f[0].code)),
            other => Refused::Page(other.into()),
        }
    }
}

impl From<PageError> for Refused {
    fn from(e: PageError) -> Self {
        Refused::Page(e)
    }
}

/// "Field: what is wrong", translated.
pub(crate) fn refusal_message(tr: &Tr, (field, code): Bad) -> String {
    let label_key = format!("prot-label-{field}");
    let label = tr.t(&label_key);
    let label = if label == label_key {
        field.to_owned()
    } else {
        label
    };
    let key = format!("prot-error-{code}");
    let msg = tr.t(&key);
    let msg = if msg == key {
        tr.t("prot-error-invalid")
    } else {
        msg
    };
    format!("{label}: {msg}")
}

fn case_id(s: &str) -> Result<CaseId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

fn label(tr: &Tr, prefix: &str, code: &str) -> String {
    tr.t(&format!("{prefix}-{code}"))
}

fn opts<T: Copy>(
    tr: &Tr,
    prefix: &str,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_owned(), label(tr, prefix, code(*x))))
        .collect()
}

fn d(x: Option<Date>) -> String {
    x.map(ally_store_d2s).unwrap_or_default()
}

fn ally_store_d2s(x: Date) -> String {
    format!("{:04}-{:02}-{:02}", x.year(), u8::from(x.month()), x.day())
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

// ----- the case list -----

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    offset: i64,
}

pub(crate) struct CaseItem {
    id: String,
    reference: String,
    state: String,
    identified: String,
    reflection_end: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "protection_cases.html")]
struct CasesPage {
    l: Layout,
    items: Vec<CaseItem>,
    states: Vec<(String, String)>,
    state: String,
    may_create: bool,
    next: Option<String>,
    prev: Option<String>,
    retention: Vec<String>,
}

pub(crate) async fn cases(v: Viewer, Query(q): Query<ListQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let state = CaseState::parse(&q.state);
    let page = Page::new(q.offset, 50);
    let items = access.list_cases(state, page).await?;
    let retention = access
        .retention_flags()
        .await?
        .into_iter()
        .map(|f| f.record_id)
        .collect();
    let tr = &v.ctx.tr;
    let full = items.len() as i64 == page.limit;
    let st = state.map(|s| s.as_str()).unwrap_or("");
    html(&CasesPage {
        l: layout(&v.ctx, tr.t("prot-cases-title"), "/cases"),
        items: items
            .into_iter()
            .map(|c| CaseItem {
                id: c.id.to_string(),
                reference: c.reference,
                state: label(tr, "prot-state", &c.state),
                identified: c.identified_on,
                reflection_end: c.reflection_end.unwrap_or_default(),
                updated: fmt_ms(c.updated_at_ms),
            })
            .collect(),
        states: opts(tr, "prot-state", CaseState::ALL, CaseState::as_str),
        state: st.to_owned(),
        may_create: p.may(Action::CaseCreate),
        next: full.then(|| format!("/cases?state={st}&offset={}", page.offset + page.limit)),
        prev: (page.offset > 0).then(|| {
            format!(
                "/cases?state={st}&offset={}",
                (page.offset - page.limit).max(0)
            )
        }),
        retention,
    })
}

// ----- opening a case -----

#[derive(Deserialize, Default)]
pub(crate) struct NewQuery {
    #[serde(default)]
    interview: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    then: String,
}

#[derive(Template)]
#[template(path = "protection_case_new.html")]
struct NewCasePage {
    l: Layout,
    interview: String,
    person: String,
    then: String,
    reference: String,
    summary: String,
    identified_on: String,
    error: Option<String>,
}

pub(crate) async fn case_new(v: Viewer, Query(q): Query<NewQuery>) -> PageResult {
    v.access().require(Action::CaseCreate).await?;
    let tr = &v.ctx.tr;
    // Only well-formed ids are carried into the form.
    let keep = |s: &str| {
        s.parse::<uuid::Uuid>()
            .map(|u| u.to_string())
            .unwrap_or_default()
    };
    html(&NewCasePage {
        l: layout(&v.ctx, tr.t("prot-new-title"), "/cases"),
        interview: keep(&q.interview),
        person: keep(&q.person),
        then: if q.then == "refer" {
            "refer".into()
        } else {
            String::new()
        },
        reference: String::new(),
        summary: String::new(),
        identified_on: ally_store_d2s(today()),
        error: None,
    })
}

pub(crate) async fn case_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let access = v.access();
    access.require(Action::CaseCreate).await?;
    let attempt = async {
        let person = match f.get("person").trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| ("person", "invalid"))?),
        };
        let interview = match f.get("interview").trim() {
            "" => None,
            s => Some(
                s.parse::<uuid::Uuid>()
                    .map_err(|_| ("interview", "invalid"))?
                    .to_string(),
            ),
        };
        let new = NewCase {
            person_id: person,
            interview_id: interview,
            identified_on: f.date("identified_on")?,
            may_be_child: f.flag("may_be_child"),
            content: CaseContent {
                reference: f.text("reference", 200)?,
                summary: f.text("summary", 5000)?,
                ..Default::default()
            },
        };
        Ok::<_, Refused>(access.create_case(new).await?)
    };
    match attempt.await {
        Ok(id) => {
            let p = v.session.principal();
            let interview = f.get("interview");
            Ok(see_other(&if !p.may(Action::CaseRead) {
                // Those who may open a case but not read cases (an interviewer) hand over:
                // back to the interview they came from, with a notice.
                match interview.parse::<uuid::Uuid>() {
                    Ok(i) => format!("/interviews/{i}/result?case=opened"),
                    Err(_) => "/dashboard".to_owned(),
                }
            } else if f.get("then") == "refer" && p.may(Action::ReferralManage) {
                format!("/cases/{id}/refer")
            } else {
                format!("/cases/{id}")
            }))
        }
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let tr = &v.ctx.tr;
            let page = NewCasePage {
                l: layout(&v.ctx, tr.t("prot-new-title"), "/cases"),
                interview: f.get("interview").chars().take(40).collect(),
                person: f.get("person").chars().take(40).collect(),
                then: if f.get("then") == "refer" {
                    "refer".into()
                } else {
                    String::new()
                },
                reference: f.get("reference").chars().take(200).collect(),
                summary: f.get("summary").chars().take(5000).collect(),
                identified_on: f.get("identified_on").chars().take(10).collect(),
                error: Some(refusal_message(tr, b)),
            };
            html(&page).map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

// ----- the case view -----

pub(crate) struct Row {
    cells: Vec<String>,
    id: String,
    flag: bool,
}

pub(crate) struct SafetyVm {
    risk: String,
    high: bool,
    threats: String,
    avoid: String,
    channel: String,
    code_word: String,
}

#[derive(Template)]
#[template(path = "protection_case.html")]
struct CasePage {
    l: Layout,
    id: String,
    /// The case, for the forms' hidden `case` field (the same as `id`).
    case_ref: String,
    reference: String,
    person: Option<(String, String)>,
    interview: String,
    state: String,
    state_code: String,
    htcds_status: String,
    identified_on: String,
    reflection: Option<(String, String, String)>,
    proceedings_open: bool,
    safety: Option<SafetyVm>,
    notes: Vec<(String, String)>,
    actions: Vec<(String, String)>,
    caseworkers: String,
    history: Vec<Row>,
    services: Vec<Row>,
    tasks: Vec<Row>,
    consents: Vec<Row>,
    legal_bases: Vec<Row>,
    referrals: Vec<Row>,
    proceedings: Vec<Row>,
    court_dates: Vec<Row>,
    permits: Vec<Row>,
    compensation: Vec<Row>,
    service_kinds: Vec<(String, String)>,
    service_statuses: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    purposes: Vec<(String, String)>,
    bases: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    initial_stages: Vec<(String, String)>,
    victim_roles: Vec<(String, String)>,
    assignable: Vec<(String, String)>,
    persons: Vec<(String, String, String)>,
    person_roles: Vec<(String, String)>,
    today: String,
    may_update: bool,
    may_consent: bool,
    may_refer: bool,
    may_export: bool,
    may_erase: bool,
    error: Option<String>,
}

async fn render_case(v: &Viewer, id: CaseId, error: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let opened = access.open_case(id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let res = match opened {
        OpenedCase::Full(view) => {
            let orgs = access
                .directory_entries("", None)
                .await?
                .into_iter()
                .filter(|e| e.org_id != p.org_id.to_string())
                .map(|e| (e.org_id, e.name))
                .collect();
            let assignable = if p.may(Action::CaseUpdate) {
                access
                    .case_assignable_users()
                    .await?
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect()
            } else {
                Vec::new()
            };
            html(&case_page(v, *view, orgs, assignable, error))?
        }
        OpenedCase::Shared(shared) => html(&shared_page(v, shared))?,
    };
    Ok((status, res).into_response())
}

fn case_page(
    v: &Viewer,
    c: CaseView,
    orgs: Vec<(String, String)>,
    assignable: Vec<(String, String)>,
    error: Option<String>,
) -> CasePage {
    let tr = &v.ctx.tr;
    let p = v.session.principal();
    let lc = &c.lifecycle;
    let s = &c.content.safety;
    let safety = (!s.is_empty()).then(|| SafetyVm {
        risk: label(tr, "prot-risk", s.risk_level().as_str()),
        high: s.risk_level() == RiskLevel::High,
        threats: s.threats.clone(),
        avoid: s.contacts_to_avoid.clone(),
        channel: s.safe_channel.clone(),
        code_word: s.code_word.clone(),
    });
    let mut notes = Vec::new();
    for (k, val) in [
        ("prot-field-summary", &c.content.summary),
        ("prot-field-contact", &c.content.contact),
        ("prot-field-exploitation", &c.content.exploitation),
        ("prot-field-health", &c.content.health),
        ("prot-field-needs", &c.content.needs),
        ("prot-field-immigration", &c.content.immigration),
    ] {
        if !val.trim().is_empty() {
            notes.push((tr.t(k), val.clone()));
        }
    }
    if let Some(cl) = lc.closure() {
        notes.push((
            tr.t("prot-field-closure"),
            format!("{} ({})", cl.reason, ally_store_d2s(cl.on)),
        ));
    }
    let row = |cells: Vec<String>| Row {
        cells,
        id: String::new(),
        flag: false,
    };
    let history = c
        .history
        .iter()
        .map(|e| {
            row(vec![
                fmt_ms(e.at_ms),
                label(tr, "prot-action", &e.action),
                label(tr, "prot-state", &e.to_state),
                e.reason.clone(),
                e.actor.clone(),
            ])
        })
        .collect();
    let services = c.services.iter().map(|s| service_row(tr, s)).collect();
    let tasks = c
        .tasks
        .iter()
        .map(|t| Row {
            cells: vec![
                t.text.clone(),
                t.assignee_name.clone(),
                d(t.due_on),
                t.assignee.map(|u| u.to_string()).unwrap_or_default(),
            ],
            id: t.id.clone(),
            flag: t.done,
        })
        .collect();
    let consents = c
        .consents
        .iter()
        .map(|cv| {
            let r = &cv.record;
            Row {
                cells: vec![
                    label(tr, "prot-purpose", r.purpose.as_str()),
                    cv.recipient_names.join(", "),
                    r.scope
                        .iter()
                        .map(|g| label(tr, "prot-group", g.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.explained_in_language.clone(),
                    match r.status {
                        ConsentStatus::Withdrawn { on } => format!(
                            "{} {}",
                            label(tr, "prot-consent-status", "withdrawn"),
                            ally_store_d2s(on)
                        ),
                        other => label(tr, "prot-consent-status", other.as_str()),
                    },
                    ally_store_d2s(r.date),
                    match &r.given_by {
                        ConsentGiver::Person => tr.t("prot-consent-by-person"),
                        ConsentGiver::Guardian { name, relationship } => {
                            format!("{} ({relationship})", name)
                        }
                    },
                    cv.recorded_by_name.clone(),
                ],
                id: r.id.to_string(),
                flag: r.status == ConsentStatus::Given,
            }
        })
        .collect();
    let legal_bases = c
        .legal_bases
        .iter()
        .map(|b| {
            row(vec![
                label(tr, "prot-basis", b.basis.as_str()),
                b.reference.clone(),
                b.scope
                    .iter()
                    .map(|g| label(tr, "prot-group", g.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
                ally_store_d2s(b.recorded_on),
            ])
        })
        .collect();
    let referrals = c
        .referrals
        .iter()
        .map(|r| referral_row(tr, r, p.org_id))
        .collect();
    let proceedings = c
        .proceedings
        .iter()
        .map(|x| Row {
            id: x.id.clone(),
            flag: true,
            cells: vec![
                label(tr, "prot-stage", x.stage.as_str()),
                label(tr, "prot-victim-role", x.victim_role.as_str()),
                x.outcome
                    .map(|o| label(tr, "prot-outcome", o.as_str()))
                    .unwrap_or_default(),
                ally_store_d2s(x.opened_on),
                x.notes.clone(),
            ],
        })
        .collect();
    let court_dates = c
        .court_dates
        .iter()
        .map(|x| {
            row(vec![
                ally_store_d2s(x.on),
                if x.accompanied {
                    tr.t("prot-yes")
                } else {
                    tr.t("prot-no")
                },
                x.note.clone(),
            ])
        })
        .collect();
    let permits = c
        .permits
        .iter()
        .map(|x| {
            row(vec![
                ally_store_d2s(x.applied_on),
                if x.renewal {
                    tr.t("prot-permit-renewal")
                } else {
                    tr.t("prot-permit-first")
                },
                label(tr, "prot-permit", &x.decision),
                d(x.decided_on),
                d(x.expires_on),
            ])
        })
        .collect();
    let compensation = c
        .compensation
        .iter()
        .map(|x| {
            row(vec![
                ally_store_d2s(x.filed_on),
                x.currency.clone(),
                x.claimed.clone(),
                x.awarded.clone().unwrap_or_else(|| "—".into()),
                x.received.clone(),
            ])
        })
        .collect();
    let initial: Vec<ProceedingsStage> = ProceedingsStage::ALL
        .iter()
        .copied()
        .filter(|s| s.is_initial())
        .collect();
    CasePage {
        l: layout(&v.ctx, c.content.reference.clone(), "/cases"),
        id: c.id.to_string(),
        case_ref: c.id.to_string(),
        reference: c.content.reference.clone(),
        person: c
            .person_id
            .map(|id| (id.to_string(), c.person_name.clone().unwrap_or_default())),
        interview: c.interview_id.clone().unwrap_or_default(),
        state: label(tr, "prot-state", lc.state().as_str()),
        state_code: lc.state().as_str().to_owned(),
        htcds_status: lc.htcds_status().as_str().to_owned(),
        identified_on: ally_store_d2s(lc.identified_on()),
        reflection: lc.reflection().map(|r| {
            (
                ally_store_d2s(r.start()),
                ally_store_d2s(r.last_day()),
                tr.t1("prot-days-left", "days", r.days_left(today())),
            )
        }),
        proceedings_open: lc.proceedings_open(),
        safety,
        notes,
        actions: c
            .allowed
            .iter()
            .map(|a| (a.as_str().to_owned(), label(tr, "prot-action", a.as_str())))
            .collect(),
        caseworkers: c
            .caseworkers
            .iter()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>()
            .join(", "),
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
        service_kinds: opts(tr, "prot-service", ServiceKind::ALL, ServiceKind::as_str),
        service_statuses: opts(
            tr,
            "prot-service-status",
            ServiceStatus::ALL,
            ServiceStatus::as_str,
        ),
        orgs,
        groups: opts(tr, "prot-group", FieldGroup::ALL, FieldGroup::as_str),
        purposes: opts(
            tr,
            "prot-purpose",
            ConsentPurpose::ALL,
            ConsentPurpose::as_str,
        ),
        bases: opts(tr, "prot-basis", LegalBasis::ALL, LegalBasis::as_str),
        stages: opts(
            tr,
            "prot-stage",
            ProceedingsStage::ALL,
            ProceedingsStage::as_str,
        ),
        outcomes: opts(
            tr,
            "prot-outcome",
            ProceedingsOutcome::ALL,
            ProceedingsOutcome::as_str,
        ),
        initial_stages: opts(tr, "prot-stage", &initial, ProceedingsStage::as_str),
        victim_roles: opts(tr, "prot-victim-role", VictimRole::ALL, VictimRole::as_str),
        assignable,
        persons: c
            .persons
            .iter()
            .map(|(id, role, name)| {
                (
                    id.to_string(),
                    label(tr, "prot-person-role", role),
                    name.clone(),
                )
            })
            .collect(),
        person_roles: ally_store::protection::PERSON_ROLES
            .iter()
            .map(|r| ((*r).to_owned(), label(tr, "prot-person-role", r)))
            .collect(),
        today: ally_store_d2s(today()),
        may_update: p.may(Action::CaseUpdate),
        may_consent: p.may(Action::ConsentRecord),
        may_refer: p.may(Action::ReferralManage),
        may_export: p.may(Action::DossierExport),
        may_erase: p.may(Action::PersonErase),
        error,
    }
}

/// A service request's row: kind, provider, start, end, status label, outcome, status code;
/// `flag` while its status can still change.
fn service_row(tr: &Tr, s: &ServiceRecord) -> Row {
    Row {
        cells: vec![
            label(tr, "prot-service", s.kind.as_str()),
            s.provider_name.clone(),
            d(s.start_on),
            d(s.end_on),
            label(tr, "prot-service-status", s.status.as_str()),
            s.outcome.clone(),
            s.status.as_str().to_owned(),
        ],
        id: s.id.clone(),
        flag: !s.status.is_final(),
    }
}

fn referral_row(tr: &Tr, r: &ReferralView, me: OrgId) -> Row {
    let x = &r.referral;
    let history = x
        .history
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                ally_store_d2s(e.on),
                label(tr, "prot-referral-status", e.status.as_str())
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    Row {
        cells: vec![
            r.from_name.clone(),
            r.to_name.clone(),
            label(tr, "prot-referral-status", x.status.as_str()),
            x.fields
                .groups()
                .iter()
                .map(|g| label(tr, "prot-group", g.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            label(tr, "prot-reason", x.reason.as_str()),
            x.details.clone(),
            x.status.reason().unwrap_or("").to_owned(),
            history,
            x.case.to_string(),
            if me == x.from_org {
                "sender"
            } else {
                "recipient"
            }
            .to_owned(),
            r.lead_transfer.clone().unwrap_or_default(),
            x.status.as_str().to_owned(),
            match r.service_kind {
                Some(k) => format!(
                    "{}: {}",
                    tr.t("prot-subject-service"),
                    label(tr, "prot-service", k.as_str())
                ),
                None => tr.t("prot-subject-case"),
            },
            if x.subject.service().is_some() {
                "service"
            } else {
                "case"
            }
            .to_owned(),
        ],
        id: x.id.to_string(),
        // Which buttons: the sender may revoke; the recipient may accept or decline.
        flag: if me == x.from_org {
            x.allows(
                ally_core::protection::Party::Sender,
                ally_core::protection::ReferralActionKind::Revoke,
            )
        } else {
            x.allows(
                ally_core::protection::Party::Recipient,
                ally_core::protection::ReferralActionKind::Accept,
            )
        },
    }
}

#[derive(Template)]
#[template(path = "protection_case_shared.html")]
struct SharedPage {
    l: Layout,
    from: String,
    groups: Vec<(String, Vec<(String, String)>)>,
    referrals: Vec<Row>,
    /// The service requests referred to the organisation; `flag`: it may update the row.
    services: Vec<Row>,
    service_statuses: Vec<(String, String)>,
    /// The case, for the forms' hidden `case` field.
    case_ref: String,
}

fn shared_page(v: &Viewer, s: SharedCase) -> SharedPage {
    let tr = &v.ctx.tr;
    let me = v.session.org_id;
    SharedPage {
        l: layout(&v.ctx, tr.t("prot-shared-title"), "/cases"),
        from: s.from_name.clone(),
        groups: s
            .fields
            .iter()
            .map(|(g, vals)| {
                (
                    label(tr, "prot-group", g.as_str()),
                    vals.iter()
                        .map(|(k, val)| {
                            let shown = if *k == "prot-field-state" {
                                label(tr, "prot-state", val)
                            } else {
                                val.clone()
                            };
                            (tr.t(k), shown)
                        })
                        .collect(),
                )
            })
            .collect(),
        referrals: s
            .referrals
            .iter()
            .map(|r| referral_row(tr, r, me))
            .collect(),
        services: s
            .services
            .iter()
            .map(|(svc, may_update)| {
                let mut r = service_row(tr, svc);
                r.flag = r.flag && *may_update;
                r
            })
            .collect(),
        service_statuses: opts(
            tr,
            "prot-service-status",
            ServiceStatus::ALL,
            ServiceStatus::as_str,
        ),
        case_ref: s.id.to_string(),
    }
}

pub(crate) async fn case_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    render_case(&v, id, None).await
}

/// The start of a case form: CSRF, the case id, the principal.
fn begin(v: &Viewer, id: &str, csrf: &str) -> Result<CaseId, PageError> {
    v.check_csrf(csrf)?;
    case_id(id)
}

/// The end of a case form: on success back to the case; on refusal the case page again with
/// the message (422), nothing written.
async fn finish(v: &Viewer, id: CaseId, r: Result<(), Refused>) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/cases/{id}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            render_case(v, id, Some(msg)).await
        }
    }
}

type Body = Posted<Vec<(String, String)>>;

pub(crate) async fn case_transition(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let kind = f.code("action", CaseActionKind::parse)?;
        let action = match kind {
            CaseActionKind::StartReflection => {
                let days: u16 = f
                    .get("days")
                    .trim()
                    .parse()
                    .map_err(|_| ("days", "invalid"))?;
                let country = f.text("country", 2)?.to_ascii_uppercase();
                CaseAction::StartReflection {
                    start: f.req_date("start")?,
                    policy: ReflectionPolicy::new(&country, days)
                        .map_err(|e| ("days", e.code()))?,
                }
            }
            CaseActionKind::ExtendReflection => CaseAction::ExtendReflection {
                days: f
                    .get("days")
                    .trim()
                    .parse()
                    .map_err(|_| ("days", "invalid"))?,
            },
            CaseActionKind::StartAssistance => CaseAction::StartAssistance,
            CaseActionKind::StartFollowUp => CaseAction::StartFollowUp,
            CaseActionKind::OpenProceedings => CaseAction::OpenProceedings,
            CaseActionKind::CloseProceedings => CaseAction::CloseProceedings,
            CaseActionKind::Close => CaseAction::Close {
                reason: f.text("reason", 2000)?,
                referred_out: f.flag("referred_out"),
            },
            CaseActionKind::Reopen => CaseAction::Reopen {
                reason: f.text("reason", 2000)?,
            },
        };
        a.transition_case(id, action).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn caseworker_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let user = f.get("user").parse().map_err(|_| ("user", "required"))?;
        a.assign_caseworker(id, user).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn person_link(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let person = f
            .get("person")
            .trim()
            .parse()
            .map_err(|_| ("person", "invalid"))?;
        a.link_person(id, person, f.get("role")).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn service_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let provider = match f.get("provider_org") {
            "" => None,
            s => Some(s.parse().map_err(|_| ("provider_org", "invalid"))?),
        };
        a.add_service(
            id,
            NewService {
                kind: f.code("kind", ServiceKind::parse)?,
                provider_org: provider,
                start_on: f.date("start_on")?,
                end_on: f.date("end_on")?,
                status: f.code("status", ServiceStatus::parse)?,
                outcome: f.text("outcome", 2000)?,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn task_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let assignee = match f.get("assignee") {
            "" => None,
            s => Some(s.parse().map_err(|_| ("assignee", "invalid"))?),
        };
        a.add_task(id, &f.text("task", 1000)?, assignee, f.date("due_on")?)
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

/// The end of a form about a record of a case (a service, a task): back to the case on
/// success; on refusal the case page again with the message (422), nothing written. The case
/// is the form's hidden `case` field (only used to show the page again).
async fn finish_record(v: &Viewer, case: &str, r: Result<CaseId, Refused>) -> PageResult {
    match r {
        Ok(id) => Ok(see_other(&format!("/cases/{id}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            match case.parse() {
                Ok(id) => render_case(v, id, Some(msg)).await,
                Err(_) => Err(PageError::new(Failure::BadRequest)),
            }
        }
    }
}

/// Changes a service request (status, its date, outcome): the lead, or the provider that
/// accepted the referral of this service.
pub(crate) async fn service_update(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let a = v.access();
    let r: Result<CaseId, Refused> = async {
        let outcome = f.text("outcome", 2000)?;
        let change = ServiceChange {
            status: f.code("status", ServiceStatus::parse)?,
            on: f.date("on")?,
            outcome: (!outcome.is_empty()).then_some(outcome),
        };
        Ok(a.update_service(&id, change).await?)
    }
    .await;
    finish_record(&v, f.get("case"), r).await
}

/// Changes a plan task: done, assignee, due date (fields left out stay as they are).
pub(crate) async fn task_update(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let a = v.access();
    let has = |k: &str| f.0.iter().any(|(n, _)| n == k);
    let r: Result<CaseId, Refused> = async {
        let change = TaskChange {
            done: if has("done") {
                Some(f.flag("done"))
            } else if has("edit") {
                // The edit form's unchecked box sends nothing: not done.
                Some(false)
            } else {
                None
            },
            assignee: if has("assignee") {
                Some(match f.get("assignee") {
                    "" => None,
                    s => Some(s.parse().map_err(|_| ("assignee", "invalid"))?),
                })
            } else {
                None
            },
            due_on: if has("due_on") {
                Some(f.date("due_on")?)
            } else {
                None
            },
        };
        Ok(a.update_task(&id, change).await?)
    }
    .await;
    finish_record(&v, f.get("case"), r).await
}

pub(crate) async fn proceedings_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.add_proceedings(
            id,
            f.code("stage", ProceedingsStage::parse)?,
            f.code("victim_role", VictimRole::parse)?,
            f.req_date("opened_on")?,
            &f.text("notes", 4000)?,
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn proceedings_advance(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let outcome = match f.get("outcome") {
            "" => None,
            o => Some(ProceedingsOutcome::parse(o).ok_or(("outcome", "invalid"))?),
        };
        a.advance_proceedings(
            id,
            f.get("proceedings"),
            f.code("stage", ProceedingsStage::parse)?,
            outcome,
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn court_date_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.add_court_date(
            id,
            f.req_date("on")?,
            f.flag("accompanied"),
            &f.text("note", 2000)?,
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn permit_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.add_permit(
            id,
            PermitRecord {
                id: String::new(),
                applied_on: f.req_date("applied_on")?,
                renewal: f.flag("renewal"),
                decision: f.text("decision", 20)?,
                decided_on: f.date("decided_on")?,
                expires_on: f.date("expires_on")?,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn compensation_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.add_compensation(
            id,
            CompensationRecord {
                id: String::new(),
                currency: f.text("currency", 3)?,
                claimed: f.text("claimed", 20)?,
                awarded: Some(f.text("awarded", 20)?),
                received: f.text("received", 20)?,
                filed_on: f.req_date("filed_on")?,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn consent_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        if f.get("kind") == "legal_basis" {
            a.record_legal_basis(
                id,
                NewLegalBasis {
                    basis: f.code("basis", LegalBasis::parse)?,
                    recipients: f.orgs("recipients")?,
                    scope: f.groups("scope")?,
                    reference: f.text("reference", 500)?,
                    valid_until: f.date("valid_until")?,
                },
            )
            .await?;
            return Ok(());
        }
        let guardian_name = f.text("guardian_name", 200)?;
        let guardian = (!guardian_name.is_empty())
            .then(|| Ok::<_, Bad>((guardian_name, f.text("guardian_relationship", 100)?)))
            .transpose()?;
        a.record_consent(
            id,
            NewConsent {
                purpose: f.code("purpose", ConsentPurpose::parse)?,
                recipients: f.orgs("recipients")?,
                scope: f.groups("scope")?,
                language: f.text("language", 20)?,
                given: match f.get("decision") {
                    "given" => true,
                    "refused" => false,
                    _ => return Err(("decision", "required").into()),
                },
                date: f.date("date")?,
                valid_until: f.date("valid_until")?,
                guardian,
            },
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn consent_withdraw(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id: ally_core::protection::ConsentId =
        id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let (case, _) = access.withdraw_consent(id).await?;
    Ok(see_other(&format!("/cases/{case}")))
}

// ----- the edit page (content and safety plan) -----

#[derive(Template)]
#[template(path = "protection_case_edit.html")]
struct EditPage {
    l: Layout,
    id: String,
    version: i64,
    c: CaseContent,
    risks: Vec<(String, String)>,
    error: Option<String>,
}

pub(crate) async fn case_edit(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    let access = v.access();
    access.require(Action::CaseUpdate).await?;
    let OpenedCase::Full(view) = access.open_case(id).await? else {
        return Err(PageError::new(Failure::NotFound));
    };
    let tr = &v.ctx.tr;
    html(&EditPage {
        l: layout(&v.ctx, tr.t("prot-edit-title"), "/cases"),
        id: id.to_string(),
        version: view.version,
        c: view.content,
        risks: opts(tr, "prot-risk", RiskLevel::ALL, RiskLevel::as_str),
        error: None,
    })
}

pub(crate) async fn case_details(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let c = CaseContent {
            reference: f.text("reference", 200)?,
            contact: f.text("contact", 2000)?,
            summary: f.text("summary", 5000)?,
            exploitation: f.text("exploitation", 5000)?,
            health: f.text("health", 5000)?,
            needs: f.text("needs", 5000)?,
            immigration: f.text("immigration", 5000)?,
            safety: SafetyPlan {
                risk: f.text("risk", 20)?,
                threats: f.text("threats", 4000)?,
                contacts_to_avoid: f.text("contacts_to_avoid", 2000)?,
                safe_channel: f.text("safe_channel", 1000)?,
                code_word: f.text("code_word", 200)?,
            },
            ..Default::default()
        };
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| ("version", "invalid"))?;
        a.update_case_content(id, version, c).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

// ----- referrals -----

#[derive(Template)]
#[template(path = "protection_refer.html")]
struct ReferPage {
    l: Layout,
    id: String,
    reference: String,
    orgs: Vec<(String, String)>,
    reasons: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    consents: Vec<String>,
    /// The open service requests of the case that can be referred alone: (id, label).
    services: Vec<(String, String)>,
    error: Option<String>,
}

async fn refer_page(v: &Viewer, id: CaseId, error: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::ReferralManage).await?;
    let OpenedCase::Full(view) = access.open_case(id).await? else {
        return Err(PageError::new(Failure::NotFound));
    };
    let tr = &v.ctx.tr;
    let orgs = access
        .directory_entries("", None)
        .await?
        .into_iter()
        .filter(|e| e.org_id != p.org_id.to_string())
        .map(|e| (e.org_id, e.name))
        .collect();
    let consents = view
        .consents
        .iter()
        .filter(|c| {
            c.record.status == ConsentStatus::Given && c.record.purpose != ConsentPurpose::Services
        })
        .map(|c| {
            format!(
                "{}: {} — {}",
                label(tr, "prot-purpose", c.record.purpose.as_str()),
                c.recipient_names.join(", "),
                c.record
                    .scope
                    .iter()
                    .map(|g| label(tr, "prot-group", g.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let services = view
        .services
        .iter()
        .filter(|s| !s.status.is_final())
        .map(|s| {
            (
                s.id.clone(),
                format!(
                    "{} ({})",
                    label(tr, "prot-service", s.kind.as_str()),
                    label(tr, "prot-service-status", s.status.as_str())
                ),
            )
        })
        .collect();
    html(&ReferPage {
        l: layout(&v.ctx, tr.t("prot-refer-title"), "/cases"),
        id: id.to_string(),
        services,
        reference: view.content.reference,
        orgs,
        reasons: opts(
            tr,
            "prot-reason",
            ReferralReason::ALL,
            ReferralReason::as_str,
        ),
        groups: opts(tr, "prot-group", FieldGroup::ALL, FieldGroup::as_str),
        consents,
        error,
    })
    .map(|r| (status, r).into_response())
}

pub(crate) async fn refer_form(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    refer_page(&v, id, None).await
}

pub(crate) async fn referral_send(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = case_id(&id)?;
    let f = Form(data);
    let access = v.access();
    let attempt = async {
        let to_org = f
            .get("to_org")
            .parse()
            .map_err(|_| ("to_org", "required"))?;
        access
            .send_referral(
                id,
                NewReferralForm {
                    to_org,
                    service: Some(f.get("service").trim().to_owned()).filter(|s| !s.is_empty()),
                    reason: f.code("reason", ReferralReason::parse)?,
                    details: f.text("details", 2000)?,
                    fields: f.groups("fields")?,
                },
            )
            .await?;
        Ok::<(), Refused>(())
    };
    match attempt.await {
        Ok(()) => Ok(see_other(&format!("/cases/{id}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            refer_page(&v, id, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "protection_referrals.html")]
struct ReferralsPage {
    l: Layout,
    incoming: Vec<Row>,
    outgoing: Vec<Row>,
    error: Option<String>,
}

pub(crate) async fn referrals(v: Viewer) -> PageResult {
    referrals_page(&v, None).await
}

/// The referrals page; with a refusal, its message and a 422 (nothing was written).
async fn referrals_page(v: &Viewer, refusal: Option<Bad>) -> PageResult {
    let org = v.principal().org_id;
    let (incoming, outgoing) = v.access().list_referrals().await?;
    let tr = &v.ctx.tr;
    let failed = refusal.is_some();
    let page = html(&ReferralsPage {
        l: layout(&v.ctx, tr.t("prot-referrals-title"), "/cases"),
        incoming: incoming.iter().map(|r| referral_row(tr, r, org)).collect(),
        outgoing: outgoing.iter().map(|r| referral_row(tr, r, org)).collect(),
        error: refusal.map(|b| refusal_message(tr, b)),
    })?;
    Ok(if failed {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}

async fn on_referral(
    v: Viewer,
    id: &str,
    csrf: &str,
    action: Result<ReferralAction, Bad>,
) -> PageResult {
    v.check_csrf(csrf)?;
    let id: ReferralId = id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let result = match action {
        Ok(a) => access.act_on_referral(id, a).await.map_err(Refused::from),
        Err(b) => Err(Refused::Field(b)),
    };
    match result {
        Ok(case) => Ok(see_other(&format!("/cases/{case}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => referrals_page(&v, Some(b)).await,
    }
}

#[derive(Clone, Copy)]
enum LeadAct {
    Propose,
    Answer(bool),
}

async fn on_lead(v: Viewer, id: &str, csrf: &str, act: LeadAct) -> PageResult {
    v.check_csrf(csrf)?;
    let id: ReferralId = id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let result = match act {
        LeadAct::Propose => access.propose_lead_transfer(id).await,
        LeadAct::Answer(accept) => access.answer_lead_transfer(id, accept).await,
    };
    match result.map_err(Refused::from) {
        Ok(()) => Ok(see_other("/referrals")),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => referrals_page(&v, Some(b)).await,
    }
}

pub(crate) async fn lead_propose(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Propose).await
}

pub(crate) async fn lead_accept(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Answer(true)).await
}

pub(crate) async fn lead_decline(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Answer(false)).await
}

pub(crate) async fn referral_accept(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_referral(v, &id, &csrf, Ok(ReferralAction::Accept)).await
}

pub(crate) async fn referral_decline(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let reason = f
        .text("reason", 2000)
        .map(|reason| ReferralAction::Decline { reason });
    on_referral(v, &id, &csrf, reason).await
}

pub(crate) async fn referral_revoke(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let reason = f
        .text("reason", 2000)
        .map(|reason| ReferralAction::Revoke { reason });
    on_referral(v, &id, &csrf, reason).await
}

// ----- dossier and erasure -----

pub(crate) async fn dossier_download(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    let access = v.access();
    let data = access.dossier(id).await?;
    let zip = super::dossier::zip(&super::dossier::build(&data, &v.ctx.tr)).map_err(|e| {
        tracing::error!(error = %e, "dossier zip");
        PageError::new(Failure::Internal)
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"dossier-{id}.zip\""),
            ),
        ],
        zip,
    )
        .into_response())
}

pub(crate) async fn case_erase(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let confirm = f.get("confirm") == "ERASE";
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.require(Action::PersonErase).await?;
        if !confirm {
            return Err(("confirm", "required").into());
        }
        a.erase_case(id).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await.map(|r| {
        // After erasure the case no longer exists: go to the list.
        if r.status().is_redirection() {
            see_other("/cases")
        } else {
            r
        }
    })
}

// ----- deadlines -----

#[derive(Template)]
#[template(path = "protection_deadlines.html")]
struct DeadlinesPage {
    l: Layout,
    rows: Vec<Row>,
}

pub(crate) async fn deadlines(v: Viewer) -> PageResult {
    let access = v.access();
    let items = access.my_deadlines(200).await?;
    let tr = &v.ctx.tr;
    html(&DeadlinesPage {
        l: layout(&v.ctx, tr.t("prot-deadlines-title"), "/cases"),
        rows: items
            .into_iter()
            .map(|d| Row {
                cells: vec![
                    d.due_on.clone(),
                    label(tr, "prot-deadline", &d.kind),
                    if d.days_left < 0 {
                        tr.t1("prot-overdue", "days", -d.days_left)
                    } else {
                        tr.t1("prot-days-left", "days", d.days_left)
                    },
                ],
                id: d.case_id.to_string(),
                flag: d.expulsion_sensitive,
            })
            .collect(),
    })
}

// ----- directory -----

#[derive(Deserialize)]
pub(crate) struct DirQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    service: String,
}

#[derive(Template)]
#[template(path = "protection_directory.html")]
struct DirectoryPage {
    l: Layout,
    q: String,
    service: String,
    services: Vec<(String, String)>,
    entries: Vec<(DirectoryEntry, String)>,
    mine: Option<DirectoryEntry>,
    may_manage: bool,
    error: Option<String>,
}

async fn directory_page(v: &Viewer, q: DirQuery, error: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let service = ServiceKind::parse(&q.service);
    let query: String = q.q.trim().chars().take(100).collect();
    let entries = access.directory_entries(&query, service).await?;
    let mine = if p.may(Action::DirectoryManage) {
        access
            .directory_entries("", None)
            .await?
            .into_iter()
            .find(|e| e.org_id == p.org_id.to_string())
    } else {
        None
    };
    let tr = &v.ctx.tr;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(&DirectoryPage {
        l: layout(&v.ctx, tr.t("prot-directory-title"), "/cases"),
        q: query,
        service: service.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        services: opts(tr, "prot-service", ServiceKind::ALL, ServiceKind::as_str),
        entries: entries
            .into_iter()
            .map(|e| {
                let services = e
                    .services
                    .iter()
                    .map(|s| label(tr, "prot-service", s))
                    .collect::<Vec<_>>()
                    .join(", ");
                (e, services)
            })
            .collect(),
        mine,
        may_manage: p.may(Action::DirectoryManage),
        error,
    })
    .map(|r| (status, r).into_response())
}

pub(crate) async fn directory(v: Viewer, Query(q): Query<DirQuery>) -> PageResult {
    directory_page(&v, q, None).await
}

pub(crate) async fn directory_update(v: Viewer, Posted { data, csrf }: Body) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let access = v.access();
    let attempt = async {
        let entry = DirectoryEntry {
            services: f.all("services").into_iter().map(str::to_owned).collect(),
            regions: f.text("regions", 500)?,
            languages: f.text("languages", 500)?,
            opening_hours: f.text("opening_hours", 500)?,
            capacity: f.text("capacity", 500)?,
            contact: f.text("contact", 500)?,
            ..Default::default()
        };
        access.update_directory_entry(entry).await?;
        Ok::<(), Refused>(())
    };
    match attempt.await {
        Ok(()) => Ok(see_other("/directory")),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            directory_page(
                &v,
                DirQuery {
                    q: String::new(),
                    service: String::new(),
                },
                Some(msg),
            )
            .await
        }
    }
}
