//! `usd1`: the command line of usd1-minter. Today: `usd1 demo`, the whole story on an
//! embedded in-process SVM.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use usd1_cli::demo;

#[derive(Parser)]
#[command(name = "usd1", version, about = "Operate a usd1-minter stablecoin")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole story on an embedded in-process SVM (no validator, no network):
    /// governance, reserves, co-signed mints, refusals, freeze, pause, redemption; every
    /// event is printed with its sequence number.
    Demo,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo::run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("usd1: {e}");
            ExitCode::FAILURE
        }
    }
}
