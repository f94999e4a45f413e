//! Command-line access to the identification engine, so the rule can be checked
//! outside the UI: `ally screening evaluate` and `ally catalogue check`.
//!
//! Exit codes: 0 for any outcome (a verdict is not an error), 2 for input the user
//! can fix (malformed or unreadable file, unknown id or set), 1 for internal errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ally_core::screening::{
    ChildRule, EvaluationOptions, FORCED_LABOUR_SET_ID, Screening, check_catalogue_str,
};
use clap::{Args, Subcommand, ValueEnum};

/// Exit code for input the user must fix.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Largest input file read; interviews and catalogues are far smaller.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum ScreeningCommand {
    /// Evaluate one interview's answers and print the outcome as JSON.
    Evaluate(EvaluateArgs),
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Indicator set (adult_labour, child_labour, adult_sexual, child_sexual, ilo11).
    /// Without it, every set that applies to the recorded age, plus ilo11.
    #[arg(long)]
    pub set: Option<String>,
    /// JSON file: {"answers": {"<indicator id>": "yes"|"no"|"unknown"}, "facts": {...}}.
    #[arg(long, value_name = "FILE.json")]
    pub answers: PathBuf,
    /// Reading of the child rule (the source could not be confirmed; `act` is more protective).
    #[arg(long, value_enum, default_value_t = ChildRuleArg::Act)]
    pub child_rule: ChildRuleArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChildRuleArg {
    /// Act of trafficking established AND exploitation (default).
    Act,
    /// A recruitment dimension AND exploitation.
    Strict,
}

#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// Validate an indicator catalogue file (Delphi or ILO 11 forced labour).
    Check {
        /// The TOML file to check.
        file: PathBuf,
    },
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

fn read_input(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{}: file too large ({} bytes, at most {MAX_FILE_BYTES})",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run_screening(command: ScreeningCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScreeningCommand::Evaluate(args) => run_evaluate(&args),
    }
}

fn run_evaluate(args: &EvaluateArgs) -> anyhow::Result<ExitCode> {
    // The embedded catalogues are checked by tests; failing here is an internal error.
    let screening = Screening::builtin()?;
    let text = match read_input(&args.answers) {
        Ok(t) => t,
        Err(e) => return Ok(bad_input(e)),
    };
    let interview = match screening.parse_interview_json(&text) {
        Ok(i) => i,
        Err(e) => return Ok(bad_input(format!("{}: {e}", args.answers.display()))),
    };
    let options = EvaluationOptions {
        child_rule: match args.child_rule {
            ChildRuleArg::Act => ChildRule::ActAndExploitation,
            ChildRuleArg::Strict => ChildRule::Strict,
        },
    };
    let json = match args.set.as_deref() {
        None => serde_json::to_string_pretty(&screening.evaluate_all(&interview, options))?,
        Some(FORCED_LABOUR_SET_ID) => {
            serde_json::to_string_pretty(&screening.evaluate_forced_labour(&interview))?
        }
        Some(set) => match screening.evaluate_set(set, &interview, options) {
            Ok(evaluation) => serde_json::to_string_pretty(&evaluation)?,
            Err(e) => {
                let known: Vec<&str> = screening.set_ids().collect();
                return Ok(bad_input(format!("{e} (known sets: {})", known.join(", "))));
            }
        },
    };
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

pub fn run_catalogue(command: CatalogueCommand) -> anyhow::Result<ExitCode> {
    match command {
        CatalogueCommand::Check { file } => {
            let text = match read_input(&file) {
                Ok(t) => t,
                Err(e) => return Ok(bad_input(e)),
            };
            match check_catalogue_str(&text) {
                Ok(checked) => {
                    println!("{}: {}", file.display(), checked.summary());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(bad_input(format!("{}: {e}", file.display()))),
            }
        }
    }
}
