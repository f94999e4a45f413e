//! The interview list (the organisation's, or the principal's own) and the interview record:
//! answers, outcome per set with its explanation, and the links to open a case or refer.

use ally_core::authz::Action;
use ally_core::questionnaire::answer::{self, InterviewState};
use ally_core::questionnaire::{Questionnaire, relevance};
use ally_core::screening::{EvaluationOptions, FORCED_LABOUR_SET_ID, Outcome};
use ally_store::{InterviewId, InterviewRecord, Page};
use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::common::{outcome_label, parse_interview_id, questionnaire_title, state_label};
use super::explain::{CatalogueText, answer_text, clause_text, explain_set, indicator_label, key};
use crate::ctx::Viewer;
use crate::error::{Failure, PageError};
use crate::identification::languages::native_name;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout};

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

pub(super) fn outcome_class(o: Outcome) -> &'static str {
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

// ----- record -----

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

pub(super) fn record_page(
    v: &Viewer,
    rec: &InterviewRecord,
    q: &Questionnaire,
    conduct: bool,
) -> PageResult {
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

pub async fn record(v: Viewer, Path(id): Path<String>) -> PageResult {
    let iid = parse_interview_id(&id)?;
    let (rec, q) = v.access().get_interview(iid).await?;
    record_page(&v, &rec, &q, false)
}
