//! The Fellegi–Sunter model: per field and comparison level, `m` = P(level | match) and
//! `u` = P(level | non-match). `u` is estimated from random pairs (exact-agreement `u` from the
//! value frequencies, which is exact rather than sampled); `m` by expectation maximisation on
//! the blocked pairs, as Splink does: one EM run per blocking rule, each ignoring the fields
//! that the rule forces to agree, then averaged. Exact agreements on names, places and codes
//! get a term-frequency adjustment (agreeing on a rare value is stronger evidence).

use std::collections::HashMap;

use crate::blocking::BlockingRule;
use crate::compare::Comparator;
use crate::data::Dataset;
use crate::normalise::FieldKind;

/// Packed comparison vector: 4 bits per field, `0xF` = missing.
pub type Pattern = u64;
const NULL: u64 = 0xF;
/// Maximum number of fields in a model.
pub const MAX_FIELDS: usize = 16;

/// Compares records of two datasets (or of one dataset with itself).
pub struct Comparer<'a> {
    a: &'a Dataset,
    b: &'a Dataset,
    comps: Vec<Comparator>,
    names: Option<(usize, usize)>,
}

impl<'a> Comparer<'a> {
    /// A comparer over the fields of `a` (which `b` must share, in the same order).
    pub fn new(a: &'a Dataset, b: &'a Dataset) -> Self {
        let comps = a
            .columns
            .iter()
            .map(|c| Comparator::for_kind(c.kind))
            .collect();
        let pos = |k: FieldKind| a.columns.iter().position(|c| c.kind == k);
        let names = match (pos(FieldKind::GivenName), pos(FieldKind::FamilyName)) {
            (Some(g), Some(f)) => Some((g, f)),
            _ => None,
        };
        Comparer { a, b, comps, names }
    }

    /// Comparators, one per field.
    pub fn comparators(&self) -> &[Comparator] {
        &self.comps
    }

    /// Level of field `f` for the pair, or `None` when a value is missing.
    pub fn field_level(&self, f: usize, i: usize, j: usize) -> Option<u8> {
        let x = self.a.columns[f].keys[i].as_deref()?;
        let y = self.b.columns[f].keys[j].as_deref()?;
        Some(self.comps[f].level(x, y))
    }

    /// Comparison vector of a pair (given and family names swapped count as exact).
    #[allow(clippy::needless_range_loop)]
    pub fn pattern(&self, i: usize, j: usize) -> Pattern {
        let mut p: Pattern = 0;
        let mut levels = [NULL as u8; MAX_FIELDS];
        for f in 0..self.comps.len().min(MAX_FIELDS) {
            levels[f] = self.field_level(f, i, j).unwrap_or(NULL as u8);
        }
        if let Some((g, fam)) = self.names {
            let ex = self.comps[g].exact_level();
            if levels[g] != ex || levels[fam] != ex {
                fn key(d: &Dataset, c: usize, r: usize) -> Option<&str> {
                    d.columns[c].keys[r].as_deref()
                }
                if key(self.a, g, i).is_some()
                    && key(self.a, g, i) == key(self.b, fam, j)
                    && key(self.a, fam, i) == key(self.b, g, j)
                {
                    levels[g] = ex;
                    levels[fam] = ex;
                }
            }
        }
        for (f, l) in levels
            .iter()
            .enumerate()
            .take(self.comps.len().min(MAX_FIELDS))
        {
            p |= (*l as u64) << (4 * f);
        }
        p
    }

    /// Whether the pair agrees exactly on a blocking rule's keys.
    pub fn agrees_on(&self, rule: &BlockingRule, i: usize, j: usize) -> bool {
        rule.left.iter().zip(&rule.right).all(|(l, r)| {
            let cl = self.a.columns.iter().position(|c| c.kind == *l);
            let cr = self.b.columns.iter().position(|c| c.kind == *r);
            match (cl, cr) {
                (Some(cl), Some(cr)) => {
                    let x = self.a.columns[cl].keys[i].as_deref();
                    x.is_some() && x == self.b.columns[cr].keys[j].as_deref()
                }
                _ => false,
            }
        })
    }
}

/// Level of field `f` in a packed pattern.
pub fn level_of(p: Pattern, f: usize) -> Option<u8> {
    let l = (p >> (4 * f)) & 0xF;
    if l == NULL { None } else { Some(l as u8) }
}

