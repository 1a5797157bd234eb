//! usd1-bench-reconciler: the reconciler's throughput. Builds N synthetic events (default
//! 1,000,000) as the program emits them (self-CPI instruction data: tag, discriminator,
//! Borsh) for one consistent issuer history (mints, redemptions settled and refunded,
//! attestations, and a bank ledger crediting every mint), then times decode + store + check on
//! SQLite and, given `--postgres URL` (or USD1_BENCH_POSTGRES), on PostgreSQL; and decoding
//! alone against the official TypeScript decoder (@anchor-lang/core's BorshEventCoder under
//! node, scripts/bench/ts) on the same events. Prints events/second; asserts nothing about
//! time. Exits non-zero if a reconciliation of the synthetic history does not come out clean
//! (the benchmark would be measuring a failure path) or the TypeScript decoder decodes
//! different events.
//!
//! usage: usd1-bench-reconciler [--events N] [--postgres URL] [--no-ts]
use std::process::ExitCode;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use anchor_lang::Event as AnchorEvent;
use base64::Engine as _;
use solana_sdk::signature::Signature;
use usd1_client::events::{self, Event};
use usd1_reconciler::chain::ChainState;
use usd1_reconciler::checks::{self, Policy};
use usd1_reconciler::store::NewEvent;
use usd1_reconciler::{bank, store, Store};

const DECIMALS: u8 = 6;
const UNIT: u64 = 1_000_000;

struct Synthetic {
    /// Self-CPI instruction data, one per event (one event per transaction).
    cpi_data: Vec<Vec<u8>>,
    signatures: Vec<String>,
    block_times: Vec<i64>,
    bank_csv: String,
    chain: ChainState,
}

fn cpi_data(event: &impl AnchorEvent) -> Vec<u8> {
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend_from_slice(&event.data());
    data
}

fn id(kind: u8, n: u64) -> [u8; 32] {
    let mut id = [0u8; 32];
    id[0] = kind;
    id[1..9].copy_from_slice(&n.to_le_bytes());
    id
}

/// A consistent history of `n` events: per 10 events, 6 mints, 2 redemptions requested, one
/// settled and one refunded (each right after its request); an attestation covering the
/// supply closes it.
fn synthesize(n: u64) -> Synthetic {
    let mint = Pubkey::new_unique();
    let (minter, holder, account, operator) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let start = 1_790_000_000i64;
    let mut supply = 0u64;
    let mut out = Synthetic {
        cpi_data: Vec::with_capacity(n as usize),
        signatures: Vec::with_capacity(n as usize),
        block_times: Vec::with_capacity(n as usize),
        bank_csv: String::from("request_id,amount,value_date,reference\n"),
        chain: ChainState {
            mint: mint.to_string(),
            issuer: usd1_client::pda::issuer(&mint).to_string(),
            event_seq: n,
            supply: 0,
            decimals: DECIMALS,
            now: 0,
            reserve_max_age: 0,
            paused: false,
        },
    };
    let value_date = usd1_reconciler::calendar::utc_date(start);
    let mut redemption = 0u64;
    for seq in 1..=n {
        let at = start + seq as i64;
        let data = if seq == n {
            cpi_data(&events::ReservesAttested {
                mint,
                seq,
                amount: supply,
                as_of: at,
                report_hash: [1; 32],
                supply,
                by: operator,
            })
        } else {
            match seq % 10 {
                0..=5 => {
                    let amount = 100 * UNIT + seq % 1000;
                    supply += amount;
                    let request_id = id(b'w', seq);
                    out.bank_csv.push_str(&format!(
                        "{},{},{value_date},FED-{seq}\n",
                        events::hex32(&request_id),
                        usd1_client::format_amount(amount, DECIMALS)
                    ));
                    cpi_data(&events::Minted {
                        mint,
                        seq,
                        request_id,
                        minter,
                        recipient: account,
                        amount,
                        supply_after: supply,
                        allowance_after: u64::MAX / 2,
                    })
                }
                6 | 8 => {
                    redemption += 1;
                    supply -= 50 * UNIT;
                    cpi_data(&events::RedemptionRequested {
                        mint,
                        seq,
                        redemption_id: id(b'r', redemption),
                        holder,
                        token_account: account,
                        amount: 50 * UNIT,
                        payout_reference: [2; 32],
                        supply_after: supply,
                    })
                }
                7 => cpi_data(&events::RedemptionSettled {
                    mint,
                    seq,
                    redemption_id: id(b'r', redemption),
                    holder,
                    amount: 50 * UNIT,
                    settlement_reference: [3; 32],
                    by: operator,
                }),
                _ => {
                    supply += 50 * UNIT;
                    cpi_data(&events::RedemptionRefunded {
                        mint,
                        seq,
                        redemption_id: id(b'r', redemption),
                        holder,
                        token_account: account,
                        amount: 50 * UNIT,
                        reason_code: 1,
                        supply_after: supply,
                        by: operator,
                    })
                }
            }
        };
        out.cpi_data.push(data);
        let mut signature = [0u8; 64];
        signature[..8].copy_from_slice(&seq.to_le_bytes());
        out.signatures.push(Signature::from(signature).to_string());
        out.block_times.push(at);
    }
    out.chain.supply = supply;
    out.chain.now = start + n as i64 + 1;
    out
}

