//! The checks: each turns documents plus a rule into findings with their arithmetic.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use time::{Date, Duration, PrimitiveDateTime, Weekday};

use super::input::{Payslip, TimesheetEntry, WorkerRecord};
use super::rules::{RatePeriod, RuleSet, Source};
use super::{DeductionKind, indicators as ind};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Base pay below hours paid × the applicable rate.
    Underpayment,
    /// Hours worked but not paid, and overtime premium not paid.
    UnpaidOvertime,
    /// A deduction of a kind the rules forbid.
    IllegalDeduction,
    /// An allowed deduction above its cap.
    ExcessiveDeduction,
    /// Net due (gross − deductions) not received.
    WithheldWages,
    /// The worker's debt grew from one payslip to the next.
    DebtGrowth,
    /// Hours worked in one day above the daily maximum.
    ExcessiveDailyHours,
    /// Hours worked in one week (Monday to Sunday) above the weekly maximum.
    ExcessiveWeeklyHours,
    /// Less rest than the minimum between the end of one shift and the start of the next.
    InsufficientDailyRest,
    /// More working days in one week (Monday to Sunday) than the weekly rest allows.
    TooManyWorkingDaysInWeek,
    /// The worker has no written contract.
    MissingWrittenContract,
    /// The worker needs a work permit and has none.
    MissingWorkPermit,
    /// The employer or a third party holds the worker's identity documents.
    IdentityDocumentsRetained,
}

/// The rule a finding applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// `<rule set id>/<entry>`, e.g. `fr-construction-2025/minimum_wage@2024-11-01`.
    pub id: String,
    /// Legal text and article, collective agreement, or the employment contract.
    pub citation: String,
    /// Where the source can be read, if known.
    pub url: Option<String>,
    /// `false` when the figure in the rule set was not checked against its source.
    pub verified: bool,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What the finding is about.
    pub kind: FindingKind,
    /// A day (`2025-03-04`), or an ISO 8601 interval (`2025-03-01/2025-03-31`,
    /// open-ended `2025-01-06/..`).
    pub period: String,
    /// Money (in `unit` = the currency), hours (`h`) or days; `0` with no unit for
    /// findings about missing documents.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The currency code, `h` or `days`; `None` for findings about missing documents.
    pub unit: Option<String>,
    /// The computation in words and figures, each figure with its unit and origin, so that a
    /// reader can redo it by hand.
    pub arithmetic: String,
    /// The rule applied, with its citation.
    pub rule: RuleRef,
    /// ILO forced-labour indicator ids (see [`super::indicators`]).
    pub indicators: Vec<String>,
}

/// All findings for one worker under one rule set, with notes on what could not be
/// checked (so that an absence of findings is never mistaken for compliance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The id of the rule set applied.
    pub rule_set: String,
    /// The findings: missing documents first, then each pay period's in date order, then
    /// debt growth and working time.
    pub findings: Vec<Finding>,
    /// What could not be checked and why (no timesheets for a period, no rule for a
    /// deduction kind, days no payslip covers...).
    pub notes: Vec<String>,
}

/// Round money half away from zero to cents, and show it with two decimals.
fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// Hours shown with two decimals (inputs have at most what the user typed).
fn hrs(d: Decimal) -> Decimal {
    cents(d)
}

/// A figure from a rule file, shown without trailing zeros.
fn fig(d: Decimal) -> Decimal {
    d.normalize()
}

fn iv(from: Date, to: Date) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}/{to}")
    }
}

fn rule_ref(id: String, source: &Source) -> RuleRef {
    RuleRef {
        id,
        citation: source.citation.clone(),
        url: source.url.clone(),
        verified: source.verified,
    }
}

