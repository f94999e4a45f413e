//! The case page: the full record for the lead organisation, the shared view for a
//! referral's recipient; and the ends of every form about a case (back to the case, or the
//! page again with the refusal).

use ally_core::authz::Action;
use ally_core::protection::{
    CaseId, ConsentGiver, ConsentPurpose, ConsentStatus, FieldGroup, LegalBasis,
    ProceedingsOutcome, ProceedingsStage, RiskLevel, ServiceKind, ServiceStatus, VictimRole,
};
use ally_store::protection::{CaseView, OpenedCase, SharedCase};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::common::{Refused, ally_store_d2s, case_id, d, label, opts, refusal_message, today};
use super::rows::{Row, referral_row, service_row};
use crate::ctx::Viewer;
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

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
    let opened = access.cases().open_case(id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let res = match opened {
        OpenedCase::Full(view) => {
            let orgs = access
                .service_directory()
                .directory_entries("", None)
                .await?
                .into_iter()
                .filter(|e| e.org_id != p.org_id.to_string())
                .map(|e| (e.org_id, e.name))
                .collect();
            let assignable = if p.may(Action::CaseUpdate) {
                access
                    .case_people()
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
pub(super) fn begin(v: &Viewer, id: &str, csrf: &str) -> Result<CaseId, PageError> {
    v.check_csrf(csrf)?;
    case_id(id)
}

/// The end of a case form: on success back to the case; on refusal the case page again with
/// the message (422), nothing written.
pub(super) async fn finish(v: &Viewer, id: CaseId, r: Result<(), Refused>) -> PageResult {
    match r {
        Ok(()) => Ok(see_other(&format!("/cases/{id}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            render_case(v, id, Some(msg)).await
        }
    }
}

/// The end of a form about a record of a case (a service, a task): back to the case on
/// success; on refusal the case page again with the message (422), nothing written. The case
/// is the form's hidden `case` field (only used to show the page again).
pub(super) async fn finish_record(
    v: &Viewer,
    case: &str,
    r: Result<CaseId, Refused>,
) -> PageResult {
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
