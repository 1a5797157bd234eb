//! The checks: pure functions of the stored ledger, the chain's state and the bank ledger.
//! Each check reports every finding with its evidence; the report is ok only when no check
//! has a finding.
use std::collections::HashMap;

use serde::Serialize;

use crate::bank::{show_request_id, Credit};
use crate::calendar::{iso, start_of, Calendar};
use crate::chain::ChainState;
use crate::store::{Conflict, LedgerRow};

/// Business days a redemption has to be settled or refunded in.
pub const REDEMPTION_BUSINESS_DAYS: u32 = 2;
/// Attestation age allowed when neither the caller nor the issuer's reserve guard sets one.
pub const DEFAULT_ATTESTATION_MAX_AGE: u32 = 24 * 3600;

/// The issuer's reconciliation policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Seconds after the start (00:00 UTC) of a credit's value date by which it must be
    /// minted.
    pub credit_sla: i64,
    /// Weekends and holidays, for the redemption deadline.
    pub calendar: Calendar,
    /// Oldest (seconds) the last reserve attestation may be; None: the issuer's reserve-guard
    /// maximum age when the guard is on, else a day.
    pub attestation_max_age: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            credit_sla: 48 * 3600,
            calendar: Calendar::default(),
            attestation_max_age: None,
        }
    }
}

/// An event named in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    pub seq: u64,
    pub signature: String,
}

impl EventRef {
    fn of(row: &LedgerRow) -> Self {
        Self {
            seq: row.seq,
            signature: row.signature.clone(),
        }
    }
}

impl std::fmt::Display for EventRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} ({})", self.seq, self.signature)
    }
}

