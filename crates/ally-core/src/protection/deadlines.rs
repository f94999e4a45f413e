//! Reminders for the dates a caseworker must not miss.
//!
//! The end of the recovery and reflection period and the expiry of a residence permit are
//! expulsion-sensitive: once they pass, the person may be removed from the country. They are
//! reminded ahead of time; an expired permit stays on the list (overdue) while the case is open,
//! because nothing else would bring it back to anyone's attention. Court dates and follow-up
//! contacts are reminded ahead of time only. A closed case raises no reminders.

use time::Date;

use super::case::CaseLifecycle;
use super::judicial::{Proceedings, ResidencePermit};

code_enum! {
    /// What a reminder is for.
    pub enum DeadlineKind {
        /// The last day of the recovery and reflection period (expulsion-sensitive).
        ReflectionEnd => "reflection_end",
        /// The expiry of the residence permit expiring last (expulsion-sensitive; stays listed
        /// while overdue).
        ResidencePermitExpiry => "residence_permit_expiry",
        /// A hearing in judicial proceedings.
        CourtDate => "court_date",
        /// A planned follow-up contact with the person.
        FollowUp => "follow_up",
    }
}

impl DeadlineKind {
    /// Missing this date may expose the person to expulsion.
    pub fn expulsion_sensitive(self) -> bool {
        matches!(
            self,
            DeadlineKind::ReflectionEnd | DeadlineKind::ResidencePermitExpiry
        )
    }
}

/// How many days ahead each kind of reminder is raised (configurable per organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderWindows {
    /// Days ahead of the reflection period's last day (default 7).
    pub reflection_end_days: u16,
    /// Days ahead of a residence permit's expiry (default 30).
    pub permit_expiry_days: u16,
    /// Days ahead of a hearing (default 14).
    pub court_date_days: u16,
    /// Days ahead of a planned follow-up contact (default 7).
    pub follow_up_days: u16,
}

impl Default for ReminderWindows {
    fn default() -> Self {
        ReminderWindows {
            reflection_end_days: 7,
            permit_expiry_days: 30,
            court_date_days: 14,
            follow_up_days: 7,
        }
    }
}

/// What the deadlines of one case are computed from.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineFacts<'a> {
    /// The case's lifecycle: its reflection period, and whether it is closed (then no reminders).
    pub lifecycle: &'a CaseLifecycle,
    /// The residence permits applied for or granted.
    pub permits: &'a [ResidencePermit],
    /// The judicial proceedings, with their hearing dates.
    pub proceedings: &'a [Proceedings],
    /// Planned follow-up contacts.
    pub follow_ups: &'a [Date],
}

/// One reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// What is due.
    pub kind: DeadlineKind,
    /// The date that must not be missed.
    pub due: Date,
    /// Days from today to the due date: 0 on the day, negative when overdue.
    pub days_left: i64,
}

impl Deadline {
    /// Whether missing it may expose the person to expulsion
    /// ([`DeadlineKind::expulsion_sensitive`]).
    pub fn expulsion_sensitive(&self) -> bool {
        self.kind.expulsion_sensitive()
    }
    /// Whether the due date has passed (only an expired residence permit stays listed then).
    pub fn overdue(&self) -> bool {
        self.days_left < 0
    }
}

