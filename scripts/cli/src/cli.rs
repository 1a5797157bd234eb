//! The command line's grammar (clap). Values that need nothing from the chain (keys, URLs,
//! integers) are checked here; amounts are parsed with the mint's decimals when the command
//! runs.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;

use crate::config::parse_pubkey;
use crate::signers::{parse_key_source, parse_presigned, KeySource};

#[derive(Parser, Debug)]
#[command(name = "usd1", version, about = "Operate a usd1-minter stablecoin")]
pub struct Cli {
    /// Cluster: mainnet-beta, devnet, testnet, localhost (or m, d, t, l) or an http(s) URL.
    /// [default: localhost; `usd1 watch`: its source.url, else localhost]
    #[arg(long, short = 'u', global = true)]
    pub url: Option<String>,
    /// The signer, and the fee payer unless --fee-payer is given: a keypair file, `prompt:`
    /// (a seed phrase), `stdin:`, `usb://ledger[?key=N]`, or a pubkey whose signature
    /// --signer supplies [default: ~/.config/solana/id.json].
    #[arg(long, short = 'k', global = true, value_parser = parse_key_source)]
    pub keypair: Option<KeySource>,
    /// Who pays the transaction fee (any signer source, as for --keypair) [default: the
    /// --keypair signer].
    #[arg(long, global = true, value_parser = parse_key_source)]
    pub fee_payer: Option<KeySource>,
    /// Skip BIP39 validation of a `prompt:` seed phrase (for non-English word lists).
    #[arg(long, global = true)]
    pub skip_seed_phrase_validation: bool,
    #[command(flatten)]
    pub tx: TxArgs,
    /// Commitment to wait for and read at.
    #[arg(long, global = true, value_enum, default_value = "confirmed")]
    pub commitment: Commitment,
    /// Output format: human-readable text or one JSON document.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How a command's transaction is built, signed and landed (the `solana` CLI's flags).
#[derive(Args, Debug, Clone, Default)]
pub struct TxArgs {
    /// Sign and print each signer's PUBKEY=SIGNATURE without sending (needs --blockhash).
    #[arg(long, global = true, requires = "blockhash")]
    pub sign_only: bool,
    /// Build on this blockhash instead of asking the cluster (with --nonce: the nonce's
    /// stored blockhash, see `solana nonce ACCOUNT`).
    #[arg(long, global = true, value_parser = parse_blockhash)]
    pub blockhash: Option<Hash>,
    /// A presigned signature, PUBKEY=SIGNATURE, as --sign-only printed it (repeat per
    /// signer); the key itself is then given as that PUBKEY (e.g. --keypair PUBKEY).
    #[arg(long = "signer", global = true, value_parser = parse_presigned, requires = "blockhash")]
    pub signer: Vec<String>,
    /// With --sign-only, also print the transaction message (base64).
    #[arg(long, global = true, requires = "sign_only")]
    pub dump_transaction_message: bool,
    /// Use this durable nonce account instead of a recent blockhash: the transaction then
    /// stays valid until the nonce advances, so a cold key can sign hours ahead.
    #[arg(long, global = true, value_parser = parse_pubkey)]
    pub nonce: Option<Pubkey>,
    /// The nonce account's authority (any signer source) [default: the --keypair signer].
    #[arg(long, global = true, value_parser = parse_key_source, requires = "nonce")]
    pub nonce_authority: Option<KeySource>,
    /// Priority fee: micro-lamports per compute unit.
    #[arg(long, global = true, value_name = "MICRO_LAMPORTS")]
    pub with_compute_unit_price: Option<u64>,
    /// Compute units to request [default: simulate and add a tenth (at least 1,000); with
    /// --blockhash, the runtime's default, so that offline and online messages agree].
    #[arg(long, global = true, value_name = "UNITS", value_parser = clap::value_parser!(u32).range(1..=1_400_000))]
    pub with_compute_unit_limit: Option<u32>,
}

fn parse_blockhash(text: &str) -> Result<Hash, String> {
    text.parse()
        .map_err(|_| format!("invalid --blockhash {text:?}: expected a base58 blockhash"))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

impl Commitment {
    pub fn config(self) -> solana_commitment_config::CommitmentConfig {
        use solana_commitment_config::CommitmentConfig;
        match self {
            Commitment::Processed => CommitmentConfig::processed(),
            Commitment::Confirmed => CommitmentConfig::confirmed(),
            Commitment::Finalized => CommitmentConfig::finalized(),
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

/// The mint every command acts on.
#[derive(Args, Debug, Clone)]
pub struct MintArg {
    /// The stablecoin's mint address.
    #[arg(long, value_parser = parse_pubkey)]
    pub mint: Pubkey,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the whole story on an embedded in-process SVM (no validator, no network):
    /// governance, reserves, co-signed mints, refusals, freeze, pause, redemption; every
    /// event is printed with its sequence number.
    Demo,
    /// Ingest the program's events from the cluster into the ledger store (SQLite or
    /// PostgreSQL), then prove supply = event ledger = bank ledger. Exit 0 only when
    /// everything agrees; 1 on any discrepancy, 2 on bad input, 3 when it could not complete.
    Reconcile(usd1_reconciler::cli::ReconcileArgs),
    /// Follow the chain as a service: ingest the configured mints' events as they finalize,
    /// run the checks, raise alerts (signed webhooks), serve Prometheus metrics. Runs until
    /// SIGTERM (exit 0); 2 on bad configuration. See README, Watcher.
    Watch(usd1_reconciler::watch::WatchArgs),
    /// Create the mint and its issuer from a TOML file (the signer pays and must hold the
    /// mint keypair named in the file).
    Init {
        /// The issuer's TOML file (format: migrations/issuer.example.toml).
        #[arg(long)]
        config: PathBuf,
    },
    /// Open a governance proposal (the signer must be a member). Prints what it changes,
    /// field by field, and the action's hash for the approvers' --expect-action-hash.
    Propose {
        #[command(flatten)]
        mint: MintArg,
        /// Do not ask for confirmation of the change (asked only on a terminal).
        #[arg(long, global = true)]
        yes: bool,
        #[command(subcommand)]
        action: ActionArgs,
    },
    /// Approve a proposal (members).
    Approve(ProposalArg),
    /// Reject a proposal (members).
    Reject(ProposalArg),
    /// Withdraw a proposal (its proposer).
    Cancel(ProposalArg),
    /// Accept a proposal that names the signer (a new member, role holder or minter
    /// authority): it executes only once every key it newly puts in charge has accepted.
    Accept(ProposalArg),
    /// Apply an approved proposal once its time lock has passed (anyone).
    Execute {
        #[command(flatten)]
        proposal: ProposalArg,
        /// SetUpgradeAuthority to a key: that key, as a signer (any signer source), which
        /// co-signs (not needed when it is the signer's own key).
        #[arg(long, value_parser = parse_key_source)]
        new_authority_keypair: Option<KeySource>,
    },
    /// Hand the program's upgrade authority to this issuer's governance (the signer must be
    /// the current upgrade authority; once done, only executed proposals upgrade the program).
    HandOverUpgradeAuthority {
        #[command(flatten)]
        mint: MintArg,
    },
    /// List proposals (status, approvals, stale, time lock left), or `show N`: one in full.
    Proposals(ProposalsArgs),
    /// Sign a compliance co-signature for a mint (the mint attestor); prints the signature
    /// to pass to `usd1 mint --cosignature`.
    Cosign {
        #[command(flatten)]
        mint: MintArg,
        /// The minter (its authority key) allowed to mint this: the co-signature names it.
        #[arg(long, value_parser = parse_pubkey)]
        minter: Pubkey,
        #[command(flatten)]
        issue: IssueArgs,
        /// Unix time until which the co-signature is valid (inclusive).
        #[arg(long)]
        expiry: i64,
        /// Print the 207-byte message to sign (hex; JSON also base64) instead of signing:
        /// for a mint attestor key held in an HSM.
        #[arg(long)]
        message_only: bool,
    },
    /// Mint to a holder for a funding request (the signer must be a configured minter).
    Mint {
        #[command(flatten)]
        mint: MintArg,
        #[command(flatten)]
        issue: IssueArgs,
        /// Compliance co-signature (base58, from `usd1 cosign`); needed when a mint attestor
        /// is configured.
        #[arg(long, requires_all = ["cosigner", "expiry"])]
        cosignature: Option<String>,
        /// The mint attestor's public key that made the co-signature.
        #[arg(long, value_parser = parse_pubkey)]
        cosigner: Option<Pubkey>,
        /// The co-signature's expiry (unix seconds), as given to `usd1 cosign`.
        #[arg(long)]
        expiry: Option<i64>,
        /// Mint to --to even when it is not a system account (a program address, a legacy
        /// SPL token account): tokens there may be out of every key's reach.
        #[arg(long)]
        allow_non_system_account_recipient: bool,
    },
    /// Burn tokens for redemption (the signer is the holder).
    Redeem {
        #[command(flatten)]
        mint: MintArg,
        /// Amount in tokens (e.g. 12.5).
        #[arg(long)]
        amount: String,
        /// The redemption's id (at most 32 bytes of text, unique per holder).
        #[arg(long)]
        redemption_id: String,
        /// Where the fiat goes (at most 32 bytes of text, e.g. a bank payout reference).
        #[arg(long)]
        payout_reference: String,
    },
    /// Record that a redemption's fiat was paid out (the redemption operator).
    Settle {
        #[command(flatten)]
        mint: MintArg,
        /// The holder who redeemed (the redemption's address includes it).
        #[arg(long, value_parser = parse_pubkey)]
        holder: Pubkey,
        #[arg(long)]
        redemption_id: String,
        /// The bank's reference for the payout (at most 32 bytes of text).
        #[arg(long)]
        settlement_reference: String,
    },
    /// Re-mint a redemption's tokens to its account when the payout failed (the redemption
    /// operator).
    Refund {
        #[command(flatten)]
        mint: MintArg,
        /// The holder who redeemed (the redemption's address includes it).
        #[arg(long, value_parser = parse_pubkey)]
        holder: Pubkey,
        #[arg(long)]
        redemption_id: String,
        /// Why (an operator-defined code).
        #[arg(long)]
        reason: u16,
        /// Refund even when the redeemed account's owner is not a system account.
        #[arg(long)]
        allow_non_system_account_recipient: bool,
    },
    /// Freeze a token account (freezers).
    Freeze {
        #[command(flatten)]
        mint: MintArg,
        /// A token account, or a wallet whose associated token account is meant.
        #[arg(long, value_parser = parse_pubkey)]
        account: Pubkey,
        /// Why (an operator-defined code, e.g. 1 = sanctions hit).
        #[arg(long)]
        reason: u16,
    },
    /// Thaw a token account (freezers).
    Thaw {
        #[command(flatten)]
        mint: MintArg,
        #[arg(long, value_parser = parse_pubkey)]
        account: Pubkey,
    },
    /// Stop minting, redemption and every token transfer at once (pausers and members); with
    /// --issuance-only, stop only minting and refunds while holders keep transferring and
    /// redeeming. Only an executed proposal resumes (`propose unpause` / `resume-issuance`).
    Pause {
        #[command(flatten)]
        mint: MintArg,
        /// Pause issuance only (mint, refund), not the token.
        #[arg(long)]
        issuance_only: bool,
    },
    /// Suspend a minter at once, no proposal needed (pausers and members): it cannot mint
    /// until an executed configure-minter proposal, opened after the suspension, reactivates
    /// it.
    SuspendMinter {
        #[command(flatten)]
        mint: MintArg,
        /// The minter's authority key.
        #[arg(long, value_parser = parse_pubkey)]
        minter: Pubkey,
    },
    /// Raise or lower a minter's allowance without a proposal: `raise` draws on the
    /// allowance budget governance set (the allowance manager); `lower` is open to the
    /// allowance manager, pausers and members.
    Allowance {
        #[command(flatten)]
        mint: MintArg,
        #[command(subcommand)]
        change: AllowanceChange,
    },
    /// Lower a minter's allowance at once, no proposal needed (pausers and members).
    DecreaseAllowance {
        #[command(flatten)]
        mint: MintArg,
        /// The minter's authority key.
        #[arg(long, value_parser = parse_pubkey)]
        minter: Pubkey,
        /// By how much, in tokens (to zero at most; `all` for everything left).
        #[arg(long)]
        amount: String,
    },
    /// Record a reserve attestation (the reserve attestor).
    Attest {
        #[command(flatten)]
        mint: MintArg,
        /// Reserves in tokens (e.g. 1000000).
        #[arg(long)]
        amount: String,
        /// Unix time the reserves were counted [default: now on the chain's clock].
        #[arg(long)]
        as_of: Option<i64>,
        /// SHA-256 of the attestation report, 64 hex characters.
        #[arg(long)]
        report_hash: String,
    },
    /// Issuer configuration, roles, minters (allowance and rate limit left), supply, pause
    /// and reserve cover.
    Status {
        #[command(flatten)]
        mint: MintArg,
    },
    /// The program's events for this mint, decoded, with their sequence numbers.
    Events {
        #[command(flatten)]
        mint: MintArg,
        /// Only the newest N.
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum AllowanceChange {
    /// Add to a minter's allowance (the allowance manager, within the budget).
    Raise {
        /// The minter's authority key.
        #[arg(long, value_parser = parse_pubkey)]
        minter: Pubkey,
        /// In tokens.
        #[arg(long)]
        amount: String,
    },
    /// Take from a minter's allowance (to zero at most; `all` for everything left).
    Lower {
        /// The minter's authority key.
        #[arg(long, value_parser = parse_pubkey)]
        minter: Pubkey,
        /// In tokens, or `all`.
        #[arg(long)]
        amount: String,
    },
}

/// `on`/`off` (or `true`/`false`).
fn parse_on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err(format!("invalid value {text:?}: expected on or off")),
    }
}

/// A `KEY=VALUE` additional metadata field.
fn parse_field(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

#[derive(Args, Debug, Clone)]
pub struct ProposalArg {
    #[command(flatten)]
    pub mint: MintArg,
    /// The proposal's index (see `usd1 proposals`).
    pub index: u64,
    /// Refuse unless the proposal's action has this hash (64 hex characters, printed by
    /// `usd1 propose` and `usd1 proposals show`): what is signed is what was reviewed.
    #[arg(long, value_parser = parse_action_hash)]
    pub expect_action_hash: Option<[u8; 32]>,
}

fn parse_action_hash(text: &str) -> Result<[u8; 32], String> {
    usd1_client::events::parse_hex32(text)
        .ok_or_else(|| format!("invalid --expect-action-hash {text:?}: expected 64 hex characters"))
}

/// `usd1 proposals`: the list, or one proposal in full.
#[derive(Args, Debug, Clone)]
pub struct ProposalsArgs {
    /// The stablecoin's mint address (required; before or after `show N`).
    #[arg(long, global = true, value_parser = parse_pubkey)]
    pub mint: Option<Pubkey>,
    #[command(subcommand)]
    pub view: Option<ProposalsView>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ProposalsView {
    /// One proposal in full: the action, what it changes field by field against the
    /// issuer's current state, its hash, who approved and rejected, the time-lock deadline,
    /// whether it is stale or expired, and which keys must still accept.
    Show {
        /// The proposal's index.
        index: u64,
    },
}

/// A role that `propose set-roles --clear` empties.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleName {
    Pausers,
    Freezers,
    ReserveAttestor,
    RedemptionOperator,
    MintAttestor,
    AllowanceManager,
}

/// What a mint issues, and for which funding request.
#[derive(Args, Debug, Clone)]
pub struct IssueArgs {
    /// The holder's wallet (its associated token account receives, created if missing) or a
    /// token account of this mint.
    #[arg(long, value_parser = parse_pubkey)]
    pub to: Pubkey,
    /// Amount in tokens (e.g. 12.5).
    #[arg(long)]
    pub amount: String,
    /// The funding request's reference (at most 32 bytes of text); a second mint with the
    /// same id is refused.
    #[arg(long)]
    pub request_id: String,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ActionArgs {
    /// Create a minter, or grant it more allowance and change its rate limit or active flag.
    ConfigureMinter {
        /// The minter's authority key (a pubkey or any signer source).
        #[arg(long, value_parser = parse_key_source)]
        authority: KeySource,
        /// Allowance granted, in tokens: a new minter starts with it, an existing one adds it
        /// to what is left (0: no change; lower with `decrease-allowance`).
        #[arg(long)]
        allowance_grant: String,
        /// Most the minter can mint within one window, in tokens.
        #[arg(long)]
        rate_capacity: String,
        /// Seconds for an empty rate bucket to refill.
        #[arg(long)]
        rate_window: u32,
        /// Configure it deactivated (it cannot mint until reactivated).
        #[arg(long)]
        inactive: bool,
    },
    /// Remove a minter (its unused allowance is forfeited).
    RemoveMinter {
        #[arg(long, value_parser = parse_key_source)]
        authority: KeySource,
    },
    /// Replace members, threshold and time lock (every open proposal goes stale).
    SetGovernance {
        /// A member (repeat for each; a pubkey or any signer source).
        #[arg(long = "member", value_parser = parse_key_source, required = true)]
        members: Vec<KeySource>,
        #[arg(long)]
        threshold: u8,
        /// Seconds between approval and execution.
        #[arg(long)]
        time_lock: u32,
    },
    /// Change role holders: only the roles given change, starting from the issuer's
    /// current ones (a list given replaces that list; --clear empties a role).
    #[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args([
        "pausers", "freezers", "reserve_attestor", "redemption_operator", "mint_attestor",
        "allowance_manager", "clear"
    ])))]
    SetRoles {
        /// A pauser (repeat; replaces the list).
        #[arg(long = "pauser", value_parser = parse_key_source)]
        pausers: Vec<KeySource>,
        /// A freezer (repeat; replaces the list).
        #[arg(long = "freezer", value_parser = parse_key_source)]
        freezers: Vec<KeySource>,
        #[arg(long, value_parser = parse_key_source)]
        reserve_attestor: Option<KeySource>,
        #[arg(long, value_parser = parse_key_source)]
        redemption_operator: Option<KeySource>,
        #[arg(long, value_parser = parse_key_source)]
        mint_attestor: Option<KeySource>,
        /// Raises minters' allowances within the allowance budget, lowers them at any time.
        #[arg(long, value_parser = parse_key_source)]
        allowance_manager: Option<KeySource>,
        /// Empty this role (repeat).
        #[arg(long, value_enum)]
        clear: Vec<RoleName>,
    },
    /// Change issuance limits: only the limits given change, starting from the issuer's
    /// current ones.
    #[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args([
        "supply_cap", "min_redemption", "reserve_guard", "reserve_max_age"
    ])))]
    SetLimits {
        /// Supply cap in tokens.
        #[arg(long)]
        supply_cap: Option<String>,
        /// Smallest redemption in tokens.
        #[arg(long)]
        min_redemption: Option<String>,
        /// Refuse mints above the last reserve attestation: on or off.
        #[arg(long, value_parser = parse_on_off)]
        reserve_guard: Option<bool>,
        /// Seconds an attestation stays usable for the guard (more than 0 with the guard on).
        #[arg(long)]
        reserve_max_age: Option<u32>,
    },
    /// Resume after a pause (only the pause current when proposed).
    Unpause,
    /// Resume issuance after an issuance-only pause (only the one current when proposed).
    ResumeIssuance,
    /// Set the token's metadata (name, symbol, uri, additional fields).
    UpdateMetadata {
        /// At most 32 bytes.
        #[arg(long)]
        name: String,
        /// At most 10 bytes.
        #[arg(long)]
        symbol: String,
        /// At most 200 bytes.
        #[arg(long)]
        uri: String,
        /// An additional field to set, KEY=VALUE (repeat; at most 8), e.g.
        /// `terms=https://...` or `attestation=https://...`.
        #[arg(long = "field", value_parser = parse_field)]
        fields: Vec<(String, String)>,
        /// An additional field to remove (repeat; at most 8).
        #[arg(long = "remove-key")]
        remove_keys: Vec<String>,
    },
    /// Set the allowance manager's budget: raises of at most --capacity tokens, refilled
    /// over --window seconds (capacity 0: no raises).
    SetAllowanceBudget {
        /// In tokens.
        #[arg(long)]
        capacity: String,
        /// Seconds for an empty budget to refill.
        #[arg(long, default_value_t = 86_400)]
        window: u32,
    },
    /// How long approved proposals stay executable after their time lock.
    SetExecutionWindow {
        /// Seconds (3600 to 31536000).
        #[arg(long)]
        seconds: u32,
    },
    /// Replace the program with a loader buffer's bytes (the issuer must govern upgrades;
    /// the buffer's authority must be the issuer's upgrade authority, see `usd1 status`).
    #[command(group(clap::ArgGroup::new("expected").required(true).args(["so", "buffer_hash"])))]
    UpgradeProgram {
        /// The buffer holding the new program (e.g. from `usd1-migrate buffer`).
        #[arg(long, value_parser = parse_pubkey)]
        buffer: Pubkey,
        /// The `.so` the buffer must hold: its SHA-256 is what the proposal pins.
        #[arg(long)]
        so: Option<PathBuf>,
        /// Or the SHA-256 of the program bytes, 64 hex characters.
        #[arg(long)]
        buffer_hash: Option<String>,
        /// Receives the buffer's lamports after the upgrade [default: the signer].
        #[arg(long, value_parser = parse_pubkey)]
        spill: Option<Pubkey>,
    },
    /// Pass the program's upgrade authority to a key (which co-signs the execution), or make
    /// the program immutable.
    #[command(group(clap::ArgGroup::new("to").required(true).args(["new", "immutable"])))]
    SetUpgradeAuthority {
        /// The new upgrade authority (a pubkey or any signer source).
        #[arg(long, value_parser = parse_key_source)]
        new: Option<KeySource>,
        /// No upgrade authority: the program can never change again.
        #[arg(long)]
        immutable: bool,
    },
    /// Move tokens out of a frozen account to a destination, or burn them (PermanentDelegate
    /// mints only).
    Seize {
        /// The frozen token account (or its owner's wallet).
        #[arg(long, value_parser = parse_pubkey)]
        account: Pubkey,
        /// The receiving token account (or wallet); burn when absent.
        #[arg(long, value_parser = parse_pubkey)]
        destination: Option<Pubkey>,
        #[arg(long)]
        amount: String,
    },
}
