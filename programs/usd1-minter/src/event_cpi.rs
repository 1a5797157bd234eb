//! Events through a self-CPI, built by hand: the bytes `emit_cpi!` sends (Anchor's 8-byte
//! event-CPI tag, the event's discriminator, its Borsh encoding) to the same constant event
//! authority, so every decoder of Anchor events reads them unchanged. `emit_cpi!` copies the
//! data three times (byte by byte once) and borrow-checks the authority; this writes it once.
use anchor_lang::event::EVENT_IX_TAG_LE;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed_unchecked;

/// The event authority's seed, as `#[event_cpi]` derives `crate::EVENT_AUTHORITY_AND_BUMP`.
const EVENT_AUTHORITY_SEED: &[u8] = b"__event_authority";

/// Room for most events without growing the buffer (the member and role lists are longer).
const INITIAL_CAPACITY: usize = 256;

/// Emits `event` as an inner instruction of this program, signed by the event authority.
pub fn emit<E: anchor_lang::Event>(event_authority: &AccountInfo, event: &E) -> Result<()> {
    let mut data = Vec::with_capacity(INITIAL_CAPACITY);
    data.extend_from_slice(EVENT_IX_TAG_LE);
    data.extend_from_slice(E::DISCRIMINATOR);
    event.serialize(&mut data)?;
    let (authority, bump) = crate::EVENT_AUTHORITY_AND_BUMP;
    let instruction = Instruction {
        program_id: crate::ID,
        accounts: vec![AccountMeta::new_readonly(authority, true)],
        data,
    };
    // Unchecked only skips the RefCell borrow checks: the authority holds no data, and no
    // borrow of it is live (the accounts struct checked its address).
    invoke_signed_unchecked(
        &instruction,
        core::slice::from_ref(event_authority),
        &[&[EVENT_AUTHORITY_SEED, &[bump]]],
    )
    .map_err(Into::into)
}

/// `emit_event!(ctx, Event { .. })`: [`emit`] with the instruction's event authority.
macro_rules! emit_event {
    ($ctx:ident, $event:expr) => {
        crate::event_cpi::emit(&$ctx.accounts.event_authority, &$event)?
    };
}
pub(crate) use emit_event;
