use anchor_lang::prelude::*;

/// `["mint_receipt", issuer, request_id]`: proof that a funding request was minted. Never
/// closed: its existence is the replay guard.
#[account]
#[derive(InitSpace, Debug)]
pub struct MintReceipt {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The issuer that minted.
    pub issuer: Pubkey,
    /// Off-chain funding request id.
    pub request_id: [u8; 32],
    /// Authority of the minter that minted.
    pub minter: Pubkey,
    /// Token account that received the tokens.
    pub recipient: Pubkey,
    /// Base units minted.
    pub amount: u64,
    /// Slot and unix time of the mint.
    pub slot: u64,
    pub unix_timestamp: i64,
    /// Sequence number of the `Minted` event.
    pub seq: u64,
}
