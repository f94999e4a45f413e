//! `ally labour`: run the document checks of `ally_core::labour` from the command line, so
//! that findings can be produced and verified outside the UI.
//!
//! - `ally labour check --rules RULESET_ID --input FILE.json [--payslips-csv F] [--timesheets-csv F]`
//!   prints the check report (findings and notes) as JSON on stdout.
//! - `ally labour rules` lists the shipped rule sets as JSON.
//!
//! Invalid input (unreadable file, malformed JSON or CSV, a bad field, an unknown rule set)
//! exits with status 2 and a message on stderr naming the file and field.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ally_core::labour::{
    RuleSet, WorkerRecord, check, payslips_from_csv, shipped_summaries, timesheets_from_csv,
};
use clap::{Args, Subcommand};

/// Exit status for invalid input.
const INVALID_INPUT: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum LabourCommand {
    /// Check one worker's contract, payslips and timesheets against a rule set; print the
    /// findings as JSON.
    Check(CheckArgs),
    /// List the shipped rule sets as JSON.
    Rules,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Id of a shipped rule set (see `ally labour rules`), or the path of a rule-set TOML file.
    #[arg(long = "rules", value_name = "RULESET_ID")]
    pub rules: String,
    /// The worker's record as JSON (format: data/labour/README.md).
    #[arg(long, value_name = "FILE.json")]
    pub input: PathBuf,
    /// Extra payslips as CSV, added to those in the JSON.
    #[arg(long, value_name = "FILE.csv")]
    pub payslips_csv: Option<PathBuf>,
    /// Extra timesheet days as CSV, added to those in the JSON.
    #[arg(long, value_name = "FILE.csv")]
    pub timesheets_csv: Option<PathBuf>,
}

/// A message for the user and the exit status 2.
struct Invalid(String);

fn read(path: &Path) -> Result<String, Invalid> {
    std::fs::read_to_string(path)
        .map_err(|e| Invalid(format!("{}: cannot read: {e}", path.display())))
}

fn load_rules(spec: &str) -> Result<RuleSet, Invalid> {
    let is_path = spec.ends_with(".toml") || spec.contains('/') || spec.contains('\\');
    if is_path {
        let text = read(Path::new(spec))?;
        RuleSet::from_toml(&text).map_err(|e| Invalid(format!("{spec}: {e}")))
    } else {
        RuleSet::shipped(spec).map_err(|e| {
            let ids: Vec<&str> = RuleSet::shipped_ids().collect();
            Invalid(format!("--rules: {e} (shipped: {})", ids.join(", ")))
        })
    }
}

fn run_check(args: &CheckArgs) -> Result<String, Invalid> {
    let rules = load_rules(&args.rules)?;
    let input = read(&args.input)?;
    let mut worker = WorkerRecord::from_json(&input)
        .map_err(|e| Invalid(format!("{}: {e}", args.input.display())))?;
    if let Some(path) = &args.payslips_csv {
        let slips = payslips_from_csv(&read(path)?)
            .map_err(|e| Invalid(format!("{}: {e}", path.display())))?;
        worker
            .add_payslips(slips)
            .map_err(|e| Invalid(format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &args.timesheets_csv {
        let days = timesheets_from_csv(&read(path)?)
            .map_err(|e| Invalid(format!("{}: {e}", path.display())))?;
        worker
            .add_timesheets(days)
            .map_err(|e| Invalid(format!("{}: {e}", path.display())))?;
    }
    let report = check(&rules, &worker);
    serde_json::to_string_pretty(&report).map_err(|e| Invalid(e.to_string()))
}

/// Write to stdout; a closed pipe (e.g. `| head`) is an error, not a panic.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

/// Run a `labour` subcommand. Invalid input is reported on stderr with exit status 2;
/// `Err` is left for failures that are not the user's (e.g. a broken shipped file).
pub fn run(cmd: LabourCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LabourCommand::Rules => {
            let list = shipped_summaries()?;
            print(&serde_json::to_string_pretty(&list)?)?;
            Ok(ExitCode::SUCCESS)
        }
        LabourCommand::Check(args) => match run_check(&args) {
            Ok(json) => {
                print(&json)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(Invalid(message)) => {
                eprintln!("error: {message}");
                Ok(ExitCode::from(INVALID_INPUT))
            }
        },
    }
}
