//! Decoding the program's accounts (discriminator checked by Anchor).
use anchor_lang::{AccountDeserialize, Discriminator};

/// Why an account could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes account data of type `T` (Issuer, Minter, MintReceipt, Proposal).
pub fn decode<T: AccountDeserialize + Discriminator>(data: &[u8]) -> Result<T, DecodeError> {
    let mut slice = data;
    T::try_deserialize(&mut slice).map_err(|e| DecodeError(e.to_string()))
}
