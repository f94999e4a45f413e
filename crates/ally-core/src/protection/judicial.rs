//! Judicial proceedings (running in parallel to the case lifecycle), the victim's role in them,
//! residence permits (Warsaw Convention art. 14) and compensation claims (art. 15).
//!
//! Nothing here gates assistance (art. 12(6)): these records inform deadlines and the case
//! file; the lifecycle in [`super::case`] never looks at them.
//!
//! Money is kept in integer minor units (cents) with an ISO 4217 currency code: never floats.
//! Amounts are unsigned, so never negative. The amount received may differ from the amount
//! awarded (state funds, partial payments, settlements), so no order between them is imposed;
//! an awarded amount exists only with a decision.

use thiserror::Error;
use time::Date;

code_enum! {
    /// The stage of criminal proceedings concerning the victim.
    pub enum ProceedingsStage {
        /// A complaint has been filed with the police or the prosecutor.
        ComplaintFiled => "complaint_filed",
        /// The police or prosecutor investigate (possibly ex officio, without a complaint).
        Investigation => "investigation",
        /// Charges have been brought.
        Prosecution => "prosecution",
        /// The case is before the trial court.
        Trial => "trial",
        /// A decision is under appeal; its previous outcome is set aside until decided.
        Appeal => "appeal",
        /// Ended with a [`ProceedingsOutcome`] (recorded with it).
        Outcome => "outcome",
    }
}

impl ProceedingsStage {
    /// Stages proceedings can be recorded at first (an investigation may start without a
    /// complaint, ex officio).
    pub fn is_initial(self) -> bool {
        matches!(
            self,
            ProceedingsStage::ComplaintFiled | ProceedingsStage::Investigation
        )
    }

    /// The allowed moves. Each stage before trial can end in an outcome (dismissal,
    /// discontinuation, charges dropped); a judgment can be appealed, and an appeal ends in an
    /// outcome.
    pub fn can_advance_to(self, next: ProceedingsStage) -> bool {
        use ProceedingsStage as S;
        matches!(
            (self, next),
            (S::ComplaintFiled, S::Investigation | S::Outcome)
                | (S::Investigation, S::Prosecution | S::Outcome)
                | (S::Prosecution, S::Trial | S::Outcome)
                | (S::Trial, S::Appeal | S::Outcome)
                | (S::Outcome, S::Appeal)
                | (S::Appeal, S::Outcome)
        )
    }
}

code_enum! {
    /// How proceedings ended (at the outcome stage).
    pub enum ProceedingsOutcome {
        /// At least one accused was convicted.
        Conviction => "conviction",
        /// The accused were acquitted.
        Acquittal => "acquittal",
        /// Dismissed, discontinued or charges dropped.
        Discontinued => "discontinued",
        /// Any other end (e.g. the death of the accused, a transfer to another jurisdiction).
        Other => "other",
    }
}

code_enum! {
    /// The victim's role in the proceedings.
    pub enum VictimRole {
        /// The victim takes no formal part.
        NoRole => "none",
        /// The victim testifies as a witness.
        Witness => "witness",
        /// The victim joins as a civil party (claims damages within the criminal proceedings).
        CivilParty => "civil_party",
        /// Both witness and civil party.
        WitnessAndCivilParty => "witness_and_civil_party",
    }
}

/// An invalid judicial record or move.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JudicialError {
    /// Proceedings opened at a stage other than a complaint or an investigation.
    #[error("proceedings cannot start at stage {}", .0.as_str())]
    NotAnInitialStage(ProceedingsStage),
    /// The move between stages is not in [`ProceedingsStage::can_advance_to`].
    #[error("proceedings cannot move from {} to {}", .from.as_str(), .to.as_str())]
    StageNotAllowed {
        /// The current stage.
        from: ProceedingsStage,
        /// The stage asked for.
        to: ProceedingsStage,
    },
    /// An outcome given for a stage other than the outcome stage, or missing for it.
    #[error("an outcome is recorded exactly when the outcome stage is reached")]
    OutcomeMismatch,
    /// A date before the one it follows (decision before application, payment before filing...).
    #[error("the date is before the date it follows")]
    DateOrder,
    /// A permit application that was already granted or refused.
    #[error("a decision was already made")]
    AlreadyDecided,
    /// The currency is not three ASCII letters.
    #[error("currency must be an ISO 4217 code")]
    InvalidCurrency,
    /// A payment of zero.
    #[error("a payment must be of a positive amount")]
    ZeroPayment,
}

