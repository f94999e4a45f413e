//! Rule sets: one country and sector, as a versioned TOML data file.
//!
//! The file format is documented in `data/labour/README.md`. Every figure carries a
//! [`Source`] (legal text, collective agreement, URL) and an `effective_from` date, and
//! says whether it was checked against a source (`verified`). Loading validates the file:
//! a missing field, a negative amount or overlapping periods is an error naming the entry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use super::{DeductionKind, parse_date};

/// The rule sets shipped in the binary, as `(id, TOML text)`.
const SHIPPED: &[(&str, &str)] = &[
    (
        "fr-construction-2025",
        include_str!("../../../../data/labour/fr-construction-2025.toml"),
    ),
    (
        "be-construction-2025",
        include_str!("../../../../data/labour/be-construction-2025.toml"),
    ),
];

/// Error while loading or validating a rule set; `entry` names the offending entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleSetError {
    /// The text is not TOML, misses a field or has an unknown one (the TOML parser's message).
    #[error("rule set is not valid TOML or misses a field: {0}")]
    Parse(String),
    /// An entry breaks a rule of the format: a negative or non-decimal figure, a bad date,
    /// an empty citation, overlapping periods, a duplicate grade or deduction kind...
    #[error("rule set entry `{entry}`: {message}")]
    Invalid {
        /// The entry's path, e.g. `minimum_wage[1]` or `overtime.band[0]`.
        entry: String,
        /// What is wrong with it.
        message: String,
    },
    /// [`RuleSet::shipped`] was asked for an id that is not built in.
    #[error("no shipped rule set with id `{0}`")]
    UnknownId(String),
}

fn invalid(entry: impl Into<String>, message: impl Into<String>) -> RuleSetError {
    RuleSetError::Invalid {
        entry: entry.into(),
        message: message.into(),
    }
}

/// Where a figure comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Legal text and article, or collective agreement name and number.
    pub citation: String,
    /// Where the text can be read, if public.
    #[serde(default)]
    pub url: Option<String>,
    /// `true` only when the figure was checked against a published source.
    pub verified: bool,
    /// How the figure was checked, or what was not (assumed dates, derogations...).
    #[serde(default)]
    pub note: Option<String>,
}

/// An hourly rate in force from `effective_from` (inclusive) to `effective_to` (inclusive),
/// or, without `effective_to`, until the day before the next period starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatePeriod {
    /// Gross hourly rate in the rule set's currency.
    pub hourly: Decimal,
    /// First day the rate applies.
    pub effective_from: Date,
    /// Last day the rate applies, if the source sets one.
    pub effective_to: Option<Date>,
    /// The legal text or agreement that sets the rate.
    pub source: Source,
}

/// A limit in hours (or days, for consecutive working days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The limit, greater than zero, in hours (or days).
    pub value: Decimal,
    /// First day the limit applies; earlier days and weeks are not checked against it.
    pub effective_from: Date,
    /// The legal text that sets the limit.
    pub source: Source,
}

/// One overtime band: hours above the weekly threshold up to `up_to` (cumulative, `None` =
/// no upper bound) carry `premium_percent` on top of the base rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OvertimeBand {
    /// Upper end of the band in hours over the threshold (e.g. `8`: the first 8 overtime
    /// hours of the week); `None` only for the last band.
    pub up_to: Option<Decimal>,
    /// Surcharge on the base rate, in percent (e.g. `25`).
    pub premium_percent: Decimal,
}

/// Overtime: hours worked in a week (Monday to Sunday) above a threshold earn a premium, by
/// bands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OvertimeRule {
    /// Weekly hours above which overtime starts (e.g. `35`); also the legal weekly hours
    /// used to read a monthly figure on a payslip.
    pub weekly_threshold_hours: Decimal,
    /// The bands in increasing order; only the last may have no upper bound.
    pub bands: Vec<OvertimeBand>,
    /// Date the rule took effect (named in the finding's rule id).
    pub effective_from: Date,
    /// The legal text or agreement that sets the premium.
    pub source: Source,
}

