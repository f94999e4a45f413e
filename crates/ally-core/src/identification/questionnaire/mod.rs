//! Interview questionnaires (issue 3, "The interview"): the plain-language questions an
//! interviewer asks, each mapped to one or more indicator ids of `screening`; their skip
//! logic (`relevant` conditions, the XLSForm subset); the translations of every string
//! with a per-language "reviewed by a human" flag; and the default questionnaires, shipped
//! as data (`data/questionnaires/*.toml`, embedded).
//!
//! The model follows XLSForm closely (a list of items, `begin_group`/`end_group`, choice
//! lists, `relevant`), so `ally-forms` can export and import it without loss.
//!
//! ```
//! use ally_core::questionnaire::{self, AnswerValue, Answers, Questionnaire};
//! use ally_core::screening::{Answer, Screening};
//! let screening = Screening::builtin().expect("valid catalogue");
//! let q = Questionnaire::builtin("first_contact", &screening).expect("valid questionnaire");
//! let mut answers = Answers::new();
//! let first = questionnaire::next_question(&q, &answers).expect("a first question");
//! answers.insert(first.to_string(), AnswerValue::Choice("declined".into()));
//! let interview = questionnaire::indicator_answers(&q, &answers, &screening).expect("ids known");
//! // A declined question never becomes "no".
//! assert!(screening.catalogue.sets.iter().all(|s| s.indicators.iter().all(|i| {
//!     screening.answer(&interview, &i.id) != Some(Answer::No)
//! })));
//! ```

pub mod answer;
pub mod condition;
pub mod data;
pub mod error;
pub mod flow;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use crate::screening::Screening;

pub use condition::{CmpOp, Condition, Literal, is_valid_name};
pub use data::{BUILTIN_IDS, INTERVIEW_TEXTS_ID, InterviewTexts, Section};
pub use error::{ConditionError, QuestionnaireError};
pub use flow::{
    AnswerValue, Answers, DECLINED, Relevance, indicator_answers, is_relevant, next_question,
    relevance,
};

/// The languages every question, choice and help text must exist in (issue 3).
pub const REQUIRED_LANGUAGES: &[&str] = &[
    "en", "fr", "es", "ar", "ro", "uk", "ru", "bg", "vi", "zh", "ti", "tl",
];

/// English names of the languages, as used in XLSForm column headers (`label::French (fr)`).
pub const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("ar", "Arabic"),
    ("ro", "Romanian"),
    ("uk", "Ukrainian"),
    ("ru", "Russian"),
    ("bg", "Bulgarian"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
    ("ti", "Tigrinya"),
    ("tl", "Tagalog"),
];

/// English name of a language code, if it is one of the known ones.
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGE_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// One language's version of a string, and whether a human has reviewed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Translation {
    /// The text in that language.
    pub text: String,
    /// Checked by a human translator; false for a machine translation (flagged "machine
    /// translation" in the interview).
    pub reviewed: bool,
}

/// A translatable string: language code -> translation. Empty means "no such text"
/// (e.g. a question without a hint).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, Translation>);

impl Text {
    /// A text in one language.
    pub fn new(lang: &str, text: &str, reviewed: bool) -> Text {
        let mut t = Text::default();
        t.set(lang, text, reviewed);
        t
    }

    /// Set (or replace) the text in `lang`, with its review flag.
    pub fn set(&mut self, lang: &str, text: &str, reviewed: bool) {
        self.0.insert(
            lang.to_string(),
            Translation {
                text: text.to_string(),
                reviewed,
            },
        );
    }

    /// The text in `lang`, if there is one.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).map(|t| t.text.as_str())
    }

    /// The text in `lang`, else in `fallback`, else empty.
    pub fn get_or(&self, lang: &str, fallback: &str) -> &str {
        self.get(lang).or_else(|| self.get(fallback)).unwrap_or("")
    }

    /// Whether the text in `lang` exists and a human has reviewed it.
    pub fn is_reviewed(&self, lang: &str) -> bool {
        self.0.get(lang).is_some_and(|t| t.reviewed)
    }

    /// True when the text exists in no language ("no such text", e.g. no hint).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a question asks for. Select questions name a choice list of the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// `select_one LIST`: exactly one choice of the named list.
    SelectOne(String),
    /// `select_multiple LIST`: one or more choices of the named list.
    SelectMultiple(String),
    /// `text`: free text, at most `MAX_TEXT_ANSWER` characters.
    Text,
    /// `integer`: a whole number (`*_age` questions give the person's age to the engine).
    Integer,
    /// `date`: an ISO date `YYYY-MM-DD`.
    Date,
}

