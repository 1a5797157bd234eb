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
    #[account(
        mut,
        dup,
        constraint = proposal.is_at_own_address(&proposal.key(), &issuer.key())
            @ ErrorCode::ConstraintSeeds,
    )]
    #[cfg_attr(
        feature = "idl-build",
        account(
            seeds = [
                crate::seeds::PROPOSAL_SEED,
                issuer.key().as_ref(),
                &proposal.index.to_le_bytes(),
            ],
            bump = proposal.bump,
        )
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    #[account(mut, dup, close = rent_receiver, has_one = issuer @ MinterError::WrongIssuer)]
    pub minter: AccountLoader<'info, Minter>,
    /// Receives the minter's rent; must be the account that paid it.
    /// CHECK: the checks described above.
    #[account(mut, address = minter.load()?.rent_payer @ MinterError::WrongRentReceiver)]
    pub rent_receiver: UncheckedAccount<'info>,
}

impl ExecuteRemoveMinter<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(self.proposal.index),
            MinterError::ProposalStale
        );
        issuer.check_context(self.proposal.context())?;
        match &self.proposal.action {
            ProposalAction::RemoveMinter { authority } => {
                require_keys_eq!(
                    *authority,
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
        ctx.accounts
            .proposal
            .execute(&*ctx.accounts.issuer.load()?, now)?;
        let index = ctx.accounts.proposal.index;
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
