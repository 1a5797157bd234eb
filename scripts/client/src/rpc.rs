//! [`Backend`] over a Solana JSON-RPC endpoint: transactions sent with preflight and confirmed
//! at the chosen commitment (with a spinner unless quiet), accounts read at that commitment,
//! and the program's events read back from transaction history: the `emit_cpi` self-invocations
//! among each transaction's inner instructions. [`transaction_events`] is the decoder the
//! reconciler's ingestion shares.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiInstruction, UiTransactionEncoding,
};

use crate::backend::{
    signing_keys, transport, wire_size, Backend, DataFilter, EventRecord, Executed, SendError,
    Simulation, Validity,
};
use crate::events::{decode_inner_emitted, RawEmitted, RawEvent};

/// A JSON-RPC endpoint, with a fee payer for [`Backend::send`] (the CLI signs its own
/// transactions and has none).
pub struct RpcBackend {
    client: RpcClient,
    payer: Option<Keypair>,
    commitment: CommitmentConfig,
    /// Show a spinner while a transaction confirms (off under `--output json`).
    progress: bool,
}

/// Tries, a quarter-second apart, for a node's history to catch up with what it confirmed:
/// 10 s of waits, then a last look.
const HISTORY_TRIES: u32 = 41;

/// How long a transaction on a durable nonce is rebroadcast (it never expires by itself).
const NONCE_REBROADCAST: Duration = Duration::from_secs(120);

/// The longest a transaction on a recent blockhash is rebroadcast, whatever the node says of
/// its block height (a blockhash lives 150 blocks, about a minute).
const BLOCKHASH_REBROADCAST: Duration = Duration::from_secs(180);

/// Status polls that may fail in a row (a rate limit, a node restarting) before the outcome
/// is reported unknown.
const POLL_FAILURES: u32 = 30;

/// Looks in the node's whole history before a transaction is reported as not landed.
const FINAL_LOOKS: u32 = 3;

/// Retries of a JSON-RPC call: exponential backoff from `initial`, doubling up to `max`, at
/// most `attempts` tries. Shared by the backend (a node whose history trails its accounts)
/// and the reconciler's source (rate limits, lagging history).
#[derive(Debug, Clone)]
pub struct Retry {
    /// Tries in all (at least one is made).
    pub attempts: u32,
    /// The wait after the first failed try.
    pub initial: Duration,
    /// The longest wait between two tries.
    pub max: Duration,
}

impl Retry {
    /// `attempts` tries `interval` apart.
    pub fn every(interval: Duration, attempts: u32) -> Self {
        Self {
            attempts,
            initial: interval,
            max: interval,
        }
    }

    /// `op` until it yields a value: `Ok(None)` (not available yet) and errors are retried;
    /// after the last try, `"{what}: {last error} (after N attempts)"`.
    pub async fn run<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, String>>,
    {
        let attempts = self.attempts.max(1);
        let mut delay = self.initial;
        let mut last = String::from("not available");
        for attempt in 1..=attempts {
            match op().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => last = "not available yet".into(),
                Err(e) => last = e,
            }
            if attempt < attempts {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(self.max);
            }
        }
        Err(format!("{what}: {last} (after {attempts} attempts)"))
    }
}

/// A client error as the backend reports it: the program's or the runtime's refusal with its
/// logs when the node returned one (preflight simulation or execution), else a transport error.
fn send_error(error: ClientError) -> SendError {
    let logs = match error.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
            ..
        }) => result.logs.clone().unwrap_or_default(),
        _ => Vec::new(),
    };
    match error.kind().get_transaction_error() {
        Some(error) => SendError::Transaction { error, logs },
        None => transport(error),
    }
}

