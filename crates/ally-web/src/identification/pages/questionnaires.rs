//! The questionnaires page (review status per language, the organisation's own questions) and
//! the translators' review of one questionnaire or of the interview texts in one language.

use ally_core::authz::Action;
use ally_core::questionnaire::answer::{self};
use ally_core::questionnaire::{BUILTIN_IDS, INTERVIEW_TEXTS_ID, REQUIRED_LANGUAGES};
use ally_core::screening::FORCED_LABOUR_SET_ID;
use ally_store::StoreError;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde::Deserialize;

use super::common::{refused, step_error};
use super::explain::{CatalogueText, indicator_label};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::identification::languages::{native_name, text_dir};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

pub struct LangStatus {
    href: String,
    name: String,
    strings: usize,
    unreviewed: usize,
}

pub struct QuestionnaireView {
    id: String,
    title: String,
    langs: Vec<LangStatus>,
    /// The organisation's own questions: (id, label, mapping).
    own: Vec<(String, String, String)>,
    /// Indicators a new question may map to: (id, label in the reader's language).
    indicators: Vec<(String, CatalogueText)>,
    /// Some of those labels are machine translations nobody reviewed.
    indicators_unreviewed: bool,
}

#[derive(Template)]
#[template(path = "identification_questionnaires.html")]
struct QuestionnairesPage {
    l: Layout,
    items: Vec<QuestionnaireView>,
    /// Review status of the consent step and the interviewer guidance.
    texts: Vec<LangStatus>,
    may_manage: bool,
    added: bool,
}

#[derive(Deserialize, Default)]
pub struct AddedQuery {
    #[serde(default)]
    added: Option<String>,
}

