//! Typed errors of the screening module.

use thiserror::Error;

/// A catalogue file that cannot be used. Every variant names the entry at fault.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CatalogueError {
    /// The text is not TOML, has an unknown field, or a value of the wrong type (a number where
    /// a string is expected). The message is the TOML parser's; fix the place it names.
    #[error("not a valid catalogue file: {0}")]
    Parse(String),
    /// A required field is absent from an entry; add it.
    #[error("{entry}: missing field `{field}`")]
    MissingField {
        /// The entry at fault: `file` (top level), `sets.<id>`, `rules.<name>`,
        /// `indicator <id>`, `labels <lang>`...
        entry: String,
        /// The field's name as written in the file.
        field: &'static str,
    },
    /// A value is wrong or entries disagree: an unknown grade, group or set, an id not of the
    /// form `<set>.<dimension>.<slug>`, an `indicator_count` that does not match the list, a
    /// clause that weak indicators or a single indicator could meet, a missing label...
    #[error("{entry}: {message}")]
    Invalid {
        /// The entry at fault, named as for `MissingField`.
        entry: String,
        /// What is wrong with it, in English.
        message: String,
    },
    /// Two indicators share this id (in one catalogue, or one in each of the two, which answers
    /// by id could not tell apart). Ids are a public contract: rename the new one.
    #[error("indicator {0}: duplicate id")]
    DuplicateId(String),
    /// The file has neither a `[sets]` nor a `[rule]` table, so it is neither a Delphi nor a
    /// forced-labour catalogue.
    #[error(
        "not a known catalogue kind: expected a Delphi file (with [sets]) or a forced-labour file (with [rule])"
    )]
    UnknownKind,
}

/// An interview (answers and facts) that cannot be evaluated.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InputError {
    /// The answers file is not JSON of the shape `{"answers": {...}, "facts": {...}}` (or gives a
    /// key twice); the message is the parser's.
    #[error("malformed answers file: {0}")]
    Malformed(String),
    /// An answer names an indicator id neither catalogue has; check it against the catalogue
    /// (ids are `<set>.<dimension>.<slug>` or `ilo11.<slug>`).
    #[error("unknown indicator id \"{0}\"")]
    UnknownIndicator(String),
    /// An answer is not one of the strings `yes`, `no` or `unknown`.
    #[error("answer for \"{id}\" must be \"yes\", \"no\" or \"unknown\", not {value}")]
    BadAnswer {
        /// The indicator id answered.
        id: String,
        /// The value given, as JSON, cut after 40 characters.
        value: String,
    },
    /// A yes/no fact that no rule of the catalogue requires (they are listed in
    /// `Catalogue::facts`, e.g. `act_of_trafficking_established`; `age` is the only other fact).
    #[error("unknown fact \"{0}\"")]
    UnknownFact(String),
    /// A fact has a value of the wrong kind: `age` takes a whole number of years up to 150 or
    /// null; a yes/no fact takes `true`, `false`, `"yes"`, `"no"`, `"unknown"` or null.
    #[error("fact \"{name}\": {message}")]
    BadFact {
        /// The fact's name.
        name: String,
        /// What is wrong with its value, in English.
        message: String,
    },
    /// No Delphi set has this id (the ILO 11 list is checked with
    /// `Screening::evaluate_forced_labour`, not by set id).
    #[error("unknown indicator set \"{0}\"")]
    UnknownSet(String),
}
