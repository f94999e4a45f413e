//! Sørensen–Dice similarity of CLKs, 2|A∧B| / (|A| + |B|), with a popcount kernel, and
//! candidate generation above a threshold.
//!
//! The filters are stored contiguously as `u64` words. Candidate generation sorts both sides
//! by popcount, so for each left filter only the right filters whose popcount can reach the
//! threshold are compared (|B| ∈ [|A|·t/(2−t), |A|·(2−t)/t]). The right side is transposed
//! in blocks of 8 filters (word q of the 8 filters side by side) and each block is compared
//! with 8 left filters at once: with AVX-512 VPOPCNTDQ (chosen at run time) one vector AND,
//! popcount and add per word and left filter, no horizontal sums.

use super::Clk;
use crate::error::LinkageError;

/// A set of equal-length CLKs in contiguous storage, with their popcounts.
#[derive(Debug, Clone)]
pub struct ClkSet {
    /// Bytes per filter (the filters' own length).
    bytes: usize,
    words: usize,
    data: Vec<u64>,
    counts: Vec<u32>,
}

impl ClkSet {
    /// Pack CLKs (all of the same length). A length that is not a multiple of 64 bits (folded
    /// or balanced filters of odd sizes) is padded with zero bits, which change neither the
    /// popcounts nor the common-bit counts, hence not the Dice similarities.
    pub fn new(clks: &[Clk]) -> Result<Self, LinkageError> {
        let bytes = clks.first().map(|c| c.as_bytes().len()).unwrap_or(0);
        let words = bytes.div_ceil(8);
        let mut data = Vec::with_capacity(words * clks.len());
        let mut counts = Vec::with_capacity(clks.len());
        for (i, c) in clks.iter().enumerate() {
            if c.as_bytes().len() != bytes {
                return Err(LinkageError::Encoding {
                    record: format!("#{i}"),
                    message: "CLKs of different lengths".into(),
                });
            }
            let start = data.len();
            data.extend(c.as_bytes().chunks(8).map(|w| {
                let mut word = [0u8; 8];
                word[..w.len()].copy_from_slice(w);
                u64::from_le_bytes(word)
            }));
            counts.push(data[start..].iter().map(|w| w.count_ones()).sum());
        }
        Ok(ClkSet {
            bytes,
            words,
            data,
            counts,
        })
    }

    /// Words (u64) per filter, padding included.
    pub fn words(&self) -> usize {
        self.words
    }

    /// Length of the filters in bits (0 for an empty set); sets of different lengths are
    /// never compared.
    pub fn len_bits(&self) -> usize {
        self.bytes * 8
    }

    /// Number of filters.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    fn row(&self, i: usize) -> &[u64] {
        &self.data[i * self.words..(i + 1) * self.words]
    }

    /// Dice similarity of left filter `i` and right filter `j` of `other`.
    pub fn dice(&self, i: usize, other: &ClkSet, j: usize) -> f64 {
        dice_words(self.row(i), self.counts[i], other.row(j), other.counts[j])
    }
}

/// Dice similarity of two word slices with known popcounts (0 when both are empty).
pub fn dice_words(a: &[u64], ca: u32, b: &[u64], cb: u32) -> f64 {
    let total = ca + cb;
    if total == 0 {
        return 0.0;
    }
    2.0 * and_count(a, b) as f64 / total as f64
}

#[inline]
fn and_count(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

/// Dice similarity of two CLKs of the same length.
pub fn dice(a: &Clk, b: &Clk) -> f64 {
    let (ca, cb) = (a.count_ones(), b.count_ones());
    if ca + cb == 0 {
        return 0.0;
    }
    let common: u32 = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .map(|(x, y)| (x & y).count_ones())
        .sum();
    2.0 * common as f64 / (ca + cb) as f64
}

/// A candidate pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Dice similarity.
    pub similarity: f64,
    /// Left index.
    pub left: u32,
    /// Right index.
    pub right: u32,
}

/// All pairs with Dice ≥ `threshold`, sorted by decreasing similarity, then left, then right
/// index. Also returns the number of Dice comparisons made.
pub fn candidates_counted(left: &ClkSet, right: &ClkSet, threshold: f64) -> (Vec<Candidate>, u64) {
    candidates_threaded(left, right, threshold, 1)
}

