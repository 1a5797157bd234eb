//! Creating accounts at addresses anyone can fund first.
//!
//! Every address the program creates (the mint keypair's, and each PDA) can be computed in
//! advance, and anyone can send lamports to an address. Anchor 1.2.2's `init` answers a funded
//! address with the system program's `CreateAccountAllowPrefund`, which the runtime this
//! project pins (agave 3.1) does not know, so one lamport would block that address for good:
//! the next proposal, a request id's receipt, a new minter. Here a funded address is topped up
//! to rent exemption, allocated and assigned instead: three instructions every system program
//! knows, signed by the PDA's seeds (or by the keypair, which signs the transaction).
use anchor_lang::prelude::*;
use anchor_lang::system_program;

use crate::cpi::{self, CpiAccount};
use crate::pda;

/// True when nothing lives at `target` yet: owned by the system program with no data (a
/// balance alone is no account: anyone can send lamports anywhere).
pub fn is_vacant(target: &AccountInfo) -> bool {
    target.owner == &system_program::ID && target.data_is_empty()
}

/// Creates `target` with `space` bytes, owned by `owner`, rent-exempt, paid by `payer`;
/// `target_seeds` sign for a PDA (empty for a keypair that signed the transaction). The
/// caller has checked [`is_vacant`] with its own error (a used id, an existing issuer).
pub fn create_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    target_seeds: &[&[&[u8]]],
) -> Result<()> {
    let required = rent_exempt_minimum(space)?;
    create_funded_account(
        payer,
        target,
        system_program,
        space,
        required,
        owner,
        target_seeds,
    )
}

/// Creates `target`, owned by this program, at the canonical address of `seeds` (see
/// [`create_account`]) and returns its bump. `target` must be that address (Anchor's seeds
/// error otherwise): the bump search runs here, by SHA-256 (`crate::pda`), and the accounts
/// struct names the seeds for the IDL only.
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
) -> Result<u8> {
    let bump = pda::canonical_bump(target.key, seeds)?;
    let bump_seed = [bump];
    // canonical_bump refused more than MAX_SEEDS seeds
    let mut signer: [&[u8]; pda::MAX_SEEDS + 1] = [&[]; pda::MAX_SEEDS + 1];
    signer[..seeds.len()].copy_from_slice(seeds);
    signer[seeds.len()] = &bump_seed;
    create_account(
        payer,
        target,
        system_program,
        space,
        &crate::ID,
        &[&signer[..=seeds.len()]],
    )?;
    Ok(bump)
}

/// [`create_account`] holding at least `required` lamports (more than `space` needs: the
/// mint, which Token-2022 grows for its metadata).
pub fn create_funded_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    required: u64,
    owner: &Pubkey,
    target_seeds: &[&[&[u8]]],
) -> Result<()> {
    let current = target.lamports();
    if current == 0 {
        let mut data = system_data(CREATE_ACCOUNT, 52);
        data.extend_from_slice(&required.to_le_bytes());
        data.extend_from_slice(&(space as u64).to_le_bytes());
        data.extend_from_slice(owner.as_ref());
        return invoke_system(
            system_program,
            data,
            [(payer, true), (target, true)],
            target_seeds,
        );
    }
    // funded before us: pay only what rent exemption still needs, then take it over
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        let mut data = system_data(TRANSFER, 12);
        data.extend_from_slice(&top_up.to_le_bytes());
        invoke_system(system_program, data, [(payer, true), (target, false)], &[])?;
    }
    let mut data = system_data(ALLOCATE, 12);
    data.extend_from_slice(&(space as u64).to_le_bytes());
    invoke_system(system_program, data, [(target, true)], target_seeds)?;
    let mut data = system_data(ASSIGN, 36);
    data.extend_from_slice(owner.as_ref());
    invoke_system(system_program, data, [(target, true)], target_seeds)
}

