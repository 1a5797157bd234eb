//! One file per instruction: its accounts, `validate` (every check, wired with
//! `#[access_control]`) and a short handler over the state's domain methods.
pub mod cancel;
pub mod close_proposal;
pub mod execute;
pub mod execute_configure_minter;
pub mod execute_remove_minter;
pub mod initialize;
pub mod mint;
pub mod pause;
pub mod propose;
pub mod vote;

pub use cancel::*;
pub use close_proposal::*;
pub use execute::*;
pub use execute_configure_minter::*;
pub use execute_remove_minter::*;
pub use initialize::*;
pub use mint::*;
pub use pause::*;
pub use propose::*;
pub use vote::*;
