use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::math::rate_limit::{RateLimit, RateLimitError};
use crate::seeds::ISSUER_SEED;
use crate::state::{ActionKind, ProposalAction, ProposalContext};

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
    /// Role sets are bounded and hold no key twice; no role names the all-zero key (the
    /// issuer stores "none" as that key).
    pub fn validate(&self) -> Result<()> {
        check_role_sets(&self.pausers, &self.freezers)?;
        require!(
            [
                &self.reserve_attestor,
                &self.redemption_operator,
                &self.mint_attestor,
                &self.allowance_manager,
            ]
            .into_iter()
            .flatten()
            .all(|key| !is_zero_key(key)),
            MinterError::RoleHolderIsZeroKey
        );
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

/// The rule for the pauser and freezer sets, however they are held: each bounded, neither
/// holding a key twice (both checked first), no key the all-zero key.
fn check_role_sets(pausers: &[Pubkey], freezers: &[Pubkey]) -> Result<()> {
    for set in [pausers, freezers] {
        require!(
            set.len() <= MAX_ROLE_HOLDERS,
            MinterError::TooManyRoleHolders
        );
        require!(all_unique(set), MinterError::DuplicateRoleHolder);
    }
    require!(
        !pausers.iter().chain(freezers).any(is_zero_key),
        MinterError::RoleHolderIsZeroKey
    );
    Ok(())
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
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReserveAttestation {
    /// Reserves in the token's base units.
    pub amount: u64,
    /// Unix time the reserves were measured (0: never attested).
    pub as_of: i64,
    /// Hash of the attestation report.
    pub report_hash: [u8; 32],
}

/// A u128 stored as two little-endian u64 halves (`[lo, hi]`): the issuer is read in place,
/// and a u128 field would give it 16-byte alignment that account data does not promise.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredU128 {
    /// Low and high halves.
    pub halves: [u64; 2],
}

impl StoredU128 {
    pub fn get(&self) -> u128 {
        u128::from(self.halves[0]) | (u128::from(self.halves[1]) << 64)
    }

    pub fn set(&mut self, value: u128) {
        self.halves = [value as u64, (value >> 64) as u64];
    }

    /// Adds `amount`; refuses to wrap.
    pub(crate) fn add(&mut self, amount: u64) -> Result<()> {
        // a u64 add with carry into the high half: no u128 arithmetic on-chain
        let (lo, carry) = self.halves[0].overflowing_add(amount);
        let hi = self.halves[1]
            .checked_add(u64::from(carry))
            .ok_or(MinterError::Overflow)?;
        self.halves = [lo, hi];
        Ok(())
    }
}

/// Lifetime totals (base units). After every instruction of this program,
/// `minted - redeemed + refunded - seized_burned` equals the mint's supply.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Issued by `mint`.
    minted: StoredU128,
    /// Burned by `redeem`.
    redeemed: StoredU128,
    /// Re-minted by `refund_redemption`.
    refunded: StoredU128,
    /// Burned by seizure.
    seized_burned: StoredU128,
}

impl Totals {
    pub fn minted(&self) -> u128 {
        self.minted.get()
    }

    pub fn redeemed(&self) -> u128 {
        self.redeemed.get()
    }

    pub fn refunded(&self) -> u128 {
        self.refunded.get()
    }

    pub fn seized_burned(&self) -> u128 {
        self.seized_burned.get()
    }

    /// The supply these totals account for; None if they are inconsistent (never, while
    /// every supply change goes through this program).
    pub fn outstanding(&self) -> Option<u128> {
        self.minted()
            .checked_add(self.refunded())?
            .checked_sub(self.redeemed())?
            .checked_sub(self.seized_burned())
    }
}

/// The allowance manager's token bucket as the issuer stores it: a [`RateLimit`] with its
/// fields ordered for in-place reads (u64s first, explicit padding).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredRateLimit {
    /// [`RateLimit::capacity`].
    pub capacity: u64,
    /// [`RateLimit::available`].
    pub available: u64,
    /// [`RateLimit::carry`].
    pub carry: u64,
    /// [`RateLimit::updated_at`].
    pub updated_at: i64,
    /// [`RateLimit::window`].
    pub window: u32,
    /// Zero.
    pub _padding: [u8; 4],
}

impl From<StoredRateLimit> for RateLimit {
    fn from(s: StoredRateLimit) -> Self {
        RateLimit {
            capacity: s.capacity,
            window: s.window,
            available: s.available,
            carry: s.carry,
            updated_at: s.updated_at,
        }
    }
}

