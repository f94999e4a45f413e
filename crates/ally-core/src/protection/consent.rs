//! Informed consent, recorded legal bases, and the one decision whether data may be shared
//! with another organisation ([`sharing_permitted`]).
//!
//! Rules, and why:
//! - Consent is specific: a record names its purpose, its recipients (organisations) and its
//!   scope (field groups); a sharing is permitted only if one valid record (or one recorded
//!   legal basis) covers the recipient and every requested field group.
//! - Sharing with law enforcement needs a consent of its own ([`ConsentPurpose::LawEnforcementSharing`]),
//!   separate from consent to services and referrals: assistance never depends on the victim's
//!   willingness to cooperate with the police or testify (Warsaw Convention art. 12(6)). A
//!   referral consent never covers the police, and a refused police consent changes nothing
//!   for any other purpose (the purposes are never mixed in the decision).
//! - Authorities that can sanction or report a person's residence status (labour inspectorates,
//!   tax authorities) are treated like the police ([`RecipientKind::of`]).
//! - A refusal recorded on or after a consent, for the same purpose and recipient, overrides
//!   it: the latest word of the person counts.
//! - Withdrawal takes effect at once: a withdrawn record never permits anything, and
//!   [`withdraw`] returns the grants and referrals that rested on it, to be revoked now.
//! - For a child (or a person who may be a child), only a consent given by a guardian counts,
//!   or a recorded legal basis such as a child-protection duty.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;
use time::Date;

use super::{ConsentId, FieldGroup, GrantId, LegalBasisId, has_text};
use crate::ids::{OrgId, UserId};
use crate::org::OrgKind;

code_enum! {
    /// What a consent is for. Each purpose is decided on its own.
    pub enum ConsentPurpose {
        /// Assistance by the recording organisation, and keeping the record. Covers no sharing.
        Services => "services",
        /// Sharing with the named (non-law-enforcement) organisations for assistance.
        Referral => "referral",
        /// Sharing with the named law-enforcement bodies. Separate by design (art. 12(6)).
        LawEnforcementSharing => "law_enforcement_sharing",
        /// Use in anonymised statistics (e.g. a CTDC contribution). Covers no identified sharing.
        Statistics => "statistics",
    }
}

code_enum! {
    /// The kind of a recipient, for the purpose of consent.
    pub enum RecipientKind {
        /// Services: NGOs, shelters, unions, legal aid...
        Service => "service",
        /// Police, and any authority that can sanction or report residence status.
        LawEnforcement => "law_enforcement",
    }
}

impl RecipientKind {
    /// The recipient kind of an organisation kind. On the safe side: any authority with
    /// enforcement powers counts as law enforcement.
    pub fn of(kind: OrgKind) -> RecipientKind {
        match kind {
            OrgKind::LawEnforcementLiaison
            | OrgKind::LabourInspectorate
            | OrgKind::TaxAuthority => RecipientKind::LawEnforcement,
            OrgKind::Ngo
            | OrgKind::Shelter
            | OrgKind::Union
            | OrgKind::CommunityGroup
            | OrgKind::LegalAid
            | OrgKind::Network => RecipientKind::Service,
        }
    }

    /// The only consent purpose that can cover a sharing with this kind of recipient.
    pub fn consent_purpose(self) -> ConsentPurpose {
        match self {
            RecipientKind::Service => ConsentPurpose::Referral,
            RecipientKind::LawEnforcement => ConsentPurpose::LawEnforcementSharing,
        }
    }
}

/// The person's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    /// The person agreed.
    Given,
    /// The person said no; overrides earlier consents for the same purpose and recipient.
    Refused,
    /// Given, then withdrawn on `on`. Effective at once, whatever the date says.
    Withdrawn {
        /// Day the withdrawal was recorded.
        on: Date,
    },
}

impl ConsentStatus {
    /// The stored code: `given`, `refused` or `withdrawn` (the date is stored apart).
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Given => "given",
            ConsentStatus::Refused => "refused",
            ConsentStatus::Withdrawn { .. } => "withdrawn",
        }
    }

    /// The status from its stored code and withdrawal date (required exactly for `withdrawn`).
    pub fn from_parts(code: &str, withdrawn_on: Option<Date>) -> Option<ConsentStatus> {
        match (code, withdrawn_on) {
            ("given", None) => Some(ConsentStatus::Given),
            ("refused", None) => Some(ConsentStatus::Refused),
            ("withdrawn", Some(on)) => Some(ConsentStatus::Withdrawn { on }),
            _ => None,
        }
    }

    /// The withdrawal date, if withdrawn.
    pub fn withdrawn_on(self) -> Option<Date> {
        match self {
            ConsentStatus::Withdrawn { on } => Some(on),
            _ => None,
        }
    }
}

