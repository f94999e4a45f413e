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
    let listed: Vec<&str> = include_str!("../../../../../data/indicators/stable-ids.txt")
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

#[test]
fn each_recruitment_and_destination_dimension_can_satisfy_its_part() {
    let recruitment = [
        AL_RECRUITMENT,
        [
            "coercive_recruitment.violence_on_victim",
            "coercive_recruitment.threats_of_violence",
        ],
        [
            "recruitment_abuse_of_vulnerability.economic_reasons",
            "recruitment_abuse_of_vulnerability.personal_situation",
        ],
    ];
    let destination = [
        AL_DESTINATION,
        [
            "abuse_of_vulnerability_at_destination.dependency_on_exploiters",
            "abuse_of_vulnerability_at_destination.economic_reasons",
        ],
    ];
    for (ri, rec) in recruitment.iter().enumerate() {
        for dest in &destination {
            let mut yes: Vec<&str> = rec.to_vec();
            yes.extend(AL_EXPLOITATION);
            yes.extend(dest.iter());
            // Abuse of vulnerability has no strong grade: two medium are not enough.
            let needs_third = ri == 2;
            let e = eval("adult_labour", &interview("adult_labour", Answer::No, &yes));
            let d_abuse = dest[0].starts_with("abuse_of_vulnerability");
            if needs_third || d_abuse {
                assert_eq!(e.outcome, Outcome::NotIdentified, "{yes:?}");
                // A third medium reaches clause 3.
                if needs_third {
                    yes.push("recruitment_abuse_of_vulnerability.family_situation");
                }
                if d_abuse {
                    yes.push("abuse_of_vulnerability_at_destination.family_situation");
                }
            }
            let e = eval("adult_labour", &interview("adult_labour", Answer::No, &yes));
            assert_eq!(e.outcome, Outcome::PresumedVictim, "{yes:?}");
        }
    }
}

#[test]
fn presumed_victim_explains_decisive_indicators_and_clauses() {
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    yes.extend(AL_DESTINATION);
    // An indicator of a part already satisfied elsewhere but in a dimension not present.
    yes.push("coercive_recruitment.threats_of_violence");
    let e = eval(
        "adult_labour",
        &interview("adult_labour", Answer::Unknown, &yes),
    );
    assert_eq!(e.outcome, Outcome::PresumedVictim);
    let decisive: Vec<(&str, Part, &str)> = e
        .decisive_indicators
        .iter()
        .map(|d| (d.id, d.part, d.clause))
        .collect();
    let c2 = "at least 1 strong and at least 1 medium or weak";
    assert_eq!(
        decisive,
        vec![
            (
                "adult_labour.deceptive_recruitment.deceived_about_nature_of_job",
                Part::Recruitment,
                c2
            ),
            (
                "adult_labour.deceptive_recruitment.deceived_about_wages",
                Part::Recruitment,
                c2
            ),
            (
                "adult_labour.exploitative_conditions.excessive_working_days_or_hours",
                Part::Exploitation,
                c2
            ),
            (
                "adult_labour.exploitative_conditions.low_or_no_salary",
                Part::Exploitation,
                c2
            ),
            (
                "adult_labour.coercion_at_destination.confiscation_of_documents",
                Part::Destination,
                "at least 2 strong"
            ),
            (
                "adult_labour.coercion_at_destination.debt_bondage",
                Part::Destination,
                "at least 2 strong"
            ),
        ]
    );
    assert_eq!(e.indicators_present.len(), 7);
    assert!(e.explanation.contains("Presumed victim"));
    assert!(
        e.explanation
            .contains("destination: yes (coercion_at_destination)"),
        "{}",
        e.explanation
    );
    assert!(
        e.provisional,
        "no grade is verified against the brochure yet"
    );
    assert!(e.undecided_by.is_empty());
}

// ---------------------------------------------------------------------------
// Unknown answers.
// ---------------------------------------------------------------------------