impl RpcBackend {
    pub fn new(url: String, payer: Keypair, commitment: CommitmentConfig, progress: bool) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url, commitment),
            payer: Some(payer),
            commitment,
            progress,
        }
    }

    /// A backend whose transactions come signed ([`Backend::submit`]): the CLI's.
    pub fn without_payer(url: String, commitment: CommitmentConfig, progress: bool) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url, commitment),
            payer: None,
            commitment,
            progress,
        }
    }

    /// The underlying client (for the migrations' buffer uploads).
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// The fee payer given to [`RpcBackend::new`].
    pub fn payer(&self) -> Option<&Keypair> {
        self.payer.as_ref()
    }

    pub fn commitment(&self) -> CommitmentConfig {
        self.commitment
    }

    /// Waits, for at most `deadline`, until this node's clock is past the slot it is at now.
    /// A program deployed or upgraded in slot S runs from slot S + 1 (the loader's visibility
    /// delay), so whoever calls a program right after deploying or upgrading it waits here
    /// first, or meets "Unsupported program id".
    pub async fn await_next_slot(&mut self, deadline: Duration) -> Result<(), SendError> {
        let now = Backend::clock(self).await?.slot;
        let started = std::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let slot = Backend::clock(self).await?.slot;
            if slot > now {
                return Ok(());
            }
            if started.elapsed() > deadline {
                return Err(transport(format!(
                    "the node stayed at slot {slot} for {} s",
                    deadline.as_secs()
                )));
            }
        }
    }

    /// Sends `tx` (with preflight, so a refusal comes back with its logs), then polls its
    /// status and rebroadcasts it every two seconds until it is confirmed at the backend's
    /// commitment (Ok: how many sends), failed (its error), or can no longer land: its
    /// blockhash expired or its durable nonce moved on ([`SendError::NotLanded`]).
    async fn send_until_landed(
        &self,
        tx: &Transaction,
        validity: Validity,
        spinner: Option<&indicatif::ProgressBar>,
    ) -> Result<u32, SendError> {
        let signature = tx.signatures[0];
        let first = RpcSendTransactionConfig {
            preflight_commitment: Some(self.commitment.commitment),
            ..RpcSendTransactionConfig::default()
        };
        // rebroadcasts skip preflight (it would now see the first copy as a duplicate) and
        // the node's own retries (this loop is the retry)
        let again = RpcSendTransactionConfig {
            skip_preflight: true,
            max_retries: Some(0),
            ..RpcSendTransactionConfig::default()
        };
        self.client
            .send_transaction_with_config(tx, first)
            .await
            .map_err(send_error)?;
        let mut sends = 1u32;
        let started = std::time::Instant::now();
        let mut last_send = started;
        // a node that stops answering after the first copy went out: the copy may still land,
        // so the outcome is unknown, never "not applied"
        let unknown = |what: String| {
            SendError::Transport(format!(
                "{what}; transaction {signature} was sent and may still land: check it \
                 (`solana confirm {signature}`) before sending anything again"
            ))
        };
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            match self.status_of(&signature, false).await {
                Ok(Some(Ok(()))) => return Ok(sends),
                Ok(Some(Err(error))) => {
                    return Err(SendError::Transaction {
                        error,
                        logs: Vec::new(),
                    })
                }
                Ok(None) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    if failures >= POLL_FAILURES {
                        return Err(unknown(format!("the node stopped answering ({e})")));
                    }
                    continue;
                }
            }
            // still valid? (checked after the status: a transaction that landed in the last
            // valid block counts as landed)
            let expired = match validity {
                Validity::UntilBlockHeight(last_valid) => {
                    match self.client.get_block_height().await {
                        Ok(height) if height > last_valid => Some(format!(
                            "its blockhash expired (block height {height} is past its last valid \
                             height {last_valid})"
                        )),
                        // a node whose height stalls must not keep this loop alive forever
                        _ if started.elapsed() >= BLOCKHASH_REBROADCAST => Some(format!(
                            "not confirmed within {} s, longer than a blockhash lives",
                            BLOCKHASH_REBROADCAST.as_secs()
                        )),
                        _ => None,
                    }
                }
                Validity::DurableNonce(nonce) => {
                    let current = self
                        .client
                        .get_account_with_commitment(&nonce, self.commitment)
                        .await
                        .ok()
                        .and_then(|response| response.value)
                        .and_then(|a| crate::read::nonce_from_account(&a).ok())
                        .map(|n| n.blockhash);
                    match current {
                        Some(current) if current != tx.message.recent_blockhash => Some(format!(
                            "durable nonce {nonce} advanced and this transaction is not among \
                             the confirmed ones (another transaction used the nonce)"
                        )),
                        _ if started.elapsed() >= NONCE_REBROADCAST => {
                            // still valid: the very same transaction can be sent again
                            return Err(SendError::NotLanded {
                                reason: format!(
                                    "not confirmed within {} s; it stays valid until nonce \
                                     {nonce} advances: send the same transaction again with \
                                     --blockhash {} (the nonce's value it was signed on), not a \
                                     new one",
                                    NONCE_REBROADCAST.as_secs(),
                                    tx.message.recent_blockhash
                                ),
                                sends,
                            });
                        }
                        _ => None,
                    }
                }
            };
            if let Some(reason) = expired {
                // the last word comes from the node's whole history, asked a few times (a
                // load-balanced pool may have answered the height or nonce from a node ahead of
                // the one that answered the status)
                for _ in 0..FINAL_LOOKS {
                    match self.status_of(&signature, true).await {
                        Ok(Some(Ok(()))) => return Ok(sends),
                        Ok(Some(Err(error))) => {
                            return Err(SendError::Transaction {
                                error,
                                logs: Vec::new(),
                            })
                        }
                        Ok(None) => {}
                        Err(e) => return Err(unknown(format!("{reason}, and then {e}"))),
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                return Err(SendError::NotLanded {
                    reason: format!("{reason}; nothing was applied: run the command again"),
                    sends,
                });
            }
            if last_send.elapsed() >= Duration::from_secs(2) {
                // a failed rebroadcast is not fatal: the copy already sent may still land
                let _ = self.client.send_transaction_with_config(tx, again).await;
                sends = sends.saturating_add(1);
                last_send = std::time::Instant::now();
                if let Some(bar) = spinner {
                    bar.set_message(format!("sent {signature} {sends} time(s), waiting"));
                }
            }
        }
    }

    /// The status of `signature` at the backend's commitment; with `history`, searched in the
    /// node's whole transaction history rather than its recent status cache.
    async fn status_of(
        &self,
        signature: &Signature,
        history: bool,
    ) -> Result<Option<solana_sdk::transaction::Result<()>>, String> {
        let statuses = if history {
            self.client
                .get_signature_statuses_with_history(&[*signature])
                .await
        } else {
            self.client.get_signature_statuses(&[*signature]).await
        }
        .map_err(|e| e.to_string())?;
        Ok(statuses
            .value
            .into_iter()
            .next()
            .flatten()
            .filter(|status| status.satisfies_commitment(self.commitment))
            .map(|status| status.status))
    }

    /// `getTransaction` needs at least `confirmed`.
    fn history_commitment(&self) -> CommitmentConfig {
        match self.commitment.commitment {
            CommitmentLevel::Finalized => CommitmentConfig::finalized(),
            _ => CommitmentConfig::confirmed(),
        }
    }

    /// The transaction `signature` with its metadata, waiting for a node that has confirmed
    /// it but not yet written it to its history; None after `tries` tries a quarter-second
    /// apart.
    async fn fetch_transaction_within(
        &self,
        signature: &Signature,
        tries: u32,
    ) -> Result<Option<EncodedConfirmedTransactionWithStatusMeta>, SendError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.history_commitment()),
            max_supported_transaction_version: Some(0),
        };
        // a node answers null after confirming until its history service has written the
        // transaction: usually within a second, longer under load; null (not yet) and
        // transient errors alike: ask again
        let fetched = Retry::every(Duration::from_millis(250), tries)
            .run("getTransaction", || async {
                self.client
                    .get_transaction_with_config(signature, config)
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .await;
        Ok(fetched.ok())
    }

    /// Waits, for at most `deadline`, until this node's history at the backend's commitment
    /// serves everything a reader of `address`'s transactions asks for: the listing names
    /// `through` (when given), the block of every listed transaction is complete (a listing
    /// that pages with `before`/`until` reads those blocks, and a node whose ledger trails
    /// its bank answers "slot unavailable" for them) and every listed successful transaction
    /// can be fetched. Returns how many transactions were listed; after the deadline, an
    /// error saying what was still missing. This is for tests and tools that must read a
    /// node's history: readers themselves treat a trailing node as "not yet" and fail closed.
    pub async fn await_history(
        &self,
        address: &Pubkey,
        through: Option<&Signature>,
        deadline: Duration,
    ) -> Result<usize, String> {
        let commitment = self.history_commitment();
        let started = std::time::Instant::now();
        // what has been seen served once stays served: each block and transaction is asked
        // for until it is, not again after
        let mut blocks_served = std::collections::HashSet::new();
        let mut transactions_served = std::collections::HashSet::new();
        loop {
            let missing = match self.list_signatures(address, commitment).await {
                Err(e) => Some(format!("getSignaturesForAddress: {e}")),
                Ok(listed) => {
                    let mut missing = through
                        .filter(|through| !listed.iter().any(|(s, _, _)| s == *through))
                        .map(|through| format!("{through} is not listed yet"));
                    for (signature, slot, succeeded) in &listed {
                        if missing.is_some() {
                            break;
                        }
                        if !blocks_served.contains(slot) {
                            match self.block_served(*slot, commitment).await {
                                Ok(()) => {
                                    blocks_served.insert(*slot);
                                }
                                Err(e) => missing = Some(format!("block {slot}: {e}")),
                            }
                        }
                        if missing.is_none()
                            && *succeeded
                            && !transactions_served.contains(signature)
                        {
                            match self.fetch_transaction_within(signature, 1).await {
                                Ok(Some(_)) => {
                                    transactions_served.insert(*signature);
                                }
                                _ => {
                                    missing =
                                        Some(format!("transaction {signature} not served yet"))
                                }
                            }
                        }
                    }
                    match missing {
                        None => return Ok(listed.len()),
                        some => some,
                    }
                }
            };
            if started.elapsed() >= deadline {
                return Err(format!(
                    "the node's history at {:?} commitment did not catch up within {} s: {}",
                    commitment.commitment,
                    deadline.as_secs(),
                    missing.unwrap_or_default()
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Every signature the node lists for `address` at `commitment`, newest first, with its
    /// slot and whether it succeeded.
    async fn list_signatures(
        &self,
        address: &Pubkey,
        commitment: CommitmentConfig,
    ) -> Result<Vec<(Signature, u64, bool)>, String> {
        let mut listed = Vec::new();
        let mut before = None;
        loop {
            let config = GetConfirmedSignaturesForAddress2Config {
                before,
                until: None,
                limit: Some(1000),
                commitment: Some(commitment),
            };
            let page = self
                .client
                .get_signatures_for_address_with_config(address, config)
                .await
                .map_err(|e| e.to_string())?;
            for entry in &page {
                let signature: Signature = entry.signature.parse().map_err(|e| format!("{e}"))?;
                listed.push((signature, entry.slot, entry.err.is_none()));
            }
            match listed.last() {
                Some((last, _, _)) if page.len() == 1000 => before = Some(*last),
                _ => return Ok(listed),
            }
        }
    }

    /// Ok when the node serves the complete block of `slot` at `commitment`.
    async fn block_served(&self, slot: u64, commitment: CommitmentConfig) -> Result<(), String> {
        let config = solana_rpc_client_api::config::RpcBlockConfig {
            encoding: None,
            transaction_details: Some(
                solana_transaction_status_client_types::TransactionDetails::None,
            ),
            rewards: Some(false),
            commitment: Some(commitment),
            max_supported_transaction_version: Some(0),
        };
        self.client
            .get_block_with_config(slot, config)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The program's events in a fetched transaction, in emission order, with its logs and
/// compute units. A failed transaction has no events (its effects, events included, were
/// rolled back); inner instructions of other programs are skipped; an event this client does
/// not know is an error.
pub fn transaction_events(
    tx: &EncodedConfirmedTransactionWithStatusMeta,
) -> Result<(Vec<RawEvent>, Vec<String>, u64), SendError> {
    let (emitted, logs, units) = transaction_emitted(tx)?;
    let events = emitted
        .into_iter()
        .map(|raw| raw.known().map_err(transport))
        .collect::<Result<_, _>>()?;
    Ok((events, logs, units))
}

/// [`transaction_events`], with the events this client does not know kept as
/// [`Emitted::Unknown`] (the reconciler stores them and reports each).
pub fn transaction_emitted(
    tx: &EncodedConfirmedTransactionWithStatusMeta,
) -> Result<(Vec<RawEmitted>, Vec<String>, u64), SendError> {
    let meta = tx
        .transaction
        .meta
        .as_ref()
        .ok_or_else(|| transport("transaction without status metadata"))?;
    let logs: Vec<String> = Option::from(meta.log_messages.clone()).unwrap_or_default();
    let compute_units: u64 = Option::from(meta.compute_units_consumed.clone()).unwrap_or(0);
    if meta.err.is_some() {
        return Ok((Vec::new(), logs, compute_units));
    }
    let decoded = tx
        .transaction
        .transaction
        .decode()
        .ok_or_else(|| transport("undecodable transaction (expected base64)"))?;
    // account keys: the static ones, then address-table writable, then readonly
    let mut keys: Vec<Pubkey> = decoded.message.static_account_keys().to_vec();
    if let Some(loaded) = Option::<_>::from(meta.loaded_addresses.clone()) {
        let loaded: solana_transaction_status_client_types::UiLoadedAddresses = loaded;
        for key in loaded.writable.iter().chain(loaded.readonly.iter()) {
            keys.push(key.parse().map_err(transport)?);
        }
    }
    // a node that did not record inner instructions cannot show the events: never "none"
    let inner_sets: Vec<_> = Option::from(meta.inner_instructions.clone())
        .ok_or_else(|| transport("transaction metadata without inner instructions"))?;
    let mut inner: Vec<(Pubkey, Vec<u8>)> = Vec::new();
    for set in &inner_sets {
        let set: &solana_transaction_status_client_types::UiInnerInstructions = set;
        for instruction in &set.instructions {
            if let UiInstruction::Compiled(compiled) = instruction {
                let program = keys
                    .get(usize::from(compiled.program_id_index))
                    .ok_or_else(|| transport("inner instruction program index out of range"))?;
                let data = bs58::decode(&compiled.data)
                    .into_vec()
                    .map_err(|e| transport(format!("inner instruction data: {e}")))?;
                inner.push((*program, data));
            }
        }
    }
    let events =
        decode_inner_emitted(inner.iter().map(|(p, d)| (p, d.as_slice()))).map_err(transport)?;
    Ok((events, logs, compute_units))
}

impl Backend for RpcBackend {
    async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Executed, SendError> {
        let payer = self
            .payer
            .as_ref()
            .map(Keypair::insecure_clone)
            .ok_or_else(|| transport("this backend has no fee payer: sign and submit instead"))?;
        let keys = signing_keys(&payer, signers);
        let (blockhash, last_valid) = self.latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &keys, blockhash);
        self.submit(&tx, Validity::UntilBlockHeight(last_valid))
            .await
    }

    fn default_fee_payer(&self) -> Option<Keypair> {
        None
    }

    async fn latest_blockhash(&mut self) -> Result<(Hash, u64), SendError> {
        self.client
            .get_latest_blockhash_with_commitment(self.commitment)
            .await
            .map_err(send_error)
    }

    async fn simulate(&mut self, tx: &Transaction) -> Result<Simulation, SendError> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: false,
            commitment: Some(self.commitment),
            ..RpcSimulateTransactionConfig::default()
        };
        let result = self
            .client
            .simulate_transaction_with_config(tx, config)
            .await
            .map_err(send_error)?
            .value;
        Ok(Simulation {
            units: result.units_consumed,
            logs: result.logs.unwrap_or_default(),
            error: result.err.map(Into::into),
        })
    }

    async fn submit(
        &mut self,
        tx: &Transaction,
        validity: Validity,
    ) -> Result<Executed, SendError> {
        let signature = tx.signatures[0];
        let spinner = self.progress.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message(format!("sending {signature}"));
            bar
        });
        let landed = self.send_until_landed(tx, validity, spinner.as_ref()).await;
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
        let sends = landed?;
        // the transaction landed: if the history lags, say so rather than fail
        let (events, logs, compute_units, events_pending) = match self
            .fetch_transaction_within(&signature, HISTORY_TRIES)
            .await?
        {
            Some(fetched) => {
                let (events, logs, units) = transaction_events(&fetched)?;
                let events = events.into_iter().map(|raw| raw.event).collect();
                (events, logs, units, false)
            }
            None => (Vec::new(), Vec::new(), 0, true),
        };
        Ok(Executed {
            signature,
            events,
            logs,
            compute_units,
            tx_bytes: wire_size(tx),
            events_pending,
            sends,
        })
    }

    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, SendError> {
        self.client
            .get_account_with_commitment(key, self.commitment)
            .await
            .map(|response| response.value)
            .map_err(send_error)
    }

    async fn program_accounts(
        &mut self,
        filters: &[DataFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SendError> {
        let config = RpcProgramAccountsConfig {
            filters: Some(
                filters
                    .iter()
                    .map(|f| {
                        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(f.offset, f.bytes.clone()))
                    })
                    .collect(),
            ),
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_rpc_client_api::config::UiAccountEncoding::Base64),
                commitment: Some(self.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let found = self
            .client
            .get_program_ui_accounts_with_config(&usd1_minter::ID, config)
            .await
            .map_err(send_error)?;
        found
            .into_iter()
            .map(|(key, account)| {
                account
                    .decode::<Account>()
                    .map(|account| (key, account))
                    .ok_or_else(|| transport(format!("undecodable account {key}")))
            })
            .collect()
    }

    async fn clock(&mut self) -> Result<Clock, SendError> {
        let account = self
            .account(&solana_sdk::sysvar::clock::ID)
            .await?
            .ok_or_else(|| transport("the node has no clock sysvar"))?;
        solana_sdk::account::from_account::<Clock, _>(&account)
            .ok_or_else(|| transport("undecodable clock sysvar"))
    }

    async fn events(
        &mut self,
        issuer: &Pubkey,
        limit: Option<usize>,
    ) -> Result<Vec<EventRecord>, SendError> {
        let Some(issuer_account) = self.account(issuer).await? else {
            return Ok(Vec::new());
        };
        let issuer_state =
            crate::accounts::decode::<crate::Issuer>(&issuer_account.data).map_err(transport)?;
        let mint = issuer_state.mint;
        // the issuer's counter says which events exist: seq in (floor, top]. Collect them by
        // seq rather than trusting the node's listing order (which is not guaranteed across
        // its confirmed and rooted parts) and stop once all are found.
        let top = issuer_state.event_seq;
        let floor = limit.map_or(0, |limit| top.saturating_sub(limit as u64));
        let wanted = top.saturating_sub(floor);
        let mut found: std::collections::BTreeMap<u64, EventRecord> = Default::default();
        let mut before = None;
        'pages: while (found.len() as u64) < wanted {
            let config = || GetConfirmedSignaturesForAddress2Config {
                before,
                until: None,
                limit: Some(1000),
                commitment: Some(self.history_commitment()),
            };
            // a node catching up answers "slot unavailable" for a moment: retry, then give up
            let page = Retry::every(Duration::from_millis(250), HISTORY_TRIES)
                .run("getSignaturesForAddress", || async {
                    self.client
                        .get_signatures_for_address_with_config(issuer, config())
                        .await
                        .map(Some)
                        .map_err(|e| e.to_string())
                })
                .await
                .map_err(transport)?;
            let Some(last) = page.last() else {
                break;
            };
            before = Some(last.signature.parse().map_err(transport)?);
            for entry in &page {
                if entry.err.is_some() {
                    continue;
                }
                let signature: Signature = entry.signature.parse().map_err(transport)?;
                // listed but not yet retrievable (history catching up): left out; the gap
                // in seq shows it to the caller
                // (5 s each: a listing may name many transactions)
                let Some(fetched) = self.fetch_transaction_within(&signature, 21).await? else {
                    continue;
                };
                let (events, _, _) = transaction_events(&fetched)?;
                for RawEvent { event, data } in events {
                    let seq = event.seq();
                    if event.mint() == mint && seq > floor && seq <= top {
                        found.insert(
                            seq,
                            EventRecord {
                                signature,
                                slot: fetched.slot,
                                block_time: fetched.block_time,
                                event,
                                data,
                            },
                        );
                    }
                }
                if (found.len() as u64) >= wanted {
                    break 'pages;
                }
            }
        }
        Ok(found.into_values().collect())
    }
}

/// A `usd1-test-validator` process (tools/test-validator: agave's test validator on
/// loopback) for the RPC-path tests: started with programs preloaded, stopped on drop.
pub struct LocalValidator {
    child: std::process::Child,
    /// The JSON-RPC URL on loopback.
    pub rpc_url: String,
    /// The genesis keypair, funded with 500M SOL.
    pub payer: Keypair,
}

/// The processed slot of the node at `rpc_url` (`http://host:port`), by a plain blocking
/// JSON-RPC call: [`LocalValidator::start`] is synchronous and may run inside a runtime.
fn slot_of(rpc_url: &str) -> Result<u64, String> {
    use std::io::{Read, Write};
    let address = rpc_url.trim_start_matches("http://").trim_end_matches('/');
    let body =
        r#"{"jsonrpc":"2.0","id":1,"method":"getSlot","params":[{"commitment":"processed"}]}"#;
    let mut stream =
        std::net::TcpStream::connect(address).map_err(|e| format!("{rpc_url}: {e}"))?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| format!("{rpc_url}: {e}"))?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| format!("{rpc_url}: {e}"))?;
    // the JSON object of the body, whether it came with a length or in one chunk
    let json = match (answer.find('{'), answer.rfind('}')) {
        (Some(start), Some(end)) if start < end => &answer[start..=end],
        _ => "",
    };
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{rpc_url}: getSlot: {e}"))?;
    value["result"]
        .as_u64()
        .ok_or_else(|| format!("{rpc_url}: getSlot answered {value}"))
}

impl LocalValidator {
    /// The validator binary: `USD1_TEST_VALIDATOR`, else
    /// `tools/test-validator/target/{release,debug}/usd1-test-validator` in this repository.
    pub fn binary() -> Result<std::path::PathBuf, String> {
        if let Some(path) = std::env::var_os("USD1_TEST_VALIDATOR") {
            return Ok(path.into());
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tools/test-validator/target");
        ["release", "debug"]
            .iter()
            .map(|profile| root.join(profile).join("usd1-test-validator"))
            .find(|path| path.is_file())
            .ok_or_else(|| {
                "usd1-test-validator is not built: run scripts/build-test-validator (or set \
                 USD1_TEST_VALIDATOR)"
                    .to_string()
            })
    }

    /// Starts a validator with `programs` (id, `.so` path) deployed upgradeable.
    pub fn start(programs: &[(Pubkey, std::path::PathBuf)]) -> Result<Self, String> {
        use std::io::BufRead;
        let mut command = std::process::Command::new(Self::binary()?);
        for (id, path) in programs {
            command
                .arg("--program")
                .arg(format!("{id}={}", path.display()));
        }
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start usd1-test-validator: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        // the validator library prints progress first ("Waiting for fees to stabilize")
        let mut lines = std::io::BufReader::new(stdout).lines();
        let ready: serde_json::Value = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with('{') => {
                    break serde_json::from_str(&line)
                        .map_err(|_| format!("usd1-test-validator: unreadable {line:?}"))?
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(format!("usd1-test-validator: {e}")),
                None => return Err("usd1-test-validator exited before it was ready".into()),
            }
        };
        let rpc_url = ready["rpc_url"].as_str().ok_or("no rpc_url")?.to_string();
        let bytes: Vec<u8> =
            serde_json::from_value(ready["payer"].clone()).map_err(|e| e.to_string())?;
        let payer = Keypair::try_from(bytes.as_slice()).map_err(|e| e.to_string())?;
        // programs loaded at genesis are deployed in slot 0 and visible from the slot after:
        // a transaction sent in that slot finds "Program is not deployed"
        if !programs.is_empty() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while slot_of(&rpc_url)? < 2 {
                if std::time::Instant::now() > deadline {
                    return Err("usd1-test-validator: no slot past genesis within 60 s".into());
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        Ok(Self {
            child,
            rpc_url,
            payer,
        })
    }

    /// usd1-minter's `.so`: `SBF_OUT_DIR/usd1_minter.so`, else `target/deploy/usd1_minter.so`.
    pub fn program_so() -> Result<std::path::PathBuf, String> {
        let dir = std::env::var_os("SBF_OUT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/deploy")
            });
        let path = dir.join("usd1_minter.so");
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{} is missing: build the program first (scripts/build-sbf or anchor build)",
                path.display()
            ))
        }
    }

    /// A backend paying with the genesis keypair.
    pub fn backend(&self, commitment: CommitmentConfig) -> RpcBackend {
        RpcBackend::new(
            self.rpc_url.clone(),
            self.payer.insecure_clone(),
            commitment,
            false,
        )
    }
}

