//! Field comparisons: each pair of values gets a discrete *comparison level* (0 = "all other",
//! higher = closer agreement), or `None` when either value is missing.

use strsim::{damerau_levenshtein, jaro_winkler};

use crate::normalise::{FieldKind, FuzzyDate};

/// The comparison function of a field kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// Names: exact, Jaro-Winkler ≥ 0.92, ≥ 0.88, ≥ 0.70, else.
    Name,
    /// Free text (street, city, ...): exact, Jaro-Winkler ≥ 0.92, ≥ 0.80, else.
    Text,
    /// Codes (postcodes, documents, phones): exact, Damerau-Levenshtein ≤ 1, ≤ 2, else.
    Code,
    /// Dates: exact, one typo or day/month swapped, ≤ 1 month, ≤ 1 year, ≤ 10 years, else.
    Date,
    /// Exact or not (sex, street number).
    Exact,
    /// E-mail: exact, same local part, else.
    Email,
}

impl Comparator {
    /// The comparator used for a field kind.
    pub fn for_kind(kind: FieldKind) -> Self {
        match kind {
            FieldKind::GivenName | FieldKind::FamilyName | FieldKind::FullName => Comparator::Name,
            FieldKind::Street | FieldKind::City | FieldKind::Region | FieldKind::Nationality => {
                Comparator::Text
            }
            FieldKind::Postcode | FieldKind::DocumentNumber | FieldKind::Phone => Comparator::Code,
            FieldKind::DateOfBirth => Comparator::Date,
            FieldKind::Sex | FieldKind::StreetNumber => Comparator::Exact,
            FieldKind::Email => Comparator::Email,
        }
    }

    /// Number of levels (level 0 is "all other comparisons").
    pub fn n_levels(self) -> usize {
        match self {
            Comparator::Name => 5,
            Comparator::Text | Comparator::Code => 4,
            Comparator::Date => 6,
            Comparator::Exact => 2,
            Comparator::Email => 3,
        }
    }

    /// The highest level, which is the exact match.
    pub fn exact_level(self) -> u8 {
        (self.n_levels() - 1) as u8
    }

    /// Human-readable label of a level.
    pub fn level_label(self, level: u8) -> &'static str {
        let labels: &[&str] = match self {
            Comparator::Name => &[
                "other",
                "jaro-winkler>=0.70",
                "jaro-winkler>=0.88",
                "jaro-winkler>=0.92",
                "exact",
            ],
            Comparator::Text => &["other", "jaro-winkler>=0.80", "jaro-winkler>=0.92", "exact"],
            Comparator::Code => &[
                "other",
                "damerau-levenshtein<=2",
                "damerau-levenshtein<=1",
                "exact",
            ],
            Comparator::Date => &[
                "other",
                "within 10 years",
                "within 1 year",
                "within 1 month",
                "one typo or day/month swapped",
                "exact",
            ],
            Comparator::Exact => &["other", "exact"],
            Comparator::Email => &["other", "same local part", "exact"],
        };
        labels.get(level as usize).copied().unwrap_or("?")
    }

    /// Compare two (normalised, non-empty) keys.
    pub fn level(self, a: &str, b: &str) -> u8 {
        if a == b {
            return self.exact_level();
        }
        match self {
            Comparator::Name => {
                let jw = jaro_winkler(a, b);
                if jw >= 0.92 {
                    3
                } else if jw >= 0.88 {
                    2
                } else if jw >= 0.70 {
                    1
                } else {
                    0
                }
            }
            Comparator::Text => {
                let jw = jaro_winkler(a, b);
                if jw >= 0.92 {
                    2
                } else if jw >= 0.80 {
                    1
                } else {
                    0
                }
            }
            Comparator::Code => {
                if a.len().abs_diff(b.len()) > 2 {
                    return 0;
                }
                match damerau_levenshtein(a, b) {
                    0 | 1 => 2,
                    2 => 1,
                    _ => 0,
                }
            }
            Comparator::Date => date_level_str(a, b),
            Comparator::Exact => 0,
            Comparator::Email => {
                let la = a.split('@').next().unwrap_or(a);
                let lb = b.split('@').next().unwrap_or(b);
                if la == lb { 1 } else { 0 }
            }
        }
    }
}

