//! Accounts of the program, one file each, with their rules and `invariant()`.
pub mod issuer;
pub mod mint_receipt;
pub mod minter;
pub mod proposal;
pub mod redemption;

pub use issuer::*;
pub use mint_receipt::*;
pub use minter::*;
pub use proposal::*;
pub use redemption::*;
