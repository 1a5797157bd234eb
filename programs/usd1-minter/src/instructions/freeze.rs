use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::{AccountFrozen, AccountThawed};
use crate::state::*;
use crate::token_cpi::{self, IssuerSigned};

/// A freezer freezes or thaws one token account of this mint (`freeze`, `thaw`). In KYC mode
/// (DefaultAccountState Frozen) thawing is how a new holder is admitted.
#[event_cpi]
#[derive(Accounts)]
pub struct FreezeOrThaw<'info> {
    pub freezer: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: AccountLoader<'info, Issuer>,
    /// The issuer's mint (by address and owner: no unpacking; `token_cpi::mint_supply` reads
    /// its supply where one is needed).
    /// CHECK: the constraints below.
    #[account(
        address = issuer.load()?.mint @ MinterError::WrongMint,
        owner = anchor_spl::token_2022::ID @ MinterError::WrongMint,
    )]
    pub mint: UncheckedAccount<'info>,
    /// A token account of the issuer's mint (read by `token_cpi::token_account` in `validate`).
    /// CHECK: see above.
    #[account(mut)]
    pub token_account: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
}

impl<'info> FreezeOrThaw<'info> {
    /// `to_frozen`: the state the call moves the account to.
    fn validate(&self, to_frozen: bool) -> Result<()> {
        let token_account = token_cpi::token_account(&self.token_account)?;
        require_keys_eq!(token_account.mint, self.mint.key(), MinterError::WrongMint);
        let issuer = self.issuer.load()?;
        require!(
            issuer.is_freezer(self.freezer.key),
            MinterError::NotAFreezer
        );
        let frozen = token_account.frozen;
        if to_frozen {
            require!(!frozen, MinterError::AccountAlreadyFrozen);
        } else {
            require!(frozen, MinterError::AccountNotFrozen);
        }
        Ok(())
    }

    fn token(&self) -> Result<IssuerSigned<'info>> {
        IssuerSigned::new(
            &self.issuer,
            self.mint.to_account_info(),
            self.token_program.to_account_info(),
        )
    }

    #[access_control(ctx.accounts.validate(true))]
    pub fn freeze(ctx: Context<Self>, reason_code: u16) -> Result<()> {
        let account_info = ctx.accounts.token_account.to_account_info();
        let owner = token_cpi::token_account(&account_info)?.owner;
        ctx.accounts.token()?.freeze(account_info)?;
        let account = ctx.accounts.token_account.key();
        let by = ctx.accounts.freezer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            AccountFrozen {
                mint,
                seq,
                account,
                owner,
                reason_code,
                by
            }
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate(false))]
    pub fn thaw(ctx: Context<Self>) -> Result<()> {
        let account_info = ctx.accounts.token_account.to_account_info();
        let owner = token_cpi::token_account(&account_info)?.owner;
        ctx.accounts.token()?.thaw(account_info)?;
        let account = ctx.accounts.token_account.key();
        let by = ctx.accounts.freezer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            AccountThawed {
                mint,
                seq,
                account,
                owner,
                by
            }
        );
        Ok(())
    }
}
