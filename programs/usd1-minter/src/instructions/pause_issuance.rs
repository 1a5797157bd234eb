use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::IssuancePaused;
use crate::state::*;

/// Stops issuance only: `mint` and `refund_redemption` refuse, while holders keep
/// transferring and redeeming (the token itself is not paused). One signature of a pauser or
/// a member suffices; only an executed ResumeIssuance proposal resumes.
#[event_cpi]
#[derive(Accounts)]
pub struct PauseIssuance<'info> {
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
}

impl PauseIssuance<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.can_pause(self.authority.key),
            MinterError::NotAPauser
        );
        require!(
            !issuer.issuance_paused(),
            MinterError::IssuanceAlreadyPaused
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn pause_issuance(ctx: Context<Self>) -> Result<()> {
        let by = ctx.accounts.authority.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_issuance_pause()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(ctx, IssuancePaused { mint, seq, by });
        Ok(())
    }
}