fn strs(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

/// The hourly rate a pay period is owed, and where it comes from.
struct Rate {
    hourly: Decimal,
    rule: RuleRef,
    /// `true` when the contract's rate is the highest: paying less then also
    /// contradicts what the worker was promised.
    from_contract: bool,
    label: String,
}

struct Ctx<'a> {
    rules: &'a RuleSet,
    w: &'a WorkerRecord,
    cur: &'a str,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

impl Ctx<'_> {
    // One argument per field of `Finding` reads better at the call sites than a builder.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: FindingKind,
        period: String,
        amount: Decimal,
        unit: Option<&str>,
        arithmetic: String,
        rule: RuleRef,
        indicators: &[&str],
    ) {
        self.findings.push(Finding {
            kind,
            period,
            amount,
            unit: unit.map(str::to_owned),
            arithmetic,
            rule,
            indicators: strs(indicators),
        });
    }

    fn rid(&self, entry: &str) -> String {
        format!("{}/{entry}", self.rules.id)
    }

    fn period_rule(&self, name: &str, p: &RatePeriod) -> RuleRef {
        rule_ref(self.rid(&format!("{name}@{}", p.effective_from)), &p.source)
    }

    /// The highest of: statutory minimum, the grade's scale rate, the contract's rate,
    /// in force on `day`. Ties go to the statutory or agreed figure, which courts apply
    /// without proof of the contract.
    fn rate_on(&mut self, day: Date) -> Option<Rate> {
        let mut best: Option<Rate> = None;
        let mut offer = |r: Rate| {
            if best.as_ref().is_none_or(|b| r.hourly > b.hourly) {
                best = Some(r);
            }
        };
        match self.rules.minimum_wage_on(day) {
            Some(p) => offer(Rate {
                hourly: p.hourly,
                rule: self.period_rule("minimum_wage", p),
                from_contract: false,
                label: "minimum wage".to_owned(),
            }),
            None => self
                .notes
                .push(format!("no minimum wage figure in the rule set for {day}")),
        }
        if let Some(grade) = &self.w.contract.grade {
            match self.rules.grade_rate_on(grade, day) {
                Some(p) => offer(Rate {
                    hourly: p.hourly,
                    rule: self.period_rule(&format!("wage_scale/{grade}"), p),
                    from_contract: false,
                    label: format!("wage scale grade {grade}"),
                }),
                None => self.notes.push(format!(
                    "grade `{grade}` has no wage-scale rate in the rule set for {day}"
                )),
            }
        }
        let c = &self.w.contract;
        let contract_rate = match (c.hourly_wage, c.monthly_wage) {
            (Some(h), _) => Some((h, "contract hourly wage".to_owned())),
            (None, Some(m)) => {
                // Monthly → hourly over weeks × 52 / 12, truncated to 4 decimals so the
                // derived rate never exceeds the agreed one.
                let h = (m / monthly_hours(c.weekly_hours))
                    .round_dp_with_strategy(4, RoundingStrategy::ToZero);
                Some((
                    h,
                    format!(
                        "contract monthly wage {} {} ÷ ({} h × 52 ÷ 12)",
                        cents(m),
                        self.cur,
                        fig(c.weekly_hours)
                    ),
                ))
            }
            (None, None) => None,
        };
        if let Some((h, label)) = contract_rate {
            offer(Rate {
                hourly: h,
                rule: RuleRef {
                    id: "contract".to_owned(),
                    citation: format!("Employment contract ({label})"),
                    url: None,
                    verified: true,
                },
                from_contract: true,
                label,
            });
        }
        best
    }
}

/// Run every check on one worker's record.
pub fn check(rules: &RuleSet, worker: &WorkerRecord) -> CheckReport {
    let mut cx = Ctx {
        rules,
        w: worker,
        cur: &rules.currency,
        findings: Vec::new(),
        notes: Vec::new(),
    };
    documents(&mut cx);
    let mut slips: Vec<&Payslip> = worker.payslips.iter().collect();
    slips.sort_by_key(|p| p.period_start);
    for p in &slips {
        let rate = cx.rate_on(p.period_start);
        if let Some(rate) = &rate {
            underpayment(&mut cx, p, rate);
            unpaid_overtime(&mut cx, p, rate);
        }
        deductions(&mut cx, p);
        withheld(&mut cx, p);
    }
    debt_growth(&mut cx, &slips);
    uncovered_days(&mut cx, &slips);
    let mut days: Vec<&TimesheetEntry> = worker.timesheets.iter().collect();
    days.sort_by_key(|t| t.date);
    daily_hours(&mut cx, &days);
    weekly_hours(&mut cx, &days);
    daily_rest(&mut cx, &days);
    days_per_week(&mut cx, &days);
    if worker.payslips.is_empty() {
        cx.notes
            .push("no payslips: pay, deductions and debt were not checked".to_owned());
    }
    if worker.timesheets.is_empty() {
        cx.notes
            .push("no timesheets: hours, rest and unpaid overtime were not checked".to_owned());
    }
    cx.notes.dedup();
    CheckReport {
        rule_set: rules.id.clone(),
        findings: cx.findings,
        notes: cx.notes,
    }
}

