//! Token-2022 helpers: associated token accounts and decoded views of the mint and of token
//! accounts, with the extensions the product uses.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::{
    get_associated_token_address_with_program_id,
    spl_associated_token_account::instruction::create_associated_token_account_idempotent,
};
pub use anchor_spl::token_2022::spl_token_2022::error::TokenError;
pub use anchor_spl::token_2022::spl_token_2022::state::AccountState;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{
        default_account_state::DefaultAccountState, metadata_pointer::MetadataPointer,
        pausable::PausableConfig, permanent_delegate::PermanentDelegate, BaseStateWithExtensions,
        StateWithExtensions,
    },
    state::{Account, Mint},
};
use anchor_spl::token_interface::spl_token_metadata_interface::state::TokenMetadata;

use crate::accounts::DecodeError;
use crate::TOKEN_PROGRAM_ID;

/// The legacy SPL Token program (accounts it owns are not wallets).
pub const LEGACY_TOKEN_ID: Pubkey =
    Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/// The associated Token-2022 account of `owner` for `mint`.
pub fn associated_address(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, mint, &TOKEN_PROGRAM_ID)
}

/// Creates `owner`'s associated Token-2022 account for `mint` (idempotent).
pub fn create_associated_account(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> Instruction {
    create_associated_token_account_idempotent(payer, owner, mint, &TOKEN_PROGRAM_ID)
}

/// A holder's Token-2022 `transfer_checked` of `amount` from `from` to `to`, signed by
/// `owner` (what wallets send; stopped at the token level while the mint is paused).
pub fn transfer_checked(
    from: &Pubkey,
    mint: &Pubkey,
    to: &Pubkey,
    owner: &Pubkey,
    amount: u64,
    decimals: u8,
) -> Result<Instruction, DecodeError> {
    anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        from,
        mint,
        to,
        owner,
        &[],
        amount,
        decimals,
    )
    .map_err(err)
}

/// A holder's own Token-2022 `burn_checked` of `amount` from `account`, signed by `owner`:
/// it bypasses the program (no event, no redemption), so the reconciler reports it as a
/// supply mismatch.
pub fn burn_checked(
    account: &Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    amount: u64,
    decimals: u8,
) -> Result<Instruction, DecodeError> {
    anchor_spl::token_2022::spl_token_2022::instruction::burn_checked(
        &TOKEN_PROGRAM_ID,
        account,
        mint,
        owner,
        &[],
        amount,
        decimals,
    )
    .map_err(err)
}

/// Creates a Token-2022 account at the `account` keypair's address (not the associated one:
/// its owner can be changed), for a mint with the Pausable extension: `payer` pays, the
/// account keypair signs.
pub fn create_account(
    payer: &Pubkey,
    account: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
) -> Result<Vec<Instruction>, DecodeError> {
    use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
    let space =
        ExtensionType::try_calculate_account_len::<Account>(&[ExtensionType::PausableAccount])
            .map_err(err)?;
    let rent = solana_sdk::rent::Rent::default().minimum_balance(space);
    Ok(vec![
        anchor_lang::solana_program::system_instruction::create_account(
            payer,
            account,
            rent,
            space as u64,
            &TOKEN_PROGRAM_ID,
        ),
        anchor_spl::token_2022::spl_token_2022::instruction::initialize_account3(
            &TOKEN_PROGRAM_ID,
            account,
            mint,
            owner,
        )
        .map_err(err)?,
    ])
}

/// Token-2022 `set_authority(AccountOwner)`: `owner` hands `account` to `new_owner` (refused
/// for associated accounts, whose owner is immutable).
pub fn set_owner(
    account: &Pubkey,
    owner: &Pubkey,
    new_owner: &Pubkey,
) -> Result<Instruction, DecodeError> {
    anchor_spl::token_2022::spl_token_2022::instruction::set_authority(
        &TOKEN_PROGRAM_ID,
        account,
        Some(new_owner),
        anchor_spl::token_2022::spl_token_2022::instruction::AuthorityType::AccountOwner,
        owner,
        &[],
    )
    .map_err(err)
}

/// A Token-2022 mint with the extensions usd1-minter configures.
#[derive(Debug, Clone, PartialEq)]
pub struct MintView {
    pub supply: u64,
    pub decimals: u8,
    pub mint_authority: Option<Pubkey>,
    pub freeze_authority: Option<Pubkey>,
    pub pause_authority: Option<Pubkey>,
    pub paused: bool,
    pub permanent_delegate: Option<Pubkey>,
    pub metadata_pointer_authority: Option<Pubkey>,
    pub metadata_address: Option<Pubkey>,
    /// Some(Frozen) in KYC mode.
    pub default_account_state: Option<AccountState>,
    pub metadata_update_authority: Option<Pubkey>,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    /// Additional metadata fields (key, value), in the mint's order.
    pub additional: Vec<(String, String)>,
}

fn err(e: impl std::fmt::Display) -> DecodeError {
    DecodeError(format!("token-2022: {e}"))
}

impl MintView {
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let state = StateWithExtensions::<Mint>::unpack(data).map_err(err)?;
        let base = state.base;
        let pausable = state.get_extension::<PausableConfig>().ok();
        let pointer = state.get_extension::<MetadataPointer>().ok();
        let metadata = state.get_variable_len_extension::<TokenMetadata>().ok();
        Ok(Self {
            supply: base.supply,
            decimals: base.decimals,
            mint_authority: base.mint_authority.into(),
            freeze_authority: base.freeze_authority.into(),
            pause_authority: pausable.and_then(|p| Option::<Pubkey>::from(p.authority)),
            paused: pausable.is_some_and(|p| bool::from(p.paused)),
            permanent_delegate: state
                .get_extension::<PermanentDelegate>()
                .ok()
                .and_then(|p| Option::<Pubkey>::from(p.delegate)),
            metadata_pointer_authority: pointer.and_then(|p| Option::<Pubkey>::from(p.authority)),
            metadata_address: pointer.and_then(|p| Option::<Pubkey>::from(p.metadata_address)),
            default_account_state: state
                .get_extension::<DefaultAccountState>()
                .ok()
                .and_then(|d| AccountState::try_from(d.state).ok()),
            metadata_update_authority: metadata
                .as_ref()
                .and_then(|m| Option::<Pubkey>::from(m.update_authority)),
            name: metadata
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            symbol: metadata
                .as_ref()
                .map(|m| m.symbol.clone())
                .unwrap_or_default(),
            uri: metadata.as_ref().map(|m| m.uri.clone()).unwrap_or_default(),
            additional: metadata.map(|m| m.additional_metadata).unwrap_or_default(),
        })
    }
}

/// A Token-2022 token account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccountView {
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub frozen: bool,
}

impl TokenAccountView {
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let state = StateWithExtensions::<Account>::unpack(data).map_err(err)?;
        Ok(Self {
            mint: state.base.mint,
            owner: state.base.owner,
            amount: state.base.amount,
            frozen: state.base.state == AccountState::Frozen,
        })
    }
}
