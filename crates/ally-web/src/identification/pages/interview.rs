//! The interview flow: starting an interview, the consent step, one question at a time (back
//! and correct), finishing with the facts, stopping, and the result at the end.

use ally_core::PersonId;
use ally_core::authz::Action;
use ally_core::questionnaire::answer::{self, InterviewState};
use ally_core::questionnaire::{
    AnswerValue, BUILTIN_IDS, InterviewTexts, Item, QuestionKind, Questionnaire, Relevance,
    relevance,
};
use ally_core::screening::Answer;
use ally_store::{InterviewId, InterviewRecord, NewInterview, StoreError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::common::{
    Bi, Section, bi, conduct, guidance, org_texts, parse_interview_id, questionnaire_title,
    refused, step_error,
};
use super::record::record_page;
use crate::ctx::{Posted, Viewer};
use crate::error::PageError;
use crate::identification::languages::{LANGUAGE_NATIVE, native_name};
use crate::layout::{Layout, PageResult, html, layout, see_other};

// ----- start -----

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    questionnaire: Option<String>,
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    inspection: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "identification_new.html")]
struct NewPage {
    l: Layout,
    questionnaires: Vec<(String, String, bool)>,
    languages: Vec<(&'static str, &'static str, bool)>,
    person: String,
    inspection: String,
    error: Option<String>,
}

fn new_page(v: &Viewer, q: &NewQuery, error: Option<String>) -> NewPage {
    let tr = &v.ctx.tr;
    let lang = tr.locale();
    let chosen = q.questionnaire.as_deref().unwrap_or("first_contact");
    let interviewee = q.lang.as_deref().unwrap_or(lang);
    NewPage {
        l: layout(&v.ctx, tr.t("identification-new-title"), "/interviews"),
        questionnaires: BUILTIN_IDS
            .iter()
            .map(|id| {
                (
                    (*id).to_owned(),
                    questionnaire_title(id, lang),
                    *id == chosen,
                )
            })
            .collect(),
        languages: LANGUAGE_NATIVE
            .iter()
            .map(|(c, n)| (*c, *n, *c == interviewee))
            .collect(),
        person: q.person.clone().unwrap_or_default(),
        inspection: q.inspection.clone().unwrap_or_default(),
        error,
    }
}

pub async fn new_form(v: Viewer, Query(q): Query<NewQuery>) -> PageResult {
    v.access().require(Action::InterviewConduct).await?;
    // Ids from links (labour, persons) must be well-formed; a wrong one is shown, not kept.
    let mut error = None;
    let mut q = q;
    if let Some(pid) = q.person.as_deref().filter(|s| !s.is_empty())
        && pid.parse::<PersonId>().is_err()
    {
        error = Some(v.ctx.tr.t("identification-invalid-person-id"));
        q.person = None;
    }
    if let Some(iid) = q.inspection.as_deref().filter(|s| !s.is_empty())
        && iid.parse::<uuid::Uuid>().is_err()
    {
        error = Some(v.ctx.tr.t("identification-invalid-inspection-id"));
        q.inspection = None;
    }
    if q.questionnaire
        .as_deref()
        .is_some_and(|id| !BUILTIN_IDS.contains(&id))
    {
        q.questionnaire = None;
    }
    html(&new_page(&v, &q, error))
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    questionnaire: String,
    #[serde(default)]
    interviewee_lang: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    inspection: String,
}

pub async fn create(v: Viewer, Posted { data, csrf }: Posted<NewForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::InterviewConduct).await?;
    let tr = &v.ctx.tr;
    let back = "/interviews/new".to_owned();
    let person = match data.person.trim() {
        "" => None,
        s => match s.parse::<PersonId>() {
            Ok(id) => Some(id),
            Err(_) => {
                return refused(
                    &v,
                    StatusCode::BAD_REQUEST,
                    tr.t("identification-invalid-person-id"),
                    back,
                );
            }
        },
    };
    let inspection = match data.inspection.trim() {
        "" => None,
        s => match s.parse::<uuid::Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                return refused(
                    &v,
                    StatusCode::BAD_REQUEST,
                    tr.t("identification-invalid-inspection-id"),
                    back,
                );
            }
        },
    };
    let new = NewInterview {
        questionnaire_id: data.questionnaire,
        interviewer_lang: tr.locale().to_owned(),
        interviewee_lang: data.interviewee_lang,
        person_id: person,
        inspection_id: inspection,
    };
    match access.start_interview(new).await {
        Ok(id) => Ok(see_other(&format!("/interviews/{id}/consent"))),
        Err(e) => step_error(&v, e, back),
    }
}

// ----- consent -----

#[derive(Template)]
#[template(path = "identification_consent.html")]
struct ConsentPage {
    l: Layout,
    id: InterviewId,
    title: Bi,
    sections: Vec<(Bi, Bi)>,
    guidance: Vec<Section>,
}

