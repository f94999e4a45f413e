//! Document-check pages: the list, the form for one worker's contract, payslips and
//! timesheet, and a stored check with its findings.

use ally_core::authz::Action;
use ally_core::labour::{CheckInput, DocumentCheck, check_documents};
use ally_core::labour::{RuleSet, shipped_summaries};
use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;

use crate::ctx::{Posted, Viewer};
use crate::i18n::Tr;
use crate::labour::forms::{checked, form_errors, label, opt, unprocessable};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

#[derive(Template)]
#[template(path = "labour_checks.html")]
pub(crate) struct ChecksPage {
    l: Layout,
    items: Vec<(String, String, String, i64, String)>,
}

pub(crate) async fn checks(v: Viewer) -> PageResult {
    let list = v
        .access()
        .document_checks()
        .list_document_checks(None)
        .await?;
    html(&ChecksPage {
        l: layout(&v.ctx, v.ctx.tr.t("labour-checks-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.worker_label,
                    c.rule_set,
                    c.finding_count,
                    fmt_ms(c.created_at_ms),
                )
            })
            .collect(),
    })
}

/// The document-check form: contract terms, one payslip, and CSV for more payslips and
/// timesheet days.
#[derive(Deserialize, Default)]
pub(crate) struct CheckForm {
    #[serde(default)]
    worker_label: String,
    #[serde(default)]
    rule_set: String,
    #[serde(default)]
    inspection_id: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    hourly_wage: String,
    #[serde(default)]
    monthly_wage: String,
    #[serde(default)]
    weekly_hours: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    written_contract: String,
    #[serde(default)]
    work_permit_required: String,
    #[serde(default)]
    work_permit_present: String,
    #[serde(default)]
    identity_documents_retained: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    hours_paid: String,
    #[serde(default)]
    gross: String,
    #[serde(default)]
    overtime_premium_paid: String,
    #[serde(default)]
    deduction_kind: String,
    #[serde(default)]
    deduction_amount: String,
    #[serde(default)]
    net_paid: String,
    #[serde(default)]
    amount_received: String,
    #[serde(default)]
    debt_balance: String,
    #[serde(default)]
    payslips_csv: String,
    #[serde(default)]
    timesheets_csv: String,
}

impl CheckForm {
    /// The worker record in the JSON format of `ally_core::labour` (validated there).
    fn record_json(&self) -> String {
        let mut contract = serde_json::json!({
            "start_date": self.start_date.trim(),
            "weekly_hours": self.weekly_hours.trim(),
            "written_contract": checked(&self.written_contract),
            "work_permit_required": checked(&self.work_permit_required),
            "work_permit_present": checked(&self.work_permit_present),
            "identity_documents_retained": checked(&self.identity_documents_retained),
        });
        for (k, val) in [
            ("hourly_wage", &self.hourly_wage),
            ("monthly_wage", &self.monthly_wage),
            ("grade", &self.grade),
        ] {
            if let Some(x) = opt(val) {
                contract[k] = serde_json::Value::String(x);
            }
        }
        let mut payslips = Vec::new();
        if !self.period_start.trim().is_empty() {
            let mut slip = serde_json::json!({
                "period_start": self.period_start.trim(),
                "period_end": self.period_end.trim(),
                "hours_paid": self.hours_paid.trim(),
                "gross": self.gross.trim(),
                "net_paid": self.net_paid.trim(),
                "deductions": [],
            });
            for (k, val) in [
                ("overtime_premium_paid", &self.overtime_premium_paid),
                ("amount_received", &self.amount_received),
                ("debt_balance", &self.debt_balance),
            ] {
                if let Some(x) = opt(val) {
                    slip[k] = serde_json::Value::String(x);
                }
            }
            if let Some(a) = opt(&self.deduction_amount) {
                slip["deductions"] = serde_json::json!([{
                    "kind": self.deduction_kind.trim(),
                    "amount": a,
                }]);
            }
            payslips.push(slip);
        }
        serde_json::json!({"contract": contract, "payslips": payslips, "timesheets": []})
            .to_string()
    }
}

#[derive(Template)]
#[template(path = "labour_check_new.html")]
pub(crate) struct CheckNewPage {
    l: Layout,
    f: CheckForm,
    rule_sets: Vec<(String, String)>,
    deduction_kinds: Vec<String>,
    errors: Vec<String>,
}

