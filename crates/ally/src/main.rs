//! Ally command line (in this branch: only the linkage commands; the lead merges them into
//! the full command set).

mod cmd_linkage;

use std::process::ExitCode;

use clap::Parser;

/// Ally: a platform with which NGOs, networks, communities and unions work together against
/// human trafficking.
#[derive(Debug, Parser)]
#[command(name = "ally", version)]
struct Cli {
    #[command(subcommand)]
    command: cmd_linkage::LinkageCommand,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cmd_linkage::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
