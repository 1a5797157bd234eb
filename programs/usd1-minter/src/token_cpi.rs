//! Token-2022 calls the issuer PDA signs (it holds the mint, freeze and permanent-delegate
//! authorities). One place for the CPI plumbing, so handlers read as what they do.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::{
    burn_checked, freeze_account, mint_to, thaw_account, transfer_checked, BurnChecked,
    FreezeAccount, MintTo, ThawAccount, TransferChecked,
};
use anchor_spl::token_interface::spl_token_metadata_interface::state::Field;
use anchor_spl::token_interface::{
    pausable_pause, pausable_resume, token_metadata_remove_key, token_metadata_update_field,
    PausableToggle, TokenMetadataRemoveKey, TokenMetadataUpdateField,
};

use crate::errors::MinterError;
use crate::seeds::ISSUER_SEED;
use crate::state::Issuer;

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

    /// Pauses the mint at the token level (transfers, mints, burns stop).
    pub fn pause(&self) -> Result<()> {
        self.call(self.pausable_toggle(), pausable_pause)
    }

    pub fn resume(&self) -> Result<()> {
        self.call(self.pausable_toggle(), pausable_resume)
    }

    fn pausable_toggle(&self) -> PausableToggle<'info> {
        PausableToggle {
            token_program_id: self.token_program.clone(),
            mint: self.mint.clone(),
            authority: self.authority(),
        }
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
        let accounts = MintTo {
            mint: self.mint.clone(),
            to,
            authority: self.authority(),
        };
        self.call(accounts, |ctx| mint_to(ctx, amount))
    }

    pub fn freeze(&self, account: AccountInfo<'info>) -> Result<()> {
        let accounts = FreezeAccount {
            account,
            mint: self.mint.clone(),
            authority: self.authority(),
        };
        self.call(accounts, freeze_account)
    }

    pub fn thaw(&self, account: AccountInfo<'info>) -> Result<()> {
        let accounts = ThawAccount {
            account,
            mint: self.mint.clone(),
            authority: self.authority(),
        };
        self.call(accounts, thaw_account)
    }

    /// Moves `amount` out of `from` as the mint's permanent delegate.
    pub fn delegate_transfer(
        &self,
        from: AccountInfo<'info>,
        to: AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        let decimals = self.decimals;
        let accounts = TransferChecked {
            from,
            mint: self.mint.clone(),
            to,
            authority: self.authority(),
        };
        self.call(accounts, |ctx| transfer_checked(ctx, amount, decimals))
    }

    /// Burns `amount` from `from` as the mint's permanent delegate.
    pub fn delegate_burn(&self, from: AccountInfo<'info>, amount: u64) -> Result<()> {
        let decimals = self.decimals;
        let accounts = BurnChecked {
            mint: self.mint.clone(),
            from,
            authority: self.authority(),
        };
        self.call(accounts, |ctx| burn_checked(ctx, amount, decimals))
    }
}
