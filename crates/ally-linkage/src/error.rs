//! Typed errors of the linkage engine.

use thiserror::Error;

/// Everything that can go wrong in the linkage engine. None of these come from a bug: they
/// describe bad input (files, schemas, options) so that the caller can report it.
#[derive(Debug, Error)]
pub enum LinkageError {
    /// A CSV file could not be parsed. `line` is 1-based and counts the header line.
    #[error("malformed CSV in {source_name} at line {line}: {message}")]
    Csv {
        /// Name of the input (usually the path).
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        message: String,
    },
    /// A column named on the command line or in a schema is missing from the header.
    #[error("column {column:?} not found in {source_name} (header: {header})")]
    MissingColumn {
        /// Name of the input.
        source_name: String,
        /// The column that was asked for.
        column: String,
        /// The header that was found.
        header: String,
    },
    /// An unknown field kind (for `--field KIND=COL`).
    #[error("unknown field kind {0:?}")]
    UnknownFieldKind(String),
    /// A field specification that is not `KIND=COL`.
    #[error("invalid field specification {0:?}: expected KIND=COLUMN")]
    BadFieldSpec(String),
    /// Bad options (empty input, threshold out of range, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The clkhash linkage schema could not be read or uses an unsupported feature.
    #[error("linkage schema: {0}")]
    Schema(String),
    /// A CLK could not be decoded.
    #[error("bad encoding for record {record}: {message}")]
    Encoding {
        /// Record id.
        record: String,
        /// What was wrong.
        message: String,
    },
    /// I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, LinkageError>;
