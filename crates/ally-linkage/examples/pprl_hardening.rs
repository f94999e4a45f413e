//! What the hardening options (`x-ally-hardening`) cost on FEBRL4: for the plain schema and
//! each option, single-thread encoding speed of both files, then Dice candidates + greedy 1:1
//! solving at thresholds 0.50–0.99 (step 0.01), scored against the truth; prints one
//! Markdown row per variant with the best F1 (oracle threshold, as the other PPRL tables), the
//! operating threshold (the highest within 0.001 of that F1) and the matching cost there.
//!
//!     cargo run --release -p ally-linkage --example pprl_hardening -- \
//!         SCHEMA.json SECRET A.csv B.csv TRUTH.csv [SALT_FEATURE]
//!
//! A.csv and B.csv hold the schema's columns with prepared values (`bench/linkage/
//! pprl_inputs.py` writes them from the anchor's own preparation); TRUTH.csv has
//! `rec_id_a,rec_id_b`. SALT_FEATURE (default `date_of_birth`) gives the salt: its first 4
//! characters, the year of birth.

use std::collections::HashSet;
use std::time::Instant;

use ally_linkage::data::read_table;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::dice::{ClkSet, candidates_counted};
use ally_linkage::pprl::encode::{Encoder, TokenCache};
use ally_linkage::pprl::schema::Schema;
use ally_linkage::pprl::solve::greedy_solve;
use serde_json::{Value, json};

fn fail(m: String) -> ! {
    eprintln!("{m}");
    std::process::exit(1);
}

fn read(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let f = std::fs::File::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    read_table(std::io::BufReader::new(f), path).unwrap_or_else(|e| fail(e.to_string()))
}

/// Encodes the rows (id in column 0); returns the encodings and the encoding time in seconds.
fn encode(enc: &Encoder, header: &[String], rows: &[Vec<String>]) -> (Vec<Clk>, f64) {
    let mapping = enc
        .column_mapping(header)
        .unwrap_or_else(|e| fail(e.to_string()));
    let mut cache = TokenCache::default();
    let mut values: Vec<&str> = Vec::new();
    let start = Instant::now();
    let clks = rows
        .iter()
        .map(|row| {
            values.clear();
            values.extend(
                mapping
                    .iter()
                    .map(|m| m.map(|c| row[c].as_str()).unwrap_or("")),
            );
            enc.encode_cached(&values, &mut cache)
                .unwrap_or_else(|e| fail(e.to_string()))
        })
        .collect();
    (clks, start.elapsed().as_secs_f64())
}

