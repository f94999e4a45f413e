//! The case lifecycle: identified (presumed victim) → recovery and reflection period →
//! assistance → follow-up → closed, reopened with a reason. Judicial proceedings run in
//! parallel to all of it (a flag here; their stages are in [`super::judicial`]).
//!
//! Rules, and why:
//! - Assistance never waits for cooperation with the authorities (Warsaw Convention art. 12(6)):
//!   no transition depends on whether proceedings are open, and opening or closing proceedings
//!   never changes the lifecycle state.
//! - The recovery and reflection period lasts at least 30 days (art. 13(1)); a country may
//!   configure more, never less ([`ReflectionPolicy`]). Assistance measures continue during the
//!   period (art. 13(2)), so the period may also be recorded for a case already in assistance
//!   (it is often granted by the authorities after the first urgent help).
//! - A closed case can be reopened, with a reason; it returns to the state it was closed from.
//! - A case can be closed while proceedings are still open (the person may end the support
//!   relationship at any time); the proceedings can still be closed afterwards, but none can be
//!   opened on a closed case (reopen it first). A closed case raises no reminders.
//! - The only way to change a [`CaseLifecycle`] is [`apply`], a pure function returning the new
//!   value; the store persists it with [`CaseLifecycle::into_parts`] and reloads it with
//!   [`CaseLifecycle::from_parts`], which refuses inconsistent values.

use std::collections::BTreeSet;

use thiserror::Error;
use time::Date;

use super::htcds::{
    HtcdsCaseStatus, MethodOfControl, StatusDecisionMaker, TraffickingStatus, TypeOfExploitation,
};
use super::{add_days, has_text};

code_enum! {
    /// The lifecycle state of a protection case.
    pub enum CaseState {
        /// Identified as a presumed victim; entitled to assistance from now (art. 10(2)).
        Identified => "identified",
        /// In the recovery and reflection period (art. 13); protected from expulsion.
        RecoveryReflection => "recovery_reflection",
        /// Receiving assistance under a support plan.
        Assistance => "assistance",
        /// Assistance has ended; the organisation keeps in touch.
        FollowUp => "follow_up",
        /// Closed, with a reason ([`Closure`]); can be reopened with a reason.
        Closed => "closed",
    }
}

code_enum! {
    /// The kind of a [`CaseAction`], without its data: one column of the transition table.
    pub enum CaseActionKind {
        /// Start the recovery and reflection period ([`CaseAction::StartReflection`]).
        StartReflection => "start_reflection",
        /// Extend the recovery and reflection period ([`CaseAction::ExtendReflection`]).
        ExtendReflection => "extend_reflection",
        /// Start or resume assistance ([`CaseAction::StartAssistance`]).
        StartAssistance => "start_assistance",
        /// Move from assistance to follow-up ([`CaseAction::StartFollowUp`]).
        StartFollowUp => "start_follow_up",
        /// Record that judicial proceedings are open ([`CaseAction::OpenProceedings`]).
        OpenProceedings => "open_proceedings",
        /// Record that the judicial proceedings have ended ([`CaseAction::CloseProceedings`]).
        CloseProceedings => "close_proceedings",
        /// Close the case, with a reason ([`CaseAction::Close`]).
        Close => "close",
        /// Reopen a closed case, with a reason ([`CaseAction::Reopen`]).
        Reopen => "reopen",
    }
}

/// Something a caseworker does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    /// The recovery and reflection period starts on `start` (the recorded date, not today), for
    /// the length the country's policy gives.
    StartReflection {
        /// First day of the period (day 1), not after today nor before the identification.
        start: Date,
        /// The country's policy, which gives the period's length.
        policy: ReflectionPolicy,
    },
    /// The period is extended by `days` (some countries extend it, e.g. for health reasons).
    ExtendReflection {
        /// Days added to the period's length; at least one.
        days: u16,
    },
    /// Assistance starts, or resumes after follow-up.
    StartAssistance,
    /// Assistance ends; the organisation keeps in touch.
    StartFollowUp,
    /// Judicial proceedings concerning the victim are open (they run in parallel).
    OpenProceedings,
    /// The judicial proceedings have ended (allowed on a closed case too).
    CloseProceedings,
    /// The case is closed; `referred_out` when another organisation leads it now (HTCDS
    /// `ClosedReferred`).
    Close {
        /// Why the case is closed (HTCDS `cas_ReasonForCaseClosure`); required.
        reason: String,
        /// Whether another organisation leads the case now.
        referred_out: bool,
    },
    /// The case is reopened and returns to the state it was closed from.
    Reopen {
        /// Why it is reopened; required.
        reason: String,
    },
}

