//! The linkage pipeline: blocking → comparison vectors → training (u from random pairs,
//! m by EM) → scoring → threshold → clustering (dedupe) or one-to-one assignment (link).

use crate::blocking::{BlockingRule, BlockingStats, dedupe_pairs, default_rules, link_pairs};
use crate::cluster::{connected_components, greedy_one_to_one};
use crate::data::Dataset;
use crate::error::{LinkageError, Result};
use crate::fellegi_sunter::{Comparer, MAX_FIELDS, Model, Pattern, TrainOptions, probability};

/// Options of a linkage run.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Blocking rules; `None` = [`default_rules`] for the fields present.
    pub rules: Option<Vec<BlockingRule>>,
    /// Blocks producing more pairs than this are skipped.
    pub max_block_pairs: u64,
    /// Minimum match probability of an accepted pair.
    pub threshold: f64,
    /// For `match`: keep only a greedy one-to-one assignment.
    pub one_to_one: bool,
    /// Training options.
    pub train: TrainOptions,
    /// Worker threads for comparisons (1 = no threads).
    pub threads: usize,
    /// Household-aware scoring: location fields count once (only the strongest agreement,
    /// see [`crate::fellegi_sunter::is_location`]) and a link needs evidence on personal
    /// identity ([`Model::has_identity_evidence`]), so relatives sharing an address and a
    /// family name are not merged. Costs some recall on data without households (FEBRL).
    pub household_aware: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            rules: None,
            max_block_pairs: 2_000_000,
            threshold: 0.5,
            one_to_one: false,
            train: TrainOptions::default(),
            threads: 1,
            household_aware: false,
        }
    }
}

/// Result of a linkage run.
#[derive(Debug, Clone)]
pub struct LinkOutcome {
    /// Accepted pairs `(left, right, match probability)`, by decreasing probability.
    pub pairs: Vec<(u32, u32, f64)>,
    /// Number of candidate pairs scored.
    pub candidates: usize,
    /// The trained model.
    pub model: Model,
    /// Blocking statistics.
    pub blocking: BlockingStats,
    /// For dedupe: cluster of each record (index of its first record).
    pub clusters: Option<Vec<u32>>,
    /// Wall time of each step in seconds.
    pub timings: Vec<(&'static str, f64)>,
}

fn check(a: &Dataset, b: &Dataset) -> Result<()> {
    if a.columns.is_empty() {
        return Err(LinkageError::Invalid(
            "at least one --field is needed".into(),
        ));
    }
    if a.columns.len() > MAX_FIELDS {
        return Err(LinkageError::Invalid(format!(
            "at most {MAX_FIELDS} fields are supported"
        )));
    }
    if a.kinds() != b.kinds() {
        return Err(LinkageError::Invalid(
            "both inputs must have the same fields".into(),
        ));
    }
    Ok(())
}

fn patterns(cmp: &Comparer<'_>, pairs: &[(u32, u32)], threads: usize) -> Vec<Pattern> {
    let threads = threads.max(1);
    if threads == 1 || pairs.len() < 100_000 {
        return pairs
            .iter()
            .map(|&(i, j)| cmp.pattern(i as usize, j as usize))
            .collect();
    }
    let chunk = pairs.len().div_ceil(threads);
    let mut out: Vec<Pattern> = Vec::with_capacity(pairs.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|&(i, j)| cmp.pattern(i as usize, j as usize))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(_) => out.clear(),
            }
        }
    });
    if out.len() != pairs.len() {
        // a worker failed (cannot happen without a bug); fall back to one thread
        return pairs
            .iter()
            .map(|&(i, j)| cmp.pattern(i as usize, j as usize))
            .collect();
    }
    out
}

