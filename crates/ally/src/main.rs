//! Ally command line. In the `screening` branch this wires only the screening
//! commands; the lead merges them into the full binary.

mod cmd_screening;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmd_screening::{CatalogueCommand, ScreeningCommand};

#[derive(Debug, Parser)]
#[command(
    name = "ally",
    version,
    about = "Ally: working together against human trafficking"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Identification screening against the ILO indicator sets.
    #[command(subcommand)]
    Screening(ScreeningCommand),
    /// Indicator catalogue files.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Screening(c) => cmd_screening::run_screening(c),
        Command::Catalogue(c) => cmd_screening::run_catalogue(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