/// Parameters of one field.
#[derive(Debug, Clone)]
pub struct FieldParams {
    /// Field kind.
    pub kind: FieldKind,
    /// Comparator.
    pub comparator: Comparator,
    /// P(level | match), indexed by level.
    pub m: Vec<f64>,
    /// P(level | non-match), indexed by level.
    pub u: Vec<f64>,
    /// Relative frequency of each value (for the term-frequency adjustment of exact matches).
    pub tf: Option<HashMap<Box<str>, f64>>,
}

/// A trained Fellegi–Sunter model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Field parameters, in dataset column order.
    pub fields: Vec<FieldParams>,
    /// Prior probability that two random records match.
    pub lambda: f64,
    /// Count only the strongest positive agreement among the location fields (see
    /// [`is_location`]); off by default (the textbook model sums all fields).
    pub cap_location: bool,
}

/// One field's contribution to a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldContribution {
    /// Field kind.
    pub kind: FieldKind,
    /// Left value (original text).
    pub left: String,
    /// Right value (original text).
    pub right: String,
    /// Comparison level (`None` = a value is missing; contributes 0).
    pub level: Option<u8>,
    /// Label of the level.
    pub label: &'static str,
    /// log2 Bayes factor m/u (with the term-frequency adjustment when applied).
    pub log2_bayes_factor: f64,
}

/// Explanation of a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// log2 of the prior odds λ/(1-λ).
    pub prior_log2_odds: f64,
    /// Per-field contributions.
    pub fields: Vec<FieldContribution>,
    /// Total match weight = prior + Σ contributions.
    pub match_weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// Small deterministic PRNG (SplitMix64) for sampling random pairs. Not for cryptography.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

fn uses_tf(kind: FieldKind) -> bool {
    kind.is_name()
        || matches!(
            kind,
            FieldKind::City | FieldKind::Postcode | FieldKind::StreetNumber
        )
}

fn frequencies(a: &Dataset, b: &Dataset, f: usize, same: bool) -> (HashMap<Box<str>, f64>, f64) {
    // returns value -> relative frequency (over both sides), and P(two random values agree)
    let mut ca: HashMap<&str, u64> = HashMap::new();
    let mut cb: HashMap<&str, u64> = HashMap::new();
    for k in a.columns[f].keys.iter().flatten() {
        *ca.entry(k).or_default() += 1;
    }
    if !same {
        for k in b.columns[f].keys.iter().flatten() {
            *cb.entry(k).or_default() += 1;
        }
    }
    let na: u64 = ca.values().sum();
    let nb: u64 = if same { na } else { cb.values().sum() };
    let mut agree = 0.0;
    if na > 0 && nb > 0 {
        if same {
            let n = na as f64;
            for &c in ca.values() {
                agree += (c as f64) * (c as f64 - 1.0);
            }
            agree /= (n * (n - 1.0)).max(1.0);
        } else {
            for (k, &c) in &ca {
                if let Some(&d) = cb.get(k) {
                    agree += (c as f64 / na as f64) * (d as f64 / nb as f64);
                }
            }
        }
    }
    let total = (na + if same { 0 } else { nb }) as f64;
    let mut tf: HashMap<Box<str>, f64> = HashMap::with_capacity(ca.len() + cb.len());
    for (k, c) in ca.iter().chain(cb.iter()) {
        *tf.entry((*k).into()).or_default() += *c as f64 / total.max(1.0);
    }
    (tf, agree)
}

/// Options of training.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Random pairs sampled for `u` (the non-exact levels).
    pub u_sample: usize,
    /// Maximum EM iterations per rule.
    pub em_iterations: usize,
    /// Seed of the sampler.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            u_sample: 200_000,
            em_iterations: 50,
            seed: 42,
        }
    }
}

/// Relative frequency of each value of a field.
pub type TermFrequencies = HashMap<Box<str>, f64>;

