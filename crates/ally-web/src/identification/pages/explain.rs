//! The result's texts in the reader's language: indicator labels (reviewed translations or the
//! catalogue's English), answers, and the explanation of each set's outcome built from the
//! engine's structured result.
use std::sync::LazyLock;

use ally_core::questionnaire::{AnswerValue, Question, Questionnaire};
use ally_core::screening::{
    Clause, Evaluation, IndicatorLabels, Outcome, Part, PartResult, Screening,
};

use crate::i18n::Tr;
use crate::identification::languages::text_dir;

/// A catalogue label (an indicator's) in the reader's language when translated, else the
/// catalogue's English, with the language it is written in.
pub struct CatalogueText {
    pub(super) text: String,
    pub(super) lang: String,
    pub(super) dir: &'static str,
    /// A machine translation no human reviewed yet.
    pub(super) unreviewed: bool,
}

impl CatalogueText {
    /// Text already in the reader's language (a fact's name from the locale files).
    pub(super) fn reader(text: String, lang: &str) -> CatalogueText {
        CatalogueText {
            text,
            lang: lang.to_owned(),
            dir: text_dir(lang),
            unreviewed: false,
        }
    }
}

/// The labels' translations (`data/indicators/labels/`); the core tests make sure they parse
/// and label every id, so a failure here only leaves the English labels.
static LABELS: LazyLock<Option<IndicatorLabels>> =
    LazyLock::new(|| IndicatorLabels::builtin().ok());

/// An indicator's label in `lang`, or the catalogue's English (for English readers, or
/// should a translation be missing), or its id if the id is unknown.
pub(super) fn indicator_label(id: &str, lang: &str) -> CatalogueText {
    if let Some(l) = LABELS.as_ref().and_then(|x| x.indicator(lang, id)) {
        return CatalogueText {
            text: l.text.clone(),
            lang: lang.to_owned(),
            dir: text_dir(lang),
            unreviewed: !l.reviewed,
        };
    }
    let text = ally_store::identification_data()
        .ok()
        .and_then(|b| {
            b.screening
                .catalogue
                .indicator(id)
                .map(|i| i.label.clone())
                .or_else(|| {
                    b.screening
                        .forced_labour
                        .position(id)
                        .and_then(|p| b.screening.forced_labour.indicators.get(p))
                        .map(|i| i.label.clone())
                })
        })
        .unwrap_or_else(|| id.to_owned());
    CatalogueText {
        text,
        lang: "en".to_owned(),
        dir: "ltr",
        unreviewed: false,
    }
}

pub(super) fn answer_text(
    q: &Questionnaire,
    question: &Question,
    a: &AnswerValue,
    tr: &Tr,
) -> String {
    let lang = tr.locale();
    let choice = |name: &str| -> String {
        question
            .kind
            .list()
            .and_then(|l| q.choice_list(l))
            .and_then(|l| l.choices.iter().find(|c| c.name == name))
            .map_or_else(
                || name.to_owned(),
                |c| c.label.get_or(lang, "en").to_owned(),
            )
    };
    match a {
        AnswerValue::Choice(c) => choice(c),
        AnswerValue::Choices(cs) => cs.iter().map(|c| choice(c)).collect::<Vec<_>>().join(", "),
        AnswerValue::Text(t) | AnswerValue::Date(t) => t.clone(),
        AnswerValue::Integer(n) => n.to_string(),
        AnswerValue::Declined => tr.t("identification-declined"),
    }
}

/// A message id with an identifier from the catalogue (`a_b` → `prefix-a-b`).
pub(super) fn key(prefix: &str, id: &str) -> String {
    format!("{prefix}-{}", id.replace('_', "-"))
}

/// A clause of the dimension rule in the reader's language ("at least 1 strong and ...").
pub(super) fn clause_text(tr: &Tr, c: &Clause) -> String {
    let mut parts = Vec::new();
    for (grade, n) in [
        ("strong", c.strong),
        ("medium", c.medium),
        ("weak", c.weak),
        ("medium-or-weak", c.medium_or_weak),
    ] {
        if n > 0 {
            parts.push(tr.t1(&format!("identification-clause-{grade}"), "n", n));
        }
    }
    parts
        .into_iter()
        .reduce(|a, b| tr.tn("identification-clause-and", &[("a", a), ("b", b)]))
        .unwrap_or_default()
}

/// A part of the combination rule (`recruitment`...) or a required fact, named.
pub(super) fn part_name(tr: &Tr, part: &str) -> String {
    tr.t(&key("identification-part", part))
}