impl CaseAction {
    /// The action's kind, without its data.
    pub fn kind(&self) -> CaseActionKind {
        match self {
            CaseAction::StartReflection { .. } => CaseActionKind::StartReflection,
            CaseAction::ExtendReflection { .. } => CaseActionKind::ExtendReflection,
            CaseAction::StartAssistance => CaseActionKind::StartAssistance,
            CaseAction::StartFollowUp => CaseActionKind::StartFollowUp,
            CaseAction::OpenProceedings => CaseActionKind::OpenProceedings,
            CaseAction::CloseProceedings => CaseActionKind::CloseProceedings,
            CaseAction::Close { .. } => CaseActionKind::Close,
            CaseAction::Reopen { .. } => CaseActionKind::Reopen,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The period is shorter than [`ReflectionPolicy::FLOOR_DAYS`].
    #[error(
        "a recovery and reflection period of {days} days is below the minimum of 30 (Warsaw Convention art. 13)"
    )]
    BelowFloor {
        /// The length asked for, in days.
        days: u16,
    },
    /// The country is not two ASCII letters.
    #[error("country must be an ISO 3166-1 alpha-2 code")]
    InvalidCountry,
    /// A computed date falls outside the calendar's range.
    #[error("date out of range")]
    DateOutOfRange,
}

impl PolicyError {
    /// A stable message key for the web layer (`reflection_below_floor`...).
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::BelowFloor { .. } => "reflection_below_floor",
            PolicyError::InvalidCountry => "invalid_country",
            PolicyError::DateOutOfRange => "date_out_of_range",
        }
    }
}

fn valid_country(c: &str) -> bool {
    c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase())
}

/// The length of the recovery and reflection period in one country. Never below
/// [`ReflectionPolicy::FLOOR_DAYS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionPolicy {
    country: String,
    days: u16,
}

impl ReflectionPolicy {
    /// Warsaw Convention art. 13(1): "at least 30 days".
    pub const FLOOR_DAYS: u16 = 30;

    /// `country` is an ISO 3166-1 alpha-2 code (case-insensitive).
    pub fn new(country: &str, days: u16) -> Result<ReflectionPolicy, PolicyError> {
        let country = country.trim().to_ascii_uppercase();
        if !valid_country(&country) {
            return Err(PolicyError::InvalidCountry);
        }
        if days < Self::FLOOR_DAYS {
            return Err(PolicyError::BelowFloor { days });
        }
        Ok(ReflectionPolicy { country, days })
    }

    /// ISO 3166-1 alpha-2 code of the country, upper case.
    pub fn country(&self) -> &str {
        &self.country
    }

    /// Length of the period this country grants, in days (at least 30).
    pub fn days(&self) -> u16 {
        self.days
    }

    /// The policy of `country` among `policies`, if configured.
    pub fn for_country<'a>(
        policies: &'a [ReflectionPolicy],
        country: &str,
    ) -> Option<&'a ReflectionPolicy> {
        let country = country.trim().to_ascii_uppercase();
        policies.iter().find(|p| p.country == country)
    }
}

/// A recovery and reflection period as recorded on a case. Day 1 is `start`; the last protected
/// day is `start + days - 1` (a 30-day period starting 1 March ends on 30 March).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionPeriod {
    country: String,
    start: Date,
    days: u16,
    last_day: Date,
}

impl ReflectionPeriod {
    /// A period of `days` days (including any extensions) from `start`, under `country`'s rules.
    pub fn new(country: &str, start: Date, days: u16) -> Result<ReflectionPeriod, PolicyError> {
        let policy = ReflectionPolicy::new(country, days)?;
        let last_day = add_days(start, i64::from(days) - 1).ok_or(PolicyError::DateOutOfRange)?;
        Ok(ReflectionPeriod {
            country: policy.country,
            start,
            days,
            last_day,
        })
    }

    /// ISO 3166-1 alpha-2 code of the country whose rules apply, upper case.
    pub fn country(&self) -> &str {
        &self.country
    }
    /// The first day of the period (day 1).
    pub fn start(&self) -> Date {
        self.start
    }
    /// Total length in days, extensions included.
    pub fn days(&self) -> u16 {
        self.days
    }
    /// The last day of the period (inclusive): shown to the caseworker, and the due date of the
    /// `reflection_end` reminder.
    pub fn last_day(&self) -> Date {
        self.last_day
    }
    /// Whether `day` is inside the period.
    pub fn covers(&self, day: Date) -> bool {
        self.start <= day && day <= self.last_day
    }
    /// Days from `today` to the last day (0 on the last day, negative once over).
    pub fn days_left(&self, today: Date) -> i64 {
        (self.last_day - today).whole_days()
    }
}

