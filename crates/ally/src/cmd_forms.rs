//! Questionnaires on the command line (issue 4): `ally questionnaire list`,
//! `ally questionnaire export --id ID --output FILE.xlsx` (XLSForm) and
//! `ally questionnaire import --input FILE.xlsx` (validate, print a JSON summary).
//!
//! Exit codes: 0 on success, 2 for input the user can fix (unknown id, unreadable or
//! invalid workbook: the message names sheet, row and column), 1 for internal errors.

use std::path::PathBuf;
use std::process::ExitCode;

use ally_core::questionnaire::{BUILTIN_IDS, Questionnaire, REQUIRED_LANGUAGES};
use ally_core::screening::Screening;
use clap::Subcommand;
use serde_json::{Value, json};

/// Exit code for input the user must fix.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Largest workbook read.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum QuestionnaireCommand {
    /// List the default questionnaires as JSON.
    List,
    /// Write a default questionnaire as an XLSForm workbook (ODK, KoboToolbox).
    Export {
        /// Questionnaire id (see `ally questionnaire list`).
        #[arg(long)]
        id: String,
        #[arg(long, value_name = "FILE.xlsx")]
        output: PathBuf,
    },
    /// Read and validate an XLSForm workbook; print a summary as JSON.
    Import {
        #[arg(long, value_name = "FILE.xlsx")]
        input: PathBuf,
    },
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// What the store and the CLI show about a questionnaire.
pub fn summary(q: &Questionnaire) -> Value {
    let questions = q.questions();
    let mut indicators: Vec<&str> = questions
        .iter()
        .flat_map(|x| x.indicators.iter().map(|m| m.indicator_id.as_str()))
        .collect();
    indicators.sort_unstable();
    indicators.dedup();
    json!({
        "id": q.id,
        "version": q.version,
        "title": q.title.get_or("en", &q.default_language),
        "default_language": q.default_language,
        "complete_languages": q.languages,
        "languages": q.language_status(REQUIRED_LANGUAGES),
        "questions": questions.len(),
        "indicators_covered": indicators,
    })
}

pub fn run(command: QuestionnaireCommand) -> anyhow::Result<ExitCode> {
    // The embedded catalogues and questionnaires are checked by tests: internal errors here.
    let screening = Screening::builtin()?;
    match command {
        QuestionnaireCommand::List => {
            let all = Questionnaire::builtin_all(&screening)?;
            let list: Vec<Value> = all.iter().map(summary).collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        QuestionnaireCommand::Export { id, output } => {
            if !BUILTIN_IDS.contains(&id.as_str()) {
                return Ok(bad_input(format!(
                    "unknown questionnaire \"{id}\" (known: {})",
                    BUILTIN_IDS.join(", ")
                )));
            }
            let q = Questionnaire::builtin(&id, &screening)?;
            let bytes = ally_forms::export_xlsform(&q)?;
            if let Err(e) = std::fs::write(&output, bytes) {
                return Ok(bad_input(format!("{}: {e}", output.display())));
            }
            eprintln!("wrote {}", output.display());
        }
        QuestionnaireCommand::Import { input } => {
            let bytes = match std::fs::metadata(&input) {
                Ok(m) if m.len() > MAX_FILE_BYTES => {
                    return Ok(bad_input(format!(
                        "{}: file too large ({} bytes, at most {MAX_FILE_BYTES})",
                        input.display(),
                        m.len()
                    )));
                }
                Ok(_) => match std::fs::read(&input) {
                    Ok(b) => b,
                    Err(e) => return Ok(bad_input(format!("{}: {e}", input.display()))),
                },
                Err(e) => return Ok(bad_input(format!("{}: {e}", input.display()))),
            };
            match ally_forms::import_xlsform_with(&bytes, &screening) {
                Ok(q) => println!("{}", serde_json::to_string_pretty(&summary(&q))?),
                Err(e) => return Ok(bad_input(format!("{}: {e}", input.display()))),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
