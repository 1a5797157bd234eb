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

/// `["proposal", issuer, index (u64 LE)]`: one governance decision.
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
    /// Members who approved, in vote order, unique.
    pub approvals: Vec<Pubkey>,
    /// Members who rejected, in vote order, unique, disjoint from approvals.
    pub rejections: Vec<Pubkey>,
    /// What execution does.
    pub action: ProposalAction,
    /// The issuer's `pause_count` when this was proposed (an Unpause resumes only that
    /// pause); for a ResumeIssuance, its `issuance_pause_count`.
    pub pause_count: u64,
    /// The issuer's `execution_window` when the threshold was reached (0 before): the
    /// proposal expires by the window it was approved under, so a later, longer window does
    /// not revive an expired approval.
    pub execution_window: u32,
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
            + 2 * (4 + 32 * MAX_MEMBERS)
            + action_len
            + 8
            + 4
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

    fn has_voted(&self, member: &Pubkey) -> bool {
        self.approvals.contains(member) || self.rejections.contains(member)
    }

    /// Records `member`'s approval; at the issuer's threshold the proposal is Approved, its
    /// time lock starts and the issuer's execution window is fixed for it.
    pub fn approve(&mut self, member: Pubkey, issuer: &Issuer, now: i64) -> Result<()> {
        require!(
            self.status == ProposalStatus::Active,
            MinterError::ProposalNotActive
        );
        require!(!self.has_voted(&member), MinterError::AlreadyVoted);
        self.approvals.push(member);
        if self.approvals.len() >= usize::from(issuer.threshold) {
            self.status = ProposalStatus::Approved;
            self.approved_at = now;
            self.execution_window = issuer.execution_window;
        }
        self.invariant()
    }

    /// Records `member`'s rejection. An active proposal whose threshold is out of reach is
    /// Rejected; an approved one (in its time lock, or unlocked but not yet executed) with
    /// `threshold` rejections is Vetoed: the time lock is the window in which honest members
    /// stop a compromised quorum.
    pub fn reject(&mut self, member: Pubkey, threshold: u8, member_count: usize) -> Result<()> {
        require!(
            matches!(
                self.status,
                ProposalStatus::Active | ProposalStatus::Approved
            ),
            MinterError::ProposalNotActive
        );
        require!(!self.has_voted(&member), MinterError::AlreadyVoted);
        self.rejections.push(member);
        if self.status == ProposalStatus::Approved {
            if self.rejections.len() >= usize::from(threshold) {
                self.status = ProposalStatus::Vetoed;
            }
        } else {
            // members who could still approve: everyone who has not rejected
            let could_approve = member_count.saturating_sub(self.rejections.len());
            if could_approve < usize::from(threshold) {
                self.status = ProposalStatus::Rejected;
            }
        }
        self.invariant()
    }

    /// Records that `key`, named by the action, accepts it. Open and approved proposals
    /// only (an ended one can never execute).
    pub fn accept(&mut self, key: Pubkey) -> Result<()> {
        require!(
            matches!(
                self.status,
                ProposalStatus::Active | ProposalStatus::Approved
            ),
            MinterError::ProposalNotActive
        );
        require!(
            self.action.named_keys().contains(&key),
            MinterError::NotNamedInProposal
        );
        require!(!self.accepted.contains(&key), MinterError::AlreadyAccepted);
        self.accepted.push(key);
        self.invariant()
    }

    /// Refuses when a key the action newly puts in charge has not accepted (see
    /// [`ProposalAction::first_unaccepted_key`]); logs the key.
    pub fn require_accepted(&self, issuer: &Issuer, creates_minter: bool) -> Result<()> {
        match self
            .action
            .first_unaccepted_key(issuer, &self.accepted, creates_minter)
        {
            None => Ok(()),
            Some(key) => {
                msg!("not accepted: {}", key);
                err!(MinterError::KeyNotAccepted)
            }
        }
    }

    /// The proposer withdraws it. CAN cancel a stale or an approved (not executed) proposal.
    pub fn cancel(&mut self, by: &Pubkey) -> Result<()> {
        require_keys_eq!(*by, self.proposer, MinterError::NotProposer);
        require!(
            matches!(
                self.status,
                ProposalStatus::Active | ProposalStatus::Approved
            ),
            MinterError::ProposalNotActive
        );
        self.status = ProposalStatus::Cancelled;
        self.invariant()
    }

    /// Marks it executed if it reached its threshold and the time lock has passed. The
    /// caller checks staleness (it needs the issuer) and applies the action.
    pub fn execute(&mut self, issuer: &Issuer, now: i64) -> Result<()> {
        self.require_approved()?;
        let unlocks_at = self
            .approved_at
            .checked_add(i64::from(issuer.time_lock))
            .ok_or(MinterError::Overflow)?;
        require!(now >= unlocks_at, MinterError::TimeLockNotElapsed);
        require!(!self.has_expired(issuer, now), MinterError::ProposalExpired);
        self.status = ProposalStatus::Executed;
        self.invariant()
    }

    /// An approved proposal not executed within the execution window it was approved under,
    /// after its time lock, has expired: it can never execute (only be closed).
    pub fn has_expired(&self, issuer: &Issuer, now: i64) -> bool {
        self.status == ProposalStatus::Approved
            && now
                > self
                    .approved_at
                    .saturating_add(i64::from(issuer.time_lock))
                    .saturating_add(i64::from(self.execution_window))
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