fn documents(cx: &mut Ctx<'_>) {
    let w: &WorkerRecord = cx.w;
    let c = &w.contract;
    let period = format!("{}/..", c.start_date);
    if !c.written_contract {
        let rule = rule_ref(
            cx.rid("written_contract"),
            &cx.rules.written_contract.source,
        );
        // No written terms leaves the worker unable to prove what was agreed, which is
        // how vulnerability is exploited; it is not by itself proof of deception.
        cx.push(
            FindingKind::MissingWrittenContract,
            period.clone(),
            Decimal::ZERO,
            None,
            "no written contract".to_owned(),
            rule,
            &[ind::ABUSE_OF_VULNERABILITY],
        );
    }
    if c.work_permit_required && !c.work_permit_present {
        let rule = rule_ref(cx.rid("work_permit"), &cx.rules.work_permit.source);
        cx.push(
            FindingKind::MissingWorkPermit,
            period.clone(),
            Decimal::ZERO,
            None,
            "work permit required; none present".to_owned(),
            rule,
            &[ind::ABUSE_OF_VULNERABILITY],
        );
    }
    if c.identity_documents_retained {
        let rule = rule_ref(
            cx.rid("identity_documents"),
            &cx.rules.identity_documents.source,
        );
        cx.push(
            FindingKind::IdentityDocumentsRetained,
            period,
            Decimal::ZERO,
            None,
            "identity documents held by the employer or a third party".to_owned(),
            rule,
            &[ind::RETENTION_OF_IDENTITY_DOCUMENTS],
        );
    }
}

/// Monthly hours for a weekly schedule: weekly × 52 ÷ 12, exact.
fn monthly_hours(weekly: Decimal) -> Decimal {
    weekly * Decimal::from(52) / Decimal::from(12)
}

/// The hours to multiply by the rate. Payslips print a monthly schedule rounded
/// (35 h/week → 151.67 h) while the monthly minimum is computed on the exact figure
/// (11.88 × 35 × 52 ÷ 12 = 1801.80, not 151.67 × 11.88 = 1801.84). When the hours paid are
/// that rounded figure for the contract's or the legal weekly hours, use the exact one, so
/// that paying the official monthly minimum is never reported as a shortfall.
fn hours_basis(cx: &Ctx<'_>, hours_paid: Decimal) -> (Decimal, String) {
    for weekly in [
        cx.w.contract.weekly_hours,
        cx.rules.overtime.weekly_threshold_hours,
    ] {
        let exact = monthly_hours(weekly);
        if hrs(exact) == hrs(hours_paid) && exact != hours_paid {
            return (
                exact,
                format!("{} h ({} h/week × 52 ÷ 12)", hrs(hours_paid), fig(weekly)),
            );
        }
    }
    (hours_paid, format!("{} h", hrs(hours_paid)))
}

fn underpayment(cx: &mut Ctx<'_>, p: &Payslip, rate: &Rate) {
    let (basis, basis_text) = hours_basis(cx, p.hours_paid);
    let due = cents(basis * rate.hourly);
    let base_paid = p.gross - p.overtime_premium_paid;
    if base_paid >= due {
        return;
    }
    let cur = cx.cur;
    let shortfall = cents(due - base_paid);
    let arithmetic = format!(
        "{basis_text} × {} {cur}/h ({}) = {} {cur} due; {} {cur} paid (gross {} − overtime premium {}); shortfall {} {cur}",
        fig(rate.hourly),
        rate.label,
        due,
        cents(base_paid),
        cents(p.gross),
        cents(p.overtime_premium_paid),
        shortfall,
    );
    let indicators: &[&str] = if rate.from_contract {
        &[ind::WITHHOLDING_OF_WAGES, ind::DECEPTION]
    } else {
        &[ind::WITHHOLDING_OF_WAGES]
    };
    cx.push(
        FindingKind::Underpayment,
        iv(p.period_start, p.period_end),
        shortfall,
        Some(cur),
        arithmetic,
        rate.rule.clone(),
        indicators,
    );
}

