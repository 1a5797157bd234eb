//! The chain's side of the reconciliation: the mint's supply, the issuer's event counter and
//! limits, and the clock, read consistently.
use anchor_lang::prelude::Pubkey;
use usd1_client::backend::Backend;
use usd1_client::{pda, read, Issuer};

use crate::Error;

/// What the chain says, at one point of its history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainState {
    pub mint: String,
    pub issuer: String,
    /// The issuer's event counter: events 1..=event_seq exist.
    pub event_seq: u64,
    /// The mint's supply (base units) when the counter read `event_seq`.
    pub supply: u64,
    pub decimals: u8,
    /// The chain's clock (unix seconds).
    pub now: i64,
    /// The issuer's reserve guard maximum age (seconds; 0 when the guard is off).
    pub reserve_max_age: u32,
    pub paused: bool,
}

async fn read_issuer<B: Backend>(backend: &mut B, mint: &Pubkey) -> Result<Issuer, Error> {
    read::issuer(backend, mint)
        .await
        .map_err(|e| Error::Source(format!("reading the issuer of {mint}: {e}")))?
        .ok_or_else(|| {
            Error::Input(format!(
                "no issuer at {}: is the mint a usd1-minter mint?",
                pda::issuer(mint)
            ))
        })
}

/// Reads the issuer, the mint, then the issuer again, until the event counter did not move in
/// between: every supply change the program makes emits an event, so the supply read belongs
/// to exactly `event_seq` events.
pub async fn read<B: Backend>(backend: &mut B, mint: &Pubkey) -> Result<ChainState, Error> {
    let issuer_key = pda::issuer(mint);
    for _ in 0..20 {
        let before = read_issuer(backend, mint).await?;
        let mint_view = read::mint(backend, mint)
            .await
            .map_err(|e| Error::Source(format!("reading the mint {mint}: {e}")))?
            .ok_or_else(|| Error::Input(format!("no mint at {mint}")))?;
        let clock = backend
            .clock()
            .await
            .map_err(|e| Error::Source(format!("reading the clock: {e}")))?;
        let after = read_issuer(backend, mint).await?;
        if before.event_seq == after.event_seq {
            return Ok(ChainState {
                mint: mint.to_string(),
                issuer: issuer_key.to_string(),
                event_seq: after.event_seq,
                supply: mint_view.supply,
                decimals: mint_view.decimals,
                now: clock.unix_timestamp,
                reserve_max_age: if after.limits().reserve_guard {
                    after.limits().reserve_max_age
                } else {
                    0
                },
                paused: after.paused(),
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err(Error::Source(
        "the issuer's event counter kept moving while reading the supply".into(),
    ))
}
