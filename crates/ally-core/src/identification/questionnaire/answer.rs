//! Rules of a stored interview (issue 3): which answer a question accepts, the interview's
//! states, the guided flow's position (progress, previous question) and the outcome
//! summary per indicator set. Pure functions; storage and pages call them.

use std::collections::BTreeSet;

use serde::Serialize;
use thiserror::Error;

use super::flow::{AnswerValue, Answers, Relevance, indicator_answers_of, is_relevant, relevance};
use super::{QuestionKind, Questionnaire};
use crate::screening::{
    Answer, EvaluationOptions, FORCED_LABOUR_SET_ID, Interview, Outcome, Screening,
};

/// Longest free-text answer accepted, in characters.
pub const MAX_TEXT_ANSWER: usize = 2000;

/// Why an answer is refused. Each names what is at fault (the field is `question` or `value`).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AnswerError {
    /// The question id is not in the questionnaire (`field` is `question`).
    #[error("no question {0:?} in this questionnaire")]
    UnknownQuestion(String),
    /// The question is skipped given the answers so far (its `relevant`, or a group's, fails);
    /// `field` is `question`.
    #[error("question {0:?} is not asked given the answers so far")]
    NotRelevant(String),
    /// No value was given and "prefer not to say" was not chosen.
    #[error("an answer is required (or choose \"prefer not to say\")")]
    Missing,
    /// A value is not a choice of the question's list (the value, cut after 60 characters).
    #[error("{0:?} is not a choice of this question")]
    UnknownChoice(String),
    /// Several values for a question that takes one (everything but `select_multiple`).
    #[error("this question takes one answer")]
    TooMany,
    /// The value of an `integer` question is not a whole number.
    #[error("not a whole number")]
    NotInteger,
    /// The value of a `date` question is not a date written `YYYY-MM-DD`.
    #[error("not a date (YYYY-MM-DD)")]
    NotDate,
    /// A text answer is longer than `MAX_TEXT_ANSWER` characters.
    #[error("the answer is longer than {MAX_TEXT_ANSWER} characters")]
    TooLong,
}

impl AnswerError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            AnswerError::UnknownQuestion(_) | AnswerError::NotRelevant(_) => "question",
            _ => "value",
        }
    }

    /// A stable code (for translations and the API).
    pub fn code(&self) -> &'static str {
        match self {
            AnswerError::UnknownQuestion(_) => "unknown_question",
            AnswerError::NotRelevant(_) => "not_relevant",
            AnswerError::Missing => "missing",
            AnswerError::UnknownChoice(_) => "unknown_choice",
            AnswerError::TooMany => "too_many",
            AnswerError::NotInteger => "not_integer",
            AnswerError::NotDate => "not_date",
            AnswerError::TooLong => "too_long",
        }
    }
}

/// The state of a stored interview. `InProgress` is the only state that takes answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InterviewState {
    /// Waiting for consent, or taking answers.
    InProgress,
    /// Every relevant question was answered and the interviewer ended it, recording the facts
    /// the rules need.
    Finished,
    /// Ended early: the person refused consent or wanted to stop, or it was not safe to go on. The
    /// answers given so far are kept and evaluated.
    Stopped,
}

impl InterviewState {
    /// The state as stored: `in_progress`, `finished` or `stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            InterviewState::InProgress => "in_progress",
            InterviewState::Finished => "finished",
            InterviewState::Stopped => "stopped",
        }
    }

    /// Inverse of [`InterviewState::as_str`]; `None` for anything else.
    pub fn parse(s: &str) -> Option<InterviewState> {
        match s {
            "in_progress" => Some(InterviewState::InProgress),
            "finished" => Some(InterviewState::Finished),
            "stopped" => Some(InterviewState::Stopped),
            _ => None,
        }
    }
}

