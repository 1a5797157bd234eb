use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::RedemptionSettled;
use crate::state::*;

/// The redemption operator records that the payout of a redemption was made. Allowed while
/// paused: it moves no tokens, it records money that already left.
#[event_cpi]
#[derive(Accounts)]
#[instruction(redemption_id: [u8; 32])]
pub struct SettleRedemption<'info> {
    pub operator: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
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
}

impl SettleRedemption<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.is_redemption_operator(self.operator.key),
            MinterError::NotRedemptionOperator
        );
        // before any token moves: a resolved redemption is refused up front
        self.redemption.load()?.require_requested()?;
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn settle_redemption(
        ctx: Context<Self>,
        redemption_id: [u8; 32],
        settlement_reference: [u8; 32],
    ) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let (holder, amount) = {
            let mut redemption = ctx.accounts.redemption.load_mut()?;
            redemption.settle(settlement_reference, now)?;
            (redemption.holder, redemption.amount)
        };
        let by = ctx.accounts.operator.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            RedemptionSettled {
                mint,
                seq,
                redemption_id,
                holder,
                amount,
                settlement_reference,
                by,
            }
        );
        Ok(())
    }
}
