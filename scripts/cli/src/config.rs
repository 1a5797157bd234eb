//! Global options shared by every command: `--url` monikers and the Solana CLI's keypair
//! files, from the client library (which the migrations share).
pub use usd1_client::config::{default_keypair_path, read_keypair, resolve_url};
pub use usd1_client::parse_pubkey;
