//! The HTCDS 2.0 code lists the protection case records, with HTCDS's exact machine codes
//! (the XLSForm choice codes listed in `shared/docs/htcds-fields.md` §3).
//!
//! Only the lists the lifecycle, consent and referral rules need are modelled; the rest of
//! HTCDS (person demographics, recruitment, industries...) belongs elsewhere.

code_enum! {
    /// `cas_Status`: the lifecycle status of the case as HTCDS sees it. Ally's lifecycle is finer
    /// ([`super::case::CaseState`]) and maps onto this with
    /// [`super::case::CaseLifecycle::htcds_status`].
    pub enum HtcdsCaseStatus {
        /// Open and worked on: Ally's identified, reflection and assistance states.
        Active => "Active",
        /// "Follow Up": assistance has ended, the organisation keeps in touch.
        FollowUp => "FollowUp",
        /// Closed by the organisation, for a reason of its own.
        Closed => "Closed",
        /// Closed because the case was referred to another organisation, which leads it now.
        ClosedReferred => "ClosedReferred",
    }
}

code_enum! {
    /// `vic_TraffickingStatus`. A newly identified person is a possible (presumed) victim; they
    /// are entitled to assistance from that moment (Warsaw art. 10(2)), before any formal
    /// determination.
    pub enum TraffickingStatus {
        /// Indicators of trafficking, no formal verification yet: every newly identified person.
        PossibleVictim => "PossibleVictimOfTrafficking",
        /// Determined to be a victim (record who decided, [`StatusDecisionMaker`]).
        ActualVictim => "ActualVictimOfTrafficking",
        /// Determined not to be a victim; the record is kept.
        NotAVictim => "NotAVictimOfTrafficking",
    }
}

code_enum! {
    /// `vic_TraffickingStatusDecisionMakingOrg`: which kind of body made the determination.
    pub enum StatusDecisionMaker {
        /// The police.
        Police => "Police",
        /// A non-governmental organisation.
        Ngo => "NGO",
        /// A court or a prosecutor's office.
        CourtOrProsecution => "CourtOrProsecution",
        /// A government body other than the police (e.g. the authority of a national referral
        /// mechanism).
        NonPoliceGovernmentalOrganization => "NonPoliceGovernmentalOrganization",
        /// Any other body.
        Other => "Other",
    }
}

code_enum! {
    /// `vic_TypeOfExploitation` (multiselect).
    pub enum TypeOfExploitation {
        /// Forced labour (ILO Convention No. 29): work exacted under menace of a penalty.
        ForcedLabour => "ForcedLabour",
        /// Sexual exploitation (prostitution, pornography, remote or private sexual services).
        SexualExploitation => "SexualExploitation",
        /// Child labour.
        ChildLabour => "ChildLabour",
        /// Forced marriage.
        ForcedMarriage => "ForcedMarriage",
        /// Servitude, including domestic servitude.
        Servitude => "Servitude",
        /// Forced military service by non-state actors (child soldiers, armed groups).
        ForcedMilitaryByNonStateActors => "ForcedMilitaryByNonStateActors",
        /// Removal of organs.
        OrganRemoval => "OrganRemoval",
        /// Forced begging.
        ForcedBegging => "ForcedBegging",
        /// Forced or illegal adoption.
        ForcedAdoption => "ForcedAdoption",
        /// Forced surrogacy.
        Surrogacy => "Surrogacy",
        /// Another form of exploitation.
        Other => "Other",
    }
}

