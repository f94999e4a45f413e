//! Pages and API of the identification module (issue 3): detection interviews, questionnaires
//! and their translations.
//!
//! - `pages`: the HTML pages, without JavaScript: `pages::interview` (start, consent, one
//!   question at a time, back and correct, stop, finish, result), `pages::record` (the list and
//!   the printable record), `pages::explain` (indicator labels and the outcome's explanation in
//!   the reader's language), `pages::questionnaires` (the questionnaires, own questions and the
//!   translators' review pages), `pages::common` (what they share).
//! - `languages`: the interview languages' native names and writing directions.
//! - `api`: the JSON API (list, get, create, consent, answer, finish).
//!
//! [`routes`] declares every route of the module once: router entry, route-table row and, for
//! the API, OpenAPI path.

mod api;
mod languages;
mod pages;

use ally_core::authz::Action as A;
use utoipa_axum::routes;

use crate::route::{Routes, session, token};

/// The identification module's routes.
pub fn routes() -> Routes {
    use pages::{interview, questionnaires, record};
    Routes::new()
        .get("/interviews", session(A::InterviewConduct), record::list)
        .get(
            "/interviews/new",
            session(A::InterviewConduct),
            interview::new_form,
        )
        .post(
            "/interviews",
            session(A::InterviewConduct),
            interview::create,
        )
        .get(
            "/interviews/{id}",
            session(A::InterviewRead),
            record::record,
        )
        .get(
            "/interviews/{id}/consent",
            session(A::InterviewConduct),
            interview::consent_page,
        )
        .post(
            "/interviews/{id}/consent",
            session(A::InterviewConduct),
            interview::consent_submit,
        )
        .get(
            "/interviews/{id}/question",
            session(A::InterviewConduct),
            interview::question,
        )
        .post(
            "/interviews/{id}/answer",
            session(A::InterviewConduct),
            interview::answer,
        )
        .post(
            "/interviews/{id}/finish",
            session(A::InterviewConduct),
            interview::finish,
        )
        .post(
            "/interviews/{id}/stop",
            session(A::InterviewConduct),
            interview::stop,
        )
        .get(
            "/interviews/{id}/result",
            session(A::InterviewConduct),
            interview::result,
        )
        .get(
            "/questionnaires",
            session(A::TranslationReview),
            questionnaires::questionnaires,
        )
        .get(
            "/questionnaires/{id}/{lang}",
            session(A::TranslationReview),
            questionnaires::review_page,
        )
        .post(
            "/questionnaires/{id}/{lang}",
            session(A::TranslationReview),
            questionnaires::review_submit,
        )
        .post(
            "/questionnaires/{id}/questions",
            session(A::QuestionnaireManage),
            questionnaires::add_question,
        )
        .api(token(A::InterviewRead), routes!(api::list_interviews))
        .api(token(A::InterviewConduct), routes!(api::create_interview))
        .api(token(A::InterviewRead), routes!(api::get_interview))
        .api(token(A::InterviewConduct), routes!(api::consent))
        .api(token(A::InterviewConduct), routes!(api::answer))
        .api(token(A::InterviewConduct), routes!(api::finish))
}
