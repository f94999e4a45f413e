//! Protection of victims (issue 4): the case lifecycle, informed consent, referrals between
//! organisations, judicial proceedings, deadlines and retention. Pure rules, no I/O: the store
//! persists these values and the web layer shows them; every decision is taken here.
//!
//! # Submodules
//!
//! - [`case`]: the case lifecycle state machine (identified → recovery and reflection period →
//!   assistance → follow-up → closed, reopen with a reason; judicial proceedings run in
//!   parallel), the per-country reflection period (at least 30 days, Warsaw Convention art. 13).
//! - [`consent`]: informed-consent records, recorded legal bases, and the one decision whether
//!   a sharing of data is permitted ([`consent::sharing_permitted`]). Assistance never depends on
//!   cooperation with the police (Warsaw art. 12(6)): law-enforcement sharing is its own consent.
//! - [`referral`]: referrals with the minimum data selected by the sender, their status machine,
//!   and the separate act of transferring lead responsibility.
//! - [`judicial`]: proceedings stages, the victim's role, residence permits (art. 14) and
//!   compensation claims (art. 15).
//! - [`deadlines`](mod@deadlines): reminders for expulsion-sensitive and other dates.
//! - [`retention`]: retention periods per record type.
//! - [`htcds`]: the HTCDS 2.0 code lists the case records.
//!
//! # HTCDS 2.0 mapping
//!
//! Where the Human Trafficking Case Data Standard has a field for the same fact, the value is
//! kept with HTCDS's exact code (`as_str()`), so that an export to CTDC needs no re-keying:
//!
//! | Ally | HTCDS field |
//! |---|---|
//! | [`case::CaseLifecycle::htcds_status`] | `cas_Status` (`Active`, `FollowUp`, `Closed`, `ClosedReferred`) |
//! | [`case::Closure::reason`] | `cas_ReasonForCaseClosure` (free text) |
//! | [`case::CaseFacts::trafficking_status`] | `vic_TraffickingStatus` |
//! | [`case::CaseFacts::status_decided_by`] | `vic_TraffickingStatusDecisionMakingOrg` |
//! | [`case::CaseFacts::exploitation`] | `vic_TypeOfExploitation` |
//! | [`case::CaseFacts::methods_of_control`] | `vic_MethodsOfControl` |
//! | [`referral::Referral::to_org`], [`referral::Referral::sent_on`] | `cas_ReferredOrganisation`, `cas_OutgoingReferralDate` (seen from the sender) |
//! | [`referral::Referral::from_org`] | `cas_ReferringOrganisation` (seen from the recipient) |
//! | [`referral::Referral::accepted_on`] | `cas_IncomingReferralDate` (date an incoming referral was accepted) |
//! | [`referral::Referral::reason`] | `cas_ReasonForOutgoingReferral` / `cas_ReasonForIncomingReferral` |
//! | [`referral::Referral::details`] | `cas_OutgoingReferralDetails` / `cas_IncomingReferralDetails` |
//! | [`consent::htcds_con_consent`] | `con_Consent` (`TRUE` / `FALSE`) |
//!
//! HTCDS stores consent as one boolean; Ally's consent records are richer (purpose, recipients,
//! scope, language, withdrawal) and `con_Consent` is derived from them. HTCDS has no lifecycle
//! finer than `cas_Status`, no reflection period, and no judicial fields: those are Ally's own.

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code (stored, exchanged, used as message key).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code ),+
                }
            }

            /// The value of a code produced by [`Self::as_str`].
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

macro_rules! protection_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(u: uuid::Uuid) -> Self {
                Self(u)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}

pub mod case;
pub mod consent;
pub mod deadlines;
pub mod htcds;
pub mod judicial;
pub mod referral;
pub mod retention;
pub mod services;
pub mod withdrawal;

