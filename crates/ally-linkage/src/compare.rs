//! Field comparisons: each pair of values gets a discrete *comparison level* (0 = "all other",
//! higher = closer agreement), or `None` when either value is missing.

/// Jaro–Winkler similarity (same definition as `strsim::jaro_winkler`: prefix bonus of up to
/// four characters when the Jaro similarity exceeds 0.7). ASCII strings of up to 64 bytes take
/// an allocation-free path; others go to `strsim`.
#[allow(clippy::needless_range_loop)]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64) {
        return strsim::jaro_winkler(a, b);
    }
    let (la, lb) = (x.len(), y.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let mut a_flags = 0u64;
    let mut b_flags = 0u64;
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(lb);
        for j in lo..hi {
            if b_flags & (1 << j) == 0 && y[j] == c {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut j = 0usize;
    for (i, &c) in x.iter().enumerate() {
        if a_flags & (1 << i) != 0 {
            while b_flags & (1 << j) == 0 {
                j += 1;
            }
            if y[j] != c {
                t += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / la as f64 + m / lb as f64 + (matches - t / 2) as f64 / m) / 3.0;
    if jaro > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// An upper bound of [`jaro_winkler`] from the character multisets (cheap; used to skip
/// the full computation when a pair cannot reach the lowest threshold). ASCII only; returns
/// 1.0 (no information) otherwise.
pub fn jaro_winkler_upper_bound(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.is_empty() || y.is_empty() {
        return 1.0;
    }
    let mut ca = [0u8; 128];
    for &c in x {
        ca[c as usize] = ca[c as usize].saturating_add(1);
    }
    let mut m = 0usize;
    for &c in y {
        if ca[c as usize] > 0 {
            ca[c as usize] -= 1;
            m += 1;
        }
    }
    let m = m as f64;
    let jaro = (m / x.len() as f64 + m / y.len() as f64 + 1.0) / 3.0;
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
    if jaro > 0.7 {
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Damerau–Levenshtein distance in its optimal-string-alignment form (adjacent
/// transpositions count 1). ASCII strings of up to 31 bytes take an allocation-free path.
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() < 32 && y.len() < 32) {
        return strsim::osa_distance(a, b);
    }
    let (n, m) = (x.len(), y.len());
    // three rolling rows: i-2, i-1, i
    let mut r0 = [0u8; 32];
    let mut r1 = [0u8; 32];
    let mut r2 = [0u8; 32];
    for (j, v) in r1.iter_mut().enumerate().take(m + 1) {
        *v = j as u8;
    }
    for i in 1..=n {
        r2[0] = i as u8;
        for j in 1..=m {
            let cost = u8::from(x[i - 1] != y[j - 1]);
            let mut v = (r1[j] + 1).min(r2[j - 1] + 1).min(r1[j - 1] + cost);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                v = v.min(r0[j - 2] + 1);
            }
            r2[j] = v;
        }
        r0 = r1;
        r1 = r2;
    }
    r1[m] as usize
}

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
                if jaro_winkler_upper_bound(a, b) < 0.70 {
                    return 0;
                }
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
                if jaro_winkler_upper_bound(a, b) < 0.80 {
                    return 0;
                }
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

/// Whether two equal-length byte strings are within Damerau–Levenshtein distance 1 (one
/// substitution or one adjacent transposition).
fn one_edit_same_length(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let diff: Vec<usize> = (0..x.len()).filter(|&k| x[k] != y[k]).take(3).collect();
    match diff.as_slice() {
        [] | [_] => true,
        [p, q] => *q == p + 1 && x[*p] == y[*q] && x[*q] == y[*p],
        _ => false,
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
            let digits = |d: &FuzzyDate| -> [u8; 8] {
                let (y, m, dd) = (
                    d.year.clamp(0, 9999) as u32,
                    d.month.unwrap_or(0) as u32,
                    d.day.unwrap_or(0) as u32,
                );
                let v = y * 10_000 + m * 100 + dd;
                let mut out = [b'0'; 8];
                let mut r = v;
                for k in (0..8).rev() {
                    out[k] = b'0' + (r % 10) as u8;
                    r /= 10;
                }
                out
            };
            let (sx, sy) = (digits(x), digits(y));
            let (sx, sy) = (
                std::str::from_utf8(&sx).unwrap_or(""),
                std::str::from_utf8(&sy).unwrap_or(""),
            );
            let swapped = x.year == y.year && x.month == y.day && x.day == y.month;
            if swapped || one_edit_same_length(sx.as_bytes(), sy.as_bytes()) {
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
    fn fast_metrics_agree_with_strsim() {
        let words = [
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "",
            "a",
            "abcdefghij",
            "jihgfedcba",
            "4223",
            "4232",
            "street",
            "stret",
            "crescent",
            "cresent",
        ];
        for a in words {
            for b in words {
                let (f, s) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!((f - s).abs() < 1e-12, "{a} {b}: {f} vs {s}");
                assert_eq!(
                    damerau_levenshtein(a, b),
                    strsim::osa_distance(a, b),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn upper_bound_is_an_upper_bound() {
        let words = [
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "a",
            "abcdefghij",
            "jihgfedcba",
            "pinkerton circuit",
            "stanley street",
            "winston hills",
        ];
        for a in words {
            for b in words {
                assert!(
                    jaro_winkler_upper_bound(a, b) + 1e-12 >= jaro_winkler(a, b),
                    "{a} {b}"
                );
            }
        }
    }

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
