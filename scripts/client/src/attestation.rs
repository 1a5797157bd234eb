//! The compliance co-signature: the canonical message a mint attestor signs (layout in
//! `usd1_minter::math::mint_attestation`, documented in README) and the Ed25519 program
//! instruction that carries the signature, placed immediately before `mint`.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};

pub use solana_ed25519_program::{offsets_to_ed25519_instruction, Ed25519SignatureOffsets};
pub use usd1_minter::math::mint_attestation::{MintAttestation, DOMAIN_TAG, MESSAGE_LEN};

/// The attestation for minter `minter` (its authority) minting `amount` to `recipient` for
/// `request_id`, valid until `expiry` (unix seconds, inclusive).
pub fn mint_attestation(
    mint: &Pubkey,
    minter: &Pubkey,
    request_id: [u8; 32],
    recipient: &Pubkey,
    amount: u64,
    expiry: i64,
) -> MintAttestation {
    MintAttestation {
        program_id: usd1_minter::ID,
        mint: *mint,
        minter: *minter,
        request_id,
        recipient: *recipient,
        amount,
        expiry,
    }
}

/// The Ed25519 program instruction for a signature the attestor produced elsewhere (an HSM,
/// a compliance service): key, signature and message all inside the instruction.
pub fn ed25519_instruction(attestor: &Pubkey, signature: &[u8; 64], message: &[u8]) -> Instruction {
    solana_ed25519_program::new_ed25519_instruction_with_signature(
        message,
        signature,
        &attestor.to_bytes(),
    )
}

/// Signs `attestation` with `attestor` and returns the Ed25519 instruction to put
/// immediately before the `mint` instruction.
pub fn sign(attestor: &Keypair, attestation: &MintAttestation) -> Instruction {
    let message = attestation.to_message();
    let signature: [u8; 64] = attestor.sign_message(&message).into();
    ed25519_instruction(&attestor.pubkey(), &signature, &message)
}
