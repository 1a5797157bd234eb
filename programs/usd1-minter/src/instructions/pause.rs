use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

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
    pub token_program: Program<'info, Token2022>,
}

impl Pause<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.can_pause(self.authority.key),
            MinterError::NotAPauser
        );
        require!(!issuer.paused(), MinterError::AlreadyPaused);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn pause(ctx: Context<Self>) -> Result<()> {
        IssuerSigned::new(
            &ctx.accounts.issuer,
            ctx.accounts.mint.to_account_info(),
            ctx.accounts.token_program.to_account_info(),
        )?
        .pause()?;
        let by = ctx.accounts.authority.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_pause()?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(ctx, Paused { mint, seq, by });
        Ok(())
    }
}