code_enum! {
    /// `vic_MethodsOfControl` (multiselect), the 16 picklist codes. The XLSForm spells
    /// `DebtBondage` with a trailing space; [`MethodOfControl::from_xlsform`] accepts it.
    pub enum MethodOfControl {
        /// Explicit or implied threats of harm or loss to the person or to others.
        PhysicalThreats => "PhysicalThreats",
        /// Threats to involve the police or immigration authorities.
        ThreatsLawEnforcement => "ThreatsLawEnforcement",
        /// Threats against, or use of, the person's children or family as leverage.
        ThreatensChildrenFamily => "ThreatensChildrenFamily",
        /// Work demanded to repay a real or invented debt, not fairly credited against it.
        DebtBondage => "DebtBondage",
        /// The person was deceived into the situation.
        FalsePromises => "FalsePromises",
        /// Injury, pain or trauma inflicted (sexual acts are coded apart).
        PhysicalAbuse => "PhysicalAbuse",
        /// Unwanted sexual contact used to control the person (not the purpose of the trafficking).
        SexualAbuse => "SexualAbuse",
        /// The exploiters take the person's pay.
        TakesEarnings => "TakesEarnings",
        /// Access to the person's own money, accounts or cards is blocked, or their funds stolen.
        RestrictsFinancialAccess => "RestrictsFinancialAccess",
        /// Access to health care is limited.
        RestrictsMedicalCare => "RestrictsMedicalCare",
        /// Food, water, sleep, shelter or other basics denied or restricted, or the threat of it.
        WithholdsNecessities => "WithholdsNecessities",
        /// Emotional abuse, humiliation, manipulation of power or of romantic or family bonds.
        PsychologicalAbuse => "PsychologicalAbuse",
        /// Drug use induced, or substances used to make the person compliant.
        PsychoactiveSubstance => "PsychoactiveSubstance",
        /// Hours far beyond what was agreed or promised.
        ExcessiveWorkingHours => "ExcessiveWorkingHours",
        /// Identity or travel documents held or controlled by someone else.
        WithholdsDocuments => "WithholdsDocuments",
        /// A control tactic that fits none of the above.
        Other => "Other",
    }
}

impl MethodOfControl {
    /// Reads a code as written in the HTCDS XLSForm, which has stray whitespace.
    pub fn from_xlsform(s: &str) -> Option<MethodOfControl> {
        MethodOfControl::parse(s.trim())
    }
}

code_enum! {
    /// `cas_ReasonForOutgoingReferral` / `cas_ReasonForIncomingReferral`. The XLSForm does not
    /// cover the referral fields, so these codes follow its convention (the label in
    /// UpperCamelCase, without spaces) applied to the standard's labels "Additional Services
    /// Required", "Migration or Change of Location", "Other".
    pub enum ReferralReason {
        /// "Additional Services Required": the person needs services the sender does not offer.
        AdditionalServicesRequired => "AdditionalServicesRequired",
        /// "Migration or Change of Location": the person moves to the recipient's area.
        MigrationOrChangeOfLocation => "MigrationOrChangeOfLocation",
        /// Another reason, given in the referral's details.
        Other => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_htcds_exact_and_round_trip() {
        assert_eq!(HtcdsCaseStatus::ClosedReferred.as_str(), "ClosedReferred");
        assert_eq!(
            TraffickingStatus::PossibleVictim.as_str(),
            "PossibleVictimOfTrafficking"
        );
        assert_eq!(StatusDecisionMaker::Ngo.as_str(), "NGO");
        assert_eq!(
            TypeOfExploitation::ForcedMilitaryByNonStateActors.as_str(),
            "ForcedMilitaryByNonStateActors"
        );
        assert_eq!(MethodOfControl::ALL.len(), 16);
        assert_eq!(TypeOfExploitation::ALL.len(), 11);
        for c in MethodOfControl::ALL {
            assert_eq!(MethodOfControl::parse(c.as_str()), Some(*c));
        }
        for c in TypeOfExploitation::ALL {
            assert_eq!(TypeOfExploitation::parse(c.as_str()), Some(*c));
        }
        for c in HtcdsCaseStatus::ALL {
            assert_eq!(HtcdsCaseStatus::parse(c.as_str()), Some(*c));
        }
        for c in ReferralReason::ALL {
            assert_eq!(ReferralReason::parse(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn the_xlsform_debt_bondage_code_with_its_trailing_space_is_read() {
        assert_eq!(MethodOfControl::parse("DebtBondage "), None);
        assert_eq!(
            MethodOfControl::from_xlsform("DebtBondage "),
            Some(MethodOfControl::DebtBondage)
        );
    }
}
