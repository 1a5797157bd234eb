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
                match data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) {
                    Some(rest) => Event::decode(rest).map(Some),
                    None => Ok(None),
                }
            }

            /// Decodes an event's bytes: its 8-byte discriminator, then Borsh (what
            /// [`RawEvent::data`] holds and Anchor's event coders read).
            pub fn decode(data: &[u8]) -> Result<Event, DecodeError> {
                $(
                    if let Some(mut body) = data.strip_prefix($name::DISCRIMINATOR) {
                        let event = $name::deserialize(&mut body)
                            .map_err(|e| DecodeError(format!("{}: {e}", stringify!($name))))?;
                        if !body.is_empty() {
                            return Err(DecodeError(format!("{}: {} trailing bytes", stringify!($name), body.len())));
                        }
                        return Ok(Event::$name(event));
                    }
                )*
                Err(DecodeError(format!("unknown event discriminator {:?}", &data[..data.len().min(8)])))
            }

            /// The event's bytes: its discriminator, then Borsh (Borsh is canonical, so these are
            /// the bytes the program emitted).
            pub fn data(&self) -> Vec<u8> {
                match self { $(Event::$name(e) => anchor_lang::Event::data(e),)* }
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
    AllowanceDecreased,
    Minted,
    MembersChanged,
    RolesChanged,
    LimitsChanged,
    ExecutionWindowChanged,
    Paused,
    Unpaused,
    AccountFrozen,
    AccountThawed,
    Seized,
    RedemptionRequested,
    RedemptionSettled,
    RedemptionRefunded,
    ReservesAttested,
    UpgradeAuthorityReceived,
    ProgramUpgraded,
    UpgradeAuthorityChanged,
    KeyAccepted,
    ProposalVetoed,
    MinterSuspended,
    IssuancePaused,
    IssuanceResumed,
    MetadataUpdated,
    AllowanceRaised,
    AllowanceBudgetChanged,
);

/// An event with its bytes as emitted: the 8-byte discriminator then Borsh (the event-CPI tag
/// stripped). This is what Anchor's event coders decode, and what the reconciler stores.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    pub event: Event,
    pub data: Vec<u8>,
}

/// The name an event this client cannot decode is stored and reported under.
pub const UNDECODABLE: &str = "Undecodable";

/// An event instruction of the program this client cannot decode (an event of a newer
/// program version, say): the mint and seq every event of the program starts with, and why
/// the rest did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent {
    pub mint: Pubkey,
    pub seq: u64,
    pub error: String,
}

/// What an event instruction of the program held: an event this client knows, or not.
// the known event is nearly every case: not boxed, so decoding one allocates nothing more
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Emitted {
    Event(Event),
    Unknown(UnknownEvent),
}

impl From<Event> for Emitted {
    fn from(event: Event) -> Self {
        Emitted::Event(event)
    }
}

impl Emitted {
    /// Decodes an event's bytes (discriminator, then Borsh). Bytes that are not a known event
    /// but hold the mint and seq every event starts with are [`Emitted::Unknown`]; shorter
    /// bytes cannot be told apart from noise and are an error.
    pub fn decode(data: &[u8]) -> Result<Emitted, DecodeError> {
        match Event::decode(data) {
            Ok(event) => Ok(Emitted::Event(event)),
            Err(DecodeError(error)) => {
                let head = data.get(8..48).ok_or_else(|| {
                    DecodeError(format!("{error}, and too short to name a mint and seq"))
                })?;
                let mint = Pubkey::try_from(&head[..32]).map_err(|e| DecodeError(e.to_string()))?;
                let mut seq = [0u8; 8];
                seq.copy_from_slice(&head[32..]);
                Ok(Emitted::Unknown(UnknownEvent {
                    mint,
                    seq: u64::from_le_bytes(seq),
                    error,
                }))
            }
        }
    }

    pub fn mint(&self) -> Pubkey {
        match self {
            Emitted::Event(e) => e.mint(),
            Emitted::Unknown(u) => u.mint,
        }
    }

    pub fn seq(&self) -> u64 {
        match self {
            Emitted::Event(e) => e.seq(),
            Emitted::Unknown(u) => u.seq,
        }
    }

    /// The event's name as in the IDL, or [`UNDECODABLE`].
    pub fn name(&self) -> &'static str {
        match self {
            Emitted::Event(e) => e.name(),
            Emitted::Unknown(_) => UNDECODABLE,
        }
    }
}

/// An event instruction's content with its bytes as emitted (the event-CPI tag stripped).
#[derive(Debug, Clone, PartialEq)]
pub struct RawEmitted {
    pub emitted: Emitted,
    pub data: Vec<u8>,
}

