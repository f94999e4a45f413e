//! Command-line tests of `ally link` and `ally pprl` on small files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn ally() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ally"))
}

const GIVEN: [&str; 10] = [
    "anna", "bilal", "chloe", "dmitri", "esther", "fatima", "goran", "hana", "ivan", "julia",
];
const FAMILY: [&str; 6] = [
    "okafor",
    "novak",
    "haddad",
    "lindqvist",
    "moreau",
    "castillo",
];
const CITY: [&str; 4] = ["porto", "gdansk", "lagos", "cork"];

/// 60 distinct people (id p0..p59), then 12 duplicates (d0..d11) of p0, p5, ..., p55 with a
/// typo, a missing field, a reformatted date or swapped names.
fn people() -> (String, Vec<(String, String)>) {
    let mut csv = String::from("id,first,last,dob,town,zip\n");
    for i in 0..60 {
        csv.push_str(&format!(
            "p{i},{},{},{}-{:02}-{:02},{},{}\n",
            GIVEN[i % 10],
            FAMILY[i / 10],
            1950 + i,
            1 + i % 12,
            1 + i % 28,
            CITY[i % 4],
            1000 + 37 * i
        ));
    }
    let mut dups = Vec::new();
    for k in 0..12 {
        let i = 5 * k;
        let (mut g, mut f) = (GIVEN[i % 10].to_string(), FAMILY[i / 10].to_string());
        let mut dob = format!("{:02}/{:02}/{}", 1 + i % 28, 1 + i % 12, 1950 + i); // day first
        let mut zip = format!("{}", 1000 + 37 * i);
        match k % 4 {
            0 => g.push('h'),
            1 => zip.clear(),
            2 => std::mem::swap(&mut g, &mut f),
            _ => dob = format!("{}{:02}{:02}", 1950 + i, 1 + i % 12, 1 + i % 28),
        }
        csv.push_str(&format!(
            "d{k},{},{},{dob},{},{zip}\n",
            g.to_uppercase(),
            f,
            CITY[i % 4]
        ));
        dups.push((format!("d{k}"), format!("p{i}")));
    }
    (csv, dups)
}

const FIELDS: [&str; 10] = [
    "--field",
    "given_name=first",
    "--field",
    "family_name=last",
    "--field",
    "date_of_birth=dob",
    "--field",
    "city=town",
    "--field",
    "postcode=zip",
];

fn read_csv(p: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|s| s.to_string()).collect())
        .collect()
}

fn tmp() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    }
}

#[test]
fn dedupe_clusters_duplicates_and_keeps_others_apart() {
    let dir = tmp();
    let (csv, dups) = people();
    let input = dir.path().join("people.csv");
    let output = dir.path().join("clusters.csv");
    let explain = dir.path().join("explain.csv");
    std::fs::write(&input, csv).ok();
    let out = ally()
        .args(["link", "dedupe", "--input"])
        .arg(&input)
        .args(["--id-column", "id"])
        .args(FIELDS)
        .arg("--output")
        .arg(&output)
        .arg("--explain")
        .arg(&explain)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = read_csv(&output);
    assert_eq!(rows.len(), 72, "one row per input record");
    let cluster: HashMap<String, String> = rows
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for (d, p) in &dups {
        assert_eq!(cluster.get(d), cluster.get(p), "{d} should be with {p}");
    }
    let mut distinct: Vec<&String> = (0..60)
        .filter_map(|i| cluster.get(&format!("p{i}")))
        .collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 60, "distinct people must stay apart");
    // the explanation lists the prior and one row per field for every accepted pair
    let ex = read_csv(&explain);
    assert!(!ex.is_empty());
    assert_eq!(ex.len() % 6, 0);
    assert!(ex.iter().any(|r| r[2] == "date_of_birth"));
}

#[test]
fn match_links_each_duplicate_to_its_original() {
    let dir = tmp();
    let (csv, dups) = people();
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let (left, right): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.starts_with('p'));
    let (lp, rp, op) = (
        dir.path().join("l.csv"),
        dir.path().join("r.csv"),
        dir.path().join("pairs.csv"),
    );
    std::fs::write(&lp, format!("{header}\n{}\n", left.join("\n"))).ok();
    std::fs::write(&rp, format!("{header}\n{}\n", right.join("\n"))).ok();
    let out = ally()
        .args(["link", "match", "--left"])
        .arg(&lp)
        .arg("--right")
        .arg(&rp)
        .args(["--id-column", "id", "--one-to-one"])
        .args(FIELDS)
        .arg("--output")
        .arg(&op)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: Vec<(String, String)> = read_csv(&op)
        .into_iter()
        .map(|r| (r[1].clone(), r[0].clone()))
        .collect();
    got.sort();
    let mut want = dups.clone();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn malformed_csv_error_names_the_line() {
    let dir = tmp();
    let input = dir.path().join("bad.csv");
    std::fs::write(
        &input,
        "id,first,last,dob,town,zip\np1,ann,lee,1990-01-01,cork,1000\np2,bob,ray,cork\n",
    )
    .ok();
    let out = ally()
        .args(["link", "dedupe", "--input"])
        .arg(&input)
        .args(["--id-column", "id"])
        .args(FIELDS)
        .args(["--output"])
        .arg(dir.path().join("o.csv"))
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("bad.csv"), "{err}");
}

