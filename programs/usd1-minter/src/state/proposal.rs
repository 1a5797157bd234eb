use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::state::issuer::{
    all_unique, validate_allowance_budget, validate_token_metadata, Issuer, Limits, Roles,
    MAX_MEMBERS, MAX_METADATA_FIELDS, MAX_METADATA_KEY_LEN, MAX_METADATA_VALUE_LEN,
};
use crate::state::minter::MinterConfig;

/// What an executed proposal does.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub enum ProposalAction {
    /// Create a minter, or update its allowance, rate limit and active flag
    /// (executed by `execute_configure_minter`).
    ConfigureMinter(MinterConfig),
    /// Close a minter's account (executed by `execute_remove_minter`).
    RemoveMinter { authority: Pubkey },
    /// Replace members, threshold and time lock; every earlier proposal goes stale.
    SetGovernance {
        members: Vec<Pubkey>,
        threshold: u8,
        time_lock: u32,
    },
    /// Replace every role holder.
    SetRoles(Roles),
    /// Replace the issuance limits.
    SetLimits(Limits),
    /// Resume issuance and token transfers after a pause.
    Unpause,
    /// Move `amount` out of the frozen token account `account` through the permanent
    /// delegate: to the token account `destination`, or burn it when None (executed by
    /// `execute_seize`; only on mints created with PermanentDelegate).
    Seize {
        account: Pubkey,
        destination: Option<Pubkey>,
        amount: u64,
    },
    /// Set how long approved proposals stay executable after their time lock (1 hour to
    /// 365 days; 14 days from `initialize`).
    SetExecutionWindow { seconds: u32 },
    /// Replace the program with the bytes of the loader buffer `buffer`, which must hash
    /// (SHA-256 of its program bytes) to `buffer_hash`; the buffer's lamports go to `spill`
    /// (executed by `execute_upgrade_program`; only by the issuer that governs upgrades).
    UpgradeProgram {
        buffer: Pubkey,
        buffer_hash: [u8; 32],
        spill: Pubkey,
    },
    /// Pass the program's upgrade authority to `new` (who signs the execution), or, with
    /// None, make the program immutable (executed by `execute_set_upgrade_authority`; only
    /// by the issuer that governs upgrades).
    SetUpgradeAuthority { new: Option<Pubkey> },
    /// Resume issuance (mint, refund) after an issuance-only pause (`pause_issuance`).
    ResumeIssuance,
    /// Set the token's metadata: name, symbol and uri (limits as at `initialize`), set the
    /// additional fields `fields` and remove the additional fields `remove_keys` (executed by
    /// `execute_update_metadata`; the executor pays for any growth of the mint account).
    UpdateMetadata(MetadataUpdate),
    /// Set the allowance manager's budget: at most `capacity` base units of raises, refilled
    /// over `window` seconds (capacity 0: no raises).
    SetAllowanceBudget { capacity: u64, window: u32 },
}

/// One additional metadata field (Token-2022 metadata `additional_metadata`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MetadataField {
    /// 1..=32 bytes; not `name`, `symbol` or `uri`.
    pub key: String,
    /// At most 200 bytes.
    pub value: String,
}

/// The metadata an `UpdateMetadata` proposal sets.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MetadataUpdate {
    /// At most 32 bytes.
    pub name: String,
    /// At most 10 bytes.
    pub symbol: String,
    /// At most 200 bytes.
    pub uri: String,
    /// Additional fields to set (at most 8, keys unique).
    pub fields: Vec<MetadataField>,
    /// Additional fields to remove (at most 8, unique, none of them set by `fields`); a key
    /// the mint does not hold is no error.
    pub remove_keys: Vec<String>,
}

impl MetadataUpdate {
    pub fn validate(&self) -> Result<()> {
        validate_token_metadata(&self.name, &self.symbol, &self.uri)?;
        require!(
            self.fields.len() <= MAX_METADATA_FIELDS
                && self.remove_keys.len() <= MAX_METADATA_FIELDS,
            MinterError::MetadataFieldInvalid
        );
        let key_ok = |key: &str| {
            !key.is_empty()
                && key.len() <= MAX_METADATA_KEY_LEN
                && !matches!(key, "name" | "symbol" | "uri")
        };
        for (i, field) in self.fields.iter().enumerate() {
            require!(
                key_ok(&field.key)
                    && field.value.len() <= MAX_METADATA_VALUE_LEN
                    && !self.fields[..i].iter().any(|f| f.key == field.key),
                MinterError::MetadataFieldInvalid
            );
        }
        for (i, key) in self.remove_keys.iter().enumerate() {
            require!(
                key_ok(key)
                    && !self.remove_keys[..i].contains(key)
                    && !self.fields.iter().any(|f| &f.key == key),
                MinterError::MetadataFieldInvalid
            );
        }
        Ok(())
    }
}

