//! Translations of the catalogues' labels (sets, dimensions, indicators) into the
//! languages of the user interface other than English, as versioned data beside the
//! catalogues (`data/indicators/labels/<lang>.toml`, embedded).
//!
//! A file maps stable ids to labels. A label is a string (its review status is the
//! file's `reviewed`) or `{ text = "...", reviewed = true }` once a translator checked it.
//! The English labels stay in the catalogues; [`IndicatorLabels::check`] ties a set of
//! label files to the catalogues (every id labelled, no unknown id).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::catalogue::Catalogue;
use super::error::CatalogueError;
use super::forced_labour::ForcedLabourCatalogue;

/// The languages the shipped label files cover (the interface's languages besides English).
pub const LABEL_LANGUAGES: &[&str] = &["fr", "es", "ar"];

const FR_TOML: &str = include_str!("../../../../../data/indicators/labels/fr.toml");
const ES_TOML: &str = include_str!("../../../../../data/indicators/labels/es.toml");
const AR_TOML: &str = include_str!("../../../../../data/indicators/labels/ar.toml");

/// One translated label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The translated text (never blank).
    pub text: String,
    /// Checked by a human translator; false for a machine translation.
    pub reviewed: bool,
}

/// The labels of one language.
#[derive(Debug, Clone, Default)]
pub struct LabelFile {
    /// Language code as in `LABEL_LANGUAGES` (`fr`).
    pub lang: String,
    /// Set id (`adult_labour`) → label.
    pub sets: BTreeMap<String, Label>,
    /// Dimension id (`deceptive_recruitment`) → label.
    pub dimensions: BTreeMap<String, Label>,
    /// Indicator id (Delphi or ILO 11) → label.
    pub indicators: BTreeMap<String, Label>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Text(String),
    Reviewed {
        text: String,
        #[serde(default)]
        reviewed: bool,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lang: Option<String>,
    reviewed: Option<bool>,
    #[serde(default)]
    sets: BTreeMap<String, RawLabel>,
    #[serde(default)]
    dimensions: BTreeMap<String, RawLabel>,
    #[serde(default)]
    indicators: BTreeMap<String, RawLabel>,
}

impl LabelFile {
    /// Parse one label file; a label left blank is an error.
    pub fn from_toml_str(text: &str) -> Result<LabelFile, CatalogueError> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| CatalogueError::Parse(e.message().to_string()))?;
        let lang = raw.lang.ok_or(CatalogueError::MissingField {
            entry: "label file".to_owned(),
            field: "lang",
        })?;
        let file_reviewed = raw.reviewed.ok_or(CatalogueError::MissingField {
            entry: format!("labels {lang}"),
            field: "reviewed",
        })?;
        let convert = |table: BTreeMap<String, RawLabel>| -> Result<_, CatalogueError> {
            table
                .into_iter()
                .map(|(id, raw)| {
                    let label = match raw {
                        RawLabel::Text(text) => Label {
                            text,
                            reviewed: file_reviewed,
                        },
                        RawLabel::Reviewed { text, reviewed } => Label { text, reviewed },
                    };
                    if label.text.trim().is_empty() {
                        return Err(CatalogueError::Invalid {
                            entry: format!("labels {lang}: {id}"),
                            message: "empty label".to_owned(),
                        });
                    }
                    Ok((id, label))
                })
                .collect()
        };
        Ok(LabelFile {
            sets: convert(raw.sets)?,
            dimensions: convert(raw.dimensions)?,
            indicators: convert(raw.indicators)?,
            lang,
        })
    }
}

/// The label files of every language, by language.
#[derive(Debug, Clone, Default)]
pub struct IndicatorLabels {
    files: BTreeMap<String, LabelFile>,
}

impl IndicatorLabels {
    /// The shipped files, parsed (not yet checked against the catalogues: see [`Self::check`]).
    pub fn builtin() -> Result<IndicatorLabels, CatalogueError> {
        IndicatorLabels::from_toml_strs(&[FR_TOML, ES_TOML, AR_TOML])
    }