/// Who gave (or refused) the consent.
#[derive(Clone, PartialEq, Eq)]
pub enum ConsentGiver {
    /// The person concerned.
    Person,
    /// A guardian of a child (or of a person who may be a child).
    Guardian {
        /// The guardian's name (redacted in `Debug`).
        name: String,
        /// How the guardian is related to the person (parent, appointed guardian...).
        relationship: String,
    },
}

impl fmt::Debug for ConsentGiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsentGiver::Person => f.write_str("Person"),
            ConsentGiver::Guardian { .. } => f.write_str("Guardian(<redacted>)"),
        }
    }
}

/// One informed-consent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The record's id; a grant or referral resting on it names it ([`Coverage::Consent`]).
    pub id: ConsentId,
    /// What the consent is for; each purpose is decided on its own.
    pub purpose: ConsentPurpose,
    /// The organisations the consent names (empty for services and statistics).
    pub recipients: BTreeSet<OrgId>,
    /// The field groups it covers.
    pub scope: BTreeSet<FieldGroup>,
    /// Language tag of the language in which the consent was explained (e.g. "ro", "ti").
    pub explained_in_language: String,
    /// Given, refused, or withdrawn since.
    pub status: ConsentStatus,
    /// The date the consent was given or refused.
    pub date: Date,
    /// Last day of validity, if the consent was given for a limited time.
    pub valid_until: Option<Date>,
    /// The user who recorded it.
    pub recorded_by: UserId,
    /// The person, or a guardian (the only valid giver for a child).
    pub given_by: ConsentGiver,
}

/// A consent record that cannot be stored or changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentError {
    /// No valid language tag for the language the consent was explained in.
    #[error("the language in which consent was explained is required")]
    LanguageRequired,
    /// A referral or law-enforcement consent names no recipient.
    #[error("a consent to sharing must name its recipients")]
    RecipientsRequired,
    /// A given consent covers no field group.
    #[error("a consent must cover at least one field group")]
    ScopeRequired,
    /// The last day of validity is before the consent's date.
    #[error("the end of validity is before the consent")]
    ValidityBeforeDate,
    /// A guardian's name or relationship is missing.
    #[error("a guardian's name and relationship are required")]
    GuardianRequired,
    /// Withdrawal of a consent that is not (or no longer) given.
    #[error("only a given consent can be withdrawn")]
    NotGiven,
    /// The withdrawal is dated before the consent.
    #[error("a withdrawal cannot predate the consent")]
    WithdrawalBeforeConsent,
}

impl ConsentError {
    /// A stable message key for the web layer (`scope_required`...).
    pub fn code(&self) -> &'static str {
        match self {
            ConsentError::LanguageRequired => "language_required",
            ConsentError::RecipientsRequired => "recipients_required",
            ConsentError::ScopeRequired => "scope_required",
            ConsentError::ValidityBeforeDate => "validity_before_date",
            ConsentError::GuardianRequired => "guardian_required",
            ConsentError::NotGiven => "consent_not_given",
            ConsentError::WithdrawalBeforeConsent => "withdrawal_before_consent",
        }
    }
}

impl ConsentRecord {
    /// Checks a record before it is stored.
    pub fn validate(&self) -> Result<(), ConsentError> {
        let lang = self.explained_in_language.trim();
        if lang.len() < 2 || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConsentError::LanguageRequired);
        }
        if matches!(
            self.purpose,
            ConsentPurpose::Referral | ConsentPurpose::LawEnforcementSharing
        ) && self.recipients.is_empty()
        {
            return Err(ConsentError::RecipientsRequired);
        }
        // A refusal needs no scope: it overrides every earlier consent for its purpose and
        // recipients, whatever their scope.
        if self.scope.is_empty() && self.status != ConsentStatus::Refused {
            return Err(ConsentError::ScopeRequired);
        }
        if self.valid_until.is_some_and(|u| u < self.date) {
            return Err(ConsentError::ValidityBeforeDate);
        }
        if let ConsentGiver::Guardian { name, relationship } = &self.given_by
            && (!has_text(name) || !has_text(relationship))
        {
            return Err(ConsentError::GuardianRequired);
        }
        if let ConsentStatus::Withdrawn { on } = self.status
            && on < self.date
        {
            return Err(ConsentError::WithdrawalBeforeConsent);
        }
        Ok(())
    }

    fn names(&self, purpose: ConsentPurpose, recipient: OrgId) -> bool {
        self.purpose == purpose && self.recipients.contains(&recipient)
    }

    fn in_force(&self, today: Date) -> bool {
        self.status == ConsentStatus::Given
            && self.date <= today
            && self.valid_until.is_none_or(|u| today <= u)
    }
}

