use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{ProposalExecuted, Seized};
use crate::state::*;
use crate::token_cpi::{self, IssuerSigned};

/// Executes a `Seize` proposal: through the permanent delegate, moves tokens out of a frozen
/// account to a treasury account, or burns them. The account is thawed only for the move and
/// frozen again in the same instruction.
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteSeize<'info> {
    /// Anyone may execute an approved proposal once its time lock has passed.
    pub executor: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
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
    /// The issuer's mint (by address and owner: no unpacking; `token_cpi::mint_supply` reads
    /// its supply where one is needed).
    /// CHECK: the constraints below.
    #[account(
        mut,
        dup,
        address = issuer.load()?.mint @ MinterError::WrongMint,
        owner = anchor_spl::token_2022::ID @ MinterError::WrongMint,
    )]
    pub mint: UncheckedAccount<'info>,
    /// The frozen account named by the proposal (read by `token_cpi::token_account` in
    /// `validate`).
    /// CHECK: see above.
    #[account(mut)]
    pub account: UncheckedAccount<'info>,
    /// The treasury account named by the proposal; absent when the proposal burns. It cannot
    /// be `account`: the proposal names two different accounts (`SeizeToSelf`).
    /// CHECK: as `account`.
    #[account(mut)]
    pub destination: Option<UncheckedAccount<'info>>,
    pub token_program: Program<'info, Token2022>,
}

impl<'info> ExecuteSeize<'info> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        // before the account checks: an executed seizure reports that, not a balance
        proposal.state().require_approved()?;
        let ProposalAction::Seize {
            account,
            destination,
            amount,
        } = proposal.action()?
        else {
            return err!(MinterError::WrongExecuteInstruction);
        };
        // PermanentDelegate is fixed at initialize and `propose` refuses Seize without it, so
        // every Seize proposal belongs to a mint that has it
        require!(!issuer.paused(), MinterError::Paused);
        require_keys_eq!(
            self.account.key(),
            account,
            MinterError::SeizeAccountMismatch
        );
        let from = token_cpi::token_account(&self.account)?;
        require_keys_eq!(from.mint, self.mint.key(), MinterError::WrongMint);
        require!(from.frozen, MinterError::AccountNotFrozen);
        require!(from.amount >= amount, MinterError::InsufficientBalance);
        match (destination, &self.destination) {
            (None, None) => {}
            (Some(named), Some(given)) => {
                require_keys_eq!(given.key(), named, MinterError::SeizeAccountMismatch);
                let to = token_cpi::token_account(given)?;
                require_keys_eq!(to.mint, self.mint.key(), MinterError::WrongMint);
                require!(!to.frozen, MinterError::AccountFrozen);
            }
            _ => return err!(MinterError::SeizeAccountMismatch),
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_seize(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let (index, action) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            (proposal.index(), proposal.action()?)
        };
        let ProposalAction::Seize {
            account: from,
            destination,
            amount,
        } = action
        else {
            return err!(MinterError::WrongExecuteInstruction);
        };
        let owner = token_cpi::token_account(&ctx.accounts.account)?.owner;

        let token = IssuerSigned::new(
            &ctx.accounts.issuer,
            ctx.accounts.mint.to_account_info(),
            ctx.accounts.token_program.to_account_info(),
        )?;
        let from_info = ctx.accounts.account.to_account_info();
        // Token-2022 moves nothing out of a frozen account, even for the permanent delegate
        token.thaw(from_info.clone())?;
        match &ctx.accounts.destination {
            Some(to) => token.delegate_transfer(from_info.clone(), to.to_account_info(), amount)?,
            None => token.delegate_burn(from_info.clone(), amount)?,
        }
        // the supply after the transfer (unchanged) or the burn, as the mint now holds it
        let supply_after = token_cpi::mint_supply(&ctx.accounts.mint)?;
        token.freeze(from_info)?;

        let mut issuer = ctx.accounts.issuer.load_mut()?;
        if destination.is_none() {
            issuer.record_seized_burn(amount)?;
        }
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
        emit_event!(
            ctx,
            Seized {
                mint,
                seq,
                from,
                owner,
                to: destination,
                amount,
                supply_after,
                proposal_index: index,
            }
        );
        Ok(())
    }
}