/// Monday of the ISO week of `d`.
fn monday(d: Date) -> Date {
    d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

/// Sum of hours per ISO week (keyed by its Monday).
fn weeks(days: &[&TimesheetEntry]) -> BTreeMap<Date, Decimal> {
    let mut out: BTreeMap<Date, Decimal> = BTreeMap::new();
    for t in days {
        *out.entry(monday(t.date)).or_default() += t.hours;
    }
    out
}

fn unpaid_overtime(cx: &mut Ctx<'_>, p: &Payslip, rate: &Rate) {
    let w: &WorkerRecord = cx.w;
    let in_period = |d: Date| d >= p.period_start && d <= p.period_end;
    let days: Vec<&TimesheetEntry> = w.timesheets.iter().filter(|t| in_period(t.date)).collect();
    if days.is_empty() {
        cx.notes.push(format!(
            "no timesheets for pay period {}: unpaid hours and overtime not checked",
            iv(p.period_start, p.period_end)
        ));
        return;
    }
    let cur = cx.cur;
    let worked: Decimal = days.iter().map(|t| t.hours).sum();
    let unpaid_hours = (worked - p.hours_paid).max(Decimal::ZERO);
    let base_unpaid = cents(unpaid_hours * rate.hourly);

    // A week's overtime belongs to the pay period containing its Sunday (the week is
    // complete then); the whole week counts, even days in the previous period.
    let rules: &RuleSet = cx.rules;
    let ot = &rules.overtime;
    let all: Vec<&TimesheetEntry> = w.timesheets.iter().collect();
    let mut premium_due = Decimal::ZERO;
    let mut parts = Vec::new();
    for (mon, total) in weeks(&all) {
        let sunday = mon + Duration::days(6);
        debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
        if !in_period(sunday) || total <= ot.weekly_threshold_hours {
            continue;
        }
        let over = total - ot.weekly_threshold_hours;
        let mut lower = Decimal::ZERO;
        for band in &ot.bands {
            let upper = band.up_to.unwrap_or(over).min(over);
            if upper <= lower {
                break;
            }
            let h = upper - lower;
            let amount = h * rate.hourly * band.premium_percent / Decimal::ONE_HUNDRED;
            premium_due += amount;
            parts.push(format!(
                "week of {mon}: {} h × {} {cur}/h × {}% = {} {cur}",
                hrs(h),
                fig(rate.hourly),
                fig(band.premium_percent),
                cents(amount)
            ));
            lower = upper;
        }
    }
    let premium_due = cents(premium_due);
    let premium_short = (premium_due - p.overtime_premium_paid).max(Decimal::ZERO);
    let amount = cents(base_unpaid + premium_short);
    if amount.is_zero() {
        return;
    }
    let mut arithmetic = if unpaid_hours.is_zero() {
        format!(
            "worked {} h (timesheets), paid {} h: no unpaid hours",
            hrs(worked),
            hrs(p.hours_paid)
        )
    } else {
        format!(
            "worked {} h (timesheets), paid {} h: {} h unpaid × {} {cur}/h ({}) = {} {cur}",
            hrs(worked),
            hrs(p.hours_paid),
            hrs(unpaid_hours),
            fig(rate.hourly),
            rate.label,
            base_unpaid
        )
    };
    if parts.is_empty() {
        arithmetic.push_str("; no overtime premium due");
    } else {
        arithmetic.push_str(&format!(
            "; overtime premium over {} h/week: {}; premium due {} {cur}, paid {} {cur}, short {} {cur}",
            fig(ot.weekly_threshold_hours),
            parts.join("; "),
            premium_due,
            cents(p.overtime_premium_paid),
            cents(premium_short)
        ));
    }
    arithmetic.push_str(&format!("; total unpaid {amount} {cur}"));
    let rule = rule_ref(
        cx.rid(&format!("overtime@{}", ot.effective_from)),
        &ot.source,
    );
    cx.push(
        FindingKind::UnpaidOvertime,
        iv(p.period_start, p.period_end),
        amount,
        Some(cur),
        arithmetic,
        rule,
        &[ind::WITHHOLDING_OF_WAGES, ind::EXCESSIVE_OVERTIME],
    );
}

fn deduction_indicators(kind: DeductionKind) -> &'static [&'static str] {
    match kind {
        // Fees and loans repaid from wages are how debts tie workers to a job.
        DeductionKind::RecruitmentFee
        | DeductionKind::LoanRepayment
        | DeductionKind::AdvanceRepayment => &[ind::DEBT_BONDAGE, ind::WITHHOLDING_OF_WAGES],
        // A fine is a penalty imposed through pay.
        DeductionKind::Fine => &[ind::WITHHOLDING_OF_WAGES, ind::INTIMIDATION_AND_THREATS],
        _ => &[ind::WITHHOLDING_OF_WAGES],
    }
}