/// Why a step of the interview is refused in its current state.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum StepError {
    /// The interview is finished or stopped: it takes no further step.
    #[error("the interview is over")]
    Closed,
    /// Answering or finishing before the person's consent was recorded.
    #[error("consent has not been recorded yet")]
    NoConsent,
    /// Recording consent a second time.
    #[error("consent has already been recorded")]
    ConsentGiven,
    /// Finishing while a relevant question has no answer yet (stopping is always possible).
    #[error("questions remain to be answered")]
    QuestionsRemain,
}

impl StepError {
    /// A stable code (for translations and the API): `interview_closed`, `consent_missing`,
    /// `consent_already_given`, `questions_remain`.
    pub fn code(self) -> &'static str {
        match self {
            StepError::Closed => "interview_closed",
            StepError::NoConsent => "consent_missing",
            StepError::ConsentGiven => "consent_already_given",
            StepError::QuestionsRemain => "questions_remain",
        }
    }
}

/// A step of the interview's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Record the person's answer to the consent step (only once).
    Consent,
    /// Answer or correct a question (needs consent).
    Answer,
    /// End the interview when no question remains (needs consent).
    Finish,
    /// End the interview early, at any point while in progress.
    Stop,
}

/// Whether `step` may happen now; `done` says whether no question remains.
pub fn check_step(
    state: InterviewState,
    consent: bool,
    done: bool,
    step: Step,
) -> Result<(), StepError> {
    if state != InterviewState::InProgress {
        return Err(StepError::Closed);
    }
    match step {
        Step::Consent if consent => Err(StepError::ConsentGiven),
        Step::Answer | Step::Finish if !consent => Err(StepError::NoConsent),
        Step::Finish if !done => Err(StepError::QuestionsRemain),
        _ => Ok(()),
    }
}

/// Turn the raw values of a form or API call into an answer to `question`, checking that the
/// question exists, is asked given `answers`, and that the values fit its type.
/// `declined` ("prefer not to say") wins over any value.
pub fn parse_answer(
    q: &Questionnaire,
    answers: &Answers,
    question: &str,
    values: &[String],
    declined: bool,
) -> Result<AnswerValue, AnswerError> {
    let Some(quest) = q.question(question) else {
        return Err(AnswerError::UnknownQuestion(question.to_string()));
    };
    if !is_relevant(q, question, answers) {
        return Err(AnswerError::NotRelevant(question.to_string()));
    }
    if declined {
        return Ok(AnswerValue::Declined);
    }
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let single = || -> Result<&str, AnswerError> {
        match values.as_slice() {
            [] => Err(AnswerError::Missing),
            [v] => Ok(*v),
            _ => Err(AnswerError::TooMany),
        }
    };
    let in_list = |list: &str, c: &str| -> Result<(), AnswerError> {
        match q.choice_list(list) {
            Some(l) if l.choices.iter().any(|x| x.name == c) => Ok(()),
            _ => Err(AnswerError::UnknownChoice(c.chars().take(60).collect())),
        }
    };
    match &quest.kind {
        QuestionKind::SelectOne(list) => {
            let c = single()?;
            in_list(list, c)?;
            if c == super::DECLINED {
                return Ok(AnswerValue::Declined);
            }
            Ok(AnswerValue::Choice(c.to_string()))
        }
        QuestionKind::SelectMultiple(list) => {
            if values.is_empty() {
                return Err(AnswerError::Missing);
            }
            let mut chosen = BTreeSet::new();
            for c in &values {
                in_list(list, c)?;
                chosen.insert(c.to_string());
            }
            if chosen.contains(super::DECLINED) {
                return Ok(AnswerValue::Declined);
            }
            Ok(AnswerValue::Choices(chosen.into_iter().collect()))
        }
        QuestionKind::Text => {
            let t = single()?;
            if t.chars().count() > MAX_TEXT_ANSWER {
                return Err(AnswerError::TooLong);
            }
            Ok(AnswerValue::Text(t.to_string()))
        }
        QuestionKind::Integer => single()?
            .parse::<i64>()
            .map(AnswerValue::Integer)
            .map_err(|_| AnswerError::NotInteger),
        QuestionKind::Date => {
            let d = single()?;
            if is_iso_date(d) {
                Ok(AnswerValue::Date(d.to_string()))
            } else {
                Err(AnswerError::NotDate)
            }
        }
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(_), Some(m), Some(d)) => (1..=12).contains(&m) && (1..=31).contains(&d),
        _ => false,
    }
}

