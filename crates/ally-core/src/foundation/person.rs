//! Person records: victims and presumed victims, witnesses, suspects, contacts.
//!
//! The record is split in two. [`PersonIdentity`] holds everything that identifies the person
//! (names, birth, documents, phones, addresses, notes): the store encrypts it as one sealed
//! value. The remaining fields ([`PersonRole`], owner, timestamps) are metadata kept in clear so
//! that lists can be sorted and counted without decrypting.
//!
//! Invariant: `Debug` of identity types never prints their contents, so a stray `{:?}` in a log
//! line cannot leak a victim's name.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::normalize::{self, TokenKind};

/// The part a person plays in the organisation's records. Kept in clear (not sealed), so that
/// lists can be filtered by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    /// A person identified as a victim of trafficking.
    Victim,
    /// A person with reasonable grounds to believe they are a victim, not (yet) formally identified
    /// (Warsaw Convention art. 10(2)); entitled to assistance meanwhile.
    PresumedVictim,
    /// A witness of trafficking or exploitation.
    Witness,
    /// A suspected offender (criminal-offence data, GDPR art. 10).
    Suspect,
    /// Anyone else the organisation keeps in touch with (a relative, a community contact).
    Contact,
}

impl PersonRole {
    /// Every role, in the order forms offer them (presumed victim first).
    pub const ALL: [PersonRole; 5] = [
        PersonRole::PresumedVictim,
        PersonRole::Victim,
        PersonRole::Witness,
        PersonRole::Suspect,
        PersonRole::Contact,
    ];
    /// The stable code (`presumed_victim`, `witness`...), stored and used as message key.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonRole::Victim => "victim",
            PersonRole::PresumedVictim => "presumed_victim",
            PersonRole::Witness => "witness",
            PersonRole::Suspect => "suspect",
            PersonRole::Contact => "contact",
        }
    }
    /// The role of a code produced by [`Self::as_str`].
    pub fn parse(s: &str) -> Option<PersonRole> {
        PersonRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Sex as recorded on the person's documents or as stated; gender identity is a separate,
/// free-text field ([`PersonIdentity::gender`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Neither female nor male (e.g. `X` on a passport).
    Other,
}

impl Sex {
    /// The stable code: `female`, `male` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }
    /// The value of a code produced by [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Sex> {
        [Sex::Female, Sex::Male, Sex::Other]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What is known of a date of birth: often only a year, or an age estimated at a given date.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "precision", rename_all = "snake_case")]
pub enum BirthDate {
    /// The full date, e.g. from a document.
    Exact {
        /// Four-digit year, 1900 to the current year.
        year: i32,
        /// Month, 1–12.
        month: u8,
        /// Day of the month, valid for the month and year.
        day: u8,
    },
    /// Only the year and month are known.
    Month {
        /// Four-digit year, 1900 to the current year.
        year: i32,
        /// Month, 1–12.
        month: u8,
    },
    /// Only the year is known.
    Year {
        /// Four-digit year, 1900 to the current year.
        year: i32,
    },
    /// Age in years as estimated on `as_of_year` (the year the estimate was made).
    EstimatedAge {
        /// Estimated age in whole years, at most 120.
        age: u8,
        /// The year the estimate was made.
        as_of_year: i32,
    },
}