impl ProposalAction {
    /// Checks the action's own values (the same checks run again when it is applied).
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::ConfigureMinter(config) => config.validate(),
            Self::RemoveMinter { .. }
            | Self::Unpause
            | Self::ResumeIssuance
            | Self::SetUpgradeAuthority { .. } => Ok(()),
            Self::UpdateMetadata(update) => update.validate(),
            Self::SetAllowanceBudget { capacity, window } => {
                validate_allowance_budget(*capacity, *window)
            }
            Self::UpgradeProgram { buffer, spill, .. } => {
                // the loader refuses a spill that is the buffer; say so before the vote
                require_keys_neq!(*buffer, *spill, MinterError::UpgradeSpillIsBuffer);
                Ok(())
            }
            Self::SetGovernance {
                members,
                threshold,
                time_lock,
            } => {
                crate::state::issuer::validated_members(members, *threshold, *time_lock).map(|_| ())
            }
            Self::SetRoles(roles) => roles.validate(),
            Self::SetLimits(limits) => limits.validate(),
            Self::SetExecutionWindow { seconds } => {
                crate::state::issuer::validate_execution_window(*seconds)
            }
            Self::Seize {
                account,
                destination,
                amount,
            } => {
                require!(*amount > 0, MinterError::ZeroAmount);
                require!(
                    destination.as_ref() != Some(account),
                    MinterError::SeizeToSelf
                );
                Ok(())
            }
        }
    }

    /// Keys this action puts in charge of something, who may `accept` it (a key appears
    /// once): new members, role holders, a new minter's authority.
    pub fn named_keys(&self) -> Vec<Pubkey> {
        let keys: Vec<Pubkey> = match self {
            Self::SetGovernance { members, .. } => members.clone(),
            Self::SetRoles(roles) => roles.keys().copied().collect(),
            Self::ConfigureMinter(config) => vec![config.authority],
            _ => Vec::new(),
        };
        let mut unique = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        unique
    }

    /// True when `key` is one of [`Self::named_keys`] (without building the list).
    pub fn names(&self, key: &Pubkey) -> bool {
        match self {
            Self::SetGovernance { members, .. } => members.contains(key),
            Self::SetRoles(roles) => roles.keys().any(|named| named == key),
            Self::ConfigureMinter(config) => config.authority == *key,
            _ => false,
        }
    }

    /// The first key this action would newly put in charge, against the issuer as it is now,
    /// that is not in `accepted`: a member it adds, a role it gives to a key that does not
    /// hold it, a ConfigureMinter's authority when `creates_minter` (its minter does not exist
    /// yet; an update needs no acceptance).
    pub fn first_unaccepted_key(
        &self,
        issuer: &Issuer,
        accepted: &[Pubkey],
        creates_minter: bool,
    ) -> Option<Pubkey> {
        match self {
            Self::ConfigureMinter(config) => (creates_minter
                && !accepted.contains(&config.authority))
            .then_some(config.authority),
            Self::SetGovernance { members, .. } => members
                .iter()
                .find(|key| !issuer.is_member(key) && !accepted.contains(key))
                .copied(),
            Self::SetRoles(roles) => issuer
                .roles()
                .new_holders(roles)
                .find(|key| !accepted.contains(key))
                .copied(),
            _ => None,
        }
    }
}

/// Lifecycle of a proposal.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalStatus {
    /// Open for approvals and rejections.
    Active,
    /// Reached its threshold at `approved_at`; executable once the time lock has passed.
    Approved,
    /// Can no longer reach its threshold.
    Rejected,
    /// Withdrawn by its proposer.
    Cancelled,
    /// Its action was applied.
    Executed,
    /// Approved, then stopped before execution by `threshold` members' rejections.
    Vetoed,
}

/// `["proposal", issuer, index (u64 LE)]`: one governance decision. Its fixed-size fields
/// come first, so that voting, cancelling and closing read and write them in place
/// ([`ProposalInPlace`]) without decoding the action.
#[account]
#[derive(Debug)]
pub struct Proposal {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The issuer governed.
    pub issuer: Pubkey,
    /// 1-based position among the issuer's proposals.
    pub index: u64,
    /// The member who proposed it; it paid the rent and gets it back on close.
    pub proposer: Pubkey,
    pub status: ProposalStatus,
    /// Unix time of creation.
    pub created_at: i64,
    /// Unix time the threshold was reached (0 before); the time lock runs from here.
    pub approved_at: i64,
    /// The issuer's `pause_count` when this was proposed (an Unpause resumes only that
    /// pause); for a ResumeIssuance, its `issuance_pause_count`.
    pub pause_count: u64,
    /// The issuer's `execution_window` when the threshold was reached (0 before): the
    /// proposal expires by the window it was approved under, so a later, longer window does
    /// not revive an expired approval.
    pub execution_window: u32,
    /// Members who approved, in vote order, unique.
    pub approvals: Vec<Pubkey>,
    /// Members who rejected, in vote order, unique, disjoint from approvals.
    pub rejections: Vec<Pubkey>,
    /// What execution does.
    pub action: ProposalAction,
    /// Keys the action names that have signed `accept` (a new member, role holder or minter
    /// authority counts only once it has), in acceptance order, unique.
    pub accepted: Vec<Pubkey>,
}

impl Proposal {
    /// True when `key` is this proposal's PDA `["proposal", issuer, index]` under `issuer` (the
    /// stored bump is canonical: `propose` created it there). One SHA-256 instead of Anchor's
    /// `create_program_address`.
    pub fn is_at_own_address(&self, key: &Pubkey, issuer: &Pubkey) -> bool {
        crate::pda::is_program_address(
            key,
            &[
                crate::seeds::PROPOSAL_SEED,
                issuer.as_ref(),
                &self.index.to_le_bytes(),
            ],
            self.bump,
        )
    }

    /// Account size for `action`: discriminator, fixed fields, vote lists sized for the
    /// largest multisig, the action as Borsh, then room for every key it names to accept.
    pub fn space(action: &ProposalAction) -> usize {
        let action_len = anchor_lang::prelude::borsh::to_vec(action).map_or(0, |v| v.len());
        let accept_len = 4 + 32 * action.named_keys().len();
        8 + 1
            + 32
            + 8
            + 32
            + 1
            + 8
            + 8
            + 8
            + 4
            + 2 * (4 + 32 * MAX_MEMBERS)
            + action_len
            + accept_len
    }

    /// A new, active proposal without votes (the caller then records the proposer's
    /// approval).
    pub fn open(
        issuer: Pubkey,
        index: u64,
        bump: u8,
        proposer: Pubkey,
        action: ProposalAction,
        now: i64,
        pause_count: u64,
    ) -> Result<Self> {
        action.validate()?;
        let proposal = Self {
            bump,
            issuer,
            index,
            proposer,
            status: ProposalStatus::Active,
            created_at: now,
            approved_at: 0,
            approvals: Vec::new(),
            rejections: Vec::new(),
            action,
            pause_count,
            execution_window: 0,
            accepted: Vec::new(),
        };
        proposal.invariant()?;
        Ok(proposal)
    }

    /// See [`ProposalAction::require_accepted`].
    pub fn require_accepted(&self, issuer: &Issuer, creates_minter: bool) -> Result<()> {
        self.action
            .require_accepted(issuer, &self.accepted, creates_minter)
    }

    /// Marks it executed if it reached its threshold and the time lock has passed. The
    /// caller checks staleness (it needs the issuer) and applies the action.
    pub fn execute(&mut self, issuer: &Issuer, now: i64) -> Result<()> {
        self.state().require_executable(issuer.time_lock, now)?;
        self.status = ProposalStatus::Executed;
        self.invariant()
    }

    /// An approved proposal past its time lock and execution window can never execute.
    pub fn has_expired(&self, issuer: &Issuer, now: i64) -> bool {
        self.state().has_expired(issuer.time_lock, now)
    }