/// Record an answer and drop the answers of questions that are no longer asked (an earlier
/// answer was corrected), as ODK clears them.
pub fn record_answer(q: &Questionnaire, answers: &mut Answers, question: &str, value: AnswerValue) {
    answers.insert(question.to_string(), value);
    *answers = relevance(q, answers).effective;
}

/// Where the guided flow stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The question to show: the one asked for (when relevant) or the next unanswered one.
    pub current: Option<String>,
    /// 1-based position of `current` among the questions asked so far and still to ask.
    pub number: usize,
    /// Relevant questions given the answers so far (changes with skip logic).
    pub total: usize,
    /// Relevant questions that have an answer (a declined one counts).
    pub answered: usize,
    /// The relevant question before `current` (for "back").
    pub previous: Option<String>,
}

/// The flow's position; `wanted` is a question the interviewer went back to.
pub fn position(q: &Questionnaire, answers: &Answers, wanted: Option<&str>) -> Position {
    position_of(&relevance(q, answers), wanted)
}

/// [`position`] from an already computed [`Relevance`].
pub fn position_of(rel: &Relevance<'_>, wanted: Option<&str>) -> Position {
    let relevant: Vec<&str> = rel.questions().map(|x| x.id.as_str()).collect();
    let answers = &rel.effective;
    let current = wanted
        .filter(|w| relevant.contains(w))
        .or_else(|| rel.next_question());
    let answered = relevant
        .iter()
        .filter(|id| answers.contains_key(**id))
        .count();
    let index = current.and_then(|c| relevant.iter().position(|id| *id == c));
    let previous = match index {
        Some(i) if i > 0 => relevant.get(i - 1).map(|s| s.to_string()),
        Some(_) => None,
        None => relevant.last().map(|s| s.to_string()),
    };
    Position {
        current: current.map(str::to_string),
        number: index.map_or(relevant.len(), |i| i + 1),
        total: relevant.len(),
        answered,
        previous,
    }
}

/// The indicator sets a questionnaire covers (its mappings), in catalogue order, with
/// `ilo11` last when it is covered.
pub fn covered_sets(q: &Questionnaire, screening: &Screening) -> Vec<String> {
    let mapped: BTreeSet<&str> = q
        .questions()
        .into_iter()
        .flat_map(|x| x.indicators.iter())
        .map(|m| m.indicator_id.as_str())
        .collect();
    let mut out: Vec<String> = screening
        .catalogue
        .sets
        .iter()
        .filter(|s| s.indicators.iter().any(|i| mapped.contains(i.id.as_str())))
        .map(|s| s.id.clone())
        .collect();
    if mapped
        .iter()
        .any(|id| screening.forced_labour.position(id).is_some())
    {
        out.push(FORCED_LABOUR_SET_ID.to_string());
    }
    out
}

/// Facts (yes/no, recorded by the interviewer at the end) that the rules of the covered sets
/// require, e.g. `act_of_trafficking_established` for the child sets.
pub fn required_facts(q: &Questionnaire, screening: &Screening) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for set in covered_sets(q, screening) {
        let Some(s) = screening.catalogue.set(&set) else {
            continue;
        };
        if !s.usable_for_classification {
            continue;
        }
        let rules = [Some(s.default_rule), s.strict_rule];
        for r in rules.into_iter().flatten() {
            if let Some(f) = screening
                .catalogue
                .rules
                .get(r)
                .and_then(|r| r.requires_fact.clone())
                && !out.contains(&f)
            {
                out.push(f);
            }
        }
    }
    out
}

