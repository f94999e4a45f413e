//! The 11 ILO indicators of forced labour (2012): catalogue loading and the
//! legal test of ILO Convention No. 29, art. 2(1) (involuntariness AND menace of
//! penalty). The booklet gives no grading and no threshold, so this module never
//! classifies: it reports which indicators and which legal elements appear.

use serde::{Deserialize, Serialize};

use super::catalogue::SCHEMA_VERSION;
use super::error::CatalogueError;
use super::interview::Answer;
use super::outcome::Outcome;

/// The project's own copy of the ILO 11 catalogue.
pub const FORCED_LABOUR_11_TOML: &str =
    include_str!("../../../../../data/indicators/ilo-forced-labour-11.toml");

/// The set id accepted by `evaluate` for this catalogue (its indicator ids start with it).
pub const FORCED_LABOUR_SET_ID: &str = "ilo11";

/// Which element of the C29 definition an indicator points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalElement {
    /// Work or service not offered voluntarily (in the shipped mapping: abuse of vulnerability,
    /// deception, abusive conditions, excessive overtime).
    Involuntariness,
    /// Work exacted under the menace of a penalty (restriction of movement, isolation, violence,
    /// threats, retained documents, withheld wages).
    MenaceOfPenalty,
    /// Debt bondage: both involuntary and a penalty.
    Both,
}

impl LegalElement {
    /// Whether an indicator with this element shows involuntariness (`Involuntariness` or `Both`).
    pub fn is_involuntariness(self) -> bool {
        matches!(self, LegalElement::Involuntariness | LegalElement::Both)
    }
    /// Whether an indicator with this element shows a menace of penalty (`MenaceOfPenalty` or
    /// `Both`).
    pub fn is_penalty(self) -> bool {
        matches!(self, LegalElement::MenaceOfPenalty | LegalElement::Both)
    }
}

/// One of the 11 ILO indicators of forced labour. No grade: the booklet gives none.
#[derive(Debug, Clone, Serialize)]
pub struct ForcedLabourIndicator {
    /// Stable id `ilo11.<slug>`; other tools rely on it.
    pub id: String,
    /// Its number in the booklet's list, 1 to 11.
    pub number: u32,
    /// Short English name ("Abuse of vulnerability").
    pub label: String,
    /// One-sentence definition written for this project, not the ILO text.
    pub definition: String,
    /// The element of C29 it points to (a mapping made for this project, not ILO text).
    pub legal_element: LegalElement,
    /// Ids of the Delphi dimensions covering the same ground (a mapping made for this project, to
    /// link the two catalogues); each must exist in the Delphi catalogue.
    pub related_delphi_dimensions: Vec<String>,
}

/// The validated ILO 11 catalogue (`data/indicators/ilo-forced-labour-11.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct ForcedLabourCatalogue {
    /// Title of the source booklet.
    pub source_title: String,
    /// ILO publication code of the booklet (`WCMS_203832`).
    pub source_code: String,
    /// False while the catalogue is not checked against the full booklet text; evaluations are then
    /// `provisional`.
    pub verified_against_primary: bool,
    /// Always `no_numeric_threshold` (the loader refuses any other kind): the booklet gives neither
    /// grades nor a count that would classify.
    pub rule_kind: String,
    /// Indicators in the booklet's order.
    pub indicators: Vec<ForcedLabourIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema_version: Option<i64>,
    source_title: Option<String>,
    source_code: Option<String>,
    verified_against_primary: Option<bool>,
    rule: Option<RawRule>,
    // Descriptive only; kept so the file validates, not used by the engine.
    #[allow(dead_code)]
    survey_framework_2012: Option<toml::Value>,
    #[serde(default)]
    indicator: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: Option<String>,
    #[allow(dead_code)]
    single_indicator_may_suffice: Option<bool>,
    #[allow(dead_code)]
    several_indicators_may_be_needed: Option<bool>,
    #[serde(default)]
    legal_test: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Option<String>,
    number: Option<u32>,
    label: Option<String>,
    definition: Option<String>,
    legal_element: Option<String>,
    #[serde(default)]
    related_delphi_dimensions: Vec<String>,
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

impl ForcedLabourCatalogue {
    /// The embedded project copy. Validated on every call; cache the result.
    pub fn builtin() -> Result<ForcedLabourCatalogue, CatalogueError> {
        ForcedLabourCatalogue::from_toml_str(FORCED_LABOUR_11_TOML)
    }

