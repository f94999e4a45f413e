//! Typed errors of the questionnaire module. Every variant names what is at fault.

use thiserror::Error;

/// A `relevant` expression outside the supported subset, or malformed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("relevant expression \"{expression}\": {message}")]
pub struct ConditionError {
    /// The expression as written.
    pub expression: String,
    /// What is wrong, in English: an unsupported character or function, an unclosed string,
    /// `<` on text...
    pub message: String,
}

/// A questionnaire that cannot be used.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum QuestionnaireError {
    /// A questionnaire file (or `common.toml`) is not TOML of the expected shape: unknown or
    /// missing key, wrong type. The message is the TOML parser's.
    #[error("not a valid questionnaire file: {0}")]
    Parse(String),
    /// A translation file cannot be read, or its `lang` is not the language of its file name.
    #[error("translation file {file}: {message}")]
    Translation {
        /// The file, as `i18n/<lang>.toml`.
        file: String,
        /// What is wrong, in English (the TOML parser's message, or the wrong `lang`).
        message: String,
    },
    /// An item, choice, choice list or questionnaire name that XLSForm would refuse; rename it
    /// (a letter or `_`, then letters, digits, `_`, `-`, `.`).
    #[error("{0:?} is not a valid name (a letter or `_`, then letters, digits, `_`, `-`, `.`)")]
    InvalidName(String),
    /// Two items (questions, notes, groups, at any depth) share this name; answers are stored
    /// by name, so each must be unique.
    #[error("item {0}: duplicate name")]
    DuplicateId(String),
    /// A `type` outside the supported subset (`select_one LIST`, `select_multiple LIST`,
    /// `text`, `integer`, `date`, `note`, `begin_group`, `end_group`).
    #[error("item {item}: unknown type \"{kind}\"")]
    UnknownType {
        /// The item's name.
        item: String,
        /// The type as written.
        kind: String,
    },
    /// The questionnaire's shape is wrong: a `begin_group` or `end_group` without its pair,
    /// indicators on a note or group, a choice list defined twice, a default language not
    /// among the languages.
    #[error("item {item}: {message}")]
    Structure {
        /// The item, choice list or questionnaire at fault (`row N` for a stray `end_group`).
        item: String,
        /// What is wrong, in English.
        message: String,
    },
    /// An item's `relevant` expression does not parse.
    #[error("item {item}: {source}")]
    Condition {
        /// The item's name.
        item: String,
        /// The parse error.
        #[source]
        source: ConditionError,
    },
    /// A `relevant` expression reads a question the questionnaire does not have (or a note or
    /// group, which have no answer).
    #[error("item {item}: relevant refers to unknown question \"{question}\"")]
    RelevantUnknownQuestion {
        /// The item whose condition is at fault.
        item: String,
        /// The name it reads.
        question: String,
    },
    /// A `relevant` expression reads a question asked at or after its own item; conditions may
    /// only look back, so move the question earlier or change the condition.
    #[error(
        "item {item}: relevant refers to question \"{question}\", which is not asked before it"
    )]
    RelevantLaterQuestion {
        /// The item whose condition is at fault.
        item: String,
        /// The question it reads.
        question: String,
    },
    /// A select question names a choice list the questionnaire does not define.
    #[error("question {question}: uses unknown choice list \"{list}\"")]
    UnknownChoiceList {
        /// The question's name.
        question: String,
        /// The list's name as written in its type.
        list: String,
    },
    /// A choice list holds two choices with one name.
    #[error("choice list {list}: duplicate choice \"{choice}\"")]
    DuplicateChoice {
        /// The list's name.
        list: String,
        /// The repeated choice name.
        choice: String,
    },
    /// An indicator mapping is not of the form `indicator_id=yes_choices|no_choices`, has no
    /// "yes" choice, gives one choice both meanings, or sits on a question that is not a
    /// select question.
    #[error("question {question}: bad indicator mapping \"{mapping}\": {message}")]
    BadMapping {
        /// The question's name.
        question: String,
        /// The mapping (or the whole `ally_indicators` cell) as written.
        mapping: String,
        /// What is wrong, in English.
        message: String,
    },
    /// A mapping names an indicator id that neither catalogue has; check it against
    /// `data/indicators/` (ids are `<set>.<dimension>.<slug>` or `ilo11.<slug>`).
    #[error("question {question}: unknown indicator id \"{indicator}\"")]
    UnknownIndicator {
        /// The question's name.
        question: String,
        /// The indicator id as written.
        indicator: String,
    },
    /// A mapping names a choice that the question's choice list does not offer.
    #[error("question {question}: indicator {indicator} names unknown choice \"{choice}\"")]
    UnknownChoice {
        /// The question's name.
        question: String,
        /// The indicator id of the mapping.
        indicator: String,
        /// The choice name as written.
        choice: String,
    },
    /// A string has no text (or only blanks) in one of the questionnaire's declared
    /// languages; add it to that language's translation file.
    #[error("{key}: missing translation for language \"{lang}\"")]
    MissingTranslation {
        /// The string's key (`title`, `<item>.label`, `<item>.hint`, `choices.<list>.<choice>`).
        key: String,
        /// The language code.
        lang: String,
    },
    /// No default questionnaire has this id (see `BUILTIN_IDS`).
    #[error("unknown questionnaire \"{0}\"")]
    UnknownQuestionnaire(String),
}
