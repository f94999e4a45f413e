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
    pub rule_set: String,
    #[serde(default)]
    pub inspection_id: Option<String>,
    pub record_json: String,
    #[serde(default)]
    pub payslips_csv: String,
    #[serde(default)]
    pub timesheets_csv: String,
}

redacted_debug!(CheckInput);

/// A stored finding, as the check produced it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFinding {
    pub kind: String,
    pub period: String,
    pub amount: String,
    pub unit: Option<String>,
    pub arithmetic: String,
    pub rule: StoredRule,
    pub indicators: Vec<String>,
}

/// The rule a stored finding applies, with its citation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredRule {
    pub id: String,
    pub citation: String,
    pub url: Option<String>,
    pub verified: bool,
}

/// A stored document check: the worker's documents and the findings.
#[derive(Clone, Serialize)]
pub struct DocumentCheck {
    pub id: String,
    pub worker_label: String,
    pub rule_set: String,
    pub currency: String,
    pub inspection_id: Option<String>,
    pub findings: Vec<StoredFinding>,
    pub notes: Vec<String>,
    pub record_json: String,
    pub payslips_csv: String,
    pub timesheets_csv: String,
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
    pub id: String,
    pub worker_label: String,
    pub rule_set: String,
    pub finding_count: i64,
    pub inspection_id: Option<String>,
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
