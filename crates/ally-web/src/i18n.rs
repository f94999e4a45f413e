//! Translations (Fluent). Every locale ships as an `.ftl` file embedded in the binary; English
//! is the reference and the fallback. A test fails when a locale misses a key English has.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The locales of the user interface: code, name in its own language, right-to-left?
pub const LOCALES: &[(&str, &str, bool)] = &[
    ("en", "English", false),
    ("fr", "Français", false),
    ("es", "Español", false),
    ("ar", "العربية", true),
];

/// The message files of each locale: the foundation's (`main`) and one per module, so that
/// modules add their strings without touching each other's files.
const SOURCES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            include_str!("../locales/en/main.ftl"),
            include_str!("../locales/en/identification.ftl"),
            include_str!("../locales/en/protection.ftl"),
            include_str!("../locales/en/information.ftl"),
            include_str!("../locales/en/labour.ftl"),
        ],
    ),
    (
        "fr",
        &[
            include_str!("../locales/fr/main.ftl"),
            include_str!("../locales/fr/identification.ftl"),
            include_str!("../locales/fr/protection.ftl"),
            include_str!("../locales/fr/information.ftl"),
            include_str!("../locales/fr/labour.ftl"),
        ],
    ),
    (
        "es",
        &[
            include_str!("../locales/es/main.ftl"),
            include_str!("../locales/es/identification.ftl"),
            include_str!("../locales/es/protection.ftl"),
            include_str!("../locales/es/information.ftl"),
            include_str!("../locales/es/labour.ftl"),
        ],
    ),
    (
        "ar",
        &[
            include_str!("../locales/ar/main.ftl"),
            include_str!("../locales/ar/identification.ftl"),
            include_str!("../locales/ar/protection.ftl"),
            include_str!("../locales/ar/information.ftl"),
            include_str!("../locales/ar/labour.ftl"),
        ],
    ),
];

pub struct I18n {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
    /// Messages without arguments, formatted once at load (pages look up dozens per request).
    plain: HashMap<&'static str, HashMap<String, String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("locale {locale}: {message}")]
    Invalid { locale: String, message: String },
}

impl I18n {
    pub fn load() -> Result<Arc<I18n>, I18nError> {
        let mut bundles = HashMap::new();
        for (code, files) in SOURCES {
            let lang: LanguageIdentifier = code.parse().map_err(|_| I18nError::Invalid {
                locale: (*code).to_owned(),
                message: "bad language tag".into(),
            })?;
            let mut b = FluentBundle::new_concurrent(vec![lang]);
            for src in *files {
                let res = FluentResource::try_new((*src).to_owned()).map_err(|(_, errs)| {
                    I18nError::Invalid {
                        locale: (*code).to_owned(),
                        message: format!(
                            "{} syntax error(s), first: {:?}",
                            errs.len(),
                            errs.first()
                        ),
                    }
                })?;
                // Fails on a message id defined twice (in two module files, say).
                b.add_resource(res).map_err(|errs| I18nError::Invalid {
                    locale: (*code).to_owned(),
                    message: format!("{errs:?}"),
                })?;
            }
            bundles.insert(*code, b);
        }
        let mut i18n = I18n {
            bundles,
            plain: HashMap::new(),
        };
        for (code, _) in SOURCES {
            let mut plain = HashMap::new();
            for key in i18n.keys(code) {
                if let Some(b) = i18n.bundles.get(code)
                    && let Some(pattern) = b.get_message(&key).and_then(|m| m.value())
                {
                    let mut errors = Vec::new();
                    let text = b.format_pattern(pattern, None, &mut errors).into_owned();
                    // A message that needs arguments reports errors without them: not plain.
                    if errors.is_empty() {
                        plain.insert(key, text);
                    }
                }
            }
            i18n.plain.insert(*code, plain);
        }
        Ok(Arc::new(i18n))
    }

