use anchor_lang::prelude::*;

/// `["mint_receipt", issuer, request_id]`: proof that a funding request was minted. Never
/// closed: its existence is the replay guard.
///
/// Zero-copy: `mint` writes it in place. C layout without implicit padding; the bump and the
/// issuer lead, as in every account of this program.
#[account(zero_copy)]
#[derive(Debug, PartialEq, Eq)]
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
    /// Zero.
    pub _padding: [u8; 7],
    /// Base units minted.
    pub amount: u64,
    /// Slot and unix time of the mint.
    pub slot: u64,
    pub unix_timestamp: i64,
    /// Sequence number of the `Minted` event.
    pub seq: u64,
}

// no implicit padding (Borsh readers see the same bytes), a whole number of u64s
const _: () = assert!(core::mem::size_of::<MintReceipt>() == 168);
const _: () = assert!(core::mem::align_of::<MintReceipt>() == 8);

impl Space for MintReceipt {
    const INIT_SPACE: usize = core::mem::size_of::<MintReceipt>();
}