/// A discrepancy, with its evidence. Amounts are in base units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Events `from..=to` are not in the ledger.
    MissingEvents { from: u64, to: u64 },
    /// A second, different event with a stored seq.
    DuplicateSeq {
        seq: u64,
        stored_signature: String,
        other_signature: String,
    },
    /// minted − redeemed + refunded − seized-burned differs from the mint's supply.
    SupplyMismatch {
        ledger_supply: i128,
        chain_supply: u64,
        through_seq: u64,
    },
    /// The first event whose recorded supply differs from the ledger's running total (where
    /// the two parted).
    SupplyTrailDiverges {
        event: EventRef,
        event_supply: u64,
        ledger_supply: i128,
    },
    /// A Minted event with no bank credit for its request id.
    MintWithoutCredit {
        event: EventRef,
        request_id: String,
        amount: u64,
    },
    /// A Minted event whose amount differs from its credit's.
    AmountMismatch {
        event: EventRef,
        request_id: String,
        minted: u64,
        credited: u64,
        credit_line: u64,
    },
    /// A credit past its SLA that was never minted.
    CreditNotMinted {
        request_id: String,
        amount: u64,
        value_date: String,
        reference: String,
        credit_line: u64,
        due_by: String,
    },
    /// More than one Minted event for one request id.
    MintedTwice {
        request_id: String,
        events: Vec<EventRef>,
        amounts: Vec<u64>,
    },
    /// The bank ledger lists one request id more than once.
    DuplicateCredit {
        request_id: String,
        credit_lines: Vec<u64>,
    },
    /// A redemption settled or refunded after its deadline, or still open past it.
    LateRedemption {
        event: EventRef,
        redemption_id: String,
        amount: u64,
        requested_at: String,
        due_by: String,
        /// `settled` or `refunded` at `resolved_at` by `resolution`; `open` when neither.
        outcome: String,
        resolved_at: Option<String>,
        resolution: Option<EventRef>,
    },
    /// A settlement or refund for a redemption the ledger has no request for.
    ResolutionWithoutRequest {
        event: EventRef,
        redemption_id: String,
    },
    /// A redemption settled or refunded twice.
    ResolvedTwice {
        redemption_id: String,
        events: Vec<EventRef>,
    },
    /// Supply but no reserve attestation at all.
    NoAttestation { chain_supply: u64 },
    /// The last attestation's reserves are below the supply.
    AttestationShort {
        event: EventRef,
        attested: u64,
        chain_supply: u64,
    },
    /// The last attestation is older than allowed.
    AttestationStale {
        event: EventRef,
        as_of: String,
        age_seconds: i64,
        max_age_seconds: u32,
    },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::MissingEvents { from, to } if from == to => {
                write!(f, "event #{from} is missing from the ledger")
            }
            Finding::MissingEvents { from, to } => {
                write!(f, "events #{from}..#{to} are missing from the ledger")
            }
            Finding::DuplicateSeq { seq, stored_signature, other_signature } => write!(
                f,
                "seq #{seq} claimed twice: by {stored_signature} (stored) and by {other_signature}"
            ),
            Finding::SupplyMismatch { ledger_supply, chain_supply, through_seq } => write!(
                f,
                "ledger supply through #{through_seq} is {ledger_supply}, the mint's supply is {chain_supply} (difference {})",
                i128::from(*chain_supply) - ledger_supply
            ),
            Finding::SupplyTrailDiverges { event, event_supply, ledger_supply } => write!(
                f,
                "first divergence at {event}: the event records supply {event_supply}, the ledger's running total is {ledger_supply}"
            ),
            Finding::MintWithoutCredit { event, request_id, amount } => write!(
                f,
                "mint {event} of {amount} for request {request_id:?} has no bank credit"
            ),
            Finding::AmountMismatch { event, request_id, minted, credited, credit_line } => write!(
                f,
                "mint {event} for request {request_id:?} minted {minted}, the bank credited {credited} (line {credit_line})"
            ),
            Finding::CreditNotMinted { request_id, amount, value_date, reference, credit_line, due_by } => write!(
                f,
                "credit {request_id:?} of {amount} (value date {value_date}, reference {reference:?}, line {credit_line}) was not minted by {due_by}"
            ),
            Finding::MintedTwice { request_id, events, amounts } => write!(
                f,
                "request {request_id:?} minted {} times: {} (amounts {:?})",
                events.len(),
                events.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                amounts
            ),
            Finding::DuplicateCredit { request_id, credit_lines } => write!(
                f,
                "the bank ledger lists request {request_id:?} on lines {credit_lines:?}"
            ),
            Finding::LateRedemption { event, redemption_id, amount, requested_at, due_by, outcome, resolved_at, resolution } => {
                write!(
                    f,
                    "redemption {redemption_id} of {amount} requested {requested_at} at {event} was due by {due_by}: "
                )?;
                match (resolved_at, resolution) {
                    (Some(at), Some(by)) => write!(f, "{outcome} {at} at {by}"),
                    _ => write!(f, "still open"),
                }
            }
            Finding::ResolutionWithoutRequest { event, redemption_id } => write!(
                f,
                "{event} resolves redemption {redemption_id}, which the ledger never saw requested"
            ),
            Finding::ResolvedTwice { redemption_id, events } => write!(
                f,
                "redemption {redemption_id} resolved {} times: {}",
                events.len(),
                events.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            Finding::NoAttestation { chain_supply } => {
                write!(f, "supply is {chain_supply} and reserves were never attested")
            }
            Finding::AttestationShort { event, attested, chain_supply } => write!(
                f,
                "the last attestation {event} covers {attested}, below the supply {chain_supply}"
            ),
            Finding::AttestationStale { event, as_of, age_seconds, max_age_seconds } => write!(
                f,
                "the last attestation {event} is as of {as_of}, {age_seconds}s old (at most {max_age_seconds}s)"
            ),
        }
    }
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub findings: Vec<Finding>,
}

impl Check {
    fn new(name: &'static str, findings: Vec<Finding>) -> Self {
        Self {
            name,
            ok: findings.is_empty(),
            findings,
        }
    }
}

/// The ledger's lifetime totals (base units) through the chain's event counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerTotals {
    pub events: u64,
    pub minted: u128,
    pub redeemed: u128,
    pub refunded: u128,
    pub seized_burned: u128,
    /// minted − redeemed + refunded − seized_burned.
    pub supply: i128,
}

/// The bank side in numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BankTotals {
    pub credits: u64,
    /// Credits minted exactly once, for their amount.
    pub matched: u64,
    /// Credits not minted yet and still within their SLA.
    pub pending: u64,
}

/// The reconciliation's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True only when every check passed.
    pub ok: bool,
    pub chain: ChainState,
    pub ledger: LedgerTotals,
    pub bank: BankTotals,
    pub checks: Vec<Check>,
}

