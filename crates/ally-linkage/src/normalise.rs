//! Normalisation of identifying fields for comparison.
//!
//! Every value keeps its original text (for display); what is computed here is a *matching
//! key*: Unicode NFKC, case folding, transliteration to Latin (with `deunicode`), punctuation
//! removed and white space collapsed. Names additionally lose particles ("van", "de", "al",
//! ...) for the comparison key, dates are parsed into exact/partial/estimated dates, and phone
//! numbers are reduced to an E.164-like digit string.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

use crate::error::LinkageError;

/// The kinds of fields the engine understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldKind {
    /// First / given name(s).
    GivenName,
    /// Family name / surname.
    FamilyName,
    /// A full name in one column (any order).
    FullName,
    /// Date of birth (exact, partial or estimated).
    DateOfBirth,
    /// Sex / gender marker.
    Sex,
    /// Nationality (name or code).
    Nationality,
    /// Phone number.
    Phone,
    /// E-mail address.
    Email,
    /// Street name (with or without number).
    Street,
    /// House number.
    StreetNumber,
    /// City / town / suburb.
    City,
    /// Postcode.
    Postcode,
    /// Region / state / province.
    Region,
    /// Identity or travel document number.
    DocumentNumber,
}

impl FieldKind {
    /// All kinds, in a stable order.
    pub const ALL: [FieldKind; 14] = [
        FieldKind::GivenName,
        FieldKind::FamilyName,
        FieldKind::FullName,
        FieldKind::DateOfBirth,
        FieldKind::Sex,
        FieldKind::Nationality,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Street,
        FieldKind::StreetNumber,
        FieldKind::City,
        FieldKind::Postcode,
        FieldKind::Region,
        FieldKind::DocumentNumber,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::GivenName => "given_name",
            FieldKind::FamilyName => "family_name",
            FieldKind::FullName => "full_name",
            FieldKind::DateOfBirth => "date_of_birth",
            FieldKind::Sex => "sex",
            FieldKind::Nationality => "nationality",
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::Street => "street",
            FieldKind::StreetNumber => "street_number",
            FieldKind::City => "city",
            FieldKind::Postcode => "postcode",
            FieldKind::Region => "region",
            FieldKind::DocumentNumber => "document_number",
        }
    }

    /// Whether the kind is a person name.
    pub fn is_name(self) -> bool {
        matches!(
            self,
            FieldKind::GivenName | FieldKind::FamilyName | FieldKind::FullName
        )
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldKind {
    type Err = LinkageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let alias = match t.as_str() {
            "first_name" | "forename" => "given_name",
            "surname" | "last_name" => "family_name",
            "name" => "full_name",
            "dob" | "birth_date" => "date_of_birth",
            "gender" => "sex",
            "address" | "address_1" => "street",
            "suburb" | "town" => "city",
            "zip" | "postal_code" => "postcode",
            "state" | "province" => "region",
            "document" | "passport" => "document_number",
            other => other,
        };
        FieldKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == alias)
            .ok_or_else(|| LinkageError::UnknownFieldKind(s.to_string()))
    }
}

/// Basic matching key of free text: NFKC, case folding, transliteration to Latin, every run
/// of characters that is not a letter or digit becomes one space, trimmed.
pub fn text_key(raw: &str) -> String {
    let nfkc: String = raw.nfkc().collect();
    let folded = nfkc.to_lowercase();
    let latin = if folded.is_ascii() {
        folded
    } else {
        deunicode::deunicode(&folded).to_lowercase()
    };
    let mut out = String::with_capacity(latin.len());
    let mut pending_space = false;
    for c in latin.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if c == '\'' || c == '`' {
            // apostrophes inside names (o'brien -> obrien) do not separate tokens
        } else {
            pending_space = true;
        }
    }
    out
}

/// Particles that are dropped from a name's comparison key.
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le",
    "al", "el", "bin", "ben", "ibn", "bint", "ter", "ten", "zu", "mc", "st",
];

