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

use serde::{Deserialize, Serialize};

use crate::person::FieldError;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Default retention of a report: five years.
pub const REPORT_RETENTION_MS: i64 = 5 * 365 * DAY_MS;
/// Default retention of data on suspected offenders: two years (shorter than reports).
pub const SUSPECT_RETENTION_MS: i64 = 2 * 365 * DAY_MS;

/// Limits of the free-text fields.
pub const MAX_TEXT: usize = 4000;
pub const MAX_VALUE: usize = 200;
pub const MAX_ENTITIES: usize = 20;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

code_enum!(
    /// The kind of exploitation suspected.
    Exploitation {
        Sexual = "sexual",
        Labour = "labour",
        DomesticServitude = "domestic_servitude",
        Criminality = "forced_criminality",
        Begging = "forced_begging",
        Marriage = "forced_marriage",
        Organs = "organ_removal",
        Unknown = "unknown",
    }
);

code_enum!(
    /// What an entity is.
    EntityKind {
        Person = "person",
        Company = "company",
        Place = "place",
        Phone = "phone",
        Vehicle = "vehicle",
        Website = "website",
        Account = "bank_account",
    }
);

code_enum!(
    /// Whose the entity is, in the reported situation.
    EntityRole {
        PossibleVictim = "possible_victim",
        Witness = "witness",
        Recruiter = "recruiter",
        Exploiter = "exploiter",
        Driver = "driver",
        Landlord = "landlord",
        Employer = "employer",
        Unknown = "unknown",
    }
);

impl EntityRole {
    /// Offender roles: their data is criminal-offence data (GDPR art. 10).
    pub fn is_suspect(self) -> bool {
        matches!(
            self,
            EntityRole::Recruiter
                | EntityRole::Exploiter
                | EntityRole::Driver
                | EntityRole::Landlord
                | EntityRole::Employer
        )
    }
}

code_enum!(
    /// Who beyond the owner may read a record, from the narrowest to the widest.
    Distribution {
        Own = "own",
        Aggregate = "aggregate",
        Partners = "partners",
        Network = "network",
        LawEnforcement = "law_enforcement",
    }
);

impl Distribution {
    /// Rank: a higher rank reaches more organisations.
    pub fn rank(self) -> u8 {
        match self {
            Distribution::Own => 0,
            Distribution::Aggregate => 1,
            Distribution::Partners => 2,
            Distribution::Network => 3,
            Distribution::LawEnforcement => 4,
        }
    }
    /// Named partner organisations (shares) read the record.
    pub fn reaches_named(self) -> bool {
        self.rank() >= Distribution::Partners.rank()
    }
    /// Every member of the owner's networks reads the record.
    pub fn reaches_network(self) -> bool {
        self.rank() >= Distribution::Network.rank()
    }
    /// A named law-enforcement liaison organisation may be among the named readers.
    pub fn reaches_law_enforcement(self) -> bool {
        self == Distribution::LawEnforcement
    }
}

code_enum!(
    /// Where a report comes from.
    Source { Member = "member", Public = "public" }
);

code_enum!(
    /// The life of a report.
    ReportStatus {
        Triage = "triage",
        Accepted = "accepted",
        Spam = "spam",
    }
);

/// Why a change of distribution is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DistributionRefused {
    #[error("widening the distribution needs a coordinator")]
    WidenNeedsCoordinator,
    #[error(
        "information about a possible victim is not shared beyond the own organisation until the victim's consent is recorded"
    )]
    VictimConsentRequired,
}

/// Decides a change of distribution level. `may_widen`: the principal holds
/// `DistributionWiden`; `victim_consent`: the victim's consent to this sharing is recorded
/// (only asked for entities in the possible-victim role).
pub fn check_distribution_change(
    from: Distribution,
    to: Distribution,
    role: Option<EntityRole>,
    may_widen: bool,
    victim_consent: bool,
) -> Result<(), DistributionRefused> {
    if to.rank() <= from.rank() {
        return Ok(());
    }
    if !may_widen {
        return Err(DistributionRefused::WidenNeedsCoordinator);
    }
    if role == Some(EntityRole::PossibleVictim) && to != Distribution::Own && !victim_consent {
        return Err(DistributionRefused::VictimConsentRequired);
    }
    Ok(())
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input() -> ReportInput {
        ReportInput {
            what: "Workers locked in at night".into(),
            exploitation: "labour".into(),
            distribution: "partners".into(),
            entities: vec![
                EntityInput {
                    kind: "phone".into(),
                    role: "recruiter".into(),
                    value: "+40 721 000 111".into(),
                },
                EntityInput {
                    kind: "person".into(),
                    role: "".into(),
                    value: "".into(),
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_report_keeps_filled_entities_only() {
        let r = input().validate(|_| true, false).unwrap();
        assert_eq!(r.entities.len(), 1);
        assert_eq!(r.distribution, Distribution::Partners);
        assert!(r.entities[0].role.is_suspect());
        // The public form cannot choose a distribution: always own organisation.
        assert_eq!(
            input().validate(|_| true, true).unwrap().distribution,
            Distribution::Own
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let mut i = input();
        i.what = " ".into();
        i.latitude = "91".into();
        i.observed_on = "2026-13-01".into();
        i.indicators = "nope".into();
        i.entities[0].kind = "spaceship".into();
        let e = i.validate(|id| id == "ok", false).unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        for f in ["what", "latitude", "observed_on", "indicators", "entities"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let mut i = input();
        i.entities[0].value = "call me".into();
        assert_eq!(
            i.validate(|_| true, false).unwrap_err()[0].code,
            "invalid_phone"
        );
        let mut i = input();
        i.latitude = "45.1".into();
        assert_eq!(
            i.validate(|_| true, false).unwrap_err()[0].code,
            "coordinates_pair"
        );
    }

    #[test]
    fn lowering_is_free_widening_needs_a_coordinator_and_victims_need_consent() {
        use Distribution::*;
        for a in Distribution::ALL {
            for b in Distribution::ALL {
                let r = check_distribution_change(*a, *b, None, false, false);
                assert_eq!(r.is_ok(), b.rank() <= a.rank(), "{a:?}->{b:?}");
            }
        }
        assert_eq!(
            check_distribution_change(Own, Network, None, true, false),
            Ok(())
        );
        assert_eq!(
            check_distribution_change(Own, Partners, Some(EntityRole::PossibleVictim), true, false),
            Err(DistributionRefused::VictimConsentRequired)
        );
        assert_eq!(
            check_distribution_change(Own, Partners, Some(EntityRole::PossibleVictim), true, true),
            Ok(())
        );
        assert_eq!(
            check_distribution_change(Network, Own, Some(EntityRole::PossibleVictim), false, false),
            Ok(())
        );
    }

    #[test]
    fn suspect_data_is_kept_shorter_than_reports() {
        const { assert!(SUSPECT_RETENTION_MS < REPORT_RETENTION_MS) };
        assert!(!EntityRole::PossibleVictim.is_suspect());
        assert!(!EntityRole::Witness.is_suspect());
        assert!(EntityRole::Driver.is_suspect());
    }
}
