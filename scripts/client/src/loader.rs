//! The upgradeable loader's accounts as the operator tools read them: who holds the
//! program's upgrade authority, a buffer's authority and the SHA-256 of its program bytes
//! (what an `UpgradeProgram` proposal pins and the program checks again at execution).
use anchor_lang::prelude::Pubkey;
use solana_loader_v3_interface::state::UpgradeableLoaderState;

pub use usd1_minter::loader_cpi::LOADER_ID;

/// Room in the program data account for later builds, as a multiple of the deployed `.so`
/// (`usd1-migrate`'s default, and the embedded SVM's). Growing it later needs the upgrade
/// authority's signature (`ExtendProgramChecked`: the unchecked `ExtendProgram` is refused
/// once SIMD-0164 is active, as on the pinned runtime), and the issuer's PDA can sign only
/// through a CPI, which grows an account by at most 10 KiB: size the room at deploy time.
pub const PROGRAM_DATA_HEADROOM: usize = 2;

/// The largest program an `UpgradeProgram` proposal can deploy: execution hashes the whole
/// buffer at about one compute unit per two bytes within a transaction's 1,400,000 (the
/// rest of the execution takes about 45,000).
pub const MAX_UPGRADE_PROGRAM_LEN: usize = 2 * (1_400_000 - 100_000);

/// SHA-256 of program bytes (a `.so` file, or a buffer's bytes after its header).
pub fn program_hash(bytes: &[u8]) -> [u8; 32] {
    solana_sha256_hasher::hash(bytes).to_bytes()
}

/// A program data account's upgrade authority (`Some(None)`: immutable); None when the data
/// is not a program data account.
pub fn program_data_authority(data: &[u8]) -> Option<Option<Pubkey>> {
    match bincode::deserialize::<UpgradeableLoaderState>(data).ok()? {
        UpgradeableLoaderState::ProgramData {
            upgrade_authority_address,
            ..
        } => Some(upgrade_authority_address),
        _ => None,
    }
}

/// The program bytes a program data account holds (with the zeros after a shorter build).
pub fn program_data_bytes(data: &[u8]) -> &[u8] {
    data.get(UpgradeableLoaderState::size_of_programdata_metadata()..)
        .unwrap_or_default()
}

/// The slot a program data account was last deployed in; None when the data is not a
/// program data account.
pub fn program_data_slot(data: &[u8]) -> Option<u64> {
    match bincode::deserialize::<UpgradeableLoaderState>(data).ok()? {
        UpgradeableLoaderState::ProgramData { slot, .. } => Some(slot),
        _ => None,
    }
}

/// A loader buffer's data as `write-buffer` and `set-buffer-authority` leave it: the header
/// naming `authority`, then `program`.
pub fn buffer_data(authority: &Pubkey, program: &[u8]) -> Vec<u8> {
    let mut data = bincode::serialize(&UpgradeableLoaderState::Buffer {
        authority_address: Some(*authority),
    })
    .expect("a buffer header serializes");
    data.extend_from_slice(program);
    data
}

/// A loader buffer: its authority and the hash of its program bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferView {
    pub authority: Option<Pubkey>,
    /// Program bytes after the buffer's header.
    pub len: usize,
    pub hash: [u8; 32],
}

impl BufferView {
    /// None when `data` is not a loader buffer.
    pub fn decode(data: &[u8]) -> Option<Self> {
        let UpgradeableLoaderState::Buffer { authority_address } =
            bincode::deserialize::<UpgradeableLoaderState>(data).ok()?
        else {
            return None;
        };
        let bytes = data.get(UpgradeableLoaderState::size_of_buffer_metadata()..)?;
        Some(Self {
            authority: authority_address,
            len: bytes.len(),
            hash: program_hash(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The program reads these layouts by hand (no bincode on-chain): the offsets it uses
    /// must be the loader's.
    #[test]
    fn the_programs_offsets_are_the_loaders() {
        use usd1_minter::loader_cpi::{BUFFER_METADATA_LEN, PROGRAM_DATA_METADATA_LEN};
        assert_eq!(
            BUFFER_METADATA_LEN,
            UpgradeableLoaderState::size_of_buffer_metadata()
        );
        assert_eq!(
            PROGRAM_DATA_METADATA_LEN,
            UpgradeableLoaderState::size_of_programdata_metadata()
        );
        let key = Pubkey::new_unique();
        let mut buffer = bincode::serialize(&UpgradeableLoaderState::Buffer {
            authority_address: Some(key),
        })
        .unwrap();
        assert_eq!(buffer.len(), BUFFER_METADATA_LEN);
        buffer.extend_from_slice(b"\x7fELF program");
        let view = BufferView::decode(&buffer).unwrap();
        assert_eq!(view.authority, Some(key));
        assert_eq!(view.len, 12);
        assert_eq!(view.hash, program_hash(b"\x7fELF program"));
        let data = bincode::serialize(&UpgradeableLoaderState::ProgramData {
            slot: 7,
            upgrade_authority_address: None,
        })
        .unwrap();
        assert_eq!(program_data_authority(&data), Some(None));
        assert_eq!(program_data_authority(&buffer), None);
        assert_eq!(BufferView::decode(&data), None);
    }
}
