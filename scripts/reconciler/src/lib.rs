//! usd1-reconciler: proves that the mint's on-chain supply, the program's event ledger and
//! the issuer's bank ledger agree, and fails closed when they do not.
//!
//! [`ingest`] stores the program's events (from JSON-RPC or the embedded SVM) in a [`store`]
//! (SQLite or PostgreSQL); [`verify`] reads the chain's state ([`chain`]), the stored ledger
//! and the bank ledger ([`bank`]) and runs the [`checks`]. `usd1 reconcile` ([`cli`]) does
//! both.
pub mod bank;
pub mod calendar;
pub mod chain;
pub mod checks;
pub mod cli;
pub mod exceptions;
pub mod fault_proxy;
pub mod ingest;
pub mod store;
pub mod watch;

use anchor_lang::prelude::Pubkey;
use usd1_client::backend::Backend;

pub use checks::{Finding, Policy, Report};
pub use store::Store;

/// Why a reconciliation could not run (as opposed to a discrepancy, which is a [`Report`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Bad input: a bank ledger line, a holiday list, an address, a store location.
    Input(String),
    /// The chain or the node: unavailable after retries, or an undecodable answer.
    Source(String),
    /// The database.
    Store(String),
}

impl Error {
    /// The process exit code: 2 for bad input, 3 when the reconciliation could not complete
    /// (1 is a completed reconciliation that found discrepancies).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Source(_) | Error::Store(_) => 3,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Input(m) => write!(f, "{m}"),
            Error::Source(m) => write!(f, "source: {m}"),
            Error::Store(m) => write!(f, "store: {m}"),
        }
    }
}

/// Checks the stored ledger of `mint` against the chain (through `backend`) and the bank
/// ledger `bank_csv`. Events stored beyond the chain's counter (ingested after it was read)
/// wait for the next run.
pub async fn verify<B: Backend>(
    store: &Store,
    backend: &mut B,
    mint: &Pubkey,
    bank_csv: &str,
    policy: &Policy,
) -> Result<Report, Error> {
    let chain = chain::read(backend, mint).await?;
    let bank = bank::parse(bank_csv, chain.decimals)
        .map_err(Error::Input)?
        .for_mint(mint);
    let ledger = store.ledger(mint, chain.event_seq).await?;
    let conflicts = store.conflicts(mint).await?;
    Ok(checks::run(&ledger, &conflicts, &chain, &bank, policy))
}

/// Ingests the embedded SVM's history into `store`, then checks `mint` (the demo and the
/// tests).
pub async fn reconcile_embedded(
    svm: &mut usd1_client::embedded::Embedded,
    store: &Store,
    mint: &Pubkey,
    bank_csv: &str,
    policy: &Policy,
) -> Result<(ingest::IngestSummary, Report), Error> {
    let summary = ingest::ingest_history(
        store,
        mint,
        svm.history(),
        &ingest::IngestOptions::default(),
    )
    .await?;
    let report = verify(store, svm, mint, bank_csv, policy).await?;
    Ok((summary, report))
}
