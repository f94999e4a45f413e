//! Identification engine (issue 3): the ILO/EC Delphi 2009 operational indicators of
//! trafficking and the 11 ILO indicators of forced labour, as versioned data
//! (`data/indicators/*.toml`, embedded), their validating loaders, the labels' translations
//! (`data/indicators/labels/*.toml`), and the pure
//! evaluation of one interview (answers yes/no/unknown plus recorded facts) into an
//! explained outcome per indicator set.
//!
//! Typical use:
//! ```
//! use ally_core::screening::{Answer, EvaluationOptions, Outcome, Screening};
//! let screening = Screening::builtin().expect("embedded catalogues are valid");
//! let mut interview = screening.new_interview();
//! screening
//!     .set_answer(&mut interview, "adult_labour.deceptive_recruitment.deceived_about_wages", Answer::Yes)
//!     .expect("known id");
//! let evaluation = screening
//!     .evaluate_set("adult_labour", &interview, EvaluationOptions::default())
//!     .expect("known set");
//! assert_eq!(evaluation.outcome, Outcome::Undecided);
//! ```
//!
//! Data status: nothing has been checked against the ILO brochure itself; every
//! verdict is therefore marked `provisional`, and the sexual-exploitation sets
//! (placeholders) only ever give `indicators_only`.

pub mod catalogue;
pub mod engine;
pub mod error;
pub mod forced_labour;
pub mod interview;
pub mod labels;
pub mod outcome;

#[cfg(test)]
mod tests;

pub use catalogue::{
    AgeGroup, Catalogue, Clause, CombinationRule, DELPHI_2009_TOML, Dimension, DimensionRule,
    Exploitation, Grade, GradeCounts, Indicator, IndicatorSet, Part, Provenance,
};
pub use engine::{
    ADULT_AGE, CAVEAT, ChildRule, DecisiveIndicator, DimensionResult, Evaluation,
    EvaluationOptions, Outcome, PartResult, Report, Screening,
};
pub use error::{CatalogueError, InputError};
pub use forced_labour::{
    FORCED_LABOUR_11_TOML, FORCED_LABOUR_SET_ID, ForcedLabourCatalogue, ForcedLabourEvaluation,
    ForcedLabourIndicator, LegalElement,
};
pub use interview::{Answer, Interview};
pub use labels::{IndicatorLabels, LABEL_LANGUAGES, Label, LabelFile};

/// What `check_catalogue_str` found in a valid file.
#[derive(Debug, Clone)]
pub enum CheckedCatalogue {
    /// A Delphi catalogue (it has `[sets]`).
    Delphi(Catalogue),
    /// A forced-labour catalogue (it has `[rule]`).
    ForcedLabour(ForcedLabourCatalogue),
}

impl CheckedCatalogue {
    /// One-line summary for `ally catalogue check`.
    pub fn summary(&self) -> String {
        match self {
            CheckedCatalogue::Delphi(c) => {
                let sets: Vec<String> = c
                    .sets
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({} indicators{})",
                            s.id,
                            s.indicators.len(),
                            if s.usable_for_classification {
                                ""
                            } else {
                                ", indicators only"
                            }
                        )
                    })
                    .collect();
                let count = |p: Provenance| {
                    c.sets
                        .iter()
                        .flat_map(|s| &s.indicators)
                        .filter(|i| i.provenance == p)
                        .count()
                };
                format!(
                    "ok: Delphi catalogue, {} dimensions, {} rules, {} indicators in sets {}; verified against primary: {}; grades from primary source: {}, disputed: {}, placeholders: {}",
                    c.dimensions.len(),
                    c.rules.len(),
                    c.indicator_count(),
                    sets.join(", "),
                    c.verified_against_primary,
                    count(Provenance::PrimarySource),
                    count(Provenance::SecondaryCrosswalkDisputed),
                    count(Provenance::PlaceholderMirroredFromLabourSet),
                )
            }
            CheckedCatalogue::ForcedLabour(f) => format!(
                "ok: forced-labour catalogue, {} indicators; verified against primary: {}",
                f.indicators.len(),
                f.verified_against_primary
            ),
        }
    }
}

/// Validate a catalogue file of either kind, told apart by its top-level tables.
pub fn check_catalogue_str(text: &str) -> Result<CheckedCatalogue, CatalogueError> {
    let value: toml::Table =
        toml::from_str(text).map_err(|e| CatalogueError::Parse(e.message().to_string()))?;
    if value.contains_key("sets") {
        Catalogue::from_toml_str(text).map(CheckedCatalogue::Delphi)
    } else if value.contains_key("rule") {
        ForcedLabourCatalogue::from_toml_str(text).map(CheckedCatalogue::ForcedLabour)
    } else {
        Err(CatalogueError::UnknownKind)
    }
}
