use anchor_lang::prelude::*;

use crate::events::ProposalCancelled;
use crate::seeds::{ISSUER_SEED, PROPOSAL_SEED};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct Cancel<'info> {
    /// The proposer (checked by `Proposal::cancel`).
    pub proposer: Signer<'info>,
    #[account(mut, seeds = [ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump)]
    pub issuer: Box<Account<'info, Issuer>>,
    #[account(
        mut,
        seeds = [PROPOSAL_SEED, issuer.key().as_ref(), &proposal.index.to_le_bytes()],
        bump = proposal.bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

impl Cancel<'_> {
    /// The proposer withdraws an open or approved proposal; stale ones too.
    pub fn cancel(ctx: Context<Self>) -> Result<()> {
        let proposer = ctx.accounts.proposer.key();
        let issuer = &mut ctx.accounts.issuer;
        let proposal = &mut ctx.accounts.proposal;
        proposal.cancel(&proposer)?;
        let seq = issuer.next_seq()?;
        let (mint, index) = (issuer.mint, proposal.index);
        emit_cpi!(ProposalCancelled {
            mint,
            seq,
            index,
            proposer
        });
        Ok(())
    }
}
