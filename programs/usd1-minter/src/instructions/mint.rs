use anchor_lang::prelude::*;
use anchor_spl::token_2022::{mint_to, MintTo, Token2022};
use anchor_spl::token_interface::{Mint, TokenAccount};

use crate::errors::MinterError;
use crate::events::Minted;
use crate::seeds::{ISSUER_SEED, MINT_RECEIPT_SEED};
use crate::state::*;

/// An authorized minter issues `amount` for the funding request `request_id`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(request_id: [u8; 32])]
pub struct MintTokens<'info> {
    /// The minter's authority; pays the receipt's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut, seeds = [ISSUER_SEED, issuer.mint.as_ref()], bump = issuer.bump)]
    pub issuer: Box<Account<'info, Issuer>>,
    /// Owned by this program, so created at `["minter", issuer, authority]` by governance;
    /// the two has_one checks bind it to this issuer and this signer.
    #[account(
        mut,
        has_one = issuer @ MinterError::WrongIssuer,
        has_one = authority @ MinterError::NotMinterAuthority,
    )]
    pub minter: Box<Account<'info, Minter>>,
    /// Created on first use of `request_id`; if it already exists the mint is refused.
    #[account(
        init_if_needed,
        payer = authority,
        space = 8 + MintReceipt::INIT_SPACE,
        seeds = [MINT_RECEIPT_SEED, issuer.key().as_ref(), request_id.as_ref()],
        bump,
    )]
    pub receipt: Box<Account<'info, MintReceipt>>,
    #[account(mut, address = issuer.mint @ MinterError::WrongMint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, constraint = recipient.mint == mint.key() @ MinterError::WrongMint)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

impl MintTokens<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        require!(!self.issuer.paused, MinterError::Paused);
        require!(self.minter.active, MinterError::MinterInactive);
        require!(amount > 0, MinterError::ZeroAmount);
        require!(!self.receipt.is_used(), MinterError::RequestIdReused);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn mint(ctx: Context<Self>, request_id: [u8; 32], amount: u64) -> Result<()> {
        let clock = Clock::get()?;
        ctx.accounts
            .minter
            .record_mint(amount, clock.unix_timestamp)?;
        let supply_after = ctx
            .accounts
            .issuer
            .check_supply_cap(ctx.accounts.mint.supply, amount)?;

        crate::cu_checkpoint!("mint: allowance, rate limit, cap checked");
        let mint = ctx.accounts.issuer.mint;
        let seeds = ctx.accounts.issuer.signer_seeds();
        let signer: &[&[&[u8]]] = &[&seeds];
        mint_to(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                MintTo {
                    mint: ctx.accounts.mint.to_account_info(),
                    to: ctx.accounts.recipient.to_account_info(),
                    authority: ctx.accounts.issuer.to_account_info(),
                },
                signer,
            ),
            amount,
        )?;

        crate::cu_checkpoint!("mint: token-2022 mint_to done");
        let authority = ctx.accounts.authority.key();
        let recipient = ctx.accounts.recipient.key();
        let issuer_key = ctx.accounts.issuer.key();
        let issuer = &mut ctx.accounts.issuer;
        issuer.record_mint(amount)?;
        let seq = issuer.next_seq()?;
        issuer.invariant()?;

        let receipt = &mut ctx.accounts.receipt;
        receipt.bump = ctx.bumps.receipt;
        receipt.issuer = issuer_key;
        receipt.request_id = request_id;
        receipt.minter = authority;
        receipt.recipient = recipient;
        receipt.amount = amount;
        receipt.slot = clock.slot;
        receipt.unix_timestamp = clock.unix_timestamp;
        receipt.seq = seq;

        let allowance_after = ctx.accounts.minter.allowance;
        crate::cu_checkpoint!("mint: receipt written");
        emit_cpi!(Minted {
            mint,
            seq,
            request_id,
            minter: authority,
            recipient,
            amount,
            supply_after,
            allowance_after,
        });
        crate::cu_checkpoint!("mint: event emitted");
        Ok(())
    }
}
