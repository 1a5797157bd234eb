//! Typed reads of the chain, over any [`Backend`]: the program's accounts (owner checked, then
//! Anchor's discriminator), the Token-2022 mint and token accounts, and durable nonces. The
//! CLI, the migrations, the reconciler and the tests read through these, so "what is an
//! issuer at this address" is answered in one place.
use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;

use crate::backend::{Backend, SendError};
use crate::token::{MintView, TokenAccountView};
use crate::{accounts, pda, Issuer, Minter, Proposal, Redemption, PROGRAM_ID, TOKEN_PROGRAM_ID};

/// Why a read failed: the chain could not be read, or an account is not what its address
/// says it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Chain(SendError),
    /// The account exists but does not decode as the expected type.
    Undecodable {
        what: &'static str,
        key: Pubkey,
        error: String,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Chain(e) => write!(f, "{e}"),
            ReadError::Undecodable { what, key, error } => {
                write!(f, "{key} is not a valid {what}: {error}")
            }
        }
    }
}

impl std::error::Error for ReadError {}

impl From<SendError> for ReadError {
    fn from(e: SendError) -> Self {
        ReadError::Chain(e)
    }
}

pub type ReadResult<T> = Result<T, ReadError>;

/// The account at `key`, None if it does not exist.
pub async fn raw<B: Backend>(backend: &mut B, key: &Pubkey) -> ReadResult<Option<Account>> {
    Ok(backend.account(key).await?)
}

/// The program account of type `T` at `key`: None if absent or owned by another program (a
/// look-alike elsewhere is not ours); an error if the program owns it but it is not a `T`.
pub async fn program_account<B: Backend, T: accounts::ProgramAccount>(
    backend: &mut B,
    key: &Pubkey,
    what: &'static str,
) -> ReadResult<Option<T>> {
    let Some(account) = backend.account(key).await? else {
        return Ok(None);
    };
    if account.owner != PROGRAM_ID {
        return Ok(None);
    }
    accounts::decode::<T>(&account.data)
        .map(Some)
        .map_err(|e| ReadError::Undecodable {
            what,
            key: *key,
            error: e.to_string(),
        })
}

/// The issuer of `mint`.
pub async fn issuer<B: Backend>(backend: &mut B, mint: &Pubkey) -> ReadResult<Option<Issuer>> {
    program_account(backend, &pda::issuer(mint), "issuer").await
}

/// The minter of `mint` whose authority is `authority`.
pub async fn minter<B: Backend>(
    backend: &mut B,
    mint: &Pubkey,
    authority: &Pubkey,
) -> ReadResult<Option<Minter>> {
    let address = pda::minter(&pda::issuer(mint), authority);
    program_account(backend, &address, "minter").await
}

/// Proposal `index` of `mint`'s issuer.
pub async fn proposal<B: Backend>(
    backend: &mut B,
    mint: &Pubkey,
    index: u64,
) -> ReadResult<Option<Proposal>> {
    let address = pda::proposal(&pda::issuer(mint), index);
    program_account(backend, &address, "proposal").await
}

/// The redemption `id` of `holder` for `mint`.
pub async fn redemption<B: Backend>(
    backend: &mut B,
    mint: &Pubkey,
    holder: &Pubkey,
    id: &[u8; 32],
) -> ReadResult<Option<Redemption>> {
    let address = pda::redemption(&pda::issuer(mint), holder, id);
    program_account(backend, &address, "redemption").await
}

/// Every account of type `T` (Minter, Proposal, MintReceipt, Redemption) of `issuer`.
pub async fn of_issuer<B: Backend, T: accounts::ProgramAccount>(
    backend: &mut B,
    issuer: &Pubkey,
    what: &'static str,
) -> ReadResult<Vec<(Pubkey, T)>> {
    let filters = accounts::of_issuer::<T>(issuer);
    let found = backend.program_accounts(&filters).await?;
    found
        .into_iter()
        .map(|(key, account)| {
            accounts::decode::<T>(&account.data)
                .map(|decoded| (key, decoded))
                .map_err(|e| ReadError::Undecodable {
                    what,
                    key,
                    error: e.to_string(),
                })
        })
        .collect()
}

/// The Token-2022 mint at `mint` (None: no account there).
pub async fn mint<B: Backend>(backend: &mut B, mint: &Pubkey) -> ReadResult<Option<MintView>> {
    let Some(account) = backend.account(mint).await? else {
        return Ok(None);
    };
    if account.owner != TOKEN_PROGRAM_ID {
        return Err(ReadError::Undecodable {
            what: "Token-2022 mint",
            key: *mint,
            error: format!("owned by {}", account.owner),
        });
    }
    MintView::decode(&account.data)
        .map(Some)
        .map_err(|e| ReadError::Undecodable {
            what: "Token-2022 mint",
            key: *mint,
            error: e.to_string(),
        })
}

/// What is at an address a command was given as a token account or a wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountKind {
    /// Nothing: no lamports, no data.
    Empty,
    /// A Token-2022 token account.
    TokenAccount(TokenAccountView),
    /// A system-owned account: a wallet.
    Wallet,
    /// Owned by another program (a program-derived account, a legacy SPL token account, a
    /// program), with that owner.
    OtherProgram(Pubkey),
}

/// Classifies the account at `key`.
pub async fn account_kind<B: Backend>(backend: &mut B, key: &Pubkey) -> ReadResult<AccountKind> {
    let Some(account) = backend.account(key).await? else {
        return Ok(AccountKind::Empty);
    };
    if account.owner == TOKEN_PROGRAM_ID {
        // a Token-2022 mint is not a token account
        if let Ok(view) = TokenAccountView::decode(&account.data) {
            return Ok(AccountKind::TokenAccount(view));
        }
        return Ok(AccountKind::OtherProgram(account.owner));
    }
    if account.owner == anchor_lang::system_program::ID {
        return Ok(AccountKind::Wallet);
    }
    Ok(AccountKind::OtherProgram(account.owner))
}

/// A durable nonce account's state: the blockhash a transaction built on it must use and the
/// key that must sign its advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceView {
    pub blockhash: Hash,
    pub authority: Pubkey,
}

/// The durable nonce at `key` (errors: missing, not a system account, not initialized).
pub async fn nonce<B: Backend>(backend: &mut B, key: &Pubkey) -> ReadResult<NonceView> {
    let undecodable = |error: String| ReadError::Undecodable {
        what: "durable nonce account",
        key: *key,
        error,
    };
    let account = backend
        .account(key)
        .await?
        .ok_or_else(|| undecodable("no account there".into()))?;
    nonce_from_account(&account).map_err(undecodable)
}

/// Decodes a durable nonce account (system-owned, initialized).
pub fn nonce_from_account(account: &Account) -> Result<NonceView, String> {
    use solana_nonce::{state::State, versions::Versions};
    if account.owner != anchor_lang::system_program::ID {
        return Err(format!(
            "owned by {}, not the system program",
            account.owner
        ));
    }
    let versions: Versions =
        bincode::deserialize(&account.data).map_err(|e| format!("not a nonce account: {e}"))?;
    match versions.state() {
        State::Initialized(data) => Ok(NonceView {
            blockhash: data.blockhash(),
            authority: data.authority,
        }),
        State::Uninitialized => Err("the nonce account is not initialized".into()),
    }
}
