//! Ingestion: the program's events into the store, resumable and idempotent.
//!
//! Scoped to one mint: a run lists the signatures of that mint's issuer address (every
//! instruction of the program names its issuer), not the program's, and stores only events of
//! that mint, under a cursor of its own. Anyone can create an issuer of this program; what a
//! stranger's issuer emits is never stored and cannot stop or skew another mint's run.
//!
//! From RPC: the issuer address's signatures at finalized commitment, newest first back to
//! the stored cursor, then each transaction oldest first, its events decoded from the
//! event-CPI inner instructions by the client library. Failed transactions carry no events
//! and are passed over; inner instructions of other programs are ignored. Every RPC call is
//! retried with exponential backoff (rate limits, a node whose history lags); a transaction
//! that stays unavailable fails the run, it is never taken as "no event". From the embedded
//! SVM: its transaction history, in order.
//!
//! Events and the cursor are committed together, batch by batch: a run stopped anywhere
//! resumes at the last commit, and storing an event twice is a no-op.
use std::future::Future;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::EncodedConfirmedTransactionWithStatusMeta;
use usd1_client::backend::EventRecord;
use usd1_client::events::{Emitted, RawEmitted};
use usd1_client::rpc::transaction_emitted;
pub use usd1_client::rpc::Retry;
use usd1_client::{pda, PROGRAM_ID};

use crate::store::{Cursor, NewEvent, Store};
use crate::Error;

/// How a run goes.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Transactions per commit.
    pub batch: usize,
    /// Stop after this many transactions (a bounded run; the next one resumes).
    pub max_transactions: Option<usize>,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Transactions fetched at once over JSON-RPC (committed in order all the same).
    pub concurrency: usize,
}

/// Transactions fetched at once by default: a remote node's latency, not its work, bounds a
/// one-at-a-time backfill (50 ms a call is 20 transactions a second), and the rate is about
/// the fetches in flight over latency plus the node's service time, so 64 keep a node 50 ms
/// away as busy as a local one (`usd1-bench-ingest`: 32 reached 260 a second through its
/// proxy, 64 the test validator's own limit of about 400). `--max-rps` paces a node that
/// limits rates.
pub const DEFAULT_CONCURRENCY: usize = 64;

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            batch: 200,
            max_transactions: None,
            progress: false,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    /// The source's name in the cursor table.
    pub source: String,
    /// Transactions read (failed ones included).
    pub transactions: u64,
    /// Failed transactions passed over.
    pub failed: u64,
    /// Events newly stored (0 when re-run over what is stored).
    pub new_events: u64,
    /// Whether the run reached the newest transaction (false when bounded).
    pub complete: bool,
    /// The source's finalized slot and its block time when the run checked its freshness
    /// (JSON-RPC runs; None from the embedded SVM).
    pub as_of_slot: Option<u64>,
    pub as_of_time: Option<i64>,
}

/// One transaction of a source, with the program's events in it.
#[derive(Debug, Clone)]
pub struct SourceTx {
    pub signature: String,
    pub slot: u64,
    pub block_time: i64,
    /// False for a failed transaction (no events).
    pub succeeded: bool,
    /// The mint's events, unknown ones included (stored raw and reported).
    pub events: Vec<RawEmitted>,
}

fn progress_bar(show: bool, total: u64, what: &str) -> ProgressBar {
    if !show || total == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} tx ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// Takes a source's transactions oldest first and commits them, with the cursor, every
/// `batch` transactions; stops taking at the run's bound.
struct Batcher<'a> {
    store: &'a Store,
    mint: Pubkey,
    /// The seq the mint's next new event must carry: the program numbers a mint's events
    /// without a gap, so a larger one means the source left a transaction out.
    next_seq: u64,
    batch: usize,
    max_transactions: Option<usize>,
    pending: Vec<NewEvent>,
    pending_txs: usize,
    last: Option<Cursor>,
    /// False for a repair: it fills holes behind the cursor and leaves the cursor be.
    moves_cursor: bool,
    /// The stored cursor's slot: its re-listed neighbours in that slot never become the
    /// cursor (which would move it back within the slot and flip it on every idle run).
    cursor_slot: Option<u64>,
    bar: ProgressBar,
    summary: IngestSummary,
}

