//! Time to evaluate one interview against every set (4 Delphi sets + ILO 11),
//! including building the explained `Report`. Target (issue 3): < 20 µs.
//!
//! Run: `cargo bench -p ally-core --bench screening`

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use ally_core::screening::{Answer, EvaluationOptions, Screening};

const WARM_UP: u32 = 20_000;
const ITERATIONS: u32 = 200_000;
const ROUNDS: usize = 7;

fn main() -> ExitCode {
    let screening = match Screening::builtin() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("embedded catalogue invalid: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A full interview with a fixed pseudo-random mix of yes/no/unknown (age unknown,
    // so all four Delphi sets apply: the worst case).
    let mut interview = screening.new_interview();
    let mut seed: u32 = 0x9e37_79b9;
    let mut ids: Vec<String> = screening
        .catalogue
        .sets
        .iter()
        .flat_map(|s| s.indicators.iter().map(|i| i.id.clone()))
        .collect();
    ids.extend(
        screening
            .forced_labour
            .indicators
            .iter()
            .map(|i| i.id.clone()),
    );
    for id in &ids {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let answer = match (seed >> 16) % 3 {
            0 => Answer::Yes,
            1 => Answer::No,
            _ => Answer::Unknown,
        };
        if let Err(e) = screening.set_answer(&mut interview, id, answer) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    let options = EvaluationOptions::default();

    let report = screening.evaluate_all(&interview, options);
    let outcomes: Vec<&str> = report.sets.iter().map(|e| e.outcome.as_str()).collect();
    println!(
        "interview: {} answers, sets evaluated: {}, outcomes: {:?}",
        ids.len(),
        report.sets.len(),
        outcomes
    );

    for _ in 0..WARM_UP {
        black_box(screening.evaluate_all(black_box(&interview), options));
    }
    let mut per_eval = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..ITERATIONS {
            black_box(screening.evaluate_all(black_box(&interview), options));
        }
        per_eval.push(start.elapsed().as_nanos() as f64 / f64::from(ITERATIONS));
    }
    per_eval.sort_by(f64::total_cmp);
    println!(
        "evaluate_all (4 sets + ilo11): min {:.0} ns, median {:.0} ns, max {:.0} ns per interview ({ROUNDS} rounds x {ITERATIONS} iterations)",
        per_eval[0],
        per_eval[ROUNDS / 2],
        per_eval[ROUNDS - 1]
    );
    ExitCode::SUCCESS
}
