//! The one client library of usd1-minter. Tests, the CLI, migrations and the reconciler reach
//! the program only through it: PDA derivation ([`pda`]), instruction builders ([`ix`]),
//! account decoding ([`accounts`], [`token`]), event decoding ([`events`]) and error names
//! ([`errors`]). With the `embedded` feature, [`embedded`] runs the program in-process.
pub mod accounts;
pub mod attestation;
pub mod backend;
pub mod config;
pub mod errors;
pub mod events;
pub mod governance;
pub mod ix;
pub mod loader;
pub mod pda;
pub mod read;
pub mod token;
pub mod transaction;

#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "rpc")]
pub mod rpc;

pub use usd1_minter::errors::MinterError;
pub use usd1_minter::instructions::InitializeArgs;
pub use usd1_minter::math::mint_attestation::MintAttestation;
pub use usd1_minter::math::rate_limit::RateLimit;
pub use usd1_minter::state::{
    Issuer, Limits, MetadataField, MetadataUpdate, MintReceipt, Minter, MinterConfig, NewIssuer,
    Proposal, ProposalAction, ProposalStatus, Redemption, RedemptionStatus, ReserveAttestation,
    Roles, Totals, DEFAULT_EXECUTION_WINDOW, MAX_EXECUTION_WINDOW, MAX_MEMBERS, MAX_ROLE_HOLDERS,
    MAX_TIME_LOCK, MIN_EXECUTION_WINDOW,
};
pub use usd1_minter::ID as PROGRAM_ID;

/// Token-2022's program id.
pub const TOKEN_PROGRAM_ID: anchor_lang::prelude::Pubkey = anchor_spl::token_2022::ID;

/// A 32-byte request id from an off-chain reference (a funding request or bank reference of at
/// most 32 bytes, zero-padded on the right). None if the reference is empty or too long.
pub fn request_id_from_reference(reference: &str) -> Option<[u8; 32]> {
    let bytes = reference.as_bytes();
    if bytes.is_empty() || bytes.len() > 32 {
        return None;
    }
    let mut id = [0u8; 32];
    id[..bytes.len()].copy_from_slice(bytes);
    Some(id)
}

/// A 1-of-1 issuer governed by `member`, without a time lock: 6 decimals, a supply cap of a
/// million tokens, no permanent delegate. What the local-validator benchmark and tests set up
/// (production issuers come from a TOML file: `usd1 init`, `usd1-migrate`).
pub fn local_issuer(name: &str, member: &anchor_lang::prelude::Pubkey) -> InitializeArgs {
    InitializeArgs {
        decimals: 6,
        name: name.into(),
        symbol: name.chars().take(3).collect::<String>().to_uppercase(),
        uri: format!("https://example.com/{name}.json"),
        members: vec![*member],
        threshold: 1,
        time_lock: 0,
        limits: Limits {
            supply_cap: 1_000_000_000_000,
            ..Limits::default()
        },
        permanent_delegate: false,
        default_frozen: false,
    }
}

/// A base58 public key (command-line arguments), with a message naming the bad value.
pub fn parse_pubkey(text: &str) -> Result<anchor_lang::prelude::Pubkey, String> {
    text.parse()
        .map_err(|_| format!("invalid pubkey {text:?}: expected a base58 address"))
}

/// `amount` base units as a decimal string with `decimals` places (like `spl-token`).
pub fn format_amount(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let scale = 10u128.pow(u32::from(decimals));
    let (whole, frac) = (u128::from(amount) / scale, u128::from(amount) % scale);
    format!("{whole}.{frac:0width$}", width = usize::from(decimals))
}

/// Parses a decimal amount (`12.5`, `0.000001`, `7`) into base units with `decimals` places,
/// like `spl-token`. Refuses empty input, signs, exponents, more fractional digits than
/// `decimals`, and values above u64::MAX base units, with a message naming the value.
pub fn parse_amount(text: &str, decimals: u8) -> Result<u64, String> {
    let bad = |why: &str| format!("invalid amount {text:?}: {why}");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("expected a number such as 12.5"));
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(bad("expected digits and at most one '.'"));
    }
    if frac.len() > usize::from(decimals) {
        return Err(bad(&format!("at most {decimals} decimal places")));
    }
    let digits = format!("{whole}{frac:0<width$}", width = usize::from(decimals));
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits
        .parse::<u64>()
        .map_err(|_| bad("too large for this mint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_with_the_mints_decimals() {
        assert_eq!(parse_amount("12.5", 6), Ok(12_500_000));
        assert_eq!(parse_amount("0.000001", 6), Ok(1));
        assert_eq!(parse_amount("7", 6), Ok(7_000_000));
        assert_eq!(parse_amount(".5", 2), Ok(50));
        assert_eq!(parse_amount("5.", 2), Ok(500));
        assert_eq!(parse_amount("0", 6), Ok(0));
        assert_eq!(parse_amount("18446744073709551615", 0), Ok(u64::MAX));
        assert_eq!(parse_amount("18.446744073709551615", 18), Ok(u64::MAX));
        for bad in [
            "",
            ".",
            "-1",
            "+1",
            "1e6",
            "1.2.3",
            "12,5",
            " 1",
            "0.0000001",
            "18446744073709551616",
        ] {
            let err = parse_amount(bad, 6).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        // round trip with format_amount
        for (amount, decimals) in [(12_500_000, 6), (1, 9), (u64::MAX, 6), (0, 6)] {
            assert_eq!(
                parse_amount(&format_amount(amount, decimals), decimals),
                Ok(amount)
            );
        }
    }

    #[test]
    fn amounts_format_with_their_decimals() {
        assert_eq!(format_amount(12_500_000, 6), "12.500000");
        assert_eq!(format_amount(5, 6), "0.000005");
        assert_eq!(format_amount(u64::MAX, 18), "18.446744073709551615");
        assert_eq!(format_amount(7, 0), "7");
    }

    #[test]
    fn references_become_request_ids() {
        let id = request_id_from_reference("wire-1").unwrap();
        assert_eq!(&id[..6], b"wire-1");
        assert!(id[6..].iter().all(|b| *b == 0));
        assert_eq!(request_id_from_reference(""), None);
        assert_eq!(request_id_from_reference(&"x".repeat(33)), None);
        assert!(request_id_from_reference(&"x".repeat(32)).is_some());
    }
}
