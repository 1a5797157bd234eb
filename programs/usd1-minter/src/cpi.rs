//! The one CPI path of the program's hand-encoded calls (Token-2022 in `token_cpi`, the system
//! program in `account_creation`): metas built from the accounts passed, invoked without the
//! RefCell re-checks of `invoke_signed`. Callers hold no borrow of any account they pass.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed_unchecked;

/// One account of a call: the account, whether the callee may write it, whether it signs
/// (by the transaction, or by `seeds`).
pub struct CpiAccount<'a, 'info> {
    pub info: &'a AccountInfo<'info>,
    pub writable: bool,
    pub signer: bool,
}

impl<'a, 'info> CpiAccount<'a, 'info> {
    pub fn new(info: &'a AccountInfo<'info>, writable: bool, signer: bool) -> Self {
        Self {
            info,
            writable,
            signer,
        }
    }
}

/// Invokes `program_id` with `data` over `accounts`, signed by `seeds` (a fixed array: the
/// account infos stay off the heap).
pub fn invoke_unchecked<'info, const N: usize>(
    program_id: &Pubkey,
    data: Vec<u8>,
    accounts: [CpiAccount<'_, 'info>; N],
    seeds: &[&[&[u8]]],
) -> Result<()> {
    let metas = accounts
        .iter()
        .map(|a| AccountMeta {
            pubkey: *a.info.key,
            is_signer: a.signer,
            is_writable: a.writable,
        })
        .collect();
    let infos = accounts.map(|a| a.info.clone());
    invoke_signed_unchecked(
        &Instruction {
            program_id: *program_id,
            accounts: metas,
            data,
        },
        &infos,
        seeds,
    )
    .map_err(Into::into)
}
