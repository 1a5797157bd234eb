use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::math::rate_limit::{RateLimit, RateLimitError};

/// `["minter", issuer, authority]`: an authorized minter, created and changed only by
/// governance. The authority signs its own mints.
#[account]
#[derive(InitSpace, Debug)]
pub struct Minter {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The issuer this minter mints for.
    pub issuer: Pubkey,
    /// The key that signs this minter's mints.
    pub authority: Pubkey,
    /// A deactivated minter keeps its account but cannot mint.
    pub active: bool,
    /// Base units this minter may still mint; only counts down on mint, refilled only by
    /// governance.
    pub allowance: u64,
    /// Token bucket bounding how fast the allowance can be spent.
    pub rate_limit: RateLimit,
    /// Lifetime base units minted.
    pub total_minted: u128,
    /// Number of successful mints.
    pub mint_count: u64,
    /// Who paid this account's rent; receives it back when the minter is removed.
    pub rent_payer: Pubkey,
}

/// A governance decision about a minter (from `ConfigureMinter`).
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinterConfig {
    /// The minter's signing key (part of its PDA seeds).
    pub authority: Pubkey,
    /// Allowance to set (replaces what is left).
    pub allowance: u64,
    /// Rate-limit capacity: most base units per window, and the largest burst.
    pub rate_capacity: u64,
    /// Rate-limit window in seconds.
    pub rate_window: u32,
    /// Whether the minter may mint.
    pub active: bool,
}

impl MinterConfig {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.rate_capacity > 0 && self.rate_window > 0,
            MinterError::InvalidRateLimit
        );
        Ok(())
    }
}

impl Minter {
    /// Whether this account was just created (its zeroed bytes read back: no issuer yet).
    pub fn is_new(&self) -> bool {
        self.issuer == Pubkey::default()
    }

    /// Applies a configuration at `now`. A new minter starts with a full bucket; an existing
    /// one keeps what it has left, capped at the new capacity.
    pub fn configure(
        &mut self,
        issuer: Pubkey,
        config: &MinterConfig,
        bump: u8,
        rent_payer: Pubkey,
        now: i64,
    ) -> Result<()> {
        config.validate()?;
        if self.is_new() {
            self.bump = bump;
            self.issuer = issuer;
            self.authority = config.authority;
            self.rent_payer = rent_payer;
            self.rate_limit = RateLimit::new(config.rate_capacity, config.rate_window, now);
        } else {
            self.rate_limit =
                self.rate_limit
                    .reconfigured(config.rate_capacity, config.rate_window, now);
        }
        self.allowance = config.allowance;
        self.active = config.active;
        self.invariant()
    }

    /// Spends `amount` of allowance and rate limit at `now`; refuses without change. The
    /// caller has checked that the minter is active and the amount positive (`mint`'s
    /// validate, which also fixes the order of refusals).
    pub fn record_mint(&mut self, amount: u64, now: i64) -> Result<()> {
        let allowance = self
            .allowance
            .checked_sub(amount)
            .ok_or(MinterError::AllowanceExceeded)?;
        let bucket = self.rate_limit.consume(amount, now).map_err(|e| match e {
            RateLimitError::Exceeded => MinterError::RateLimitExceeded,
        })?;
        self.allowance = allowance;
        self.rate_limit = bucket;
        self.total_minted = self
            .total_minted
            .checked_add(u128::from(amount))
            .ok_or(MinterError::Overflow)?;
        self.mint_count = self
            .mint_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        self.invariant()
    }

    /// Called at the end of every instruction that changes the minter.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.rate_limit.capacity > 0 && self.rate_limit.window > 0,
            MinterError::InvalidRateLimit
        );
        require!(
            self.rate_limit.available <= self.rate_limit.capacity,
            MinterError::RateLimitExceeded
        );
        Ok(())
    }
}