fn run(a: &Dataset, b: &Dataset, same: bool, opts: &LinkOptions) -> Result<LinkOutcome> {
    check(a, b)?;
    if !(0.0..=1.0).contains(&opts.threshold) {
        return Err(LinkageError::Invalid(
            "threshold must be a probability in [0, 1]".into(),
        ));
    }
    let rules = opts
        .rules
        .clone()
        .unwrap_or_else(|| default_rules(&a.kinds()));
    if rules.is_empty() {
        return Err(LinkageError::Invalid(
            "no blocking rule applies to the given fields".into(),
        ));
    }
    let mut timings = Vec::new();
    let mut t = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, t.elapsed().as_secs_f64()));
        t = std::time::Instant::now();
    };
    let (cands, blocking) = if same {
        dedupe_pairs(a, &rules, opts.max_block_pairs)
    } else {
        link_pairs(a, b, &rules, opts.max_block_pairs)
    };
    lap("blocking", &mut timings);
    let cmp = Comparer::new(a, b);
    let pats = patterns(&cmp, &cands, opts.threads);
    lap("comparing", &mut timings);
    let mut model = Model::train(&cmp, &cands, &pats, &rules, same, &opts.train);
    model.cap_location = opts.household_aware;
    lap("training", &mut timings);
    let mut pairs: Vec<(u32, u32, f64)> = cands
        .iter()
        .zip(&pats)
        .filter(|(_, p)| !opts.household_aware || model.has_identity_evidence(**p))
        .filter_map(|(&(i, j), &p)| {
            let pr = probability(model.match_weight(&cmp, i as usize, j as usize, p));
            (pr >= opts.threshold).then_some((i, j, pr))
        })
        .collect();
    if opts.one_to_one && !same {
        pairs = greedy_one_to_one(pairs);
    }
    pairs.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    let clusters = same.then(|| connected_components(a.len(), pairs.iter().map(|p| (p.0, p.1))));
    lap("scoring and clustering", &mut timings);
    Ok(LinkOutcome {
        timings,
        pairs,
        candidates: cands.len(),
        model,
        blocking,
        clusters,
    })
}

/// Link two datasets: pairs judged the same.
pub fn link(a: &Dataset, b: &Dataset, opts: &LinkOptions) -> Result<LinkOutcome> {
    run(a, b, false, opts)
}

