//! One interview's input: an answer per indicator and the recorded facts, and the
//! parsing of its JSON form (`{"answers": {...}, "facts": {...}}`).

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::catalogue::AGE_FACT;
use super::error::InputError;

/// An answer to one indicator question. `Unknown` covers "not asked" and "did not want
/// to answer": it is kept apart from `No` so "not established" and "screened negative"
/// stay distinguishable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The indicator is observed: it counts in the evaluation.
    Yes,
    /// The person said it is not so: screened negative for this indicator.
    No,
    /// Not asked, not answered, unsure or declined: not established, but still possible.
    #[default]
    Unknown,
}

impl Answer {
    /// Parse `yes`, `no` or `unknown`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "yes" => Some(Answer::Yes),
            "no" => Some(Answer::No),
            "unknown" => Some(Answer::Unknown),
            _ => None,
        }
    }

    /// `yes`, `no` or `unknown`, as in the JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    /// Three-valued result from a lower bound (unknowns as no) and an upper bound (unknowns as yes).
    pub fn from_bounds(holds_if_unknown_no: bool, holds_if_unknown_yes: bool) -> Answer {
        if holds_if_unknown_no {
            Answer::Yes
        } else if holds_if_unknown_yes {
            Answer::Unknown
        } else {
            Answer::No
        }
    }
}

/// Answers and facts of one interview, stored by position (resolved once from ids) so
/// evaluation never looks strings up. Build it with `Screening::new_interview`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interview {
    /// Per Delphi set, per indicator in catalogue order.
    pub(crate) delphi: Vec<Vec<Answer>>,
    /// ILO 11 indicators in catalogue order.
    pub(crate) forced_labour: Vec<Answer>,
    /// Yes/no facts, indexed like `Catalogue::facts`.
    pub(crate) facts: Vec<Answer>,
    pub(crate) age: Option<u32>,
}

impl Interview {
    pub(crate) fn blank(set_sizes: &[usize], forced_labour: usize, facts: usize) -> Interview {
        Interview {
            delphi: set_sizes
                .iter()
                .map(|n| vec![Answer::Unknown; *n])
                .collect(),
            forced_labour: vec![Answer::Unknown; forced_labour],
            facts: vec![Answer::Unknown; facts],
            age: None,
        }
    }

    /// The person's age in whole years, if recorded; it selects the adult or child sets.
    pub fn age(&self) -> Option<u32> {
        self.age
    }

    /// Record the age (`None`: unknown, then every set applies so the child rule is not hidden).
    pub fn set_age(&mut self, age: Option<u32>) {
        self.age = age;
    }

    pub(crate) fn delphi_answer(&self, set: usize, pos: usize) -> Answer {
        self.delphi
            .get(set)
            .and_then(|s| s.get(pos))
            .copied()
            .unwrap_or(Answer::Unknown)
    }

    pub(crate) fn fact(&self, index: usize) -> Answer {
        self.facts.get(index).copied().unwrap_or(Answer::Unknown)
    }
}

/// A recorded fact as written in the JSON file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawFact {
    YesNo(Answer),
    Age(Option<u32>),
}

/// The JSON file after parsing, before ids are resolved against a catalogue.
#[derive(Debug)]
pub(crate) struct RawInterview {
    pub answers: Vec<(String, Answer)>,
    pub facts: Vec<(String, RawFact)>,
}

/// A JSON object kept as ordered pairs; a key given twice is an error (two answers
/// to one question must not be resolved silently).
struct UniqueMap(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMap, A::Error> {
                let mut out: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(de::Error::custom(format!("key \"{k}\" given twice")));
                    }
                    out.push((k, v));
                }
                Ok(UniqueMap(out))
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    answers: UniqueMap,
    #[serde(default)]
    facts: Option<UniqueMap>,
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// Parse the JSON file shape. Id and fact names are checked later against the catalogue.
pub(crate) fn parse_json(text: &str) -> Result<RawInterview, InputError> {
    let raw: RawFile =
        serde_json::from_str(text).map_err(|e| InputError::Malformed(e.to_string()))?;
    let mut answers = Vec::with_capacity(raw.answers.0.len());
    for (id, v) in raw.answers.0 {
        let answer = v
            .as_str()
            .and_then(Answer::parse)
            .ok_or_else(|| InputError::BadAnswer {
                id: id.clone(),
                value: short(&v),
            })?;
        answers.push((id, answer));
    }
    let mut facts = Vec::new();
    for (name, v) in raw.facts.map(|f| f.0).unwrap_or_default() {
        let fact = if name == AGE_FACT {
            match &v {
                serde_json::Value::Null => RawFact::Age(None),
                serde_json::Value::String(s) if s == "unknown" => RawFact::Age(None),
                serde_json::Value::Number(n) => match n.as_u64() {
                    Some(age) if age <= 150 => RawFact::Age(Some(age as u32)),
                    _ => {
                        return Err(InputError::BadFact {
                            name,
                            message: format!("age must be a whole number of years, not {n}"),
                        });
                    }
                },
                other => {
                    return Err(InputError::BadFact {
                        name,
                        message: format!("age must be a number or null, not {}", short(other)),
                    });
                }
            }
        } else {
            let answer = match &v {
                serde_json::Value::Bool(true) => Some(Answer::Yes),
                serde_json::Value::Bool(false) => Some(Answer::No),
                serde_json::Value::Null => Some(Answer::Unknown),
                serde_json::Value::String(s) => Answer::parse(s),
                _ => None,
            };
            let answer = answer.ok_or_else(|| InputError::BadFact {
                name: name.clone(),
                message: format!(
                    "must be true, false, \"yes\", \"no\", \"unknown\" or null, not {}",
                    short(&v)
                ),
            })?;
            RawFact::YesNo(answer)
        };
        facts.push((name, fact));
    }
    Ok(RawInterview { answers, facts })
}
