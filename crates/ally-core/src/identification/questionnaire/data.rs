//! The default questionnaires, the consent text and the interviewer guidance, shipped
//! as data (`data/questionnaires/`, embedded), and their loaders.
//!
//! Layout:
//! - `common.toml`: the shared choice lists, the consent step and the interviewer guidance
//!   (English, written for this project).
//! - `<id>.toml`: one questionnaire (English), a flat list of `[[item]]` rows like an
//!   XLSForm `survey` sheet.
//! - `i18n/<lang>.toml`: every string of every file above in one language, keyed
//!   `<questionnaire>.<item>.label`, `<questionnaire>.<item>.hint`,
//!   `<questionnaire>.title`, `common.choices.<list>.<choice>`,
//!   `consent.<section>.title|body`, `guidance.<section>.title|body`. Strings are
//!   machine translations unless the file or the entry says `reviewed = true`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::QuestionnaireError;
use super::{
    Choice, ChoiceList, FlatItem, Questionnaire, REQUIRED_LANGUAGES, Text, items_from_flat,
};
use crate::screening::Screening;

/// The id under which the consent step and the interviewer guidance are reviewed like a
/// questionnaire (translators' reviews are stored per questionnaire id).
pub const INTERVIEW_TEXTS_ID: &str = "interview_texts";

/// Ids of the default questionnaires.
pub const BUILTIN_IDS: &[&str] = &["first_contact", "adult_labour", "adult_sexual", "child"];

const COMMON_TOML: &str = include_str!("../../../../../data/questionnaires/common.toml");

fn builtin_source(id: &str) -> Option<&'static str> {
    match id {
        "first_contact" => Some(include_str!(
            "../../../../../data/questionnaires/first_contact.toml"
        )),
        "adult_labour" => Some(include_str!(
            "../../../../../data/questionnaires/adult_labour.toml"
        )),
        "adult_sexual" => Some(include_str!(
            "../../../../../data/questionnaires/adult_sexual.toml"
        )),
        "child" => Some(include_str!(
            "../../../../../data/questionnaires/child.toml"
        )),
        _ => None,
    }
}

