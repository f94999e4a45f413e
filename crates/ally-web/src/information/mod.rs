//! Pages and API of the information module (issue 5): reports, the public anonymous form and
//! triage, entities and links, search, operation packages for the police liaison.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.
//!
//! The public form `/report` receives reports for the organisation named by `?to=<slug>` (its
//! public intake slug, set by the operator) or, without `to`, for the instance's default
//! receiving organisation. It needs no account and no JavaScript; the client address is used
//! only by the store's rate limit (as a keyed hash under a daily key) and never stored or logged.
//! The form may carry one small image (multipart), whose metadata the store strips.
//! Administrators set their organisation's slug on `/settings/intake`; which organisation is the
//! instance's default stays the operator's decision (`ally intake default`).
//!
//! Files: `pages/` (one file per area of pages), [`api`] (JSON handlers), `common` (helpers
//! shared by both), [`package`] (the operation package's printable HTML), `shared` (entities
//! shared with the organisation) and [`pprl_xinst`] (matching across instances).

mod api;
mod common;
pub mod package;
mod pages;
pub(crate) mod pprl_xinst;
mod shared;

use ally_core::authz::Action;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;
use crate::route::{Auth, Route};
use api::{
    api_access_request, api_attach, api_decide_link, api_entity, api_file_report, api_report,
    api_reports,
};
use pages::access_requests::access_request;
use pages::attachments::{attachment_download, attachment_upload};
use pages::entities::{entity_distribution, entity_victim_case, entity_view};
use pages::links::link_decide;
use pages::map::report_map;
use pages::operations::{
    operation_create, operation_html, operation_json, operation_new, operation_view, operations,
};
use pages::pprl::{pprl_join, pprl_match_run, pprl_run, pprl_runs, pprl_start};
use pages::public::{intake_page, intake_save, public_form, public_submit};
use pages::reports::{
    report_create, report_distribution, report_new, report_resolve, report_view, reports,
};
use pages::triage::{report_triage, triage};

use Action as A;
use Auth::{Public, Session, Token};

