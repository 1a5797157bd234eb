//! Token-2022 calls the issuer PDA signs (it holds the mint, freeze and permanent-delegate
//! authorities). One place for the CPI plumbing, so handlers read as what they do.
//!
//! The frequent calls (mint, freeze, thaw, pause, resume, the delegate's transfer and burn,
//! and the holder's own burn at `redeem`) and the set-up of a new mint at `initialize`
//! (`NewMint`) are encoded here, as Token-2022's `TokenInstruction::pack` and instruction
//! builders encode them (tag, then the little-endian amount and the decimals where the
//! instruction has them), and invoked without the RefCell re-checks (`crate::cpi`): no borrow
//! of any account they pass is live (the issuer's data is never held across a call). The
//! metadata updates are encoded as the token metadata interface's builders encode them.
use anchor_lang::prelude::*;

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

/// The calls `initialize` makes on the mint it creates: each extension's `Initialize` (0)
/// under its `TokenInstruction` tag, `InitializeMint2`, and the metadata interface's
/// `Initialize` (its 8-byte discriminator, the hash of
/// `spl_token_metadata_interface:initialize_account`).
const INITIALIZE_MINT2: u8 = 20;
const DEFAULT_ACCOUNT_STATE_EXTENSION: u8 = 28;
const INITIALIZE_PERMANENT_DELEGATE: u8 = 35;
const METADATA_POINTER_EXTENSION: u8 = 39;
const EXTENSION_INITIALIZE: u8 = 0;
const TOKEN_METADATA_INITIALIZE: [u8; 8] = [210, 225, 30, 162, 88, 184, 77, 141];
/// The metadata interface's `UpdateField` and `RemoveKey` (hashes of
/// `spl_token_metadata_interface:updating_field` and `:remove_key_ix`).
const TOKEN_METADATA_UPDATE_FIELD: [u8; 8] = [221, 233, 49, 45, 181, 202, 220, 200];
const TOKEN_METADATA_REMOVE_KEY: [u8; 8] = [234, 18, 32, 56, 89, 141, 37, 181];

/// A field of the token metadata (the interface's `Field`: its Borsh variant, then the key of
/// an additional field).
#[derive(Clone, Copy, Debug)]
pub enum MetadataKey<'a> {
    Name,
    Symbol,
    Uri,
    Additional(&'a str),
}

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
    let account = CpiAccount::new;
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

/// A mint `initialize` just created, for the calls that set it up (the issuer as every
/// authority), encoded as Token-2022's instruction builders encode them (unit-tested against
/// them). Extensions first, then `InitializeMint2`, then the metadata, which the issuer
/// signs as mint authority.
pub struct NewMint<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
}

impl<'info> NewMint<'_, 'info> {
    /// A call with the mint as its one (writable) account.
    fn on_mint(&self, data: Vec<u8>) -> Result<()> {
        cpi::invoke_unchecked(
            self.token_program.key,
            data,
            [CpiAccount::new(self.mint, true, false)],
            &[],
        )
    }

    /// MetadataPointer: `authority` may move it; the metadata lives at `metadata`.
    pub fn metadata_pointer(&self, authority: &Pubkey, metadata: &Pubkey) -> Result<()> {
        self.on_mint(metadata_pointer_data(authority, metadata))
    }

    /// Pausable, paused and resumed by `authority`.
    pub fn pausable(&self, authority: &Pubkey) -> Result<()> {
        self.on_mint(pausable_data(authority))
    }

    /// DefaultAccountState: new token accounts start frozen or not.
    pub fn default_account_state(&self, frozen: bool) -> Result<()> {
        self.on_mint(default_account_state_data(frozen))
    }

    /// PermanentDelegate `delegate`.
    pub fn permanent_delegate(&self, delegate: &Pubkey) -> Result<()> {
        self.on_mint(permanent_delegate_data(delegate))
    }

    /// The mint itself: `decimals`, `authority` as mint and freeze authority.
    pub fn initialize_mint(&self, decimals: u8, authority: &Pubkey) -> Result<()> {
        self.on_mint(initialize_mint2_data(decimals, authority))
    }

    /// The token metadata in the mint, `issuer` its update authority, signing by `seeds` as
    /// the mint authority.
    pub fn token_metadata(
        &self,
        issuer: &AccountInfo<'info>,
        seeds: &[&[u8]],
        name: &str,
        symbol: &str,
        uri: &str,
    ) -> Result<()> {
        let account = CpiAccount::new;
        cpi::invoke_unchecked(
            self.token_program.key,
            token_metadata_data(name, symbol, uri)?,
            [
                account(self.mint, true, false),
                account(issuer, false, false),
                account(self.mint, false, false),
                account(issuer, false, true),
            ],
            &[seeds],
        )
    }
}