/// System program instruction tags (`SystemInstruction`, bincode: a u32 LE variant index,
/// then the fields).
const CREATE_ACCOUNT: u32 = 0;
const ASSIGN: u32 = 1;
const TRANSFER: u32 = 2;
const ALLOCATE: u32 = 8;

/// A system instruction's data: its tag, with room for `len` bytes in all.
fn system_data(tag: u32, len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len);
    data.extend_from_slice(&tag.to_le_bytes());
    data
}

/// Invokes the system program with `data` over `accounts` (all writable; the flag says
/// which sign: the payer signed the transaction, a PDA target signs by `seeds`, a keypair
/// target signed the transaction).
fn invoke_system<'info, const N: usize>(
    system_program: &AccountInfo<'info>,
    data: Vec<u8>,
    accounts: [(&AccountInfo<'info>, bool); N],
    seeds: &[&[&[u8]]],
) -> Result<()> {
    let accounts = accounts.map(|(info, signer)| CpiAccount {
        info,
        writable: true,
        signer,
    });
    cpi::invoke_unchecked(system_program.key, data, accounts, seeds)
}

/// The rent-exempt balance of `space` bytes, in integers: `Rent::minimum_balance` multiplies
/// by an f64 threshold, which SBF computes in soft-float. The threshold is 2 years today and
/// 1 under SIMD-0194; any other value takes `minimum_balance`.
pub fn rent_exempt_minimum(space: usize) -> Result<u64> {
    let rent = Rent::get()?;
    #[allow(deprecated)] // the fields are what minimum_balance itself reads
    let (per_byte_year, threshold) = (rent.lamports_per_byte_year, rent.exemption_threshold);
    let years = match threshold.to_bits() {
        bits if bits == 2f64.to_bits() => 2,
        bits if bits == 1f64.to_bits() => 1,
        _ => return Ok(rent.minimum_balance(space)),
    };
    (space as u64)
        .checked_add(solana_rent::ACCOUNT_STORAGE_OVERHEAD)
        .and_then(|bytes| bytes.checked_mul(per_byte_year))
        .and_then(|per_year| per_year.checked_mul(years))
        .ok_or_else(|| error!(crate::errors::MinterError::Overflow))
}

/// Makes the account [`create_account`] just made (exactly `8 + size_of::<T>()` bytes, zeroed)
/// a zero-copy `T`: writes its discriminator and fills the value in place; returns what
/// `fill` returns.
pub fn init_zero_copy<T: anchor_lang::ZeroCopy, R>(
    target: &AccountInfo,
    fill: impl FnOnce(&mut T) -> Result<R>,
) -> Result<R> {
    let mut data = target.try_borrow_mut_data()?;
    if let Some(discriminator) = data.get_mut(..8) {
        discriminator.copy_from_slice(T::DISCRIMINATOR);
    }
    fill(zero_copy_mut(&mut data)?)
}

/// The zero-copy `T` in an account's data, its exact length and discriminator checked (for
/// accounts an instruction creates or updates by hand; account data is 8-aligned).
pub fn zero_copy_mut<T: anchor_lang::ZeroCopy>(data: &mut [u8]) -> Result<&mut T> {
    require!(
        data.len() == 8 + core::mem::size_of::<T>(),
        ErrorCode::AccountDidNotDeserialize
    );
    let (discriminator, body) = data.split_at_mut(8);
    require!(
        discriminator == T::DISCRIMINATOR,
        ErrorCode::AccountDiscriminatorMismatch
    );
    Ok(bytemuck::from_bytes_mut(body))
}

/// Closes a program account as Anchor's `close` constraint does: its lamports to
/// `destination` (not itself), then owned by the system program and empty, so it can never
/// be read as the program's again.
pub fn close<'info>(account: &AccountInfo<'info>, destination: &AccountInfo<'info>) -> Result<()> {
    require_keys_neq!(*account.key, *destination.key, ErrorCode::ConstraintClose);
    destination.add_lamports(account.lamports())?;
    **account.try_borrow_mut_lamports()? = 0;
    account.assign(&system_program::ID);
    account.resize(0).map_err(Into::into)
}
