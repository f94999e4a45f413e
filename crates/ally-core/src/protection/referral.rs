//! Referrals between organisations.
//!
//! Rules, and why:
//! - A referral carries the minimum data needed: the sender selects field groups
//!   ([`FieldSelection`]) and the recipient sees exactly those ([`Referral::recipient_view`]).
//! - It can only be sent when a consent (or legal basis) covers the recipient and the selected
//!   fields ([`Referral::send`] asks [`super::consent::sharing_permitted`]); what permitted it is
//!   kept in [`Referral::basis`], so that withdrawing that consent revokes it.
//! - The recipient accepts or declines (with a reason); the sender may revoke (with a reason),
//!   which removes access at once; only an accepted referral can be completed. Declined,
//!   revoked and completed referrals are final. Both sides see the status and the history.
//! - Transferring lead responsibility is a separate, explicit act ([`LeadTransfer`]): proposed
//!   by the current lead for an accepted referral, and accepted by the recipient.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use thiserror::Error;
use time::Date;

use super::consent::{
    ConsentRecord, Coverage, LegalBasisRecord, RecipientKind, SharingRefused, SharingRequest,
    sharing_permitted,
};
use super::htcds::ReferralReason;
use super::{CaseId, FieldGroup, ReferralId, ServiceRequestId, has_text};
use crate::ids::{OrgId, UserId};

/// What is referred: the whole case or one service request in it.
///
/// The recipient of a service referral sees that service request and the selected field
/// groups; once it accepts, it is the service's provider and may update that service (status,
/// dates, outcome: [`Referral::may_update_service`]) and nothing else of the case. The lead
/// never moves with a service referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralSubject {
    /// The whole case: the recipient may later take over the lead ([`LeadTransfer`]).
    WholeCase,
    /// One service request of the case: the recipient becomes that service's provider.
    ServiceRequest(ServiceRequestId),
}

impl ReferralSubject {
    /// The service request referred, if the referral is about one.
    pub fn service(self) -> Option<ServiceRequestId> {
        match self {
            ReferralSubject::WholeCase => None,
            ReferralSubject::ServiceRequest(s) => Some(s),
        }
    }
}

/// The status of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralStatus {
    /// Sent, awaiting the recipient's answer; the recipient already sees the selected fields.
    Sent,
    /// Accepted by the recipient, who works on it.
    Accepted,
    /// Declined by the recipient (final).
    Declined {
        /// Why, as the recipient gave it.
        reason: String,
    },
    /// Revoked by the sender, or because the consent it rested on was withdrawn (final); access
    /// ends at once.
    Revoked {
        /// Why (`consent withdrawn` when a withdrawal of consent revoked it).
        reason: String,
    },
    /// The work referred is done (final).
    Completed,
}

impl ReferralStatus {
    /// The stored code: `sent`, `accepted`, `declined`, `revoked` or `completed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReferralStatus::Sent => "sent",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined { .. } => "declined",
            ReferralStatus::Revoked { .. } => "revoked",
            ReferralStatus::Completed => "completed",
        }
    }

    /// The status from its stored code and reason (required exactly for `declined` and
    /// `revoked`).
    pub fn from_parts(code: &str, reason: Option<String>) -> Option<ReferralStatus> {
        match (code, reason) {
            ("sent", None) => Some(ReferralStatus::Sent),
            ("accepted", None) => Some(ReferralStatus::Accepted),
            ("completed", None) => Some(ReferralStatus::Completed),
            ("declined", Some(reason)) => Some(ReferralStatus::Declined { reason }),
            ("revoked", Some(reason)) => Some(ReferralStatus::Revoked { reason }),
            _ => None,
        }
    }

    /// The reason of a decline or revocation.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ReferralStatus::Declined { reason } | ReferralStatus::Revoked { reason } => {
                Some(reason)
            }
            _ => None,
        }
    }

    /// No action is possible any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ReferralStatus::Declined { .. }
                | ReferralStatus::Revoked { .. }
                | ReferralStatus::Completed
        )
    }

    /// Whether the recipient sees the selected fields: while deciding (sent) and while working
    /// on it (accepted). Never after a decline, a revocation or completion.
    pub fn gives_access(&self) -> bool {
        matches!(self, ReferralStatus::Sent | ReferralStatus::Accepted)
    }
}

/// Something a party does to a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralAction {
    /// The recipient takes the referral on (only while sent).
    Accept,
    /// The recipient declines (only while sent).
    Decline {
        /// Why; required.
        reason: String,
    },
    /// The sender withdraws the referral (while sent or accepted); access ends at once.
    Revoke {
        /// Why; required.
        reason: String,
    },
    /// Either side records the work as done (only once accepted).
    Complete,
}