code_enum! {
    /// A ground for sharing without consent, recorded with its reference.
    pub enum LegalBasis {
        /// A duty to protect a child (counts only when the person is or may be a child).
        ChildProtectionDuty => "child_protection_duty",
        /// An order of a court (the reference gives its number).
        CourtOrder => "court_order",
        /// Another duty laid down by law (the reference names it).
        StatutoryDuty => "statutory_duty",
        /// To protect the person's life when they cannot consent.
        VitalInterest => "vital_interest",
    }
}

/// A recorded legal basis: like a consent, it names its recipients and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasisRecord {
    /// The record's id; a grant resting on it names it ([`Coverage::LegalBasis`]).
    pub id: LegalBasisId,
    /// Which ground (court order, child-protection duty...).
    pub basis: LegalBasis,
    /// The organisations it allows sharing with.
    pub recipients: BTreeSet<OrgId>,
    /// The field groups it covers.
    pub scope: BTreeSet<FieldGroup>,
    /// Court order number, article of law...
    pub reference: String,
    /// Day it was recorded; it covers nothing before.
    pub recorded_on: Date,
    /// Last day it applies, if limited.
    pub valid_until: Option<Date>,
    /// The user who recorded it.
    pub recorded_by: UserId,
}

impl LegalBasisRecord {
    fn covers(&self, request: &SharingRequest, today: Date) -> bool {
        self.recorded_on <= today
            && self.valid_until.is_none_or(|u| today <= u)
            && self.recipients.contains(&request.recipient)
            && request.fields.is_subset(&self.scope)
            && (self.basis != LegalBasis::ChildProtectionDuty || request.subject_may_be_child)
            && has_text(&self.reference)
    }
}

/// A proposed sharing of a case's data with another organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingRequest {
    /// The organisation that would receive the data.
    pub recipient: OrgId,
    /// Whether it counts as a service or as law enforcement ([`RecipientKind::of`] its kind).
    pub recipient_kind: RecipientKind,
    /// The field groups to share; the minimum needed.
    pub fields: BTreeSet<FieldGroup>,
    /// The person is, or may be, a child (uncertain ages count as children).
    pub subject_may_be_child: bool,
}

/// What permits a sharing: kept with the grant, so that a withdrawal finds what it revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coverage {
    /// A consent of the person (or guardian).
    Consent(ConsentId),
    /// A recorded legal basis.
    LegalBasis(LegalBasisId),
}

/// Why a sharing is not permitted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SharingRefused {
    /// The request names no field group.
    #[error("no field group requested")]
    EmptyRequest,
    /// No consent or legal basis names this recipient for this purpose.
    #[error("no consent or legal basis names this recipient for this purpose")]
    NoConsent,
    /// The person refused this sharing (and has not consented since).
    #[error("the person refused this sharing")]
    Refused,
    /// The consent that would have covered it was withdrawn.
    #[error("the person withdrew consent to this sharing")]
    Withdrawn,
    /// The consent that would have covered it is past its last day of validity.
    #[error("the consent has expired")]
    Expired,
    /// A consent names the recipient but does not cover every requested field group.
    #[error("the consent does not cover every requested field group")]
    ScopeExceeded {
        /// The requested groups the closest consent lacks.
        missing: BTreeSet<FieldGroup>,
    },
    /// The person is or may be a child, and no guardian's consent or legal basis covers it.
    #[error("for a child, consent must be given by a guardian, or a legal basis recorded")]
    ChildNeedsGuardianOrLegalBasis,
}

impl SharingRefused {
    /// A stable message key for the web layer (`consent_withdrawn`...).
    pub fn code(&self) -> &'static str {
        match self {
            SharingRefused::EmptyRequest => "empty_request",
            SharingRefused::NoConsent => "no_consent",
            SharingRefused::Refused => "consent_refused",
            SharingRefused::Withdrawn => "consent_withdrawn",
            SharingRefused::Expired => "consent_expired",
            SharingRefused::ScopeExceeded { .. } => "scope_exceeded",
            SharingRefused::ChildNeedsGuardianOrLegalBasis => "child_needs_guardian",
        }
    }
}

