//! Runs the built `ally` binary on good and malformed files: `screening evaluate`
//! and `catalogue check`, checking the JSON printed and the exit codes (0 and 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn evaluate(set: Option<&str>, answers_json: &str) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "answers.json", answers_json);
    let mut args = vec!["screening", "evaluate", "--answers", file.to_str().unwrap()];
    if let Some(set) = set {
        args.push("--set");
        args.push(set);
    }
    let out = ally(&args);
    let code = out.status.code().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json = if code == 0 {
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    } else {
        assert!(stdout.is_empty(), "nothing on stdout on error: {stdout}");
        Value::Null
    };
    (code, json, stderr)
}

fn repo_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .to_str()
        .unwrap()
        .to_string()
}

// Recruitment (1 strong + 1 medium), exploitation (1 strong + 1 medium), destination (2 strong).
const PRESUMED: &str = r#"{
  "answers": {
    "adult_labour.deceptive_recruitment.deceived_about_nature_of_job": "yes",
    "adult_labour.deceptive_recruitment.deceived_about_wages": "yes",
    "adult_labour.exploitative_conditions.excessive_working_days_or_hours": "yes",
    "adult_labour.exploitative_conditions.low_or_no_salary": "yes",
    "adult_labour.coercion_at_destination.confiscation_of_documents": "yes",
    "adult_labour.coercion_at_destination.debt_bondage": "yes",
    "adult_labour.coercion_at_destination.violence_on_victim": "no"
  },
  "facts": {"age": 34}
}"#;

#[test]
fn evaluate_prints_a_presumed_victim_with_its_explanation() {
    let (code, v, _) = evaluate(Some("adult_labour"), PRESUMED);
    assert_eq!(code, 0);
    assert_eq!(v["outcome"], "presumed_victim");
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["present"], true);
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["strong"], 1);
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["medium"], 1);
    assert_eq!(v["dimensions"]["deceptive_recruitment"]["weak"], 0);
    assert_eq!(v["dimensions"]["coercion_at_destination"]["strong"], 2);
    assert_eq!(v["dimensions"]["coercive_recruitment"]["present"], false);
    for part in ["recruitment", "exploitation", "destination"] {
        assert_eq!(v["parts"][part]["holds"], "yes", "{part}");
        assert_eq!(v["parts"][part]["required"], true, "{part}");
    }
    assert_eq!(v["decisive_indicators"].as_array().unwrap().len(), 6);
    assert_eq!(
        v["decisive_indicators"][4]["id"],
        "adult_labour.coercion_at_destination.confiscation_of_documents"
    );
    assert_eq!(v["decisive_indicators"][4]["clause"], "at least 2 strong");
    assert_eq!(v["undecided_by"], serde_json::json!([]));
}

#[test]
fn evaluate_names_the_unknown_answer_that_could_decide() {
    let text = PRESUMED.replace(
        "\"adult_labour.coercion_at_destination.debt_bondage\": \"yes\"",
        "\"adult_labour.coercion_at_destination.debt_bondage\": \"unknown\"",
    );
    // Every other destination indicator must be "no" for only one to remain.
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut answers = v["answers"].as_object().unwrap().clone();
    for id in [
        "isolation_confinement_surveillance",
        "threats_of_violence",
        "forced_into_illicit_activities",
        "forced_tasks_or_clients",
        "under_strong_influence",
        "forced_to_act_against_peers",
        "forced_to_lie",
        "threat_of_denunciation",
        "threat_of_worse_conditions",
        "violence_on_family",
        "withholding_of_wages",
        "threat_to_inform_family_or_community",
    ] {
        answers.insert(
            format!("adult_labour.coercion_at_destination.{id}"),
            "no".into(),
        );
    }
    for id in [
        "dependency_on_exploiters",
        "difficulty_living_in_unknown_area",
        "economic_reasons",
        "family_situation",
        "relationship_with_authorities_legal_status",
        "difficulties_in_the_past",
        "personal_characteristics",
    ] {
        answers.insert(
            format!("adult_labour.abuse_of_vulnerability_at_destination.{id}"),
            "no".into(),
        );
    }
    let text = serde_json::json!({"answers": answers}).to_string();
    let (code, v, _) = evaluate(Some("adult_labour"), &text);
    assert_eq!(code, 0);
    assert_eq!(v["outcome"], "undecided");
    assert_eq!(
        v["undecided_by"],
        serde_json::json!(["adult_labour.coercion_at_destination.debt_bondage"])
    );
    assert_eq!(v["parts"]["destination"]["holds"], "unknown");
}

