use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::math::rate_limit::{RateLimit, RateLimitError};
use crate::seeds::ISSUER_SEED;
use crate::state::{Proposal, ProposalAction};

/// Most members a multisig can have.
pub const MAX_MEMBERS: usize = 10;
/// Most holders of one multi-holder role (pausers, freezers).
pub const MAX_ROLE_HOLDERS: usize = 8;
/// Longest time lock governance can set: 30 days, in seconds.
pub const MAX_TIME_LOCK: u32 = 30 * 24 * 60 * 60;
/// How long an approved proposal stays executable once its time lock has passed, unless
/// governance sets another window: 14 days.
pub const DEFAULT_EXECUTION_WINDOW: u32 = 14 * 24 * 60 * 60;
/// Bounds of the execution window governance can set: 1 hour to 365 days.
pub const MIN_EXECUTION_WINDOW: u32 = 60 * 60;
pub const MAX_EXECUTION_WINDOW: u32 = 365 * 24 * 60 * 60;

/// Checks an execution window against its bounds.
pub fn validate_execution_window(seconds: u32) -> Result<()> {
    require!(
        (MIN_EXECUTION_WINDOW..=MAX_EXECUTION_WINDOW).contains(&seconds),
        MinterError::InvalidExecutionWindow
    );
    Ok(())
}
/// Longest token name, symbol and uri (bytes).
pub const MAX_NAME_LEN: usize = 32;
pub const MAX_SYMBOL_LEN: usize = 10;
pub const MAX_URI_LEN: usize = 200;
/// Longest key (bytes) of an additional metadata field, and its value.
pub const MAX_METADATA_KEY_LEN: usize = 32;
pub const MAX_METADATA_VALUE_LEN: usize = 200;
/// Most additional metadata fields one UpdateMetadata may set, and may remove.
pub const MAX_METADATA_FIELDS: usize = 8;

/// Checks a token name, symbol and uri against their limits (at `initialize` and in
/// UpdateMetadata).
pub fn validate_token_metadata(name: &str, symbol: &str, uri: &str) -> Result<()> {
    require!(
        name.len() <= MAX_NAME_LEN && symbol.len() <= MAX_SYMBOL_LEN && uri.len() <= MAX_URI_LEN,
        MinterError::MetadataTooLong
    );
    Ok(())
}

/// Role holders, set by governance (`SetRoles`).
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// May pause at once (members may too). Unique, at most 8.
    #[max_len(MAX_ROLE_HOLDERS)]
    pub pausers: Vec<Pubkey>,
    /// May freeze and thaw token accounts. Unique, at most 8.
    #[max_len(MAX_ROLE_HOLDERS)]
    pub freezers: Vec<Pubkey>,
    /// Attests reserve balances; none until set.
    pub reserve_attestor: Option<Pubkey>,
    /// Settles and refunds redemptions; none until set.
    pub redemption_operator: Option<Pubkey>,
    /// Co-signs every mint when set (compliance "two keys turn").
    pub mint_attestor: Option<Pubkey>,
    /// May raise a minter's allowance within the issuer's allowance budget, and lower it at
    /// any time; none until set.
    pub allowance_manager: Option<Pubkey>,
}

impl Roles {
    /// Role sets are bounded and hold no key twice.
    pub fn validate(&self) -> Result<()> {
        for set in [&self.pausers, &self.freezers] {
            require!(
                set.len() <= MAX_ROLE_HOLDERS,
                MinterError::TooManyRoleHolders
            );
            require!(all_unique(set), MinterError::DuplicateRoleHolder);
        }
        Ok(())
    }

    /// Every key these roles name, pausers and freezers first (a key may appear twice).
    pub fn keys(&self) -> impl Iterator<Item = &Pubkey> {
        self.pausers.iter().chain(&self.freezers).chain(
            [
                &self.reserve_attestor,
                &self.redemption_operator,
                &self.mint_attestor,
                &self.allowance_manager,
            ]
            .into_iter()
            .flatten(),
        )
    }