impl<'a> Batcher<'a> {
    /// `total`: the transactions this run may take (for the progress bar).
    async fn new(
        store: &'a Store,
        mint: &Pubkey,
        source: &str,
        options: &IngestOptions,
        total: usize,
    ) -> Result<Self, Error> {
        let total = options.max_transactions.map_or(total, |max| max.min(total));
        let next_seq = store.max_seq(mint).await?.saturating_add(1);
        Ok(Self {
            store,
            mint: *mint,
            next_seq,
            batch: options.batch.max(1),
            max_transactions: options.max_transactions,
            pending: Vec::new(),
            pending_txs: 0,
            last: None,
            moves_cursor: true,
            cursor_slot: None,
            bar: progress_bar(options.progress, total as u64, "ingesting"),
            summary: IngestSummary {
                source: source.to_string(),
                complete: true,
                ..IngestSummary::default()
            },
        })
    }

    /// True once the run's bound is reached with transactions left (the run is then
    /// incomplete; the next one resumes).
    fn bounded(&mut self) -> bool {
        let reached = self
            .max_transactions
            .is_some_and(|max| self.summary.transactions >= max as u64);
        if reached {
            self.summary.complete = false;
        }
        reached
    }

    async fn push(&mut self, tx: SourceTx) -> Result<(), Error> {
        for raw in &tx.events {
            let seq = raw.emitted.seq();
            // (a lower seq is stored already: taking it again is a no-op)
            if seq > self.next_seq {
                return Err(incomplete(format!(
                    "event #{seq} of {} in {} came before #{}: the source left out a \
                     transaction (the cursor stays at the last complete batch)",
                    self.mint, tx.signature, self.next_seq
                )));
            }
            if seq == self.next_seq {
                self.next_seq += 1;
            }
        }
        self.summary.transactions += 1;
        if !tx.succeeded {
            self.summary.failed += 1;
        }
        self.pending
            .extend(tx.events.into_iter().map(|raw| NewEvent {
                signature: tx.signature.clone(),
                slot: tx.slot,
                block_time: tx.block_time,
                event: raw.emitted,
                raw: raw.data,
            }));
        if self.cursor_slot.is_none_or(|slot| tx.slot > slot) {
            self.last = Some(Cursor {
                signature: tx.signature,
                slot: tx.slot,
            });
        }
        self.pending_txs += 1;
        self.bar.inc(1);
        if self.pending_txs >= self.batch {
            self.commit().await?;
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), Error> {
        let source = &self.summary.source;
        self.summary.new_events += self
            .store
            .commit(
                source,
                &self.pending,
                self.last.as_ref().filter(|_| self.moves_cursor),
            )
            .await?;
        self.pending.clear();
        self.pending_txs = 0;
        Ok(())
    }

    async fn finish(mut self) -> Result<IngestSummary, Error> {
        if self.pending_txs > 0 {
            self.commit().await?;
        }
        self.bar.finish_and_clear();
        Ok(self.summary)
    }
}

/// Ingests `mint`'s events from the embedded SVM's history under the source
/// `embedded:<mint>` (other issuers' events are passed over).
pub async fn ingest_history(
    store: &Store,
    mint: &Pubkey,
    history: &[EventRecord],
    options: &IngestOptions,
) -> Result<IngestSummary, Error> {
    let source = format!("embedded:{mint}");
    // the history lists events; group the mint's back into their transactions
    let mut txs: Vec<SourceTx> = Vec::new();
    for record in history.iter().filter(|r| r.event.mint() == *mint) {
        let signature = record.signature.to_string();
        let raw = RawEmitted {
            emitted: Emitted::Event(record.event.clone()),
            data: record.data.clone(),
        };
        match txs.last_mut() {
            Some(tx) if tx.signature == signature => tx.events.push(raw),
            _ => txs.push(SourceTx {
                signature,
                slot: record.slot,
                block_time: record.block_time.unwrap_or(0),
                succeeded: true,
                events: vec![raw],
            }),
        }
    }
    let start = match store.cursor(&source).await? {
        None => 0,
        Some(cursor) => txs
            .iter()
            .position(|tx| tx.signature == cursor.signature)
            .map(|i| i + 1)
            .ok_or_else(|| {
                Error::Source(format!(
                    "the store's cursor {} is not in this SVM's history (another chain?)",
                    cursor.signature
                ))
            })?,
    };
    let rest = txs.split_off(start);
    let mut batcher = Batcher::new(store, mint, &source, options, rest.len()).await?;
    for tx in rest {
        if batcher.bounded() {
            break;
        }
        batcher.push(tx).await?;
    }
    batcher.finish().await
}

/// A source whose finalized block is more than `max_lag` seconds older than `now` (this
/// machine's clock) is stale: what it serves may be hours behind, so the run stops (exit 3)
/// rather than report it as agreeing, or as a discrepancy.
pub fn check_fresh(now: i64, block_time: i64, max_lag: u32) -> Result<(), Error> {
    let lag = now.saturating_sub(block_time);
    if lag > i64::from(max_lag) {
        return Err(Error::Source(format!(
            "stale source: its finalized block is {lag} s behind this machine's clock \
             (--max-lag {max_lag})"
        )));
    }
    Ok(())
}

/// One listed signature: (signature, slot, block time, succeeded).
pub type Listed = (Signature, u64, Option<i64>, bool);

/// A run that cannot prove it saw the whole history (exit 3, no cursor moved past the hole).
fn incomplete(why: String) -> Error {
    Error::Source(format!("source history incomplete: {why}"))
}

/// Walks a listing, newest first, page by page (`fetch(before)`), back past `cursor`, and
/// returns what is newer, oldest first. A short page does not end the walk, only an empty
/// one does (a node may cap its pages). Every transaction in the cursor's slot is listed
/// again (nodes may order one slot's transactions differently; storing one twice is a no-op),
/// and the cursor itself must be seen: a listing that ends without it (history pruned, a
/// node that does not know `before`) is incomplete.
pub async fn walk_listing<F, Fut>(
    cursor: Option<&Cursor>,
    mut fetch: F,
) -> Result<Vec<Listed>, Error>
where
    F: FnMut(Option<Signature>) -> Fut,
    Fut: Future<Output = Result<Vec<Listed>, Error>>,
{
    let cursor_signature: Option<Signature> = cursor
        .map(|c| c.signature.parse())
        .transpose()
        .map_err(|e| Error::Store(format!("stored cursor: {e}")))?;
    let mut listed = Vec::new();
    let mut before = None;
    let mut saw_cursor = false;
    'pages: loop {
        let page = fetch(before).await?;
        let Some(oldest) = page.last() else {
            break;
        };
        before = Some(oldest.0);
        for entry in page {
            if let Some(cursor) = cursor {
                if entry.1 < cursor.slot {
                    break 'pages;
                }
                if Some(entry.0) == cursor_signature {
                    saw_cursor = true;
                    continue;
                }
            }
            listed.push(entry);
        }
    }
    if let Some(cursor) = cursor {
        if !saw_cursor {
            return Err(incomplete(format!(
                "the listing did not reach the stored cursor {} (slot {})",
                cursor.signature, cursor.slot
            )));
        }
    }
    listed.reverse();
    Ok(listed)
}