    pub fn require_approved(&self) -> Result<()> {
        self.state().require_approved()
    }

    pub fn has_ended(&self, stale: bool) -> bool {
        self.state().has_ended(stale)
    }

    /// Status and approval timing, as [`ProposalInPlace::state`] reads them in place.
    pub fn state(&self) -> ProposalState {
        ProposalState {
            status: self.status,
            approved_at: self.approved_at,
            execution_window: self.execution_window,
        }
    }

    /// What `Issuer::check_context` needs, as [`ProposalInPlace::context`] reads it in place.
    pub fn context(&self) -> ProposalContext {
        ProposalContext {
            index: self.index,
            pause_count: self.pause_count,
            kind: self.action.kind(),
        }
    }

    pub fn invariant(&self) -> Result<()> {
        require!(
            self.approvals.len() <= MAX_MEMBERS && self.rejections.len() <= MAX_MEMBERS,
            MinterError::TooManyMembers
        );
        require!(all_unique(&self.approvals), MinterError::AlreadyVoted);
        require!(all_unique(&self.rejections), MinterError::AlreadyVoted);
        require!(
            !self.approvals.iter().any(|a| self.rejections.contains(a)),
            MinterError::AlreadyVoted
        );
        require!(all_unique(&self.accepted), MinterError::AlreadyAccepted);
        Ok(())
    }
}

/// Which action a proposal holds: `ProposalAction`'s Borsh variant index (its first byte),
/// for the checks that need only that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ActionKind {
    ConfigureMinter,
    RemoveMinter,
    SetGovernance,
    SetRoles,
    SetLimits,
    Unpause,
    Seize,
    SetExecutionWindow,
    UpgradeProgram,
    SetUpgradeAuthority,
    ResumeIssuance,
    UpdateMetadata,
    SetAllowanceBudget,
}

impl ActionKind {
    const ALL: [Self; 13] = [
        Self::ConfigureMinter,
        Self::RemoveMinter,
        Self::SetGovernance,
        Self::SetRoles,
        Self::SetLimits,
        Self::Unpause,
        Self::Seize,
        Self::SetExecutionWindow,
        Self::UpgradeProgram,
        Self::SetUpgradeAuthority,
        Self::ResumeIssuance,
        Self::UpdateMetadata,
        Self::SetAllowanceBudget,
    ];

    /// The kind whose Borsh variant index is `variant`.
    pub fn from_variant(variant: u8) -> Option<Self> {
        Self::ALL.get(usize::from(variant)).copied()
    }
}

impl ProposalAction {
    /// Refuses when a key the action newly puts in charge is not in `accepted` (see
    /// [`Self::first_unaccepted_key`]); logs the key.
    pub fn require_accepted(
        &self,
        issuer: &Issuer,
        accepted: &[Pubkey],
        creates_minter: bool,
    ) -> Result<()> {
        match self.first_unaccepted_key(issuer, accepted, creates_minter) {
            None => Ok(()),
            Some(key) => {
                msg!("not accepted: {}", key);
                err!(MinterError::KeyNotAccepted)
            }
        }
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Self::ConfigureMinter(_) => ActionKind::ConfigureMinter,
            Self::RemoveMinter { .. } => ActionKind::RemoveMinter,
            Self::SetGovernance { .. } => ActionKind::SetGovernance,
            Self::SetRoles(_) => ActionKind::SetRoles,
            Self::SetLimits(_) => ActionKind::SetLimits,
            Self::Unpause => ActionKind::Unpause,
            Self::Seize { .. } => ActionKind::Seize,
            Self::SetExecutionWindow { .. } => ActionKind::SetExecutionWindow,
            Self::UpgradeProgram { .. } => ActionKind::UpgradeProgram,
            Self::SetUpgradeAuthority { .. } => ActionKind::SetUpgradeAuthority,
            Self::ResumeIssuance => ActionKind::ResumeIssuance,
            Self::UpdateMetadata(_) => ActionKind::UpdateMetadata,
            Self::SetAllowanceBudget { .. } => ActionKind::SetAllowanceBudget,
        }
    }
}

/// A proposal's status and approval timing: the rules of its lifecycle that need nothing
/// else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposalState {
    pub status: ProposalStatus,
    pub approved_at: i64,
    pub execution_window: u32,
}

impl ProposalState {
    /// An approved proposal not executed within the execution window it was approved under,
    /// after the issuer's time lock, has expired: it can never execute (only be closed).
    pub fn has_expired(&self, time_lock: u32, now: i64) -> bool {
        self.status == ProposalStatus::Approved
            && now
                > self
                    .approved_at
                    .saturating_add(i64::from(time_lock))
                    .saturating_add(i64::from(self.execution_window))
    }

    /// It can execute now: approved, past the issuer's time lock, not expired. The caller
    /// checks staleness and the issuer's situation (they need the issuer).
    pub fn require_executable(&self, time_lock: u32, now: i64) -> Result<()> {
        self.require_approved()?;
        let unlocks_at = self
            .approved_at
            .checked_add(i64::from(time_lock))
            .ok_or(MinterError::Overflow)?;
        require!(now >= unlocks_at, MinterError::TimeLockNotElapsed);
        require!(
            !self.has_expired(time_lock, now),
            MinterError::ProposalExpired
        );
        Ok(())
    }

    /// Only an Approved proposal can execute: an Active one has not reached its threshold,
    /// the others have ended.
    pub fn require_approved(&self) -> Result<()> {
        match self.status {
            ProposalStatus::Approved => Ok(()),
            ProposalStatus::Active => err!(MinterError::ThresholdNotReached),
            ProposalStatus::Vetoed => err!(MinterError::ProposalVetoed),
            _ => err!(MinterError::ProposalNotActive),
        }
    }

    /// Executed, rejected and cancelled proposals have ended; a stale one can never be
    /// executed, so it has ended too.
    pub fn has_ended(&self, stale: bool) -> bool {
        stale
            || matches!(
                self.status,
                ProposalStatus::Executed
                    | ProposalStatus::Rejected
                    | ProposalStatus::Cancelled
                    | ProposalStatus::Vetoed
            )
    }
}

/// What the issuer's situation checks (`Issuer::check_context`) read of a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposalContext {
    pub index: u64,
    pub pause_count: u64,
    pub kind: ActionKind,
}