#[test]
fn evaluate_child_set_uses_the_act_fact() {
    let answers = r#"{"answers": {
        "child_labour.exploitative_conditions.excessive_working_days_or_hours": "yes",
        "child_labour.exploitative_conditions.hazardous_work": "yes"},
      "facts": {"age": 15, "act_of_trafficking_established": true}}"#;
    let (code, v, _) = evaluate(Some("child_labour"), answers);
    assert_eq!(code, 0);
    assert_eq!(v["outcome"], "presumed_victim");
    assert_eq!(v["rule"], "child");
    assert_eq!(v["parts"]["act_of_trafficking_established"]["holds"], "yes");

    let no_act = answers.replace(
        "\"act_of_trafficking_established\": true",
        "\"act_of_trafficking_established\": false",
    );
    let (code, v, _) = evaluate(Some("child_labour"), &no_act);
    assert_eq!(code, 0);
    assert_eq!(v["outcome"], "not_identified");
}

#[test]
fn evaluate_placeholder_set_gives_indicators_only() {
    let answers =
        r#"{"answers": {"adult_sexual.coercion_at_destination.forced_tasks_or_clients": "yes"}}"#;
    let (code, v, _) = evaluate(Some("adult_sexual"), answers);
    assert_eq!(code, 0);
    assert_eq!(v["outcome"], "indicators_only");
    assert_eq!(
        v["indicators_present"],
        serde_json::json!(["adult_sexual.coercion_at_destination.forced_tasks_or_clients"])
    );
    assert_eq!(
        v["dimensions"]["coercion_at_destination"]["present"],
        Value::Null
    );
    assert_eq!(v["dimensions"]["coercion_at_destination"]["strong"], 1);
}

#[test]
fn evaluate_without_set_reports_applicable_sets_and_ilo11() {
    let (code, v, _) = evaluate(None, PRESUMED);
    assert_eq!(code, 0);
    let sets: Vec<&str> = v["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["set"].as_str().unwrap())
        .collect();
    assert_eq!(
        sets,
        vec!["adult_labour", "adult_sexual"],
        "age 34 selects adult sets"
    );
    assert_eq!(v["forced_labour"]["set"], "ilo11");

    let (code, v, _) = evaluate(
        Some("ilo11"),
        r#"{"answers": {"ilo11.deception": "yes", "ilo11.isolation": "yes"}}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(v["both_elements"], "yes");
    assert_eq!(v["outcome"], "indicators_only");
}

#[test]
fn malformed_files_and_unknown_ids_exit_2_with_a_message() {
    let cases: [(&str, &str); 6] = [
        ("{\"answers\": {", "malformed"),
        (
            r#"{"answers": {"adult_labour.no_such.indicator": "yes"}}"#,
            "adult_labour.no_such.indicator",
        ),
        (
            r#"{"answers": {"ilo11.deception": "perhaps"}}"#,
            "ilo11.deception",
        ),
        (
            r#"{"answers": {}, "facts": {"nationality": "x"}}"#,
            "nationality",
        ),
        (
            r#"{"answers": {"ilo11.deception": "yes", "ilo11.deception": "no"}}"#,
            "twice",
        ),
        (r#"{"facts": {}}"#, "answers"),
    ];
    for (text, needle) in cases {
        let (code, _, stderr) = evaluate(Some("adult_labour"), text);
        assert_eq!(code, 2, "{text}");
        assert!(stderr.contains(needle), "{text}: {stderr}");
    }
    let (code, _, stderr) = evaluate(Some("adult_labor"), PRESUMED);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown indicator set \"adult_labor\""),
        "{stderr}"
    );

    let out = ally(&[
        "screening",
        "evaluate",
        "--answers",
        "/nonexistent/answers.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn catalogue_check_accepts_the_project_files() {
    for file in [
        "data/indicators/ilo-delphi-2009.toml",
        "data/indicators/ilo-forced-labour-11.toml",
    ] {
        let out = ally(&["catalogue", "check", &repo_file(file)]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {stdout}");
        assert!(stdout.contains("ok:"), "{stdout}");
        assert!(
            stdout.contains("verified against primary: false"),
            "{stdout}"
        );
        if file.contains("delphi") {
            assert!(
                stdout.contains("disputed: 2, placeholders: 128"),
                "{stdout}"
            );
        }
    }
}

#[test]
fn catalogue_check_rejects_a_broken_file_naming_the_entry() {
    let original =
        std::fs::read_to_string(repo_file("data/indicators/ilo-delphi-2009.toml")).unwrap();
    let broken = original.replacen(
        "dimension = \"deceptive_recruitment\"\ngrade = \"strong\"\n",
        "dimension = \"deceptive_recruitment\"\n",
        1,
    );
    assert_ne!(broken, original);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.toml", &broken);
    let out = ally(&["catalogue", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("adult_labour.deceptive_recruitment.deceived_about_nature_of_job")
            && stderr.contains("grade"),
        "{stderr}"
    );
}