code_enum! {
    /// The kind of a [`ReferralAction`].
    pub enum ReferralActionKind {
        /// [`ReferralAction::Accept`].
        Accept => "accept",
        /// [`ReferralAction::Decline`].
        Decline => "decline",
        /// [`ReferralAction::Revoke`].
        Revoke => "revoke",
        /// [`ReferralAction::Complete`].
        Complete => "complete",
    }
}

impl ReferralAction {
    /// The action's kind, without its reason.
    pub fn kind(&self) -> ReferralActionKind {
        match self {
            ReferralAction::Accept => ReferralActionKind::Accept,
            ReferralAction::Decline { .. } => ReferralActionKind::Decline,
            ReferralAction::Revoke { .. } => ReferralActionKind::Revoke,
            ReferralAction::Complete => ReferralActionKind::Complete,
        }
    }
}

code_enum! {
    /// Which side of a referral an organisation is on.
    pub enum Party {
        /// The organisation that sent the referral (`from_org`).
        Sender => "sender",
        /// The organisation it was sent to (`to_org`).
        Recipient => "recipient",
    }
}

/// The field groups the sender selected: never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelection(BTreeSet<FieldGroup>);

impl FieldSelection {
    /// The selection of `groups`; refused if empty ([`ReferralError::NoFieldsSelected`]).
    pub fn new(
        groups: impl IntoIterator<Item = FieldGroup>,
    ) -> Result<FieldSelection, ReferralError> {
        let set: BTreeSet<FieldGroup> = groups.into_iter().collect();
        if set.is_empty() {
            return Err(ReferralError::NoFieldsSelected);
        }
        Ok(FieldSelection(set))
    }
    /// The selected groups.
    pub fn groups(&self) -> &BTreeSet<FieldGroup> {
        &self.0
    }
    /// Whether `g` is selected.
    pub fn contains(&self, g: FieldGroup) -> bool {
        self.0.contains(&g)
    }
}

/// Keeps exactly the selected groups of a record (given as its field groups and their values).
pub fn filter_fields<T>(
    selection: &FieldSelection,
    record: BTreeMap<FieldGroup, T>,
) -> BTreeMap<FieldGroup, T> {
    record
        .into_iter()
        .filter(|(g, _)| selection.contains(*g))
        .collect()
}

/// One entry of the history both sides see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    /// Day of the event.
    pub on: Date,
    /// The organisation that acted.
    pub by_org: OrgId,
    /// The user who acted.
    pub by_user: UserId,
    /// The status after the event.
    pub status: ReferralStatus,
}

/// A referral as the sender asks for it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewReferral {
    /// The sender's case the referral is about.
    pub case: CaseId,
    /// The whole case, or one service request of it.
    pub subject: ReferralSubject,
    /// The sending organisation (the case's owner).
    pub from_org: OrgId,
    /// The organisation the case is referred to; not the sender.
    pub to_org: OrgId,
    /// The recipient's kind for consent ([`RecipientKind::of`]): decides which consent purpose
    /// must cover the referral.
    pub recipient_kind: RecipientKind,
    /// Why the case is referred (HTCDS code).
    pub reason: ReferralReason,
    /// Logistics and special arrangements (may name people: redacted in `Debug`).
    pub details: String,
    /// The field groups the sender selected: the minimum the recipient needs.
    pub fields: FieldSelection,
    /// Whether the person is, or may be, a child (then only a guardian's consent or a legal basis
    /// counts).
    pub subject_may_be_child: bool,
    /// The user who sends it.
    pub sent_by: UserId,
}

/// A referral.
#[derive(Clone, PartialEq, Eq)]
pub struct Referral {
    /// The referral's id.
    pub id: ReferralId,
    /// The sender's case the referral is about.
    pub case: CaseId,
    /// The whole case, or one service request of it.
    pub subject: ReferralSubject,
    /// HTCDS `cas_ReferringOrganisation` on the recipient's side.
    pub from_org: OrgId,
    /// HTCDS `cas_ReferredOrganisation` on the sender's side.
    pub to_org: OrgId,
    /// The recipient's kind for consent, as when sent.
    pub recipient_kind: RecipientKind,
    /// HTCDS `cas_ReasonForOutgoingReferral` / `cas_ReasonForIncomingReferral`.
    pub reason: ReferralReason,
    /// HTCDS `cas_OutgoingReferralDetails` / `cas_IncomingReferralDetails`.
    pub details: String,
    /// The field groups the recipient sees while the referral gives access.
    pub fields: FieldSelection,
    /// What permitted the sharing.
    pub basis: Coverage,
    /// HTCDS `cas_OutgoingReferralDate`.
    pub sent_on: Date,
    /// HTCDS `cas_IncomingReferralDate` (the date the referral was accepted).
    pub accepted_on: Option<Date>,
    /// Where the referral stands.
    pub status: ReferralStatus,
    /// Every status change, oldest first (starting with the sending).
    pub history: Vec<ReferralEvent>,
}

