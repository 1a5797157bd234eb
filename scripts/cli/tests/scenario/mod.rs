//! One story that runs every `usd1` command, written once and played on two chains: the
//! embedded SVM (commands.rs, through `usd1_cli::run_on`) and a real test validator over
//! JSON-RPC (rpc.rs, through the `usd1` binary). It checks what each command reports (text
//! and JSON) against the chain's own state, and each error class.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_cli::Outcome;
use usd1_client::token;

/// A chain the story can be played on.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// `usd1 <args>` (the caller adds `--keypair`).
    async fn usd1(&mut self, args: &[&str]) -> Outcome;
    /// Gives `to` enough SOL for rent and fees.
    async fn fund(&mut self, to: &Pubkey);
    /// Token amount in `account` (0 if it does not exist).
    async fn token_amount(&mut self, account: &Pubkey) -> u64;
    async fn supply(&mut self, mint: &Pubkey) -> u64;
    /// Lets the governance time lock pass.
    async fn pass_time(&mut self, seconds: u32);
    async fn now(&mut self) -> i64;
    /// The time lock this chain's story uses (short where time is real).
    fn time_lock(&self) -> u32;
    /// Whether a transaction's events may be missing from its report because the node's
    /// history trails what it confirmed (a JSON-RPC node; never the embedded SVM).
    fn history_may_lag(&self) -> bool;
    /// Waits, with a bounded deadline, until the chain's history serves every event the
    /// issuer counts and every block an events listing of it reads (a JSON-RPC node's
    /// history can trail its accounts by minutes; the embedded SVM's never does). Panics
    /// naming what is missing when the deadline passes.
    async fn await_history(&mut self, issuer: &Pubkey);
    /// Lamports held by `key`.
    async fn lamports(&mut self, key: &Pubkey) -> u64;
    /// A new durable nonce account whose authority is `authority`.
    async fn create_nonce(&mut self, authority: &Pubkey) -> Pubkey;
    /// The blockhash a durable nonce account holds now.
    async fn nonce_blockhash(&mut self, nonce: &Pubkey) -> solana_sdk::hash::Hash;
}

/// The instructions creating a durable nonce account `nonce` for `authority`, `payer` paying.
pub fn create_nonce_instructions(
    payer: &Pubkey,
    nonce: &Pubkey,
    authority: &Pubkey,
) -> Vec<solana_sdk::instruction::Instruction> {
    anchor_lang::solana_program::system_instruction::create_nonce_account(
        payer, nonce, authority, 10_000_000,
    )
}

pub struct Party {
    pub keypair: Keypair,
    pub path: String,
}

impl Party {
    pub fn new(dir: &Path, name: &str) -> Self {
        let keypair = Keypair::new();
        let path = dir.join(format!("{name}.json"));
        std::fs::write(
            &path,
            serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap(),
        )
        .unwrap();
        Self {
            keypair,
            path: path.display().to_string(),
        }
    }

    pub fn key(&self) -> String {
        self.keypair.pubkey().to_string()
    }
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "usd1-cli-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[track_caller]
pub fn ok(outcome: &Outcome) -> &str {
    assert_eq!(
        outcome.code, 0,
        "expected success:\nstdout: {}\nstderr: {}",
        outcome.stdout, outcome.stderr
    );
    assert!(outcome.stderr.is_empty(), "stderr: {}", outcome.stderr);
    &outcome.stdout
}

/// What a report says when the node's history has not caught up with the transaction.
const EVENTS_PENDING: &str = "events: not yet in this node's history";

/// A transaction's report names `event`, unless the chain's history may lag and the report
/// says it did (the final `events` listing checks every event regardless).
#[track_caller]
pub fn shows_event<C: Chain>(chain: &C, text: &str, event: &str) {
    if chain.history_may_lag() && text.contains(EVENTS_PENDING) {
        return;
    }
    assert!(
        text.contains(&format!(" {event} ")) || text.contains(&format!(" {event}\n")),
        "no {event} in: {text}"
    );
}

/// The JSON form of [`shows_event`].
#[track_caller]
pub fn shows_json_event<C: Chain>(chain: &C, report: &Value, event: &str) {
    if chain.history_may_lag() && report["events_pending"] == true {
        return;
    }
    assert_eq!(report["events_pending"], false, "{report}");
    assert_eq!(report["events"][0]["name"], event, "{report}");
}

#[track_caller]
pub fn json(outcome: &Outcome) -> Value {
    serde_json::from_str(ok(outcome))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", outcome.stdout))
}

/// A failure with `code` whose one-line message contains `needle`; never a panic.
#[track_caller]
pub fn fails(outcome: &Outcome, code: u8, needle: &str) {
    assert_eq!(
        outcome.code, code,
        "expected exit {code}:\nstdout: {}\nstderr: {}",
        outcome.stdout, outcome.stderr
    );
    assert!(
        outcome.stderr.contains(needle),
        "expected {needle:?} in stderr: {}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    assert!(
        !outcome.stderr.contains("RUST_BACKTRACE"),
        "{}",
        outcome.stderr
    );
}

pub struct Cast {
    pub dir: PathBuf,
    pub alice: Party,
    pub bob: Party,
    pub carol: Party,
    pub minter: Party,
    pub holder: Party,
    pub freezer: Party,
    pub pauser: Party,
    pub attestor: Party,
    pub operator: Party,
    pub compliance: Party,
    pub mint: Party,
    pub config: String,
}

impl Cast {
    pub fn new(tag: &str, time_lock: u32) -> Self {
        let dir = temp_dir(tag);
        let party = |name: &str| Party::new(&dir, name);
        let cast = Cast {
            alice: party("alice"),
            bob: party("bob"),
            carol: party("carol"),
            minter: party("minter"),
            holder: party("holder"),
            freezer: party("freezer"),
            pauser: party("pauser"),
            attestor: party("attestor"),
            operator: party("operator"),
            compliance: party("compliance"),
            mint: party("mint"),
            config: dir.join("issuer.toml").display().to_string(),
            dir,
        };
        std::fs::write(
            &cast.config,
            format!(
                "[mint]\nkeypair = \"mint.json\"\ndecimals = 6\nname = \"USD One\"\nsymbol = \"USD1\"\n\
                 uri = \"https://example.com/usd1.json\"\npermanent_delegate = true\n\n\
                 [governance]\nmembers = [\"{}\", \"{}\", \"{}\"]\nthreshold = 2\ntime_lock = {time_lock}\n\n\
                 [limits]\nsupply_cap = \"1000000\"\nmin_redemption = \"1\"\nreserve_guard = true\nreserve_max_age = 86400\n",
                cast.alice.key(),
                cast.bob.key(),
                cast.carol.key()
            ),
        )
        .unwrap();
        cast
    }