/// A Token-2022 account with extensions: the base state padded to a token account's length,
/// the account type byte, then each extension as type (u16), length (u16), value.
const EXTENDED_BASE_LEN: usize = ACCOUNT_LEN + 1;
const TLV_HEADER_LEN: usize = 4;
/// The values of the mint extensions `initialize` sets: MetadataPointer (authority, address),
/// PausableConfig (authority, paused), DefaultAccountState (the state), PermanentDelegate.
const METADATA_POINTER_LEN: usize = 64;
const PAUSABLE_LEN: usize = 33;
const DEFAULT_ACCOUNT_STATE_LEN: usize = 1;
const PERMANENT_DELEGATE_LEN: usize = 32;

/// The length of the mint `initialize` creates, before Token-2022 grows it for the metadata
/// (`ExtensionType::try_calculate_account_len::<Mint>` of its extensions; unit-tested
/// against it). The multisig-length special case cannot arise for these sums.
pub fn new_mint_len(permanent_delegate: bool) -> usize {
    let tlv = |len: usize| TLV_HEADER_LEN + len;
    let mut len = EXTENDED_BASE_LEN
        + tlv(METADATA_POINTER_LEN)
        + tlv(PAUSABLE_LEN)
        + tlv(DEFAULT_ACCOUNT_STATE_LEN);
    if permanent_delegate {
        len += tlv(PERMANENT_DELEGATE_LEN);
    }
    len
}

/// The room funded for the token metadata Token-2022 writes into the mint: what
/// `TokenMetadata::tlv_size_of` counts with no additional fields (unit-tested against it):
/// a header of an 8-byte discriminator and a 4-byte length (8 bytes more than Token-2022's
/// own 4-byte header, so the mint is funded slightly above what it needs), the update
/// authority and the mint, the three strings, an empty list.
pub fn new_metadata_len(name: &str, symbol: &str, uri: &str) -> Result<usize> {
    const TLV_SIZE_OF_HEADER: usize = 8 + 4;
    TLV_SIZE_OF_HEADER
        .checked_add(32 + 32 + 4 * 3 + 4)
        .and_then(|len| len.checked_add(name.len()))
        .and_then(|len| len.checked_add(symbol.len()))
        .and_then(|len| len.checked_add(uri.len()))
        .ok_or_else(|| error!(MinterError::Overflow))
}

/// `prefix`, then `key`.
fn key_data(prefix: &[u8], key: &Pubkey) -> Vec<u8> {
    let mut data = Vec::with_capacity(prefix.len() + 32);
    data.extend_from_slice(prefix);
    data.extend_from_slice(key.as_ref());
    data
}

fn pausable_data(authority: &Pubkey) -> Vec<u8> {
    key_data(&[PAUSABLE_EXTENSION, EXTENSION_INITIALIZE], authority)
}

fn permanent_delegate_data(delegate: &Pubkey) -> Vec<u8> {
    key_data(&[INITIALIZE_PERMANENT_DELEGATE], delegate)
}

/// The state is an `AccountState` byte, as token accounts store it.
fn default_account_state_data(frozen: bool) -> Vec<u8> {
    let state = if frozen {
        STATE_FROZEN
    } else {
        STATE_INITIALIZED
    };
    vec![DEFAULT_ACCOUNT_STATE_EXTENSION, EXTENSION_INITIALIZE, state]
}

fn metadata_pointer_data(authority: &Pubkey, metadata: &Pubkey) -> Vec<u8> {
    let mut data = key_data(
        &[METADATA_POINTER_EXTENSION, EXTENSION_INITIALIZE],
        authority,
    );
    data.extend_from_slice(metadata.as_ref());
    data
}