impl Drop for LocalValidator {
    fn drop(&mut self) {
        // closing stdin asks it to stop; kill in case it does not
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    /// What the mock node has seen.
    #[derive(Default)]
    struct Seen {
        sends: AtomicU64,
        status_polls: AtomicU64,
        heights: AtomicU64,
    }

    /// A JSON-RPC node on loopback that accepts every transaction, reports it unknown for
    /// `confirm_after` status polls and then confirmed (never, with `u64::MAX`), and whose
    /// block height climbs by 10 per question from `start_height`.
    fn mock_node(confirm_after: u64, start_height: u64) -> (String, Arc<Seen>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Seen::default());
        let state = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let state = state.clone();
                std::thread::spawn(move || serve(stream, &state, confirm_after, start_height));
            }
        });
        (url, seen)
    }

    fn serve(stream: std::net::TcpStream, seen: &Seen, confirm_after: u64, start_height: u64) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut stream = stream;
        loop {
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let result = match request["method"].as_str().unwrap() {
                "sendTransaction" => {
                    seen.sends.fetch_add(1, Ordering::SeqCst);
                    use base64::Engine;
                    let wire = base64::engine::general_purpose::STANDARD
                        .decode(request["params"][0].as_str().unwrap())
                        .unwrap();
                    // one signature: its count byte, then the 64 bytes
                    serde_json::json!(bs58::encode(&wire[1..65]).into_string())
                }
                "getSignatureStatuses" => {
                    let polls = seen.status_polls.fetch_add(1, Ordering::SeqCst) + 1;
                    let status = (polls > confirm_after).then(|| {
                        serde_json::json!({
                            "slot": 5, "confirmations": null, "err": null,
                            "status": { "Ok": null }, "confirmationStatus": "confirmed"
                        })
                    });
                    serde_json::json!({ "context": { "slot": 5 }, "value": [status] })
                }
                "getBlockHeight" => {
                    let asked = seen.heights.fetch_add(1, Ordering::SeqCst);
                    serde_json::json!(start_height + 10 * asked)
                }
                other => panic!("the mock node does not answer {other}"),
            };
            let response =
                serde_json::json!({ "jsonrpc": "2.0", "id": request["id"], "result": result })
                    .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{response}",
                response.len()
            );
        }
    }

    fn signed_transfer() -> Transaction {
        let payer = Keypair::new();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1,
        );
        Transaction::new_signed_with_payer(
            &[ix],
            Some(&payer.pubkey()),
            &[&payer],
            Hash::new_unique(),
        )
    }

    #[tokio::test]
    async fn a_transaction_is_rebroadcast_until_it_is_confirmed() {
        // unknown for the first 12 polls (about five seconds): sent again every two seconds
        let (url, seen) = mock_node(12, 100);
        let backend = RpcBackend::without_payer(url, CommitmentConfig::confirmed(), false);
        let tx = signed_transfer();
        let sends = backend
            .send_until_landed(&tx, Validity::UntilBlockHeight(u64::MAX), None)
            .await
            .unwrap();
        assert!(sends >= 2, "sent {sends} times");
        assert_eq!(u64::from(sends), seen.sends.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_transaction_whose_blockhash_expires_is_reported_as_not_landed() {
        // never confirmed; the height passes the last valid one after a few polls
        let (url, seen) = mock_node(u64::MAX, 100);
        let backend = RpcBackend::without_payer(url, CommitmentConfig::confirmed(), false);
        let tx = signed_transfer();
        let error = backend
            .send_until_landed(&tx, Validity::UntilBlockHeight(150), None)
            .await
            .unwrap_err();
        match &error {
            SendError::NotLanded { reason, sends } => {
                assert!(reason.contains("its blockhash expired"), "{reason}");
                assert!(reason.contains("nothing was applied"), "{reason}");
                assert_eq!(u64::from(*sends), seen.sends.load(Ordering::SeqCst));
            }
            other => panic!("expected NotLanded, got {other:?}"),
        }
        assert!(
            error.to_string().starts_with("not landed after "),
            "{error}"
        );
    }
}
