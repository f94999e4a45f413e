//! The labour module's domain (issue 6): employers, workplaces and subcontracting chains
//! ([`employer`]), joint inspections ([`inspection`]), document checks ([`document_check`]) and
//! labour-court cases ([`court_case`]) as entered and as read, with their vocabularies
//! ([`vocab`]) and field validators ([`validate`]); storage lives in `ally-store`'s `labour`.
//!
//! # The document check engine (issue 6 §3)
//!
//! This module owns the check engine: it reads one worker's contract terms, payslips and
//! timesheets ([`WorkerRecord`], from JSON or CSV), applies a country-and-sector
//! [`RuleSet`] (a versioned TOML data file under `data/labour/`), and returns
//! [`Finding`]s. Each finding states its arithmetic, the rule it applies (with citation and
//! whether the figure was verified), and the ILO forced-labour indicators it supports.
//! Pure code: no I/O; callers pass text in.
//!
//! # Input JSON (one worker)
//!
//! ```json
//! {
//!   "contract": {
//!     "start_date": "2025-01-06", "hourly_wage": "11.88", "weekly_hours": "35",
//!     "grade": "N1P1", "written_contract": true,
//!     "work_permit_required": true, "work_permit_present": false,
//!     "identity_documents_retained": false
//!   },
//!   "payslips": [{
//!     "period_start": "2025-03-01", "period_end": "2025-03-31",
//!     "hours_paid": "151.67", "gross": "1500.00", "overtime_premium_paid": "0",
//!     "deductions": [{"kind": "housing", "amount": "300.00"}],
//!     "net_paid": "1200.00", "amount_received": "900.00", "debt_balance": "2000.00"
//!   }],
//!   "timesheets": [{"date": "2025-03-03", "hours": "10", "start": "07:00", "end": "18:00"}]
//! }
//! ```
//!
//! Amounts and hours are decimal strings (numbers are accepted and read from their text).
//! `monthly_wage` may replace `hourly_wage` (if both are given, the hourly wage is used); `grade`, `amount_received`, `debt_balance`,
//! `overtime_premium_paid`, `start`/`end` are optional. Unknown fields are refused.
//!
//! # Arithmetic conventions
//!
//! Money is computed exactly with [`Decimal`] and rounded to cents, half away from zero,
//! only when a figure is stated. The rate for a pay period is the one in force on its
//! first day (rates rise over time, so this never overstates a claim).

mod checks;
mod court_case;
mod document_check;
mod employer;
mod input;
mod inspection;
mod redact;
mod rules;
pub mod validate;
mod vocab;

pub use checks::{CheckReport, Finding, FindingKind, RuleRef, check};
pub use court_case::{
    CaseEntry, Claim, Claimant, Evidence, Hearing, LabourCase, LabourCaseSummary, LiableEmployer,
    NewLabourCase, Outcome,
};
pub use document_check::{
    CheckInput, CheckSummary, DocumentCheck, StoredFinding, StoredRule, check_documents,
};
pub use employer::{ChainLink, ChainLinkInput, Employer, EmployerInput, Workplace, WorkplaceInput};
pub use input::{
    Contract, Deduction, InputError, Payslip, TimesheetEntry, WorkerRecord, payslips_from_csv,
    timesheets_from_csv,
};
pub use inspection::{
    ActionView, AnswerView, DocumentView, InspectionEntry, InspectionPlan, InspectionSummary,
    InspectionView, PartnerInput, PartnerView, WorkerView,
};
pub use rules::{
    DeductionRule, Grade, Limit, OvertimeBand, OvertimeRule, RatePeriod, Requirement, RuleSet,
    RuleSetError, RuleSetSummary, Source, WageScale, shipped_summaries,
};
pub use vocab::{ANSWERS, CHAIN_ROLES, CHECKLISTS, DOCUMENT_KINDS, PARTNER_KINDS, SECTORS};

use serde::Serialize;
use time::Date;

