use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::ReservesAttested;
use crate::state::*;
use crate::token_cpi;

/// The reserve attestor records the reserves backing the token, as of a time, with the hash
/// of the report. With the reserve guard on, `mint` relies on the latest one.
#[event_cpi]
#[derive(Accounts)]
pub struct AttestReserves<'info> {
    pub attestor: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: AccountLoader<'info, Issuer>,
    /// Read for the supply the event reports beside the reserves.
    /// CHECK: the issuer's mint by address and owner (constraints below).
    #[account(
        address = issuer.load()?.mint @ MinterError::WrongMint,
        owner = anchor_spl::token_2022::ID @ MinterError::WrongMint,
    )]
    pub mint: UncheckedAccount<'info>,
}

impl AttestReserves<'_> {
    fn validate(&self) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(
            issuer.reserve_attestor() == Some(self.attestor.key()),
            MinterError::NotReserveAttestor
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn attest_reserves(
        ctx: Context<Self>,
        amount: u64,
        as_of: i64,
        report_hash: [u8; 32],
    ) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let supply = token_cpi::mint_supply(&ctx.accounts.mint)?;
        let by = ctx.accounts.attestor.key();
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.attest_reserves(amount, as_of, report_hash, now)?;
        let (mint, seq) = (issuer.mint, issuer.next_seq()?);
        emit_event!(
            ctx,
            ReservesAttested {
                mint,
                seq,
                amount,
                as_of,
                report_hash,
                supply,
                by,
            }
        );
        Ok(())
    }
}
