//! The upgradeable loader (v3) calls the issuer's upgrade-authority PDA signs, and the few
//! bytes of its account layouts the program reads. The layouts are bincode, fixed since the
//! loader's release; written out here rather than pulling bincode and serde on-chain.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;

use crate::errors::MinterError;

pub use solana_sdk_ids::bpf_loader_upgradeable::ID as LOADER_ID;

/// `UpgradeableLoaderState::Buffer`: u32 tag 1, Option<Pubkey> authority.
const BUFFER_TAG: u32 = 1;
/// Bytes before a buffer's program bytes.
pub const BUFFER_METADATA_LEN: usize = 4 + 1 + 32;
/// `UpgradeableLoaderState::ProgramData`: u32 tag 3, u64 slot, Option<Pubkey> authority.
const PROGRAM_DATA_TAG: u32 = 3;
/// Bytes before a program data account's program bytes.
pub const PROGRAM_DATA_METADATA_LEN: usize = 4 + 8 + 1 + 32;

/// `UpgradeableLoaderInstruction` tags (bincode u32).
const UPGRADE: u32 = 3;
const SET_AUTHORITY: u32 = 4;
const SET_AUTHORITY_CHECKED: u32 = 7;

/// Reads an `Option<Pubkey>` in bincode's layout (tag byte, then the key when 1).
fn optional_key(data: &[u8]) -> Option<Option<Pubkey>> {
    match data.first()? {
        0 => Some(None),
        1 => Some(Some(Pubkey::try_from(data.get(1..33)?).ok()?)),
        _ => None,
    }
}

fn tag(data: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(..4)?.try_into().ok()?))
}

/// The upgrade authority recorded in a program data account (None: immutable); an error
/// when the account is not the loader's program data.
pub fn program_data_authority(account: &AccountInfo) -> Result<Option<Pubkey>> {
    require_keys_eq!(*account.owner, LOADER_ID, MinterError::NotUpgradeAuthority);
    let data = account.try_borrow_data()?;
    require!(
        tag(&data) == Some(PROGRAM_DATA_TAG),
        MinterError::NotUpgradeAuthority
    );
    optional_key(data.get(12..).unwrap_or_default()).ok_or(error!(MinterError::NotUpgradeAuthority))
}

/// Program bytes a program data account has room for.
pub fn program_data_capacity(account: &AccountInfo) -> usize {
    account.data_len().saturating_sub(PROGRAM_DATA_METADATA_LEN)
}

/// SHA-256 of a loader buffer's program bytes, when the buffer's authority is `authority`
/// (the loader's Upgrade requires that too; checking it here gives a clear error).
pub fn governed_buffer_hash(buffer: &AccountInfo, authority: &Pubkey) -> Result<[u8; 32]> {
    require_keys_eq!(*buffer.owner, LOADER_ID, MinterError::UpgradeBufferInvalid);
    let data = buffer.try_borrow_data()?;
    require!(
        tag(&data) == Some(BUFFER_TAG)
            && optional_key(data.get(4..).unwrap_or_default()) == Some(Some(*authority)),
        MinterError::UpgradeBufferInvalid
    );
    let program = data.get(BUFFER_METADATA_LEN..).unwrap_or_default();
    Ok(solana_sha256_hasher::hash(program).to_bytes())
}

fn loader_instruction(tag: u32, accounts: Vec<AccountMeta>) -> Instruction {
    Instruction {
        program_id: LOADER_ID,
        accounts,
        data: tag.to_le_bytes().to_vec(),
    }
}

/// The loader calls of one issuer's upgrade-authority PDA.
pub struct UpgradeAuthoritySigned<'a, 'info> {
    /// The PDA `["upgrade_authority", issuer]`.
    pub authority: &'a AccountInfo<'info>,
    /// Its signer seeds (with the bump).
    pub seeds: &'a [&'a [u8]],
    /// The program's program data account.
    pub program_data: &'a AccountInfo<'info>,
    pub loader: &'a AccountInfo<'info>,
}

impl<'info> UpgradeAuthoritySigned<'_, 'info> {
    /// `SetAuthorityChecked` from `current` (a transaction signer) to the PDA, which signs
    /// too: the new authority provably belongs to this program.
    pub fn receive_from(&self, current: &AccountInfo<'info>) -> Result<()> {
        let ix = loader_instruction(
            SET_AUTHORITY_CHECKED,
            vec![
                AccountMeta::new(*self.program_data.key, false),
                AccountMeta::new_readonly(*current.key, true),
                AccountMeta::new_readonly(*self.authority.key, true),
            ],
        );
        let infos = [
            self.program_data.clone(),
            current.clone(),
            self.authority.clone(),
            self.loader.clone(),
        ];
        invoke_signed(&ix, &infos, &[self.seeds])?;
        Ok(())
    }

    /// `Upgrade` from `buffer`; the buffer's lamports go to `spill`.
    pub fn upgrade(
        &self,
        program: &AccountInfo<'info>,
        buffer: &AccountInfo<'info>,
        spill: &AccountInfo<'info>,
        rent: &AccountInfo<'info>,
        clock: &AccountInfo<'info>,
    ) -> Result<()> {
        let ix = loader_instruction(
            UPGRADE,
            vec![
                AccountMeta::new(*self.program_data.key, false),
                AccountMeta::new(*program.key, false),
                AccountMeta::new(*buffer.key, false),
                AccountMeta::new(*spill.key, false),
                AccountMeta::new_readonly(*rent.key, false),
                AccountMeta::new_readonly(*clock.key, false),
                AccountMeta::new_readonly(*self.authority.key, true),
            ],
        );
        let infos = [
            self.program_data.clone(),
            program.clone(),
            buffer.clone(),
            spill.clone(),
            rent.clone(),
            clock.clone(),
            self.authority.clone(),
            self.loader.clone(),
        ];
        invoke_signed(&ix, &infos, &[self.seeds])?;
        Ok(())
    }

    /// Passes the authority to `new` (`SetAuthorityChecked`: `new` signs the transaction),
    /// or with None makes the program immutable (`SetAuthority` without a new authority).
    pub fn hand_on(&self, new: Option<&AccountInfo<'info>>) -> Result<()> {
        let mut metas = vec![
            AccountMeta::new(*self.program_data.key, false),
            AccountMeta::new_readonly(*self.authority.key, true),
        ];
        let mut infos = vec![self.program_data.clone(), self.authority.clone()];
        let tag = match new {
            Some(new) => {
                metas.push(AccountMeta::new_readonly(*new.key, true));
                infos.push(new.clone());
                SET_AUTHORITY_CHECKED
            }
            None => SET_AUTHORITY,
        };
        infos.push(self.loader.clone());
        invoke_signed(&loader_instruction(tag, metas), &infos, &[self.seeds])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_read_as_bincode_writes_them() {
        let key = Pubkey::new_unique();
        let mut some = vec![1u8];
        some.extend_from_slice(key.as_ref());
        assert_eq!(optional_key(&some), Some(Some(key)));
        assert_eq!(optional_key(&[0]), Some(None));
        assert_eq!(optional_key(&[2]), None);
        assert_eq!(optional_key(&some[..20]), None);
        assert_eq!(optional_key(&[]), None);
    }
}
