//! `usd1`: the command line of usd1-minter. Every command runs against the cluster named by
//! `--url`; `usd1 demo` runs the whole story on an embedded in-process SVM.
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use usd1_cli::cli::{Command, OutputFormat};
use usd1_cli::commands::Failure;
use usd1_cli::{config, demo, execute, failed, parse, signers, Outcome};
use usd1_client::rpc::RpcBackend;

fn finish(outcome: Outcome) -> ExitCode {
    // a closed pipe (`usd1 events | head`) is not worth a panic
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(outcome) => return finish(outcome),
    };
    // the demo needs no keypair and no cluster
    if matches!(cli.command, Command::Demo) {
        return match demo::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("usd1: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Reconcile(args) = &cli.command {
        // flags on the command line win over --config's file: ask clap which were given
        let mut args = args.clone();
        let matches = <usd1_cli::cli::Cli as clap::CommandFactory>::command()
            .try_get_matches_from(std::env::args_os())
            .ok();
        let reconcile = matches
            .as_ref()
            .and_then(|m| m.subcommand_matches("reconcile"));
        let given = |id: &str| {
            reconcile
                .is_some_and(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        };
        let json = cli.output == OutputFormat::Json;
        let prepared = usd1_reconciler::cli::apply_config(&mut args, given).and_then(|file_url| {
            let url = cli
                .url
                .clone()
                .or(file_url)
                .unwrap_or_else(|| "localhost".into());
            config::resolve_url(&url).map_err(usd1_reconciler::Error::Input)
        });
        let outcome = match prepared {
            Ok(url) => usd1_reconciler::cli::run(&args, &url, json).await,
            Err(error) => usd1_reconciler::cli::failed(&error, json),
        };
        return finish(Outcome {
            code: outcome.code,
            stdout: outcome.stdout,
            stderr: outcome.stderr,
        });
    }
    if let Command::Watch(args) = &cli.command {
        let configured =
            usd1_reconciler::watch::configure(args, cli.url.as_deref()).and_then(|c| {
                let url = c.source.url.clone().unwrap_or_else(|| "localhost".into());
                let url = config::resolve_url(&url).map_err(usd1_reconciler::Error::Input)?;
                Ok((c, url))
            });
        return match configured {
            Ok((watch_config, url)) => {
                ExitCode::from(usd1_reconciler::watch::run(watch_config, url).await)
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(error.exit_code())
            }
        };
    }
    let url = match config::resolve_url(cli.url.as_deref().unwrap_or("localhost")) {
        Ok(url) => url,
        Err(message) => return finish(failed(&cli, Failure::Input(message))),
    };
    // signers after the URL is known good: a `prompt:` or a device is asked only for a
    // command that can run
    let mut signers = match signers(&cli) {
        Ok(signers) => signers,
        Err(outcome) => return finish(outcome),
    };
    let commitment = cli.commitment.config();
    let progress = cli.output == OutputFormat::Text;
    let mut backend = RpcBackend::without_payer(url, commitment, progress);
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    finish(execute(&mut backend, &cli, &mut signers, interactive).await)
}