/// The reminders due for one case on `today`, sorted by due date (then kind).
pub fn deadlines(
    facts: &DeadlineFacts<'_>,
    today: Date,
    windows: &ReminderWindows,
) -> Vec<Deadline> {
    if facts.lifecycle.is_closed() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut ahead = |kind: DeadlineKind, due: Date, window: u16| {
        let days_left = (due - today).whole_days();
        if (0..=i64::from(window)).contains(&days_left) {
            out.push(Deadline {
                kind,
                due,
                days_left,
            });
        }
    };
    if let Some(p) = facts.lifecycle.reflection() {
        ahead(
            DeadlineKind::ReflectionEnd,
            p.last_day(),
            windows.reflection_end_days,
        );
    }
    for hearing in facts.proceedings.iter().flat_map(|p| p.hearings.iter()) {
        ahead(DeadlineKind::CourtDate, *hearing, windows.court_date_days);
    }
    for f in facts.follow_ups {
        ahead(DeadlineKind::FollowUp, *f, windows.follow_up_days);
    }
    // The permit that matters is the one expiring last; earlier ones were superseded.
    if let Some(expires) = facts
        .permits
        .iter()
        .filter_map(ResidencePermit::expires)
        .max()
    {
        let days_left = (expires - today).whole_days();
        if days_left <= i64::from(windows.permit_expiry_days) {
            out.push(Deadline {
                kind: DeadlineKind::ResidencePermitExpiry,
                due: expires,
                days_left,
            });
        }
    }
    out.sort_by_key(|d| (d.due, d.kind));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::protection::case::{CaseAction, ReflectionPolicy, apply};
    use crate::protection::judicial::{ProceedingsStage, VictimRole};
    use time::macros::date;

    fn in_reflection(start: Date) -> CaseLifecycle {
        let c = CaseLifecycle::new(start);
        apply(
            &c,
            &CaseAction::StartReflection {
                start,
                policy: ReflectionPolicy::new("FR", 30).unwrap(),
            },
            start,
        )
        .unwrap()
    }

    fn facts<'a>(
        c: &'a CaseLifecycle,
        permits: &'a [ResidencePermit],
        proceedings: &'a [Proceedings],
        follow_ups: &'a [Date],
    ) -> DeadlineFacts<'a> {
        DeadlineFacts {
            lifecycle: c,
            permits,
            proceedings,
            follow_ups,
        }
    }

    #[test]
    fn reflection_end_is_reminded_from_seven_days_ahead_until_the_day() {
        // 1 March + 30 days: last day 30 March.
        let c = in_reflection(date!(2026 - 03 - 01));
        let w = ReminderWindows::default();
        let at = |d: Date| deadlines(&facts(&c, &[], &[], &[]), d, &w);
        assert!(at(date!(2026 - 03 - 22)).is_empty(), "8 days ahead");
        assert_eq!(
            at(date!(2026 - 03 - 23)),
            vec![Deadline {
                kind: DeadlineKind::ReflectionEnd,
                due: date!(2026 - 03 - 30),
                days_left: 7
            }]
        );
        assert_eq!(at(date!(2026 - 03 - 30))[0].days_left, 0);
        assert!(at(date!(2026 - 03 - 30))[0].expulsion_sensitive());
        assert!(at(date!(2026 - 03 - 31)).is_empty(), "over");
    }

    #[test]
    fn permit_expiry_is_reminded_from_thirty_days_and_stays_when_overdue() {
        let c = CaseLifecycle::new(date!(2026 - 01 - 01));
        let old = ResidencePermit::apply_for(date!(2025 - 01 - 01), false)
            .grant(date!(2025 - 02 - 01), date!(2026 - 02 - 01))
            .unwrap();
        let current = ResidencePermit::apply_for(date!(2026 - 01 - 05), true)
            .grant(date!(2026 - 01 - 20), date!(2026 - 12 - 31))
            .unwrap();
        let pending = ResidencePermit::apply_for(date!(2026 - 11 - 01), true);
        let permits = [old, current, pending];
        let w = ReminderWindows::default();
        let at = |d: Date| deadlines(&facts(&c, &permits, &[], &[]), d, &w);
        // The superseded permit's expiry raises nothing.
        assert!(at(date!(2026 - 01 - 30)).is_empty());
        assert!(at(date!(2026 - 11 - 30)).is_empty(), "31 days ahead");
        assert_eq!(
            at(date!(2026 - 12 - 01)),
            vec![Deadline {
                kind: DeadlineKind::ResidencePermitExpiry,
                due: date!(2026 - 12 - 31),
                days_left: 30
            }]
        );
        let late = at(date!(2027 - 01 - 10));
        assert_eq!(late.len(), 1);
        assert!(late[0].overdue());
        assert_eq!(late[0].days_left, -10);
    }

    #[test]
    fn court_dates_and_follow_ups_are_reminded_ahead_and_sorted() {
        let c = CaseLifecycle::new(date!(2026 - 01 - 01));
        let mut p = Proceedings::open(
            ProceedingsStage::Investigation,
            date!(2026 - 01 - 02),
            VictimRole::Witness,
        )
        .unwrap();
        p.hearings = vec![
            date!(2026 - 05 - 14),
            date!(2026 - 05 - 16),
            date!(2026 - 04 - 29),
        ];
        let follow = [date!(2026 - 05 - 08), date!(2026 - 05 - 09)];
        let today = date!(2026 - 05 - 01);
        let got = deadlines(
            &facts(&c, &[], std::slice::from_ref(&p), &follow),
            today,
            &ReminderWindows::default(),
        );
        let summary: Vec<(&str, Date)> = got.iter().map(|d| (d.kind.as_str(), d.due)).collect();
        assert_eq!(
            summary,
            vec![
                ("follow_up", date!(2026 - 05 - 08)),
                ("court_date", date!(2026 - 05 - 14)),
            ]
        );
        assert!(!got[1].expulsion_sensitive());
    }

    #[test]
    fn a_closed_case_raises_nothing() {
        let c = in_reflection(date!(2026 - 03 - 01));
        let closed = apply(
            &c,
            &CaseAction::Close {
                reason: "left the country".into(),
                referred_out: false,
            },
            date!(2026 - 03 - 25),
        )
        .unwrap();
        let got = deadlines(
            &facts(&closed, &[], &[], &[]),
            date!(2026 - 03 - 25),
            &ReminderWindows::default(),
        );
        assert!(got.is_empty());
        let open = deadlines(
            &facts(&c, &[], &[], &[]),
            date!(2026 - 03 - 25),
            &ReminderWindows::default(),
        );
        assert_eq!(open.len(), 1);
    }
}
