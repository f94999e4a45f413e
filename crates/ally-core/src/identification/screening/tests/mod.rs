//! Tests of the screening module. Expectations are worked out by hand from
//! `docs/indicators.md` (shared research note) and the catalogue grades.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;

fn screening() -> &'static Screening {
    static S: OnceLock<Screening> = OnceLock::new();
    S.get_or_init(|| Screening::builtin().expect("embedded catalogues are valid"))
}

/// Interview where every indicator of `set` is answered `rest`, then `yes` ids are yes.
fn interview(set: &str, rest: Answer, yes: &[&str]) -> Interview {
    let s = screening();
    let mut iv = s.new_interview();
    for ind in &s.catalogue.set(set).unwrap().indicators {
        s.set_answer(&mut iv, &ind.id, rest).unwrap();
    }
    for id in yes {
        s.set_answer(&mut iv, &format!("{set}.{id}"), Answer::Yes)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    iv
}

fn eval<'a>(set: &str, iv: &Interview) -> Evaluation<'a> {
    screening()
        .evaluate_set(set, iv, EvaluationOptions::default())
        .unwrap()
}

fn eval_strict<'a>(set: &str, iv: &Interview) -> Evaluation<'a> {
    screening()
        .evaluate_set(
            set,
            iv,
            EvaluationOptions {
                child_rule: ChildRule::Strict,
            },
        )
        .unwrap()
}

fn present(e: &Evaluation, dim: &str) -> Option<bool> {
    e.dimensions[dim].present
}

// Hand-picked indicator combinations (grades from the catalogue, adult_labour):
// deceptive_recruitment: nature_of_job S + wages M -> clause "1 strong + 1 medium or weak".
const AL_RECRUITMENT: [&str; 2] = [
    "deceptive_recruitment.deceived_about_nature_of_job",
    "deceptive_recruitment.deceived_about_wages",
];
// exploitative_conditions: excessive hours S + low salary M.
const AL_EXPLOITATION: [&str; 2] = [
    "exploitative_conditions.excessive_working_days_or_hours",
    "exploitative_conditions.low_or_no_salary",
];
// coercion_at_destination: two strong (documents, debt bondage).
const AL_DESTINATION: [&str; 2] = [
    "coercion_at_destination.confiscation_of_documents",
    "coercion_at_destination.debt_bondage",
];

// ---------------------------------------------------------------------------
// Catalogue contents
// ---------------------------------------------------------------------------

#[test]
fn builtin_catalogue_has_four_sets_six_dimensions_and_documented_sizes() {
    let c = &screening().catalogue;
    let sizes: Vec<(&str, usize, bool)> = c
        .sets
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.indicators.len(),
                s.usable_for_classification,
            )
        })
        .collect();
    // BTreeMap order of the [sets] table.
    assert_eq!(
        sizes,
        vec![
            ("adult_labour", 67, true),
            ("adult_sexual", 67, false),
            ("child_labour", 65, true),
            ("child_sexual", 65, false),
        ]
    );
    assert_eq!(c.dimensions.len(), 6);
    assert_eq!(c.facts, vec!["act_of_trafficking_established".to_string()]);
    assert!(!c.verified_against_primary);
}

#[test]
fn adult_labour_dimension_sizes_match_seafish_counts() {
    // 10/10/16/9/15/7 per docs/indicators.md §1 (confirmed source).
    let c = &screening().catalogue;
    let set = c.set("adult_labour").unwrap();
    let count = |d: &str| set.indicators.iter().filter(|i| i.dimension == d).count();
    assert_eq!(count("deceptive_recruitment"), 10);
    assert_eq!(count("coercive_recruitment"), 10);
    assert_eq!(count("recruitment_abuse_of_vulnerability"), 16);
    assert_eq!(count("exploitative_conditions"), 9);
    assert_eq!(count("coercion_at_destination"), 15);
    assert_eq!(count("abuse_of_vulnerability_at_destination"), 7);
}