impl JudicialError {
    /// A stable message key for the web layer (`stage_not_allowed`...).
    pub fn code(&self) -> &'static str {
        match self {
            JudicialError::NotAnInitialStage(_) => "not_an_initial_stage",
            JudicialError::StageNotAllowed { .. } => "stage_not_allowed",
            JudicialError::OutcomeMismatch => "outcome_mismatch",
            JudicialError::DateOrder => "date_order",
            JudicialError::AlreadyDecided => "already_decided",
            JudicialError::InvalidCurrency => "invalid_currency",
            JudicialError::ZeroPayment => "zero_payment",
        }
    }
}

/// One set of proceedings (a case may have several, e.g. in two countries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proceedings {
    /// The current stage.
    pub stage: ProceedingsStage,
    /// Day the proceedings were recorded as open at their first stage.
    pub opened_on: Date,
    /// The victim's part in them.
    pub victim_role: VictimRole,
    /// How they ended; present exactly at the outcome stage.
    pub outcome: Option<ProceedingsOutcome>,
    /// Court dates (hearings) the victim must know about; reminders are raised for them.
    pub hearings: Vec<Date>,
}

impl Proceedings {
    /// Proceedings starting at `stage`; refused unless it is an initial stage
    /// ([`ProceedingsStage::is_initial`]).
    pub fn open(
        stage: ProceedingsStage,
        opened_on: Date,
        victim_role: VictimRole,
    ) -> Result<Proceedings, JudicialError> {
        if !stage.is_initial() {
            return Err(JudicialError::NotAnInitialStage(stage));
        }
        Ok(Proceedings {
            stage,
            opened_on,
            victim_role,
            outcome: None,
            hearings: Vec::new(),
        })
    }

    /// Moves to `next`; `outcome` is given exactly when `next` is the outcome stage (an appeal
    /// clears the previous outcome until the appeal is decided).
    pub fn advance(
        &self,
        next: ProceedingsStage,
        outcome: Option<ProceedingsOutcome>,
    ) -> Result<Proceedings, JudicialError> {
        if !self.stage.can_advance_to(next) {
            return Err(JudicialError::StageNotAllowed {
                from: self.stage,
                to: next,
            });
        }
        if (next == ProceedingsStage::Outcome) != outcome.is_some() {
            return Err(JudicialError::OutcomeMismatch);
        }
        let mut p = self.clone();
        p.stage = next;
        p.outcome = outcome;
        Ok(p)
    }
}

/// The decision on a residence permit application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitDecision {
    /// Applied for, not decided yet.
    Pending,
    /// Granted, for a limited time.
    Granted {
        /// Day of the grant.
        on: Date,
        /// Last day of validity (included); after `on`.
        expires: Date,
    },
    /// Refused.
    Refused {
        /// Day of the refusal.
        on: Date,
    },
}

/// A residence permit application (first or renewal) under art. 14 and its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResidencePermit {
    /// Day the application was made.
    pub applied_on: Date,
    /// Whether it renews an earlier permit (art. 14 permits are renewable).
    pub renewal: bool,
    /// Pending, granted or refused.
    pub decision: PermitDecision,
}

impl ResidencePermit {
    /// A new, pending application.
    pub fn apply_for(applied_on: Date, renewal: bool) -> ResidencePermit {
        ResidencePermit {
            applied_on,
            renewal,
            decision: PermitDecision::Pending,
        }
    }

    /// Records the grant; refused if already decided, granted before the application, or
    /// expiring on or before the grant day.
    pub fn grant(&self, on: Date, expires: Date) -> Result<ResidencePermit, JudicialError> {
        if self.decision != PermitDecision::Pending {
            return Err(JudicialError::AlreadyDecided);
        }
        if on < self.applied_on || expires <= on {
            return Err(JudicialError::DateOrder);
        }
        Ok(ResidencePermit {
            decision: PermitDecision::Granted { on, expires },
            ..*self
        })
    }

    /// Records the refusal; refused if already decided or dated before the application.
    pub fn refuse(&self, on: Date) -> Result<ResidencePermit, JudicialError> {
        if self.decision != PermitDecision::Pending {
            return Err(JudicialError::AlreadyDecided);
        }
        if on < self.applied_on {
            return Err(JudicialError::DateOrder);
        }
        Ok(ResidencePermit {
            decision: PermitDecision::Refused { on },
            ..*self
        })
    }

    /// The expiry date of a granted permit.
    pub fn expires(&self) -> Option<Date> {
        match self.decision {
            PermitDecision::Granted { expires, .. } => Some(expires),
            _ => None,
        }
    }

    /// Whether the permit is granted and in force on `day` (the expiry day included).
    pub fn valid_on(&self, day: Date) -> bool {
        matches!(self.decision, PermitDecision::Granted { on, expires } if on <= day && day <= expires)
    }
}

