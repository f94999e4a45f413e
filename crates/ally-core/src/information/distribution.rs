//! The rule on changes of a record's distribution level: lowering is free, widening needs
//! `DistributionWiden`, and a possible victim's data needs the victim's consent.

use super::vocabulary::{Distribution, EntityRole};

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