#[test]
fn unknown_field_kind_is_rejected() {
    let dir = tmp();
    let input = dir.path().join("x.csv");
    std::fs::write(&input, "id,a\n1,x\n").ok();
    let out = ally()
        .args(["link", "dedupe", "--input"])
        .arg(&input)
        .args(["--id-column", "id", "--field", "shoe_size=a", "--output"])
        .arg(dir.path().join("o.csv"))
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("shoe_size"));
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ally-linkage/tests/fixtures")
}

#[test]
fn pprl_encode_matches_clkhash_and_match_links_records_to_themselves() {
    let dir = tmp();
    let fx = fixtures();
    let clks = dir.path().join("clks.csv");
    let out = ally()
        .args(["pprl", "encode", "--schema"])
        .arg(fx.join("blake.schema.json"))
        .arg("--secret-file")
        .arg(fx.join("secret.txt"))
        .arg("--input")
        .arg(fx.join("records.csv"))
        .args(["--id-column", "rec_id", "--output"])
        .arg(&clks)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = std::fs::read_to_string(&clks).unwrap_or_default();
    let theirs = std::fs::read_to_string(fx.join("blake.clks.csv")).unwrap_or_default();
    assert_eq!(ours.replace("\r\n", "\n"), theirs.replace("\r\n", "\n"));

    let pairs = dir.path().join("pairs.csv");
    let out = ally()
        .args(["pprl", "match", "--left"])
        .arg(&clks)
        .arg("--right")
        .arg(&clks)
        .args(["--threshold", "0.9", "--output"])
        .arg(&pairs)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = read_csv(&pairs);
    // r5 has no values at all (empty CLK, Dice undefined): the other 9 match themselves
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r[0] == r[1] && r[2] == "1.000000"));
}

/// The FEBRL4 sample schema with Ally's hardening extension inserted.
fn hardened_febrl_schema(dir: &Path, hardening: &str) -> PathBuf {
    let plain = std::fs::read_to_string(fixtures().join("febrl4.schema.json")).unwrap_or_default();
    assert!(plain.starts_with('{'));
    let path = dir.join("hardened.schema.json");
    let text = format!("{{\"x-ally-hardening\": {hardening},{}", &plain[1..]);
    if let Err(e) = std::fs::write(&path, text) {
        panic!("write: {e}");
    }
    path
}

fn pprl_encode(schema: &Path, input: &str, output: &Path) -> std::process::Output {
    let out = ally()
        .args(["pprl", "encode", "--schema"])
        .arg(schema)
        .arg("--secret-file")
        .arg(fixtures().join("febrl4.secret.txt"))
        .arg("--input")
        .arg(fixtures().join(input))
        .args(["--id-column", "rec_id", "--output"])
        .arg(output)
        .output();
    match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    }
}

#[test]
fn pprl_encode_accepts_the_hardened_schema_and_match_links_the_encodings() {
    let dir = tmp();
    let schema = hardened_febrl_schema(
        dir.path(),
        r#"{"balance": true, "xorFolds": 1, "salt": {"identifier": "date_of_birth", "length": 4}}"#,
    );
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    for (input, output) in [("febrl4_a_sample.csv", &a), ("febrl4_b_sample.csv", &b)] {
        let out = pprl_encode(&schema, input, output);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // 1024 bits folded to 512, balanced to 1024 bits with exactly 512 set
    let rows = read_csv(&a);
    assert_eq!(rows.len(), 750);
    for r in &rows {
        let clk = match ally_linkage::pprl::Clk::from_base64(&r[1]) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(clk.len_bits(), 1024);
        assert_eq!(clk.count_ones(), 512);
    }
    let pairs = dir.path().join("pairs.csv");
    let out = ally()
        .args(["pprl", "match", "--left"])
        .arg(&a)
        .arg("--right")
        .arg(&b)
        // balanced similarity counts agreeing zeros too: 0.6 is this option set's best
        // threshold on FEBRL4 (docs/benchmarks.md, hardening table)
        .args(["--threshold", "0.6", "--output"])
        .arg(&pairs)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("run: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // rec-N-org in the left file is rec-N-dup-0 in the right one (500 of the 750 a side)
    let links = read_csv(&pairs);
    let person = |id: &str| id.split('-').nth(1).map(str::to_string);
    let correct = links
        .iter()
        .filter(|r| person(&r[0]) == person(&r[1]))
        .count();
    assert!(
        correct * 100 >= links.len() * 98,
        "{correct} of {}",
        links.len()
    );
    assert!(
        correct * 100 >= 500 * 80,
        "only {correct} of 500 pairs linked"
    );
}

#[test]
fn pprl_encode_refuses_a_misspelt_hardening_option_before_writing() {
    let dir = tmp();
    let schema = hardened_febrl_schema(dir.path(), r#"{"balanced": true}"#);
    let output = dir.path().join("clks.csv");
    let out = pprl_encode(&schema, "febrl4_a_sample.csv", &output);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("balanced"), "{err}");
    assert!(!output.exists());
}