impl BirthDate {
    /// Parses the form/API text: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or `~AGE` (estimated age,
    /// as of `this_year`).
    pub fn parse(s: &str, this_year: i32) -> Result<BirthDate, &'static str> {
        let s = s.trim();
        if let Some(age) = s.strip_prefix('~') {
            let age: u8 = age.trim().parse().map_err(|_| "invalid_age")?;
            if age > 120 {
                return Err("invalid_age");
            }
            return Ok(BirthDate::EstimatedAge {
                age,
                as_of_year: this_year,
            });
        }
        let parts: Vec<&str> = s.split('-').collect();
        let year = |p: &str| -> Result<i32, &'static str> {
            let y: i32 = p.parse().map_err(|_| "invalid_date")?;
            if p.len() != 4 || y < 1900 || y > this_year {
                return Err("invalid_date");
            }
            Ok(y)
        };
        let month = |p: &str| -> Result<u8, &'static str> {
            let m: u8 = p.parse().map_err(|_| "invalid_date")?;
            if !(1..=12).contains(&m) {
                return Err("invalid_date");
            }
            Ok(m)
        };
        match parts.as_slice() {
            [y] => Ok(BirthDate::Year { year: year(y)? }),
            [y, m] => Ok(BirthDate::Month {
                year: year(y)?,
                month: month(m)?,
            }),
            [y, m, d] => {
                let (year, month) = (year(y)?, month(m)?);
                let day: u8 = d.parse().map_err(|_| "invalid_date")?;
                let month_t = time::Month::try_from(month).map_err(|_| "invalid_date")?;
                time::Date::from_calendar_date(year, month_t, day).map_err(|_| "invalid_date")?;
                Ok(BirthDate::Exact { year, month, day })
            }
            _ => Err("invalid_date"),
        }
    }

    /// The text form accepted by [`BirthDate::parse`].
    pub fn to_input(&self) -> String {
        match self {
            BirthDate::Exact { year, month, day } => format!("{year:04}-{month:02}-{day:02}"),
            BirthDate::Month { year, month } => format!("{year:04}-{month:02}"),
            BirthDate::Year { year } => format!("{year:04}"),
            BirthDate::EstimatedAge { age, .. } => format!("~{age}"),
        }
    }

    /// Whether the person is (or may be) a child in `this_year`; children's records follow
    /// child-protection rules in later modules. Uncertain cases count as children.
    pub fn may_be_child(&self, this_year: i32) -> bool {
        let birth_year = match self {
            BirthDate::Exact { year, .. }
            | BirthDate::Month { year, .. }
            | BirthDate::Year { year } => *year,
            BirthDate::EstimatedAge { age, as_of_year } => as_of_year - i32::from(*age),
        };
        this_year - birth_year <= 18
    }
}

/// An identity or travel document of the person, as recorded (the document itself may be held
/// by someone else: retention of identity documents is an ILO indicator of forced labour).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    /// Passport, national id, residence permit, work permit...
    pub kind: String,
    /// The document's number as written on it (free text; [`normalize::document_token`] keys it).
    pub number: String,
    /// ISO 3166-1 alpha-2 of the issuing country, if known.
    pub country: Option<String>,
}

/// The identifying part of a person record. Encrypted at rest as one value.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonIdentity {
    /// Given names as the person writes them (original script kept), at most 200 characters.
    pub given_names: String,
    /// Family names as the person writes them (original script kept), at most 200 characters.
    pub family_names: String,
    /// Other names the person is known by (nicknames, names used by traffickers, other spellings).
    pub aliases: Vec<String>,
    /// What is known of the date of birth.
    pub birth: Option<BirthDate>,
    /// Sex, if recorded.
    pub sex: Option<Sex>,
    /// Self-described gender identity, free text.
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub nationalities: Vec<String>,
    /// Language tags (e.g. "ro", "ar", "ti").
    pub languages: Vec<String>,
    /// Phone numbers as entered: digits, spaces and `+-().`, at least five digits.
    pub phones: Vec<String>,
    /// Postal addresses or places of stay, free text, one per entry.
    pub addresses: Vec<String>,
    /// Identity and travel documents.
    pub documents: Vec<IdentityDocument>,
    /// Free-text notes about the person, at most 20,000 characters.
    pub notes: String,
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
redacted_debug!(PersonIdentity, IdentityDocument, BirthDate, PersonForm);

impl PersonIdentity {
    /// The name shown in lists: given and family names, or the first alias.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.given_names.trim(), self.family_names.trim());
        let full = full.trim();
        if !full.is_empty() {
            return full.to_owned();
        }
        self.aliases.first().cloned().unwrap_or_default()
    }

    /// Every blind-index token of this record (deduplicated).
    pub fn index_tokens(&self) -> Vec<(TokenKind, String)> {
        let mut out = Vec::new();
        for n in std::iter::once(&self.given_names)
            .chain(std::iter::once(&self.family_names))
            .chain(self.aliases.iter())
        {
            out.extend(
                normalize::name_tokens(n)
                    .into_iter()
                    .map(|t| (TokenKind::Name, t)),
            );
        }
        for p in &self.phones {
            out.extend(
                normalize::phone_tokens(p)
                    .into_iter()
                    .map(|t| (TokenKind::Phone, t)),
            );
        }
        for d in &self.documents {
            if let Some(t) = normalize::document_token(&d.number) {
                out.push((TokenKind::Document, t));
            }
        }
        out.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        out.dedup();
        out
    }
}