/// Right filters per block of the transposed right side (one 512-bit vector of words).
const LANES: usize = 8;
/// Left filters compared against each block while it sits in registers.
const ROWS: usize = 8;

/// The right side sorted by popcount and transposed in blocks of [`LANES`] filters: word `q`
/// of the filters `8b..8b+8` is stored at `blocks[(b * words + q) * 8..][..8]`, so that one
/// vector load gives the same word of eight filters. Padding lanes are zero.
struct Transposed {
    words: usize,
    len: usize,
    blocks: Vec<u64>,
    /// Popcounts in sorted order (without padding).
    counts: Vec<u32>,
    /// Original index of each sorted filter.
    order: Vec<u32>,
}

impl Transposed {
    fn new(right: &ClkSet) -> Self {
        let w = right.words;
        let mut order: Vec<u32> = (0..right.len() as u32).collect();
        order.sort_by_key(|&j| right.counts[j as usize]);
        let nblocks = right.len().div_ceil(LANES);
        let mut blocks = vec![0u64; nblocks * w * LANES];
        for (k, &j) in order.iter().enumerate() {
            let (b, l) = (k / LANES, k % LANES);
            for (q, &word) in right.row(j as usize).iter().enumerate() {
                blocks[(b * w + q) * LANES + l] = word;
            }
        }
        let counts = order.iter().map(|&j| right.counts[j as usize]).collect();
        Transposed {
            words: w,
            len: right.len(),
            blocks,
            counts,
            order,
        }
    }
}

/// What the scan needs besides the data: the threshold and its integer table.
struct Test<'a> {
    t: f64,
    /// need[s] = the smallest common-bit count c with 2c ≥ t·s (u32::MAX for s = 0).
    need: &'a [u32],
}

impl Test<'_> {
    #[inline(always)]
    fn accept(&self, c: u32, ca: u32, cb: u32) -> bool {
        self.need.get((ca + cb) as usize).is_some_and(|&n| c >= n)
    }

    /// Sorted right positions [lo, hi) whose popcount allows Dice ≥ t with a popcount `ca`
    /// (one bit of slack on each side against rounding).
    #[inline(always)]
    fn range(&self, ca: u32, counts: &[u32]) -> (usize, usize) {
        let t = self.t;
        if t <= 0.0 {
            return (0, counts.len());
        }
        let lo = (ca as f64 * t / (2.0 - t)).ceil() as u32;
        let hi = (ca as f64 * (2.0 - t) / t).floor() as u32;
        (
            counts.partition_point(|&c| c < lo.saturating_sub(1)),
            counts.partition_point(|&c| c <= hi.saturating_add(1)),
        )
    }
}

/// popcount(a & b_l) for one lane `l` of a transposed block (`block[q][l]` = word q of
/// filter l): the portable count.
#[inline(always)]
fn lane_count(a: &[u64], block: &[[u64; LANES]], l: usize) -> u32 {
    a.iter()
        .zip(block)
        .map(|(&aq, bv)| (aq & bv[l]).count_ones())
        .sum()
}

/// One group of up to [`ROWS`] left rows (sorted by popcount) against the right blocks in
/// their popcount range.
struct Group<'a> {
    /// The rows' indices.
    rows: &'a [u32],
    /// The rows' popcounts.
    cas: [u32; ROWS],
    /// The rows, padded with zero rows to [`ROWS`].
    words: &'a [Vec<u64>],
    /// The rows' words interleaved: `inter[q][r]` = word q of row r.
    inter: &'a [[u64; ROWS]],
}

/// Checks the lanes of block `b` for row `r` of the group exactly and records the pairs
/// that pass (called only when the block's best count reaches the block's lowest need).
/// `counts` are the lanes' common-bit counts.
fn confirm(
    g: &Group<'_>,
    r: usize,
    b: usize,
    right: &Transposed,
    test: &Test<'_>,
    counts: &[u64; LANES],
    out: &mut Vec<Candidate>,
) {
    for (l, &c) in counts.iter().enumerate() {
        let k = b * LANES + l;
        if k >= right.len {
            break;
        }
        let (ca, cb) = (g.cas[r], right.counts[k]);
        let c = c as u32;
        if test.accept(c, ca, cb) {
            out.push(Candidate {
                similarity: 2.0 * c as f64 / (ca + cb) as f64,
                left: g.rows[r],
                right: right.order[k],
            });
        }
    }
}

