//! What the CLI and the migrations need from a chain, with two implementations: the embedded
//! SVM ([`crate::embedded::Embedded`], feature `embedded`) and a JSON-RPC endpoint
//! ([`crate::rpc::RpcBackend`], feature `rpc`). Commands are written once, generic over
//! [`Backend`], so none of them exists on one side only.
use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};

pub use crate::accounts::DataFilter;
use crate::errors::{error_name, program_error};
use crate::events::Event;

/// A transaction that landed.
#[derive(Debug, Clone)]
pub struct Executed {
    pub signature: Signature,
    /// The program's events, in emission order.
    pub events: Vec<Event>,
    pub logs: Vec<String>,
    /// Units metered by the SVM (on the embedded SVM, native code counts 1 per invocation;
    /// Token-2022 in full).
    pub compute_units: u64,
    /// Size of the signed transaction on the wire (the limit is 1,232 bytes).
    pub tx_bytes: usize,
    /// The transaction landed but the node's history did not have it yet when asked, so
    /// `events`, `logs` and `compute_units` are empty; read them later (`usd1 events`).
    pub events_pending: bool,
    /// How many times it was sent before it was confirmed (rebroadcasts included).
    pub sends: u32,
}

/// A simulated transaction: what it would consume and log, and its error if it would fail.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Units consumed, when the node reports them.
    pub units: Option<u64>,
    pub logs: Vec<String>,
    pub error: Option<TransactionError>,
}

/// Until when a signed transaction can still land, hence how long to rebroadcast it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Its recent blockhash expires after this block height.
    UntilBlockHeight(u64),
    /// It uses the durable nonce in this account: valid until the nonce advances.
    DurableNonce(Pubkey),
}

/// A transaction that did not land, or a chain that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The chain refused or failed the transaction; nothing was applied.
    Transaction {
        error: TransactionError,
        logs: Vec<String>,
    },
    /// The chain could not be reached or answered something unusable (connection refused,
    /// timeout, undecodable response).
    Transport(String),
    /// The transaction was sent (`sends` times) but never confirmed before it could no
    /// longer land: its blockhash expired, or its durable nonce advanced. Nothing was applied.
    NotLanded { reason: String, sends: u32 },
}

impl SendError {
    /// The custom error code of a failed instruction (program errors are 6000+, Anchor's
    /// account checks below that, Token-2022's small numbers).
    pub fn custom_code(&self) -> Option<u32> {
        match self {
            SendError::Transaction {
                error: TransactionError::InstructionError(_, InstructionError::Custom(code)),
                ..
            } => Some(*code),
            _ => None,
        }
    }

    /// `Name (code)` and, for the program's own errors, its message: what an operator reads.
    pub fn explain(&self) -> String {
        match (
            self.custom_code(),
            self.custom_code().and_then(program_error),
        ) {
            (Some(code), Some((name, message))) => format!("{name} ({code}): {message}"),
            _ => self.to_string(),
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self, self.custom_code()) {
            (_, Some(code)) => write!(f, "{} ({code})", error_name(code)),
            (SendError::Transaction { error, .. }, None) => write!(f, "{error}"),
            (SendError::Transport(message), None) => write!(f, "transport: {message}"),
            (SendError::NotLanded { reason, sends }, None) => {
                write!(f, "not landed after {sends} send(s): {reason}")
            }
        }
    }
}

impl std::error::Error for SendError {}

pub(crate) fn transport(e: impl std::fmt::Display) -> SendError {
    SendError::Transport(e.to_string())
}

/// The fee payer first, then each other signer once (a key passed twice signs once).
pub(crate) fn signing_keys<'a>(payer: &'a Keypair, signers: &[&'a Keypair]) -> Vec<&'a Keypair> {
    let mut keys = vec![payer];
    for signer in signers {
        if !keys.iter().any(|k| k.pubkey() == signer.pubkey()) {
            keys.push(signer);
        }
    }
    keys
}

/// Size of a signed transaction on the wire: compact-u16 signature count, the signatures,
/// then the message.
pub fn wire_size(tx: &Transaction) -> usize {
    let signature_count = tx.signatures.len();
    let count_bytes = if signature_count < 0x80 { 1 } else { 2 };
    count_bytes + 64 * signature_count + tx.message.serialize().len()
}

/// An event with the transaction that emitted it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub signature: Signature,
    pub slot: u64,
    /// The block's time (unix seconds), when the node knows it.
    pub block_time: Option<i64>,
    pub event: Event,
    /// The event's bytes as emitted (discriminator, then Borsh).
    pub data: Vec<u8>,
}

/// A chain the commands can act on. Used through generics (never as `dyn`), so `async fn`'s
/// unnamed future types are fine here.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// Signs `ixs` with the backend's fee payer and `signers`, sends, and waits until the
    /// transaction is confirmed at the backend's commitment; returns its events. (Tests,
    /// migrations and the bench; the CLI builds its transactions itself, see
    /// [`crate::transaction`].)
    async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Executed, SendError>;

    /// Who pays the fees of a transaction that names no fee payer: the embedded SVM's funded
    /// payer; over JSON-RPC, nobody (the CLI's signer pays).
    fn default_fee_payer(&self) -> Option<Keypair>;

    /// A recent blockhash and the last block height at which it is valid.
    async fn latest_blockhash(&mut self) -> Result<(Hash, u64), SendError>;

    /// Simulates `tx` without signature checks (it may be unsigned).
    async fn simulate(&mut self, tx: &Transaction) -> Result<Simulation, SendError>;

    /// Sends the fully signed `tx` and waits until it is confirmed at the backend's
    /// commitment, rebroadcasting while it can still land (`validity`); returns its events.
    /// A transaction that can no longer land is [`SendError::NotLanded`].
    async fn submit(&mut self, tx: &Transaction, validity: Validity)
        -> Result<Executed, SendError>;

    /// The account at `key`, None if it does not exist.
    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, SendError>;

    /// Every account of usd1-minter matching all `filters`.
    async fn program_accounts(
        &mut self,
        filters: &[DataFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SendError>;

    /// The chain's clock.
    async fn clock(&mut self) -> Result<Clock, SendError>;

    /// The program's events of the issuer `issuer`, in seq order: at most the `limit` newest
    /// when given. Failed transactions emit nothing and are skipped. Over RPC, a transaction
    /// the node lists but cannot return yet is left out: compare with the issuer's
    /// `event_seq` to see whether the history is complete.
    async fn events(
        &mut self,
        issuer: &Pubkey,
        limit: Option<usize>,
    ) -> Result<Vec<EventRecord>, SendError>;
}
