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
    #[account(mut, dup, constraint = issuer.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump))]
    pub issuer: Box<Account<'info, Issuer>>,
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
        let now = Clock::get()?.unix_timestamp;
        // stale, outlived or expired: it can never execute
        let dead = self.issuer.is_stale(self.proposal.index)
            || self.issuer.has_outlived(&self.proposal)
            || self.proposal.has_expired(&self.issuer, now);
        require!(self.proposal.has_ended(dead), MinterError::ProposalNotEnded);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn close_proposal(ctx: Context<Self>) -> Result<()> {
        let index = ctx.accounts.proposal.index;
        let rent_receiver = ctx.accounts.proposer.key();
        let issuer = &mut ctx.accounts.issuer;
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
