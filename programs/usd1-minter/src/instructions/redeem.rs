use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::account_creation;
use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::RedemptionRequested;
use crate::seeds::REDEMPTION_SEED;
use crate::state::*;
use crate::token_cpi;

/// A holder burns `amount` for redemption; the payout happens off-chain against
/// `payout_reference`, then the redemption operator settles or refunds.
#[event_cpi]
#[derive(Accounts)]
#[instruction(redemption_id: [u8; 32])]
pub struct Redeem<'info> {
    /// Owner of the token account; pays the redemption's rent.
    #[account(mut)]
    pub holder: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: AccountLoader<'info, Issuer>,
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
    /// The holder's token account of the issuer's mint, burned from (read by
    /// `token_cpi::token_account` in `validate`).
    /// CHECK: see above.
    #[account(mut)]
    pub token_account: UncheckedAccount<'info>,
    /// The `Redemption`, created here on the holder's first use of `redemption_id`
    /// (also when the address was funded first); an account already there means the id
    /// was used, and the redeem is refused. The holder is part of the address, so nobody
    /// else can take a holder's id first.
    /// CHECK: the checks described above.
    #[account(mut)]
    #[cfg_attr(
        feature = "idl-build",
        account(
            seeds = [
                crate::seeds::REDEMPTION_SEED,
                issuer.key().as_ref(),
                holder.key().as_ref(),
                redemption_id.as_ref(),
            ],
            bump,
        )
    )]
    pub redemption: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

impl Redeem<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        let token_account = token_cpi::token_account(&self.token_account)?;
        require_keys_eq!(token_account.mint, self.mint.key(), MinterError::WrongMint);
        require_keys_eq!(
            token_account.owner,
            self.holder.key(),
            MinterError::NotTokenAccountOwner
        );
        let issuer = self.issuer.load()?;
        require!(!issuer.paused(), MinterError::Paused);
        require!(amount > 0, MinterError::ZeroAmount);
        require!(
            amount >= issuer.min_redemption(),
            MinterError::BelowMinRedemption
        );
        require!(!token_account.frozen, MinterError::AccountFrozen);
        require!(
            token_account.amount >= amount,
            MinterError::InsufficientBalance
        );
        require!(
            account_creation::is_vacant(&self.redemption),
            MinterError::RedemptionIdReused
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn redeem(
        ctx: Context<Self>,
        redemption_id: [u8; 32],
        amount: u64,
        payout_reference: [u8; 32],
    ) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let decimals = ctx.accounts.issuer.load()?.decimals;
        token_cpi::holder_burn(
            &ctx.accounts.token_program,
            &ctx.accounts.mint,
            &ctx.accounts.token_account,
            &ctx.accounts.holder,
            amount,
            decimals,
        )?;
        // the supply after the burn, as the mint now holds it
        let supply_after = token_cpi::mint_supply(&ctx.accounts.mint)?;

        let (holder, token_account) = (ctx.accounts.holder.key(), ctx.accounts.token_account.key());
        let issuer_key = ctx.accounts.issuer.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_redeem(amount)?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        let redemption_info = ctx.accounts.redemption.to_account_info();
        let bump = account_creation::create_pda(
            &ctx.accounts.holder.to_account_info(),
            &redemption_info,
            &ctx.accounts.system_program.to_account_info(),
            8 + Redemption::INIT_SPACE,
            &[
                REDEMPTION_SEED,
                issuer_key.as_ref(),
                holder.as_ref(),
                redemption_id.as_ref(),
            ],
        )?;
        account_creation::init_zero_copy(&redemption_info, |r: &mut Redemption| {
            r.request(
                bump,
                issuer_key,
                redemption_id,
                holder,
                token_account,
                amount,
                payout_reference,
                now,
                seq,
            )
        })?;
        emit_event!(
            ctx,
            RedemptionRequested {
                mint,
                seq,
                redemption_id,
                holder,
                token_account,
                amount,
                payout_reference,
                supply_after,
            }
        );
        Ok(())
    }
}