/// An ISO 4217 currency code (three upper-case letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    /// Reads a code such as `EUR` or `ron` (trimmed, upper-cased); refuses anything but three
    /// ASCII letters (whether ISO 4217 lists it is not checked).
    pub fn new(code: &str) -> Result<CurrencyCode, JudicialError> {
        let code = code.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(CurrencyCode([*a, *b, *c]))
            }
            _ => Err(JudicialError::InvalidCurrency),
        }
    }

    /// The three upper-case letters.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

/// A court's (or a fund's) decision on a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompensationDecision {
    /// Day of the decision.
    pub on: Date,
    /// In minor units of the claim's currency.
    pub awarded: u64,
}

/// A payment actually received by the victim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// Day the payment was received.
    pub on: Date,
    /// In minor units of the claim's currency.
    pub amount: u64,
}

/// A compensation claim (art. 15(3)): claimed, awarded (after a decision), received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompensationClaim {
    /// Day the claim was filed.
    pub filed_on: Date,
    /// Currency of every amount of the claim.
    pub currency: CurrencyCode,
    /// In minor units.
    pub claimed: u64,
    /// The latest decision, if any (a decision on appeal replaces the earlier one).
    pub decision: Option<CompensationDecision>,
    /// Payments received, in the order recorded.
    pub payments: Vec<Payment>,
}

impl CompensationClaim {
    /// A new claim of `claimed` minor units, without decision or payment.
    pub fn file(filed_on: Date, currency: CurrencyCode, claimed: u64) -> CompensationClaim {
        CompensationClaim {
            filed_on,
            currency,
            claimed,
            decision: None,
            payments: Vec::new(),
        }
    }

    /// Records the decision (a later decision, on appeal, replaces an earlier one).
    pub fn decide(&self, on: Date, awarded: u64) -> Result<CompensationClaim, JudicialError> {
        let after = self.decision.map_or(self.filed_on, |d| d.on);
        if on < after {
            return Err(JudicialError::DateOrder);
        }
        let mut c = self.clone();
        c.decision = Some(CompensationDecision { on, awarded });
        Ok(c)
    }

    /// Records a payment received (with or without a decision: a state fund may pay first).
    pub fn receive(&self, on: Date, amount: u64) -> Result<CompensationClaim, JudicialError> {
        if amount == 0 {
            return Err(JudicialError::ZeroPayment);
        }
        if on < self.filed_on {
            return Err(JudicialError::DateOrder);
        }
        let mut c = self.clone();
        c.payments.push(Payment { on, amount });
        Ok(c)
    }

    /// The amount awarded, once decided.
    pub fn awarded(&self) -> Option<u64> {
        self.decision.map(|d| d.awarded)
    }