/// The embedded translation files, `(lang, text)`.
pub const TRANSLATIONS: &[(&str, &str)] = &[
    (
        "fr",
        include_str!("../../../../../data/questionnaires/i18n/fr.toml"),
    ),
    (
        "es",
        include_str!("../../../../../data/questionnaires/i18n/es.toml"),
    ),
    (
        "ar",
        include_str!("../../../../../data/questionnaires/i18n/ar.toml"),
    ),
    (
        "ro",
        include_str!("../../../../../data/questionnaires/i18n/ro.toml"),
    ),
    (
        "uk",
        include_str!("../../../../../data/questionnaires/i18n/uk.toml"),
    ),
    (
        "ru",
        include_str!("../../../../../data/questionnaires/i18n/ru.toml"),
    ),
    (
        "bg",
        include_str!("../../../../../data/questionnaires/i18n/bg.toml"),
    ),
    (
        "vi",
        include_str!("../../../../../data/questionnaires/i18n/vi.toml"),
    ),
    (
        "zh",
        include_str!("../../../../../data/questionnaires/i18n/zh.toml"),
    ),
    (
        "tl",
        include_str!("../../../../../data/questionnaires/i18n/tl.toml"),
    ),
    (
        "ti",
        include_str!("../../../../../data/questionnaires/i18n/ti.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommon {
    #[serde(default)]
    choice_list: Vec<RawList>,
    #[serde(default)]
    consent: Vec<RawSection>,
    #[serde(default)]
    guidance: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    name: String,
    choice: Vec<RawChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    name: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionnaire {
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    relevant: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    indicators: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTranslation {
    Plain(String),
    Full { text: String, reviewed: bool },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranslationFile {
    lang: String,
    /// Default for entries that do not say.
    reviewed: bool,
    strings: BTreeMap<String, RawTranslation>,
}

/// One language's strings, parsed: key -> (text, reviewed).
#[derive(Debug, Clone)]
pub struct TranslationFile {
    /// The language code the file declares (`fr`).
    pub lang: String,
    /// Key (`<questionnaire>.<item>.label`, `common.choices.<list>.<choice>`,
    /// `consent.<id>.body`...) → (text, reviewed by a human).
    pub strings: BTreeMap<String, (String, bool)>,
}

impl TranslationFile {
    /// Parse one `i18n/<lang>.toml`; `file` names it in errors. An entry without its own
    /// `reviewed` takes the file's.
    pub fn parse(file: &str, text: &str) -> Result<TranslationFile, QuestionnaireError> {
        let raw: RawTranslationFile =
            toml::from_str(text).map_err(|e| QuestionnaireError::Translation {
                file: file.to_string(),
                message: e.message().to_string(),
            })?;
        Ok(TranslationFile {
            lang: raw.lang,
            strings: raw
                .strings
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        RawTranslation::Plain(t) => (t, raw.reviewed),
                        RawTranslation::Full { text, reviewed } => (text, reviewed),
                    };
                    (k, v)
                })
                .collect(),
        })
    }

    fn apply(&self, key: &str, text: &mut Text) {
        if let Some((t, reviewed)) = self.strings.get(key) {
            text.set(&self.lang, t, *reviewed);
        }
    }
}

/// The embedded translation files, parsed.
pub fn builtin_translations() -> Result<Vec<TranslationFile>, QuestionnaireError> {
    TRANSLATIONS
        .iter()
        .map(|(lang, text)| {
            let f = TranslationFile::parse(&format!("i18n/{lang}.toml"), text)?;
            if f.lang != *lang {
                return Err(QuestionnaireError::Translation {
                    file: format!("i18n/{lang}.toml"),
                    message: format!("says lang = \"{}\"", f.lang),
                });
            }
            Ok(f)
        })
        .collect()
}

fn parse_common() -> Result<RawCommon, QuestionnaireError> {
    toml::from_str(COMMON_TOML)
        .map_err(|e| QuestionnaireError::Parse(format!("common.toml: {}", e.message())))
}

fn en(s: &str) -> Text {
    Text::new("en", s, true)
}

/// Load a questionnaire from its TOML text (English), the shared choice lists, and the
/// given translations. `languages` is English plus every language the translations
/// cover completely; the result is validated against `screening`.
pub fn questionnaire_from_toml(
    text: &str,
    translations: &[TranslationFile],
    screening: &Screening,
) -> Result<Questionnaire, QuestionnaireError> {
    let common = parse_common()?;
    let raw: RawQuestionnaire =
        toml::from_str(text).map_err(|e| QuestionnaireError::Parse(e.message().to_string()))?;
    let rows: Vec<FlatItem> = raw
        .item
        .into_iter()
        .map(|r| FlatItem {
            kind: r.kind,
            name: r.name,
            label: r.label.as_deref().map(en).unwrap_or_default(),
            hint: r.hint.as_deref().map(en).unwrap_or_default(),
            relevant: r.relevant,
            required: r.required,
            indicators: if r.indicators.is_empty() {
                None
            } else {
                Some(r.indicators.join(" "))
            },
        })
        .collect();
    let items = items_from_flat(rows).map_err(|e| e.error)?;
    // Only the choice lists the questionnaire uses.
    let mut q = Questionnaire {
        id: raw.id,
        version: raw.version,
        title: en(&raw.title),
        default_language: "en".into(),
        languages: vec!["en".into()],
        items,
        choice_lists: Vec::new(),
    };
    let used: BTreeSet<String> = q
        .questions()
        .iter()
        .filter_map(|x| x.kind.list().map(str::to_string))
        .collect();
    q.choice_lists = common
        .choice_list
        .iter()
        .filter(|l| used.contains(&l.name))
        .map(|l| ChoiceList {
            name: l.name.clone(),
            choices: l
                .choice
                .iter()
                .map(|c| Choice {
                    name: c.name.clone(),
                    label: en(&c.label),
                })
                .collect(),
        })
        .collect();
    let qid = q.id.clone();
    for tf in translations {
        for (key, text) in q.texts_mut() {
            let full = if key.starts_with("choices.") {
                format!("common.{key}")
            } else {
                format!("{qid}.{key}")
            };
            tf.apply(&full, text);
        }
        let complete = q
            .texts()
            .iter()
            .all(|(_, t)| t.get(&tf.lang).is_some_and(|s| !s.trim().is_empty()));
        if complete && !q.languages.contains(&tf.lang) {
            q.languages.push(tf.lang.clone());
        }
    }
    // Keep the declared languages in the order of the required list.
    q.languages.sort_by_key(|l| {
        REQUIRED_LANGUAGES
            .iter()
            .position(|r| r == l)
            .unwrap_or(usize::MAX)
    });
    q.validate(screening)?;
    Ok(q)
}

impl Questionnaire {
    /// A default questionnaire by id (see `BUILTIN_IDS`), with the embedded translations.
    pub fn builtin(id: &str, screening: &Screening) -> Result<Questionnaire, QuestionnaireError> {
        let text = builtin_source(id)
            .ok_or_else(|| QuestionnaireError::UnknownQuestionnaire(id.to_string()))?;
        questionnaire_from_toml(text, &builtin_translations()?, screening)
    }

    /// All default questionnaires, in the order of `BUILTIN_IDS`.
    pub fn builtin_all(screening: &Screening) -> Result<Vec<Questionnaire>, QuestionnaireError> {
        BUILTIN_IDS
            .iter()
            .map(|id| Questionnaire::builtin(id, screening))
            .collect()
    }
}

/// A titled block of text (consent step, interviewer guidance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Stable id; part of the section's translation keys (`consent.<id>.title`).
    pub id: String,
    /// The heading, in every language.
    pub title: Text,
    /// The text, in every language.
    pub body: Text,
}

/// What is shown around the questions: the consent step before the first question, and
/// the interviewer guidance (side panel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterviewTexts {
    /// Read to the person before the first question; the interview starts only once they agree.
    pub consent: Vec<Section>,
    /// Advice for the interviewer, shown in the side panel during the interview.
    pub guidance: Vec<Section>,
}

