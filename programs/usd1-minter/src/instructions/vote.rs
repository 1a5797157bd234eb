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
    /// The proposal, read and written in place (`ProposalInPlace`: no decoding of its action,
    /// no re-encoding on exit).
    /// CHECK: `ProposalInPlace::load` (owner, discriminator) and its address under the issuer,
    /// first thing in `validate` (one load for both).
    #[cfg(not(feature = "idl-build"))]
    #[account(mut)]
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

impl ProposalVote<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(issuer.is_member(self.member.key), MinterError::NotAMember);
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        issuer.check_context(proposal.context()?)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn approve(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let member = ctx.accounts.member.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let (index, status, approvals) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.approve(&member, issuer.threshold, issuer.execution_window, now)?;
            // at most MAX_MEMBERS (`ProposalInPlace::load`)
            let approvals = proposal.approval_count() as u8;
            (proposal.index(), proposal.status(), approvals)
        };
        let seq = issuer.next_seq()?;
        let mint = issuer.mint;
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
        let (index, status, rejections) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.reject(&member, issuer.threshold, issuer.members().len())?;
            // at most MAX_MEMBERS (`ProposalInPlace::load`)
            let rejections = proposal.rejection_count() as u8;
            (proposal.index(), proposal.status(), rejections)
        };
        let seq = issuer.next_seq()?;
        let mint = issuer.mint;
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