/// A grade (level) of a collective agreement's wage scale, with its minimum hourly rates over
/// time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// The grade's code in the agreement (e.g. `N1P1`); a contract's `grade` names it.
    pub id: String,
    /// Its name in the agreement, for display.
    pub label: String,
    /// Its rates by period, in date order, not overlapping.
    pub rates: Vec<RatePeriod>,
}

/// The wage scale of the collective agreement that applies to the sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WageScale {
    /// The agreement's name and number.
    pub agreement: String,
    /// The grades, each id once; may be empty.
    pub grades: Vec<Grade>,
}

/// Whether a deduction kind may be taken from wages, and its caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeductionRule {
    /// The kind of deduction the rule is about (each kind at most once per rule set).
    pub kind: DeductionKind,
    /// `false`: any such deduction is illegal and owed back in full.
    pub allowed: bool,
    /// Cap as a percentage of the period's gross pay; with `cap_amount`, the lower cap applies.
    pub cap_percent_of_gross: Option<Decimal>,
    /// Cap per pay period, in the rule set's currency.
    pub cap_amount: Option<Decimal>,
    /// First day the rule applies; pay periods starting earlier are noted, not checked.
    pub effective_from: Date,
    /// The legal text that allows, caps or forbids the deduction.
    pub source: Source,
}

/// A rule without a figure (e.g. "a written contract is required"), with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Date the requirement took effect.
    pub effective_from: Date,
    /// The legal text (or ILO indicator) that states it.
    pub source: Source,
}

/// A validated rule set for one country and sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    /// E.g. `fr-construction-2025`: what callers pass to choose it, and the prefix of every
    /// finding's rule id.
    pub id: String,
    /// Country code, e.g. `FR`.
    pub country: String,
    /// The sector covered, e.g. `construction`.
    pub sector: String,
    /// A human title naming the country, sector and sources.
    pub title: String,
    /// Currency code of every amount, e.g. `EUR`.
    pub currency: String,
    /// The version of the data, e.g. `2025.1`.
    pub version: String,
    /// Caveats for the whole file (e.g. figures applied as lower bounds).
    pub notes: Option<String>,
    /// The statutory hourly minimum wage by period, in date order, not overlapping.
    pub minimum_wage: Vec<RatePeriod>,
    /// Most hours worked in one day.
    pub max_daily_hours: Limit,
    /// Most hours worked in one week (Monday to Sunday).
    pub max_weekly_hours: Limit,
    /// Fewest hours of rest between the end of one shift and the start of the next.
    pub min_daily_rest_hours: Limit,
    /// Most working days in one week (Monday to Sunday), in days.
    pub max_working_days_per_week: Limit,
    /// The overtime premium.
    pub overtime: OvertimeRule,
    /// The collective agreement's minimum rates by grade.
    pub wage_scale: WageScale,
    /// Which deductions from wages are allowed and their caps; a kind not listed is noted,
    /// not checked.
    pub deductions: Vec<DeductionRule>,
    /// Terms of employment must be given in writing.
    pub written_contract: Requirement,
    /// A worker who needs a work permit must hold one.
    pub work_permit: Requirement,
    /// Wages are paid in full, in money: the net due must reach the worker.
    pub wage_payment: Requirement,
    /// A growing debt to the employer or recruiter is evidence of debt bondage.
    pub debt: Requirement,
    /// Identity documents stay with the worker.
    pub identity_documents: Requirement,
}

/// Summary of a rule set, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSetSummary {
    /// The rule set's id, e.g. `fr-construction-2025`.
    pub id: String,
    /// Country code, e.g. `FR`.
    pub country: String,
    /// The sector covered.
    pub sector: String,
    /// A human title naming the country, sector and sources.
    pub title: String,
    /// The version of the data, e.g. `2025.1`.
    pub version: String,
    /// Caveats for the whole file.
    pub notes: Option<String>,
    /// Number of figures marked `verified = false` in the file.
    pub unverified_figures: usize,
}