/// Byte offsets of a proposal's fixed-size fields in its account (discriminator first, then
/// Borsh in field order); the approvals' length prefix follows them.
mod offset {
    pub const BUMP: usize = 8;
    pub const ISSUER: usize = 9;
    pub const INDEX: usize = 41;
    pub const PROPOSER: usize = 49;
    pub const STATUS: usize = 81;
    pub const CREATED_AT: usize = 82;
    pub const APPROVED_AT: usize = 90;
    pub const PAUSE_COUNT: usize = 98;
    pub const EXECUTION_WINDOW: usize = 106;
    pub const APPROVALS: usize = 110;
}

/// The Borsh list of keys whose u32 count is at `at` in `data`: its keys' bytes and the
/// offset where it ends (a count the data cannot hold is refused).
fn key_list(data: &[u8], at: usize) -> Result<(&[u8], usize)> {
    let bad = || error!(ErrorCode::AccountDidNotDeserialize);
    let count = data.get(at..at + 4).ok_or_else(bad)?;
    let count = u32::from_le_bytes([count[0], count[1], count[2], count[3]]) as usize;
    let end = count
        .checked_mul(32)
        .and_then(|len| (at + 4).checked_add(len))
        .ok_or_else(bad)?;
    Ok((data.get(at + 4..end).ok_or_else(bad)?, end))
}

const STATUSES: [ProposalStatus; 6] = [
    ProposalStatus::Active,
    ProposalStatus::Approved,
    ProposalStatus::Rejected,
    ProposalStatus::Cancelled,
    ProposalStatus::Executed,
    ProposalStatus::Vetoed,
];

/// A proposal account read and written in place: its fixed-size fields and vote lists at
/// their Borsh offsets, the action only by its variant byte. Voting, cancelling and closing
/// change nothing else, so they neither decode the action nor re-encode the account (about
/// 2,000 units of `Account<Proposal>`). A vote inserts its key at the end of its list and
/// moves the rest of the account up by 32 bytes: `Proposal::space` leaves room for every
/// member's vote, so only unused zero bytes leave the end (checked).
pub struct ProposalInPlace<'a, 'info> {
    data: core::cell::RefMut<'a, &'info mut [u8]>,
    approvals: usize,
    rejections: usize,
}

impl<'a, 'info> ProposalInPlace<'a, 'info> {
    /// The proposal at `info`, refused as `Account<Proposal>` refuses: an empty system
    /// account, another owner, a missing or different discriminator; and vote lists that do
    /// not fit (never written by this program).
    pub fn load(info: &'a AccountInfo<'info>) -> Result<Self> {
        // this program's first: the one comparison on the path of every proposal
        if *info.owner != crate::ID {
            if *info.owner == anchor_lang::system_program::ID && info.lamports() == 0 {
                return err!(ErrorCode::AccountNotInitialized);
            }
            return Err(error!(ErrorCode::AccountOwnedByWrongProgram)
                .with_pubkeys((*info.owner, crate::ID)));
        }
        let data = info.try_borrow_mut_data()?;
        require!(data.len() >= 8, ErrorCode::AccountDiscriminatorNotFound);
        require!(
            data[..8] == *Proposal::DISCRIMINATOR,
            ErrorCode::AccountDiscriminatorMismatch
        );
        let count_at = |at: usize| -> Result<usize> {
            let bytes = data
                .get(at..at + 4)
                .ok_or(ErrorCode::AccountDidNotDeserialize)?;
            let count = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            require!(count <= MAX_MEMBERS, ErrorCode::AccountDidNotDeserialize);
            Ok(count)
        };
        // only the counts, bounded: every read of the lists below stays inside the account
        // (`key_list` would also slice them, about 36 units more on every load)
        let approvals = count_at(offset::APPROVALS)?;
        let rejections = count_at(offset::APPROVALS + 4 + 32 * approvals)?;
        let proposal = Self {
            data,
            approvals,
            rejections,
        };
        // the action's variant byte is inside the account, and the status is one
        require!(
            proposal.action_at() < proposal.data.len()
                && usize::from(proposal.data[offset::STATUS]) < STATUSES.len(),
            ErrorCode::AccountDidNotDeserialize
        );
        Ok(proposal)
    }

    /// [`Self::load`], and the account is at this proposal's PDA under `issuer` (else
    /// `ConstraintSeeds`, as the `seeds` constraint says).
    pub fn load_at(info: &'a AccountInfo<'info>, issuer: &Pubkey) -> Result<Self> {
        let proposal = Self::load(info)?;
        require!(
            proposal.is_at_own_address(info.key, issuer),
            ErrorCode::ConstraintSeeds
        );
        Ok(proposal)
    }

