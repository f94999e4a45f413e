//! Typed errors of the questionnaire module. Every variant names what is at fault.

use thiserror::Error;

/// A `relevant` expression outside the supported subset, or malformed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("relevant expression \"{expression}\": {message}")]
pub struct ConditionError {
    pub expression: String,
    pub message: String,
}

/// A questionnaire that cannot be used.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum QuestionnaireError {
    #[error("not a valid questionnaire file: {0}")]
    Parse(String),
    #[error("translation file {file}: {message}")]
    Translation { file: String, message: String },
    #[error("{0:?} is not a valid name (a letter or `_`, then letters, digits, `_`, `-`, `.`)")]
    InvalidName(String),
    #[error("item {0}: duplicate name")]
    DuplicateId(String),
    #[error("item {item}: unknown type \"{kind}\"")]
    UnknownType { item: String, kind: String },
    #[error("item {item}: {message}")]
    Structure { item: String, message: String },
    #[error("item {item}: {source}")]
    Condition {
        item: String,
        #[source]
        source: ConditionError,
    },
    #[error("item {item}: relevant refers to unknown question \"{question}\"")]
    RelevantUnknownQuestion { item: String, question: String },
    #[error(
        "item {item}: relevant refers to question \"{question}\", which is not asked before it"
    )]
    RelevantLaterQuestion { item: String, question: String },
    #[error("question {question}: uses unknown choice list \"{list}\"")]
    UnknownChoiceList { question: String, list: String },
    #[error("choice list {list}: duplicate choice \"{choice}\"")]
    DuplicateChoice { list: String, choice: String },
    #[error("question {question}: bad indicator mapping \"{mapping}\": {message}")]
    BadMapping {
        question: String,
        mapping: String,
        message: String,
    },
    #[error("question {question}: unknown indicator id \"{indicator}\"")]
    UnknownIndicator { question: String, indicator: String },
    #[error("question {question}: indicator {indicator} names unknown choice \"{choice}\"")]
    UnknownChoice {
        question: String,
        indicator: String,
        choice: String,
    },
    #[error("{key}: missing translation for language \"{lang}\"")]
    MissingTranslation { key: String, lang: String },
    #[error("unknown questionnaire \"{0}\"")]
    UnknownQuestionnaire(String),
}
