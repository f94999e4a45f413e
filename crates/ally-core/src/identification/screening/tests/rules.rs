//! Tests of the screening rules on whole interviews (second half of the screening tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

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