/// The freeze authority as `COption`: 1, then the key.
fn initialize_mint2_data(decimals: u8, authority: &Pubkey) -> Vec<u8> {
    let mut data = key_data(&[INITIALIZE_MINT2, decimals], authority);
    data.push(1);
    data.extend_from_slice(authority.as_ref());
    data
}

/// `text` in Borsh: its u32 length, its bytes.
fn push_string(data: &mut Vec<u8>, text: &str) -> Result<()> {
    let len = u32::try_from(text.len()).map_err(|_| MinterError::MetadataTooLong)?;
    data.extend_from_slice(&len.to_le_bytes());
    data.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The discriminator, then the three strings.
fn token_metadata_data(name: &str, symbol: &str, uri: &str) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(8 + 12 + name.len() + symbol.len() + uri.len());
    data.extend_from_slice(&TOKEN_METADATA_INITIALIZE);
    for text in [name, symbol, uri] {
        push_string(&mut data, text)?;
    }
    Ok(data)
}

/// The discriminator, the field (its variant, and an additional field's key), the value.
fn update_field_data(field: MetadataKey, value: &str) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(8 + 1 + 8 + 32 + value.len());
    data.extend_from_slice(&TOKEN_METADATA_UPDATE_FIELD);
    match field {
        MetadataKey::Name => data.push(0),
        MetadataKey::Symbol => data.push(1),
        MetadataKey::Uri => data.push(2),
        MetadataKey::Additional(key) => {
            data.push(3);
            push_string(&mut data, key)?;
        }
    }
    push_string(&mut data, value)?;
    Ok(data)
}

