//! Loading and validation of the ILO/EC Delphi 2009 indicator catalogue
//! (`data/indicators/ilo-delphi-2009.toml`).
//!
//! The TOML is read into loose "raw" structs first (every field optional, unknown
//! fields refused) and then checked by hand, so that every error names the entry
//! at fault instead of a line in a serde message. Validation also resolves every
//! string reference (set, dimension, rule) into an index, so that evaluation works
//! on arrays only.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::error::CatalogueError;

/// The project's own copy of the Delphi catalogue, embedded so the engine needs no file on disk.
pub const DELPHI_2009_TOML: &str =
    include_str!("../../../../../data/indicators/ilo-delphi-2009.toml");

/// The only schema version this loader understands.
pub const SCHEMA_VERSION: i64 = 1;

/// The one recorded fact that is a number, not yes/no; it selects adult or child sets.
pub const AGE_FACT: &str = "age";

/// Upper bound on dimensions, so per-dimension counters can live in fixed arrays.
pub const MAX_DIMENSIONS: usize = 16;

/// Weight of an indicator within its set, as graded by the Delphi experts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Counts most: two strong, or one strong with one medium or weak, make a dimension present.
    Strong,
    /// Three medium, or two medium with one weak, make a dimension present (one suffices beside a
    /// strong one).
    Medium,
    /// Counts only beside strong or medium indicators: weak ones alone never make a dimension
    /// present. The child labour set has none.
    Weak,
}

impl Grade {
    /// Every grade, strongest first (the order of [`Grade::index`]).
    pub const ALL: [Grade; 3] = [Grade::Strong, Grade::Medium, Grade::Weak];

    /// Index into per-grade arrays.
    pub fn index(self) -> usize {
        match self {
            Grade::Strong => 0,
            Grade::Medium => 1,
            Grade::Weak => 2,
        }
    }

    /// The grade as written in the catalogue and in JSON output: `strong`, `medium` or `weak`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Strong => "strong",
            Grade::Medium => "medium",
            Grade::Weak => "weak",
        }
    }

    fn parse(s: &str) -> Option<Grade> {
        match s {
            "strong" => Some(Grade::Strong),
            "medium" => Some(Grade::Medium),
            "weak" => Some(Grade::Weak),
            _ => None,
        }
    }
}

/// Which part of the combination rule a dimension feeds (act/means/purpose of Palermo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The means used to recruit, transfer or transport the person: deception, coercion or abuse of
    /// a vulnerable position (the act and its means).
    Recruitment,
    /// Exploitative conditions of work and life: the purpose of the trafficking.
    Exploitation,
    /// Coercion or abuse of vulnerability at the place of exploitation (the means at destination;
    /// the child rules do not need it).
    Destination,
}

impl Part {
    /// The part as written in the catalogue (a dimension's `group`, a rule's `part`) and as a key
    /// of `Evaluation::parts`: `recruitment`, `exploitation` or `destination`.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Recruitment => "recruitment",
            Part::Exploitation => "exploitation",
            Part::Destination => "destination",
        }
    }

    fn parse(s: &str) -> Option<Part> {
        match s {
            "recruitment" => Some(Part::Recruitment),
            "exploitation" => Some(Part::Exploitation),
            "destination" => Some(Part::Destination),
            _ => None,
        }
    }
}

/// Whom a set is for; it names the set's default combination rule (`adult` or `child`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    /// 18 or older (`ADULT_AGE`): recruitment, exploitation and destination must all hold.
    Adult,
    /// Under 18: no means are needed (Palermo art. 3(c)), so the rule drops the destination part.
    Child,
}

impl AgeGroup {
    /// `adult` or `child`, as written in the catalogue; also the name of the set's default rule.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::Adult => "adult",
            AgeGroup::Child => "child",
        }
    }
}

/// The form of exploitation a set screens for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exploitation {
    /// Forced labour or services (the `*_labour` sets).
    Labour,
    /// Sexual exploitation (the `*_sexual` sets; in the shipped catalogue placeholders mirrored
    /// from the labour sets, so never classified).
    Sexual,
}

