//! Every `usd1` command end to end against a real Solana JSON-RPC server on loopback
//! (usd1-test-validator, agave's test validator, running the program's SBF `.so`), through
//! the `usd1` binary itself. The same story as the embedded test (scenario/mod.rs).
mod scenario;

use std::time::{Duration, Instant};

use scenario::{Cast, Chain};
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use usd1_cli::Outcome;
use usd1_client::backend::Backend;
use usd1_client::rpc::{LocalValidator, RpcBackend};
use usd1_client::token::{MintView, TokenAccountView};
use usd1_client::{accounts, Issuer};

struct RpcChain {
    validator: LocalValidator,
    reader: RpcBackend,
}

impl Chain for RpcChain {
    async fn usd1(&mut self, args: &[&str]) -> Outcome {
        let mut full = vec!["--commitment", "confirmed"];
        full.extend_from_slice(args);
        run_usd1(&self.validator.rpc_url, &full)
    }

    async fn fund(&mut self, to: &Pubkey) {
        let payer = self.validator.payer.insecure_clone();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &solana_sdk::signature::Signer::pubkey(&payer),
            to,
            10_000_000_000,
        );
        self.reader.send(&[ix], &[]).await.unwrap();
    }

    async fn token_amount(&mut self, account: &Pubkey) -> u64 {
        match self.reader.account(account).await.unwrap() {
            Some(a) => TokenAccountView::decode(&a.data).unwrap().amount,
            None => 0,
        }
    }

    async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let account = self.reader.account(mint).await.unwrap().unwrap();
        MintView::decode(&account.data).unwrap().supply
    }

    async fn pass_time(&mut self, seconds: u32) {
        // the validator's clock follows the wall clock (slot timestamps)
        let target = self.now().await + i64::from(seconds);
        while self.now().await <= target {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }

    async fn now(&mut self) -> i64 {
        self.reader.clock().await.unwrap().unix_timestamp
    }

    fn time_lock(&self) -> u32 {
        2
    }

    fn history_may_lag(&self) -> bool {
        // a node confirms before its history service has written the transaction
        true
    }

    async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.reader
            .account(key)
            .await
            .unwrap()
            .map_or(0, |a| a.lamports)
    }

    async fn create_nonce(&mut self, authority: &Pubkey) -> Pubkey {
        let nonce = solana_sdk::signature::Keypair::new();
        let payer = solana_sdk::signature::Signer::pubkey(&self.validator.payer);
        let ixs = scenario::create_nonce_instructions(
            &payer,
            &solana_sdk::signature::Signer::pubkey(&nonce),
            authority,
        );
        self.reader.send(&ixs, &[&nonce]).await.unwrap();
        // a nonce advances only in a later slot than the one it was stored in
        self.pass_time(1).await;
        solana_sdk::signature::Signer::pubkey(&nonce)
    }

    async fn nonce_blockhash(&mut self, nonce: &Pubkey) -> solana_sdk::hash::Hash {
        usd1_client::read::nonce(&mut self.reader, nonce)
            .await
            .unwrap()
            .blockhash
    }

    async fn await_history(&mut self, issuer: &Pubkey) {
        let started = Instant::now();
        // every event the issuer counts, found in the node's history at confirmed
        loop {
            let account = self.reader.account(issuer).await.unwrap().unwrap();
            let counted = accounts::decode::<Issuer>(&account.data).unwrap().event_seq;
            let found = self
                .reader
                .events(issuer, None)
                .await
                .map(|e| e.len() as u64);
            if found.as_ref().is_ok_and(|found| *found == counted) {
                break;
            }
            assert!(
                started.elapsed() < HISTORY_DEADLINE,
                "the node's history did not serve the issuer's {counted} events within {} s: \
                 {found:?}",
                HISTORY_DEADLINE.as_secs()
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // and every block a listing of the issuer's transactions reads
        let left = HISTORY_DEADLINE.saturating_sub(started.elapsed());
        if let Err(e) = self.reader.await_history(issuer, None, left).await {
            panic!("{e}");
        }
    }
}

/// How long a test waits for the node's history to catch up with what it confirmed: a
/// debug test validator on 2 cores can trail its accounts by minutes.
const HISTORY_DEADLINE: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread")]
async fn every_command_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[(usd1_client::PROGRAM_ID, so)]).unwrap();
    let reader = validator.backend(CommitmentConfig::confirmed());
    let mut chain = RpcChain { validator, reader };
    let cast = Cast::new("rpc", chain.time_lock());
    scenario::every_command(&mut chain, &cast).await;
    reconciles_against_a_test_validator(&mut chain, &cast).await;
    the_typescript_client_drives_the_program_from_the_idl(&mut chain, &cast).await;
    // last, on the same validator: a cold member's offline approval over a durable nonce,
    // submitted by another process with its own fee payer, and the rest of the operator's
    // side (a fresh mint of its own)
    let operator = Cast::new("rpc-operator", chain.time_lock());
    scenario::cold_keys_and_reviewed_governance(&mut chain, &operator).await;
}