/// Decodes every event (what ingestion does with each inner instruction).
fn decode(s: &Synthetic) -> Result<Vec<NewEvent>, String> {
    let mut decoded = Vec::with_capacity(s.cpi_data.len());
    for (i, data) in s.cpi_data.iter().enumerate() {
        let event = Event::decode_cpi_data(data)
            .map_err(|e| e.0)?
            .ok_or("not an event")?;
        decoded.push(NewEvent {
            signature: s.signatures[i].clone(),
            slot: i as u64 + 1,
            block_time: s.block_times[i],
            event: event.into(),
            raw: data[8..].to_vec(),
        });
    }
    Ok(decoded)
}

struct Timing {
    decode: f64,
    store: f64,
    check: f64,
}

fn rate(n: u64, seconds: f64) -> String {
    format!("{:>12.0} events/s", n as f64 / seconds.max(1e-9))
}

async fn run_on(location: &str, s: &Synthetic) -> Result<Timing, String> {
    let n = s.cpi_data.len() as u64;
    let store = Store::open(location).await.map_err(|e| e.to_string())?;
    let mint: Pubkey = s.chain.mint.parse().map_err(|_| "mint")?;
    let t0 = Instant::now();
    let decoded = decode(s)?;
    let t1 = Instant::now();
    // ingestion commits a batch of transactions at a time
    for batch in decoded.chunks(10_000) {
        store
            .commit("bench", batch, None)
            .await
            .map_err(|e| e.to_string())?;
    }
    let t2 = Instant::now();
    let bank = bank::parse(&s.bank_csv, DECIMALS)?;
    let ledger = store
        .ledger(&mint, s.chain.event_seq)
        .await
        .map_err(|e| e.to_string())?;
    let conflicts = store.conflicts(&mint).await.map_err(|e| e.to_string())?;
    let report = checks::run(&ledger, &conflicts, &s.chain, &bank, &Policy::default());
    let t3 = Instant::now();
    store.close().await;
    if !report.ok || report.ledger.events != n {
        return Err(format!(
            "the synthetic history must reconcile cleanly:\n{}",
            report.text()
        ));
    }
    Ok(Timing {
        decode: (t1 - t0).as_secs_f64(),
        store: (t2 - t1).as_secs_f64(),
        check: (t3 - t2).as_secs_f64(),
    })
}

fn print_timing(what: &str, n: u64, t: &Timing) {
    let total = t.decode + t.store + t.check;
    println!("{what}");
    println!("  decode  {:>8.3} s {}", t.decode, rate(n, t.decode));
    println!("  store   {:>8.3} s {}", t.store, rate(n, t.store));
    println!("  check   {:>8.3} s {}", t.check, rate(n, t.check));
    println!("  total   {:>8.3} s {}", total, rate(n, total));
}

