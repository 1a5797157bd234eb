use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::RedemptionRefunded;
use crate::state::*;
use crate::token_cpi::{self, IssuerSigned};

/// The payout of a redemption failed: the redemption operator re-mints the burned amount to
/// the account it came from, which the holder must still own. Minters' allowances and the supply cap are untouched: this
/// restores supply that was backed before the burn.
#[event_cpi]
#[derive(Accounts)]
#[instruction(redemption_id: [u8; 32])]
pub struct RefundRedemption<'info> {
    pub operator: Signer<'info>,
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
    /// Only its key is used: the holder who redeemed, part of the redemption's
    /// address (the seeds bind the two).
    /// CHECK: the checks described above.
    pub holder: UncheckedAccount<'info>,
    #[account(
        mut,
        dup,
        constraint = redemption.load()?.is_at_address(
            &redemption.key(),
            &issuer.key(),
            &holder.key(),
            &redemption_id,
        ) @ ErrorCode::ConstraintSeeds,
    )]
    #[cfg_attr(
        feature = "idl-build",
        account(
            seeds = [
                crate::seeds::REDEMPTION_SEED,
                issuer.key().as_ref(),
                holder.key().as_ref(),
                redemption_id.as_ref(),
            ],
            bump = redemption.load()?.bump,
        )
    )]
    pub redemption: AccountLoader<'info, Redemption>,
    /// The account the redemption burned from, still owned by the holder who redeemed (a
    /// token account can change owner after the burn: the refund follows the holder); read
    /// by `token_cpi::token_account` in `validate`.
    /// CHECK: see above.
    #[account(mut, address = redemption.load()?.token_account @ MinterError::WrongRedemptionAccount)]
    pub token_account: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
}

impl RefundRedemption<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.is_redemption_operator(self.operator.key),
            MinterError::NotRedemptionOperator
        );
        // before any token moves: a resolved redemption is refused up front
        self.redemption.load()?.require_requested()?;
        let token_account = token_cpi::token_account(&self.token_account)?;
        require_keys_eq!(
            token_account.owner,
            self.holder.key(),
            MinterError::RefundAccountNotHolders
        );
        issuer.check_issuance_open()?;
        require!(!token_account.frozen, MinterError::AccountFrozen);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn refund_redemption(
        ctx: Context<Self>,
        redemption_id: [u8; 32],
        reason_code: u16,
    ) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let amount = ctx.accounts.redemption.load()?.amount;
        let token_account_info = ctx.accounts.token_account.to_account_info();
        IssuerSigned::new(
            &ctx.accounts.issuer,
            ctx.accounts.mint.to_account_info(),
            ctx.accounts.token_program.to_account_info(),
        )?
        .mint_to(token_account_info, amount)?;
        // the supply after the re-mint, as the mint now holds it
        let supply_after = token_cpi::mint_supply(&ctx.accounts.mint)?;

        let (holder, token_account) = {
            let mut redemption = ctx.accounts.redemption.load_mut()?;
            redemption.refund(reason_code, now)?;
            (redemption.holder, redemption.token_account)
        };
        let by = ctx.accounts.operator.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_refund(amount)?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            RedemptionRefunded {
                mint,
                seq,
                redemption_id,
                holder,
                token_account,
                amount,
                reason_code,
                supply_after,
                by,
            }
        );
        Ok(())
    }
}