macro_rules! debug_without_details {
    ($t:ty, $($f:ident),*) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t))
                    $(.field(stringify!($f), &self.$f))*
                    .field("details", &"<redacted>")
                    .finish_non_exhaustive()
            }
        }
    };
}
debug_without_details!(
    NewReferral,
    case,
    from_org,
    to_org,
    recipient_kind,
    reason,
    fields
);
debug_without_details!(
    Referral, id, case, from_org, to_org, reason, fields, basis, status
);

/// Why a referral action is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReferralError {
    /// No field group selected.
    #[error("select at least one field group")]
    NoFieldsSelected,
    /// Sender and recipient are the same organisation.
    #[error("an organisation cannot refer to itself")]
    SelfReferral,
    /// No consent or legal basis covers the recipient and the selected fields.
    #[error("sharing not permitted: {0}")]
    NotPermitted(#[from] SharingRefused),
    /// The acting organisation is neither sender nor recipient.
    #[error("the organisation is not a party to this referral")]
    NotAParty,
    /// The action belongs to the other side (only the recipient accepts or declines, only the
    /// sender revokes).
    #[error("the {} may not {}", .party.as_str(), .action.as_str())]
    WrongParty {
        /// The side of the acting organisation.
        party: Party,
        /// The refused action.
        action: ReferralActionKind,
    },
    /// The action is not possible in the referral's current status.
    #[error("cannot {} a referral that is {}", .action.as_str(), .status)]
    NotAllowed {
        /// The current status code.
        status: &'static str,
        /// The refused action.
        action: ReferralActionKind,
    },
    /// Declining or revoking without a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// A lead transfer on a referral that is not (or no longer) accepted.
    #[error("lead responsibility can only move with an accepted referral")]
    ReferralNotAccepted,
    /// The organisation proposing a lead transfer is not the case's lead.
    #[error("only the organisation leading the case can hand the lead over")]
    NotLead,
    /// The lead transfer answered is not pending, or not for this referral.
    #[error("the lead transfer is not for this referral or not pending")]
    LeadTransferNotPending,
    /// A lead transfer proposed on a service referral.
    #[error("the lead moves only with a referral of the whole case")]
    ServiceReferralKeepsLead,
}

impl ReferralError {
    /// A stable message key for the web layer (`wrong_party`...).
    pub fn code(&self) -> &'static str {
        match self {
            ReferralError::NoFieldsSelected => "no_fields_selected",
            ReferralError::SelfReferral => "self_referral",
            ReferralError::NotPermitted(r) => r.code(),
            ReferralError::NotAParty => "not_a_party",
            ReferralError::WrongParty { .. } => "wrong_party",
            ReferralError::NotAllowed { .. } => "referral_transition_not_allowed",
            ReferralError::ReasonRequired => "reason_required",
            ReferralError::ReferralNotAccepted => "referral_not_accepted",
            ReferralError::NotLead => "not_lead",
            ReferralError::LeadTransferNotPending => "lead_transfer_not_pending",
            ReferralError::ServiceReferralKeepsLead => "service_referral_keeps_lead",
        }
    }
}

impl Referral {
    /// Sends a referral, if a consent or legal basis covers the recipient and the selected
    /// fields on `today`.
    pub fn send(
        new: NewReferral,
        consents: &[ConsentRecord],
        legal_bases: &[LegalBasisRecord],
        today: Date,
    ) -> Result<Referral, ReferralError> {
        if new.from_org == new.to_org {
            return Err(ReferralError::SelfReferral);
        }
        let request = SharingRequest {
            recipient: new.to_org,
            recipient_kind: new.recipient_kind,
            fields: new.fields.groups().clone(),
            subject_may_be_child: new.subject_may_be_child,
        };
        let basis = sharing_permitted(consents, legal_bases, &request, today)?;
        Ok(Referral {
            id: ReferralId::new(),
            case: new.case,
            subject: new.subject,
            from_org: new.from_org,
            to_org: new.to_org,
            recipient_kind: new.recipient_kind,
            reason: new.reason,
            details: new.details.trim().to_owned(),
            fields: new.fields,
            basis,
            sent_on: today,
            accepted_on: None,
            status: ReferralStatus::Sent,
            history: vec![ReferralEvent {
                on: today,
                by_org: new.from_org,
                by_user: new.sent_by,
                status: ReferralStatus::Sent,
            }],
        })
    }