/// Where an indicator's grade comes from. Kept per indicator so the UI can show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Transcribed from the ILO brochure itself (none yet).
    PrimarySource,
    /// Taken from the public secondary crosswalk (adult and child labour grades).
    SecondaryCrosswalk,
    /// From the crosswalk, but recollection of the brochure gives another grade (medium vs weak);
    /// the indicator's `note` says so and an evaluation warns when it is decisive.
    SecondaryCrosswalkDisputed,
    /// A grade the crosswalk states for a sexual-exploitation set (e.g. "forced tasks or clients"
    /// is strong).
    SecondaryCrosswalkSexualNote,
    /// No source: copied from the labour set to wire up the structure. Never classify on it.
    PlaceholderMirroredFromLabourSet,
}

impl Provenance {
    fn parse(s: &str) -> Option<Provenance> {
        match s {
            "primary_source" => Some(Provenance::PrimarySource),
            "secondary_crosswalk" => Some(Provenance::SecondaryCrosswalk),
            "secondary_crosswalk_disputed" => Some(Provenance::SecondaryCrosswalkDisputed),
            "secondary_crosswalk_sexual_note" => Some(Provenance::SecondaryCrosswalkSexualNote),
            "placeholder_mirrored_from_labour_set" => {
                Some(Provenance::PlaceholderMirroredFromLabourSet)
            }
            _ => None,
        }
    }
}

/// One of the six elements of the trafficking definition as split by the Delphi survey.
#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    /// Stable id such as `deceptive_recruitment`; the middle part of every indicator id.
    pub id: String,
    /// Short English description written for this project, not the ILO wording.
    pub label: String,
    /// The part of the combination rule it feeds (the catalogue's `group`).
    pub part: Part,
    /// The Palermo means it covers: `deception`, `coercion`, `abuse_of_vulnerability`, or `none`
    /// (for exploitative conditions).
    pub means: String,
}

/// One operational indicator: a question about one moment (recruitment or destination).
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// Stable id `<set>.<dimension>.<slug>`; other tools rely on it.
    pub id: String,
    /// Id of the set it belongs to (`adult_labour`...).
    pub set: String,
    /// Id of its dimension. A slug found in two dimensions (debt bondage at recruitment and at
    /// destination) is two indicators, counted separately.
    pub dimension: String,
    /// Index of `dimension` in `Catalogue::dimensions`, resolved at load time.
    #[serde(skip)]
    pub dimension_index: usize,
    /// Its weight within this set; the same slug may have another grade in another set or
    /// dimension.
    pub grade: Grade,
    /// Short English description written for this project, not the ILO wording (translations in
    /// `IndicatorLabels`).
    pub label: String,
    /// Where the grade comes from.
    pub provenance: Provenance,
    /// Remark from the catalogue, e.g. why the grade is disputed; shown next to a decisive
    /// indicator.
    pub note: Option<String>,
}

/// A clause of the dimension rule: every count is a minimum; `medium_or_weak`
/// is a minimum on medium + weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clause {
    /// Minimum number of strong indicators.
    pub strong: u32,
    /// Minimum number of medium indicators.
    pub medium: u32,
    /// Minimum number of weak indicators.
    pub weak: u32,
    /// Minimum number of medium and weak indicators taken together.
    pub medium_or_weak: u32,
}

impl Clause {
    /// Whether the observed counts of one dimension meet every minimum of the clause.
    pub fn holds(&self, counts: GradeCounts) -> bool {
        counts.strong >= self.strong
            && counts.medium >= self.medium
            && counts.weak >= self.weak
            && counts.medium.saturating_add(counts.weak) >= self.medium_or_weak
    }

    /// Human-readable form, used in explanations.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.strong > 0 {
            parts.push(format!("at least {} strong", self.strong));
        }
        if self.medium > 0 {
            parts.push(format!("at least {} medium", self.medium));
        }
        if self.weak > 0 {
            parts.push(format!("at least {} weak", self.weak));
        }
        if self.medium_or_weak > 0 {
            parts.push(format!("at least {} medium or weak", self.medium_or_weak));
        }
        parts.join(" and ")
    }
}