pub(crate) fn rule_set_options() -> Vec<(String, String)> {
    shipped_summaries()
        .map(|l| l.into_iter().map(|s| (s.id, s.title)).collect())
        .unwrap_or_default()
}

pub(crate) fn check_new_page(v: &Viewer, f: CheckForm, errors: Vec<String>) -> PageResult {
    html(&CheckNewPage {
        l: layout(&v.ctx, v.ctx.tr.t("labour-check-new"), "/inspections"),
        f,
        rule_sets: rule_set_options(),
        deduction_kinds: ally_core::labour::DeductionKind::ALL_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        errors,
    })
}

#[derive(Deserialize)]
pub(crate) struct CheckNewQuery {
    #[serde(default)]
    inspection: String,
}

pub(crate) async fn check_new(v: Viewer, Query(q): Query<CheckNewQuery>) -> PageResult {
    v.access().require(Action::DocumentCheck).await?;
    let f = CheckForm {
        inspection_id: q.inspection,
        rule_set: "fr-construction-2025".into(),
        weekly_hours: "35".into(),
        written_contract: "on".into(),
        ..Default::default()
    };
    check_new_page(&v, f, Vec::new())
}

pub(crate) async fn check_create(
    v: Viewer,
    Posted { data, csrf }: Posted<CheckForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::DocumentCheck).await?;
    let tr = &v.ctx.tr;
    let record = data.record_json();
    // The documents are read first so that an error names its row and field.
    if let Ok(rules) = RuleSet::shipped(data.rule_set.trim())
        && let Err(message) =
            check_documents(&rules, &record, &data.payslips_csv, &data.timesheets_csv)
    {
        let errors = vec![format!("{}: {message}", tr.t("labour-documents-invalid"))];
        return unprocessable(check_new_page(&v, data, errors));
    }
    let input = CheckInput {
        worker_label: data.worker_label.clone(),
        rule_set: data.rule_set.clone(),
        inspection_id: opt(&data.inspection_id),
        record_json: record,
        payslips_csv: data.payslips_csv.clone(),
        timesheets_csv: data.timesheets_csv.clone(),
    };
    match access.document_checks().run_document_check(input).await {
        Ok(id) => Ok(see_other(&format!("/document-checks/{id}"))),
        Err(e) => {
            let errors = form_errors(tr, e)?;
            unprocessable(check_new_page(&v, data, errors))
        }
    }
}

pub struct FindingRow {
    kind: String,
    period: String,
    amount: String,
    arithmetic: String,
    rule: String,
    rule_url: String,
    verified: bool,
    indicators: String,
}

#[derive(Template)]
#[template(path = "labour_check.html")]
pub(crate) struct CheckPage {
    l: Layout,
    c: DocumentCheck,
    findings: Vec<FindingRow>,
    totals: Vec<(String, String)>,
    may_case: bool,
}

pub(crate) fn finding_rows(tr: &Tr, c: &DocumentCheck) -> Vec<FindingRow> {
    c.findings
        .iter()
        .map(|f| FindingRow {
            kind: label(tr, "kind", &f.kind),
            period: f.period.clone(),
            amount: match &f.unit {
                Some(u) => format!("{} {u}", f.amount),
                None => String::new(),
            },
            arithmetic: f.arithmetic.clone(),
            rule: format!("{} — {}", f.rule.id, f.rule.citation),
            rule_url: f.rule.url.clone().unwrap_or_default(),
            verified: f.rule.verified,
            indicators: f.indicators.join(", "),
        })
        .collect()
}

pub(crate) async fn check_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let p = v.session.principal();
    let c = v.access().document_checks().get_document_check(&id).await?;
    let tr = &v.ctx.tr;
    html(&CheckPage {
        l: layout(&v.ctx, tr.t("labour-check-title"), "/inspections"),
        findings: finding_rows(tr, &c),
        totals: c
            .money_by_kind()
            .into_iter()
            .map(|(k, a)| (label(tr, "kind", &k), format!("{a} {}", c.currency)))
            .collect(),
        may_case: p.may(Action::LabourCaseManage),
        c,
    })
}
