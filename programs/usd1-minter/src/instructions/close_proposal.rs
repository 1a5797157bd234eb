use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::ProposalClosed;
use crate::state::*;

/// Closes an ended proposal (executed, rejected, cancelled, stale, outlived or expired) and
/// returns its rent to the proposer. Anyone may call it.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseProposal<'info> {
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    #[account(
        mut,
        dup,
        close = proposer,
        constraint = proposal.is_at_own_address(&proposal.key(), &issuer.key())
            @ ErrorCode::ConstraintSeeds,
        has_one = proposer @ MinterError::WrongRentReceiver,
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
    /// The proposer (has_one above); receives the rent.
    /// CHECK: the checks described above.
    #[account(mut)]
    pub proposer: UncheckedAccount<'info>,
}

impl CloseProposal<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        let now = Clock::get()?.unix_timestamp;
        // stale, outlived or expired: it can never execute
        let dead = issuer.is_stale(self.proposal.index)
            || issuer.has_outlived(&self.proposal)
            || self.proposal.has_expired(&issuer, now);
        require!(self.proposal.has_ended(dead), MinterError::ProposalNotEnded);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn close_proposal(ctx: Context<Self>) -> Result<()> {
        let index = ctx.accounts.proposal.index;
        let rent_receiver = ctx.accounts.proposer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let mint = issuer.mint;
        let seq = issuer.next_seq()?;
        emit_event!(
            ctx,
            ProposalClosed {
                mint,
                seq,
                index,
                rent_receiver
            }
        );
        Ok(())
    }
}