/// How and why a case was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// Day the case was closed.
    pub on: Date,
    /// HTCDS `cas_ReasonForCaseClosure` (free text).
    pub reason: String,
    /// Another organisation leads the case now (HTCDS `ClosedReferred`).
    pub referred_out: bool,
    /// The state the case was closed from; a reopened case returns to it.
    pub from_state: CaseState,
}

/// One reopening, kept in the case's history with the closure it undid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopening {
    /// Day the case was reopened.
    pub on: Date,
    /// Why it was reopened (trimmed, not empty).
    pub reason: String,
    /// The closure this reopening undid.
    pub closure: Closure,
}

/// The lifecycle part of a case. Change it only through [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLifecycle {
    state: CaseState,
    identified_on: Date,
    reflection: Option<ReflectionPeriod>,
    proceedings_open: bool,
    closure: Option<Closure>,
    reopenings: Vec<Reopening>,
}

/// The stored form of a [`CaseLifecycle`] (for the store; validated by
/// [`CaseLifecycle::from_parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLifecycleParts {
    /// The lifecycle state.
    pub state: CaseState,
    /// Day the person was identified as a presumed victim (the case's start).
    pub identified_on: Date,
    /// The recovery and reflection period, once recorded (required in that state).
    pub reflection: Option<ReflectionPeriod>,
    /// Whether judicial proceedings are open (they run in parallel to the state).
    pub proceedings_open: bool,
    /// The current closure; present exactly when the state is closed.
    pub closure: Option<Closure>,
    /// Earlier closures undone by a reopening, oldest first.
    pub reopenings: Vec<Reopening>,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// The action is not allowed in the case's current state.
    #[error("{} is not allowed when the case is {}", .action.as_str(), .state.as_str())]
    NotAllowed {
        /// The case's state.
        state: CaseState,
        /// The refused action.
        action: CaseActionKind,
    },
    /// Proceedings are opened twice.
    #[error("judicial proceedings are already open")]
    ProceedingsAlreadyOpen,
    /// Proceedings are closed while none are open.
    #[error("no judicial proceedings are open")]
    NoProceedingsOpen,
    /// A reflection period is started on a case that already has one (extend it instead).
    #[error("a recovery and reflection period is already recorded; extend it instead")]
    ReflectionAlreadyRecorded,
    /// Closing or reopening without a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// The reflection period's start is after today.
    #[error("the reflection period cannot start in the future")]
    StartInFuture,
    /// The reflection period's start is before the day of identification.
    #[error("the reflection period cannot start before the identification")]
    StartBeforeIdentification,
    /// An extension of zero days.
    #[error("an extension must add at least one day")]
    ZeroExtension,
    /// The period's length or country is not acceptable.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A stored lifecycle [`apply`] could not have produced; names the broken rule.
    #[error("inconsistent stored case: {0}")]
    Inconsistent(&'static str),
}

impl TransitionError {
    /// A stable message key for the web layer.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "transition_not_allowed",
            TransitionError::ProceedingsAlreadyOpen => "proceedings_already_open",
            TransitionError::NoProceedingsOpen => "no_proceedings_open",
            TransitionError::ReflectionAlreadyRecorded => "reflection_already_recorded",
            TransitionError::ReasonRequired => "reason_required",
            TransitionError::StartInFuture => "start_in_future",
            TransitionError::StartBeforeIdentification => "start_before_identification",
            TransitionError::ZeroExtension => "zero_extension",
            TransitionError::Policy(p) => p.code(),
            TransitionError::Inconsistent(_) => "inconsistent_case",
        }
    }
}

impl CaseLifecycle {
    /// A newly identified case.
    pub fn new(identified_on: Date) -> CaseLifecycle {
        CaseLifecycle {
            state: CaseState::Identified,
            identified_on,
            reflection: None,
            proceedings_open: false,
            closure: None,
            reopenings: Vec::new(),
        }
    }

