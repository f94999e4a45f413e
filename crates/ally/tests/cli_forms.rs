//! Runs the built `ally` binary: `questionnaire list`, `export` and `import`, checking the
//! JSON printed and the exit codes (0, and 2 with a message naming the problem).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

#[test]
fn list_shows_the_four_default_questionnaires_complete_in_twelve_languages() {
    let out = ally(&["questionnaire", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["first_contact", "adult_labour", "adult_sexual", "child"]
    );
    for q in json.as_array().unwrap() {
        assert_eq!(q["complete_languages"].as_array().unwrap().len(), 12);
    }
    assert_eq!(json[0]["questions"], 12);
}

#[test]
fn export_then_import_gives_the_summary_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("first_contact.xlsx");
    let path = file.to_str().unwrap();
    let out = ally(&[
        "questionnaire",
        "export",
        "--id",
        "first_contact",
        "--output",
        path,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ally(&["questionnaire", "import", "--input", path]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["id"], "first_contact");
    assert_eq!(json["questions"], 12);
    assert!(
        json["indicators_covered"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "ilo11.restriction_of_movement")
    );

    let out = ally(&["questionnaire", "export", "--id", "nope", "--output", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown questionnaire \"nope\""));

    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, b"not a workbook").unwrap();
    let out = ally(&["questionnaire", "import", "--input", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable .xlsx workbook"));
}