/// The lowest need of block `b` for a row of popcount `ca`: need[] grows with the popcount
/// sum and the block's first filter has the smallest popcount (a sum of 0 never passes).
#[inline(always)]
fn block_floor(test: &Test<'_>, right: &Transposed, ca: u32, b: usize) -> u32 {
    let s = (ca + right.counts[b * LANES]).max(1) as usize;
    test.need.get(s).copied().unwrap_or(u32::MAX)
}

/// Scan the left rows `part` (sorted by popcount) against the transposed right side: for
/// each group of [`ROWS`] left rows, every block of [`LANES`] right filters in their
/// popcount range is loaded once per word and AND-ed with each row's word.
///
/// Compiled once per CPU feature level and chosen at run time by `multiversion` (which
/// checks the features before calling a clone), so the binary stays portable: with AVX-512
/// VPOPCNTDQ a block word is one vector and each step is one AND, one VPOPCNTQ and one add
/// per row (safe `std::arch` intrinsics, which the clone's enabled features allow); every
/// other target, or `portable`, counts each pair with `count_ones` (the POPCNT instruction
/// where the clone enables it).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512vpopcntdq",
    "x86_64+popcnt",
    "aarch64+neon",
))]
fn scan_part(
    left: &ClkSet,
    right: &Transposed,
    test: &Test<'_>,
    part: &[u32],
    portable: bool,
) -> (Vec<Candidate>, u64) {
    let w = right.words;
    let mut out = Vec::new();
    let mut compared = 0u64;
    let mut words = vec![vec![0u64; w]; ROWS];
    let mut inter = vec![[0u64; ROWS]; w];
    for chunk in part.chunks(ROWS) {
        let mut cas = [0u32; ROWS];
        for (r, row) in words.iter_mut().enumerate() {
            match chunk.get(r) {
                Some(&i) => {
                    cas[r] = left.counts[i as usize];
                    row.copy_from_slice(left.row(i as usize));
                }
                None => row.fill(0),
            }
            for (q, &word) in row.iter().enumerate() {
                inter[q][r] = word;
            }
        }
        let (lo, _) = test.range(cas[0], &right.counts);
        let (_, hi) = test.range(cas[chunk.len() - 1], &right.counts);
        if lo >= hi {
            continue;
        }
        compared += (chunk.len() * (hi - lo)) as u64;
        let g = Group {
            rows: chunk,
            cas,
            words: &words,
            inter: &inter,
        };
        let blocks = lo / LANES..hi.div_ceil(LANES);
        multiversion::target::match_target! {
            "x86_64+avx512f+avx512vpopcntdq" => {
                if portable {
                    scan_blocks_portable(&g, blocks, right, test, &mut out);
                } else {
                    use std::arch::x86_64::*;
                    for b in blocks {
                        let (block, _) =
                            right.blocks[b * w * LANES..(b + 1) * w * LANES].as_chunks::<LANES>();
                        let mut acc = [_mm512_setzero_si512(); ROWS];
                        for (bv, av) in block.iter().zip(g.inter) {
                            let bq = _mm512_set_epi64(
                                bv[7] as i64, bv[6] as i64, bv[5] as i64, bv[4] as i64,
                                bv[3] as i64, bv[2] as i64, bv[1] as i64, bv[0] as i64,
                            );
                            for r in 0..ROWS {
                                let x = _mm512_and_si512(_mm512_set1_epi64(av[r] as i64), bq);
                                acc[r] = _mm512_add_epi64(acc[r], _mm512_popcnt_epi64(x));
                            }
                        }
                        for (r, &acc) in acc.iter().enumerate().take(chunk.len()) {
                            let floor = block_floor(test, right, cas[r], b);
                            if _mm512_cmpge_epu64_mask(acc, _mm512_set1_epi64(floor as i64)) != 0 {
                                let (lo4, hi4) = (
                                    _mm512_extracti64x4_epi64::<0>(acc),
                                    _mm512_extracti64x4_epi64::<1>(acc),
                                );
                                let counts = [
                                    _mm256_extract_epi64::<0>(lo4) as u64,
                                    _mm256_extract_epi64::<1>(lo4) as u64,
                                    _mm256_extract_epi64::<2>(lo4) as u64,
                                    _mm256_extract_epi64::<3>(lo4) as u64,
                                    _mm256_extract_epi64::<0>(hi4) as u64,
                                    _mm256_extract_epi64::<1>(hi4) as u64,
                                    _mm256_extract_epi64::<2>(hi4) as u64,
                                    _mm256_extract_epi64::<3>(hi4) as u64,
                                ];
                                confirm(&g, r, b, right, test, &counts, &mut out);
                            }
                        }
                    }
                }
            }
            _ => {
                let _ = portable;
                scan_blocks_portable(&g, blocks, right, test, &mut out);
            }
        }
    }
    (out, compared)
}