    /// Rebuilds a stored lifecycle, refusing values [`apply`] could not have produced.
    pub fn from_parts(p: CaseLifecycleParts) -> Result<CaseLifecycle, TransitionError> {
        if (p.state == CaseState::Closed) != p.closure.is_some() {
            return Err(TransitionError::Inconsistent(
                "closure recorded iff the case is closed",
            ));
        }
        if p.state == CaseState::RecoveryReflection && p.reflection.is_none() {
            return Err(TransitionError::Inconsistent(
                "reflection state without a reflection period",
            ));
        }
        if p.closure
            .as_ref()
            .is_some_and(|c| c.from_state == CaseState::Closed)
        {
            return Err(TransitionError::Inconsistent(
                "a case cannot be closed from closed",
            ));
        }
        Ok(CaseLifecycle {
            state: p.state,
            identified_on: p.identified_on,
            reflection: p.reflection,
            proceedings_open: p.proceedings_open,
            closure: p.closure,
            reopenings: p.reopenings,
        })
    }

    /// The stored form, to persist; [`CaseLifecycle::from_parts`] reads it back.
    pub fn into_parts(self) -> CaseLifecycleParts {
        CaseLifecycleParts {
            state: self.state,
            identified_on: self.identified_on,
            reflection: self.reflection,
            proceedings_open: self.proceedings_open,
            closure: self.closure,
            reopenings: self.reopenings,
        }
    }

    /// The current state.
    pub fn state(&self) -> CaseState {
        self.state
    }
    /// Day the person was identified as a presumed victim.
    pub fn identified_on(&self) -> Date {
        self.identified_on
    }
    /// The recovery and reflection period, if one was recorded.
    pub fn reflection(&self) -> Option<&ReflectionPeriod> {
        self.reflection.as_ref()
    }
    /// Whether judicial proceedings are open.
    pub fn proceedings_open(&self) -> bool {
        self.proceedings_open
    }
    /// How and why the case was closed, while it is closed.
    pub fn closure(&self) -> Option<&Closure> {
        self.closure.as_ref()
    }
    /// Past reopenings, oldest first.
    pub fn reopenings(&self) -> &[Reopening] {
        &self.reopenings
    }
    /// Whether the case is closed (it then raises no reminders).
    pub fn is_closed(&self) -> bool {
        self.state == CaseState::Closed
    }

    /// HTCDS `cas_Status`: identified, reflection and assistance are `Active`.
    pub fn htcds_status(&self) -> HtcdsCaseStatus {
        match (self.state, &self.closure) {
            (CaseState::Identified | CaseState::RecoveryReflection | CaseState::Assistance, _) => {
                HtcdsCaseStatus::Active
            }
            (CaseState::FollowUp, _) => HtcdsCaseStatus::FollowUp,
            (CaseState::Closed, Some(c)) if c.referred_out => HtcdsCaseStatus::ClosedReferred,
            (CaseState::Closed, _) => HtcdsCaseStatus::Closed,
        }
    }

    /// Whether an action of this kind is allowed now, ignoring the action's own data (reasons,
    /// dates). The web layer shows exactly these buttons.
    pub fn allows(&self, kind: CaseActionKind) -> bool {
        use CaseActionKind as K;
        use CaseState as S;
        match kind {
            K::StartReflection => {
                matches!(self.state, S::Identified | S::Assistance) && self.reflection.is_none()
            }
            K::ExtendReflection => self.state == S::RecoveryReflection,
            K::StartAssistance => {
                matches!(
                    self.state,
                    S::Identified | S::RecoveryReflection | S::FollowUp
                )
            }
            K::StartFollowUp => self.state == S::Assistance,
            K::OpenProceedings => self.state != S::Closed && !self.proceedings_open,
            K::CloseProceedings => self.proceedings_open,
            K::Close => self.state != S::Closed,
            K::Reopen => self.state == S::Closed,
        }
    }

    /// The kinds of action allowed now, in [`CaseActionKind::ALL`] order.
    pub fn allowed_actions(&self) -> Vec<CaseActionKind> {
        CaseActionKind::ALL
            .iter()
            .copied()
            .filter(|k| self.allows(*k))
            .collect()
    }

    fn refuse(&self, kind: CaseActionKind) -> TransitionError {
        use CaseActionKind as K;
        match kind {
            K::OpenProceedings if self.proceedings_open => TransitionError::ProceedingsAlreadyOpen,
            K::CloseProceedings => TransitionError::NoProceedingsOpen,
            K::StartReflection if self.reflection.is_some() => {
                TransitionError::ReflectionAlreadyRecorded
            }
            _ => TransitionError::NotAllowed {
                state: self.state,
                action: kind,
            },
        }
    }
}