#[test]
fn an_unknown_answer_that_flips_the_outcome() {
    let debt = "coercion_at_destination.debt_bondage";
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    yes.push("coercion_at_destination.confiscation_of_documents");
    let s = screening();
    let mut iv = interview("adult_labour", Answer::No, &yes);
    s.set_answer(&mut iv, &format!("adult_labour.{debt}"), Answer::Unknown)
        .unwrap();
    let e = eval("adult_labour", &iv);
    assert_eq!(e.outcome, Outcome::Undecided);
    assert_eq!(
        e.undecided_by,
        vec!["adult_labour.coercion_at_destination.debt_bondage"]
    );
    assert_eq!(e.parts["destination"].holds, Answer::Unknown);
    assert_eq!(
        e.dimensions["coercion_at_destination"].could_be_present,
        Some(true)
    );
    assert!(e.explanation.contains("Undecided"));

    s.set_answer(&mut iv, &format!("adult_labour.{debt}"), Answer::Yes)
        .unwrap();
    assert_eq!(eval("adult_labour", &iv).outcome, Outcome::PresumedVictim);
    s.set_answer(&mut iv, &format!("adult_labour.{debt}"), Answer::No)
        .unwrap();
    let e = eval("adult_labour", &iv);
    assert_eq!(e.outcome, Outcome::NotIdentified);
    assert_eq!(e.failing_parts, vec!["destination"]);
}

#[test]
fn unknown_answers_that_cannot_matter_are_not_listed() {
    // Recruitment and exploitation established; destination open. Unknowns in the
    // (established) recruitment dimensions must not appear in undecided_by.
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    let e = eval(
        "adult_labour",
        &interview("adult_labour", Answer::Unknown, &yes),
    );
    assert_eq!(e.outcome, Outcome::Undecided);
    assert!(!e.undecided_by.is_empty());
    assert!(
        e.undecided_by
            .iter()
            .all(|id| id.contains(".coercion_at_destination.")
                || id.contains(".abuse_of_vulnerability_at_destination.")),
        "{:?}",
        e.undecided_by
    );
    // 15 + 7 destination indicators, all unknown.
    assert_eq!(e.undecided_by.len(), 22);
}

#[test]
fn presumed_victim_holds_with_unknowns_counted_as_no() {
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    yes.extend(AL_DESTINATION);
    let e = eval(
        "adult_labour",
        &interview("adult_labour", Answer::Unknown, &yes),
    );
    assert_eq!(e.outcome, Outcome::PresumedVictim);
}

#[test]
fn not_identified_holds_with_unknowns_counted_as_yes() {
    // Exploitation screened negative: nothing else can make the rule hold.
    let s = screening();
    let mut iv = interview("adult_labour", Answer::Unknown, &[]);
    for ind in &s.catalogue.set("adult_labour").unwrap().indicators {
        if ind.dimension == "exploitative_conditions" {
            s.set_answer(&mut iv, &ind.id, Answer::No).unwrap();
        }
    }
    let e = eval("adult_labour", &iv);
    assert_eq!(e.outcome, Outcome::NotIdentified);
    assert_eq!(e.failing_parts, vec!["exploitation"]);
    assert!(e.undecided_by.is_empty());
}

#[test]
fn a_blank_interview_is_undecided_not_negative() {
    let e = eval("adult_labour", &screening().new_interview());
    assert_eq!(e.outcome, Outcome::Undecided);
    assert!(e.indicators_present.is_empty());
    // Every adult_labour indicator can still matter.
    assert_eq!(e.undecided_by.len(), 67);
}

// ---------------------------------------------------------------------------
// Children.
// ---------------------------------------------------------------------------

const CL_EXPLOITATION: [&str; 2] = [
    "exploitative_conditions.excessive_working_days_or_hours",
    "exploitative_conditions.hazardous_work",
];
const ACT: &str = "act_of_trafficking_established";

fn child_interview(act: Answer, yes: &[&str]) -> Interview {
    let mut iv = interview("child_labour", Answer::No, yes);
    screening().set_fact(&mut iv, ACT, act).unwrap();
    iv
}

