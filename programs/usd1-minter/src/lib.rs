//! usd1-minter: a Token-2022 stablecoin mint whose every authority is one program PDA (the
//! issuer), governed by a program-internal M-of-N multisig, issued by authorized minters
//! within allowances, rate limits and a supply cap, one funding request id at a time.
//!
//! Compute units (issue 17), conventions every accounts struct follows:
//! - An account the program created at a PDA and whose bump it stored (issuer, proposal,
//!   redemption) is checked with one SHA-256 of its seeds (`crate::pda`), not Anchor's
//!   `seeds` constraint (1,500 units); the seeds stay in the IDL through
//!   `cfg_attr(feature = "idl-build", account(seeds = ..))`, so clients resolve the same
//!   addresses. Accounts created here (receipt, redemption, proposal, minter) get their
//!   canonical bump from `crate::pda` too.
//! - Mutable program and token accounts are marked `dup`: Anchor's duplicate-mutable check (a
//!   `HashSet` per instruction) is left out where each such account has its own type, because
//!   one address holds one discriminator, so they cannot alias.
//! - Token accounts are `UncheckedAccount`s read from their bytes (`token_cpi::token_account`,
//!   the checks of `InterfaceAccount<TokenAccount>` without copying or walking the state), and
//!   the issuer's mint is checked by address and owner; neither is encoded on exit. Seizure's
//!   two token accounts cannot alias: each must be the one its proposal names, and a proposal
//!   cannot name one account twice (`SeizeToSelf`).
//! - Events go through `event_cpi::emit` (the bytes of `emit_cpi!`, written once).
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;
#[cfg(feature = "registry-sbf")]
use solana_compiler_builtins as _;

/// Logs `label` and the remaining compute units in `cu-profile` builds; nothing otherwise.
macro_rules! cu_checkpoint {
    ($label:literal) => {
        #[cfg(feature = "cu-profile")]
        {
            anchor_lang::solana_program::msg!($label);
            #[cfg(target_os = "solana")]
            // SAFETY: a syscall without arguments that only logs
            unsafe {
                solana_define_syscall::definitions::sol_log_compute_units_()
            };
        }
    };
}
pub(crate) use cu_checkpoint;

pub mod account_creation;
pub mod cpi;
pub mod errors;
pub mod event_cpi;
pub mod events;
pub mod instructions;
pub mod loader_cpi;
pub mod math;
pub mod pda;
pub mod seeds;
pub mod state;
pub mod token_cpi;

use instructions::*;
use state::ProposalAction;

declare_id!("GngNAeG9Vc7pQKcPfJuVLUQEuSzAKmHpyxBignxqQWyg");

#[program]
pub mod usd1_minter {
    use super::*;

