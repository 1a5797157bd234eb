use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};
use anchor_spl::token_2022::Token2022;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{MetadataUpdated, ProposalExecuted};
use crate::state::*;
use crate::token_cpi::{IssuerSigned, MetadataKey};

/// Executes an `UpdateMetadata` proposal: Token-2022 metadata updates signed by the issuer
/// (the metadata's update authority), then the mint topped up to rent exemption for its new
/// size by the executor.
#[event_cpi]
#[derive(Accounts)]
pub struct ExecuteUpdateMetadata<'info> {
    /// Anyone; pays for any growth of the mint account.
    #[account(mut)]
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
    /// The issuer's mint, which holds the metadata.
    /// CHECK: the issuer's mint by address and owner (constraints below).
    #[account(
        mut,
        dup,
        address = issuer.load()?.mint @ MinterError::WrongMint,
        owner = anchor_spl::token_2022::ID @ MinterError::WrongMint,
    )]
    pub mint: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

impl ExecuteUpdateMetadata<'_> {
    fn validate(&self) -> Result<()> {
        let proposal = ProposalInPlace::load_at(self.proposal.as_ref(), &self.issuer.key())?;
        let issuer = self.issuer.load()?;
        require!(
            !issuer.is_stale(proposal.index()),
            MinterError::ProposalStale
        );
        match proposal.action()? {
            ProposalAction::UpdateMetadata(update) => update.validate(),
            _ => err!(MinterError::WrongExecuteInstruction),
        }
    }

    #[access_control(ctx.accounts.validate())]
    pub fn execute_update_metadata(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let executor = ctx.accounts.executor.key();
        let (index, action) = {
            let mut proposal = ProposalInPlace::load(ctx.accounts.proposal.as_ref())?;
            proposal.execute(ctx.accounts.issuer.load()?.time_lock, now)?;
            (proposal.index(), proposal.action()?)
        };
        let ProposalAction::UpdateMetadata(update) = action else {
            return err!(MinterError::WrongExecuteInstruction);
        };

        let mint_info = ctx.accounts.mint.to_account_info();
        let token = IssuerSigned::new(
            &ctx.accounts.issuer,
            mint_info.clone(),
            ctx.accounts.token_program.to_account_info(),
        )?;
        token.update_metadata_field(MetadataKey::Name, &update.name)?;
        token.update_metadata_field(MetadataKey::Symbol, &update.symbol)?;
        token.update_metadata_field(MetadataKey::Uri, &update.uri)?;
        for field in &update.fields {
            token.update_metadata_field(MetadataKey::Additional(&field.key), &field.value)?;
        }
        for key in &update.remove_keys {
            token.remove_metadata_key(key)?;
        }
        // the mint may have grown: the executor tops it up to rent exemption (a shrink
        // leaves the surplus in the mint)
        let needed = Rent::get()?.minimum_balance(mint_info.data_len());
        let shortfall = needed.saturating_sub(mint_info.lamports());
        if shortfall > 0 {
            transfer(
                CpiContext::new(
                    ctx.accounts.system_program.key(),
                    Transfer {
                        from: ctx.accounts.executor.to_account_info(),
                        to: mint_info,
                    },
                ),
                shortfall,
            )?;
        }

        let mut issuer = ctx.accounts.issuer.load_mut()?;
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
            MetadataUpdated {
                mint,
                seq,
                proposal_index: index,
                name: update.name,
                symbol: update.symbol,
                uri: update.uri,
                fields: update.fields,
                remove_keys: update.remove_keys,
            }
        );
        Ok(())
    }
}
