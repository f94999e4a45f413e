//! The guided flow's pure part: which question comes next (skip logic), and how the
//! answers given become indicator answers for `screening`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::condition::{CmpOp, Condition, Literal};
use super::{Item, Question, Questionnaire, walk};
use crate::screening::{Answer, InputError, Interview, Screening};

/// The choice every default yes/no question offers for "I'd rather not say".
pub const DECLINED: &str = "declined";

/// One answer given in the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerValue {
    /// The name of the chosen choice (select_one).
    Choice(String),
    /// The names of the chosen choices (select_multiple).
    Choices(Vec<String>),
    /// Free text (text questions); `parse_answer` trims it and refuses more than
    /// `MAX_TEXT_ANSWER` characters.
    Text(String),
    /// A whole number (integer questions).
    Integer(i64),
    /// ISO date `YYYY-MM-DD`.
    Date(String),
    /// The person did not want to answer (any question type); counts as answered for
    /// the flow, and as unknown for the indicators.
    Declined,
}

/// Answers so far, by question id.
pub type Answers = BTreeMap<String, AnswerValue>;

fn holds(cond: &Condition, answers: &Answers) -> bool {
    match cond {
        Condition::Compare {
            question,
            op,
            value,
        } => {
            let given = answers.get(question);
            match value {
                Literal::Str(v) => {
                    // XLSForm semantics: an unanswered question compares as the empty string.
                    let s = match given {
                        Some(AnswerValue::Choice(c)) => c.as_str(),
                        Some(AnswerValue::Text(t)) | Some(AnswerValue::Date(t)) => t.as_str(),
                        _ => "",
                    };
                    let int_text;
                    let s = match given {
                        Some(AnswerValue::Integer(i)) => {
                            int_text = i.to_string();
                            int_text.as_str()
                        }
                        _ => s,
                    };
                    match op {
                        CmpOp::Eq => s == v,
                        CmpOp::Ne => s != v,
                        _ => false,
                    }
                }
                Literal::Int(n) => match given {
                    Some(AnswerValue::Integer(i)) => match op {
                        CmpOp::Eq => i == n,
                        CmpOp::Ne => i != n,
                        CmpOp::Lt => i < n,
                        CmpOp::Le => i <= n,
                        CmpOp::Gt => i > n,
                        CmpOp::Ge => i >= n,
                    },
                    // No number to compare: only "is not equal" holds.
                    _ => *op == CmpOp::Ne,
                },
            }
        }
        Condition::Selected { question, choice } => match answers.get(question) {
            Some(AnswerValue::Choice(c)) => c == choice,
            Some(AnswerValue::Choices(cs)) => cs.contains(choice),
            _ => false,
        },
        Condition::And(cs) => cs.iter().all(|c| holds(c, answers)),
        Condition::Or(cs) => cs.iter().any(|c| holds(c, answers)),
        Condition::Not(c) => !holds(c, answers),
    }
}

/// Whether a condition holds for the answers so far.
pub fn evaluate(cond: &Condition, answers: &Answers) -> bool {
    holds(cond, answers)
}

/// Whether a question (or note, or group) is to be asked given the answers so far: its own
/// `relevant` and that of every enclosing group hold. Answers to questions that are no
/// longer relevant (an earlier answer was changed) are ignored, as ODK clears them.
/// An id not in the questionnaire is not relevant.
pub fn is_relevant(questionnaire: &Questionnaire, item_id: &str, answers: &Answers) -> bool {
    relevance(questionnaire, answers).is_relevant(item_id)
}

/// The skip logic applied to every item at once: what [`is_relevant`] says for each item,
/// computed in two passes over the questionnaire instead of two passes per item (pages ask
/// it for every question).
pub struct Relevance<'a> {
    /// The answers of relevant questions only.
    pub effective: Answers,
    /// Relevant items (questions, notes, groups) in document order.
    pub items: Vec<&'a Item>,
}

impl<'a> Relevance<'a> {
    /// Whether the item with this id (question, note or group) is to be asked now.
    pub fn is_relevant(&self, item_id: &str) -> bool {
        self.items.iter().any(|i| i.id() == item_id)
    }

