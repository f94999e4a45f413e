//! The assistance services of Warsaw Convention art. 12 (and art. 12(1)(f), (4)), with the
//! status a service request goes through, and the risk levels of a safety assessment.

code_enum! {
    /// A service of the art. 12 catalogue.
    pub enum ServiceKind {
        /// Art. 12(1)(a): appropriate and secure accommodation.
        SafeAccommodation => "safe_accommodation",
        /// Art. 12(1)(b): emergency medical treatment and medical care.
        MedicalCare => "medical_care",
        /// Art. 12(1)(a): psychological assistance.
        PsychologicalSupport => "psychological_support",
        /// Art. 12(1)(d), (e): counselling and information on legal rights, legal assistance.
        LegalCounselling => "legal_counselling",
        /// Art. 12(1)(c): translation and interpretation services.
        Interpretation => "interpretation",
        /// Art. 12(1)(f): access to education for children.
        ChildEducation => "child_education",
        /// Art. 12(1)(a): material assistance.
        MaterialAssistance => "material_assistance",
        /// Art. 12(4): access to the labour market, vocational training and education.
        WorkAndTraining => "work_and_training",
        /// Art. 16: return and reintegration.
        ReturnReintegration => "return_reintegration",
    }
}

code_enum! {
    /// Where a service request stands.
    pub enum ServiceStatus {
        Requested => "requested",
        InProgress => "in_progress",
        Delivered => "delivered",
        Declined => "declined",
        Cancelled => "cancelled",
    }
}

code_enum! {
    /// The assessed level of risk to the person (drives how prominently the safety plan shows).
    pub enum RiskLevel {
        Unknown => "unknown",
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_covers_article_12_and_codes_round_trip() {
        assert_eq!(ServiceKind::ALL.len(), 9);
        for k in ServiceKind::ALL {
            assert_eq!(ServiceKind::parse(k.as_str()), Some(*k));
        }
        for s in ServiceStatus::ALL {
            assert_eq!(ServiceStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(RiskLevel::parse("high"), Some(RiskLevel::High));
    }
}
