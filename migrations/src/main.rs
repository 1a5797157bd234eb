//! `usd1-migrate`: deploy the program and initialize the mint from the issuer's TOML file,
//! idempotently (see the library's documentation for the steps). Re-run after any failure.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use solana_commitment_config::CommitmentConfig;
use usd1_client::config::{default_keypair_path, read_keypair, resolve_url, IssuerConfig};
use usd1_client::rpc::RpcBackend;
use usd1_migrations::{deploy, hand_over, initialize, stage_upgrade, MigrateError};

#[derive(Parser)]
#[command(
    name = "usd1-migrate",
    version,
    about = "Deploy usd1-minter and initialize its mint, idempotently"
)]
struct Args {
    /// Cluster: mainnet-beta, devnet, testnet, localhost (or m, d, t, l) or an http(s) URL.
    #[arg(long, short = 'u', global = true, default_value = "localhost")]
    url: String,
    /// Deployer and fee payer (the program's upgrade authority until the hand-over)
    /// [default: ~/.config/solana/id.json].
    #[arg(long, short = 'k', global = true)]
    keypair: Option<PathBuf>,
    /// Commitment each step waits for before the next one builds on it.
    #[arg(long, global = true, value_enum, default_value = "confirmed")]
    commitment: Commitment,
    /// Output: text with progress bars, or one JSON document and no progress.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
    output: OutputFormat,
    #[command(subcommand)]
    step: Step,
}

/// `usd1`'s commitments minus `processed`: a step must not build on a block that can vanish.
#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Commitment {
    Confirmed,
    Finalized,
}

/// Text with progress bars, or one JSON document.
#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Step {
    /// Deploy the program (steps 1-3).
    Deploy {
        #[arg(long)]
        config: PathBuf,
    },
    /// Initialize the mint (steps 4-5).
    Init {
        #[arg(long)]
        config: PathBuf,
    },
    /// Hand the program's upgrade authority to the issuer's governance (step 6).
    HandOver {
        #[arg(long)]
        config: PathBuf,
    },
    /// Deploy, initialize, then hand the upgrade authority to governance.
    All {
        #[arg(long)]
        config: PathBuf,
    },
    /// Stage an upgrade: upload a new build to a buffer and give the buffer to the issuer's
    /// upgrade authority, ready for `usd1 propose upgrade-program`.
    Buffer {
        #[arg(long)]
        config: PathBuf,
        /// The new build.
        #[arg(long)]
        so: PathBuf,
        /// The buffer's keypair, created on the first run and reused, so an interrupted
        /// upload resumes.
        #[arg(long)]
        buffer_keypair: PathBuf,
    },
}

async fn run(args: &Args) -> Result<serde_json::Value, MigrateError> {
    let url = resolve_url(&args.url).map_err(MigrateError::Input)?;
    usd1_migrations::check_program_id(&usd1_client::PROGRAM_ID, &url)?;
    let keypair_path = args.keypair.clone().unwrap_or_else(default_keypair_path);
    let payer = read_keypair(&keypair_path).map_err(MigrateError::Input)?;
    let progress = args.output == OutputFormat::Text;
    let commitment = match args.commitment {
        Commitment::Confirmed => CommitmentConfig::confirmed(),
        Commitment::Finalized => CommitmentConfig::finalized(),
    };
    let mut backend = RpcBackend::new(url, payer, commitment, progress);
    let (config_path, do_deploy, do_init, do_hand_over) = match &args.step {
        Step::Deploy { config } => (config, true, false, false),
        Step::Init { config } => (config, false, true, false),
        Step::HandOver { config } => (config, false, false, true),
        Step::All { config } => (config, true, true, true),
        Step::Buffer {
            config,
            so,
            buffer_keypair,
        } => {
            let config = IssuerConfig::load(config).map_err(MigrateError::Input)?;
            let staged = stage_upgrade(&mut backend, &config, so, buffer_keypair, progress).await?;
            if progress {
                println!(
                    "buffer {}: {} (sha256 {})\nnext: {}",
                    staged["buffer"], staged["status"], staged["buffer_hash"], staged["propose"]
                );
            }
            return Ok(json!({ "buffer": staged }));
        }
    };
    let config = IssuerConfig::load(config_path).map_err(MigrateError::Input)?;
    let mut result = json!({});
    if do_deploy {
        result["deploy"] = deploy(&mut backend, &config, progress).await?;
        if progress {
            println!("program: {}", result["deploy"]["status"]);
            if result["deploy"]["matches_so"] == false {
                println!(
                    "note: the deployed program differs from the config's .so (governance \
                     upgraded it, or the file is another build)"
                );
            }
        }
    }
    if do_init {
        result["init"] = initialize(&mut backend, config_path, &config).await?;
        if progress {
            println!(
                "mint {}: {}",
                result["init"]["mint"], result["init"]["status"]
            );
        }
    }
    if do_hand_over {
        result["hand_over"] = hand_over(&mut backend, &config).await?;
        if progress {
            println!(
                "upgrade authority: {} ({})",
                result["hand_over"]["status"], result["hand_over"]["upgrade_authority"]
            );
        }
    }
    Ok(result)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = run(&args).await;
    let json = args.output == OutputFormat::Json;
    match outcome {
        Ok(result) => {
            if json {
                let _ = writeln!(std::io::stdout(), "{result}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            if json {
                let _ = writeln!(
                    std::io::stdout(),
                    "{}",
                    json!({ "error": error.to_string() })
                );
            }
            let _ = writeln!(std::io::stderr(), "error: {error}");
            ExitCode::from(match error {
                MigrateError::Input(_) => 2,
                MigrateError::Chain(_) => 1,
            })
        }
    }
}