impl QuestionKind {
    /// Parse an XLSForm `type` cell of a question (`select_one yes_no`, `integer`, ...).
    pub fn parse(s: &str) -> Option<QuestionKind> {
        let mut parts = s.split_whitespace();
        let head = parts.next()?;
        let arg = parts.next();
        if parts.next().is_some() {
            return None;
        }
        match (head, arg) {
            ("select_one", Some(l)) if is_valid_name(l) => Some(QuestionKind::SelectOne(l.into())),
            ("select_multiple", Some(l)) if is_valid_name(l) => {
                Some(QuestionKind::SelectMultiple(l.into()))
            }
            ("text", None) => Some(QuestionKind::Text),
            ("integer", None) => Some(QuestionKind::Integer),
            ("date", None) => Some(QuestionKind::Date),
            _ => None,
        }
    }

    /// The choice list of a select question.
    pub fn list(&self) -> Option<&str> {
        match self {
            QuestionKind::SelectOne(l) | QuestionKind::SelectMultiple(l) => Some(l),
            _ => None,
        }
    }
}

impl fmt::Display for QuestionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuestionKind::SelectOne(l) => write!(f, "select_one {l}"),
            QuestionKind::SelectMultiple(l) => write!(f, "select_multiple {l}"),
            QuestionKind::Text => f.write_str("text"),
            QuestionKind::Integer => f.write_str("integer"),
            QuestionKind::Date => f.write_str("date"),
        }
    }
}

impl Serialize for QuestionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Which answers to a select question mean the indicator is present (`yes`) or absent
/// (`no`). Any other answer (unsure, declined, not asked) leaves the indicator unknown.
///
/// Written `indicator_id=yes_choices|no_choices`, choices comma-separated, e.g.
/// `ilo11.restriction_of_movement=no|yes` for "Can you leave when you want to?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorMapping {
    /// A Delphi (`<set>.<dimension>.<slug>`) or ILO 11 (`ilo11.<slug>`) indicator id.
    pub indicator_id: String,
    /// Choice names meaning the indicator is present; never empty.
    pub yes: Vec<String>,
    /// Choice names meaning it is absent; may be empty, and then this question never gives `no`.
    pub no: Vec<String>,
}

impl IndicatorMapping {
    /// Parse one mapping token; the message says what is wrong.
    pub fn parse(s: &str) -> Result<IndicatorMapping, String> {
        let (id, rest) = s
            .split_once('=')
            .ok_or_else(|| "expected indicator_id=yes_choices|no_choices".to_string())?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(format!("`{id}` is not an indicator id"));
        }
        let (yes, no) = rest.split_once('|').unwrap_or((rest, ""));
        let split = |p: &str| -> Result<Vec<String>, String> {
            if p.is_empty() {
                return Ok(Vec::new());
            }
            p.split(',')
                .map(|c| {
                    if is_valid_name(c) {
                        Ok(c.to_string())
                    } else {
                        Err(format!("`{c}` is not a choice name"))
                    }
                })
                .collect()
        };
        let m = IndicatorMapping {
            indicator_id: id.to_string(),
            yes: split(yes)?,
            no: split(no)?,
        };
        if m.yes.is_empty() {
            return Err("at least one choice must mean \"yes\"".into());
        }
        if let Some(c) = m.yes.iter().find(|c| m.no.contains(c)) {
            return Err(format!("choice `{c}` means both yes and no"));
        }
        Ok(m)
    }

    /// Parse a space-separated list of mappings (the `ally_indicators` cell).
    pub fn parse_list(s: &str) -> Result<Vec<IndicatorMapping>, String> {
        s.split_whitespace().map(IndicatorMapping::parse).collect()
    }

    /// The space-separated form of a list of mappings.
    pub fn format_list(list: &[IndicatorMapping]) -> String {
        list.iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for IndicatorMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.indicator_id, self.yes.join(","))?;
        if !self.no.is_empty() {
            write!(f, "|{}", self.no.join(","))?;
        }
        Ok(())
    }
}