struct Best {
    threshold: f64,
    p: f64,
    r: f64,
    f1: f64,
    links: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        fail(
            "usage: pprl_hardening SCHEMA.json SECRET A.csv B.csv TRUTH.csv [SALT_FEATURE]".into(),
        );
    }
    let salt_feature = args.get(6).map(String::as_str).unwrap_or("date_of_birth");
    let base: Value = std::fs::read_to_string(&args[1])
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| fail(e));
    let mut secret = std::fs::read(&args[2]).unwrap_or_else(|e| fail(e.to_string()));
    while secret.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        secret.pop();
    }
    let (ha, ra) = read(&args[3]);
    let (hb, rb) = read(&args[4]);
    let (_, truth_rows) = read(&args[5]);
    let truth: HashSet<(String, String)> = truth_rows
        .into_iter()
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let salt = json!({"identifier": salt_feature, "length": 4});
    let variants: Vec<(&str, Value)> = vec![
        ("none (clkhash schema)", Value::Null),
        ("balance", json!({"balance": true})),
        ("xorFolds 1", json!({"xorFolds": 1})),
        (
            "balance + xorFolds 1",
            json!({"balance": true, "xorFolds": 1}),
        ),
        ("salt (year of birth)", json!({"salt": salt})),
        (
            "salt + balance + xorFolds 1",
            json!({"salt": salt, "balance": true, "xorFolds": 1}),
        ),
    ];
    println!(
        "| hardening | bits | mean set bits | encode (records/s, 1 thread) | best threshold | P / R / F1 there | operating threshold | F1 there | links | candidates | match time there (candidates + sort + solve, 1 thread) | Dice kernel, comparisons/s at t = 0.9 |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut json_rows = Vec::new();
    for (name, h) in variants {
        let mut v = base.clone();
        if !h.is_null() {
            v["x-ally-hardening"] = h.clone();
        }
        let schema = Schema::from_json(&v.to_string()).unwrap_or_else(|e| fail(e.to_string()));
        let enc = Encoder::new(&schema, &secret).unwrap_or_else(|e| fail(e.to_string()));
        let (ca, ta) = encode(&enc, &ha, &ra);
        let (cb, tb) = encode(&enc, &hb, &rb);
        let per_s = (ca.len() + cb.len()) as f64 / (ta + tb);
        let mean_ones = ca
            .iter()
            .chain(&cb)
            .map(|c| c.count_ones() as f64)
            .sum::<f64>()
            / (ca.len() + cb.len()).max(1) as f64;
        let (sa, sb) = match (ClkSet::new(&ca), ClkSet::new(&cb)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => fail(e.to_string()),
        };
        // greedy solving decides each candidate from the higher ones only, so the links at a
        // threshold t are those of one greedy pass at the lowest threshold that reach t
        let (all, _) = candidates_counted(&sa, &sb, 0.5);
        let solved: Vec<(f64, bool)> = greedy_solve(&all)
            .iter()
            .map(|c| {
                let pair = (
                    ra[c.left as usize][0].clone(),
                    rb[c.right as usize][0].clone(),
                );
                (c.similarity, truth.contains(&pair))
            })
            .collect();
        drop(all);
        let at = |t: f64| -> Best {
            let (n, tp) = solved
                .iter()
                .filter(|(s, _)| *s >= t)
                .fold((0usize, 0usize), |(n, tp), (_, ok)| {
                    (n + 1, tp + *ok as usize)
                });
            let p = if n == 0 { 0.0 } else { tp as f64 / n as f64 };
            let r = tp as f64 / truth.len().max(1) as f64;
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            Best {
                threshold: t,
                p,
                r,
                f1,
                links: n,
            }
        };
        let sweep: Vec<Best> = (50..100).map(|t| at(t as f64 / 100.0)).collect();
        let best = sweep
            .iter()
            .max_by(|a, b| a.f1.total_cmp(&b.f1))
            .unwrap_or_else(|| fail("empty sweep".into()));
        // the operating threshold: the highest whose F1 is within 0.001 of the best (a lower
        // one only adds candidates to sort)
        let op = sweep
            .iter()
            .rev()
            .find(|b| b.f1 >= best.f1 - 0.001)
            .unwrap_or(best);
        // the matching cost at the operating threshold, timed alone (median of 3)
        let mut times = Vec::new();
        let mut compared = 0;
        let mut found = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let (cands, n) = candidates_counted(&sa, &sb, op.threshold);
            let links = greedy_solve(&cands);
            times.push(start.elapsed().as_secs_f64());
            compared = n;
            found = cands.len();
            std::hint::black_box(links);
        }
        times.sort_by(f64::total_cmp);
        let match_s = times[1];
        // the Dice kernel alone: at 0.9 hardly any pair passes, so nothing is sorted or solved
        let mut kernel = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            let (cands, n) = candidates_counted(&sa, &sb, 0.9);
            kernel.push(n as f64 / start.elapsed().as_secs_f64());
            std::hint::black_box(cands);
        }
        kernel.sort_by(f64::total_cmp);
        let kernel_per_s = kernel[1];
        println!(
            "| {name} | {} | {mean_ones:.0} | {per_s:.0} | {:.2} | {:.4} / {:.4} / **{:.4}** | {:.2} | {:.4} | {} | {found} | {:.1} ms | {:.0} M/s |",
            schema.output_bits(),
            best.threshold,
            best.p,
            best.r,
            best.f1,
            op.threshold,
            op.f1,
            op.links,
            match_s * 1000.0,
            kernel_per_s / 1e6
        );
        json_rows.push(json!({
            "hardening": name, "options": h, "bits": schema.output_bits(),
            "mean_set_bits": mean_ones, "encode_records_per_s": per_s,
            "best_threshold": best.threshold, "precision": best.p, "recall": best.r,
            "f1": best.f1, "operating_threshold": op.threshold, "operating_f1": op.f1,
            "links": op.links, "candidates": found, "comparisons": compared, "match_s": match_s,
            "kernel_comparisons_per_s": kernel_per_s,
        }));
    }
    eprintln!("{}", Value::Array(json_rows));
}
