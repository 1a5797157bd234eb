use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{ProposalApproved, ProposalRejected, ProposalVetoed};
use crate::state::*;

/// Accounts of `approve` and `reject`.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposalVote<'info> {
    /// A member who has not voted on this proposal. Rejections also count on an approved
    /// proposal until it executes: `threshold` of them veto it.
    pub member: Signer<'info>,
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

impl ProposalVote<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(issuer.is_member(self.member.key), MinterError::NotAMember);
        require!(
            !issuer.is_stale(self.proposal.index),
            MinterError::ProposalStale
        );
        issuer.check_context(&self.proposal)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn approve(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let member = ctx.accounts.member.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let proposal = &mut ctx.accounts.proposal;
        proposal.approve(member, &issuer, now)?;
        let seq = issuer.next_seq()?;
        let (mint, index, status) = (issuer.mint, proposal.index, proposal.status);
        let approvals = proposal.approvals.len() as u8; // at most MAX_MEMBERS (invariant)
        emit_event!(
            ctx,
            ProposalApproved {
                mint,
                seq,
                index,
                member,
                approvals,
                status
            }
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn reject(ctx: Context<Self>) -> Result<()> {
        let member = ctx.accounts.member.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let proposal = &mut ctx.accounts.proposal;
        proposal.reject(member, issuer.threshold, issuer.members().len())?;
        let seq = issuer.next_seq()?;
        let (mint, index, status) = (issuer.mint, proposal.index, proposal.status);
        let rejections = proposal.rejections.len() as u8; // at most MAX_MEMBERS (invariant)
        if status == ProposalStatus::Vetoed {
            emit_event!(
                ctx,
                ProposalVetoed {
                    mint,
                    seq,
                    index,
                    member,
                    rejections
                }
            );
            return Ok(());
        }
        emit_event!(
            ctx,
            ProposalRejected {
                mint,
                seq,
                index,
                member,
                rejections,
                status
            }
        );
        Ok(())
    }
}
