use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{ProgramUpgraded, ProposalExecuted};
use crate::loader_cpi::{self, UpgradeAuthoritySigned, LOADER_ID};
use crate::seeds::UPGRADE_AUTHORITY_SEED;
use crate::state::*;

/// Executes an `UpgradeProgram` proposal: checks that the buffer's program bytes hash to the
/// approved `buffer_hash`, then the loader's `Upgrade` signed by the issuer's upgrade-authority
/// PDA. Hashing a 1.5 MB buffer costs about 780,000 compute units: request 1,400,000.
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteUpgradeProgram<'info> {
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
    /// A PDA without data; it signs the loader's Upgrade.
    /// CHECK: the checks described above.
    #[account(seeds = [UPGRADE_AUTHORITY_SEED, issuer.key().as_ref()], bump)]
    pub upgrade_authority: UncheckedAccount<'info>,
    /// This program's program data (address derived under the loader).
    /// CHECK: the checks described above.
    #[account(mut, seeds = [crate::ID.as_ref()], bump, seeds::program = LOADER_ID)]
    pub program_data: UncheckedAccount<'info>,
    /// This program's own account, writable for the loader (`#[event_cpi]`'s
    /// `program` is the same account, read-only).
    /// CHECK: the checks described above.
    #[account(mut, address = crate::ID)]
    pub upgraded_program: UncheckedAccount<'info>,
    /// The loader buffer the proposal names (checked in validate).
    /// CHECK: the checks described above.
    #[account(mut)]
    pub buffer: UncheckedAccount<'info>,
    /// Receives the buffer's lamports; the account the proposal names.
    /// CHECK: the checks described above.
    #[account(mut)]
    pub spill: UncheckedAccount<'info>,
    pub rent: Sysvar<'info, Rent>,
    pub clock: Sysvar<'info, Clock>,
    /// The upgradeable loader.
    /// CHECK: the checks described above.
    #[account(address = LOADER_ID)]
    pub loader: UncheckedAccount<'info>,
}

impl ExecuteUpgradeProgram<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        let ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash,
            spill,
        } = proposal.action()?
        else {
            return err!(MinterError::WrongExecuteInstruction);
        };
        issuer.check_context(proposal.context()?)?;
        // before hashing: an unapproved or executed proposal says so cheaply
        proposal.state().require_approved()?;
        require_keys_eq!(
            self.buffer.key(),
            buffer,
            MinterError::UpgradeAccountMismatch
        );
        require_keys_eq!(self.spill.key(), spill, MinterError::UpgradeAccountMismatch);
        // the size before the hash: a buffer too large to deploy is refused without reading it
        require!(
            self.buffer
                .data_len()
                .saturating_sub(loader_cpi::BUFFER_METADATA_LEN)
                <= loader_cpi::program_data_capacity(&self.program_data),
            MinterError::UpgradeBufferTooLarge
        );
        let hash = loader_cpi::governed_buffer_hash(&self.buffer, self.upgrade_authority.key)?;
        require!(hash == buffer_hash, MinterError::UpgradeBufferHashMismatch);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_upgrade_program(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let (index, action) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            (proposal.index(), proposal.action()?)
        };
        let ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash,
            ..
        } = action
        else {
            return err!(MinterError::WrongExecuteInstruction);
        };

        // state and events first: from the Upgrade on, this program cannot be invoked again
        // in this slot (the loader delays the new code's visibility), so `emit_cpi!` after it
        // would fail
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_program_upgraded();
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
            ProgramUpgraded {
                mint,
                seq,
                buffer,
                buffer_hash,
                proposal_index: index,
            }
        );

        drop(issuer);
        let issuer_key = ctx.accounts.issuer.key();
        let bump = [ctx.bumps.upgrade_authority];
        let seeds: &[&[u8]] = &[UPGRADE_AUTHORITY_SEED, issuer_key.as_ref(), &bump];
        let accounts = &ctx.accounts;
        UpgradeAuthoritySigned {
            authority: &accounts.upgrade_authority.to_account_info(),
            seeds,
            program_data: &accounts.program_data.to_account_info(),
            loader: &accounts.loader.to_account_info(),
        }
        .upgrade(
            &accounts.upgraded_program.to_account_info(),
            &accounts.buffer.to_account_info(),
            &accounts.spill.to_account_info(),
            &accounts.rent.to_account_info(),
            &accounts.clock.to_account_info(),
        )
    }
}