/// What a repair re-ingests: transactions of these slots, or these transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Every transaction of the issuer in `from..=to`.
    Slots { from: u64, to: u64 },
    /// These transactions of the issuer.
    Signatures(Vec<Signature>),
}

/// Parses `FROM..TO` (inclusive slots) for `--repair-slots`.
pub fn parse_slot_range(text: &str) -> Result<(u64, u64), String> {
    let (from, to) = text
        .split_once("..")
        .ok_or_else(|| format!("slot range {text:?}: expected FROM..TO"))?;
    let slot = |s: &str| {
        s.trim_start_matches('=')
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("slot range {text:?}: {e}"))
    };
    let (from, to) = (slot(from)?, slot(to)?);
    if from > to {
        return Err(format!("slot range {text:?}: FROM is after TO"));
    }
    Ok((from, to))
}

/// Walks a listing newest first, page by page, to the first entry older than `from`, and
/// returns the entries of `from..=to`, oldest first. A listing that ends before an entry
/// older than `from` shows (history pruned, a node that forgot `before`) may have left out
/// part of the range: incomplete, unless `from` is 0.
pub async fn walk_range<F, Fut>(from: u64, to: u64, mut fetch: F) -> Result<Vec<Listed>, Error>
where
    F: FnMut(Option<Signature>) -> Fut,
    Fut: Future<Output = Result<Vec<Listed>, Error>>,
{
    let mut listed = Vec::new();
    let mut before = None;
    loop {
        let page = fetch(before).await?;
        let Some(oldest) = page.last() else {
            if from == 0 {
                break;
            }
            return Err(incomplete(format!(
                "the listing ended before reaching slot {from}: the node may not hold the whole range"
            )));
        };
        before = Some(oldest.0);
        let older = page.iter().any(|entry| entry.1 < from);
        listed.extend(page.into_iter().filter(|e| (from..=to).contains(&e.1)));
        if older {
            break;
        }
    }
    listed.reverse();
    Ok(listed)
}