fn deductions(cx: &mut Ctx<'_>, p: &Payslip) {
    let cur = cx.cur;
    let period = iv(p.period_start, p.period_end);
    let mut totals: BTreeMap<DeductionKind, Decimal> = BTreeMap::new();
    for d in &p.deductions {
        *totals.entry(d.kind).or_default() += d.amount;
    }
    for (kind, total) in totals {
        if kind == DeductionKind::SocialSecurityAndTax || total.is_zero() {
            continue;
        }
        let rules: &RuleSet = cx.rules;
        let Some(rule) = rules.deduction_rule(kind) else {
            cx.notes.push(format!(
                "no rule for deduction kind `{}` in the rule set: {period} not checked",
                kind.name()
            ));
            continue;
        };
        if p.period_start < rule.effective_from {
            cx.notes.push(format!(
                "deduction rule `{}` takes effect {}: {period} not checked",
                kind.name(),
                rule.effective_from
            ));
            continue;
        }
        let rref = rule_ref(cx.rid(&format!("deduction/{}", kind.name())), &rule.source);
        if !rule.allowed {
            cx.push(
                FindingKind::IllegalDeduction,
                period.clone(),
                cents(total),
                Some(cur),
                format!(
                    "{} {cur} deducted as `{}`; this kind of deduction is not allowed, so all {} {cur} is owed",
                    cents(total),
                    kind.name(),
                    cents(total)
                ),
                rref,
                deduction_indicators(kind),
            );
            continue;
        }
        let by_pct = rule
            .cap_percent_of_gross
            .map(|pct| (cents(p.gross * pct / Decimal::ONE_HUNDRED), pct));
        let cap = match (by_pct, rule.cap_amount) {
            (Some((a, _)), Some(b)) => Some(a.min(b)),
            (Some((a, _)), None) => Some(a),
            (None, Some(b)) => Some(b),
            (None, None) => None,
        };
        let Some(cap) = cap else {
            cx.notes.push(format!(
                "deduction `{}` of {} {cur} in {period} is allowed by the rule set with no cap encoded: check it by hand",
                kind.name(),
                cents(total)
            ));
            continue;
        };
        if total <= cap {
            continue;
        }
        let excess = cents(total - cap);
        let mut how = Vec::new();
        if let Some((a, pct)) = by_pct {
            how.push(format!(
                "{}% × {} {cur} gross = {a} {cur}",
                fig(pct),
                cents(p.gross)
            ));
        }
        if let Some(b) = rule.cap_amount {
            how.push(format!("fixed cap {} {cur}", cents(b)));
        }
        cx.push(
            FindingKind::ExcessiveDeduction,
            period.clone(),
            excess,
            Some(cur),
            format!(
                "{} {cur} deducted as `{}`; cap {} (lowest applies: {} {cur}); excess {excess} {cur}",
                cents(total),
                kind.name(),
                how.join(", "),
                cents(cap)
            ),
            rref,
            deduction_indicators(kind),
        );
    }
}

