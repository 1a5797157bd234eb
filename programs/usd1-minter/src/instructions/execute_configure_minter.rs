use anchor_lang::prelude::*;

use crate::account_creation;
use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{MinterConfigured, ProposalExecuted};
use crate::seeds::MINTER_SEED;
use crate::state::*;

/// Executes a `ConfigureMinter` proposal: creates the minter (its authority must have
/// accepted the proposal) or updates it (unless the proposal is older than the minter's last
/// suspension).
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteConfigureMinter<'info> {
    /// Anyone; pays the minter's rent when it is new and gets it back when it is removed.
    #[account(mut)]
    pub executor: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
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
    /// Only its key is used, as the minter's PDA seed; validate checks it is the
    /// authority named by the proposal.
    /// CHECK: the checks described above.
    pub minter_authority: UncheckedAccount<'info>,
    /// The `Minter`: created here when nothing lives at its address yet (also when
    /// the address was funded first), else read as the program's `Minter` (owner and
    /// discriminator checked) and updated.
    /// CHECK: the checks described above.
    #[account(mut)]
    #[cfg_attr(
        feature = "idl-build",
        account(
            seeds = [crate::seeds::MINTER_SEED, issuer.key().as_ref(), minter_authority.key().as_ref()],
            bump,
        )
    )]
    pub minter: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl ExecuteConfigureMinter<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        issuer.check_context(proposal.context()?)?;
        match proposal.action()? {
            ProposalAction::ConfigureMinter(config) => {
                require_keys_eq!(
                    config.authority,
                    self.minter_authority.key(),
                    MinterError::MinterAuthorityMismatch
                );
                Ok(())
            }
            _ => err!(MinterError::WrongExecuteInstruction),
        }
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_configure_minter(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let issuer_key = ctx.accounts.issuer.key();
        let minter_key = ctx.accounts.minter.key();
        let (index, action, accepted) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            let (action, accepted) = proposal.action_and_accepted()?;
            // checked once the minter is known to be new, after the proposal is released
            (proposal.index(), action, accepted.to_vec())
        };
        let ProposalAction::ConfigureMinter(config) = &action else {
            return err!(MinterError::WrongExecuteInstruction);
        };

        let bump = crate::pda::canonical_bump(
            &minter_key,
            &[MINTER_SEED, issuer_key.as_ref(), config.authority.as_ref()],
        )?;
        let info = ctx.accounts.minter.to_account_info();
        let fresh = account_creation::is_vacant(&info);
        if fresh {
            account_creation::create_account(
                &ctx.accounts.executor.to_account_info(),
                &info,
                &ctx.accounts.system_program.to_account_info(),
                8 + Minter::INIT_SPACE,
                &crate::ID,
                &[&[
                    MINTER_SEED,
                    issuer_key.as_ref(),
                    config.authority.as_ref(),
                    &[bump],
                ]],
            )?;
        } else {
            require_keys_eq!(*info.owner, crate::ID, MinterError::MinterAccountInvalid);
        }
        // configured in place (the system program's call above is done: no borrow spans it)
        let (created, allowance) = {
            let mut data = info.try_borrow_mut_data()?;
            if fresh {
                data[..8].copy_from_slice(Minter::DISCRIMINATOR);
            }
            let minter: &mut Minter = account_creation::zero_copy_mut(&mut data)?;
            let created = minter.is_new();
            if created {
                // a new minter's key must have accepted: a mistyped one would hold an
                // allowance nobody can use or lower by its own signature
                action.require_accepted(&*ctx.accounts.issuer.load()?, &accepted, true)?;
            } else {
                require!(
                    !minter.has_outlived_suspension(index),
                    MinterError::MinterProposalOutlivedSuspension
                );
            }
            minter.configure(issuer_key, config, bump, executor, now)?;
            (created, minter.allowance)
        };

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
        emit_event!(
            ctx,
            MinterConfigured {
                mint,
                seq,
                authority: config.authority,
                minter: minter_key,
                created,
                allowance_grant: config.allowance_grant,
                allowance,
                rate_capacity: config.rate_capacity,
                rate_window: config.rate_window,
                active: config.active,
            }
        );
        Ok(())
    }
}
