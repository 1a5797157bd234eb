//! The compliance co-signature ("two keys turn"): the canonical message the mint attestor
//! signs, and the reading of the Ed25519 program instruction that carries its signature.
//!
//! Message v2 (207 bytes): `DOMAIN_TAG` (31) | program id (32) | mint (32) | minter authority
//! (32) | request id (32) | recipient token account (32) | amount (u64 LE) | expiry (i64 LE
//! unix seconds). v2 names the minter: another authorized minter cannot replay a visible
//! co-signature and request id and have the receipt credit its desk. v1 messages (175 bytes,
//! without the minter) are refused.
use anchor_lang::prelude::*;

use crate::errors::MinterError;

/// Separates these messages from anything else the attestor's key signs.
pub const DOMAIN_TAG: &[u8; 31] = b"usd1-minter:mint-attestation:v2";
/// Length of the canonical message.
pub const MESSAGE_LEN: usize = DOMAIN_TAG.len() + 5 * 32 + 8 + 8;

/// What the mint attestor approves: this amount, minted by this minter, for this request, to
/// this account, until `expiry`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintAttestation {
    pub program_id: Pubkey,
    pub mint: Pubkey,
    /// The authority of the minter that may mint it (the signer of `mint`).
    pub minter: Pubkey,
    pub request_id: [u8; 32],
    pub recipient: Pubkey,
    pub amount: u64,
    /// Last unix second at which the co-signature is accepted.
    pub expiry: i64,
}