    pub fn mint(&self) -> Pubkey {
        self.mint.keypair.pubkey()
    }
}

/// `usd1 --keypair <who> <args…>`.
pub async fn as_<C: Chain>(chain: &mut C, who: &Party, args: &[&str]) -> Outcome {
    let mut full = vec!["--keypair", who.path.as_str()];
    full.extend_from_slice(args);
    chain.usd1(&full).await
}

/// `usd1 <args>` as `who` (must succeed), asked again a second later, for up to a minute,
/// while `trails` finds that the command said the node's history had not caught up.
async fn once_caught_up<C: Chain>(
    chain: &mut C,
    who: &Party,
    args: &[&str],
    trails: impl Fn(&str) -> bool,
) -> String {
    let mut out = ok(&as_(chain, who, args).await).to_string();
    for _ in 0..60 {
        if !trails(&out) {
            break;
        }
        chain.pass_time(1).await;
        out = ok(&as_(chain, who, args).await).to_string();
    }
    out
}

/// Proposes with alice (which approves), approves with bob, has each of `acceptors` (keys the
/// action puts in charge) accept, lets the time lock pass, executes; returns the index.
async fn govern<C: Chain>(
    chain: &mut C,
    cast: &Cast,
    action: &[&str],
    acceptors: &[&Party],
) -> u64 {
    let mint = cast.mint().to_string();
    let mut args = vec!["--output", "json", "propose", "--mint", &mint];
    args.extend_from_slice(action);
    let opened = json(&as_(chain, &cast.alice, &args).await);
    let index = opened["index"].as_u64().unwrap();
    shows_json_event(chain, &opened, "ProposalCreated");
    let n = index.to_string();
    ok(&as_(chain, &cast.bob, &["approve", "--mint", &mint, &n]).await);
    for party in acceptors {
        let accepted = ok(&as_(chain, party, &["accept", "--mint", &mint, &n]).await).to_string();
        shows_event(chain, &accepted, "KeyAccepted");
    }
    chain.pass_time(chain.time_lock()).await;
    let executed =
        ok(&as_(chain, &cast.carol, &["execute", "--mint", &mint, &n]).await).to_string();
    assert!(
        executed.contains(&format!("Executed proposal {index}")),
        "{executed}"
    );
    shows_event(chain, &executed, "ProposalExecuted");
    index
}

/// The whole story: every command, with text and JSON output, checked against the chain.
pub async fn every_command<C: Chain>(chain: &mut C, cast: &Cast) {
    for party in [
        &cast.alice,
        &cast.bob,
        &cast.carol,
        &cast.minter,
        &cast.holder,
        &cast.freezer,
        &cast.pauser,
        &cast.attestor,
        &cast.operator,
        &cast.compliance,
    ] {
        chain.fund(&party.keypair.pubkey()).await;
    }
    let mint_key = cast.mint();
    let mint = mint_key.to_string();
    let m = mint.as_str();

    // init, and a second init refused before anything is sent
    let init = ok(&as_(chain, &cast.alice, &["init", "--config", &cast.config]).await).to_string();
    assert!(init.contains(&format!("Initialized mint {mint}")), "{init}");
    shows_event(chain, &init, "#1 IssuerInitialized");
    fails(
        &as_(chain, &cast.alice, &["init", "--config", &cast.config]).await,
        2,
        "already initialized",
    );

    // roles by proposal; an early execute is refused with the program's error and message
    let opened = json(
        &as_(
            chain,
            &cast.alice,
            &[
                "-o",
                "json",
                "propose",
                "--mint",
                m,
                "set-roles",
                "--pauser",
                &cast.pauser.key(),
                "--freezer",
                &cast.freezer.key(),
                "--reserve-attestor",
                &cast.attestor.key(),
                "--redemption-operator",
                &cast.operator.key(),
                "--mint-attestor",
                &cast.compliance.key(),
            ],
        )
        .await,
    );
    assert_eq!(opened["index"], 1);
    // the proposer's approval counts; a second one is refused
    fails(
        &as_(chain, &cast.alice, &["approve", "--mint", m, "1"]).await,
        1,
        "AlreadyVoted (6014)",
    );
    let approved = json(
        &as_(
            chain,
            &cast.bob,
            &["-o", "json", "approve", "--mint", m, "1"],
        )
        .await,
    );
    shows_json_event(chain, &approved, "ProposalApproved");
    if chain.time_lock() > 30 {
        fails(
            &as_(chain, &cast.carol, &["execute", "--mint", m, "1"]).await,
            1,
            "TimeLockNotElapsed (6017): ",
        );
        let listed = json(
            &as_(
                chain,
                &cast.carol,
                &["-o", "json", "proposals", "--mint", m],
            )
            .await,
        );
        assert_eq!(listed["proposals"][0]["status"], "approved");
        assert!(listed["proposals"][0]["time_lock_left"].as_i64().unwrap() > 0);
    }
    chain.pass_time(chain.time_lock()).await;
    // the new role holders have not accepted: refused, and the report names the first
    let waiting = as_(chain, &cast.carol, &["execute", "--mint", m, "1"]).await;
    fails(&waiting, 1, "KeyNotAccepted (");
    assert!(
        waiting
            .stderr
            .contains(&format!("waits for {} to accept", cast.pauser.key())),
        "{}",
        waiting.stderr
    );
    let listed = json(
        &as_(
            chain,
            &cast.carol,
            &["-o", "json", "proposals", "--mint", m],
        )
        .await,
    );
    assert_eq!(
        listed["proposals"][0]["waiting_for_acceptance"],
        cast.pauser.key()
    );
    // a key the proposal does not name cannot accept it
    fails(
        &as_(chain, &cast.holder, &["accept", "--mint", m, "1"]).await,
        1,
        "NotNamedInProposal",
    );
    for party in [
        &cast.pauser,
        &cast.freezer,
        &cast.attestor,
        &cast.operator,
        &cast.compliance,
    ] {
        let accepted = ok(&as_(chain, party, &["accept", "--mint", m, "1"]).await).to_string();
        assert!(accepted.contains("Accepted proposal 1"), "{accepted}");
        shows_event(chain, &accepted, "KeyAccepted");
    }
    ok(&as_(chain, &cast.carol, &["execute", "--mint", m, "1"]).await);

    // a minter, and a proposal cancelled by its proposer; a non-member's vote refused
    govern(
        chain,
        cast,
        &[
            "configure-minter",
            "--authority",
            &cast.minter.key(),
            "--allowance-grant",
            "500000",
            "--rate-capacity",
            "1000",
            "--rate-window",
            "3600",
        ],
        &[&cast.minter],
    )
    .await;
    ok(&as_(chain, &cast.bob, &["propose", "--mint", m, "unpause"]).await);
    fails(
        &as_(chain, &cast.holder, &["approve", "--mint", m, "3"]).await,
        1,
        "NotAMember",
    );
    let cancelled = ok(&as_(chain, &cast.bob, &["cancel", "--mint", m, "3"]).await).to_string();
    shows_event(chain, &cancelled, "ProposalCancelled");
    ok(&as_(
        chain,
        &cast.alice,
        &[
            "propose",
            "--mint",
            m,
            "set-limits",
            "--supply-cap",
            "2000000",
        ],
    )
    .await);
    let rejected = ok(&as_(chain, &cast.bob, &["reject", "--mint", m, "4"]).await).to_string();
    shows_event(chain, &rejected, "ProposalRejected");
    let listed = json(
        &as_(
            chain,
            &cast.carol,
            &["-o", "json", "proposals", "--mint", m],
        )
        .await,
    );
    let statuses: Vec<&str> = listed["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["executed", "executed", "cancelled", "active"]);
    let text = ok(&as_(chain, &cast.carol, &["proposals", "--mint", m]).await).to_string();
    assert!(
        text.contains("#4 active approvals 1/2 rejections 1"),
        "{text}"
    );

    // reserves
    let hash = "ab".repeat(32);
    let attested = ok(&as_(
        chain,
        &cast.attestor,
        &[
            "attest",
            "--mint",
            m,
            "--amount",
            "100000",
            "--report-hash",
            &hash,
        ],
    )
    .await)
    .to_string();
    assert!(
        attested.contains("Reserves of 100000.000000 attested"),
        "{attested}"
    );
    shows_event(chain, &attested, "ReservesAttested");

    // compliance co-signs; the minter mints with it; the holder's account is created
    let expiry = (chain.now().await + 600).to_string();
    let holder = cast.holder.key();
    let issue = [
        "--to",
        holder.as_str(),
        "--amount",
        "250.5",
        "--request-id",
        "wire-0001",
    ];
    let minter_key = cast.minter.key();
    let mut cosign_args = vec!["-o", "json", "cosign", "--mint", m, "--minter", &minter_key];
    cosign_args.extend_from_slice(&issue);
    cosign_args.extend_from_slice(&["--expiry", &expiry]);
    let cosigned = json(&as_(chain, &cast.compliance, &cosign_args).await);
    let cosignature = cosigned["cosignature"].as_str().unwrap().to_string();
    assert_eq!(cosigned["cosigner"], cast.compliance.key());
    assert_eq!(cosigned["minter"], minter_key);
    let compliance = cast.compliance.key();
    let mut mint_args = vec!["-o", "json", "mint", "--mint", m];
    mint_args.extend_from_slice(&issue);
    mint_args.extend_from_slice(&[
        "--cosignature",
        &cosignature,
        "--cosigner",
        &compliance,
        "--expiry",
        &expiry,
    ]);
    let minted = json(&as_(chain, &cast.minter, &mint_args).await);
    assert_eq!(minted["amount"], 250_500_000);
    shows_json_event(chain, &minted, "Minted");
    let holder_account = token::associated_address(&cast.holder.keypair.pubkey(), &mint_key);
    assert_eq!(chain.token_amount(&holder_account).await, 250_500_000);
    assert_eq!(chain.supply(&mint_key).await, 250_500_000);
    // the same request id again: refused by the program, named, non-zero
    fails(
        &as_(chain, &cast.minter, &mint_args[2..]).await,
        1,
        "RequestIdReused (6031)",
    );
    // without the co-signature
    let mut bare = vec![
        "mint",
        "--mint",
        m,
        "--to",
        holder.as_str(),
        "--amount",
        "1",
        "--request-id",
        "wire-0002",
    ];
    fails(
        &as_(chain, &cast.minter, &bare).await,
        1,
        "MintAttestationMissing",
    );
    assert_eq!(chain.supply(&mint_key).await, 250_500_000);

    // freeze and thaw by the freezer, addressing the holder's wallet
    let frozen = ok(&as_(
        chain,
        &cast.freezer,
        &["freeze", "--mint", m, "--account", &holder, "--reason", "1"],
    )
    .await)
    .to_string();
    // it says it took the wallet's associated account
    assert!(
        frozen.contains(&format!(
            "Frozen {holder_account}, the associated token account of wallet {holder}"
        )),
        "{frozen}"
    );
    shows_event(chain, &frozen, "AccountFrozen");
    fails(
        &as_(
            chain,
            &cast.freezer,
            &["freeze", "--mint", m, "--account", &holder, "--reason", "1"],
        )
        .await,
        1,
        "AccountAlreadyFrozen",
    );
    let thawed = ok(&as_(
        chain,
        &cast.freezer,
        &[
            "thaw",
            "--mint",
            m,
            "--account",
            &holder_account.to_string(),
        ],
    )
    .await)
    .to_string();
    assert!(
        thawed.contains(&format!(
            "Thawed token account {holder_account} (given directly)"
        )),
        "{thawed}"
    );
    shows_event(chain, &thawed, "AccountThawed");

    // redeem and settle; redeem and refund
    let holder_key = cast.holder.key();
    let redeemed = ok(&as_(
        chain,
        &cast.holder,
        &[
            "redeem",
            "--mint",
            m,
            "--amount",
            "50",
            "--redemption-id",
            "red-1",
            "--payout-reference",
            "iban-1",
        ],
    )
    .await)
    .to_string();
    shows_event(chain, &redeemed, "RedemptionRequested");
    assert_eq!(chain.token_amount(&holder_account).await, 200_500_000);
    let settled = ok(&as_(
        chain,
        &cast.operator,
        &[
            "settle",
            "--mint",
            m,
            "--holder",
            &holder_key,
            "--redemption-id",
            "red-1",
            "--settlement-reference",
            "bank-77",
        ],
    )
    .await)
    .to_string();
    shows_event(chain, &settled, "RedemptionSettled");
    ok(&as_(
        chain,
        &cast.holder,
        &[
            "redeem",
            "--mint",
            m,
            "--amount",
            "10",
            "--redemption-id",
            "red-2",
            "--payout-reference",
            "iban-1",
        ],
    )
    .await);
    let refunded = ok(&as_(
        chain,
        &cast.operator,
        &[
            "refund",
            "--mint",
            m,
            "--holder",
            &holder_key,
            "--redemption-id",
            "red-2",
            "--reason",
            "3",
        ],
    )
    .await)
    .to_string();
    shows_event(chain, &refunded, "RedemptionRefunded");
    assert_eq!(chain.token_amount(&holder_account).await, 200_500_000);
    fails(
        &as_(
            chain,
            &cast.operator,
            &[
                "settle",
                "--mint",
                m,
                "--holder",
                &holder_key,
                "--redemption-id",
                "red-2",
                "--settlement-reference",
                "x",
            ],
        )
        .await,
        1,
        "RedemptionNotRequested",
    );

    // incidents without a token-wide pause: issuance alone paused, then resumed by proposal
    let paused = json(
        &as_(
            chain,
            &cast.pauser,
            &["-o", "json", "pause", "--mint", m, "--issuance-only"],
        )
        .await,
    );
    assert_eq!(paused["level"], "issuance");
    shows_json_event(chain, &paused, "IssuancePaused");
    bare[8] = "wire-0003";
    fails(
        &as_(chain, &cast.minter, &bare).await,
        1,
        "IssuancePaused (",
    );
    govern(chain, cast, &["resume-issuance"], &[]).await;
    // a suspected minter key suspended at once; a proposal opened later reactivates it
    let suspended = ok(&as_(
        chain,
        &cast.pauser,
        &["suspend-minter", "--mint", m, "--minter", &minter_key],
    )
    .await)
    .to_string();
    shows_event(chain, &suspended, "MinterSuspended");
    fails(
        &as_(chain, &cast.minter, &bare).await,
        1,
        "MinterInactive (",
    );
    govern(
        chain,
        cast,
        &[
            "configure-minter",
            "--authority",
            &minter_key,
            "--allowance-grant",
            "0",
            "--rate-capacity",
            "1000",
            "--rate-window",
            "3600",
        ],
        &[],
    )
    .await;
    // the treasury operator becomes allowance manager (it accepts) with a daily budget
    govern(
        chain,
        cast,
        &[
            "set-roles",
            "--pauser",
            &cast.pauser.key(),
            "--freezer",
            &cast.freezer.key(),
            "--reserve-attestor",
            &cast.attestor.key(),
            "--redemption-operator",
            &cast.operator.key(),
            "--mint-attestor",
            &cast.compliance.key(),
            "--allowance-manager",
            &cast.operator.key(),
        ],
        &[&cast.operator],
    )
    .await;
    govern(
        chain,
        cast,
        &[
            "set-allowance-budget",
            "--capacity",
            "100",
            "--window",
            "86400",
        ],
        &[],
    )
    .await;
    let raised = json(
        &as_(
            chain,
            &cast.operator,
            &[
                "-o",
                "json",
                "allowance",
                "--mint",
                m,
                "raise",
                "--minter",
                &minter_key,
                "--amount",
                "60",
            ],
        )
        .await,
    );
    // (40 left at the raise, refilling at 100 a day since)
    let left = raised["budget_left"].as_u64().unwrap();
    assert!((40_000_000..41_000_000).contains(&left), "{raised}");
    assert_eq!(
        raised["allowance"],
        500_000_000_000u64 - 250_500_000 + 60_000_000
    );
    shows_json_event(chain, &raised, "AllowanceRaised");
    fails(
        &as_(
            chain,
            &cast.operator,
            &[
                "allowance",
                "--mint",
                m,
                "raise",
                "--minter",
                &minter_key,
                "--amount",
                "41",
            ],
        )
        .await,
        1,
        "AllowanceBudgetExceeded (",
    );
    let lowered = ok(&as_(
        chain,
        &cast.operator,
        &[
            "allowance",
            "--mint",
            m,
            "lower",
            "--minter",
            &minter_key,
            "--amount",
            "60",
        ],
    )
    .await)
    .to_string();
    shows_event(chain, &lowered, "AllowanceDecreased");
    // the token's metadata by proposal
    govern(
        chain,
        cast,
        &[
            "update-metadata",
            "--name",
            "USD1 Dollar",
            "--symbol",
            "USD1",
            "--uri",
            "https://example.com/usd1-v2.json",
            "--field",
            "terms=https://example.com/terms",
        ],
        &[],
    )
    .await;
    let status = json(&as_(chain, &cast.carol, &["-o", "json", "status", "--mint", m]).await);
    assert_eq!(status["name"], "USD1 Dollar");
    assert_eq!(status["issuance_paused"], false);
    assert_eq!(status["roles"]["allowance_manager"], cast.operator.key());
    // (refilling since the raise: the time locks passed)
    let left = status["allowance_budget"]["left"].as_u64().unwrap();
    assert!((40_000_000..=100_000_000).contains(&left), "{status}");

    // pause by the pauser stops minting; only governance resumes
    let paused = ok(&as_(chain, &cast.pauser, &["pause", "--mint", m]).await).to_string();
    shows_event(chain, &paused, "Paused");
    fails(&as_(chain, &cast.minter, &bare).await, 1, "Paused (6025)");
    govern(chain, cast, &["unpause"], &[]).await;

    // status, text and JSON, against the chain
    let status = json(&as_(chain, &cast.carol, &["-o", "json", "status", "--mint", m]).await);
    assert_eq!(status["supply"], 200_500_000);
    assert_eq!(status["paused"], false);
    assert_eq!(status["totals"]["minted"], "250500000");
    assert_eq!(status["totals"]["redeemed"], "60000000");
    assert_eq!(status["totals"]["refunded"], "10000000");
    assert_eq!(status["totals"]["outstanding"], "200500000");
    assert_eq!(status["reserves"]["covers_supply"], true);
    assert_eq!(status["roles"]["pausers"][0], cast.pauser.key());
    assert_eq!(status["minters"][0]["authority"], cast.minter.key());
    assert_eq!(
        status["minters"][0]["allowance"],
        500_000_000_000u64 - 250_500_000
    );
    assert_eq!(status["minters"][0]["mint_count"], 1);
    let text = ok(&as_(chain, &cast.carol, &["status", "--mint", m]).await).to_string();
    assert!(text.contains("Supply 200.500000  paused false"), "{text}");
    assert!(
        text.contains(&format!(
            "  {} active allowance 499749.500000",
            cast.minter.key()
        )),
        "{text}"
    );

    // events: gap-free from 1, decoded, the last ones with --limit; the test waits for the
    // node's history first (the command itself says when it trails)
    chain
        .await_history(&usd1_client::pda::issuer(&cast.mint()))
        .await;
    let events = once_caught_up(
        chain,
        &cast.carol,
        &["-o", "json", "events", "--mint", m],
        |out| serde_json::from_str::<Value>(out).map_or(true, |v| v["history_behind"] != false),
    )
    .await;
    let events: Value = serde_json::from_str(&events).unwrap();
    assert_eq!(events["issuer_event_seq"], status["event_seq"]);
    let events = events["events"].as_array().unwrap().clone();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(status["event_seq"], seqs.len() as u64);
    assert_eq!(events[0]["name"], "IssuerInitialized");
    for name in [
        "Minted",
        "AccountFrozen",
        "RedemptionSettled",
        "RedemptionRefunded",
        "Paused",
        "Unpaused",
    ] {
        assert!(events.iter().any(|e| e["name"] == name), "no {name} event");
    }
    // (the node's history can lag again for a moment: the command says so; ask again)
    let last = once_caught_up(
        chain,
        &cast.carol,
        &["events", "--mint", m, "--limit", "2"],
        |out| out.contains("retry shortly"),
    )
    .await;
    assert_eq!(last.lines().count(), 2, "{last}");
    assert!(last.lines().last().unwrap().contains("Unpaused"), "{last}");

    // input errors: exit 2, one line naming the value, nothing sent
    fails(
        &as_(
            chain,
            &cast.minter,
            &[
                "mint",
                "--mint",
                m,
                "--to",
                &holder,
                "--amount",
                "12.5.3",
                "--request-id",
                "w",
            ],
        )
        .await,
        2,
        "invalid amount \"12.5.3\"",
    );
    fails(
        &as_(
            chain,
            &cast.minter,
            &[
                "mint",
                "--mint",
                m,
                "--to",
                &holder,
                "--amount",
                "1.0000001",
                "--request-id",
                "w",
            ],
        )
        .await,
        2,
        "at most 6 decimal places",
    );
    fails(
        &as_(chain, &cast.minter, &["status", "--mint", "not-a-key"]).await,
        2,
        "invalid pubkey \"not-a-key\"",
    );
    fails(
        &as_(
            chain,
            &cast.minter,
            &[
                "redeem",
                "--mint",
                m,
                "--amount",
                "1",
                "--redemption-id",
                &"x".repeat(33),
                "--payout-reference",
                "p",
            ],
        )
        .await,
        2,
        "--redemption-id",
    );
    fails(
        &as_(
            chain,
            &cast.attestor,
            &[
                "attest",
                "--mint",
                m,
                "--amount",
                "1",
                "--report-hash",
                "zz",
            ],
        )
        .await,
        2,
        "invalid --report-hash \"zz\"",
    );
    fails(
        &as_(
            chain,
            &cast.minter,
            &[
                "mint",
                "--mint",
                m,
                "--to",
                &holder,
                "--amount",
                "1",
                "--request-id",
                "w",
                "--cosignature",
                "abc",
                "--cosigner",
                &compliance,
                "--expiry",
                "1",
            ],
        )
        .await,
        2,
        "invalid --cosignature \"abc\"",
    );
    let missing = cast.dir.join("missing.json").display().to_string();
    fails(
        &chain
            .usd1(&["--keypair", &missing, "pause", "--mint", m])
            .await,
        2,
        &format!("invalid key \"{missing}\": No such file or directory"),
    );
    // missing things on chain: exit 1, named
    fails(
        &as_(
            chain,
            &cast.carol,
            &["status", "--mint", &cast.holder.key()],
        )
        .await,
        1,
        "no usd1-minter issuer for mint",
    );
    fails(
        &as_(chain, &cast.carol, &["execute", "--mint", m, "99"]).await,
        1,
        "no proposal 99",
    );
    // a program error under --output json carries its code and name on stdout
    let refused = as_(chain, &cast.holder, &["-o", "json", "pause", "--mint", m]).await;
    assert_eq!(refused.code, 1);
    let body: Value = serde_json::from_str(&refused.stdout).unwrap();
    assert_eq!(body["name"], "NotAPauser");
    assert!(body["code"].as_u64().unwrap() >= 6000, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("pause failed: NotAPauser ("),
        "{body}"
    );
}

/// The operator's side for real keys and real congestion, on a fresh mint: what a proposal
/// changes and its hash, votes and executions that refuse another action, partial
/// set-limits and set-roles, a cold member's approval signed offline against a durable
/// nonce and submitted later by another process with its own fee payer, compute-unit price
/// and limit (given and simulated), signer sources that cannot work here, recipients that
/// are not wallets, and the co-signature message for an HSM.
pub async fn cold_keys_and_reviewed_governance<C: Chain>(chain: &mut C, cast: &Cast) {
    let submitter = Party::new(&cast.dir, "submitter");
    for party in [
        &cast.alice,
        &cast.bob,
        &cast.carol,
        &cast.pauser,
        &cast.compliance,
        &cast.freezer,
        &submitter,
    ] {
        chain.fund(&party.keypair.pubkey()).await;
    }
    let mint_key = cast.mint();
    let mint = mint_key.to_string();
    let m = mint.as_str();
    ok(&as_(chain, &cast.alice, &["init", "--config", &cast.config]).await);

    // set-limits changes only the field given: the guard, its age and the minimum stay
    let opened = json(
        &as_(
            chain,
            &cast.alice,
            &[
                "-o",
                "json",
                "propose",
                "--mint",
                m,
                "set-limits",
                "--supply-cap",
                "2000000",
            ],
        )
        .await,
    );
    let index = opened["index"].as_u64().unwrap();
    let n = index.to_string();
    let action = &opened["action"];
    assert_eq!(action["type"], "SetLimits", "{opened}");
    assert_eq!(action["supply_cap"], 2_000_000_000_000u64, "{opened}");
    assert_eq!(action["min_redemption"], 1_000_000, "{opened}");
    assert_eq!(action["reserve_guard"], true, "{opened}");
    assert_eq!(action["reserve_max_age"], 86_400, "{opened}");
    let changed: Vec<&str> = opened["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["changed"] == true)
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, vec!["supply_cap"], "{opened}");
    let hash = opened["action_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);

    // `proposals show` prints the action, the diff, the hash and the votes
    let shown =
        ok(&as_(chain, &cast.carol, &["proposals", "--mint", m, "show", &n]).await).to_string();
    for needle in [
        "supply_cap: 1000000.000000 -> 2000000.000000",
        "min_redemption: 1.000000 (unchanged)",
        "reserve_guard: true (unchanged)",
        &format!("Action hash {hash}"),
        "Approvals 1/2",
        &cast.alice.key(),
    ] {
        assert!(shown.contains(needle), "no {needle:?} in:\n{shown}");
    }
    let shown = json(
        &as_(
            chain,
            &cast.carol,
            &["-o", "json", "proposals", "show", &n, "--mint", m],
        )
        .await,
    );
    assert_eq!(shown["action"], opened["action"], "{shown}");
    assert_eq!(shown["action_hash"], hash.as_str());
    assert_eq!(shown["approvals"], serde_json::json!([cast.alice.key()]));
    assert_eq!(shown["stale"], false);
    assert_eq!(shown["status"], "active");

    // a vote that expects another action is refused before anything is signed
    let wrong = "00".repeat(32);
    fails(
        &as_(
            chain,
            &cast.bob,
            &["approve", "--mint", m, &n, "--expect-action-hash", &wrong],
        )
        .await,
        2,
        "not the action you reviewed",
    );

    // bob's key is cold: it signs the approval offline against a durable nonce, naming a
    // fee payer it does not hold
    let nonce = chain.create_nonce(&cast.bob.keypair.pubkey()).await;
    let nonce_hash = chain.nonce_blockhash(&nonce).await.to_string();
    let nonce_text = nonce.to_string();
    let payer_key = submitter.key();
    let offline = [
        "--fee-payer",
        payer_key.as_str(),
        "--nonce",
        nonce_text.as_str(),
        "--nonce-authority",
        cast.bob.path.as_str(),
        "--blockhash",
        nonce_hash.as_str(),
        "--sign-only",
    ];
    let mut args = offline.to_vec();
    args.extend([
        "-o",
        "json",
        "approve",
        "--mint",
        m,
        &n,
        "--expect-action-hash",
        &hash,
    ]);
    let signed = json(&as_(chain, &cast.bob, &args).await);
    assert_eq!(signed["blockhash"], nonce_hash.as_str(), "{signed}");
    assert_eq!(signed["absent"], serde_json::json!([payer_key]), "{signed}");
    let pair = signed["signers"][0].as_str().unwrap().to_string();
    assert!(
        pair.starts_with(&format!("{}=", cast.bob.key())),
        "{signed}"
    );
    // the same in text, with the message
    let mut args = offline.to_vec();
    args.extend(["--dump-transaction-message", "approve", "--mint", m, &n]);
    let text = ok(&as_(chain, &cast.bob, &args).await).to_string();
    assert!(text.contains("Signers (Pubkey=Signature):"), "{text}");
    assert!(text.contains(&format!("  {pair}\n")), "{text}");
    assert!(
        text.contains(&format!("Absent Signers (Pubkey):\n  {payer_key}")),
        "{text}"
    );
    assert!(text.contains("Transaction Message: "), "{text}");
    // nothing was sent
    let after = json(
        &as_(
            chain,
            &cast.carol,
            &["-o", "json", "proposals", "--mint", m, "show", &n],
        )
        .await,
    );
    assert_eq!(after["approvals"].as_array().unwrap().len(), 1, "{after}");

    // later, another process submits it with its own fee payer: bob's key is only its pubkey
    // and the signature made offline
    chain.pass_time(2).await;
    let bob_lamports = chain.lamports(&cast.bob.keypair.pubkey()).await;
    let payer_lamports = chain.lamports(&submitter.keypair.pubkey()).await;
    let bob_key = cast.bob.key();
    // bob as a pubkey with the signature made offline, the submitter's fee payer
    let submit = [
        "--keypair",
        bob_key.as_str(),
        "--signer",
        pair.as_str(),
        "--fee-payer",
        submitter.path.as_str(),
        "--nonce",
        nonce_text.as_str(),
        "--nonce-authority",
        bob_key.as_str(),
        "--blockhash",
        nonce_hash.as_str(),
        "approve",
        "--mint",
        m,
        n.as_str(),
    ];
    let submitted = chain.usd1(&submit).await;
    let submitted = ok(&submitted).to_string();
    assert!(
        submitted.contains(&format!("Approved proposal {index}")),
        "{submitted}"
    );
    let after = json(
        &as_(
            chain,
            &cast.carol,
            &["-o", "json", "proposals", "--mint", m, "show", &n],
        )
        .await,
    );
    assert_eq!(
        after["approvals"],
        serde_json::json!([cast.alice.key(), cast.bob.key()]),
        "{after}"
    );
    assert_eq!(after["status"], "approved");
    assert!(after["executable_from"].as_i64().is_some(), "{after}");
    // the fee payer paid; the cold key paid nothing; the nonce moved on
    assert_eq!(
        chain.lamports(&cast.bob.keypair.pubkey()).await,
        bob_lamports
    );
    assert!(chain.lamports(&submitter.keypair.pubkey()).await < payer_lamports);
    assert_ne!(chain.nonce_blockhash(&nonce).await.to_string(), nonce_hash);
    // the same signature cannot be used again: the nonce it was made on is gone
    let replay = chain.usd1(&submit).await;
    fails(&replay, 2, "is not nonce");

    // execute checks the hash too; then the limits are the old ones but the cap
    chain.pass_time(chain.time_lock()).await;
    fails(
        &as_(
            chain,
            &cast.carol,
            &["execute", "--mint", m, &n, "--expect-action-hash", &wrong],
        )
        .await,
        2,
        "not the action you reviewed",
    );
    ok(&as_(
        chain,
        &cast.carol,
        &["execute", "--mint", m, &n, "--expect-action-hash", &hash],
    )
    .await);
    let status = json(&as_(chain, &cast.carol, &["-o", "json", "status", "--mint", m]).await);
    assert_eq!(status["limits"]["supply_cap"], 2_000_000_000_000u64);
    assert_eq!(status["limits"]["min_redemption"], 1_000_000);
    assert_eq!(status["limits"]["reserve_guard"], true);
    assert_eq!(status["limits"]["reserve_max_age"], 86_400);

    // set-roles changes only the roles given
    govern(
        chain,
        cast,
        &[
            "set-roles",
            "--pauser",
            &cast.pauser.key(),
            "--mint-attestor",
            &cast.compliance.key(),
        ],
        &[&cast.pauser, &cast.compliance],
    )
    .await;
    let freezer_only = json(
        &as_(
            chain,
            &cast.alice,
            &[
                "-o",
                "json",
                "propose",
                "--mint",
                m,
                "set-roles",
                "--freezer",
                &cast.freezer.key(),
            ],
        )
        .await,
    );
    let roles = &freezer_only["action"];
    assert_eq!(
        roles["pausers"],
        serde_json::json!([cast.pauser.key()]),
        "{freezer_only}"
    );
    assert_eq!(roles["freezers"], serde_json::json!([cast.freezer.key()]));
    assert_eq!(roles["mint_attestor"], cast.compliance.key().as_str());
    let cleared = json(
        &as_(
            chain,
            &cast.alice,
            &[
                "-o",
                "json",
                "propose",
                "--mint",
                m,
                "set-roles",
                "--clear",
                "mint-attestor",
            ],
        )
        .await,
    );
    assert_eq!(cleared["action"]["mint_attestor"], serde_json::Value::Null);
    assert_eq!(
        cleared["action"]["pausers"],
        serde_json::json!([cast.pauser.key()])
    );
    fails(
        &as_(
            chain,
            &cast.alice,
            &[
                "propose",
                "--mint",
                m,
                "set-roles",
                "--mint-attestor",
                &cast.compliance.key(),
                "--clear",
                "mint-attestor",
            ],
        )
        .await,
        2,
        "conflict",
    );

    // a priority fee on a given limit: the fee payer pays 5,000 per signature plus price x
    // limit (1,000,000 micro-lamports = 1 lamport per unit)
    let before = chain.lamports(&submitter.keypair.pubkey()).await;
    let paused = json(
        &as_(
            chain,
            &cast.pauser,
            &[
                "--fee-payer",
                &submitter.path,
                "--with-compute-unit-price",
                "1000000",
                "--with-compute-unit-limit",
                "60000",
                "-o",
                "json",
                "pause",
                "--mint",
                m,
                "--issuance-only",
            ],
        )
        .await,
    );
    assert_eq!(paused["level"], "issuance");
    let paid = before - chain.lamports(&submitter.keypair.pubkey()).await;
    assert_eq!(paid, 2 * 5_000 + 60_000);
    // by default the limit is simulated: what the instruction used plus the margin
    let before = chain.lamports(&submitter.keypair.pubkey()).await;
    let suspended = json(
        &as_(
            chain,
            &cast.pauser,
            &[
                "--fee-payer",
                &submitter.path,
                "--with-compute-unit-price",
                "1000000",
                "-o",
                "json",
                "pause",
                "--mint",
                m,
            ],
        )
        .await,
    );
    let paid = before - chain.lamports(&submitter.keypair.pubkey()).await;
    let limit = paid - 2 * 5_000;
    if !(chain.history_may_lag() && suspended["events_pending"] == true) {
        let used = suspended["compute_units"].as_u64().unwrap();
        assert_eq!(
            u64::from(usd1_client::transaction::with_margin(used)),
            limit,
            "{suspended}"
        );
    }
    assert!((1_000..200_000).contains(&limit), "requested {limit}");

    // signer sources that cannot work here are one-line errors naming them
    let ledger = chain
        .usd1(&["--keypair", "usb://ledger", "approve", "--mint", m, &n])
        .await;
    fails(&ledger, 2, "usb://ledger");
    assert_eq!(ledger.stderr.lines().count(), 1, "{}", ledger.stderr);
    let unsigned = chain
        .usd1(&["--keypair", &bob_key, "approve", "--mint", m, &n])
        .await;
    fails(&unsigned, 2, "missing signature for supplied pubkey");

    // a recipient that is not a wallet is refused unless asked for
    let issuer_pda = usd1_client::pda::issuer(&mint_key).to_string();
    fails(
        &as_(
            chain,
            &cast.alice,
            &[
                "mint",
                "--mint",
                m,
                "--to",
                &issuer_pda,
                "--amount",
                "1",
                "--request-id",
                "r1",
            ],
        )
        .await,
        2,
        "--allow-non-system-account-recipient",
    );
    // with the flag the command goes on, and the program decides (alice is no minter)
    fails(
        &as_(
            chain,
            &cast.alice,
            &[
                "mint",
                "--mint",
                m,
                "--to",
                &issuer_pda,
                "--amount",
                "1",
                "--request-id",
                "r1",
                "--allow-non-system-account-recipient",
            ],
        )
        .await,
        1,
        "mint failed",
    );

    // a cold proposer signing offline sees the change and the hash it signs
    let recent = nonce_hash.clone();
    let offline_propose = json(
        &as_(
            chain,
            &cast.alice,
            &[
                "--blockhash",
                &recent,
                "--sign-only",
                "-o",
                "json",
                "propose",
                "--mint",
                m,
                "set-limits",
                "--min-redemption",
                "2",
            ],
        )
        .await,
    );
    assert_eq!(
        offline_propose["action"]["min_redemption"], 2_000_000,
        "{offline_propose}"
    );
    assert_eq!(offline_propose["action_hash"].as_str().unwrap().len(), 64);
    assert!(offline_propose["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["field"] == "min_redemption" && c["changed"] == true));
    assert!(
        offline_propose["signers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair
                .as_str()
                .unwrap()
                .starts_with(&format!("{}=", cast.alice.key()))),
        "{offline_propose}"
    );
    // a co-signer given only as its pubkey has no signature to give
    fails(
        &chain
            .usd1(&[
                "--keypair",
                &cast.compliance.key(),
                "--blockhash",
                &recent,
                "--sign-only",
                "cosign",
                "--mint",
                m,
                "--minter",
                &cast.minter.key(),
                "--to",
                &cast.holder.key(),
                "--amount",
                "5",
                "--request-id",
                "wire-9",
                "--expiry",
                "2000000000",
            ])
            .await,
        2,
        "given as a pubkey only",
    );

    // the co-signature message for an HSM, byte for byte what `cosign` signs
    let holder = cast.holder.keypair.pubkey();
    let minter = cast.minter.keypair.pubkey();
    let message = json(
        &chain
            .usd1(&[
                "-o",
                "json",
                "cosign",
                "--mint",
                m,
                "--minter",
                &minter.to_string(),
                "--to",
                &holder.to_string(),
                "--amount",
                "5",
                "--request-id",
                "wire-9",
                "--expiry",
                "2000000000",
                "--message-only",
            ])
            .await,
    );
    let expected = usd1_client::attestation::mint_attestation(
        &mint_key,
        &minter,
        usd1_client::request_id_from_reference("wire-9").unwrap(),
        &usd1_client::token::associated_address(&holder, &mint_key),
        5_000_000,
        2_000_000_000,
    )
    .to_message();
    assert_eq!(message["length"], expected.len());
    let hex = usd1_client::events::hex(&expected);
    assert_eq!(message["message_hex"], hex.as_str());
}