    /// Keys that `next` gives a role they do not hold in `self`: the keys that must accept
    /// a SetRoles before it executes (keys only removed need not).
    pub fn new_holders<'a>(&'a self, next: &'a Roles) -> impl Iterator<Item = &'a Pubkey> {
        let new_single = |current: &'a Option<Pubkey>, next: &'a Option<Pubkey>| {
            next.as_ref()
                .filter(move |key| current.as_ref() != Some(*key))
        };
        next.pausers
            .iter()
            .filter(|key| !self.pausers.contains(key))
            .chain(
                next.freezers
                    .iter()
                    .filter(|key| !self.freezers.contains(key)),
            )
            .chain(
                [
                    new_single(&self.reserve_attestor, &next.reserve_attestor),
                    new_single(&self.redemption_operator, &next.redemption_operator),
                    new_single(&self.mint_attestor, &next.mint_attestor),
                    new_single(&self.allowance_manager, &next.allowance_manager),
                ]
                .into_iter()
                .flatten(),
            )
    }
}

/// Checks an allowance budget as governance sets it: capacity 0 turns it off; otherwise the
/// window must be positive.
pub fn validate_allowance_budget(capacity: u64, window: u32) -> Result<()> {
    require!(capacity == 0 || window > 0, MinterError::InvalidRateLimit);
    Ok(())
}

/// Issuance limits, set by governance (`SetLimits`).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Limits {
    /// Supply (base units) that no mint may take the mint above. Greater than zero.
    pub supply_cap: u64,
    /// Smallest amount one redemption may burn (base units; 0: any amount above zero).
    pub min_redemption: u64,
    /// When on, `mint` needs a reserve attestation at most `reserve_max_age` seconds old that
    /// covers the supply after the mint.
    pub reserve_guard: bool,
    /// Oldest (seconds) a reserve attestation may be for the guard; > 0 when the guard is on.
    pub reserve_max_age: u32,
}

impl Limits {
    pub fn validate(&self) -> Result<()> {
        require!(self.supply_cap > 0, MinterError::ZeroSupplyCap);
        require!(
            !self.reserve_guard || self.reserve_max_age > 0,
            MinterError::InvalidReserveGuard
        );
        Ok(())
    }
}

/// The last reserve attestation (`attest_reserves`).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct ReserveAttestation {
    /// Reserves in the token's base units.
    pub amount: u64,
    /// Unix time the reserves were measured (0: never attested).
    pub as_of: i64,
    /// Hash of the attestation report.
    pub report_hash: [u8; 32],
}

/// Lifetime totals (base units). After every instruction of this program,
/// `minted - redeemed + refunded - seized_burned` equals the mint's supply.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Totals {
    /// Issued by `mint`.
    pub minted: u128,
    /// Burned by `redeem`.
    pub redeemed: u128,
    /// Re-minted by `refund_redemption`.
    pub refunded: u128,
    /// Burned by seizure.
    pub seized_burned: u128,
}

impl Totals {
    /// The supply these totals account for; None if they are inconsistent (never, while
    /// every supply change goes through this program).
    pub fn outstanding(&self) -> Option<u128> {
        self.minted
            .checked_add(self.refunded)?
            .checked_sub(self.redeemed)?
            .checked_sub(self.seized_burned)
    }
}

fn add_total(total: &mut u128, amount: u64) -> Result<()> {
    *total = total
        .checked_add(u128::from(amount))
        .ok_or(MinterError::Overflow)?;
    Ok(())
}

