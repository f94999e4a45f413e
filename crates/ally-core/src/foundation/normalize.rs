//! Normalisation of identifiers before they are turned into blind-index tokens. The same
//! function runs when a record is written and when a search is made, so the two meet.
//!
//! Names: Unicode NFKC, lower case, then transliteration to Latin (so "Олена" and "Olena", or
//! "Müller" and "Muller", give the same token). The original spelling is kept in the record;
//! only the matching key is transliterated.

use unicode_normalization::UnicodeNormalization;

/// Kinds of blind-index token; the kind is mixed into the keyed hash so that a phone number can
/// never match a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A folded word of a name ([`name_tokens`]).
    Name,
    /// All digits, or the last nine, of a phone number ([`phone_tokens`]).
    Phone,
    /// A document number, letters and digits upper case ([`document_token`]).
    Document,
}

impl TokenKind {
    /// The code mixed into the keyed hash: `name`, `phone` or `document`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Name => "name",
            TokenKind::Phone => "phone",
            TokenKind::Document => "document",
        }
    }
}

/// NFKC, lower case, transliterated to ASCII.
pub fn fold(s: &str) -> String {
    let nfkc: String = s.nfkc().collect::<String>().to_lowercase();
    deunicode::deunicode(&nfkc).to_lowercase()
}

/// Name tokens: the folded words of at least two characters.
pub fn name_tokens(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut out: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| t.len() >= 2)
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Phone tokens: all digits, and the last nine digits (the national significant number in most
/// countries), so that "+33 6 12 34 56 78" and "06 12 34 56 78" meet.
pub fn phone_tokens(s: &str) -> Vec<String> {
    let digits: String = s.nfkc().filter(char::is_ascii_digit).collect();
    if digits.len() < 5 {
        return Vec::new();
    }
    let mut out = vec![digits.clone()];
    if digits.len() > 9 {
        out.push(digits[digits.len() - 9..].to_owned());
    }
    out
}

/// Document numbers: letters and digits only, upper case.
pub fn document_token(s: &str) -> Option<String> {
    let t: String = fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    (t.len() >= 3).then_some(t)
}

/// Tokens of a free-text search query, each tagged with the kind it may match.
pub fn query_tokens(q: &str) -> Vec<(TokenKind, String)> {
    let mut out = Vec::new();
    for t in name_tokens(q) {
        out.push((TokenKind::Name, t));
    }
    // A query that looks like a phone number is matched on phone tokens (last nine digits).
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let looks_like_phone = digits.len() >= 5
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if looks_like_phone {
        out.retain(|(k, _)| *k != TokenKind::Name);
        if let Some(last) = phone_tokens(q).pop() {
            out.push((TokenKind::Phone, last));
        }
    }
    // A single word with digits that is not a phone number is taken as a document number.
    let looks_like_document = !q.contains(char::is_whitespace)
        && q.chars().any(|c| c.is_ascii_digit())
        && !looks_like_phone;
    if let Some(d) = document_token(q).filter(|_| looks_like_document) {
        out.retain(|(k, _)| *k != TokenKind::Name);
        out.push((TokenKind::Document, d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_other_scripts_meet_their_latin_spelling() {
        assert_eq!(
            name_tokens("Олена Коваленко"),
            name_tokens("olena kovalenko")
        );
        assert_eq!(name_tokens("Müller"), vec!["muller"]);
        assert_eq!(name_tokens("ＡＭＩＮＡ"), vec!["amina"]); // full-width letters, NFKC
    }

    #[test]
    fn name_tokens_drop_punctuation_and_one_letter_words() {
        assert_eq!(name_tokens("N'Diaye, A."), vec!["diaye"]);
        assert_eq!(name_tokens("Ana-Maria  Pop"), vec!["ana", "maria", "pop"]);
    }

    #[test]
    fn phone_numbers_meet_with_or_without_country_code() {
        let a = phone_tokens("+33 6 12 34 56 78");
        let b = phone_tokens("06 12 34 56 78");
        assert!(a.iter().any(|t| b.contains(t)));
        assert!(phone_tokens("12").is_empty());
    }

    #[test]
    fn queries_are_classified() {
        assert_eq!(
            query_tokens("Amina"),
            vec![(TokenKind::Name, "amina".to_owned())]
        );
        assert_eq!(
            query_tokens("+40 721 000 111"),
            vec![(TokenKind::Phone, "721000111".to_owned())]
        );
        assert_eq!(
            query_tokens("AB123456"),
            vec![(TokenKind::Document, "AB123456".to_owned())]
        );
    }

    #[test]
    fn document_numbers_ignore_spacing_and_case() {
        assert_eq!(document_token("ab 12-34"), Some("AB1234".to_owned()));
        assert_eq!(document_token("x1"), None);
    }
}
