use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::KeyAccepted;
use crate::state::*;

/// A key the proposal names (a new member, role holder or minter authority) accepts it, so a
/// mistyped or unreachable key can never be put in charge: the proposal does not execute
/// until every key it newly puts in charge has accepted.
#[event_cpi]
#[derive(Accounts)]
pub struct Accept<'info> {
    /// A key the proposal's action names.
    pub key: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// The proposal, read and written in place (`ProposalInPlace`: the key appended to its
    /// accepted list, nothing re-encoded on exit).
    /// CHECK: `ProposalInPlace::load` (owner, discriminator) and its address under the issuer,
    /// first thing in `validate`.
    #[cfg(not(feature = "idl-build"))]
    #[account(mut)]
    pub proposal: UncheckedAccount<'info>,
    /// The proposal, read and written in place (`ProposalInPlace`: the key appended to its
    /// accepted list, nothing re-encoded on exit).
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

impl Accept<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        issuer.check_context(proposal.context()?)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let key = ctx.accounts.key.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let proposal_index = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            // an expired approval can never execute: accepting it would record nothing useful
            require!(
                !proposal.state().has_expired(issuer.time_lock, now),
                MinterError::ProposalExpired
            );
            proposal.accept(&key)?;
            proposal.index()
        };
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            KeyAccepted {
                mint,
                seq,
                proposal_index,
                key
            }
        );
        Ok(())
    }
}