/// The decision: is `request` permitted on `today`, and by what?
///
/// A consent is preferred to a legal basis when both cover (the person's own word first).
/// One record must cover the whole request; scopes of several records are not added up.
pub fn sharing_permitted(
    consents: &[ConsentRecord],
    legal_bases: &[LegalBasisRecord],
    request: &SharingRequest,
    today: Date,
) -> Result<Coverage, SharingRefused> {
    if request.fields.is_empty() {
        return Err(SharingRefused::EmptyRequest);
    }
    let purpose = request.recipient_kind.consent_purpose();
    let relevant: Vec<&ConsentRecord> = consents
        .iter()
        .filter(|c| c.names(purpose, request.recipient))
        .collect();
    let overridden = |c: &ConsentRecord| {
        relevant
            .iter()
            .any(|r| r.status == ConsentStatus::Refused && r.date >= c.date && r.date <= today)
    };
    let current: Vec<&ConsentRecord> = relevant
        .iter()
        .copied()
        .filter(|c| c.in_force(today) && !overridden(c))
        .collect();
    let eligible: Vec<&ConsentRecord> = current
        .iter()
        .copied()
        .filter(|c| {
            !request.subject_may_be_child || matches!(c.given_by, ConsentGiver::Guardian { .. })
        })
        .collect();
    if let Some(c) = eligible.iter().find(|c| request.fields.is_subset(&c.scope)) {
        return Ok(Coverage::Consent(c.id));
    }
    if let Some(b) = legal_bases.iter().find(|b| b.covers(request, today)) {
        return Ok(Coverage::LegalBasis(b.id));
    }

    // Refused: say why, most specific first.
    if let Some(missing) = eligible
        .iter()
        .map(|c| {
            request
                .fields
                .difference(&c.scope)
                .copied()
                .collect::<BTreeSet<_>>()
        })
        .min_by_key(BTreeSet::len)
    {
        return Err(SharingRefused::ScopeExceeded { missing });
    }
    if !current.is_empty() {
        return Err(SharingRefused::ChildNeedsGuardianOrLegalBasis);
    }
    if relevant
        .iter()
        .any(|c| c.status == ConsentStatus::Refused && c.date <= today)
    {
        return Err(SharingRefused::Refused);
    }
    if relevant
        .iter()
        .any(|c| matches!(c.status, ConsentStatus::Withdrawn { .. }))
    {
        return Err(SharingRefused::Withdrawn);
    }
    if relevant
        .iter()
        .any(|c| c.status == ConsentStatus::Given && c.valid_until.is_some_and(|u| u < today))
    {
        return Err(SharingRefused::Expired);
    }
    if request.subject_may_be_child {
        return Err(SharingRefused::ChildNeedsGuardianOrLegalBasis);
    }
    Err(SharingRefused::NoConsent)
}

/// HTCDS `con_Consent` (`TRUE` / `FALSE`): whether a consent to services is in force.
pub fn htcds_con_consent(consents: &[ConsentRecord], today: Date) -> &'static str {
    let services: Vec<&ConsentRecord> = consents
        .iter()
        .filter(|c| c.purpose == ConsentPurpose::Services)
        .collect();
    let in_force = services.iter().any(|c| {
        c.in_force(today)
            && !services
                .iter()
                .any(|r| r.status == ConsentStatus::Refused && r.date >= c.date && r.date <= today)
    });
    if in_force { "TRUE" } else { "FALSE" }
}

/// Access given to another organisation by a sharing (other than a referral), with what
/// permitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingGrant {
    /// The grant's id.
    pub id: GrantId,
    /// Who receives which field groups.
    pub request: SharingRequest,
    /// The consent or legal basis that permitted it; revoked with it.
    pub basis: Coverage,
}

