use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{
    AllowanceBudgetChanged, ExecutionWindowChanged, IssuanceResumed, LimitsChanged, MembersChanged,
    ProposalExecuted, RolesChanged, Unpaused,
};
use crate::state::*;
use crate::token_cpi::IssuerSigned;

/// Executes a proposal whose action changes only the issuer (and the mint's pause state):
/// SetGovernance, SetRoles, SetLimits, SetExecutionWindow, Unpause, ResumeIssuance,
/// SetAllowanceBudget. Minter actions, seizure, metadata and upgrades have their own
/// instructions, because they need the minter's, the token's or the loader's accounts.
#[event_cpi]
#[derive(Accounts)]
pub struct Execute<'info> {
    /// Anyone may execute an approved proposal once its time lock has passed.
    pub executor: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: AccountLoader<'info, Issuer>,
    /// The proposal, read in place (`ProposalInPlace`: its status written there, its action
    /// decoded once, nothing re-encoded on exit).
    /// CHECK: `ProposalInPlace::load` (owner, discriminator) and its address under the issuer,
    /// first thing in `validate`.
    #[cfg(not(feature = "idl-build"))]
    #[account(mut)]
    pub proposal: UncheckedAccount<'info>,
    /// The proposal, read in place (`ProposalInPlace`: its status written there, its action
    /// decoded once, nothing re-encoded on exit).
    // The IDL's view of the same account: typed, with its seeds, for clients.
    #[cfg(feature = "idl-build")]
    #[account(
        mut,
        seeds = [
            crate::seeds::PROPOSAL_SEED,
            issuer.key().as_ref(),
            &proposal.index.to_le_bytes(),
        ],
        bump = proposal.bump,
    )]
    pub proposal: Account<'info, Proposal>,
    /// The issuer's mint (Unpause resumes it at the token level).
    /// CHECK: the issuer's mint by address and owner (constraints below).
    #[account(
        mut,
        dup,
        address = issuer.load()?.mint @ MinterError::WrongMint,
        owner = anchor_spl::token_2022::ID @ MinterError::WrongMint,
    )]
    pub mint: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
}

impl Execute<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        let context = proposal.context()?;
        match context.kind {
            ActionKind::ConfigureMinter
            | ActionKind::RemoveMinter
            | ActionKind::Seize
            | ActionKind::UpgradeProgram
            | ActionKind::SetUpgradeAuthority
            | ActionKind::UpdateMetadata => {
                err!(MinterError::WrongExecuteInstruction)
            }
            ActionKind::Unpause => {
                require!(issuer.paused(), MinterError::NotPaused);
                issuer.check_context(context)
            }
            ActionKind::ResumeIssuance => {
                require!(issuer.issuance_paused(), MinterError::IssuanceNotPaused);
                issuer.check_context(context)
            }
            _ => Ok(()),
        }
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let (index, action) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            let issuer = ctx.accounts.issuer.load()?;
            proposal.execute(issuer.time_lock, now)?;
            let (action, accepted) = proposal.action_and_accepted()?;
            // keys it newly puts in charge must have accepted (against the issuer as it is at
            // execution, so keys that already hold the role need not); checked once it could
            // otherwise execute, so the refusal is the last thing missing
            action.require_accepted(&issuer, accepted, false)?;
            (proposal.index(), action)
        };
        let action = &action;

        if *action == ProposalAction::Unpause {
            IssuerSigned::new(
                &ctx.accounts.issuer,
                ctx.accounts.mint.to_account_info(),
                ctx.accounts.token_program.to_account_info(),
            )?
            .resume()?;
        }

        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let mint = issuer.mint;
        let seq = issuer.next_seq()?;
        emit_event!(
            ctx,
            ProposalExecuted {
                mint,
                seq,
                index,
                executor
            }
        );
        let seq = issuer.next_seq()?;
        match action {
            ProposalAction::SetGovernance {
                members,
                threshold,
                time_lock,
            } => {
                issuer.set_governance(members, *threshold, *time_lock)?;
                issuer.invariant()?;
                let event = MembersChanged {
                    mint,
                    seq,
                    members: issuer.members().to_vec(),
                    threshold: *threshold,
                    time_lock: *time_lock,
                    stale_proposal_index: issuer.stale_proposal_index,
                };
                emit_event!(ctx, event);
            }
            ProposalAction::SetRoles(roles) => {
                issuer.set_roles(roles)?;
                issuer.invariant()?;
                let event = RolesChanged {
                    mint,
                    seq,
                    roles: issuer.roles(),
                };
                emit_event!(ctx, event);
            }
            ProposalAction::SetLimits(limits) => {
                issuer.set_limits(*limits)?;
                issuer.invariant()?;
                let limits = *limits;
                emit_event!(ctx, LimitsChanged { mint, seq, limits });
            }
            ProposalAction::SetExecutionWindow { seconds } => {
                issuer.set_execution_window(*seconds)?;
                issuer.invariant()?;
                let seconds = *seconds;
                emit_event!(ctx, ExecutionWindowChanged { mint, seq, seconds });
            }
            ProposalAction::Unpause => {
                issuer.record_unpause();
                emit_event!(
                    ctx,
                    Unpaused {
                        mint,
                        seq,
                        proposal_index: index
                    }
                );
            }
            ProposalAction::ResumeIssuance => {
                issuer.record_issuance_resumed();
                emit_event!(
                    ctx,
                    IssuanceResumed {
                        mint,
                        seq,
                        proposal_index: index
                    }
                );
            }
            ProposalAction::SetAllowanceBudget { capacity, window } => {
                issuer.set_allowance_budget(*capacity, *window, now)?;
                issuer.invariant()?;
                let (capacity, window) = (*capacity, *window);
                let available = issuer.allowance_budget_left(now);
                emit_event!(
                    ctx,
                    AllowanceBudgetChanged {
                        mint,
                        seq,
                        capacity,
                        window,
                        available
                    }
                );
            }
            // refused by validate
            ProposalAction::ConfigureMinter(_)
            | ProposalAction::RemoveMinter { .. }
            | ProposalAction::Seize { .. }
            | ProposalAction::UpgradeProgram { .. }
            | ProposalAction::SetUpgradeAuthority { .. }
            | ProposalAction::UpdateMetadata(_) => {
                return err!(MinterError::WrongExecuteInstruction);
            }
        }
        Ok(())
    }
}