    /// The side `org` is on, if any.
    pub fn party(&self, org: OrgId) -> Option<Party> {
        if org == self.from_org {
            Some(Party::Sender)
        } else if org == self.to_org {
            Some(Party::Recipient)
        } else {
            None
        }
    }

    /// Whether `party` may do an action of this kind now (the buttons the web layer shows).
    pub fn allows(&self, party: Party, kind: ReferralActionKind) -> bool {
        use ReferralActionKind as K;
        use ReferralStatus as S;
        match kind {
            K::Accept | K::Decline => party == Party::Recipient && self.status == S::Sent,
            K::Revoke => party == Party::Sender && matches!(self.status, S::Sent | S::Accepted),
            K::Complete => self.status == S::Accepted,
        }
    }

    /// What `org` sees of the case record through this referral: exactly the selected field
    /// groups, and only while the referral gives access; `None` for anyone but the recipient.
    pub fn recipient_view<T>(
        &self,
        org: OrgId,
        record: BTreeMap<FieldGroup, T>,
    ) -> Option<BTreeMap<FieldGroup, T>> {
        (org == self.to_org && self.status.gives_access())
            .then(|| filter_fields(&self.fields, record))
    }

    /// Whether `org` may update the service request `service` through this referral: only the
    /// recipient of an accepted referral of exactly that service (it is then its provider).
    pub fn may_update_service(&self, org: OrgId, service: ServiceRequestId) -> bool {
        org == self.to_org
            && self.status == ReferralStatus::Accepted
            && self.subject == ReferralSubject::ServiceRequest(service)
    }

    /// The sharing this referral makes (for re-checking it against consents later).
    pub fn sharing_request(&self, subject_may_be_child: bool) -> SharingRequest {
        SharingRequest {
            recipient: self.to_org,
            recipient_kind: self.recipient_kind,
            fields: self.fields.groups().clone(),
            subject_may_be_child,
        }
    }
}

/// Referrals still giving access that are no longer permitted on `today` (a consent expired or
/// was refused since): to be revoked. `subject_may_be_child` is the person's current status.
pub fn referrals_no_longer_permitted(
    referrals: &[Referral],
    consents: &[ConsentRecord],
    legal_bases: &[LegalBasisRecord],
    subject_may_be_child: bool,
    today: Date,
) -> Vec<ReferralId> {
    referrals
        .iter()
        .filter(|r| r.status.gives_access())
        .filter(|r| {
            let request = r.sharing_request(subject_may_be_child);
            sharing_permitted(consents, legal_bases, &request, today).is_err()
        })
        .map(|r| r.id)
        .collect()
}

/// Applies `action`, done by `by_user` of `by_org`, on `today`. Pure: returns the new value.
pub fn act(
    referral: &Referral,
    by_org: OrgId,
    by_user: UserId,
    action: &ReferralAction,
    today: Date,
) -> Result<Referral, ReferralError> {
    let party = referral.party(by_org).ok_or(ReferralError::NotAParty)?;
    let kind = action.kind();
    if !referral.allows(party, kind) {
        let wrong_party = match kind {
            ReferralActionKind::Accept | ReferralActionKind::Decline => party != Party::Recipient,
            ReferralActionKind::Revoke => party != Party::Sender,
            ReferralActionKind::Complete => false,
        };
        return Err(if wrong_party {
            ReferralError::WrongParty {
                party,
                action: kind,
            }
        } else {
            ReferralError::NotAllowed {
                status: referral.status.as_str(),
                action: kind,
            }
        });
    }
    let mut next = referral.clone();
    next.status = match action {
        ReferralAction::Accept => {
            next.accepted_on = Some(today);
            ReferralStatus::Accepted
        }
        ReferralAction::Decline { reason } | ReferralAction::Revoke { reason } => {
            if !has_text(reason) {
                return Err(ReferralError::ReasonRequired);
            }
            let reason = reason.trim().to_owned();
            if kind == ReferralActionKind::Decline {
                ReferralStatus::Declined { reason }
            } else {
                ReferralStatus::Revoked { reason }
            }
        }
        ReferralAction::Complete => ReferralStatus::Completed,
    };
    next.history.push(ReferralEvent {
        on: today,
        by_org,
        by_user,
        status: next.status.clone(),
    });
    Ok(next)
}

code_enum! {
    /// Where a lead transfer stands.
    pub enum LeadTransferStatus {
        /// Proposed by the current lead, awaiting the recipient's answer.
        Proposed => "proposed",
        /// Accepted: the recipient leads the case now.
        Accepted => "accepted",
        /// Declined: the lead stays where it was.
        Declined => "declined",
    }
}