    /// Relevant questions in document order.
    pub fn questions(&self) -> impl Iterator<Item = &'a Question> + '_ {
        self.items.iter().filter_map(|i| match i {
            Item::Question(q) => Some(q),
            _ => None,
        })
    }

    /// The first relevant question without an answer (see [`next_question`]).
    pub fn next_question(&self) -> Option<&'a str> {
        self.questions()
            .find(|q| !self.effective.contains_key(&q.id))
            .map(|q| q.id.as_str())
    }
}

/// Computes [`Relevance`]: first the effective answers (a condition only reads earlier
/// questions, so one pass in order is enough), then each item's conditions against them.
pub fn relevance<'a>(questionnaire: &'a Questionnaire, answers: &Answers) -> Relevance<'a> {
    let walked = walk(&questionnaire.items);
    let mut effective = Answers::new();
    for (item, groups) in &walked {
        if let Item::Question(q) = item {
            let relevant = groups
                .iter()
                .filter_map(|g| g.relevant.as_ref())
                .chain(q.relevant.as_ref())
                .all(|c| holds(c, &effective));
            if relevant && let Some(a) = answers.get(&q.id) {
                effective.insert(q.id.clone(), a.clone());
            }
        }
    }
    let items = walked
        .into_iter()
        .filter(|(item, groups)| {
            groups
                .iter()
                .filter_map(|g| g.relevant.as_ref())
                .chain(item.relevant())
                .all(|c| holds(c, &effective))
        })
        .map(|(item, _)| item)
        .collect();
    Relevance { effective, items }
}

/// The next question to ask: the first relevant question, in document order, that has no
/// answer yet (a declined question counts as answered). `None` when the interview is done.
pub fn next_question<'a>(questionnaire: &'a Questionnaire, answers: &Answers) -> Option<&'a str> {
    relevance(questionnaire, answers).next_question()
}

/// What one answered question says about one mapped indicator.
fn mapped(m: &super::IndicatorMapping, answer: Option<&AnswerValue>) -> Answer {
    let chosen: Vec<&str> = match answer {
        Some(AnswerValue::Choice(c)) => vec![c.as_str()],
        Some(AnswerValue::Choices(cs)) => cs.iter().map(String::as_str).collect(),
        _ => return Answer::Unknown,
    };
    if chosen.iter().any(|c| m.yes.iter().any(|y| y == c)) {
        Answer::Yes
    } else if !chosen.is_empty() && chosen.iter().all(|c| m.no.iter().any(|n| n == c)) {
        Answer::No
    } else {
        Answer::Unknown
    }
}

/// Turn the answers of a (possibly unfinished) interview into indicator answers.
///
/// Per indicator, over the questions mapped to it that are relevant: `Yes` if any says
/// yes; otherwise `Unknown` if any is unanswered, declined or unsure; `No` only if every
/// one of them was answered with a "no" choice. Indicators no relevant question covers
/// stay `Unknown`. An unanswered or declined question therefore never gives `No`.
pub fn indicator_answers(
    questionnaire: &Questionnaire,
    answers: &Answers,
    screening: &Screening,
) -> Result<Interview, InputError> {
    indicator_answers_of(&relevance(questionnaire, answers), screening)
}

/// [`indicator_answers`] from an already computed [`Relevance`].
pub fn indicator_answers_of(
    relevance: &Relevance<'_>,
    screening: &Screening,
) -> Result<Interview, InputError> {
    let mut combined: BTreeMap<&str, Answer> = BTreeMap::new();
    for q in relevance.questions() {
        for m in &q.indicators {
            let a = mapped(m, relevance.effective.get(&q.id));
            let slot = combined
                .entry(m.indicator_id.as_str())
                .or_insert(Answer::No);
            *slot = match (*slot, a) {
                (Answer::Yes, _) | (_, Answer::Yes) => Answer::Yes,
                (Answer::Unknown, _) | (_, Answer::Unknown) => Answer::Unknown,
                (Answer::No, Answer::No) => Answer::No,
            };
        }
    }
    let mut interview = screening.new_interview();
    for (id, a) in combined {
        screening.set_answer(&mut interview, id, a)?;
    }
    Ok(interview)
}
