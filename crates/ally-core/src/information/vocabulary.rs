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
/// Longest place or entity value, in characters.
pub const MAX_VALUE: usize = 200;
/// Most entities in one report.
pub const MAX_ENTITIES: usize = 20;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// Every value, in the order of the code list.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stored code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            /// The value whose stored code is `s` (exact match), or `None`.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

code_enum!(
    /// The kind of exploitation suspected.
    Exploitation {
        /// Sexual exploitation, including forced prostitution.
        Sexual = "sexual",
        /// Forced labour and labour exploitation.
        Labour = "labour",
        /// Domestic servitude in a private household.
        DomesticServitude = "domestic_servitude",
        /// Being made to commit crimes (theft, drug cultivation or dealing...).
        Criminality = "forced_criminality",
        /// Forced begging.
        Begging = "forced_begging",
        /// Forced or sham marriage.
        Marriage = "forced_marriage",
        /// Removal of organs.
        Organs = "organ_removal",
        /// Not known or not said.
        Unknown = "unknown",
    }
);

code_enum!(
    /// What an entity is.
    EntityKind {
        /// A person, by name or description.
        Person = "person",
        /// A company or other business.
        Company = "company",
        /// An address or location.
        Place = "place",
        /// A phone number (digits and the usual separators, see [`phone_like`](super::phone_like)).
        Phone = "phone",
        /// A vehicle, usually by its number plate.
        Vehicle = "vehicle",
        /// A website or online advertisement, by URL.
        Website = "website",
        /// A bank account, by IBAN or number.
        Account = "bank_account",
    }
);

code_enum!(
    /// Whose the entity is, in the reported situation.
    EntityRole {
        /// Belongs to a possible victim: never shared beyond the own organisation without the
        /// victim's recorded consent.
        PossibleVictim = "possible_victim",
        /// Belongs to a witness.
        Witness = "witness",
        /// Belongs to someone who recruits victims (suspect).
        Recruiter = "recruiter",
        /// Belongs to someone who profits from the exploitation (suspect).
        Exploiter = "exploiter",
        /// Belongs to someone who transports victims (suspect).
        Driver = "driver",
        /// Belongs to someone who lodges victims (suspect).
        Landlord = "landlord",
        /// Belongs to someone who employs victims (suspect).
        Employer = "employer",
        /// Whose it is is not known.
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
        /// Only the owning organisation.
        Own = "own",
        /// The owner; the other members of its networks count the record in statistics
        /// without reading it.
        Aggregate = "aggregate",
        /// The owner and the partner organisations it is shared with by name.
        Partners = "partners",
        /// The owner, named partners and every member of the owner's networks.
        Network = "network",
        /// As `Network`, and a named law-enforcement liaison organisation may be among the
        /// named readers.
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
    Source {
        /// Entered by a user of a member organisation.
        Member = "member",
        /// Sent through the public report form; it waits for triage.
        Public = "public",
    }
);

code_enum!(
    /// The life of a report.
    ReportStatus {
        /// A public report waiting to be accepted or marked as spam.
        Triage = "triage",
        /// Part of the organisation's information: searched, counted, linked and shared.
        Accepted = "accepted",
        /// Marked as spam at triage: its text and entities were erased.
        Spam = "spam",
    }
);
