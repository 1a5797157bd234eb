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
    if let Command::Reconcile(args) = &cli.command {
        let outcome = usd1_reconciler::cli::run(args, &url, cli.output == OutputFormat::Json).await;
        return finish(Outcome {
            code: outcome.code,
            stdout: outcome.stdout,
            stderr: outcome.stderr,
        });
    }
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