const fn r(method: &'static str, path: &'static str, auth: Auth, action: Option<Action>) -> Route {
    Route {
        method,
        path,
        auth,
        action,
    }
}

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[
    r("GET", "/report", Public, None),
    r("POST", "/report", Public, None),
    r("GET", "/reports", Session, Some(A::ReportFile)),
    r("GET", "/reports/new", Session, Some(A::ReportFile)),
    r("POST", "/reports", Session, Some(A::ReportFile)),
    r("GET", "/reports/triage", Session, Some(A::ReportTriage)),
    r("GET", "/reports/map", Session, Some(A::ReportRead)),
    r("GET", "/reports/{id}", Session, Some(A::ReportRead)),
    r(
        "POST",
        "/reports/{id}/triage",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/reports/{id}/distribution",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/reports/{id}/resolve",
        Session,
        Some(A::EntityLink),
    ),
    r(
        "POST",
        "/reports/{id}/attachments",
        Session,
        Some(A::ReportFile),
    ),
    r("GET", "/attachments/{id}", Session, Some(A::ReportRead)),
    r("GET", "/entities/shared", Session, Some(A::ReportRead)),
    r("GET", "/entities/{id}", Session, Some(A::ReportRead)),
    r(
        "POST",
        "/entities/{id}/distribution",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/entities/{id}/victim-case",
        Session,
        Some(A::CaseRead),
    ),
    r(
        "GET",
        "/entities/{id}/access-request",
        Session,
        Some(A::SuspectRead),
    ),
    r("POST", "/entities/links/{id}", Session, Some(A::EntityLink)),
    r("GET", "/settings/intake", Session, Some(A::OrgManage)),
    r("POST", "/settings/intake", Session, Some(A::OrgManage)),
    r("GET", "/operations", Session, Some(A::ReportRead)),
    r("GET", "/operations/new", Session, Some(A::OperationExport)),
    r("POST", "/operations", Session, Some(A::OperationExport)),
    r("GET", "/operations/{id}", Session, Some(A::ReportRead)),
    r(
        "GET",
        "/operations/{id}/package.json",
        Session,
        Some(A::ReportRead),
    ),
    r(
        "GET",
        "/operations/{id}/package.html",
        Session,
        Some(A::ReportRead),
    ),
    r("GET", "/pprl", Session, Some(A::PprlRun)),
    r("POST", "/pprl", Session, Some(A::PprlRun)),
    r("GET", "/pprl/{id}", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/join", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/match", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/kit", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/upload", Session, Some(A::PprlRun)),
    r("GET", "/pprl/{id}/results.csv", Session, Some(A::PprlRun)),
    r("GET", "/pprl/contribute", Session, Some(A::PprlRun)),
    r("POST", "/pprl/contribute", Session, Some(A::PprlRun)),
    r(
        "POST",
        "/api/v1/pprl/runs/{id}/kit",
        Token,
        Some(A::PprlRun),
    ),
    r(
        "POST",
        "/api/v1/pprl/runs/{id}/clks",
        Token,
        Some(A::PprlRun),
    ),
    r(
        "GET",
        "/api/v1/pprl/runs/{id}/results",
        Token,
        Some(A::PprlRun),
    ),
    r("POST", "/api/v1/pprl/contribute", Token, Some(A::PprlRun)),
    r("GET", "/api/v1/reports", Token, Some(A::ReportRead)),
    r("POST", "/api/v1/reports", Token, Some(A::ReportFile)),
    r("GET", "/api/v1/reports/{id}", Token, Some(A::ReportRead)),
    r(
        "POST",
        "/api/v1/reports/{id}/attachments",
        Token,
        Some(A::ReportFile),
    ),
    r("GET", "/api/v1/entities/shared", Token, Some(A::ReportRead)),
    r("GET", "/api/v1/entities/{id}", Token, Some(A::ReportRead)),
    r(
        "GET",
        "/api/v1/entities/{id}/access-request",
        Token,
        Some(A::SuspectRead),
    ),
    r(
        "POST",
        "/api/v1/entities/links/{id}",
        Token,
        Some(A::EntityLink),
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(public_form).post(public_submit))
        .route("/reports", get(reports).post(report_create))
        .route("/reports/new", get(report_new))
        .route("/reports/triage", get(triage))
        .route("/reports/map", get(report_map))
        .route("/reports/{id}", get(report_view))
        .route("/reports/{id}/triage", post(report_triage))
        .route("/reports/{id}/distribution", post(report_distribution))
        .route("/reports/{id}/resolve", post(report_resolve))
        .route(
            "/reports/{id}/attachments",
            post(attachment_upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(attachment_download))
        .route("/entities/shared", get(shared::shared_entities))
        .route("/entities/{id}", get(entity_view))
        .route("/entities/{id}/distribution", post(entity_distribution))
        .route("/entities/{id}/victim-case", post(entity_victim_case))
        .route("/entities/{id}/access-request", get(access_request))
        .route("/entities/links/{id}", post(link_decide))
        .route("/settings/intake", get(intake_page).post(intake_save))
        .route("/operations", get(operations).post(operation_create))
        .route("/operations/new", get(operation_new))
        .route("/operations/{id}", get(operation_view))
        .route("/operations/{id}/package.json", get(operation_json))
        .route("/operations/{id}/package.html", get(operation_html))
        .route("/pprl", get(pprl_runs).post(pprl_start))
        .route("/pprl/{id}", get(pprl_run))
        .route("/pprl/{id}/join", post(pprl_join))
        .route("/pprl/{id}/match", post(pprl_match_run))
        .merge(pprl_xinst::router())
        .route("/api/v1/reports", get(api_reports).post(api_file_report))
        .route("/api/v1/reports/{id}", get(api_report))
        .route(
            "/api/v1/reports/{id}/attachments",
            post(api_attach).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .route("/api/v1/entities/shared", get(shared::api_shared_entities))
        .route("/api/v1/entities/{id}", get(api_entity))
        .route(
            "/api/v1/entities/{id}/access-request",
            get(api_access_request),
        )
        .route("/api/v1/entities/links/{id}", post(api_decide_link))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api::api_reports,
        api::api_file_report,
        api::api_report,
        api::api_attach,
        api::api_entity,
        shared::api_shared_entities,
        api::api_access_request,
        api::api_decide_link
    ),
    components(schemas(
        api::SuspectExtractDto,
        api::SuspectEntryDto,
        api::SuspectReportDto,
        api::ReportSummaryDto,
        api::ReportDto,
        api::EntityDto,
        api::LinkDto,
        api::EntityPageDto,
        shared::SharedEntityDto,
        shared::SharedEntityListDto,
        api::ReportInputDto,
        api::EntityInputDto,
        api::LinkDecision,
        api::FiledDto
    ))
)]
pub(crate) struct ApiDoc;

/// Attachment uploads may be larger than other requests (the image plus the form around it).
const ATTACHMENT_BODY_LIMIT: usize = ally_store::images::MAX_PHOTO_BYTES + 64 * 1024;
