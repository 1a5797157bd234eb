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
use indicatif::{ProgressBar, ProgressStyle};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_sdk::signature::Signature;
use usd1_client::backend::EventRecord;
use usd1_client::events::RawEvent;
use usd1_client::rpc::transaction_events;
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
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            batch: 200,
            max_transactions: None,
            progress: false,
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
}

/// One transaction of a source, with the program's events in it.
#[derive(Debug, Clone)]
pub struct SourceTx {
    pub signature: String,
    pub slot: u64,
    pub block_time: i64,
    /// False for a failed transaction (no events).
    pub succeeded: bool,
    pub events: Vec<RawEvent>,
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
    batch: usize,
    max_transactions: Option<usize>,
    pending: Vec<NewEvent>,
    pending_txs: usize,
    last: Option<Cursor>,
    bar: ProgressBar,
    summary: IngestSummary,
}

impl<'a> Batcher<'a> {
    /// `total`: the transactions this run may take (for the progress bar).
    fn new(store: &'a Store, source: &str, options: &IngestOptions, total: usize) -> Self {
        let total = options.max_transactions.map_or(total, |max| max.min(total));
        Self {
            store,
            batch: options.batch.max(1),
            max_transactions: options.max_transactions,
            pending: Vec::new(),
            pending_txs: 0,
            last: None,
            bar: progress_bar(options.progress, total as u64, "ingesting"),
            summary: IngestSummary {
                source: source.to_string(),
                complete: true,
                ..IngestSummary::default()
            },
        }
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
        self.summary.transactions += 1;
        if !tx.succeeded {
            self.summary.failed += 1;
        }
        self.pending
            .extend(tx.events.into_iter().map(|raw| NewEvent {
                signature: tx.signature.clone(),
                slot: tx.slot,
                block_time: tx.block_time,
                event: raw.event,
                raw: raw.data,
            }));
        self.last = Some(Cursor {
            signature: tx.signature,
            slot: tx.slot,
        });
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
            .commit(source, &self.pending, self.last.as_ref())
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
        let raw = RawEvent {
            event: record.event.clone(),
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
    let mut batcher = Batcher::new(store, &source, options, rest.len());
    for tx in rest {
        if batcher.bounded() {
            break;
        }
        batcher.push(tx).await?;
    }
    batcher.finish().await
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
}

impl RpcSource {
    pub fn new(url: String, retry: Retry, pace: Option<Duration>) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url, CommitmentConfig::finalized()),
            retry,
            pace,
            last_request: std::sync::Mutex::new(None),
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
                    request.await
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

    /// Signatures of `address` newer than `until`, oldest first, with whether each failed.
    async fn new_signatures(
        &self,
        address: &Pubkey,
        until: Option<Signature>,
    ) -> Result<Vec<(Signature, u64, Option<i64>, bool)>, Error> {
        let mut listed = Vec::new();
        let mut before = None;
        loop {
            let config = || GetConfirmedSignaturesForAddress2Config {
                before,
                until,
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
            let Some(oldest) = page.last() else {
                break;
            };
            before = Some(
                oldest
                    .signature
                    .parse()
                    .map_err(|e| Error::Source(format!("listed signature: {e}")))?,
            );
            for entry in &page {
                let signature: Signature = entry
                    .signature
                    .parse()
                    .map_err(|e| Error::Source(format!("listed signature: {e}")))?;
                listed.push((signature, entry.slot, entry.block_time, entry.err.is_none()));
            }
            if page.len() < 1000 {
                break;
            }
        }
        listed.reverse();
        Ok(listed)
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
        let (mut events, _, _) =
            transaction_events(&fetched).map_err(|e| Error::Source(format!("{signature}: {e}")))?;
        events.retain(|raw| raw.event.mint() == *mint);
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
        let until = store
            .cursor(&source)
            .await?
            .map(|cursor| cursor.signature.parse::<Signature>())
            .transpose()
            .map_err(|e| Error::Store(format!("stored cursor: {e}")))?;
        let listed = self.new_signatures(&pda::issuer(mint), until).await?;
        // fetched one at a time, so a stop loses at most the batch in flight
        let mut batcher = Batcher::new(store, &source, options, listed.len());
        for (signature, slot, block_time, succeeded) in listed {
            if batcher.bounded() {
                break;
            }
            let tx = if succeeded {
                self.transaction(mint, signature, block_time).await?
            } else {
                // failed: rolled back, no events; only the cursor moves past it
                SourceTx {
                    signature: signature.to_string(),
                    slot,
                    block_time: block_time.unwrap_or(0),
                    succeeded: false,
                    events: Vec::new(),
                }
            };
            batcher.push(tx).await?;
        }
        batcher.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

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
