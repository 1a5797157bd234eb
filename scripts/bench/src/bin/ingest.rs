//! usd1-bench-ingest: the reconciler's JSON-RPC ingestion in transactions per second, against
//! a test validator (tools/test-validator; the program's `.so` deployed), directly and through
//! a loopback proxy that holds every answer 50 ms (a remote node), one fetch at a time and at
//! the default concurrency; then through the proxy replaying the answers it kept (the 50 ms
//! alone: on 2 cores the test validator's own work caps the live rate). The history is one issuer and `--txs N` (default 500) transactions
//! naming its address (SOL transfers to it, sent without waiting), finalized before timing.
//! Each timed run ingests the whole history into a fresh SQLite store. Prints the rates and
//! the proxy ratio (goal >= 20x); asserts nothing about time, but fails if a run stores a
//! different history.
//!
//! usage: usd1-bench-ingest [--txs N] [--concurrency C]   (C: the second row of each source,
//! default the reconciler's default)
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use usd1_client::backend::Backend;
use usd1_client::rpc::LocalValidator;
use usd1_client::{ix, pda, PROGRAM_ID};
use usd1_reconciler::fault_proxy::{self, Faults};
use usd1_reconciler::ingest::{default_retry, IngestOptions, RpcSource, DEFAULT_CONCURRENCY};
use usd1_reconciler::Store;

/// Ingests the whole history of `mint` from `url` into a fresh store: (transactions, seconds).
async fn timed_run(
    url: &str,
    mint: &solana_sdk::pubkey::Pubkey,
    concurrency: usize,
    tag: &str,
) -> Result<(u64, f64), String> {
    let path = std::env::temp_dir().join(format!(
        "usd1-bench-ingest-{}-{tag}.sqlite",
        std::process::id()
    ));
    let location = path.display().to_string();
    let store = Store::open(&location).await.map_err(|e| e.to_string())?;
    let source = RpcSource::new(url.to_string(), default_retry(), None);
    let options = IngestOptions {
        concurrency,
        ..IngestOptions::default()
    };
    let start = Instant::now();
    let summary = source
        .ingest(&store, mint, &options)
        .await
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{location}{suffix}"));
    }
    Ok((summary.transactions, seconds))
}

async fn bench() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let txs: u64 = match args
        .iter()
        .position(|a| a == "--txs")
        .and_then(|i| args.get(i + 1))
    {
        Some(text) => text.parse().map_err(|_| format!("--txs {text:?}"))?,
        None => 500,
    };
    let wide: usize = match args
        .iter()
        .position(|a| a == "--concurrency")
        .and_then(|i| args.get(i + 1))
    {
        Some(text) => text
            .parse()
            .ok()
            .filter(|c| (1..=256).contains(c))
            .ok_or_else(|| format!("--concurrency {text:?}: 1 to 256"))?,
        None => DEFAULT_CONCURRENCY,
    };
    let validator = LocalValidator::start(&[(PROGRAM_ID, LocalValidator::program_so()?)])?;
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    let payer = validator.payer.insecure_clone();
    let mint = Keypair::new();
    let init = usd1_client::local_issuer("Bench", &payer.pubkey());
    chain
        .send(
            &[ix::initialize(&payer.pubkey(), &mint.pubkey(), init)],
            &[&mint],
        )
        .await
        .map_err(|e| e.to_string())?;
    let client =
        RpcClient::new_with_commitment(validator.rpc_url.clone(), CommitmentConfig::confirmed());
    let issuer = pda::issuer(&mint.pubkey());
    let blockhash = client
        .get_latest_blockhash()
        .await
        .map_err(|e| e.to_string())?;
    for i in 0..txs {
        let transfer = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &issuer,
            1 + i,
        );
        let tx = Transaction::new_signed_with_payer(
            &[transfer],
            Some(&payer.pubkey()),
            &[&payer],
            blockhash,
        );
        client
            .send_transaction(&tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    // every transaction finalized and listed (bounded wait: the debug validator is slow)
    let expected = txs + 1;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (seen, _) = timed_run(
            &validator.rpc_url,
            &mint.pubkey(),
            DEFAULT_CONCURRENCY,
            "warm",
        )
        .await?;
        if seen >= expected {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "only {seen} of {expected} transactions finalized in 600 s"
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let faults = Arc::new(Mutex::new(Faults {
        latency: Some(Duration::from_millis(50)),
        ..Faults::default()
    }));
    let upstream = validator.rpc_url.trim_start_matches("http://").to_string();
    let proxy = fault_proxy::start(upstream, faults.clone()).await;
    println!(
        "usd1-bench-ingest: {expected} transactions naming one issuer, test validator on loopback, {} cores",
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    println!("| source | concurrency | transactions | seconds | tx/s |");
    println!("|---|---:|---:|---:|---:|");
    let mut rates = Vec::new();
    // the last source replays the answers the proxy kept (filled by a first, untimed pass):
    // the 50 ms alone, the validator's own work on 2 cores out of the way
    for (label, url, replay) in [
        ("direct", validator.rpc_url.as_str(), false),
        ("proxy, +50 ms a call", proxy.as_str(), false),
        ("proxy, +50 ms a call, replayed", proxy.as_str(), true),
    ] {
        faults.lock().unwrap().replay = replay;
        if replay {
            timed_run(url, &mint.pubkey(), wide, "fill").await?;
        }
        for concurrency in [1, wide] {
            let (seen, seconds) =
                timed_run(url, &mint.pubkey(), concurrency, &format!("{concurrency}")).await?;
            if seen != expected {
                return Err(format!(
                    "{label} at {concurrency}: {seen} transactions, expected {expected}"
                ));
            }
            let rate = seen as f64 / seconds.max(1e-9);
            println!("| {label} | {concurrency} | {seen} | {seconds:.2} | {rate:.0} |");
            rates.push(rate);
        }
    }
    println!(
        "  through the proxy, concurrency {wide} / 1: {:.1}x against the validator, {:.1}x replayed (goal >= 20x)",
        rates[3] / rates[2].max(1e-9),
        rates[5] / rates[4].max(1e-9)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match bench().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("usd1-bench-ingest: {e}");
            ExitCode::FAILURE
        }
    }
}
