//! One worker's documents: contract terms, payslips and timesheets, read from JSON or CSV.
//!
//! Amounts and hours are decimal strings (`"1801.80"`); JSON numbers are accepted too and
//! read from their decimal text, never through a float computation. Every error names the
//! record and field (`payslips[2].gross`) or, for CSV, the line and column.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use time::{Date, Time};

use super::{DeductionKind, parse_date};

/// Invalid input; the message always names the field (and row or line).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    /// The text is not JSON at all.
    #[error("input is not valid JSON (line {line}, column {column}): {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// A field of the JSON record is missing, unknown or has a wrong value, or records
    /// contradict each other (overlapping payslips, a day twice in the timesheets).
    #[error("field `{field}`: {message}")]
    Field {
        /// The field's path, e.g. `payslips[2].gross`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A cell, row or header of a CSV file is wrong.
    #[error("CSV line {line}, column `{column}`: {message}")]
    Csv {
        /// 1-based line of the file (the header is line 1).
        line: u64,
        /// The column's header, or `(header)` / `(row)` for errors of the whole line.
        column: String,
        /// What is wrong with it.
        message: String,
    },
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError::Field {
        field: field.into(),
        message: message.into(),
    }
}

/// Contract terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// The first day of employment.
    pub start_date: Date,
    /// Agreed hourly wage, if the contract states one.
    pub hourly_wage: Option<Decimal>,
    /// Agreed monthly wage, if the contract states one.
    pub monthly_wage: Option<Decimal>,
    /// Agreed hours per week, more than 0 and at most 168; converts a monthly wage to an
    /// hourly one (× 52 ÷ 12).
    pub weekly_hours: Decimal,
    /// Grade or level in the collective agreement's wage scale (an id of the rule set).
    pub grade: Option<String>,
    /// The worker has the terms in writing; `false` is a finding.
    pub written_contract: bool,
    /// Whether the worker needs a work permit (e.g. a third-country national).
    pub work_permit_required: bool,
    /// The worker holds a valid work permit (only checked when one is required).
    pub work_permit_present: bool,
    /// The employer or a third party holds the worker's passport or identity papers.
    pub identity_documents_retained: bool,
}

/// One deduction from gross pay on a payslip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    /// What the deduction is for; the rule set says whether it is allowed and capped.
    pub kind: DeductionKind,
    /// The amount deducted, non-negative, in the rule set's currency.
    pub amount: Decimal,
}

/// One payslip: the pay period, hours and pay stated, deductions, and what the worker says
/// was actually received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payslip {
    /// First day of the pay period; the rate in force that day applies to the whole period.
    pub period_start: Date,
    /// Last day of the pay period (inclusive); not before `period_start`.
    pub period_end: Date,
    /// All hours paid in the period, overtime included.
    pub hours_paid: Decimal,
    /// Gross pay, overtime premium included.
    pub gross: Decimal,
    /// The part of `gross` paid as overtime premium (the surcharge only).
    pub overtime_premium_paid: Decimal,
    /// Deductions listed on the payslip.
    pub deductions: Vec<Deduction>,
    /// Net pay stated on the payslip.
    pub net_paid: Decimal,
    /// What the worker actually received; `None` = as stated on the payslip.
    pub amount_received: Option<Decimal>,
    /// The worker's debt to the employer or recruiter at the end of the period.
    pub debt_balance: Option<Decimal>,
}

/// One day of a timesheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesheetEntry {
    /// The day worked; it appears at most once per worker.
    pub date: Date,
    /// Hours worked that day, at most 24 and no more than the time between `start` and `end`.
    pub hours: Decimal,
    /// Start time of the shift, if known; with `end` it allows the daily-rest check.
    pub start: Option<Time>,
    /// End time; earlier than `start` means the shift ended the next day.
    pub end: Option<Time>,
}

/// Everything known about one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRecord {
    /// The terms agreed.
    pub contract: Contract,
    /// Payslips, in any order; their periods do not overlap.
    pub payslips: Vec<Payslip>,
    /// Days worked, in any order; a day appears once and shifts do not overlap.
    pub timesheets: Vec<TimesheetEntry>,
}

// ---- field readers ---------------------------------------------------------------

fn dec_text(text: &str) -> Option<Decimal> {
    // Scientific notation and the like are refused: figures must be written as on paper.
    let t = text.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    t.parse().ok()
}

