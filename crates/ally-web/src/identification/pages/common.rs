//! Pieces shared by the identification pages: bilingual strings, the guidance panel, the
//! organisation's interview texts, labels of states and outcomes, loading an interview to
//! conduct it, and the 4xx page that names what is wrong with a step.
use std::sync::Arc;

use ally_core::questionnaire::answer::InterviewState;
use ally_core::questionnaire::{InterviewTexts, Questionnaire, Text};
use ally_core::screening::Outcome;
use ally_store::{InterviewId, InterviewRecord, StoreError};
use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::ctx::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::identification::languages::text_dir;
use crate::layout::{Layout, PageResult, html, layout};

// ----- shared pieces -----

/// One string shown in the interviewer's language and, beside it, in the interviewee's.
pub struct Bi {
    pub ui: String,
    pub ui_lang: String,
    pub ui_dir: &'static str,
    pub ui_unreviewed: bool,
    pub other: String,
    pub other_lang: String,
    pub other_dir: &'static str,
    pub other_unreviewed: bool,
    /// Both languages are the same: show once.
    pub same: bool,
}

pub(super) fn unreviewed(t: &Text, lang: &str) -> bool {
    lang != "en" && t.get(lang).is_some() && !t.is_reviewed(lang)
}

pub(super) fn bi(t: &Text, ui: &str, other: &str) -> Bi {
    Bi {
        ui: t.get_or(ui, "en").to_owned(),
        ui_lang: ui.to_owned(),
        ui_dir: text_dir(ui),
        ui_unreviewed: unreviewed(t, ui),
        other: t.get_or(other, "en").to_owned(),
        other_lang: other.to_owned(),
        other_dir: text_dir(other),
        other_unreviewed: unreviewed(t, other),
        same: ui == other,
    }
}

pub struct Section {
    pub title: String,
    pub body: String,
    /// The title or body is a machine translation nobody of the organisation reviewed.
    pub unreviewed: bool,
}

/// The guidance panel, in the interviewer's language, with the organisation's reviews applied.
pub(super) fn guidance(texts: &InterviewTexts, tr: &Tr) -> Vec<Section> {
    let lang = tr.locale();
    texts
        .guidance
        .iter()
        .map(|s| Section {
            title: s.title.get_or(lang, "en").to_owned(),
            body: s.body.get_or(lang, "en").to_owned(),
            unreviewed: unreviewed(&s.title, lang) || unreviewed(&s.body, lang),
        })
        .collect()
}

/// The consent step and guidance as the viewer's organisation reviewed them.
pub(super) async fn org_texts(v: &Viewer) -> Result<Arc<InterviewTexts>, PageError> {
    Ok(v.access().interview_texts().await?)
}

pub(super) fn parse_interview_id(s: &str) -> Result<InterviewId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

pub(super) fn outcome_label(tr: &Tr, o: Outcome) -> String {
    tr.t(&format!("identification-outcome-{}", o.as_str()))
}

pub(super) fn state_label(tr: &Tr, s: InterviewState) -> String {
    tr.t(&format!("identification-state-{}", s.as_str()))
}

pub(super) fn questionnaire_title(id: &str, lang: &str) -> String {
    ally_store::identification_data()
        .ok()
        .and_then(|b| b.questionnaires.iter().find(|q| q.id == id))
        .map_or_else(|| id.to_owned(), |q| q.title.get_or(lang, "en").to_owned())
}

#[derive(Template)]
#[template(path = "identification_message.html")]
struct MessagePage {
    l: Layout,
    heading: String,
    message: String,
    back: String,
}

/// A clear 4xx page naming what is wrong (bad input, wrong state).
pub(super) fn refused(v: &Viewer, status: StatusCode, message: String, back: String) -> PageResult {
    let tr = &v.ctx.tr;
    html(&MessagePage {
        l: layout(&v.ctx, tr.t("identification-refused-title"), "/interviews"),
        heading: tr.t("identification-refused-title"),
        message,
        back,
    })
    .map(|r| (status, r).into_response())
}

/// Maps the store's refusals of a step to a page; other errors pass through.
pub(super) fn step_error(v: &Viewer, e: StoreError, back: String) -> PageResult {
    let tr = &v.ctx.tr;
    match e {
        StoreError::Invalid(fields) => {
            let msg = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        tr.t(&format!(
                            "identification-field-{}",
                            f.field.replace('_', "-")
                        )),
                        tr.t(&format!(
                            "identification-invalid-{}",
                            f.code.replace('_', "-")
                        ))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            refused(v, StatusCode::BAD_REQUEST, msg, back)
        }
        StoreError::Conflict(code) => refused(
            v,
            StatusCode::CONFLICT,
            tr.t(&format!(
                "identification-conflict-{}",
                code.replace('_', "-")
            )),
            back,
        ),
        other => Err(other.into()),
    }
}

pub(super) async fn conduct(
    v: &Viewer,
    id: &str,
) -> Result<(InterviewRecord, Arc<Questionnaire>), PageError> {
    let id = parse_interview_id(id)?;
    Ok(v.access().interview_to_conduct(id).await?)
}
