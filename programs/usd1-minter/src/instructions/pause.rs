use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::Mint;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::Paused;
use crate::state::*;
use crate::token_cpi::IssuerSigned;

/// Stops issuance and every transfer, mint and burn of the token at once. One signature of a
/// pauser or a member suffices; only an executed proposal resumes (quick to stop, hard to
/// resume).
#[event_cpi]
#[derive(Accounts)]
pub struct Pause<'info> {
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump))]
    pub issuer: Box<Account<'info, Issuer>>,
    #[account(mut, dup, address = issuer.mint @ MinterError::WrongMint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Program<'info, Token2022>,
}

impl Pause<'_> {
    fn validate(&self) -> Result<()> {
        require!(
            self.issuer.can_pause(self.authority.key),
            MinterError::NotAPauser
        );
        require!(!self.issuer.paused, MinterError::AlreadyPaused);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn pause(ctx: Context<Self>) -> Result<()> {
        let mint = ctx.accounts.issuer.mint;
        IssuerSigned::new(
            &ctx.accounts.issuer,
            ctx.accounts.mint.to_account_info(),
            ctx.accounts.token_program.to_account_info(),
        )
        .pause()?;
        let by = ctx.accounts.authority.key();
        let issuer = &mut ctx.accounts.issuer;
        issuer.record_pause()?;
        let seq = issuer.next_seq()?;
        emit_event!(ctx, Paused { mint, seq, by });
        Ok(())
    }
}