/// The discriminator, `idempotent` (true: a key the mint does not hold is no error), the key.
fn remove_key_data(key: &str) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(8 + 1 + 4 + key.len());
    data.extend_from_slice(&TOKEN_METADATA_REMOVE_KEY);
    data.push(1);
    push_string(&mut data, key)?;
    Ok(data)
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
    pub fn update_metadata_field(&self, field: MetadataKey, value: &str) -> Result<()> {
        self.invoke(
            update_field_data(field, value)?,
            [(&self.mint, true), (&self.issuer, false)],
        )
    }

    /// Removes an additional metadata field; a key the mint does not hold is no error.
    pub fn remove_metadata_key(&self, key: &str) -> Result<()> {
        self.invoke(
            remove_key_data(key)?,
            [(&self.mint, true), (&self.issuer, false)],
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_spl::token_2022::spl_token_2022::{
        extension::{default_account_state, metadata_pointer, pausable},
        instruction as token_instruction,
        state::AccountState,
    };
    use anchor_spl::token_interface::spl_token_metadata_interface::instruction as metadata;
    use anchor_spl::token_interface::spl_token_metadata_interface::state::Field;

    /// Every call `initialize` makes carries the bytes Token-2022's own builders produce.
    #[test]
    fn new_mint_calls_encode_as_token_2022s_builders() {
        let program = anchor_spl::token_2022::ID;
        let (mint, authority, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        assert_eq!(
            metadata_pointer_data(&authority, &other),
            metadata_pointer::instruction::initialize(
                &program,
                &mint,
                Some(authority),
                Some(other)
            )
            .unwrap()
            .data
        );
        assert_eq!(
            pausable_data(&authority),
            pausable::instruction::initialize(&program, &mint, &authority)
                .unwrap()
                .data
        );
        for (frozen, state) in [
            (false, AccountState::Initialized),
            (true, AccountState::Frozen),
        ] {
            let expected = default_account_state::instruction::initialize_default_account_state(
                &program, &mint, &state,
            )
            .unwrap()
            .data;
            assert_eq!(default_account_state_data(frozen), expected);
        }
        assert_eq!(
            permanent_delegate_data(&authority),
            token_instruction::initialize_permanent_delegate(&program, &mint, &authority)
                .unwrap()
                .data
        );
        for decimals in [0, 6, 18] {
            assert_eq!(
                initialize_mint2_data(decimals, &authority),
                token_instruction::initialize_mint2(
                    &program,
                    &mint,
                    &authority,
                    Some(&authority),
                    decimals
                )
                .unwrap()
                .data
            );
        }
        for (name, symbol, uri) in [("USD1", "USD1", "https://x"), ("", "", ""), ("n", "é", "u")] {
            let expected = metadata::initialize(
                &program,
                &mint,
                &authority,
                &mint,
                &authority,
                name.to_string(),
                symbol.to_string(),
                uri.to_string(),
            );
            assert_eq!(
                token_metadata_data(name, symbol, uri).unwrap(),
                expected.data
            );
            // the accounts as the builder orders them: metadata (the mint), update authority,
            // mint, mint authority (signing)
            let metas: Vec<(Pubkey, bool, bool)> = expected
                .accounts
                .iter()
                .map(|m| (m.pubkey, m.is_writable, m.is_signer))
                .collect();
            assert_eq!(
                metas,
                [
                    (mint, true, false),
                    (authority, false, false),
                    (mint, false, false),
                    (authority, false, true)
                ]
            );
        }
    }

    /// The metadata updates carry the bytes and accounts the interface's builders produce.
    #[test]
    fn metadata_updates_encode_as_the_interfaces_builders() {
        let program = anchor_spl::token_2022::ID;
        let (mint, authority) = (Pubkey::new_unique(), Pubkey::new_unique());
        let fields = [
            (MetadataKey::Name, Field::Name),
            (MetadataKey::Symbol, Field::Symbol),
            (MetadataKey::Uri, Field::Uri),
            (MetadataKey::Additional("k"), Field::Key("k".into())),
            (MetadataKey::Additional(""), Field::Key(String::new())),
        ];
        let metas = |ix: &anchor_lang::solana_program::instruction::Instruction| {
            ix.accounts
                .iter()
                .map(|m| (m.pubkey, m.is_writable, m.is_signer))
                .collect::<Vec<_>>()
        };
        for (ours, theirs) in fields {
            for value in ["", "value", "é😀"] {
                let expected = metadata::update_field(
                    &program,
                    &mint,
                    &authority,
                    theirs.clone(),
                    value.into(),
                );
                assert_eq!(update_field_data(ours, value).unwrap(), expected.data);
                // the metadata (the mint) writable, the update authority (the issuer) signing
                assert_eq!(
                    metas(&expected),
                    [(mint, true, false), (authority, false, true)]
                );
            }
        }
        for key in ["", "key", "é"] {
            let expected = metadata::remove_key(&program, &mint, &authority, key.into(), true);
            assert_eq!(remove_key_data(key).unwrap(), expected.data);
            assert_eq!(
                metas(&expected),
                [(mint, true, false), (authority, false, true)]
            );
        }
    }

    /// The mint's lengths are what Token-2022's own calculations give.
    #[test]
    fn new_mint_lengths_are_token_2022s() {
        use anchor_spl::token_2022::spl_token_2022::{extension::ExtensionType, state::Mint};
        use anchor_spl::token_interface::spl_pod::optional_keys::OptionalNonZeroPubkey;
        use anchor_spl::token_interface::spl_token_metadata_interface::state::TokenMetadata;
        for permanent_delegate in [false, true] {
            let mut extensions = vec![
                ExtensionType::MetadataPointer,
                ExtensionType::Pausable,
                ExtensionType::DefaultAccountState,
            ];
            if permanent_delegate {
                extensions.push(ExtensionType::PermanentDelegate);
            }
            assert_eq!(
                new_mint_len(permanent_delegate),
                ExtensionType::try_calculate_account_len::<Mint>(&extensions).unwrap()
            );
        }
        for (name, symbol, uri) in [
            ("USD1 Dollar", "USD1", "https://x"),
            ("", "", ""),
            ("n", "é", "u"),
        ] {
            let metadata = TokenMetadata {
                update_authority: OptionalNonZeroPubkey::try_from(Some(Pubkey::new_unique()))
                    .unwrap(),
                mint: Pubkey::new_unique(),
                name: name.into(),
                symbol: symbol.into(),
                uri: uri.into(),
                additional_metadata: vec![],
            };
            assert_eq!(
                new_metadata_len(name, symbol, uri).unwrap(),
                metadata.tlv_size_of().unwrap()
            );
        }
    }
}
