//! Withdrawing a consent: what it ends at once (the grants and referrals that rested on it).
//! Its own file because it reads both consents and referrals, which otherwise import each
//! other only one way (referrals check consents).

use time::Date;

use super::consent::{ConsentError, ConsentRecord, ConsentStatus, Coverage, SharingGrant};
use super::referral::Referral;
use super::{GrantId, ReferralId};

/// The result of a withdrawal: the withdrawn record, and what must be revoked now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// The record with its status now withdrawn.
    pub consent: ConsentRecord,
    /// Grants that rested on the withdrawn consent.
    pub revoke_grants: Vec<GrantId>,
    /// Referrals still giving access (sent or accepted) that rested on it.
    pub revoke_referrals: Vec<ReferralId>,
}

/// Withdraws a given consent on `on`, and lists exactly the grants and referrals it covered.
/// Those resting on another consent or on a legal basis are left alone.
pub fn withdraw(
    consent: &ConsentRecord,
    on: Date,
    grants: &[SharingGrant],
    referrals: &[Referral],
) -> Result<Withdrawal, ConsentError> {
    if consent.status != ConsentStatus::Given {
        return Err(ConsentError::NotGiven);
    }
    if on < consent.date {
        return Err(ConsentError::WithdrawalBeforeConsent);
    }
    let basis = Coverage::Consent(consent.id);
    let mut withdrawn = consent.clone();
    withdrawn.status = ConsentStatus::Withdrawn { on };
    Ok(Withdrawal {
        consent: withdrawn,
        revoke_grants: grants
            .iter()
            .filter(|g| g.basis == basis)
            .map(|g| g.id)
            .collect(),
        revoke_referrals: referrals
            .iter()
            .filter(|r| r.basis == basis && r.status.gives_access())
            .map(|r| r.id)
            .collect(),
    })
}