/// What the program's event instructions among `(program_id, data)` inner instructions
/// hold, in order, unknown events included; instructions of other programs are skipped.
pub fn decode_inner_emitted<'a>(
    inner: impl IntoIterator<Item = (&'a Pubkey, &'a [u8])>,
) -> Result<Vec<RawEmitted>, DecodeError> {
    let mut events = Vec::new();
    for (program_id, data) in inner {
        if *program_id != usd1_minter::ID {
            continue;
        }
        if let Some(rest) = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) {
            events.push(RawEmitted {
                emitted: Emitted::decode(rest)?,
                data: rest.to_vec(),
            });
        }
    }
    Ok(events)
}

/// Events in `(program_id, data)` inner instructions, in order, skipping instructions of other
/// programs; an event this client does not know is an error.
pub fn decode_inner<'a>(
    inner: impl IntoIterator<Item = (&'a Pubkey, &'a [u8])>,
) -> Result<Vec<RawEvent>, DecodeError> {
    decode_inner_emitted(inner)?
        .into_iter()
        .map(RawEmitted::known)
        .collect()
}

impl RawEmitted {
    /// The event, when this client knows it; else why not.
    pub fn known(self) -> Result<RawEvent, DecodeError> {
        match self.emitted {
            Emitted::Event(event) => Ok(RawEvent {
                event,
                data: self.data,
            }),
            Emitted::Unknown(unknown) => Err(DecodeError(unknown.error)),
        }
    }
}

