//! `usd1 reconcile`: ingest from a cluster, then check. The `usd1` binary parses these
//! arguments (with its global `--url` and `--output`) and hands them to [`run`].
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
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
    /// A configuration file (the watcher's TOML: its [source], [store] and [reconcile]
    /// sections; a password from store.password_env or store.password_file). A flag given on
    /// the command line wins over the file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A stablecoin mint to reconcile (repeat for several: one report each); none: every mint
    /// the store already holds events of.
    #[arg(long, value_parser = parse_pubkey)]
    pub mint: Vec<Pubkey>,
    /// Where the event ledger is kept: a SQLite file (created when missing) or a
    /// postgres://user:password@host/database URL.
    #[arg(long, default_value = "usd1-ledger.sqlite")]
    pub store: String,
    /// The bank ledger: CSV with request_id,amount,value_date,reference and optionally type
    /// (credit, debit: a payout named by its settlement reference, reversal); amounts in tokens.
    /// A directory: its *.csv files in name order, as one ledger.
    #[arg(long, required_unless_present_any = ["ingest_only", "config"])]
    pub bank: Option<PathBuf>,
    /// Holidays (one YYYY-MM-DD per line, # comments) skipped with weekends when counting the
    /// 2 business days a redemption has.
    #[arg(long)]
    pub holidays: Option<PathBuf>,
    /// The issuer's time zone (IANA name): its business days, the bank's cut-off, the local
    /// date a mint is compared with its credit's value date.
    #[arg(long, default_value = "UTC", value_parser = crate::calendar::parse_zone)]
    pub time_zone: chrono_tz::Tz,
    /// The bank's cut-off (HH:MM, local) on a value date, from which the credit SLA counts.
    #[arg(long, default_value = "00:00", value_parser = crate::calendar::parse_time)]
    pub cutoff: chrono::NaiveTime,
    /// Reviewed exceptions (TOML): accepted discrepancies with their evidence, reason,
    /// approver and expiry; a finding one matches is acknowledged, an unmatched or expired
    /// entry is a finding (README, Reconciler).
    #[arg(long)]
    pub exceptions: Option<PathBuf>,
    /// Hours after the cut-off of a credit's value date by which it must be minted (and a
    /// settlement must have its payout in a bank ledger that lists payouts, and a payout its
    /// settlement).
    #[arg(long, default_value_t = 48)]
    pub credit_sla_hours: u32,
    /// Oldest (seconds) the last reserve attestation may be [default: the issuer's reserve
    /// guard maximum age when on, else 86400].
    #[arg(long)]
    pub attestation_max_age: Option<u32>,
    /// Re-ingest the issuer's transactions of these slots (FROM..TO, inclusive) first: fills a
    /// hole a store already has (reported as missing events); the cursor stays.
    #[arg(long, value_parser = crate::ingest::parse_slot_range, conflicts_with = "repair_signature")]
    pub repair_slots: Option<(u64, u64)>,
    /// Re-ingest this transaction first (repeatable), as --repair-slots does.
    #[arg(long, value_parser = parse_signature)]
    pub repair_signature: Vec<solana_sdk::signature::Signature>,
    /// Only ingest: store new events and move the cursor, no checks.
    #[arg(long)]
    pub ingest_only: bool,
    /// Transactions per database commit.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Stop after this many transactions (a bounded run; the next run resumes).
    #[arg(long, requires = "ingest_only")]
    pub max_transactions: Option<usize>,
    /// Transactions fetched at once (committed in order all the same).
    #[arg(long, default_value_t = crate::ingest::DEFAULT_CONCURRENCY as u32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// At most this many RPC requests per second (for rate-limited nodes).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rps: Option<u32>,
    /// Seconds the source's finalized block may trail this machine's clock; a staler source
    /// stops the run with exit 3 ("stale source"), never a report.
    #[arg(long, default_value_t = 300)]
    pub max_lag: u32,
    /// Seconds an RPC request may take before it is given up (and retried).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub rpc_timeout: u32,
    /// Tries per RPC request before the run fails (exponential backoff, 0.25 s doubling to 8 s).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
}

