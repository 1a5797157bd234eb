//! Decoding the program's events from `emit_cpi!` inner instructions. The data of such an
//! instruction is Anchor's 8-byte event-CPI tag, the event's 8-byte discriminator, then the
//! event in Borsh.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};

pub use usd1_minter::events::*;

use crate::accounts::DecodeError;

macro_rules! program_events {
    ($($name:ident),* $(,)?) => {
        /// Every event the program emits.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $($name($name),)*
        }

        impl Event {
            /// Decodes the data of a self-CPI event instruction. `Ok(None)`: not an event
            /// instruction (no event-CPI tag).
            pub fn decode_cpi_data(data: &[u8]) -> Result<Option<Event>, DecodeError> {
                let Some(rest) = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) else {
                    return Ok(None);
                };
                $(
                    if let Some(mut body) = rest.strip_prefix($name::DISCRIMINATOR) {
                        let event = $name::deserialize(&mut body)
                            .map_err(|e| DecodeError(format!("{}: {e}", stringify!($name))))?;
                        return Ok(Some(Event::$name(event)));
                    }
                )*
                Err(DecodeError(format!("unknown event discriminator {:?}", &rest[..rest.len().min(8)])))
            }

            /// The event's name, as in the IDL.
            pub fn name(&self) -> &'static str {
                match self { $(Event::$name(_) => stringify!($name),)* }
            }

            /// The issuer's event sequence number.
            pub fn seq(&self) -> u64 {
                match self { $(Event::$name(e) => e.seq,)* }
            }

            /// The mint the event is about.
            pub fn mint(&self) -> Pubkey {
                match self { $(Event::$name(e) => e.mint,)* }
            }
        }
    };
}

program_events!(
    IssuerInitialized,
    ProposalCreated,
    ProposalApproved,
    ProposalRejected,
    ProposalCancelled,
    ProposalExecuted,
    ProposalClosed,
    MinterConfigured,
    MinterRemoved,
    Minted,
    MembersChanged,
    RolesChanged,
    LimitsChanged,
    Paused,
    Unpaused,
);

/// Events in `(program_id, data)` inner instructions, in order, skipping instructions of other
/// programs.
pub fn decode_inner<'a>(
    inner: impl IntoIterator<Item = (&'a Pubkey, &'a [u8])>,
) -> Result<Vec<Event>, DecodeError> {
    let mut events = Vec::new();
    for (program_id, data) in inner {
        if *program_id != usd1_minter::ID {
            continue;
        }
        if let Some(event) = Event::decode_cpi_data(data)? {
            events.push(event);
        }
    }
    Ok(events)
}
