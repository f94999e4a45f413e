//! Clustering of matched pairs into entities (connected components, union–find), and the
//! greedy one-to-one assignment used for links between two clean registers.

/// Union–find with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// Representative of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Merge the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }
}

/// Cluster `n` records given matched pairs: returns for each record the index of the first
/// record (in input order) of its cluster, so cluster ids are stable and readable.
pub fn connected_components(n: usize, pairs: impl IntoIterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for (a, b) in pairs {
        uf.union(a, b);
    }
    let mut first = vec![u32::MAX; n];
    let mut out = vec![0u32; n];
    for i in 0..n as u32 {
        let r = uf.find(i) as usize;
        if first[r] == u32::MAX {
            first[r] = i;
        }
        out[i as usize] = first[r];
    }
    out
}

/// Greedy one-to-one assignment: walk pairs by decreasing score (ties by indices) and keep a
/// pair iff neither side is already used. Input: `(left, right, score)`.
pub fn greedy_one_to_one(mut pairs: Vec<(u32, u32, f64)>) -> Vec<(u32, u32, f64)> {
    pairs.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    let mut used_l = std::collections::HashSet::new();
    let mut used_r = std::collections::HashSet::new();
    pairs
        .into_iter()
        .filter(|&(a, b, _)| {
            if used_l.contains(&a) || used_r.contains(&b) {
                false
            } else {
                used_l.insert(a);
                used_r.insert(b);
                true
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_transitive_and_named_by_first_member() {
        let c = connected_components(6, vec![(4, 1), (1, 3), (5, 2)]);
        assert_eq!(c, vec![0, 1, 2, 1, 1, 2]);
    }

    #[test]
    fn greedy_takes_best_first_and_respects_one_to_one() {
        let kept = greedy_one_to_one(vec![(0, 0, 0.7), (0, 1, 0.9), (1, 1, 0.8), (1, 0, 0.6)]);
        assert_eq!(kept, vec![(0, 1, 0.9), (1, 0, 0.6)]);
    }
}