/// The portable block scan: each pair counted with `count_ones`.
#[inline(always)]
fn scan_blocks_portable(
    g: &Group<'_>,
    blocks: std::ops::Range<usize>,
    right: &Transposed,
    test: &Test<'_>,
    out: &mut Vec<Candidate>,
) {
    let w = right.words;
    for b in blocks {
        let (block, _) = right.blocks[b * w * LANES..(b + 1) * w * LANES].as_chunks::<LANES>();
        for r in 0..g.rows.len() {
            let floor = block_floor(test, right, g.cas[r], b);
            let counts: [u64; LANES] =
                std::array::from_fn(|l| lane_count(&g.words[r], block, l) as u64);
            if counts.iter().any(|&c| c >= floor as u64) {
                confirm(g, r, b, right, test, &counts, out);
            }
        }
    }
}

/// [`candidates_counted`] on `threads` worker threads (the left side is split between them).
/// The number of comparisons counts every (left, right) pair whose common bits were counted.
pub fn candidates_threaded(
    left: &ClkSet,
    right: &ClkSet,
    threshold: f64,
    threads: usize,
) -> (Vec<Candidate>, u64) {
    candidates_with(left, right, threshold, threads, false)
}

/// [`candidates_threaded`] with the portable kernel only (no vector popcount), whatever the
/// CPU offers: for tests of the kernels against each other and for benchmarks.
pub fn candidates_portable(
    left: &ClkSet,
    right: &ClkSet,
    threshold: f64,
    threads: usize,
) -> (Vec<Candidate>, u64) {
    candidates_with(left, right, threshold, threads, true)
}

