//! Sørensen–Dice similarity of CLKs, 2|A∧B| / (|A| + |B|), with a popcount kernel, and
//! candidate generation above a threshold.
//!
//! The filters are stored contiguously as `u64` words. Candidate generation sorts the right
//! side by popcount, so for each left filter only the right filters whose popcount can reach
//! the threshold are compared (|B| ∈ [|A|·t/(2−t), |A|·(2−t)/t]); the kernel compares four
//! left filters against each right filter while they sit in registers.

use super::Clk;
use crate::error::LinkageError;

/// A set of equal-length CLKs in contiguous storage, with their popcounts.
#[derive(Debug, Clone)]
pub struct ClkSet {
    words: usize,
    data: Vec<u64>,
    counts: Vec<u32>,
}

impl ClkSet {
    /// Pack CLKs (all of the same length, a multiple of 64 bits).
    pub fn new(clks: &[Clk]) -> Result<Self, LinkageError> {
        let bytes = clks.first().map(|c| c.as_bytes().len()).unwrap_or(0);
        if !bytes.is_multiple_of(8) {
            return Err(LinkageError::Invalid(
                "CLK length must be a multiple of 64 bits".into(),
            ));
        }
        let words = bytes / 8;
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
            data.extend(
                c.as_bytes()
                    .chunks_exact(8)
                    .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])),
            );
            counts.push(data[start..].iter().map(|w| w.count_ones()).sum());
        }
        Ok(ClkSet {
            words,
            data,
            counts,
        })
    }

    /// Words (u64) per filter.
    pub fn words(&self) -> usize {
        self.words
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

type Lanes = [u64; 4];

#[inline(always)]
fn csa4(a: Lanes, b: Lanes, c: Lanes) -> (Lanes, Lanes) {
    let mut h = [0u64; 4];
    let mut l = [0u64; 4];
    for r in 0..4 {
        let u = a[r] ^ b[r];
        h[r] = (a[r] & b[r]) | (u & c[r]);
        l[r] = u ^ c[r];
    }
    (h, l)
}

/// popcount(a_r & b) for four 1024-bit rows a_r against one b: the Harley–Seal tree run on
/// four lanes at once (so the compiler can use vector registers), 5 popcounts per pair.
#[inline(always)]
fn and_count_16x4(a: &[&[u64; 16]; 4], b: &[u64; 16]) -> [u32; 4] {
    let x = |q: usize| -> Lanes {
        [
            a[0][q] & b[q],
            a[1][q] & b[q],
            a[2][q] & b[q],
            a[3][q] & b[q],
        ]
    };
    let z = [0u64; 4];
    let (twos_a, ones) = csa4(z, x(0), x(1));
    let (twos_b, ones) = csa4(ones, x(2), x(3));
    let (fours_a, twos) = csa4(z, twos_a, twos_b);
    let (twos_a, ones) = csa4(ones, x(4), x(5));
    let (twos_b, ones) = csa4(ones, x(6), x(7));
    let (fours_b, twos) = csa4(twos, twos_a, twos_b);
    let (eights_a, fours) = csa4(z, fours_a, fours_b);
    let (twos_a, ones) = csa4(ones, x(8), x(9));
    let (twos_b, ones) = csa4(ones, x(10), x(11));
    let (fours_a, twos) = csa4(twos, twos_a, twos_b);
    let (twos_a, ones) = csa4(ones, x(12), x(13));
    let (twos_b, ones) = csa4(ones, x(14), x(15));
    let (fours_b, twos) = csa4(twos, twos_a, twos_b);
    let (eights_b, fours) = csa4(fours, fours_a, fours_b);
    let (sixteens, eights) = csa4(z, eights_a, eights_b);
    // per-byte bit counts of each level (each at most 8), weighted and summed per byte
    // (at most 16·8 + 8·8 + 4·8 + 2·8 + 8 = 248, fits a byte), then the bytes summed
    // with shifts and adds only (no 64-bit multiply), so that all of it vectorises
    let (s, e, f, t, o) = (
        byte_counts(sixteens),
        byte_counts(eights),
        byte_counts(fours),
        byte_counts(twos),
        byte_counts(ones),
    );
    let mut out = [0u32; 4];
    for r in 0..4 {
        let v = (s[r] << 4) + (e[r] << 3) + (f[r] << 2) + (t[r] << 1) + o[r];
        let v = (v & 0x00ff_00ff_00ff_00ff) + ((v >> 8) & 0x00ff_00ff_00ff_00ff);
        let v = v + (v >> 16);
        let v = v + (v >> 32);
        out[r] = (v & 0xffff) as u32;
    }
    out
}

/// Bit count of every byte (SWAR), on four lanes.
#[inline(always)]
fn byte_counts(x: Lanes) -> Lanes {
    let mut out = [0u64; 4];
    for r in 0..4 {
        let v = x[r] - ((x[r] >> 1) & 0x5555_5555_5555_5555);
        let v = (v & 0x3333_3333_3333_3333) + ((v >> 2) & 0x3333_3333_3333_3333);
        out[r] = (v + (v >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    }
    out
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

/// [`candidates_counted`] on `threads` worker threads (the left side is split between them).
pub fn candidates_threaded(
    left: &ClkSet,
    right: &ClkSet,
    threshold: f64,
    threads: usize,
) -> (Vec<Candidate>, u64) {
    if left.is_empty() || right.is_empty() || left.words != right.words {
        return (Vec::new(), 0);
    }
    let w = left.words;
    // right side sorted by popcount, stored contiguously in that order
    let mut order: Vec<u32> = (0..right.len() as u32).collect();
    order.sort_by_key(|&j| right.counts[j as usize]);
    let mut rdata = Vec::with_capacity(right.data.len());
    let mut rcounts = Vec::with_capacity(right.len());
    for &j in &order {
        rdata.extend_from_slice(right.row(j as usize));
        rcounts.push(right.counts[j as usize]);
    }
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
    let accept = |c: u32, ca: u32, cb: u32| -> bool { c >= need[(ca + cb) as usize] };
    let range = |ca: u32| -> (usize, usize) {
        if t <= 0.0 {
            return (0, rcounts.len());
        }
        let lo = (ca as f64 * t / (2.0 - t)).ceil() as u32;
        let hi = (ca as f64 * (2.0 - t) / t).floor() as u32;
        (
            rcounts.partition_point(|&c| c < lo.saturating_sub(1)),
            rcounts.partition_point(|&c| c <= hi.saturating_add(1)),
        )
    };
    // group left rows by popcount so that blocks of 4 share a range
    let mut lorder: Vec<u32> = (0..left.len() as u32).collect();
    lorder.sort_by_key(|&i| left.counts[i as usize]);
    let scan = |part: &[u32]| -> (Vec<Candidate>, u64) {
        let mut out = Vec::new();
        let mut compared = 0u64;
        for chunk in part.chunks(4) {
            let (lo, _) = range(left.counts[chunk[0] as usize]);
            let (_, hi) = range(left.counts[chunk[chunk.len() - 1] as usize]);
            if chunk.len() == 4 && w == 16 {
                let row16 = |i: u32| <&[u64; 16]>::try_from(left.row(i as usize));
                let (Ok(r0), Ok(r1), Ok(r2), Ok(r3)) = (
                    row16(chunk[0]),
                    row16(chunk[1]),
                    row16(chunk[2]),
                    row16(chunk[3]),
                ) else {
                    continue;
                };
                let rows: [&[u64; 16]; 4] = [r0, r1, r2, r3];
                let cas = [
                    left.counts[chunk[0] as usize],
                    left.counts[chunk[1] as usize],
                    left.counts[chunk[2] as usize],
                    left.counts[chunk[3] as usize],
                ];
                for (k, b) in rdata[lo * w..hi * w].chunks_exact(16).enumerate() {
                    let cb = rcounts[lo + k];
                    let Ok(b) = <&[u64; 16]>::try_from(b) else {
                        continue;
                    };
                    let c = and_count_16x4(&rows, b);
                    for r in 0..4 {
                        if accept(c[r], cas[r], cb) {
                            out.push(Candidate {
                                similarity: 2.0 * c[r] as f64 / (cas[r] + cb) as f64,
                                left: chunk[r],
                                right: order[lo + k],
                            });
                        }
                    }
                }
                compared += 4 * (hi - lo) as u64;
            } else {
                for &i in chunk {
                    let a = left.row(i as usize);
                    let ca = left.counts[i as usize];
                    for (k, b) in rdata[lo * w..hi * w].chunks_exact(w).enumerate() {
                        let cb = rcounts[lo + k];
                        let c = and_count(a, b);
                        if accept(c, ca, cb) {
                            out.push(Candidate {
                                similarity: 2.0 * c as f64 / (ca + cb) as f64,
                                left: i,
                                right: order[lo + k],
                            });
                        }
                    }
                    compared += (hi - lo) as u64;
                }
            }
        }
        (out, compared)
    };
    let threads = threads.max(1);
    let (mut out, compared) = if threads == 1 || lorder.len() < 1024 {
        scan(&lorder)
    } else {
        // contiguous parts of a multiple of 4 rows (rows stay grouped by popcount)
        let per = lorder.len().div_ceil(threads).div_ceil(4) * 4;
        let parts: Vec<&[u32]> = lorder.chunks(per).collect();
        let results: Vec<(Vec<Candidate>, u64)> = std::thread::scope(|sc| {
            let handles: Vec<_> = parts.iter().map(|p| sc.spawn(|| scan(p))).collect();
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