    fn u64_at(&self, at: usize) -> u64 {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&self.data[at..at + 8]);
        u64::from_le_bytes(bytes)
    }

    fn rejections_at(&self) -> usize {
        offset::APPROVALS + 4 + 32 * self.approvals
    }

    fn action_at(&self) -> usize {
        self.rejections_at() + 4 + 32 * self.rejections
    }

    pub fn index(&self) -> u64 {
        self.u64_at(offset::INDEX)
    }

    pub fn proposer(&self) -> Pubkey {
        let mut key = [0u8; 32];
        key.copy_from_slice(&self.data[offset::PROPOSER..offset::PROPOSER + 32]);
        Pubkey::new_from_array(key)
    }

    pub fn status(&self) -> ProposalStatus {
        STATUSES[usize::from(self.data[offset::STATUS])] // in range: checked by `load`
    }

    pub fn approval_count(&self) -> usize {
        self.approvals
    }

    pub fn rejection_count(&self) -> usize {
        self.rejections
    }

    pub fn state(&self) -> ProposalState {
        let mut window = [0u8; 4];
        window.copy_from_slice(&self.data[offset::EXECUTION_WINDOW..offset::EXECUTION_WINDOW + 4]);
        ProposalState {
            status: self.status(),
            approved_at: self.u64_at(offset::APPROVED_AT) as i64,
            execution_window: u32::from_le_bytes(window),
        }
    }

    /// Writes `proposal`, just opened by `Proposal::open` (no votes, nothing accepted), into
    /// the zeroed account `propose` created with `Proposal::space`: the bytes of its Borsh
    /// encoding (unit-tested), each fixed field where it goes and the action after the two
    /// empty vote lists, instead of through a Borsh writer (about 850 units); the room after
    /// it stays zero.
    pub fn write_new(info: &AccountInfo, proposal: &Proposal) -> Result<()> {
        require!(
            proposal.approvals.is_empty()
                && proposal.rejections.is_empty()
                && proposal.accepted.is_empty(),
            ErrorCode::AccountDidNotSerialize
        );
        let mut data = info.try_borrow_mut_data()?;
        let action_at = offset::APPROVALS + 4 + 4;
        require!(data.len() > action_at, ErrorCode::AccountDidNotSerialize);
        data[..8].copy_from_slice(Proposal::DISCRIMINATOR);
        data[offset::BUMP] = proposal.bump;
        data[offset::ISSUER..offset::ISSUER + 32].copy_from_slice(proposal.issuer.as_ref());
        data[offset::INDEX..offset::INDEX + 8].copy_from_slice(&proposal.index.to_le_bytes());
        data[offset::PROPOSER..offset::PROPOSER + 32].copy_from_slice(proposal.proposer.as_ref());
        data[offset::STATUS] = proposal.status as u8;
        data[offset::CREATED_AT..offset::CREATED_AT + 8]
            .copy_from_slice(&proposal.created_at.to_le_bytes());
        data[offset::APPROVED_AT..offset::APPROVED_AT + 8]
            .copy_from_slice(&proposal.approved_at.to_le_bytes());
        data[offset::PAUSE_COUNT..offset::PAUSE_COUNT + 8]
            .copy_from_slice(&proposal.pause_count.to_le_bytes());
        data[offset::EXECUTION_WINDOW..offset::EXECUTION_WINDOW + 4]
            .copy_from_slice(&proposal.execution_window.to_le_bytes());
        // the two empty vote lists' counts
        data[offset::APPROVALS..action_at].fill(0);
        let mut rest: &mut [u8] = &mut data[action_at..];
        proposal
            .action
            .serialize(&mut rest)
            .map_err(|_| ErrorCode::AccountDidNotSerialize)?;
        // the empty accepted list's count
        let count = rest.get_mut(..4).ok_or(ErrorCode::AccountDidNotSerialize)?;
        count.fill(0);
        Ok(())
    }

    /// Refuses an action variant this program does not know (never written by it).
    pub fn context(&self) -> Result<ProposalContext> {
        Ok(ProposalContext {
            index: self.index(),
            pause_count: self.u64_at(offset::PAUSE_COUNT),
            kind: ActionKind::from_variant(self.data[self.action_at()])
                .ok_or(ErrorCode::AccountDidNotDeserialize)?,
        })
    }

    /// True when `key` is this proposal's PDA under `issuer` (see
    /// [`Proposal::is_at_own_address`]).
    pub fn is_at_own_address(&self, key: &Pubkey, issuer: &Pubkey) -> bool {
        crate::pda::is_program_address(
            key,
            &[
                crate::seeds::PROPOSAL_SEED,
                issuer.as_ref(),
                &self.data[offset::INDEX..offset::INDEX + 8],
            ],
            self.data[offset::BUMP],
        )
    }

    fn has_voted(&self, member: &Pubkey) -> bool {
        let listed = |at: usize, count: usize| {
            self.data[at + 4..at + 4 + 32 * count]
                .chunks_exact(32)
                .any(|key| key == member.as_ref())
        };
        listed(offset::APPROVALS, self.approvals) || listed(self.rejections_at(), self.rejections)
    }

    /// Inserts `member` at the end of the list at `list_at` (of `count` keys): the rest of
    /// the account moves up 32 bytes, and its last 32 bytes, which must be unused, drop off.
    fn insert_vote(&mut self, list_at: usize, count: usize, member: &Pubkey) -> Result<()> {
        require!(count < MAX_MEMBERS, MinterError::TooManyMembers);
        let len = self.data.len();
        let at = list_at + 4 + 32 * count;
        require!(
            at + 32 <= len && self.data[len - 32..] == [0u8; 32],
            ErrorCode::AccountDidNotSerialize
        );
        self.data.copy_within(at..len - 32, at + 32);
        self.data[at..at + 32].copy_from_slice(member.as_ref());
        let count = u32::try_from(count + 1).map_err(|_| MinterError::Overflow)?;
        self.data[list_at..list_at + 4].copy_from_slice(&count.to_le_bytes());
        Ok(())
    }

    fn set_status(&mut self, status: ProposalStatus) {
        self.data[offset::STATUS] = status as u8;
    }

    /// Records `member`'s approval; at `threshold` the proposal is Approved, its time lock
    /// starts and `execution_window` (the issuer's now) is fixed for it.
    pub fn approve(
        &mut self,
        member: &Pubkey,
        threshold: u8,
        execution_window: u32,
        now: i64,
    ) -> Result<()> {
        require!(
            self.status() == ProposalStatus::Active,
            MinterError::ProposalNotActive
        );
        require!(!self.has_voted(member), MinterError::AlreadyVoted);
        self.insert_vote(offset::APPROVALS, self.approvals, member)?;
        self.approvals += 1;
        if self.approvals >= usize::from(threshold) {
            self.set_status(ProposalStatus::Approved);
            self.data[offset::APPROVED_AT..offset::APPROVED_AT + 8]
                .copy_from_slice(&now.to_le_bytes());
            self.data[offset::EXECUTION_WINDOW..offset::EXECUTION_WINDOW + 4]
                .copy_from_slice(&execution_window.to_le_bytes());
        }
        Ok(())
    }

    /// Records `member`'s rejection. An active proposal whose threshold is out of reach is
    /// Rejected; an approved one (in its time lock, or unlocked but not yet executed) with
    /// `threshold` rejections is Vetoed: the time lock is the window in which honest members
    /// stop a compromised quorum.
    pub fn reject(&mut self, member: &Pubkey, threshold: u8, member_count: usize) -> Result<()> {
        let status = self.status();
        require!(
            matches!(status, ProposalStatus::Active | ProposalStatus::Approved),
            MinterError::ProposalNotActive
        );
        require!(!self.has_voted(member), MinterError::AlreadyVoted);
        self.insert_vote(self.rejections_at(), self.rejections, member)?;
        self.rejections += 1;
        if status == ProposalStatus::Approved {
            if self.rejections >= usize::from(threshold) {
                self.set_status(ProposalStatus::Vetoed);
            }
        } else {
            // members who could still approve: everyone who has not rejected
            let could_approve = member_count.saturating_sub(self.rejections);
            if could_approve < usize::from(threshold) {
                self.set_status(ProposalStatus::Rejected);
            }
        }
        Ok(())
    }

    /// The action (decoded: executions apply it).
    pub fn action(&self) -> Result<ProposalAction> {
        Ok(self.action_and_end()?.0)
    }

    /// The action, and the keys that accepted it (read in place, not copied).
    pub fn action_and_accepted(&self) -> Result<(ProposalAction, &[Pubkey])> {
        let (action, accepted_at) = self.action_and_end()?;
        let (keys, _) = key_list(&self.data, accepted_at)?;
        let accepted = bytemuck::try_cast_slice(keys)
            .map_err(|_| error!(ErrorCode::AccountDidNotDeserialize))?;
        Ok((action, accepted))
    }

    /// Where the action ends (the accepted list starts) when it names `key`, None when it does
    /// not (as `ProposalAction::names` says), read in place without decoding the action: only
    /// ConfigureMinter, SetGovernance and SetRoles name keys, and their lengths follow from
    /// their bytes (unit-tested against the Borsh encoding of every kind).
    fn end_if_named(&self, key: &Pubkey) -> Result<Option<usize>> {
        let data: &[u8] = &self.data;
        let bad = || error!(ErrorCode::AccountDidNotDeserialize);
        let is_key = |at: usize| -> Result<bool> {
            let named = data.get(at..at + 32).ok_or_else(bad)?;
            Ok(named == key.as_ref())
        };
        // a list of keys at `at`: whether it holds `key`, and where it ends
        let list = |at: usize| -> Result<(bool, usize)> {
            let (keys, end) = key_list(data, at)?;
            Ok((keys.chunks_exact(32).any(|k| k == key.as_ref()), end))
        };
        let at = self.action_at();
        let kind = ActionKind::from_variant(*data.get(at).ok_or_else(bad)?).ok_or_else(bad)?;
        let body = at + 1;
        let (named, end) = match kind {
            // the authority first, then fixed-size fields
            ActionKind::ConfigureMinter => (is_key(body)?, body + MinterConfig::INIT_SPACE),
            // members, then threshold (u8) and time lock (u32)
            ActionKind::SetGovernance => {
                let (named, end) = list(body)?;
                (named, end + 1 + 4)
            }
            // pausers, freezers, then the four single roles as Borsh options
            ActionKind::SetRoles => {
                let (in_pausers, end) = list(body)?;
                let (in_freezers, mut end) = list(end)?;
                let mut named = in_pausers || in_freezers;
                for _single in 0..4 {
                    match data.get(end) {
                        Some(0) => end += 1,
                        Some(1) => {
                            named |= is_key(end + 1)?;
                            end += 33;
                        }
                        _ => return Err(bad()),
                    }
                }
                (named, end)
            }
            _ => return Ok(None),
        };
        require!(end <= data.len(), ErrorCode::AccountDidNotDeserialize);
        Ok(named.then_some(end))
    }

    /// The action, and the offset just after it (where the accepted list starts).
    fn action_and_end(&self) -> Result<(ProposalAction, usize)> {
        let mut rest: &[u8] = &self.data[self.action_at()..];
        let action = ProposalAction::deserialize(&mut rest)
            .map_err(|_| ErrorCode::AccountDidNotDeserialize)?;
        Ok((action, self.data.len() - rest.len()))
    }

    /// Records that `key`, named by the action, accepts it. Open and approved proposals
    /// only (an ended one can never execute). The accepted list is the account's last field
    /// and `Proposal::space` keeps room for every key the action names: the key is written
    /// after the last one.
    pub fn accept(&mut self, key: &Pubkey) -> Result<()> {
        require!(
            matches!(
                self.status(),
                ProposalStatus::Active | ProposalStatus::Approved
            ),
            MinterError::ProposalNotActive
        );
        let accepted_at = self
            .end_if_named(key)?
            .ok_or(MinterError::NotNamedInProposal)?;
        // the accepted list, compared in place; the key goes after its last one
        let (accepted, at) = key_list(&self.data, accepted_at)?;
        let count = accepted.len() / 32;
        require!(
            !accepted
                .chunks_exact(32)
                .any(|accepted| accepted == key.as_ref()),
            MinterError::AlreadyAccepted
        );
        require!(
            at + 32 <= self.data.len(),
            ErrorCode::AccountDidNotSerialize
        );
        self.data[at..at + 32].copy_from_slice(key.as_ref());
        let count = u32::try_from(count + 1).map_err(|_| MinterError::Overflow)?;
        self.data[accepted_at..accepted_at + 4].copy_from_slice(&count.to_le_bytes());
        Ok(())
    }

    /// Marks it executed if it can execute now (see [`ProposalState::require_executable`]);
    /// the caller applies the action.
    pub fn execute(&mut self, time_lock: u32, now: i64) -> Result<()> {
        self.state().require_executable(time_lock, now)?;
        self.set_status(ProposalStatus::Executed);
        Ok(())
    }

    /// The proposer withdraws it. CAN cancel a stale or an approved (not executed) proposal.
    pub fn cancel(&mut self, by: &Pubkey) -> Result<()> {
        require_keys_eq!(*by, self.proposer(), MinterError::NotProposer);
        require!(
            matches!(
                self.status(),
                ProposalStatus::Active | ProposalStatus::Approved
            ),
            MinterError::ProposalNotActive
        );
        self.set_status(ProposalStatus::Cancelled);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::issuer::{Limits, Roles};
    use crate::state::minter::MinterConfig;

    fn actions() -> Vec<ProposalAction> {
        let key = Pubkey::new_unique();
        vec![
            ProposalAction::ConfigureMinter(MinterConfig {
                authority: key,
                allowance_grant: 5,
                rate_capacity: 5,
                rate_window: 60,
                active: true,
            }),
            ProposalAction::RemoveMinter { authority: key },
            ProposalAction::SetGovernance {
                members: vec![key, Pubkey::new_unique()],
                threshold: 2,
                time_lock: 0,
            },
            ProposalAction::SetRoles(Roles::default()),
            ProposalAction::SetLimits(Limits::default()),
            ProposalAction::Unpause,
            ProposalAction::Seize {
                account: key,
                destination: None,
                amount: 1,
            },
            ProposalAction::SetExecutionWindow { seconds: 3600 },
            ProposalAction::UpgradeProgram {
                buffer: key,
                buffer_hash: [7; 32],
                spill: Pubkey::new_unique(),
            },
            ProposalAction::SetUpgradeAuthority { new: None },
            ProposalAction::ResumeIssuance,
            ProposalAction::UpdateMetadata(MetadataUpdate {
                name: "n".into(),
                symbol: "s".into(),
                uri: "u".into(),
                fields: vec![],
                remove_keys: vec![],
            }),
            ProposalAction::SetAllowanceBudget {
                capacity: 1,
                window: 60,
            },
        ]
    }

    #[test]
    fn an_action_names_exactly_its_named_keys() {
        let roles = Roles {
            pausers: vec![Pubkey::new_unique()],
            freezers: vec![Pubkey::new_unique()],
            reserve_attestor: Some(Pubkey::new_unique()),
            redemption_operator: None,
            mint_attestor: None,
            allowance_manager: Some(Pubkey::new_unique()),
        };
        let mut actions = actions();
        actions.push(ProposalAction::SetRoles(roles));
        for action in actions {
            let named = action.named_keys();
            for key in named.iter().chain(&[Pubkey::new_unique()]) {
                assert_eq!(action.names(key), named.contains(key), "{action:?}");
            }
        }
    }

    /// Every action, and a SetRoles naming every single role (`actions()` has one of each kind).
    fn actions_with_full_roles() -> Vec<ProposalAction> {
        let mut actions = actions();
        actions.push(ProposalAction::SetRoles(Roles {
            pausers: vec![Pubkey::new_unique(), Pubkey::new_unique()],
            freezers: vec![Pubkey::new_unique()],
            reserve_attestor: Some(Pubkey::new_unique()),
            redemption_operator: Some(Pubkey::new_unique()),
            mint_attestor: None,
            allowance_manager: Some(Pubkey::new_unique()),
        }));
        actions
    }

    #[test]
    fn a_new_proposal_written_in_place_is_its_borsh_encoding() {
        for action in actions_with_full_roles() {
            let mut proposal = opened(action, Pubkey::new_unique());
            // every fixed field distinct from zero, to catch a wrong offset
            proposal.bump = 251;
            proposal.index = u64::MAX - 3;
            proposal.created_at = -5;
            proposal.approved_at = 1 << 40;
            proposal.pause_count = 7;
            proposal.execution_window = 0xdead;
            let expected = account_bytes(&proposal);
            let mut data = vec![0u8; expected.len()];
            let key = Pubkey::new_unique();
            let mut lamports = 1u64;
            let info = AccountInfo::new(
                &key,
                false,
                true,
                &mut lamports,
                &mut data,
                &crate::ID,
                false,
            );
            ProposalInPlace::write_new(&info, &proposal).unwrap();
            drop(info);
            assert_eq!(data, expected, "{:?}", proposal.action);
        }
    }

    #[test]
    fn the_end_of_a_naming_action_is_read_where_borsh_ends_it() {
        for action in actions_with_full_roles() {
            let expected = opened(action.clone(), Pubkey::new_unique());
            let mut data = account_bytes(&expected);
            let mut borsh = Proposal::DISCRIMINATOR.to_vec();
            expected.serialize(&mut borsh).unwrap();
            // the accepted list (empty: its 4-byte count) is the last field
            let accepted_at = borsh.len() - 4;
            let stranger = Pubkey::new_unique();
            for key in action.named_keys().iter().chain([&stranger]) {
                let end = with_in_place(&mut data, |p| p.end_if_named(key)).unwrap();
                assert_eq!(end, action.names(key).then_some(accepted_at), "{action:?}");
            }
        }
    }

    #[test]
    fn the_kind_is_the_borsh_variant_byte() {
        let actions = actions();
        assert_eq!(actions.len(), ActionKind::ALL.len());
        for action in actions {
            let variant = borsh::to_vec(&action).unwrap()[0];
            assert_eq!(variant, action.kind() as u8);
            assert_eq!(ActionKind::from_variant(variant), Some(action.kind()));
        }
        assert_eq!(ActionKind::from_variant(ActionKind::ALL.len() as u8), None);
    }

    /// A new proposal as `Proposal::open` makes one (without validating the action).
    fn opened(action: ProposalAction, proposer: Pubkey) -> Proposal {
        Proposal {
            bump: 254,
            issuer: Pubkey::new_unique(),
            index: 9,
            proposer,
            status: ProposalStatus::Active,
            created_at: 100,
            approved_at: 0,
            pause_count: 3,
            execution_window: 0,
            approvals: Vec::new(),
            rejections: Vec::new(),
            action,
            accepted: Vec::new(),
        }
    }

    /// An account as `propose` writes it: the struct's Borsh in an account of
    /// `Proposal::space`, the rest zero.
    fn account_bytes(proposal: &Proposal) -> Vec<u8> {
        let mut data = Proposal::DISCRIMINATOR.to_vec();
        proposal.serialize(&mut data).unwrap();
        data.resize(Proposal::space(&proposal.action), 0);
        data
    }

    fn with_in_place<R>(data: &mut [u8], f: impl FnOnce(&mut ProposalInPlace) -> R) -> R {
        let key = Pubkey::new_unique();
        let mut lamports = 1u64;
        let info = AccountInfo::new(&key, false, true, &mut lamports, data, &crate::ID, false);
        let mut proposal = ProposalInPlace::load(&info).unwrap();
        f(&mut proposal)
    }

    #[test]
    fn votes_in_place_write_what_the_struct_encodes() {
        for action in actions_with_full_roles() {
            let members: Vec<Pubkey> = (0..MAX_MEMBERS).map(|_| Pubkey::new_unique()).collect();
            let mut expected = opened(action, members[0]);
            let mut data = account_bytes(&expected);
            // every key the action names accepts (in place, as `accept` does), once
            for key in expected.action.named_keys() {
                with_in_place(&mut data, |p| p.accept(&key)).unwrap();
                expected.accepted.push(key);
                assert_eq!(data, account_bytes(&expected));
                assert_eq!(
                    with_in_place(&mut data, |p| p.accept(&key)).unwrap_err(),
                    error!(MinterError::AlreadyAccepted)
                );
            }
            let stranger = Pubkey::new_unique();
            assert_eq!(
                with_in_place(&mut data, |p| p.accept(&stranger)).unwrap_err(),
                error!(MinterError::NotNamedInProposal)
            );
            // six approvals (threshold 6 reached at the last), then four rejections veto it
            for (i, member) in members.iter().enumerate() {
                let now = 1_000 + i as i64;
                if i < 6 {
                    with_in_place(&mut data, |p| p.approve(member, 6, 777, now)).unwrap();
                    expected.approvals.push(*member);
                    if i == 5 {
                        expected.status = ProposalStatus::Approved;
                        expected.approved_at = now;
                        expected.execution_window = 777;
                    }
                } else {
                    with_in_place(&mut data, |p| p.reject(member, 4, MAX_MEMBERS)).unwrap();
                    expected.rejections.push(*member);
                    if i == 9 {
                        expected.status = ProposalStatus::Vetoed;
                    }
                }
                assert_eq!(data, account_bytes(&expected), "after vote {i}");
                let decoded = Proposal::try_deserialize(&mut data.as_slice()).unwrap();
                assert_eq!(decoded.approvals, expected.approvals);
                assert_eq!(decoded.action, expected.action);
            }
            with_in_place(&mut data, |p| {
                let (action, accepted) = p.action_and_accepted().unwrap();
                assert_eq!(
                    (action, accepted.to_vec()),
                    (expected.action.clone(), expected.accepted.clone())
                );
                assert_eq!(p.action().unwrap(), expected.action);
                assert_eq!(p.state(), expected.state());
                assert_eq!(p.context().unwrap(), expected.context());
                assert_eq!(p.proposer(), expected.proposer);
                assert_eq!(p.index(), 9);
                assert_eq!(
                    p.approve(&members[0], 6, 777, 0).unwrap_err(),
                    error!(MinterError::ProposalNotActive)
                );
            });
        }
    }

    #[test]
    fn execution_in_place_marks_what_the_struct_marks() {
        let member = Pubkey::new_unique();
        let mut expected = opened(ProposalAction::Unpause, member);
        let mut data = account_bytes(&expected);
        with_in_place(&mut data, |p| p.approve(&member, 1, 100, 50)).unwrap();
        expected.approvals.push(member);
        expected.status = ProposalStatus::Approved;
        expected.approved_at = 50;
        expected.execution_window = 100;
        with_in_place(&mut data, |p| {
            // time lock 10: executable from 60 through 160
            assert_eq!(
                p.execute(10, 59).unwrap_err(),
                error!(MinterError::TimeLockNotElapsed)
            );
            assert_eq!(
                p.execute(10, 161).unwrap_err(),
                error!(MinterError::ProposalExpired)
            );
            p.execute(10, 60).unwrap();
            assert_eq!(
                p.execute(10, 60).unwrap_err(),
                error!(MinterError::ProposalNotActive)
            );
        });
        expected.status = ProposalStatus::Executed;
        assert_eq!(data, account_bytes(&expected));
    }

    #[test]
    fn in_place_rules_refuse_as_the_struct_did() {
        let members: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
        let open = opened(ProposalAction::Unpause, members[0]);
        let mut data = account_bytes(&open);
        with_in_place(&mut data, |p| {
            p.approve(&members[0], 2, 60, 5).unwrap();
            assert_eq!(
                p.approve(&members[0], 2, 60, 5).unwrap_err(),
                error!(MinterError::AlreadyVoted)
            );
            assert_eq!(
                p.reject(&members[0], 2, 3).unwrap_err(),
                error!(MinterError::AlreadyVoted)
            );
            // 3 members, threshold 2: two rejections leave one who could approve
            p.reject(&members[1], 2, 3).unwrap();
            assert_eq!(p.status(), ProposalStatus::Active);
            p.reject(&members[2], 2, 3).unwrap();
            assert_eq!(p.status(), ProposalStatus::Rejected);
            assert_eq!(
                p.cancel(&members[0]).unwrap_err(),
                error!(MinterError::ProposalNotActive)
            );
        });
        let mut data = account_bytes(&open);
        with_in_place(&mut data, |p| {
            assert_eq!(
                p.cancel(&members[1]).unwrap_err(),
                error!(MinterError::NotProposer)
            );
            p.cancel(&members[0]).unwrap();
            assert_eq!(p.status(), ProposalStatus::Cancelled);
        });
        // a full account: the last 32 bytes in use are never dropped
        let mut data = account_bytes(&open);
        let len = data.len();
        data[len - 1] = 1;
        with_in_place(&mut data, |p| {
            assert_eq!(
                p.approve(&members[0], 2, 60, 5).unwrap_err(),
                error!(ErrorCode::AccountDidNotSerialize)
            );
        });
    }

    #[test]
    fn only_a_proposal_of_this_program_loads() {
        let open = opened(ProposalAction::Unpause, Pubkey::new_unique());
        let key = Pubkey::new_unique();
        let load = |data: &mut Vec<u8>, owner: &Pubkey, mut lamports: u64| {
            let info = AccountInfo::new(&key, false, true, &mut lamports, data, owner, false);
            ProposalInPlace::load(&info).err()
        };
        let system = anchor_lang::system_program::ID;
        assert_eq!(
            load(&mut vec![], &system, 0),
            Some(error!(ErrorCode::AccountNotInitialized))
        );
        let mut data = account_bytes(&open);
        assert_eq!(
            load(&mut data, &system, 1),
            Some(error!(ErrorCode::AccountOwnedByWrongProgram))
        );
        assert_eq!(
            load(&mut vec![1, 2], &crate::ID, 1),
            Some(error!(ErrorCode::AccountDiscriminatorNotFound))
        );
        let mut other = account_bytes(&open);
        other[0] ^= 1;
        assert_eq!(
            load(&mut other, &crate::ID, 1),
            Some(error!(ErrorCode::AccountDiscriminatorMismatch))
        );
        let mut too_many = account_bytes(&open);
        too_many[offset::APPROVALS] = (MAX_MEMBERS + 1) as u8;
        assert_eq!(
            load(&mut too_many, &crate::ID, 1),
            Some(error!(ErrorCode::AccountDidNotDeserialize))
        );
        assert_eq!(load(&mut data, &crate::ID, 1), None);
    }
}