/// Applies `action` to `case` on `today`, returning the new lifecycle or why it is refused.
/// Pure: `case` is not changed.
pub fn apply(
    case: &CaseLifecycle,
    action: &CaseAction,
    today: Date,
) -> Result<CaseLifecycle, TransitionError> {
    let kind = action.kind();
    if !case.allows(kind) {
        return Err(case.refuse(kind));
    }
    let mut next = case.clone();
    match action {
        CaseAction::StartReflection { start, policy } => {
            if *start > today {
                return Err(TransitionError::StartInFuture);
            }
            if *start < case.identified_on {
                return Err(TransitionError::StartBeforeIdentification);
            }
            next.reflection = Some(ReflectionPeriod::new(
                policy.country(),
                *start,
                policy.days(),
            )?);
            next.state = CaseState::RecoveryReflection;
        }
        CaseAction::ExtendReflection { days } => {
            if *days == 0 {
                return Err(TransitionError::ZeroExtension);
            }
            let Some(current) = &case.reflection else {
                return Err(TransitionError::Inconsistent(
                    "reflection state without a reflection period",
                ));
            };
            let total = current
                .days
                .checked_add(*days)
                .ok_or(PolicyError::DateOutOfRange)?;
            next.reflection = Some(ReflectionPeriod::new(
                &current.country,
                current.start,
                total,
            )?);
        }
        CaseAction::StartAssistance => next.state = CaseState::Assistance,
        CaseAction::StartFollowUp => next.state = CaseState::FollowUp,
        CaseAction::OpenProceedings => next.proceedings_open = true,
        CaseAction::CloseProceedings => next.proceedings_open = false,
        CaseAction::Close {
            reason,
            referred_out,
        } => {
            if !has_text(reason) {
                return Err(TransitionError::ReasonRequired);
            }
            next.closure = Some(Closure {
                on: today,
                reason: reason.trim().to_owned(),
                referred_out: *referred_out,
                from_state: case.state,
            });
            next.state = CaseState::Closed;
        }
        CaseAction::Reopen { reason } => {
            if !has_text(reason) {
                return Err(TransitionError::ReasonRequired);
            }
            let Some(closure) = next.closure.take() else {
                return Err(TransitionError::Inconsistent(
                    "closed case without a closure",
                ));
            };
            next.state = closure.from_state;
            next.reopenings.push(Reopening {
                on: today,
                reason: reason.trim().to_owned(),
                closure,
            });
        }
    }
    Ok(next)
}

/// The facts of a case HTCDS has fields for (victim context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// `vic_TraffickingStatus`.
    pub trafficking_status: TraffickingStatus,
    /// `vic_TraffickingStatusDecisionMakingOrg`; required once a determination is made.
    pub status_decided_by: Option<StatusDecisionMaker>,
    /// `vic_TypeOfExploitation`.
    pub exploitation: BTreeSet<TypeOfExploitation>,
    /// `vic_MethodsOfControl`.
    pub methods_of_control: BTreeSet<MethodOfControl>,
}

impl CaseFacts {
    /// A newly identified presumed victim: HTCDS "possible victim", no determination yet.
    pub fn presumed_victim() -> CaseFacts {
        CaseFacts {
            trafficking_status: TraffickingStatus::PossibleVictim,
            status_decided_by: None,
            exploitation: BTreeSet::new(),
            methods_of_control: BTreeSet::new(),
        }
    }

    /// HTCDS: always record who made a determination. Returns the field at fault.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.trafficking_status != TraffickingStatus::PossibleVictim
            && self.status_decided_by.is_none()
        {
            return Err("status_decided_by");
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 20);
    const IDENTIFIED: Date = date!(2026 - 03 - 01);

    fn policy(days: u16) -> ReflectionPolicy {
        ReflectionPolicy::new("fr", days).unwrap()
    }

    fn sample(kind: CaseActionKind) -> CaseAction {
        match kind {
            CaseActionKind::StartReflection => CaseAction::StartReflection {
                start: date!(2026 - 03 - 02),
                policy: policy(30),
            },
            CaseActionKind::ExtendReflection => CaseAction::ExtendReflection { days: 30 },
            CaseActionKind::StartAssistance => CaseAction::StartAssistance,
            CaseActionKind::StartFollowUp => CaseAction::StartFollowUp,
            CaseActionKind::OpenProceedings => CaseAction::OpenProceedings,
            CaseActionKind::CloseProceedings => CaseAction::CloseProceedings,
            CaseActionKind::Close => CaseAction::Close {
                reason: "moved abroad".into(),
                referred_out: false,
            },
            CaseActionKind::Reopen => CaseAction::Reopen {
                reason: "returned".into(),
            },
        }
    }

    fn go(c: &CaseLifecycle, a: CaseAction) -> CaseLifecycle {
        apply(c, &a, TODAY).unwrap()
    }