/// "recruitment: established (deception during recruitment, ...)".
pub(super) fn part_text(tr: &Tr, name: &str, p: &PartResult<'_>) -> String {
    let holds = tr.t(&key("identification-part-holds", p.holds.as_str()));
    if p.dimensions.is_empty() {
        tr.tn(
            "identification-explain-part",
            &[("part", part_name(tr, name)), ("holds", holds)],
        )
    } else {
        let dimensions = p
            .dimensions
            .iter()
            .map(|d| tr.t(&key("identification-dimension", d)))
            .collect::<Vec<_>>()
            .join(", ");
        tr.tn(
            "identification-explain-part-dimensions",
            &[
                ("part", part_name(tr, name)),
                ("holds", holds),
                ("dimensions", dimensions),
            ],
        )
    }
}

/// The explanation of a Delphi set's outcome in the reader's language: what the engine's
/// English `explanation` says, built from the same structured result.
pub(super) fn explain_set(tr: &Tr, s: &Screening, e: &Evaluation<'_>) -> String {
    let set = tr.t(&key("identification-set", e.set));
    if e.outcome == Outcome::IndicatorsOnly {
        let confidence = s.catalogue.set(e.set).map_or_else(String::new, |x| {
            tr.t(&key("identification-confidence", &x.confidence))
        });
        return tr.tn(
            "identification-explain-indicators-only",
            &[("set", set), ("confidence", confidence)],
        );
    }
    // The parts in the order of the definition (recruitment, exploitation, destination),
    // then a required fact.
    let order = |name: &str| {
        [Part::Recruitment, Part::Exploitation, Part::Destination]
            .iter()
            .position(|p| p.as_str() == name)
            .unwrap_or(usize::MAX)
    };
    let mut required: Vec<(&str, &PartResult<'_>)> = e
        .parts
        .iter()
        .filter(|(_, p)| p.required)
        .map(|(name, p)| (*name, p))
        .collect();
    required.sort_by_key(|(name, _)| order(name));
    let summary = required
        .into_iter()
        .map(|(name, p)| part_text(tr, name, p))
        .collect::<Vec<_>>()
        .join("; ");
    let rule = tr.t(&key("identification-rule", e.rule.unwrap_or("")));
    let failing = e
        .failing_parts
        .iter()
        .map(|p| part_name(tr, p))
        .collect::<Vec<_>>()
        .join(", ");
    tr.tn(
        &key("identification-explain", e.outcome.as_str()),
        &[
            ("rule", rule),
            ("set", set),
            ("summary", summary),
            ("failing", failing),
        ],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ally_core::screening::{Part, Screening};

    use crate::i18n::{I18n, LOCALES};

    /// The result page builds message ids from catalogue data (dimensions, rules, parts,
    /// facts, confidence): every one of them must exist in every locale.
    #[test]
    fn every_catalogue_message_of_the_explanation_exists_in_every_locale() {
        let s = Screening::builtin().unwrap();
        let c = &s.catalogue;
        let key = |prefix: &str, id: &str| format!("{prefix}-{}", id.replace('_', "-"));
        let mut wanted = Vec::new();
        for d in &c.dimensions {
            wanted.push(key("identification-dimension", &d.id));
        }
        for r in &c.rules {
            wanted.push(key("identification-rule", &r.name));
        }
        for part in [Part::Recruitment, Part::Exploitation, Part::Destination] {
            wanted.push(key("identification-part", part.as_str()));
        }
        for f in &c.facts {
            wanted.push(key("identification-part", f));
            wanted.push(key("identification-fact", f));
        }
        for set in &c.sets {
            wanted.push(key("identification-set", &set.id));
            wanted.push(key("identification-confidence", &set.confidence));
        }
        wanted.push(key(
            "identification-set",
            ally_core::screening::FORCED_LABOUR_SET_ID,
        ));
        for a in ["yes", "no", "unknown"] {
            wanted.push(key("identification-part-holds", a));
            wanted.push(key("identification-explain-ilo11", a));
        }
        for o in [
            "presumed_victim",
            "not_identified",
            "undecided",
            "indicators_only",
        ] {
            wanted.push(key("identification-explain", o));
        }
        for g in ["strong", "medium", "weak", "medium-or-weak"] {
            wanted.push(format!("identification-clause-{g}"));
        }
        let i18n = I18n::load().unwrap();
        for (code, _, _) in LOCALES {
            let keys = i18n.keys(code);
            let missing: Vec<&String> = wanted.iter().filter(|k| !keys.contains(k)).collect();
            assert!(missing.is_empty(), "locale {code} misses {missing:?}");
        }
    }
}
