//! Labour-court cases as opened, updated and read: claimants (with consent), jointly liable
//! employers, money claims, evidence, hearings and the outcome.

use serde::{Deserialize, Serialize};

use super::redact::redacted_debug;

/// A labour-court case as opened.
#[derive(Clone, Default, Deserialize)]
pub struct NewLabourCase {
    pub title: String,
    #[serde(default)]
    pub collective_agreement: String,
    pub claimant_name: String,
    /// The claimant consented to the case being brought and their data being kept for it.
    #[serde(default)]
    pub claimant_consent: bool,
    /// A document check whose money findings become the first claims.
    #[serde(default)]
    pub check_id: Option<String>,
    /// Employers jointly liable (ids of the organisation's employers).
    #[serde(default)]
    pub employer_ids: Vec<String>,
}

redacted_debug!(NewLabourCase);

/// Something added to a labour-court case.
#[derive(Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEntry {
    Claimant {
        name: String,
        #[serde(default)]
        consent: bool,
    },
    Employer {
        employer_id: String,
        #[serde(default)]
        role: String,
    },
    Claim {
        description: String,
        amount: String,
        #[serde(default)]
        check_id: Option<String>,
    },
    Evidence {
        description: String,
        /// SHA-256 of the evidence file, 64 hexadecimal digits.
        sha256: String,
    },
    Hearing {
        date: String,
        #[serde(default)]
        court: String,
        #[serde(default)]
        note: String,
    },
    Outcome {
        text: String,
        recovered: String,
        #[serde(default)]
        date: String,
    },
}

redacted_debug!(CaseEntry);

/// A claimant of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Claimant {
    pub name: String,
    pub consent_at_ms: i64,
}

/// An employer liable in a labour-court case.
#[derive(Clone, Serialize)]
pub struct LiableEmployer {
    pub employer_id: String,
    pub legal_name: String,
    pub registration_number: String,
    pub role: String,
}

/// A money claim of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Claim {
    pub description: String,
    pub amount: String,
    pub check_id: Option<String>,
}

/// A piece of evidence, identified by the SHA-256 of its file.
#[derive(Clone, Serialize)]
pub struct Evidence {
    pub description: String,
    pub sha256: String,
}

/// A court hearing.
#[derive(Clone, Serialize)]
pub struct Hearing {
    pub date: String,
    pub court: String,
    pub note: String,
}

/// The outcome of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Outcome {
    pub text: String,
    pub recovered: String,
    pub date: String,
}

/// A labour-court case, opened.
#[derive(Clone, Serialize)]
pub struct LabourCase {
    pub id: String,
    pub title: String,
    pub collective_agreement: String,
    pub status: String,
    pub claimants: Vec<Claimant>,
    pub employers: Vec<LiableEmployer>,
    pub claims: Vec<Claim>,
    /// Sum of the claims, exact.
    pub claimed_total: String,
    pub evidence: Vec<Evidence>,
    /// Sorted by date.
    pub hearings: Vec<Hearing>,
    pub outcome: Option<Outcome>,
    pub created_at_ms: i64,
    pub version: i64,
}

redacted_debug!(LabourCase);

impl LabourCase {
    /// Hearings on or after `today` (`YYYY-MM-DD`), soonest first: the reminders.
    pub fn upcoming_hearings(&self, today: &str) -> Vec<&Hearing> {
        self.hearings
            .iter()
            .filter(|h| h.date.as_str() >= today)
            .collect()
    }
}

/// A labour-court case in a list.
#[derive(Clone, Serialize)]
pub struct LabourCaseSummary {
    pub id: String,
    pub title: String,
    pub status: String,
    pub claimed_total: String,
    pub next_hearing: Option<String>,
    pub created_at_ms: i64,
}
