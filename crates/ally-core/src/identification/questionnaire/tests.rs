#![allow(clippy::unwrap_used)]

use super::data::{builtin_translations, unused_translation_keys};
use super::flow::evaluate;
use super::*;
use crate::screening::{Answer, Screening};

/// Every default questionnaire, the consent text and the guidance must be complete in
/// all the languages issue 3 requires. (Machine translations: see the reviewed flags.)
const FINISHED_LANGUAGES: &[&str] = REQUIRED_LANGUAGES;

fn screening() -> Screening {
    Screening::builtin().unwrap()
}

fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.to_string())
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(q, a)| (q.to_string(), choice(a)))
        .collect()
}

#[test]
fn every_default_questionnaire_loads_and_validates() {
    let s = screening();
    let all = Questionnaire::builtin_all(&s).unwrap();
    let ids: Vec<&str> = all.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, BUILTIN_IDS);
    let count = |id: &str| all.iter().find(|q| q.id == id).unwrap().questions().len();
    assert_eq!(count("first_contact"), 12);
    assert_eq!(count("adult_labour"), 34);
    assert_eq!(count("adult_sexual"), 18);
    assert_eq!(count("child"), 21);
    for q in &all {
        assert_eq!(q.default_language, "en");
        assert!(q.title.is_reviewed("en"), "{}", q.id);
        q.validate(&s).unwrap();
    }
    assert!(matches!(
        Questionnaire::builtin("nope", &s),
        Err(QuestionnaireError::UnknownQuestionnaire(_))
    ));
}

#[test]
fn default_questionnaires_map_to_their_own_indicator_sets() {
    let s = screening();
    let allowed: &[(&str, &[&str])] = &[
        ("first_contact", &["adult_labour.", "ilo11."]),
        ("adult_labour", &["adult_labour.", "ilo11."]),
        ("adult_sexual", &["adult_sexual.", "ilo11."]),
        ("child", &["child_labour.", "child_sexual."]),
    ];
    for (id, prefixes) in allowed {
        let q = Questionnaire::builtin(id, &s).unwrap();
        let mut mapped = 0;
        for question in q.questions() {
            for m in &question.indicators {
                mapped += 1;
                assert!(
                    prefixes.iter().any(|p| m.indicator_id.starts_with(p)),
                    "{id}/{}: {}",
                    question.id,
                    m.indicator_id
                );
            }
        }
        assert!(mapped >= 10, "{id} maps only {mapped} indicators");
    }
}

#[test]
fn translations_are_complete_in_the_finished_languages() {
    let s = screening();
    let mut report = Vec::new();
    let mut missing = Vec::new();
    for q in Questionnaire::builtin_all(&s).unwrap() {
        let complete: Vec<&str> = q.languages.iter().map(String::as_str).collect();
        report.push(format!("{}: {}", q.id, complete.join(" ")));
        assert_eq!(complete, REQUIRED_LANGUAGES, "{}", q.id);
        for (key, text) in q.texts() {
            for lang in FINISHED_LANGUAGES {
                if text.get(lang).is_none_or(|t| t.trim().is_empty()) {
                    missing.push(format!("{}/{key}/{lang}", q.id));
                }
            }
        }
    }
    let texts = InterviewTexts::builtin().unwrap();
    assert_eq!(texts.consent.len(), 5);
    assert_eq!(texts.guidance.len(), 4);
    for (key, text) in texts.texts() {
        for lang in FINISHED_LANGUAGES {
            if text.get(lang).is_none_or(|t| t.trim().is_empty()) {
                missing.push(format!("{key}/{lang}"));
            }
        }
    }
    println!(
        "complete languages per questionnaire:\n{}",
        report.join("\n")
    );
    assert!(missing.is_empty(), "missing translations: {missing:#?}");
    for lang in FINISHED_LANGUAGES {
        assert!(REQUIRED_LANGUAGES.contains(lang));
    }
}

#[test]
fn translation_files_use_only_known_keys_and_are_unreviewed_machine_translations() {
    let s = screening();
    for file in builtin_translations().unwrap() {
        assert!(REQUIRED_LANGUAGES.contains(&file.lang.as_str()));
        assert_eq!(
            unused_translation_keys(&file, &s).unwrap(),
            Vec::<String>::new()
        );
        assert!(
            file.strings.values().all(|(_, reviewed)| !reviewed),
            "{}",
            file.lang
        );
    }
}