/// The engine's input for a stored interview: the indicator answers of the questionnaire,
/// the recorded facts (unknown names are ignored), and the age when an integer question
/// named `*_age` was answered.
pub fn screening_input(
    q: &Questionnaire,
    answers: &Answers,
    facts: &[(String, Answer)],
    screening: &Screening,
) -> Option<Interview> {
    screening_input_of(&relevance(q, answers), facts, screening)
}

/// [`screening_input`] from an already computed [`Relevance`].
pub fn screening_input_of(
    rel: &Relevance<'_>,
    facts: &[(String, Answer)],
    screening: &Screening,
) -> Option<Interview> {
    let answers = &rel.effective;
    let mut interview = indicator_answers_of(rel, screening).ok()?;
    for (name, value) in facts {
        let _ = screening.set_fact(&mut interview, name, *value);
    }
    let age = answers.iter().find_map(|(k, v)| match v {
        AnswerValue::Integer(n) if k.ends_with("_age") => u32::try_from(*n).ok(),
        _ => None,
    });
    interview.set_age(age);
    Some(interview)
}

/// The outcome per covered set, `(set id, outcome)`, from the answers so far.
pub fn outcome_summary(
    q: &Questionnaire,
    answers: &Answers,
    facts: &[(String, Answer)],
    screening: &Screening,
) -> Vec<(String, Outcome)> {
    let Some(interview) = screening_input(q, answers, facts, screening) else {
        return Vec::new();
    };
    covered_sets(q, screening)
        .into_iter()
        .filter_map(|set| {
            let outcome = if set == FORCED_LABOUR_SET_ID {
                screening.evaluate_forced_labour(&interview).outcome
            } else {
                screening
                    .evaluate_set(&set, &interview, EvaluationOptions::default())
                    .ok()?
                    .outcome
            };
            Some((set, outcome))
        })
        .collect()
}

/// Answers to the `adult_labour` questionnaire, in the order asked, under which the
/// `adult_labour` set gives `presumed_victim` (the demo and the tests use them).
pub const PRESUMED_VICTIM_ADULT_LABOUR: &[(&str, &str)] = &[
    ("al_migrated", "yes"),
    ("al_recruiter", "agency"),
    ("al_job_as_promised", "no"),
    ("al_pay_as_promised", "no"),
    ("al_conditions_as_promised", "no"),
    ("al_housing_as_promised", "no"),
    ("al_contract_unclear", "yes"),
    ("al_recruitment_debt", "yes"),
    ("al_recruitment_debt_bound", "yes"),
    ("al_travel_truth", "no"),
    ("al_papers_truth", "no"),
    ("al_forced_to_go", "no"),
    ("al_documents_taken_travel", "no"),
    ("al_hours", "yes"),
    ("al_day_off", "no"),
    ("al_paid_regularly", "no"),
    ("al_deductions", "yes"),
    ("al_pay_enough", "no"),
    ("al_dangerous", "yes"),
    ("al_housing_ok", "no"),
    ("al_doctor", "no"),
    ("al_documents", "no"),
    ("al_can_leave", "no"),
    ("al_contact", "no"),
    ("al_debt", "yes"),
    ("al_debt_stops_leaving", "yes"),
    ("al_threats", "yes"),
    ("al_threat_report", "yes"),
    ("al_harmed", "no"),
    ("al_family_threatened", "no"),
    ("al_told_to_lie", "no"),
    ("al_dependent", "yes"),
    ("al_language", "no"),
    ("al_safe_now", "yes"),
];