#[test]
fn child_rule_needs_the_act_and_exploitation_but_no_means() {
    let cases = [
        (Answer::Yes, true, Outcome::PresumedVictim),
        (Answer::No, true, Outcome::NotIdentified),
        (Answer::Unknown, true, Outcome::Undecided),
        (Answer::Yes, false, Outcome::NotIdentified),
        (Answer::No, false, Outcome::NotIdentified),
        (Answer::Unknown, false, Outcome::NotIdentified),
    ];
    for (act, exploitation, expected) in cases {
        let yes: &[&str] = if exploitation { &CL_EXPLOITATION } else { &[] };
        let e = eval("child_labour", &child_interview(act, yes));
        assert_eq!(
            e.outcome, expected,
            "act={act:?} exploitation={exploitation}"
        );
        assert_eq!(e.rule, Some("child"));
        assert!(!e.parts["recruitment"].required);
        assert!(!e.parts["destination"].required);
        assert_eq!(e.parts[ACT].holds, act);
        if expected == Outcome::Undecided {
            assert_eq!(e.undecided_by, vec![ACT]);
        }
        if act == Answer::No {
            assert!(e.failing_parts.contains(&ACT));
        }
    }
}

#[test]
fn child_strict_rule_needs_recruitment_and_exploitation() {
    // Education deception is strong for children (weak for adults): with wages (medium)
    // the recruitment dimension is present for a child but not for an adult.
    let rec = [
        "deceptive_recruitment.deceived_about_education",
        "deceptive_recruitment.deceived_about_wages",
    ];
    let mut yes: Vec<&str> = rec.to_vec();
    yes.extend(CL_EXPLOITATION);
    let e = eval_strict("child_labour", &child_interview(Answer::No, &yes));
    assert_eq!(e.rule, Some("child_strict"));
    assert_eq!(e.outcome, Outcome::PresumedVictim);
    assert!(!e.parts.contains_key(ACT));

    let e = eval_strict(
        "child_labour",
        &child_interview(Answer::Yes, &CL_EXPLOITATION),
    );
    assert_eq!(e.outcome, Outcome::NotIdentified);
    assert_eq!(e.failing_parts, vec!["recruitment"]);

    let e = eval_strict("child_labour", &child_interview(Answer::Yes, &rec));
    assert_eq!(e.outcome, Outcome::NotIdentified);
    assert_eq!(e.failing_parts, vec!["exploitation"]);

    let e = eval_strict("child_labour", &child_interview(Answer::Yes, &[]));
    assert_eq!(e.outcome, Outcome::NotIdentified);
    assert_eq!(e.failing_parts, vec!["exploitation", "recruitment"]);

    let adult = eval("adult_labour", &interview("adult_labour", Answer::No, &rec));
    assert_eq!(present(&adult, "deceptive_recruitment"), Some(false));
    let child = eval("child_labour", &child_interview(Answer::No, &rec));
    assert_eq!(present(&child, "deceptive_recruitment"), Some(true));
}

#[test]
fn an_adult_rule_situation_without_destination_means_is_not_identified_for_an_adult_but_presumed_for_a_child()
 {
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    let adult = eval("adult_labour", &interview("adult_labour", Answer::No, &yes));
    assert_eq!(adult.outcome, Outcome::NotIdentified);
    let child = eval("child_labour", &child_interview(Answer::Yes, &yes));
    assert_eq!(child.outcome, Outcome::PresumedVictim);
}

// ---------------------------------------------------------------------------
// Sets not usable for classification; age; ILO 11.
// ---------------------------------------------------------------------------

#[test]
fn placeholder_sets_never_give_a_verdict() {
    for set in ["adult_sexual", "child_sexual"] {
        let s = screening();
        let mut iv = interview(set, Answer::Yes, &[]);
        s.set_fact(&mut iv, ACT, Answer::Yes).unwrap();
        let e = eval(set, &iv);
        assert_eq!(e.outcome, Outcome::IndicatorsOnly, "{set}");
        assert_eq!(e.rule, None);
        assert!(!e.usable_for_classification);
        assert_eq!(
            e.indicators_present.len(),
            s.catalogue.set(set).unwrap().indicators.len()
        );
        assert!(e.parts.is_empty());
        assert!(e.decisive_indicators.is_empty());
        assert!(e.dimensions.values().all(|d| d.present.is_none()));
        assert!(e.explanation.contains("placeholders"), "{}", e.explanation);
    }
}