/// Lowercase hex of any bytes.
pub fn hex(bytes: &[u8]) -> String {
    // by table, not `format!` per byte: the reconciler writes one per stored event
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Hex of a 32-byte id (request ids, references).
pub fn hex32(bytes: &[u8; 32]) -> String {
    hex(bytes)
}

/// 32 bytes from exactly 64 hex digits (either case); None otherwise.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    // a digit's value is below 16: the cast is exact
    let nibble = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

impl std::fmt::Display for Event {
    /// One line: `#seq Name key=value ...`, for people reading a log or a demo.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} {}", self.seq(), self.name())?;
        match self {
            Event::IssuerInitialized(e) => write!(
                f,
                " issuer={} {} ({}) decimals={} members={} threshold={} time_lock={}s supply_cap={} permanent_delegate={} default_frozen={}",
                e.issuer, e.symbol, e.name, e.decimals, e.members.len(), e.threshold, e.time_lock,
                e.limits.supply_cap, e.permanent_delegate, e.default_frozen
            ),
            Event::ProposalCreated(e) => {
                write!(f, " index={} proposer={} status={:?} action={:?}", e.index, e.proposer, e.status, e.action)
            }
            Event::ProposalApproved(e) => {
                write!(f, " index={} member={} approvals={} status={:?}", e.index, e.member, e.approvals, e.status)
            }
            Event::ProposalRejected(e) => {
                write!(f, " index={} member={} rejections={} status={:?}", e.index, e.member, e.rejections, e.status)
            }
            Event::ProposalCancelled(e) => write!(f, " index={} proposer={}", e.index, e.proposer),
            Event::ProposalExecuted(e) => write!(f, " index={} executor={}", e.index, e.executor),
            Event::ProposalClosed(e) => write!(f, " index={} rent_receiver={}", e.index, e.rent_receiver),
            Event::MinterConfigured(e) => write!(
                f,
                " authority={} created={} grant={} allowance={} rate={}/{}s active={}",
                e.authority,
                e.created,
                e.allowance_grant,
                e.allowance,
                e.rate_capacity,
                e.rate_window,
                e.active
            ),
            Event::ExecutionWindowChanged(e) => write!(f, " seconds={}", e.seconds),
            Event::AllowanceDecreased(e) => write!(
                f,
                " authority={} by={} allowance {} -> {} budget_left={}",
                e.authority, e.by, e.allowance_before, e.allowance_after, e.budget_left
            ),
            Event::MinterRemoved(e) => {
                write!(f, " authority={} allowance_forfeited={}", e.authority, e.allowance_forfeited)
            }
            Event::Minted(e) => write!(
                f,
                " request_id={} minter={} recipient={} amount={} supply_after={} allowance_after={}",
                hex32(&e.request_id), e.minter, e.recipient, e.amount, e.supply_after, e.allowance_after
            ),
            Event::MembersChanged(e) => write!(
                f,
                " members={} threshold={} time_lock={}s stale_through={}",
                e.members.len(), e.threshold, e.time_lock, e.stale_proposal_index
            ),
            Event::RolesChanged(e) => write!(
                f,
                " pausers={} freezers={} reserve_attestor={:?} redemption_operator={:?} mint_attestor={:?}",
                e.roles.pausers.len(), e.roles.freezers.len(), e.roles.reserve_attestor,
                e.roles.redemption_operator, e.roles.mint_attestor
            ),
            Event::LimitsChanged(e) => write!(
                f,
                " supply_cap={} min_redemption={} reserve_guard={} reserve_max_age={}s",
                e.limits.supply_cap,
                e.limits.min_redemption,
                e.limits.reserve_guard,
                e.limits.reserve_max_age
            ),
            Event::Paused(e) => write!(f, " by={}", e.by),
            Event::Unpaused(e) => write!(f, " proposal={}", e.proposal_index),
            Event::AccountFrozen(e) => write!(
                f,
                " account={} owner={} reason={} by={}",
                e.account, e.owner, e.reason_code, e.by
            ),
            Event::AccountThawed(e) => {
                write!(f, " account={} owner={} by={}", e.account, e.owner, e.by)
            }
            Event::Seized(e) => write!(
                f,
                " from={} owner={} to={} amount={} supply_after={} proposal={}",
                e.from,
                e.owner,
                e.to.map_or("burned".to_string(), |k| k.to_string()),
                e.amount,
                e.supply_after,
                e.proposal_index
            ),
            Event::RedemptionRequested(e) => write!(
                f,
                " id={} holder={} account={} amount={} payout_reference={} supply_after={}",
                hex32(&e.redemption_id),
                e.holder,
                e.token_account,
                e.amount,
                hex32(&e.payout_reference),
                e.supply_after
            ),
            Event::RedemptionSettled(e) => write!(
                f,
                " id={} holder={} amount={} settlement_reference={} by={}",
                hex32(&e.redemption_id),
                e.holder,
                e.amount,
                hex32(&e.settlement_reference),
                e.by
            ),
            Event::RedemptionRefunded(e) => write!(
                f,
                " id={} holder={} account={} amount={} reason={} supply_after={} by={}",
                hex32(&e.redemption_id),
                e.holder,
                e.token_account,
                e.amount,
                e.reason_code,
                e.supply_after,
                e.by
            ),
            Event::ReservesAttested(e) => write!(
                f,
                " amount={} as_of={} report_hash={} supply={} by={}",
                e.amount,
                e.as_of,
                hex32(&e.report_hash),
                e.supply,
                e.by
            ),
            Event::UpgradeAuthorityReceived(e) => write!(
                f,
                " previous_authority={} upgrade_authority={}",
                e.previous_authority, e.upgrade_authority
            ),
            Event::ProgramUpgraded(e) => write!(
                f,
                " buffer={} buffer_hash={} proposal={}",
                e.buffer,
                hex32(&e.buffer_hash),
                e.proposal_index
            ),
            Event::UpgradeAuthorityChanged(e) => write!(
                f,
                " new_authority={} proposal={}",
                e.new_authority.map_or("none (immutable)".to_string(), |k| k.to_string()),
                e.proposal_index
            ),
            Event::KeyAccepted(e) => write!(f, " proposal={} key={}", e.proposal_index, e.key),
            Event::ProposalVetoed(e) => write!(
                f,
                " index={} member={} rejections={}",
                e.index, e.member, e.rejections
            ),
            Event::MinterSuspended(e) => write!(
                f,
                " authority={} by={} outlives_proposals_through={}",
                e.authority, e.by, e.suspension_index
            ),
            Event::IssuancePaused(e) => write!(f, " by={}", e.by),
            Event::IssuanceResumed(e) => write!(f, " proposal={}", e.proposal_index),
            Event::MetadataUpdated(e) => {
                write!(f, " proposal={} {} ({}) uri={}", e.proposal_index, e.symbol, e.name, e.uri)?;
                for field in &e.fields {
                    write!(f, " {}={:?}", field.key, field.value)?;
                }
                for key in &e.remove_keys {
                    write!(f, " -{key}")?;
                }
                Ok(())
            }
            Event::AllowanceRaised(e) => write!(
                f,
                " authority={} manager={} allowance {} -> {} budget_left={}",
                e.authority, e.manager, e.allowance_before, e.allowance_after, e.budget_left
            ),
            Event::AllowanceBudgetChanged(e) => write!(
                f,
                " capacity={} window={}s available={}",
                e.capacity, e.window, e.available
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_parse_refuses_what_is_not_64_hex_digits() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xa5);
        let text = hex32(&bytes);
        assert_eq!(text.len(), 64);
        assert_eq!(&text[..8], "a580efca");
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
        assert_eq!(parse_hex32(&text), Some(bytes));
        assert_eq!(parse_hex32(&text.to_uppercase()), Some(bytes));
        assert_eq!(parse_hex32(&text[..62]), None);
        assert_eq!(parse_hex32(&format!("{text}00")), None);
        assert_eq!(parse_hex32(&format!("{}g", &text[..63])), None);
        assert_eq!(parse_hex32(&format!("+{}", &text[..63])), None);
        // 64 bytes but not 64 characters
        assert_eq!(parse_hex32(&format!("é{}", &text[..62])), None);
    }
}
