//! Token-2022 calls the issuer PDA signs (it holds the mint, freeze and permanent-delegate
//! authorities). One place for the CPI plumbing, so handlers read as what they do.
//!
//! The frequent calls (mint, freeze, thaw, pause, resume, the delegate's transfer and burn,
//! and the holder's own burn at `redeem`) are encoded here, as Token-2022's `TokenInstruction::pack` encodes them (tag, then the
//! little-endian amount and the decimals where the instruction has them), and invoked without
//! the RefCell re-checks (`crate::cpi`): no borrow of any account they pass is live (the
//! issuer's data is never held across a call). The metadata updates go through `anchor_spl`.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::spl_token_metadata_interface::state::Field;
use anchor_spl::token_interface::{
    token_metadata_remove_key, token_metadata_update_field, TokenMetadataRemoveKey,
    TokenMetadataUpdateField,
};

use crate::cpi::{self, CpiAccount};
use crate::errors::MinterError;
use crate::seeds::ISSUER_SEED;
use crate::state::Issuer;

/// Token-2022 instruction tags (`TokenInstruction`), and the Pausable extension's own.
const MINT_TO: u8 = 7;
const FREEZE_ACCOUNT: u8 = 10;
const THAW_ACCOUNT: u8 = 11;
const TRANSFER_CHECKED: u8 = 12;
const BURN_CHECKED: u8 = 15;
const PAUSABLE_EXTENSION: u8 = 44;
const PAUSABLE_PAUSE: u8 = 1;
const PAUSABLE_RESUME: u8 = 2;

/// `tag`, then `amount` (LE) and `decimals` where given.
fn token_data(tag: u8, amount: Option<u64>, decimals: Option<u8>) -> Vec<u8> {
    let mut data = Vec::with_capacity(10);
    data.push(tag);
    if let Some(amount) = amount {
        data.extend_from_slice(&amount.to_le_bytes());
    }
    data.extend(decimals);
    data
}

/// Byte range of `supply` in a Token-2022 mint: after the mint authority's `COption<Pubkey>`
/// (a 4-byte tag and the key), before the decimals.
const MINT_SUPPLY: core::ops::Range<usize> = 36..44;

/// The supply of the issuer's mint, read from its bytes. The accounts struct proved the
/// address (the issuer's mint, a Token-2022 mint `initialize` created, with no close
/// authority: nothing else can ever live there) and the owner, so no unpacking of the mint
/// and its extensions is needed.
pub fn mint_supply(mint: &AccountInfo) -> Result<u64> {
    let data = mint.try_borrow_data()?;
    let bytes = data.get(MINT_SUPPLY).ok_or(MinterError::WrongMint)?;
    let mut supply = [0u8; 8];
    supply.copy_from_slice(bytes);
    Ok(u64::from_le_bytes(supply))
}

/// The holder burns `amount` from its own token account `from` (it signs the transaction;
/// no issuer authority involved), encoded as the issuer's calls are.
pub fn holder_burn<'info>(
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    holder: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    let account = |info, writable, signer| CpiAccount {
        info,
        writable,
        signer,
    };
    cpi::invoke_unchecked(
        token_program.key,
        token_data(BURN_CHECKED, Some(amount), Some(decimals)),
        [
            account(from, true, false),
            account(mint, true, false),
            account(holder, false, true),
        ],
        &[],
    )
}

/// What the program reads of a token account: its mint, owner, balance and frozen state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAccountState {
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub frozen: bool,
}

/// Length of a token account's base state (`spl_token_2022::state::Account::LEN`) and of a
/// multisig (`Multisig::LEN`), and the byte after the base state that holds an extended
/// account's type (`AccountType::Account` = 2).
const ACCOUNT_LEN: usize = 165;
const MULTISIG_LEN: usize = 355;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;
/// `AccountState` (byte 108 of the base state): Uninitialized, Initialized, Frozen.
const ACCOUNT_STATE: usize = 108;
const STATE_INITIALIZED: u8 = 1;
const STATE_FROZEN: u8 = 2;

