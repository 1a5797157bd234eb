//! `usd1`, the operators' and minters' command line, as a library: the grammar ([`cli`]),
//! the commands over any [`Backend`] ([`commands`]), option parsing ([`config`]) and the
//! demo ([`demo`]). The binary runs the commands against a cluster; the tests run the very
//! same path against the embedded SVM through [`run_on`].
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;

use clap::Parser;
use solana_sdk::signature::Keypair;
use usd1_client::backend::Backend;

use cli::{Cli, OutputFormat};
use commands::Failure;

/// What an invocation printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Parses `args` (the program name first) and reads the signer's keypair. An `Err` is the
/// finished outcome: clap's usage message, or a one-line error naming the bad value.
pub fn prepare<I, T>(args: I) -> Result<(Cli, Keypair), Outcome>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| Outcome {
        code: if e.use_stderr() { 2 } else { 0 },
        stdout: if e.use_stderr() {
            String::new()
        } else {
            e.to_string()
        },
        stderr: if e.use_stderr() {
            e.to_string()
        } else {
            String::new()
        },
    })?;
    // the demo brings its own keys; the reconciler only reads
    if matches!(cli.command, cli::Command::Demo | cli::Command::Reconcile(_)) {
        return Ok((cli, Keypair::new()));
    }
    let path = cli
        .keypair
        .clone()
        .unwrap_or_else(config::default_keypair_path);
    let signer =
        config::read_keypair(&path).map_err(|message| failed(&cli, Failure::Input(message)))?;
    Ok((cli, signer))
}

/// The outcome of a failure, as text on stderr and, under `--output json`, also as JSON on
/// stdout.
pub fn failed(cli: &Cli, failure: Failure) -> Outcome {
    Outcome {
        code: failure.exit_code(),
        stdout: match cli.output {
            OutputFormat::Json => format!("{}\n", failure.json()),
            OutputFormat::Text => String::new(),
        },
        stderr: format!("error: {}\n", failure.message()),
    }
}

/// Runs a prepared command against `backend`.
pub async fn execute<B: Backend>(backend: &mut B, cli: &Cli, signer: &Keypair) -> Outcome {
    match commands::run(backend, signer, &cli.command).await {
        Ok(report) => Outcome {
            code: 0,
            stdout: match cli.output {
                OutputFormat::Json => format!("{}\n", report.json),
                OutputFormat::Text => report.text,
            },
            stderr: String::new(),
        },
        Err(failure) => failed(cli, failure),
    }
}

/// `usd1 <args>` against `backend` (the embedded SVM in tests): the binary's path minus the
/// choice of backend.
pub async fn run_on<B: Backend>(backend: &mut B, args: &[&str]) -> Outcome {
    match prepare(std::iter::once("usd1").chain(args.iter().copied())) {
        Ok((cli, signer)) => execute(backend, &cli, &signer).await,
        Err(outcome) => outcome,
    }
}