#[test]
fn adult_labour_strong_indicators_are_exactly_those_listed_in_the_research_note() {
    let set = screening().catalogue.set("adult_labour").unwrap();
    let mut strong: Vec<&str> = set
        .indicators
        .iter()
        .filter(|i| i.grade == Grade::Strong)
        .map(|i| i.id.as_str())
        .collect();
    strong.sort();
    assert_eq!(
        strong,
        vec![
            "adult_labour.coercion_at_destination.confiscation_of_documents",
            "adult_labour.coercion_at_destination.debt_bondage",
            "adult_labour.coercion_at_destination.isolation_confinement_surveillance",
            "adult_labour.coercion_at_destination.violence_on_victim",
            "adult_labour.coercive_recruitment.violence_on_victim",
            "adult_labour.deceptive_recruitment.deceived_about_nature_of_job",
            "adult_labour.exploitative_conditions.excessive_working_days_or_hours",
        ]
    );
}

#[test]
fn child_labour_has_no_weak_grade_and_child_specific_strong_indicators() {
    let set = screening().catalogue.set("child_labour").unwrap();
    assert!(set.indicators.iter().all(|i| i.grade != Grade::Weak));
    for id in [
        "coercive_recruitment.threats_of_violence",
        "coercive_recruitment.abduction_forced_marriage_adoption_or_sale",
        "coercive_recruitment.debt_bondage",
        "coercion_at_destination.forced_into_illicit_activities",
        "coercion_at_destination.forced_tasks_or_clients",
        "coercion_at_destination.under_strong_influence",
        "deceptive_recruitment.deceived_about_education",
    ] {
        let ind = set.indicator(&format!("child_labour.{id}")).unwrap();
        assert_eq!(ind.grade, Grade::Strong, "{id}");
    }
    // Absent for children per the secondary source.
    assert!(
        set.indicator("child_labour.exploitative_conditions.no_social_protection")
            .is_none()
    );
}

#[test]
fn disputed_grades_are_marked_and_carry_a_note() {
    let c = &screening().catalogue;
    let disputed: Vec<&str> = c
        .sets
        .iter()
        .flat_map(|s| &s.indicators)
        .filter(|i| i.provenance == Provenance::SecondaryCrosswalkDisputed)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        disputed,
        vec![
            "adult_labour.recruitment_abuse_of_vulnerability.difficulties_in_the_past",
            "adult_labour.recruitment_abuse_of_vulnerability.difficulty_organising_travel",
        ]
    );
    for id in disputed {
        assert!(c.indicator(id).unwrap().note.is_some());
    }
}

#[test]
fn forced_labour_catalogue_has_the_eleven_indicators_in_booklet_order() {
    let f = &screening().forced_labour;
    let ids: Vec<&str> = f.indicators.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "ilo11.abuse_of_vulnerability",
            "ilo11.deception",
            "ilo11.restriction_of_movement",
            "ilo11.isolation",
            "ilo11.physical_and_sexual_violence",
            "ilo11.intimidation_and_threats",
            "ilo11.retention_of_identity_documents",
            "ilo11.withholding_of_wages",
            "ilo11.debt_bondage",
            "ilo11.abusive_working_and_living_conditions",
            "ilo11.excessive_overtime",
        ]
    );
    let numbers: Vec<u32> = f.indicators.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=11).collect::<Vec<_>>());
}