/// A field-level validation error. `field` is the form field name, `code` a stable message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field the error belongs to (`given_names`, `birth`, `phones`...).
    pub field: &'static str,
    /// Stable message key of the error (`too_long`, `invalid_date`, `name_required`...).
    pub code: &'static str,
}

/// The person form as submitted (by the web form or the JSON API), before validation.
/// Multi-valued fields are one value per line.
#[derive(Clone, Default, Deserialize)]
pub struct PersonForm {
    /// A [`PersonRole`] code.
    #[serde(default)]
    pub role: String,
    /// Given names (one line).
    #[serde(default)]
    pub given_names: String,
    /// Family names (one line).
    #[serde(default)]
    pub family_names: String,
    /// Aliases, one per line.
    #[serde(default)]
    pub aliases: String,
    /// Date of birth as `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `~AGE`; empty if unknown.
    #[serde(default)]
    pub birth: String,
    /// A [`Sex`] code, or empty.
    #[serde(default)]
    pub sex: String,
    /// Self-described gender identity, free text; empty if not given.
    #[serde(default)]
    pub gender: String,
    /// ISO 3166-1 alpha-2 codes, one per line (upper-cased on validation).
    #[serde(default)]
    pub nationalities: String,
    /// Language tags, one per line (lower-cased on validation).
    #[serde(default)]
    pub languages: String,
    /// Phone numbers, one per line.
    #[serde(default)]
    pub phones: String,
    /// Addresses, one per line.
    #[serde(default)]
    pub addresses: String,
    /// One document per line: `kind: number (country)`, e.g. `passport: AB123456 (RO)`.
    #[serde(default)]
    pub documents: String,
    /// Free-text notes (several lines allowed).
    #[serde(default)]
    pub notes: String,
}

const MAX_NAME: usize = 200;
const MAX_LINES: usize = 20;
const MAX_NOTES: usize = 20_000;

/// A validated person: its role and its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPerson {
    /// The person's role.
    pub role: PersonRole,
    /// The identifying fields, trimmed and normalised, ready to be sealed.
    pub identity: PersonIdentity,
}