impl InterviewTexts {
    /// The embedded texts with the embedded translations.
    pub fn builtin() -> Result<InterviewTexts, QuestionnaireError> {
        let common = parse_common()?;
        let translations = builtin_translations()?;
        let build = |prefix: &str, raw: &[RawSection]| -> Vec<Section> {
            raw.iter()
                .map(|s| {
                    let mut title = en(&s.title);
                    let mut body = en(&s.body);
                    for tf in &translations {
                        tf.apply(&format!("{prefix}.{}.title", s.id), &mut title);
                        tf.apply(&format!("{prefix}.{}.body", s.id), &mut body);
                    }
                    Section {
                        id: s.id.clone(),
                        title,
                        body,
                    }
                })
                .collect()
        };
        Ok(InterviewTexts {
            consent: build("consent", &common.consent),
            guidance: build("guidance", &common.guidance),
        })
    }

    /// Every string with its key (`consent.<id>.title`, ...).
    pub fn texts(&self) -> Vec<(String, &Text)> {
        let mut out = Vec::new();
        for (prefix, sections) in [("consent", &self.consent), ("guidance", &self.guidance)] {
            for s in sections {
                out.push((format!("{prefix}.{}.title", s.id), &s.title));
                out.push((format!("{prefix}.{}.body", s.id), &s.body));
            }
        }
        out
    }

    /// Review workflow, as [`Questionnaire::review_translation`]: marks one string of one
    /// language as reviewed, with the corrected text if given. False if there is no such
    /// string (or no text to confirm).
    pub fn review_translation(&mut self, key: &str, lang: &str, corrected: Option<&str>) -> bool {
        for (prefix, sections) in [
            ("consent", &mut self.consent),
            ("guidance", &mut self.guidance),
        ] {
            for s in sections.iter_mut() {
                for (field, text) in [("title", &mut s.title), ("body", &mut s.body)] {
                    if key != format!("{prefix}.{}.{field}", s.id) {
                        continue;
                    }
                    let new_text = match (corrected, text.get(lang)) {
                        (Some(c), _) => c.to_string(),
                        (None, Some(t)) => t.to_string(),
                        (None, None) => return false,
                    };
                    text.set(lang, &new_text, true);
                    return true;
                }
            }
        }
        false
    }

    /// Completeness per language, as [`Questionnaire::language_status`].
    pub fn language_status(&self, langs: &[&str]) -> Vec<super::LanguageStatus> {
        super::language_status_of(&self.texts(), langs)
    }
}

/// Keys of a translation file that match no string of the default questionnaires or the
/// interview texts (typos, removed questions).
pub fn unused_translation_keys(
    file: &TranslationFile,
    screening: &Screening,
) -> Result<Vec<String>, QuestionnaireError> {
    let mut known = BTreeSet::new();
    for q in Questionnaire::builtin_all(screening)? {
        for (k, _) in q.texts() {
            if k.starts_with("choices.") {
                known.insert(format!("common.{k}"));
            } else {
                known.insert(format!("{}.{k}", q.id));
            }
        }
    }
    for (k, _) in InterviewTexts::builtin()?.texts() {
        known.insert(k);
    }
    Ok(file
        .strings
        .keys()
        .filter(|k| !known.contains(*k))
        .cloned()
        .collect())
}
