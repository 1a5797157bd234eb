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
    #[account(mut, dup, constraint = issuer.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump))]
    pub issuer: Box<Account<'info, Issuer>>,
}

impl PauseIssuance<'_> {
    fn validate(&self) -> Result<()> {
        require!(
            self.issuer.can_pause(self.authority.key),
            MinterError::NotAPauser
        );
        require!(
            !self.issuer.issuance_paused,
            MinterError::IssuanceAlreadyPaused
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn pause_issuance(ctx: Context<Self>) -> Result<()> {
        let by = ctx.accounts.authority.key();
        let issuer = &mut ctx.accounts.issuer;
        issuer.record_issuance_pause()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(ctx, IssuancePaused { mint, seq, by });
        Ok(())
    }
}