fn candidates_with(
    left: &ClkSet,
    right: &ClkSet,
    threshold: f64,
    threads: usize,
    portable: bool,
) -> (Vec<Candidate>, u64) {
    if left.is_empty() || right.is_empty() || left.bytes != right.bytes {
        return (Vec::new(), 0);
    }
    let w = left.words;
    let tr = Transposed::new(right);
    let t = threshold;
    // need[s] = the smallest common-bit count c with 2c >= t*s (the exact float test,
    // tabulated so that the hot loop only compares integers); u32::MAX when s = 0
    let max_sum = 2 * 64 * w;
    let need: Vec<u32> = (0..=max_sum)
        .map(|s| {
            if s == 0 {
                return u32::MAX;
            }
            let ok = |c: u32| 2.0 * c as f64 >= t * s as f64;
            let mut c = ((t * s as f64) / 2.0).floor().max(0.0) as u32;
            while c > 0 && ok(c - 1) {
                c -= 1;
            }
            while !ok(c) && (c as usize) <= s {
                c += 1;
            }
            c
        })
        .collect();
    let test = Test { t, need: &need };
    // left rows sorted by popcount, so that the rows of a group share a range
    let mut lorder: Vec<u32> = (0..left.len() as u32).collect();
    lorder.sort_by_key(|&i| left.counts[i as usize]);
    let threads = threads.max(1);
    let (mut out, compared) = if threads == 1 || lorder.len() < 1024 {
        scan_part(left, &tr, &test, &lorder, portable)
    } else {
        // contiguous parts of a multiple of ROWS rows (rows stay grouped by popcount)
        let per = lorder.len().div_ceil(threads).div_ceil(ROWS) * ROWS;
        let parts: Vec<&[u32]> = lorder.chunks(per).collect();
        let (tr, test) = (&tr, &test);
        let results: Vec<(Vec<Candidate>, u64)> = std::thread::scope(|sc| {
            let handles: Vec<_> = parts
                .iter()
                .map(|p| sc.spawn(move || scan_part(left, tr, test, p, portable)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut out = Vec::with_capacity(results.iter().map(|r| r.0.len()).sum());
        let mut compared = 0;
        for (c, n) in results {
            out.extend(c);
            compared += n;
        }
        (out, compared)
    };
    sort_candidates(&mut out);
    (out, compared)
}

/// Sort by decreasing similarity, then left index, then right index.
pub fn sort_candidates(c: &mut [Candidate]) {
    c.sort_unstable_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.left.cmp(&y.left))
            .then(x.right.cmp(&y.right))
    });
}

/// All pairs with Dice ≥ `threshold` (see [`candidates_counted`]).
pub fn candidates(left: &ClkSet, right: &ClkSet, threshold: f64) -> Vec<Candidate> {
    candidates_counted(left, right, threshold).0
}

/// Brute-force reference: every pair compared with [`ClkSet::dice`] (for tests and
/// benchmarks of the kernel without the popcount filter).
pub fn candidates_brute_force(left: &ClkSet, right: &ClkSet, threshold: f64) -> Vec<Candidate> {
    let mut out = Vec::new();
    for i in 0..left.len() {
        for j in 0..right.len() {
            let s = left.dice(i, right, j);
            if s >= threshold && left.counts[i] + right.counts[j] > 0 {
                out.push(Candidate {
                    similarity: s,
                    left: i as u32,
                    right: j as u32,
                });
            }
        }
    }
    sort_candidates(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fellegi_sunter::SplitMix64;
    use proptest::prelude::*;

    fn random_clks(n: usize, bytes: usize, fill: u64, seed: u64) -> Vec<Clk> {
        let mut r = SplitMix64::new(seed);
        (0..n)
            .map(|_| {
                Clk::from_bytes(
                    (0..bytes)
                        .map(|_| {
                            let mut b = 0u8;
                            for bit in 0..8 {
                                if r.below(100) < fill as usize {
                                    b |= 1 << bit;
                                }
                            }
                            b
                        })
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn dice_by_hand() {
        let a = Clk::from_bytes(vec![0b1111_0000, 0, 0, 0, 0, 0, 0, 0]);
        let b = Clk::from_bytes(vec![0b1100_1100, 0, 0, 0, 0, 0, 0, 0]);
        assert!((dice(&a, &b) - 0.5).abs() < 1e-12); // 2*2/(4+4)
        assert_eq!(dice(&Clk::zeros(64), &Clk::zeros(64)), 0.0);
    }

    #[test]
    fn filtered_tiled_candidates_equal_brute_force() {
        // similar filters: b is a with some bits flipped, so that some pairs pass
        let a = random_clks(37, 128, 40, 1);
        let mut b = random_clks(23, 128, 40, 2);
        b.extend(a.iter().take(10).cloned());
        let (sa, sb) = match (ClkSet::new(&a), ClkSet::new(&b)) {
            (Ok(x), Ok(y)) => (x, y),
            _ => panic!("sets"),
        };
        for t in [0.0, 0.3, 0.45, 0.5, 0.8, 1.0] {
            let fast = candidates(&sa, &sb, t);
            let slow = candidates_brute_force(&sa, &sb, t);
            assert_eq!(fast, slow, "threshold {t}");
        }
        // the threaded path (needs >= 1024 left rows) gives the same result
        let big = random_clks(1100, 128, 40, 3);
        let sbig = match ClkSet::new(&big) {
            Ok(x) => x,
            Err(e) => panic!("{e}"),
        };
        let one = candidates_threaded(&sbig, &sb, 0.45, 1);
        let two = candidates_threaded(&sbig, &sb, 0.45, 2);
        assert_eq!(one, two);
        assert_eq!(one.1, 1100 * sb.len() as u64);
        assert_eq!(candidates(&sa, &sb, 1.0).len(), 10);
    }

    #[test]
    fn vector_and_portable_kernels_equal_brute_force_at_every_width() {
        // widths of 1, 3, 8 and 16 words; sizes that are not multiples of the tile
        for (bytes, seed) in [(8usize, 10u64), (24, 20), (64, 30), (128, 40)] {
            let a = random_clks(29, bytes, 45, seed);
            let mut b = random_clks(13, bytes, 45, seed + 1);
            b.extend(a.iter().step_by(3).cloned());
            b.push(Clk::zeros(bytes * 8));
            let mut a = a;
            a.push(Clk::zeros(bytes * 8));
            let (sa, sb) = match (ClkSet::new(&a), ClkSet::new(&b)) {
                (Ok(x), Ok(y)) => (x, y),
                _ => panic!("sets"),
            };
            for t in [0.0, 0.2, 0.5, 0.7, 0.9, 1.0] {
                let slow = candidates_brute_force(&sa, &sb, t);
                let (fast, n) = candidates_threaded(&sa, &sb, t, 1);
                let (port, m) = candidates_portable(&sa, &sb, t, 1);
                assert_eq!(fast, slow, "{bytes} bytes, threshold {t}");
                assert_eq!(port, slow, "{bytes} bytes, threshold {t} (portable)");
                assert_eq!(n, m);
            }
        }
    }

    #[test]
    fn lengths_that_are_not_whole_words_are_padded_without_changing_dice() {
        // folded (e.g. 32, 96 bits) and balanced lengths need not be multiples of 64 bits
        for (bytes, seed) in [(1usize, 50u64), (4, 60), (12, 70), (20, 80)] {
            let a = random_clks(21, bytes, 45, seed);
            let mut b = random_clks(11, bytes, 45, seed + 1);
            b.extend(a.iter().step_by(4).cloned());
            let (sa, sb) = match (ClkSet::new(&a), ClkSet::new(&b)) {
                (Ok(x), Ok(y)) => (x, y),
                _ => panic!("sets"),
            };
            assert_eq!(sa.len_bits(), bytes * 8);
            assert_eq!(sa.words(), bytes.div_ceil(8));
            for t in [0.0, 0.5, 0.8, 1.0] {
                let (fast, _) = candidates_threaded(&sa, &sb, t, 1);
                let (port, _) = candidates_portable(&sa, &sb, t, 1);
                // the reference works on the unpadded bytes
                let mut want = Vec::new();
                for (i, x) in a.iter().enumerate() {
                    for (j, y) in b.iter().enumerate() {
                        let d = dice(x, y);
                        if d >= t && x.count_ones() + y.count_ones() > 0 {
                            want.push(Candidate {
                                similarity: d,
                                left: i as u32,
                                right: j as u32,
                            });
                        }
                    }
                }
                sort_candidates(&mut want);
                assert_eq!(fast, want, "{bytes} bytes, threshold {t}");
                assert_eq!(port, want, "{bytes} bytes, threshold {t} (portable)");
            }
        }
        // filters of different lengths are never compared, even when they pad to one word
        let (s4, s8) = match (
            ClkSet::new(&random_clks(3, 4, 45, 1)),
            ClkSet::new(&random_clks(3, 8, 45, 1)),
        ) {
            (Ok(x), Ok(y)) => (x, y),
            _ => panic!("sets"),
        };
        assert_eq!(s4.words(), s8.words());
        assert!(candidates(&s4, &s8, 0.0).is_empty());
    }

    proptest! {
        #[test]
        fn dice_symmetric_and_bounded(x in proptest::collection::vec(any::<u8>(), 16), y in proptest::collection::vec(any::<u8>(), 16)) {
            let (a, b) = (Clk::from_bytes(x), Clk::from_bytes(y));
            let d = dice(&a, &b);
            prop_assert!((0.0..=1.0).contains(&d));
            prop_assert_eq!(d, dice(&b, &a));
            if a.count_ones() > 0 {
                prop_assert_eq!(dice(&a, &a), 1.0);
            }
        }
    }
}