    /// Parse and validate a forced-labour catalogue. Refuses a file whose legal test is not
    /// involuntariness AND menace of penalty, since the engine hard-codes it.
    pub fn from_toml_str(text: &str) -> Result<ForcedLabourCatalogue, CatalogueError> {
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
        let rule = required(raw.rule, "file", "rule")?;
        let rule_kind = required(rule.kind, "rule", "kind")?;
        if rule_kind != "no_numeric_threshold" {
            return Err(invalid("rule", format!("unknown kind \"{rule_kind}\"")));
        }
        // The engine hard-codes the C29 test; refuse a file that states another one.
        let mut test = rule.legal_test.clone();
        test.sort();
        if test != ["involuntariness", "menace_of_penalty"] {
            return Err(invalid(
                "rule",
                "legal_test must be [\"involuntariness\", \"menace_of_penalty\"]",
            ));
        }

        let mut indicators: Vec<ForcedLabourIndicator> = Vec::with_capacity(raw.indicator.len());
        for (n, ri) in raw.indicator.into_iter().enumerate() {
            let id = ri.id.ok_or_else(|| CatalogueError::MissingField {
                entry: format!("indicator #{} (no id)", n + 1),
                field: "id",
            })?;
            let entry = format!("indicator {id}");
            let slug_ok = id
                .strip_prefix("ilo11.")
                .is_some_and(|s| !s.is_empty() && !s.contains('.'));
            if !slug_ok {
                return Err(invalid(&entry, "id must be \"ilo11.<slug>\""));
            }
            let number = required(ri.number, &entry, "number")?;
            let element = required(ri.legal_element, &entry, "legal_element")?;
            let legal_element = match element.as_str() {
                "involuntariness" => LegalElement::Involuntariness,
                "menace_of_penalty" => LegalElement::MenaceOfPenalty,
                "both" => LegalElement::Both,
                other => {
                    return Err(invalid(
                        &entry,
                        format!("unknown legal_element \"{other}\""),
                    ));
                }
            };
            if indicators.iter().any(|i| i.id == id) {
                return Err(CatalogueError::DuplicateId(id));
            }
            if indicators.iter().any(|i| i.number == number) {
                return Err(invalid(&entry, format!("number {number} used twice")));
            }
            indicators.push(ForcedLabourIndicator {
                label: required(ri.label, &entry, "label")?,
                definition: required(ri.definition, &entry, "definition")?,
                related_delphi_dimensions: ri.related_delphi_dimensions,
                id,
                number,
                legal_element,
            });
        }
        if indicators.is_empty() {
            return Err(invalid("indicator", "no indicator listed"));
        }
        indicators.sort_by_key(|i| i.number);

        Ok(ForcedLabourCatalogue {
            source_title: required(raw.source_title, "file", "source_title")?,
            source_code: required(raw.source_code, "file", "source_code")?,
            verified_against_primary: required(
                raw.verified_against_primary,
                "file",
                "verified_against_primary",
            )?,
            rule_kind,
            indicators,
        })
    }

    /// Position of an indicator id in `indicators` (the order answers are given in).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.indicators.iter().position(|i| i.id == id)
    }

    /// Check the legal test against answers given in catalogue order.
    pub fn evaluate<'a>(&'a self, answers: &[Answer]) -> ForcedLabourEvaluation<'a> {
        let mut present = Vec::new();
        let mut unknown = Vec::new();
        let (mut inv, mut inv_possible, mut pen, mut pen_possible) = (false, false, false, false);
        for (i, ind) in self.indicators.iter().enumerate() {
            let answer = answers.get(i).copied().unwrap_or(Answer::Unknown);
            match answer {
                Answer::Yes => {
                    present.push(ind.id.as_str());
                    inv |= ind.legal_element.is_involuntariness();
                    pen |= ind.legal_element.is_penalty();
                }
                Answer::Unknown => {
                    unknown.push(ind.id.as_str());
                    inv_possible |= ind.legal_element.is_involuntariness();
                    pen_possible |= ind.legal_element.is_penalty();
                }
                Answer::No => {}
            }
        }
        let involuntariness = Answer::from_bounds(inv, inv || inv_possible);
        let menace_of_penalty = Answer::from_bounds(pen, pen || pen_possible);
        let both_elements =
            Answer::from_bounds(inv && pen, (inv || inv_possible) && (pen || pen_possible));
        let explanation = match both_elements {
            Answer::Yes => {
                "Both elements of ILO Convention No. 29 art. 2(1) appear (involuntariness and menace of penalty). The ILO 11 indicators have no threshold: refer to a trained person for assessment."
            }
            Answer::No => {
                "The two elements of ILO Convention No. 29 art. 2(1) (involuntariness and menace of penalty) do not both appear, even counting unknown answers as yes. The indicators found still deserve attention."
            }
            Answer::Unknown => {
                "The two elements of ILO Convention No. 29 art. 2(1) (involuntariness and menace of penalty) do not both appear yet; unknown answers could change this."
            }
        };
        ForcedLabourEvaluation {
            set: FORCED_LABOUR_SET_ID,
            outcome: Outcome::IndicatorsOnly,
            indicators_present: present,
            unknown,
            involuntariness,
            menace_of_penalty,
            both_elements,
            explanation,
            provisional: !self.verified_against_primary,
        }
    }
}

/// Result of the ILO 11 check. Not a verdict: the ILO gives no threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForcedLabourEvaluation<'a> {
    /// Always `ilo11` (`FORCED_LABOUR_SET_ID`).
    pub set: &'static str,
    /// Always `indicators_only`: the ILO 11 list has no threshold to classify with.
    pub outcome: Outcome,
    /// Ids of the indicators answered yes, in the booklet's order.
    pub indicators_present: Vec<&'a str>,
    /// Indicators not asked or not answered.
    pub unknown: Vec<&'a str>,
    /// Whether an indicator of involuntariness is present: `yes`, `no` even counting unknown
    /// answers as yes, `unknown` otherwise.
    pub involuntariness: Answer,
    /// Whether an indicator of a menace of penalty is present, three-valued as `involuntariness`.
    pub menace_of_penalty: Answer,
    /// Whether both C29 elements appear (`unknown` when unknown answers could decide it).
    pub both_elements: Answer,
    /// One of three fixed English texts matching `both_elements`: refer to a trained person
    /// (yes), the indicators found still deserve attention (no), unknown answers could change
    /// it (unknown).
    pub explanation: &'static str,
    /// True while the catalogue is not checked against the ILO booklet.
    pub provisional: bool,
}