/// `["issuer", mint]`: the program's identity for one mint. It holds every authority of the
/// Token-2022 mint (mint, freeze, pause, permanent delegate, metadata) and the multisig.
#[account]
#[derive(InitSpace, Debug)]
pub struct Issuer {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The Token-2022 mint this issuer controls.
    pub mint: Pubkey,
    /// Decimals of the mint.
    pub decimals: u8,
    /// Multisig members, sorted ascending, unique, 1..=10.
    #[max_len(MAX_MEMBERS)]
    pub members: Vec<Pubkey>,
    /// Approvals a proposal needs; 1 <= threshold <= members.
    pub threshold: u8,
    /// Seconds between a proposal reaching its threshold and its execution (<= 30 days).
    pub time_lock: u32,
    /// Index of the last proposal created (0: none yet).
    pub proposal_index: u64,
    /// Proposals with an index at or below this are stale (created before the last change of
    /// members, threshold or time lock) and can be neither approved nor executed.
    pub stale_proposal_index: u64,
    /// Role holders.
    pub roles: Roles,
    /// Issuance limits.
    pub limits: Limits,
    /// Whether issuance is paused (mirrors the mint's Pausable state).
    pub paused: bool,
    /// Whether the mint was created with the PermanentDelegate extension.
    pub permanent_delegate: bool,
    /// Whether new token accounts start frozen (DefaultAccountState = Frozen: KYC mode).
    pub default_frozen: bool,
    /// Sequence number of the last event emitted (IssuerInitialized is 1).
    pub event_seq: u64,
    /// Lifetime totals of every supply change.
    pub totals: Totals,
    /// The last reserve attestation.
    pub reserves: ReserveAttestation,
    /// Pauses so far. An Unpause proposal records the count at its creation and resumes
    /// only that pause: an approval given in an earlier incident cannot lift a later one.
    pub pause_count: u64,
    /// ConfigureMinter and RemoveMinter proposals with an index at or below this were
    /// created before the last minter removal and can be neither approved nor executed (a
    /// top-up approved before a stolen key's minter was removed must not re-create it).
    pub minter_stale_index: u64,
    /// Seconds after its time lock during which an approved proposal can execute; later it
    /// has expired (an approval does not wait forever for a moment that suits an attacker).
    pub execution_window: u32,
    /// Whether this issuer's `["upgrade_authority", issuer]` PDA holds the program's upgrade
    /// authority (set by `hand_over_upgrade_authority`, cleared when SetUpgradeAuthority
    /// passes it on). Only such an issuer may propose, approve or execute UpgradeProgram and
    /// SetUpgradeAuthority.
    pub governs_upgrades: bool,
    /// UpgradeProgram and SetUpgradeAuthority proposals with an index at or below this were
    /// created before the upgrade authority or the program last changed: they can be neither
    /// approved nor executed (an approved upgrade to an old build must not roll back a later
    /// one).
    pub upgrade_stale_index: u64,
    /// Whether issuance alone is paused (`pause_issuance`): mint and refund stop; holders keep
    /// transferring and redeeming. Independent of `paused`.
    pub issuance_paused: bool,
    /// Issuance pauses so far. A ResumeIssuance proposal records the count at its creation
    /// and resumes only that issuance pause.
    pub issuance_pause_count: u64,
    /// Token bucket the allowance manager's raises draw from (capacity 0: no raises). Set by
    /// governance (`SetAllowanceBudget`); lowering an allowance does not refill it.
    pub allowance_budget: RateLimit,
}

impl Issuer {
    /// True when `key` is this issuer's PDA `["issuer", mint]` (the stored bump is canonical:
    /// `initialize` created the issuer there). One SHA-256 instead of Anchor's
    /// `create_program_address` for the seeds check every instruction makes.
    pub fn is_at_own_address(&self, key: &Pubkey) -> bool {
        crate::pda::is_program_address(key, &[ISSUER_SEED, self.mint.as_ref()], self.bump)
    }

    /// Signer seeds of this PDA, for CPIs where it signs as the mint's authority.
    pub fn signer_seeds(&self) -> [&[u8]; 3] {
        [
            ISSUER_SEED,
            self.mint.as_ref(),
            core::slice::from_ref(&self.bump),
        ]
    }

    /// Takes the next event sequence number.
    pub fn next_seq(&mut self) -> Result<u64> {
        self.event_seq = self.event_seq.checked_add(1).ok_or(MinterError::Overflow)?;
        Ok(self.event_seq)
    }

    pub fn is_member(&self, key: &Pubkey) -> bool {
        self.members.binary_search(key).is_ok()
    }

    /// Pausers and members may pause.
    pub fn can_pause(&self, key: &Pubkey) -> bool {
        self.is_member(key) || self.roles.pausers.contains(key)
    }

