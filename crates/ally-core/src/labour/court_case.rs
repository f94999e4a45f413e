//! Labour-court cases as opened, updated and read: claimants (with consent), jointly liable
//! employers, money claims, evidence, hearings and the outcome.

use serde::{Deserialize, Serialize};

use super::redact::redacted_debug;

/// A labour-court case as opened.
#[derive(Clone, Default, Deserialize)]
pub struct NewLabourCase {
    /// How the organisation names the case; required, at most 300 characters.
    pub title: String,
    /// The collective agreement the claims rest on; may be empty.
    #[serde(default)]
    pub collective_agreement: String,
    /// The first claimant's name; required.
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
    /// Another claimant; refused without their consent.
    Claimant {
        /// The claimant's name; required.
        name: String,
        /// The claimant consented to the case being brought and their data being kept for it.
        #[serde(default)]
        consent: bool,
    },
    /// An employer jointly liable, or a new position for one already named.
    Employer {
        /// An id of the organisation's employers.
        employer_id: String,
        /// Its position in the subcontracting chain, a code of
        /// [`CHAIN_ROLES`](super::CHAIN_ROLES); may be empty.
        #[serde(default)]
        role: String,
    },
    /// A money claim.
    Claim {
        /// What is claimed (e.g. unpaid overtime for March); required.
        description: String,
        /// A non-negative amount, decimal text (e.g. `1200.50`), kept with two places.
        amount: String,
        /// The document check the figure comes from, if any (of the own organisation).
        #[serde(default)]
        check_id: Option<String>,
    },
    /// A piece of evidence, identified by the hash of its file (the file stays outside Ally).
    Evidence {
        /// What the evidence is; required.
        description: String,
        /// SHA-256 of the evidence file, 64 hexadecimal digits.
        sha256: String,
    },
    /// A court hearing.
    Hearing {
        /// `YYYY-MM-DD`.
        date: String,
        /// The court; may be empty.
        #[serde(default)]
        court: String,
        /// A free note for the case team; may be empty.
        #[serde(default)]
        note: String,
    },
    /// The outcome; recording it closes the case (status `closed`).
    Outcome {
        /// The judgment or settlement in words; required.
        text: String,
        /// The money recovered for the claimants, decimal text (e.g. `3500.00`).
        recovered: String,
        /// `YYYY-MM-DD`; empty means today.
        #[serde(default)]
        date: String,
    },
}

redacted_debug!(CaseEntry);

/// A claimant of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Claimant {
    /// The claimant's name.
    pub name: String,
    /// When the claimant's consent was recorded, in milliseconds since the Unix epoch.
    pub consent_at_ms: i64,
}

/// An employer liable in a labour-court case.
#[derive(Clone, Serialize)]
pub struct LiableEmployer {
    /// The employer record.
    pub employer_id: String,
    /// Its legal name (empty if the employer record is gone).
    pub legal_name: String,
    /// Its company-register number (empty if unknown).
    pub registration_number: String,
    /// Its position in the subcontracting chain, a code of [`CHAIN_ROLES`](super::CHAIN_ROLES);
    /// empty when not known. A case opened from an inspection's check takes it from the site's
    /// chain.
    pub role: String,
}

/// A money claim of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Claim {
    /// What is claimed; for claims taken from a document check, the finding kind
    /// (e.g. `underpayment`).
    pub description: String,
    /// Decimal text with two places (e.g. `1200.50`).
    pub amount: String,
    /// The document check the figure comes from, if any.
    pub check_id: Option<String>,
}

/// A piece of evidence, identified by the SHA-256 of its file.
#[derive(Clone, Serialize)]
pub struct Evidence {
    /// What the evidence is.
    pub description: String,
    /// SHA-256 of the evidence file, 64 lower-case hexadecimal digits.
    pub sha256: String,
}

/// A court hearing.
#[derive(Clone, Serialize)]
pub struct Hearing {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The court; may be empty.
    pub court: String,
    /// A free note for the case team; may be empty.
    pub note: String,
}

/// The outcome of a labour-court case.
#[derive(Clone, Serialize)]
pub struct Outcome {
    /// The judgment or settlement in words.
    pub text: String,
    /// The money recovered for the claimants, decimal text with two places.
    pub recovered: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// A labour-court case, opened.
#[derive(Clone, Serialize)]
pub struct LabourCase {
    /// Record id (a UUID).
    pub id: String,
    /// How the organisation names the case.
    pub title: String,
    /// The collective agreement the claims rest on; may be empty.
    pub collective_agreement: String,
    /// `open`, or `closed` once an outcome is recorded.
    pub status: String,
    /// Claimants, each with the time of their consent.
    pub claimants: Vec<Claimant>,
    /// Employers jointly liable.
    pub employers: Vec<LiableEmployer>,
    /// Money claims, in the order entered.
    pub claims: Vec<Claim>,
    /// Sum of the claims, exact.
    pub claimed_total: String,
    /// Evidence, each identified by its file's hash.
    pub evidence: Vec<Evidence>,
    /// Sorted by date.
    pub hearings: Vec<Hearing>,
    /// The outcome, once recorded.
    pub outcome: Option<Outcome>,
    /// When the case was opened, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Optimistic-concurrency counter: a change made against an older version is refused.
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
    /// Record id (a UUID).
    pub id: String,
    /// How the organisation names the case.
    pub title: String,
    /// `open` or `closed`.
    pub status: String,
    /// Sum of the claims, decimal text with two places.
    pub claimed_total: String,
    /// The date (`YYYY-MM-DD`) of the soonest hearing today or later, if any.
    pub next_hearing: Option<String>,
    /// When the case was opened, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}