/// Runs every check. `ledger` holds the mint's stored events with seq ≤ `chain.event_seq`,
/// in seq order.
pub fn run(
    ledger: &[LedgerRow],
    conflicts: &[Conflict],
    chain: &ChainState,
    credits: &[Credit],
    policy: &Policy,
) -> Report {
    let (sequence, ledger_totals) = (sequence(ledger, conflicts, chain), totals(ledger));
    let supply = supply(ledger, chain, &ledger_totals);
    let (bank, bank_totals) = bank(ledger, credits, chain, policy);
    let checks = vec![
        sequence,
        supply,
        bank,
        redemptions(ledger, chain, policy),
        reserves(ledger, chain, policy),
    ];
    Report {
        ok: checks.iter().all(|c| c.ok),
        chain: chain.clone(),
        ledger: ledger_totals,
        bank: bank_totals,
        checks,
    }
}

/// Seq runs 1..=event_seq with no gap, and no seq was claimed by two different events.
fn sequence(ledger: &[LedgerRow], conflicts: &[Conflict], chain: &ChainState) -> Check {
    let mut findings = Vec::new();
    let mut next = 1u64;
    for row in ledger {
        if row.seq > next {
            findings.push(Finding::MissingEvents {
                from: next,
                to: row.seq - 1,
            });
        }
        next = row.seq.saturating_add(1);
    }
    if next <= chain.event_seq {
        findings.push(Finding::MissingEvents {
            from: next,
            to: chain.event_seq,
        });
    }
    findings.extend(conflicts.iter().map(|c| Finding::DuplicateSeq {
        seq: c.seq,
        stored_signature: c.stored_signature.clone(),
        other_signature: c.other_signature.clone(),
    }));
    Check::new("sequence", findings)
}

/// How an event moves tokens in or out of the supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Minted,
    Redeemed,
    Refunded,
    SeizedBurned,
    /// Seized to a treasury account: supply unchanged.
    SeizedMoved,
}

/// The event's flow and amount, None for events that move no tokens.
fn flow(row: &LedgerRow) -> Option<(Flow, u64)> {
    let amount = row.amount?;
    let flow = match row.name.as_str() {
        "Minted" => Flow::Minted,
        "RedemptionRequested" => Flow::Redeemed,
        "RedemptionRefunded" => Flow::Refunded,
        "Seized" if row.account.is_none() => Flow::SeizedBurned,
        "Seized" => Flow::SeizedMoved,
        _ => return None,
    };
    Some((flow, amount))
}

/// The supply change an event makes, if any.
fn supply_change(row: &LedgerRow) -> Option<i128> {
    let (flow, amount) = flow(row)?;
    let amount = i128::from(amount);
    Some(match flow {
        Flow::Minted | Flow::Refunded => amount,
        Flow::Redeemed | Flow::SeizedBurned => -amount,
        Flow::SeizedMoved => 0,
    })
}

fn totals(ledger: &[LedgerRow]) -> LedgerTotals {
    let mut totals = LedgerTotals {
        events: ledger.len() as u64,
        ..LedgerTotals::default()
    };
    for (flow, amount) in ledger.iter().filter_map(flow) {
        let amount = u128::from(amount);
        match flow {
            Flow::Minted => totals.minted += amount,
            Flow::Redeemed => totals.redeemed += amount,
            Flow::Refunded => totals.refunded += amount,
            Flow::SeizedBurned => totals.seized_burned += amount,
            Flow::SeizedMoved => {}
        }
    }
    totals.supply = ledger.iter().filter_map(supply_change).sum();
    totals
}

/// The ledger's supply equals the mint's; where not, the first event that disagrees.
fn supply(ledger: &[LedgerRow], chain: &ChainState, totals: &LedgerTotals) -> Check {
    let mut findings = Vec::new();
    if totals.supply != i128::from(chain.supply) {
        findings.push(Finding::SupplyMismatch {
            ledger_supply: totals.supply,
            chain_supply: chain.supply,
            through_seq: chain.event_seq,
        });
    }
    let mut running: i128 = 0;
    for row in ledger {
        if let Some(change) = supply_change(row) {
            running += change;
        }
        // every supply-changing event (and an attestation) records the supply it left
        if let Some(recorded) = row.supply_after {
            if i128::from(recorded) != running {
                findings.push(Finding::SupplyTrailDiverges {
                    event: EventRef::of(row),
                    event_supply: recorded,
                    ledger_supply: running,
                });
                break;
            }
        }
    }
    Check::new("supply", findings)
}

