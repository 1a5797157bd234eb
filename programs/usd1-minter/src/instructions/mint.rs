use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::account_creation;
use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::Minted;
use crate::math::mint_attestation::{self, MintAttestation};
use crate::seeds::MINT_RECEIPT_SEED;
use crate::state::*;
use crate::token_cpi::{self, IssuerSigned};

/// An authorized minter issues `amount` for the funding request `request_id`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(request_id: [u8; 32])]
pub struct MintTokens<'info> {
    /// The minter's authority; pays the receipt's rent.
    #[account(mut)]
    #[cfg_attr(feature = "cu-profile", account(constraint = { crate::cu_checkpoint!("mint: fields deserialized"); true }))]
    pub authority: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    #[cfg_attr(feature = "idl-build", account(seeds = [crate::seeds::ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: AccountLoader<'info, Issuer>,
    /// Owned by this program, so created at `["minter", issuer, authority]` by governance;
    /// the two has_one checks bind it to this issuer and this signer.
    #[account(
        mut,
        dup,
        has_one = issuer @ MinterError::WrongIssuer,
        has_one = authority @ MinterError::NotMinterAuthority,
    )]
    pub minter: AccountLoader<'info, Minter>,
    /// The `MintReceipt`, created here on first use of `request_id` (also when the
    /// address was funded first); an account already there means the request was minted,
    /// and the mint is refused.
    /// CHECK: the checks described above.
    #[cfg(not(feature = "idl-build"))]
    #[account(mut)]
    pub receipt: UncheckedAccount<'info>,
    /// The `MintReceipt`, created here on first use of `request_id` (also when the
    /// address was funded first); an account already there means the request was minted,
    /// and the mint is refused.
    // The IDL's view of the same account: typed, so that the IDL lists the `MintReceipt`
    // account for clients (no instruction takes one as `Account`), and with its seeds.
    #[cfg(feature = "idl-build")]
    #[account(
        mut,
        seeds = [crate::seeds::MINT_RECEIPT_SEED, issuer.key().as_ref(), request_id.as_ref()],
        bump,
    )]
    pub receipt: AccountLoader<'info, MintReceipt>,
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
    /// A token account of the issuer's mint (read by `token_cpi::token_account` in `validate`).
    /// CHECK: see above.
    #[account(mut)]
    pub recipient: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// The instructions sysvar (address checked), read for the mint attestor's
    /// Ed25519 co-signature when one is configured.
    /// CHECK: the checks described above.
    #[account(address = solana_sdk_ids::sysvar::instructions::ID)]
    pub instructions: UncheckedAccount<'info>,
}