pub async fn consent_page(v: Viewer, Path(id): Path<String>) -> PageResult {
    let (rec, q) = conduct(&v, &id).await?;
    if rec.state != InterviewState::InProgress {
        return Ok(see_other(&format!("/interviews/{}/result", rec.id)));
    }
    if rec.consent_at_ms.is_some() {
        return Ok(see_other(&format!("/interviews/{}/question", rec.id)));
    }
    let ui = v.ctx.tr.locale();
    let other = rec.interviewee_lang.as_str();
    let texts = org_texts(&v).await?;
    html(&ConsentPage {
        l: layout(
            &v.ctx,
            v.ctx.tr.t("identification-consent-title"),
            "/interviews",
        ),
        id: rec.id,
        title: bi(&q.title, ui, other),
        sections: texts
            .consent
            .iter()
            .map(|s| (bi(&s.title, ui, other), bi(&s.body, ui, other)))
            .collect(),
        guidance: guidance(&texts, &v.ctx.tr),
    })
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    consent: String,
}

pub async fn consent_submit(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<ConsentForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let iid = parse_interview_id(&id)?;
    let given = match data.consent.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return refused(
                &v,
                StatusCode::BAD_REQUEST,
                v.ctx.tr.t("identification-invalid-consent"),
                format!("/interviews/{iid}/consent"),
            );
        }
    };
    let access = v.access();
    match access.record_interview_consent(iid, given).await {
        Ok(()) if given => Ok(see_other(&format!("/interviews/{iid}/question"))),
        Ok(()) => Ok(see_other(&format!("/interviews/{iid}/result"))),
        Err(e) => step_error(&v, e, format!("/interviews/{iid}/consent")),
    }
}

// ----- questions -----

pub struct ChoiceView {
    name: String,
    label: Bi,
    checked: bool,
}

pub struct QuestionView {
    id: String,
    label: Bi,
    hint: Option<Bi>,
    /// radio, checkbox, text, number, date
    input: &'static str,
    choices: Vec<ChoiceView>,
    value: String,
    notes: Vec<Bi>,
}