fn has_bad_controls(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl PersonForm {
    /// Validates the form. All errors are returned at once so the form can show them together.
    pub fn validate(&self, this_year: i32) -> Result<ValidPerson, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err =
            |field: &'static str, code: &'static str| errors.push(FieldError { field, code });

        let role = match PersonRole::parse(self.role.trim()) {
            Some(r) => Some(r),
            None => {
                err("role", "invalid_choice");
                None
            }
        };
        let mut single = |field: &'static str, v: &str| -> String {
            let v = v.trim();
            if v.chars().count() > MAX_NAME {
                err(field, "too_long");
            } else if has_bad_controls(v, false) {
                err(field, "invalid_characters");
            }
            v.to_owned()
        };
        let given_names = single("given_names", &self.given_names);
        let family_names = single("family_names", &self.family_names);
        let gender = single("gender", &self.gender);

        let mut multi = |field: &'static str, v: &str, max_len: usize| -> Vec<String> {
            let ls = lines(v);
            if ls.len() > MAX_LINES {
                err(field, "too_many");
            }
            if ls.iter().any(|l| l.chars().count() > max_len) {
                err(field, "too_long");
            }
            if has_bad_controls(v, true) {
                err(field, "invalid_characters");
            }
            ls
        };
        let aliases = multi("aliases", &self.aliases, MAX_NAME);
        let nationalities: Vec<String> = multi("nationalities", &self.nationalities, 2)
            .into_iter()
            .map(|c| c.to_uppercase())
            .collect();
        let languages: Vec<String> = multi("languages", &self.languages, 35)
            .into_iter()
            .map(|c| c.to_lowercase())
            .collect();
        let phones = multi("phones", &self.phones, 40);
        let addresses = multi("addresses", &self.addresses, 500);
        let doc_lines = multi("documents", &self.documents, 200);

        if given_names.is_empty() && family_names.is_empty() && aliases.is_empty() {
            err("given_names", "name_required");
        }
        if nationalities
            .iter()
            .any(|c| c.len() != 2 || !c.chars().all(|x| x.is_ascii_uppercase()))
        {
            err("nationalities", "invalid_country");
        }
        if languages
            .iter()
            .any(|l| l.len() < 2 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            err("languages", "invalid_language");
        }
        if phones.iter().any(|p| {
            !p.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                || p.chars().filter(char::is_ascii_digit).count() < 5
        }) {
            err("phones", "invalid_phone");
        }
        let mut documents = Vec::new();
        for l in &doc_lines {
            match parse_document_line(l) {
                Some(d) => documents.push(d),
                None => err("documents", "invalid_document"),
            }
        }
        let birth = if self.birth.trim().is_empty() {
            None
        } else {
            match BirthDate::parse(&self.birth, this_year) {
                Ok(b) => Some(b),
                Err(code) => {
                    err("birth", code);
                    None
                }
            }
        };
        let sex = match self.sex.trim() {
            "" => None,
            s => match Sex::parse(s) {
                Some(x) => Some(x),
                None => {
                    err("sex", "invalid_choice");
                    None
                }
            },
        };
        let notes = self.notes.trim().to_owned();
        if notes.chars().count() > MAX_NOTES {
            err("notes", "too_long");
        }
        if has_bad_controls(&notes, true) {
            err("notes", "invalid_characters");
        }

        match role {
            Some(role) if errors.is_empty() => Ok(ValidPerson {
                role,
                identity: PersonIdentity {
                    given_names,
                    family_names,
                    aliases,
                    birth,
                    sex,
                    gender: (!gender.is_empty()).then_some(gender),
                    nationalities,
                    languages,
                    phones,
                    addresses,
                    documents,
                    notes,
                },
            }),
            _ => Err(errors),
        }
    }

    /// The form pre-filled from a stored record (for the edit page).
    pub fn from_record(role: PersonRole, p: &PersonIdentity) -> PersonForm {
        PersonForm {
            role: role.as_str().to_owned(),
            given_names: p.given_names.clone(),
            family_names: p.family_names.clone(),
            aliases: p.aliases.join("\n"),
            birth: p
                .birth
                .as_ref()
                .map(BirthDate::to_input)
                .unwrap_or_default(),
            sex: p.sex.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            gender: p.gender.clone().unwrap_or_default(),
            nationalities: p.nationalities.join("\n"),
            languages: p.languages.join("\n"),
            phones: p.phones.join("\n"),
            addresses: p.addresses.join("\n"),
            documents: p
                .documents
                .iter()
                .map(format_document)
                .collect::<Vec<_>>()
                .join("\n"),
            notes: p.notes.clone(),
        }
    }
}

/// `kind: number (CC)`; the country part is optional.
fn parse_document_line(l: &str) -> Option<IdentityDocument> {
    let (kind, rest) = l.split_once(':')?;
    let kind = kind.trim();
    let rest = rest.trim();
    let (number, country) = match rest.rsplit_once('(') {
        Some((n, c)) => {
            let c = c.strip_suffix(')')?.trim().to_uppercase();
            if c.len() != 2 || !c.chars().all(|x| x.is_ascii_uppercase()) {
                return None;
            }
            (n.trim(), Some(c))
        }
        None => (rest, None),
    };
    if kind.is_empty() || number.is_empty() {
        return None;
    }
    Some(IdentityDocument {
        kind: kind.to_owned(),
        number: number.to_owned(),
        country,
    })
}