    /// A case in `state`, reached by real transitions (never by constructing the value).
    /// Identified and Assistance have no reflection period; Closed was closed from Assistance.
    fn case_in(state: CaseState, proceedings: bool) -> CaseLifecycle {
        let mut c = CaseLifecycle::new(IDENTIFIED);
        if proceedings {
            c = go(&c, CaseAction::OpenProceedings);
        }
        match state {
            CaseState::Identified => {}
            CaseState::RecoveryReflection => {
                c = go(&c, sample(CaseActionKind::StartReflection));
            }
            CaseState::Assistance => c = go(&c, CaseAction::StartAssistance),
            CaseState::FollowUp => {
                c = go(&c, CaseAction::StartAssistance);
                c = go(&c, CaseAction::StartFollowUp);
            }
            CaseState::Closed => {
                c = go(&c, CaseAction::StartAssistance);
                c = go(&c, sample(CaseActionKind::Close));
            }
        }
        assert_eq!(c.state(), state);
        assert_eq!(c.proceedings_open(), proceedings);
        c
    }

    /// The transition table, written out by hand: for each (state, proceedings open) the result
    /// of each action kind in `CaseActionKind::ALL` order — the new state's code, or "-" when
    /// refused. Columns: start_reflection, extend_reflection, start_assistance, start_follow_up,
    /// open_proceedings, close_proceedings, close, reopen.
    const TABLE: &[(&str, bool, [&str; 8])] = &[
        (
            "identified",
            false,
            [
                "recovery_reflection",
                "-",
                "assistance",
                "-",
                "identified",
                "-",
                "closed",
                "-",
            ],
        ),
        (
            "identified",
            true,
            [
                "recovery_reflection",
                "-",
                "assistance",
                "-",
                "-",
                "identified",
                "closed",
                "-",
            ],
        ),
        (
            "recovery_reflection",
            false,
            [
                "-",
                "recovery_reflection",
                "assistance",
                "-",
                "recovery_reflection",
                "-",
                "closed",
                "-",
            ],
        ),
        (
            "recovery_reflection",
            true,
            [
                "-",
                "recovery_reflection",
                "assistance",
                "-",
                "-",
                "recovery_reflection",
                "closed",
                "-",
            ],
        ),
        (
            "assistance",
            false,
            [
                "recovery_reflection",
                "-",
                "-",
                "follow_up",
                "assistance",
                "-",
                "closed",
                "-",
            ],
        ),
        (
            "assistance",
            true,
            [
                "recovery_reflection",
                "-",
                "-",
                "follow_up",
                "-",
                "assistance",
                "closed",
                "-",
            ],
        ),
        (
            "follow_up",
            false,
            ["-", "-", "assistance", "-", "follow_up", "-", "closed", "-"],
        ),
        (
            "follow_up",
            true,
            ["-", "-", "assistance", "-", "-", "follow_up", "closed", "-"],
        ),
        (
            "closed",
            false,
            ["-", "-", "-", "-", "-", "-", "-", "assistance"],
        ),
        (
            "closed",
            true,
            ["-", "-", "-", "-", "-", "closed", "-", "assistance"],
        ),
    ];