/// Decoding alone, Rust vs @anchor-lang/core, on the same base64 events.
fn compare_with_typescript(s: &Synthetic) -> Result<(), String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ts");
    let idl = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../idl/usd1_minter.json");
    if !dir.join("node_modules/@anchor-lang/core").exists() {
        return Err(format!(
            "the TypeScript decoder is not installed: npm ci --ignore-scripts --prefix {}",
            dir.display()
        ));
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let lines: Vec<String> = s.cpi_data.iter().map(|d| engine.encode(&d[8..])).collect();
    let file = std::env::temp_dir().join(format!("usd1-bench-events-{}.b64", std::process::id()));
    std::fs::write(&file, lines.join("\n")).map_err(|e| e.to_string())?;
    // Rust: the same input (base64 text, as in logs) to a decoded event
    let start = Instant::now();
    let mut seq_sum: u128 = 0;
    for line in &lines {
        let bytes = engine.decode(line).map_err(|e| e.to_string())?;
        seq_sum += u128::from(Event::decode(&bytes).map_err(|e| e.0)?.seq());
    }
    let rust = start.elapsed().as_secs_f64();
    let output = std::process::Command::new("node")
        .arg(dir.join("decode.mjs"))
        .arg(&idl)
        .arg(&file)
        .output()
        .map_err(|e| format!("node: {e} (install Node.js)"))?;
    let _ = std::fs::remove_file(&file);
    if !output.status.success() {
        return Err(format!(
            "node decode.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let result: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("node output: {e}"))?;
    let ts = result["seconds"].as_f64().ok_or("node output: seconds")?;
    if result["decoded"].as_u64() != Some(lines.len() as u64)
        || result["seq_sum"].as_str() != Some(seq_sum.to_string().as_str())
    {
        return Err(format!(
            "the TypeScript decoder decoded other events: {result}"
        ));
    }
    let n = lines.len() as u64;
    println!("decode only, base64 event -> typed event ({n} events, same input)");
    println!(
        "  rust (usd1-client)               {:>8.3} s {}",
        rust,
        rate(n, rust)
    );
    println!(
        "  typescript (@anchor-lang/core)   {:>8.3} s {}",
        ts,
        rate(n, ts)
    );
    println!(
        "  rust / typescript: {:.1}x (goal >= 20x)",
        ts / rust.max(1e-9)
    );
    Ok(())
}

async fn bench() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: u64 = match value("--events") {
        Some(text) => text.parse().map_err(|_| format!("--events {text:?}"))?,
        None => 1_000_000,
    };
    if n < 10 {
        return Err("--events must be at least 10".into());
    }
    let postgres = value("--postgres").or_else(|| std::env::var("USD1_BENCH_POSTGRES").ok());
    let s = synthesize(n);
    println!(
        "usd1-bench-reconciler: {n} synthetic events ({} bank credits), {} cores",
        s.bank_csv.lines().count() - 1,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let path = std::env::temp_dir().join(format!("usd1-bench-{}.sqlite", std::process::id()));
    let location = path.display().to_string();
    let sqlite = run_on(&location, &s).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{location}{suffix}"));
    }
    print_timing("SQLite (file, WAL)", n, &sqlite?);
    println!("  goal: total >= 50000 events/s");
    match postgres {
        Some(admin) => {
            let database = format!("usd1_bench_{}", std::process::id());
            let url = store::create_postgres_database(&admin, &database)
                .await
                .map_err(|e| e.to_string())?;
            let timing = run_on(&url, &s).await;
            let _ = store::drop_postgres_database(&admin, &database).await;
            print_timing("PostgreSQL (loopback)", n, &timing?);
        }
        None => println!("PostgreSQL: skipped (give --postgres URL or USD1_BENCH_POSTGRES)"),
    }
    if !args.iter().any(|a| a == "--no-ts") {
        compare_with_typescript(&s)?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match bench().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("usd1-bench-reconciler: {e}");
            ExitCode::FAILURE
        }
    }
}
