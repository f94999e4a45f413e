//! The evaluation of one interview against the Delphi sets and the ILO 11 list.
//!
//! Unknown answers are handled by evaluating twice: once counting every unknown as
//! no (what is established) and once as yes (what is still possible). Because the
//! rule is monotone (more yes answers never remove a dimension or a part), the
//! outcome is `presumed_victim` when the first holds, `not_identified` when the
//! second fails, and `undecided` otherwise.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalogue::{
    AGE_FACT, AgeGroup, Catalogue, CombinationRule, Grade, GradeCounts, IndicatorSet,
    MAX_DIMENSIONS, Part, Provenance,
};
use super::error::{CatalogueError, InputError};
use super::forced_labour::{FORCED_LABOUR_SET_ID, ForcedLabourCatalogue, ForcedLabourEvaluation};
use super::interview::{Answer, Interview, RawFact, parse_json};

/// Age from which the adult sets apply (Palermo Protocol art. 3(d)).
pub const ADULT_AGE: u32 = 18;

/// Wording required by the sources: the lists are research tools, not a legal test.
pub const CAVEAT: &str = "A screening signal under the ILO/EC 2009 indicator rule, not a legal identification: refer the person for formal identification.";

pub use super::outcome::Outcome;

/// Which reading of the unconfirmed child rule to apply (see docs: the default is the
/// more protective one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChildRule {
    /// `child`: act of trafficking established (a recorded fact) AND exploitation.
    #[default]
    ActAndExploitation,
    /// `child_strict`: a recruitment dimension AND exploitation.
    Strict,
}

/// Choices the sources leave open, made by the caller of an evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationOptions {
    /// Reading of the child rule for the child sets (ignored for adult sets).
    pub child_rule: ChildRule,
}

/// One dimension in an evaluation. Counts are yes answers; `unknown_*` are unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionResult<'a> {
    /// Present counting unknown answers as no. `None` for a set not usable for classification.
    pub present: Option<bool>,
    /// Present if every unknown answer in it were yes. `None` as for `present`.
    pub could_be_present: Option<bool>,
    /// Strong indicators answered yes.
    pub strong: u32,
    /// Medium indicators answered yes.
    pub medium: u32,
    /// Weak indicators answered yes.
    pub weak: u32,
    /// Indicators answered unknown (not asked, declined...), per grade; with the yes counts they
    /// give `could_be_present`.
    pub unknown: GradeCounts,
    /// The clause of the dimension rule that the yes answers satisfy.
    pub clause: Option<&'a str>,
}

/// One part of the combination rule (recruitment, exploitation, destination) or a required fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartResult<'a> {
    /// Whether the applied rule needs this part.
    pub required: bool,
    /// `yes` established, `no` impossible even with unknowns as yes, `unknown` otherwise.
    pub holds: Answer,
    /// Dimensions of this part that are present (empty for a fact).
    pub dimensions: Vec<&'a str>,
}

/// An indicator that supports a part of the rule, with the clause its dimension met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisiveIndicator<'a> {
    /// Indicator id.
    pub id: &'a str,
    /// Its grade within the set.
    pub grade: Grade,
    /// Id of its (present) dimension.
    pub dimension: &'a str,
    /// The part of the rule that dimension supports.
    pub part: Part,
    /// The clause of the dimension rule the dimension met, in English ("at least 2 strong").
    pub clause: &'a str,
    /// Index of that clause in `Catalogue::dimension_rule` (pages word it in the reader's
    /// language).
    #[serde(skip)]
    pub clause_index: usize,
    /// Set when the grade is disputed between sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

/// The evaluation of one interview against one Delphi set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation<'a> {
    /// Id of the set evaluated (empty for an unknown set index).
    pub set: &'a str,
    /// The set's age group.
    pub age_group: AgeGroup,
    /// False for a placeholder set: then the outcome is `indicators_only`.
    pub usable_for_classification: bool,
    /// Name of the combination rule applied (`None` for `indicators_only`).
    pub rule: Option<&'a str>,
    /// The verdict.
    pub outcome: Outcome,
    /// Why, in English: the rule, the set and what each required part holds; for a
    /// placeholder set, why there is no verdict.
    pub explanation: String,
    /// Ids of the set's indicators answered yes, in catalogue order.
    pub indicators_present: Vec<&'a str>,
    /// Every dimension by id.
    pub dimensions: BTreeMap<&'a str, DimensionResult<'a>>,
    /// Every part by name (`recruitment`, `exploitation`, `destination`), plus the fact the rule
    /// requires, if any (`act_of_trafficking_established`). Empty for `indicators_only`.
    pub parts: BTreeMap<&'a str, PartResult<'a>>,
    /// The yes answers in present dimensions of the rule's parts: what supports the outcome.
    pub decisive_indicators: Vec<DecisiveIndicator<'a>>,
    /// Parts that fail even counting unknown answers as yes.
    pub failing_parts: Vec<&'a str>,
    /// Unknown answers (and facts) that could decide an `undecided` outcome.
    pub undecided_by: Vec<&'a str>,
    /// True while the grades or rule are not checked against the ILO brochure.
    pub provisional: bool,
    /// Always `CAVEAT`, to be shown beside the outcome.
    pub caveat: &'static str,
    /// English notes for the interviewer: the recorded age does not match the set's age group, a
    /// decisive grade is disputed, or the strict child rule is missing.
    pub warnings: Vec<String>,
}

