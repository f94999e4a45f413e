//! Document checks as stored and read: one worker's documents to check, the findings as the
//! check produced them, and [`check_documents`], which parses the documents and runs the checks.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::redact::redacted_debug;
use super::{CheckReport, RuleSet, WorkerRecord, check, payslips_from_csv, timesheets_from_csv};

/// One worker's documents to check: the record as JSON (format of `ally_core::labour`),
/// optionally with more payslips and timesheet days as CSV.
#[derive(Clone, Default, Deserialize)]
pub struct CheckInput {
    /// How the organisation refers to the worker (sealed).
    pub worker_label: String,
    /// The id of a shipped [`RuleSet`] (e.g. `fr-construction-2025`).
    pub rule_set: String,
    /// The inspection (of the own organisation) during which the documents were collected;
    /// a case opened from the check then names the site's whole subcontracting chain.
    #[serde(default)]
    pub inspection_id: Option<String>,
    /// The [`WorkerRecord`] as JSON (contract, payslips, timesheets).
    pub record_json: String,
    /// More payslips as CSV (see [`payslips_from_csv`]); may be empty.
    #[serde(default)]
    pub payslips_csv: String,
    /// More timesheet days as CSV (see [`timesheets_from_csv`]); may be empty.
    #[serde(default)]
    pub timesheets_csv: String,
}

redacted_debug!(CheckInput);

/// A stored finding, as the check produced it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFinding {
    /// The [`FindingKind`](super::FindingKind) in snake case (e.g. `unpaid_overtime`).
    pub kind: String,
    /// A day (`2025-03-04`) or an ISO 8601 interval (`2025-03-01/2025-03-31`, `2025-01-06/..`).
    pub period: String,
    /// Decimal text: money, hours or days, as `unit` says.
    pub amount: String,
    /// The currency code, `h` or `days`; `None` for findings about missing documents.
    pub unit: Option<String>,
    /// The computation in words and figures, as shown to a court.
    pub arithmetic: String,
    /// The rule applied.
    pub rule: StoredRule,
    /// ILO forced-labour indicator ids (see [`indicators`](super::indicators)).
    pub indicators: Vec<String>,
}

/// The rule a stored finding applies, with its citation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredRule {
    /// `<rule set id>/<entry>`, e.g. `fr-construction-2025/minimum_wage@2024-11-01`, or
    /// `contract` when the contract's own rate applied.
    pub id: String,
    /// Legal text and article, collective agreement, or the employment contract.
    pub citation: String,
    /// Where the source can be read, if known.
    pub url: Option<String>,
    /// `false` when the figure was not checked against its source.
    pub verified: bool,
}

/// A stored document check: the worker's documents and the findings.
#[derive(Clone, Serialize)]
pub struct DocumentCheck {
    /// Record id (a UUID).
    pub id: String,
    /// How the organisation refers to the worker.
    pub worker_label: String,
    /// The id of the rule set applied.
    pub rule_set: String,
    /// The rule set's currency code (e.g. `EUR`): the `unit` of the money findings.
    pub currency: String,
    /// The inspection during which the documents were collected, if any.
    pub inspection_id: Option<String>,
    /// The findings, as the check produced them when it ran.
    pub findings: Vec<StoredFinding>,
    /// What could not be checked, so that few findings are not mistaken for compliance.
    pub notes: Vec<String>,
    /// The worker's record as submitted (JSON).
    pub record_json: String,
    /// The extra payslips as submitted (CSV); may be empty.
    pub payslips_csv: String,
    /// The extra timesheet days as submitted (CSV); may be empty.
    pub timesheets_csv: String,
    /// When the check ran, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

redacted_debug!(DocumentCheck);

impl DocumentCheck {
    /// Money owed by kind of finding (findings in the rule set's currency), summed exactly.
    pub fn money_by_kind(&self) -> Vec<(String, Decimal)> {
        let mut out: Vec<(String, Decimal)> = Vec::new();
        for f in &self.findings {
            if f.unit.as_deref() != Some(self.currency.as_str()) {
                continue;
            }
            let Ok(a) = f.amount.parse::<Decimal>() else {
                continue;
            };
            match out.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, sum)) => *sum += a,
                None => out.push((f.kind.clone(), a)),
            }
        }
        out
    }
}

/// A document check in a list.
#[derive(Clone, Serialize)]
pub struct CheckSummary {
    /// Record id (a UUID).
    pub id: String,
    /// How the organisation refers to the worker.
    pub worker_label: String,
    /// The id of the rule set applied.
    pub rule_set: String,
    /// Number of findings (kept in clear, for listings).
    pub finding_count: i64,
    /// The inspection during which the documents were collected, if any.
    pub inspection_id: Option<String>,
    /// When the check ran, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// Parses one worker's documents (JSON record plus optional CSV payslips and timesheets) and
/// runs the checks. The error names the file part, row and field.
pub fn check_documents(
    rules: &RuleSet,
    record_json: &str,
    payslips_csv: &str,
    timesheets_csv: &str,
) -> Result<CheckReport, String> {
    let mut worker = WorkerRecord::from_json(record_json).map_err(|e| format!("record: {e}"))?;
    if !payslips_csv.trim().is_empty() {
        let slips = payslips_from_csv(payslips_csv).map_err(|e| format!("payslips CSV: {e}"))?;
        worker
            .add_payslips(slips)
            .map_err(|e| format!("payslips CSV: {e}"))?;
    }
    if !timesheets_csv.trim().is_empty() {
        let days =
            timesheets_from_csv(timesheets_csv).map_err(|e| format!("timesheets CSV: {e}"))?;
        worker
            .add_timesheets(days)
            .map_err(|e| format!("timesheets CSV: {e}"))?;
    }
    Ok(check(rules, &worker))
}
