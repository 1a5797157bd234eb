//! Program-derived addresses, from the program's own seed constants.
use anchor_lang::prelude::Pubkey;
use usd1_minter::seeds::{
    ISSUER_SEED, MINTER_SEED, MINT_RECEIPT_SEED, PROPOSAL_SEED, REDEMPTION_SEED,
    UPGRADE_AUTHORITY_SEED,
};
use usd1_minter::ID;

/// `["issuer", mint]`
pub fn issuer(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ISSUER_SEED, mint.as_ref()], &ID).0
}

/// `["minter", issuer, authority]`
pub fn minter(issuer: &Pubkey, authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[MINTER_SEED, issuer.as_ref(), authority.as_ref()], &ID).0
}

/// `["mint_receipt", issuer, request_id]`
pub fn mint_receipt(issuer: &Pubkey, request_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[MINT_RECEIPT_SEED, issuer.as_ref(), request_id], &ID).0
}

/// `["redemption", issuer, holder, redemption_id]`
pub fn redemption(issuer: &Pubkey, holder: &Pubkey, redemption_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(
        &[
            REDEMPTION_SEED,
            issuer.as_ref(),
            holder.as_ref(),
            redemption_id,
        ],
        &ID,
    )
    .0
}

/// `["proposal", issuer, index (u64 LE)]`
pub fn proposal(issuer: &Pubkey, index: u64) -> Pubkey {
    Pubkey::find_program_address(&[PROPOSAL_SEED, issuer.as_ref(), &index.to_le_bytes()], &ID).0
}

/// `["upgrade_authority", issuer]`: holds the program's upgrade authority once handed over.
pub fn upgrade_authority(issuer: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[UPGRADE_AUTHORITY_SEED, issuer.as_ref()], &ID).0
}

/// The program's program data account (the upgradeable loader's `[program id]` PDA).
pub fn program_data() -> Pubkey {
    Pubkey::find_program_address(&[ID.as_ref()], &usd1_minter::loader_cpi::LOADER_ID).0
}

/// Anchor's event-CPI authority PDA (as the program computes it).
pub fn event_authority() -> Pubkey {
    usd1_minter::EVENT_AUTHORITY_AND_BUMP.0
}
