//! PDA seeds. The client library re-exports these: no other copy exists.

/// `["issuer", mint]`: holds every authority of the mint and the multisig.
pub const ISSUER_SEED: &[u8] = b"issuer";
/// `["minter", issuer, authority]`: one authorized minter.
pub const MINTER_SEED: &[u8] = b"minter";
/// `["mint_receipt", issuer, request_id]`: the replay guard of one funding request.
pub const MINT_RECEIPT_SEED: &[u8] = b"mint_receipt";
/// `["proposal", issuer, index as u64 little-endian]`: one governance proposal.
pub const PROPOSAL_SEED: &[u8] = b"proposal";
/// `["redemption", issuer, holder, redemption_id]`: one burn-for-redemption. Never closed:
/// its existence is the replay guard of the holder's redemption id (the holder is part of
/// the address, so nobody can take another holder's id first).
pub const REDEMPTION_SEED: &[u8] = b"redemption";
/// `["upgrade_authority", issuer]`: holds the program's upgrade authority once the deployer
/// hands it over; it signs the loader's calls of that issuer's executed upgrade proposals.
pub const UPGRADE_AUTHORITY_SEED: &[u8] = b"upgrade_authority";
