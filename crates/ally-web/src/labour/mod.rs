//! Pages and API of the labour module (issue 6): employers and workplaces with their
//! subcontracting chains, joint inspections, document checks, labour-court cases.
//!
//! - `pages`: one file per area (`employers` with workplaces and chains, `inspections` with
//!   photos, `checks`, `court_cases`); `forms`: what they share (field errors, labels, options).
//! - `api`: the JSON handlers and their OpenAPI annotations.
//!
//! [`routes`] declares every route of the module once: router entry, route-table row and, for
//! the API, OpenAPI path. Handlers authenticate and present; every decision is
//! `ally_store::Access`'s.

mod api;
mod forms;
mod pages;

use ally_core::authz::Action as A;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::route::{Routes, session, token};

/// Photo uploads may be larger than other requests (the image plus the form around it).
const PHOTO_BODY_LIMIT: usize = ally_store::images::MAX_PHOTO_BYTES + 64 * 1024;

/// An API route that takes a photo: its body may be up to [`PHOTO_BODY_LIMIT`].
fn photo_limit(routes: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    let (schemas, paths, method_router) = routes;
    (
        schemas,
        paths,
        method_router.layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
    )
}

/// The labour module's routes.
pub fn routes() -> Routes {
    use pages::{checks, court_cases, employers, inspections};
    Routes::new()
        .get(
            "/employers",
            session(A::EmployerManage),
            employers::employers,
        )
        .post(
            "/employers",
            session(A::EmployerManage),
            employers::employer_create,
        )
        .get(
            "/employers/{id}",
            session(A::EmployerManage),
            employers::employer_view,
        )
        .post(
            "/workplaces",
            session(A::EmployerManage),
            employers::workplace_create,
        )
        .get(
            "/workplaces/{id}",
            session(A::EmployerManage),
            employers::workplace_view,
        )
        .post(
            "/workplaces/{id}/chain",
            session(A::EmployerManage),
            employers::workplace_chain,
        )
        .get(
            "/inspections",
            session(A::InspectionRead),
            inspections::inspections,
        )
        .get(
            "/inspections/new",
            session(A::InspectionManage),
            inspections::inspection_new,
        )
        .post(
            "/inspections",
            session(A::InspectionManage),
            inspections::inspection_create,
        )
        .get(
            "/inspections/{id}",
            session(A::InspectionRead),
            inspections::inspection_view,
        )
        .post(
            "/inspections/{id}/partners",
            session(A::InspectionManage),
            inspections::inspection_partner,
        )
        .post(
            "/inspections/{id}/entries",
            session(A::InspectionManage),
            inspections::inspection_entry,
        )
        .get(
            "/inspections/{id}/report",
            session(A::InspectionRead),
            inspections::inspection_report,
        )
        .get(
            "/inspections/{id}/report.json",
            session(A::InspectionRead),
            inspections::inspection_report_json,
        )
        .post(
            "/inspections/{id}/photos",
            session(A::InspectionManage),
            inspections::inspection_photo_upload.layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        )
        .get(
            "/inspections/{id}/photos/{photo}",
            session(A::InspectionRead),
            inspections::inspection_photo,
        )
        .post(
            "/inspections/{id}/actions/{n}/done",
            session(A::InspectionManage),
            inspections::inspection_action_done,
        )
        .get(
            "/document-checks",
            session(A::DocumentCheck),
            checks::checks,
        )
        .get(
            "/document-checks/new",
            session(A::DocumentCheck),
            checks::check_new,
        )
        .post(
            "/document-checks",
            session(A::DocumentCheck),
            checks::check_create,
        )
        .get(
            "/document-checks/{id}",
            session(A::DocumentCheck),
            checks::check_view,
        )
        .get(
            "/labour-cases",
            session(A::LabourCaseRead),
            court_cases::cases,
        )
        .get(
            "/labour-cases/new",
            session(A::LabourCaseManage),
            court_cases::case_new,
        )
        .post(
            "/labour-cases",
            session(A::LabourCaseManage),
            court_cases::case_create,
        )
        .get(
            "/labour-cases/{id}",
            session(A::LabourCaseRead),
            court_cases::case_view,
        )
        .post(
            "/labour-cases/{id}/entries",
            session(A::LabourCaseManage),
            court_cases::case_entry,
        )
        .get(
            "/labour-cases/{id}/summary",
            session(A::LabourCaseRead),
            court_cases::case_summary,
        )
        .api(token(A::EmployerManage), routes!(api::api_employers))
        .api(token(A::EmployerManage), routes!(api::api_employer_create))
        .api(token(A::EmployerManage), routes!(api::api_employer))
        .api(token(A::EmployerManage), routes!(api::api_workplace_create))
        .api(token(A::EmployerManage), routes!(api::api_workplace))
        .api(token(A::EmployerManage), routes!(api::api_workplace_chain))
        .api(token(A::InspectionRead), routes!(api::api_inspections))
        .api(
            token(A::InspectionManage),
            routes!(api::api_inspection_create),
        )
        .api(token(A::InspectionRead), routes!(api::api_inspection))
        .api(
            token(A::InspectionManage),
            routes!(api::api_inspection_entry),
        )
        .api(
            token(A::InspectionManage),
            photo_limit(routes!(api::api_inspection_photo)),
        )
        .api(token(A::DocumentCheck), routes!(api::api_check_create))
        .api(token(A::DocumentCheck), routes!(api::api_check))
        .api(token(A::LabourCaseRead), routes!(api::api_cases))
        .api(token(A::LabourCaseManage), routes!(api::api_case_create))
        .api(token(A::LabourCaseRead), routes!(api::api_case))
        .api(token(A::LabourCaseManage), routes!(api::api_case_entry))
}