fn nonneg(field: &str, text: &str) -> Result<Decimal, InputError> {
    let v = dec_text(text).ok_or_else(|| {
        field_err(
            field,
            format!("{text:?} is not a decimal number (write e.g. \"1801.80\")"),
        )
    })?;
    if v.is_sign_negative() && !v.is_zero() {
        return Err(field_err(field, format!("{text} is negative")));
    }
    // A bound far above any wage keeps every product and sum well inside Decimal's range.
    if v > MAX_VALUE {
        return Err(field_err(
            field,
            format!("{text} is too large (over {MAX_VALUE})"),
        ));
    }
    Ok(v)
}

fn hours_value(field: &str, text: &str, max: Decimal) -> Result<Decimal, InputError> {
    let v = nonneg(field, text)?;
    if v > max {
        return Err(field_err(field, format!("{v} hours is more than {max}")));
    }
    Ok(v)
}

fn time_text(field: &str, text: &str) -> Result<Time, InputError> {
    let fmt = time::macros::format_description!("[hour]:[minute]");
    Time::parse(text.trim(), &fmt)
        .map_err(|_| field_err(field, format!("{text:?} is not a time (HH:MM)")))
}

fn date_text(field: &str, text: &str) -> Result<Date, InputError> {
    parse_date(text).ok_or_else(|| field_err(field, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn new(path: impl Into<String>, v: &'a Value) -> Result<Self, InputError> {
        let path = path.into();
        match v {
            Value::Object(map) => Ok(Obj { path, map }),
            _ => Err(field_err(path, "must be an object")),
        }
    }
    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
    fn get(&self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }
    fn req(&self, key: &str) -> Result<&'a Value, InputError> {
        self.get(key)
            .ok_or_else(|| field_err(self.name(key), "is missing"))
    }
    fn text(&self, key: &str, v: &'a Value) -> Result<String, InputError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            // serde_json prints a number as the shortest text that reads back to it,
            // which is the decimal the user wrote for ordinary amounts.
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(field_err(self.name(key), "must be a string or number")),
        }
    }
    fn dec(&self, key: &str) -> Result<Decimal, InputError> {
        let v = self.req(key)?;
        nonneg(&self.name(key), &self.text(key, v)?)
    }
    fn opt_dec(&self, key: &str) -> Result<Option<Decimal>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Ok(Some(nonneg(&self.name(key), &self.text(key, v)?)?)),
        }
    }
    fn date(&self, key: &str) -> Result<Date, InputError> {
        let v = self.req(key)?;
        date_text(&self.name(key), &self.text(key, v)?)
    }
    fn opt_time(&self, key: &str) -> Result<Option<Time>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Ok(Some(time_text(&self.name(key), &self.text(key, v)?)?)),
        }
    }
    fn bool(&self, key: &str) -> Result<bool, InputError> {
        match self.req(key)? {
            Value::Bool(b) => Ok(*b),
            _ => Err(field_err(self.name(key), "must be true or false")),
        }
    }
    fn opt_bool(&self, key: &str, default: bool) -> Result<bool, InputError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(field_err(self.name(key), "must be true or false")),
        }
    }
    fn opt_string(&self, key: &str) -> Result<Option<String>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(field_err(self.name(key), "must be a non-empty string")),
        }
    }
    fn array(&self, key: &str) -> Result<&'a [Value], InputError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(field_err(self.name(key), "must be an array")),
        }
    }
    /// Refuse unknown keys, so a misspelt field is not silently ignored.
    fn only(&self, keys: &[&str]) -> Result<(), InputError> {
        match self.map.keys().find(|k| !keys.contains(&k.as_str())) {
            Some(k) => Err(field_err(self.name(k), "unknown field")),
            None => Ok(()),
        }
    }
}

/// Largest amount accepted in input: 1 000 000 000 000.
const MAX_VALUE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// The most hours one day can hold; more is a typing error, not overtime.
const DAY_HOURS: Decimal = Decimal::from_parts(24, 0, 0, false, 0);
/// A generous upper bound for one pay period (a month has at most 744 hours).
const PERIOD_HOURS: Decimal = Decimal::from_parts(744, 0, 0, false, 0);