pub use case::{
    CaseAction, CaseActionKind, CaseFacts, CaseLifecycle, CaseLifecycleParts, CaseState, Closure,
    PolicyError, ReflectionPeriod, ReflectionPolicy, Reopening, TransitionError, apply,
};
pub use consent::{
    ConsentError, ConsentGiver, ConsentPurpose, ConsentRecord, ConsentStatus, Coverage, LegalBasis,
    LegalBasisRecord, RecipientKind, SharingGrant, SharingRefused, SharingRequest,
    grants_no_longer_permitted, htcds_con_consent, sharing_permitted,
};
pub use deadlines::{Deadline, DeadlineFacts, DeadlineKind, ReminderWindows, deadlines};
pub use judicial::{
    CompensationClaim, CompensationDecision, CurrencyCode, JudicialError, Payment, PermitDecision,
    Proceedings, ProceedingsOutcome, ProceedingsStage, ResidencePermit, VictimRole,
};
pub use referral::{
    FieldSelection, LeadTransfer, LeadTransferStatus, NewReferral, Party, Referral, ReferralAction,
    ReferralActionKind, ReferralError, ReferralEvent, ReferralStatus, ReferralSubject, act,
    filter_fields, referrals_no_longer_permitted,
};
pub use retention::{
    RecordType, RetentionCandidate, RetentionError, RetentionPolicy, past_retention,
    records_past_retention,
};
pub use services::{
    RiskLevel, ServiceError, ServiceKind, ServiceProgress, ServiceStatus, ServiceUpdate,
};
pub use withdrawal::{Withdrawal, withdraw};

protection_id!(
    /// A protection case (one presumed victim's case at one organisation).
    CaseId
);
protection_id!(
    /// One informed-consent record.
    ConsentId
);
protection_id!(
    /// One recorded legal basis for sharing without consent.
    LegalBasisId
);
protection_id!(
    /// One referral between organisations.
    ReferralId
);
protection_id!(
    /// One access grant to another organisation created by a sharing.
    GrantId
);
protection_id!(
    /// One service request inside a case (a referral may concern only this request).
    ServiceRequestId
);

code_enum! {
    /// The groups of fields a consent covers, a sender selects for a referral, and a recipient
    /// sees. Sharing is decided per group, never per whole record: the minimum data needed.
    pub enum FieldGroup {
        /// Names, aliases, date of birth, sex and gender, nationality, languages.
        Identity => "identity",
        /// Phones, addresses, e-mail.
        Contact => "contact",
        /// Identity and travel documents.
        Documents => "documents",
        /// Case status, dates, caseworker: what a partner needs to coordinate.
        CaseSummary => "case_summary",
        /// Trafficking history: exploitation, means of control, recruitment, perpetrators.
        Exploitation => "exploitation",
        /// Physical and mental health.
        Health => "health",
        /// Needs and services (shelter, legal, medical, financial...).
        Needs => "needs",
        /// Proceedings, victim's role, court dates.
        Judicial => "judicial",
        /// Residence status and permits.
        Immigration => "immigration",
        /// Compensation claims and payments.
        Compensation => "compensation",
    }
}

/// Adds `days` calendar days to `date`, or `None` past the calendar's range.
pub(crate) fn add_days(date: time::Date, days: i64) -> Option<time::Date> {
    date.checked_add(time::Duration::days(days))
}

/// Whether a free-text reason has content (reasons are kept for history and audit).
pub(crate) fn has_text(s: &str) -> bool {
    !s.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_groups_round_trip() {
        for g in FieldGroup::ALL {
            assert_eq!(FieldGroup::parse(g.as_str()), Some(*g));
        }
        assert_eq!(FieldGroup::ALL.len(), 10);
        assert_eq!(FieldGroup::parse("Identity"), None);
    }

    #[test]
    fn ids_parse_their_display_form() {
        let id = ReferralId::new();
        assert_eq!(id.to_string().parse::<ReferralId>().ok(), Some(id));
    }
}