/// Counts of indicators per grade within one dimension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    /// Strong indicators counted.
    pub strong: u32,
    /// Medium indicators counted.
    pub medium: u32,
    /// Weak indicators counted.
    pub weak: u32,
}

impl GradeCounts {
    /// Count one more indicator of this grade.
    pub fn add(&mut self, grade: Grade) {
        match grade {
            Grade::Strong => self.strong += 1,
            Grade::Medium => self.medium += 1,
            Grade::Weak => self.weak += 1,
        }
    }

    /// Per-grade sum, e.g. the yes answers plus the unknown ones (the "could be present" bound).
    pub fn plus(self, other: GradeCounts) -> GradeCounts {
        GradeCounts {
            strong: self.strong + other.strong,
            medium: self.medium + other.medium,
            weak: self.weak + other.weak,
        }
    }

    /// True when no indicator is counted.
    pub fn is_zero(self) -> bool {
        self.strong == 0 && self.medium == 0 && self.weak == 0
    }
}

/// Step 1 of the Delphi rule: when a dimension is present.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionRule {
    /// The alternatives: the dimension is present when any clause holds. The shipped rule is
    /// `S>=2 || (S>=1 && M+W>=1) || M>=3 || (M>=2 && W>=1)`.
    pub clauses: Vec<Clause>,
    /// `clauses[i].describe()`, computed once so explanations need no formatting.
    pub descriptions: Vec<String>,
    /// False while the rule is taken from the secondary crosswalk, not read in the ILO brochure;
    /// evaluations are then `provisional`.
    pub verified_against_primary: bool,
}

impl DimensionRule {
    /// Index of the first clause that holds, if any.
    pub fn satisfied_clause(&self, counts: GradeCounts) -> Option<usize> {
        self.clauses.iter().position(|c| c.holds(counts))
    }

    /// Whether the dimension with these counts is present (some clause holds).
    pub fn is_present(&self, counts: GradeCounts) -> bool {
        self.satisfied_clause(counts).is_some()
    }

    /// The description of clause number `clause`; empty for an index out of range.
    pub fn description(&self, clause: usize) -> &str {
        self.descriptions.get(clause).map_or("", String::as_str)
    }

    /// Build a rule from clauses (used by the loader and by tests).
    pub fn new(clauses: Vec<Clause>, verified_against_primary: bool) -> DimensionRule {
        let descriptions = clauses.iter().map(Clause::describe).collect();
        DimensionRule {
            clauses,
            descriptions,
            verified_against_primary,
        }
    }
}

/// One entry of a combination rule's `all_of`: holds when any listed dimension is present.
#[derive(Debug, Clone, Serialize)]
pub struct RulePart {
    /// The part of the rule this entry stands for.
    pub part: Part,
    /// Ids of the dimensions of that part, any of which suffices.
    pub any_of: Vec<String>,
    /// `any_of` resolved to indices into `Catalogue::dimensions`.
    #[serde(skip)]
    pub any_of_index: Vec<usize>,
}

/// Step 2 of the Delphi rule: when a person is a presumed victim.
#[derive(Debug, Clone, Serialize)]
pub struct CombinationRule {
    /// Key under `rules.presumed_victim` (`adult`, `child`, `child_strict`).
    pub name: String,
    /// Ids of the sets this rule may be applied to.
    pub applies_to: Vec<String>,
    /// False while the rule is not read in the ILO brochure (every shipped rule); evaluations are
    /// then `provisional`.
    pub verified_against_primary: bool,
    /// A yes/no fact recorded by the interviewer that must be established (e.g. the act, for children).
    pub requires_fact: Option<String>,
    /// Index of `requires_fact` in `Catalogue::facts`.
    #[serde(skip)]
    pub requires_fact_index: Option<usize>,
    /// The parts that must all hold (recruitment, exploitation, destination for adults).
    pub all_of: Vec<RulePart>,
}

