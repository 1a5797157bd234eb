use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;

use crate::account_creation;
use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::IssuerInitialized;
use crate::seeds::ISSUER_SEED;
use crate::state::*;
use crate::token_cpi::{self, NewMint};

/// Everything `initialize` is told.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitializeArgs {
    /// Decimals of the new mint (at most 18).
    pub decimals: u8,
    /// Token metadata (at most 32, 10 and 200 bytes).
    pub name: String,
    pub symbol: String,
    pub uri: String,
    /// Initial multisig members (1..=10, unique; stored sorted).
    pub members: Vec<Pubkey>,
    /// Approvals a proposal needs.
    pub threshold: u8,
    /// Seconds between threshold and execution (at most 30 days).
    pub time_lock: u32,
    /// Supply cap, minimum redemption and reserve guard.
    pub limits: Limits,
    /// Add the PermanentDelegate extension (for governance-approved seizure).
    pub permanent_delegate: bool,
    /// DefaultAccountState Frozen (KYC mode) instead of Initialized.
    pub default_frozen: bool,
}

impl InitializeArgs {
    /// What these args set on the issuer of `mint` at `bump`.
    pub fn new_issuer(&self, mint: Pubkey, bump: u8) -> NewIssuer<'_> {
        NewIssuer {
            mint,
            bump,
            decimals: self.decimals,
            members: &self.members,
            threshold: self.threshold,
            time_lock: self.time_lock,
            limits: self.limits,
            permanent_delegate: self.permanent_delegate,
            default_frozen: self.default_frozen,
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays for the mint and the issuer.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// A fresh keypair; created here as the Token-2022 mint (also when its address was
    /// funded first).
    #[account(mut)]
    pub mint: Signer<'info>,
    /// The `Issuer`, created here at `["issuer", mint]` (also when its address was funded
    /// first; the canonical bump is searched by `account_creation::create_pda`, by SHA-256);
    /// an account already there is refused.
    /// CHECK: the checks described above.
    #[account(mut)]
    #[cfg_attr(feature = "idl-build", account(seeds = [ISSUER_SEED, mint.key().as_ref()], bump))]
    pub issuer: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    fn validate(&self, args: &InitializeArgs) -> Result<()> {
        validated_members(&args.members, args.threshold, args.time_lock)?;
        args.limits.validate()?;
        require!(args.decimals <= 18, MinterError::InvalidDecimals);
        require!(
            account_creation::is_vacant(&self.issuer),
            MinterError::IssuerAlreadyExists
        );
        require!(
            account_creation::is_vacant(&self.mint),
            MinterError::MintAccountExists
        );
        validate_token_metadata(&args.name, &args.symbol, &args.uri)
    }

    /// Creates the mint with its extensions, every authority the issuer PDA, then the issuer.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize(ctx: Context<Self>, args: InitializeArgs) -> Result<()> {
        let issuer_key = ctx.accounts.issuer.key();
        let mint_key = ctx.accounts.mint.key();
        let token_program = ctx.accounts.token_program.key();
        let mint_info = ctx.accounts.mint.to_account_info();
        let token_info = ctx.accounts.token_program.to_account_info();
        let issuer_info = ctx.accounts.issuer.to_account_info();
        let payer_info = ctx.accounts.payer.to_account_info();
        let system_info = ctx.accounts.system_program.to_account_info();
        let bump = account_creation::create_pda(
            &payer_info,
            &issuer_info,
            &system_info,
            8 + Issuer::INIT_SPACE,
            &[ISSUER_SEED, mint_key.as_ref()],
        )?;

        let space = token_cpi::new_mint_len(args.permanent_delegate);
        // Token-2022 reallocates the mint for the metadata: fund that size up front.
        let funded_len = space
            .checked_add(token_cpi::new_metadata_len(
                &args.name,
                &args.symbol,
                &args.uri,
            )?)
            .ok_or(MinterError::Overflow)?;
        account_creation::create_funded_account(
            &payer_info,
            &mint_info,
            &system_info,
            space,
            account_creation::rent_exempt_minimum(funded_len)?,
            &token_program,
            &[],
        )?;

        // extensions first, then the mint, then the metadata (it needs the mint authority)
        let new_mint = NewMint {
            token_program: &token_info,
            mint: &mint_info,
        };
        new_mint.metadata_pointer(&issuer_key, &mint_key)?;
        new_mint.pausable(&issuer_key)?;
        new_mint.default_account_state(args.default_frozen)?;
        if args.permanent_delegate {
            new_mint.permanent_delegate(&issuer_key)?;
        }
        new_mint.initialize_mint(args.decimals, &issuer_key)?;
        // the issuer signs as mint authority before it is filled in
        let bump_seed = [bump];
        new_mint.token_metadata(
            &issuer_info,
            &[ISSUER_SEED, mint_key.as_ref(), &bump_seed],
            &args.name,
            &args.symbol,
            &args.uri,
        )?;

        // filled in place: the account is zeroed, the discriminator makes it an Issuer
        let (seq, members) =
            account_creation::init_zero_copy(&issuer_info, |issuer: &mut Issuer| {
                issuer.init(&args.new_issuer(mint_key, bump))?;
                let seq = issuer.next_seq()?;
                issuer.invariant()?;
                Ok((seq, issuer.members().to_vec()))
            })?;
        emit_event!(
            ctx,
            IssuerInitialized {
                mint: mint_key,
                seq,
                issuer: issuer_key,
                decimals: args.decimals,
                name: args.name,
                symbol: args.symbol,
                uri: args.uri,
                members,
                threshold: args.threshold,
                time_lock: args.time_lock,
                limits: args.limits,
                permanent_delegate: args.permanent_delegate,
                default_frozen: args.default_frozen,
            }
        );
        Ok(())
    }
}
