use anchor_lang::prelude::*;

use crate::account_creation;
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
    /// The proposal, read and written in place (`ProposalInPlace`: no decoding of its action),
    /// closed by the handler.
    /// CHECK: `ProposalInPlace::load` (owner, discriminator), its address under the issuer.
    #[cfg(not(feature = "idl-build"))]
    #[account(
        mut,
        constraint = ProposalInPlace::load(&proposal)?.is_at_own_address(&proposal.key(), &issuer.key())
            @ ErrorCode::ConstraintSeeds,
        constraint = ProposalInPlace::load(&proposal)?.proposer() == proposer.key()
            @ MinterError::WrongRentReceiver,
    )]
    pub proposal: UncheckedAccount<'info>,
    /// The proposal, read and written in place (`ProposalInPlace`: no decoding of its action),
    /// closed by the handler.
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
        has_one = proposer,
    )]
    pub proposal: Account<'info, Proposal>,
    /// The proposer (checked against the proposal above); receives the rent.
    /// CHECK: the checks described above.
    #[account(mut)]
    pub proposer: UncheckedAccount<'info>,
}

impl CloseProposal<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        let now = Clock::get()?.unix_timestamp;
        let proposal = ProposalInPlace::load(self.proposal.as_ref())?;
        let state = proposal.state();
        // stale, outlived or expired: it can never execute
        let dead = issuer.is_stale(proposal.index())
            || issuer.has_outlived(proposal.context()?)
            || state.has_expired(issuer.time_lock, now);
        require!(state.has_ended(dead), MinterError::ProposalNotEnded);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn close_proposal(ctx: Context<Self>) -> Result<()> {
        let index = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?.index();
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
        account_creation::close(ctx.accounts.proposal.as_ref(), &ctx.accounts.proposer)
    }
}