/// A question the interviewer asks (XLSForm row with a question type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// Its XLSForm `name`: unique in the questionnaire and never renamed once used, since answers
    /// are stored by it.
    pub id: String,
    /// What it asks for.
    pub kind: QuestionKind,
    /// The question as read to the person, in every language.
    pub label: Text,
    /// Optional help text for the interviewer (empty when there is none).
    pub hint: Text,
    /// The XLSForm `required` flag, carried through import and export. The flow does not read
    /// it: every relevant question wants an answer or "prefer not to say" before the end.
    pub required: bool,
    /// Skip logic: the question is asked only when this holds (and its groups' conditions do).
    pub relevant: Option<Condition>,
    /// Which indicators its answer sets; only select questions have mappings.
    pub indicators: Vec<IndicatorMapping>,
}

/// Text shown to the interviewer or the person, with nothing to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Its XLSForm `name`, unique in the questionnaire.
    pub id: String,
    /// The text shown, in every language.
    pub label: Text,
    /// Optional help text (empty when there is none).
    pub hint: Text,
    /// Shown only when this holds.
    pub relevant: Option<Condition>,
}

/// A titled block of items (`begin_group` ... `end_group`), asked only when its condition holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Its XLSForm `name`, unique in the questionnaire.
    pub id: String,
    /// The block's title, in every language.
    pub label: Text,
    /// Skip logic for the whole block: when it fails, none of its items is asked.
    pub relevant: Option<Condition>,
    /// The items inside, in document order (groups may nest).
    pub items: Vec<Item>,
}

/// One entry of a questionnaire, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    /// A question, with an answer to give.
    Question(Question),
    /// A text with nothing to answer.
    Note(Note),
    /// A block of items with a shared title and condition.
    Group(Group),
}

impl Item {
    /// The item's name (question id, note id or group id).
    pub fn id(&self) -> &str {
        match self {
            Item::Question(q) => &q.id,
            Item::Note(n) => &n.id,
            Item::Group(g) => &g.id,
        }
    }

    /// The item's own `relevant` condition (not its groups').
    pub fn relevant(&self) -> Option<&Condition> {
        match self {
            Item::Question(q) => q.relevant.as_ref(),
            Item::Note(n) => n.relevant.as_ref(),
            Item::Group(g) => g.relevant.as_ref(),
        }
    }
}

/// One answer a select question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// Stored value and the name indicator mappings use (`yes`, `no`, `unsure`, `declined`...).
    pub name: String,
    /// What the person hears or reads, in every language.
    pub label: Text,
}

/// A named list of choices (XLSForm `choices` sheet), shared by the questions that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceList {
    /// The name select questions refer to (`yes_no`).
    pub name: String,
    /// Its choices, in the order shown.
    pub choices: Vec<Choice>,
}

/// An interview questionnaire: plain-language questions with skip logic, each mapped to
/// indicators of `screening`, in every declared language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    /// Stable id (`first_contact`, `adult_labour`...); reviews and interviews refer to it.
    pub id: String,
    /// Version of the questionnaire's content, free text from the data file (the shipped ones
    /// use a date, `2026-11-28`).
    pub version: String,
    /// Title shown to interviewers, in every language.
    pub title: Text,
    /// Language code the questionnaire was written in (`en`); one of `languages`.
    pub default_language: String,
    /// The languages this questionnaire is complete in (checked by `validate`).
    pub languages: Vec<String>,
    /// Questions, notes and groups, in document order.
    pub items: Vec<Item>,
    /// The choice lists its select questions use.
    pub choice_lists: Vec<ChoiceList>,
}

