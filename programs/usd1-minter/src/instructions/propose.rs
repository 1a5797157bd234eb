use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::events::ProposalCreated;
use crate::seeds::{ISSUER_SEED, PROPOSAL_SEED};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(action: ProposalAction)]
pub struct Propose<'info> {
    /// A member; pays the proposal's rent and approves it at once.
    #[account(mut)]
    pub proposer: Signer<'info>,
    #[account(mut, seeds = [ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump)]
    pub issuer: Box<Account<'info, Issuer>>,
    #[account(
        init,
        payer = proposer,
        space = Proposal::space(&action),
        seeds = [PROPOSAL_SEED, issuer.key().as_ref(), &issuer.next_proposal_index().to_le_bytes()],
        bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    pub system_program: Program<'info, System>,
}

impl Propose<'_> {
    fn validate(&self, action: &ProposalAction) -> Result<()> {
        require!(
            self.issuer.is_member(self.proposer.key),
            MinterError::NotAMember
        );
        if matches!(action, ProposalAction::Seize { .. }) {
            require!(
                self.issuer.permanent_delegate,
                MinterError::PermanentDelegateDisabled
            );
        }
        action.validate()
    }

    #[access_control(ctx.accounts.validate(&action))]
    pub fn propose(ctx: Context<Self>, action: ProposalAction) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let issuer_key = ctx.accounts.issuer.key();
        let proposer = ctx.accounts.proposer.key();
        let issuer = &mut ctx.accounts.issuer;
        let index = issuer.claim_proposal_index()?;
        let proposal = &mut ctx.accounts.proposal;
        proposal.open(
            issuer_key,
            index,
            ctx.bumps.proposal,
            proposer,
            action.clone(),
            now,
        )?;
        // the proposer's approval counts at once
        proposal.approve(proposer, issuer.threshold, now)?;
        let seq = issuer.next_seq()?;
        issuer.invariant()?;
        let (mint, status) = (issuer.mint, proposal.status);
        emit_cpi!(ProposalCreated {
            mint,
            seq,
            index,
            proposer,
            action,
            status
        });
        Ok(())
    }
}
