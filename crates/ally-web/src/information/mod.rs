//! Pages and API of the information module (issue 5): reports, the public anonymous form and
//! triage, entities and links, search, operation packages for the police liaison.
//!
//! [`routes`] declares every route of the module once (router entry, route-table row and, for
//! the API, OpenAPI path), those of `shared` and `pprl_xinst` included.
//!
//! The public form `/report` receives reports for the organisation named by `?to=<slug>` (its
//! public intake slug, set by the operator) or, without `to`, for the instance's default
//! receiving organisation. It needs no account and no JavaScript; the client address is used
//! only by the store's rate limit (as a keyed hash under a daily key) and never stored or logged.
//! The form may carry one small image (multipart), whose metadata the store strips.
//! Administrators set their organisation's slug on `/settings/intake`; which organisation is the
//! instance's default stays the operator's decision (`ally intake default`).
//!
//! Files: `pages/` (one file per area of pages), `api` (JSON handlers), `common` (helpers
//! shared by both), [`package`] (the operation package's printable HTML), `shared` (entities
//! shared with the organisation) and `pprl_xinst` (matching across instances).

mod api;
mod common;
pub mod package;
mod pages;
mod pprl_xinst;
mod shared;

use ally_core::authz::Action as A;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::route::{Routes, public, session, token};
use pprl_xinst::{KIT_BODY_LIMIT, UPLOAD_BODY_LIMIT};

/// The information module's routes.
pub fn routes() -> Routes {
    use pages::{
        access_requests, attachments, entities, links, map, operations, pprl, public as form,
        reports, triage,
    };
    Routes::new()
        .get("/report", public(), form::public_form)
        .post("/report", public(), form::public_submit)
        .get("/reports", session(A::ReportFile), reports::reports)
        .get("/reports/new", session(A::ReportFile), reports::report_new)
        .post("/reports", session(A::ReportFile), reports::report_create)
        .get("/reports/triage", session(A::ReportTriage), triage::triage)
        .get("/reports/map", session(A::ReportRead), map::report_map)
        .get(
            "/reports/{id}",
            session(A::ReportRead),
            reports::report_view,
        )
        .post(
            "/reports/{id}/triage",
            session(A::ReportTriage),
            triage::report_triage,
        )
        .post(
            "/reports/{id}/distribution",
            session(A::ReportTriage),
            reports::report_distribution,
        )
        .post(
            "/reports/{id}/resolve",
            session(A::EntityLink),
            reports::report_resolve,
        )
        .post(
            "/reports/{id}/attachments",
            session(A::ReportFile),
            attachments::attachment_upload.layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .get(
            "/attachments/{id}",
            session(A::ReportRead),
            attachments::attachment_download,
        )
        .get(
            "/entities/shared",
            session(A::ReportRead),
            shared::shared_entities,
        )
        .get(
            "/entities/{id}",
            session(A::ReportRead),
            entities::entity_view,
        )
        .post(
            "/entities/{id}/distribution",
            session(A::ReportTriage),
            entities::entity_distribution,
        )
        .post(
            "/entities/{id}/victim-case",
            session(A::CaseRead),
            entities::entity_victim_case,
        )
        .get(
            "/entities/{id}/access-request",
            session(A::SuspectRead),
            access_requests::access_request,
        )
        .post(
            "/entities/links/{id}",
            session(A::EntityLink),
            links::link_decide,
        )
        .get("/settings/intake", session(A::OrgManage), form::intake_page)
        .post("/settings/intake", session(A::OrgManage), form::intake_save)
        .get(
            "/operations",
            session(A::ReportRead),
            operations::operations,
        )
        .get(
            "/operations/new",
            session(A::OperationExport),
            operations::operation_new,
        )
        .post(
            "/operations",
            session(A::OperationExport),
            operations::operation_create,
        )
        .get(
            "/operations/{id}",
            session(A::ReportRead),
            operations::operation_view,
        )
        .get(
            "/operations/{id}/package.json",
            session(A::ReportRead),
            operations::operation_json,
        )
        .get(
            "/operations/{id}/package.html",
            session(A::ReportRead),
            operations::operation_html,
        )
        .get("/pprl", session(A::PprlRun), pprl::pprl_runs)
        .post("/pprl", session(A::PprlRun), pprl::pprl_start)
        .get("/pprl/{id}", session(A::PprlRun), pprl::pprl_run)
        .post("/pprl/{id}/join", session(A::PprlRun), pprl::pprl_join)
        .post(
            "/pprl/{id}/match",
            session(A::PprlRun),
            pprl::pprl_match_run,
        )
        .post(
            "/pprl/{id}/kit",
            session(A::PprlRun),
            pprl_xinst::kit_download,
        )
        .post(
            "/pprl/{id}/upload",
            session(A::PprlRun),
            pprl_xinst::upload_form.layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .get(
            "/pprl/{id}/results.csv",
            session(A::PprlRun),
            pprl_xinst::results_csv,
        )
        .get(
            "/pprl/contribute",
            session(A::PprlRun),
            pprl_xinst::contribute_page.layer(DefaultBodyLimit::max(KIT_BODY_LIMIT)),
        )
        .post(
            "/pprl/contribute",
            session(A::PprlRun),
            pprl_xinst::contribute_form.layer(DefaultBodyLimit::max(KIT_BODY_LIMIT)),
        )
        .api(token(A::PprlRun), routes!(pprl_xinst::api_kit))
        .api(
            token(A::PprlRun),
            body_limit(routes!(pprl_xinst::api_upload), UPLOAD_BODY_LIMIT),
        )
        .api(token(A::PprlRun), routes!(pprl_xinst::api_results))
        .api(
            token(A::PprlRun),
            body_limit(routes!(pprl_xinst::api_contribute), KIT_BODY_LIMIT),
        )
        .api(token(A::ReportRead), routes!(api::api_reports))
        .api(token(A::ReportFile), routes!(api::api_file_report))
        .api(token(A::ReportRead), routes!(api::api_report))
        .api(
            token(A::ReportFile),
            body_limit(routes!(api::api_attach), ATTACHMENT_BODY_LIMIT),
        )
        .api(token(A::ReportRead), routes!(shared::api_shared_entities))
        .api(token(A::ReportRead), routes!(api::api_entity))
        .api(token(A::SuspectRead), routes!(api::api_access_request))
        .api(token(A::EntityLink), routes!(api::api_decide_link))
}

/// An API route whose body may be larger (or must be smaller) than the application's limit.
fn body_limit(
    (schemas, paths, router): UtoipaMethodRouter<AppState>,
    limit: usize,
) -> UtoipaMethodRouter<AppState> {
    (schemas, paths, router.layer(DefaultBodyLimit::max(limit)))
}

/// Attachment uploads may be larger than other requests (the image plus the form around it).
const ATTACHMENT_BODY_LIMIT: usize = ally_store::images::MAX_PHOTO_BYTES + 64 * 1024;