/// Completeness of one language in a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageStatus {
    /// Language code (`fr`).
    pub lang: String,
    /// Number of translatable strings.
    pub strings: usize,
    /// Strings with no text (or only blanks) in this language.
    pub missing: usize,
    /// Strings with a text not yet reviewed by a human (machine translations).
    pub unreviewed: usize,
}

/// A row of the flat form (XLSForm `survey` sheet, or the TOML data files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatItem {
    /// `begin_group`, `end_group`, `note`, or a question type.
    pub kind: String,
    /// The XLSForm `name` (empty for `end_group`).
    pub name: String,
    /// The `label::<Language> (<code>)` columns, one translation each.
    pub label: Text,
    /// The `hint::<Language> (<code>)` columns (empty when there is no hint).
    pub hint: Text,
    /// The `relevant` expression, unparsed.
    pub relevant: Option<String>,
    /// The `required` column as a flag (see `Question::required`).
    pub required: bool,
    /// The `ally_indicators` cell: space-separated mappings `indicator_id=yes_choices|no_choices`.
    pub indicators: Option<String>,
}

/// Which field of a flat row an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlatField {
    /// The `type` column (unknown type, unbalanced groups).
    Type,
    /// The `name` column.
    Name,
    /// The `relevant` column.
    Relevant,
    /// The `required` column.
    Required,
    /// The `ally_indicators` column.
    Indicators,
    /// A `label::<Language> (<code>)` column.
    Label,
}

/// An error in a flat row: its index (0-based), the field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatError {
    /// Row index, 0-based, among the rows given.
    pub index: usize,
    /// The column at fault.
    pub field: FlatField,
    /// The error, naming the row's item.
    pub error: QuestionnaireError,
}

/// Build the item tree from flat rows (`begin_group` ... `end_group`). Checks each row on
/// its own (type, name, condition syntax, mapping syntax, group nesting); `validate`
/// checks the whole.
pub fn items_from_flat(rows: Vec<FlatItem>) -> Result<Vec<Item>, FlatError> {
    // Stack of open groups: (row index, group) ; the bottom is the root.
    let mut stack: Vec<(usize, Group)> = vec![(
        0,
        Group {
            id: String::new(),
            label: Text::default(),
            relevant: None,
            items: Vec::new(),
        },
    )];
    let n = rows.len();
    for (index, row) in rows.into_iter().enumerate() {
        let fail = |field, error| FlatError {
            index,
            field,
            error,
        };
        let kind = row.kind.trim();
        if kind == "end_group" {
            if stack.len() < 2 {
                return Err(fail(
                    FlatField::Type,
                    QuestionnaireError::Structure {
                        item: format!("row {}", index + 1),
                        message: "end_group without a matching begin_group".into(),
                    },
                ));
            }
            if let Some((_, g)) = stack.pop()
                && let Some((_, parent)) = stack.last_mut()
            {
                parent.items.push(Item::Group(g));
            }
            continue;
        }
        if !is_valid_name(&row.name) {
            return Err(fail(
                FlatField::Name,
                QuestionnaireError::InvalidName(row.name.clone()),
            ));
        }
        let relevant = match row.relevant.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(expr) => Some(Condition::parse(expr).map_err(|source| {
                fail(
                    FlatField::Relevant,
                    QuestionnaireError::Condition {
                        item: row.name.clone(),
                        source,
                    },
                )
            })?),
        };
        let has_mapping = row
            .indicators
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        let not_a_question = |what: &str| {
            fail(
                FlatField::Indicators,
                QuestionnaireError::Structure {
                    item: row.name.clone(),
                    message: format!("a {what} cannot be mapped to indicators"),
                },
            )
        };
        let item = match kind {
            "begin_group" => {
                if has_mapping {
                    return Err(not_a_question("group"));
                }
                stack.push((
                    index,
                    Group {
                        id: row.name,
                        label: row.label,
                        relevant,
                        items: Vec::new(),
                    },
                ));
                continue;
            }
            "note" => {
                if has_mapping {
                    return Err(not_a_question("note"));
                }
                Item::Note(Note {
                    id: row.name,
                    label: row.label,
                    hint: row.hint,
                    relevant,
                })
            }
            other => {
                let kind = QuestionKind::parse(other).ok_or_else(|| {
                    fail(
                        FlatField::Type,
                        QuestionnaireError::UnknownType {
                            item: row.name.clone(),
                            kind: other.to_string(),
                        },
                    )
                })?;
                let indicators = IndicatorMapping::parse_list(
                    row.indicators.as_deref().unwrap_or(""),
                )
                .map_err(|message| {
                    fail(
                        FlatField::Indicators,
                        QuestionnaireError::BadMapping {
                            question: row.name.clone(),
                            mapping: row.indicators.clone().unwrap_or_default(),
                            message,
                        },
                    )
                })?;
                if !indicators.is_empty() && kind.list().is_none() {
                    return Err(fail(
                        FlatField::Indicators,
                        QuestionnaireError::BadMapping {
                            question: row.name.clone(),
                            mapping: row.indicators.clone().unwrap_or_default(),
                            message: "only select questions can be mapped to indicators".into(),
                        },
                    ));
                }
                Item::Question(Question {
                    id: row.name,
                    kind,
                    label: row.label,
                    hint: row.hint,
                    required: row.required,
                    relevant,
                    indicators,
                })
            }
        };
        if let Some((_, g)) = stack.last_mut() {
            g.items.push(item);
        }
    }
    if stack.len() > 1 {
        let (index, g) = stack.pop().unwrap_or((
            n,
            Group {
                id: String::new(),
                label: Text::default(),
                relevant: None,
                items: Vec::new(),
            },
        ));
        return Err(FlatError {
            index,
            field: FlatField::Type,
            error: QuestionnaireError::Structure {
                item: g.id,
                message: "begin_group without a matching end_group".into(),
            },
        });
    }
    Ok(stack.pop().map(|(_, g)| g.items).unwrap_or_default())
}