/// One line of the form's documents field: `kind: number (CC)`, or `kind: number` without a
/// country.
pub fn format_document(d: &IdentityDocument) -> String {
    match &d.country {
        Some(c) => format!("{}: {} ({c})", d.kind, d.number),
        None => format!("{}: {}", d.kind, d.number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PersonForm {
        PersonForm {
            role: "presumed_victim".into(),
            given_names: "Олена".into(),
            family_names: "Коваленко".into(),
            aliases: "Lena\n\nHelen ".into(),
            birth: "1999-02".into(),
            sex: "female".into(),
            nationalities: "ua".into(),
            languages: "uk\nru".into(),
            phones: "+380 44 123 4567".into(),
            addresses: "Flat 2, 10 Rue X, Lyon".into(),
            documents: "passport: FX 123456 (UA)".into(),
            notes: "Met at outreach.\nAfraid of employer.".into(),
            gender: String::new(),
        }
    }

    #[test]
    fn a_complete_form_validates() {
        let v = form().validate(2026).expect("valid");
        assert_eq!(v.role, PersonRole::PresumedVictim);
        assert_eq!(v.identity.aliases, vec!["Lena", "Helen"]);
        assert_eq!(v.identity.nationalities, vec!["UA"]);
        assert_eq!(
            v.identity.birth,
            Some(BirthDate::Month {
                year: 1999,
                month: 2
            })
        );
        assert_eq!(v.identity.documents[0].country.as_deref(), Some("UA"));
        assert_eq!(v.identity.display_name(), "Олена Коваленко");
        let round = PersonForm::from_record(v.role, &v.identity)
            .validate(2026)
            .expect("valid");
        assert_eq!(round, v);
    }

    #[test]
    fn all_errors_are_reported_together() {
        let mut f = form();
        f.role = "boss".into();
        f.nationalities = "Ukraine".into();
        f.phones = "call me".into();
        f.birth = "1999-13-01".into();
        f.documents = "no colon here".into();
        let errs = f.validate(2026).expect_err("invalid");
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        for f in ["role", "nationalities", "phones", "birth", "documents"] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }

    #[test]
    fn a_name_or_alias_is_required_and_controls_are_refused() {
        let mut f = form();
        f.given_names.clear();
        f.family_names.clear();
        f.aliases.clear();
        assert_eq!(
            f.validate(2026).expect_err("invalid"),
            vec![FieldError {
                field: "given_names",
                code: "name_required"
            }]
        );
        let mut f = form();
        f.given_names = "A\u{1b}[31mB".into();
        assert!(f.validate(2026).is_err());
    }

    #[test]
    fn birth_dates_of_every_precision() {
        assert_eq!(
            BirthDate::parse("2001-02-28", 2026),
            Ok(BirthDate::Exact {
                year: 2001,
                month: 2,
                day: 28
            })
        );
        assert_eq!(BirthDate::parse("2001-02-30", 2026), Err("invalid_date"));
        assert_eq!(
            BirthDate::parse("2001", 2026),
            Ok(BirthDate::Year { year: 2001 })
        );
        assert_eq!(
            BirthDate::parse("~16", 2026),
            Ok(BirthDate::EstimatedAge {
                age: 16,
                as_of_year: 2026
            })
        );
        assert_eq!(BirthDate::parse("2030", 2026), Err("invalid_date"));
        assert!(
            BirthDate::parse("~16", 2026)
                .expect("ok")
                .may_be_child(2026)
        );
        assert!(!BirthDate::Year { year: 1990 }.may_be_child(2026));
    }

    #[test]
    fn identity_debug_never_prints_contents() {
        let v = form().validate(2026).expect("valid");
        let dbg = format!("{:?} {:?}", v, form());
        assert!(!dbg.contains("Олена") && !dbg.contains("FX"), "{dbg}");
    }

    #[test]
    fn index_tokens_cover_names_aliases_phones_documents() {
        let v = form().validate(2026).expect("valid");
        let toks = v.identity.index_tokens();
        assert!(toks.contains(&(TokenKind::Name, "olena".into())));
        assert!(toks.contains(&(TokenKind::Name, "lena".into())));
        assert!(toks.contains(&(TokenKind::Phone, "441234567".into())));
        assert!(toks.contains(&(TokenKind::Document, "FX123456".into())));
    }
}
