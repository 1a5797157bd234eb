use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::AllowanceDecreased;
use crate::state::*;

/// Lowers a minter's allowance at once, by `amount` (to zero at most). One signature of a
/// pauser, a member or the allowance manager suffices, like `pause`: lowering only bounds
/// harm, and governance grants are added to what is left, so this is how an allowance comes
/// down. It does not refill the allowance manager's budget.
#[event_cpi]
#[derive(Accounts)]
pub struct DecreaseAllowance<'info> {
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// Owned by this program, so created by governance; has_one binds it to this issuer.
    #[account(mut, dup, has_one = issuer @ MinterError::WrongIssuer)]
    pub minter: AccountLoader<'info, Minter>,
}

impl DecreaseAllowance<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.can_lower_allowance(self.authority.key),
            MinterError::NotAPauser
        );
        require!(amount > 0, MinterError::ZeroAmount);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn decrease_allowance(ctx: Context<Self>, amount: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let (allowance_before, allowance_after, authority) = {
            let mut minter = ctx.accounts.minter.load_mut()?;
            let before = minter.decrease_allowance(amount)?;
            (before, minter.allowance, minter.authority)
        };
        let minter = ctx.accounts.minter.key();
        let by = ctx.accounts.authority.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let mint = issuer.mint;
        let budget_left = issuer.allowance_budget_left(now);
        let seq = issuer.next_seq()?;
        emit_event!(
            ctx,
            AllowanceDecreased {
                mint,
                seq,
                authority,
                minter,
                by,
                allowance_before,
                allowance_after,
                budget_left,
            }
        );
        Ok(())
    }
}