/// Deduplicate one dataset: matched pairs and clusters.
pub fn dedupe(d: &Dataset, opts: &LinkOptions) -> Result<LinkOutcome> {
    run(d, d, true, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::FieldKind::{self, *};

    const KINDS: [FieldKind; 5] = [GivenName, FamilyName, DateOfBirth, Postcode, City];

    fn person(rng: &mut crate::fellegi_sunter::SplitMix64, i: usize) -> Vec<String> {
        const G: [&str; 12] = [
            "anna", "ben", "carla", "david", "elena", "farid", "gita", "hugo", "ines", "jamal",
            "kira", "liam",
        ];
        const F: [&str; 12] = [
            "smith", "nguyen", "garcia", "kowalski", "okafor", "haddad", "silva", "ivanova",
            "tanaka", "murphy", "schmidt", "rossi",
        ];
        const C: [&str; 6] = ["lyon", "porto", "gdansk", "lagos", "osaka", "cork"];
        vec![
            G[rng.below(12)].to_string(),
            F[rng.below(12)].to_string(),
            format!(
                "19{:02}{:02}{:02}",
                40 + rng.below(60),
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            format!("{}", 1000 + rng.below(9000)),
            C[i % 6].to_string(),
        ]
    }

    fn corrupt(rng: &mut crate::fellegi_sunter::SplitMix64, mut r: Vec<String>) -> Vec<String> {
        let f = rng.below(5);
        if f == 0 {
            r[0].push('e'); // typo in given name
        } else if f == 1 {
            r[3] = String::new(); // missing postcode
        } else if f == 2 {
            r.swap(0, 1); // swapped names
        }
        r
    }

    fn datasets() -> (Dataset, Dataset, usize) {
        let mut rng = crate::fellegi_sunter::SplitMix64::new(7);
        let n = 400;
        let a_rows: Vec<Vec<String>> = (0..n).map(|i| person(&mut rng, i)).collect();
        let b_rows: Vec<Vec<String>> = a_rows
            .iter()
            .map(|r| corrupt(&mut rng, r.clone()))
            .collect();
        let ids = |p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
        let a = Dataset::from_rows(&KINDS, ids("a"), &a_rows);
        let b = Dataset::from_rows(&KINDS, ids("b"), &b_rows);
        match (a, b) {
            (Ok(a), Ok(b)) => (a, b, n),
            _ => panic!("datasets"),
        }
    }

    #[test]
    fn link_finds_corrupted_copies() {
        let (a, b, n) = datasets();
        let out = match link(
            &a,
            &b,
            &LinkOptions {
                one_to_one: true,
                ..LinkOptions::default()
            },
        ) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let tp = out.pairs.iter().filter(|p| p.0 == p.1).count();
        let fp = out.pairs.len() - tp;
        // every b record is a corrupted copy of the a record with the same index
        assert!(tp as f64 >= 0.95 * n as f64, "recall too low: {tp}/{n}");
        assert!(fp as f64 <= 0.02 * n as f64, "too many false links: {fp}");
        // the model learnt that exact date-of-birth agreement is strong evidence
        let dob = &out.model.fields[2];
        assert!(dob.m[5] / dob.u[5] > 100.0);
    }

    #[test]
    fn dedupe_clusters_copies_together() {
        let (a, b, n) = datasets();
        let mut rows_ids = a.ids.clone();
        rows_ids.extend(b.ids.iter().cloned());
        let rows: Vec<Vec<String>> = (0..n)
            .map(|i| a.columns.iter().map(|c| c.raw[i].clone()).collect())
            .chain((0..n).map(|i| b.columns.iter().map(|c| c.raw[i].clone()).collect()))
            .collect();
        let d = match Dataset::from_rows(&KINDS, rows_ids, &rows) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let out = match dedupe(&d, &LinkOptions::default()) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let clusters = out.clusters.unwrap_or_default();
        let together = (0..n).filter(|&i| clusters[i] == clusters[i + n]).count();
        assert!(together as f64 >= 0.95 * n as f64, "{together}/{n}");
        let mut sizes = std::collections::HashMap::new();
        for c in &clusters {
            *sizes.entry(*c).or_insert(0) += 1;
        }
        assert!(sizes.values().all(|&s| s <= 3), "over-merged clusters");
    }

    #[test]
    fn explanation_sums_to_the_weight() {
        let (a, b, _) = datasets();
        let out = match link(&a, &b, &LinkOptions::default()) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let cmp = Comparer::new(&a, &b);
        let e = out.model.explain(&cmp, 3, 3);
        let sum: f64 =
            e.prior_log2_odds + e.fields.iter().map(|f| f.log2_bayes_factor).sum::<f64>();
        assert!((sum - e.match_weight).abs() < 1e-9);
        assert_eq!(e.fields.len(), 5);
        // a disagreeing pair gets negative contributions for disagreeing fields
        let far = (0..b.len())
            .find(|&j| {
                b.columns[2].keys[j] != a.columns[2].keys[3] && b.columns[2].keys[j].is_some()
            })
            .unwrap_or(0);
        let e2 = out.model.explain(&cmp, 3, far);
        assert!(e2.probability < e.probability);
    }

    #[test]
    fn household_aware_scoring_keeps_relatives_apart() {
        // 150 households of 3 relatives: same family name, city, postcode (and street),
        // different given names and dates of birth; each relative also appears a second time
        // with a typo in the given name.
        const KINDS: [FieldKind; 6] = [GivenName, FamilyName, DateOfBirth, Postcode, City, Street];
        const G: [&str; 9] = [
            "anna", "bilal", "chloe", "dmitri", "esther", "farid", "goran", "yusuf", "ivan",
        ];
        let mut rng = crate::fellegi_sunter::SplitMix64::new(3);
        let (mut ids, mut rows) = (Vec::new(), Vec::new());
        for h in 0..150 {
            let fam = format!("fam{h}x{}", rng.below(1000));
            let street = format!("{} street {}", h, rng.below(50));
            for m in 0..3 {
                let g = G[(h + 3 * m) % 9].to_string();
                let dob = format!(
                    "19{:02}{:02}{:02}",
                    31 + 17 * m,
                    1 + rng.below(12),
                    1 + rng.below(28)
                );
                for copy in 0..2 {
                    let g = if copy == 1 {
                        format!("{g}h")
                    } else {
                        g.clone()
                    };
                    ids.push(format!("h{h}m{m}c{copy}"));
                    rows.push(vec![
                        g,
                        fam.clone(),
                        dob.clone(),
                        format!("{}", 1000 + h),
                        format!("city{}", h % 7),
                        street.clone(),
                    ]);
                }
            }
        }
        let d = match Dataset::from_rows(&KINDS, ids.clone(), &rows) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let person = |i: usize| ids[i].split('c').next().unwrap_or("").to_string();
        let count = |opts: &LinkOptions| -> (usize, usize) {
            let out = match dedupe(&d, opts) {
                Ok(o) => o,
                Err(e) => panic!("{e}"),
            };
            let c = out.clusters.unwrap_or_default();
            let (mut together, mut merged_relatives) = (0, 0);
            for i in 0..d.len() {
                for j in i + 1..d.len() {
                    if c[i] == c[j] {
                        if person(i) == person(j) {
                            together += 1
                        } else {
                            merged_relatives += 1
                        }
                    }
                }
            }
            (together, merged_relatives)
        };
        let aware = LinkOptions {
            household_aware: true,
            ..LinkOptions::default()
        };
        let (together, merged) = count(&aware);
        assert_eq!(merged, 0, "relatives merged");
        assert!(together >= 440, "copies found: {together}/450");
        // the textbook model (all fields summed) merges households in this data
        let (_, merged_plain) = count(&LinkOptions::default());
        assert!(merged_plain > 0);
    }

    #[test]
    fn mismatched_fields_are_rejected() {
        let (a, _, _) = datasets();
        let b = match Dataset::from_rows(&[GivenName], vec!["x".into()], &[vec!["y".into()]]) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert!(link(&a, &b, &LinkOptions::default()).is_err());
    }
}
