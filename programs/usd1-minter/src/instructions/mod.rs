//! One file per instruction: its accounts, `validate` (every check, wired with
//! `#[access_control]`) and a short handler over the state's domain methods.
pub mod attest_reserves;
pub mod cancel;
pub mod close_proposal;
pub mod decrease_allowance;
pub mod execute;
pub mod execute_configure_minter;
pub mod execute_remove_minter;
pub mod execute_seize;
pub mod freeze;
pub mod initialize;
pub mod mint;
pub mod pause;
pub mod propose;
pub mod redeem;
pub mod refund_redemption;
pub mod settle_redemption;
pub mod vote;

pub use attest_reserves::*;
pub use cancel::*;
pub use close_proposal::*;
pub use decrease_allowance::*;
pub use execute::*;
pub use execute_configure_minter::*;
pub use execute_remove_minter::*;
pub use execute_seize::*;
pub use freeze::*;
pub use initialize::*;
pub use mint::*;
pub use pause::*;
pub use propose::*;
pub use redeem::*;
pub use refund_redemption::*;
pub use settle_redemption::*;
pub use vote::*;