/// Grants no longer permitted on `today` (expired consents or legal bases, refusals recorded
/// since): to be revoked. A check the store can run daily, in addition to [`withdraw`].
pub fn grants_no_longer_permitted(
    grants: &[SharingGrant],
    consents: &[ConsentRecord],
    legal_bases: &[LegalBasisRecord],
    today: Date,
) -> Vec<GrantId> {
    grants
        .iter()
        .filter(|g| sharing_permitted(consents, legal_bases, &g.request, today).is_err())
        .map(|g| g.id)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::protection::withdrawal::withdraw;
    use proptest::prelude::*;
    use time::macros::date;
    use uuid::Uuid;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn org(n: u128) -> OrgId {
        OrgId::from(Uuid::from_u128(n))
    }
    fn user() -> UserId {
        UserId::from(Uuid::from_u128(99))
    }
    const SHELTER: u128 = 1;
    const POLICE: u128 = 2;
    const LEGAL_AID: u128 = 3;

    fn groups(gs: &[FieldGroup]) -> BTreeSet<FieldGroup> {
        gs.iter().copied().collect()
    }

    fn consent(purpose: ConsentPurpose, to: &[u128], scope: &[FieldGroup]) -> ConsentRecord {
        ConsentRecord {
            id: ConsentId::new(),
            purpose,
            recipients: to.iter().map(|n| org(*n)).collect(),
            scope: groups(scope),
            explained_in_language: "ro".into(),
            status: ConsentStatus::Given,
            date: date!(2026 - 06 - 01),
            valid_until: None,
            recorded_by: user(),
            given_by: ConsentGiver::Person,
        }
    }

    fn request(to: u128, kind: RecipientKind, fields: &[FieldGroup]) -> SharingRequest {
        SharingRequest {
            recipient: org(to),
            recipient_kind: kind,
            fields: groups(fields),
            subject_may_be_child: false,
        }
    }

    use FieldGroup as F;
    use RecipientKind::{LawEnforcement as LE, Service as SVC};

    #[test]
    fn a_referral_consent_covers_its_recipients_and_scope_only() {
        let c = consent(
            ConsentPurpose::Referral,
            &[SHELTER],
            &[F::Identity, F::Needs],
        );
        let cs = [c.clone()];
        assert_eq!(
            sharing_permitted(&cs, &[], &request(SHELTER, SVC, &[F::Needs]), TODAY),
            Ok(Coverage::Consent(c.id))
        );
        assert_eq!(
            sharing_permitted(
                &cs,
                &[],
                &request(SHELTER, SVC, &[F::Identity, F::Needs]),
                TODAY
            ),
            Ok(Coverage::Consent(c.id))
        );
        assert_eq!(
            sharing_permitted(
                &cs,
                &[],
                &request(SHELTER, SVC, &[F::Needs, F::Health, F::Judicial]),
                TODAY
            ),
            Err(SharingRefused::ScopeExceeded {
                missing: groups(&[F::Health, F::Judicial])
            })
        );
        assert_eq!(
            sharing_permitted(&cs, &[], &request(LEGAL_AID, SVC, &[F::Needs]), TODAY),
            Err(SharingRefused::NoConsent)
        );
        assert_eq!(
            sharing_permitted(&cs, &[], &request(SHELTER, SVC, &[]), TODAY),
            Err(SharingRefused::EmptyRequest)
        );
    }

    #[test]
    fn services_and_referral_consent_never_cover_the_police() {
        // Even a consent naming the police organisation, if it is not a law-enforcement consent.
        let cs = [
            consent(ConsentPurpose::Services, &[POLICE], F::ALL),
            consent(ConsentPurpose::Referral, &[POLICE], F::ALL),
            consent(ConsentPurpose::Statistics, &[POLICE], F::ALL),
        ];
        assert_eq!(
            sharing_permitted(&cs, &[], &request(POLICE, LE, &[F::CaseSummary]), TODAY),
            Err(SharingRefused::NoConsent)
        );
        let le = consent(
            ConsentPurpose::LawEnforcementSharing,
            &[POLICE],
            &[F::CaseSummary],
        );
        let mut with_le = cs.to_vec();
        with_le.push(le.clone());
        assert_eq!(
            sharing_permitted(
                &with_le,
                &[],
                &request(POLICE, LE, &[F::CaseSummary]),
                TODAY
            ),
            Ok(Coverage::Consent(le.id))
        );
        // And a law-enforcement consent does not cover services.
        let only_le = [le];
        assert_eq!(
            sharing_permitted(
                &only_le,
                &[],
                &request(POLICE, SVC, &[F::CaseSummary]),
                TODAY
            ),
            Err(SharingRefused::NoConsent)
        );
    }

    #[test]
    fn refusing_police_sharing_changes_nothing_for_services() {
        let referral = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        let mut refused = consent(
            ConsentPurpose::LawEnforcementSharing,
            &[POLICE, SHELTER],
            F::ALL,
        );
        refused.status = ConsentStatus::Refused;
        refused.date = date!(2026 - 06 - 10);
        let req = request(SHELTER, SVC, &[F::Needs]);
        assert_eq!(
            sharing_permitted(&[referral.clone(), refused.clone()], &[], &req, TODAY),
            Ok(Coverage::Consent(referral.id))
        );
        assert_eq!(
            sharing_permitted(
                &[referral, refused],
                &[],
                &request(POLICE, LE, &[F::Needs]),
                TODAY
            ),
            Err(SharingRefused::Refused)
        );
    }

    #[test]
    fn the_latest_refusal_overrides_an_earlier_consent_but_not_a_later_one() {
        let given = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        let mut refusal = given.clone();
        refusal.id = ConsentId::new();
        refusal.status = ConsentStatus::Refused;
        refusal.date = date!(2026 - 06 - 05);
        // A refusal of a narrower scope still overrides the whole earlier consent.
        refusal.scope = [F::Contact].into();
        let req = request(SHELTER, SVC, &[F::Needs]);
        assert_eq!(
            sharing_permitted(&[given.clone(), refusal.clone()], &[], &req, TODAY),
            Err(SharingRefused::Refused)
        );
        // Same day counts as later (the safe side).
        refusal.date = given.date;
        assert_eq!(
            sharing_permitted(&[given.clone(), refusal.clone()], &[], &req, TODAY),
            Err(SharingRefused::Refused)
        );
        // A consent given after the refusal counts.
        let mut again = given.clone();
        again.id = ConsentId::new();
        again.date = date!(2026 - 06 - 10);
        assert_eq!(
            sharing_permitted(&[given, refusal, again.clone()], &[], &req, TODAY),
            Ok(Coverage::Consent(again.id))
        );
    }

    #[test]
    fn expired_future_and_withdrawn_consents_do_not_count() {
        let req = request(SHELTER, SVC, &[F::Needs]);
        let mut c = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        c.valid_until = Some(TODAY);
        assert!(sharing_permitted(std::slice::from_ref(&c), &[], &req, TODAY).is_ok());
        c.valid_until = Some(date!(2026 - 06 - 14));
        assert_eq!(
            sharing_permitted(std::slice::from_ref(&c), &[], &req, TODAY),
            Err(SharingRefused::Expired)
        );
        let mut future = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        future.date = date!(2026 - 06 - 16);
        assert_eq!(
            sharing_permitted(&[future], &[], &req, TODAY),
            Err(SharingRefused::NoConsent)
        );
        let mut w = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        // Withdrawal takes effect at once, even when recorded with a later date.
        w.status = ConsentStatus::Withdrawn {
            on: date!(2026 - 07 - 01),
        };
        assert_eq!(
            sharing_permitted(&[w], &[], &req, TODAY),
            Err(SharingRefused::Withdrawn)
        );
    }

    #[test]
    fn children_need_a_guardian_or_a_legal_basis() {
        let mut req = request(SHELTER, SVC, &[F::Needs]);
        req.subject_may_be_child = true;
        let own = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        assert_eq!(
            sharing_permitted(std::slice::from_ref(&own), &[], &req, TODAY),
            Err(SharingRefused::ChildNeedsGuardianOrLegalBasis)
        );
        assert_eq!(
            sharing_permitted(&[], &[], &req, TODAY),
            Err(SharingRefused::ChildNeedsGuardianOrLegalBasis)
        );
        let mut guardian = own.clone();
        guardian.id = ConsentId::new();
        guardian.given_by = ConsentGiver::Guardian {
            name: "Maria Popescu".into(),
            relationship: "legal guardian".into(),
        };
        assert_eq!(
            sharing_permitted(&[own.clone(), guardian.clone()], &[], &req, TODAY),
            Ok(Coverage::Consent(guardian.id))
        );
        let basis = LegalBasisRecord {
            id: LegalBasisId::new(),
            basis: LegalBasis::ChildProtectionDuty,
            recipients: [org(SHELTER)].into(),
            scope: groups(&[F::Needs, F::Identity]),
            reference: "Child Protection Act s. 12".into(),
            recorded_on: date!(2026 - 06 - 01),
            valid_until: None,
            recorded_by: user(),
        };
        assert_eq!(
            sharing_permitted(
                std::slice::from_ref(&own),
                std::slice::from_ref(&basis),
                &req,
                TODAY
            ),
            Ok(Coverage::LegalBasis(basis.id))
        );
        // A child-protection duty is no basis for an adult.
        let adult = request(SHELTER, SVC, &[F::Needs]);
        assert_eq!(
            sharing_permitted(&[], std::slice::from_ref(&basis), &adult, TODAY),
            Err(SharingRefused::NoConsent)
        );
        // An adult's own consent is enough.
        assert_eq!(
            sharing_permitted(std::slice::from_ref(&own), &[], &adult, TODAY),
            Ok(Coverage::Consent(own.id))
        );
    }

    #[test]
    fn a_court_order_can_cover_the_police_within_its_scope_and_time() {
        let order = LegalBasisRecord {
            id: LegalBasisId::new(),
            basis: LegalBasis::CourtOrder,
            recipients: [org(POLICE)].into(),
            scope: groups(&[F::Identity]),
            reference: "TGI Lyon 26/1234".into(),
            recorded_on: date!(2026 - 06 - 01),
            valid_until: Some(date!(2026 - 06 - 30)),
            recorded_by: user(),
        };
        let bs = [order.clone()];
        assert_eq!(
            sharing_permitted(&[], &bs, &request(POLICE, LE, &[F::Identity]), TODAY),
            Ok(Coverage::LegalBasis(order.id))
        );
        assert_eq!(
            sharing_permitted(&[], &bs, &request(POLICE, LE, &[F::Health]), TODAY),
            Err(SharingRefused::NoConsent)
        );
        assert_eq!(
            sharing_permitted(
                &[],
                &bs,
                &request(POLICE, LE, &[F::Identity]),
                date!(2026 - 07 - 01)
            ),
            Err(SharingRefused::NoConsent)
        );
        let mut unreferenced = order;
        unreferenced.reference = " ".into();
        assert!(
            sharing_permitted(
                &[],
                &[unreferenced],
                &request(POLICE, LE, &[F::Identity]),
                TODAY
            )
            .is_err()
        );
    }

    #[test]
    fn withdrawal_revokes_exactly_the_grants_it_covered() {
        let a = consent(ConsentPurpose::Referral, &[SHELTER, LEGAL_AID], &[F::Needs]);
        let b = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        let basis = Coverage::LegalBasis(LegalBasisId::new());
        let grant = |basis: Coverage| SharingGrant {
            id: GrantId::new(),
            request: request(SHELTER, SVC, &[F::Needs]),
            basis,
        };
        let g1 = grant(Coverage::Consent(a.id));
        let g2 = grant(Coverage::Consent(b.id));
        let g3 = grant(basis);
        let g4 = grant(Coverage::Consent(a.id));
        let w = withdraw(&a, TODAY, &[g1.clone(), g2, g3, g4.clone()], &[]).unwrap();
        assert_eq!(w.revoke_grants, vec![g1.id, g4.id]);
        assert_eq!(w.consent.status, ConsentStatus::Withdrawn { on: TODAY });
        assert!(w.revoke_referrals.is_empty());
        // The withdrawn record no longer permits anything.
        assert_eq!(
            sharing_permitted(
                std::slice::from_ref(&w.consent),
                &[],
                &request(LEGAL_AID, SVC, &[F::Needs]),
                TODAY
            ),
            Err(SharingRefused::Withdrawn)
        );
        // Only a given consent can be withdrawn, and not before it was given.
        assert_eq!(
            withdraw(&w.consent, TODAY, &[], &[]),
            Err(ConsentError::NotGiven)
        );
        assert_eq!(
            withdraw(&a, date!(2026 - 05 - 31), &[], &[]),
            Err(ConsentError::WithdrawalBeforeConsent)
        );
    }

    #[test]
    fn grants_are_rechecked_against_expiry() {
        let mut c = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        c.valid_until = Some(date!(2026 - 06 - 20));
        let g = SharingGrant {
            id: GrantId::new(),
            request: request(SHELTER, SVC, &[F::Needs]),
            basis: Coverage::Consent(c.id),
        };
        let cs = [c];
        assert!(grants_no_longer_permitted(std::slice::from_ref(&g), &cs, &[], TODAY).is_empty());
        assert_eq!(
            grants_no_longer_permitted(std::slice::from_ref(&g), &cs, &[], date!(2026 - 06 - 21)),
            vec![g.id]
        );
    }

    #[test]
    fn records_are_validated() {
        let ok = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        assert_eq!(ok.validate(), Ok(()));
        let mut c = ok.clone();
        c.explained_in_language = " ".into();
        assert_eq!(c.validate(), Err(ConsentError::LanguageRequired));
        let mut c = ok.clone();
        c.recipients.clear();
        assert_eq!(c.validate(), Err(ConsentError::RecipientsRequired));
        let mut c = ok.clone();
        c.scope.clear();
        assert_eq!(c.validate(), Err(ConsentError::ScopeRequired));
        c.status = ConsentStatus::Refused;
        assert_eq!(c.validate(), Ok(()));
        let mut c = ok.clone();
        c.valid_until = Some(date!(2026 - 05 - 01));
        assert_eq!(c.validate(), Err(ConsentError::ValidityBeforeDate));
        let mut c = ok.clone();
        c.given_by = ConsentGiver::Guardian {
            name: "X".into(),
            relationship: String::new(),
        };
        assert_eq!(c.validate(), Err(ConsentError::GuardianRequired));
        let mut c = ok;
        c.purpose = ConsentPurpose::Services;
        c.recipients.clear();
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn statuses_round_trip_through_their_stored_parts() {
        for st in [
            ConsentStatus::Given,
            ConsentStatus::Refused,
            ConsentStatus::Withdrawn { on: TODAY },
        ] {
            assert_eq!(
                ConsentStatus::from_parts(st.as_str(), st.withdrawn_on()),
                Some(st)
            );
        }
        assert_eq!(ConsentStatus::from_parts("withdrawn", None), None);
        assert_eq!(ConsentStatus::from_parts("given", Some(TODAY)), None);
        assert_eq!(ConsentStatus::from_parts("maybe", None), None);
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::parse(p.as_str()), Some(*p));
        }
        for b in LegalBasis::ALL {
            assert_eq!(LegalBasis::parse(b.as_str()), Some(*b));
        }
    }

    #[test]
    fn guardian_names_are_not_in_debug_output() {
        let mut c = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Needs]);
        c.given_by = ConsentGiver::Guardian {
            name: "Maria Popescu".into(),
            relationship: "aunt".into(),
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("Maria") && !dbg.contains("aunt"), "{dbg}");
    }

    #[test]
    fn org_kinds_with_enforcement_powers_count_as_law_enforcement() {
        let le: Vec<OrgKind> = OrgKind::ALL
            .into_iter()
            .filter(|k| RecipientKind::of(*k) == LE)
            .collect();
        assert_eq!(
            le,
            vec![
                OrgKind::LawEnforcementLiaison,
                OrgKind::LabourInspectorate,
                OrgKind::TaxAuthority
            ]
        );
    }

    #[test]
    fn htcds_consent_flag_follows_services_consent() {
        let s = consent(ConsentPurpose::Services, &[], &[F::Identity]);
        assert_eq!(htcds_con_consent(std::slice::from_ref(&s), TODAY), "TRUE");
        assert_eq!(htcds_con_consent(&[], TODAY), "FALSE");
        let mut w = s.clone();
        w.status = ConsentStatus::Withdrawn { on: TODAY };
        assert_eq!(htcds_con_consent(&[w], TODAY), "FALSE");
        let r = consent(ConsentPurpose::Referral, &[SHELTER], &[F::Identity]);
        assert_eq!(htcds_con_consent(&[r], TODAY), "FALSE");
    }

    // Property tests: random consent sets over three organisations and a few field groups.

    fn arb_status() -> impl Strategy<Value = ConsentStatus> {
        prop_oneof![
            Just(ConsentStatus::Given),
            Just(ConsentStatus::Refused),
            (0i64..60).prop_map(|d| ConsentStatus::Withdrawn {
                on: TODAY + time::Duration::days(d - 30)
            }),
        ]
    }

    fn arb_purpose() -> impl Strategy<Value = ConsentPurpose> {
        prop::sample::select(ConsentPurpose::ALL.to_vec())
    }

    fn arb_groups() -> impl Strategy<Value = BTreeSet<FieldGroup>> {
        prop::collection::btree_set(prop::sample::select(F::ALL[..4].to_vec()), 0..4)
    }

    fn arb_consent() -> impl Strategy<Value = ConsentRecord> {
        (
            arb_purpose(),
            prop::collection::btree_set(1u128..=3, 0..3),
            arb_groups(),
            arb_status(),
            -40i64..10,
            prop::option::of(-20i64..20),
            any::<bool>(),
        )
            .prop_map(|(purpose, to, scope, status, d, until, guardian)| {
                let mut c = consent(purpose, &[], &[]);
                c.recipients = to.into_iter().map(org).collect();
                c.scope = scope;
                c.status = status;
                c.date = TODAY + time::Duration::days(d);
                c.valid_until = until.map(|u| TODAY + time::Duration::days(u));
                if guardian {
                    c.given_by = ConsentGiver::Guardian {
                        name: "G".into(),
                        relationship: "parent".into(),
                    };
                }
                c
            })
    }

    fn arb_request(kind: RecipientKind) -> impl Strategy<Value = SharingRequest> {
        (1u128..=3, arb_groups(), any::<bool>()).prop_map(move |(to, fields, child)| {
            SharingRequest {
                recipient: org(to),
                recipient_kind: kind,
                fields,
                subject_may_be_child: child,
            }
        })
    }

    proptest! {
        #[test]
        fn refusing_police_consent_never_changes_a_services_decision(
            consents in prop::collection::vec(arb_consent(), 0..6),
            refusals in prop::collection::vec(arb_consent(), 1..4),
            req in arb_request(SVC),
        ) {
            let before = sharing_permitted(&consents, &[], &req, TODAY);
            let mut with = consents.clone();
            for mut r in refusals {
                r.purpose = ConsentPurpose::LawEnforcementSharing;
                r.status = ConsentStatus::Refused;
                with.push(r);
            }
            prop_assert_eq!(sharing_permitted(&with, &[], &req, TODAY), before);
        }

        #[test]
        fn a_withdrawn_consent_never_permits_anything(
            consents in prop::collection::vec(arb_consent(), 0..6),
            svc in arb_request(SVC),
            le in arb_request(LE),
            shift in -40i64..40,
        ) {
            let withdrawn: Vec<ConsentRecord> = consents
                .into_iter()
                .map(|mut c| {
                    c.status = ConsentStatus::Withdrawn { on: c.date };
                    c
                })
                .collect();
            let day = TODAY + time::Duration::days(shift);
            prop_assert!(sharing_permitted(&withdrawn, &[], &svc, day).is_err());
            prop_assert!(sharing_permitted(&withdrawn, &[], &le, day).is_err());
        }

        #[test]
        fn a_permitting_consent_really_covers_the_request(
            consents in prop::collection::vec(arb_consent(), 0..6),
            req in prop_oneof![arb_request(SVC), arb_request(LE)],
        ) {
            if let Ok(Coverage::Consent(id)) = sharing_permitted(&consents, &[], &req, TODAY) {
                let c = consents.iter().find(|c| c.id == id).unwrap();
                prop_assert_eq!(c.status, ConsentStatus::Given);
                prop_assert_eq!(c.purpose, req.recipient_kind.consent_purpose());
                prop_assert!(c.recipients.contains(&req.recipient));
                prop_assert!(req.fields.is_subset(&c.scope));
                prop_assert!(c.date <= TODAY);
                let by_guardian = matches!(c.given_by, ConsentGiver::Guardian { .. });
                prop_assert!(!req.subject_may_be_child || by_guardian);
            }
        }
    }
}
