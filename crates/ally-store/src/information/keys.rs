//! Matching keys and search tokens: the exact-match keys of entities, the search tokens of
//! reports and entities (both stored only blinded with the organisation's key), and the
//! field-by-field comparison of names behind fuzzy link suggestions.

use ally_core::information::EntityKind;
use ally_core::normalize::{self, TokenKind};
use ally_linkage::compare::jaro_winkler;
use ally_linkage::normalise as lnorm;

use crate::crypto::OrgKeys;

/// Unicode decimal digits (Arabic-Indic, Devanagari...) to ASCII, so that a phone number typed
/// in another script meets its Latin-digit spelling.
pub(super) fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            let zero = [0x660u32, 0x6F0, 0x966, 0x9E6, 0xFF10]
                .into_iter()
                .find(|z| (*z..*z + 10).contains(&cp));
            match zero.and_then(|z| char::from_digit(cp - z, 10)) {
                Some(d) => d,
                None => c,
            }
        })
        .collect()
}

pub(super) const COMPANY_SUFFIXES: &[&str] = &[
    "ltd", "limited", "srl", "sa", "sas", "sarl", "gmbh", "ag", "llc", "inc", "bv", "nv", "spa",
    "sl", "ood", "eood", "co", "company", "plc",
];

/// The exact-match keys of an entity (before blinding).
pub fn entity_keys(kind: EntityKind, value: &str) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        EntityKind::Phone => {
            let v = ascii_digits(value);
            if let Some(e164) = lnorm::phone_key(&v, None).filter(|k| k.starts_with('+')) {
                out.push(format!("e164:{e164}"));
            }
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 9 {
                out.push(format!("last9:{}", &digits[digits.len() - 9..]));
            }
        }
        EntityKind::Account | EntityKind::Vehicle => {
            let k = lnorm::code_key(&ascii_digits(value)).to_uppercase();
            if k.len() >= 3 {
                out.push(format!("code:{k}"));
            }
        }
        EntityKind::Website => {
            let mut k = normalize::fold(value.trim());
            for p in ["https://", "http://", "www.", "@"] {
                if let Some(rest) = k.strip_prefix(p) {
                    k = rest.to_owned();
                }
            }
            let k = k.trim_end_matches('/').to_owned();
            if k.len() >= 2 {
                out.push(format!("handle:{k}"));
            }
        }
        EntityKind::Person => {
            let k = lnorm::sorted_name_key(value);
            if !k.is_empty() {
                out.push(format!("name:{k}"));
            }
        }
        EntityKind::Company => {
            let k = company_key(value);
            if !k.is_empty() {
                out.push(format!("company:{k}"));
            }
        }
        EntityKind::Place => {
            let k = lnorm::text_key(value);
            if !k.is_empty() {
                out.push(format!("place:{k}"));
            }
        }
    }
    out
}

pub(super) fn company_key(value: &str) -> String {
    lnorm::name_key(value)
        .split(' ')
        .filter(|t| !t.is_empty() && !COMPANY_SUFFIXES.contains(t))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn blind_entity_key(keys: &OrgKeys, kind: EntityKind, key: &str) -> Vec<u8> {
    keys.blind(
        TokenKind::Document,
        &format!("info-entity\u{0}{}\u{0}{key}", kind.as_str()),
    )
}

/// Search tokens: folded, transliterated words, blinded per domain (`text` for report text and
/// ordinary entities, `suspect` for offenders' data, searched only with `SuspectRead`).
pub(super) fn blind_search(keys: &OrgKeys, domain: &str, token: &str) -> Vec<u8> {
    keys.blind(
        TokenKind::Name,
        &format!("info-search\u{0}{domain}\u{0}{token}"),
    )
}

pub(super) fn search_tokens(text: &str) -> Vec<String> {
    let t = ascii_digits(text);
    let mut out = normalize::name_tokens(&t);
    // Phone-like runs: also their last nine digits.
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9 {
        out.push(digits[digits.len() - 9..].to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// Tokens of a search query: a phone number is searched by its last nine digits only.
pub(super) fn query_tokens(q: &str) -> Vec<String> {
    let t = ascii_digits(q);
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return vec![digits[digits.len() - 9..].to_owned()];
    }
    search_tokens(q)
}

/// Fellegi-Sunter weights (log2 m/u) of a name comparison level, with prior m and u (the
/// platform compares few records at a time: too few for EM; the CLI estimates them).
pub(super) fn level_weight(sim: f64) -> f64 {
    let (m, u): (f64, f64) = if sim >= 0.96 {
        (0.90, 0.01)
    } else if sim >= 0.80 {
        (0.07, 0.04)
    } else {
        (0.03, 0.95)
    };
    (m / u).log2()
}

/// Compares two names field by field; returns the contributions.
pub fn name_contributions(kind: EntityKind, a: &str, b: &str) -> Vec<(String, f64)> {
    let (ka, kb) = if kind == EntityKind::Company {
        (company_key(a), company_key(b))
    } else {
        (lnorm::sorted_name_key(a), lnorm::sorted_name_key(b))
    };
    let mut out = vec![("full_name".to_owned(), level_weight(jaro_winkler(&ka, &kb)))];
    if kind == EntityKind::Person {
        let na = lnorm::name_key(a);
        let nb = lnorm::name_key(b);
        let ta: Vec<&str> = na.split(' ').filter(|t| !t.is_empty()).collect();
        let tb: Vec<&str> = nb.split(' ').filter(|t| !t.is_empty()).collect();
        if ta.len() >= 2 && tb.len() >= 2 {
            // Best pairing of the outer tokens, so that swapped name order still agrees.
            let (a0, a1) = (ta[0], ta[ta.len() - 1]);
            let (b0, b1) = (tb[0], tb[tb.len() - 1]);
            let straight = jaro_winkler(a0, b0) + jaro_winkler(a1, b1);
            let swapped = jaro_winkler(a0, b1) + jaro_winkler(a1, b0);
            let (g, f) = if swapped > straight {
                (jaro_winkler(a0, b1), jaro_winkler(a1, b0))
            } else {
                (jaro_winkler(a0, b0), jaro_winkler(a1, b1))
            };
            out.push(("given_name".to_owned(), level_weight(g) / 2.0));
            out.push(("family_name".to_owned(), level_weight(f) / 2.0));
        }
    }
    out
}

pub(super) fn encode_contributions(c: &[(String, f64)]) -> String {
    c.iter()
        .map(|(f, w)| format!("{f}={w:.2}"))
        .collect::<Vec<_>>()
        .join(";")
}

pub(super) fn decode_contributions(s: &str) -> Vec<(String, f64)> {
    s.split(';')
        .filter_map(|p| {
            let (f, w) = p.split_once('=')?;
            Some((f.to_owned(), w.parse().ok()?))
        })
        .collect()
}
