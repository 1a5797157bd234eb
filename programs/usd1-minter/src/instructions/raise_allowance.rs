use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::AllowanceRaised;
use crate::state::*;

/// The allowance manager raises an active minter's allowance by `amount`, drawn from the
/// budget governance set (`SetAllowanceBudget`): a treasury tops up daily without a proposal,
/// and a stolen manager key can add at most what the budget holds (and nothing while the
/// token or issuance is paused).
#[event_cpi]
#[derive(Accounts)]
pub struct RaiseAllowance<'info> {
    pub manager: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// Owned by this program, so created by governance; has_one binds it to this issuer.
    #[account(mut, dup, has_one = issuer @ MinterError::WrongIssuer)]
    pub minter: AccountLoader<'info, Minter>,
}

impl RaiseAllowance<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.is_allowance_manager(self.manager.key),
            MinterError::NotAllowanceManager
        );
        require!(amount > 0, MinterError::ZeroAmount);
        // no top-ups during an incident: a pauser's lowering must not be undone by a raise
        // while either pause holds
        issuer.check_issuance_open()?;
        // a suspended or deactivated minter stays where governance left it
        require!(self.minter.load()?.active(), MinterError::MinterInactive);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn raise_allowance(ctx: Context<Self>, amount: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let budget_left = issuer.spend_allowance_budget(amount, now)?;
        let (allowance_before, allowance_after, authority) = {
            let mut minter = ctx.accounts.minter.load_mut()?;
            let before = minter.raise_allowance(amount)?;
            (before, minter.allowance, minter.authority)
        };
        let minter = ctx.accounts.minter.key();
        let manager = ctx.accounts.manager.key();
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            AllowanceRaised {
                mint,
                seq,
                authority,
                minter,
                manager,
                allowance_before,
                allowance_after,
                budget_left,
            }
        );
        Ok(())
    }
}