/// Every applicable set plus the ILO 11 check, for one interview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<'a> {
    /// One evaluation per applicable Delphi set (see `Screening::applicable_sets`).
    pub sets: Vec<Evaluation<'a>>,
    /// The ILO 11 check.
    pub forced_labour: ForcedLabourEvaluation<'a>,
}

/// Both catalogues, validated and cross-checked; the entry point of the engine.
#[derive(Debug, Clone)]
pub struct Screening {
    /// The ILO/EC Delphi 2009 catalogue.
    pub catalogue: Catalogue,
    /// The 11 ILO indicators of forced labour.
    pub forced_labour: ForcedLabourCatalogue,
}

impl Screening {
    /// The embedded project copies of both catalogues.
    pub fn builtin() -> Result<Screening, CatalogueError> {
        Screening::new(Catalogue::builtin()?, ForcedLabourCatalogue::builtin()?)
    }

    /// Join two catalogues. Fails when an ILO 11 indicator relates to a dimension the Delphi
    /// catalogue lacks, or when an id is in both catalogues (answers are recorded by id).
    pub fn new(
        catalogue: Catalogue,
        forced_labour: ForcedLabourCatalogue,
    ) -> Result<Screening, CatalogueError> {
        for ind in &forced_labour.indicators {
            for dim in &ind.related_delphi_dimensions {
                if !catalogue.dimensions.iter().any(|d| &d.id == dim) {
                    return Err(CatalogueError::Invalid {
                        entry: format!("indicator {}", ind.id),
                        message: format!(
                            "related_delphi_dimensions names unknown dimension \"{dim}\""
                        ),
                    });
                }
            }
            if catalogue.locate(&ind.id).is_some() {
                return Err(CatalogueError::DuplicateId(ind.id.clone()));
            }
        }
        Ok(Screening {
            catalogue,
            forced_labour,
        })
    }

    /// An interview with every answer and fact unknown.
    pub fn new_interview(&self) -> Interview {
        let sizes: Vec<usize> = self
            .catalogue
            .sets
            .iter()
            .map(|s| s.indicators.len())
            .collect();
        Interview::blank(
            &sizes,
            self.forced_labour.indicators.len(),
            self.catalogue.facts.len(),
        )
    }

    /// Record an answer by indicator id (Delphi or ILO 11).
    pub fn set_answer(
        &self,
        interview: &mut Interview,
        id: &str,
        answer: Answer,
    ) -> Result<(), InputError> {
        // An interview built for another catalogue has no slot: treated as an unknown id.
        let slot = match self.catalogue.locate(id) {
            Some((s, i)) => interview.delphi.get_mut(s).and_then(|v| v.get_mut(i)),
            None => self
                .forced_labour
                .position(id)
                .and_then(|i| interview.forced_labour.get_mut(i)),
        };
        match slot {
            Some(slot) => {
                *slot = answer;
                Ok(())
            }
            None => Err(InputError::UnknownIndicator(id.to_string())),
        }
    }

    /// The answer recorded for an indicator id (Delphi or ILO 11); `None` for an unknown id.
    pub fn answer(&self, interview: &Interview, id: &str) -> Option<Answer> {
        match self.catalogue.locate(id) {
            Some((s, i)) => Some(interview.delphi_answer(s, i)),
            None => self
                .forced_labour
                .position(id)
                .map(|i| interview.forced_labour.get(i).copied().unwrap_or_default()),
        }
    }