/// Matching key of a name: [`text_key`] without particles (unless the name is only
/// particles). Token order is kept.
pub fn name_key(raw: &str) -> String {
    let key = text_key(raw);
    let kept: Vec<&str> = key
        .split(' ')
        .filter(|t| !t.is_empty() && !PARTICLES.contains(t))
        .collect();
    if kept.is_empty() { key } else { kept.join(" ") }
}

/// A full name with its tokens sorted, so that "Ana MARIA Lopez" and "lopez ana maria" agree.
pub fn sorted_name_key(raw: &str) -> String {
    let key = name_key(raw);
    let mut toks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
    toks.sort_unstable();
    toks.join(" ")
}

/// A date that may be exact, partial (year only, year and month) or estimated ("about 1990").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuzzyDate {
    /// Year (four digits).
    pub year: i32,
    /// Month 1-12, if known.
    pub month: Option<u8>,
    /// Day 1-31, if known.
    pub day: Option<u8>,
    /// The date is an estimate (e.g. "about 1990", "~1990", "c. 1990").
    pub estimated: bool,
}

impl FuzzyDate {
    /// Canonical text: `YYYYMMDD`, `YYYYMM` or `YYYY`, with a `~` prefix when estimated.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        if self.estimated {
            s.push('~');
        }
        s.push_str(&format!("{:04}", self.year));
        if let Some(m) = self.month {
            s.push_str(&format!("{m:02}"));
            if let Some(d) = self.day {
                s.push_str(&format!("{d:02}"));
            }
        }
        s
    }
}