/// One of the four Delphi sets (adult/child × labour/sexual).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorSet {
    /// Stable id: `adult_labour`, `adult_sexual`, `child_labour` or `child_sexual`.
    pub id: String,
    /// Short English description, e.g. "Adults, trafficking for labour exploitation".
    pub label: String,
    /// Adults or children; selects the default rule and which interviews the set applies to.
    pub age_group: AgeGroup,
    /// Labour or sexual exploitation.
    pub exploitation: Exploitation,
    /// The catalogue's confidence in the set's data, free text (`medium`, `low`); quoted in the
    /// explanation of an `indicators_only` result.
    pub confidence: String,
    /// False for placeholder data: the engine then reports indicators only, never a verdict.
    pub usable_for_classification: bool,
    /// Its indicators in catalogue order (the order of an `Interview`'s answers).
    pub indicators: Vec<Indicator>,
    /// Index (into `Catalogue::rules`) of the default rule: the one named after the age group.
    #[serde(skip)]
    pub default_rule: usize,
    /// Index of the stricter alternative reading (`<age_group>_strict`), if the data has one.
    #[serde(skip)]
    pub strict_rule: Option<usize>,
}

impl IndicatorSet {
    /// The indicator with this id, if it belongs to the set.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The validated Delphi catalogue: sets, dimensions, rules, indicators.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    /// Version of the file format; only `SCHEMA_VERSION` is accepted.
    pub schema_version: i64,
    /// Title of the source document (the ILO/EC 2009 brochure).
    pub source_title: String,
    /// Address of the source's landing page.
    pub source_url: String,
    /// False while the catalogue is not checked against the ILO brochure; evaluations are then
    /// `provisional`.
    pub verified_against_primary: bool,
    /// The six dimensions, shared by every set.
    pub dimensions: Vec<Dimension>,
    /// Step 1 rule, the same for every set.
    pub dimension_rule: DimensionRule,
    /// Step 2 rules (`adult`, `child`, `child_strict`); each set points to its default rule and,
    /// if there is one, its strict reading.
    pub rules: Vec<CombinationRule>,
    /// The four sets with their indicators.
    pub sets: Vec<IndicatorSet>,
    /// Names of the yes/no facts that rules require (e.g. `act_of_trafficking_established`).
    pub facts: Vec<String>,
    /// id → (set index, position in set), built once at load time.
    #[serde(skip)]
    index: HashMap<String, (usize, usize)>,
}

