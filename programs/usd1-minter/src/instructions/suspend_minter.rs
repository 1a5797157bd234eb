use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::MinterSuspended;
use crate::state::*;

/// Suspends a minter at once (a stolen minter key): one signature of a pauser or a member,
/// like `pause`, but only this minter stops; holders and other minters go on. Only an
/// executed ConfigureMinter proposal created after the suspension reactivates it.
#[event_cpi]
#[derive(Accounts)]
pub struct SuspendMinter<'info> {
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// Owned by this program, so created by governance; has_one binds it to this issuer.
    #[account(mut, dup, has_one = issuer @ MinterError::WrongIssuer)]
    pub minter: AccountLoader<'info, Minter>,
}

impl SuspendMinter<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.can_pause(self.authority.key),
            MinterError::NotAPauser
        );
        Ok(())
    }

    /// An inactive minter can be suspended too: that outlives its pending reactivation.
    #[access_control(ctx.accounts.validate())]
    pub fn suspend_minter(ctx: Context<Self>) -> Result<()> {
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        let suspension_index = issuer.proposal_index;
        let authority = {
            let mut minter = ctx.accounts.minter.load_mut()?;
            minter.suspend(suspension_index);
            minter.authority
        };
        let minter = ctx.accounts.minter.key();
        let by = ctx.accounts.authority.key();
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            MinterSuspended {
                mint,
                seq,
                authority,
                minter,
                by,
                suspension_index
            }
        );
        Ok(())
    }
}
