//! Pages and API of the labour module (issue 6): employers and workplaces with their
//! subcontracting chains, joint inspections, document checks, labour-court cases.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together. Handlers
//! authenticate and present; every decision is `ally_store::Access`'s.

use ally_core::authz::Action;
use ally_core::labour::{
    ANSWERS, CHAIN_ROLES, CHECKLISTS, CaseEntry, ChainLinkInput, CheckInput, DOCUMENT_KINDS,
    DocumentCheck, EmployerInput, InspectionEntry, InspectionPlan, InspectionView, LabourCase,
    NewLabourCase, PARTNER_KINDS, PartnerInput, SECTORS, WorkplaceInput, check_documents,
};
use ally_core::labour::{RuleSet, shipped_summaries};
use ally_core::person::FieldError;
use ally_store::StoreError;
use ally_store::labour::today;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;

use crate::AppState;
use crate::ctx::{ApiCaller, Posted, Viewer};
use crate::error::{ApiError, Failure, PageError};
use crate::i18n::Tr;
use crate::json::{ErrorBody, JsonBody};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};
use crate::route::{Auth, Route};

use Action as A;
use Auth::{Session, Token};

const fn r(method: &'static str, path: &'static str, auth: Auth, action: Action) -> Route {
    Route {
        method,
        path,
        auth,
        action: Some(action),
    }
}

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[
    r("GET", "/employers", Session, A::EmployerManage),
    r("POST", "/employers", Session, A::EmployerManage),
    r("GET", "/employers/{id}", Session, A::EmployerManage),
    r("POST", "/workplaces", Session, A::EmployerManage),
    r("GET", "/workplaces/{id}", Session, A::EmployerManage),
    r("POST", "/workplaces/{id}/chain", Session, A::EmployerManage),
    r("GET", "/inspections", Session, A::InspectionRead),
    r("GET", "/inspections/new", Session, A::InspectionManage),
    r("POST", "/inspections", Session, A::InspectionManage),
    r("GET", "/inspections/{id}", Session, A::InspectionRead),
    r(
        "POST",
        "/inspections/{id}/partners",
        Session,
        A::InspectionManage,
    ),
    r(
        "POST",
        "/inspections/{id}/entries",
        Session,
        A::InspectionManage,
    ),
    r(
        "GET",
        "/inspections/{id}/report",
        Session,
        A::InspectionRead,
    ),
    r(
        "GET",
        "/inspections/{id}/report.json",
        Session,
        A::InspectionRead,
    ),
    r("GET", "/document-checks", Session, A::DocumentCheck),
    r("GET", "/document-checks/new", Session, A::DocumentCheck),
    r("POST", "/document-checks", Session, A::DocumentCheck),
    r("GET", "/document-checks/{id}", Session, A::DocumentCheck),
    r("GET", "/labour-cases", Session, A::LabourCaseRead),
    r("GET", "/labour-cases/new", Session, A::LabourCaseManage),
    r("POST", "/labour-cases", Session, A::LabourCaseManage),
    r("GET", "/labour-cases/{id}", Session, A::LabourCaseRead),
    r(
        "POST",
        "/labour-cases/{id}/entries",
        Session,
        A::LabourCaseManage,
    ),
    r(
        "GET",
        "/labour-cases/{id}/summary",
        Session,
        A::LabourCaseRead,
    ),
    r("GET", "/api/v1/employers", Token, A::EmployerManage),
    r("POST", "/api/v1/employers", Token, A::EmployerManage),
    r("GET", "/api/v1/employers/{id}", Token, A::EmployerManage),
    r("POST", "/api/v1/workplaces", Token, A::EmployerManage),
    r("GET", "/api/v1/workplaces/{id}", Token, A::EmployerManage),
    r(
        "POST",
        "/api/v1/workplaces/{id}/chain",
        Token,
        A::EmployerManage,
    ),
    r("GET", "/api/v1/inspections", Token, A::InspectionRead),
    r("POST", "/api/v1/inspections", Token, A::InspectionManage),
    r("GET", "/api/v1/inspections/{id}", Token, A::InspectionRead),
    r(
        "POST",
        "/api/v1/inspections/{id}/entries",
        Token,
        A::InspectionManage,
    ),
    r("POST", "/api/v1/document-checks", Token, A::DocumentCheck),
    r(
        "GET",
        "/api/v1/document-checks/{id}",
        Token,
        A::DocumentCheck,
    ),
    r("GET", "/api/v1/labour-cases", Token, A::LabourCaseRead),
    r("POST", "/api/v1/labour-cases", Token, A::LabourCaseManage),
    r("GET", "/api/v1/labour-cases/{id}", Token, A::LabourCaseRead),
    r(
        "POST",
        "/api/v1/labour-cases/{id}/entries",
        Token,
        A::LabourCaseManage,
    ),
    r(
        "POST",
        "/inspections/{id}/photos",
        Session,
        A::InspectionManage,
    ),
    r(
        "GET",
        "/inspections/{id}/photos/{photo}",
        Session,
        A::InspectionRead,
    ),
    r(
        "POST",
        "/api/v1/inspections/{id}/photos",
        Token,
        A::InspectionManage,
    ),
    r(
        "POST",
        "/inspections/{id}/actions/{n}/done",
        Session,
        A::InspectionManage,
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/employers", get(employers).post(employer_create))
        .route("/employers/{id}", get(employer_view))
        .route("/workplaces", post(workplace_create))
        .route("/workplaces/{id}", get(workplace_view))
        .route("/workplaces/{id}/chain", post(workplace_chain))
        .route("/inspections", get(inspections).post(inspection_create))
        .route("/inspections/new", get(inspection_new))
        .route("/inspections/{id}", get(inspection_view))
        .route("/inspections/{id}/partners", post(inspection_partner))
        .route("/inspections/{id}/entries", post(inspection_entry))
        .route("/inspections/{id}/report", get(inspection_report))
        .route("/inspections/{id}/report.json", get(inspection_report_json))
        .route(
            "/inspections/{id}/photos",
            post(inspection_photo_upload).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route("/inspections/{id}/photos/{photo}", get(inspection_photo))
        .route(
            "/inspections/{id}/actions/{n}/done",
            post(inspection_action_done),
        )
        .route("/document-checks", get(checks).post(check_create))
        .route("/document-checks/new", get(check_new))
        .route("/document-checks/{id}", get(check_view))
        .route("/labour-cases", get(cases).post(case_create))
        .route("/labour-cases/new", get(case_new))
        .route("/labour-cases/{id}", get(case_view))
        .route("/labour-cases/{id}/entries", post(case_entry))
        .route("/labour-cases/{id}/summary", get(case_summary))
        .route(
            "/api/v1/employers",
            get(api_employers).post(api_employer_create),
        )
        .route("/api/v1/employers/{id}", get(api_employer))
        .route("/api/v1/workplaces", post(api_workplace_create))
        .route("/api/v1/workplaces/{id}", get(api_workplace))
        .route("/api/v1/workplaces/{id}/chain", post(api_workplace_chain))
        .route(
            "/api/v1/inspections",
            get(api_inspections).post(api_inspection_create),
        )
        .route("/api/v1/inspections/{id}", get(api_inspection))
        .route(
            "/api/v1/inspections/{id}/entries",
            post(api_inspection_entry),
        )
        .route(
            "/api/v1/inspections/{id}/photos",
            post(api_inspection_photo).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .route("/api/v1/document-checks", post(api_check_create))
        .route("/api/v1/document-checks/{id}", get(api_check))
        .route("/api/v1/labour-cases", get(api_cases).post(api_case_create))
        .route("/api/v1/labour-cases/{id}", get(api_case))
        .route("/api/v1/labour-cases/{id}/entries", post(api_case_entry))
}

// ----- helpers -----

fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                tr.t(&format!("labour-field-{}", e.field.replace('_', "-"))),
                tr.t(&format!("labour-invalid-{}", e.code.replace('_', "-")))
            )
        })
        .collect()
}