/// Every Minted request id has a bank credit of the same amount; every credit past its SLA
/// was minted exactly once.
fn bank(
    ledger: &[LedgerRow],
    credits: &[Credit],
    chain: &ChainState,
    policy: &Policy,
) -> (Check, BankTotals) {
    let mut findings = Vec::new();
    let mut by_id: HashMap<[u8; 32], Vec<&Credit>> = HashMap::with_capacity(credits.len());
    for credit in credits {
        by_id.entry(credit.request_id).or_default().push(credit);
    }
    let mut duplicates: Vec<_> = by_id.iter().filter(|(_, list)| list.len() > 1).collect();
    duplicates.sort_by_key(|(_, list)| list[0].line);
    for (id, list) in duplicates {
        findings.push(Finding::DuplicateCredit {
            request_id: show_request_id(id),
            credit_lines: list.iter().map(|c| c.line).collect(),
        });
    }
    let mut mints: HashMap<[u8; 32], Vec<&LedgerRow>> = HashMap::new();
    for row in ledger.iter().filter(|r| r.name == "Minted") {
        let (Some(id), Some(amount)) = (row.reference, row.amount) else {
            continue;
        };
        mints.entry(id).or_default().push(row);
        match by_id.get(&id).and_then(|list| list.first()) {
            None => findings.push(Finding::MintWithoutCredit {
                event: EventRef::of(row),
                request_id: show_request_id(&id),
                amount,
            }),
            Some(credit) if credit.amount != amount => findings.push(Finding::AmountMismatch {
                event: EventRef::of(row),
                request_id: show_request_id(&id),
                minted: amount,
                credited: credit.amount,
                credit_line: credit.line,
            }),
            Some(_) => {}
        }
    }
    let mut twice: Vec<_> = mints.iter().filter(|(_, rows)| rows.len() > 1).collect();
    twice.sort_by_key(|(_, rows)| rows[0].seq);
    for (id, rows) in twice {
        findings.push(Finding::MintedTwice {
            request_id: show_request_id(id),
            events: rows.iter().map(|r| EventRef::of(r)).collect(),
            amounts: rows.iter().filter_map(|r| r.amount).collect(),
        });
    }
    let mut totals = BankTotals {
        credits: credits.len() as u64,
        ..BankTotals::default()
    };
    let mut seen = std::collections::HashSet::new();
    for credit in credits {
        if !seen.insert(credit.request_id) {
            continue;
        }
        let minted = mints
            .get(&credit.request_id)
            .map_or(&[][..], |v| v.as_slice());
        let due = start_of(credit.value_date).saturating_add(policy.credit_sla);
        match minted {
            [] if chain.now >= due => findings.push(Finding::CreditNotMinted {
                request_id: show_request_id(&credit.request_id),
                amount: credit.amount,
                value_date: credit.value_date.to_string(),
                reference: credit.reference.clone(),
                credit_line: credit.line,
                due_by: iso(due),
            }),
            [] => totals.pending += 1,
            [only] if only.amount == Some(credit.amount) => totals.matched += 1,
            _ => {}
        }
    }
    (Check::new("bank_ledger", findings), totals)
}

