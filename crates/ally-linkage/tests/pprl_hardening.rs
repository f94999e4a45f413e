//! Ally's hardening extension of the linkage schema (`x-ally-hardening`): salting, XOR folding
//! and balancing. Plain clkhash schemas are checked bit for bit in `clkhash_compat.rs`; here:
//! determinism per secret, the lengths and weights the options promise, and linkage quality on
//! a FEBRL4 sample (`fixtures/febrl4_{a,b}_sample.csv`: every 10th true pair of FEBRL4 plus 250
//! records a side without their counterpart, 750 records a side, values prepared as the
//! anchor `pprl_anonlink.py` prepares them, rows shuffled; written by
//! `bench/linkage/make_febrl_sample.py`).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use ally_linkage::data::read_table;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::dice::{ClkSet, candidates};
use ally_linkage::pprl::encode::{Encoder, TokenCache};
use ally_linkage::pprl::schema::Schema;
use ally_linkage::pprl::solve::greedy_solve;
use serde_json::{Value, json};

const FEBRL_SCHEMA: &str = include_str!("fixtures/febrl4.schema.json");
const FEBRL_SECRET: &str = include_str!("fixtures/febrl4.secret.txt");
const FEBRL_A: &str = include_str!("fixtures/febrl4_a_sample.csv");
const FEBRL_B: &str = include_str!("fixtures/febrl4_b_sample.csv");

/// The FEBRL schema with `hardening` as its extension (none if `Value::Null`).
fn schema_with(hardening: Value) -> Schema {
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    if !hardening.is_null() {
        v["x-ally-hardening"] = hardening;
    }
    Schema::from_json(&v.to_string()).unwrap()
}

/// (ids, encodings) of a CSV with the schema's columns.
fn encode_csv(schema: &Schema, secret: &str, csv: &str) -> (Vec<String>, Vec<Clk>) {
    let enc = Encoder::new(schema, secret.as_bytes()).unwrap();
    let (header, rows) = read_table(csv.as_bytes(), "sample.csv").unwrap();
    let mapping = enc.column_mapping(&header).unwrap();
    let mut cache = TokenCache::default();
    let mut ids = Vec::new();
    let mut clks = Vec::new();
    for row in &rows {
        let values: Vec<&str> = mapping
            .iter()
            .map(|m| m.map(|c| row[c].as_str()).unwrap_or(""))
            .collect();
        let clk = enc.encode_cached(&values, &mut cache).unwrap();
        // the cache changes nothing
        assert_eq!(clk, enc.encode(&values).unwrap());
        ids.push(row[0].clone());
        clks.push(clk);
    }
    (ids, clks)
}

fn variants() -> Vec<(&'static str, Value)> {
    vec![
        ("balance", json!({"balance": true})),
        ("fold", json!({"xorFolds": 1})),
        (
            "salt",
            json!({"salt": {"identifier": "date_of_birth", "length": 4}}),
        ),
        (
            "all",
            json!({"xorFolds": 1, "balance": true,
                   "salt": {"identifier": "date_of_birth", "length": 4}}),
        ),
    ]
}

#[test]
fn hardened_encodings_are_deterministic_per_secret_and_differ_with_another() {
    let (_, plain) = encode_csv(&schema_with(Value::Null), FEBRL_SECRET, FEBRL_A);
    for (name, h) in variants() {
        let schema = schema_with(h);
        let (_, one) = encode_csv(&schema, FEBRL_SECRET, FEBRL_A);
        let (_, again) = encode_csv(&schema, FEBRL_SECRET, FEBRL_A);
        let (_, other) = encode_csv(&schema, "another secret", FEBRL_A);
        assert_eq!(one, again, "{name}: same schema and secret, same encodings");
        let differ = one.iter().zip(&other).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ,
            one.len(),
            "{name}: another secret changes every encoding"
        );
        // and the hardening changes the encodings themselves
        let same_as_plain = one.iter().zip(&plain).filter(|(a, b)| a == b).count();
        assert_eq!(same_as_plain, 0, "{name}");
    }
}

#[test]
fn balancing_sets_exactly_half_the_bits_and_folding_halves_the_length() {
    let (_, plain) = encode_csv(&schema_with(Value::Null), FEBRL_SECRET, FEBRL_A);
    assert!(plain.iter().all(|c| c.len_bits() == 1024));
    // unbalanced weights vary from record to record (the signal balancing removes)
    let weights: std::collections::BTreeSet<u32> = plain.iter().map(Clk::count_ones).collect();
    assert!(weights.len() > 10);

    let s = schema_with(json!({"balance": true}));
    assert_eq!(s.output_bits(), 2048);
    let (_, balanced) = encode_csv(&s, FEBRL_SECRET, FEBRL_A);
    for c in &balanced {
        assert_eq!(c.len_bits(), 2048);
        assert_eq!(c.count_ones(), 1024);
    }

    let s = schema_with(json!({"xorFolds": 1}));
    assert_eq!(s.output_bits(), 512);
    let (_, folded) = encode_csv(&s, FEBRL_SECRET, FEBRL_A);
    for (f, p) in folded.iter().zip(&plain) {
        assert_eq!(f.len_bits(), 512);
        assert_eq!(*f, p.xor_fold());
    }

    let s = schema_with(json!({"xorFolds": 2, "balance": true}));
    assert_eq!(s.output_bits(), 512);
    let (_, both) = encode_csv(&s, FEBRL_SECRET, FEBRL_A);
    for c in &both {
        assert_eq!(c.len_bits(), 512);
        assert_eq!(c.count_ones(), 256);
    }
}

