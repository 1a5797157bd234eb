//! `usd1 reconcile` against a test validator through a loopback JSON-RPC proxy that injects
//! faults a real source has: capped signature pages, a pool member that does not know a
//! `before`, transactions served without their inner instructions, events of an unknown kind,
//! HTTP 500s and 429s, requests that time out, a node that stopped (its finalized block hours
//! old), a store with a hole, several mints. Each run either completes with the whole ledger
//! or stops with exit 3 and no cursor moved; none reads as agreeing or as a discrepancy.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::backend::Backend;
use usd1_client::rpc::LocalValidator;
use usd1_client::{ix, ProposalAction, PROGRAM_ID};
use usd1_reconciler::cli::{run, ReconcileArgs};
use usd1_reconciler::fault_proxy::{self, Faults};
use usd1_reconciler::Store;

fn args(mint: &solana_sdk::pubkey::Pubkey, store: &str, extra: &[&str]) -> ReconcileArgs {
    let mint = mint.to_string();
    let mut with_mint = vec!["--mint", &mint];
    with_mint.extend(extra);
    args_for(store, &with_mint)
}

/// `reconcile --store S --ingest-only <extra…>` (no --mint of its own), with `--retries 3`
/// unless `extra` says otherwise.
fn args_for(store: &str, extra: &[&str]) -> ReconcileArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        reconcile: ReconcileArgs,
    }
    let mut argv = vec!["reconcile", "--store", store, "--ingest-only"];
    if !extra.contains(&"--retries") {
        argv.extend(["--retries", "3"]);
    }
    argv.extend(extra);
    Cli::parse_from(argv).reconcile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_sources_never_read_as_complete_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[(PROGRAM_ID, so)]).unwrap();
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    // an issuer with a few events: initialize, then proposals (created and approved)
    let mint = Keypair::new();
    let member = validator.payer.insecure_clone();
    let init = usd1_client::local_issuer("Faults", &member.pubkey());
    chain
        .send(
            &[ix::initialize(&member.pubkey(), &mint.pubkey(), init)],
            &[&mint],
        )
        .await
        .unwrap();
    for index in 1..=8u64 {
        let action = ProposalAction::SetExecutionWindow {
            seconds: 3_600 + index as u32,
        };
        chain
            .send(
                &[ix::propose(&member.pubkey(), &mint.pubkey(), index, action)],
                &[],
            )
            .await
            .unwrap();
    }
    let issuer = usd1_client::read::issuer(&mut chain, &mint.pubkey())
        .await
        .unwrap()
        .expect("the issuer");
    let events = issuer.event_seq;
    assert!(events >= 4, "{events}");
    let upstream = validator.rpc_url.trim_start_matches("http://").to_string();
    let dir = std::env::temp_dir().join(format!("usd1-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store_at = |name: &str| dir.join(name).display().to_string();

    // wait (bounded) until the node's finalized history serves every event, straight
    let deadline = Instant::now() + Duration::from_secs(600);
    let whole = store_at("whole.sqlite");
    loop {
        let outcome = run(&args(&mint.pubkey(), &whole, &[]), &validator.rpc_url, true).await;
        assert_eq!(outcome.code, 0, "{outcome:?}");
        let store = Store::open(&whole).await.unwrap();
        let stored = store.max_seq(&mint.pubkey()).await.unwrap();
        store.close().await;
        if stored == events {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the node's finalized history stayed at {stored} of {events}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    let faults = Arc::new(Mutex::new(Faults::default()));
    let url = fault_proxy::start(upstream, faults.clone()).await;
    let set = |f: Faults| *faults.lock().unwrap() = f;

    // pages capped at 1 entry, two 500s, two 429s and two requests that time out: the walk
    // goes on page by page, the retries absorb the errors, and the store holds the same ledger
    set(Faults {
        signature_page_cap: Some(1),
        http_500: 2,
        http_429: 2,
        stalls: 2,
        stall_for: Duration::from_secs(5),
        ..Faults::default()
    });
    let capped = store_at("capped.sqlite");
    let outcome = run(
        &args(
            &mint.pubkey(),
            &capped,
            &["--rpc-timeout", "1", "--retries", "8"],
        ),
        &url,
        true,
    )
    .await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let (a, b) = (
        Store::open(&whole).await.unwrap(),
        Store::open(&capped).await.unwrap(),
    );
    let dump = |s: String| {
        s.lines()
            .filter(|l| l.starts_with("events "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(dump(a.dump().await.unwrap()), dump(b.dump().await.unwrap()));
    a.close().await;

    // a store with a cursor after the first transaction, then a pool member that does not know
    // the `before` of its second page: exit 3, the cursor where it was
    set(Faults::default());
    let partial = store_at("partial.sqlite");
    let outcome = run(
        &args(&mint.pubkey(), &partial, &["--max-transactions", "1"]),
        &url,
        true,
    )
    .await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let store = Store::open(&partial).await.unwrap();
    let source = store.dump().await.unwrap();
    let cursor_before: Vec<&str> = source
        .lines()
        .filter(|l| l.starts_with("cursors "))
        .collect();
    assert_eq!(cursor_before.len(), 1, "{source}");
    let cursor_before = cursor_before[0].to_string();
    store.close().await;
    set(Faults {
        signature_page_cap: Some(2),
        forget_before: true,
        ..Faults::default()
    });
    let outcome = run(&args(&mint.pubkey(), &partial, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(
        outcome.stderr.contains("source history incomplete"),
        "{outcome:?}"
    );
    let store = Store::open(&partial).await.unwrap();
    let after = store.dump().await.unwrap();
    assert!(after.contains(&cursor_before), "the cursor moved:\n{after}");
    store.close().await;

    // the first transactions served null (listed, not served yet) and then without status
    // metadata: retried, never read as "no events": the same ledger
    set(Faults {
        null_transactions: 2,
        metaless_transactions: 2,
        ..Faults::default()
    });
    let late = store_at("late.sqlite");
    let outcome = run(&args(&mint.pubkey(), &late, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let (a, b) = (
        Store::open(&whole).await.unwrap(),
        Store::open(&late).await.unwrap(),
    );
    assert_eq!(dump(a.dump().await.unwrap()), dump(b.dump().await.unwrap()));
    a.close().await;
    b.close().await;

    // transactions served without inner instructions: retried, then exit 3, nothing stored
    set(Faults {
        strip_inner_instructions: true,
        ..Faults::default()
    });
    let stripped = store_at("stripped.sqlite");
    let outcome = run(&args(&mint.pubkey(), &stripped, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(outcome.stderr.contains("not available yet"), "{outcome:?}");
    let store = Store::open(&stripped).await.unwrap();
    assert_eq!(store.max_seq(&mint.pubkey()).await.unwrap(), 0);
    store.close().await;

    // an event of a kind this reconciler does not know (IssuerInitialized, disguised): stored
    // raw under its seq, the rest ingested, and the report names it
    let initialized: [u8; 8] =
        <usd1_client::events::IssuerInitialized as anchor_lang::Discriminator>::DISCRIMINATOR
            .try_into()
            .unwrap();
    set(Faults {
        unknown_event: Some(initialized),
        ..Faults::default()
    });
    let unknown = store_at("unknown.sqlite");
    let outcome = run(&args(&mint.pubkey(), &unknown, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let store = Store::open(&unknown).await.unwrap();
    let ledger = store.ledger(&mint.pubkey(), events).await.unwrap();
    assert_eq!(ledger.len() as u64, events);
    let names: Vec<&str> = ledger.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[0], usd1_client::events::UNDECODABLE, "{names:?}");
    assert!(
        !names[1..].contains(&usd1_client::events::UNDECODABLE),
        "{names:?}"
    );
    let empty_bank = "request_id,amount,value_date,reference\n";
    let policy = usd1_reconciler::Policy::default();
    let report = usd1_reconciler::verify(&store, &mut chain, &mint.pubkey(), empty_bank, &policy)
        .await
        .unwrap();
    assert!(!report.ok);
    let sequence = &report.checks[0];
    assert!(
        matches!(&sequence.findings[..],
            [usd1_reconciler::Finding::UndecodableEvent { event }] if event.seq == 1),
        "{}",
        report.text()
    );
    store.close().await;

    // a store with a hole (#3's row gone, as a store written before the listing was checked
    // could have it): the report names it; --repair-slots over its slot fills it and leaves
    // the cursor be
    set(Faults::default());
    let holed = store_at("holed.sqlite");
    let outcome = run(&args(&mint.pubkey(), &holed, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{holed}"))
        .await
        .unwrap();
    let slot: i64 = sqlx::query_scalar("SELECT slot FROM events WHERE seq = 3")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM events WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = Store::open(&holed).await.unwrap();
    let cursor = |dump: &str| {
        dump.lines()
            .filter(|l| l.starts_with("cursors "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let cursor_before = cursor(&store.dump().await.unwrap());
    let report = usd1_reconciler::verify(&store, &mut chain, &mint.pubkey(), empty_bank, &policy)
        .await
        .unwrap();
    assert!(
        matches!(
            &report.checks[0].findings[..],
            [usd1_reconciler::Finding::MissingEvents { from: 3, to: 3 }]
        ),
        "{}",
        report.text()
    );
    store.close().await;
    let range = format!("{slot}..{slot}");
    let outcome = run(
        &args(&mint.pubkey(), &holed, &["--repair-slots", &range]),
        &url,
        true,
    )
    .await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let json: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(json["ingest"]["new_events"], 1, "{json}");
    let (a, b) = (
        Store::open(&whole).await.unwrap(),
        Store::open(&holed).await.unwrap(),
    );
    let repaired = b.dump().await.unwrap();
    assert_eq!(dump(a.dump().await.unwrap()), dump(repaired.clone()));
    assert_eq!(cursor(&repaired), cursor_before);
    a.close().await;
    b.close().await;

    // a backfill stopped mid-run (its task aborted at an await, as a crash leaves it: the
    // batch in flight is never committed), then resumed: the same rows as the run in one go
    set(Faults {
        latency: Some(Duration::from_millis(100)),
        ..Faults::default()
    });
    let stopped = store_at("stopped.sqlite");
    // created (and migrated) first: the test reads it while the run writes
    Store::open(&stopped).await.unwrap().close().await;
    let (task_url, task_store, task_mint) = (url.clone(), stopped.clone(), mint.pubkey());
    let task = tokio::spawn(async move {
        let args = args(
            &task_mint,
            &task_store,
            &["--batch", "1", "--concurrency", "1"],
        );
        run(&args, &task_url, true).await
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let partial = loop {
        let store = Store::open(&stopped).await.unwrap();
        let seq = store.max_seq(&mint.pubkey()).await.unwrap();
        store.close().await;
        if seq >= 2 {
            break seq;
        }
        assert!(Instant::now() < deadline, "the stopped run never committed");
        assert!(!task.is_finished(), "the run ended before it was stopped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    task.abort();
    assert!(
        task.await.is_err(),
        "the run finished before it was stopped"
    );
    assert!(partial < events, "{partial} of {events}");
    set(Faults::default());
    let outcome = run(&args(&mint.pubkey(), &stopped, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let (a, b) = (
        Store::open(&whole).await.unwrap(),
        Store::open(&stopped).await.unwrap(),
    );
    assert_eq!(a.dump().await.unwrap(), b.dump().await.unwrap());
    a.close().await;
    b.close().await;

    // a node that stopped an hour ago: stale, exit 3 (never a report)
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    set(Faults {
        frozen_block_time: Some(now - 3_600),
        ..Faults::default()
    });
    let outcome = run(&args(&mint.pubkey(), &whole, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(outcome.stderr.contains("stale source"), "{outcome:?}");
    // through the same node, fresh: the report says what it is as of
    set(Faults::default());
    let outcome = run(&args(&mint.pubkey(), &whole, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let json: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert!(json["ingest"]["as_of_slot"].as_u64().unwrap() > 0, "{json}");

    // a second issuer: `--mint` twice reconciles both, one JSON document each; with no
    // `--mint`, every mint the store holds
    let second = Keypair::new();
    let init = usd1_client::local_issuer("Second", &member.pubkey());
    chain
        .send(
            &[ix::initialize(&member.pubkey(), &second.pubkey(), init)],
            &[&second],
        )
        .await
        .unwrap();
    let (first, second) = (mint.pubkey().to_string(), second.pubkey().to_string());
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let both = args_for(&whole, &["--mint", &first, "--mint", &second]);
        let outcome = run(&both, &validator.rpc_url, true).await;
        assert_eq!(outcome.code, 0, "{outcome:?}");
        let lines: Vec<Value> = outcome
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{outcome:?}");
        if lines[1]["ingest"]["new_events"].as_u64() == Some(1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second issuer never finalized"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let store = Store::open(&whole).await.unwrap();
    let mut tracked: Vec<String> = store
        .mints()
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    store.close().await;
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    tracked.sort();
    assert_eq!(tracked, expected);
    let every = run(&args_for(&whole, &[]), &validator.rpc_url, false).await;
    assert_eq!(every.code, 0, "{every:?}");
    assert_eq!(every.stdout.matches("ingested ").count(), 2, "{every:?}");
    // two mints and one bank ledger without a mint column: which credit is whose? bad input
    let bank = dir.join("bank.csv");
    std::fs::write(&bank, "request_id,amount,value_date,reference\n").unwrap();
    let bank = bank.display().to_string();
    let mut checked = args_for(
        &whole,
        &["--mint", &first, "--mint", &second, "--bank", &bank],
    );
    checked.ingest_only = false;
    let refused = run(&checked, &validator.rpc_url, false).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("mint column"), "{refused:?}");
    std::fs::remove_dir_all(&dir).ok();
}