/// Estimate `u` for every field from random pairs; exact-level `u` from value frequencies.
#[allow(clippy::needless_range_loop)]
fn estimate_u(
    cmp: &Comparer<'_>,
    same: bool,
    opts: &TrainOptions,
) -> (Vec<Vec<f64>>, Vec<Option<TermFrequencies>>) {
    let (a, b) = (cmp.a, cmp.b);
    let nf = cmp.comps.len();
    let mut counts: Vec<Vec<f64>> = cmp.comps.iter().map(|c| vec![0.0; c.n_levels()]).collect();
    let mut rng = SplitMix64::new(opts.seed);
    if a.len() > 1 && !b.is_empty() {
        for _ in 0..opts.u_sample {
            let i = rng.below(a.len());
            let mut j = rng.below(b.len());
            if same && i == j {
                j = (j + 1) % b.len();
            }
            for f in 0..nf {
                if let Some(l) = cmp.field_level(f, i, j) {
                    counts[f][l as usize] += 1.0;
                }
            }
        }
    }
    let mut us = Vec::with_capacity(nf);
    let mut tfs = Vec::with_capacity(nf);
    for f in 0..nf {
        let comp = cmp.comps[f];
        let ex = comp.exact_level() as usize;
        let (tf, agree) = frequencies(a, b, f, same);
        let n_levels = comp.n_levels();
        let other: f64 = counts[f]
            .iter()
            .enumerate()
            .filter(|(l, _)| *l != ex)
            .map(|(_, c)| c)
            .sum();
        let u_exact = agree.clamp(1e-9, 0.999_999);
        let mut u = vec![0.0; n_levels];
        u[ex] = u_exact;
        for l in 0..n_levels {
            if l != ex {
                // add-half smoothing so that no level has u = 0
                u[l] =
                    (1.0 - u_exact) * (counts[f][l] + 0.5) / (other + 0.5 * (n_levels - 1) as f64);
            }
        }
        us.push(u);
        tfs.push(if uses_tf(cmp.a.columns[f].kind) {
            Some(tf)
        } else {
            None
        });
    }
    (us, tfs)
}

fn initial_m(n_levels: usize) -> Vec<f64> {
    // most mass on exact agreement, the rest decreasing with the level
    let mut m = vec![0.0; n_levels];
    m[n_levels - 1] = 0.9;
    let rest: f64 = (1..n_levels).map(|l| l as f64).sum::<f64>().max(1.0);
    for (l, v) in m.iter_mut().enumerate().take(n_levels - 1) {
        *v = 0.1 * (l + 1) as f64 / rest;
    }
    m
}

/// EM over aggregated patterns with `u` fixed. `active[f]` says which fields take part.
/// Returns (m, lambda).
fn em(
    patterns: &[(Pattern, f64)],
    u: &[Vec<f64>],
    m0: &[Vec<f64>],
    active: &[bool],
    lambda0: f64,
    iters: usize,
    update_m: bool,
) -> (Vec<Vec<f64>>, f64) {
    let mut m = m0.to_vec();
    let mut lambda = lambda0;
    let total: f64 = patterns.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        return (m, lambda);
    }
    for _ in 0..iters {
        let mut acc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut sum_w = 0.0;
        let lbf: Vec<Vec<f64>> = m
            .iter()
            .zip(u)
            .map(|(mf, uf)| {
                mf.iter()
                    .zip(uf)
                    .map(|(a, b)| (a.max(1e-12) / b).ln())
                    .collect()
            })
            .collect();
        for &(p, c) in patterns {
            let mut log_bf = 0.0;
            for f in 0..m.len() {
                if !active[f] {
                    continue;
                }
                if let Some(l) = level_of(p, f) {
                    log_bf += lbf[f][l as usize];
                }
            }
            let odds = lambda / (1.0 - lambda) * log_bf.exp();
            let w = if odds.is_finite() {
                odds / (1.0 + odds)
            } else {
                1.0
            };
            sum_w += w * c;
            if update_m {
                for f in 0..m.len() {
                    if active[f]
                        && let Some(l) = level_of(p, f)
                    {
                        acc[f][l as usize] += w * c;
                    }
                }
            }
        }
        let new_lambda = (sum_w / total).clamp(1e-9, 1.0 - 1e-9);
        let mut delta = (new_lambda - lambda).abs();
        lambda = new_lambda;
        if update_m {
            for f in 0..m.len() {
                let s: f64 = acc[f].iter().sum();
                if active[f] && s > 0.0 {
                    for l in 0..m[f].len() {
                        let v = (acc[f][l] / s).max(1e-6);
                        delta = delta.max((v - m[f][l]).abs());
                        m[f][l] = v;
                    }
                }
            }
        }
        if delta < 1e-6 {
            break;
        }
    }
    (m, lambda)
}

