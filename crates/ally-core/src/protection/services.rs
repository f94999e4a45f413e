//! The assistance services of Warsaw Convention art. 12 (and art. 12(1)(f), (4)), with the
//! status a service request goes through, and the risk levels of a safety assessment.
//!
//! A service request moves `requested` → `in_progress` → `delivered` (completed), and may end
//! `declined` (by the provider, from `requested`) or `cancelled` (from `requested` or
//! `in_progress`). The three end states are final: a new need is a new request, so the history
//! of what was asked and what happened stays true. Starting a service records its start date,
//! ending it its end date.

use thiserror::Error;
use time::Date;

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
        /// Asked for, not started.
        Requested => "requested",
        /// Being delivered; the start date is recorded.
        InProgress => "in_progress",
        /// Completed (final).
        Delivered => "delivered",
        /// Refused by the provider before it started (final).
        Declined => "declined",
        /// Stopped before completion, by the person or the organisation (final).
        Cancelled => "cancelled",
    }
}

impl ServiceStatus {
    /// No further change of status is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ServiceStatus::Delivered | ServiceStatus::Declined | ServiceStatus::Cancelled
        )
    }

    /// Whether a service request may move from `self` to `next` (staying is always allowed:
    /// an update may change only the outcome or the dates).
    pub fn can_become(self, next: ServiceStatus) -> bool {
        use ServiceStatus as S;
        self == next
            || matches!(
                (self, next),
                (S::Requested, S::InProgress | S::Declined | S::Cancelled)
                    | (S::InProgress, S::Delivered | S::Cancelled)
            )
    }
}

/// Where a service request stands, with its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceProgress {
    /// Where the request stands.
    pub status: ServiceStatus,
    /// Day the service started (set on entering `in_progress`).
    pub start_on: Option<Date>,
    /// Day it ended (set on entering a final state); never before `start_on`.
    pub end_on: Option<Date>,
}

/// A change asked for a service request: the new status and, optionally, its date (today by
/// default: the start date when it starts, the end date when it ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceUpdate {
    /// The status asked for; must be reachable from the current one.
    pub status: ServiceStatus,
    /// The date of the change, or of the current status when correcting it; today if `None`.
    pub on: Option<Date>,
}

/// Why a service update was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ServiceError {
    /// The status cannot move to the one asked (final states move nowhere).
    #[error("a service cannot go from {} to {}", .from.as_str(), .to.as_str())]
    NotAllowed {
        /// The current status.
        from: ServiceStatus,
        /// The status asked for.
        to: ServiceStatus,
    },
    /// The end date would fall before the start date.
    #[error("the end date is before the start date")]
    EndBeforeStart,
}

impl ServiceError {
    /// A stable message key for the web layer (`before_start`...).
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotAllowed { .. } => "service_transition_not_allowed",
            ServiceError::EndBeforeStart => "before_start",
        }
    }
}

impl ServiceProgress {
    /// Applies `update` on `today`. Pure: returns the new progress.
    pub fn apply(
        self,
        update: ServiceUpdate,
        today: Date,
    ) -> Result<ServiceProgress, ServiceError> {
        use ServiceStatus as S;
        if !self.status.can_become(update.status) {
            return Err(ServiceError::NotAllowed {
                from: self.status,
                to: update.status,
            });
        }
        let on = update.on.unwrap_or(today);
        let mut next = ServiceProgress {
            status: update.status,
            ..self
        };
        if update.status != self.status {
            match update.status {
                S::InProgress => next.start_on = Some(on),
                S::Delivered | S::Declined | S::Cancelled => {
                    next.end_on = Some(on);
                }
                S::Requested => {}
            }
        } else if let Some(d) = update.on {
            // Same status: the date given corrects the date of that status.
            match update.status {
                S::InProgress => next.start_on = Some(d),
                S::Delivered | S::Declined | S::Cancelled => next.end_on = Some(d),
                S::Requested => {}
            }
        }
        if let (Some(a), Some(b)) = (next.start_on, next.end_on)
            && b < a
        {
            return Err(ServiceError::EndBeforeStart);
        }
        Ok(next)
    }
}

code_enum! {
    /// The assessed level of risk to the person (drives how prominently the safety plan shows).
    pub enum RiskLevel {
        /// Not assessed yet.
        Unknown => "unknown",
        /// Assessed: little indication of danger to the person.
        Low => "low",
        /// Assessed: some indication of danger (threats, contact with the exploiters).
        Medium => "medium",
        /// Assessed: serious danger of retaliation or re-trafficking; flagged on the case page.
        High => "high",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn every_status_pair_follows_the_table() {
        use ServiceStatus as S;
        let allowed = [
            (S::Requested, S::InProgress),
            (S::Requested, S::Declined),
            (S::Requested, S::Cancelled),
            (S::InProgress, S::Delivered),
            (S::InProgress, S::Cancelled),
        ];
        for from in S::ALL {
            for to in S::ALL {
                let expected = from == to || allowed.contains(&(*from, *to));
                assert_eq!(from.can_become(*to), expected, "{from:?} -> {to:?}");
            }
            // Final states move nowhere else.
            if from.is_final() {
                assert!(S::ALL.iter().all(|to| !from.can_become(*to) || to == from));
            }
        }
    }

    #[test]
    fn starting_and_ending_record_their_dates() {
        use time::macros::date;
        let today = date!(2026 - 05 - 10);
        let requested = ServiceProgress {
            status: ServiceStatus::Requested,
            start_on: None,
            end_on: None,
        };
        let started = requested
            .apply(
                ServiceUpdate {
                    status: ServiceStatus::InProgress,
                    on: None,
                },
                today,
            )
            .unwrap();
        assert_eq!(started.start_on, Some(today));
        assert_eq!(started.end_on, None);
        let done = started
            .apply(
                ServiceUpdate {
                    status: ServiceStatus::Delivered,
                    on: Some(date!(2026 - 06 - 01)),
                },
                today,
            )
            .unwrap();
        assert_eq!(done.status, ServiceStatus::Delivered);
        assert_eq!(done.end_on, Some(date!(2026 - 06 - 01)));
        // An end before the start is refused; so is leaving a final state.
        assert_eq!(
            started.apply(
                ServiceUpdate {
                    status: ServiceStatus::Delivered,
                    on: Some(date!(2026 - 01 - 01)),
                },
                today,
            ),
            Err(ServiceError::EndBeforeStart)
        );
        assert_eq!(
            done.apply(
                ServiceUpdate {
                    status: ServiceStatus::InProgress,
                    on: None,
                },
                today,
            )
            .map_err(|e| e.code()),
            Err("service_transition_not_allowed")
        );
        // Declining a request records when.
        let declined = requested
            .apply(
                ServiceUpdate {
                    status: ServiceStatus::Declined,
                    on: None,
                },
                today,
            )
            .unwrap();
        assert_eq!(declined.end_on, Some(today));
    }
}