/// A transfer of lead responsibility for a case, separate from the referral it rides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadTransfer {
    /// The case whose lead moves.
    pub case: CaseId,
    /// The accepted referral of the whole case it rides on.
    pub referral: ReferralId,
    /// The current lead (the referral's sender).
    pub from_org: OrgId,
    /// The proposed new lead (the referral's recipient).
    pub to_org: OrgId,
    /// Day of the proposal.
    pub proposed_on: Date,
    /// The user who proposed it.
    pub proposed_by: UserId,
    /// Proposed, accepted or declined.
    pub status: LeadTransferStatus,
    /// Day the recipient answered, once answered.
    pub decided_on: Option<Date>,
}

impl LeadTransfer {
    /// The current lead proposes to hand the case over to the recipient of an accepted referral.
    pub fn propose(
        referral: &Referral,
        current_lead: OrgId,
        by_org: OrgId,
        by_user: UserId,
        today: Date,
    ) -> Result<LeadTransfer, ReferralError> {
        if by_org != current_lead || referral.from_org != current_lead {
            return Err(ReferralError::NotLead);
        }
        if referral.status != ReferralStatus::Accepted {
            return Err(ReferralError::ReferralNotAccepted);
        }
        if referral.subject != ReferralSubject::WholeCase {
            return Err(ReferralError::ServiceReferralKeepsLead);
        }
        Ok(LeadTransfer {
            case: referral.case,
            referral: referral.id,
            from_org: referral.from_org,
            to_org: referral.to_org,
            proposed_on: today,
            proposed_by: by_user,
            status: LeadTransferStatus::Proposed,
            decided_on: None,
        })
    }

