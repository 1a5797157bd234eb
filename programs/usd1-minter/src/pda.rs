//! Program-derived addresses at the price of a SHA-256.
//!
//! The runtime charges 1,500 compute units for `create_program_address` and as much again for
//! each bump `find_program_address` tries. The address is only `sha256(seeds ‖ bump ‖
//! program id ‖ "ProgramDerivedAddress")` off the ed25519 curve: one `sol_sha256` of a PDA's
//! seeds costs about 150 units and the curve check 159, so this module computes the same
//! addresses for a fifth of the price. (The PDA signatures of `invoke_signed` are not metered.)
use anchor_lang::prelude::*;

/// The suffix `create_program_address` hashes after the seeds, the bump and the program id.
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// Seeds per address this program derives, at most (the longest: the redemption's four).
pub const MAX_SEEDS: usize = 4;

/// `sha256(seeds ‖ bump ‖ crate::ID ‖ marker)`: the address for `seeds` and `bump` when it is
/// off the curve.
fn hash(seeds: &[&[u8]], bump: u8) -> [u8; 32] {
    let bump = [bump];
    let mut parts: [&[u8]; MAX_SEEDS + 3] = [&[]; MAX_SEEDS + 3];
    let count = seeds.len().min(MAX_SEEDS);
    parts[..count].copy_from_slice(&seeds[..count]);
    parts[count] = &bump;
    parts[count + 1] = crate::ID.as_ref();
    parts[count + 2] = PDA_MARKER;
    solana_sha256_hasher::hashv(&parts[..count + 3]).to_bytes()
}

/// True when `key` is this program's address for `seeds` and `bump`. Used for accounts the
/// program created at their canonical address and whose bump it stored: the equality alone
/// proves the address (the hash of those seeds is an address only this program signs for),
/// so the curve check `create_program_address` also makes is not repeated.
pub fn is_program_address(key: &Pubkey, seeds: &[&[u8]], bump: u8) -> bool {
    seeds.len() <= MAX_SEEDS && key.to_bytes() == hash(seeds, bump)
}

/// The canonical address and bump for `seeds` (the first bump from 255 down whose hash is off
/// the curve): what `Pubkey::find_program_address(seeds, &crate::ID)` returns, for about 320
/// units per bump tried instead of 1,500.
#[cfg(target_os = "solana")]
pub fn find_program_address(seeds: &[&[u8]]) -> Result<(Pubkey, u8)> {
    require!(seeds.len() <= MAX_SEEDS, ErrorCode::ConstraintSeeds);
    // as the runtime's search: 255 down to 1
    for bump in (1..=u8::MAX).rev() {
        let candidate = hash(seeds, bump);
        if !is_on_curve(&candidate) {
            return Ok((Pubkey::new_from_array(candidate), bump));
        }
    }
    err!(ErrorCode::ConstraintSeeds)
}

/// Off-chain (the native test mode) the runtime's own search gives the same answer.
#[cfg(not(target_os = "solana"))]
pub fn find_program_address(seeds: &[&[u8]]) -> Result<(Pubkey, u8)> {
    require!(seeds.len() <= MAX_SEEDS, ErrorCode::ConstraintSeeds);
    Ok(Pubkey::find_program_address(seeds, &crate::ID))
}

/// The canonical bump of `seeds` when `key` is their canonical address; Anchor's seeds
/// constraint error otherwise (the error a `seeds = [..], bump` field gives).
pub fn canonical_bump(key: &Pubkey, seeds: &[&[u8]]) -> Result<u8> {
    let (address, bump) = find_program_address(seeds)?;
    if address != *key {
        return Err(Error::from(ErrorCode::ConstraintSeeds).with_pubkeys((*key, address)));
    }
    Ok(bump)
}

#[cfg(target_os = "solana")]
fn is_on_curve(bytes: &[u8; 32]) -> bool {
    /// `solana-curve25519`'s id of the edwards curve.
    const CURVE25519_EDWARDS: u64 = 0;
    let mut result = 0u8;
    // SAFETY: the syscall reads 32 bytes at `bytes` and writes nothing we read (0 = on the curve)
    unsafe {
        solana_define_syscall::definitions::sol_curve_validate_point(
            CURVE25519_EDWARDS,
            bytes.as_ptr(),
            &mut result,
        ) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_gives_the_runtimes_addresses() {
        for i in 0..64u8 {
            let issuer = Pubkey::new_unique();
            let id = [i; 32];
            let seeds: &[&[u8]] = &[b"mint_receipt", issuer.as_ref(), &id];
            let (expected, bump) = Pubkey::find_program_address(seeds, &crate::ID);
            assert_eq!(find_program_address(seeds).unwrap(), (expected, bump));
            assert_eq!(canonical_bump(&expected, seeds).unwrap(), bump);
            assert!(canonical_bump(&issuer, seeds).is_err());
            assert!(is_program_address(&expected, seeds, bump));
            assert!(!is_program_address(&expected, seeds, bump.wrapping_sub(1)));
            assert!(!is_program_address(&issuer, seeds, bump));
        }
    }

    #[test]
    fn more_seeds_than_the_program_uses_are_refused() {
        let seeds: &[&[u8]] = &[b"a", b"b", b"c", b"d", b"e"];
        assert!(find_program_address(seeds).is_err());
        assert!(!is_program_address(&Pubkey::new_unique(), seeds, 255));
    }
}
