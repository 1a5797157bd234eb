use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{ProposalExecuted, UpgradeAuthorityChanged};
use crate::loader_cpi::{UpgradeAuthoritySigned, LOADER_ID};
use crate::seeds::UPGRADE_AUTHORITY_SEED;
use crate::state::*;

/// Executes a `SetUpgradeAuthority` proposal: the issuer's upgrade-authority PDA passes the
/// program's upgrade authority to the named key (which co-signs, so a mistyped key cannot
/// receive it) or, with None, makes the program immutable.
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteSetUpgradeAuthority<'info> {
    /// Anyone may execute an approved proposal once its time lock has passed.
    pub executor: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// The proposal, read in place (`ProposalInPlace`: its status written there, its action
    /// decoded once, nothing re-encoded on exit).
    /// CHECK: `ProposalInPlace::load` (owner, discriminator) and its address under the issuer,
    /// first thing in `validate`.
    #[cfg(not(feature = "idl-build"))]
    #[account(mut)]
    pub proposal: UncheckedAccount<'info>,
    /// The proposal, read in place (`ProposalInPlace`: its status written there, its action
    /// decoded once, nothing re-encoded on exit).
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
    /// A PDA without data; it signs the loader's call.
    /// CHECK: the checks described above.
    #[account(seeds = [UPGRADE_AUTHORITY_SEED, issuer.key().as_ref()], bump)]
    pub upgrade_authority: UncheckedAccount<'info>,
    /// This program's program data (address derived under the loader).
    /// CHECK: the checks described above.
    #[account(mut, seeds = [crate::ID.as_ref()], bump, seeds::program = LOADER_ID)]
    pub program_data: UncheckedAccount<'info>,
    /// The new upgrade authority the proposal names; absent when it makes the program
    /// immutable.
    pub new_authority: Option<Signer<'info>>,
    /// The upgradeable loader.
    /// CHECK: the checks described above.
    #[account(address = LOADER_ID)]
    pub loader: UncheckedAccount<'info>,
}

impl ExecuteSetUpgradeAuthority<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        let ProposalAction::SetUpgradeAuthority { new } = proposal.action()? else {
            return err!(MinterError::WrongExecuteInstruction);
        };
        issuer.check_context(proposal.context()?)?;
        require!(
            new == self.new_authority.as_ref().map(|a| a.key()),
            MinterError::UpgradeAuthorityMismatch
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_set_upgrade_authority(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let index = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            proposal.index()
        };
        let issuer_key = ctx.accounts.issuer.key();
        let bump = [ctx.bumps.upgrade_authority];
        let seeds: &[&[u8]] = &[UPGRADE_AUTHORITY_SEED, issuer_key.as_ref(), &bump];
        let new_info = ctx
            .accounts
            .new_authority
            .as_ref()
            .map(|a| a.to_account_info());
        UpgradeAuthoritySigned {
            authority: &ctx.accounts.upgrade_authority.to_account_info(),
            seeds,
            program_data: &ctx.accounts.program_data.to_account_info(),
            loader: &ctx.accounts.loader.to_account_info(),
        }
        .hand_on(new_info.as_ref())?;

        let new_authority = new_info.map(|a| a.key());
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_upgrade_authority_released();
        let mint = issuer.mint;
        let seq = issuer.next_seq()?;
        emit_event!(
            ctx,
            ProposalExecuted {
                mint,
                seq,
                index,
                executor
            }
        );
        let seq = issuer.next_seq()?;
        issuer.invariant()?;
        emit_event!(
            ctx,
            UpgradeAuthorityChanged {
                mint,
                seq,
                new_authority,
                proposal_index: index,
            }
        );
        Ok(())
    }
}