/// Every redemption was settled or refunded by the end of the second business day after its
/// request (or, still open, that day has not ended).
fn redemptions(ledger: &[LedgerRow], chain: &ChainState, policy: &Policy) -> Check {
    let mut findings = Vec::new();
    let mut resolutions: HashMap<[u8; 32], Vec<&LedgerRow>> = HashMap::new();
    let mut requested = std::collections::HashSet::new();
    for row in ledger {
        let Some(id) = row.reference else { continue };
        match row.name.as_str() {
            "RedemptionRequested" => {
                requested.insert(id);
            }
            "RedemptionSettled" | "RedemptionRefunded" => {
                if !requested.contains(&id) {
                    findings.push(Finding::ResolutionWithoutRequest {
                        event: EventRef::of(row),
                        redemption_id: usd1_client::events::hex32(&id),
                    });
                }
                resolutions.entry(id).or_default().push(row);
            }
            _ => {}
        }
    }
    for row in ledger.iter().filter(|r| r.name == "RedemptionRequested") {
        let Some(id) = row.reference else { continue };
        let due = policy
            .calendar
            .deadline(row.block_time, REDEMPTION_BUSINESS_DAYS);
        let resolved = resolutions.get(&id).and_then(|list| list.first());
        let late = match resolved {
            Some(resolution) => resolution.block_time >= due,
            None => chain.now >= due,
        };
        if late {
            findings.push(Finding::LateRedemption {
                event: EventRef::of(row),
                redemption_id: usd1_client::events::hex32(&id),
                amount: row.amount.unwrap_or(0),
                requested_at: iso(row.block_time),
                due_by: iso(due),
                outcome: match resolved {
                    Some(r) if r.name == "RedemptionSettled" => "settled".into(),
                    Some(_) => "refunded".into(),
                    None => "open".into(),
                },
                resolved_at: resolved.map(|r| iso(r.block_time)),
                resolution: resolved.map(|r| EventRef::of(r)),
            });
        }
    }
    let mut twice: Vec<_> = resolutions.iter().filter(|(_, v)| v.len() > 1).collect();
    twice.sort_by_key(|(_, v)| v[0].seq);
    for (id, rows) in twice {
        findings.push(Finding::ResolvedTwice {
            redemption_id: usd1_client::events::hex32(id),
            events: rows.iter().map(|r| EventRef::of(r)).collect(),
        });
    }
    Check::new("redemptions", findings)
}

/// The last reserve attestation covers the supply and is recent enough.
fn reserves(ledger: &[LedgerRow], chain: &ChainState, policy: &Policy) -> Check {
    let mut findings = Vec::new();
    let max_age = policy
        .attestation_max_age
        .unwrap_or(if chain.reserve_max_age > 0 {
            chain.reserve_max_age
        } else {
            DEFAULT_ATTESTATION_MAX_AGE
        });
    match ledger.iter().rev().find(|r| r.name == "ReservesAttested") {
        None if chain.supply > 0 => findings.push(Finding::NoAttestation {
            chain_supply: chain.supply,
        }),
        None => {}
        Some(row) => {
            let attested = row.amount.unwrap_or(0);
            if attested < chain.supply {
                findings.push(Finding::AttestationShort {
                    event: EventRef::of(row),
                    attested,
                    chain_supply: chain.supply,
                });
            }
            let as_of = row.as_of.unwrap_or(i64::MIN);
            let age = chain.now.saturating_sub(as_of);
            if age > i64::from(max_age) {
                findings.push(Finding::AttestationStale {
                    event: EventRef::of(row),
                    as_of: iso(as_of),
                    age_seconds: age,
                    max_age_seconds: max_age,
                });
            }
        }
    }
    Check::new("reserves", findings)
}

impl Report {
    /// The report for people: a verdict, the numbers, then each check with its findings.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "reconciliation of {}: {}",
            self.chain.mint,
            if self.ok {
                "OK, everything agrees"
            } else {
                "DISCREPANCIES FOUND"
            }
        );
        let _ = writeln!(
            out,
            "  chain:  supply {} ({} tokens) through event #{} at {}; amounts below in base units",
            self.chain.supply,
            usd1_client::format_amount(self.chain.supply, self.chain.decimals),
            self.chain.event_seq,
            iso(self.chain.now)
        );
        let _ = writeln!(
            out,
            "  ledger: {} events; minted {} - redeemed {} + refunded {} - seized-burned {} = {}",
            self.ledger.events,
            self.ledger.minted,
            self.ledger.redeemed,
            self.ledger.refunded,
            self.ledger.seized_burned,
            self.ledger.supply
        );
        let _ = writeln!(
            out,
            "  bank:   {} credits, {} matched, {} pending within SLA",
            self.bank.credits, self.bank.matched, self.bank.pending
        );
        for check in &self.checks {
            let _ = writeln!(
                out,
                "  {:<12} {}",
                check.name,
                if check.ok {
                    "ok".to_string()
                } else {
                    format!("FAILED ({})", check.findings.len())
                }
            );
            for finding in &check.findings {
                let _ = writeln!(out, "    - {finding}");
            }
        }
        out
    }
}
