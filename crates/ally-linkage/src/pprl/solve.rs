//! Greedy one-to-one solving, as anonlink's greedy solver does for two parties: walk the
//! candidates by decreasing similarity and accept a pair iff neither record is matched yet.

use super::dice::{Candidate, sort_candidates};

/// Accepted links, by decreasing similarity.
pub fn greedy_solve(candidates: &[Candidate]) -> Vec<Candidate> {
    let mut c = candidates.to_vec();
    sort_candidates(&mut c);
    let nl = c.iter().map(|x| x.left as usize + 1).max().unwrap_or(0);
    let nr = c.iter().map(|x| x.right as usize + 1).max().unwrap_or(0);
    let mut used_l = vec![false; nl];
    let mut used_r = vec![false; nr];
    c.into_iter()
        .filter(|x| {
            let (l, r) = (x.left as usize, x.right as usize);
            if used_l[l] || used_r[r] {
                false
            } else {
                used_l[l] = true;
                used_r[r] = true;
                true
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: f64, l: u32, r: u32) -> Candidate {
        Candidate {
            similarity: s,
            left: l,
            right: r,
        }
    }

    #[test]
    fn best_pairs_first_each_record_once() {
        let got = greedy_solve(&[
            c(0.8, 0, 0),
            c(0.9, 0, 1),
            c(0.85, 1, 1),
            c(0.7, 1, 0),
            c(0.95, 2, 2),
        ]);
        assert_eq!(got, vec![c(0.95, 2, 2), c(0.9, 0, 1), c(0.7, 1, 0)]);
    }

    #[test]
    fn ties_broken_by_index() {
        let got = greedy_solve(&[c(0.9, 1, 0), c(0.9, 0, 0)]);
        assert_eq!(got, vec![c(0.9, 0, 0)]);
    }
}