    /// Parse several label files, one per language; two files for one language are an error.
    pub fn from_toml_strs(texts: &[&str]) -> Result<IndicatorLabels, CatalogueError> {
        let mut files = BTreeMap::new();
        for text in texts {
            let file = LabelFile::from_toml_str(text)?;
            if files.contains_key(&file.lang) {
                return Err(CatalogueError::Invalid {
                    entry: format!("labels {}", file.lang),
                    message: "two files for this language".to_owned(),
                });
            }
            files.insert(file.lang.clone(), file);
        }
        Ok(IndicatorLabels { files })
    }

    /// Every error between these files and the catalogues: an id of the catalogues without a
    /// label in one of `langs` (a language without a file lacks every label), or a key in a
    /// file that names no set, dimension or indicator. Empty when they agree.
    pub fn check(
        &self,
        catalogue: &Catalogue,
        forced_labour: &ForcedLabourCatalogue,
        langs: &[&str],
    ) -> Vec<CatalogueError> {
        let sets: Vec<&str> = catalogue.sets.iter().map(|s| s.id.as_str()).collect();
        let dimensions: Vec<&str> = catalogue.dimensions.iter().map(|d| d.id.as_str()).collect();
        let indicators: Vec<&str> = catalogue
            .sets
            .iter()
            .flat_map(|s| &s.indicators)
            .map(|i| i.id.as_str())
            .chain(forced_labour.indicators.iter().map(|i| i.id.as_str()))
            .collect();
        let empty = LabelFile::default();
        let mut errors = Vec::new();
        for lang in langs {
            let file = self.files.get(*lang).unwrap_or(&empty);
            for (kind, ids, table) in [
                ("set", &sets, &file.sets),
                ("dimension", &dimensions, &file.dimensions),
                ("indicator", &indicators, &file.indicators),
            ] {
                for id in ids.iter().filter(|id| !table.contains_key(**id)) {
                    errors.push(CatalogueError::Invalid {
                        entry: format!("labels {lang}: {kind} {id}"),
                        message: "no label".to_owned(),
                    });
                }
            }
        }
        for file in self.files.values() {
            for (kind, ids, table) in [
                ("set", &sets, &file.sets),
                ("dimension", &dimensions, &file.dimensions),
                ("indicator", &indicators, &file.indicators),
            ] {
                for id in table.keys().filter(|k| !ids.contains(&k.as_str())) {
                    errors.push(CatalogueError::Invalid {
                        entry: format!("labels {}: {kind} {id}", file.lang),
                        message: format!("unknown {kind} id"),
                    });
                }
            }
        }
        errors
    }

    /// Languages with a file.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The label of an indicator id (Delphi or ILO 11) in `lang`, if that file has one.
    pub fn indicator(&self, lang: &str, id: &str) -> Option<&Label> {
        self.files.get(lang).and_then(|f| f.indicators.get(id))
    }

    /// The label of a set id in `lang`, if that file has one.
    pub fn set(&self, lang: &str, id: &str) -> Option<&Label> {
        self.files.get(lang).and_then(|f| f.sets.get(id))
    }