#[test]
fn english_is_reviewed_and_other_languages_are_not() {
    let s = screening();
    let q = Questionnaire::builtin("first_contact", &s).unwrap();
    assert!(q.unreviewed("en").is_empty());
    for lang in q.languages.iter().filter(|l| *l != "en") {
        assert_eq!(q.unreviewed(lang).len(), q.texts().len(), "{lang}");
    }
}

#[test]
fn review_workflow_marks_and_corrects_one_string() {
    let s = screening();
    let mut q = Questionnaire::builtin("first_contact", &s).unwrap();
    q.question_mut_for_test("fc_can_leave")
        .label
        .set("fr", "Pouvez-vous partir ?", false);
    assert!(
        q.unreviewed("fr")
            .contains(&"fc_can_leave.label".to_string())
    );
    assert!(q.review_translation("fc_can_leave.label", "fr", None));
    assert!(q.question("fc_can_leave").unwrap().label.is_reviewed("fr"));
    assert!(q.review_translation(
        "fc_can_leave.label",
        "fr",
        Some("Pouvez-vous quitter votre lieu de travail quand vous le voulez ?")
    ));
    assert_eq!(
        q.question("fc_can_leave").unwrap().label.get("fr"),
        Some("Pouvez-vous quitter votre lieu de travail quand vous le voulez ?")
    );
    // No such string, or no text to approve.
    assert!(!q.review_translation("fc_nope.label", "fr", None));
    assert!(!q.review_translation("fc_debt.hint", "xx", None));
    let status = q.language_status(&["en", "xx"]);
    assert_eq!(status[0].missing, 0);
    assert_eq!(status[1].missing, q.texts().len());
}

