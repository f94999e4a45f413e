//! Pages and API of the protection module (issue 4): protection cases, services, consent,
//! referrals, proceedings, dossiers, "my deadlines" and the organisation directory.
//!
//! - `pages`: one file per area (`cases`, `case_view`, `services`, `judicial`, `consents`,
//!   `referrals`, `dossier`, `deadlines`, `directory`) and the helpers they share (`common`,
//!   `rows`).
//! - `api`: the JSON handlers and their OpenAPI annotations.
//! - `dossier`: the verifiable case dossier (HTML, JSON, audit excerpt, manifest) and its
//!   verification.
//!
//! [`routes`] declares every route of the module once: router entry, route-table row and, for
//! the API, OpenAPI path. Handlers parse and present; every decision (who may see what, whether a referral is
//! covered by consent) is the store's and the core's.

mod api;
pub mod dossier;
mod pages;

use ally_core::authz::Action as A;
use utoipa_axum::routes;

use crate::route::{Routes, session, token};

/// The protection module's routes.
pub fn routes() -> Routes {
    use pages::{case_view, cases, consents, deadlines, directory, judicial, referrals, services};
    Routes::new()
        .get("/cases", session(A::CaseRead), cases::cases)
        .get("/cases/new", session(A::CaseCreate), cases::case_new)
        .post("/cases", session(A::CaseCreate), cases::case_create)
        .get("/cases/{id}", session(A::CaseRead), case_view::case_view)
        .get("/cases/{id}/edit", session(A::CaseUpdate), cases::case_edit)
        .post(
            "/cases/{id}/details",
            session(A::CaseUpdate),
            cases::case_details,
        )
        .post(
            "/cases/{id}/transition",
            session(A::CaseUpdate),
            cases::case_transition,
        )
        .post(
            "/cases/{id}/caseworkers",
            session(A::CaseUpdate),
            cases::caseworker_add,
        )
        .post(
            "/cases/{id}/persons",
            session(A::CaseUpdate),
            cases::person_link,
        )
        .post(
            "/cases/{id}/services",
            session(A::CaseUpdate),
            services::service_add,
        )
        .post(
            "/cases/{id}/tasks",
            session(A::CaseUpdate),
            services::task_add,
        )
        .post(
            "/services/{id}",
            session(A::CaseUpdate),
            services::service_update,
        )
        .post("/tasks/{id}", session(A::CaseUpdate), services::task_update)
        .post(
            "/cases/{id}/proceedings",
            session(A::CaseUpdate),
            judicial::proceedings_add,
        )
        .post(
            "/cases/{id}/proceedings/advance",
            session(A::CaseUpdate),
            judicial::proceedings_advance,
        )
        .post(
            "/cases/{id}/court-dates",
            session(A::CaseUpdate),
            judicial::court_date_add,
        )
        .post(
            "/cases/{id}/permits",
            session(A::CaseUpdate),
            judicial::permit_add,
        )
        .post(
            "/cases/{id}/compensation",
            session(A::CaseUpdate),
            judicial::compensation_add,
        )
        .post(
            "/cases/{id}/consents",
            session(A::ConsentRecord),
            consents::consent_add,
        )
        .post(
            "/consents/{id}/withdraw",
            session(A::ConsentRecord),
            consents::consent_withdraw,
        )
        .get(
            "/cases/{id}/refer",
            session(A::ReferralManage),
            referrals::refer_form,
        )
        .post(
            "/cases/{id}/referrals",
            session(A::ReferralManage),
            referrals::referral_send,
        )
        .get(
            "/referrals",
            session(A::ReferralManage),
            referrals::referrals,
        )
        .post(
            "/referrals/{id}/accept",
            session(A::ReferralManage),
            referrals::referral_accept,
        )
        .post(
            "/referrals/{id}/decline",
            session(A::ReferralManage),
            referrals::referral_decline,
        )
        .post(
            "/referrals/{id}/revoke",
            session(A::ReferralManage),
            referrals::referral_revoke,
        )
        .post(
            "/referrals/{id}/lead",
            session(A::ReferralManage),
            referrals::lead_propose,
        )
        .post(
            "/referrals/{id}/lead/accept",
            session(A::ReferralManage),
            referrals::lead_accept,
        )
        .post(
            "/referrals/{id}/lead/decline",
            session(A::ReferralManage),
            referrals::lead_decline,
        )
        .get(
            "/cases/{id}/dossier",
            session(A::DossierExport),
            pages::dossier::dossier_download,
        )
        .post(
            "/cases/{id}/erase",
            session(A::PersonErase),
            pages::dossier::case_erase,
        )
        .get("/deadlines", session(A::CaseRead), deadlines::deadlines)
        .get("/directory", session(A::OrgRead), directory::directory)
        .post(
            "/directory",
            session(A::DirectoryManage),
            directory::directory_update,
        )
        .api(token(A::CaseRead), routes!(api::list_cases))
        .api(token(A::CaseCreate), routes!(api::create_case))
        .api(token(A::CaseRead), routes!(api::get_case))
        .api(token(A::CaseUpdate), routes!(api::add_service))
        .api(token(A::CaseUpdate), routes!(api::update_service))
        .api(token(A::CaseUpdate), routes!(api::update_task))
        .api(token(A::ConsentRecord), routes!(api::add_consent))
        .api(token(A::ReferralManage), routes!(api::send_referral))
        .api(token(A::CaseUpdate), routes!(api::add_proceedings))
        .api(token(A::ReferralManage), routes!(api::list_referrals))
        .api(token(A::ReferralManage), routes!(api::referral_action))
        .api(token(A::ConsentRecord), routes!(api::withdraw_consent))
}
