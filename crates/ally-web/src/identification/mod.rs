//! Pages and API of the identification module (issue 3): detection interviews, questionnaires and their translations.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.
//!
//! - `pages`: the HTML pages, without JavaScript: `pages::interview` (start, consent, one
//!   question at a time, back and correct, stop, finish, result), `pages::record` (the list and
//!   the printable record), `pages::explain` (indicator labels and the outcome's explanation in
//!   the reader's language), `pages::questionnaires` (the questionnaires, own questions and the
//!   translators' review pages), `pages::common` (what they share).
//! - `languages`: the interview languages' native names and writing directions.
//! - `api`: the JSON API (list, get, create, consent, answer, finish).

mod api;
mod languages;
mod pages;

use ally_core::authz::Action as A;
use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::route::Auth::{Session, Token};
use crate::route::Route;

const fn r(method: &'static str, path: &'static str, auth: crate::route::Auth, action: A) -> Route {
    Route {
        method,
        path,
        auth,
        action: Some(action),
    }
}

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[
    r("GET", "/interviews", Session, A::InterviewConduct),
    r("GET", "/interviews/new", Session, A::InterviewConduct),
    r("POST", "/interviews", Session, A::InterviewConduct),
    r("GET", "/interviews/{id}", Session, A::InterviewRead),
    r(
        "GET",
        "/interviews/{id}/consent",
        Session,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/interviews/{id}/consent",
        Session,
        A::InterviewConduct,
    ),
    r(
        "GET",
        "/interviews/{id}/question",
        Session,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/interviews/{id}/answer",
        Session,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/interviews/{id}/finish",
        Session,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/interviews/{id}/stop",
        Session,
        A::InterviewConduct,
    ),
    r(
        "GET",
        "/interviews/{id}/result",
        Session,
        A::InterviewConduct,
    ),
    r("GET", "/questionnaires", Session, A::TranslationReview),
    r(
        "GET",
        "/questionnaires/{id}/{lang}",
        Session,
        A::TranslationReview,
    ),
    r(
        "POST",
        "/questionnaires/{id}/{lang}",
        Session,
        A::TranslationReview,
    ),
    r(
        "POST",
        "/questionnaires/{id}/questions",
        Session,
        A::QuestionnaireManage,
    ),
    r("GET", "/api/v1/interviews", Token, A::InterviewRead),
    r("POST", "/api/v1/interviews", Token, A::InterviewConduct),
    r("GET", "/api/v1/interviews/{id}", Token, A::InterviewRead),
    r(
        "POST",
        "/api/v1/interviews/{id}/consent",
        Token,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/api/v1/interviews/{id}/answers",
        Token,
        A::InterviewConduct,
    ),
    r(
        "POST",
        "/api/v1/interviews/{id}/finish",
        Token,
        A::InterviewConduct,
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/interviews",
            get(pages::record::list).post(pages::interview::create),
        )
        .route("/interviews/new", get(pages::interview::new_form))
        .route("/interviews/{id}", get(pages::record::record))
        .route(
            "/interviews/{id}/consent",
            get(pages::interview::consent_page).post(pages::interview::consent_submit),
        )
        .route("/interviews/{id}/question", get(pages::interview::question))
        .route("/interviews/{id}/answer", post(pages::interview::answer))
        .route("/interviews/{id}/finish", post(pages::interview::finish))
        .route("/interviews/{id}/stop", post(pages::interview::stop))
        .route("/interviews/{id}/result", get(pages::interview::result))
        .route(
            "/questionnaires",
            get(pages::questionnaires::questionnaires),
        )
        .route(
            "/questionnaires/{id}/questions",
            post(pages::questionnaires::add_question),
        )
        .route(
            "/questionnaires/{id}/{lang}",
            get(pages::questionnaires::review_page).post(pages::questionnaires::review_submit),
        )
        .route(
            "/api/v1/interviews",
            get(api::list_interviews).post(api::create_interview),
        )
        .route("/api/v1/interviews/{id}", get(api::get_interview))
        .route("/api/v1/interviews/{id}/consent", post(api::consent))
        .route("/api/v1/interviews/{id}/answers", post(api::answer))
        .route("/api/v1/interviews/{id}/finish", post(api::finish))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::list_interviews,
    api::create_interview,
    api::get_interview,
    api::consent,
    api::answer,
    api::finish
))]
pub(crate) struct ApiDoc;