fn parse_contract(v: &Value) -> Result<Contract, InputError> {
    let o = Obj::new("contract", v)?;
    o.only(&[
        "start_date",
        "hourly_wage",
        "monthly_wage",
        "weekly_hours",
        "grade",
        "written_contract",
        "work_permit_required",
        "work_permit_present",
        "identity_documents_retained",
    ])?;
    let weekly_hours = o.dec("weekly_hours")?;
    if weekly_hours.is_zero() || weekly_hours > Decimal::from(168) {
        return Err(field_err(
            o.name("weekly_hours"),
            "must be more than 0 and at most 168",
        ));
    }
    let work_permit_required = o.opt_bool("work_permit_required", false)?;
    Ok(Contract {
        start_date: o.date("start_date")?,
        hourly_wage: o.opt_dec("hourly_wage")?,
        monthly_wage: o.opt_dec("monthly_wage")?,
        weekly_hours,
        grade: o.opt_string("grade")?,
        written_contract: o.bool("written_contract")?,
        work_permit_required,
        work_permit_present: o.opt_bool("work_permit_present", false)?,
        identity_documents_retained: o.opt_bool("identity_documents_retained", false)?,
    })
}

fn parse_payslip(path: String, v: &Value) -> Result<Payslip, InputError> {
    let o = Obj::new(path, v)?;
    o.only(&[
        "period_start",
        "period_end",
        "hours_paid",
        "gross",
        "overtime_premium_paid",
        "deductions",
        "net_paid",
        "amount_received",
        "debt_balance",
    ])?;
    let period_start = o.date("period_start")?;
    let period_end = o.date("period_end")?;
    if period_end < period_start {
        return Err(field_err(
            o.name("period_end"),
            format!("{period_end} is before period_start {period_start}"),
        ));
    }
    let hours_paid = o.dec("hours_paid")?;
    if hours_paid > PERIOD_HOURS {
        return Err(field_err(
            o.name("hours_paid"),
            format!("{hours_paid} hours is more than {PERIOD_HOURS}"),
        ));
    }
    let gross = o.dec("gross")?;
    let overtime_premium_paid = o.opt_dec("overtime_premium_paid")?.unwrap_or_default();
    if overtime_premium_paid > gross {
        return Err(field_err(
            o.name("overtime_premium_paid"),
            "is more than gross",
        ));
    }
    let mut deductions = Vec::new();
    for (i, d) in o.array("deductions")?.iter().enumerate() {
        let d = Obj::new(o.name(&format!("deductions[{i}]")), d)?;
        d.only(&["kind", "amount"])?;
        let kind_text = match d.req("kind")? {
            Value::String(s) => s.clone(),
            _ => return Err(field_err(d.name("kind"), "must be a string")),
        };
        let kind = DeductionKind::parse(&kind_text).ok_or_else(|| {
            field_err(
                d.name("kind"),
                format!(
                    "unknown deduction kind {kind_text:?} (one of: {})",
                    DeductionKind::ALL_NAMES.join(", ")
                ),
            )
        })?;
        deductions.push(Deduction {
            kind,
            amount: d.dec("amount")?,
        });
    }
    Ok(Payslip {
        period_start,
        period_end,
        hours_paid,
        gross,
        overtime_premium_paid,
        deductions,
        net_paid: o.dec("net_paid")?,
        amount_received: o.opt_dec("amount_received")?,
        debt_balance: o.opt_dec("debt_balance")?,
    })
}

fn parse_timesheet(path: String, v: &Value) -> Result<TimesheetEntry, InputError> {
    let o = Obj::new(path, v)?;
    o.only(&["date", "hours", "start", "end"])?;
    let hours = o.req("hours")?;
    Ok(TimesheetEntry {
        date: o.date("date")?,
        hours: hours_value(&o.name("hours"), &o.text("hours", hours)?, DAY_HOURS)?,
        start: o.opt_time("start")?,
        end: o.opt_time("end")?,
    })
}

impl WorkerRecord {
    /// Parse and validate one worker's record from JSON (format: `data/labour/README.md`).
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        let v: Value = serde_json::from_str(text).map_err(|e| InputError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let o = Obj::new("", &v)?;
        o.only(&["contract", "payslips", "timesheets"])?;
        let contract = parse_contract(o.req("contract")?)?;
        let payslips = o
            .array("payslips")?
            .iter()
            .enumerate()
            .map(|(i, p)| parse_payslip(format!("payslips[{i}]"), p))
            .collect::<Result<Vec<_>, _>>()?;
        let timesheets = o
            .array("timesheets")?
            .iter()
            .enumerate()
            .map(|(i, t)| parse_timesheet(format!("timesheets[{i}]"), t))
            .collect::<Result<Vec<_>, _>>()?;
        let record = WorkerRecord {
            contract,
            payslips,
            timesheets,
        };
        record.validate()?;
        Ok(record)
    }