#[test]
fn recorded_age_selects_the_sets() {
    let s = screening();
    let mut iv = s.new_interview();
    let ids = |iv: &Interview| -> Vec<String> {
        s.evaluate_all(iv, EvaluationOptions::default())
            .sets
            .iter()
            .map(|e| e.set.to_string())
            .collect()
    };
    assert_eq!(ids(&iv).len(), 4);
    iv.set_age(Some(16));
    assert_eq!(ids(&iv), vec!["child_labour", "child_sexual"]);
    iv.set_age(Some(18));
    assert_eq!(ids(&iv), vec!["adult_labour", "adult_sexual"]);
    iv.set_age(Some(17));
    let e = eval("adult_labour", &iv);
    assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
}

fn forced(yes: &[&str], rest: Answer) -> ForcedLabourEvaluation<'static> {
    let s = screening();
    let mut iv = s.new_interview();
    for ind in &s.forced_labour.indicators {
        s.set_answer(&mut iv, &ind.id, rest).unwrap();
    }
    for id in yes {
        s.set_answer(&mut iv, &format!("ilo11.{id}"), Answer::Yes)
            .unwrap();
    }
    s.evaluate_forced_labour(&iv)
}

#[test]
fn forced_labour_needs_involuntariness_and_menace_of_penalty() {
    let e = forced(&["deception"], Answer::No);
    assert_eq!(e.outcome, Outcome::IndicatorsOnly);
    assert_eq!(e.indicators_present, vec!["ilo11.deception"]);
    assert_eq!(
        (e.involuntariness, e.menace_of_penalty, e.both_elements),
        (Answer::Yes, Answer::No, Answer::No)
    );
    let e = forced(&["deception"], Answer::Unknown);
    assert_eq!(e.both_elements, Answer::Unknown);
    assert_eq!(e.unknown.len(), 10);
    let e = forced(&["deception", "isolation"], Answer::No);
    assert_eq!(e.both_elements, Answer::Yes);
    // Debt bondage is both involuntary and a penalty.
    let e = forced(&["debt_bondage"], Answer::No);
    assert_eq!(
        (e.involuntariness, e.menace_of_penalty, e.both_elements),
        (Answer::Yes, Answer::Yes, Answer::Yes)
    );
    let e = forced(&["isolation", "intimidation_and_threats"], Answer::No);
    assert_eq!(e.both_elements, Answer::No);
}

// ---------------------------------------------------------------------------
// JSON input and output.
// ---------------------------------------------------------------------------