fn valid_md(month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Parse a date of birth. Accepted: `YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD`, `DD/MM/YYYY`,
/// `DD.MM.YYYY`, `DD-MM-YYYY`, `YYYY-MM`, `MM/YYYY`, `YYYY`, each optionally prefixed by
/// `~`, `c.`, `ca`, `about`, `approx` or `est` (estimated). Returns `None` for anything
/// else (including impossible months or days).
pub fn parse_date(raw: &str) -> Option<FuzzyDate> {
    let mut s = raw.trim().to_lowercase();
    let mut estimated = false;
    for prefix in [
        "~", "circa", "c.", "ca.", "ca", "about", "approx.", "approx", "est.", "est",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            estimated = true;
            s = rest.trim().to_string();
            break;
        }
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| -> Option<u32> {
        if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() && p.len() <= 8 {
            p.parse().ok()
        } else {
            None
        }
    };
    let date = |y: u32, m: Option<u32>, d: Option<u32>| -> Option<FuzzyDate> {
        if !(1000..=2999).contains(&y) {
            return None;
        }
        if let Some(m) = m
            && !(1..=12).contains(&m)
        {
            return None;
        }
        if let (Some(m), Some(d)) = (m, d)
            && !valid_md(m, d)
        {
            return None;
        }
        Some(FuzzyDate {
            year: y as i32,
            month: m.map(|m| m as u8),
            day: d.map(|d| d as u8),
            estimated,
        })
    };
    match parts.as_slice() {
        [one] => {
            let n = num(one)?;
            match one.len() {
                8 => date(n / 10000, Some((n / 100) % 100), Some(n % 100)),
                6 => date(n / 100, Some(n % 100), None),
                4 => date(n, None, None),
                _ => None,
            }
        }
        [a, b] => {
            let (x, y) = (num(a)?, num(b)?);
            if a.len() == 4 {
                date(x, Some(y), None)
            } else if b.len() == 4 {
                date(y, Some(x), None)
            } else {
                None
            }
        }
        [a, b, c] => {
            let (x, y, z) = (num(a)?, num(b)?, num(c)?);
            if a.len() == 4 {
                date(x, Some(y), Some(z))
            } else if c.len() == 4 {
                // day first (international order); fall back to month first if impossible
                date(z, Some(y), Some(x)).or_else(|| date(z, Some(x), Some(y)))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Normalise a phone number to E.164 (`+` and digits).
///
/// The number is parsed and validated with the `phonenumber` crate (Google's libphonenumber
/// metadata); national numbers need `default_region` (an ISO 3166 code such as `GB`). When
/// that fails (unknown region, number outside the numbering plan), a syntactic fallback is
/// used: `+` or `00` prefixes become `+`, a national number with a known region gets the
/// region's calling code without the trunk `0`, anything else keeps its bare digits.
/// Returns `None` if fewer than 5 digits remain.
pub fn phone_key(raw: &str, default_region: Option<&str>) -> Option<String> {
    // "+44 (0)20 ..." : the bracketed trunk zero is not dialled internationally
    let t = raw.trim().replace("(0)", "");
    let region: Option<phonenumber::country::Id> =
        default_region.and_then(|r| r.trim().to_ascii_uppercase().parse().ok());
    if let Ok(n) = phonenumber::parse(region, &t)
        && phonenumber::is_valid(&n)
    {
        return Some(n.format().mode(phonenumber::Mode::E164).to_string());
    }
    let international = t.starts_with('+');
    let mut digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 5 {
        return None;
    }
    if international {
        return Some(format!("+{digits}"));
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return Some(format!("+{rest}"));
    }
    let code = region.and_then(|id| {
        phonenumber::metadata::DATABASE
            .by_id(id.as_ref())
            .map(|m| m.country_code())
    });
    if let Some(cc) = code {
        if let Some(rest) = digits.strip_prefix('0') {
            digits = rest.to_string();
        }
        return Some(format!("+{cc}{digits}"));
    }
    Some(digits)
}

/// Options of normalisation that depend on the data's origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormaliseOptions {
    /// Region (ISO 3166 alpha-2, e.g. `GB`) of national phone numbers.
    pub phone_region: Option<String>,
}

/// Normalise an e-mail address: trimmed, lower-cased; for gmail.com addresses dots and
/// `+tags` in the local part are removed.
pub fn email_key(raw: &str) -> Option<String> {
    let t: String = raw.trim().nfkc().collect::<String>().to_lowercase();
    let (local, domain) = t.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let local = local.split('+').next().unwrap_or(local);
    let local = if domain == "gmail.com" || domain == "googlemail.com" {
        local.replace('.', "")
    } else {
        local.to_string()
    };
    Some(format!("{local}@{domain}"))
}

/// Normalise a sex marker to `m`, `f` or `x`.
pub fn sex_key(raw: &str) -> Option<String> {
    let k = text_key(raw);
    let v = match k.as_str() {
        "m" | "male" | "man" | "h" | "homme" | "masculino" | "hombre" => "m",
        "f" | "female" | "woman" | "w" | "femme" | "femenino" | "mujer" => "f",
        "" => return None,
        _ => "x",
    };
    Some(v.to_string())
}

/// Street abbreviations expanded in street keys.
const STREET_WORDS: &[(&str, &str)] = &[
    ("st", "street"),
    ("str", "street"),
    ("rd", "road"),
    ("ave", "avenue"),
    ("av", "avenue"),
    ("ln", "lane"),
    ("dr", "drive"),
    ("pl", "place"),
    ("cres", "crescent"),
    ("ct", "court"),
    ("sq", "square"),
    ("blvd", "boulevard"),
    ("hwy", "highway"),
    ("cl", "close"),
    ("strasse", "street"),
    ("str.", "street"),
];

/// Matching key of a street: [`text_key`] with common abbreviations expanded
/// ("12 High St." and "12 high street" agree).
pub fn street_key(raw: &str) -> String {
    text_key(raw)
        .split(' ')
        .map(|t| {
            STREET_WORDS
                .iter()
                .find(|(a, _)| *a == t)
                .map(|(_, b)| *b)
                .unwrap_or(t)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Key of codes (postcodes, document numbers, street numbers): [`text_key`] without spaces.
pub fn code_key(raw: &str) -> String {
    text_key(raw).replace(' ', "")
}

/// Matching key for a value of the given kind; `None` (or an empty result) means missing.
pub fn key_for(kind: FieldKind, raw: &str) -> Option<String> {
    key_for_with(kind, raw, &NormaliseOptions::default())
}

/// [`key_for`] with options.
pub fn key_for_with(kind: FieldKind, raw: &str, opts: &NormaliseOptions) -> Option<String> {
    let k = match kind {
        FieldKind::GivenName | FieldKind::FamilyName => name_key(raw),
        FieldKind::FullName => sorted_name_key(raw),
        FieldKind::DateOfBirth => parse_date(raw)?.canonical(),
        FieldKind::Sex => sex_key(raw)?,
        FieldKind::Phone => phone_key(raw, opts.phone_region.as_deref())?,
        FieldKind::Email => email_key(raw)?,
        FieldKind::StreetNumber | FieldKind::Postcode | FieldKind::DocumentNumber => code_key(raw),
        FieldKind::Nationality | FieldKind::Street | FieldKind::City | FieldKind::Region => {
            text_key(raw)
        }
    };
    if k.is_empty() { None } else { Some(k) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_key_folds_and_transliterates() {
        assert_eq!(text_key("  José  MÜLLER-Smith "), "jose muller smith");
        assert_eq!(text_key("ＡＢＣ"), "abc"); // full-width via NFKC
        assert_eq!(text_key("Владимир"), "vladimir");
        assert_eq!(text_key("O'Brien"), "obrien");
    }

    #[test]
    fn street_abbreviations_expand() {
        assert_eq!(street_key("12 High St."), "12 high street");
        assert_eq!(street_key("Main Rd"), "main road");
        assert_eq!(street_key("stanley street"), "stanley street");
    }

    #[test]
    fn name_key_drops_particles() {
        assert_eq!(name_key("Ludwig van Beethoven"), "ludwig beethoven");
        assert_eq!(name_key("de la"), "de la");
        assert_eq!(sorted_name_key("Lopez, Ana Maria"), "ana lopez maria");
    }

    #[test]
    fn dates_parse_in_several_forms() {
        let d = parse_date("19151111").map(|d| d.canonical());
        assert_eq!(d.as_deref(), Some("19151111"));
        assert_eq!(
            parse_date("1990-02-03").map(|d| d.canonical()).as_deref(),
            Some("19900203")
        );
        assert_eq!(
            parse_date("03/02/1990").map(|d| d.canonical()).as_deref(),
            Some("19900203")
        );
        assert_eq!(
            parse_date("02/1990").map(|d| d.canonical()).as_deref(),
            Some("199002")
        );
        assert_eq!(
            parse_date("about 1990").map(|d| d.canonical()).as_deref(),
            Some("~1990")
        );
        assert_eq!(parse_date("19901301"), None);
        assert_eq!(parse_date("hello"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn phones_and_emails() {
        assert_eq!(
            phone_key("+44 (0)20 7946-0958", None).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_key("0044 20 7946 0958", None).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_key("020 7946 0958", Some("GB")).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(phone_key("12", None), None);
        // validated by the numbering plan: a French mobile written nationally and internationally
        assert_eq!(
            phone_key("06 12 34 56 78", Some("fr")).as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            phone_key("+33 6 12 34 56 78", None).as_deref(),
            Some("+33612345678")
        );
        // outside the plan: syntactic fallback with the region's calling code
        assert_eq!(
            phone_key("0483918069", Some("GB")).as_deref(),
            Some("+44483918069")
        );
        assert_eq!(
            email_key(" A.B+x@GMail.com").as_deref(),
            Some("ab@gmail.com")
        );
        assert_eq!(email_key("nobody"), None);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(
            "surname".parse::<FieldKind>().ok(),
            Some(FieldKind::FamilyName)
        );
        assert!("bogus".parse::<FieldKind>().is_err());
        for k in FieldKind::ALL {
            assert_eq!(k.as_str().parse::<FieldKind>().ok(), Some(k));
        }
    }

    proptest::proptest! {
        #[test]
        fn text_key_is_idempotent(s in "\\PC{0,30}") {
            let once = text_key(&s);
            proptest::prop_assert_eq!(text_key(&once), once.clone());
        }
    }
}