impl From<RateLimit> for StoredRateLimit {
    fn from(r: RateLimit) -> Self {
        StoredRateLimit {
            capacity: r.capacity,
            available: r.available,
            carry: r.carry,
            updated_at: r.updated_at,
            window: r.window,
            _padding: [0; 4],
        }
    }
}

/// [`Limits`] as the issuer stores them (a u8 for the flag, explicit padding).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredLimits {
    /// [`Limits::supply_cap`].
    pub supply_cap: u64,
    /// [`Limits::min_redemption`].
    pub min_redemption: u64,
    /// [`Limits::reserve_max_age`].
    pub reserve_max_age: u32,
    /// [`Limits::reserve_guard`]: 1 on, 0 off.
    pub reserve_guard: u8,
    /// Zero.
    pub _padding: [u8; 3],
}

impl From<StoredLimits> for Limits {
    fn from(s: StoredLimits) -> Self {
        Limits {
            supply_cap: s.supply_cap,
            min_redemption: s.min_redemption,
            reserve_guard: s.reserve_guard != 0,
            reserve_max_age: s.reserve_max_age,
        }
    }
}

impl From<Limits> for StoredLimits {
    fn from(l: Limits) -> Self {
        StoredLimits {
            supply_cap: l.supply_cap,
            min_redemption: l.min_redemption,
            reserve_max_age: l.reserve_max_age,
            reserve_guard: u8::from(l.reserve_guard),
            _padding: [0; 3],
        }
    }
}

/// [`Roles`] as the issuer stores them: fixed arrays with counts, the all-zero key for a
/// single role nobody holds ([`Roles::validate`] refuses that key as a holder). Unused slots
/// are zero.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct StoredRoles {
    /// The first `pauser_count` are the pausers.
    pub pausers: [Pubkey; MAX_ROLE_HOLDERS],
    /// The first `freezer_count` are the freezers.
    pub freezers: [Pubkey; MAX_ROLE_HOLDERS],
    /// [`Roles::reserve_attestor`] (zero key: none).
    pub reserve_attestor: Pubkey,
    /// [`Roles::redemption_operator`] (zero key: none).
    pub redemption_operator: Pubkey,
    /// [`Roles::mint_attestor`] (zero key: none).
    pub mint_attestor: Pubkey,
    /// [`Roles::allowance_manager`] (zero key: none).
    pub allowance_manager: Pubkey,
    pub pauser_count: u8,
    pub freezer_count: u8,
    /// Zero.
    pub _padding: [u8; 6],
}

fn stored_key(key: &Option<Pubkey>) -> Pubkey {
    key.unwrap_or_default()
}

fn optional_key(key: &Pubkey) -> Option<Pubkey> {
    (!is_zero_key(key)).then_some(*key)
}

/// The first `count` of `slots` (never more than the slots).
fn counted(slots: &[Pubkey], count: u8) -> &[Pubkey] {
    &slots[..usize::from(count).min(slots.len())]
}

/// `keys` into zeroed `slots`; the caller bounded `keys` by the slots.
fn fill_slots(slots: &mut [Pubkey], keys: &[Pubkey]) -> Result<u8> {
    require!(keys.len() <= slots.len(), MinterError::TooManyRoleHolders);
    slots.fill(Pubkey::default());
    slots[..keys.len()].copy_from_slice(keys);
    u8::try_from(keys.len()).map_err(|_| error!(MinterError::Overflow))
}

impl StoredRoles {
    pub fn pausers(&self) -> &[Pubkey] {
        counted(&self.pausers, self.pauser_count)
    }

    pub fn freezers(&self) -> &[Pubkey] {
        counted(&self.freezers, self.freezer_count)
    }

    /// The roles as governance sets them.
    pub fn to_roles(&self) -> Roles {
        Roles {
            pausers: self.pausers().to_vec(),
            freezers: self.freezers().to_vec(),
            reserve_attestor: optional_key(&self.reserve_attestor),
            redemption_operator: optional_key(&self.redemption_operator),
            mint_attestor: optional_key(&self.mint_attestor),
            allowance_manager: optional_key(&self.allowance_manager),
        }
    }