#[test]
fn every_published_indicator_id_still_exists() {
    let s = screening();
    let listed: Vec<&str> = include_str!("../../../../../../data/indicators/stable-ids.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(listed.len(), 264 + 11);
    for id in &listed {
        assert!(
            s.answer(&s.new_interview(), id).is_some(),
            "id disappeared: {id}"
        );
    }
}

// ---------------------------------------------------------------------------
// Catalogue validation: each broken file gives an error naming the entry.
// ---------------------------------------------------------------------------

const FIRST_ID: &str = "adult_labour.deceptive_recruitment.deceived_about_nature_of_job";

fn broken(from: &str, to: &str) -> CatalogueError {
    assert!(
        DELPHI_2009_TOML.contains(from),
        "fixture text not found: {from}"
    );
    let text = DELPHI_2009_TOML.replacen(from, to, 1);
    Catalogue::from_toml_str(&text).expect_err("broken catalogue must be refused")
}

#[test]
fn unknown_dimension_is_refused_naming_the_indicator() {
    let err = broken(
        "set = \"adult_labour\"\ndimension = \"deceptive_recruitment\"",
        "set = \"adult_labour\"\ndimension = \"deceptive_recruitmnt\"",
    );
    let msg = err.to_string();
    assert!(msg.contains(FIRST_ID), "{msg}");
    assert!(
        msg.contains("unknown dimension \"deceptive_recruitmnt\""),
        "{msg}"
    );
}

#[test]
fn duplicate_id_is_refused_naming_it() {
    let second = "adult_labour.deceptive_recruitment.deceived_about_conditions_of_work";
    let err = broken(
        &format!("id = \"{second}\""),
        &format!("id = \"{FIRST_ID}\""),
    );
    assert_eq!(err, CatalogueError::DuplicateId(FIRST_ID.to_string()));
    assert!(err.to_string().contains(FIRST_ID));
}

#[test]
fn missing_grade_is_refused_naming_the_indicator() {
    let err = broken(
        "dimension = \"deceptive_recruitment\"\ngrade = \"strong\"\n",
        "dimension = \"deceptive_recruitment\"\n",
    );
    assert_eq!(
        err,
        CatalogueError::MissingField {
            entry: format!("indicator {FIRST_ID}"),
            field: "grade"
        }
    );
}

#[test]
fn unknown_grade_is_refused() {
    let err = broken(
        "dimension = \"deceptive_recruitment\"\ngrade = \"strong\"\n",
        "dimension = \"deceptive_recruitment\"\ngrade = \"very_strong\"\n",
    );
    assert!(err.to_string().contains("unknown grade \"very_strong\""));
    assert!(err.to_string().contains(FIRST_ID));
}

#[test]
fn unknown_set_and_bad_id_shape_are_refused() {
    let err = broken(
        "set = \"adult_labour\"\ndimension = \"deceptive_recruitment\"",
        "set = \"adult_labor\"\ndimension = \"deceptive_recruitment\"",
    );
    assert!(err.to_string().contains("unknown set \"adult_labor\""));
    let err = broken(
        &format!("id = \"{FIRST_ID}\""),
        "id = \"adult_labour.coercive_recruitment.deceived_about_nature_of_job\"",
    );
    assert!(err.to_string().contains("id must be"), "{err}");
}

#[test]
fn indicator_count_mismatch_is_refused_naming_the_set() {
    let err = broken("indicator_count = 67\n", "indicator_count = 68\n");
    assert!(err.to_string().starts_with("sets.adult_labour:"), "{err}");
}

#[test]
fn placeholder_data_cannot_be_marked_usable() {
    let err = broken(
        "usable_for_classification = false  # placeholder data; show indicators only, never a verdict\n\n[sets.child_sexual]",
        "usable_for_classification = true\n\n[sets.child_sexual]",
    );
    assert!(
        err.to_string()
            .contains("placeholder data in set \"adult_sexual\""),
        "{err}"
    );
}

#[test]
fn a_clause_met_by_weak_indicators_alone_is_refused() {
    let err = broken(
        "strong = 0\nmedium = 3\nweak = 0\nmedium_or_weak = 0",
        "strong = 0\nmedium = 0\nweak = 3\nmedium_or_weak = 0",
    );
    assert!(err.to_string().contains("weak indicators alone"), "{err}");
    assert!(err.to_string().contains("any_of[2]"), "{err}");
}

#[test]
fn a_clause_met_by_one_indicator_is_refused() {
    let err = broken(
        "strong = 2\nmedium = 0\nweak = 0\nmedium_or_weak = 0",
        "strong = 1\nmedium = 0\nweak = 0\nmedium_or_weak = 0",
    );
    assert!(err.to_string().contains("single indicator"), "{err}");
}

#[test]
fn huge_clause_numbers_do_not_overflow() {
    let text = DELPHI_2009_TOML.replacen(
        "strong = 2\nmedium = 0\nweak = 0\nmedium_or_weak = 0",
        "strong = 4294967295\nmedium = 4294967295\nweak = 4294967295\nmedium_or_weak = 0",
        1,
    );
    let c = Catalogue::from_toml_str(&text).unwrap();
    assert!(!c.dimension_rule.clauses[0].holds(counts(9, 9, 9)));
}

#[test]
fn rule_part_with_a_dimension_of_another_part_is_refused() {
    let err = broken(
        "part = \"exploitation\"\nany_of = [\"exploitative_conditions\"]",
        "part = \"exploitation\"\nany_of = [\"coercion_at_destination\"]",
    );
    assert!(
        err.to_string()
            .starts_with("rules.presumed_victim.adult.all_of[1]"),
        "{err}"
    );
}

#[test]
fn a_required_fact_named_like_a_part_or_age_is_refused() {
    for name in ["recruitment", "age"] {
        let err = broken(
            "requires_fact = \"act_of_trafficking_established\"",
            &format!("requires_fact = \"{name}\""),
        );
        assert!(
            err.to_string().starts_with("rules.presumed_victim.child:"),
            "{err}"
        );
    }
}

#[test]
fn typo_in_a_field_name_and_bad_toml_are_refused() {
    let err = broken("grade = \"strong\"", "grde = \"strong\"");
    assert!(matches!(err, CatalogueError::Parse(_)), "{err:?}");
    assert!(matches!(
        Catalogue::from_toml_str("this is not = = toml"),
        Err(CatalogueError::Parse(_))
    ));
}

#[test]
fn check_catalogue_tells_the_two_kinds_apart() {
    assert!(matches!(
        check_catalogue_str(DELPHI_2009_TOML),
        Ok(CheckedCatalogue::Delphi(_))
    ));
    assert!(matches!(
        check_catalogue_str(FORCED_LABOUR_11_TOML),
        Ok(CheckedCatalogue::ForcedLabour(_))
    ));
    assert_eq!(
        check_catalogue_str("x = 1").unwrap_err(),
        CatalogueError::UnknownKind
    );
}

#[test]
fn forced_labour_file_errors_name_the_entry() {
    let text = FORCED_LABOUR_11_TOML.replacen(
        "id = \"ilo11.deception\"",
        "id = \"ilo11.abuse_of_vulnerability\"",
        1,
    );
    assert_eq!(
        ForcedLabourCatalogue::from_toml_str(&text).unwrap_err(),
        CatalogueError::DuplicateId("ilo11.abuse_of_vulnerability".to_string())
    );
    let text = FORCED_LABOUR_11_TOML.replacen(
        "legal_element = \"both\"",
        "legal_element = \"neither\"",
        1,
    );
    let err = ForcedLabourCatalogue::from_toml_str(&text).unwrap_err();
    assert!(err.to_string().contains("ilo11.debt_bondage"), "{err}");
    let text = FORCED_LABOUR_11_TOML.replacen(
        "legal_test = [\"involuntariness\", \"menace_of_penalty\"]",
        "legal_test = [\"involuntariness\"]",
        1,
    );
    assert!(ForcedLabourCatalogue::from_toml_str(&text).is_err());
}

// ---------------------------------------------------------------------------
// Step 1: the dimension rule, every clause at and just below its threshold.
// Documented rule: S>=2 || (S>=1 && M+W>=1) || M>=3 || (M>=2 && W>=1).
// ---------------------------------------------------------------------------

fn counts(strong: u32, medium: u32, weak: u32) -> GradeCounts {
    GradeCounts {
        strong,
        medium,
        weak,
    }
}

#[test]
fn dimension_rule_clauses_at_and_below_threshold() {
    let rule = &screening().catalogue.dimension_rule;
    // (S, M, W, expected satisfied clause index or None)
    let cases: [(u32, u32, u32, Option<usize>); 16] = [
        (2, 0, 0, Some(0)), // clause 1 at threshold
        (1, 0, 0, None),    // one strong alone: below
        (1, 1, 0, Some(1)), // clause 2 with a medium
        (1, 0, 1, Some(1)), // clause 2 with a weak
        (0, 1, 0, None),    // clause 2 without the strong
        (0, 3, 0, Some(2)), // clause 3 at threshold
        (0, 2, 0, None),    // clause 3 just below (and clause 4 without weak)
        (0, 2, 1, Some(3)), // clause 4 at threshold
        (0, 1, 1, None),    // clause 4 one medium short
        (0, 1, 5, None),    // many weak do not replace the second medium
        (0, 0, 1, None),
        (0, 0, 2, None),
        (0, 0, 3, None),
        (0, 0, 9, None), // weak alone never
        (0, 0, 0, None),
        (3, 3, 3, Some(0)), // first satisfied clause is reported
    ];
    for (s, m, w, expected) in cases {
        assert_eq!(
            rule.satisfied_clause(counts(s, m, w)),
            expected,
            "S={s} M={m} W={w}"
        );
    }
}

#[test]
fn dimension_rule_matches_documented_formula_exhaustively() {
    let rule = &screening().catalogue.dimension_rule;
    for s in 0..=4 {
        for m in 0..=4 {
            for w in 0..=4 {
                let formula = s >= 2 || (s >= 1 && m + w >= 1) || m >= 3 || (m >= 2 && w >= 1);
                assert_eq!(
                    rule.is_present(counts(s, m, w)),
                    formula,
                    "S={s} M={m} W={w}"
                );
            }
        }
    }
}

#[test]
fn dimension_thresholds_through_the_engine() {
    let d = "deceptive_recruitment";
    // 3 medium: present.
    let e = eval(
        "adult_labour",
        &interview(
            "adult_labour",
            Answer::No,
            &[
                "deceptive_recruitment.deceived_about_wages",
                "deceptive_recruitment.deceived_about_housing",
                "deceptive_recruitment.deceived_about_contract",
            ],
        ),
    );
    assert_eq!(present(&e, d), Some(true));
    assert_eq!(e.dimensions[d].medium, 3);
    assert_eq!(e.dimensions[d].clause, Some("at least 3 medium"));
    // 2 medium: not present.
    let e = eval(
        "adult_labour",
        &interview(
            "adult_labour",
            Answer::No,
            &[
                "deceptive_recruitment.deceived_about_wages",
                "deceptive_recruitment.deceived_about_housing",
            ],
        ),
    );
    assert_eq!(present(&e, d), Some(false));
    // 2 medium + 1 weak (education is weak for adults): present.
    let e = eval(
        "adult_labour",
        &interview(
            "adult_labour",
            Answer::No,
            &[
                "deceptive_recruitment.deceived_about_wages",
                "deceptive_recruitment.deceived_about_housing",
                "deceptive_recruitment.deceived_about_education",
            ],
        ),
    );
    assert_eq!(present(&e, d), Some(true));
    assert_eq!((e.dimensions[d].medium, e.dimensions[d].weak), (2, 1));
    // 1 strong alone: not present.
    let e = eval(
        "adult_labour",
        &interview(
            "adult_labour",
            Answer::No,
            &["deceptive_recruitment.deceived_about_nature_of_job"],
        ),
    );
    assert_eq!(present(&e, d), Some(false));
    assert_eq!(e.dimensions[d].strong, 1);
}

#[test]
fn same_slug_at_recruitment_and_destination_counts_separately() {
    let e = eval(
        "adult_labour",
        &interview(
            "adult_labour",
            Answer::No,
            &[
                "coercive_recruitment.debt_bondage",
                "coercive_recruitment.confiscation_of_documents",
            ],
        ),
    );
    assert_eq!(e.dimensions["coercive_recruitment"].medium, 2);
    assert_eq!(e.dimensions["coercion_at_destination"].strong, 0);
    assert_eq!(present(&e, "coercion_at_destination"), Some(false));
}

// ---------------------------------------------------------------------------
// Step 2: every combination of the adult parts.
// ---------------------------------------------------------------------------

#[test]
fn adult_rule_every_combination_of_parts() {
    for mask in 0u8..8 {
        let (r, x, d) = (mask & 1 != 0, mask & 2 != 0, mask & 4 != 0);
        let mut yes: Vec<&str> = Vec::new();
        if r {
            yes.extend(AL_RECRUITMENT);
        }
        if x {
            yes.extend(AL_EXPLOITATION);
        }
        if d {
            yes.extend(AL_DESTINATION);
        }
        let e = eval("adult_labour", &interview("adult_labour", Answer::No, &yes));
        let expected = if r && x && d {
            Outcome::PresumedVictim
        } else {
            Outcome::NotIdentified
        };
        assert_eq!(
            e.outcome, expected,
            "recruitment={r} exploitation={x} destination={d}"
        );
        let mut failing = Vec::new();
        if !d {
            failing.push("destination");
        }
        if !x {
            failing.push("exploitation");
        }
        if !r {
            failing.push("recruitment");
        }
        assert_eq!(e.failing_parts, failing, "mask {mask}");
        assert!(e.undecided_by.is_empty());
        assert_eq!(e.rule, Some("adult"));
    }
}

mod rules;