fn withheld(cx: &mut Ctx<'_>, p: &Payslip) {
    let cur = cx.cur;
    let deducted: Decimal = p.deductions.iter().map(|d| d.amount).sum();
    let net_due = p.gross - deducted;
    let received = p.amount_received.unwrap_or(p.net_paid);
    let withheld = net_due - received;
    if withheld <= Decimal::ZERO {
        return;
    }
    let received_text = match p.amount_received {
        Some(r) => format!("received {} {cur}", cents(r)),
        None => format!(
            "received as stated on the payslip {} {cur}",
            cents(p.net_paid)
        ),
    };
    let arithmetic = format!(
        "gross {} − deductions {} = {} {cur} net due; payslip states {} {cur}; {received_text}; withheld {} {cur}",
        cents(p.gross),
        cents(deducted),
        cents(net_due),
        cents(p.net_paid),
        cents(withheld)
    );
    let rule = rule_ref(cx.rid("wage_payment"), &cx.rules.wage_payment.source);
    cx.push(
        FindingKind::WithheldWages,
        iv(p.period_start, p.period_end),
        cents(withheld),
        Some(cur),
        arithmetic,
        rule,
        &[ind::WITHHOLDING_OF_WAGES],
    );
}

fn debt_growth(cx: &mut Ctx<'_>, slips: &[&Payslip]) {
    let cur = cx.cur;
    let with_debt: Vec<(&Payslip, Decimal)> = slips
        .iter()
        .filter_map(|p| p.debt_balance.map(|d| (*p, d)))
        .collect();
    for pair in with_debt.windows(2) {
        let ((a, da), (b, db)) = (pair[0], pair[1]);
        if db <= da {
            continue;
        }
        let growth = cents(db - da);
        let rule = rule_ref(cx.rid("debt"), &cx.rules.debt.source);
        cx.push(
            FindingKind::DebtGrowth,
            iv(b.period_start, b.period_end),
            growth,
            Some(cur),
            format!(
                "debt {} {cur} at end of {} → {} {cur} at end of {}: grew by {growth} {cur}",
                cents(da),
                iv(a.period_start, a.period_end),
                cents(db),
                iv(b.period_start, b.period_end)
            ),
            rule,
            &[ind::DEBT_BONDAGE],
        );
    }
}

fn daily_hours(cx: &mut Ctx<'_>, days: &[&TimesheetEntry]) {
    let rules: &RuleSet = cx.rules;
    let lim = &rules.max_daily_hours;
    let rule = rule_ref(
        cx.rid(&format!("max_daily_hours@{}", lim.effective_from)),
        &lim.source,
    );
    let max = lim.value;
    for t in days {
        if t.date < lim.effective_from || t.hours <= max {
            continue;
        }
        let excess = hrs(t.hours - max);
        cx.push(
            FindingKind::ExcessiveDailyHours,
            t.date.to_string(),
            excess,
            Some("h"),
            format!(
                "worked {} h on {}; maximum {} h; excess {excess} h",
                hrs(t.hours),
                t.date,
                fig(max)
            ),
            rule.clone(),
            &[ind::EXCESSIVE_OVERTIME],
        );
    }
}

fn weekly_hours(cx: &mut Ctx<'_>, days: &[&TimesheetEntry]) {
    let rules: &RuleSet = cx.rules;
    let lim = &rules.max_weekly_hours;
    let rule = rule_ref(
        cx.rid(&format!("max_weekly_hours@{}", lim.effective_from)),
        &lim.source,
    );
    let max = lim.value;
    for (mon, total) in weeks(days) {
        if mon < lim.effective_from || total <= max {
            continue;
        }
        let sunday = mon + Duration::days(6);
        let terms: Vec<String> = days
            .iter()
            .filter(|t| monday(t.date) == mon)
            .map(|t| hrs(t.hours).to_string())
            .collect();
        let excess = hrs(total - max);
        cx.push(
            FindingKind::ExcessiveWeeklyHours,
            iv(mon, sunday),
            excess,
            Some("h"),
            format!(
                "{} = {} h in the week {mon} to {sunday}; maximum {} h; excess {excess} h",
                terms.join(" + "),
                hrs(total),
                fig(max)
            ),
            rule.clone(),
            &[ind::EXCESSIVE_OVERTIME],
        );
    }
}