/// Answers to the `child` questionnaire, in the order asked; with the fact
/// `act_of_trafficking_established = no`, `child_labour` gives `not_identified`.
pub const NOT_IDENTIFIED_CHILD: &[(&str, &str)] = &[
    ("ch_age", "15"),
    ("ch_lives_with_family", "yes"),
    ("ch_migrated", "no"),
    ("ch_school", "yes"),
    ("ch_works", "no"),
    ("ch_can_leave", "yes"),
    ("ch_debt", "no"),
    ("ch_scared", "no"),
    ("ch_hurt", "no"),
    ("ch_unwanted_touch", "no"),
    ("ch_told_to_lie", "no"),
    ("ch_sleep_safe", "yes"),
    ("ch_safe_now", "yes"),
];

/// `set=outcome,set=outcome` (the stored form of the summary).
pub fn format_summary(summary: &[(String, Outcome)]) -> String {
    summary
        .iter()
        .map(|(s, o)| format!("{s}={}", o.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Inverse of [`format_summary`]; unknown outcomes are skipped.
pub fn parse_summary(s: &str) -> Vec<(String, Outcome)> {
    s.split(',')
        .filter_map(|p| p.split_once('='))
        .filter_map(|(set, o)| {
            let o = match o {
                "presumed_victim" => Outcome::PresumedVictim,
                "not_identified" => Outcome::NotIdentified,
                "undecided" => Outcome::Undecided,
                "indicators_only" => Outcome::IndicatorsOnly,
                _ => return None,
            };
            Some((set.to_string(), o))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::questionnaire::next_question;

    fn setup() -> (Screening, Questionnaire) {
        let s = Screening::builtin().unwrap();
        let q = Questionnaire::builtin("first_contact", &s).unwrap();
        (s, q)
    }

    fn v(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    #[test]
    fn answers_are_checked_against_the_question() {
        let (_, q) = setup();
        let a = Answers::new();
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &v("yes"), false),
            Ok(AnswerValue::Choice("yes".into()))
        );
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &v("declined"), false),
            Ok(AnswerValue::Declined)
        );
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &[], true),
            Ok(AnswerValue::Declined)
        );
        assert_eq!(
            parse_answer(&q, &a, "nope", &v("yes"), false),
            Err(AnswerError::UnknownQuestion("nope".into()))
        );
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &v("maybe"), false),
            Err(AnswerError::UnknownChoice("maybe".into()))
        );
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &[], false),
            Err(AnswerError::Missing)
        );
        assert_eq!(
            parse_answer(&q, &a, "fc_migrated", &["yes".into(), "no".into()], false),
            Err(AnswerError::TooMany)
        );
        // Skip logic: the papers question is only asked after "migrated = yes".
        assert_eq!(
            parse_answer(&q, &a, "fc_papers_truth", &v("no"), false),
            Err(AnswerError::NotRelevant("fc_papers_truth".into()))
        );
        let mut a = Answers::new();
        a.insert("fc_migrated".into(), AnswerValue::Choice("yes".into()));
        assert!(parse_answer(&q, &a, "fc_papers_truth", &v("no"), false).is_ok());
        assert!(is_iso_date("2026-11-28") && !is_iso_date("2026-13-01") && !is_iso_date("x"));
    }

    #[test]
    fn correcting_an_earlier_answer_drops_answers_no_longer_asked() {
        let (_, q) = setup();
        let mut a = Answers::new();
        record_answer(&q, &mut a, "fc_migrated", AnswerValue::Choice("yes".into()));
        record_answer(
            &q,
            &mut a,
            "fc_papers_truth",
            AnswerValue::Choice("no".into()),
        );
        assert!(a.contains_key("fc_papers_truth"));
        record_answer(&q, &mut a, "fc_migrated", AnswerValue::Choice("no".into()));
        assert!(!a.contains_key("fc_papers_truth"));
        assert!(a.contains_key("fc_migrated"));
    }

    #[test]
    fn position_shows_progress_and_the_previous_question() {
        let (_, q) = setup();
        let mut a = Answers::new();
        let p = position(&q, &a, None);
        assert_eq!(p.current.as_deref(), Some("fc_migrated"));
        assert_eq!((p.number, p.answered, p.previous.as_deref()), (1, 0, None));
        record_answer(&q, &mut a, "fc_migrated", AnswerValue::Choice("no".into()));
        let p = position(&q, &a, None);
        assert_eq!(p.current.as_deref(), Some("fc_job_as_promised"));
        assert_eq!(p.previous.as_deref(), Some("fc_migrated"));
        assert_eq!((p.number, p.answered), (2, 1));
        // Going back to an answered question.
        let p = position(&q, &a, Some("fc_migrated"));
        assert_eq!(p.current.as_deref(), Some("fc_migrated"));
        // An irrelevant question asked for falls back to the next one.
        let p = position(&q, &a, Some("fc_papers_truth"));
        assert_eq!(p.current.as_deref(), Some("fc_job_as_promised"));
    }

    #[test]
    fn the_state_machine_takes_answers_only_in_progress_after_consent() {
        use InterviewState::*;
        assert_eq!(
            check_step(InProgress, false, false, Step::Answer),
            Err(StepError::NoConsent)
        );
        assert_eq!(check_step(InProgress, false, false, Step::Consent), Ok(()));
        assert_eq!(
            check_step(InProgress, true, false, Step::Consent),
            Err(StepError::ConsentGiven)
        );
        assert_eq!(check_step(InProgress, true, false, Step::Answer), Ok(()));
        assert_eq!(
            check_step(InProgress, true, false, Step::Finish),
            Err(StepError::QuestionsRemain)
        );
        assert_eq!(check_step(InProgress, true, true, Step::Finish), Ok(()));
        assert_eq!(check_step(InProgress, false, false, Step::Stop), Ok(()));
        for s in [Finished, Stopped] {
            for step in [Step::Consent, Step::Answer, Step::Finish, Step::Stop] {
                assert_eq!(check_step(s, true, true, step), Err(StepError::Closed));
            }
        }
        for s in [InProgress, Finished, Stopped] {
            assert_eq!(InterviewState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn summary_covers_the_mapped_sets_and_round_trips() {
        let (s, q) = setup();
        assert_eq!(covered_sets(&q, &s), vec!["adult_labour", "ilo11"]);
        let none = outcome_summary(&q, &Answers::new(), &[], &s);
        assert_eq!(
            none,
            vec![
                ("adult_labour".to_string(), Outcome::Undecided),
                ("ilo11".to_string(), Outcome::IndicatorsOnly)
            ]
        );
        assert_eq!(parse_summary(&format_summary(&none)), none);
        let run = |id: &str, pairs: &[(&str, &str)], facts: &[(String, Answer)]| {
            let q = Questionnaire::builtin(id, &s).unwrap();
            let mut a = Answers::new();
            for (k, v) in pairs {
                assert_eq!(position(&q, &a, None).current.as_deref(), Some(*k));
                let value = parse_answer(&q, &a, k, &[v.to_string()], false).unwrap();
                record_answer(&q, &mut a, k, value);
            }
            assert_eq!(next_question(&q, &a), None, "all asked");
            outcome_summary(&q, &a, facts, &s)[0].1
        };
        assert_eq!(
            run("adult_labour", PRESUMED_VICTIM_ADULT_LABOUR, &[]),
            Outcome::PresumedVictim
        );
        // Unmapped indicators stay unknown, so only a fact can rule the child set out.
        let child = Questionnaire::builtin("child", &s).unwrap();
        let act = "act_of_trafficking_established".to_string();
        assert_eq!(required_facts(&child, &s), vec![act.clone()]);
        assert!(required_facts(&q, &s).is_empty());
        assert_eq!(
            run("child", NOT_IDENTIFIED_CHILD, &[(act.clone(), Answer::No)]),
            Outcome::NotIdentified
        );
        assert_eq!(
            run("child", NOT_IDENTIFIED_CHILD, &[(act, Answer::Unknown)]),
            Outcome::Undecided
        );
    }
}