    /// The label of a dimension id in `lang`, if that file has one.
    pub fn dimension(&self, lang: &str, id: &str) -> Option<&Label> {
        self.files.get(lang).and_then(|f| f.dimensions.get(id))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn catalogues() -> (Catalogue, ForcedLabourCatalogue) {
        (
            Catalogue::builtin().unwrap(),
            ForcedLabourCatalogue::builtin().unwrap(),
        )
    }

    #[test]
    fn every_catalogue_id_has_a_label_in_french_spanish_and_arabic_and_no_file_names_an_unknown_id()
    {
        let (c, f) = catalogues();
        let labels = IndicatorLabels::builtin().unwrap();
        assert_eq!(labels.languages().collect::<Vec<_>>(), ["ar", "es", "fr"]);
        let errors = labels.check(&c, &f, LABEL_LANGUAGES);
        assert!(errors.is_empty(), "{errors:#?}");
        // The check covers all 264 Delphi and 11 ILO ids, the 4 sets and the 6 dimensions.
        for lang in LABEL_LANGUAGES {
            let file = labels.files.get(*lang).unwrap();
            assert_eq!(file.indicators.len(), 264 + 11, "{lang}");
            assert_eq!(file.sets.len(), 4, "{lang}");
            assert_eq!(file.dimensions.len(), 6, "{lang}");
        }
    }

    #[test]
    fn shipped_labels_are_translations_marked_unreviewed() {
        let (c, f) = catalogues();
        let labels = IndicatorLabels::builtin().unwrap();
        for lang in LABEL_LANGUAGES {
            for i in c.sets.iter().flat_map(|s| &s.indicators) {
                let l = labels.indicator(lang, &i.id).unwrap();
                assert!(!l.reviewed, "{lang} {}", i.id);
                assert_ne!(l.text, i.label, "{lang} {} left in English", i.id);
            }
            for i in &f.indicators {
                assert!(!labels.indicator(lang, &i.id).unwrap().reviewed);
            }
        }
        assert_eq!(
            labels
                .indicator(
                    "fr",
                    "adult_labour.deceptive_recruitment.deceived_about_wages"
                )
                .unwrap()
                .text,
            "Trompé(e) sur le salaire ou les revenus"
        );
        assert_eq!(
            labels.set("es", "adult_labour").unwrap().text,
            "Personas adultas, trata con fines de explotación laboral"
        );
        assert_eq!(
            labels
                .dimension("ar", "coercion_at_destination")
                .unwrap()
                .text,
            "الإكراه في مكان الاستغلال"
        );
    }

    #[test]
    fn a_missing_label_or_an_unknown_id_is_an_error_naming_it() {
        let (c, f) = catalogues();
        let fr = FR_TOML.replace("\"ilo11.deception\" = ", "\"ilo11.no_such_indicator\" = ");
        let es = ES_TOML.replace("coercion_at_destination = ", "coercion_elsewhere = ");
        let labels = IndicatorLabels::from_toml_strs(&[&fr, &es, AR_TOML]).unwrap();
        let errors: Vec<String> = labels
            .check(&c, &f, LABEL_LANGUAGES)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "labels fr: indicator ilo11.deception: no label",
                "labels es: dimension coercion_at_destination: no label",
                "labels es: dimension coercion_elsewhere: unknown dimension id",
                "labels fr: indicator ilo11.no_such_indicator: unknown indicator id",
            ]
        );
        // A language without a file lacks every label.
        let only_fr = IndicatorLabels::from_toml_strs(&[FR_TOML]).unwrap();
        assert_eq!(only_fr.check(&c, &f, &["fr", "es"]).len(), 4 + 6 + 264 + 11);
    }

    #[test]
    fn a_reviewed_entry_overrides_the_file_status_and_bad_files_are_refused() {
        let labels = IndicatorLabels::from_toml_strs(&[
            "lang = \"fr\"\nreviewed = false\n[sets]\nadult_labour = { text = \"Adultes\", reviewed = true }\nchild_labour = \"Enfants\"\n",
        ])
        .unwrap();
        assert!(labels.set("fr", "adult_labour").unwrap().reviewed);
        assert!(!labels.set("fr", "child_labour").unwrap().reviewed);
        assert!(labels.set("es", "adult_labour").is_none());
        for (bad, expected) in [
            ("reviewed = false\n", "label file: missing field `lang`"),
            ("lang = \"fr\"\n", "labels fr: missing field `reviewed`"),
            (
                "lang = \"fr\"\nreviewed = false\n[sets]\nadult_labour = \" \"\n",
                "labels fr: adult_labour: empty label",
            ),
        ] {
            assert_eq!(
                IndicatorLabels::from_toml_strs(&[bad])
                    .unwrap_err()
                    .to_string(),
                expected
            );
        }
        assert!(matches!(
            IndicatorLabels::from_toml_strs(&["lang = \"fr\"\nreviewed = false\nlabels = 1\n"]),
            Err(CatalogueError::Parse(_))
        ));
        assert_eq!(
            IndicatorLabels::from_toml_strs(&[FR_TOML, FR_TOML])
                .unwrap_err()
                .to_string(),
            "labels fr: two files for this language"
        );
    }
}
