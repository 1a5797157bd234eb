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
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

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
    let required = Rent::get()?.minimum_balance(space);
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
    let program = system_program.key();
    if current == 0 {
        return system_program::create_account(
            CpiContext::new_with_signer(
                program,
                CreateAccount {
                    from: payer.clone(),
                    to: target.clone(),
                },
                target_seeds,
            ),
            required,
            space as u64,
            owner,
        );
    }
    // funded before us: pay only what rent exemption still needs, then take it over
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        system_program::transfer(
            CpiContext::new(
                program,
                Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            top_up,
        )?;
    }
    system_program::allocate(
        CpiContext::new_with_signer(
            program,
            Allocate {
                account_to_allocate: target.clone(),
            },
            target_seeds,
        ),
        space as u64,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            program,
            Assign {
                account_to_assign: target.clone(),
            },
            target_seeds,
        ),
        owner,
    )
}

/// Writes a new account's value into `target` (created by [`create_account`] with room for
/// it): its discriminator, then Borsh.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}

/// The value of an account [`create_account`] just made: its zeroed bytes read as `T` (what
/// Anchor's `init` hands a handler), for the handler to fill in and [`write_account`].
pub fn new_value<T: AccountDeserialize>(target: &AccountInfo) -> Result<T> {
    let data = target.try_borrow_data()?;
    T::try_deserialize_unchecked(&mut &data[..])
}