    /// Stores validated roles.
    fn store(&mut self, roles: &Roles) -> Result<()> {
        self.pauser_count = fill_slots(&mut self.pausers, &roles.pausers)?;
        self.freezer_count = fill_slots(&mut self.freezers, &roles.freezers)?;
        self.reserve_attestor = stored_key(&roles.reserve_attestor);
        self.redemption_operator = stored_key(&roles.redemption_operator);
        self.mint_attestor = stored_key(&roles.mint_attestor);
        self.allowance_manager = stored_key(&roles.allowance_manager);
        Ok(())
    }

    /// Counts within the slots, unused slots zero.
    fn check_slots(&self) -> bool {
        let tidy = |slots: &[Pubkey], count: u8| {
            usize::from(count) <= slots.len() && slots[usize::from(count)..].iter().all(is_zero_key)
        };
        tidy(&self.pausers, self.pauser_count) && tidy(&self.freezers, self.freezer_count)
    }

    /// `to_roles().validate()` of stored roles, without copying them: a single role stored as
    /// zero is "none", so only the counted pausers and freezers need checking.
    fn validate_stored(&self) -> Result<()> {
        check_role_sets(self.pausers(), self.freezers())
    }
}

/// `["issuer", mint]`: the program's identity for one mint. It holds every authority of the
/// Token-2022 mint (mint, freeze, pause, permanent delegate, metadata) and the multisig.
///
/// Zero-copy: instructions read and write it in place (`AccountLoader`) instead of decoding
/// and re-encoding all of it. Fields are ordered by alignment with explicit padding, so the
/// layout has no implicit gaps and Borsh readers (the TypeScript client) decode the same
/// bytes. Flags are u8 (0/1): read them through the methods.
#[account(zero_copy)]
#[derive(Debug, PartialEq, Eq)]
pub struct Issuer {
    /// Index of the last proposal created (0: none yet).
    pub proposal_index: u64,
    /// Proposals with an index at or below this are stale (created before the last change of
    /// members, threshold or time lock) and can be neither approved nor executed.
    pub stale_proposal_index: u64,
    /// Sequence number of the last event emitted (IssuerInitialized is 1).
    pub event_seq: u64,
    /// Pauses so far. An Unpause proposal records the count at its creation and resumes
    /// only that pause: an approval given in an earlier incident cannot lift a later one.
    pub pause_count: u64,
    /// ConfigureMinter and RemoveMinter proposals with an index at or below this were
    /// created before the last minter removal and can be neither approved nor executed (a
    /// top-up approved before a stolen key's minter was removed must not re-create it).
    pub minter_stale_index: u64,
    /// UpgradeProgram and SetUpgradeAuthority proposals with an index at or below this were
    /// created before the upgrade authority or the program last changed: they can be neither
    /// approved nor executed (an approved upgrade to an old build must not roll back a later
    /// one).
    pub upgrade_stale_index: u64,
    /// Issuance pauses so far. A ResumeIssuance proposal records the count at its creation
    /// and resumes only that issuance pause.
    pub issuance_pause_count: u64,
    /// Lifetime totals of every supply change.
    pub totals: Totals,
    /// The last reserve attestation.
    pub reserves: ReserveAttestation,
    /// Token bucket the allowance manager's raises draw from (capacity 0: no raises). Set by
    /// governance (`SetAllowanceBudget`); lowering an allowance does not refill it.
    allowance_budget: StoredRateLimit,
    /// Issuance limits (`limits()`).
    limits: StoredLimits,
    /// Seconds between a proposal reaching its threshold and its execution (<= 30 days).
    pub time_lock: u32,
    /// Seconds after its time lock during which an approved proposal can execute; later it
    /// has expired (an approval does not wait forever for a moment that suits an attacker).
    pub execution_window: u32,
    /// The Token-2022 mint this issuer controls.
    pub mint: Pubkey,
    /// Multisig members: the first `member_count`, sorted ascending, unique, 1..=10; the
    /// rest zero (`members()`).
    members: [Pubkey; MAX_MEMBERS],
    /// Role holders (`roles()`).
    roles: StoredRoles,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Decimals of the mint.
    pub decimals: u8,
    /// How many of `members` are members.
    member_count: u8,
    /// Approvals a proposal needs; 1 <= threshold <= members.
    pub threshold: u8,
    /// Whether issuance is paused (mirrors the mint's Pausable state): `paused()`.
    paused: u8,
    /// Whether issuance alone is paused (`pause_issuance`): mint and refund stop; holders keep
    /// transferring and redeeming. Independent of `paused`.
    issuance_paused: u8,
    /// Whether the mint was created with the PermanentDelegate extension.
    permanent_delegate: u8,
    /// Whether new token accounts start frozen (DefaultAccountState = Frozen: KYC mode).
    default_frozen: u8,
    /// Whether this issuer's `["upgrade_authority", issuer]` PDA holds the program's upgrade
    /// authority (set by `hand_over_upgrade_authority`, cleared when SetUpgradeAuthority
    /// passes it on). Only such an issuer may propose, approve or execute UpgradeProgram and
    /// SetUpgradeAuthority.
    governs_upgrades: u8,
    /// Zero; room for fields a later version adds without reallocating.
    _reserved: [u8; 63],
}