    /// Total received (saturating: a sum beyond `u64` is not a real amount).
    pub fn received(&self) -> u64 {
        self.payments
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.amount))
    }

    /// Awarded but not (yet) received; `None` before a decision.
    pub fn outstanding(&self) -> Option<u64> {
        self.awarded().map(|a| a.saturating_sub(self.received()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn stage_moves_follow_the_table() {
        use ProceedingsStage as S;
        // Rows: from; columns: to, in ALL order (complaint_filed, investigation, prosecution,
        // trial, appeal, outcome).
        let table: [(S, [bool; 6]); 6] = [
            (S::ComplaintFiled, [false, true, false, false, false, true]),
            (S::Investigation, [false, false, true, false, false, true]),
            (S::Prosecution, [false, false, false, true, false, true]),
            (S::Trial, [false, false, false, false, true, true]),
            (S::Appeal, [false, false, false, false, false, true]),
            (S::Outcome, [false, false, false, false, true, false]),
        ];
        for (from, row) in table {
            for (to, ok) in S::ALL.iter().zip(row) {
                assert_eq!(from.can_advance_to(*to), ok, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn proceedings_open_advance_and_record_outcomes() {
        let d = date!(2026 - 01 - 10);
        assert_eq!(
            Proceedings::open(ProceedingsStage::Trial, d, VictimRole::Witness),
            Err(JudicialError::NotAnInitialStage(ProceedingsStage::Trial))
        );
        let p =
            Proceedings::open(ProceedingsStage::ComplaintFiled, d, VictimRole::CivilParty).unwrap();
        assert_eq!(
            p.advance(ProceedingsStage::Trial, None),
            Err(JudicialError::StageNotAllowed {
                from: ProceedingsStage::ComplaintFiled,
                to: ProceedingsStage::Trial
            })
        );
        let p = p.advance(ProceedingsStage::Investigation, None).unwrap();
        let p = p.advance(ProceedingsStage::Prosecution, None).unwrap();
        let p = p.advance(ProceedingsStage::Trial, None).unwrap();
        assert_eq!(
            p.advance(ProceedingsStage::Outcome, None),
            Err(JudicialError::OutcomeMismatch)
        );
        assert_eq!(
            p.advance(
                ProceedingsStage::Appeal,
                Some(ProceedingsOutcome::Conviction)
            ),
            Err(JudicialError::OutcomeMismatch)
        );
        let p = p
            .advance(
                ProceedingsStage::Outcome,
                Some(ProceedingsOutcome::Conviction),
            )
            .unwrap();
        assert_eq!(p.outcome, Some(ProceedingsOutcome::Conviction));
        let p = p.advance(ProceedingsStage::Appeal, None).unwrap();
        assert_eq!(p.outcome, None);
        let p = p
            .advance(
                ProceedingsStage::Outcome,
                Some(ProceedingsOutcome::Acquittal),
            )
            .unwrap();
        assert_eq!(p.outcome, Some(ProceedingsOutcome::Acquittal));
    }

    #[test]
    fn residence_permits_are_decided_once_and_valid_until_expiry() {
        let a = ResidencePermit::apply_for(date!(2026 - 02 - 01), false);
        assert!(!a.valid_on(date!(2026 - 02 - 02)));
        assert_eq!(
            a.grant(date!(2026 - 01 - 31), date!(2027 - 01 - 31)),
            Err(JudicialError::DateOrder)
        );
        assert_eq!(
            a.grant(date!(2026 - 03 - 01), date!(2026 - 03 - 01)),
            Err(JudicialError::DateOrder)
        );
        let g = a
            .grant(date!(2026 - 03 - 01), date!(2027 - 02 - 28))
            .unwrap();
        assert!(g.valid_on(date!(2027 - 02 - 28)));
        assert!(!g.valid_on(date!(2027 - 03 - 01)));
        assert!(!g.valid_on(date!(2026 - 02 - 28)));
        assert_eq!(g.expires(), Some(date!(2027 - 02 - 28)));
        assert_eq!(
            g.refuse(date!(2026 - 04 - 01)),
            Err(JudicialError::AlreadyDecided)
        );
        let r = a.refuse(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(r.expires(), None);
        assert!(!r.valid_on(date!(2026 - 03 - 02)));
    }

    #[test]
    fn compensation_amounts_are_exact_and_awarded_only_after_a_decision() {
        let eur = CurrencyCode::new("eur").unwrap();
        assert_eq!(eur.as_str(), "EUR");
        assert_eq!(
            CurrencyCode::new("EURO"),
            Err(JudicialError::InvalidCurrency)
        );
        assert_eq!(
            CurrencyCode::new("E1R"),
            Err(JudicialError::InvalidCurrency)
        );
        let c = CompensationClaim::file(date!(2026 - 01 - 01), eur, 1_500_000);
        assert_eq!(c.awarded(), None);
        assert_eq!(c.outstanding(), None);
        // A fund may pay before any decision; received may exceed nothing awarded.
        let c = c.receive(date!(2026 - 02 - 01), 50_000).unwrap();
        assert_eq!(c.received(), 50_000);
        assert_eq!(
            c.receive(date!(2026 - 02 - 01), 0),
            Err(JudicialError::ZeroPayment)
        );
        assert_eq!(
            c.decide(date!(2025 - 12 - 31), 1),
            Err(JudicialError::DateOrder)
        );
        let c = c.decide(date!(2026 - 06 - 01), 800_000).unwrap();
        assert_eq!(c.awarded(), Some(800_000));
        assert_eq!(c.outstanding(), Some(750_000));
        let c = c.receive(date!(2026 - 07 - 01), 900_000).unwrap();
        assert_eq!(c.received(), 950_000);
        assert_eq!(c.outstanding(), Some(0));
        // On appeal, a later decision replaces the earlier one; not an earlier one.
        assert_eq!(
            c.decide(date!(2026 - 05 - 01), 1),
            Err(JudicialError::DateOrder)
        );
        let c = c.decide(date!(2026 - 09 - 01), 1_200_000).unwrap();
        assert_eq!(c.outstanding(), Some(250_000));
        assert_eq!(c.claimed, 1_500_000);
    }

    #[test]
    fn codes_round_trip() {
        for s in ProceedingsStage::ALL {
            assert_eq!(ProceedingsStage::parse(s.as_str()), Some(*s));
        }
        for r in VictimRole::ALL {
            assert_eq!(VictimRole::parse(r.as_str()), Some(*r));
        }
        assert_eq!(VictimRole::NoRole.as_str(), "none");
    }
}
