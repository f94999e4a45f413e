//! Ally's record-linkage engine.
//!
//! * Entity resolution: [`normalise`] (matching keys), [`blocking`], [`compare`] (comparison
//!   levels), [`fellegi_sunter`] (m/u estimation with EM, scoring, per-field explanations),
//!   [`cluster`], and the pipeline in [`link`].
//! * Privacy-preserving record linkage in [`pprl`]: clkhash-compatible Bloom-filter encodings
//!   (CLKs), Dice similarity, candidate generation and greedy one-to-one solving.
//!
//! The crate does no I/O beyond reading CSV from a caller-supplied reader.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod data;
pub mod error;
pub mod fellegi_sunter;
pub mod link;
pub mod normalise;
pub mod pprl;

pub use data::{Dataset, FieldSpec};
pub use error::{LinkageError, Result};
pub use link::{LinkOptions, LinkOutcome, dedupe, link};
pub use normalise::FieldKind;