fn parse_canonical(s: &str) -> Option<FuzzyDate> {
    let (estimated, digits) = match s.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: Option<u8> = digits.get(4..6).and_then(|m| m.parse().ok());
    let day: Option<u8> = digits.get(6..8).and_then(|d| d.parse().ok());
    Some(FuzzyDate {
        year,
        month,
        day,
        estimated,
    })
}

/// Date comparison on canonical date keys (see [`FuzzyDate::canonical`]).
fn date_level_str(a: &str, b: &str) -> u8 {
    let (Some(x), Some(y)) = (parse_canonical(a), parse_canonical(b)) else {
        return 0;
    };
    date_level(&x, &y)
}

/// Comparison level of two dates (5 = exact ... 0 = other).
pub fn date_level(x: &FuzzyDate, y: &FuzzyDate) -> u8 {
    let full = |d: &FuzzyDate| -> Option<i64> {
        Some(d.year as i64 * 372 + (d.month? as i64 - 1) * 31 + d.day? as i64 - 1)
    };
    let years = (x.year - y.year).unsigned_abs();
    match (full(x), full(y)) {
        (Some(dx), Some(dy)) if !x.estimated && !y.estimated => {
            if dx == dy {
                return 5;
            }
            let sx = format!(
                "{:04}{:02}{:02}",
                x.year,
                x.month.unwrap_or(0),
                x.day.unwrap_or(0)
            );
            let sy = format!(
                "{:04}{:02}{:02}",
                y.year,
                y.month.unwrap_or(0),
                y.day.unwrap_or(0)
            );
            let swapped = x.year == y.year && x.month == y.day && x.day == y.month;
            if swapped || damerau_levenshtein(&sx, &sy) <= 1 {
                4
            } else if (dx - dy).abs() <= 31 {
                3
            } else if (dx - dy).abs() <= 372 {
                2
            } else if years <= 10 {
                1
            } else {
                0
            }
        }
        _ => {
            // partial or estimated dates: agree on what is known
            let slack = if x.estimated || y.estimated { 2 } else { 0 };
            if years <= slack {
                match (x.month, y.month) {
                    (Some(a), Some(b)) if a == b && years == 0 => 3,
                    (Some(_), Some(_)) => 2,
                    _ => 2,
                }
            } else if years <= 10 {
                1
            } else {
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_levels() {
        let c = Comparator::Name;
        assert_eq!(c.level("martha", "martha"), 4);
        assert_eq!(c.level("martha", "marhta"), 3); // JW 0.961
        assert_eq!(c.level("dwayne", "duane"), 1); // JW 0.84
        assert_eq!(c.level("alice", "zygmunt"), 0);
    }

    #[test]
    fn code_levels() {
        let c = Comparator::Code;
        assert_eq!(c.level("4223", "4223"), 3);
        assert_eq!(c.level("4223", "4232"), 2); // transposition
        assert_eq!(c.level("4223", "4299"), 1);
        assert_eq!(c.level("4223", "9999"), 0);
        assert_eq!(c.level("4223", "4223999"), 0);
    }

    #[test]
    fn date_levels() {
        let c = Comparator::Date;
        assert_eq!(c.level("19151111", "19151111"), 5);
        assert_eq!(c.level("19151111", "19151112"), 4); // typo
        assert_eq!(c.level("19900203", "19900302"), 4); // swapped day and month
        assert_eq!(c.level("19900203", "19900226"), 3);
        assert_eq!(c.level("19900203", "19910101"), 2);
        assert_eq!(c.level("19900203", "19850101"), 1);
        assert_eq!(c.level("19900203", "19500101"), 0);
        assert_eq!(c.level("199002", "19900203"), 3); // partial date agrees on what is known
        assert_eq!(c.level("~1990", "19880203"), 2); // estimated within two years
    }

    #[test]
    fn level_labels_cover_all_levels() {
        for c in [
            Comparator::Name,
            Comparator::Text,
            Comparator::Code,
            Comparator::Date,
            Comparator::Exact,
            Comparator::Email,
        ] {
            for l in 0..c.n_levels() {
                assert_ne!(c.level_label(l as u8), "?");
            }
        }
    }
}
