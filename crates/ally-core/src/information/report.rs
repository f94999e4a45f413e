//! A report as submitted (form or API) and its validation into a [`ValidReport`]: dates,
//! coordinates, indicators, entities and their limits.

use serde::{Deserialize, Serialize};

use super::vocabulary::*;
use crate::person::FieldError;

/// One entity as submitted.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct EntityInput {
    pub kind: String,
    pub role: String,
    pub value: String,
}

impl std::fmt::Debug for EntityInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityInput")
            .field("kind", &self.kind)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The report form as submitted (web form, public form or API), before validation.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct ReportInput {
    #[serde(default)]
    pub what: String,
    /// `YYYY-MM-DD`, optional.
    #[serde(default)]
    pub observed_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    #[serde(default)]
    pub exploitation: String,
    /// Indicator ids of the identification catalogue, comma or line separated.
    #[serde(default)]
    pub indicators: String,
    #[serde(default)]
    pub distribution: String,
    #[serde(default)]
    pub entities: Vec<EntityInput>,
}

impl std::fmt::Debug for ReportInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportInput")
            .field("exploitation", &self.exploitation)
            .field("entities", &self.entities.len())
            .finish_non_exhaustive()
    }
}

/// The sealed part of a report (free text and location).
#[derive(Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ReportText {
    pub what: String,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub observed_on: Option<String>,
}

impl std::fmt::Debug for ReportText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportText(<sealed>)")
    }
}

/// A validated entity.
#[derive(Clone, PartialEq)]
pub struct ValidEntity {
    pub kind: EntityKind,
    pub role: EntityRole,
    pub value: String,
}

impl std::fmt::Debug for ValidEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidEntity")
            .field("kind", &self.kind)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A validated report.
#[derive(Debug, Clone)]
pub struct ValidReport {
    pub text: ReportText,
    pub exploitation: Exploitation,
    pub indicators: Vec<String>,
    pub distribution: Distribution,
    pub entities: Vec<ValidEntity>,
}

fn err(field: &'static str, code: &'static str) -> FieldError {
    FieldError { field, code }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d)) if (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
}

fn coordinate(s: &str, max: f64) -> Result<Option<f64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= max => Ok(Some(v)),
        _ => Err(()),
    }
}

impl ReportInput {
    /// Validates the form. `known_indicator` says whether an indicator id exists in the
    /// identification catalogue. `public`: the public form (no distribution choice: own).
    pub fn validate(
        &self,
        known_indicator: impl Fn(&str) -> bool,
        public: bool,
    ) -> Result<ValidReport, Vec<FieldError>> {
        let mut errors = Vec::new();
        let what = self.what.trim();
        if what.chars().count() < 3 {
            errors.push(err("what", "required"));
        } else if what.chars().count() > MAX_TEXT {
            errors.push(err("what", "too_long"));
        }
        let place = self.place.trim();
        if place.chars().count() > MAX_VALUE {
            errors.push(err("place", "too_long"));
        }
        let observed = self.observed_on.trim();
        if !observed.is_empty() && !valid_date(observed) {
            errors.push(err("observed_on", "invalid_date"));
        }
        let lat = coordinate(&self.latitude, 90.0).unwrap_or_else(|()| {
            errors.push(err("latitude", "invalid_coordinate"));
            None
        });
        let lon = coordinate(&self.longitude, 180.0).unwrap_or_else(|()| {
            errors.push(err("longitude", "invalid_coordinate"));
            None
        });
        if lat.is_some() != lon.is_some() {
            errors.push(err("longitude", "coordinates_pair"));
        }
        let exploitation = if self.exploitation.trim().is_empty() {
            Exploitation::Unknown
        } else {
            Exploitation::parse(self.exploitation.trim()).unwrap_or_else(|| {
                errors.push(err("exploitation", "unknown"));
                Exploitation::Unknown
            })
        };
        let mut indicators: Vec<String> = self
            .indicators
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        indicators.sort();
        indicators.dedup();
        if indicators.len() > 100 || indicators.iter().any(|i| !known_indicator(i)) {
            errors.push(err("indicators", "unknown"));
        }
        let distribution = if public || self.distribution.trim().is_empty() {
            Distribution::Own
        } else {
            Distribution::parse(self.distribution.trim()).unwrap_or_else(|| {
                errors.push(err("distribution", "unknown"));
                Distribution::Own
            })
        };
        let mut entities = Vec::new();
        let filled: Vec<&EntityInput> = self
            .entities
            .iter()
            .filter(|e| !e.value.trim().is_empty())
            .collect();
        if filled.len() > MAX_ENTITIES {
            errors.push(err("entities", "too_many"));
        }
        for e in filled.into_iter().take(MAX_ENTITIES) {
            let kind = EntityKind::parse(e.kind.trim());
            let role = if e.role.trim().is_empty() {
                Some(EntityRole::Unknown)
            } else {
                EntityRole::parse(e.role.trim())
            };
            let value = e.value.trim();
            match (kind, role) {
                (Some(kind), Some(role)) if value.chars().count() <= MAX_VALUE => {
                    if kind == EntityKind::Phone && !phone_like(value) {
                        errors.push(err("entities", "invalid_phone"));
                    } else {
                        entities.push(ValidEntity {
                            kind,
                            role,
                            value: value.to_owned(),
                        })
                    }
                }
                (Some(_), Some(_)) => errors.push(err("entities", "too_long")),
                (None, _) => errors.push(err("entities", "unknown_kind")),
                (_, None) => errors.push(err("entities", "unknown_role")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidReport {
            text: ReportText {
                what: what.to_owned(),
                place: place.to_owned(),
                latitude: lat,
                longitude: lon,
                observed_on: (!observed.is_empty()).then(|| observed.to_owned()),
            },
            exploitation,
            indicators,
            distribution,
            entities,
        })
    }
}

/// A phone number: digits with the usual separators, at least five digits.
pub fn phone_like(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_numeric()).count();
    (5..=20).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c) || c.is_numeric())
}
