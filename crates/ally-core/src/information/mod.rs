//! Information on trafficking activities (issue 5): reports, the entities in them, distribution
//! levels and the rules on suspects' data. Pure rules; the store applies them.
//!
//! * A report says what was observed, when and where, the kind of exploitation suspected, the
//!   identification catalogue's indicator ids seen, and the entities involved.
//! * Every entity has a role (whose phone, whose car...). Entities in an offender's role are
//!   criminal-offence data (GDPR art. 10): [`EntityRole::is_suspect`], shown only to principals
//!   holding `SuspectRead`, kept for [`SUSPECT_RETENTION_MS`] by default (shorter than reports).
//! * Distribution levels ([`Distribution`]) are ordered; lowering is free, widening needs
//!   `DistributionWiden`, and an entity in the possible-victim role never goes beyond the own
//!   organisation without the victim's recorded consent ([`check_distribution_change`]).
//!
//! Files: [`vocabulary`] (code lists, limits and retention times), [`distribution`] (the rule on
//! changes of distribution level) and [`report`] (the report form's input and its validation).

pub mod distribution;
pub mod report;
#[cfg(test)]
mod tests;
pub mod vocabulary;

pub use distribution::*;
pub use report::*;
pub use vocabulary::*;
