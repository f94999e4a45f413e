//! Retention periods per record type, and the decision which records are past retention.
//!
//! A record is kept for the configured number of days after it was closed (a case closed, a
//! consent withdrawn or superseded, a referral finished...). Records still open, record types
//! without a configured period, and records under a legal hold (e.g. evidence for open
//! proceedings) are never past retention: deleting a victim's file by default would be
//! irreversible, keeping it is not.

use std::collections::BTreeMap;

use thiserror::Error;
use time::Date;

use super::add_days;

code_enum! {
    /// The kinds of record a retention period is configured for; the codes are the keys of the
    /// retention file.
    pub enum RecordType {
        /// A protection case, from its closure.
        Case => "case",
        /// A person record with its sealed identity.
        Person => "person",
        /// A consent record, from when it ended (withdrawn, refused, or past its validity).
        Consent => "consent",
        /// A referral, from when it was finished (declined, revoked or completed).
        Referral => "referral",
        /// The judicial proceedings recorded on a case.
        Proceedings => "proceedings",
        /// A compensation claim and its payments.
        Compensation => "compensation",
    }
}

/// Days to keep each record type after closure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    days: BTreeMap<RecordType, u32>,
}

/// A retention file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RetentionError {
    /// Not valid TOML; holds the parser's message.
    #[error("not a valid retention file: {0}")]
    Parse(String),
    /// A key that is no [`RecordType`] code; holds the key.
    #[error("unknown record type \"{0}\"")]
    UnknownRecordType(String),
    /// A value that is not a whole number of days from 0 to 2³²−1; holds the key.
    #[error("retention for \"{0}\" must be a whole number of days")]
    BadDays(String),
}

impl RetentionPolicy {
    /// A policy with no period configured: nothing is ever past retention.
    pub fn new() -> RetentionPolicy {
        RetentionPolicy::default()
    }

    /// The policy with `record_type` kept `days` days after closure.
    pub fn with(mut self, record_type: RecordType, days: u32) -> RetentionPolicy {
        self.days.insert(record_type, days);
        self
    }

    /// Days `record_type` is kept after closure, if configured.
    pub fn days(&self, record_type: RecordType) -> Option<u32> {
        self.days.get(&record_type).copied()
    }

    /// Reads a configuration such as `case = 3650` / `consent = 1825` (one key per record
    /// type code, in days).
    pub fn from_toml(text: &str) -> Result<RetentionPolicy, RetentionError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| RetentionError::Parse(e.message().to_owned()))?;
        let mut policy = RetentionPolicy::new();
        for (key, value) in table {
            let rt = RecordType::parse(&key)
                .ok_or_else(|| RetentionError::UnknownRecordType(key.clone()))?;
            let days = value
                .as_integer()
                .and_then(|d| u32::try_from(d).ok())
                .ok_or(RetentionError::BadDays(key))?;
            policy.days.insert(rt, days);
        }
        Ok(policy)
    }
}

/// Whether a record of `record_type` closed on `closed_on` is past retention on `today`: it is
/// kept through `closed_on + days`, and past retention from the day after.
pub fn past_retention(
    record_type: RecordType,
    closed_on: Option<Date>,
    today: Date,
    policy: &RetentionPolicy,
) -> bool {
    let (Some(closed), Some(days)) = (closed_on, policy.days(record_type)) else {
        return false;
    };
    add_days(closed, i64::from(days)).is_some_and(|last| today > last)
}

/// A record considered for deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionCandidate<K> {
    /// The caller's key for the record (its id).
    pub key: K,
    /// Which period applies.
    pub record_type: RecordType,
    /// The day the record was closed; `None` while it is open (never past retention).
    pub closed_on: Option<Date>,
    /// Must be kept whatever the period says (open proceedings, a court order...).
    pub legal_hold: bool,
}

/// The keys of the candidates past retention on `today`.
pub fn records_past_retention<K: Clone>(
    candidates: &[RetentionCandidate<K>],
    today: Date,
    policy: &RetentionPolicy,
) -> Vec<K> {
    candidates
        .iter()
        .filter(|c| !c.legal_hold && past_retention(c.record_type, c.closed_on, today, policy))
        .map(|c| c.key.clone())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_record_is_kept_through_the_last_day_and_past_retention_after() {
        let p = RetentionPolicy::new().with(RecordType::Case, 365);
        let closed = Some(date!(2025 - 03 - 01));
        // 1 March 2025 + 365 days = 1 March 2026: still kept that day.
        assert!(!past_retention(
            RecordType::Case,
            closed,
            date!(2026 - 03 - 01),
            &p
        ));
        assert!(past_retention(
            RecordType::Case,
            closed,
            date!(2026 - 03 - 02),
            &p
        ));
        // Open records, and types without a period, are kept.
        assert!(!past_retention(
            RecordType::Case,
            None,
            date!(2040 - 01 - 01),
            &p
        ));
        assert!(!past_retention(
            RecordType::Consent,
            closed,
            date!(2040 - 01 - 01),
            &p
        ));
        // Zero days: past retention the day after closure.
        let z = RetentionPolicy::new().with(RecordType::Referral, 0);
        assert!(!past_retention(
            RecordType::Referral,
            closed,
            date!(2025 - 03 - 01),
            &z
        ));
        assert!(past_retention(
            RecordType::Referral,
            closed,
            date!(2025 - 03 - 02),
            &z
        ));
    }

    #[test]
    fn legal_holds_are_never_deleted() {
        let p = RetentionPolicy::new()
            .with(RecordType::Case, 30)
            .with(RecordType::Proceedings, 30);
        let old = Some(date!(2020 - 01 - 01));
        let cands = [
            RetentionCandidate {
                key: 1,
                record_type: RecordType::Case,
                closed_on: old,
                legal_hold: false,
            },
            RetentionCandidate {
                key: 2,
                record_type: RecordType::Proceedings,
                closed_on: old,
                legal_hold: true,
            },
            RetentionCandidate {
                key: 3,
                record_type: RecordType::Case,
                closed_on: None,
                legal_hold: false,
            },
            RetentionCandidate {
                key: 4,
                record_type: RecordType::Person,
                closed_on: old,
                legal_hold: false,
            },
        ];
        assert_eq!(
            records_past_retention(&cands, date!(2026 - 01 - 01), &p),
            vec![1]
        );
    }

    #[test]
    fn policies_are_read_from_toml() {
        let p = RetentionPolicy::from_toml("case = 3650\nconsent = 1825\n").unwrap();
        assert_eq!(p.days(RecordType::Case), Some(3650));
        assert_eq!(p.days(RecordType::Consent), Some(1825));
        assert_eq!(p.days(RecordType::Person), None);
        assert_eq!(
            RetentionPolicy::from_toml("cases = 1"),
            Err(RetentionError::UnknownRecordType("cases".into()))
        );
        assert_eq!(
            RetentionPolicy::from_toml("case = -1"),
            Err(RetentionError::BadDays("case".into()))
        );
        assert_eq!(
            RetentionPolicy::from_toml("case = \"ten years\""),
            Err(RetentionError::BadDays("case".into()))
        );
        assert!(matches!(
            RetentionPolicy::from_toml("case = "),
            Err(RetentionError::Parse(_))
        ));
    }
}