    /// The recipient accepts or declines the lead. The referral must still be accepted.
    pub fn answer(
        &self,
        referral: &Referral,
        by_org: OrgId,
        accept: bool,
        today: Date,
    ) -> Result<LeadTransfer, ReferralError> {
        if self.status != LeadTransferStatus::Proposed || self.referral != referral.id {
            return Err(ReferralError::LeadTransferNotPending);
        }
        if by_org != self.to_org {
            return Err(ReferralError::WrongParty {
                party: Party::Sender,
                action: ReferralActionKind::Accept,
            });
        }
        if referral.status != ReferralStatus::Accepted {
            return Err(ReferralError::ReferralNotAccepted);
        }
        let mut next = self.clone();
        next.status = if accept {
            LeadTransferStatus::Accepted
        } else {
            LeadTransferStatus::Declined
        };
        next.decided_on = Some(today);
        Ok(next)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::protection::ConsentId;
    use crate::protection::consent::{ConsentGiver, ConsentPurpose, ConsentStatus};
    use crate::protection::withdrawal::withdraw;
    use time::macros::date;
    use uuid::Uuid;

    const TODAY: Date = date!(2026 - 06 - 15);
    use FieldGroup as F;

    fn org(n: u128) -> OrgId {
        OrgId::from(Uuid::from_u128(n))
    }
    fn user() -> UserId {
        UserId::from(Uuid::from_u128(7))
    }
    const SENDER: u128 = 1;
    const RECIPIENT: u128 = 2;
    const STRANGER: u128 = 3;

    fn referral_consent() -> ConsentRecord {
        ConsentRecord {
            id: ConsentId::new(),
            purpose: ConsentPurpose::Referral,
            recipients: [org(RECIPIENT)].into(),
            scope: [F::Identity, F::Contact, F::Needs].into(),
            explained_in_language: "uk".into(),
            status: ConsentStatus::Given,
            date: date!(2026 - 06 - 01),
            valid_until: None,
            recorded_by: user(),
            given_by: ConsentGiver::Person,
        }
    }

    fn new_referral(fields: &[FieldGroup]) -> NewReferral {
        NewReferral {
            case: CaseId::new(),
            subject: ReferralSubject::WholeCase,
            from_org: org(SENDER),
            to_org: org(RECIPIENT),
            recipient_kind: RecipientKind::Service,
            reason: ReferralReason::AdditionalServicesRequired,
            details: "Escort on Tuesday; speaks only Ukrainian".into(),
            fields: FieldSelection::new(fields.iter().copied()).unwrap(),
            subject_may_be_child: false,
            sent_by: user(),
        }
    }

    fn sent() -> (Referral, ConsentRecord) {
        let c = referral_consent();
        let r = Referral::send(
            new_referral(&[F::Identity, F::Needs]),
            std::slice::from_ref(&c),
            &[],
            TODAY,
        )
        .unwrap();
        (r, c)
    }

    fn sample(kind: ReferralActionKind) -> ReferralAction {
        match kind {
            ReferralActionKind::Accept => ReferralAction::Accept,
            ReferralActionKind::Decline => ReferralAction::Decline {
                reason: "no capacity".into(),
            },
            ReferralActionKind::Revoke => ReferralAction::Revoke {
                reason: "victim asked".into(),
            },
            ReferralActionKind::Complete => ReferralAction::Complete,
        }
    }

    fn in_status(code: &str) -> Referral {
        let (r, _) = sent();
        let by =
            |o: u128, a: ReferralAction, r: &Referral| act(r, org(o), user(), &a, TODAY).unwrap();
        match code {
            "sent" => r,
            "accepted" => by(RECIPIENT, ReferralAction::Accept, &r),
            "declined" => by(RECIPIENT, sample(ReferralActionKind::Decline), &r),
            "revoked" => by(SENDER, sample(ReferralActionKind::Revoke), &r),
            "completed" => {
                let a = by(RECIPIENT, ReferralAction::Accept, &r);
                by(RECIPIENT, ReferralAction::Complete, &a)
            }
            _ => unreachable!(),
        }
    }

    /// (status, party, [accept, decline, revoke, complete]) → new status code or "-".
    const TABLE: &[(&str, &str, [&str; 4])] = &[
        ("sent", "sender", ["-", "-", "revoked", "-"]),
        ("sent", "recipient", ["accepted", "declined", "-", "-"]),
        ("accepted", "sender", ["-", "-", "revoked", "completed"]),
        ("accepted", "recipient", ["-", "-", "-", "completed"]),
        ("declined", "sender", ["-", "-", "-", "-"]),
        ("declined", "recipient", ["-", "-", "-", "-"]),
        ("revoked", "sender", ["-", "-", "-", "-"]),
        ("revoked", "recipient", ["-", "-", "-", "-"]),
        ("completed", "sender", ["-", "-", "-", "-"]),
        ("completed", "recipient", ["-", "-", "-", "-"]),
    ];

    #[test]
    fn every_status_times_party_times_action_follows_the_table() {
        assert_eq!(TABLE.len(), 5 * Party::ALL.len());
        for (status, party, row) in TABLE {
            let r = in_status(status);
            assert_eq!(r.status.as_str(), *status);
            let who = match *party {
                "sender" => SENDER,
                _ => RECIPIENT,
            };
            for (kind, expected) in ReferralActionKind::ALL.iter().zip(row.iter()) {
                let what = format!("{status} × {party} × {}", kind.as_str());
                let p = Party::parse(party).unwrap();
                assert_eq!(r.allows(p, *kind), *expected != "-", "{what}");
                match (act(&r, org(who), user(), &sample(*kind), TODAY), *expected) {
                    (Err(_), "-") => {}
                    (Ok(next), code) => {
                        assert_eq!(next.status.as_str(), code, "{what}");
                        assert_eq!(next.history.len(), r.history.len() + 1, "{what}");
                        assert_eq!(next.history.last().unwrap().by_org, org(who));
                    }
                    (Err(e), code) => panic!("{what}: expected {code}, got {e}"),
                }
            }
            // A stranger can do nothing.
            for kind in ReferralActionKind::ALL {
                assert_eq!(
                    act(&r, org(STRANGER), user(), &sample(*kind), TODAY),
                    Err(ReferralError::NotAParty)
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_cause() {
        let r = in_status("sent");
        assert_eq!(
            act(&r, org(SENDER), user(), &ReferralAction::Accept, TODAY),
            Err(ReferralError::WrongParty {
                party: Party::Sender,
                action: ReferralActionKind::Accept
            })
        );
        assert_eq!(
            act(&r, org(RECIPIENT), user(), &ReferralAction::Complete, TODAY),
            Err(ReferralError::NotAllowed {
                status: "sent",
                action: ReferralActionKind::Complete
            })
        );
        assert_eq!(
            act(
                &r,
                org(RECIPIENT),
                user(),
                &ReferralAction::Decline { reason: " ".into() },
                TODAY
            ),
            Err(ReferralError::ReasonRequired)
        );
        assert_eq!(
            act(
                &r,
                org(SENDER),
                user(),
                &ReferralAction::Revoke {
                    reason: String::new()
                },
                TODAY
            ),
            Err(ReferralError::ReasonRequired)
        );
        let declined = in_status("declined");
        assert_eq!(
            declined.status,
            ReferralStatus::Declined {
                reason: "no capacity".into()
            }
        );
    }

    fn record() -> BTreeMap<FieldGroup, &'static str> {
        [
            (F::Identity, "Olena K."),
            (F::Contact, "+380..."),
            (F::Health, "diabetes"),
            (F::Needs, "shelter"),
        ]
        .into()
    }

    #[test]
    fn the_recipient_sees_exactly_the_selected_fields_while_access_lasts() {
        let r = in_status("sent");
        let view = r.recipient_view(org(RECIPIENT), record()).unwrap();
        assert_eq!(
            view.keys().copied().collect::<Vec<_>>(),
            vec![F::Identity, F::Needs]
        );
        assert_eq!(view[&F::Needs], "shelter");
        assert_eq!(r.recipient_view(org(STRANGER), record()), None);
        // The sender's own record is not seen through the referral.
        assert_eq!(r.recipient_view(org(SENDER), record()), None);
        let accepted = in_status("accepted");
        assert!(accepted.recipient_view(org(RECIPIENT), record()).is_some());
        for code in ["declined", "revoked", "completed"] {
            assert_eq!(
                in_status(code).recipient_view(org(RECIPIENT), record()),
                None,
                "{code}"
            );
        }
        // Revoking an accepted referral removes access at once.
        let revoked = act(
            &accepted,
            org(SENDER),
            user(),
            &sample(ReferralActionKind::Revoke),
            TODAY,
        )
        .unwrap();
        assert_eq!(revoked.recipient_view(org(RECIPIENT), record()), None);
        // A selected group absent from the record is simply absent.
        let sel = FieldSelection::new([F::Judicial]).unwrap();
        assert!(filter_fields(&sel, record()).is_empty());
        assert_eq!(
            FieldSelection::new([]),
            Err(ReferralError::NoFieldsSelected)
        );
    }

    #[test]
    fn sending_needs_consent_covering_the_recipient_and_the_fields() {
        let c = referral_consent();
        let cs = [c.clone()];
        assert_eq!(
            Referral::send(new_referral(&[F::Identity, F::Health]), &cs, &[], TODAY),
            Err(ReferralError::NotPermitted(SharingRefused::ScopeExceeded {
                missing: [F::Health].into()
            }))
        );
        let mut to_police = new_referral(&[F::Identity]);
        to_police.recipient_kind = RecipientKind::LawEnforcement;
        assert_eq!(
            Referral::send(to_police, &cs, &[], TODAY),
            Err(ReferralError::NotPermitted(SharingRefused::NoConsent))
        );
        let mut to_self = new_referral(&[F::Identity]);
        to_self.to_org = org(SENDER);
        assert_eq!(
            Referral::send(to_self, &cs, &[], TODAY),
            Err(ReferralError::SelfReferral)
        );
        let r = Referral::send(new_referral(&[F::Contact]), &cs, &[], TODAY).unwrap();
        assert_eq!(r.basis, Coverage::Consent(c.id));
        assert_eq!(r.status, ReferralStatus::Sent);
        assert_eq!(r.sent_on, TODAY);
        assert_eq!(r.history.len(), 1);
    }

    #[test]
    fn withdrawing_the_consent_revokes_active_referrals_resting_on_it() {
        let (active, c) = sent();
        let accepted = act(
            &active,
            org(RECIPIENT),
            user(),
            &ReferralAction::Accept,
            TODAY,
        )
        .unwrap();
        let mut other_basis = in_status("sent");
        other_basis.basis = Coverage::Consent(ConsentId::new());
        let mut declined = in_status("declined");
        declined.basis = Coverage::Consent(c.id);
        let w = withdraw(
            &c,
            TODAY,
            &[],
            &[active.clone(), accepted.clone(), other_basis, declined],
        )
        .unwrap();
        assert_eq!(w.revoke_referrals, vec![active.id, accepted.id]);
    }

    #[test]
    fn lead_transfer_is_separate_and_needs_an_accepted_referral() {
        let sent = in_status("sent");
        assert_eq!(
            LeadTransfer::propose(&sent, org(SENDER), org(SENDER), user(), TODAY),
            Err(ReferralError::ReferralNotAccepted)
        );
        let accepted = in_status("accepted");
        // Accepting the referral did not move the lead.
        assert_eq!(
            LeadTransfer::propose(&accepted, org(SENDER), org(RECIPIENT), user(), TODAY),
            Err(ReferralError::NotLead)
        );
        assert_eq!(
            LeadTransfer::propose(&accepted, org(STRANGER), org(STRANGER), user(), TODAY),
            Err(ReferralError::NotLead)
        );
        let t = LeadTransfer::propose(&accepted, org(SENDER), org(SENDER), user(), TODAY).unwrap();
        assert_eq!(t.status, LeadTransferStatus::Proposed);
        assert_eq!((t.from_org, t.to_org), (org(SENDER), org(RECIPIENT)));
        assert!(t.answer(&accepted, org(SENDER), true, TODAY).is_err());
        let done = t.answer(&accepted, org(RECIPIENT), true, TODAY).unwrap();
        assert_eq!(done.status, LeadTransferStatus::Accepted);
        assert_eq!(done.decided_on, Some(TODAY));
        assert_eq!(
            done.answer(&accepted, org(RECIPIENT), true, TODAY),
            Err(ReferralError::LeadTransferNotPending)
        );
        // Revoked meanwhile: the lead cannot move.
        let revoked = act(
            &accepted,
            org(SENDER),
            user(),
            &sample(ReferralActionKind::Revoke),
            TODAY,
        )
        .unwrap();
        assert_eq!(
            t.answer(&revoked, org(RECIPIENT), true, TODAY),
            Err(ReferralError::ReferralNotAccepted)
        );
    }

    #[test]
    fn referrals_are_rechecked_against_expired_consent() {
        let mut c = referral_consent();
        c.valid_until = Some(date!(2026 - 06 - 30));
        let r = Referral::send(
            new_referral(&[F::Needs]),
            std::slice::from_ref(&c),
            &[],
            TODAY,
        )
        .unwrap();
        let cs = [c];
        let declined = act(
            &r,
            org(RECIPIENT),
            user(),
            &sample(ReferralActionKind::Decline),
            TODAY,
        )
        .unwrap();
        let both = [r.clone(), declined];
        assert!(referrals_no_longer_permitted(&both, &cs, &[], false, TODAY).is_empty());
        // The person is found to be a child: an own consent no longer suffices.
        assert_eq!(
            referrals_no_longer_permitted(&both, &cs, &[], true, TODAY),
            vec![r.id]
        );
        // Only the referral still giving access is listed once the consent expires.
        assert_eq!(
            referrals_no_longer_permitted(&both, &cs, &[], false, date!(2026 - 07 - 01)),
            vec![r.id]
        );
    }

    #[test]
    fn statuses_round_trip_through_their_stored_parts() {
        for code in ["sent", "accepted", "declined", "revoked", "completed"] {
            let st = in_status(code).status;
            assert_eq!(
                ReferralStatus::from_parts(st.as_str(), st.reason().map(str::to_owned)),
                Some(st.clone())
            );
        }
        assert_eq!(ReferralStatus::from_parts("declined", None), None);
        assert_eq!(ReferralStatus::from_parts("sent", Some("x".into())), None);
    }

    #[test]
    fn a_service_referral_lets_only_its_accepted_recipient_update_that_service() {
        let (mut r, _) = sent();
        let service = ServiceRequestId::new();
        r.subject = ReferralSubject::ServiceRequest(service);
        // Sent, not yet accepted: the recipient sees, but does not provide yet.
        assert!(!r.may_update_service(org(RECIPIENT), service));
        let accepted = act(&r, org(RECIPIENT), user(), &ReferralAction::Accept, TODAY).unwrap();
        assert!(accepted.may_update_service(org(RECIPIENT), service));
        // Not another service, not the sender through the referral, not a stranger.
        assert!(!accepted.may_update_service(org(RECIPIENT), ServiceRequestId::new()));
        assert!(!accepted.may_update_service(org(SENDER), service));
        assert!(!accepted.may_update_service(org(STRANGER), service));
        // Revoked: nothing any more.
        let revoked = act(
            &accepted,
            org(SENDER),
            user(),
            &ReferralAction::Revoke {
                reason: "Consent withdrawn".into(),
            },
            TODAY,
        )
        .unwrap();
        assert!(!revoked.may_update_service(org(RECIPIENT), service));
        // A whole-case referral gives no service provider rights, and the lead never moves
        // with a service referral.
        let (whole, _) = sent();
        let whole = act(
            &whole,
            org(RECIPIENT),
            user(),
            &ReferralAction::Accept,
            TODAY,
        )
        .unwrap();
        assert!(!whole.may_update_service(org(RECIPIENT), service));
        assert_eq!(
            LeadTransfer::propose(&accepted, org(SENDER), org(SENDER), user(), TODAY),
            Err(ReferralError::ServiceReferralKeepsLead)
        );
        assert_eq!(accepted.subject.service(), Some(service));
        assert_eq!(whole.subject.service(), None);
    }

    #[test]
    fn details_are_not_in_debug_output() {
        let (r, _) = sent();
        let dbg = format!("{r:?} {:?}", new_referral(&[F::Needs]));
        assert!(!dbg.contains("Ukrainian"), "{dbg}");
        assert!(dbg.contains("sent") || dbg.contains("Sent"));
    }
}