/// The flat rows of an item tree (inverse of `items_from_flat`).
pub fn items_to_flat(items: &[Item]) -> Vec<FlatItem> {
    let mut out = Vec::new();
    flatten_into(items, &mut out);
    out
}

fn flatten_into(items: &[Item], out: &mut Vec<FlatItem>) {
    for item in items {
        match item {
            Item::Question(q) => out.push(FlatItem {
                kind: q.kind.to_string(),
                name: q.id.clone(),
                label: q.label.clone(),
                hint: q.hint.clone(),
                relevant: q.relevant.as_ref().map(|c| c.to_string()),
                required: q.required,
                indicators: if q.indicators.is_empty() {
                    None
                } else {
                    Some(IndicatorMapping::format_list(&q.indicators))
                },
            }),
            Item::Note(n) => out.push(FlatItem {
                kind: "note".into(),
                name: n.id.clone(),
                label: n.label.clone(),
                hint: n.hint.clone(),
                relevant: n.relevant.as_ref().map(|c| c.to_string()),
                ..FlatItem::default()
            }),
            Item::Group(g) => {
                out.push(FlatItem {
                    kind: "begin_group".into(),
                    name: g.id.clone(),
                    label: g.label.clone(),
                    relevant: g.relevant.as_ref().map(|c| c.to_string()),
                    ..FlatItem::default()
                });
                flatten_into(&g.items, out);
                out.push(FlatItem {
                    kind: "end_group".into(),
                    ..FlatItem::default()
                });
            }
        }
    }
}

/// Completeness per language of a list of keyed strings.
pub(crate) fn language_status_of(texts: &[(String, &Text)], langs: &[&str]) -> Vec<LanguageStatus> {
    langs
        .iter()
        .map(|lang| LanguageStatus {
            lang: lang.to_string(),
            strings: texts.len(),
            missing: texts
                .iter()
                .filter(|(_, t)| t.get(lang).is_none_or(|s| s.trim().is_empty()))
                .count(),
            unreviewed: texts
                .iter()
                .filter(|(_, t)| t.get(lang).is_some() && !t.is_reviewed(lang))
                .count(),
        })
        .collect()
}