#[test]
fn folding_in_the_extension_equals_clkhash_folding_of_the_same_hash_length() {
    // clkhash's own xor_folds hash into l·2^folds bits and count l after folding: the
    // extension's fold of an l-bit schema is the clkhash encoding of l/2 with one fold, so a
    // folded-only deployment can still be checked against clkhash
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    v["clkConfig"]["l"] = json!(512);
    v["clkConfig"]["xor_folds"] = json!(1);
    let clkhash_folded = Schema::from_json(&v.to_string()).unwrap();
    let (_, a) = encode_csv(&clkhash_folded, FEBRL_SECRET, FEBRL_A);
    let (_, b) = encode_csv(&schema_with(json!({"xorFolds": 1})), FEBRL_SECRET, FEBRL_A);
    assert_eq!(a, b);
}

#[test]
fn an_empty_extension_changes_nothing() {
    let (_, plain) = encode_csv(&schema_with(Value::Null), FEBRL_SECRET, FEBRL_A);
    let (_, empty) = encode_csv(&schema_with(json!({})), FEBRL_SECRET, FEBRL_A);
    let (_, off) = encode_csv(
        &schema_with(json!({"xorFolds": 0, "balance": false})),
        FEBRL_SECRET,
        FEBRL_A,
    );
    assert_eq!(plain, empty);
    assert_eq!(plain, off);
}

#[test]
fn salting_separates_equal_values_with_different_salts() {
    let s = schema_with(json!({"salt": {"identifier": "date_of_birth", "length": 4}}));
    let enc = Encoder::new(&s, FEBRL_SECRET.as_bytes()).unwrap();
    let rec = |dob: &'static str| -> [&'static str; 7] {
        ["r", "anna", "okafor", dob, "4 main street", "cork", "2000"]
    };
    let a = enc.encode(&rec("19800101")).unwrap();
    let same_year = enc.encode(&rec("19801231")).unwrap();
    let other_year = enc.encode(&rec("19810101")).unwrap();
    let dice = ally_linkage::pprl::dice::dice;
    // same year: only the date's own bits differ; another year: every salted field differs
    assert!(dice(&a, &same_year) > 0.85, "{}", dice(&a, &same_year));
    assert!(dice(&a, &other_year) < 0.6, "{}", dice(&a, &other_year));
    // unsalted, the other year would be nearly as close as the same year
    let plain = Encoder::new(&schema_with(Value::Null), FEBRL_SECRET.as_bytes()).unwrap();
    let (pa, po) = (
        plain.encode(&rec("19800101")).unwrap(),
        plain.encode(&rec("19810101")).unwrap(),
    );
    assert!(dice(&pa, &po) > 0.85);
}

#[test]
fn bad_extensions_are_refused_with_a_clear_error() {
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    let cases = [
        (json!({"balanced": true}), "unknown option"),
        (json!({"balance": "yes"}), "balance"),
        (json!({"xorFolds": 9}), "xorFolds"),
        (json!({"xorFolds": -1}), "xorFolds"),
        (json!({"salt": {"identifier": "nope"}}), "nope"),
        (
            json!({"salt": {"identifier": "date_of_birth", "features": ["rec_id"]}}),
            "rec_id",
        ),
        (
            json!({"salt": {"identifier": "date_of_birth", "length": 0}}),
            "length",
        ),
        (json!([1]), "object"),
    ];
    for (h, want) in cases {
        v["x-ally-hardening"] = h.clone();
        let e = Schema::from_json(&v.to_string())
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_else(|| panic!("{h} accepted"));
        assert!(e.contains(want), "{h}: {e}");
    }
    // a misspelt extension key is refused rather than silently not hardening
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    v["x-ally-hardenning"] = json!({"balance": true});
    assert!(Schema::from_json(&v.to_string()).is_err());
    // 1024 bits fold at most 7 times into whole bytes
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    v["x-ally-hardening"] = json!({"xorFolds": 8});
    assert!(Schema::from_json(&v.to_string()).is_err());
    v["x-ally-hardening"] = json!({"xorFolds": 7});
    assert_eq!(Schema::from_json(&v.to_string()).unwrap().output_bits(), 8);
}