#[test]
fn json_input_is_parsed_and_checked() {
    let s = screening();
    let iv = s
        .parse_interview_json(
            r#"{"answers": {"adult_labour.deceptive_recruitment.deceived_about_wages": "yes",
                            "ilo11.deception": "no"},
                "facts": {"age": 30, "act_of_trafficking_established": true}}"#,
        )
        .unwrap();
    assert_eq!(iv.age(), Some(30));
    assert_eq!(s.answer(&iv, "ilo11.deception"), Some(Answer::No));
    assert_eq!(s.answer(&iv, "ilo11.isolation"), Some(Answer::Unknown));
    assert_eq!(
        s.answer(
            &iv,
            "adult_labour.deceptive_recruitment.deceived_about_wages"
        ),
        Some(Answer::Yes)
    );
    assert_eq!(s.answer(&iv, "nope"), None);
    let e = eval("adult_labour", &iv);
    assert_eq!(
        e.indicators_present,
        vec!["adult_labour.deceptive_recruitment.deceived_about_wages"]
    );

    let err = |text: &str| s.parse_interview_json(text).unwrap_err();
    assert_eq!(
        err(r#"{"answers": {"adult_labour.nope": "yes"}}"#),
        InputError::UnknownIndicator("adult_labour.nope".to_string())
    );
    assert!(matches!(
        err(r#"{"answers": {"ilo11.deception": "maybe"}}"#),
        InputError::BadAnswer { .. }
    ));
    assert!(matches!(
        err(r#"{"answers": {"ilo11.deception": "yes", "ilo11.deception": "no"}}"#),
        InputError::Malformed(_)
    ));
    assert!(matches!(err(r#"{"answer": {}}"#), InputError::Malformed(_)));
    assert!(matches!(err("not json"), InputError::Malformed(_)));
    assert_eq!(
        err(r#"{"answers": {}, "facts": {"married": true}}"#),
        InputError::UnknownFact("married".to_string())
    );
    assert!(matches!(
        err(r#"{"answers": {}, "facts": {"age": -3}}"#),
        InputError::BadFact { .. }
    ));
    assert!(matches!(
        err(r#"{"answers": {}, "facts": {"age": true}}"#),
        InputError::BadFact { .. }
    ));
    let iv = s
        .parse_interview_json(r#"{"answers": {}, "facts": {"act_of_trafficking_established": "unknown", "age": null}}"#)
        .unwrap();
    assert_eq!(iv.age(), None);
}

#[test]
fn evaluation_serialises_with_the_documented_field_names() {
    let mut yes: Vec<&str> = AL_RECRUITMENT.to_vec();
    yes.extend(AL_EXPLOITATION);
    yes.extend(AL_DESTINATION);
    let e = eval("adult_labour", &interview("adult_labour", Answer::No, &yes));
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["outcome"], "presumed_victim");
    assert_eq!(v["dimensions"]["coercion_at_destination"]["present"], true);
    assert_eq!(v["dimensions"]["coercion_at_destination"]["strong"], 2);
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["medium"], 1);
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["weak"], 0);
    assert_eq!(v["parts"]["recruitment"]["holds"], "yes");
    assert_eq!(v["decisive_indicators"][0]["grade"], "strong");
    assert_eq!(v["decisive_indicators"][0]["part"], "recruitment");
    assert!(v["undecided_by"].as_array().unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![Just(Answer::Yes), Just(Answer::No), Just(Answer::Unknown)]
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::NotIdentified => 0,
        Outcome::Undecided => 1,
        Outcome::PresumedVictim => 2,
        Outcome::IndicatorsOnly => 3,
    }
}

/// A random interview over one classification set (answers biased towards yes so that
/// all three outcomes occur), plus a random act fact.
fn random_interview(set: &'static str) -> impl Strategy<Value = (Interview, usize)> {
    let n = screening()
        .catalogue
        .set(set)
        .map_or(0, |s| s.indicators.len());
    let biased =
        prop_oneof![2 => Just(Answer::Yes), 3 => Just(Answer::No), 2 => Just(Answer::Unknown)];
    (prop::collection::vec(biased, n), answer(), 0..n).prop_map(move |(answers, act, i)| {
        let s = screening();
        let mut iv = s.new_interview();
        for (ind, a) in s.catalogue.set(set).unwrap().indicators.iter().zip(answers) {
            s.set_answer(&mut iv, &ind.id, a).unwrap();
        }
        s.set_fact(&mut iv, ACT, act).unwrap();
        (iv, i)
    })
}

fn with_answer(set: &str, iv: &Interview, pos: usize, a: Answer) -> Interview {
    let s = screening();
    let mut out = iv.clone();
    let id = &s.catalogue.set(set).unwrap().indicators[pos].id;
    s.set_answer(&mut out, id, a).unwrap();
    out
}

fn all_unknowns(set: &str, iv: &Interview, a: Answer) -> Interview {
    let s = screening();
    let mut out = iv.clone();
    for (pos, ind) in s.catalogue.set(set).unwrap().indicators.iter().enumerate() {
        if iv.delphi_answer(s.catalogue.set_index(set).unwrap(), pos) == Answer::Unknown {
            s.set_answer(&mut out, &ind.id, a).unwrap();
        }
    }
    if iv.fact(0) == Answer::Unknown {
        s.set_fact(&mut out, ACT, a).unwrap();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Adding a yes never turns a presumed victim into a non-victim, and more
    /// generally never lowers the outcome (any rule, adults and children).
    #[test]
    fn adding_a_yes_never_lowers_the_outcome(
        (iv, i) in prop_oneof![random_interview("adult_labour"), random_interview("child_labour")],
        strict in any::<bool>(),
    ) {
        let opts = EvaluationOptions { child_rule: if strict { ChildRule::Strict } else { ChildRule::ActAndExploitation } };
        for set in ["adult_labour", "child_labour"] {
            let before = screening().evaluate_set(set, &iv, opts).unwrap().outcome;
            let n = screening().catalogue.set(set).unwrap().indicators.len();
            let after_iv = with_answer(set, &iv, i % n, Answer::Yes);
            let after = screening().evaluate_set(set, &after_iv, opts).unwrap().outcome;
            prop_assert!(rank(after) >= rank(before), "{set}: {before:?} -> {after:?}");
            if before == Outcome::PresumedVictim {
                prop_assert_eq!(after, Outcome::PresumedVictim);
            }
        }
    }

    /// Weak indicators alone never make a dimension present (rule level).
    #[test]
    fn weak_counts_alone_never_make_a_dimension_present(weak in 0u32..100) {
        prop_assert!(!screening().catalogue.dimension_rule.is_present(counts(0, 0, weak)));
    }

    /// Weak indicators alone never make a dimension present (engine level): only weak
    /// answers are yes, the rest no or unknown.
    #[test]
    fn weak_answers_alone_never_make_a_dimension_present(
        answers in prop::collection::vec((any::<bool>(), prop_oneof![Just(Answer::No), Just(Answer::Unknown)]), 67),
    ) {
        let s = screening();
        let set = s.catalogue.set("adult_labour").unwrap();
        let mut iv = s.new_interview();
        for (ind, (weak_yes, other)) in set.indicators.iter().zip(answers) {
            let a = if ind.grade == Grade::Weak && weak_yes { Answer::Yes } else { other };
            s.set_answer(&mut iv, &ind.id, a).unwrap();
        }
        let e = eval("adult_labour", &iv);
        for (dim, r) in &e.dimensions {
            prop_assert_eq!(r.present, Some(false), "{}", dim);
        }
        prop_assert_ne!(e.outcome, Outcome::PresumedVictim);
    }

    /// The three-valued outcome agrees with resolving every unknown: presumed and
    /// not-identified survive any resolution; undecided really depends on it.
    #[test]
    fn outcome_agrees_with_resolving_unknowns(
        (iv, _) in prop_oneof![random_interview("adult_labour"), random_interview("child_labour")],
        resolution in prop::collection::vec(any::<bool>(), 67),
    ) {
        let s = screening();
        for set in ["adult_labour", "child_labour"] {
            let si = s.catalogue.set_index(set).unwrap();
            let outcome = eval(set, &iv).outcome;
            let yes = eval(set, &all_unknowns(set, &iv, Answer::Yes)).outcome;
            let no = eval(set, &all_unknowns(set, &iv, Answer::No)).outcome;
            // A random resolution of the unknowns.
            let mut mixed = iv.clone();
            for (pos, ind) in s.catalogue.sets[si].indicators.iter().enumerate() {
                if iv.delphi_answer(si, pos) == Answer::Unknown {
                    let a = if resolution[pos % resolution.len()] { Answer::Yes } else { Answer::No };
                    s.set_answer(&mut mixed, &ind.id, a).unwrap();
                }
            }
            if iv.fact(0) == Answer::Unknown {
                s.set_fact(&mut mixed, ACT, if resolution[0] { Answer::Yes } else { Answer::No }).unwrap();
            }
            let mixed = eval(set, &mixed).outcome;
            match outcome {
                Outcome::PresumedVictim => {
                    prop_assert_eq!(no, Outcome::PresumedVictim);
                    prop_assert_eq!(mixed, Outcome::PresumedVictim);
                }
                Outcome::NotIdentified => {
                    prop_assert_eq!(yes, Outcome::NotIdentified);
                    prop_assert_eq!(mixed, Outcome::NotIdentified);
                }
                Outcome::Undecided => {
                    prop_assert_eq!(yes, Outcome::PresumedVictim);
                    prop_assert_eq!(no, Outcome::NotIdentified);
                    prop_assert_ne!(mixed, Outcome::Undecided);
                }
                Outcome::IndicatorsOnly => prop_assert!(false, "classification set gave indicators_only"),
            }
        }
    }
}
