//! Dice comparison throughput on N × N random 1024-bit CLKs (about half the bits set) at a
//! threshold, as anonlink's throughput benchmark does. Single thread.
//!
//!     cargo run --release -p ally-linkage --example dice_throughput -- 10000 0.8 [THREADS]

use ally_linkage::fellegi_sunter::SplitMix64;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::dice::{ClkSet, candidates_threaded};

fn random(n: usize, seed: u64) -> Vec<Clk> {
    let mut r = SplitMix64::new(seed);
    (0..n)
        .map(|_| Clk::from_bytes((0..16).flat_map(|_| r.next_u64().to_le_bytes()).collect()))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let t: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0.8);
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let (a, b) = match (ClkSet::new(&random(n, 1)), ClkSet::new(&random(n, 2))) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            eprintln!("cannot build CLK sets");
            std::process::exit(1);
        }
    };
    let start = std::time::Instant::now();
    let (c, compared) = candidates_threaded(&a, &b, t, threads);
    let s = start.elapsed().as_secs_f64();
    println!(
        "{{\"n\": {n}, \"threads\": {threads}, \"threshold\": {t}, \"comparisons\": {compared}, \"candidates\": {}, \"seconds\": {s:.4}, \"comparisons_per_s\": {:.0}}}",
        c.len(),
        compared as f64 / s
    );
}
