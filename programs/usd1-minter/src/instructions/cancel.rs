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
    /// The proposal, read and written in place (`ProposalInPlace`: no decoding of its action,
    /// no re-encoding on exit).
    /// CHECK: `ProposalInPlace::load` (owner, discriminator), its address under the issuer.
    #[cfg(not(feature = "idl-build"))]
    #[account(
        mut,
        constraint = ProposalInPlace::load(&proposal)?.is_at_own_address(&proposal.key(), &issuer.key())
            @ ErrorCode::ConstraintSeeds,
    )]
    pub proposal: UncheckedAccount<'info>,
    /// The proposal, read and written in place (`ProposalInPlace`: no decoding of its action,
    /// no re-encoding on exit).
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
}

impl Cancel<'_> {
    /// The proposer withdraws an open or approved proposal; stale ones too.
    pub fn cancel(ctx: Context<Self>) -> Result<()> {
        crate::cu_checkpoint!("cancel: accounts loaded");
        let proposer = ctx.accounts.proposer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let index = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.cancel(&proposer)?;
            proposal.index()
        };
        crate::cu_checkpoint!("cancel: proposal cancelled");
        let seq = issuer.next_seq()?;
        let mint = issuer.mint;
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
