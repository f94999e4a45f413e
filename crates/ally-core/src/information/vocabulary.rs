//! The information module's code lists (exploitation, entity kinds and roles, distribution
//! levels, sources, report statuses), the limits of the report form and retention times.

use serde::{Deserialize, Serialize};

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