fn shift_bounds(t: &TimesheetEntry) -> Option<(PrimitiveDateTime, PrimitiveDateTime)> {
    let (s, e) = (t.start?, t.end?);
    let start = PrimitiveDateTime::new(t.date, s);
    let mut end = PrimitiveDateTime::new(t.date, e);
    if end <= start {
        end += Duration::days(1);
    }
    Some((start, end))
}

fn daily_rest(cx: &mut Ctx<'_>, days: &[&TimesheetEntry]) {
    let rules: &RuleSet = cx.rules;
    let lim = &rules.min_daily_rest_hours;
    let rule = rule_ref(
        cx.rid(&format!("min_daily_rest_hours@{}", lim.effective_from)),
        &lim.source,
    );
    let min = lim.value;
    for pair in days.windows(2) {
        let (Some((_, end)), Some((start, _))) = (shift_bounds(pair[0]), shift_bounds(pair[1]))
        else {
            continue;
        };
        if pair[1].date < lim.effective_from {
            continue;
        }
        let rest = Decimal::from((start - end).whole_minutes()) / Decimal::from(60);
        if rest >= min {
            continue;
        }
        let short = hrs(min - rest);
        cx.push(
            FindingKind::InsufficientDailyRest,
            iv(pair[0].date, pair[1].date),
            short,
            Some("h"),
            format!(
                "shift ended {end}, next began {start}: rest {} h; minimum {} h; short {short} h",
                hrs(rest),
                fig(min)
            ),
            rule.clone(),
            &[ind::EXCESSIVE_OVERTIME],
        );
    }
}

fn days_per_week(cx: &mut Ctx<'_>, days: &[&TimesheetEntry]) {
    let rules: &RuleSet = cx.rules;
    let lim = &rules.max_working_days_per_week;
    let rule = rule_ref(
        cx.rid(&format!("max_working_days_per_week@{}", lim.effective_from)),
        &lim.source,
    );
    let max = lim.value;
    let mut per_week: BTreeMap<Date, Vec<Date>> = BTreeMap::new();
    for t in days.iter().filter(|t| !t.hours.is_zero()) {
        per_week.entry(monday(t.date)).or_default().push(t.date);
    }
    for (mon, dates) in per_week {
        let n = Decimal::from(dates.len());
        if n <= max || mon < lim.effective_from {
            continue;
        }
        let sunday = mon + Duration::days(6);
        let list: Vec<String> = dates.iter().map(ToString::to_string).collect();
        cx.push(
            FindingKind::TooManyWorkingDaysInWeek,
            iv(mon, sunday),
            n,
            Some("days"),
            format!(
                "worked {n} days in the week {mon} to {sunday} ({}); maximum {} days",
                list.join(", "),
                fig(max)
            ),
            rule.clone(),
            &[ind::EXCESSIVE_OVERTIME],
        );
    }
}

/// Days worked that no payslip covers. Whether they were paid cannot be told from the
/// documents, so this is a note for the caseworker, not a finding.
fn uncovered_days(cx: &mut Ctx<'_>, slips: &[&Payslip]) {
    if slips.is_empty() {
        return;
    }
    let w: &WorkerRecord = cx.w;
    let mut per_month: BTreeMap<(i32, u8), (usize, Decimal)> = BTreeMap::new();
    for t in &w.timesheets {
        let covered = slips
            .iter()
            .any(|p| t.date >= p.period_start && t.date <= p.period_end);
        if !covered && !t.hours.is_zero() {
            let e = per_month
                .entry((t.date.year(), u8::from(t.date.month())))
                .or_default();
            e.0 += 1;
            e.1 += t.hours;
        }
    }
    for ((y, m), (days, hours)) in per_month {
        cx.notes.push(format!(
            "{y}-{m:02}: {days} day(s), {} h worked with no payslip covering them: ask whether they were paid",
            hrs(hours)
        ));
    }
}
