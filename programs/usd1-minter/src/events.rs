//! Events, emitted through `emit_cpi!` (a self-CPI the validator records as an inner
//! instruction, so events survive log truncation). Every event starts with the mint and
//! `seq`, the issuer's event counter: IssuerInitialized is 1, each later event +1, so a reader
//! that sees a gap knows it missed one.
use anchor_lang::prelude::*;

use crate::state::{Limits, MetadataField, ProposalAction, ProposalStatus, Roles};

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerInitialized {
    pub mint: Pubkey,
    pub seq: u64,
    /// The issuer PDA (every authority of the mint).
    pub issuer: Pubkey,
    pub decimals: u8,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub members: Vec<Pubkey>,
    pub threshold: u8,
    pub time_lock: u32,
    pub limits: Limits,
    pub permanent_delegate: bool,
    pub default_frozen: bool,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalCreated {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    pub proposer: Pubkey,
    pub action: ProposalAction,
    /// Active, or Approved at once when the threshold is 1.
    pub status: ProposalStatus,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalApproved {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    pub member: Pubkey,
    /// Approvals after this vote.
    pub approvals: u8,
    /// Approved once this vote reached the threshold.
    pub status: ProposalStatus,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRejected {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    pub member: Pubkey,
    /// Rejections after this vote.
    pub rejections: u8,
    /// Rejected once the threshold is out of reach.
    pub status: ProposalStatus,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalCancelled {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    pub proposer: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalExecuted {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    pub executor: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalClosed {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    /// Receives the rent back (the proposer).
    pub rent_receiver: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinterConfigured {
    pub mint: Pubkey,
    pub seq: u64,
    pub authority: Pubkey,
    /// The minter PDA.
    pub minter: Pubkey,
    /// True when this created the minter.
    pub created: bool,
    /// What the proposal granted (added to what was left).
    pub allowance_grant: u64,
    /// The allowance after the grant.
    pub allowance: u64,
    pub rate_capacity: u64,
    pub rate_window: u32,
    pub active: bool,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinterRemoved {
    pub mint: Pubkey,
    pub seq: u64,
    pub authority: Pubkey,
    /// The closed minter PDA.
    pub minter: Pubkey,
    /// Allowance that was left and is now gone.
    pub allowance_forfeited: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    pub mint: Pubkey,
    pub seq: u64,
    pub request_id: [u8; 32],
    /// The minter's authority (signer).
    pub minter: Pubkey,
    /// Token account credited.
    pub recipient: Pubkey,
    pub amount: u64,
    pub supply_after: u64,
    pub allowance_after: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub members: Vec<Pubkey>,
    pub threshold: u8,
    pub time_lock: u32,
    /// Proposals with an index at or below this are now stale.
    pub stale_proposal_index: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub roles: Roles,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub limits: Limits,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paused {
    pub mint: Pubkey,
    pub seq: u64,
    /// The pauser or member who paused.
    pub by: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaused {
    pub mint: Pubkey,
    pub seq: u64,
    /// Index of the executed proposal.
    pub proposal_index: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFrozen {
    pub mint: Pubkey,
    pub seq: u64,
    /// The frozen token account.
    pub account: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// The issuer's reason code (its meaning is off-chain policy).
    pub reason_code: u16,
    /// The freezer who signed.
    pub by: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountThawed {
    pub mint: Pubkey,
    pub seq: u64,
    pub account: Pubkey,
    pub owner: Pubkey,
    pub by: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seized {
    pub mint: Pubkey,
    pub seq: u64,
    /// The frozen token account the tokens left (frozen again afterwards).
    pub from: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// Treasury token account credited, or None when the tokens were burned.
    pub to: Option<Pubkey>,
    pub amount: u64,
    pub supply_after: u64,
    /// Index of the executed proposal.
    pub proposal_index: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionRequested {
    pub mint: Pubkey,
    pub seq: u64,
    pub redemption_id: [u8; 32],
    pub holder: Pubkey,
    /// Token account burned from (a refund re-mints to it).
    pub token_account: Pubkey,
    pub amount: u64,
    /// Off-chain payout instruction (e.g. a hash of the bank details).
    pub payout_reference: [u8; 32],
    pub supply_after: u64,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionSettled {
    pub mint: Pubkey,
    pub seq: u64,
    pub redemption_id: [u8; 32],
    pub holder: Pubkey,
    pub amount: u64,
    /// Off-chain proof of the payout (e.g. the bank transfer reference).
    pub settlement_reference: [u8; 32],
    /// The redemption operator.
    pub by: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionRefunded {
    pub mint: Pubkey,
    pub seq: u64,
    pub redemption_id: [u8; 32],
    pub holder: Pubkey,
    /// Token account re-credited.
    pub token_account: Pubkey,
    pub amount: u64,
    pub reason_code: u16,
    pub supply_after: u64,
    /// The redemption operator.
    pub by: Pubkey,
}

#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservesAttested {
    pub mint: Pubkey,
    pub seq: u64,
    /// Reserves in the token's base units.
    pub amount: u64,
    /// Unix time the reserves were measured.
    pub as_of: i64,
    /// Hash of the attestation report.
    pub report_hash: [u8; 32],
    /// Token supply when attested.
    pub supply: u64,
    /// The reserve attestor.
    pub by: Pubkey,
}

/// A pauser, a member or the allowance manager lowered a minter's allowance at once (no
/// proposal: lowering only bounds harm).
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceDecreased {
    pub mint: Pubkey,
    pub seq: u64,
    pub authority: Pubkey,
    /// The minter PDA.
    pub minter: Pubkey,
    /// Who signed.
    pub by: Pubkey,
    pub allowance_before: u64,
    pub allowance_after: u64,
    /// What the allowance manager's budget holds now (lowering does not refill it).
    pub budget_left: u64,
}

/// Governance set how long approved proposals stay executable after their time lock.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionWindowChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub seconds: u32,
}

/// The program's upgrade authority signed it over to this issuer's upgrade-authority PDA:
/// from now on only this issuer's executed proposals upgrade the program.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeAuthorityReceived {
    pub mint: Pubkey,
    pub seq: u64,
    /// The key that held the upgrade authority and signed the hand-over.
    pub previous_authority: Pubkey,
    /// The PDA `["upgrade_authority", issuer]` that holds it now.
    pub upgrade_authority: Pubkey,
}

/// An executed UpgradeProgram proposal replaced the program (visible from the next slot).
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramUpgraded {
    pub mint: Pubkey,
    pub seq: u64,
    /// The loader buffer deployed (closed by the upgrade).
    pub buffer: Pubkey,
    /// SHA-256 of the deployed program bytes.
    pub buffer_hash: [u8; 32],
    pub proposal_index: u64,
}

/// An executed SetUpgradeAuthority proposal passed the upgrade authority on (None: the
/// program is immutable now).
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeAuthorityChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub new_authority: Option<Pubkey>,
    pub proposal_index: u64,
}

/// A key named by a proposal (a new member, role holder or minter authority) signed its
/// acceptance: it controls the key.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAccepted {
    pub mint: Pubkey,
    pub seq: u64,
    pub proposal_index: u64,
    pub key: Pubkey,
}

/// Threshold members rejected an approved proposal before its execution: it can never
/// execute.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalVetoed {
    pub mint: Pubkey,
    pub seq: u64,
    pub index: u64,
    /// The member whose rejection reached the threshold.
    pub member: Pubkey,
    pub rejections: u8,
}

/// A pauser or member suspended a minter at once; only an executed ConfigureMinter created
/// after this reactivates it.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinterSuspended {
    pub mint: Pubkey,
    pub seq: u64,
    pub authority: Pubkey,
    /// The minter PDA.
    pub minter: Pubkey,
    /// Who signed.
    pub by: Pubkey,
    /// ConfigureMinter proposals at or below this index can no longer execute on it.
    pub suspension_index: u64,
}

/// A pauser or member paused issuance only: mint and refund stop, holders keep
/// transferring and redeeming.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuancePaused {
    pub mint: Pubkey,
    pub seq: u64,
    pub by: Pubkey,
}

/// An executed ResumeIssuance proposal lifted the issuance pause.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceResumed {
    pub mint: Pubkey,
    pub seq: u64,
    pub proposal_index: u64,
}

/// An executed UpdateMetadata proposal changed the token's metadata.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataUpdated {
    pub mint: Pubkey,
    pub seq: u64,
    pub proposal_index: u64,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub fields: Vec<MetadataField>,
    pub remove_keys: Vec<String>,
}

/// The allowance manager raised a minter's allowance, drawing on the budget.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceRaised {
    pub mint: Pubkey,
    pub seq: u64,
    pub authority: Pubkey,
    /// The minter PDA.
    pub minter: Pubkey,
    /// The allowance manager.
    pub manager: Pubkey,
    pub allowance_before: u64,
    pub allowance_after: u64,
    /// What the budget holds after this raise.
    pub budget_left: u64,
}

/// Governance set the allowance manager's budget.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceBudgetChanged {
    pub mint: Pubkey,
    pub seq: u64,
    pub capacity: u64,
    pub window: u32,
    /// What the budget holds now.
    pub available: u64,
}