/// Fills what the command line did not give from `--config`'s file; `given(id)` says whether
/// the flag `id` (its field name) was on the command line. Returns the source URL the file
/// names, if any.
pub fn apply_config(
    args: &mut ReconcileArgs,
    given: impl Fn(&str) -> bool,
) -> Result<Option<String>, Error> {
    let Some(path) = &args.config else {
        return Ok(None);
    };
    let config = crate::watch::config::load(path)?;
    if args.mint.is_empty() {
        args.mint = config.mints()?;
    }
    if !given("store") {
        args.store = config.store_location()?;
    }
    let reconcile = &config.reconcile;
    for (flag, from_file) in [
        (&mut args.bank, &reconcile.bank),
        (&mut args.holidays, &reconcile.holidays),
        (&mut args.exceptions, &reconcile.exceptions),
    ] {
        if flag.is_none() {
            flag.clone_from(from_file);
        }
    }
    if !given("time_zone") {
        args.time_zone = crate::calendar::parse_zone(&reconcile.time_zone).map_err(Error::Input)?;
    }
    if !given("cutoff") {
        args.cutoff = crate::calendar::parse_time(&reconcile.cutoff).map_err(Error::Input)?;
    }
    if !given("credit_sla_hours") {
        args.credit_sla_hours = reconcile.credit_sla_hours;
    }
    if args.attestation_max_age.is_none() {
        args.attestation_max_age = reconcile.attestation_max_age_seconds;
    }
    let source = &config.source;
    if !given("max_lag") {
        args.max_lag = source.max_lag_seconds;
    }
    if !given("rpc_timeout") {
        args.rpc_timeout = source.rpc_timeout_seconds.max(1);
    }
    if !given("retries") {
        args.retries = source.retries.max(1);
    }
    if !given("concurrency") {
        args.concurrency = source.concurrency.clamp(1, 256);
    }
    if args.bank.is_none() && !args.ingest_only {
        return Err(Error::Input(format!(
            "no bank ledger: give --bank or reconcile.bank in {}",
            path.display()
        )));
    }
    Ok(source.url.clone())
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

fn parse_signature(text: &str) -> Result<solana_sdk::signature::Signature, String> {
    text.parse()
        .map_err(|e| format!("invalid signature {text:?}: {e}"))
}

fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Input(format!("cannot read the {what} {}: {e}", path.display())))
}

/// The policy from the arguments (holiday file read).
pub fn policy(args: &ReconcileArgs) -> Result<Policy, Error> {
    build_policy(
        args.holidays.as_deref(),
        args.time_zone,
        args.cutoff,
        args.exceptions.as_deref(),
        args.credit_sla_hours,
        args.attestation_max_age,
    )
}

/// The policy from its parts (`usd1 reconcile`'s flags, `usd1 watch`'s configuration): the
/// holiday list and the exceptions file read and parsed.
pub fn build_policy(
    holidays: Option<&Path>,
    time_zone: chrono_tz::Tz,
    cutoff: chrono::NaiveTime,
    exceptions: Option<&Path>,
    credit_sla_hours: u32,
    attestation_max_age: Option<u32>,
) -> Result<Policy, Error> {
    let calendar = match holidays {
        Some(path) => Calendar::parse(&read_text(path, "holiday list")?)
            .map_err(|e| Error::Input(format!("holiday list {}: {e}", path.display())))?,
        None => Calendar::default(),
    }
    .in_zone(time_zone);
    let exceptions = match exceptions {
        Some(path) => crate::exceptions::parse(&read_text(path, "exceptions file")?)
            .map_err(|e| Error::Input(format!("exceptions file {}: {e}", path.display())))?,
        None => Vec::new(),
    };
    Ok(Policy {
        credit_sla: i64::from(credit_sla_hours) * 3600,
        cutoff,
        calendar,
        attestation_max_age,
        exceptions,
    })
}

