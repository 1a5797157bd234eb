//! The one client library of usd1-minter. Tests, the CLI, migrations and the reconciler reach
//! the program only through it: PDA derivation ([`pda`]), instruction builders ([`ix`]),
//! account decoding ([`accounts`], [`token`]), event decoding ([`events`]) and error names
//! ([`errors`]). With the `embedded` feature, [`embedded`] runs the program in-process.
pub mod accounts;
pub mod errors;
pub mod events;
pub mod ix;
pub mod pda;
pub mod token;

#[cfg(feature = "embedded")]
pub mod embedded;

pub use usd1_minter::errors::MinterError;
pub use usd1_minter::instructions::InitializeArgs;
pub use usd1_minter::state::{
    Issuer, Limits, MintReceipt, Minter, MinterConfig, Proposal, ProposalAction, ProposalStatus,
    Roles, MAX_MEMBERS, MAX_ROLE_HOLDERS, MAX_TIME_LOCK,
};
pub use usd1_minter::math::rate_limit::RateLimit;
pub use usd1_minter::ID as PROGRAM_ID;

/// Token-2022's program id.
pub const TOKEN_PROGRAM_ID: anchor_lang::prelude::Pubkey = anchor_spl::token_2022::ID;