    /// Record a yes/no fact such as `act_of_trafficking_established`.
    pub fn set_fact(
        &self,
        interview: &mut Interview,
        name: &str,
        value: Answer,
    ) -> Result<(), InputError> {
        let i = self
            .catalogue
            .facts
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| InputError::UnknownFact(name.to_string()))?;
        match interview.facts.get_mut(i) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(InputError::UnknownFact(name.to_string())),
        }
    }

    /// Parse `{"answers": {id: "yes"|"no"|"unknown"}, "facts": {...}}`; unknown ids are errors.
    pub fn parse_interview_json(&self, text: &str) -> Result<Interview, InputError> {
        let raw = parse_json(text)?;
        let mut interview = self.new_interview();
        for (id, answer) in raw.answers {
            self.set_answer(&mut interview, &id, answer)?;
        }
        for (name, fact) in raw.facts {
            match fact {
                RawFact::Age(age) => interview.set_age(age),
                RawFact::YesNo(answer) => {
                    if name == AGE_FACT {
                        return Err(InputError::BadFact {
                            name,
                            message: "age must be a number".to_string(),
                        });
                    }
                    self.set_fact(&mut interview, &name, answer)?;
                }
            }
        }
        Ok(interview)
    }

    /// Set ids accepted by `evaluate_json`: the Delphi sets and `ilo11`.
    pub fn set_ids(&self) -> impl Iterator<Item = &str> {
        self.catalogue
            .sets
            .iter()
            .map(|s| s.id.as_str())
            .chain(std::iter::once(FORCED_LABOUR_SET_ID))
    }

    /// Evaluate one Delphi set by id.
    pub fn evaluate_set<'a>(
        &'a self,
        set_id: &str,
        interview: &Interview,
        options: EvaluationOptions,
    ) -> Result<Evaluation<'a>, InputError> {
        let index = self
            .catalogue
            .set_index(set_id)
            .ok_or_else(|| InputError::UnknownSet(set_id.to_string()))?;
        Ok(self.evaluate_set_at(index, interview, options))
    }

    /// The ILO 11 check.
    pub fn evaluate_forced_labour<'a>(
        &'a self,
        interview: &Interview,
    ) -> ForcedLabourEvaluation<'a> {
        self.forced_labour.evaluate(&interview.forced_labour)
    }

    /// Sets that apply to the interview: by age when it is recorded, otherwise all of them
    /// (an unknown age must not hide the child rule).
    pub fn applicable_sets(&self, interview: &Interview) -> impl Iterator<Item = usize> + '_ {
        let age = interview.age;
        self.catalogue
            .sets
            .iter()
            .enumerate()
            .filter(move |(_, s)| match age {
                None => true,
                Some(a) => (a >= ADULT_AGE) == (s.age_group == AgeGroup::Adult),
            })
            .map(|(i, _)| i)
    }

    /// Every applicable Delphi set and the ILO 11 check.
    pub fn evaluate_all<'a>(
        &'a self,
        interview: &Interview,
        options: EvaluationOptions,
    ) -> Report<'a> {
        Report {
            sets: self
                .applicable_sets(interview)
                .map(|i| self.evaluate_set_at(i, interview, options))
                .collect(),
            forced_labour: self.evaluate_forced_labour(interview),
        }
    }

    /// Evaluate the Delphi set at `index` (an out-of-range index gives an empty set's result).
    pub fn evaluate_set_at<'a>(
        &'a self,
        index: usize,
        interview: &Interview,
        options: EvaluationOptions,
    ) -> Evaluation<'a> {
        let cat = &self.catalogue;
        let Some(set) = cat.sets.get(index) else {
            return self.empty_evaluation();
        };
        let ndim = cat.dimensions.len().min(MAX_DIMENSIONS);
        let mut yes = [GradeCounts::default(); MAX_DIMENSIONS];
        let mut unknown = [GradeCounts::default(); MAX_DIMENSIONS];
        let mut indicators_present = Vec::new();
        for (pos, ind) in set.indicators.iter().enumerate() {
            let d = ind.dimension_index;
            if d >= ndim {
                continue;
            }
            match interview.delphi_answer(index, pos) {
                Answer::Yes => {
                    yes[d].add(ind.grade);
                    indicators_present.push(ind.id.as_str());
                }
                Answer::Unknown => unknown[d].add(ind.grade),
                Answer::No => {}
            }
        }

        let mut warnings = Vec::new();
        if let Some(age) = interview.age {
            let is_adult = age >= ADULT_AGE;
            if is_adult != (set.age_group == AgeGroup::Adult) {
                warnings.push(format!(
                    "the recorded age ({age}) does not match this set's age group ({})",
                    set.age_group.as_str()
                ));
            }
        }

        let rule_dim = &cat.dimension_rule;
        if !set.usable_for_classification {
            let dimensions = cat.dimensions[..ndim]
                .iter()
                .enumerate()
                .map(|(d, dim)| {
                    (
                        dim.id.as_str(),
                        DimensionResult {
                            present: None,
                            could_be_present: None,
                            strong: yes[d].strong,
                            medium: yes[d].medium,
                            weak: yes[d].weak,
                            unknown: unknown[d],
                            clause: None,
                        },
                    )
                })
                .collect();
            return Evaluation {
                set: &set.id,
                age_group: set.age_group,
                usable_for_classification: false,
                rule: None,
                outcome: Outcome::IndicatorsOnly,
                explanation: format!(
                    "No verdict: the indicator list and grades of the set \"{}\" are placeholders (no source could be found; confidence {}). The indicators found are shown so they can be followed up.",
                    set.id, set.confidence
                ),
                indicators_present,
                dimensions,
                parts: BTreeMap::new(),
                decisive_indicators: Vec::new(),
                failing_parts: Vec::new(),
                undecided_by: Vec::new(),
                provisional: true,
                caveat: CAVEAT,
                warnings,
            };
        }

        let rule_index = match (set.age_group, options.child_rule, set.strict_rule) {
            (AgeGroup::Child, ChildRule::Strict, Some(strict)) => strict,
            _ => set.default_rule,
        };
        let Some(rule) = cat.rules.get(rule_index) else {
            return self.empty_evaluation();
        };
        if set.age_group == AgeGroup::Child
            && options.child_rule == ChildRule::Strict
            && set.strict_rule.is_none()
        {
            warnings.push(
                "no strict child rule in the catalogue; the default rule was applied".to_string(),
            );
        }

        // Lower bound (unknown = no) and upper bound (unknown = yes) per dimension.
        let mut lower = [None::<usize>; MAX_DIMENSIONS];
        let mut upper = [false; MAX_DIMENSIONS];
        for d in 0..ndim {
            lower[d] = rule_dim.satisfied_clause(yes[d]);
            upper[d] = rule_dim.is_present(yes[d].plus(unknown[d]));
        }
        let dimensions = cat.dimensions[..ndim]
            .iter()
            .enumerate()
            .map(|(d, dim)| {
                (
                    dim.id.as_str(),
                    DimensionResult {
                        present: Some(lower[d].is_some()),
                        could_be_present: Some(upper[d]),
                        strong: yes[d].strong,
                        medium: yes[d].medium,
                        weak: yes[d].weak,
                        unknown: unknown[d],
                        clause: lower[d].map(|c| rule_dim.description(c)),
                    },
                )
            })
            .collect();

        // Parts: every part is shown; only the rule's parts are required.
        let mut parts: BTreeMap<&'a str, PartResult<'a>> = BTreeMap::new();
        for part in [Part::Recruitment, Part::Exploitation, Part::Destination] {
            let rule_part = rule.all_of.iter().find(|p| p.part == part);
            let mut present_dims = Vec::new();
            let (mut lo, mut up) = (false, false);
            for (d, dim) in cat.dimensions[..ndim].iter().enumerate() {
                let in_part = match rule_part {
                    Some(rp) => rp.any_of_index.contains(&d),
                    None => dim.part == part,
                };
                if in_part {
                    if lower[d].is_some() {
                        present_dims.push(dim.id.as_str());
                        lo = true;
                    }
                    up |= upper[d];
                }
            }
            parts.insert(
                part.as_str(),
                PartResult {
                    required: rule_part.is_some(),
                    holds: Answer::from_bounds(lo, up),
                    dimensions: present_dims,
                },
            );
        }
        let fact = rule
            .requires_fact
            .as_deref()
            .zip(rule.requires_fact_index)
            .map(|(name, i)| (name, interview.fact(i)));
        if let Some((name, value)) = fact {
            parts.insert(
                name,
                PartResult {
                    required: true,
                    holds: value,
                    dimensions: Vec::new(),
                },
            );
        }

        let required_holds = |p: &PartResult| !p.required || p.holds == Answer::Yes;
        let required_possible = |p: &PartResult| !p.required || p.holds != Answer::No;
        let outcome = if parts.values().all(required_holds) {
            Outcome::PresumedVictim
        } else if !parts.values().all(required_possible) {
            Outcome::NotIdentified
        } else {
            Outcome::Undecided
        };

        // Decisive indicators: the yes answers in present dimensions of required parts.
        let mut decisive_indicators = Vec::new();
        for rp in &rule.all_of {
            for &d in &rp.any_of_index {
                let Some(clause) = lower.get(d).copied().flatten() else {
                    continue;
                };
                for (pos, ind) in set.indicators.iter().enumerate() {
                    if ind.dimension_index == d
                        && interview.delphi_answer(index, pos) == Answer::Yes
                    {
                        decisive_indicators.push(DecisiveIndicator {
                            id: &ind.id,
                            grade: ind.grade,
                            dimension: &ind.dimension,
                            part: rp.part,
                            clause: rule_dim.description(clause),
                            clause_index: clause,
                            note: match ind.provenance {
                                Provenance::SecondaryCrosswalkDisputed => ind.note.as_deref(),
                                _ => None,
                            },
                        });
                    }
                }
            }
        }

        let failing_parts: Vec<&str> = parts
            .iter()
            .filter(|(_, p)| p.required && p.holds == Answer::No)
            .map(|(name, _)| *name)
            .collect();

        // Unknown answers that could decide: those in dimensions that are not present yet
        // but could become so, within required parts not yet established.
        let mut undecided_by = Vec::new();
        if outcome == Outcome::Undecided {
            for rp in &rule.all_of {
                let established = rp
                    .any_of_index
                    .iter()
                    .any(|&d| lower.get(d).copied().flatten().is_some());
                if established {
                    continue;
                }
                for &d in &rp.any_of_index {
                    if !upper.get(d).copied().unwrap_or(false) {
                        continue;
                    }
                    for (pos, ind) in set.indicators.iter().enumerate() {
                        if ind.dimension_index == d
                            && interview.delphi_answer(index, pos) == Answer::Unknown
                        {
                            undecided_by.push(ind.id.as_str());
                        }
                    }
                }
            }
            if let Some((name, Answer::Unknown)) = fact {
                undecided_by.push(name);
            }
        }

        let explanation = explain(set, rule, outcome, &parts, &failing_parts);
        let provisional = !cat.verified_against_primary
            || !rule.verified_against_primary
            || !rule_dim.verified_against_primary;
        if decisive_indicators.iter().any(|d| d.note.is_some()) {
            warnings.push("a decisive indicator has a disputed grade; see its note".to_string());
        }

        Evaluation {
            set: &set.id,
            age_group: set.age_group,
            usable_for_classification: true,
            rule: Some(&rule.name),
            outcome,
            explanation,
            indicators_present,
            dimensions,
            parts,
            decisive_indicators,
            failing_parts,
            undecided_by,
            provisional,
            caveat: CAVEAT,
            warnings,
        }
    }

    fn empty_evaluation(&self) -> Evaluation<'_> {
        Evaluation {
            set: "",
            age_group: AgeGroup::Adult,
            usable_for_classification: false,
            rule: None,
            outcome: Outcome::IndicatorsOnly,
            explanation: "no such set".to_string(),
            indicators_present: Vec::new(),
            dimensions: BTreeMap::new(),
            parts: BTreeMap::new(),
            decisive_indicators: Vec::new(),
            failing_parts: Vec::new(),
            undecided_by: Vec::new(),
            provisional: true,
            caveat: CAVEAT,
            warnings: Vec::new(),
        }
    }
}