    /// Cross-record checks: payslip periods must not overlap, a day appears once in the
    /// timesheets, and a shift's hours cannot exceed the time between its start and end.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut order: Vec<usize> = (0..self.payslips.len()).collect();
        order.sort_by_key(|&i| self.payslips[i].period_start);
        for w in order.windows(2) {
            let (a, b) = (&self.payslips[w[0]], &self.payslips[w[1]]);
            if b.period_start <= a.period_end {
                return Err(field_err(
                    format!("payslips[{}].period_start", w[1]),
                    format!(
                        "period {}..{} overlaps payslips[{}] ({}..{})",
                        b.period_start, b.period_end, w[0], a.period_start, a.period_end
                    ),
                ));
            }
        }
        for (i, t) in self.timesheets.iter().enumerate() {
            if let Some(j) = self.timesheets[..i].iter().position(|x| x.date == t.date) {
                return Err(field_err(
                    format!("timesheets[{i}].date"),
                    format!("{} already appears in timesheets[{j}]", t.date),
                ));
            }
            if let Some(span) = shift_span_hours(t)
                && t.hours > span
            {
                return Err(field_err(
                    format!("timesheets[{i}].hours"),
                    format!(
                        "{} hours do not fit between start and end ({span} h)",
                        t.hours
                    ),
                ));
            }
        }
        // A shift that starts before the previous day's shift ended is a typing error.
        let mut timed: Vec<(usize, time::PrimitiveDateTime, time::PrimitiveDateTime)> = self
            .timesheets
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let (s, e) = (t.start?, t.end?);
                let start = time::PrimitiveDateTime::new(t.date, s);
                let mut end = time::PrimitiveDateTime::new(t.date, e);
                if end <= start {
                    end += time::Duration::days(1);
                }
                Some((i, start, end))
            })
            .collect();
        timed.sort_by_key(|(_, s, _)| *s);
        for w in timed.windows(2) {
            let ((i, _, end), (j, start, _)) = (w[0], w[1]);
            if start < end {
                return Err(field_err(
                    format!("timesheets[{j}].start"),
                    format!(
                        "shift starts at {start}, before the shift of timesheets[{i}] ends ({end})"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Add payslips read from CSV (see [`payslips_from_csv`]) and re-validate.
    pub fn add_payslips(&mut self, more: Vec<Payslip>) -> Result<(), InputError> {
        self.payslips.extend(more);
        self.validate()
    }

    /// Add timesheet entries read from CSV (see [`timesheets_from_csv`]) and re-validate.
    pub fn add_timesheets(&mut self, more: Vec<TimesheetEntry>) -> Result<(), InputError> {
        self.timesheets.extend(more);
        self.validate()
    }
}

/// Hours between start and end of a shift (next day when end ≤ start), if both are known.
pub(crate) fn shift_span_hours(t: &TimesheetEntry) -> Option<Decimal> {
    let (s, e) = (t.start?, t.end?);
    let mut minutes = (e - s).whole_minutes();
    if minutes <= 0 {
        minutes += 24 * 60;
    }
    Some(Decimal::from(minutes) / Decimal::from(60))
}

// ---- CSV -------------------------------------------------------------------------

struct CsvRow<'a> {
    line: u64,
    headers: &'a csv::StringRecord,
    row: &'a csv::StringRecord,
}

impl CsvRow<'_> {
    fn err(&self, column: &str, e: InputError) -> InputError {
        let message = match e {
            InputError::Field { message, .. } => message,
            other => other.to_string(),
        };
        InputError::Csv {
            line: self.line,
            column: column.to_owned(),
            message,
        }
    }
    fn cell(&self, column: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h.trim() == column)?;
        self.row.get(i).map(str::trim).filter(|s| !s.is_empty())
    }
    fn req(&self, column: &str) -> Result<&str, InputError> {
        self.cell(column).ok_or_else(|| InputError::Csv {
            line: self.line,
            column: column.to_owned(),
            message: "is empty or missing".to_owned(),
        })
    }
    fn dec(&self, column: &str) -> Result<Decimal, InputError> {
        nonneg(column, self.req(column)?).map_err(|e| self.err(column, e))
    }
    fn opt_dec(&self, column: &str) -> Result<Option<Decimal>, InputError> {
        match self.cell(column) {
            None => Ok(None),
            Some(t) => nonneg(column, t).map(Some).map_err(|e| self.err(column, e)),
        }
    }
    fn date(&self, column: &str) -> Result<Date, InputError> {
        date_text(column, self.req(column)?).map_err(|e| self.err(column, e))
    }
    fn opt_time(&self, column: &str) -> Result<Option<Time>, InputError> {
        match self.cell(column) {
            None => Ok(None),
            Some(t) => time_text(column, t)
                .map(Some)
                .map_err(|e| self.err(column, e)),
        }
    }
}

fn csv_rows<T>(
    text: &str,
    required: &[&str],
    mut each: impl FnMut(&CsvRow<'_>) -> Result<T, InputError>,
) -> Result<Vec<T>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| InputError::Csv {
            line: 1,
            column: "(header)".to_owned(),
            message: e.to_string(),
        })?
        .clone();
    for column in required {
        if !headers.iter().any(|h| h.trim() == *column) {
            return Err(InputError::Csv {
                line: 1,
                column: (*column).to_owned(),
                message: "required column is missing from the header".to_owned(),
            });
        }
    }
    let mut out = Vec::new();
    for result in reader.records() {
        let row = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("row has {len} fields, the header has {expected_len}"),
                _ => e.to_string(),
            };
            InputError::Csv {
                line,
                column: "(row)".to_owned(),
                message,
            }
        })?;
        let line = row.position().map_or(0, |p| p.line());
        out.push(each(&CsvRow {
            line,
            headers: &headers,
            row: &row,
        })?);
    }
    Ok(out)
}