impl MintTokens<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        let issuer = self.issuer.load()?;
        crate::cu_checkpoint!("mint: accounts loaded");
        let recipient = token_cpi::token_account(&self.recipient)?;
        require_keys_eq!(recipient.mint, self.mint.key(), MinterError::WrongMint);
        issuer.check_issuance_open()?;
        require!(self.minter.load()?.active(), MinterError::MinterInactive);
        require!(amount > 0, MinterError::ZeroAmount);
        require!(
            account_creation::is_vacant(&self.receipt.to_account_info()),
            MinterError::RequestIdReused
        );
        require!(!recipient.frozen, MinterError::AccountFrozen);
        crate::cu_checkpoint!("mint: validated");
        Ok(())
    }

    /// With a mint attestor configured, the instruction just before this one must be an
    /// Ed25519 program instruction holding the attestor's one signature over the canonical
    /// message for exactly this mint by exactly this minter (see `math::mint_attestation`).
    fn check_co_signature(
        &self,
        attestor: Option<Pubkey>,
        mint: Pubkey,
        request_id: [u8; 32],
        amount: u64,
        now: i64,
    ) -> Result<()> {
        let Some(attestor) = attestor else {
            return Ok(());
        };
        let sysvar = self.instructions.to_account_info();
        let current = solana_instructions_sysvar::load_current_index_checked(&sysvar)?;
        let previous = current
            .checked_sub(1)
            .ok_or(MinterError::MintAttestationMissing)?;
        let ed25519 =
            solana_instructions_sysvar::load_instruction_at_checked(previous.into(), &sysvar)?;
        require_keys_eq!(
            ed25519.program_id,
            solana_sdk_ids::ed25519_program::ID,
            MinterError::MintAttestationMissing
        );
        let (signer, message) = mint_attestation::single_signature(&ed25519.data)?;
        require_keys_eq!(signer, attestor, MinterError::MintAttestationWrongSigner);
        let expected = MintAttestation {
            program_id: crate::ID,
            mint,
            minter: self.authority.key(),
            request_id,
            recipient: self.recipient.key(),
            amount,
            expiry: 0, // not compared: read from the message and checked against now
        };
        mint_attestation::check_message(message, &expected, now)
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn mint(ctx: Context<Self>, request_id: [u8; 32], amount: u64) -> Result<()> {
        let clock = Clock::get()?;
        crate::cu_checkpoint!("mint: clock read");
        let allowance_after = {
            let mut minter = ctx.accounts.minter.load_mut()?;
            minter.record_mint(amount, clock.unix_timestamp)?;
            minter.allowance
        };
        // one read of the issuer for every check before the CPI (which must not overlap a
        // borrow of it)
        let supply = token_cpi::mint_supply(&ctx.accounts.mint)?;
        let (mint, supply_after, attestor) = {
            let issuer = ctx.accounts.issuer.load()?;
            let supply_after = issuer.check_supply_cap(supply, amount)?;
            issuer.check_reserves(supply_after, clock.unix_timestamp)?;
            (issuer.mint, supply_after, issuer.mint_attestor())
        };
        crate::cu_checkpoint!("mint: allowance, rate, cap, reserves");
        ctx.accounts.check_co_signature(
            attestor,
            mint,
            request_id,
            amount,
            clock.unix_timestamp,
        )?;

        crate::cu_checkpoint!("mint: allowance, rate limit, cap checked");
        IssuerSigned::new(
            &ctx.accounts.issuer,
            ctx.accounts.mint.to_account_info(),
            ctx.accounts.token_program.to_account_info(),
        )?
        .mint_to(ctx.accounts.recipient.to_account_info(), amount)?;

        crate::cu_checkpoint!("mint: token-2022 mint_to done");
        let authority = ctx.accounts.authority.key();
        let recipient = ctx.accounts.recipient.key();
        let issuer_key = ctx.accounts.issuer.key();
        let seq = {
            let mut issuer = ctx.accounts.issuer.load_mut()?;
            issuer.record_mint(amount)?;
            issuer.next_seq()?
        };

        crate::cu_checkpoint!("mint: issuer counters");
        let receipt = ctx.accounts.receipt.to_account_info();
        let bump = account_creation::create_pda(
            &ctx.accounts.authority.to_account_info(),
            &receipt,
            &ctx.accounts.system_program.to_account_info(),
            8 + MintReceipt::INIT_SPACE,
            &[MINT_RECEIPT_SEED, issuer_key.as_ref(), request_id.as_ref()],
        )?;
        crate::cu_checkpoint!("mint: receipt created");
        account_creation::init_zero_copy(&receipt, |r: &mut MintReceipt| {
            *r = MintReceipt {
                bump,
                issuer: issuer_key,
                request_id,
                minter: authority,
                recipient,
                _padding: [0; 7],
                amount,
                slot: clock.slot,
                unix_timestamp: clock.unix_timestamp,
                seq,
            };
            Ok(())
        })?;

        crate::cu_checkpoint!("mint: receipt written");
        emit_event!(
            ctx,
            Minted {
                mint,
                seq,
                request_id,
                minter: authority,
                recipient,
                amount,
                supply_after,
                allowance_after,
            }
        );
        crate::cu_checkpoint!("mint: event emitted");
        Ok(())
    }
}