fn explain(
    set: &IndicatorSet,
    rule: &CombinationRule,
    outcome: Outcome,
    parts: &BTreeMap<&str, PartResult>,
    failing: &[&str],
) -> String {
    let required: Vec<String> = parts
        .iter()
        .filter(|(_, p)| p.required)
        .map(|(name, p)| {
            if p.dimensions.is_empty() {
                format!("{name}: {}", p.holds.as_str())
            } else {
                format!("{name}: {} ({})", p.holds.as_str(), p.dimensions.join(", "))
            }
        })
        .collect();
    let summary = required.join("; ");
    match outcome {
        Outcome::PresumedVictim => format!(
            "Presumed victim under rule \"{}\" of set \"{}\": every required part holds even counting unknown answers as no. {summary}.",
            rule.name, set.id
        ),
        Outcome::NotIdentified => format!(
            "Not identified under rule \"{}\" of set \"{}\": {} cannot hold even counting every unknown answer as yes. {summary}.",
            rule.name,
            set.id,
            failing.join(", ")
        ),
        Outcome::Undecided => format!(
            "Undecided under rule \"{}\" of set \"{}\": the answers listed in undecided_by could decide it. {summary}.",
            rule.name, set.id
        ),
        Outcome::IndicatorsOnly => String::new(),
    }
}
