use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{MinterRemoved, ProposalExecuted};
use crate::state::*;

/// Executes a `RemoveMinter` proposal: closes the minter's account. Its receipts stay, so
/// its request ids can never be minted again.
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteRemoveMinter<'info> {
    /// Anyone may execute an approved proposal once its time lock has passed.
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
    #[account(mut, dup, close = rent_receiver, has_one = issuer @ MinterError::WrongIssuer)]
    pub minter: AccountLoader<'info, Minter>,
    /// Receives the minter's rent; must be the account that paid it.
    /// CHECK: the checks described above.
    #[account(mut, address = minter.load()?.rent_payer @ MinterError::WrongRentReceiver)]
    pub rent_receiver: UncheckedAccount<'info>,
}

impl ExecuteRemoveMinter<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        issuer.check_context(proposal.context()?)?;
        match proposal.action()? {
            ProposalAction::RemoveMinter { authority } => {
                require_keys_eq!(
                    authority,
                    self.minter.load()?.authority,
                    MinterError::MinterAuthorityMismatch
                );
                Ok(())
            }
            _ => err!(MinterError::WrongExecuteInstruction),
        }
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_remove_minter(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let index = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            proposal.index()
        };
        let minter = ctx.accounts.minter.key();
        let (authority, allowance_forfeited) = {
            let minter = ctx.accounts.minter.load()?;
            (minter.authority, minter.allowance)
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
        issuer.record_minter_removal();
        emit_event!(
            ctx,
            MinterRemoved {
                mint,
                seq,
                authority,
                minter,
                allowance_forfeited
            }
        );
        Ok(())
    }
}