// ---------------------------------------------------------------------------
// Raw file shape. Everything optional so that missing fields become errors that
// name the entry; unknown fields refused so that typos do not pass silently.
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema_version: Option<i64>,
    source_title: Option<String>,
    source_url: Option<String>,
    verified_against_primary: Option<bool>,
    #[serde(default)]
    sets: BTreeMap<String, RawSet>,
    #[serde(default)]
    dimensions: BTreeMap<String, RawDimension>,
    rules: Option<RawRules>,
    #[serde(default)]
    indicator: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    label: Option<String>,
    age_group: Option<String>,
    exploitation: Option<String>,
    indicator_count: Option<usize>,
    confidence: Option<String>,
    usable_for_classification: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimension {
    label: Option<String>,
    group: Option<String>,
    means: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    dimension_present: Option<RawDimensionRule>,
    #[serde(default)]
    presumed_victim: BTreeMap<String, RawCombinationRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimensionRule {
    verified_against_primary: Option<bool>,
    #[serde(default)]
    any_of: Vec<RawClause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClause {
    #[serde(default)]
    strong: u32,
    #[serde(default)]
    medium: u32,
    #[serde(default)]
    weak: u32,
    #[serde(default)]
    medium_or_weak: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCombinationRule {
    #[serde(default)]
    applies_to: Vec<String>,
    verified_against_primary: Option<bool>,
    requires_fact: Option<String>,
    #[serde(default)]
    all_of: Vec<RawRulePart>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRulePart {
    part: Option<String>,
    #[serde(default)]
    any_of: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Option<String>,
    set: Option<String>,
    dimension: Option<String>,
    grade: Option<String>,
    label: Option<String>,
    provenance: Option<String>,
    note: Option<String>,
}

fn required<T>(value: Option<T>, entry: &str, field: &'static str) -> Result<T, CatalogueError> {
    value.ok_or_else(|| CatalogueError::MissingField {
        entry: entry.to_string(),
        field,
    })
}

fn invalid(entry: impl Into<String>, message: impl Into<String>) -> CatalogueError {
    CatalogueError::Invalid {
        entry: entry.into(),
        message: message.into(),
    }
}

impl Catalogue {
    /// The embedded project copy. Validated on every call; cache the result.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_toml_str(DELPHI_2009_TOML)
    }

    /// Parse and validate a Delphi catalogue.
    pub fn from_toml_str(text: &str) -> Result<Catalogue, CatalogueError> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| CatalogueError::Parse(e.message().to_string()))?;

        let schema_version = required(raw.schema_version, "file", "schema_version")?;
        if schema_version != SCHEMA_VERSION {
            return Err(invalid(
                "file",
                format!(
                    "schema_version {schema_version} is not supported (expected {SCHEMA_VERSION})"
                ),
            ));
        }
        let source_title = required(raw.source_title, "file", "source_title")?;
        let source_url = required(raw.source_url, "file", "source_url")?;
        let verified_against_primary = required(
            raw.verified_against_primary,
            "file",
            "verified_against_primary",
        )?;

        // Dimensions.
        if raw.dimensions.is_empty() {
            return Err(invalid("dimensions", "no dimension defined"));
        }
        if raw.dimensions.len() > MAX_DIMENSIONS {
            return Err(invalid(
                "dimensions",
                format!(
                    "{} dimensions, at most {MAX_DIMENSIONS} supported",
                    raw.dimensions.len()
                ),
            ));
        }
        let mut dimensions = Vec::with_capacity(raw.dimensions.len());
        for (id, d) in raw.dimensions {
            let entry = format!("dimensions.{id}");
            let group = required(d.group, &entry, "group")?;
            let part = Part::parse(&group)
                .ok_or_else(|| invalid(&entry, format!("unknown group \"{group}\"")))?;
            dimensions.push(Dimension {
                label: required(d.label, &entry, "label")?,
                means: required(d.means, &entry, "means")?,
                id,
                part,
            });
        }
        let dimension_index = |name: &str| dimensions.iter().position(|d| d.id == name);

        // Step 1 rule.
        let raw_rules = required(raw.rules, "file", "rules")?;
        let raw_dim_rule = required(raw_rules.dimension_present, "rules", "dimension_present")?;
        let dimension_rule = DimensionRule::new(
            raw_dim_rule
                .any_of
                .iter()
                .map(|c| Clause {
                    strong: c.strong,
                    medium: c.medium,
                    weak: c.weak,
                    medium_or_weak: c.medium_or_weak,
                })
                .collect(),
            required(
                raw_dim_rule.verified_against_primary,
                "rules.dimension_present",
                "verified_against_primary",
            )?,
        );
        if dimension_rule.clauses.is_empty() {
            return Err(invalid("rules.dimension_present", "no clause in any_of"));
        }
        for (n, c) in dimension_rule.clauses.iter().enumerate() {
            let entry = format!("rules.dimension_present.any_of[{n}]");
            // The source states these two safeguards; refuse data that would break them.
            if c.strong == 0 && c.medium == 0 {
                return Err(invalid(
                    entry,
                    "clause can be met by weak indicators alone (it needs a strong or medium minimum)",
                ));
            }
            // Saturating: the numbers come from a file.
            let min_total = c
                .strong
                .saturating_add(c.medium.saturating_add(c.weak).max(c.medium_or_weak));
            if min_total < 2 {
                return Err(invalid(entry, "clause can be met by a single indicator"));
            }
        }

        // Sets (rules are resolved after they are read).
        let mut sets = Vec::with_capacity(raw.sets.len());
        let mut declared_counts = Vec::with_capacity(raw.sets.len());
        if raw.sets.is_empty() {
            return Err(invalid("sets", "no set defined"));
        }
        for (id, s) in raw.sets {
            let entry = format!("sets.{id}");
            let age = required(s.age_group, &entry, "age_group")?;
            let age_group = match age.as_str() {
                "adult" => AgeGroup::Adult,
                "child" => AgeGroup::Child,
                other => return Err(invalid(&entry, format!("unknown age_group \"{other}\""))),
            };
            let expl = required(s.exploitation, &entry, "exploitation")?;
            let exploitation = match expl.as_str() {
                "labour" => Exploitation::Labour,
                "sexual" => Exploitation::Sexual,
                other => return Err(invalid(&entry, format!("unknown exploitation \"{other}\""))),
            };
            declared_counts.push(required(s.indicator_count, &entry, "indicator_count")?);
            sets.push(IndicatorSet {
                label: required(s.label, &entry, "label")?,
                confidence: required(s.confidence, &entry, "confidence")?,
                usable_for_classification: required(
                    s.usable_for_classification,
                    &entry,
                    "usable_for_classification",
                )?,
                id,
                age_group,
                exploitation,
                indicators: Vec::new(),
                default_rule: 0,
                strict_rule: None,
            });
        }

        // Step 2 rules.
        let mut rules = Vec::with_capacity(raw_rules.presumed_victim.len());
        for (name, r) in raw_rules.presumed_victim {
            let entry = format!("rules.presumed_victim.{name}");
            for set in &r.applies_to {
                if !sets.iter().any(|s| &s.id == set) {
                    return Err(invalid(
                        &entry,
                        format!("applies_to names unknown set \"{set}\""),
                    ));
                }
            }
            if r.all_of.is_empty() {
                return Err(invalid(&entry, "all_of is empty"));
            }
            let mut all_of = Vec::with_capacity(r.all_of.len());
            for (n, p) in r.all_of.into_iter().enumerate() {
                let part_entry = format!("{entry}.all_of[{n}]");
                let part_name = required(p.part, &part_entry, "part")?;
                let part = Part::parse(&part_name)
                    .ok_or_else(|| invalid(&part_entry, format!("unknown part \"{part_name}\"")))?;
                if all_of.iter().any(|q: &RulePart| q.part == part) {
                    return Err(invalid(
                        &part_entry,
                        format!("part \"{part_name}\" listed twice"),
                    ));
                }
                if p.any_of.is_empty() {
                    return Err(invalid(&part_entry, "any_of is empty"));
                }
                let mut any_of_index = Vec::with_capacity(p.any_of.len());
                for dim in &p.any_of {
                    let di = dimension_index(dim).ok_or_else(|| {
                        invalid(&part_entry, format!("unknown dimension \"{dim}\""))
                    })?;
                    if dimensions[di].part != part {
                        return Err(invalid(
                            &part_entry,
                            format!(
                                "dimension \"{dim}\" belongs to part \"{}\", not \"{part_name}\"",
                                dimensions[di].part.as_str()
                            ),
                        ));
                    }
                    any_of_index.push(di);
                }
                all_of.push(RulePart {
                    part,
                    any_of: p.any_of,
                    any_of_index,
                });
            }
            rules.push(CombinationRule {
                verified_against_primary: required(
                    r.verified_against_primary,
                    &entry,
                    "verified_against_primary",
                )?,
                applies_to: r.applies_to,
                requires_fact: r.requires_fact,
                requires_fact_index: None,
                all_of,
                name,
            });
        }
        let mut facts: Vec<String> = Vec::new();
        for rule in &mut rules {
            if let Some(fact) = &rule.requires_fact {
                // A fact is reported next to the parts, so it must not share a part's name.
                if fact == AGE_FACT || fact.is_empty() || Part::parse(fact).is_some() {
                    return Err(invalid(
                        format!("rules.presumed_victim.{}", rule.name),
                        format!("requires_fact \"{fact}\" is not a yes/no fact"),
                    ));
                }
                let fi = match facts.iter().position(|f| f == fact) {
                    Some(fi) => fi,
                    None => {
                        facts.push(fact.clone());
                        facts.len() - 1
                    }
                };
                rule.requires_fact_index = Some(fi);
            }
        }
        // Default rule of a set = the rule named after its age group; `<age>_strict` is the
        // alternative reading. Both must list the set in applies_to.
        for set in &mut sets {
            let entry = format!("sets.{}", set.id);
            let age = set.age_group.as_str();
            let applies = |r: &CombinationRule| r.applies_to.iter().any(|s| s == &set.id);
            let default = rules
                .iter()
                .position(|r| r.name == age && applies(r))
                .ok_or_else(|| {
                    invalid(
                        &entry,
                        format!("no rule rules.presumed_victim.{age} applies to this set"),
                    )
                })?;
            set.default_rule = default;
            let strict_name = format!("{age}_strict");
            set.strict_rule = rules
                .iter()
                .position(|r| r.name == strict_name && applies(r));
        }

        // Indicators.
        let mut index: HashMap<String, (usize, usize)> =
            HashMap::with_capacity(raw.indicator.len());
        for (n, ri) in raw.indicator.into_iter().enumerate() {
            let id = ri.id.ok_or_else(|| CatalogueError::MissingField {
                entry: format!("indicator #{} (no id)", n + 1),
                field: "id",
            })?;
            let entry = format!("indicator {id}");
            let set_id = required(ri.set, &entry, "set")?;
            let dimension = required(ri.dimension, &entry, "dimension")?;
            let grade_s = required(ri.grade, &entry, "grade")?;
            let label = required(ri.label, &entry, "label")?;
            let provenance_s = required(ri.provenance, &entry, "provenance")?;

            let si = sets
                .iter()
                .position(|s| s.id == set_id)
                .ok_or_else(|| invalid(&entry, format!("unknown set \"{set_id}\"")))?;
            let di = dimension_index(&dimension)
                .ok_or_else(|| invalid(&entry, format!("unknown dimension \"{dimension}\"")))?;
            let grade = Grade::parse(&grade_s)
                .ok_or_else(|| invalid(&entry, format!("unknown grade \"{grade_s}\"")))?;
            let provenance = Provenance::parse(&provenance_s)
                .ok_or_else(|| invalid(&entry, format!("unknown provenance \"{provenance_s}\"")))?;
            // Ids are a public contract; keep them in the documented shape.
            let prefix = format!("{set_id}.{dimension}.");
            match id.strip_prefix(&prefix) {
                Some(slug) if !slug.is_empty() && !slug.contains('.') => {}
                _ => {
                    return Err(invalid(&entry, format!("id must be \"{prefix}<slug>\"")));
                }
            }
            if provenance == Provenance::PlaceholderMirroredFromLabourSet
                && sets[si].usable_for_classification
            {
                return Err(invalid(
                    &entry,
                    format!(
                        "placeholder data in set \"{set_id}\", which is marked usable_for_classification"
                    ),
                ));
            }
            if index.contains_key(&id) {
                return Err(CatalogueError::DuplicateId(id));
            }
            let pos = sets[si].indicators.len();
            index.insert(id.clone(), (si, pos));
            sets[si].indicators.push(Indicator {
                id,
                set: set_id,
                dimension,
                dimension_index: di,
                grade,
                label,
                provenance,
                note: ri.note,
            });
        }
        for (set, declared) in sets.iter().zip(declared_counts) {
            if set.indicators.len() != declared {
                return Err(invalid(
                    format!("sets.{}", set.id),
                    format!(
                        "indicator_count is {declared} but {} indicators are listed",
                        set.indicators.len()
                    ),
                ));
            }
        }

        Ok(Catalogue {
            schema_version,
            source_title,
            source_url,
            verified_against_primary,
            dimensions,
            dimension_rule,
            rules,
            sets,
            facts,
            index,
        })
    }

    /// The set with this id.
    pub fn set(&self, id: &str) -> Option<&IndicatorSet> {
        self.sets.iter().find(|s| s.id == id)
    }

    /// Position of the set with this id in `sets`.
    pub fn set_index(&self, id: &str) -> Option<usize> {
        self.sets.iter().position(|s| s.id == id)
    }

    /// (set index, position within the set) of an indicator id.
    pub fn locate(&self, id: &str) -> Option<(usize, usize)> {
        self.index.get(id).copied()
    }

    /// The Delphi indicator with this id, in whichever set it is.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        let (s, i) = self.locate(id)?;
        self.sets.get(s)?.indicators.get(i)
    }

    /// Number of indicators over all sets.
    pub fn indicator_count(&self) -> usize {
        self.sets.iter().map(|s| s.indicators.len()).sum()
    }
}