/// ILO forced-labour indicator ids (ILO 2012, the 11 indicators), exactly as in
/// `data/indicators/ilo-forced-labour-11.toml`.
pub mod indicators {
    /// Taking advantage of a worker's lack of papers, language, money or alternatives: supported
    /// by a missing written contract or work permit.
    pub const ABUSE_OF_VULNERABILITY: &str = "ilo11.abuse_of_vulnerability";
    /// Promises not kept: supported by pay below the rate the contract itself states.
    pub const DECEPTION: &str = "ilo11.deception";
    /// Threats and penalties: supported by fines taken from wages.
    pub const INTIMIDATION_AND_THREATS: &str = "ilo11.intimidation_and_threats";
    /// The employer or a third party holds the worker's passport or identity papers.
    pub const RETENTION_OF_IDENTITY_DOCUMENTS: &str = "ilo11.retention_of_identity_documents";
    /// Pay owed and not paid: underpayment, unpaid overtime, illegal or excessive deductions,
    /// net pay not received.
    pub const WITHHOLDING_OF_WAGES: &str = "ilo11.withholding_of_wages";
    /// A debt that ties the worker to the job: a growing debt balance, recruitment fees and
    /// loan or advance repayments taken from wages.
    pub const DEBT_BONDAGE: &str = "ilo11.debt_bondage";
    /// Degrading or unsafe work and housing (not derived from documents by the checks).
    pub const ABUSIVE_WORKING_AND_LIVING_CONDITIONS: &str =
        "ilo11.abusive_working_and_living_conditions";
    /// Working time beyond the legal limits: long days and weeks, short rest, too many days,
    /// unpaid overtime.
    pub const EXCESSIVE_OVERTIME: &str = "ilo11.excessive_overtime";
}

/// Kinds of deduction from wages that a rule set can allow, cap or forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductionKind {
    /// Employee social-security contributions and income tax withheld at source: set by
    /// statute, not checked here.
    SocialSecurityAndTax,
    /// Rent or lodging provided by the employer or recruiter.
    Housing,
    /// Meals provided by the employer or recruiter.
    Food,
    /// Transport to and from the site, or to the country of work.
    Transport,
    /// A fee for finding or giving the job, charged to the worker.
    RecruitmentFee,
    /// Tools, work clothing, protective equipment.
    Equipment,
    /// Fines and other financial penalties.
    Fine,
    /// Repayment of a wage advance.
    AdvanceRepayment,
    /// Repayment of a loan or other debt to the employer or recruiter.
    LoanRepayment,
    /// Anything else; the rule set says whether it is allowed.
    Other,
}

impl DeductionKind {
    const ALL: [(DeductionKind, &'static str); 10] = [
        (Self::SocialSecurityAndTax, "social_security_and_tax"),
        (Self::Housing, "housing"),
        (Self::Food, "food"),
        (Self::Transport, "transport"),
        (Self::RecruitmentFee, "recruitment_fee"),
        (Self::Equipment, "equipment"),
        (Self::Fine, "fine"),
        (Self::AdvanceRepayment, "advance_repayment"),
        (Self::LoanRepayment, "loan_repayment"),
        (Self::Other, "other"),
    ];
    /// The snake-case names of every kind, as written in JSON, CSV headers (`deduction_<name>`)
    /// and rule-set files.
    pub const ALL_NAMES: [&'static str; 10] = [
        "social_security_and_tax",
        "housing",
        "food",
        "transport",
        "recruitment_fee",
        "equipment",
        "fine",
        "advance_repayment",
        "loan_repayment",
        "other",
    ];

    /// The kind named `text` (one of [`ALL_NAMES`](Self::ALL_NAMES), surrounding spaces
    /// ignored), or `None`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == text.trim())
            .map(|(k, _)| *k)
    }

    /// The snake-case name, as in [`ALL_NAMES`](Self::ALL_NAMES).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("other", |(_, n)| n)
    }
}

/// Parse an ISO date `YYYY-MM-DD` between 1900 and 2200; wider dates are typing errors,
/// and refusing them keeps week arithmetic far from the calendar's limits.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &fmt)
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

#[cfg(test)]
mod tests;