// ---- raw TOML shapes -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    schema_version: u32,
    id: String,
    country: String,
    sector: String,
    title: String,
    currency: String,
    version: String,
    #[serde(default)]
    notes: Option<String>,
    minimum_wage: Vec<RawRate>,
    max_daily_hours: RawLimit,
    max_weekly_hours: RawLimit,
    min_daily_rest_hours: RawLimit,
    max_working_days_per_week: RawLimit,
    overtime: RawOvertime,
    wage_scale: RawScale,
    deduction: Vec<RawDeduction>,
    written_contract: RawRequirement,
    work_permit: RawRequirement,
    wage_payment: RawRequirement,
    debt: RawRequirement,
    identity_documents: RawRequirement,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    hourly: String,
    effective_from: String,
    #[serde(default)]
    effective_to: Option<String>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    value: String,
    effective_from: String,
    source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOvertime {
    weekly_threshold_hours: String,
    effective_from: String,
    source: Source,
    band: Vec<RawBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    #[serde(default)]
    up_to_hours_over_threshold: Option<String>,
    premium_percent: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    agreement: String,
    source: Source,
    grade: Vec<RawGrade>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrade {
    id: String,
    label: String,
    rate: Vec<RawRate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeduction {
    kind: String,
    allowed: bool,
    #[serde(default)]
    cap_percent_of_gross: Option<String>,
    #[serde(default)]
    cap_amount: Option<String>,
    effective_from: String,
    source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    effective_from: String,
    source: Source,
}

fn dec(entry: &str, field: &str, text: &str) -> Result<Decimal, RuleSetError> {
    let value: Decimal = text.trim().parse().map_err(|_| {
        invalid(
            entry,
            format!("`{field}` = {text:?} is not a decimal number"),
        )
    })?;
    if value.is_sign_negative() {
        return Err(invalid(entry, format!("`{field}` = {text} is negative")));
    }
    if value > Decimal::from(1_000_000_000) {
        return Err(invalid(entry, format!("`{field}` = {text} is too large")));
    }
    Ok(value)
}

fn date(entry: &str, field: &str, text: &str) -> Result<Date, RuleSetError> {
    parse_date(text).ok_or_else(|| {
        invalid(
            entry,
            format!("`{field}` = {text:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

fn source_ok(entry: &str, source: &Source) -> Result<(), RuleSetError> {
    if source.citation.trim().is_empty() {
        return Err(invalid(entry, "`source.citation` is empty"));
    }
    Ok(())
}

fn rates(
    entry: &str,
    raw: Vec<RawRate>,
    fallback: Option<&Source>,
) -> Result<Vec<RatePeriod>, RuleSetError> {
    if raw.is_empty() {
        return Err(invalid(entry, "needs at least one period"));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let e = format!("{entry}[{i}]");
        let source = match (r.source, fallback) {
            (Some(s), _) => s,
            (None, Some(f)) => f.clone(),
            (None, None) => return Err(invalid(e, "missing field `source`")),
        };
        source_ok(&e, &source)?;
        let from = date(&e, "effective_from", &r.effective_from)?;
        let to = match r.effective_to {
            Some(t) => Some(date(&e, "effective_to", &t)?),
            None => None,
        };
        if let Some(to) = to
            && to < from
        {
            return Err(invalid(e, "`effective_to` is before `effective_from`"));
        }
        out.push(RatePeriod {
            hourly: dec(&e, "hourly", &r.hourly)?,
            effective_from: from,
            effective_to: to,
            source,
        });
    }
    // Periods must be listed in date order and must not overlap: a court needs one
    // unambiguous figure per date.
    for i in 1..out.len() {
        let (prev, next) = (&out[i - 1], &out[i]);
        let overlaps = next.effective_from <= prev.effective_from
            || prev.effective_to.is_some_and(|t| t >= next.effective_from);
        if overlaps {
            return Err(invalid(
                format!("{entry}[{i}]"),
                format!(
                    "period from {} overlaps or precedes the period from {}",
                    next.effective_from, prev.effective_from
                ),
            ));
        }
    }
    Ok(out)
}

fn limit(entry: &str, raw: RawLimit) -> Result<Limit, RuleSetError> {
    source_ok(entry, &raw.source)?;
    let value = dec(entry, "value", &raw.value)?;
    if value.is_zero() {
        return Err(invalid(entry, "`value` must be greater than zero"));
    }
    Ok(Limit {
        value,
        effective_from: date(entry, "effective_from", &raw.effective_from)?,
        source: raw.source,
    })
}

fn requirement(entry: &str, raw: RawRequirement) -> Result<Requirement, RuleSetError> {
    source_ok(entry, &raw.source)?;
    Ok(Requirement {
        effective_from: date(entry, "effective_from", &raw.effective_from)?,
        source: raw.source,
    })
}

impl RuleSet {
    /// Parse and validate a rule set from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, RuleSetError> {
        let raw: RawRuleSet =
            toml::from_str(text).map_err(|e| RuleSetError::Parse(e.to_string()))?;
        if raw.schema_version != 1 {
            return Err(invalid(
                "schema_version",
                format!("unsupported schema version {}", raw.schema_version),
            ));
        }
        for (field, value) in [
            ("id", &raw.id),
            ("country", &raw.country),
            ("sector", &raw.sector),
            ("currency", &raw.currency),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(field, "is empty"));
            }
        }

        let minimum_wage = rates("minimum_wage", raw.minimum_wage, None)?;

        let ot = raw.overtime;
        source_ok("overtime", &ot.source)?;
        if ot.band.is_empty() {
            return Err(invalid("overtime.band", "needs at least one band"));
        }
        let mut bands = Vec::with_capacity(ot.band.len());
        let mut last_up_to = Decimal::ZERO;
        let band_count = ot.band.len();
        for (i, b) in ot.band.into_iter().enumerate() {
            let e = format!("overtime.band[{i}]");
            let up_to = match b.up_to_hours_over_threshold {
                Some(t) => {
                    let v = dec(&e, "up_to_hours_over_threshold", &t)?;
                    if v <= last_up_to {
                        return Err(invalid(e, "bands must increase"));
                    }
                    last_up_to = v;
                    Some(v)
                }
                None if i + 1 == band_count => None,
                None => {
                    return Err(invalid(e, "only the last band may have no upper bound"));
                }
            };
            bands.push(OvertimeBand {
                up_to,
                premium_percent: dec(&e, "premium_percent", &b.premium_percent)?,
            });
        }
        let overtime = OvertimeRule {
            weekly_threshold_hours: dec(
                "overtime",
                "weekly_threshold_hours",
                &ot.weekly_threshold_hours,
            )?,
            bands,
            effective_from: date("overtime", "effective_from", &ot.effective_from)?,
            source: ot.source,
        };

        let scale = raw.wage_scale;
        source_ok("wage_scale", &scale.source)?;
        let mut grades: Vec<Grade> = Vec::with_capacity(scale.grade.len());
        for (i, g) in scale.grade.into_iter().enumerate() {
            let e = format!("wage_scale.grade[{i}]");
            if g.id.trim().is_empty() {
                return Err(invalid(e, "`id` is empty"));
            }
            if grades.iter().any(|x| x.id == g.id) {
                return Err(invalid(e, format!("duplicate grade id `{}`", g.id)));
            }
            grades.push(Grade {
                rates: rates(&format!("{e}.rate"), g.rate, Some(&scale.source))?,
                id: g.id,
                label: g.label,
            });
        }

        let mut deductions: Vec<DeductionRule> = Vec::with_capacity(raw.deduction.len());
        for (i, d) in raw.deduction.into_iter().enumerate() {
            let e = format!("deduction[{i}]");
            source_ok(&e, &d.source)?;
            let kind = DeductionKind::parse(&d.kind)
                .ok_or_else(|| invalid(&e, format!("unknown deduction kind `{}`", d.kind)))?;
            if deductions.iter().any(|x| x.kind == kind) {
                return Err(invalid(e, format!("duplicate deduction kind `{}`", d.kind)));
            }
            let cap_percent_of_gross = match d.cap_percent_of_gross {
                Some(t) => Some(dec(&e, "cap_percent_of_gross", &t)?),
                None => None,
            };
            let cap_amount = match d.cap_amount {
                Some(t) => Some(dec(&e, "cap_amount", &t)?),
                None => None,
            };
            deductions.push(DeductionRule {
                kind,
                allowed: d.allowed,
                cap_percent_of_gross,
                cap_amount,
                effective_from: date(&e, "effective_from", &d.effective_from)?,
                source: d.source,
            });
        }

        Ok(RuleSet {
            id: raw.id,
            country: raw.country,
            sector: raw.sector,
            title: raw.title,
            currency: raw.currency,
            version: raw.version,
            notes: raw.notes.map(|n| n.trim().to_owned()),
            minimum_wage,
            max_daily_hours: limit("max_daily_hours", raw.max_daily_hours)?,
            max_weekly_hours: limit("max_weekly_hours", raw.max_weekly_hours)?,
            min_daily_rest_hours: limit("min_daily_rest_hours", raw.min_daily_rest_hours)?,
            max_working_days_per_week: limit(
                "max_working_days_per_week",
                raw.max_working_days_per_week,
            )?,
            overtime,
            wage_scale: WageScale {
                agreement: scale.agreement,
                grades,
            },
            deductions,
            written_contract: requirement("written_contract", raw.written_contract)?,
            work_permit: requirement("work_permit", raw.work_permit)?,
            wage_payment: requirement("wage_payment", raw.wage_payment)?,
            debt: requirement("debt", raw.debt)?,
            identity_documents: requirement("identity_documents", raw.identity_documents)?,
        })
    }

    /// A shipped rule set by id.
    pub fn shipped(id: &str) -> Result<Self, RuleSetError> {
        let (_, text) = SHIPPED
            .iter()
            .find(|(i, _)| *i == id)
            .ok_or_else(|| RuleSetError::UnknownId(id.to_owned()))?;
        Self::from_toml(text)
    }

    /// Ids of the shipped rule sets.
    pub fn shipped_ids() -> impl Iterator<Item = &'static str> {
        SHIPPED.iter().map(|(id, _)| *id)
    }

    /// The minimum-wage period in force on `day`.
    pub fn minimum_wage_on(&self, day: Date) -> Option<&RatePeriod> {
        rate_on(&self.minimum_wage, day)
    }

    /// The wage-scale rate of `grade` in force on `day`.
    pub fn grade_rate_on(&self, grade: &str, day: Date) -> Option<&RatePeriod> {
        self.wage_scale
            .grades
            .iter()
            .find(|g| g.id == grade)
            .and_then(|g| rate_on(&g.rates, day))
    }

    /// The rule on deductions of `kind`, if the rule set has one.
    pub fn deduction_rule(&self, kind: DeductionKind) -> Option<&DeductionRule> {
        self.deductions.iter().find(|d| d.kind == kind)
    }

    /// The rule set's summary, counting the figures not checked against their source.
    pub fn summary(&self) -> RuleSetSummary {
        RuleSetSummary {
            id: self.id.clone(),
            country: self.country.clone(),
            sector: self.sector.clone(),
            title: self.title.clone(),
            version: self.version.clone(),
            notes: self.notes.clone(),
            unverified_figures: self.sources().filter(|s| !s.verified).count(),
        }
    }

    /// Every source cited by the rule set.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        let rates = self
            .minimum_wage
            .iter()
            .chain(self.wage_scale.grades.iter().flat_map(|g| g.rates.iter()))
            .map(|r| &r.source);
        let limits = [
            &self.max_daily_hours,
            &self.max_weekly_hours,
            &self.min_daily_rest_hours,
            &self.max_working_days_per_week,
        ]
        .into_iter()
        .map(|l| &l.source);
        let reqs = [
            &self.written_contract,
            &self.work_permit,
            &self.wage_payment,
            &self.debt,
            &self.identity_documents,
        ]
        .into_iter()
        .map(|r| &r.source);
        rates
            .chain(limits)
            .chain(std::iter::once(&self.overtime.source))
            .chain(self.deductions.iter().map(|d| &d.source))
            .chain(reqs)
    }
}

fn rate_on(periods: &[RatePeriod], day: Date) -> Option<&RatePeriod> {
    let idx = periods.iter().rposition(|p| p.effective_from <= day)?;
    let p = &periods[idx];
    match p.effective_to {
        Some(to) if day > to => None,
        _ => Some(p),
    }
}

/// Summaries of all shipped rule sets; a shipped file that fails validation is an error.
pub fn shipped_summaries() -> Result<Vec<RuleSetSummary>, RuleSetError> {
    SHIPPED
        .iter()
        .map(|(_, text)| RuleSet::from_toml(text).map(|r| r.summary()))
        .collect()
}
