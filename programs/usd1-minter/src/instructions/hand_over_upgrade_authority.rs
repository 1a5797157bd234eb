use anchor_lang::prelude::*;

use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::UpgradeAuthorityReceived;
use crate::loader_cpi::{self, UpgradeAuthoritySigned, LOADER_ID};
use crate::seeds::UPGRADE_AUTHORITY_SEED;
use crate::state::*;

/// The program's current upgrade authority (the deployer after the deploy, or a key a
/// SetUpgradeAuthority proposal handed it to) hands it to this issuer's upgrade-authority
/// PDA through the loader's `SetAuthorityChecked`, which the PDA co-signs: from then on the
/// program changes only by this issuer's executed proposals. Whoever signs chooses the
/// issuer: `usd1-migrate hand-over` checks it is the configured one.
#[event_cpi]
#[derive(Accounts)]
pub struct HandOverUpgradeAuthority<'info> {
    /// The program's current upgrade authority.
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// A PDA without data; it signs the loader's calls.
    /// CHECK: the checks described above.
    #[account(seeds = [UPGRADE_AUTHORITY_SEED, issuer.key().as_ref()], bump)]
    pub upgrade_authority: UncheckedAccount<'info>,
    /// This program's program data (address derived under the loader; its layout is
    /// read by `loader_cpi`).
    /// CHECK: the checks described above.
    #[account(mut, seeds = [crate::ID.as_ref()], bump, seeds::program = LOADER_ID)]
    pub program_data: UncheckedAccount<'info>,
    /// The upgradeable loader.
    /// CHECK: the checks described above.
    #[account(address = LOADER_ID)]
    pub loader: UncheckedAccount<'info>,
}

impl HandOverUpgradeAuthority<'_> {
    fn validate(&self) -> Result<()> {
        let current = loader_cpi::program_data_authority(&self.program_data)?;
        require!(
            current == Some(self.authority.key()),
            MinterError::NotUpgradeAuthority
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn hand_over_upgrade_authority(ctx: Context<Self>) -> Result<()> {
        let issuer_key = ctx.accounts.issuer.key();
        let bump = [ctx.bumps.upgrade_authority];
        let seeds: &[&[u8]] = &[UPGRADE_AUTHORITY_SEED, issuer_key.as_ref(), &bump];
        UpgradeAuthoritySigned {
            authority: &ctx.accounts.upgrade_authority.to_account_info(),
            seeds,
            program_data: &ctx.accounts.program_data.to_account_info(),
            loader: &ctx.accounts.loader.to_account_info(),
        }
        .receive_from(&ctx.accounts.authority.to_account_info())?;

        let mut issuer = ctx.accounts.issuer.load_mut()?;
        issuer.record_upgrade_authority_received();
        let seq = issuer.next_seq()?;
        issuer.invariant()?;
        let mint = issuer.mint;
        emit_event!(
            ctx,
            UpgradeAuthorityReceived {
                mint,
                seq,
                previous_authority: ctx.accounts.authority.key(),
                upgrade_authority: ctx.accounts.upgrade_authority.key(),
            }
        );
        Ok(())
    }
}