impl MintAttestation {
    pub fn to_message(&self) -> [u8; MESSAGE_LEN] {
        let mut out = [0u8; MESSAGE_LEN];
        let mut at = 0;
        for part in [
            &DOMAIN_TAG[..],
            self.program_id.as_ref(),
            self.mint.as_ref(),
            self.minter.as_ref(),
            &self.request_id,
            self.recipient.as_ref(),
            &self.amount.to_le_bytes(),
            &self.expiry.to_le_bytes(),
        ] {
            out[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        out
    }

    /// Parses a canonical message; None unless it has the exact length and domain tag.
    pub fn from_message(message: &[u8]) -> Option<Self> {
        if message.len() != MESSAGE_LEN || !message.starts_with(DOMAIN_TAG) {
            return None;
        }
        let field = |at: usize| -> [u8; 32] {
            let mut key = [0u8; 32];
            key.copy_from_slice(&message[at..at + 32]);
            key
        };
        let word = |at: usize| -> [u8; 8] {
            let mut w = [0u8; 8];
            w.copy_from_slice(&message[at..at + 8]);
            w
        };
        let base = DOMAIN_TAG.len();
        Some(Self {
            program_id: Pubkey::new_from_array(field(base)),
            mint: Pubkey::new_from_array(field(base + 32)),
            minter: Pubkey::new_from_array(field(base + 64)),
            request_id: field(base + 96),
            recipient: Pubkey::new_from_array(field(base + 128)),
            amount: u64::from_le_bytes(word(base + 160)),
            expiry: i64::from_le_bytes(word(base + 168)),
        })
    }
}

/// Layout of the Ed25519 program's instruction data: a signature count (u8), a padding byte,
/// then one 14-byte offsets record per signature (seven u16 LE: signature offset and
/// instruction index, public key offset and instruction index, message offset, size and
/// instruction index).
const OFFSETS_START: usize = 2;
const OFFSETS_LEN: usize = 14;
/// An instruction index that means "this instruction's own data".
pub const THIS_INSTRUCTION: u16 = u16::MAX;

/// Reads the one signature of an Ed25519 program instruction's `data` and returns its public
/// key and message. Refuses anything but exactly one signature whose signature, key and
/// message all lie inside this same instruction (index `u16::MAX`, offsets in bounds), so
/// what the precompile verified is exactly what this returns.
pub fn single_signature(data: &[u8]) -> Result<(Pubkey, &[u8])> {
    let malformed = || error!(MinterError::MintAttestationMalformed);
    require!(
        data.first() == Some(&1),
        MinterError::MintAttestationMalformed
    );
    let offsets = data
        .get(OFFSETS_START..OFFSETS_START + OFFSETS_LEN)
        .ok_or_else(malformed)?;
    let at = |i: usize| u16::from_le_bytes([offsets[2 * i], offsets[2 * i + 1]]);
    let (signature_offset, signature_ix) = (usize::from(at(0)), at(1));
    let (public_key_offset, public_key_ix) = (usize::from(at(2)), at(3));
    let (message_offset, message_len, message_ix) = (usize::from(at(4)), usize::from(at(5)), at(6));
    require!(
        signature_ix == THIS_INSTRUCTION
            && public_key_ix == THIS_INSTRUCTION
            && message_ix == THIS_INSTRUCTION,
        MinterError::MintAttestationMalformed
    );
    data.get(signature_offset..signature_offset + 64)
        .ok_or_else(malformed)?;
    let public_key = data
        .get(public_key_offset..public_key_offset + 32)
        .ok_or_else(malformed)?;
    let message = data
        .get(message_offset..message_offset + message_len)
        .ok_or_else(malformed)?;
    let mut key = [0u8; 32];
    key.copy_from_slice(public_key);
    Ok((Pubkey::new_from_array(key), message))
}

/// Checks a co-signed message against the mint being executed: every field but the expiry
/// must equal `expected`'s, and `now` must not be past the signed expiry (equal is allowed).
pub fn check_message(message: &[u8], expected: &MintAttestation, now: i64) -> Result<()> {
    let signed = MintAttestation::from_message(message)
        .ok_or(error!(MinterError::MintAttestationMismatch))?;
    require!(
        signed.program_id == expected.program_id
            && signed.mint == expected.mint
            && signed.minter == expected.minter
            && signed.request_id == expected.request_id
            && signed.recipient == expected.recipient
            && signed.amount == expected.amount,
        MinterError::MintAttestationMismatch
    );
    require!(now <= signed.expiry, MinterError::MintAttestationExpired);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> MintAttestation {
        MintAttestation {
            program_id: Pubkey::new_from_array([1; 32]),
            mint: Pubkey::new_from_array([2; 32]),
            minter: Pubkey::new_from_array([6; 32]),
            request_id: [3; 32],
            recipient: Pubkey::new_from_array([4; 32]),
            amount: 5_000_000,
            expiry: 1_700_000_000,
        }
    }

    /// An Ed25519 instruction laid out like the standard builder: offsets, key, signature,
    /// message.
    fn ed25519_data(key: [u8; 32], message: &[u8]) -> Vec<u8> {
        let (pk, sig, msg) = (16u16, 48u16, 112u16);
        let mut data = vec![1, 0];
        for v in [
            sig,
            u16::MAX,
            pk,
            u16::MAX,
            msg,
            message.len() as u16,
            u16::MAX,
        ] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        data.extend_from_slice(&key);
        data.extend_from_slice(&[9; 64]);
        data.extend_from_slice(message);
        data
    }

    fn code(err: anchor_lang::error::Error) -> u32 {
        match err {
            anchor_lang::error::Error::AnchorError(e) => e.error_code_number,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn message_round_trips_with_fixed_layout() {
        let m = sample();
        let bytes = m.to_message();
        assert_eq!(bytes.len(), 207);
        assert_eq!(&bytes[..31], b"usd1-minter:mint-attestation:v2");
        assert_eq!(&bytes[31..63], &[1; 32]);
        assert_eq!(&bytes[95..127], &[6; 32]);
        assert_eq!(&bytes[127..159], &[3; 32]);
        assert_eq!(&bytes[191..199], &5_000_000u64.to_le_bytes());
        assert_eq!(&bytes[199..], &1_700_000_000i64.to_le_bytes());
        assert_eq!(MintAttestation::from_message(&bytes), Some(m));
        assert_eq!(MintAttestation::from_message(&bytes[1..]), None);
        let mut other_tag = bytes;
        other_tag[0] ^= 1;
        assert_eq!(MintAttestation::from_message(&other_tag), None);
    }

    #[test]
    fn reads_the_one_signature_inside_the_instruction() {
        let msg = sample().to_message();
        let data = ed25519_data([7; 32], &msg);
        let (key, message) = single_signature(&data).unwrap();
        assert_eq!(key, Pubkey::new_from_array([7; 32]));
        assert_eq!(message, &msg[..]);
    }

    #[test]
    fn refuses_other_counts_foreign_indexes_and_out_of_bounds_offsets() {
        let msg = sample().to_message();
        let good = ed25519_data([7; 32], &msg);
        let malformed = u32::from(MinterError::MintAttestationMalformed);

        let mut two = good.clone();
        two[0] = 2;
        assert_eq!(code(single_signature(&two).unwrap_err()), malformed);
        assert_eq!(code(single_signature(&[]).unwrap_err()), malformed);
        assert_eq!(code(single_signature(&good[..10]).unwrap_err()), malformed);
        // each of the three instruction indexes pointing at instruction 0
        for field in [1, 3, 6] {
            let mut foreign = good.clone();
            foreign[2 + 2 * field..4 + 2 * field].copy_from_slice(&0u16.to_le_bytes());
            assert_eq!(code(single_signature(&foreign).unwrap_err()), malformed);
        }
        // message running past the end of the data
        let mut long = good.clone();
        long[12..14].copy_from_slice(&(msg.len() as u16 + 1).to_le_bytes());
        assert_eq!(code(single_signature(&long).unwrap_err()), malformed);
        // signature offset past the end
        let mut sig = good;
        sig[2..4].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(code(single_signature(&sig).unwrap_err()), malformed);
    }

    #[test]
    fn message_must_match_every_field_and_not_be_expired() {
        let expected = sample();
        let msg = expected.to_message();
        check_message(&msg, &expected, expected.expiry).unwrap();
        let mismatch = u32::from(MinterError::MintAttestationMismatch);
        let expired = u32::from(MinterError::MintAttestationExpired);
        assert_eq!(
            code(check_message(&msg, &expected, expected.expiry + 1).unwrap_err()),
            expired
        );
        let variants = [
            MintAttestation {
                amount: 5_000_001,
                ..expected
            },
            MintAttestation {
                mint: Pubkey::new_from_array([8; 32]),
                ..expected
            },
            MintAttestation {
                recipient: Pubkey::new_from_array([8; 32]),
                ..expected
            },
            MintAttestation {
                request_id: [8; 32],
                ..expected
            },
            MintAttestation {
                program_id: Pubkey::new_from_array([8; 32]),
                ..expected
            },
            MintAttestation {
                minter: Pubkey::new_from_array([8; 32]),
                ..expected
            },
        ];
        for other in variants {
            let err = check_message(&other.to_message(), &expected, 0).unwrap_err();
            assert_eq!(code(err), mismatch, "{other:?}");
        }
    }
}
