//! `ally labour` end to end: the documented example gives the hand-computed findings, and
//! bad input exits with status 2 and a message naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/labour/examples")
}

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn summary(findings: &Value) -> Vec<(String, String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["period"].as_str().unwrap().to_owned(),
                f["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn check_documented_example() {
    let input = examples().join("fr-worker.json");
    let out = ally(&[
        "labour",
        "check",
        "--rules",
        "fr-construction-2025",
        "--input",
        input.to_str().unwrap(),
    ]);
    let report = stdout_json(&out);
    assert_eq!(report["rule_set"], "fr-construction-2025");
    let s = |k: &str, p: &str, a: &str| (k.to_owned(), p.to_owned(), a.to_owned());
    assert_eq!(
        summary(&report["findings"]),
        vec![
            s("missing_written_contract", "2025-01-06/..", "0"),
            s("missing_work_permit", "2025-01-06/..", "0"),
            // 151.67 h = 35 × 52 ÷ 12; × 11.88 (SMIC > grade N1P1 10.4503) = 1801.80;
            // paid 1500.00 → 301.80.
            s("underpayment", "2025-03-01/2025-03-31", "301.80"),
            // Week of 03-03: 11 + 4 × 9 + 3 = 50 h, 15 h over 35:
            // 8 × 11.88 × 25 % = 23.76 + 7 × 11.88 × 50 % = 41.58 → 65.34, none paid.
            s("unpaid_overtime", "2025-03-01/2025-03-31", "65.34"),
            // Recruitment fees may not be charged to workers (C. trav. L5321-3).
            s("illegal_deduction", "2025-03-01/2025-03-31", "200.00"),
            // 1500.00 − (300.00 + 200.00) = 1000.00 net due; 800.00 received.
            s("withheld_wages", "2025-03-01/2025-03-31", "200.00"),
            // 2000.00 → 2150.00.
            s("debt_growth", "2025-04-01/2025-04-30", "150.00"),
            // 11 h on 03-03, maximum 10.
            s("excessive_daily_hours", "2025-03-03", "1.00"),
            // 50 h in the week, maximum 48.
            s("excessive_weekly_hours", "2025-03-03/2025-03-09", "2.00"),
        ]
    );
    let under = &report["findings"][2];
    assert_eq!(
        under["arithmetic"],
        "151.67 h (35 h/week × 52 ÷ 12) × 11.88 EUR/h (minimum wage) = 1801.80 EUR due; \
         1500.00 EUR paid (gross 1500.00 − overtime premium 0.00); shortfall 301.80 EUR"
    );
    assert_eq!(
        under["rule"]["id"],
        "fr-construction-2025/minimum_wage@2024-11-01"
    );
    assert!(
        under["rule"]["citation"]
            .as_str()
            .unwrap()
            .contains("2024-951")
    );
    assert_eq!(
        report["findings"][4]["indicators"],
        serde_json::json!(["ilo11.debt_bondage", "ilo11.withholding_of_wages"])
    );
    // April has no timesheets: said so, not silently passed.
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("2025-04-01/2025-04-30"))
    );
}

#[test]
fn check_with_csv_imports() {
    let ex = examples();
    let out = ally(&[
        "labour",
        "check",
        "--rules",
        "fr-construction-2025",
        "--input",
        ex.join("fr-worker.json").to_str().unwrap(),
        "--payslips-csv",
        ex.join("fr-payslips.csv").to_str().unwrap(),
        "--timesheets-csv",
        ex.join("fr-timesheets.csv").to_str().unwrap(),
    ]);
    let report = stdout_json(&out);
    let may: Vec<_> = summary(&report["findings"])
        .into_iter()
        .filter(|(_, p, _)| p.starts_with("2025-05"))
        .collect();
    // May: paid in full, housing allowed (no cap encoded → a note), debt unchanged.
    assert!(may.is_empty(), "{may:?}");
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("`housing`"))
    );
}

#[test]
fn rules_lists_shipped_sets_and_path_loads() {
    let list = stdout_json(&ally(&["labour", "rules"]));
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fr-construction-2025", "be-construction-2025"]);

    // A rule set given by path is loaded from the file.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/labour/be-construction-2025.toml");
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        &dir,
        "w.json",
        r#"{"contract": {"start_date": "2025-01-06", "weekly_hours": "40", "written_contract": true},
            "payslips": [{"period_start": "2025-02-01", "period_end": "2025-02-28",
                          "hours_paid": "160", "gross": "2500.00", "net_paid": "2500.00"}]}"#,
    );
    let report = stdout_json(&ally(&[
        "labour",
        "check",
        "--rules",
        path.to_str().unwrap(),
        "--input",
        &input,
    ]));
    // 160 h × 17.849 (CP 124 category I, 2025) = 2855.84; paid 2500.00 → 355.84.
    assert_eq!(
        summary(&report["findings"]),
        vec![(
            "underpayment".to_owned(),
            "2025-02-01/2025-02-28".to_owned(),
            "355.84".to_owned()
        )]
    );
}

fn expect_invalid(args: &[&str], needle: &str) {
    let out = ally(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(needle),
        "stderr {stderr:?} lacks {needle:?}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let check = |input: &str, needle: &str| {
        expect_invalid(
            &[
                "labour",
                "check",
                "--rules",
                "fr-construction-2025",
                "--input",
                input,
            ],
            needle,
        );
    };
    let contract = r#""contract": {"start_date": "2025-01-06", "weekly_hours": "35", "written_contract": true}"#;

    let negative = write(
        &dir,
        "neg.json",
        &format!(r#"{{{contract}, "timesheets": [{{"date": "2025-03-03", "hours": "-4"}}]}}"#),
    );
    check(&negative, "timesheets[0].hours");

    let order = write(
        &dir,
        "order.json",
        &format!(
            r#"{{{contract}, "payslips": [{{"period_start": "2025-03-31", "period_end": "2025-03-01",
                "hours_paid": "1", "gross": "1", "net_paid": "1"}}]}}"#
        ),
    );
    check(&order, "payslips[0].period_end");

    let missing = write(
        &dir,
        "missing.json",
        r#"{"contract": {"start_date": "2025-01-06", "written_contract": true}}"#,
    );
    check(&missing, "contract.weekly_hours");

    let malformed = write(&dir, "bad.json", "{\"contract\": [1, 2,}");
    check(&malformed, "line 1");

    check(
        dir.path().join("nope.json").to_str().unwrap(),
        "cannot read",
    );

    let good = write(&dir, "good.json", &format!("{{{contract}}}"));
    expect_invalid(
        &["labour", "check", "--rules", "xx-none", "--input", &good],
        "--rules",
    );

    let bad_csv = write(&dir, "t.csv", "date,hours\n2025-03-03,8\n2025-03-04,8,9\n");
    expect_invalid(
        &[
            "labour",
            "check",
            "--rules",
            "fr-construction-2025",
            "--input",
            &good,
            "--timesheets-csv",
            &bad_csv,
        ],
        "CSV line 3",
    );
    let bad_cell = write(
        &dir,
        "p.csv",
        "period_start,period_end,hours_paid,gross,net_paid\n2025-03-01,2025-03-31,abc,1,1\n",
    );
    expect_invalid(
        &[
            "labour",
            "check",
            "--rules",
            "fr-construction-2025",
            "--input",
            &good,
            "--payslips-csv",
            &bad_cell,
        ],
        "column `hours_paid`",
    );
}