/// A store error on a form: field errors are shown on the page (422); anything else is the
/// usual error page.
fn form_errors(tr: &Tr, e: StoreError) -> Result<Vec<String>, PageError> {
    match e {
        StoreError::Invalid(f) => Ok(field_messages(tr, &f)),
        other => Err(other.into()),
    }
}

fn unprocessable(r: PageResult) -> PageResult {
    r.map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
}

fn label(tr: &Tr, prefix: &str, v: &str) -> String {
    tr.t(&format!("labour-{prefix}-{}", v.replace('_', "-")))
}

fn options(tr: &Tr, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), label(tr, prefix, v)))
        .collect()
}

fn checked(v: &str) -> bool {
    matches!(v.trim(), "on" | "true" | "yes" | "1")
}

fn lines_of(s: &str) -> Vec<String> {
    s.lines().map(str::to_owned).collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

// ----- employers and workplaces -----

#[derive(Deserialize, Default)]
struct EmployerForm {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    registration_number: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    addresses: String,
}

pub struct EmployerRow {
    id: String,
    name: String,
    registration: String,
    sector: String,
}

#[derive(Template)]
#[template(path = "labour_employers.html")]
struct EmployersPage {
    l: Layout,
    items: Vec<EmployerRow>,
    sectors: Vec<(String, String)>,
    errors: Vec<String>,
    f_name: String,
    f_registration: String,
    f_sector: String,
    f_addresses: String,
}

async fn employers_page(v: &Viewer, errors: Vec<String>, f: EmployerForm) -> PageResult {
    let list = v.access().list_employers().await?;
    let tr = &v.ctx.tr;
    html(&EmployersPage {
        l: layout(&v.ctx, tr.t("labour-employers-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|e| EmployerRow {
                sector: label(tr, "sector", &e.sector),
                id: e.id,
                name: e.legal_name,
                registration: e.registration_number,
            })
            .collect(),
        sectors: options(tr, "sector", SECTORS),
        errors,
        f_name: f.legal_name,
        f_registration: f.registration_number,
        f_sector: f.sector,
        f_addresses: f.addresses,
    })
}

async fn employers(v: Viewer) -> PageResult {
    employers_page(&v, Vec::new(), EmployerForm::default()).await
}

async fn employer_create(v: Viewer, Posted { data, csrf }: Posted<EmployerForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = EmployerInput {
        legal_name: data.legal_name.clone(),
        registration_number: data.registration_number.clone(),
        sector: data.sector.clone(),
        addresses: lines_of(&data.addresses),
    };
    match access.create_employer(input).await {
        Ok(id) => Ok(see_other(&format!("/employers/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(employers_page(&v, errors, data).await)
        }
    }
}

pub struct WorkplaceRow {
    id: String,
    name: String,
    address: String,
    chain: Vec<String>,
}

#[derive(Template)]
#[template(path = "labour_employer.html")]
struct EmployerPage {
    l: Layout,
    id: String,
    name: String,
    registration: String,
    sector: String,
    addresses: Vec<String>,
    workplaces: Vec<WorkplaceRow>,
    errors: Vec<String>,
}

async fn employer_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let access = v.access();
    let e = access.get_employer(id).await?;
    let wps = access.list_workplaces(Some(id)).await?;
    let tr = &v.ctx.tr;
    html(&EmployerPage {
        l: layout(&v.ctx, e.legal_name.clone(), "/inspections"),
        id: e.id,
        name: e.legal_name,
        registration: e.registration_number,
        sector: label(tr, "sector", &e.sector),
        addresses: e.addresses,
        workplaces: wps
            .into_iter()
            .map(|w| WorkplaceRow {
                chain: w
                    .chain
                    .iter()
                    .map(|c| format!("{} ({})", c.employer_name, label(tr, "role", &c.role)))
                    .collect(),
                id: w.id,
                name: w.name,
                address: w.address,
            })
            .collect(),
        errors,
    })
}

async fn employer_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    employer_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
struct WorkplaceForm {
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
}

async fn workplace_create(v: Viewer, Posted { data, csrf }: Posted<WorkplaceForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let employer = data.employer_id.clone();
    match access
        .create_workplace(WorkplaceInput {
            employer_id: data.employer_id,
            name: data.name,
            address: data.address,
        })
        .await
    {
        Ok(id) => Ok(see_other(&format!("/workplaces/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(employer_page(&v, &employer, errors).await)
        }
    }
}

pub struct LinkRow {
    employer_id: String,
    name: String,
    role: String,
    contracted_by: String,
    agreement: String,
}

#[derive(Template)]
#[template(path = "labour_workplace.html")]
struct WorkplacePage {
    l: Layout,
    id: String,
    name: String,
    address: String,
    employer_id: String,
    employer_name: String,
    chain: Vec<LinkRow>,
    employers: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    errors: Vec<String>,
    may_inspect: bool,
}

async fn workplace_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let w = access.get_workplace(id).await?;
    let employers = access.list_employers().await?;
    let tr = &v.ctx.tr;
    html(&WorkplacePage {
        l: layout(&v.ctx, w.name.clone(), "/inspections"),
        id: w.id,
        name: w.name,
        address: w.address,
        employer_id: w.employer_id,
        employer_name: w.employer_name,
        chain: w
            .chain
            .into_iter()
            .map(|c| LinkRow {
                employer_id: c.employer_id,
                name: c.employer_name,
                role: label(tr, "role", &c.role),
                contracted_by: c.contracted_by_name.unwrap_or_default(),
                agreement: c.collective_agreement,
            })
            .collect(),
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        roles: options(tr, "role", CHAIN_ROLES),
        errors,
        may_inspect: p.may(Action::InspectionManage),
    })
}

async fn workplace_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    workplace_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
struct ChainForm {
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    contracted_by: String,
    #[serde(default)]
    collective_agreement: String,
}

impl ChainForm {
    fn input(self) -> ChainLinkInput {
        ChainLinkInput {
            employer_id: self.employer_id,
            role: self.role,
            contracted_by: opt(&self.contracted_by),
            collective_agreement: self.collective_agreement,
        }
    }
}

async fn workplace_chain(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<ChainForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    match access.set_chain_link(&id, data.input()).await {
        Ok(()) => Ok(see_other(&format!("/workplaces/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(workplace_page(&v, &id, errors).await)
        }
    }
}

// ----- inspections -----

pub struct InspectionRow {
    id: String,
    date: String,
    status: String,
    workplace: String,
    owner: String,
}

#[derive(Template)]
#[template(path = "labour_inspections.html")]
struct InspectionsPage {
    l: Layout,
    items: Vec<InspectionRow>,
    may_manage: bool,
}

async fn inspections(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().list_inspections().await?;
    let tr = &v.ctx.tr;
    html(&InspectionsPage {
        l: layout(&v.ctx, tr.t("labour-inspections-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|i| InspectionRow {
                status: label(tr, "status", &i.status),
                owner: if i.is_owner {
                    String::new()
                } else {
                    i.owner_org_name
                },
                id: i.id,
                date: i.date,
                workplace: i.workplace_name,
            })
            .collect(),
        may_manage: p.may(Action::InspectionManage),
    })
}

#[derive(Deserialize, Default)]
struct InspectionForm {
    #[serde(default)]
    workplace_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    checklist: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    interpreters_needed: String,
    #[serde(default)]
    partner1: String,
    #[serde(default)]
    partner1_kind: String,
    #[serde(default)]
    partner1_members: String,
    #[serde(default)]
    partner2: String,
    #[serde(default)]
    partner2_kind: String,
    #[serde(default)]
    partner2_members: String,
    #[serde(default)]
    partner3: String,
    #[serde(default)]
    partner3_kind: String,
    #[serde(default)]
    partner3_members: String,
}

#[derive(Template)]
#[template(path = "labour_inspection_new.html")]
struct InspectionNewPage {
    l: Layout,
    workplaces: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    checklists: Vec<(String, String)>,
    errors: Vec<String>,
    f: InspectionForm,
}

#[derive(Deserialize)]
struct NewInspectionQuery {
    #[serde(default)]
    workplace: String,
}

async fn inspection_new_page(v: &Viewer, errors: Vec<String>, f: InspectionForm) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let orgs = access.inspection_partner_candidates().await?;
    // Workplaces are listed to those who manage employers (all roles that plan inspections).
    let workplaces = if p.may(Action::EmployerManage) {
        access.list_workplaces(None).await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    html(&InspectionNewPage {
        l: layout(&v.ctx, tr.t("labour-inspection-new"), "/inspections"),
        workplaces: workplaces
            .into_iter()
            .map(|w| (w.id, format!("{} · {}", w.name, w.employer_name)))
            .collect(),
        orgs: orgs
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        kinds: options(tr, "partner", PARTNER_KINDS),
        checklists: CHECKLISTS
            .iter()
            .map(|(c, _)| ((*c).to_owned(), label(tr, "sector", c)))
            .collect(),
        errors,
        f,
    })
}

async fn inspection_new(v: Viewer, Query(q): Query<NewInspectionQuery>) -> PageResult {
    let f = InspectionForm {
        workplace_id: q.workplace,
        checklist: "construction".into(),
        partner1_kind: "police".into(),
        partner2_kind: "labour_inspectorate".into(),
        partner3_kind: "tax_authority".into(),
        ..Default::default()
    };
    inspection_new_page(&v, Vec::new(), f).await
}

async fn inspection_create(v: Viewer, Posted { data, csrf }: Posted<InspectionForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let partners = [
        (&data.partner1, &data.partner1_kind, &data.partner1_members),
        (&data.partner2, &data.partner2_kind, &data.partner2_members),
        (&data.partner3, &data.partner3_kind, &data.partner3_members),
    ]
    .into_iter()
    .filter(|(o, _, _)| !o.trim().is_empty())
    .map(|(o, k, m)| PartnerInput {
        org_id: o.clone(),
        kind: k.clone(),
        members: lines_of(m),
    })
    .collect();
    let plan = InspectionPlan {
        workplace_id: data.workplace_id.clone(),
        date: data.date.clone(),
        legal_basis: data.legal_basis.clone(),
        checklist: data.checklist.clone(),
        languages: data
            .languages
            .split([',', '\n'])
            .map(|s| s.trim().to_owned())
            .collect(),
        interpreters_needed: checked(&data.interpreters_needed),
        partners,
    };
    match access.plan_inspection(plan).await {
        Ok(id) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_new_page(&v, errors, data).await)
        }
    }
}

pub struct WorkerRow {
    n: usize,
    name: String,
    language: String,
    consent: bool,
    person_id: Option<String>,
    note: String,
    interview_href: String,
    case_href: Option<String>,
}

pub struct ActionRow {
    n: usize,
    done: bool,
    /// The reader may mark it done (owner, or the partner it is assigned to).
    may_complete: bool,
    org: String,
    text: String,
    due: String,
}

#[derive(Template)]
#[template(path = "labour_inspection.html")]
struct InspectionPage {
    l: Layout,
    i: InspectionView,
    partners: Vec<(String, String, String)>,
    answers: Vec<(String, String, String)>,
    items: Vec<(String, String)>,
    answer_choices: Vec<(String, String)>,
    workers: Vec<WorkerRow>,
    documents: Vec<(String, String)>,
    document_kinds: Vec<(String, String)>,
    actions: Vec<ActionRow>,
    assignees: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    checks: Vec<(String, String, i64)>,
    photos: Vec<String>,
    status: String,
    errors: Vec<String>,
    may_interview: bool,
    may_check: bool,
}

async fn inspection_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let i = access.get_inspection(id).await?;
    let tr = &v.ctx.tr;
    let orgs = if i.is_owner {
        access.inspection_partner_candidates().await?
    } else {
        Vec::new()
    };
    let checks = if i.is_owner && p.may(Action::DocumentCheck) {
        access.list_document_checks(Some(id)).await?
    } else {
        Vec::new()
    };
    let photos = if i.is_owner {
        access
            .list_inspection_photos(id)
            .await?
            .into_iter()
            .map(|ph| ph.id)
            .collect()
    } else {
        Vec::new()
    };
    let items = CHECKLISTS
        .iter()
        .find(|(c, _)| *c == i.checklist)
        .map(|(_, items)| options(tr, "item", items))
        .unwrap_or_default();
    let mut assignees = vec![(i.owner_org.clone(), i.owner_org_name.clone())];
    assignees.extend(
        i.partners
            .iter()
            .map(|p| (p.org_id.clone(), p.org_name.clone())),
    );
    html(&InspectionPage {
        l: layout(&v.ctx, tr.t("labour-inspection-title"), "/inspections"),
        partners: i
            .partners
            .iter()
            .map(|p| {
                (
                    p.org_name.clone(),
                    label(tr, "partner", &p.kind),
                    p.members.join(", "),
                )
            })
            .collect(),
        answers: i
            .answers
            .iter()
            .map(|a| {
                (
                    label(tr, "item", &a.item),
                    label(tr, "answer", &a.answer),
                    a.note.clone(),
                )
            })
            .collect(),
        items,
        answer_choices: options(tr, "answer", ANSWERS),
        workers: i
            .workers
            .iter()
            .map(|w| {
                let person = w
                    .person_id
                    .as_ref()
                    .map(|p| format!("&person={p}"))
                    .unwrap_or_default();
                WorkerRow {
                    n: w.n,
                    name: w
                        .name
                        .clone()
                        .unwrap_or_else(|| tr.t1("labour-worker-n", "n", w.n)),
                    language: w.language.clone(),
                    consent: w.consent_share,
                    person_id: w.person_id.clone(),
                    note: w.note.clone().unwrap_or_default(),
                    interview_href: format!(
                        "/interviews/new?questionnaire=first_contact&inspection={}{person}",
                        i.id
                    ),
                    case_href: w
                        .interview_id
                        .as_ref()
                        .map(|iid| format!("/cases/new?interview={iid}{person}")),
                }
            })
            .collect(),
        documents: i
            .documents
            .iter()
            .map(|d| (label(tr, "doc", &d.kind), d.description.clone()))
            .collect(),
        document_kinds: options(tr, "doc", DOCUMENT_KINDS),
        actions: i
            .actions
            .iter()
            .map(|a| ActionRow {
                n: a.n,
                done: a.done_at_ms.is_some(),
                may_complete: p.may(Action::InspectionManage)
                    && (i.is_owner || a.assigned_org == p.org_id.to_string()),
                org: a.assigned_org_name.clone(),
                text: a.text.clone(),
                due: a.due.clone().unwrap_or_default(),
            })
            .collect(),
        assignees,
        orgs: orgs
            .into_iter()
            .filter(|o| !i.partners.iter().any(|p| p.org_id == o.id.to_string()))
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        kinds: options(tr, "partner", PARTNER_KINDS),
        checks: checks
            .into_iter()
            .map(|c| (c.id, c.worker_label, c.finding_count))
            .collect(),
        photos,
        status: label(tr, "status", &i.status),
        errors,
        may_interview: p.may(Action::InterviewConduct),
        may_check: p.may(Action::DocumentCheck),
        i,
    })
}

async fn inspection_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    inspection_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
struct PartnerForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    members: String,
}

async fn inspection_partner(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<PartnerForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = PartnerInput {
        org_id: data.org_id,
        kind: data.kind,
        members: lines_of(&data.members),
    };
    match access.add_inspection_partner(&id, input).await {
        Ok(()) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

/// Any of the forms of the inspection page (`kind` says which).
#[derive(Deserialize, Default)]
struct EntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    consent_share: String,
    #[serde(default)]
    interview_id: String,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    assigned_org: String,
    #[serde(default)]
    due: String,
    /// The worker's number, for a change of consent.
    #[serde(default)]
    worker: String,
}

impl EntryForm {
    fn entry(self) -> Option<InspectionEntry> {
        Some(match self.kind.as_str() {
            "answer" => InspectionEntry::Answer {
                item: self.item,
                answer: self.answer,
                note: self.note,
            },
            "worker" => InspectionEntry::Worker {
                name: self.name,
                language: self.language,
                person_id: opt(&self.person_id),
                consent_share: checked(&self.consent_share),
                interview_id: opt(&self.interview_id),
                note: self.note,
            },
            "document" => InspectionEntry::Document {
                document_kind: self.document_kind,
                description: self.description,
            },
            "finding" => InspectionEntry::Finding { text: self.text },
            "action" => InspectionEntry::Action {
                assigned_org: self.assigned_org,
                text: self.text,
                due: opt(&self.due),
            },
            "consent" => InspectionEntry::Consent {
                worker: self.worker.trim().parse().ok()?,
                consent_share: checked(&self.consent_share),
            },
            "complete" => InspectionEntry::Complete,
            _ => return None,
        })
    }
}

async fn inspection_entry(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<EntryForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let Some(entry) = data.entry() else {
        access.require(Action::InspectionManage).await?;
        return Err(PageError::new(Failure::BadRequest));
    };
    match access.record_inspection(&id, entry).await {
        Ok(()) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

#[derive(Template)]
#[template(path = "labour_inspection_report.html")]
struct InspectionReportPage {
    l: Layout,
    i: InspectionView,
    partners: Vec<(String, String, String)>,
    answers: Vec<(String, String, String)>,
    workers: Vec<(usize, String, String)>,
    documents: Vec<(String, String)>,
    actions: Vec<ActionRow>,
    status: String,
    printed: String,
}

async fn inspection_report(v: Viewer, Path(id): Path<String>) -> PageResult {
    let p = v.session.principal();
    let i = v.access().get_inspection(&id).await?;
    let tr = &v.ctx.tr;
    html(&InspectionReportPage {
        l: layout(&v.ctx, tr.t("labour-report-title"), "/inspections"),
        partners: i
            .partners
            .iter()
            .map(|p| {
                (
                    p.org_name.clone(),
                    label(tr, "partner", &p.kind),
                    p.members.join(", "),
                )
            })
            .collect(),
        answers: i
            .answers
            .iter()
            .map(|a| {
                (
                    label(tr, "item", &a.item),
                    label(tr, "answer", &a.answer),
                    a.note.clone(),
                )
            })
            .collect(),
        workers: i
            .workers
            .iter()
            .map(|w| {
                (
                    w.n,
                    w.name
                        .clone()
                        .unwrap_or_else(|| tr.t1("labour-worker-n", "n", w.n)),
                    w.language.clone(),
                )
            })
            .collect(),
        documents: i
            .documents
            .iter()
            .map(|d| (label(tr, "doc", &d.kind), d.description.clone()))
            .collect(),
        actions: i
            .actions
            .iter()
            .map(|a| ActionRow {
                n: a.n,
                done: a.done_at_ms.is_some(),
                may_complete: p.may(Action::InspectionManage)
                    && (i.is_owner || a.assigned_org == p.org_id.to_string()),
                org: a.assigned_org_name.clone(),
                text: a.text.clone(),
                due: a.due.clone().unwrap_or_default(),
            })
            .collect(),
        status: label(tr, "status", &i.status),
        printed: fmt_ms(ally_store::now_ms()),
        i,
    })
}

async fn inspection_report_json(v: Viewer, Path(id): Path<String>) -> PageResult {
    let i = v.access().get_inspection(&id).await?;
    let body = serde_json::to_vec_pretty(&i).map_err(|_| PageError::new(Failure::Internal))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"inspection-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn inspection_action_done(
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
    Posted { csrf, .. }: Posted<PartnerFormEmpty>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let n: usize = n.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    access.complete_inspection_action(&id, n).await?;
    Ok(see_other(&format!("/inspections/{id}#actions")))
}

#[derive(Deserialize)]
struct PartnerFormEmpty {}

// ----- photos -----

/// Photo uploads may be larger than other requests (the image plus the form around it).
const PHOTO_BODY_LIMIT: usize = ally_store::images::MAX_PHOTO_BYTES + 64 * 1024;

async fn inspection_photo_upload(
    v: Viewer,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return Err(PageError::new(Failure::UnsupportedMediaType));
    }
    let fields = crate::multipart::fields(ct, &body).ok_or(PageError::new(Failure::BadRequest))?;
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf")
        .and_then(|(_, v)| String::from_utf8(v.clone()).ok())
        .unwrap_or_default();
    v.check_csrf(&csrf)?;
    let photo = fields
        .into_iter()
        .find(|(n, _)| n == "photo")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let access = v.access();
    match access.add_inspection_photo(&id, &photo).await {
        Ok(_) => Ok(see_other(&format!("/inspections/{id}#photos"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

async fn inspection_photo(v: Viewer, Path((id, photo)): Path<(String, String)>) -> PageResult {
    let (ct, bytes) = v.access().get_inspection_photo(&id, &photo).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

// ----- document checks -----

#[derive(Template)]
#[template(path = "labour_checks.html")]
struct ChecksPage {
    l: Layout,
    items: Vec<(String, String, String, i64, String)>,
}

async fn checks(v: Viewer) -> PageResult {
    let list = v.access().list_document_checks(None).await?;
    html(&ChecksPage {
        l: layout(&v.ctx, v.ctx.tr.t("labour-checks-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.worker_label,
                    c.rule_set,
                    c.finding_count,
                    fmt_ms(c.created_at_ms),
                )
            })
            .collect(),
    })
}

/// The document-check form: contract terms, one payslip, and CSV for more payslips and
/// timesheet days.
#[derive(Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    worker_label: String,
    #[serde(default)]
    rule_set: String,
    #[serde(default)]
    inspection_id: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    hourly_wage: String,
    #[serde(default)]
    monthly_wage: String,
    #[serde(default)]
    weekly_hours: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    written_contract: String,
    #[serde(default)]
    work_permit_required: String,
    #[serde(default)]
    work_permit_present: String,
    #[serde(default)]
    identity_documents_retained: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    hours_paid: String,
    #[serde(default)]
    gross: String,
    #[serde(default)]
    overtime_premium_paid: String,
    #[serde(default)]
    deduction_kind: String,
    #[serde(default)]
    deduction_amount: String,
    #[serde(default)]
    net_paid: String,
    #[serde(default)]
    amount_received: String,
    #[serde(default)]
    debt_balance: String,
    #[serde(default)]
    payslips_csv: String,
    #[serde(default)]
    timesheets_csv: String,
}

impl CheckForm {
    /// The worker record in the JSON format of `ally_core::labour` (validated there).
    fn record_json(&self) -> String {
        let mut contract = serde_json::json!({
            "start_date": self.start_date.trim(),
            "weekly_hours": self.weekly_hours.trim(),
            "written_contract": checked(&self.written_contract),
            "work_permit_required": checked(&self.work_permit_required),
            "work_permit_present": checked(&self.work_permit_present),
            "identity_documents_retained": checked(&self.identity_documents_retained),
        });
        for (k, val) in [
            ("hourly_wage", &self.hourly_wage),
            ("monthly_wage", &self.monthly_wage),
            ("grade", &self.grade),
        ] {
            if let Some(x) = opt(val) {
                contract[k] = serde_json::Value::String(x);
            }
        }
        let mut payslips = Vec::new();
        if !self.period_start.trim().is_empty() {
            let mut slip = serde_json::json!({
                "period_start": self.period_start.trim(),
                "period_end": self.period_end.trim(),
                "hours_paid": self.hours_paid.trim(),
                "gross": self.gross.trim(),
                "net_paid": self.net_paid.trim(),
                "deductions": [],
            });
            for (k, val) in [
                ("overtime_premium_paid", &self.overtime_premium_paid),
                ("amount_received", &self.amount_received),
                ("debt_balance", &self.debt_balance),
            ] {
                if let Some(x) = opt(val) {
                    slip[k] = serde_json::Value::String(x);
                }
            }
            if let Some(a) = opt(&self.deduction_amount) {
                slip["deductions"] = serde_json::json!([{
                    "kind": self.deduction_kind.trim(),
                    "amount": a,
                }]);
            }
            payslips.push(slip);
        }
        serde_json::json!({"contract": contract, "payslips": payslips, "timesheets": []})
            .to_string()
    }
}

#[derive(Template)]
#[template(path = "labour_check_new.html")]
struct CheckNewPage {
    l: Layout,
    f: CheckForm,
    rule_sets: Vec<(String, String)>,
    deduction_kinds: Vec<String>,
    errors: Vec<String>,
}

fn rule_set_options() -> Vec<(String, String)> {
    shipped_summaries()
        .map(|l| l.into_iter().map(|s| (s.id, s.title)).collect())
        .unwrap_or_default()
}

fn check_new_page(v: &Viewer, f: CheckForm, errors: Vec<String>) -> PageResult {
    html(&CheckNewPage {
        l: layout(&v.ctx, v.ctx.tr.t("labour-check-new"), "/inspections"),
        f,
        rule_sets: rule_set_options(),
        deduction_kinds: ally_core::labour::DeductionKind::ALL_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        errors,
    })
}

#[derive(Deserialize)]
struct CheckNewQuery {
    #[serde(default)]
    inspection: String,
}

async fn check_new(v: Viewer, Query(q): Query<CheckNewQuery>) -> PageResult {
    v.access().require(Action::DocumentCheck).await?;
    let f = CheckForm {
        inspection_id: q.inspection,
        rule_set: "fr-construction-2025".into(),
        weekly_hours: "35".into(),
        written_contract: "on".into(),
        ..Default::default()
    };
    check_new_page(&v, f, Vec::new())
}

async fn check_create(v: Viewer, Posted { data, csrf }: Posted<CheckForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::DocumentCheck).await?;
    let tr = &v.ctx.tr;
    let record = data.record_json();
    // The documents are read first so that an error names its row and field.
    if let Ok(rules) = RuleSet::shipped(data.rule_set.trim())
        && let Err(message) =
            check_documents(&rules, &record, &data.payslips_csv, &data.timesheets_csv)
    {
        let errors = vec![format!("{}: {message}", tr.t("labour-documents-invalid"))];
        return unprocessable(check_new_page(&v, data, errors));
    }
    let input = CheckInput {
        worker_label: data.worker_label.clone(),
        rule_set: data.rule_set.clone(),
        inspection_id: opt(&data.inspection_id),
        record_json: record,
        payslips_csv: data.payslips_csv.clone(),
        timesheets_csv: data.timesheets_csv.clone(),
    };
    match access.run_document_check(input).await {
        Ok(id) => Ok(see_other(&format!("/document-checks/{id}"))),
        Err(e) => {
            let errors = form_errors(tr, e)?;
            unprocessable(check_new_page(&v, data, errors))
        }
    }
}

pub struct FindingRow {
    kind: String,
    period: String,
    amount: String,
    arithmetic: String,
    rule: String,
    rule_url: String,
    verified: bool,
    indicators: String,
}

#[derive(Template)]
#[template(path = "labour_check.html")]
struct CheckPage {
    l: Layout,
    c: DocumentCheck,
    findings: Vec<FindingRow>,
    totals: Vec<(String, String)>,
    may_case: bool,
}

fn finding_rows(tr: &Tr, c: &DocumentCheck) -> Vec<FindingRow> {
    c.findings
        .iter()
        .map(|f| FindingRow {
            kind: label(tr, "kind", &f.kind),
            period: f.period.clone(),
            amount: match &f.unit {
                Some(u) => format!("{} {u}", f.amount),
                None => String::new(),
            },
            arithmetic: f.arithmetic.clone(),
            rule: format!("{} — {}", f.rule.id, f.rule.citation),
            rule_url: f.rule.url.clone().unwrap_or_default(),
            verified: f.rule.verified,
            indicators: f.indicators.join(", "),
        })
        .collect()
}

async fn check_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let p = v.session.principal();
    let c = v.access().get_document_check(&id).await?;
    let tr = &v.ctx.tr;
    html(&CheckPage {
        l: layout(&v.ctx, tr.t("labour-check-title"), "/inspections"),
        findings: finding_rows(tr, &c),
        totals: c
            .money_by_kind()
            .into_iter()
            .map(|(k, a)| (label(tr, "kind", &k), format!("{a} {}", c.currency)))
            .collect(),
        may_case: p.may(Action::LabourCaseManage),
        c,
    })
}

// ----- labour-court cases -----

#[derive(Template)]
#[template(path = "labour_cases.html")]
struct CasesPage {
    l: Layout,
    items: Vec<(String, String, String, String, String)>,
    may_manage: bool,
}

async fn cases(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().list_labour_cases().await?;
    let tr = &v.ctx.tr;
    html(&CasesPage {
        l: layout(&v.ctx, tr.t("labour-cases-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.title,
                    label(tr, "status", &c.status),
                    c.claimed_total,
                    c.next_hearing.unwrap_or_default(),
                )
            })
            .collect(),
        may_manage: p.may(Action::LabourCaseManage),
    })
}

#[derive(Deserialize, Default)]
struct CaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    collective_agreement: String,
    #[serde(default)]
    claimant_name: String,
    #[serde(default)]
    claimant_consent: String,
    #[serde(default)]
    check_id: String,
    #[serde(default)]
    employer1: String,
    #[serde(default)]
    employer2: String,
    #[serde(default)]
    employer3: String,
}

#[derive(Template)]
#[template(path = "labour_case_new.html")]
struct CaseNewPage {
    l: Layout,
    f: CaseForm,
    employers: Vec<(String, String)>,
    check_summary: Vec<(String, String)>,
    errors: Vec<String>,
}

async fn case_new_page(v: &Viewer, f: CaseForm, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::LabourCaseManage).await?;
    let employers = if p.may(Action::EmployerManage) {
        access.list_employers().await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let check_summary = match opt(&f.check_id) {
        Some(c) if p.may(Action::DocumentCheck) => match access.get_document_check(&c).await {
            Ok(c) => c
                .money_by_kind()
                .into_iter()
                .map(|(k, a)| (label(tr, "kind", &k), format!("{a} {}", c.currency)))
                .collect(),
            Err(StoreError::NotFound | StoreError::Denied(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        },
        _ => Vec::new(),
    };
    html(&CaseNewPage {
        l: layout(&v.ctx, tr.t("labour-case-new"), "/inspections"),
        f,
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        check_summary,
        errors,
    })
}

#[derive(Deserialize)]
struct CaseNewQuery {
    #[serde(default)]
    check: String,
}

async fn case_new(v: Viewer, Query(q): Query<CaseNewQuery>) -> PageResult {
    let f = CaseForm {
        check_id: q.check,
        ..Default::default()
    };
    case_new_page(&v, f, Vec::new()).await
}

async fn case_create(v: Viewer, Posted { data, csrf }: Posted<CaseForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = NewLabourCase {
        title: data.title.clone(),
        collective_agreement: data.collective_agreement.clone(),
        claimant_name: data.claimant_name.clone(),
        claimant_consent: checked(&data.claimant_consent),
        check_id: opt(&data.check_id),
        employer_ids: [&data.employer1, &data.employer2, &data.employer3]
            .into_iter()
            .filter_map(|e| opt(e))
            .collect(),
    };
    match access.open_labour_case(input).await {
        Ok(id) => Ok(see_other(&format!("/labour-cases/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(case_new_page(&v, data, errors).await)
        }
    }
}

#[derive(Template)]
#[template(path = "labour_case.html")]
struct CasePage {
    l: Layout,
    c: LabourCase,
    status: String,
    reminders: Vec<(String, String, i64)>,
    employers: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    errors: Vec<String>,
    may_manage: bool,
    summary: bool,
    printed: String,
}

fn days_until(date: &str) -> i64 {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(date, &fmt) {
        Ok(d) => (d - time::OffsetDateTime::now_utc().date()).whole_days(),
        Err(_) => 0,
    }
}

async fn case_page(v: &Viewer, id: &str, errors: Vec<String>, summary: bool) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let c = access.get_labour_case(id).await?;
    let may_manage = p.may(Action::LabourCaseManage) && !summary;
    let employers = if may_manage && p.may(Action::EmployerManage) {
        access.list_employers().await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let today = today();
    let reminders = c
        .upcoming_hearings(&today)
        .into_iter()
        .map(|h| (h.date.clone(), h.court.clone(), days_until(&h.date)))
        .collect();
    html(&CasePage {
        l: layout(
            &v.ctx,
            if summary {
                tr.t("labour-case-summary")
            } else {
                tr.t("labour-case-title")
            },
            "/inspections",
        ),
        status: label(tr, "status", &c.status),
        reminders,
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        roles: options(tr, "role", CHAIN_ROLES),
        errors,
        may_manage,
        summary,
        printed: fmt_ms(ally_store::now_ms()),
        c,
    })
}

async fn case_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    case_page(&v, &id, Vec::new(), false).await
}

async fn case_summary(v: Viewer, Path(id): Path<String>) -> PageResult {
    case_page(&v, &id, Vec::new(), true).await
}

#[derive(Deserialize, Default)]
struct CaseEntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    sha256: String,
    /// Text of the evidence, hashed here when no hash is given.
    #[serde(default)]
    content: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    recovered: String,
}

impl CaseEntryForm {
    fn entry(self) -> Option<CaseEntry> {
        Some(match self.kind.as_str() {
            "claimant" => CaseEntry::Claimant {
                name: self.name,
                consent: checked(&self.consent),
            },
            "employer" => CaseEntry::Employer {
                employer_id: self.employer_id,
                role: self.role,
            },
            "claim" => CaseEntry::Claim {
                description: self.description,
                amount: self.amount,
                check_id: None,
            },
            "evidence" => {
                let sha256 = if self.sha256.trim().is_empty() && !self.content.is_empty() {
                    hex::encode(sha2::Sha256::digest(self.content.as_bytes()))
                } else {
                    self.sha256
                };
                CaseEntry::Evidence {
                    description: self.description,
                    sha256,
                }
            }
            "hearing" => CaseEntry::Hearing {
                date: self.date,
                court: self.court,
                note: self.note,
            },
            "outcome" => CaseEntry::Outcome {
                text: self.text,
                recovered: self.recovered,
                date: self.date,
            },
            _ => return None,
        })
    }
}

async fn case_entry(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<CaseEntryForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let Some(entry) = data.entry() else {
        access.require(Action::LabourCaseManage).await?;
        return Err(PageError::new(Failure::BadRequest));
    };
    match access.update_labour_case(&id, entry).await {
        Ok(()) => Ok(see_other(&format!("/labour-cases/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(case_page(&v, &id, errors, false).await)
        }
    }
}

// ----- JSON API -----

type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerBody {
    legal_name: String,
    #[serde(default)]
    registration_number: String,
    /// construction, agriculture, hospitality, cleaning, manufacturing, logistics, care,
    /// domestic_work, other
    sector: String,
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EmployerDto {
    id: String,
    legal_name: String,
    registration_number: String,
    sector: String,
    addresses: Vec<String>,
    created_at_ms: i64,
}

impl From<ally_core::labour::Employer> for EmployerDto {
    fn from(e: ally_core::labour::Employer) -> Self {
        EmployerDto {
            id: e.id,
            legal_name: e.legal_name,
            registration_number: e.registration_number,
            sector: e.sector,
            addresses: e.addresses,
            created_at_ms: e.created_at_ms,
        }
    }
}

/// The organisation's employers.
#[utoipa::path(get, path = "/api/v1/employers", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [EmployerDto]), (status = 403, body = ErrorBody)))]
async fn api_employers(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<EmployerDto>>> {
    let list = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .list_employers()
        .await?;
    Ok(Json(list.into_iter().map(EmployerDto::from).collect()))
}

/// Register an employer.
#[utoipa::path(post, path = "/api/v1/employers", tag = "labour", request_body = EmployerBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_employer_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<EmployerBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .create_employer(EmployerInput {
            legal_name: b.legal_name,
            registration_number: b.registration_number,
            sector: b.sector,
            addresses: b.addresses,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One employer.
#[utoipa::path(get, path = "/api/v1/employers/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = EmployerDto), (status = 404, body = ErrorBody)))]
async fn api_employer(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EmployerDto>> {
    let e = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_employer(&id)
        .await?;
    Ok(Json(e.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkplaceBody {
    employer_id: String,
    name: String,
    #[serde(default)]
    address: String,
}

/// Register a workplace or site of an employer (the employer heads its chain).
#[utoipa::path(post, path = "/api/v1/workplaces", tag = "labour", request_body = WorkplaceBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_workplace_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<WorkplaceBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .create_workplace(WorkplaceInput {
            employer_id: b.employer_id,
            name: b.name,
            address: b.address,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ChainLinkDto {
    employer_id: String,
    employer_name: String,
    /// principal, contractor, subcontractor, temporary_work_agency
    role: String,
    contracted_by: Option<String>,
    collective_agreement: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkplaceDto {
    id: String,
    employer_id: String,
    name: String,
    address: String,
    chain: Vec<ChainLinkDto>,
}

/// A workplace with its subcontracting chain.
#[utoipa::path(get, path = "/api/v1/workplaces/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = WorkplaceDto), (status = 404, body = ErrorBody)))]
async fn api_workplace(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkplaceDto>> {
    let w = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_workplace(&id)
        .await?;
    Ok(Json(WorkplaceDto {
        id: w.id,
        employer_id: w.employer_id,
        name: w.name,
        address: w.address,
        chain: w
            .chain
            .into_iter()
            .map(|c| ChainLinkDto {
                employer_id: c.employer_id,
                employer_name: c.employer_name,
                role: c.role,
                contracted_by: c.contracted_by,
                collective_agreement: c.collective_agreement,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainLinkBody {
    employer_id: String,
    role: String,
    #[serde(default)]
    contracted_by: Option<String>,
    #[serde(default)]
    collective_agreement: String,
}

/// Add or replace an employer's link in the workplace's subcontracting chain.
#[utoipa::path(post, path = "/api/v1/workplaces/{id}/chain", tag = "labour", params(("id" = String, Path)), request_body = ChainLinkBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_workplace_chain(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ChainLinkBody>,
) -> ApiResult<StatusCode> {
    state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .set_chain_link(
            &id,
            ChainLinkInput {
                employer_id: b.employer_id,
                role: b.role,
                contracted_by: b.contracted_by,
                collective_agreement: b.collective_agreement,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct InspectionSummaryDto {
    id: String,
    date: String,
    status: String,
    workplace_name: String,
    /// The caller's organisation owns it (otherwise it takes part as a partner).
    is_owner: bool,
}

/// Inspections of the organisation and those it takes part in.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [InspectionSummaryDto]), (status = 403, body = ErrorBody)))]
async fn api_inspections(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<InspectionSummaryDto>>> {
    let list = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .list_inspections()
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|i| InspectionSummaryDto {
                id: i.id,
                date: i.date,
                status: i.status,
                workplace_name: i.workplace_name,
                is_owner: i.is_owner,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerBody {
    org_id: String,
    /// union, police, labour_inspectorate, tax_authority
    kind: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    workplace_id: String,
    /// `YYYY-MM-DD`
    date: String,
    legal_basis: String,
    /// construction, agriculture
    checklist: String,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    interpreters_needed: bool,
    #[serde(default)]
    partners: Vec<PartnerBody>,
}

/// Plan a joint inspection.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "labour", request_body = InspectionBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_inspection_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<InspectionBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .plan_inspection(InspectionPlan {
            workplace_id: b.workplace_id,
            date: b.date,
            legal_basis: b.legal_basis,
            checklist: b.checklist,
            languages: b.languages,
            interpreters_needed: b.interpreters_needed,
            partners: b
                .partners
                .into_iter()
                .map(|p| PartnerInput {
                    org_id: p.org_id,
                    kind: p.kind,
                    members: p.members,
                })
                .collect(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// The inspection report as the caller may see it (JSON export): a partner sees its own
/// follow-up actions and only the identities of workers who consented to sharing them.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The inspection report", content_type = "application/json"), (status = 404, body = ErrorBody)))]
async fn api_inspection(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<InspectionView>> {
    let i = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_inspection(&id)
        .await?;
    Ok(Json(i))
}

/// Something recorded in an inspection. `kind` is one of answer (item, answer, note), worker
/// (name, language, person_id, consent_share, interview_id, note), consent (worker,
/// consent_share: given or withdrawn), document (document_kind, description), finding (text),
/// action (assigned_org, text, due), complete.
#[derive(Deserialize, ToSchema)]
pub struct InspectionEntryBody {
    kind: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    consent_share: bool,
    #[serde(default)]
    interview_id: Option<String>,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    assigned_org: String,
    #[serde(default)]
    due: Option<String>,
    /// The worker's number (from 1), for `consent`.
    #[serde(default)]
    worker: Option<usize>,
}

/// Record an answer, a worker met, a document inspected, a finding or a follow-up action.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/entries", tag = "labour", params(("id" = String, Path)), request_body = InspectionEntryBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_inspection_entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<InspectionEntryBody>,
) -> ApiResult<StatusCode> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    let form = EntryForm {
        kind: b.kind,
        item: b.item,
        answer: b.answer,
        note: b.note,
        name: b.name,
        language: b.language,
        person_id: b.person_id.unwrap_or_default(),
        consent_share: b.consent_share.to_string(),
        interview_id: b.interview_id.unwrap_or_default(),
        document_kind: b.document_kind,
        description: b.description,
        text: b.text,
        assigned_org: b.assigned_org,
        due: b.due.unwrap_or_default(),
        worker: b.worker.map(|n| n.to_string()).unwrap_or_default(),
    };
    let Some(entry) = form.entry() else {
        access.require(Action::InspectionManage).await?;
        return Err(ApiError::new(Failure::BadRequest, "kind: unknown value"));
    };
    access.record_inspection(&id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a photo to an inspection: the body is the image (`Content-Type: image/jpeg` or
/// `image/png`); its metadata (EXIF, GPS position, XMP, text) is removed before it is stored.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/photos", tag = "labour", params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"), security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn api_inspection_photo(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .add_inspection_photo(&id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One worker's documents: `record` in the format of `ally labour check --input`, with optional
/// CSV text for more payslips and timesheet days.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    worker_label: String,
    /// A shipped rule set id, e.g. `fr-construction-2025`.
    rule_set: String,
    #[serde(default)]
    inspection_id: Option<String>,
    #[schema(value_type = Object)]
    record: serde_json::Value,
    #[serde(default)]
    payslips_csv: String,
    #[serde(default)]
    timesheets_csv: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    id: String,
    worker_label: String,
    rule_set: String,
    inspection_id: Option<String>,
    /// Each with kind, period, amount (decimal string), unit, arithmetic, rule, indicators.
    #[schema(value_type = Vec<Object>)]
    findings: Vec<ally_core::labour::StoredFinding>,
    notes: Vec<String>,
    created_at_ms: i64,
}

/// Run the document checks for one worker and store the findings.
#[utoipa::path(post, path = "/api/v1/document-checks", tag = "labour", request_body = CheckBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody, description = "The message names the row and field"), (status = 403, body = ErrorBody)))]
async fn api_check_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CheckBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    access.require(Action::DocumentCheck).await?;
    let record = b.record.to_string();
    if let Ok(rules) = RuleSet::shipped(b.rule_set.trim())
        && let Err(message) = check_documents(&rules, &record, &b.payslips_csv, &b.timesheets_csv)
    {
        return Err(ApiError::new(Failure::BadRequest, message));
    }
    let id = access
        .run_document_check(CheckInput {
            worker_label: b.worker_label,
            rule_set: b.rule_set,
            inspection_id: b.inspection_id,
            record_json: record,
            payslips_csv: b.payslips_csv,
            timesheets_csv: b.timesheets_csv,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A stored document check with its findings.
#[utoipa::path(get, path = "/api/v1/document-checks/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CheckDto), (status = 404, body = ErrorBody)))]
async fn api_check(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckDto>> {
    let c = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_document_check(&id)
        .await?;
    Ok(Json(CheckDto {
        id: c.id,
        worker_label: c.worker_label,
        rule_set: c.rule_set,
        inspection_id: c.inspection_id,
        findings: c.findings,
        notes: c.notes,
        created_at_ms: c.created_at_ms,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryDto {
    id: String,
    title: String,
    status: String,
    claimed_total: String,
    next_hearing: Option<String>,
}

/// The organisation's labour-court cases.
#[utoipa::path(get, path = "/api/v1/labour-cases", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [CaseSummaryDto]), (status = 403, body = ErrorBody)))]
async fn api_cases(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<CaseSummaryDto>>> {
    let list = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .list_labour_cases()
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CaseSummaryDto {
                id: c.id,
                title: c.title,
                status: c.status,
                claimed_total: c.claimed_total,
                next_hearing: c.next_hearing,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseBody {
    title: String,
    #[serde(default)]
    collective_agreement: String,
    claimant_name: String,
    /// Must be true: a case is brought only with the claimant's consent.
    claimant_consent: bool,
    /// A document check whose money findings become the first claims.
    #[serde(default)]
    check_id: Option<String>,
    #[serde(default)]
    employer_ids: Vec<String>,
}

/// Open a labour-court case.
#[utoipa::path(post, path = "/api/v1/labour-cases", tag = "labour", request_body = CaseBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_case_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CaseBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .open_labour_case(NewLabourCase {
            title: b.title,
            collective_agreement: b.collective_agreement,
            claimant_name: b.claimant_name,
            claimant_consent: b.claimant_consent,
            check_id: b.check_id,
            employer_ids: b.employer_ids,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A labour-court case: claimants, liable employers, claims, evidence with hashes, hearings,
/// outcome.
#[utoipa::path(get, path = "/api/v1/labour-cases/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The case", content_type = "application/json"), (status = 404, body = ErrorBody)))]
async fn api_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LabourCase>> {
    let c = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_labour_case(&id)
        .await?;
    Ok(Json(c))
}

/// A change to a case. `kind` is one of claimant (name, consent), employer (employer_id,
/// role), claim (description, amount, check_id), evidence (description, sha256), hearing
/// (date, court, note), outcome (text, recovered, date).
#[derive(Deserialize, ToSchema)]
pub struct CaseEntryBody {
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    check_id: Option<String>,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    recovered: String,
}

/// Add a claimant, a liable employer, a claim, evidence, a hearing, or record the outcome.
#[utoipa::path(post, path = "/api/v1/labour-cases/{id}/entries", tag = "labour", params(("id" = String, Path)), request_body = CaseEntryBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_case_entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CaseEntryBody>,
) -> ApiResult<StatusCode> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    let entry = match b.kind.as_str() {
        "claimant" => CaseEntry::Claimant {
            name: b.name,
            consent: b.consent,
        },
        "employer" => CaseEntry::Employer {
            employer_id: b.employer_id,
            role: b.role,
        },
        "claim" => CaseEntry::Claim {
            description: b.description,
            amount: b.amount,
            check_id: b.check_id,
        },
        "evidence" => CaseEntry::Evidence {
            description: b.description,
            sha256: b.sha256,
        },
        "hearing" => CaseEntry::Hearing {
            date: b.date,
            court: b.court,
            note: b.note,
        },
        "outcome" => CaseEntry::Outcome {
            text: b.text,
            recovered: b.recovered,
            date: b.date,
        },
        _ => {
            access.require(Action::LabourCaseManage).await?;
            return Err(ApiError::new(Failure::BadRequest, "kind: unknown value"));
        }
    };
    access.update_labour_case(&id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_employers,
    api_employer_create,
    api_employer,
    api_workplace_create,
    api_workplace,
    api_workplace_chain,
    api_inspections,
    api_inspection_create,
    api_inspection,
    api_inspection_entry,
    api_inspection_photo,
    api_check_create,
    api_check,
    api_cases,
    api_case_create,
    api_case,
    api_case_entry
))]
pub(crate) struct ApiDoc;