pub async fn questionnaires(v: Viewer, Query(query): Query<AddedQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::TranslationReview).await?;
    let may_manage = p.may(Action::QuestionnaireManage);
    let b = ally_store::identification_data()?;
    let tr = &v.ctx.tr;
    let langs: Vec<&str> = REQUIRED_LANGUAGES
        .iter()
        .copied()
        .filter(|l| *l != "en")
        .collect();
    let texts = access
        .interview_texts()
        .await?
        .language_status(&langs)
        .into_iter()
        .map(|s| LangStatus {
            href: format!("/questionnaires/{INTERVIEW_TEXTS_ID}/{}", s.lang),
            name: native_name(&s.lang).to_owned(),
            strings: s.strings,
            unreviewed: s.unreviewed,
        })
        .collect();
    let mut items = Vec::new();
    for id in BUILTIN_IDS {
        let q = access.questionnaire(id).await?;
        let status = q
            .language_status(&langs)
            .into_iter()
            .map(|s| LangStatus {
                href: format!("/questionnaires/{id}/{}", s.lang),
                name: native_name(&s.lang).to_owned(),
                strings: s.strings,
                unreviewed: s.unreviewed,
            })
            .collect();
        let own = q
            .questions()
            .into_iter()
            .filter(|x| x.id.starts_with("org_"))
            .map(|x| {
                (
                    x.id.clone(),
                    x.label.get_or("en", "").to_owned(),
                    x.indicators
                        .iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .collect();
        let indicators = if may_manage {
            let covered = answer::covered_sets(&q, &b.screening);
            let mut list: Vec<(String, CatalogueText)> = b
                .screening
                .catalogue
                .sets
                .iter()
                .filter(|s| covered.contains(&s.id))
                .flat_map(|s| s.indicators.iter())
                .map(|i| (i.id.clone(), indicator_label(&i.id, tr.locale())))
                .collect();
            if covered.iter().any(|s| s == FORCED_LABOUR_SET_ID) {
                list.extend(
                    b.screening
                        .forced_labour
                        .indicators
                        .iter()
                        .map(|i| (i.id.clone(), indicator_label(&i.id, tr.locale()))),
                );
            }
            list
        } else {
            Vec::new()
        };
        items.push(QuestionnaireView {
            id: (*id).to_owned(),
            title: q.title.get_or(tr.locale(), "en").to_owned(),
            langs: status,
            own,
            indicators_unreviewed: indicators.iter().any(|(_, t)| t.unreviewed),
            indicators,
        });
    }
    html(&QuestionnairesPage {
        l: layout(
            &v.ctx,
            tr.t("identification-questionnaires-title"),
            "/interviews",
        ),
        items,
        texts,
        may_manage,
        added: query.added.is_some(),
    })
}

#[derive(Deserialize)]
pub struct AddQuestionForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    yes_means: String,
}

pub async fn add_question(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<AddQuestionForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let yes_present = match data.yes_means.as_str() {
        "present" => true,
        "absent" => false,
        _ => {
            return refused(
                &v,
                StatusCode::BAD_REQUEST,
                v.ctx.tr.t("identification-invalid-yes-means"),
                "/questionnaires".into(),
            );
        }
    };
    match access
        .add_questionnaire_question(&id, &data.label, &data.indicator, yes_present)
        .await
    {
        Ok(_) => Ok(see_other("/questionnaires?added=1")),
        Err(StoreError::Invalid(f)) if f.iter().any(|e| e.field == "questionnaire") => {
            Err(PageError::new(Failure::NotFound))
        }
        Err(e) => step_error(&v, e, "/questionnaires".into()),
    }
}

pub struct ReviewRow {
    key: String,
    english: String,
    text: String,
    reviewed: bool,
    by: String,
}

#[derive(Template)]
#[template(path = "identification_review.html")]
struct ReviewPage {
    l: Layout,
    action: String,
    title: String,
    lang: String,
    lang_name: String,
    dir: &'static str,
    rows: Vec<ReviewRow>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn review_page(
    v: Viewer,
    Path((id, lang)): Path<(String, String)>,
    Query(query): Query<ReviewQuery>,
) -> PageResult {
    let access = v.access();
    let reviews = match access.translation_reviews(&id, &lang).await {
        Err(StoreError::Invalid(_)) => return Err(PageError::new(Failure::NotFound)),
        other => other?,
    };
    // The consent step and guidance are reviewed like a questionnaire.
    let (title, strings) = if id == INTERVIEW_TEXTS_ID {
        let texts = access.interview_texts().await?;
        (
            v.ctx.tr.t("identification-interview-texts-title"),
            texts
                .texts()
                .into_iter()
                .map(|(k, t)| (k, t.clone()))
                .collect::<Vec<_>>(),
        )
    } else {
        let q = access.questionnaire(&id).await?;
        (
            q.title.get_or(v.ctx.tr.locale(), "en").to_owned(),
            q.texts().into_iter().map(|(k, t)| (k, t.clone())).collect(),
        )
    };
    let rows = strings
        .into_iter()
        .map(|(key, t)| {
            let by = reviews
                .iter()
                .find(|r| r.key == key)
                .map(|r| format!("{} · {}", r.reviewed_by, fmt_ms(r.reviewed_at_ms)))
                .unwrap_or_default();
            ReviewRow {
                english: t.get_or("en", "").to_owned(),
                text: t.get(&lang).unwrap_or("").to_owned(),
                reviewed: t.is_reviewed(&lang),
                by,
                key,
            }
        })
        .collect();
    let tr = &v.ctx.tr;
    html(&ReviewPage {
        l: layout(&v.ctx, tr.t("identification-review-title"), "/interviews"),
        action: format!("/questionnaires/{id}/{lang}"),
        title,
        lang_name: native_name(&lang).to_owned(),
        dir: text_dir(&lang),
        lang,
        rows,
        saved: query.saved.is_some(),
    })
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    text: String,
}

pub async fn review_submit(
    v: Viewer,
    Path((id, lang)): Path<(String, String)>,
    Posted { data, csrf }: Posted<ReviewForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let back = format!("/questionnaires/{id}/{lang}");
    match access
        .review_translation(&id, &lang, &data.key, &data.text)
        .await
    {
        Ok(()) => Ok(see_other(&format!("{back}?saved=1"))),
        Err(StoreError::Invalid(f))
            if f.iter()
                .any(|e| e.field == "questionnaire" || e.field == "lang") =>
        {
            Err(PageError::new(Failure::NotFound))
        }
        Err(e) => step_error(&v, e, back),
    }
}
