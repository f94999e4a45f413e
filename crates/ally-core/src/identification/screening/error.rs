//! Typed errors of the screening module.

use thiserror::Error;

/// A catalogue file that cannot be used. Every variant names the entry at fault.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("not a valid catalogue file: {0}")]
    Parse(String),
    #[error("{entry}: missing field `{field}`")]
    MissingField { entry: String, field: &'static str },
    #[error("{entry}: {message}")]
    Invalid { entry: String, message: String },
    #[error("indicator {0}: duplicate id")]
    DuplicateId(String),
    #[error(
        "not a known catalogue kind: expected a Delphi file (with [sets]) or a forced-labour file (with [rule])"
    )]
    UnknownKind,
}

/// An interview (answers and facts) that cannot be evaluated.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InputError {
    #[error("malformed answers file: {0}")]
    Malformed(String),
    #[error("unknown indicator id \"{0}\"")]
    UnknownIndicator(String),
    #[error("answer for \"{id}\" must be \"yes\", \"no\" or \"unknown\", not {value}")]
    BadAnswer { id: String, value: String },
    #[error("unknown fact \"{0}\"")]
    UnknownFact(String),
    #[error("fact \"{name}\": {message}")]
    BadFact { name: String, message: String },
    #[error("unknown indicator set \"{0}\"")]
    UnknownSet(String),
}
