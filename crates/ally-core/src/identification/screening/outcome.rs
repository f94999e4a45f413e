//! The verdict of a set's combination rule, shared by the ILO/EC engine and the forced-labour
//! reading (its own file so that neither imports the other for it).

use serde::Serialize;

/// The verdict of one set's combination rule on one interview. A screening signal, never a legal
/// identification (see `CAVEAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The rule holds even counting every unknown answer as no.
    PresumedVictim,
    /// The rule fails even counting every unknown answer as yes.
    NotIdentified,
    /// Unknown answers could decide it; see `undecided_by`.
    Undecided,
    /// The set's data is not usable for classification: indicators only, never a verdict.
    IndicatorsOnly,
}

impl Outcome {
    /// The outcome as written in JSON output: `presumed_victim`, `not_identified`, `undecided` or
    /// `indicators_only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::PresumedVictim => "presumed_victim",
            Outcome::NotIdentified => "not_identified",
            Outcome::Undecided => "undecided",
            Outcome::IndicatorsOnly => "indicators_only",
        }
    }
}