    /// Creates the Token-2022 mint (every authority the issuer PDA) and the issuer. Signers:
    /// payer, mint keypair.
    #[instruction(discriminator = 1)]
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        Initialize::initialize(ctx, args)
    }

    /// A member proposes a governance action at `index` (the issuer's `proposal_index + 1`);
    /// their approval counts. Signer: member.
    #[instruction(discriminator = 2)]
    pub fn propose(ctx: Context<Propose>, index: u64, action: ProposalAction) -> Result<()> {
        Propose::propose(ctx, index, action)
    }

    /// A member approves an active proposal once. Signer: member.
    #[instruction(discriminator = 3)]
    pub fn approve(ctx: Context<ProposalVote>) -> Result<()> {
        ProposalVote::approve(ctx)
    }

    /// A member rejects an active proposal once. Signer: member.
    #[instruction(discriminator = 4)]
    pub fn reject(ctx: Context<ProposalVote>) -> Result<()> {
        ProposalVote::reject(ctx)
    }

    /// The proposer withdraws an unexecuted proposal. Signer: proposer.
    #[instruction(discriminator = 5)]
    pub fn cancel(ctx: Context<Cancel>) -> Result<()> {
        Cancel::cancel(ctx)
    }

    /// Executes SetGovernance, SetRoles, SetLimits, SetExecutionWindow, Unpause,
    /// ResumeIssuance or SetAllowanceBudget. Signer: anyone.
    #[instruction(discriminator = 6)]
    pub fn execute(ctx: Context<Execute>) -> Result<()> {
        Execute::execute(ctx)
    }

    /// Executes ConfigureMinter (creates or updates the minter). Signer: anyone (pays rent).
    #[instruction(discriminator = 7)]
    pub fn execute_configure_minter(ctx: Context<ExecuteConfigureMinter>) -> Result<()> {
        ExecuteConfigureMinter::execute_configure_minter(ctx)
    }

    /// Executes RemoveMinter (closes the minter). Signer: anyone.
    #[instruction(discriminator = 8)]
    pub fn execute_remove_minter(ctx: Context<ExecuteRemoveMinter>) -> Result<()> {
        ExecuteRemoveMinter::execute_remove_minter(ctx)
    }

    /// Closes an ended proposal, returning its rent to the proposer. Signer: anyone.
    #[instruction(discriminator = 9)]
    pub fn close_proposal(ctx: Context<CloseProposal>) -> Result<()> {
        CloseProposal::close_proposal(ctx)
    }

    /// Pauses issuance and the token. Signer: a pauser or a member.
    #[instruction(discriminator = 10)]
    pub fn pause(ctx: Context<Pause>) -> Result<()> {
        Pause::pause(ctx)
    }

    /// Mints `amount` for funding request `request_id`. Signer: the minter's authority (and,
    /// when a mint attestor is set, its Ed25519 co-signature in the previous instruction).
    #[instruction(discriminator = 11)]
    pub fn mint(ctx: Context<MintTokens>, request_id: [u8; 32], amount: u64) -> Result<()> {
        MintTokens::mint(ctx, request_id, amount)
    }

    /// Executes Seize (moves or burns tokens of a frozen account through the permanent
    /// delegate). Signer: anyone.
    #[instruction(discriminator = 12)]
    pub fn execute_seize(ctx: Context<ExecuteSeize>) -> Result<()> {
        ExecuteSeize::execute_seize(ctx)
    }

    /// Freezes a token account of this mint. Signer: a freezer.
    #[instruction(discriminator = 13)]
    pub fn freeze(ctx: Context<FreezeOrThaw>, reason_code: u16) -> Result<()> {
        FreezeOrThaw::freeze(ctx, reason_code)
    }

    /// Thaws a token account of this mint (in KYC mode: admits a holder). Signer: a freezer.
    #[instruction(discriminator = 14)]
    pub fn thaw(ctx: Context<FreezeOrThaw>) -> Result<()> {
        FreezeOrThaw::thaw(ctx)
    }

    /// Burns `amount` from the holder's account for redemption against `payout_reference`.
    /// Signer: the token account's owner.
    #[instruction(discriminator = 15)]
    pub fn redeem(
        ctx: Context<Redeem>,
        redemption_id: [u8; 32],
        amount: u64,
        payout_reference: [u8; 32],
    ) -> Result<()> {
        Redeem::redeem(ctx, redemption_id, amount, payout_reference)
    }

    /// Marks a requested redemption paid. Signer: the redemption operator.
    #[instruction(discriminator = 16)]
    pub fn settle_redemption(
        ctx: Context<SettleRedemption>,
        redemption_id: [u8; 32],
        settlement_reference: [u8; 32],
    ) -> Result<()> {
        SettleRedemption::settle_redemption(ctx, redemption_id, settlement_reference)
    }

    /// Re-mints a requested redemption's amount to its token account. Signer: the redemption
    /// operator.
    #[instruction(discriminator = 17)]
    pub fn refund_redemption(
        ctx: Context<RefundRedemption>,
        redemption_id: [u8; 32],
        reason_code: u16,
    ) -> Result<()> {
        RefundRedemption::refund_redemption(ctx, redemption_id, reason_code)
    }

    /// Lowers a minter's allowance by `amount` at once (to zero at most). Signer: a pauser,
    /// a member or the allowance manager.
    #[instruction(discriminator = 18)]
    pub fn decrease_allowance(ctx: Context<DecreaseAllowance>, amount: u64) -> Result<()> {
        DecreaseAllowance::decrease_allowance(ctx, amount)
    }

    /// Records the reserves backing the token. Signer: the reserve attestor.
    #[instruction(discriminator = 19)]
    pub fn attest_reserves(
        ctx: Context<AttestReserves>,
        amount: u64,
        as_of: i64,
        report_hash: [u8; 32],
    ) -> Result<()> {
        AttestReserves::attest_reserves(ctx, amount, as_of, report_hash)
    }

    /// Hands the program's upgrade authority to this issuer's `["upgrade_authority",
    /// issuer]` PDA (loader `SetAuthorityChecked`). Signer: the current upgrade authority.
    #[instruction(discriminator = 20)]
    pub fn hand_over_upgrade_authority(ctx: Context<HandOverUpgradeAuthority>) -> Result<()> {
        HandOverUpgradeAuthority::hand_over_upgrade_authority(ctx)
    }

    /// Executes UpgradeProgram (loader `Upgrade` from the hash-checked buffer). Signer:
    /// anyone (request about 1,400,000 compute units: the hash reads the whole buffer).
    #[instruction(discriminator = 21)]
    pub fn execute_upgrade_program(ctx: Context<ExecuteUpgradeProgram>) -> Result<()> {
        ExecuteUpgradeProgram::execute_upgrade_program(ctx)
    }

    /// Executes SetUpgradeAuthority. Signers: anyone, and the new authority when there is
    /// one.
    #[instruction(discriminator = 22)]
    pub fn execute_set_upgrade_authority(ctx: Context<ExecuteSetUpgradeAuthority>) -> Result<()> {
        ExecuteSetUpgradeAuthority::execute_set_upgrade_authority(ctx)
    }

    /// A key the proposal names (a new member, role holder or minter authority) accepts it;
    /// the proposal executes only once every key it newly puts in charge has. Signer: the key.
    #[instruction(discriminator = 23)]
    pub fn accept(ctx: Context<Accept>) -> Result<()> {
        Accept::accept(ctx)
    }

    /// Suspends a minter at once; only an executed ConfigureMinter created after this
    /// reactivates it. Signer: a pauser or a member.
    #[instruction(discriminator = 24)]
    pub fn suspend_minter(ctx: Context<SuspendMinter>) -> Result<()> {
        SuspendMinter::suspend_minter(ctx)
    }

    /// Pauses issuance only (mint and refund stop; transfers and redemptions go on); only
    /// an executed ResumeIssuance resumes. Signer: a pauser or a member.
    #[instruction(discriminator = 25)]
    pub fn pause_issuance(ctx: Context<PauseIssuance>) -> Result<()> {
        PauseIssuance::pause_issuance(ctx)
    }

    /// Raises an active minter's allowance by `amount`, drawn from the allowance budget.
    /// Signer: the allowance manager.
    #[instruction(discriminator = 26)]
    pub fn raise_allowance(ctx: Context<RaiseAllowance>, amount: u64) -> Result<()> {
        RaiseAllowance::raise_allowance(ctx, amount)
    }

    /// Executes UpdateMetadata (Token-2022 metadata updates signed by the issuer). Signer:
    /// anyone (pays for the mint's growth).
    #[instruction(discriminator = 27)]
    pub fn execute_update_metadata(ctx: Context<ExecuteUpdateMetadata>) -> Result<()> {
        ExecuteUpdateMetadata::execute_update_metadata(ctx)
    }
}
