//! HTML pages of the interview flow and of the translators' review.

use std::sync::{Arc, LazyLock};

use ally_core::PersonId;
use ally_core::authz::Action;
use ally_core::questionnaire::answer::{self, InterviewState};
use ally_core::questionnaire::{
    AnswerValue, BUILTIN_IDS, INTERVIEW_TEXTS_ID, InterviewTexts, Item, Question, QuestionKind,
    Questionnaire, REQUIRED_LANGUAGES, Relevance, Text, relevance,
};
use ally_core::screening::{
    Answer, Clause, Evaluation, EvaluationOptions, FORCED_LABOUR_SET_ID, IndicatorLabels, Outcome,
    Part, PartResult, Screening,
};
use ally_store::{InterviewId, InterviewRecord, NewInterview, Page, StoreError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::{LANGUAGE_NATIVE, native_name, text_dir};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

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

fn unreviewed(t: &Text, lang: &str) -> bool {
    lang != "en" && t.get(lang).is_some() && !t.is_reviewed(lang)
}

fn bi(t: &Text, ui: &str, other: &str) -> Bi {
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
fn guidance(texts: &InterviewTexts, tr: &Tr) -> Vec<Section> {
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
async fn org_texts(v: &Viewer) -> Result<Arc<InterviewTexts>, PageError> {
    Ok(v.access().interview_texts().await?)
}

fn parse_interview_id(s: &str) -> Result<InterviewId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

fn outcome_label(tr: &Tr, o: Outcome) -> String {
    tr.t(&format!("identification-outcome-{}", o.as_str()))
}

fn state_label(tr: &Tr, s: InterviewState) -> String {
    tr.t(&format!("identification-state-{}", s.as_str()))
}

fn questionnaire_title(id: &str, lang: &str) -> String {
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
fn refused(v: &Viewer, status: StatusCode, message: String, back: String) -> PageResult {
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
fn step_error(v: &Viewer, e: StoreError, back: String) -> PageResult {
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

// ----- list -----

pub struct ListItem {
    href: String,
    title: String,
    state: String,
    outcomes: Vec<(String, String, &'static str)>,
    when: String,
    by: String,
    lang: String,
    answered: i64,
}

#[derive(Template)]
#[template(path = "identification_list.html")]
struct ListPage {
    l: Layout,
    items: Vec<ListItem>,
    all: bool,
    may_review: bool,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct OffsetQuery {
    #[serde(default)]
    offset: i64,
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::PresumedVictim => "outcome-presumed",
        Outcome::NotIdentified => "outcome-not",
        Outcome::Undecided => "outcome-undecided",
        Outcome::IndicatorsOnly => "outcome-indicators",
    }
}

pub async fn list(v: Viewer, Query(q): Query<OffsetQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let page = Page::new(q.offset, 50);
    let all = p.may(Action::InterviewRead);
    let result = if all {
        access.list_interviews(page).await?
    } else {
        access.list_my_interviews(page).await?
    };
    let tr = &v.ctx.tr;
    let lang = tr.locale();
    let items = result
        .items
        .into_iter()
        .map(|i| ListItem {
            href: match i.state {
                InterviewState::InProgress => format!("/interviews/{}/question", i.id),
                _ if all => format!("/interviews/{}", i.id),
                _ => format!("/interviews/{}/result", i.id),
            },
            title: questionnaire_title(&i.questionnaire_id, lang),
            state: state_label(tr, i.state),
            outcomes: i
                .outcomes
                .iter()
                .map(|(s, o)| {
                    (
                        tr.t(&format!("identification-set-{}", s.replace('_', "-"))),
                        outcome_label(tr, *o),
                        outcome_class(*o),
                    )
                })
                .collect(),
            when: fmt_ms(i.created_at_ms),
            by: i.interviewer_name,
            lang: native_name(&i.interviewee_lang).to_owned(),
            answered: i.answered,
        })
        .collect();
    html(&ListPage {
        l: layout(&v.ctx, tr.t("identification-list-title"), "/interviews"),
        items,
        all,
        may_review: p.may(Action::TranslationReview),
        prev: (result.offset > 0).then(|| {
            format!(
                "/interviews?offset={}",
                (result.offset - result.limit).max(0)
            )
        }),
        next: result
            .has_more
            .then(|| format!("/interviews?offset={}", result.offset + result.limit)),
    })
}

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

async fn conduct(v: &Viewer, id: &str) -> Result<(InterviewRecord, Arc<Questionnaire>), PageError> {
    let id = parse_interview_id(id)?;
    Ok(v.access().interview_to_conduct(id).await?)
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

// ----- result and record -----

/// A catalogue label (an indicator's) in the reader's language when translated, else the
/// catalogue's English, with the language it is written in.
pub struct CatalogueText {
    text: String,
    lang: String,
    dir: &'static str,
    /// A machine translation no human reviewed yet.
    unreviewed: bool,
}

impl CatalogueText {
    /// Text already in the reader's language (a fact's name from the locale files).
    fn reader(text: String, lang: &str) -> CatalogueText {
        CatalogueText {
            text,
            lang: lang.to_owned(),
            dir: text_dir(lang),
            unreviewed: false,
        }
    }
}

/// The labels' translations (`data/indicators/labels/`); the core tests make sure they parse
/// and label every id, so a failure here only leaves the English labels.
static LABELS: LazyLock<Option<IndicatorLabels>> =
    LazyLock::new(|| IndicatorLabels::builtin().ok());

pub struct DecisiveView {
    label: CatalogueText,
    grade: String,
    /// The dimension and the clause of the dimension rule its yes answers satisfy.
    clause: String,
}

/// An unknown answer that could decide the outcome, with the questions that would settle it.
pub struct UndecidedView {
    label: CatalogueText,
    /// The questionnaire's questions mapped to the indicator, in the reader's language.
    questions: Vec<String>,
}

pub struct SetView {
    name: String,
    outcome: String,
    class: &'static str,
    why: String,
    explanation: String,
    decisive: Vec<DecisiveView>,
    undecided_by: Vec<UndecidedView>,
    present: Vec<CatalogueText>,
}

pub struct AnswerRow {
    question: String,
    answer: String,
}

#[derive(Template)]
#[template(path = "identification_record.html")]
struct RecordPage {
    l: Layout,
    id: InterviewId,
    title: String,
    conduct: bool,
    state: String,
    meta: Vec<(String, String)>,
    consent: Option<String>,
    sets: Vec<SetView>,
    caveat: String,
    answers: Vec<AnswerRow>,
    person: Option<String>,
    case_href: String,
    refer_href: String,
    may_case: bool,
    may_refer: bool,
    /// Back here after opening a case one may not read (an interviewer hands over).
    case_opened: bool,
    presumed: bool,
}

/// An indicator's label in `lang`, or the catalogue's English (for English readers, or
/// should a translation be missing), or its id if the id is unknown.
fn indicator_label(id: &str, lang: &str) -> CatalogueText {
    if let Some(l) = LABELS.as_ref().and_then(|x| x.indicator(lang, id)) {
        return CatalogueText {
            text: l.text.clone(),
            lang: lang.to_owned(),
            dir: text_dir(lang),
            unreviewed: !l.reviewed,
        };
    }
    let text = ally_store::identification_data()
        .ok()
        .and_then(|b| {
            b.screening
                .catalogue
                .indicator(id)
                .map(|i| i.label.clone())
                .or_else(|| {
                    b.screening
                        .forced_labour
                        .position(id)
                        .and_then(|p| b.screening.forced_labour.indicators.get(p))
                        .map(|i| i.label.clone())
                })
        })
        .unwrap_or_else(|| id.to_owned());
    CatalogueText {
        text,
        lang: "en".to_owned(),
        dir: "ltr",
        unreviewed: false,
    }
}

fn answer_text(q: &Questionnaire, question: &Question, a: &AnswerValue, tr: &Tr) -> String {
    let lang = tr.locale();
    let choice = |name: &str| -> String {
        question
            .kind
            .list()
            .and_then(|l| q.choice_list(l))
            .and_then(|l| l.choices.iter().find(|c| c.name == name))
            .map_or_else(
                || name.to_owned(),
                |c| c.label.get_or(lang, "en").to_owned(),
            )
    };
    match a {
        AnswerValue::Choice(c) => choice(c),
        AnswerValue::Choices(cs) => cs.iter().map(|c| choice(c)).collect::<Vec<_>>().join(", "),
        AnswerValue::Text(t) | AnswerValue::Date(t) => t.clone(),
        AnswerValue::Integer(n) => n.to_string(),
        AnswerValue::Declined => tr.t("identification-declined"),
    }
}

/// A message id with an identifier from the catalogue (`a_b` → `prefix-a-b`).
fn key(prefix: &str, id: &str) -> String {
    format!("{prefix}-{}", id.replace('_', "-"))
}

/// A clause of the dimension rule in the reader's language ("at least 1 strong and ...").
fn clause_text(tr: &Tr, c: &Clause) -> String {
    let mut parts = Vec::new();
    for (grade, n) in [
        ("strong", c.strong),
        ("medium", c.medium),
        ("weak", c.weak),
        ("medium-or-weak", c.medium_or_weak),
    ] {
        if n > 0 {
            parts.push(tr.t1(&format!("identification-clause-{grade}"), "n", n));
        }
    }
    parts
        .into_iter()
        .reduce(|a, b| tr.tn("identification-clause-and", &[("a", a), ("b", b)]))
        .unwrap_or_default()
}

/// A part of the combination rule (`recruitment`...) or a required fact, named.
fn part_name(tr: &Tr, part: &str) -> String {
    tr.t(&key("identification-part", part))
}

/// "recruitment: established (deception during recruitment, ...)".
fn part_text(tr: &Tr, name: &str, p: &PartResult<'_>) -> String {
    let holds = tr.t(&key("identification-part-holds", p.holds.as_str()));
    if p.dimensions.is_empty() {
        tr.tn(
            "identification-explain-part",
            &[("part", part_name(tr, name)), ("holds", holds)],
        )
    } else {
        let dimensions = p
            .dimensions
            .iter()
            .map(|d| tr.t(&key("identification-dimension", d)))
            .collect::<Vec<_>>()
            .join(", ");
        tr.tn(
            "identification-explain-part-dimensions",
            &[
                ("part", part_name(tr, name)),
                ("holds", holds),
                ("dimensions", dimensions),
            ],
        )
    }
}

/// The explanation of a Delphi set's outcome in the reader's language: what the engine's
/// English `explanation` says, built from the same structured result.
fn explain_set(tr: &Tr, s: &Screening, e: &Evaluation<'_>) -> String {
    let set = tr.t(&key("identification-set", e.set));
    if e.outcome == Outcome::IndicatorsOnly {
        let confidence = s.catalogue.set(e.set).map_or_else(String::new, |x| {
            tr.t(&key("identification-confidence", &x.confidence))
        });
        return tr.tn(
            "identification-explain-indicators-only",
            &[("set", set), ("confidence", confidence)],
        );
    }
    // The parts in the order of the definition (recruitment, exploitation, destination),
    // then a required fact.
    let order = |name: &str| {
        [Part::Recruitment, Part::Exploitation, Part::Destination]
            .iter()
            .position(|p| p.as_str() == name)
            .unwrap_or(usize::MAX)
    };
    let mut required: Vec<(&str, &PartResult<'_>)> = e
        .parts
        .iter()
        .filter(|(_, p)| p.required)
        .map(|(name, p)| (*name, p))
        .collect();
    required.sort_by_key(|(name, _)| order(name));
    let summary = required
        .into_iter()
        .map(|(name, p)| part_text(tr, name, p))
        .collect::<Vec<_>>()
        .join("; ");
    let rule = tr.t(&key("identification-rule", e.rule.unwrap_or("")));
    let failing = e
        .failing_parts
        .iter()
        .map(|p| part_name(tr, p))
        .collect::<Vec<_>>()
        .join(", ");
    tr.tn(
        &key("identification-explain", e.outcome.as_str()),
        &[
            ("rule", rule),
            ("set", set),
            ("summary", summary),
            ("failing", failing),
        ],
    )
}

fn record_page(v: &Viewer, rec: &InterviewRecord, q: &Questionnaire, conduct: bool) -> PageResult {
    let tr = &v.ctx.tr;
    let lang = tr.locale();
    let b = ally_store::identification_data()?;
    let s = &b.screening;
    let interview = answer::screening_input_of(&relevance(q, &rec.answers), &rec.facts, s)
        .ok_or(PageError::new(Failure::Internal))?;
    let questions = q.questions();
    let mut sets = Vec::new();
    let mut presumed = false;
    for set in answer::covered_sets(q, s) {
        let name = tr.t(&format!("identification-set-{}", set.replace('_', "-")));
        if set == FORCED_LABOUR_SET_ID {
            let e = s.evaluate_forced_labour(&interview);
            sets.push(SetView {
                name,
                outcome: outcome_label(tr, e.outcome),
                class: outcome_class(e.outcome),
                why: tr.t(&format!(
                    "identification-why-{}",
                    e.outcome.as_str().replace('_', "-")
                )),
                explanation: tr.t(&key(
                    "identification-explain-ilo11",
                    e.both_elements.as_str(),
                )),
                decisive: Vec::new(),
                undecided_by: Vec::new(),
                present: e
                    .indicators_present
                    .iter()
                    .map(|i| indicator_label(i, lang))
                    .collect(),
            });
            continue;
        }
        let Ok(e) = s.evaluate_set(&set, &interview, EvaluationOptions::default()) else {
            continue;
        };
        presumed |= e.outcome == Outcome::PresumedVictim;
        sets.push(SetView {
            name,
            outcome: outcome_label(tr, e.outcome),
            class: outcome_class(e.outcome),
            why: tr.t(&format!(
                "identification-why-{}",
                e.outcome.as_str().replace('_', "-")
            )),
            explanation: explain_set(tr, s, &e),
            decisive: e
                .decisive_indicators
                .iter()
                .map(|d| DecisiveView {
                    label: indicator_label(d.id, lang),
                    grade: tr.t(&format!("identification-grade-{}", d.grade.as_str())),
                    clause: tr.tn(
                        "identification-decisive-clause",
                        &[
                            (
                                "dimension",
                                tr.t(&key("identification-dimension", d.dimension)),
                            ),
                            (
                                "clause",
                                s.catalogue
                                    .dimension_rule
                                    .clauses
                                    .get(d.clause_index)
                                    .map_or_else(|| d.clause.to_owned(), |c| clause_text(tr, c)),
                            ),
                        ],
                    ),
                })
                .collect(),
            undecided_by: e
                .undecided_by
                .iter()
                .map(|id| {
                    if s.catalogue.facts.iter().any(|f| f == id) {
                        return UndecidedView {
                            label: CatalogueText::reader(
                                tr.t(&key("identification-fact", id)),
                                lang,
                            ),
                            questions: Vec::new(),
                        };
                    }
                    UndecidedView {
                        label: indicator_label(id, lang),
                        questions: questions
                            .iter()
                            .filter(|x| x.indicators.iter().any(|m| m.indicator_id == *id))
                            .map(|x| x.label.get_or(lang, "en").to_owned())
                            .collect(),
                    }
                })
                .collect(),
            present: e
                .indicators_present
                .iter()
                .map(|i| indicator_label(i, lang))
                .collect(),
        });
    }
    let answers = questions
        .iter()
        .filter_map(|x| {
            rec.answers.get(&x.id).map(|a| AnswerRow {
                question: x.label.get_or(lang, "en").to_owned(),
                answer: answer_text(q, x, a, tr),
            })
        })
        .collect();
    let mut meta = vec![
        (
            tr.t("identification-meta-interviewer"),
            rec.interviewer_name.clone(),
        ),
        (
            tr.t("identification-meta-language"),
            native_name(&rec.interviewee_lang).to_owned(),
        ),
        (
            tr.t("identification-meta-started"),
            fmt_ms(rec.created_at_ms),
        ),
    ];
    if let Some(end) = rec.ended_at_ms {
        meta.push((tr.t("identification-meta-ended"), fmt_ms(end)));
    }
    meta.push((
        tr.t("identification-meta-questionnaire"),
        format!("{} ({})", rec.questionnaire_id, rec.questionnaire_version),
    ));
    for (name, a) in &rec.facts {
        meta.push((
            tr.t(&format!("identification-fact-{}", name.replace('_', "-"))),
            tr.t(&format!("identification-answer-{}", a.as_str())),
        ));
    }
    let person_q = rec
        .person_id
        .as_deref()
        .map(|p| format!("&person={p}"))
        .unwrap_or_default();
    let p = v.session.principal();
    html(&RecordPage {
        l: layout(&v.ctx, tr.t("identification-record-title"), "/interviews"),
        id: rec.id,
        title: q.title.get_or(lang, "en").to_owned(),
        conduct,
        state: state_label(tr, rec.state),
        meta,
        consent: rec
            .consent_at_ms
            .map(|at| tr.t1("identification-consent-recorded", "when", fmt_ms(at))),
        sets,
        caveat: tr.t("identification-caveat"),
        answers,
        person: rec.person_id.clone(),
        case_href: format!("/cases/new?interview={}{person_q}", rec.id),
        refer_href: format!("/cases/new?interview={}{person_q}&then=refer", rec.id),
        may_case: p.may(Action::CaseCreate),
        may_refer: p.may(Action::CaseCreate) && p.may(Action::ReferralManage),
        case_opened: v.ctx.path.contains("case=opened"),
        presumed,
    })
}

pub async fn result(v: Viewer, Path(id): Path<String>) -> PageResult {
    let (rec, q) = conduct(&v, &id).await?;
    if rec.state == InterviewState::InProgress {
        return Ok(see_other(&format!("/interviews/{}/question", rec.id)));
    }
    record_page(&v, &rec, &q, true)
}

pub async fn record(v: Viewer, Path(id): Path<String>) -> PageResult {
    let iid = parse_interview_id(&id)?;
    let (rec, q) = v.access().get_interview(iid).await?;
    record_page(&v, &rec, &q, false)
}

// ----- translators' review -----

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