// no implicit padding (Borsh readers see the same bytes), a whole number of u64s
const _: () = assert!(core::mem::size_of::<Issuer>() == 1312);
const _: () = assert!(core::mem::align_of::<Issuer>() == 8);

impl Space for Issuer {
    const INIT_SPACE: usize = core::mem::size_of::<Issuer>();
}

/// What `initialize` sets on a new issuer (every other field starts at zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIssuer<'a> {
    pub mint: Pubkey,
    pub bump: u8,
    pub decimals: u8,
    pub members: &'a [Pubkey],
    pub threshold: u8,
    pub time_lock: u32,
    pub limits: Limits,
    pub permanent_delegate: bool,
    pub default_frozen: bool,
}

impl Issuer {
    /// A new issuer as `initialize` leaves it before its first event (off-chain tools
    /// compare the chain with it).
    pub fn initialized(new: &NewIssuer) -> Result<Self> {
        let mut issuer: Self = bytemuck::Zeroable::zeroed();
        issuer.init(new)?;
        Ok(issuer)
    }

    /// Fills a zeroed issuer as `initialize` leaves it (before its first event).
    pub fn init(&mut self, new: &NewIssuer) -> Result<()> {
        self.mint = new.mint;
        self.bump = new.bump;
        self.decimals = new.decimals;
        self.set_governance(new.members, new.threshold, new.time_lock)?;
        self.set_limits(new.limits)?;
        self.set_execution_window(DEFAULT_EXECUTION_WINDOW)?;
        self.permanent_delegate = u8::from(new.permanent_delegate);
        self.default_frozen = u8::from(new.default_frozen);
        Ok(())
    }

    /// True when `key` is this issuer's PDA `["issuer", mint]` (the stored bump is canonical:
    /// `initialize` created the issuer there). One SHA-256 instead of Anchor's
    /// `create_program_address` for the seeds check every instruction makes.
    pub fn is_at_own_address(&self, key: &Pubkey) -> bool {
        crate::pda::is_program_address(key, &[ISSUER_SEED, self.mint.as_ref()], self.bump)
    }

    /// Takes the next event sequence number.
    pub fn next_seq(&mut self) -> Result<u64> {
        self.event_seq = self.event_seq.checked_add(1).ok_or(MinterError::Overflow)?;
        Ok(self.event_seq)
    }

    /// Members, sorted ascending.
    pub fn members(&self) -> &[Pubkey] {
        counted(&self.members, self.member_count)
    }

    /// Role holders as governance sets them (copies; on-chain checks use the predicates).
    pub fn roles(&self) -> Roles {
        self.roles.to_roles()
    }

    pub fn pausers(&self) -> &[Pubkey] {
        self.roles.pausers()
    }

    pub fn freezers(&self) -> &[Pubkey] {
        self.roles.freezers()
    }

    pub fn reserve_attestor(&self) -> Option<Pubkey> {
        optional_key(&self.roles.reserve_attestor)
    }

    pub fn redemption_operator(&self) -> Option<Pubkey> {
        optional_key(&self.roles.redemption_operator)
    }

    pub fn mint_attestor(&self) -> Option<Pubkey> {
        optional_key(&self.roles.mint_attestor)
    }

    pub fn allowance_manager(&self) -> Option<Pubkey> {
        optional_key(&self.roles.allowance_manager)
    }

    /// Issuance limits.
    pub fn limits(&self) -> Limits {
        self.limits.into()
    }

    /// The allowance manager's bucket as last stored (not refilled).
    pub fn allowance_budget(&self) -> RateLimit {
        self.allowance_budget.into()
    }

    /// Whether the token is paused (mirrors the mint's Pausable state).
    pub fn paused(&self) -> bool {
        self.paused != 0
    }

    /// Whether issuance alone is paused.
    pub fn issuance_paused(&self) -> bool {
        self.issuance_paused != 0
    }