fn aggregate(pats: impl Iterator<Item = Pattern>) -> Vec<(Pattern, f64)> {
    let mut h: HashMap<Pattern, f64> = HashMap::new();
    for p in pats {
        *h.entry(p).or_default() += 1.0;
    }
    let mut v: Vec<(Pattern, f64)> = h.into_iter().collect();
    v.sort_unstable_by_key(|x| x.0);
    v
}

impl Model {
    /// Train a model on the candidate pairs (with their precomputed patterns).
    /// `same` is true for deduplication (a and b are the same dataset).
    pub fn train(
        cmp: &Comparer<'_>,
        pairs: &[(u32, u32)],
        patterns: &[Pattern],
        rules: &[BlockingRule],
        same: bool,
        opts: &TrainOptions,
    ) -> Model {
        let nf = cmp.comps.len().min(MAX_FIELDS);
        let (u, tfs) = estimate_u(cmp, same, opts);
        let m0: Vec<Vec<f64>> = cmp.comps.iter().map(|c| initial_m(c.n_levels())).collect();
        let kinds: Vec<FieldKind> = cmp.a.columns.iter().map(|c| c.kind).collect();
        let mut m_sum: Vec<Vec<f64>> = m0.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut m_n = vec![0usize; nf];
        for rule in rules {
            let rf = rule.fields();
            let active: Vec<bool> = kinds.iter().map(|k| !rf.contains(k)).collect();
            // EM needs the distribution of patterns, not every pair: a fixed stride sample
            let stride = pairs.len().div_ceil(2_000_000).max(1);
            let agg = aggregate(
                pairs
                    .iter()
                    .zip(patterns)
                    .step_by(stride)
                    .filter(|((i, j), _)| cmp.agrees_on(rule, *i as usize, *j as usize))
                    .map(|(_, p)| *p),
            );
            if agg.iter().map(|x| x.1).sum::<f64>() < 10.0 {
                continue;
            }
            let (m, _) = em(&agg, &u, &m0, &active, 0.3, opts.em_iterations, true);
            for f in 0..nf {
                if active[f] {
                    m_n[f] += 1;
                    for l in 0..m[f].len() {
                        m_sum[f][l] += m[f][l];
                    }
                }
            }
        }
        let m: Vec<Vec<f64>> = (0..nf)
            .map(|f| {
                if m_n[f] > 0 {
                    m_sum[f].iter().map(|v| v / m_n[f] as f64).collect()
                } else {
                    m0[f].clone()
                }
            })
            .collect();
        // λ among the candidates (m and u fixed), then scaled to all pairs
        let all = aggregate(patterns.iter().copied());
        let active = vec![true; nf];
        let (_, lambda_cand) = em(&all, &u, &m, &active, 0.1, opts.em_iterations, false);
        let total_pairs = if same {
            (cmp.a.len() as f64) * (cmp.a.len() as f64 - 1.0) / 2.0
        } else {
            cmp.a.len() as f64 * cmp.b.len() as f64
        };
        let lambda = (lambda_cand * pairs.len() as f64 / total_pairs.max(1.0)).clamp(1e-12, 0.5);
        let fields = (0..nf)
            .map(|f| FieldParams {
                kind: kinds[f],
                comparator: cmp.comps[f],
                m: m[f].clone(),
                u: u[f].clone(),
                tf: tfs[f].clone(),
            })
            .collect();
        Model {
            fields,
            lambda,
            cap_location: false,
        }
    }

    /// log2 Bayes factor of field `f` at `level` for the pair (with the TF adjustment).
    fn field_log2_bf(&self, cmp: &Comparer<'_>, f: usize, level: u8, i: usize, j: usize) -> f64 {
        let fp = &self.fields[f];
        let l = level as usize;
        let (m, mut u) = (
            fp.m.get(l).copied().unwrap_or(1.0),
            fp.u.get(l).copied().unwrap_or(1.0),
        );
        if level == fp.comparator.exact_level()
            && let Some(tf) = &fp.tf
        {
            let va = cmp.a.columns[f].keys[i].as_deref();
            let vb = cmp.b.columns[f].keys[j].as_deref();
            if va.is_some()
                && va == vb
                && let Some(&freq) = va.and_then(|v| tf.get(v))
            {
                u = freq.max(1e-9);
            }
        }
        (m.max(1e-12) / u.max(1e-12)).log2()
    }