/// `@anchor-lang/core`'s `Program`, built from `idl/usd1_minter.json` alone, initializes,
/// proposes, approves, executes, mints and hands over the upgrade authority with
/// client-resolved accounts
/// (`scripts/bench/ts/idl-client.mjs`); what it read back must match the chain.
async fn the_typescript_client_drives_the_program_from_the_idl(chain: &mut RpcChain, cast: &Cast) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ts = repo.join("scripts/bench/ts");
    assert!(
        ts.join("node_modules/@anchor-lang/core").is_dir(),
        "the TypeScript client is not installed: npm ci --ignore-scripts --prefix scripts/bench/ts \
         (scripts/test does it)"
    );
    let payer = cast.dir.join("ts-payer.json");
    std::fs::write(
        &payer,
        serde_json::to_string(&chain.validator.payer.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new("node")
        .arg(ts.join("idl-client.mjs"))
        .arg(repo.join("idl/usd1_minter.json"))
        .arg(&chain.validator.rpc_url)
        .arg(&payer)
        .output()
        .expect("node is required for the TypeScript client test (scripts/test installs it)");
    assert!(
        output.status.success(),
        "idl-client.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mint: Pubkey = seen["mint"].as_str().unwrap().parse().unwrap();
    // the client resolved the issuer, the proposal, the minter and the receipt correctly:
    // every instruction landed, and the chain holds what it read back
    assert_eq!(seen["issuer"], usd1_client::pda::issuer(&mint).to_string());
    let issuer = accounts::decode::<Issuer>(
        &chain
            .reader
            .account(&usd1_client::pda::issuer(&mint))
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(seen["issuer_threshold"], 2);
    assert_eq!(issuer.threshold, 2);
    assert_eq!(seen["proposal_index"], "1");
    assert_eq!(seen["proposal_approvals"], 2);
    assert_eq!(seen["minter_allowance"], "3750000");
    assert_eq!(seen["receipt_owner"], usd1_client::PROGRAM_ID.to_string());
    let receipt_key = usd1_client::pda::mint_receipt(&usd1_client::pda::issuer(&mint), &[7; 32]);
    assert_eq!(seen["receipt"], receipt_key.to_string());
    let receipt = accounts::decode::<usd1_client::MintReceipt>(
        &chain
            .reader
            .account(&receipt_key)
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap();
    let recipient = usd1_client::token::associated_address(
        &seen["holder"].as_str().unwrap().parse().unwrap(),
        &mint,
    );
    assert_eq!((receipt.amount, receipt.recipient), (1_250_000, recipient));
    assert_eq!(seen["supply"], "1250000");
    assert_eq!(chain.supply(&mint).await, 1_250_000);
    let event = &seen["minted_event"];
    assert_eq!(event["amount"], "1250000", "{seen}");
    assert_eq!(event["request_id"], "07".repeat(32));
    assert_eq!(event["minter"], seen["minter_authority"]);
    // IssuerInitialized, ProposalCreated, ProposalApproved, KeyAccepted (the minter's key),
    // ProposalExecuted, MinterConfigured, Minted
    assert_eq!(event["seq"], "7");
    // then UpgradeAuthorityReceived: the program's upgrade authority is this issuer's PDA
    // (a u8 flag in the zero-copy issuer: 1 is true)
    assert_eq!(seen["governs_upgrades"], 1);
    assert_eq!(seen["issuer_event_seq_after_hand_over"], "8");
    let issuer = accounts::decode::<Issuer>(
        &chain
            .reader
            .account(&usd1_client::pda::issuer(&mint))
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(issuer.event_seq, 8);
    assert!(issuer.governs_upgrades());
    let program_data = chain
        .reader
        .account(&usd1_client::pda::program_data())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        usd1_client::loader::program_data_authority(&program_data.data),
        Some(Some(usd1_client::pda::upgrade_authority(
            &usd1_client::pda::issuer(&mint)
        )))
    );
}

/// The `usd1` binary against `url`.
fn run_usd1(url: &str, args: &[&str]) -> Outcome {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args(["--url", url])
        .args(args)
        .output()
        .expect("run usd1");
    Outcome {
        code: output
            .status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(255),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `usd1 [-o json] reconcile --mint M --store S --bank B <extra…>` against `url`.
fn reconcile(url: &str, json: bool, m: &str, store: &str, bank: &str, extra: &[&str]) -> Outcome {
    let mut args = if json { vec!["-o", "json"] } else { Vec::new() };
    args.extend(["reconcile", "--mint", m, "--store", store, "--bank", bank]);
    args.extend_from_slice(extra);
    run_usd1(url, &args)
}

/// `usd1 reconcile` over JSON-RPC after the story: a failed transaction passed over, a clean
/// report, a run killed midway and resumed to the same database, a discrepancy failing
/// closed, bad input and an unreachable node.
async fn reconciles_against_a_test_validator(chain: &mut RpcChain, cast: &Cast) {
    use solana_sdk::signature::Signer;
    use usd1_reconciler::Store;
    let url = chain.validator.rpc_url.clone();
    let mint = cast.mint();
    let m = mint.to_string();
    // a transaction that lands and fails (no preflight): it has no events to store
    let holder = cast.holder.keypair.insecure_clone();
    let client = chain.reader.client();
    let blockhash = client.get_latest_blockhash().await.unwrap();
    let failing = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[usd1_client::ix::pause(&holder.pubkey(), &mint)],
        Some(&holder.pubkey()),
        &[&holder],
        blockhash,
    );
    let config = solana_rpc_client_api::config::RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    let signature = client
        .send_transaction_with_config(&failing, config)
        .await
        .unwrap();
    // the test waits until the node's finalized history (what the reconciler reads) serves
    // every transaction of the program through this one, and every block a listing that
    // resumes from a cursor reads: a node's ledger can trail its bank by minutes
    let finalized = chain.validator.backend(CommitmentConfig::finalized());
    if let Err(e) = finalized
        .await_history(&usd1_client::PROGRAM_ID, Some(&signature), HISTORY_DEADLINE)
        .await
    {
        panic!("{e}");
    }
    let status = client
        .get_signature_status_with_commitment(&signature, CommitmentConfig::finalized())
        .await
        .unwrap();
    assert!(
        matches!(status, Some(Err(_))),
        "the pause by a holder must fail: {status:?}"
    );
    let today = chrono::DateTime::from_timestamp(chain.now().await, 0)
        .unwrap()
        .date_naive();
    let bank = cast.dir.join("bank.csv");
    std::fs::write(
        &bank,
        format!("request_id,amount,value_date,reference\nwire-0001,250.5,{today},FED-0001\n"),
    )
    .unwrap();
    let bank = bank.display().to_string();
    let store = |name: &str| cast.dir.join(name).display().to_string();

    // one run: everything agrees
    let whole = store("whole.sqlite");
    let clean = reconcile(&url, true, &m, &whole, &bank, &[]);
    assert_eq!(clean.code, 0, "{clean:?}");
    let body: serde_json::Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(body["report"]["ok"], true, "{body}");
    assert!(body["ingest"]["failed"].as_u64().unwrap() >= 1, "{body}");
    let supply = chain.supply(&mint).await;
    assert_eq!(body["report"]["chain"]["supply"], supply);
    assert_eq!(body["report"]["ledger"]["supply"], supply);
    let event_seq = body["report"]["chain"]["event_seq"].as_u64().unwrap();
    assert_eq!(body["report"]["ledger"]["events"], event_seq);
    let whole_store = Store::open(&whole).await.unwrap();
    let whole_dump = whole_store.dump().await.unwrap();
    assert_eq!(
        whole_dump
            .lines()
            .filter(|l| l.starts_with("events "))
            .count() as u64,
        event_seq
    );
    // again: nothing new, nothing changed
    let again = reconcile(&url, true, &m, &whole, &bank, &[]);
    assert_eq!(again.code, 0, "{again:?}");
    let body: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(body["ingest"]["new_events"], 0);
    assert_eq!(whole_store.dump().await.unwrap(), whole_dump);

    // killed (SIGKILL) midway through a backfill that fetches 32 transactions at a time (one
    // per commit, paced so it is caught in the middle), then resumed: the same database as
    // the single run, on SQLite and on PostgreSQL (USD1_TEST_POSTGRES, which scripts/test
    // provides)
    let postgres = match std::env::var("USD1_TEST_POSTGRES") {
        Ok(admin) => {
            let name = format!("usd1_cli_killed_{}", std::process::id());
            let url = usd1_reconciler::store::create_postgres_database(&admin, &name)
                .await
                .unwrap();
            Some((admin, name, url))
        }
        Err(_) => {
            eprintln!("USD1_TEST_POSTGRES is not set: the kill -9 story runs on SQLite only");
            None
        }
    };
    let mut locations = vec![store("killed.sqlite")];
    locations.extend(postgres.as_ref().map(|(_, _, url)| url.clone()));
    for killed in &locations {
        let killed = killed.as_str();
        Store::open(killed).await.unwrap().close().await;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_usd1"))
            .args(["--url", &url, "reconcile", "--mint", &m, "--store", killed])
            .args(["--ingest-only", "--batch", "1", "--max-rps", "4"])
            .args(["--concurrency", "32"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let partial = Store::open(killed).await.unwrap();
        let mut stored = 0;
        for _ in 0..600 {
            stored = partial.max_seq(&mint).await.unwrap();
            if stored >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let stored_at_kill = partial.max_seq(&mint).await.unwrap();
        assert!(
            stored >= 3 && stored_at_kill < event_seq,
            "{killed}: killed at {stored_at_kill} of {event_seq}"
        );
        partial.close().await;
        let resumed = reconcile(&url, false, &m, killed, &bank, &[]);
        assert_eq!(resumed.code, 0, "{resumed:?}");
        assert!(
            resumed.stdout.contains("OK, everything agrees"),
            "{}",
            resumed.stdout
        );
        let resumed_store = Store::open(killed).await.unwrap();
        assert_eq!(resumed_store.dump().await.unwrap(), whole_dump, "{killed}");
        resumed_store.close().await;
    }
    if let Some((admin, name, _)) = postgres {
        usd1_reconciler::store::drop_postgres_database(&admin, &name)
            .await
            .unwrap();
    }

    // the bank never credited wire-0001: fail closed, with the evidence
    let empty = cast.dir.join("empty-bank.csv");
    std::fs::write(&empty, "request_id,amount,value_date,reference\n").unwrap();
    let empty = empty.display().to_string();
    let unbacked = reconcile(&url, true, &m, &whole, &empty, &[]);
    assert_eq!(unbacked.code, 1, "{unbacked:?}");
    let body: serde_json::Value = serde_json::from_str(&unbacked.stdout).unwrap();
    assert_eq!(body["report"]["ok"], false);
    let finding = &body["report"]["checks"][2]["findings"][0];
    assert_eq!(finding["kind"], "mint_without_credit", "{body}");
    assert_eq!(finding["request_id"], "wire-0001");
    assert_eq!(finding["amount"], 250_500_000);
    let text = reconcile(&url, false, &m, &whole, &empty, &[]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("DISCREPANCIES FOUND"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("bank_ledger  FAILED (1)"),
        "{}",
        text.stdout
    );
    // reviewed and accepted (--exceptions): acknowledged, exit 0, the entry in the report
    let exceptions = cast.dir.join("exceptions.toml");
    std::fs::write(
        &exceptions,
        format!(
            "[[exception]]\nid = \"EXC-7\"\nkind = \"mint_without_credit\"\nmint = \"{m}\"\n\
             request_id = \"wire-0001\"\namount = 250500000\nreason = \"credited by the \
             correspondent bank, statement pending (OPS-7)\"\napproved_by = \"treasury\"\n\
             expires = 2099-12-31\n"
        ),
    )
    .unwrap();
    let exceptions = exceptions.display().to_string();
    let reviewed = reconcile(
        &url,
        false,
        &m,
        &whole,
        &empty,
        &["--exceptions", &exceptions],
    );
    assert_eq!(reviewed.code, 0, "{reviewed:?}");
    assert!(
        reviewed.stdout.contains("OK, everything agrees")
            && reviewed
                .stdout
                .contains("~ acknowledged by EXC-7 (approved by treasury")
            && reviewed.stdout.contains("wire-0001"),
        "{}",
        reviewed.stdout
    );
    // an entry with a key the format does not have is refused, exit 2
    std::fs::write(&exceptions, "[[exception]]\nid = \"X\"\nwho = 1\n").unwrap();
    let refused = reconcile(
        &url,
        false,
        &m,
        &whole,
        &empty,
        &["--exceptions", &exceptions],
    );
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("unknown field"),
        "{}",
        refused.stderr
    );

    // bad input: exit 2; a node that does not answer: exit 3 after the retries
    let bad = cast.dir.join("bad-bank.csv");
    std::fs::write(&bad, "request_id,amount\nwire-0001,1\n").unwrap();
    let bad = bad.display().to_string();
    let refused = reconcile(&url, false, &m, &whole, &bad, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("value_date"), "{}", refused.stderr);
    let down = reconcile(
        "http://127.0.0.1:9",
        false,
        &m,
        &whole,
        &bank,
        &["--retries", "2"],
    );
    assert_eq!(down.code, 3, "{down:?}");
    assert!(
        down.stderr.contains("getGenesisHash") && down.stderr.contains("after 2 attempts"),
        "{}",
        down.stderr
    );
}
