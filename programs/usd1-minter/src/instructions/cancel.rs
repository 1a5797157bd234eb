use anchor_lang::prelude::*;

use crate::event_cpi::emit_event;
use crate::events::ProposalCancelled;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct Cancel<'info> {
    /// The proposer (checked by `Proposal::cancel`).
    pub proposer: Signer<'info>,
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
}

impl Cancel<'_> {
    /// The proposer withdraws an open or approved proposal; stale ones too.
    pub fn cancel(ctx: Context<Self>) -> Result<()> {
        crate::cu_checkpoint!("cancel: accounts loaded");
        let proposer = ctx.accounts.proposer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let proposal = &mut ctx.accounts.proposal;
        proposal.cancel(&proposer)?;
        crate::cu_checkpoint!("cancel: proposal cancelled");
        let seq = issuer.next_seq()?;
        let (mint, index) = (issuer.mint, proposal.index);
        emit_event!(
            ctx,
            ProposalCancelled {
                mint,
                seq,
                index,
                proposer
            }
        );
        crate::cu_checkpoint!("cancel: event emitted");
        Ok(())
    }
}