    /// Pausers, members and the allowance manager may lower a minter's allowance.
    pub fn can_lower_allowance(&self, key: &Pubkey) -> bool {
        self.can_pause(key) || self.is_allowance_manager(key)
    }

    pub fn is_allowance_manager(&self, key: &Pubkey) -> bool {
        self.roles.allowance_manager.as_ref() == Some(key)
    }

    /// Refuses issuance (mint, refund) under either pause.
    pub fn check_issuance_open(&self) -> Result<()> {
        require!(!self.paused, MinterError::Paused);
        require!(!self.issuance_paused, MinterError::IssuancePaused);
        Ok(())
    }

    /// The pause counter a new proposal of `action` records: a ResumeIssuance resumes only
    /// the issuance pause it was proposed in, every other action carries the token-level count
    /// (an Unpause resumes only that pause).
    pub fn pause_count_for(&self, action: &ProposalAction) -> u64 {
        match action {
            ProposalAction::ResumeIssuance => self.issuance_pause_count,
            _ => self.pause_count,
        }
    }

    /// Index the next proposal will take (its PDA seed). `claim_proposal_index` fails instead
    /// of saturating, so a saturated value here never creates a proposal.
    pub fn next_proposal_index(&self) -> u64 {
        self.proposal_index.saturating_add(1)
    }

    pub fn claim_proposal_index(&mut self) -> Result<u64> {
        self.proposal_index = self
            .proposal_index
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        Ok(self.proposal_index)
    }

    pub fn is_stale(&self, proposal_index: u64) -> bool {
        proposal_index <= self.stale_proposal_index
    }