/// The token account at `info`, read from its bytes with the checks Anchor's
/// `InterfaceAccount<TokenAccount>` makes (Token-2022's `StateWithExtensions::<Account>::unpack`),
/// failing the same way: an empty system account is `AccountNotInitialized`; an owner other
/// than Token-2022 or the token program `AccountOwnedByWrongProgram`; an uninitialized token
/// account `UninitializedAccount`; anything else that is not a token account (shorter than
/// the base length, a multisig, longer and typed otherwise than Account, an unknown state)
/// `InvalidAccountData`. No copy of the base state, no walk of its
/// extensions: the four fields are read where they are. A legacy token account passes these
/// checks and then fails the caller's mint check, as before.
pub fn token_account(info: &AccountInfo) -> Result<TokenAccountState> {
    // Token-2022 first: the one comparison on the path of every account of this mint
    let owners = <anchor_spl::token_interface::TokenAccount as anchor_lang::Owners>::owners();
    if *info.owner != anchor_spl::token_2022::ID && !owners.contains(info.owner) {
        if *info.owner == anchor_lang::system_program::ID && info.lamports() == 0 {
            return err!(ErrorCode::AccountNotInitialized);
        }
        return err!(ErrorCode::AccountOwnedByWrongProgram);
    }
    let data = info.try_borrow_data()?;
    let typed = match data.len() {
        ACCOUNT_LEN => true,
        MULTISIG_LEN => false,
        len => len > ACCOUNT_LEN && data[ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT,
    };
    // in Token-2022's order: the length, the base state (a state byte it does not know, then
    // an uninitialized account), then the account type
    let long_enough = data.len() >= ACCOUNT_LEN && data.len() != MULTISIG_LEN;
    let state = *data.get(ACCOUNT_STATE).unwrap_or(&0);
    if !long_enough || state > STATE_FROZEN {
        return Err(ProgramError::InvalidAccountData.into());
    }
    if state != STATE_INITIALIZED && state != STATE_FROZEN {
        return Err(ProgramError::UninitializedAccount.into());
    }
    if !typed {
        return Err(ProgramError::InvalidAccountData.into());
    }
    let key_at = |at: usize| {
        let mut key = [0u8; 32];
        key.copy_from_slice(&data[at..at + 32]);
        Pubkey::new_from_array(key)
    };
    let mut amount = [0u8; 8];
    amount.copy_from_slice(&data[64..72]);
    Ok(TokenAccountState {
        mint: key_at(0),
        owner: key_at(32),
        amount: u64::from_le_bytes(amount),
        frozen: state == STATE_FROZEN,
    })
}

/// The issuer account and the Token-2022 program, for issuer-signed calls on its mint.
/// It keeps copies of what the calls need (the issuer's seeds, the decimals) and no borrow
/// of the issuer's data: the runtime borrows every account a CPI passes, so the caller must
/// not hold the issuer loaded across a call.
pub struct IssuerSigned<'info> {
    issuer: AccountInfo<'info>,
    issuer_mint: Pubkey,
    bump: [u8; 1],
    decimals: u8,
    mint: AccountInfo<'info>,
    token_program: AccountInfo<'info>,
}

impl<'info> IssuerSigned<'info> {
    pub fn new(
        issuer: &AccountLoader<'info, Issuer>,
        mint: AccountInfo<'info>,
        token_program: AccountInfo<'info>,
    ) -> Result<Self> {
        let loaded = issuer.load()?;
        Ok(Self {
            issuer_mint: loaded.mint,
            bump: [loaded.bump],
            decimals: loaded.decimals,
            issuer: issuer.to_account_info(),
            mint,
            token_program,
        })
    }

