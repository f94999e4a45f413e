//! Field validators of the labour records: trimmed text with a length limit and no control
//! characters, a code from a vocabulary, an ISO date, an amount of money, a record id, a list of
//! lines. Each returns the cleaned value or the field errors (field name and error code) that the
//! store answers as invalid input.

use rust_decimal::Decimal;

use crate::person::FieldError;

/// A cleaned value or the errors of the field.
pub type Result<T, E = Vec<FieldError>> = std::result::Result<T, E>;

/// The error of one field: its name and an error code.
pub fn invalid(field: &'static str, code: &'static str) -> Vec<FieldError> {
    vec![FieldError { field, code }]
}

/// Trimmed text, required and at most `max` characters.
pub fn required(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(invalid(field, "required"));
    }
    optional(field, t, max)
}

/// Trimmed text, possibly empty, at most `max` characters and without control characters
/// other than line breaks and tabs.
pub fn optional(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(invalid(field, "too_long"));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(invalid(field, "control_characters"));
    }
    Ok(t.to_owned())
}

/// Trimmed text that must be one of `allowed` (a vocabulary).
pub fn one_of(field: &'static str, s: &str, allowed: &[&str]) -> Result<String> {
    let t = s.trim();
    if allowed.contains(&t) {
        Ok(t.to_owned())
    } else {
        Err(invalid(field, "unknown_value"))
    }
}

/// An ISO date `YYYY-MM-DD` (1900..=2200).
pub fn date(field: &'static str, s: &str) -> Result<String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s.trim(), &fmt) {
        Ok(d) if (1900..=2200).contains(&d.year()) => Ok(d.to_string()),
        _ => Err(invalid(field, "date")),
    }
}

/// A non-negative amount of money, kept as a decimal string with two places.
pub fn amount(field: &'static str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(invalid(field, "amount"));
    }
    let d: Decimal = t.parse().map_err(|_| invalid(field, "amount"))?;
    if d > Decimal::from(1_000_000_000u64) {
        return Err(invalid(field, "amount"));
    }
    let mut r = d.round_dp(2);
    r.rescale(2);
    Ok(r.to_string())
}

/// A record id (a UUID), in canonical form.
pub fn uuid_text(field: &'static str, s: &str) -> Result<String> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| invalid(field, "unknown_record"))
}

/// An optional record id: absent or blank is `None`.
pub fn opt_uuid(field: &'static str, v: Option<&str>) -> Result<Option<String>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => uuid_text(field, s).map(Some),
    }
}

/// Lines of text (blank ones dropped), each at most `max` characters, at most `max_items`.
pub fn lines(
    field: &'static str,
    items: &[String],
    max_items: usize,
    max: usize,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for i in items {
        let t = optional(field, i, max)?;
        if !t.is_empty() {
            out.push(t);
        }
    }
    if out.len() > max_items {
        return Err(invalid(field, "too_many"));
    }
    Ok(out)
}