impl Questionnaire {
    fn question_mut_for_test(&mut self, id: &str) -> &mut Question {
        fn go<'a>(items: &'a mut [Item], id: &str) -> Option<&'a mut Question> {
            for item in items {
                match item {
                    Item::Question(q) if q.id == id => return Some(q),
                    Item::Group(g) => {
                        if let Some(q) = go(&mut g.items, id) {
                            return Some(q);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        go(&mut self.items, id).unwrap()
    }
}

// ---------------------------------------------------------------------------- conditions

#[test]
fn conditions_parse_and_print_back_to_the_same_tree() {
    let cases = [
        ("${a} = 'yes'", "${a} = 'yes'"),
        ("${a}='yes'", "${a} = 'yes'"),
        ("${age} < 18", "${age} < 18"),
        ("${age}>=-1", "${age} >= -1"),
        ("selected( ${r} , \"agency\" )", "selected(${r}, 'agency')"),
        (
            "${a} = 'yes' and ${b} != 'no' or not(${c} = 'x')",
            "${a} = 'yes' and ${b} != 'no' or not(${c} = 'x')",
        ),
        (
            "(${a} = 'y' or ${b} = 'y') and ${c} = 'y'",
            "(${a} = 'y' or ${b} = 'y') and ${c} = 'y'",
        ),
        (
            "${a} = 'y' and (${b} = 'y' and ${c} = 'y')",
            "${a} = 'y' and (${b} = 'y' and ${c} = 'y')",
        ),
        ("${a} = \"it's\"", "${a} = \"it's\""),
    ];
    for (input, canonical) in cases {
        let c = Condition::parse(input).unwrap();
        assert_eq!(c.to_string(), canonical, "{input}");
        assert_eq!(Condition::parse(canonical).unwrap(), c, "{input}");
    }
    let c = Condition::parse("${a} = 'y' and ${b} = 'y' or ${c} = 'y'").unwrap();
    let Condition::Or(terms) = &c else {
        panic!("or binds looser than and: {c:?}")
    };
    assert!(matches!(terms[0], Condition::And(_)));
    assert_eq!(c.references(), vec!["a", "b", "c"]);
}

#[test]
fn unsupported_or_malformed_conditions_are_errors_naming_the_expression() {
    let cases = [
        ("", "empty"),
        ("${a} = ", "found the end"),
        ("${a} 'yes'", "expected a comparison"),
        ("count-selected(${a}) > 1", "unsupported function"),
        ("${a} = 'yes' and", "ends too early"),
        ("${a} = 'yes')", "unexpected `)`"),
        ("${a} < 'x'", "compares numbers only"),
        ("${a = 'x'", "unclosed"),
        ("${a} = 'x", "unclosed string"),
        ("${a} = 'x' && ${b} = 'y'", "unsupported character `&`"),
        (". = 'yes'", "unsupported character `.`"),
        ("selected(${a})", "expected `,`"),
        ("${1a} = 'x'", "not a valid question name"),
    ];
    for (expr, needle) in cases {
        let e = Condition::parse(expr).unwrap_err();
        assert_eq!(e.expression, expr);
        assert!(e.message.contains(needle), "{expr}: {}", e.message);
        assert!(e.to_string().contains(expr));
    }
}

#[test]
fn conditions_follow_xlsform_semantics_for_unanswered_questions() {
    let none = Answers::new();
    let eq = Condition::parse("${a} = 'yes'").unwrap();
    let ne = Condition::parse("${a} != 'yes'").unwrap();
    let lt = Condition::parse("${age} < 18").unwrap();
    let sel = Condition::parse("selected(${r}, 'agency')").unwrap();
    assert!(!evaluate(&eq, &none));
    assert!(evaluate(&ne, &none));
    assert!(!evaluate(&lt, &none));
    assert!(!evaluate(&sel, &none));
    let mut a = answers(&[("a", "yes")]);
    a.insert("age".into(), AnswerValue::Integer(15));
    a.insert(
        "r".into(),
        AnswerValue::Choices(vec!["known_person".into(), "agency".into()]),
    );
    assert!(evaluate(&eq, &a));
    assert!(!evaluate(&ne, &a));
    assert!(evaluate(&lt, &a));
    assert!(evaluate(&sel, &a));
    a.insert("age".into(), AnswerValue::Integer(18));
    assert!(!evaluate(&lt, &a));
    a.insert("age".into(), AnswerValue::Declined);
    assert!(!evaluate(&lt, &a));
}

// ---------------------------------------------------------------------------- flow

#[test]
fn next_question_follows_skip_logic_in_first_contact() {
    let s = screening();
    let q = Questionnaire::builtin("first_contact", &s).unwrap();
    let mut a = Answers::new();
    assert_eq!(next_question(&q, &a), Some("fc_migrated"));
    a.insert("fc_migrated".into(), choice("no"));
    assert_eq!(next_question(&q, &a), Some("fc_job_as_promised"));
    a.insert("fc_job_as_promised".into(), choice("yes"));
    // Did not migrate: the question about papers is skipped.
    assert!(!is_relevant(&q, "fc_papers_truth", &a));
    assert_eq!(next_question(&q, &a), Some("fc_paid_regularly"));
    a.insert("fc_migrated".into(), choice("yes"));
    assert!(is_relevant(&q, "fc_papers_truth", &a));
    assert_eq!(next_question(&q, &a), Some("fc_papers_truth"));
    for id in [
        "fc_papers_truth",
        "fc_paid_regularly",
        "fc_documents",
        "fc_can_leave",
    ] {
        a.insert(id.into(), choice("yes"));
    }
    a.insert("fc_debt".into(), choice("declined"));
    // Declined counts as answered, and the follow-up is not asked.
    assert_eq!(next_question(&q, &a), Some("fc_threats"));
    for id in ["fc_threats", "fc_harmed", "fc_hours", "fc_safe_now"] {
        a.insert(id.into(), choice("no"));
    }
    assert_eq!(next_question(&q, &a), None);
    assert!(!is_relevant(&q, "no_such_question", &a));
}

#[test]
fn group_relevance_applies_to_the_questions_inside() {
    let s = screening();
    let q = Questionnaire::builtin("adult_labour", &s).unwrap();
    let a = answers(&[("al_migrated", "no")]);
    assert!(!is_relevant(&q, "al_journey", &a));
    assert!(!is_relevant(&q, "al_travel_truth", &a));
    assert!(is_relevant(&q, "al_hours", &a));
    let a = answers(&[("al_migrated", "yes")]);
    assert!(is_relevant(&q, "al_travel_truth", &a));
    // Child: the work group only for children who work.
    let c = Questionnaire::builtin("child", &s).unwrap();
    let a = answers(&[("ch_works", "no")]);
    assert!(!is_relevant(&c, "ch_dangerous", &a));
    assert!(is_relevant(&c, "ch_can_leave", &a));
    let a = answers(&[("ch_lives_with_family", "no")]);
    assert!(is_relevant(&c, "ch_school_promise", &a));
    assert!(is_relevant(&c, "ch_contact_family", &a));
    let a = answers(&[("ch_lives_with_family", "yes"), ("ch_migrated", "no")]);
    assert!(!is_relevant(&c, "ch_school_promise", &a));
    assert!(!is_relevant(&c, "ch_contact_family", &a));
}

#[test]
fn answers_map_to_indicators_and_unanswered_or_declined_is_never_no() {
    let s = screening();
    let q = Questionnaire::builtin("first_contact", &s).unwrap();
    let a = answers(&[
        ("fc_migrated", "no"),
        ("fc_can_leave", "no"),
        ("fc_documents", "yes"),
        ("fc_paid_regularly", "declined"),
        ("fc_hours", "unsure"),
        ("fc_harmed", "no"),
    ]);
    let i = indicator_answers(&q, &a, &s).unwrap();
    let get = |id: &str| s.answer(&i, id).unwrap();
    // "Can you leave?" no -> restriction present.
    assert_eq!(
        get("adult_labour.coercion_at_destination.isolation_confinement_surveillance"),
        Answer::Yes
    );
    assert_eq!(get("ilo11.restriction_of_movement"), Answer::Yes);
    // "Can you get your documents?" yes -> not retained.
    assert_eq!(get("ilo11.retention_of_identity_documents"), Answer::No);
    assert_eq!(
        get("adult_labour.coercion_at_destination.confiscation_of_documents"),
        Answer::No
    );
    assert_eq!(get("ilo11.physical_and_sexual_violence"), Answer::No);
    // Declined, unsure, unanswered: unknown.
    assert_eq!(get("ilo11.withholding_of_wages"), Answer::Unknown);
    assert_eq!(get("ilo11.excessive_overtime"), Answer::Unknown);
    assert_eq!(get("ilo11.intimidation_and_threats"), Answer::Unknown);
    // Not relevant (did not migrate): unknown, not no.
    assert_eq!(
        get("adult_labour.deceptive_recruitment.deceived_about_legal_status"),
        Answer::Unknown
    );
    // Not covered by this questionnaire at all.
    assert_eq!(
        get("adult_labour.exploitative_conditions.hazardous_work"),
        Answer::Unknown
    );
}

#[test]
fn several_questions_on_one_indicator_combine_yes_first_then_unknown() {
    let s = screening();
    let q = Questionnaire::builtin("adult_labour", &s).unwrap();
    let id = "adult_labour.coercion_at_destination.isolation_confinement_surveillance";
    let run = |pairs: &[(&str, &str)]| {
        let i = indicator_answers(&q, &answers(pairs), &s).unwrap();
        s.answer(&i, id).unwrap()
    };
    // al_can_leave and al_contact both map to it ("no" means present).
    assert_eq!(run(&[("al_can_leave", "yes")]), Answer::Unknown);
    assert_eq!(
        run(&[("al_can_leave", "yes"), ("al_contact", "yes")]),
        Answer::No
    );
    assert_eq!(
        run(&[("al_can_leave", "yes"), ("al_contact", "no")]),
        Answer::Yes
    );
    assert_eq!(
        run(&[("al_can_leave", "no"), ("al_contact", "declined")]),
        Answer::Yes
    );
    assert_eq!(
        run(&[("al_can_leave", "yes"), ("al_contact", "declined")]),
        Answer::Unknown
    );
}

#[test]
fn answers_to_questions_no_longer_relevant_are_ignored() {
    let s = screening();
    let q = Questionnaire::builtin("adult_labour", &s).unwrap();
    // Answered the follow-up, then changed the earlier answer.
    let a = answers(&[("al_debt", "no"), ("al_debt_stops_leaving", "yes")]);
    let i = indicator_answers(&q, &a, &s).unwrap();
    assert_eq!(s.answer(&i, "ilo11.debt_bondage"), Some(Answer::Unknown));
    let a = answers(&[("al_debt", "yes"), ("al_debt_stops_leaving", "yes")]);
    let i = indicator_answers(&q, &a, &s).unwrap();
    assert_eq!(s.answer(&i, "ilo11.debt_bondage"), Some(Answer::Yes));
    // Stale answers do not hide a question either.
    let a = answers(&[("al_migrated", "no"), ("al_travel_truth", "yes")]);
    assert!(!is_relevant(&q, "al_travel_truth", &a));
}

// ---------------------------------------------------------------------------- validation

fn yes_no() -> ChoiceList {
    ChoiceList {
        name: "yes_no".into(),
        choices: ["yes", "no", "unsure", "declined"]
            .iter()
            .map(|c| Choice {
                name: c.to_string(),
                label: Text::new("en", c, true),
            })
            .collect(),
    }
}

fn question(id: &str, relevant: Option<&str>, mapping: &str) -> Item {
    Item::Question(Question {
        id: id.into(),
        kind: QuestionKind::SelectOne("yes_no".into()),
        label: Text::new("en", "Label?", true),
        hint: Text::default(),
        required: false,
        relevant: relevant.map(|r| Condition::parse(r).unwrap()),
        indicators: IndicatorMapping::parse_list(mapping).unwrap(),
    })
}

fn small(items: Vec<Item>) -> Questionnaire {
    Questionnaire {
        id: "org_extra".into(),
        version: "1".into(),
        title: Text::new("en", "Extra questions", true),
        default_language: "en".into(),
        languages: vec!["en".into()],
        items,
        choice_lists: vec![yes_no()],
    }
}

#[test]
fn an_organisation_questionnaire_with_known_ids_validates() {
    let s = screening();
    let q = small(vec![
        question("a", None, "ilo11.isolation=no|yes"),
        question(
            "b",
            Some("${a} = 'no'"),
            "adult_labour.coercion_at_destination.forced_to_lie=yes|no",
        ),
    ]);
    q.validate(&s).unwrap();
}

#[test]
fn validation_errors_name_what_is_wrong() {
    let s = screening();
    let err = |q: Questionnaire| q.validate(&s).unwrap_err();
    assert_eq!(
        err(small(vec![
            question("a", None, ""),
            question("a", None, "")
        ])),
        QuestionnaireError::DuplicateId("a".into())
    );
    assert_eq!(
        err(small(vec![question(
            "a",
            None,
            "adult_labour.made_up=yes|no"
        )])),
        QuestionnaireError::UnknownIndicator {
            question: "a".into(),
            indicator: "adult_labour.made_up".into()
        }
    );
    assert_eq!(
        err(small(vec![
            question("a", Some("${b} = 'yes'"), ""),
            question("b", None, "")
        ])),
        QuestionnaireError::RelevantLaterQuestion {
            item: "a".into(),
            question: "b".into()
        }
    );
    assert_eq!(
        err(small(vec![question("a", Some("${a} = 'yes'"), "")])),
        QuestionnaireError::RelevantLaterQuestion {
            item: "a".into(),
            question: "a".into()
        }
    );
    assert_eq!(
        err(small(vec![question("a", Some("${zz} = 'yes'"), "")])),
        QuestionnaireError::RelevantUnknownQuestion {
            item: "a".into(),
            question: "zz".into()
        }
    );
    assert_eq!(
        err(small(vec![question("a", None, "ilo11.isolation=maybe|no")])),
        QuestionnaireError::UnknownChoice {
            question: "a".into(),
            indicator: "ilo11.isolation".into(),
            choice: "maybe".into()
        }
    );
    let mut q = small(vec![question("a", None, "")]);
    q.choice_lists.clear();
    assert_eq!(
        err(q),
        QuestionnaireError::UnknownChoiceList {
            question: "a".into(),
            list: "yes_no".into()
        }
    );
    let mut q = small(vec![question("a", None, "")]);
    q.languages.push("fr".into());
    assert_eq!(
        err(q),
        QuestionnaireError::MissingTranslation {
            key: "title".into(),
            lang: "fr".into()
        }
    );
    let mut q = small(vec![question("a", None, "")]);
    let dup = q.choice_lists[0].choices[0].clone();
    q.choice_lists[0].choices.push(dup);
    assert_eq!(
        err(q),
        QuestionnaireError::DuplicateChoice {
            list: "yes_no".into(),
            choice: "yes".into()
        }
    );
}

#[test]
fn indicator_mappings_parse_and_print() {
    let m = IndicatorMapping::parse("ilo11.isolation=no,unsure|yes").unwrap();
    assert_eq!(m.indicator_id, "ilo11.isolation");
    assert_eq!(m.yes, vec!["no", "unsure"]);
    assert_eq!(m.no, vec!["yes"]);
    assert_eq!(m.to_string(), "ilo11.isolation=no,unsure|yes");
    let m = IndicatorMapping::parse("ilo11.isolation=yes").unwrap();
    assert!(m.no.is_empty());
    assert_eq!(m.to_string(), "ilo11.isolation=yes");
    for bad in [
        "ilo11.isolation",
        "=yes",
        "ilo11.isolation=|yes",
        "ilo11.isolation=yes|yes",
        "a b=yes",
        "x=y!",
    ] {
        assert!(IndicatorMapping::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn flat_rows_build_groups_and_report_the_failing_row() {
    let row = |kind: &str, name: &str| FlatItem {
        kind: kind.into(),
        name: name.into(),
        label: Text::new("en", "x", true),
        ..FlatItem::default()
    };
    let items = items_from_flat(vec![
        row("begin_group", "g"),
        row("select_one yes_no", "a"),
        row("end_group", ""),
        row("note", "n"),
    ])
    .unwrap();
    assert_eq!(items.len(), 2);
    let Item::Group(g) = &items[0] else { panic!() };
    assert_eq!(g.items.len(), 1);
    assert_eq!(items_to_flat(&items).len(), 4);

    let e = items_from_flat(vec![row("note", "n"), row("geopoint", "where")]).unwrap_err();
    assert_eq!((e.index, e.field), (1, FlatField::Type));
    assert_eq!(
        e.error,
        QuestionnaireError::UnknownType {
            item: "where".into(),
            kind: "geopoint".into()
        }
    );
    let e = items_from_flat(vec![row("begin_group", "g")]).unwrap_err();
    assert_eq!((e.index, e.field), (0, FlatField::Type));
    let e = items_from_flat(vec![row("end_group", "")]).unwrap_err();
    assert_eq!(e.index, 0);
    let mut r = row("text", "t");
    r.indicators = Some("ilo11.isolation=yes".into());
    let e = items_from_flat(vec![r]).unwrap_err();
    assert_eq!(e.field, FlatField::Indicators);
    let mut r = row("text", "t");
    r.relevant = Some("${x} ==".into());
    let e = items_from_flat(vec![row("note", "n"), r]).unwrap_err();
    assert_eq!((e.index, e.field), (1, FlatField::Relevant));
    let e = items_from_flat(vec![row("text", "2bad")]).unwrap_err();
    assert_eq!(e.field, FlatField::Name);
}

/// The per-item definition of relevance (what `is_relevant` computed for one item before
/// `relevance` did every item in two passes): effective answers in one pass, then the item's
/// own and enclosing conditions against them.
fn naive_relevant(q: &Questionnaire, item_id: &str, given: &Answers) -> bool {
    let mut effective = Answers::new();
    for (item, groups) in walk(&q.items) {
        if let Item::Question(x) = item {
            let relevant = groups
                .iter()
                .filter_map(|g| g.relevant.as_ref())
                .chain(x.relevant.as_ref())
                .all(|c| evaluate(c, &effective));
            if relevant && let Some(a) = given.get(&x.id) {
                effective.insert(x.id.clone(), a.clone());
            }
        }
    }
    walk(&q.items)
        .into_iter()
        .find(|(i, _)| i.id() == item_id)
        .is_some_and(|(item, groups)| {
            groups
                .iter()
                .filter_map(|g| g.relevant.as_ref())
                .chain(item.relevant())
                .all(|c| evaluate(c, &effective))
        })
}

#[test]
fn relevance_of_every_item_at_once_agrees_with_the_per_item_definition() {
    let s = screening();
    for q in Questionnaire::builtin_all(&s).unwrap() {
        // Walk the flow three times: every select answered with its first, its last and
        // alternately first/last choice; check every item at every step.
        for variant in 0..3 {
            let mut given = Answers::new();
            let mut step = 0;
            loop {
                let rel = relevance(&q, &given);
                for (item, _) in walk(&q.items) {
                    assert_eq!(
                        rel.is_relevant(item.id()),
                        naive_relevant(&q, item.id(), &given),
                        "{} item {} after {:?}",
                        q.id,
                        item.id(),
                        given.keys().collect::<Vec<_>>()
                    );
                }
                let Some(next) = rel.next_question() else {
                    break;
                };
                let question = q.question(next).unwrap();
                let value = match &question.kind {
                    QuestionKind::SelectOne(l) | QuestionKind::SelectMultiple(l) => {
                        let choices = &q.choice_list(l).unwrap().choices;
                        let first = variant == 0 || (variant == 2 && step % 2 == 0);
                        let c = if first {
                            choices.first()
                        } else {
                            choices.last()
                        };
                        choice(&c.unwrap().name)
                    }
                    QuestionKind::Integer => {
                        AnswerValue::Integer(if variant == 1 { 15 } else { 30 })
                    }
                    QuestionKind::Date => AnswerValue::Date("2026-01-31".into()),
                    QuestionKind::Text => AnswerValue::Text("x".into()),
                };
                answer::record_answer(&q, &mut given, next, value);
                step += 1;
                assert!(step < 200, "{}: the flow does not end", q.id);
            }
        }
    }
}
