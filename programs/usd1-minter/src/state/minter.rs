use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::math::rate_limit::{RateLimit, RateLimitError};
use crate::state::issuer::{StoredRateLimit, StoredU128};

/// `["minter", issuer, authority]`: an authorized minter, created and changed only by
/// governance. The authority signs its own mints.
///
/// Zero-copy, like the issuer: `mint` reads and writes it in place. C layout without implicit
/// padding; the bump and the issuer lead, as in every account of this program (clients
/// select an issuer's accounts by that prefix).
#[account(zero_copy)]
#[derive(Debug, PartialEq, Eq)]
pub struct Minter {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The issuer this minter mints for.
    pub issuer: Pubkey,
    /// The key that signs this minter's mints.
    pub authority: Pubkey,
    /// Who paid this account's rent; receives it back when the minter is removed.
    pub rent_payer: Pubkey,
    /// A deactivated minter keeps its account but cannot mint: 1 active, 0 not (`active()`).
    active: u8,
    /// Zero.
    _padding: [u8; 6],
    /// Base units this minter may still mint; counts down on mint and on `decrease_allowance`,
    /// grows only by governance grants and the allowance manager's raises (drawn from the
    /// issuer's budget). Lifetime minted never exceeds the sum of grants and raises.
    pub allowance: u64,
    /// Number of successful mints.
    pub mint_count: u64,
    /// ConfigureMinter proposals with an index at or below this were created before this
    /// minter's last suspension and cannot execute on it (an approval given before the key
    /// was suspected must not reactivate it).
    pub suspension_index: u64,
    /// Lifetime base units minted (`total_minted()`).
    total_minted: StoredU128,
    /// Token bucket bounding how fast the allowance can be spent (`rate_limit()`).
    rate_limit: StoredRateLimit,
}

// no implicit padding (Borsh readers see the same bytes), a whole number of u64s
const _: () = assert!(core::mem::size_of::<Minter>() == 184);
const _: () = assert!(core::mem::align_of::<Minter>() == 8);

impl Space for Minter {
    const INIT_SPACE: usize = core::mem::size_of::<Minter>();
}

/// A governance decision about a minter (from `ConfigureMinter`).
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinterConfig {
    /// The minter's signing key (part of its PDA seeds).
    pub authority: Pubkey,
    /// Allowance this proposal grants: a new minter starts with it, an existing one adds it to
    /// what is left. A grant never replaces what is left, so a minter that spends during the
    /// time lock gets no more than governance approved (a decrease is immediate:
    /// `decrease_allowance`).
    pub allowance_grant: u64,
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
    /// A zeroed minter: what a just-created account holds before `configure`.
    pub fn zeroed() -> Self {
        bytemuck::Zeroable::zeroed()
    }

    /// Whether the minter may mint.
    pub fn active(&self) -> bool {
        self.active != 0
    }

    /// The rate-limit bucket as last stored (not refilled).
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit.into()
    }

    /// Lifetime base units minted.
    pub fn total_minted(&self) -> u128 {
        self.total_minted.get()
    }

    /// Whether this account was just created (its zeroed bytes read back: no issuer yet).
    pub fn is_new(&self) -> bool {
        self.issuer == Pubkey::default()
    }

    /// Applies a configuration at `now`. A new minter starts with a full bucket and the grant
    /// as its allowance; an existing one keeps what its bucket has left (capped at the new
    /// capacity) and adds the grant to what its allowance has left.
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
            self.rate_limit = RateLimit::new(config.rate_capacity, config.rate_window, now).into();
        } else {
            self.rate_limit = self
                .rate_limit()
                .reconfigured(config.rate_capacity, config.rate_window, now)
                .into();
        }
        self.allowance = self
            .allowance
            .checked_add(config.allowance_grant)
            .ok_or(MinterError::Overflow)?;
        self.active = u8::from(config.active);
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
        let bucket = self
            .rate_limit()
            .consume(amount, now)
            .map_err(|e| match e {
                RateLimitError::Exceeded => MinterError::RateLimitExceeded,
            })?;
        self.allowance = allowance;
        self.rate_limit = bucket.into();
        self.total_minted.add(amount)?;
        self.mint_count = self
            .mint_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        self.invariant()
    }

    /// Suspends at once: inactive until an executed proposal created after `proposal_index`
    /// (the issuer's latest) reactivates it.
    pub fn suspend(&mut self, proposal_index: u64) {
        self.active = 0;
        self.suspension_index = proposal_index;
    }

    /// Whether a ConfigureMinter proposal at `index` was created before the last suspension.
    pub fn has_outlived_suspension(&self, index: u64) -> bool {
        index <= self.suspension_index
    }

    /// Raises what is left by `amount` (the caller took it from the allowance budget);
    /// returns the allowance before.
    pub fn raise_allowance(&mut self, amount: u64) -> Result<u64> {
        let before = self.allowance;
        self.allowance = before.checked_add(amount).ok_or(MinterError::Overflow)?;
        self.invariant()?;
        Ok(before)
    }

    /// Lowers what is left by `amount` (to zero at most); returns the allowance before.
    pub fn decrease_allowance(&mut self, amount: u64) -> Result<u64> {
        let before = self.allowance;
        self.allowance = before.saturating_sub(amount);
        self.invariant()?;
        Ok(before)
    }

    /// Called at the end of every instruction that changes the minter.
    pub fn invariant(&self) -> Result<()> {
        require!(self.active <= 1, MinterError::MinterAccountInvalid);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config(allowance_grant: u64) -> MinterConfig {
        MinterConfig {
            authority: Pubkey::new_from_array([1; 32]),
            allowance_grant,
            rate_capacity: 1_000,
            rate_window: 10,
            active: true,
        }
    }

    fn new_minter() -> Minter {
        Minter::zeroed()
    }

    /// One step of a minter's life: mint, governance grant, or immediate decrease.
    #[derive(Debug, Clone)]
    enum Step {
        Mint(u64),
        Grant(u64),
        Decrease(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u64..2_000).prop_map(Step::Mint),
            (0u64..5_000).prop_map(Step::Grant),
            (1u64..3_000).prop_map(Step::Decrease),
        ]
    }

    proptest! {
        /// Whatever the order of mints, grants (however long their time locks, spent or not)
        /// and decreases: lifetime minted + what is left <= the sum of the grants, and what is
        /// left is exactly that sum minus minted minus decreased.
        #[test]
        fn a_minter_never_mints_more_than_governance_granted(
            first in 0u64..5_000,
            steps in prop::collection::vec(step(), 0..80),
        ) {
            let issuer = Pubkey::new_from_array([2; 32]);
            let mut minter = new_minter();
            minter.configure(issuer, &config(first), 255, issuer, 0).unwrap();
            let (mut granted, mut minted, mut decreased) = (u128::from(first), 0u128, 0u128);
            for (second, step) in steps.into_iter().enumerate() {
                let now = second as i64 * 3;
                match step {
                    Step::Mint(amount) => {
                        if minter.record_mint(amount, now).is_ok() {
                            minted += u128::from(amount);
                        }
                    }
                    Step::Grant(amount) => {
                        minter.configure(issuer, &config(amount), 255, issuer, now).unwrap();
                        granted += u128::from(amount);
                    }
                    Step::Decrease(amount) => {
                        let before = minter.decrease_allowance(amount).unwrap();
                        decreased += u128::from(before - minter.allowance);
                    }
                }
                prop_assert_eq!(minter.total_minted(), minted);
                prop_assert!(minted + u128::from(minter.allowance) <= granted);
                prop_assert_eq!(u128::from(minter.allowance), granted - minted - decreased);
            }
        }
    }
}