    /// Message ids of a locale.
    pub fn keys(&self, locale: &str) -> Vec<String> {
        SOURCES
            .iter()
            .filter(|(c, _)| *c == locale)
            .flat_map(|(_, files)| files.iter())
            .filter_map(|src| FluentResource::try_new((*src).to_owned()).ok())
            .flat_map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// A translator for `locale` (unknown locales fall back to English).
    pub fn tr(self: &Arc<Self>, locale: &str) -> Tr {
        let code = LOCALES
            .iter()
            .find(|(c, _, _)| *c == locale)
            .map_or("en", |(c, _, _)| *c);
        Tr {
            i18n: self.clone(),
            locale: code,
        }
    }

    fn format(&self, locale: &str, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let b = self.bundles.get(locale)?;
        let msg = b.get_message(key)?;
        let pattern = msg.value()?;
        let mut errors = Vec::new();
        Some(b.format_pattern(pattern, args, &mut errors).into_owned())
    }
}

/// Picks the best supported locale from an Accept-Language header.
pub fn negotiate(accept_language: &str) -> &'static str {
    let mut best: Option<(&'static str, f32)> = None;
    for part in accept_language.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some((code, _, _)) = LOCALES.iter().find(|(c, _, _)| *c == primary)
            && best.is_none_or(|(_, bq)| q > bq)
        {
            best = Some((code, q));
        }
    }
    best.map_or("en", |(c, _)| c)
}

/// A translator bound to one locale. Missing keys fall back to English, then to the key.
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    locale: &'static str,
}

impl Tr {
    pub fn locale(&self) -> &'static str {
        self.locale
    }

    pub fn dir(&self) -> &'static str {
        if LOCALES.iter().any(|(c, _, rtl)| *c == self.locale && *rtl) {
            "rtl"
        } else {
            "ltr"
        }
    }

    pub fn t(&self, key: &str) -> String {
        if let Some(text) = self.i18n.plain.get(self.locale).and_then(|m| m.get(key)) {
            return text.clone();
        }
        self.i18n
            .format(self.locale, key, None)
            .or_else(|| self.i18n.format("en", key, None))
            .unwrap_or_else(|| key.to_owned())
    }

    /// A message with several named arguments.
    pub fn tn(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set((*name).to_owned(), FluentValue::from(value.clone()));
        }
        self.i18n
            .format(self.locale, key, Some(&fa))
            .or_else(|| self.i18n.format("en", key, Some(&fa)))
            .unwrap_or_else(|| key.to_owned())
    }

    /// A message with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_string()));
        self.i18n
            .format(self.locale, key, Some(&args))
            .or_else(|| self.i18n.format("en", key, Some(&args)))
            .unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_every_english_key() {
        let i18n = I18n::load().expect("locales parse");
        let en = i18n.keys("en");
        assert!(en.len() > 50, "English has {} keys", en.len());
        for (code, _, _) in LOCALES {
            let keys = i18n.keys(code);
            let missing: Vec<&String> = en.iter().filter(|k| !keys.contains(k)).collect();
            assert!(missing.is_empty(), "locale {code} misses {missing:?}");
            let extra: Vec<&String> = keys.iter().filter(|k| !en.contains(k)).collect();
            assert!(
                extra.is_empty(),
                "locale {code} has keys English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn translations_differ_from_english_where_they_should() {
        let i18n = I18n::load().expect("locales parse");
        for code in ["fr", "es", "ar"] {
            assert_ne!(
                i18n.tr(code).t("nav-persons"),
                i18n.tr("en").t("nav-persons"),
                "{code}"
            );
        }
        assert_eq!(i18n.tr("ar").dir(), "rtl");
        assert_eq!(i18n.tr("fr").dir(), "ltr");
        assert_eq!(i18n.tr("xx").locale(), "en");
    }

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(negotiate("fr-FR,fr;q=0.9,en;q=0.8"), "fr");
        assert_eq!(negotiate("de-DE,ar;q=0.5,en;q=0.4"), "ar");
        assert_eq!(negotiate("de"), "en");
        assert_eq!(negotiate(""), "en");
    }
}
