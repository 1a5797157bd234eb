//! `usd1`, the operators' and minters' command line, as a library: the grammar ([`cli`]),
//! the signers ([`signers`]), the commands over any [`Backend`] ([`commands`]), option
//! parsing ([`config`]) and the demo ([`demo`]). The binary runs the commands against a
//! cluster; the tests run the very same path against the embedded SVM through [`run_on`].
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod signers;

use clap::Parser;
use usd1_client::backend::Backend;

use cli::{Cli, Command, OutputFormat};
use commands::output::signed_only;
use commands::Failure;
use signers::Signers;

/// What an invocation printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Commands that only read the chain (or, for `cosign --message-only`, only compute): they
/// need no key, so an online machine without one can review what a cold key will sign.
fn needs_no_signer(command: &Command) -> bool {
    matches!(
        command,
        Command::Demo
            | Command::Reconcile(_)
            | Command::Watch(_)
            | Command::Status { .. }
            | Command::Events { .. }
            | Command::Proposals(_)
            | Command::Cosign {
                message_only: true,
                ..
            }
    )
}

/// Parses `args` (the program name first). An `Err` is the finished outcome: clap's usage
/// message.
pub fn parse<I, T>(args: I) -> Result<Cli, Outcome>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|e| Outcome {
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
    })
}

/// Resolves the invocation's signers (which may prompt on the terminal or ask a device);
/// read-only commands get a placeholder that signs nothing. An `Err` is a one-line error
/// naming the argument.
pub fn signers(cli: &Cli) -> Result<Signers, Outcome> {
    if needs_no_signer(&cli.command) {
        return Ok(Signers::none());
    }
    Signers::resolve(cli).map_err(|message| failed(cli, Failure::Input(message)))
}

/// The outcome of a failure, as text on stderr and, under `--output json`, also as JSON on
/// stdout.
pub fn failed(cli: &Cli, failure: Failure) -> Outcome {
    if let Failure::SignedOnly(signed, review) = &failure {
        let report = signed_only(signed, review.as_deref(), cli.tx.dump_transaction_message);
        return Outcome {
            code: 0,
            stdout: match cli.output {
                OutputFormat::Json => format!("{}\n", report.json),
                OutputFormat::Text => report.text,
            },
            stderr: String::new(),
        };
    }
    Outcome {
        code: failure.exit_code(),
        stdout: match cli.output {
            OutputFormat::Json => format!("{}\n", failure.json()),
            OutputFormat::Text => String::new(),
        },
        stderr: format!("error: {}\n", failure.message()),
    }
}

/// Runs a parsed command with its signers against `backend`; `interactive`: a person is at
/// the terminal and can be asked to confirm (the binary decides; tests never are).
pub async fn execute<B: Backend>(
    backend: &mut B,
    cli: &Cli,
    signers: &mut Signers,
    interactive: bool,
) -> Outcome {
    match commands::run(backend, signers, cli, interactive).await {
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
    let cli = match parse(std::iter::once("usd1").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(outcome) => return outcome,
    };
    let mut signers = match signers(&cli) {
        Ok(signers) => signers,
        Err(outcome) => return outcome,
    };
    execute(backend, &cli, &mut signers, false).await
}
