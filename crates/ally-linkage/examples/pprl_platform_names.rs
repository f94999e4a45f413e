//! The platform's name-only PPRL schema (as `PPRL_SCHEMA` in ally-store's information.rs: the
//! sorted name key, bigrams, 20 bits per token, 1024 bits) on FEBRL4's given name + surname,
//! with and without hardening options: weights and greedy 1:1 P/R/F1 at several thresholds.
//!
//!     cargo run --release -p ally-linkage --example pprl_platform_names -- A.csv B.csv TRUTH.csv
//!
//! A.csv and B.csv: rec_id, given_name, surname as columns 0-2 (`make_febrl_sample.py` output).

use std::collections::HashSet;

use ally_linkage::data::read_table;
use ally_linkage::normalise::sorted_name_key;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::dice::{ClkSet, candidates};
use ally_linkage::pprl::encode::Encoder;
use ally_linkage::pprl::schema::Schema;
use ally_linkage::pprl::solve::greedy_solve;

/// ally-store's schema at the time of writing, with a `HARDENING` slot.
const PLATFORM_SCHEMA: &str = r#"{"version": 3,
 "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "salt": "YWxseS1wcHJsLXJ1bg==", "info": "Y2xr", "keySize": 64}},
 "features": [{"identifier": "name", "format": {"type": "string", "encoding": "utf-8"},
   "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}, "hash": {"type": "blakeHash"}, "missingValue": {"sentinel": ""}}}]HARDENING}"#;

fn fail(m: String) -> ! {
    eprintln!("{m}");
    std::process::exit(1);
}

fn read(path: &str) -> Vec<Vec<String>> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    read_table(std::io::BufReader::new(f), path)
        .unwrap_or_else(|e| fail(e.to_string()))
        .1
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        fail("usage: pprl_platform_names A.csv B.csv TRUTH.csv".into());
    }
    let (ra, rb) = (read(&args[1]), read(&args[2]));
    let truth: HashSet<(String, String)> = read(&args[3])
        .into_iter()
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let thresholds = [0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92];
    print!("| hardening | set bits (min–max) |");
    for t in thresholds {
        print!(" P / R / F1 at {t} |");
    }
    println!("\n|---|---|{}", "---|".repeat(thresholds.len()));
    for hardening in [
        "",
        r#", "x-ally-hardening": {"balance": true}"#,
        r#", "x-ally-hardening": {"xorFolds": 1}"#,
        r#", "x-ally-hardening": {"balance": true, "xorFolds": 1}"#,
    ] {
        let schema = Schema::from_json(&PLATFORM_SCHEMA.replace("HARDENING", hardening))
            .unwrap_or_else(|e| fail(e.to_string()));
        let enc =
            Encoder::new(&schema, b"platform-names-bench").unwrap_or_else(|e| fail(e.to_string()));
        let encode = |rows: &[Vec<String>]| -> Vec<Clk> {
            rows.iter()
                .map(|r| {
                    let key = sorted_name_key(&format!("{} {}", r[1], r[2]));
                    enc.encode(&[key.as_str()])
                        .unwrap_or_else(|e| fail(e.to_string()))
                })
                .collect()
        };
        let (ca, cb) = (encode(&ra), encode(&rb));
        let weights = ca.iter().chain(&cb).map(Clk::count_ones);
        let (lo, hi) = weights.fold((u32::MAX, 0), |(lo, hi), w| (lo.min(w), hi.max(w)));
        let (sa, sb) = match (ClkSet::new(&ca), ClkSet::new(&cb)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => fail(e.to_string()),
        };
        // greedy decides each candidate from the higher ones only: one pass serves every
        // threshold above 0.5
        let links = greedy_solve(&candidates(&sa, &sb, 0.5));
        let name = if hardening.is_empty() {
            "none"
        } else {
            hardening.trim_start_matches(", \"x-ally-hardening\": ")
        };
        print!("| `{name}` | {lo}–{hi} |");
        for t in thresholds {
            let kept: Vec<_> = links.iter().filter(|c| c.similarity >= t).collect();
            let tp = kept
                .iter()
                .filter(|c| {
                    truth.contains(&(
                        ra[c.left as usize][0].clone(),
                        rb[c.right as usize][0].clone(),
                    ))
                })
                .count() as f64;
            let p = if kept.is_empty() {
                0.0
            } else {
                tp / kept.len() as f64
            };
            let r = tp / truth.len().max(1) as f64;
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            print!(" {p:.3} / {r:.3} / {f1:.3} |");
        }
        println!();
    }
}
