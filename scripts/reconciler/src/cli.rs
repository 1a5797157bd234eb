//! `usd1 reconcile`: ingest from a cluster, then check. The `usd1` binary parses these
//! arguments (with its global `--url` and `--output`) and hands them to [`run`].
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use clap::Args;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::Keypair;
use usd1_client::parse_pubkey;
use usd1_client::rpc::RpcBackend;

use crate::calendar::Calendar;
use crate::ingest::{IngestOptions, IngestSummary, Retry, RpcSource};
use crate::{Error, Policy, Report, Store};

#[derive(Args, Debug, Clone)]
pub struct ReconcileArgs {
    /// The stablecoin's mint address.
    #[arg(long, value_parser = parse_pubkey)]
    pub mint: Pubkey,
    /// Where the event ledger is kept: a SQLite file (created when missing) or a
    /// postgres://user:password@host/database URL.
    #[arg(long, default_value = "usd1-ledger.sqlite")]
    pub store: String,
    /// The bank ledger: CSV with request_id,amount,value_date,reference (amounts in tokens).
    #[arg(long, required_unless_present = "ingest_only")]
    pub bank: Option<PathBuf>,
    /// Holidays (one YYYY-MM-DD per line, # comments) skipped with weekends when counting the
    /// 2 business days a redemption has.
    #[arg(long)]
    pub holidays: Option<PathBuf>,
    /// Hours after the start (00:00 UTC) of a credit's value date by which it must be minted.
    #[arg(long, default_value_t = 48)]
    pub credit_sla_hours: u32,
    /// Oldest (seconds) the last reserve attestation may be [default: the issuer's reserve
    /// guard maximum age when on, else 86400].
    #[arg(long)]
    pub attestation_max_age: Option<u32>,
    /// Only ingest: store new events and move the cursor, no checks.
    #[arg(long)]
    pub ingest_only: bool,
    /// Transactions per database commit.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Stop after this many transactions (a bounded run; the next run resumes).
    #[arg(long, requires = "ingest_only")]
    pub max_transactions: Option<usize>,
    /// At most this many RPC requests per second (for rate-limited nodes).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rps: Option<u32>,
    /// Seconds the source's finalized block may trail this machine's clock; a staler source
    /// stops the run with exit 3 ("stale source"), never a report.
    #[arg(long, default_value_t = 300)]
    pub max_lag: u32,
    /// Tries per RPC request before the run fails (exponential backoff, 0.25 s doubling to 8 s).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
}

/// What `usd1 reconcile` printed and how it exits: 0 everything agrees (or ingest-only done),
/// 1 discrepancies, 2 bad input, 3 could not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// This machine's clock, unix seconds.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn read_text(path: &PathBuf, what: &str) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Input(format!("cannot read the {what} {}: {e}", path.display())))
}

/// The policy from the arguments (holiday file read).
pub fn policy(args: &ReconcileArgs) -> Result<Policy, Error> {
    let calendar = match &args.holidays {
        Some(path) => Calendar::parse(&read_text(path, "holiday list")?)
            .map_err(|e| Error::Input(format!("holiday list {}: {e}", path.display())))?,
        None => Calendar::default(),
    };
    Ok(Policy {
        credit_sla: i64::from(args.credit_sla_hours) * 3600,
        calendar,
        attestation_max_age: args.attestation_max_age,
    })
}

/// Renders a finished reconciliation.
pub fn render(summary: &IngestSummary, report: Option<&Report>, json: bool) -> Outcome {
    let code = match report {
        Some(report) if !report.ok => 1,
        _ => 0,
    };
    let stdout = if json {
        let value = serde_json::json!({ "ingest": summary, "report": report });
        format!("{value}\n")
    } else {
        let mut text = format!(
            "ingested {} transactions ({} failed, passed over), {} new events{}\n",
            summary.transactions,
            summary.failed,
            summary.new_events,
            if summary.complete {
                ""
            } else {
                "; stopped early, run again to resume"
            }
        );
        if let (Some(slot), Some(time)) = (summary.as_of_slot, summary.as_of_time) {
            let _ = writeln!(
                text,
                "as of the source's finalized slot {slot} (block time {time})"
            );
        }
        if let Some(report) = report {
            text.push_str(&report.text());
        }
        text
    };
    Outcome {
        code,
        stdout,
        stderr: String::new(),
    }
}

/// The outcome of an error.
pub fn failed(error: &Error, json: bool) -> Outcome {
    Outcome {
        code: error.exit_code(),
        stdout: if json {
            let kind = match error {
                Error::Input(_) => "input",
                Error::Source(_) => "source",
                Error::Store(_) => "store",
            };
            format!(
                "{}\n",
                serde_json::json!({ "error": error.to_string(), "kind": kind })
            )
        } else {
            String::new()
        },
        stderr: format!("error: {error}\n"),
    }
}

/// Ingests from the cluster at `url` and, unless ingest-only, checks.
pub async fn run(args: &ReconcileArgs, url: &str, json: bool) -> Outcome {
    match reconcile(args, url, json).await {
        Ok((summary, report)) => render(&summary, report.as_ref(), json),
        Err(error) => failed(&error, json),
    }
}

async fn reconcile(
    args: &ReconcileArgs,
    url: &str,
    json: bool,
) -> Result<(IngestSummary, Option<Report>), Error> {
    let policy = policy(args)?;
    let bank_csv = match &args.bank {
        Some(path) => Some(read_text(path, "bank ledger")?),
        None => None,
    };
    let store = Store::open(&args.store).await?;
    let source = RpcSource::new(
        url.to_string(),
        Retry {
            attempts: args.retries,
            ..crate::ingest::default_retry()
        },
        args.max_rps
            .map(|rps| Duration::from_secs_f64(1.0 / f64::from(rps))),
    );
    let options = IngestOptions {
        batch: args.batch as usize,
        max_transactions: args.max_transactions,
        progress: !json && std::io::stderr().is_terminal(),
    };
    let mut summary = source.ingest(&store, &args.mint, &options).await?;
    // judged by a node that keeps up, or not at all
    let (slot, time) = source.finalized_tip().await?;
    crate::ingest::check_fresh(unix_now(), time, args.max_lag)?;
    (summary.as_of_slot, summary.as_of_time) = (Some(slot), Some(time));
    let Some(bank_csv) = bank_csv.filter(|_| !args.ingest_only) else {
        store.close().await;
        return Ok((summary, None));
    };
    // reads only; the key never signs
    let mut chain = RpcBackend::new(
        url.to_string(),
        Keypair::new(),
        CommitmentConfig::finalized(),
        false,
    );
    // events finalized after the listing: catch up before judging the sequence
    let mut catch_up = 0;
    let report = loop {
        let report = crate::verify(&store, &mut chain, &args.mint, &bank_csv, &policy).await?;
        let stored = store.max_seq(&args.mint).await?;
        if stored >= report.chain.event_seq || catch_up >= 5 {
            break report;
        }
        catch_up += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let more = source.ingest(&store, &args.mint, &options).await?;
        summary.transactions += more.transactions;
        summary.failed += more.failed;
        summary.new_events += more.new_events;
    };
    store.close().await;
    Ok((summary, Some(report)))
}