    /// Refuses a proposal whose situation has passed (beyond staleness, which covers
    /// every proposal): an Unpause from an earlier pause, a minter proposal from before the
    /// last minter removal.
    pub fn check_context(&self, proposal: &Proposal) -> Result<()> {
        match proposal.action {
            ProposalAction::Unpause => require!(
                proposal.pause_count == self.pause_count,
                MinterError::UnpauseOutlivedPause
            ),
            ProposalAction::ResumeIssuance => require!(
                proposal.pause_count == self.issuance_pause_count,
                MinterError::IssuanceResumeOutlivedPause
            ),
            ProposalAction::ConfigureMinter(_) | ProposalAction::RemoveMinter { .. } => require!(
                proposal.index > self.minter_stale_index,
                MinterError::MinterProposalOutlivedRemoval
            ),
            ProposalAction::UpgradeProgram { .. } | ProposalAction::SetUpgradeAuthority { .. } => {
                require!(self.governs_upgrades, MinterError::NotUpgradeGovernor);
                require!(
                    proposal.index > self.upgrade_stale_index,
                    MinterError::UpgradeProposalOutlived
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// True when [`Self::check_context`] refuses `proposal`: it can never execute.
    pub fn has_outlived(&self, proposal: &Proposal) -> bool {
        self.check_context(proposal).is_err()
    }

    /// Sets how long approved proposals stay executable.
    pub fn set_execution_window(&mut self, seconds: u32) -> Result<()> {
        validate_execution_window(seconds)?;
        self.execution_window = seconds;
        Ok(())
    }

    /// Records a pause (the mint's Pausable state was set by the caller).
    pub fn record_pause(&mut self) -> Result<()> {
        self.paused = true;
        self.pause_count = self
            .pause_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        Ok(())
    }

    /// Records an issuance-only pause.
    pub fn record_issuance_pause(&mut self) -> Result<()> {
        self.issuance_paused = true;
        self.issuance_pause_count = self
            .issuance_pause_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        Ok(())
    }

    /// Sets the allowance manager's budget at `now`. A budget that was off starts full; a
    /// changed one keeps what it has left (capped at the new capacity), so raising the
    /// capacity grants no burst.
    pub fn set_allowance_budget(&mut self, capacity: u64, window: u32, now: i64) -> Result<()> {
        validate_allowance_budget(capacity, window)?;
        self.allowance_budget = if capacity == 0 {
            RateLimit::default()
        } else if self.allowance_budget.capacity == 0 {
            RateLimit::new(capacity, window, now)
        } else {
            self.allowance_budget.reconfigured(capacity, window, now)
        };
        Ok(())
    }

    /// Takes `amount` from the allowance budget at `now`; returns what is left.
    pub fn spend_allowance_budget(&mut self, amount: u64, now: i64) -> Result<u64> {
        require!(
            self.allowance_budget.capacity > 0,
            MinterError::NoAllowanceBudget
        );
        self.allowance_budget =
            self.allowance_budget
                .consume(amount, now)
                .map_err(|e| match e {
                    RateLimitError::Exceeded => MinterError::AllowanceBudgetExceeded,
                })?;
        Ok(self.allowance_budget.available)
    }

    /// What the allowance budget holds at `now` (0 when off).
    pub fn allowance_budget_left(&self, now: i64) -> u64 {
        if self.allowance_budget.capacity == 0 {
            return 0;
        }
        self.allowance_budget.refilled(now).available
    }

    /// Records a minter's removal: every minter proposal created so far has outlived it.
    pub fn record_minter_removal(&mut self) {
        self.minter_stale_index = self.proposal_index;
    }

    /// Records that this issuer's PDA now holds the upgrade authority: upgrade proposals
    /// from before (from an earlier time it held it) have outlived it.
    pub fn record_upgrade_authority_received(&mut self) {
        self.governs_upgrades = true;
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Records an executed upgrade: every other upgrade proposal created so far has
    /// outlived the program it was approved against.
    pub fn record_program_upgraded(&mut self) {
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Records that the upgrade authority left this issuer (to a key, or to nobody).
    pub fn record_upgrade_authority_released(&mut self) {
        self.governs_upgrades = false;
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Replaces members, threshold and time lock; every proposal created so far goes stale.
    pub fn set_governance(
        &mut self,
        members: &[Pubkey],
        threshold: u8,
        time_lock: u32,
    ) -> Result<()> {
        self.members = validated_members(members, threshold, time_lock)?;
        self.threshold = threshold;
        self.time_lock = time_lock;
        self.stale_proposal_index = self.proposal_index;
        Ok(())
    }

    pub fn set_roles(&mut self, roles: Roles) -> Result<()> {
        roles.validate()?;
        self.roles = roles;
        Ok(())
    }

    pub fn set_limits(&mut self, limits: Limits) -> Result<()> {
        limits.validate()?;
        self.limits = limits;
        Ok(())
    }

    /// Checks a mint of `amount` on a mint whose supply is `supply` against the supply cap,
    /// and returns the supply after it.
    pub fn check_supply_cap(&self, supply: u64, amount: u64) -> Result<u64> {
        let after = supply
            .checked_add(amount)
            .ok_or(MinterError::SupplyCapExceeded)?;
        require!(
            after <= self.limits.supply_cap,
            MinterError::SupplyCapExceeded
        );
        Ok(after)
    }

    /// Checks the reserve guard (when on) for a mint that takes supply to `supply_after` at
    /// unix time `now`. Both boundaries are inclusive.
    pub fn check_reserves(&self, supply_after: u64, now: i64) -> Result<()> {
        if !self.limits.reserve_guard {
            return Ok(());
        }
        let age = now
            .checked_sub(self.reserves.as_of)
            .ok_or(MinterError::Overflow)?;
        require!(
            self.reserves.as_of > 0 && age <= i64::from(self.limits.reserve_max_age),
            MinterError::ReserveAttestationStale
        );
        require!(
            supply_after <= self.reserves.amount,
            MinterError::ReservesExceeded
        );
        Ok(())
    }

    /// Records a reserve attestation: `as_of` not in the future and not older than the last
    /// (equal is allowed, so a wrong attestation can be corrected for the same date).
    pub fn attest_reserves(
        &mut self,
        amount: u64,
        as_of: i64,
        report_hash: [u8; 32],
        now: i64,
    ) -> Result<()> {
        require!(as_of <= now, MinterError::AttestationInFuture);
        require!(
            as_of > 0 && as_of >= self.reserves.as_of,
            MinterError::AttestationOutOfOrder
        );
        self.reserves = ReserveAttestation {
            amount,
            as_of,
            report_hash,
        };
        Ok(())
    }

    pub fn record_mint(&mut self, amount: u64) -> Result<()> {
        add_total(&mut self.totals.minted, amount)?;
        self.check_totals()
    }

    pub fn record_redeem(&mut self, amount: u64) -> Result<()> {
        add_total(&mut self.totals.redeemed, amount)?;
        self.check_totals()
    }

    pub fn record_refund(&mut self, amount: u64) -> Result<()> {
        add_total(&mut self.totals.refunded, amount)?;
        self.check_totals()
    }

    pub fn record_seized_burn(&mut self, amount: u64) -> Result<()> {
        add_total(&mut self.totals.seized_burned, amount)?;
        self.check_totals()
    }

    /// The totals' part of the invariant: they account for a supply.
    fn check_totals(&self) -> Result<()> {
        require!(self.totals.outstanding().is_some(), MinterError::Overflow);
        Ok(())
    }

    /// Freezers freeze and thaw.
    pub fn is_freezer(&self, key: &Pubkey) -> bool {
        self.roles.freezers.contains(key)
    }

    /// The redemption operator settles and refunds.
    pub fn is_redemption_operator(&self, key: &Pubkey) -> bool {
        self.roles.redemption_operator.as_ref() == Some(key)
    }

    /// Called at the end of every instruction that changes the issuer's configuration
    /// (members, roles, limits, windows, upgrade state). Instructions whose only change is a
    /// counter that only grows (the event and proposal counters, pauses, the minter
    /// staleness index) or the paused flag do not re-run it: they cannot break it. Totals are
    /// checked where they change (`record_*`).
    pub fn invariant(&self) -> Result<()> {
        // stored members are sorted, so the set is checked in place (no copy, no sort). The
        // checks stay in that one function: inlined into every caller, their Anchor errors
        // overflow SBF's 4 KiB frames on the registry route.
        check_member_set(&self.members, self.threshold, self.time_lock)?;
        require!(
            self.stale_proposal_index <= self.proposal_index
                && self.upgrade_stale_index <= self.proposal_index,
            MinterError::ProposalStale
        );
        self.roles.validate()?;
        self.limits.validate()?;
        validate_execution_window(self.execution_window)?;
        let budget = &self.allowance_budget;
        validate_allowance_budget(budget.capacity, budget.window)?;
        require!(
            budget.available <= budget.capacity,
            MinterError::InvalidRateLimit
        );
        self.check_totals()
    }
}

/// Checks a member set with its threshold and time lock; returns the members sorted.
#[inline(never)]
pub fn validated_members(members: &[Pubkey], threshold: u8, time_lock: u32) -> Result<Vec<Pubkey>> {
    let mut sorted = members.to_vec();
    // in place (equal keys are identical, so stability is moot): the stable sort's scratch
    // buffer overflows SBF's 4 KiB frames
    sorted.sort_unstable();
    check_member_set(&sorted, threshold, time_lock)?;
    Ok(sorted)
}

/// Checks a member set as stored (sorted ascending, hence unique when strictly so) with its
/// threshold and time lock, without copying it.
#[inline(never)]
pub fn check_member_set(sorted: &[Pubkey], threshold: u8, time_lock: u32) -> Result<()> {
    require!(!sorted.is_empty(), MinterError::NoMembers);
    require!(sorted.len() <= MAX_MEMBERS, MinterError::TooManyMembers);
    require!(is_sorted_unique(sorted), MinterError::DuplicateMember);
    require!(
        threshold >= 1 && usize::from(threshold) <= sorted.len(),
        MinterError::InvalidThreshold
    );
    require!(time_lock <= MAX_TIME_LOCK, MinterError::TimeLockTooLong);
    Ok(())
}

fn is_sorted_unique(keys: &[Pubkey]) -> bool {
    keys.windows(2).all(|w| w[0] < w[1])
}

/// Small sets (at most 10): a quadratic scan is cheaper than sorting a copy.
pub fn all_unique(keys: &[Pubkey]) -> bool {
    keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k))
}
