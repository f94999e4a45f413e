//! The `ally` binary. In this branch it wires only the `labour` commands; the lead merges
//! them into the full command set.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_labour;

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
    /// Labour document checks: contracts, payslips and timesheets against a rule set.
    #[command(subcommand)]
    Labour(cmd_labour::LabourCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Labour(cmd) => cmd_labour::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