    fn call<T: ToAccountMetas + ToAccountInfos<'info>>(
        &self,
        accounts: T,
        f: impl FnOnce(CpiContext<'_, '_, '_, 'info, T>) -> Result<()>,
    ) -> Result<()> {
        let seeds: [&[u8]; 3] = [ISSUER_SEED, self.issuer_mint.as_ref(), &self.bump];
        let signer: &[&[&[u8]]] = &[&seeds];
        f(CpiContext::new_with_signer(
            self.token_program.key(),
            accounts,
            signer,
        ))
    }

    fn authority(&self) -> AccountInfo<'info> {
        self.issuer.clone()
    }

    /// Invokes Token-2022 with `data` over `accounts` (their metas: writable or not; the
    /// issuer, last, signs), signed by the issuer's seeds.
    fn invoke<const N: usize>(
        &self,
        data: Vec<u8>,
        accounts: [(&AccountInfo<'info>, bool); N],
    ) -> Result<()> {
        let accounts = accounts.map(|(info, writable)| CpiAccount {
            info,
            writable,
            signer: info.key == self.issuer.key,
        });
        let seeds: [&[u8]; 3] = [ISSUER_SEED, self.issuer_mint.as_ref(), &self.bump];
        cpi::invoke_unchecked(self.token_program.key, data, accounts, &[&seeds])
    }

    /// Pauses the mint at the token level (transfers, mints, burns stop).
    pub fn pause(&self) -> Result<()> {
        self.toggle_pause(PAUSABLE_PAUSE)
    }

    pub fn resume(&self) -> Result<()> {
        self.toggle_pause(PAUSABLE_RESUME)
    }

    fn toggle_pause(&self, which: u8) -> Result<()> {
        self.invoke(
            vec![PAUSABLE_EXTENSION, which],
            [(&self.mint, true), (&self.issuer, false)],
        )
    }

    /// Sets one metadata field (the issuer is the metadata's update authority). Token-2022
    /// reallocates the mint; the caller funds any growth.
    pub fn update_metadata_field(&self, field: Field, value: String) -> Result<()> {
        let accounts = TokenMetadataUpdateField {
            program_id: self.token_program.clone(),
            metadata: self.mint.clone(),
            update_authority: self.authority(),
        };
        self.call(accounts, |ctx| {
            token_metadata_update_field(ctx, field, value)
        })
    }

    /// Removes an additional metadata field; a key the mint does not hold is no error.
    pub fn remove_metadata_key(&self, key: String) -> Result<()> {
        let accounts = TokenMetadataRemoveKey {
            program_id: self.token_program.clone(),
            metadata: self.mint.clone(),
            update_authority: self.authority(),
        };
        self.call(accounts, |ctx| token_metadata_remove_key(ctx, key, true))
    }

    pub fn mint_to(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        self.invoke(
            token_data(MINT_TO, Some(amount), None),
            [(&self.mint, true), (&to, true), (&self.issuer, false)],
        )
    }

    pub fn freeze(&self, account: AccountInfo<'info>) -> Result<()> {
        self.invoke(
            token_data(FREEZE_ACCOUNT, None, None),
            [(&account, true), (&self.mint, false), (&self.issuer, false)],
        )
    }

    pub fn thaw(&self, account: AccountInfo<'info>) -> Result<()> {
        self.invoke(
            token_data(THAW_ACCOUNT, None, None),
            [(&account, true), (&self.mint, false), (&self.issuer, false)],
        )
    }

    /// Moves `amount` out of `from` as the mint's permanent delegate.
    pub fn delegate_transfer(
        &self,
        from: AccountInfo<'info>,
        to: AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        self.invoke(
            token_data(TRANSFER_CHECKED, Some(amount), Some(self.decimals)),
            [
                (&from, true),
                (&self.mint, false),
                (&to, true),
                (&self.issuer, false),
            ],
        )
    }

    /// Burns `amount` from `from` as the mint's permanent delegate.
    pub fn delegate_burn(&self, from: AccountInfo<'info>, amount: u64) -> Result<()> {
        self.invoke(
            token_data(BURN_CHECKED, Some(amount), Some(self.decimals)),
            [(&from, true), (&self.mint, true), (&self.issuer, false)],
        )
    }
}