#[test]
fn the_salt_column_must_be_present_even_when_ignored() {
    let mut v: Value = serde_json::from_str(FEBRL_SCHEMA).unwrap();
    v["features"][0] = json!({"identifier": "year", "ignored": true});
    v["x-ally-hardening"] = json!({"salt": {"identifier": "year"}});
    let s = Schema::from_json(&v.to_string()).unwrap();
    let enc = Encoder::new(&s, b"k").unwrap();
    let header: Vec<String> = [
        "given_name",
        "surname",
        "date_of_birth",
        "address",
        "suburb",
        "postcode",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert!(enc.column_mapping(&header).is_err());
    let mut with_year = header.clone();
    with_year.push("year".into());
    assert!(enc.column_mapping(&with_year).is_ok());
}

/// The best F1 over thresholds 0.50, 0.51, ..., 0.99 and its threshold (each option moves the
/// similarity scale: balancing also counts agreement on zeros). Truth: rec-N-org in A is
/// rec-N-dup-0 in B. Greedy solving decides each candidate from the higher ones only, so
/// the links at threshold t are the links of one greedy pass at 0.5 that reach t.
fn best_f1(schema: &Schema) -> (f64, f64) {
    let (la, ca) = encode_csv(schema, FEBRL_SECRET, FEBRL_A);
    let (lb, cb) = encode_csv(schema, FEBRL_SECRET, FEBRL_B);
    let (sa, sb) = (ClkSet::new(&ca).unwrap(), ClkSet::new(&cb).unwrap());
    let person = |id: &str| id.split('-').nth(1).map(str::to_string);
    let right_of: HashMap<Option<String>, usize> = lb
        .iter()
        .enumerate()
        .map(|(j, id)| (person(id), j))
        .collect();
    let true_pairs = la
        .iter()
        .filter(|id| right_of.contains_key(&person(id)))
        .count();
    let links: Vec<(f64, bool)> = greedy_solve(&candidates(&sa, &sb, 0.5))
        .iter()
        .map(|c| {
            let correct = right_of.get(&person(&la[c.left as usize])) == Some(&(c.right as usize));
            (c.similarity, correct)
        })
        .collect();
    (50..100)
        .map(|t| {
            let t = t as f64 / 100.0;
            let kept = links.iter().filter(|(s, _)| *s >= t);
            let (n, tp) = kept.fold((0usize, 0usize), |(n, tp), (_, ok)| {
                (n + 1, tp + *ok as usize)
            });
            let f1 = if tp == 0 {
                0.0
            } else {
                let (p, r) = (tp as f64 / n as f64, tp as f64 / true_pairs as f64);
                2.0 * p * r / (p + r)
            };
            (f1, t)
        })
        .fold((0.0, 0.0), |best, x| if x.0 > best.0 { x } else { best })
}

#[test]
fn hardened_encodings_still_link_the_febrl_sample_nearly_as_well() {
    let (plain, _) = best_f1(&schema_with(Value::Null));
    // the sample is linkable at all (guards the scorer itself)
    assert!(plain > 0.9, "unhardened F1 {plain}");
    // salting cannot link a pair whose salts differ: the share of true pairs with different
    // birth years (typos in the duplicates) bounds what salting may lose
    let (_, a_rows) = read_table(FEBRL_A.as_bytes(), "a").unwrap();
    let (_, b_rows) = read_table(FEBRL_B.as_bytes(), "b").unwrap();
    let year_of: HashMap<String, String> = b_rows
        .iter()
        .map(|r| {
            let person = r[0].split('-').nth(1).unwrap_or("").to_string();
            (person, r[3].chars().take(4).collect())
        })
        .collect();
    let pairs: Vec<(&String, &String)> = a_rows
        .iter()
        .filter_map(|r| {
            let person = r[0].split('-').nth(1).unwrap_or("");
            year_of.get(person).map(|year| (&r[3], year))
        })
        .collect();
    assert_eq!(pairs.len(), 500);
    let year_differs = pairs
        .iter()
        .filter(|(dob, year)| dob.chars().take(4).collect::<String>() != **year)
        .count() as f64
        / pairs.len() as f64;
    for (name, h) in variants() {
        let salted = h.get("salt").is_some();
        let (f1, t) = best_f1(&schema_with(h));
        // folding and balancing keep the information (balancing exactly, folding up to
        // collisions): allow 3 points of F1; salting also loses the pairs with another year
        let bound = plain - 0.03 - if salted { year_differs } else { 0.0 };
        assert!(
            f1 >= bound,
            "{name}: best F1 {f1:.4} at {t} < {bound:.4} (unhardened {plain:.4}, \
             year differs in {year_differs:.4} of the pairs)"
        );
    }
}