    /// Whether the mint has the PermanentDelegate extension.
    pub fn permanent_delegate(&self) -> bool {
        self.permanent_delegate != 0
    }

    /// Whether new token accounts start frozen.
    pub fn default_frozen(&self) -> bool {
        self.default_frozen != 0
    }

    /// Whether this issuer governs the program's upgrades.
    pub fn governs_upgrades(&self) -> bool {
        self.governs_upgrades != 0
    }

    pub fn is_member(&self, key: &Pubkey) -> bool {
        self.members().binary_search(key).is_ok()
    }

    /// Pausers and members may pause.
    pub fn can_pause(&self, key: &Pubkey) -> bool {
        self.is_member(key) || contains_key(self.pausers(), key)
    }

    /// Pausers, members and the allowance manager may lower a minter's allowance.
    pub fn can_lower_allowance(&self, key: &Pubkey) -> bool {
        self.can_pause(key) || self.is_allowance_manager(key)
    }

    pub fn is_allowance_manager(&self, key: &Pubkey) -> bool {
        self.allowance_manager().as_ref() == Some(key)
    }

    /// Refuses issuance (mint, refund) under either pause.
    pub fn check_issuance_open(&self) -> Result<()> {
        require!(!self.paused(), MinterError::Paused);
        require!(!self.issuance_paused(), MinterError::IssuancePaused);
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
    pub fn check_context(&self, proposal: ProposalContext) -> Result<()> {
        match proposal.kind {
            ActionKind::Unpause => require!(
                proposal.pause_count == self.pause_count,
                MinterError::UnpauseOutlivedPause
            ),
            ActionKind::ResumeIssuance => require!(
                proposal.pause_count == self.issuance_pause_count,
                MinterError::IssuanceResumeOutlivedPause
            ),
            ActionKind::ConfigureMinter | ActionKind::RemoveMinter => require!(
                proposal.index > self.minter_stale_index,
                MinterError::MinterProposalOutlivedRemoval
            ),
            ActionKind::UpgradeProgram | ActionKind::SetUpgradeAuthority => {
                require!(self.governs_upgrades(), MinterError::NotUpgradeGovernor);
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
    pub fn has_outlived(&self, proposal: ProposalContext) -> bool {
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
        self.paused = 1;
        self.pause_count = self
            .pause_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        Ok(())
    }

    /// Records that an Unpause resumed the token (the caller resumed the mint).
    pub fn record_unpause(&mut self) {
        self.paused = 0;
    }

    /// Records an issuance-only pause.
    pub fn record_issuance_pause(&mut self) -> Result<()> {
        self.issuance_paused = 1;
        self.issuance_pause_count = self
            .issuance_pause_count
            .checked_add(1)
            .ok_or(MinterError::Overflow)?;
        Ok(())
    }

    /// Records that a ResumeIssuance resumed issuance.
    pub fn record_issuance_resumed(&mut self) {
        self.issuance_paused = 0;
    }

    /// Sets the allowance manager's budget at `now`. A budget that was off starts full; a
    /// changed one keeps what it has left (capped at the new capacity), so raising the
    /// capacity grants no burst.
    pub fn set_allowance_budget(&mut self, capacity: u64, window: u32, now: i64) -> Result<()> {
        validate_allowance_budget(capacity, window)?;
        let current = self.allowance_budget();
        let next = if capacity == 0 {
            RateLimit::default()
        } else if current.capacity == 0 {
            RateLimit::new(capacity, window, now)
        } else {
            current.reconfigured(capacity, window, now)
        };
        self.allowance_budget = next.into();
        Ok(())
    }

    /// Takes `amount` from the allowance budget at `now`; returns what is left.
    pub fn spend_allowance_budget(&mut self, amount: u64, now: i64) -> Result<u64> {
        require!(
            self.allowance_budget.capacity > 0,
            MinterError::NoAllowanceBudget
        );
        let next = self
            .allowance_budget()
            .consume(amount, now)
            .map_err(|e| match e {
                RateLimitError::Exceeded => MinterError::AllowanceBudgetExceeded,
            })?;
        self.allowance_budget = next.into();
        Ok(next.available)
    }

    /// What the allowance budget holds at `now` (0 when off).
    pub fn allowance_budget_left(&self, now: i64) -> u64 {
        if self.allowance_budget.capacity == 0 {
            return 0;
        }
        self.allowance_budget().refilled(now).available
    }

    /// Records a minter's removal: every minter proposal created so far has outlived it.
    pub fn record_minter_removal(&mut self) {
        self.minter_stale_index = self.proposal_index;
    }

    /// Records that this issuer's PDA now holds the upgrade authority: upgrade proposals
    /// from before (from an earlier time it held it) have outlived it.
    pub fn record_upgrade_authority_received(&mut self) {
        self.governs_upgrades = 1;
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Records an executed upgrade: every other upgrade proposal created so far has
    /// outlived the program it was approved against.
    pub fn record_program_upgraded(&mut self) {
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Records that the upgrade authority left this issuer (to a key, or to nobody).
    pub fn record_upgrade_authority_released(&mut self) {
        self.governs_upgrades = 0;
        self.upgrade_stale_index = self.proposal_index;
    }

    /// Replaces members, threshold and time lock; every proposal created so far goes stale.
    pub fn set_governance(
        &mut self,
        members: &[Pubkey],
        threshold: u8,
        time_lock: u32,
    ) -> Result<()> {
        let sorted = validated_members(members, threshold, time_lock)?;
        self.member_count = fill_slots(&mut self.members, &sorted)?;
        self.threshold = threshold;
        self.time_lock = time_lock;
        self.stale_proposal_index = self.proposal_index;
        Ok(())
    }

    pub fn set_roles(&mut self, roles: &Roles) -> Result<()> {
        roles.validate()?;
        self.roles.store(roles)
    }

    pub fn set_limits(&mut self, limits: Limits) -> Result<()> {
        limits.validate()?;
        self.limits = limits.into();
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
        if self.limits.reserve_guard == 0 {
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

    /// The smallest amount one redemption may burn.
    pub fn min_redemption(&self) -> u64 {
        self.limits.min_redemption
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
        self.totals.minted.add(amount)?;
        self.check_totals()
    }

    pub fn record_redeem(&mut self, amount: u64) -> Result<()> {
        self.totals.redeemed.add(amount)?;
        self.check_totals()
    }

    pub fn record_refund(&mut self, amount: u64) -> Result<()> {
        self.totals.refunded.add(amount)?;
        self.check_totals()
    }

    pub fn record_seized_burn(&mut self, amount: u64) -> Result<()> {
        self.totals.seized_burned.add(amount)?;
        self.check_totals()
    }

    /// The totals' part of the invariant: they account for a supply.
    fn check_totals(&self) -> Result<()> {
        require!(self.totals.outstanding().is_some(), MinterError::Overflow);
        Ok(())
    }

    /// Freezers freeze and thaw.
    pub fn is_freezer(&self, key: &Pubkey) -> bool {
        contains_key(self.freezers(), key)
    }

    /// The redemption operator settles and refunds.
    pub fn is_redemption_operator(&self, key: &Pubkey) -> bool {
        self.redemption_operator().as_ref() == Some(key)
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
        require!(
            usize::from(self.member_count) <= MAX_MEMBERS
                && self.members[self.members().len()..].iter().all(is_zero_key),
            MinterError::TooManyMembers
        );
        check_member_set(self.members(), self.threshold, self.time_lock)?;
        require!(
            self.stale_proposal_index <= self.proposal_index
                && self.upgrade_stale_index <= self.proposal_index,
            MinterError::ProposalStale
        );
        require!(self.roles.check_slots(), MinterError::TooManyRoleHolders);
        self.roles.validate_stored()?;
        self.limits().validate()?;
        validate_execution_window(self.execution_window)?;
        let budget = &self.allowance_budget;
        validate_allowance_budget(budget.capacity, budget.window)?;
        require!(
            budget.available <= budget.capacity,
            MinterError::InvalidRateLimit
        );
        require!(
            [
                self.paused,
                self.issuance_paused,
                self.permanent_delegate,
                self.default_frozen,
                self.governs_upgrades,
            ]
            .iter()
            .all(|flag| *flag <= 1),
            MinterError::Overflow
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
    keys.windows(2).all(|w| key_less(&w[0], &w[1]))
}

/// Small sets (at most 10): a quadratic scan is cheaper than sorting a copy.
pub fn all_unique(keys: &[Pubkey]) -> bool {
    keys.iter()
        .enumerate()
        .all(|(i, k)| !contains_key(&keys[..i], k))
}

// Keys compared as four words (unaligned loads): a few instructions each, where `==` and `<`
// on 32 bytes call `memcmp` on SBF. Same results as Pubkey's `==`, `Ord` and `contains`.
fn words(key: &Pubkey) -> [u64; 4] {
    bytemuck::pod_read_unaligned(key.as_ref())
}

/// `a == b`.
pub fn same_key(a: &Pubkey, b: &Pubkey) -> bool {
    let (a, b) = (words(a), words(b));
    (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) == 0
}

/// `*key == Pubkey::default()` (the stored "none" and an unused slot).
pub fn is_zero_key(key: &Pubkey) -> bool {
    let w = words(key);
    w[0] | w[1] | w[2] | w[3] == 0
}

/// `keys.contains(key)`.
pub fn contains_key(keys: &[Pubkey], key: &Pubkey) -> bool {
    keys.iter().any(|k| same_key(k, key))
}

/// `a < b` in Pubkey's order (its bytes, lexicographically): the words read big-endian.
fn key_less(a: &Pubkey, b: &Pubkey) -> bool {
    words(a).map(u64::from_be) < words(b).map(u64::from_be)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<Pubkey> {
        (0..n).map(|_| Pubkey::new_unique()).collect()
    }

    fn issuer(members: &[Pubkey]) -> Issuer {
        Issuer::initialized(&NewIssuer {
            mint: Pubkey::new_unique(),
            bump: 254,
            decimals: 6,
            members,
            threshold: 1,
            time_lock: 0,
            limits: Limits {
                supply_cap: 1,
                ..Limits::default()
            },
            permanent_delegate: true,
            default_frozen: false,
        })
        .unwrap()
    }

    #[test]
    fn totals_carry_into_the_high_half_and_refuse_to_wrap() {
        let mut total = StoredU128::default();
        total.add(u64::MAX).unwrap();
        total.add(2).unwrap();
        assert_eq!(total.get(), u128::from(u64::MAX) + 2);
        assert_eq!(total.halves, [1, 1]);
        total.set(u128::MAX);
        assert!(total.add(1).is_err());
        assert_eq!(total.get(), u128::MAX, "a refused add leaves the total");
    }

    #[test]
    fn members_are_stored_sorted_and_a_smaller_set_clears_the_old_slots() {
        let five = keys(5);
        let mut issuer = issuer(&five);
        let mut sorted = five.clone();
        sorted.sort();
        assert_eq!(issuer.members(), sorted.as_slice());
        assert!(five.iter().all(|k| issuer.is_member(k)));
        let two = keys(2);
        issuer.set_governance(&two, 2, 60).unwrap();
        assert_eq!(issuer.members().len(), 2);
        assert!(!issuer.is_member(&five[0]));
        assert!(issuer.members[2..].iter().all(|k| *k == Pubkey::default()));
        issuer.invariant().unwrap();
    }

    #[test]
    fn roles_round_trip_and_the_zero_key_is_nobody() {
        let mut issuer = issuer(&keys(1));
        assert_eq!(issuer.roles(), Roles::default());
        let roles = Roles {
            pausers: keys(8),
            freezers: keys(3),
            reserve_attestor: Some(Pubkey::new_unique()),
            redemption_operator: None,
            mint_attestor: Some(Pubkey::new_unique()),
            allowance_manager: None,
        };
        issuer.set_roles(&roles).unwrap();
        assert_eq!(issuer.roles(), roles);
        assert_eq!(issuer.mint_attestor(), roles.mint_attestor);
        assert_eq!(issuer.redemption_operator(), None);
        assert!(issuer.is_freezer(&roles.freezers[2]));
        // fewer holders: the old slots are cleared, the invariant holds
        let fewer = Roles {
            freezers: roles.freezers[..1].to_vec(),
            ..Roles::default()
        };
        issuer.set_roles(&fewer).unwrap();
        assert_eq!(issuer.roles(), fewer);
        assert!(!issuer.is_freezer(&roles.freezers[2]));
        issuer.invariant().unwrap();
        // the all-zero key stands for "nobody": no role may name it
        for zero in [
            Roles {
                pausers: vec![Pubkey::default()],
                ..Roles::default()
            },
            Roles {
                allowance_manager: Some(Pubkey::default()),
                ..Roles::default()
            },
        ] {
            assert_eq!(
                issuer.set_roles(&zero).unwrap_err(),
                MinterError::RoleHolderIsZeroKey.into()
            );
        }
        assert_eq!(issuer.roles(), fewer, "a refused set leaves the roles");
    }

    #[test]
    fn the_invariant_refuses_counts_past_the_slots_and_flags_other_than_0_or_1() {
        let mut issuer = issuer(&keys(3));
        issuer.member_count = 11;
        assert!(issuer.invariant().is_err());
        let mut issuer = self::tests::issuer(&keys(3));
        issuer.roles.pauser_count = 9;
        assert!(issuer.invariant().is_err());
        let mut issuer = self::tests::issuer(&keys(3));
        issuer.paused = 2;
        assert!(issuer.invariant().is_err());
        let issuer = self::tests::issuer(&keys(3));
        assert!(issuer.permanent_delegate() && !issuer.default_frozen());
        issuer.invariant().unwrap();
    }

    #[test]
    fn limits_and_the_allowance_budget_convert_both_ways() {
        let limits = Limits {
            supply_cap: 7,
            min_redemption: 3,
            reserve_guard: true,
            reserve_max_age: 60,
        };
        assert_eq!(Limits::from(StoredLimits::from(limits)), limits);
        let bucket = RateLimit::new(100, 60, 5).consume(30, 5).unwrap();
        assert_eq!(RateLimit::from(StoredRateLimit::from(bucket)), bucket);
    }

    /// Keys that differ in one byte at each position, equal ones, and the zero key.
    fn key_pairs() -> Vec<(Pubkey, Pubkey)> {
        let mut pairs = Vec::new();
        for at in 0..32 {
            for (x, y) in [(0u8, 1u8), (1, 0), (0x80, 0x7f), (0xff, 0xff), (3, 200)] {
                let (mut a, mut b) = ([0x11u8; 32], [0x11u8; 32]);
                a[at] = x;
                b[at] = y;
                // a later byte that would decide a wrong (little-endian) comparison
                if at < 31 {
                    a[31] = 0xff;
                    b[31] = 0;
                }
                pairs.push((Pubkey::new_from_array(a), Pubkey::new_from_array(b)));
            }
        }
        pairs.push((Pubkey::default(), Pubkey::default()));
        pairs.push((Pubkey::default(), Pubkey::new_unique()));
        pairs
    }

    #[test]
    fn word_comparisons_of_keys_agree_with_pubkeys_own() {
        for (a, b) in key_pairs() {
            assert_eq!(same_key(&a, &b), a == b, "{a} == {b}");
            assert_eq!(key_less(&a, &b), a < b, "{a} < {b}");
            assert_eq!(is_zero_key(&a), a == Pubkey::default());
            assert!(contains_key(&[b, a], &a));
            assert_eq!(contains_key(&[b], &a), [b].contains(&a));
        }
        let mut sorted = keys(10);
        sorted.sort();
        let issuer = issuer(&sorted);
        for key in sorted.iter().chain(&keys(3)) {
            assert_eq!(issuer.is_member(key), sorted.contains(key));
        }
    }

    #[test]
    fn stored_roles_are_checked_as_the_roles_they_hold() {
        let k = keys(4);
        let cases = [
            (vec![k[0], k[1]], vec![k[2]], Ok(())),
            (
                vec![k[0], k[0]],
                vec![],
                Err(MinterError::DuplicateRoleHolder),
            ),
            (
                vec![],
                vec![k[3], k[2], k[3]],
                Err(MinterError::DuplicateRoleHolder),
            ),
            (
                vec![k[1], Pubkey::default()],
                vec![],
                Err(MinterError::RoleHolderIsZeroKey),
            ),
            // both wrong: the duplicate is reported first, as Roles::validate reports it
            (
                vec![k[1], Pubkey::default()],
                vec![k[2], k[2]],
                Err(MinterError::DuplicateRoleHolder),
            ),
            (
                vec![],
                vec![Pubkey::default()],
                Err(MinterError::RoleHolderIsZeroKey),
            ),
        ];
        for (pausers, freezers, expected) in cases {
            let mut issuer = issuer(&k);
            // stored as set_roles would, but without its checks (a corrupted account)
            issuer.roles.pauser_count = fill_slots(&mut issuer.roles.pausers, &pausers).unwrap();
            issuer.roles.freezer_count = fill_slots(&mut issuer.roles.freezers, &freezers).unwrap();
            let expected = expected.map_err(Error::from);
            assert_eq!(issuer.roles.validate_stored(), expected);
            assert_eq!(issuer.roles().validate(), expected);
            assert_eq!(issuer.invariant(), expected);
        }
    }
}
