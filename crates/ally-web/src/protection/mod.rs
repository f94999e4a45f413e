//! Pages and API of the protection module (issue 4): protection cases, services, consent,
//! referrals, proceedings, dossiers, "my deadlines" and the organisation directory.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.
//! Handlers parse and present; every decision (who may see what, whether a referral is
//! covered by consent) is the store's and the core's.

mod api;
pub mod dossier;
mod pages;

use ally_core::authz::Action;
use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::route::{Auth, Route};

const fn r(method: &'static str, path: &'static str, auth: Auth, action: Action) -> Route {
    Route {
        method,
        path,
        auth,
        action: Some(action),
    }
}

use Action as A;
use Auth::{Session, Token};

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[
    r("GET", "/cases", Session, A::CaseRead),
    r("GET", "/cases/new", Session, A::CaseCreate),
    r("POST", "/cases", Session, A::CaseCreate),
    r("GET", "/cases/{id}", Session, A::CaseRead),
    r("GET", "/cases/{id}/edit", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/details", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/transition", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/caseworkers", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/persons", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/services", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/tasks", Session, A::CaseUpdate),
    r("POST", "/services/{id}", Session, A::CaseUpdate),
    r("POST", "/tasks/{id}", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/proceedings", Session, A::CaseUpdate),
    r(
        "POST",
        "/cases/{id}/proceedings/advance",
        Session,
        A::CaseUpdate,
    ),
    r("POST", "/cases/{id}/court-dates", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/permits", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/compensation", Session, A::CaseUpdate),
    r("POST", "/cases/{id}/consents", Session, A::ConsentRecord),
    r("POST", "/consents/{id}/withdraw", Session, A::ConsentRecord),
    r("GET", "/cases/{id}/refer", Session, A::ReferralManage),
    r("POST", "/cases/{id}/referrals", Session, A::ReferralManage),
    r("GET", "/referrals", Session, A::ReferralManage),
    r("POST", "/referrals/{id}/accept", Session, A::ReferralManage),
    r(
        "POST",
        "/referrals/{id}/decline",
        Session,
        A::ReferralManage,
    ),
    r("POST", "/referrals/{id}/revoke", Session, A::ReferralManage),
    r("POST", "/referrals/{id}/lead", Session, A::ReferralManage),
    r(
        "POST",
        "/referrals/{id}/lead/accept",
        Session,
        A::ReferralManage,
    ),
    r(
        "POST",
        "/referrals/{id}/lead/decline",
        Session,
        A::ReferralManage,
    ),
    r("GET", "/cases/{id}/dossier", Session, A::DossierExport),
    r("POST", "/cases/{id}/erase", Session, A::PersonErase),
    r("GET", "/deadlines", Session, A::CaseRead),
    r("GET", "/directory", Session, A::OrgRead),
    r("POST", "/directory", Session, A::DirectoryManage),
    r("GET", "/api/v1/cases", Token, A::CaseRead),
    r("POST", "/api/v1/cases", Token, A::CaseCreate),
    r("GET", "/api/v1/cases/{id}", Token, A::CaseRead),
    r("POST", "/api/v1/cases/{id}/services", Token, A::CaseUpdate),
    r("POST", "/api/v1/services/{id}", Token, A::CaseUpdate),
    r("POST", "/api/v1/tasks/{id}", Token, A::CaseUpdate),
    r(
        "POST",
        "/api/v1/cases/{id}/consents",
        Token,
        A::ConsentRecord,
    ),
    r(
        "POST",
        "/api/v1/cases/{id}/referrals",
        Token,
        A::ReferralManage,
    ),
    r(
        "POST",
        "/api/v1/cases/{id}/proceedings",
        Token,
        A::CaseUpdate,
    ),
    r("GET", "/api/v1/referrals", Token, A::ReferralManage),
    r(
        "POST",
        "/api/v1/referrals/{id}/actions",
        Token,
        A::ReferralManage,
    ),
    r(
        "POST",
        "/api/v1/consents/{id}/withdraw",
        Token,
        A::ConsentRecord,
    ),
];

pub(crate) fn router() -> Router<AppState> {
    use pages::{case_view, cases, consents, deadlines, directory, judicial, referrals, services};
    Router::new()
        .route("/cases", get(cases::cases).post(cases::case_create))
        .route("/cases/new", get(cases::case_new))
        .route("/cases/{id}", get(case_view::case_view))
        .route("/cases/{id}/edit", get(cases::case_edit))
        .route("/cases/{id}/details", post(cases::case_details))
        .route("/cases/{id}/transition", post(cases::case_transition))
        .route("/cases/{id}/caseworkers", post(cases::caseworker_add))
        .route("/cases/{id}/persons", post(cases::person_link))
        .route("/cases/{id}/services", post(services::service_add))
        .route("/cases/{id}/tasks", post(services::task_add))
        .route("/services/{id}", post(services::service_update))
        .route("/tasks/{id}", post(services::task_update))
        .route("/cases/{id}/proceedings", post(judicial::proceedings_add))
        .route(
            "/cases/{id}/proceedings/advance",
            post(judicial::proceedings_advance),
        )
        .route("/cases/{id}/court-dates", post(judicial::court_date_add))
        .route("/cases/{id}/permits", post(judicial::permit_add))
        .route("/cases/{id}/compensation", post(judicial::compensation_add))
        .route("/cases/{id}/consents", post(consents::consent_add))
        .route("/consents/{id}/withdraw", post(consents::consent_withdraw))
        .route("/cases/{id}/refer", get(referrals::refer_form))
        .route("/cases/{id}/referrals", post(referrals::referral_send))
        .route("/referrals", get(referrals::referrals))
        .route("/referrals/{id}/accept", post(referrals::referral_accept))
        .route("/referrals/{id}/decline", post(referrals::referral_decline))
        .route("/referrals/{id}/revoke", post(referrals::referral_revoke))
        .route("/referrals/{id}/lead", post(referrals::lead_propose))
        .route("/referrals/{id}/lead/accept", post(referrals::lead_accept))
        .route(
            "/referrals/{id}/lead/decline",
            post(referrals::lead_decline),
        )
        .route("/cases/{id}/dossier", get(pages::dossier::dossier_download))
        .route("/cases/{id}/erase", post(pages::dossier::case_erase))
        .route("/deadlines", get(deadlines::deadlines))
        .route(
            "/directory",
            get(directory::directory).post(directory::directory_update),
        )
        .merge(api::router())
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::list_cases,
    api::create_case,
    api::get_case,
    api::add_service,
    api::update_service,
    api::update_task,
    api::add_consent,
    api::send_referral,
    api::add_proceedings,
    api::list_referrals,
    api::referral_action,
    api::withdraw_consent
))]
pub(crate) struct ApiDoc;
