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
        Active => "Active",
        FollowUp => "FollowUp",
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
        PossibleVictim => "PossibleVictimOfTrafficking",
        ActualVictim => "ActualVictimOfTrafficking",
        NotAVictim => "NotAVictimOfTrafficking",
    }
}

code_enum! {
    /// `vic_TraffickingStatusDecisionMakingOrg`: which kind of body made the determination.
    pub enum StatusDecisionMaker {
        Police => "Police",
        Ngo => "NGO",
        CourtOrProsecution => "CourtOrProsecution",
        NonPoliceGovernmentalOrganization => "NonPoliceGovernmentalOrganization",
        Other => "Other",
    }
}

code_enum! {
    /// `vic_TypeOfExploitation` (multiselect).
    pub enum TypeOfExploitation {
        ForcedLabour => "ForcedLabour",
        SexualExploitation => "SexualExploitation",
        ChildLabour => "ChildLabour",
        ForcedMarriage => "ForcedMarriage",
        Servitude => "Servitude",
        ForcedMilitaryByNonStateActors => "ForcedMilitaryByNonStateActors",
        OrganRemoval => "OrganRemoval",
        ForcedBegging => "ForcedBegging",
        ForcedAdoption => "ForcedAdoption",
        Surrogacy => "Surrogacy",
        Other => "Other",
    }
}

code_enum! {
    /// `vic_MethodsOfControl` (multiselect), the 16 picklist codes. The XLSForm spells
    /// `DebtBondage` with a trailing space; [`MethodOfControl::from_xlsform`] accepts it.
    pub enum MethodOfControl {
        PhysicalThreats => "PhysicalThreats",
        ThreatsLawEnforcement => "ThreatsLawEnforcement",
        ThreatensChildrenFamily => "ThreatensChildrenFamily",
        DebtBondage => "DebtBondage",
        FalsePromises => "FalsePromises",
        PhysicalAbuse => "PhysicalAbuse",
        SexualAbuse => "SexualAbuse",
        TakesEarnings => "TakesEarnings",
        RestrictsFinancialAccess => "RestrictsFinancialAccess",
        RestrictsMedicalCare => "RestrictsMedicalCare",
        WithholdsNecessities => "WithholdsNecessities",
        PsychologicalAbuse => "PsychologicalAbuse",
        PsychoactiveSubstance => "PsychoactiveSubstance",
        ExcessiveWorkingHours => "ExcessiveWorkingHours",
        WithholdsDocuments => "WithholdsDocuments",
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
        AdditionalServicesRequired => "AdditionalServicesRequired",
        MigrationOrChangeOfLocation => "MigrationOrChangeOfLocation",
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