/// Every item in document order, depth first, with the groups enclosing it (outermost first).
pub fn walk(items: &[Item]) -> Vec<(&Item, Vec<&Group>)> {
    fn go<'a>(
        items: &'a [Item],
        parents: &mut Vec<&'a Group>,
        out: &mut Vec<(&'a Item, Vec<&'a Group>)>,
    ) {
        for item in items {
            out.push((item, parents.clone()));
            if let Item::Group(g) = item {
                parents.push(g);
                go(&g.items, parents, out);
                parents.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(items, &mut Vec::new(), &mut out);
    out
}

impl Questionnaire {
    /// All questions in document order.
    pub fn questions(&self) -> Vec<&Question> {
        walk(&self.items)
            .into_iter()
            .filter_map(|(i, _)| match i {
                Item::Question(q) => Some(q),
                _ => None,
            })
            .collect()
    }

    /// The question with this id, at any depth.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().into_iter().find(|q| q.id == id)
    }

    /// The choice list with this name.
    pub fn choice_list(&self, name: &str) -> Option<&ChoiceList> {
        self.choice_lists.iter().find(|l| l.name == name)
    }

    /// Every translatable string with a stable key: `title`, `<item>.label`, `<item>.hint`,
    /// `choices.<list>.<choice>`. Empty texts (no hint) are left out.
    pub fn texts(&self) -> Vec<(String, &Text)> {
        let mut out = vec![("title".to_string(), &self.title)];
        for (item, _) in walk(&self.items) {
            let (label, hint) = match item {
                Item::Question(q) => (&q.label, Some(&q.hint)),
                Item::Note(n) => (&n.label, Some(&n.hint)),
                Item::Group(g) => (&g.label, None),
            };
            out.push((format!("{}.label", item.id()), label));
            if let Some(h) = hint.filter(|h| !h.is_empty()) {
                out.push((format!("{}.hint", item.id()), h));
            }
        }
        for l in &self.choice_lists {
            for c in &l.choices {
                out.push((format!("choices.{}.{}", l.name, c.name), &c.label));
            }
        }
        out
    }

    fn texts_mut(&mut self) -> Vec<(String, &mut Text)> {
        fn go<'a>(items: &'a mut [Item], out: &mut Vec<(String, &'a mut Text)>) {
            for item in items {
                match item {
                    Item::Question(q) => {
                        out.push((format!("{}.label", q.id), &mut q.label));
                        if !q.hint.is_empty() {
                            out.push((format!("{}.hint", q.id), &mut q.hint));
                        }
                    }
                    Item::Note(n) => {
                        out.push((format!("{}.label", n.id), &mut n.label));
                        if !n.hint.is_empty() {
                            out.push((format!("{}.hint", n.id), &mut n.hint));
                        }
                    }
                    Item::Group(g) => {
                        out.push((format!("{}.label", g.id), &mut g.label));
                        go(&mut g.items, out);
                    }
                }
            }
        }
        let mut out = vec![("title".to_string(), &mut self.title)];
        go(&mut self.items, &mut out);
        for l in &mut self.choice_lists {
            for c in &mut l.choices {
                out.push((format!("choices.{}.{}", l.name, c.name), &mut c.label));
            }
        }
        out
    }

    /// Review workflow: a translator marks one string of one language as reviewed (or
    /// corrects it: pass the new text). Returns false if there is no such string.
    pub fn review_translation(&mut self, key: &str, lang: &str, corrected: Option<&str>) -> bool {
        for (k, text) in self.texts_mut() {
            if k == key {
                let new_text = match (corrected, text.get(lang)) {
                    (Some(c), _) => c.to_string(),
                    (None, Some(t)) => t.to_string(),
                    (None, None) => return false,
                };
                text.set(lang, &new_text, true);
                return true;
            }
        }
        false
    }

    /// Strings of `lang` still waiting for a human review, by key.
    pub fn unreviewed(&self, lang: &str) -> Vec<String> {
        self.texts()
            .into_iter()
            .filter(|(_, t)| t.get(lang).is_some() && !t.is_reviewed(lang))
            .map(|(k, _)| k)
            .collect()
    }

    /// Completeness per language, for the languages given.
    pub fn language_status(&self, langs: &[&str]) -> Vec<LanguageStatus> {
        language_status_of(&self.texts(), langs)
    }

    /// Check the whole questionnaire against the indicator catalogues: unique names,
    /// known choice lists and choices, known indicator ids, conditions that only read
    /// questions asked before, and every string present in every declared language.
    pub fn validate(&self, screening: &Screening) -> Result<(), QuestionnaireError> {
        if !is_valid_name(&self.id) {
            return Err(QuestionnaireError::InvalidName(self.id.clone()));
        }
        if !self.languages.contains(&self.default_language) {
            return Err(QuestionnaireError::Structure {
                item: self.id.clone(),
                message: format!(
                    "default language \"{}\" is not among the languages {:?}",
                    self.default_language, self.languages
                ),
            });
        }
        let mut lists = BTreeSet::new();
        for l in &self.choice_lists {
            if !is_valid_name(&l.name) {
                return Err(QuestionnaireError::InvalidName(l.name.clone()));
            }
            if !lists.insert(l.name.as_str()) {
                return Err(QuestionnaireError::Structure {
                    item: l.name.clone(),
                    message: "choice list defined twice".into(),
                });
            }
            let mut seen = BTreeSet::new();
            for c in &l.choices {
                if !is_valid_name(&c.name) {
                    return Err(QuestionnaireError::InvalidName(c.name.clone()));
                }
                if !seen.insert(c.name.as_str()) {
                    return Err(QuestionnaireError::DuplicateChoice {
                        list: l.name.clone(),
                        choice: c.name.clone(),
                    });
                }
            }
        }
        // Position of each item in document order, to check that conditions look back only.
        let all = walk(&self.items);
        let mut position: HashMap<&str, (usize, &Item)> = HashMap::new();
        for (i, (item, _)) in all.iter().enumerate() {
            if position.insert(item.id(), (i, item)).is_some() {
                return Err(QuestionnaireError::DuplicateId(item.id().to_string()));
            }
        }
        for (i, (item, _)) in all.iter().enumerate() {
            if let Some(cond) = item.relevant() {
                for r in cond.references() {
                    match position.get(r) {
                        Some((j, Item::Question(_))) if *j < i => {}
                        Some((_, Item::Question(_))) => {
                            return Err(QuestionnaireError::RelevantLaterQuestion {
                                item: item.id().to_string(),
                                question: r.to_string(),
                            });
                        }
                        _ => {
                            return Err(QuestionnaireError::RelevantUnknownQuestion {
                                item: item.id().to_string(),
                                question: r.to_string(),
                            });
                        }
                    }
                }
            }
            if let Item::Question(q) = item {
                let list = match q.kind.list() {
                    Some(name) => Some(self.choice_list(name).ok_or_else(|| {
                        QuestionnaireError::UnknownChoiceList {
                            question: q.id.clone(),
                            list: name.to_string(),
                        }
                    })?),
                    None => None,
                };
                for m in &q.indicators {
                    if screening.catalogue.locate(&m.indicator_id).is_none()
                        && screening.forced_labour.position(&m.indicator_id).is_none()
                    {
                        return Err(QuestionnaireError::UnknownIndicator {
                            question: q.id.clone(),
                            indicator: m.indicator_id.clone(),
                        });
                    }
                    let Some(list) = list else {
                        return Err(QuestionnaireError::BadMapping {
                            question: q.id.clone(),
                            mapping: m.to_string(),
                            message: "only select questions can be mapped to indicators".into(),
                        });
                    };
                    for c in m.yes.iter().chain(&m.no) {
                        if !list.choices.iter().any(|x| &x.name == c) {
                            return Err(QuestionnaireError::UnknownChoice {
                                question: q.id.clone(),
                                indicator: m.indicator_id.clone(),
                                choice: c.clone(),
                            });
                        }
                    }
                }
            }
        }
        for (key, text) in self.texts() {
            for lang in &self.languages {
                if text.get(lang).is_none_or(|s| s.trim().is_empty()) {
                    return Err(QuestionnaireError::MissingTranslation {
                        key,
                        lang: lang.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}