    /// Match weight (log2 odds) of a pair.
    pub fn match_weight(&self, cmp: &Comparer<'_>, i: usize, j: usize, p: Pattern) -> f64 {
        let mut w = (self.lambda / (1.0 - self.lambda)).log2();
        let (mut loc_sum, mut loc_max) = (0.0f64, 0.0f64);
        for f in 0..self.fields.len() {
            if let Some(l) = level_of(p, f) {
                let c = self.field_log2_bf(cmp, f, l, i, j);
                w += c;
                if self.cap_location && is_location(self.fields[f].kind) && c > 0.0 {
                    loc_sum += c;
                    loc_max = loc_max.max(c);
                }
            }
        }
        w - (loc_sum - loc_max)
    }

    /// Whether the pair has evidence on personal identity (not only on a shared address,
    /// phone or family name): given or full name at least fairly similar (Jaro-Winkler ≥
    /// 0.88), a date of birth within a month, or an exact document number or e-mail.
    /// Relatives in one household agree on location and family name but not on these.
    pub fn has_identity_evidence(&self, p: Pattern) -> bool {
        let mut any_identity_field = false;
        for (f, fp) in self.fields.iter().enumerate() {
            let min = match fp.kind {
                FieldKind::GivenName | FieldKind::FullName => 2,
                FieldKind::DateOfBirth => 3,
                FieldKind::DocumentNumber => 3,
                FieldKind::Email => 2,
                _ => continue,
            };
            any_identity_field = true;
            if level_of(p, f).is_some_and(|l| l >= min) {
                return true;
            }
        }
        // without any identity field configured, the guard cannot apply
        !any_identity_field
    }

    /// Per-field explanation of a pair's score.
    pub fn explain(&self, cmp: &Comparer<'_>, i: usize, j: usize) -> Explanation {
        let p = cmp.pattern(i, j);
        let prior = (self.lambda / (1.0 - self.lambda)).log2();
        let mut total = prior;
        let (mut loc_sum, mut loc_max) = (0.0f64, 0.0f64);
        let mut fields: Vec<FieldContribution> = (0..self.fields.len())
            .map(|f| {
                let level = level_of(p, f);
                let w = level
                    .map(|l| self.field_log2_bf(cmp, f, l, i, j))
                    .unwrap_or(0.0);
                total += w;
                if self.cap_location && is_location(self.fields[f].kind) && w > 0.0 {
                    loc_sum += w;
                    loc_max = loc_max.max(w);
                }
                FieldContribution {
                    kind: self.fields[f].kind,
                    left: cmp.a.columns[f].raw[i].clone(),
                    right: cmp.b.columns[f].raw[j].clone(),
                    level,
                    label: level
                        .map(|l| self.fields[f].comparator.level_label(l))
                        .unwrap_or("missing"),
                    log2_bayes_factor: w,
                }
            })
            .collect();
        if loc_sum > loc_max {
            // dependent location fields count once: only the strongest agreement is kept
            let mut kept_one = false;
            for c in fields.iter_mut() {
                if is_location(c.kind) && c.log2_bayes_factor > 0.0 {
                    if !kept_one && c.log2_bayes_factor == loc_max {
                        kept_one = true;
                    } else {
                        c.log2_bayes_factor = 0.0;
                        c.label = "agrees, but counted in the strongest location field";
                    }
                }
            }
            total -= loc_sum - loc_max;
        }
        Explanation {
            prior_log2_odds: prior,
            fields,
            match_weight: total,
            probability: probability(total),
        }
    }
}

/// Location fields (street, street number, city, postcode, region, phone) are strongly
/// dependent (people at one address share all of them), so in a score only the strongest
/// positive agreement among them counts; disagreements all count.
pub fn is_location(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Street
            | FieldKind::StreetNumber
            | FieldKind::City
            | FieldKind::Postcode
            | FieldKind::Region
            | FieldKind::Phone
    )
}

/// Match probability from a match weight (log2 odds).
pub fn probability(weight: f64) -> f64 {
    let odds = weight.exp2();
    if odds.is_infinite() {
        1.0
    } else {
        odds / (1.0 + odds)
    }
}