/// The bank ledger's text: a CSV file, or every `*.csv` of a directory in name order read as
/// one ledger (each file with the same header; a daily statement per file).
pub fn read_bank(path: &Path) -> Result<String, Error> {
    if !path.is_dir() {
        return read_text(path, "bank ledger");
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| {
            Error::Input(format!(
                "cannot read the bank ledger directory {}: {e}",
                path.display()
            ))
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut text = String::new();
    let mut header: Option<String> = None;
    for file in &files {
        let content = read_text(file, "bank ledger")?;
        let mut lines = content.lines();
        let first = lines.next().unwrap_or("").trim().to_string();
        match &header {
            None => {
                text.push_str(&content);
                if !content.ends_with('\n') {
                    text.push('\n');
                }
                header = Some(first);
            }
            Some(h) if *h == first => {
                for line in lines {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            Some(h) => {
                return Err(Error::Input(format!(
                    "bank ledger {}: its header {first:?} differs from the first file's {h:?}",
                    file.display()
                )))
            }
        }
    }
    if header.is_none() {
        return Err(Error::Input(format!(
            "the bank ledger directory {} holds no .csv file",
            path.display()
        )));
    }
    Ok(text)
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

/// Ingests from the cluster at `url` and, unless ingest-only, checks: each `--mint` (or every
/// mint the store holds) in turn, its outcome one after another (JSON: one document per line);
/// the exit code is the highest of theirs.
pub async fn run(args: &ReconcileArgs, url: &str, json: bool) -> Outcome {
    let mints = if args.mint.is_empty() {
        match tracked_mints(&args.store).await {
            Ok(mints) => mints,
            Err(error) => return failed(&error, json),
        }
    } else {
        args.mint.clone()
    };
    // read once for every mint
    let inputs = policy(args).and_then(|policy| {
        let bank_csv = match &args.bank {
            Some(path) => Some(read_bank(path)?),
            None => None,
        };
        // one bank ledger for several mints must say which line is whose
        if let Some(text) = bank_csv
            .as_deref()
            .filter(|_| mints.len() > 1 && !args.ingest_only)
        {
            if !crate::bank::names_mints(text) {
                return Err(Error::Input(format!(
                    "{} mints against one bank ledger: its lines need a mint column",
                    mints.len()
                )));
            }
        }
        Ok((policy, bank_csv))
    });
    let (policy, bank_csv) = match inputs {
        Ok(inputs) => inputs,
        Err(error) => return failed(&error, json),
    };
    let mut combined = Outcome {
        code: 0,
        stdout: String::new(),
        stderr: String::new(),
    };
    for mint in mints {
        let outcome = match reconcile(args, &mint, url, json, &policy, bank_csv.as_deref()).await {
            Ok((summary, report)) => render(&summary, report.as_ref(), json),
            Err(error) => {
                let mut outcome = failed(&error, json);
                outcome.stderr = format!("error: {mint}: {error}\n");
                outcome
            }
        };
        combined.code = combined.code.max(outcome.code);
        combined.stdout.push_str(&outcome.stdout);
        combined.stderr.push_str(&outcome.stderr);
    }
    combined
}

/// The mints `store` holds events of.
async fn tracked_mints(store: &str) -> Result<Vec<Pubkey>, Error> {
    let store = Store::open(store).await?;
    let mints = store.mints().await;
    store.close().await;
    let mints = mints?;
    if mints.is_empty() {
        return Err(Error::Input(
            "no --mint given, and the store holds no mint's events yet".into(),
        ));
    }
    Ok(mints)
}

async fn reconcile(
    args: &ReconcileArgs,
    mint: &Pubkey,
    url: &str,
    json: bool,
    policy: &Policy,
    bank_csv: Option<&str>,
) -> Result<(IngestSummary, Option<Report>), Error> {
    let store = Store::open(&args.store).await?;
    let source = RpcSource::new(
        url.to_string(),
        Retry {
            attempts: args.retries,
            ..crate::ingest::default_retry()
        },
        args.max_rps
            .map(|rps| Duration::from_secs_f64(1.0 / f64::from(rps))),
    )
    .with_timeout(
        url.to_string(),
        Duration::from_secs(u64::from(args.rpc_timeout)),
    );
    let options = IngestOptions {
        batch: args.batch as usize,
        max_transactions: args.max_transactions,
        progress: !json && std::io::stderr().is_terminal(),
        concurrency: args.concurrency as usize,
    };
    let repair = match (&args.repair_slots, &args.repair_signature[..]) {
        (Some((from, to)), _) => Some(crate::ingest::Repair::Slots {
            from: *from,
            to: *to,
        }),
        (None, []) => None,
        (None, signatures) => Some(crate::ingest::Repair::Signatures(signatures.to_vec())),
    };
    let repaired = match &repair {
        Some(what) => Some(source.repair(&store, mint, what, &options).await?),
        None => None,
    };
    let mut summary = source.ingest(&store, mint, &options).await?;
    if let Some(repaired) = repaired {
        summary.transactions += repaired.transactions;
        summary.failed += repaired.failed;
        summary.new_events += repaired.new_events;
    }
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
        let report = crate::verify(&store, &mut chain, mint, bank_csv, policy).await?;
        let stored = store.max_seq(mint).await?;
        if stored >= report.chain.event_seq || catch_up >= 5 {
            break report;
        }
        catch_up += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let more = source.ingest(&store, mint, &options).await?;
        summary.transactions += more.transactions;
        summary.failed += more.failed;
        summary.new_events += more.new_events;
    };
    store.close().await;
    Ok((summary, Some(report)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        reconcile: ReconcileArgs,
    }

    #[test]
    fn a_configuration_file_fills_what_the_flags_leave_out() {
        let dir =
            std::env::temp_dir().join(format!("usd1-reconcile-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mint = Pubkey::new_unique();
        let file = dir.join("watch.toml");
        std::fs::write(
            &file,
            format!(
                "[source]\nurl = \"http://node:8899\"\nmax_lag_seconds = 90\n\
                 [store]\nurl = \"ledger.sqlite\"\n\
                 [reconcile]\nmints = [\"{mint}\"]\nbank = \"bank\"\ntime_zone = \"America/New_York\"\ncutoff = \"17:00\"\n"
            ),
        )
        .unwrap();
        let path = file.display().to_string();
        let matches =
            Cli::command().get_matches_from(["reconcile", "--config", &path, "--cutoff", "09:30"]);
        let mut args = Cli::from_arg_matches(&matches).unwrap().reconcile;
        let given =
            |id: &str| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
        let url = apply_config(&mut args, given).unwrap();
        assert_eq!(url.as_deref(), Some("http://node:8899"));
        assert_eq!(args.mint, vec![mint]);
        assert_eq!(args.bank, Some(dir.join("bank")));
        assert_eq!(args.store, "ledger.sqlite");
        assert_eq!(args.time_zone, chrono_tz::Tz::America__New_York);
        assert_eq!(args.max_lag, 90);
        // the flag wins over the file
        assert_eq!(args.cutoff, crate::calendar::parse_time("09:30").unwrap());
        // no bank anywhere is bad input, not a run without the bank side
        std::fs::write(&file, format!("[reconcile]\nmints = [\"{mint}\"]\n")).unwrap();
        let matches = Cli::command().get_matches_from(["reconcile", "--config", &path]);
        let mut args = Cli::from_arg_matches(&matches).unwrap().reconcile;
        let error = apply_config(&mut args, |_| false).unwrap_err();
        assert!(error.to_string().contains("no bank ledger"), "{error}");
    }
}