/// Read payslips from CSV. Columns: `period_start, period_end, hours_paid, gross, net_paid`
/// (required), `overtime_premium_paid, amount_received, debt_balance` (optional), and one
/// column per deduction kind named `deduction_<kind>` (e.g. `deduction_housing`).
pub fn payslips_from_csv(text: &str) -> Result<Vec<Payslip>, InputError> {
    csv_rows(
        text,
        &[
            "period_start",
            "period_end",
            "hours_paid",
            "gross",
            "net_paid",
        ],
        |r| {
            let period_start = r.date("period_start")?;
            let period_end = r.date("period_end")?;
            if period_end < period_start {
                return Err(InputError::Csv {
                    line: r.line,
                    column: "period_end".to_owned(),
                    message: format!("{period_end} is before period_start {period_start}"),
                });
            }
            let hours_paid = r.dec("hours_paid")?;
            if hours_paid > PERIOD_HOURS {
                return Err(InputError::Csv {
                    line: r.line,
                    column: "hours_paid".to_owned(),
                    message: format!("{hours_paid} hours is more than {PERIOD_HOURS}"),
                });
            }
            let mut deductions = Vec::new();
            for h in r.headers.iter() {
                let Some(kind_name) = h.trim().strip_prefix("deduction_") else {
                    continue;
                };
                let kind = DeductionKind::parse(kind_name).ok_or_else(|| InputError::Csv {
                    line: 1,
                    column: h.to_owned(),
                    message: format!("unknown deduction kind {kind_name:?}"),
                })?;
                if let Some(amount) = r.opt_dec(h.trim())?
                    && !amount.is_zero()
                {
                    deductions.push(Deduction { kind, amount });
                }
            }
            Ok(Payslip {
                period_start,
                period_end,
                hours_paid,
                gross: r.dec("gross")?,
                overtime_premium_paid: r.opt_dec("overtime_premium_paid")?.unwrap_or_default(),
                deductions,
                net_paid: r.dec("net_paid")?,
                amount_received: r.opt_dec("amount_received")?,
                debt_balance: r.opt_dec("debt_balance")?,
            })
        },
    )
}

/// Read timesheet entries from CSV. Columns: `date, hours` (required), `start, end`
/// (optional, `HH:MM`).
pub fn timesheets_from_csv(text: &str) -> Result<Vec<TimesheetEntry>, InputError> {
    csv_rows(text, &["date", "hours"], |r| {
        let hours = r.req("hours")?;
        Ok(TimesheetEntry {
            date: r.date("date")?,
            hours: hours_value("hours", hours, DAY_HOURS).map_err(|e| r.err("hours", e))?,
            start: r.opt_time("start")?,
            end: r.opt_time("end")?,
        })
    })
}
