//! Decoding the program's accounts (discriminator checked by Anchor) and selecting them by
//! their data (`memcmp` filters). It depends on no other module of the client: backends,
//! events and reads build on it, never the other way round.
use anchor_lang::prelude::Pubkey;
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

/// A `memcmp` filter on account data: `bytes` at `offset`.
#[derive(Debug, Clone)]
pub struct DataFilter {
    pub offset: usize,
    pub bytes: Vec<u8>,
}

impl DataFilter {
    pub fn matches(&self, data: &[u8]) -> bool {
        data.get(self.offset..self.offset.saturating_add(self.bytes.len()))
            .is_some_and(|window| window == self.bytes.as_slice())
    }
}

/// An account type of the program, as the client decodes it.
pub trait ProgramAccount: AccountDeserialize + Discriminator {
    /// The exact data length (discriminator included) of a zero-copy account; None for a Borsh
    /// one (which may hold unused room). Anchor's zero-copy decoding panics on any other length,
    /// so [`decode`] refuses it first.
    const EXACT_LEN: Option<usize> = None;
}

impl ProgramAccount for crate::Issuer {
    const EXACT_LEN: Option<usize> = Some(8 + <crate::Issuer as anchor_lang::Space>::INIT_SPACE);
}
impl ProgramAccount for crate::Minter {
    const EXACT_LEN: Option<usize> = Some(8 + <crate::Minter as anchor_lang::Space>::INIT_SPACE);
}
impl ProgramAccount for crate::MintReceipt {
    const EXACT_LEN: Option<usize> =
        Some(8 + <crate::MintReceipt as anchor_lang::Space>::INIT_SPACE);
}
impl ProgramAccount for crate::Proposal {}
impl ProgramAccount for crate::Redemption {
    const EXACT_LEN: Option<usize> =
        Some(8 + <crate::Redemption as anchor_lang::Space>::INIT_SPACE);
}

/// Decodes account data of type `T` (Issuer, Minter, MintReceipt, Proposal, Redemption).
pub fn decode<T: ProgramAccount>(data: &[u8]) -> Result<T, DecodeError> {
    if let Some(len) = T::EXACT_LEN {
        if data.len() != len {
            return Err(DecodeError(format!(
                "{} bytes where this account type has exactly {len}",
                data.len()
            )));
        }
    }
    let mut slice = data;
    T::try_deserialize(&mut slice).map_err(|e| DecodeError(e.to_string()))
}

/// Filters selecting every account of type `T` (Minter, Proposal, MintReceipt, Redemption)
/// that belongs to `issuer`: each of them starts with its discriminator, a bump byte and the
/// issuer's address.
pub fn of_issuer<T: Discriminator>(issuer: &Pubkey) -> [DataFilter; 2] {
    [
        DataFilter {
            offset: 0,
            bytes: T::DISCRIMINATOR.to_vec(),
        },
        DataFilter {
            offset: T::DISCRIMINATOR.len() + 1,
            bytes: issuer.to_bytes().to_vec(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Minter, Proposal, ProposalAction, ProposalStatus};
    use anchor_lang::AccountSerialize;

    fn serialized<T: AccountSerialize>(account: &T) -> Vec<u8> {
        let mut data = Vec::new();
        account.try_serialize(&mut data).unwrap();
        data
    }

    #[test]
    fn issuer_filters_match_the_real_layouts() {
        let issuer = Pubkey::new_unique();
        let mut minter = Minter::zeroed();
        minter
            .configure(
                issuer,
                &crate::MinterConfig {
                    authority: Pubkey::new_unique(),
                    allowance_grant: 1,
                    rate_capacity: 1,
                    rate_window: 1,
                    active: true,
                },
                254,
                Pubkey::new_unique(),
                0,
            )
            .unwrap();
        let proposal = Proposal {
            bump: 253,
            issuer,
            index: 1,
            proposer: Pubkey::new_unique(),
            status: ProposalStatus::Active,
            created_at: 0,
            approved_at: 0,
            approvals: vec![],
            rejections: vec![],
            action: ProposalAction::Unpause,
            execution_window: 0,
            pause_count: 0,
            accepted: vec![],
        };
        let mut zero_copy = Minter::DISCRIMINATOR.to_vec();
        zero_copy.extend_from_slice(anchor_lang::__private::bytemuck::bytes_of(&minter));
        let (minter, proposal) = (zero_copy, serialized(&proposal));
        assert!(of_issuer::<Minter>(&issuer)
            .iter()
            .all(|f| f.matches(&minter)));
        assert!(of_issuer::<Proposal>(&issuer)
            .iter()
            .all(|f| f.matches(&proposal)));
        // the other type, or another issuer, does not match
        assert!(!of_issuer::<Proposal>(&issuer)
            .iter()
            .all(|f| f.matches(&minter)));
        let other = Pubkey::new_unique();
        assert!(!of_issuer::<Minter>(&other)
            .iter()
            .all(|f| f.matches(&minter)));
    }

    #[test]
    fn a_zero_copy_issuer_of_the_wrong_length_is_an_error_not_a_panic() {
        use crate::{Issuer, Limits, NewIssuer};
        let issuer = Issuer::initialized(&NewIssuer {
            mint: Pubkey::new_unique(),
            bump: 255,
            decimals: 6,
            members: &[Pubkey::new_unique()],
            threshold: 1,
            time_lock: 0,
            limits: Limits {
                supply_cap: 1,
                ..Limits::default()
            },
            permanent_delegate: false,
            default_frozen: false,
        })
        .unwrap();
        let mut data = Issuer::DISCRIMINATOR.to_vec();
        data.extend_from_slice(anchor_lang::__private::bytemuck::bytes_of(&issuer));
        assert_eq!(decode::<Issuer>(&data).unwrap(), issuer);
        for len in [data.len() - 1, 8, 0] {
            assert!(decode::<Issuer>(&data[..len]).is_err(), "{len} bytes");
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(decode::<Issuer>(&longer).is_err());
    }
}
