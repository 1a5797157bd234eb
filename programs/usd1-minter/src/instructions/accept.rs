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

impl Accept<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(self.proposal.index),
            MinterError::ProposalStale
        );
        issuer.check_context(self.proposal.context())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        // an expired approval can never execute: accepting it would record nothing useful
        require!(
            !ctx.accounts
                .proposal
                .has_expired(&*ctx.accounts.issuer.load()?, now),
            MinterError::ProposalExpired
        );
        let key = ctx.accounts.key.key();
        let proposal = &mut ctx.accounts.proposal;
        proposal.accept(key)?;
        let proposal_index = proposal.index;
        let mut issuer = ctx.accounts.issuer.load_mut()?;
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