    #[test]
    fn every_state_times_every_action_follows_the_table() {
        assert_eq!(TABLE.len(), CaseState::ALL.len() * 2);
        assert_eq!(CaseActionKind::ALL.len(), 8);
        for (state, proceedings, row) in TABLE {
            let state = CaseState::parse(state).unwrap();
            let case = case_in(state, *proceedings);
            for (kind, expected) in CaseActionKind::ALL.iter().zip(row.iter()) {
                let result = apply(&case, &sample(*kind), TODAY);
                let what = format!(
                    "{} (proceedings {proceedings}) × {}",
                    state.as_str(),
                    kind.as_str()
                );
                assert_eq!(case.allows(*kind), *expected != "-", "allows: {what}");
                match (result, *expected) {
                    (Err(_), "-") => {}
                    (Ok(next), code) => {
                        assert_eq!(next.state().as_str(), code, "{what}");
                        // Proceedings change only by their own actions.
                        let expect_open = match kind {
                            CaseActionKind::OpenProceedings => true,
                            CaseActionKind::CloseProceedings => false,
                            _ => *proceedings,
                        };
                        assert_eq!(next.proceedings_open(), expect_open, "{what}");
                    }
                    (Err(e), code) => panic!("{what}: expected {code}, refused: {e}"),
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let open = case_in(CaseState::Assistance, true);
        assert_eq!(
            apply(&open, &CaseAction::OpenProceedings, TODAY),
            Err(TransitionError::ProceedingsAlreadyOpen)
        );
        let none = case_in(CaseState::Assistance, false);
        assert_eq!(
            apply(&none, &CaseAction::CloseProceedings, TODAY),
            Err(TransitionError::NoProceedingsOpen)
        );
        assert_eq!(
            apply(&none, &CaseAction::StartFollowUp, TODAY).and_then(|c| apply(
                &c,
                &CaseAction::StartFollowUp,
                TODAY
            )),
            Err(TransitionError::NotAllowed {
                state: CaseState::FollowUp,
                action: CaseActionKind::StartFollowUp
            })
        );
        // A reflection period already recorded is extended, not started again.
        let r = case_in(CaseState::RecoveryReflection, false);
        let a = go(&r, CaseAction::StartAssistance);
        assert_eq!(
            apply(&a, &sample(CaseActionKind::StartReflection), TODAY),
            Err(TransitionError::ReflectionAlreadyRecorded)
        );
        assert_eq!(
            apply(&r, &CaseAction::ExtendReflection { days: 0 }, TODAY),
            Err(TransitionError::ZeroExtension)
        );
    }

    #[test]
    fn close_and_reopen_need_a_reason_and_reopen_returns_to_the_previous_state() {
        let c = case_in(CaseState::RecoveryReflection, false);
        for blank in ["", "   "] {
            assert_eq!(
                apply(
                    &c,
                    &CaseAction::Close {
                        reason: blank.into(),
                        referred_out: false
                    },
                    TODAY
                ),
                Err(TransitionError::ReasonRequired)
            );
        }
        let closed = go(
            &c,
            CaseAction::Close {
                reason: " referred to shelter in Lyon ".into(),
                referred_out: true,
            },
        );
        assert_eq!(closed.htcds_status(), HtcdsCaseStatus::ClosedReferred);
        let closure = closed.closure().unwrap();
        assert_eq!(closure.reason, "referred to shelter in Lyon");
        assert_eq!(closure.on, TODAY);
        assert_eq!(
            apply(&closed, &CaseAction::Reopen { reason: " ".into() }, TODAY),
            Err(TransitionError::ReasonRequired)
        );
        let reopened = go(
            &closed,
            CaseAction::Reopen {
                reason: "came back".into(),
            },
        );
        assert_eq!(reopened.state(), CaseState::RecoveryReflection);
        assert!(reopened.closure().is_none());
        assert_eq!(reopened.reopenings().len(), 1);
        assert_eq!(reopened.reopenings()[0].reason, "came back");
        assert!(reopened.reopenings()[0].closure.referred_out);
        assert_eq!(reopened.htcds_status(), HtcdsCaseStatus::Active);
        // The reflection period survives the closure.
        assert_eq!(reopened.reflection(), c.reflection());
    }

    #[test]
    fn htcds_status_of_each_state() {
        let expected = [
            (CaseState::Identified, "Active"),
            (CaseState::RecoveryReflection, "Active"),
            (CaseState::Assistance, "Active"),
            (CaseState::FollowUp, "FollowUp"),
            (CaseState::Closed, "Closed"),
        ];
        for (s, code) in expected {
            assert_eq!(case_in(s, false).htcds_status().as_str(), code);
        }
    }

    #[test]
    fn reflection_policy_floor_is_30_days() {
        assert_eq!(
            ReflectionPolicy::new("FR", 29),
            Err(PolicyError::BelowFloor { days: 29 })
        );
        assert_eq!(
            ReflectionPolicy::new("FR", 0).unwrap_err().code(),
            "reflection_below_floor"
        );
        assert_eq!(ReflectionPolicy::new("fr", 30).unwrap().days(), 30);
        assert_eq!(ReflectionPolicy::new("nl", 90).unwrap().country(), "NL");
        assert_eq!(
            ReflectionPolicy::new("France", 30),
            Err(PolicyError::InvalidCountry)
        );
        assert_eq!(
            ReflectionPeriod::new("FR", IDENTIFIED, 29),
            Err(PolicyError::BelowFloor { days: 29 })
        );
        let policies = [policy(30), ReflectionPolicy::new("NO", 180).unwrap()];
        assert_eq!(
            ReflectionPolicy::for_country(&policies, "no").map(ReflectionPolicy::days),
            Some(180)
        );
        assert_eq!(ReflectionPolicy::for_country(&policies, "DE"), None);
    }

    #[test]
    fn reflection_end_is_start_plus_days_minus_one() {
        // 30 days from 1 March: 1..=30 March.
        let p = ReflectionPeriod::new("FR", date!(2026 - 03 - 01), 30).unwrap();
        assert_eq!(p.last_day(), date!(2026 - 03 - 30));
        assert!(p.covers(date!(2026 - 03 - 30)));
        assert!(!p.covers(date!(2026 - 03 - 31)));
        assert!(!p.covers(date!(2026 - 02 - 28)));
        assert_eq!(p.days_left(date!(2026 - 03 - 30)), 0);
        assert_eq!(p.days_left(date!(2026 - 03 - 01)), 29);
        // 90 days (Netherlands) from 1 Jan 2026: 1 Jan + 89 = 31 March.
        let nl = ReflectionPeriod::new("NL", date!(2026 - 01 - 01), 90).unwrap();
        assert_eq!(nl.last_day(), date!(2026 - 03 - 31));
        // 45 days across a leap February: 15 Feb 2028 + 44 = 30 March 2028.
        let leap = ReflectionPeriod::new("RO", date!(2028 - 02 - 15), 45).unwrap();
        assert_eq!(leap.last_day(), date!(2028 - 03 - 30));
    }

    #[test]
    fn reflection_start_is_the_recorded_date_and_extensions_add_days() {
        let c = CaseLifecycle::new(IDENTIFIED);
        let started = go(
            &c,
            CaseAction::StartReflection {
                start: date!(2026 - 03 - 05),
                policy: policy(30),
            },
        );
        let p = started.reflection().unwrap();
        assert_eq!(p.start(), date!(2026 - 03 - 05));
        assert_eq!(p.last_day(), date!(2026 - 04 - 03));
        assert_eq!(p.country(), "FR");
        let extended = go(&started, CaseAction::ExtendReflection { days: 10 });
        assert_eq!(extended.reflection().unwrap().days(), 40);
        assert_eq!(
            extended.reflection().unwrap().last_day(),
            date!(2026 - 04 - 13)
        );
        assert_eq!(
            apply(
                &c,
                &CaseAction::StartReflection {
                    start: date!(2026 - 03 - 21),
                    policy: policy(30)
                },
                TODAY
            ),
            Err(TransitionError::StartInFuture)
        );
        assert_eq!(
            apply(
                &c,
                &CaseAction::StartReflection {
                    start: date!(2026 - 02 - 28),
                    policy: policy(30)
                },
                TODAY
            ),
            Err(TransitionError::StartBeforeIdentification)
        );
    }

    #[test]
    fn assistance_does_not_depend_on_proceedings() {
        // The same path is allowed with and without proceedings, and gives the same states.
        for proceedings in [false, true] {
            let c = case_in(CaseState::Identified, proceedings);
            let a = go(&c, CaseAction::StartAssistance);
            assert_eq!(a.state(), CaseState::Assistance);
            let f = go(&a, CaseAction::StartFollowUp);
            assert_eq!(f.state(), CaseState::FollowUp);
        }
        // Closing proceedings (e.g. the victim declines to testify) leaves the state alone.
        let c = case_in(CaseState::Assistance, true);
        assert_eq!(
            go(&c, CaseAction::CloseProceedings).state(),
            CaseState::Assistance
        );
    }

    #[test]
    fn stored_values_are_checked_on_reload() {
        let c = case_in(CaseState::Closed, true);
        assert_eq!(
            CaseLifecycle::from_parts(c.clone().into_parts()),
            Ok(c.clone())
        );
        let mut p = c.into_parts();
        p.closure = None;
        assert!(matches!(
            CaseLifecycle::from_parts(p),
            Err(TransitionError::Inconsistent(_))
        ));
        let mut p = CaseLifecycle::new(IDENTIFIED).into_parts();
        p.state = CaseState::RecoveryReflection;
        assert!(CaseLifecycle::from_parts(p).is_err());
    }

    #[test]
    fn a_determination_names_who_made_it() {
        let mut f = CaseFacts::presumed_victim();
        assert_eq!(f.validate(), Ok(()));
        f.trafficking_status = TraffickingStatus::ActualVictim;
        assert_eq!(f.validate(), Err("status_decided_by"));
        f.status_decided_by = Some(StatusDecisionMaker::CourtOrProsecution);
        assert_eq!(f.validate(), Ok(()));
    }

    #[test]
    fn codes_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.as_str()), Some(*s));
        }
        for k in CaseActionKind::ALL {
            assert_eq!(CaseActionKind::parse(k.as_str()), Some(*k));
            assert_eq!(sample(*k).kind(), *k);
        }
    }
}