/// True when a fetched transaction carries what its events are read from: status metadata
/// and, unless it failed, its inner instructions.
fn shows_events(tx: &EncodedConfirmedTransactionWithStatusMeta) -> bool {
    tx.transaction.meta.as_ref().is_some_and(|meta| {
        meta.err.is_some() || matches!(meta.inner_instructions, OptionSerializer::Some(_))
    })
}

/// The reconciler's default retries: 10 tries, 0.25 s doubling to 8 s.
pub fn default_retry() -> Retry {
    Retry {
        attempts: 10,
        initial: Duration::from_millis(250),
        max: Duration::from_secs(8),
    }
}

/// The program's transactions over JSON-RPC, at finalized commitment.
pub struct RpcSource {
    client: RpcClient,
    retry: Retry,
    /// The shortest interval between two requests, for nodes that rate-limit.
    pace: Option<Duration>,
    last_request: std::sync::Mutex<Option<Instant>>,
    /// Told the method of every failed try (the watcher's RPC error counter).
    on_error: Option<ErrorHook>,
}

/// Called with the JSON-RPC method of each failed request.
pub type ErrorHook = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

impl RpcSource {
    pub fn new(url: String, retry: Retry, pace: Option<Duration>) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url, CommitmentConfig::finalized()),
            retry,
            pace,
            last_request: std::sync::Mutex::new(None),
            on_error: None,
        }
    }

    /// The same source, telling `hook` the method of each failed request.
    pub fn with_error_hook(self, hook: ErrorHook) -> Self {
        Self {
            on_error: Some(hook),
            ..self
        }
    }

    /// The same source, each request given up after `timeout` (then retried like any
    /// error; the default is the client's 30 s).
    pub fn with_timeout(self, url: String, timeout: Duration) -> Self {
        Self {
            client: RpcClient::new_with_timeout_and_commitment(
                url,
                timeout,
                CommitmentConfig::finalized(),
            ),
            ..self
        }
    }

    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// Waits out the pace since the previous request.
    async fn pace(&self) {
        let Some(pace) = self.pace else {
            return;
        };
        let wait = {
            let mut last = self
                .last_request
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let next = last.map_or(now, |at| at + pace);
            *last = Some(next.max(now));
            next.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// `op`, paced, under the client's retry (see [`Retry::run`]); exhausted retries fail
    /// the run naming `what`.
    async fn retrying<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, String>>,
    {
        self.retry
            .run(what, || {
                // (futures are lazy: the request starts after the pace)
                let request = op();
                async move {
                    self.pace().await;
                    let result = request.await;
                    if let (Err(_), Some(hook)) = (&result, &self.on_error) {
                        hook(what.split_whitespace().next().unwrap_or(what));
                    }
                    result
                }
            })
            .await
            .map_err(Error::Source)
    }

    /// The cursor's name for this cluster, program and mint: a store shared by two clusters
    /// or two mints keeps their cursors apart.
    pub async fn source_name(&self, mint: &Pubkey) -> Result<String, Error> {
        let genesis = self
            .retrying("getGenesisHash", || async {
                self.client
                    .get_genesis_hash()
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .await?;
        Ok(format!("rpc:{genesis}:{PROGRAM_ID}:{mint}"))
    }

    /// The source's finalized slot and its block time: what a run's report is "as of".
    pub async fn finalized_tip(&self) -> Result<(u64, i64), Error> {
        let slot = self
            .retrying("getSlot", || async {
                self.client
                    .get_slot_with_commitment(CommitmentConfig::finalized())
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .await?;
        let time = self
            .retrying(&format!("getBlockTime {slot}"), || async {
                self.client
                    .get_block_time(slot)
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .await?;
        Ok((slot, time))
    }

    /// One page (at most 1,000, newest first) of `address`'s signatures older than `before`.
    async fn signature_page(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
    ) -> Result<Vec<Listed>, Error> {
        let config = || GetConfirmedSignaturesForAddress2Config {
            before,
            until: None,
            limit: Some(1000),
            commitment: Some(CommitmentConfig::finalized()),
        };
        let page = self
            .retrying("getSignaturesForAddress", || async {
                self.client
                    .get_signatures_for_address_with_config(address, config())
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            })
            .await?;
        page.iter()
            .map(|entry| {
                let signature: Signature = entry
                    .signature
                    .parse()
                    .map_err(|e| Error::Source(format!("listed signature: {e}")))?;
                Ok((signature, entry.slot, entry.block_time, entry.err.is_none()))
            })
            .collect()
    }

    /// A finalized transaction and `mint`'s events in it (a transaction may also carry
    /// another issuer's, which are passed over).
    async fn transaction(
        &self,
        mint: &Pubkey,
        signature: Signature,
        listed_block_time: Option<i64>,
    ) -> Result<SourceTx, Error> {
        let config = RpcTransactionConfig {
            encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::finalized()),
            max_supported_transaction_version: Some(0),
        };
        let fetched = self
            .retrying(&format!("getTransaction {signature}"), || async {
                match self
                    .client
                    .get_transaction_with_config(&signature, config)
                    .await
                {
                    // without status metadata, or (succeeded) without inner instructions, the
                    // node cannot show the events yet: ask again, never read it as "none"
                    Ok(tx) if !shows_events(&tx) => Ok(None),
                    Ok(tx) => Ok(Some(tx)),
                    // a listed, finalized transaction the node cannot return yet: its history
                    // lags; ask again rather than take it as having no events
                    Err(e) if e.to_string().contains("invalid type: null") => Ok(None),
                    Err(e) => Err(e.to_string()),
                }
            })
            .await?;
        let succeeded = fetched
            .transaction
            .meta
            .as_ref()
            .is_some_and(|meta| meta.err.is_none());
        // an event this reconciler cannot decode is kept (stored raw, reported), never a stop
        let (mut events, _, _) = transaction_emitted(&fetched)
            .map_err(|e| Error::Source(format!("{signature}: {e}")))?;
        events.retain(|raw| raw.emitted.mint() == *mint);
        let block_time = match fetched.block_time.or(listed_block_time) {
            Some(time) => time,
            None => {
                self.retrying(&format!("getBlockTime {}", fetched.slot), || async {
                    self.client
                        .get_block_time(fetched.slot)
                        .await
                        .map(Some)
                        .map_err(|e| e.to_string())
                })
                .await?
            }
        };
        Ok(SourceTx {
            signature: signature.to_string(),
            slot: fetched.slot,
            block_time,
            succeeded,
            events,
        })
    }

    /// Ingests `mint`'s events from every finalized transaction of its issuer newer than the
    /// store's cursor for it.
    pub async fn ingest(
        &self,
        store: &Store,
        mint: &Pubkey,
        options: &IngestOptions,
    ) -> Result<IngestSummary, Error> {
        let source = self.source_name(mint).await?;
        let cursor = store.cursor(&source).await?;
        let issuer = pda::issuer(mint);
        let listed = walk_listing(cursor.as_ref(), |before| {
            self.signature_page(&issuer, before)
        })
        .await?;
        let mut batcher = Batcher::new(store, mint, &source, options, listed.len()).await?;
        batcher.cursor_slot = cursor.as_ref().map(|c| c.slot);
        self.take(mint, listed, batcher, options).await
    }

    /// Re-ingests `what` of `mint`'s issuer (a hole a store already has: events stored before
    /// the listing checks its completeness, or written around): missing events are stored,
    /// stored ones are confirmed (a different event under a stored seq is kept apart as a
    /// conflict), and the cursor stays where it is.
    pub async fn repair(
        &self,
        store: &Store,
        mint: &Pubkey,
        what: &Repair,
        options: &IngestOptions,
    ) -> Result<IngestSummary, Error> {
        let source = self.source_name(mint).await?;
        let issuer = pda::issuer(mint);
        match what {
            Repair::Slots { from, to } => {
                let listed =
                    walk_range(*from, *to, |before| self.signature_page(&issuer, before)).await?;
                let mut batcher = Batcher::new(store, mint, &source, options, listed.len()).await?;
                batcher.moves_cursor = false;
                self.take(mint, listed, batcher, options).await
            }
            Repair::Signatures(signatures) => {
                let mut txs = Vec::with_capacity(signatures.len());
                for signature in signatures {
                    txs.push(self.transaction(mint, *signature, None).await?);
                }
                // oldest first, as a listing hands them over
                txs.sort_by_key(|tx| tx.slot);
                let mut batcher = Batcher::new(store, mint, &source, options, txs.len()).await?;
                batcher.moves_cursor = false;
                for tx in txs {
                    batcher.push(tx).await?;
                }
                batcher.finish().await
            }
        }
    }

    /// Fetches the `listed` transactions and hands them to `batcher`, oldest first.
    async fn take(
        &self,
        mint: &Pubkey,
        listed: Vec<Listed>,
        mut batcher: Batcher<'_>,
        options: &IngestOptions,
    ) -> Result<IngestSummary, Error> {
        // fetched `concurrency` at a time and taken in listing order: the batches commit
        // oldest first, so a stop still loses at most the batch in flight
        let fetches = stream::iter(listed)
            .map(|(signature, slot, block_time, succeeded)| async move {
                if succeeded {
                    self.transaction(mint, signature, block_time).await
                } else {
                    // failed: rolled back, no events; only the cursor moves past it
                    Ok(SourceTx {
                        signature: signature.to_string(),
                        slot,
                        block_time: block_time.unwrap_or(0),
                        succeeded: false,
                        events: Vec::new(),
                    })
                }
            })
            .buffered(options.concurrency.max(1));
        futures_util::pin_mut!(fetches);
        while let Some(tx) = fetches.next().await {
            if batcher.bounded() {
                break;
            }
            batcher.push(tx?).await?;
        }
        batcher.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use usd1_client::events::{Event, Paused};

    fn sig(n: u8) -> Signature {
        Signature::from([n; 64])
    }

    /// A node answering `fetch(before)` from `listing` (newest first) in pages of `cap`;
    /// `forgets`: a `before` it does not know, answered with an empty page.
    fn node(
        listing: Vec<(u8, u64)>,
        cap: usize,
        forgets: Option<u8>,
    ) -> impl FnMut(Option<Signature>) -> std::future::Ready<Result<Vec<Listed>, Error>> {
        move |before| {
            let start = match before {
                None => 0,
                Some(b) if forgets.is_some_and(|f| sig(f) == b) => listing.len(),
                Some(b) => listing
                    .iter()
                    .position(|(n, _)| sig(*n) == b)
                    .map_or(listing.len(), |i| i + 1),
            };
            let page = listing[start..]
                .iter()
                .take(cap)
                .map(|&(n, slot)| (sig(n), slot, Some(0), true))
                .collect();
            std::future::ready(Ok(page))
        }
    }

    fn names(listed: &[Listed]) -> Vec<Signature> {
        listed.iter().map(|l| l.0).collect()
    }

    #[tokio::test]
    async fn a_repair_lists_its_slot_range_and_must_reach_below_it() {
        let listing = vec![(6, 60), (5, 50), (4, 40), (3, 30), (2, 20), (1, 10)];
        let listed = walk_range(25, 45, node(listing.clone(), 2, None))
            .await
            .unwrap();
        assert_eq!(names(&listed), [sig(3), sig(4)]);
        // a node that forgets the `before` of its second page never reaches slot 15
        let error = walk_range(15, 45, node(listing.clone(), 2, Some(5)))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("before reaching slot 15"),
            "{error}"
        );
        // from the beginning: the end of the listing is the end of the range
        let listed = walk_range(0, 20, node(listing, 4, None)).await.unwrap();
        assert_eq!(names(&listed), [sig(1), sig(2)]);
        assert_eq!(parse_slot_range("5..=9").unwrap(), (5, 9));
        assert_eq!(parse_slot_range("5..9").unwrap(), (5, 9));
        assert!(parse_slot_range("9..5").is_err());
        assert!(parse_slot_range("9").is_err());
    }

    #[tokio::test]
    async fn a_short_page_does_not_end_the_listing() {
        let listing = vec![(5, 50), (4, 40), (3, 30), (2, 20), (1, 10)];
        // a node capping its pages at 2 (shorter than the 1,000 asked for)
        let listed = walk_listing(None, node(listing, 2, None)).await.unwrap();
        assert_eq!(names(&listed), [sig(1), sig(2), sig(3), sig(4), sig(5)]);
    }

    #[tokio::test]
    async fn the_listing_connects_to_the_cursor_and_relists_its_slot() {
        // newest first: 9 (slot 12), 8 (slot 10), the cursor 7 (slot 10), 6 (slot 10, ordered
        // after the cursor by this node), 5 (slot 9, older: the walk stops)
        let listing = vec![(9, 12), (8, 10), (7, 10), (6, 10), (5, 9)];
        let cursor = Cursor {
            signature: sig(7).to_string(),
            slot: 10,
        };
        let listed = walk_listing(Some(&cursor), node(listing, 1000, None))
            .await
            .unwrap();
        assert_eq!(names(&listed), [sig(6), sig(8), sig(9)]);
    }

    #[tokio::test]
    async fn a_listing_that_never_reaches_the_cursor_is_incomplete() {
        let cursor = Cursor {
            signature: sig(7).to_string(),
            slot: 10,
        };
        // the history was pruned: the cursor is no longer listed
        let pruned = vec![(9, 12), (8, 11)];
        let error = walk_listing(Some(&cursor), node(pruned, 1000, None))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("source history incomplete"),
            "{error}"
        );
        assert_eq!(error.exit_code(), 3);
        // a load-balanced pool: the second node does not know the first page's `before`
        let listing = vec![(9, 12), (8, 11), (7, 10)];
        let error = walk_listing(Some(&cursor), node(listing, 1, Some(9)))
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("did not reach the stored cursor"),
            "{error}"
        );
    }

    fn paused(mint: Pubkey, seq: u64) -> RawEmitted {
        let event = Event::Paused(Paused {
            mint,
            seq,
            by: Pubkey::new_unique(),
        });
        RawEmitted {
            data: event.data(),
            emitted: event.into(),
        }
    }

    #[tokio::test]
    async fn an_event_past_a_gap_stops_the_run_at_the_last_complete_batch() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mint = Pubkey::new_unique();
        let options = IngestOptions {
            batch: 1,
            ..IngestOptions::default()
        };
        let mut batcher = Batcher::new(&store, &mint, "test", &options, 3)
            .await
            .unwrap();
        let tx = |n: u8, seqs: &[u64]| SourceTx {
            signature: sig(n).to_string(),
            slot: u64::from(n),
            block_time: 0,
            succeeded: true,
            events: seqs.iter().map(|&seq| paused(mint, seq)).collect(),
        };
        batcher.push(tx(1, &[1, 2])).await.unwrap();
        // taken again (a re-listed slot): a no-op
        batcher.push(tx(1, &[1, 2])).await.unwrap();
        let error = batcher.push(tx(3, &[4])).await.unwrap_err();
        assert!(error.to_string().contains("event #4"), "{error}");
        assert_eq!(error.exit_code(), 3);
        assert_eq!(store.max_seq(&mint).await.unwrap(), 2);
        assert_eq!(
            store.cursor("test").await.unwrap().unwrap().signature,
            sig(1).to_string()
        );
        // a fresh store's first event must be the issuer's first
        let other = Pubkey::new_unique();
        let mut fresh = Batcher::new(&store, &other, "other", &options, 1)
            .await
            .unwrap();
        let late = SourceTx {
            events: vec![paused(other, 5)],
            ..tx(4, &[])
        };
        assert!(fresh.push(late).await.is_err());
        assert_eq!(store.max_seq(&other).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_cursor_never_moves_back_within_its_slot() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mint = Pubkey::new_unique();
        let tx = |n: u8, slot: u64| SourceTx {
            signature: sig(n).to_string(),
            slot,
            block_time: 0,
            succeeded: true,
            events: Vec::new(),
        };
        let options = IngestOptions::default();
        let mut first = Batcher::new(&store, &mint, "s", &options, 2).await.unwrap();
        first.push(tx(1, 10)).await.unwrap();
        first.push(tx(2, 10)).await.unwrap();
        first.finish().await.unwrap();
        // an idle re-run re-lists the slot's other transaction: the cursor stays
        let mut idle = Batcher::new(&store, &mint, "s", &options, 1).await.unwrap();
        idle.cursor_slot = Some(10);
        idle.push(tx(1, 10)).await.unwrap();
        idle.finish().await.unwrap();
        assert_eq!(
            store.cursor("s").await.unwrap().unwrap().signature,
            sig(2).to_string()
        );
        // a newer slot moves it
        let mut next = Batcher::new(&store, &mint, "s", &options, 2).await.unwrap();
        next.cursor_slot = Some(10);
        next.push(tx(1, 10)).await.unwrap();
        next.push(tx(3, 11)).await.unwrap();
        next.finish().await.unwrap();
        assert_eq!(
            store.cursor("s").await.unwrap().unwrap(),
            Cursor {
                signature: sig(3).to_string(),
                slot: 11
            }
        );
    }

    #[test]
    fn a_source_behind_the_clock_by_more_than_the_max_lag_is_stale() {
        assert!(check_fresh(1_000, 700, 300).is_ok());
        let error = check_fresh(1_000, 699, 300).unwrap_err();
        assert!(error.to_string().contains("stale source"), "{error}");
        assert_eq!(error.exit_code(), 3);
        // a block time ahead of this clock is not stale
        assert!(check_fresh(1_000, 2_000, 0).is_ok());
    }

    fn source(attempts: u32) -> RpcSource {
        RpcSource::new(
            "http://127.0.0.1:9".into(),
            Retry {
                attempts,
                initial: Duration::from_millis(1),
                max: Duration::from_millis(2),
            },
            None,
        )
    }

    #[tokio::test]
    async fn errors_and_not_yet_are_retried_until_a_value() {
        let calls = AtomicU32::new(0);
        let value = source(5)
            .retrying("op", || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err("429 Too Many Requests".to_string()),
                    1 => Ok(None),
                    _ => Ok(Some(7)),
                }
            })
            .await
            .unwrap();
        assert_eq!((value, calls.load(Ordering::SeqCst)), (7, 3));
    }

    #[tokio::test]
    async fn the_run_fails_naming_the_call_when_retries_run_out() {
        let calls = AtomicU32::new(0);
        let error = source(4)
            .retrying("getTransaction x", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<Option<u8>, String>(None)
            })
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(
            error,
            Error::Source("getTransaction x: not available yet (after 4 attempts)".into())
        );
        assert_eq!(error.exit_code(), 3);
    }
}
