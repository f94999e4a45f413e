//! The interview languages' native names and writing directions, for the pages' language
//! choices and `dir` attributes.

/// Native names of the interview languages.
pub(crate) const LANGUAGE_NATIVE: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ro", "Română"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("bg", "Български"),
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
    ("ti", "ትግርኛ"),
    ("tl", "Tagalog"),
];

pub(crate) fn native_name(code: &str) -> &'static str {
    LANGUAGE_NATIVE
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, n)| *n)
}

pub(crate) fn text_dir(lang: &str) -> &'static str {
    if lang == "ar" { "rtl" } else { "ltr" }
}