#[derive(Template)]
#[template(path = "identification_question.html")]
struct QuestionPage {
    l: Layout,
    id: InterviewId,
    title: Bi,
    interviewee: String,
    question: Option<QuestionView>,
    number: usize,
    total: usize,
    answered: usize,
    previous: Option<String>,
    facts: Vec<(String, String)>,
    guidance: Vec<Section>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct QuestionQuery {
    #[serde(default)]
    q: Option<String>,
}

/// Notes shown right before a question (relevant ones between the previous question and it).
fn notes_before(
    q: &Questionnaire,
    rel: &Relevance<'_>,
    question: &str,
    rec: &InterviewRecord,
    ui: &str,
) -> Vec<Bi> {
    let mut pending = Vec::new();
    for (item, _) in ally_core::questionnaire::walk(&q.items) {
        match item {
            Item::Note(n) => {
                if rel.is_relevant(&n.id) {
                    pending.push(bi(&n.label, ui, &rec.interviewee_lang));
                }
            }
            Item::Question(x) if x.id == question => return pending,
            Item::Question(_) => pending.clear(),
            Item::Group(_) => {}
        }
    }
    Vec::new()
}

fn question_view(
    q: &Questionnaire,
    rel: &Relevance<'_>,
    rec: &InterviewRecord,
    qid: &str,
    ui: &str,
) -> Option<QuestionView> {
    let quest = q.question(qid)?;
    let other = rec.interviewee_lang.as_str();
    let given = rec.answers.get(qid);
    let chosen: Vec<&str> = match given {
        Some(AnswerValue::Choice(c)) => vec![c.as_str()],
        Some(AnswerValue::Choices(cs)) => cs.iter().map(String::as_str).collect(),
        Some(AnswerValue::Declined) => vec![ally_core::questionnaire::DECLINED],
        _ => Vec::new(),
    };
    let value = match given {
        Some(AnswerValue::Text(t)) | Some(AnswerValue::Date(t)) => t.clone(),
        Some(AnswerValue::Integer(n)) => n.to_string(),
        _ => String::new(),
    };
    let (input, choices) = match &quest.kind {
        QuestionKind::SelectOne(l) | QuestionKind::SelectMultiple(l) => {
            let choices = q
                .choice_list(l)
                .map(|list| {
                    list.choices
                        .iter()
                        .map(|c| ChoiceView {
                            name: c.name.clone(),
                            label: bi(&c.label, ui, other),
                            checked: chosen.contains(&c.name.as_str()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let input = if matches!(quest.kind, QuestionKind::SelectOne(_)) {
                "radio"
            } else {
                "checkbox"
            };
            (input, choices)
        }
        QuestionKind::Text => ("text", Vec::new()),
        QuestionKind::Integer => ("number", Vec::new()),
        QuestionKind::Date => ("date", Vec::new()),
    };
    Some(QuestionView {
        id: quest.id.clone(),
        label: bi(&quest.label, ui, other),
        hint: (!quest.hint.is_empty()).then(|| bi(&quest.hint, ui, other)),
        input,
        choices,
        value,
        notes: notes_before(q, rel, qid, rec, ui),
    })
}

fn question_page(
    v: &Viewer,
    rec: &InterviewRecord,
    q: &Questionnaire,
    texts: &InterviewTexts,
    wanted: Option<&str>,
    error: Option<String>,
) -> Result<QuestionPage, PageError> {
    let tr = &v.ctx.tr;
    let ui = tr.locale();
    // The skip logic once for the whole page (position, notes).
    let rel = relevance(q, &rec.answers);
    let pos = answer::position_of(&rel, wanted);
    let question = pos
        .current
        .as_deref()
        .and_then(|c| question_view(q, &rel, rec, c, ui));
    let b = ally_store::identification_data()?;
    let facts = if question.is_none() {
        answer::required_facts(q, &b.screening)
            .into_iter()
            .map(|f| {
                let label = tr.t(&format!("identification-fact-{}", f.replace('_', "-")));
                (f, label)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(QuestionPage {
        l: layout(&v.ctx, tr.t("identification-question-title"), "/interviews"),
        id: rec.id,
        title: bi(&q.title, ui, &rec.interviewee_lang),
        interviewee: native_name(&rec.interviewee_lang).to_owned(),
        question,
        number: pos.number,
        total: pos.total,
        answered: pos.answered,
        previous: pos.previous,
        facts,
        guidance: guidance(texts, tr),
        error,
    })
}

pub async fn question(
    v: Viewer,
    Path(id): Path<String>,
    Query(query): Query<QuestionQuery>,
) -> PageResult {
    let (rec, q) = conduct(&v, &id).await?;
    if rec.state != InterviewState::InProgress {
        return Ok(see_other(&format!("/interviews/{}/result", rec.id)));
    }
    if rec.consent_at_ms.is_none() {
        return Ok(see_other(&format!("/interviews/{}/consent", rec.id)));
    }
    let texts = org_texts(&v).await?;
    html(&question_page(
        &v,
        &rec,
        &q,
        &texts,
        query.q.as_deref(),
        None,
    )?)
}

pub async fn answer(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let iid = parse_interview_id(&id)?;
    let field = |k: &str| data.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let question = field("question").unwrap_or("").to_owned();
    let declined = field("declined").is_some();
    let values: Vec<String> = data
        .iter()
        .filter(|(k, _)| k == "value")
        .map(|(_, v)| v.clone())
        .collect();
    let access = v.access();
    match access
        .answer_interview(iid, &question, &values, declined)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/interviews/{iid}/question"))),
        Err(StoreError::Invalid(fields)) if fields.iter().all(|f| f.field == "value") => {
            // A missing or malformed value: the same question again, with the reason.
            let (rec, q) = access.interview_to_conduct(iid).await?;
            let texts = access.interview_texts().await?;
            let tr = &v.ctx.tr;
            let msg = fields
                .iter()
                .map(|f| {
                    tr.t(&format!(
                        "identification-invalid-{}",
                        f.code.replace('_', "-")
                    ))
                })
                .collect::<Vec<_>>()
                .join("; ");
            html(&question_page(
                &v,
                &rec,
                &q,
                &texts,
                Some(&question),
                Some(msg),
            )?)
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => step_error(&v, e, format!("/interviews/{iid}/question")),
    }
}

pub async fn finish(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let iid = parse_interview_id(&id)?;
    let mut facts = Vec::new();
    for (k, val) in &data {
        if let Some(name) = k.strip_prefix("fact_") {
            let Some(a) = Answer::parse(val) else {
                return refused(
                    &v,
                    StatusCode::BAD_REQUEST,
                    v.ctx.tr.t("identification-invalid-fact"),
                    format!("/interviews/{iid}/question"),
                );
            };
            facts.push((name.to_owned(), a));
        }
    }
    let access = v.access();
    match access.finish_interview(iid, &facts).await {
        Ok(()) => Ok(see_other(&format!("/interviews/{iid}/result"))),
        Err(e) => step_error(&v, e, format!("/interviews/{iid}/question")),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn stop(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let iid = parse_interview_id(&id)?;
    let access = v.access();
    match access.stop_interview(iid).await {
        Ok(()) => Ok(see_other(&format!("/interviews/{iid}/result"))),
        Err(e) => step_error(&v, e, format!("/interviews/{iid}/question")),
    }
}

// ----- result -----

pub async fn result(v: Viewer, Path(id): Path<String>) -> PageResult {
    let (rec, q) = conduct(&v, &id).await?;
    if rec.state == InterviewState::InProgress {
        return Ok(see_other(&format!("/interviews/{}/question", rec.id)));
    }
    record_page(&v, &rec, &q, true)
}
