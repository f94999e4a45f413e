//! Pages and API of the identification module (issue 3): detection interviews, questionnaires and their translations.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.
//!
//! - `pages`: the interview flow without JavaScript (start, consent, one question at a time,
//!   back and correct, stop, finish, result with its explanation, printable record) and the
//!   translators' review pages.
//! - `api`: the JSON API (list, get, create, consent, answer, finish).

mod api;
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
        .route("/interviews", get(pages::list).post(pages::create))
        .route("/interviews/new", get(pages::new_form))
        .route("/interviews/{id}", get(pages::record))
        .route(
            "/interviews/{id}/consent",
            get(pages::consent_page).post(pages::consent_submit),
        )
        .route("/interviews/{id}/question", get(pages::question))
        .route("/interviews/{id}/answer", post(pages::answer))
        .route("/interviews/{id}/finish", post(pages::finish))
        .route("/interviews/{id}/stop", post(pages::stop))
        .route("/interviews/{id}/result", get(pages::result))
        .route("/questionnaires", get(pages::questionnaires))
        .route("/questionnaires/{id}/questions", post(pages::add_question))
        .route(
            "/questionnaires/{id}/{lang}",
            get(pages::review_page).post(pages::review_submit),
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

/// Native names of the interview languages.
pub(crate) const LANGUAGE_NATIVE: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ro", "Română"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("bg", "Български"),
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
    ("ti", "ትግርኛ"),
    ("tl", "Tagalog"),
];

pub(crate) fn native_name(code: &str) -> &'static str {
    LANGUAGE_NATIVE
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, n)| *n)
}

pub(crate) fn text_dir(lang: &str) -> &'static str {
    if lang == "ar" { "rtl" } else { "ltr" }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ally_core::screening::{Part, Screening};

    use crate::i18n::{I18n, LOCALES};

    /// The result page builds message ids from catalogue data (dimensions, rules, parts,
    /// facts, confidence): every one of them must exist in every locale.
    #[test]
    fn every_catalogue_message_of_the_explanation_exists_in_every_locale() {
        let s = Screening::builtin().unwrap();
        let c = &s.catalogue;
        let key = |prefix: &str, id: &str| format!("{prefix}-{}", id.replace('_', "-"));
        let mut wanted = Vec::new();
        for d in &c.dimensions {
            wanted.push(key("identification-dimension", &d.id));
        }
        for r in &c.rules {
            wanted.push(key("identification-rule", &r.name));
        }
        for part in [Part::Recruitment, Part::Exploitation, Part::Destination] {
            wanted.push(key("identification-part", part.as_str()));
        }
        for f in &c.facts {
            wanted.push(key("identification-part", f));
            wanted.push(key("identification-fact", f));
        }
        for set in &c.sets {
            wanted.push(key("identification-set", &set.id));
            wanted.push(key("identification-confidence", &set.confidence));
        }
        wanted.push(key(
            "identification-set",
            ally_core::screening::FORCED_LABOUR_SET_ID,
        ));
        for a in ["yes", "no", "unknown"] {
            wanted.push(key("identification-part-holds", a));
            wanted.push(key("identification-explain-ilo11", a));
        }
        for o in [
            "presumed_victim",
            "not_identified",
            "undecided",
            "indicators_only",
        ] {
            wanted.push(key("identification-explain", o));
        }
        for g in ["strong", "medium", "weak", "medium-or-weak"] {
            wanted.push(format!("identification-clause-{g}"));
        }
        let i18n = I18n::load().unwrap();
        for (code, _, _) in LOCALES {
            let keys = i18n.keys(code);
            let missing: Vec<&String> = wanted.iter().filter(|k| !keys.contains(k)).collect();
            assert!(missing.is_empty(), "locale {code} misses {missing:?}");
        }
    }
}
