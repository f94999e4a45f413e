//! Blocking: candidate pairs are the union of pairs that agree exactly on the key of at least
//! one blocking rule. A key is built from one or more fields' matching keys; a record with a
//! missing value in a rule's fields is not blocked by that rule.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::data::Dataset;
use crate::normalise::FieldKind;

/// A blocking rule: the left record's key is built from `left`, the right record's from
/// `right` (equal except for cross-field rules such as swapped given/family names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingRule {
    /// Fields of the left record's key.
    pub left: Vec<FieldKind>,
    /// Fields of the right record's key.
    pub right: Vec<FieldKind>,
}

impl BlockingRule {
    /// Rule on the same fields on both sides.
    pub fn on(fields: &[FieldKind]) -> Self {
        BlockingRule {
            left: fields.to_vec(),
            right: fields.to_vec(),
        }
    }

    /// Display form, e.g. `given_name+family_name` or `given_name+family_name~family_name+given_name`.
    pub fn describe(&self) -> String {
        let j = |v: &[FieldKind]| v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("+");
        if self.left == self.right {
            j(&self.left)
        } else {
            format!("{}~{}", j(&self.left), j(&self.right))
        }
    }

    /// All fields of the rule (both sides).
    pub fn fields(&self) -> Vec<FieldKind> {
        let mut v: Vec<FieldKind> = self.left.iter().chain(&self.right).copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Default rules for the fields present: names, swapped names, date of birth, postcode,
/// street number + street, city + family name, full name, phone, email, document number.
pub fn default_rules(kinds: &[FieldKind]) -> Vec<BlockingRule> {
    use FieldKind::*;
    let has = |k: FieldKind| kinds.contains(&k);
    let mut rules = Vec::new();
    if has(GivenName) && has(FamilyName) {
        rules.push(BlockingRule::on(&[GivenName, FamilyName]));
        rules.push(BlockingRule {
            left: vec![GivenName, FamilyName],
            right: vec![FamilyName, GivenName],
        });
    }
    for single in [
        FullName,
        DateOfBirth,
        Postcode,
        Phone,
        Email,
        DocumentNumber,
    ] {
        if has(single) {
            rules.push(BlockingRule::on(&[single]));
        }
    }
    if has(StreetNumber) && has(Street) {
        rules.push(BlockingRule::on(&[StreetNumber, Street]));
    }
    if has(City) && has(FamilyName) {
        rules.push(BlockingRule::on(&[City, FamilyName]));
    }
    rules
}

fn key_hash(ds: &Dataset, cols: &[usize], i: usize) -> Option<u64> {
    let mut h = DefaultHasher::new();
    for &c in cols {
        let k = ds.columns[c].keys[i].as_deref()?;
        k.hash(&mut h);
        0xffu8.hash(&mut h);
    }
    Some(h.finish())
}

fn column_indices(ds: &Dataset, fields: &[FieldKind]) -> Option<Vec<usize>> {
    fields
        .iter()
        .map(|k| ds.columns.iter().position(|c| c.kind == *k))
        .collect()
}

fn sorted_keys(ds: &Dataset, cols: &[usize]) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = (0..ds.len())
        .filter_map(|i| key_hash(ds, cols, i).map(|h| (h, i as u32)))
        .collect();
    v.sort_unstable();
    v
}

fn groups(v: &[(u64, u32)]) -> impl Iterator<Item = &[(u64, u32)]> {
    v.chunk_by(|a, b| a.0 == b.0)
}

/// Statistics of one blocking run.
#[derive(Debug, Clone, Default)]
pub struct BlockingStats {
    /// Pairs generated per rule (before the union).
    pub pairs_per_rule: Vec<(String, u64)>,
    /// Blocks skipped because they would produce more than `max_block_pairs` pairs.
    pub oversized_blocks: u64,
}

/// Candidate pairs of a link between two datasets: `(left_index, right_index)`, sorted and
/// unique. Blocks that would produce more than `max_block_pairs` pairs are skipped (and
/// counted in the stats).
pub fn link_pairs(
    a: &Dataset,
    b: &Dataset,
    rules: &[BlockingRule],
    max_block_pairs: u64,
) -> (Vec<(u32, u32)>, BlockingStats) {
    let mut all: Vec<u64> = Vec::new();
    let mut stats = BlockingStats::default();
    for rule in rules {
        let (Some(lc), Some(rc)) = (
            column_indices(a, &rule.left),
            column_indices(b, &rule.right),
        ) else {
            continue;
        };
        let ka = sorted_keys(a, &lc);
        let kb = sorted_keys(b, &rc);
        let before = all.len();
        let (mut i, mut j) = (0usize, 0usize);
        let ga: Vec<&[(u64, u32)]> = groups(&ka).collect();
        let gb: Vec<&[(u64, u32)]> = groups(&kb).collect();
        while i < ga.len() && j < gb.len() {
            let (ha, hb) = (ga[i][0].0, gb[j][0].0);
            if ha < hb {
                i += 1;
            } else if hb < ha {
                j += 1;
            } else {
                if (ga[i].len() as u64) * (gb[j].len() as u64) > max_block_pairs {
                    stats.oversized_blocks += 1;
                } else {
                    for &(_, x) in ga[i] {
                        for &(_, y) in gb[j] {
                            all.push(((x as u64) << 32) | y as u64);
                        }
                    }
                }
                i += 1;
                j += 1;
            }
        }
        stats
            .pairs_per_rule
            .push((rule.describe(), (all.len() - before) as u64));
        all.sort_unstable();
        all.dedup();
    }
    (
        all.into_iter()
            .map(|p| ((p >> 32) as u32, p as u32))
            .collect(),
        stats,
    )
}

/// Candidate pairs of a deduplication: `(i, j)` with `i < j`, sorted and unique.
pub fn dedupe_pairs(
    d: &Dataset,
    rules: &[BlockingRule],
    max_block_pairs: u64,
) -> (Vec<(u32, u32)>, BlockingStats) {
    let mut all: Vec<u64> = Vec::new();
    let mut stats = BlockingStats::default();
    let push = |all: &mut Vec<u64>, x: u32, y: u32| {
        if x != y {
            let (p, q) = if x < y { (x, y) } else { (y, x) };
            all.push(((p as u64) << 32) | q as u64);
        }
    };
    for rule in rules {
        let before = all.len();
        if rule.left == rule.right {
            let Some(c) = column_indices(d, &rule.left) else {
                continue;
            };
            let k = sorted_keys(d, &c);
            for g in groups(&k) {
                let n = g.len() as u64;
                if n * (n - 1) / 2 > max_block_pairs {
                    stats.oversized_blocks += 1;
                    continue;
                }
                for (s, &(_, x)) in g.iter().enumerate() {
                    for &(_, y) in &g[s + 1..] {
                        push(&mut all, x, y);
                    }
                }
            }
        } else {
            let (Some(lc), Some(rc)) = (
                column_indices(d, &rule.left),
                column_indices(d, &rule.right),
            ) else {
                continue;
            };
            let ka = sorted_keys(d, &lc);
            let kb = sorted_keys(d, &rc);
            let ga: Vec<&[(u64, u32)]> = groups(&ka).collect();
            let gb: Vec<&[(u64, u32)]> = groups(&kb).collect();
            let (mut i, mut j) = (0usize, 0usize);
            while i < ga.len() && j < gb.len() {
                let (ha, hb) = (ga[i][0].0, gb[j][0].0);
                if ha < hb {
                    i += 1;
                } else if hb < ha {
                    j += 1;
                } else {
                    if (ga[i].len() as u64) * (gb[j].len() as u64) > max_block_pairs {
                        stats.oversized_blocks += 1;
                    } else {
                        for &(_, x) in ga[i] {
                            for &(_, y) in gb[j] {
                                push(&mut all, x, y);
                            }
                        }
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        stats
            .pairs_per_rule
            .push((rule.describe(), (all.len() - before) as u64));
        all.sort_unstable();
        all.dedup();
    }
    (
        all.into_iter()
            .map(|p| ((p >> 32) as u32, p as u32))
            .collect(),
        stats,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::FieldKind::*;

    fn ds(rows: &[[&str; 3]]) -> Dataset {
        let ids = (0..rows.len()).map(|i| i.to_string()).collect();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        match Dataset::from_rows(&[GivenName, FamilyName, Postcode], ids, &rows) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn dedupe_blocks_on_names_swapped_names_and_postcode() {
        let d = ds(&[
            ["ann", "lee", "1000"],
            ["Ann", "LEE", "2000"], // same names as 0
            ["lee", "ann", "3000"], // swapped names of 0 and 1
            ["bob", "ray", "3000"], // same postcode as 2
            ["cy", "", ""],         // missing values: never blocked
        ]);
        let rules = default_rules(&d.kinds());
        let (pairs, _) = dedupe_pairs(&d, &rules, 1_000);
        assert_eq!(pairs, vec![(0, 1), (0, 2), (1, 2), (2, 3)]);
    }

    #[test]
    fn link_blocks_and_skips_oversized_blocks() {
        let a = ds(&[["ann", "lee", "1000"], ["bob", "ray", "1000"]]);
        let b = ds(&[
            ["ann", "lee", "9"],
            ["zed", "x", "1000"],
            ["lee", "ann", "7"],
        ]);
        let (pairs, _) = link_pairs(&a, &b, &default_rules(&a.kinds()), 1_000);
        assert_eq!(pairs, vec![(0, 0), (0, 1), (0, 2), (1, 1)]);
        // postcode block 1000 has 2 x 1 = 2 pairs; with a limit of 1 it is skipped
        let (pairs, stats) = link_pairs(&a, &b, &default_rules(&a.kinds()), 1);
        assert_eq!(pairs, vec![(0, 0), (0, 2)]);
        assert_eq!(stats.oversized_blocks, 1);
    }
}
