//! The checks: pure functions of the stored ledger, the chain's state and the bank ledger.
//! Each check reports every finding with its evidence; the report is ok only when no check
//! has a finding.
use std::collections::HashMap;

use serde::Serialize;

use crate::bank::{show_request_id, BankEntry, BankLedger, EntryKind};
use crate::calendar::{iso, Calendar};
use crate::chain::ChainState;
use crate::exceptions::{Evidence, Exception, DIRECT_BURN};
use crate::store::{Conflict, LedgerRow};

/// Business days a redemption has to be settled or refunded in.
pub const REDEMPTION_BUSINESS_DAYS: u32 = 2;
/// Attestation age allowed when neither the caller nor the issuer's reserve guard sets one.
pub const DEFAULT_ATTESTATION_MAX_AGE: u32 = 24 * 3600;

/// The issuer's reconciliation policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Seconds after the cut-off of a credit's value date by which it must be minted (and
    /// after which a settlement must have its payout in the bank ledger, and a payout its
    /// settlement on chain).
    pub credit_sla: i64,
    /// The bank's cut-off time (local, in the calendar's time zone) on a value date.
    pub cutoff: chrono::NaiveTime,
    /// The issuer's time zone, weekends and holidays: local dates and the redemption deadline.
    pub calendar: Calendar,
    /// Oldest (seconds) the last reserve attestation may be; None: the issuer's reserve-guard
    /// maximum age when the guard is on, else a day.
    pub attestation_max_age: Option<u32>,
    /// Reviewed exceptions (every mint's; a run uses its own mint's).
    pub exceptions: Vec<Exception>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            credit_sla: 48 * 3600,
            cutoff: chrono::NaiveTime::MIN,
            calendar: Calendar::default(),
            attestation_max_age: None,
            exceptions: Vec::new(),
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
    /// A stored event this reconciler cannot decode (a newer program version's?): its bytes
    /// are kept; what it did is unknown until a reconciler that knows it reads them.
    UndecodableEvent { event: EventRef },
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
    /// The last attestation's reserves are below the supply plus what open redemptions
    /// (requested, neither settled nor refunded) are owed.
    AttestationShort {
        event: EventRef,
        attested: u64,
        chain_supply: u64,
        open_redemptions: u128,
        required: u128,
    },
    /// The last attestation is older than allowed.
    AttestationStale {
        event: EventRef,
        as_of: String,
        age_seconds: i64,
        max_age_seconds: u32,
    },
    /// A mint earlier (the issuer's local date) than its credit's value date: issuance ran
    /// ahead of the money.
    MintedBeforeFunding {
        event: EventRef,
        request_id: String,
        minted_on: String,
        value_date: String,
        credit_line: u64,
    },
    /// The bank reversed a credit that was minted.
    MintedCreditReversed {
        event: EventRef,
        request_id: String,
        minted: u64,
        reversed: u64,
        reversal_line: u64,
    },
    /// A reversal of a credit the bank ledger does not have.
    ReversalWithoutCredit {
        request_id: String,
        amount: u64,
        reversal_line: u64,
    },
    /// A settlement, past the SLA, whose settlement reference no bank debit carries.
    SettlementWithoutPayout {
        event: EventRef,
        redemption_id: String,
        settlement_reference: String,
        amount: u64,
        due_by: String,
    },
    /// A settlement whose payout debit has another amount.
    PayoutAmountMismatch {
        event: EventRef,
        redemption_id: String,
        settlement_reference: String,
        settled: u64,
        paid: u64,
        debit_line: u64,
    },
    /// A payout, past the SLA, that no settlement on chain names.
    PayoutWithoutSettlement {
        settlement_reference: String,
        amount: u64,
        value_date: String,
        debit_line: u64,
        due_by: String,
    },
    /// The bank ledger lists one settlement reference on more than one debit.
    DuplicatePayout {
        settlement_reference: String,
        debit_lines: Vec<u64>,
    },
    /// A burn outside the program (Token-2022 directly) after event `after_seq`: only ever
    /// reported as acknowledged, by a `direct_burn` exception (unexplained, it is a supply
    /// finding).
    DirectBurn {
        after_seq: u64,
        amount: u64,
        signature: String,
        account: Option<String>,
    },
    /// An exception that has expired: what it acknowledged fails again.
    ExceptionExpired {
        id: String,
        exception_kind: String,
        expired_at: String,
    },
    /// An exception that matches no finding (a typo in its evidence, or resolved since).
    ExceptionUnmatched { id: String, exception_kind: String },
}

impl Finding {
    /// The finding's kind as the JSON report names it (`kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::MissingEvents { .. } => "missing_events",
            Finding::DuplicateSeq { .. } => "duplicate_seq",
            Finding::UndecodableEvent { .. } => "undecodable_event",
            Finding::SupplyMismatch { .. } => "supply_mismatch",
            Finding::SupplyTrailDiverges { .. } => "supply_trail_diverges",
            Finding::MintWithoutCredit { .. } => "mint_without_credit",
            Finding::AmountMismatch { .. } => "amount_mismatch",
            Finding::CreditNotMinted { .. } => "credit_not_minted",
            Finding::MintedTwice { .. } => "minted_twice",
            Finding::DuplicateCredit { .. } => "duplicate_credit",
            Finding::LateRedemption { .. } => "late_redemption",
            Finding::ResolutionWithoutRequest { .. } => "resolution_without_request",
            Finding::ResolvedTwice { .. } => "resolved_twice",
            Finding::NoAttestation { .. } => "no_attestation",
            Finding::AttestationShort { .. } => "attestation_short",
            Finding::AttestationStale { .. } => "attestation_stale",
            Finding::MintedBeforeFunding { .. } => "minted_before_funding",
            Finding::MintedCreditReversed { .. } => "minted_credit_reversed",
            Finding::ReversalWithoutCredit { .. } => "reversal_without_credit",
            Finding::SettlementWithoutPayout { .. } => "settlement_without_payout",
            Finding::PayoutAmountMismatch { .. } => "payout_amount_mismatch",
            Finding::PayoutWithoutSettlement { .. } => "payout_without_settlement",
            Finding::DuplicatePayout { .. } => "duplicate_payout",
            Finding::DirectBurn { .. } => DIRECT_BURN,
            Finding::ExceptionExpired { .. } => "exception_expired",
            Finding::ExceptionUnmatched { .. } => "exception_unmatched",
        }
    }

    /// What an exception can match the finding on.
    pub fn evidence(&self) -> Evidence<'_> {
        let at = Evidence::at;
        match self {
            Finding::MintWithoutCredit {
                event,
                request_id,
                amount,
            }
            | Finding::AmountMismatch {
                event,
                request_id,
                minted: amount,
                ..
            }
            | Finding::MintedCreditReversed {
                event,
                request_id,
                minted: amount,
                ..
            } => Evidence {
                request_id: Some(request_id),
                amount: Some(*amount),
                ..at(event)
            },
            Finding::MintedBeforeFunding {
                event, request_id, ..
            } => Evidence {
                request_id: Some(request_id),
                ..at(event)
            },
            Finding::CreditNotMinted {
                request_id, amount, ..
            }
            | Finding::ReversalWithoutCredit {
                request_id, amount, ..
            } => Evidence {
                request_id: Some(request_id),
                amount: Some(*amount),
                ..Evidence::default()
            },
            Finding::MintedTwice { request_id, .. }
            | Finding::DuplicateCredit { request_id, .. } => Evidence {
                request_id: Some(request_id),
                ..Evidence::default()
            },
            Finding::LateRedemption {
                event,
                redemption_id,
                amount,
                ..
            } => Evidence {
                redemption_id: Some(redemption_id),
                amount: Some(*amount),
                ..at(event)
            },
            Finding::ResolutionWithoutRequest {
                event,
                redemption_id,
            } => Evidence {
                redemption_id: Some(redemption_id),
                ..at(event)
            },
            Finding::ResolvedTwice { redemption_id, .. } => Evidence {
                redemption_id: Some(redemption_id),
                ..Evidence::default()
            },
            Finding::AttestationShort {
                event, attested, ..
            } => Evidence {
                amount: Some(*attested),
                ..at(event)
            },
            Finding::AttestationStale { event, .. } | Finding::UndecodableEvent { event } => {
                at(event)
            }
            Finding::SettlementWithoutPayout {
                event,
                redemption_id,
                settlement_reference,
                amount,
                ..
            }
            | Finding::PayoutAmountMismatch {
                event,
                redemption_id,
                settlement_reference,
                settled: amount,
                ..
            } => Evidence {
                redemption_id: Some(redemption_id),
                settlement_reference: Some(settlement_reference),
                amount: Some(*amount),
                ..at(event)
            },
            Finding::PayoutWithoutSettlement {
                settlement_reference,
                amount,
                ..
            } => Evidence {
                settlement_reference: Some(settlement_reference),
                amount: Some(*amount),
                ..Evidence::default()
            },
            Finding::DuplicatePayout {
                settlement_reference,
                ..
            } => Evidence {
                settlement_reference: Some(settlement_reference),
                ..Evidence::default()
            },
            _ => Evidence::default(),
        }
    }
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
            Finding::UndecodableEvent { event } => write!(
                f,
                "event {event} could not be decoded (an event of a newer program?): its bytes are stored; a reconciler that knows it will read them"
            ),
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
            Finding::AttestationShort { event, attested, chain_supply, open_redemptions, required } => write!(
                f,
                "the last attestation {event} covers {attested}, below the supply {chain_supply} plus {open_redemptions} owed to open redemptions ({required})"
            ),
            Finding::MintedBeforeFunding { event, request_id, minted_on, value_date, credit_line } => write!(
                f,
                "mint {event} for request {request_id:?} on {minted_on}, before its credit's value date {value_date} (line {credit_line})"
            ),
            Finding::MintedCreditReversed { event, request_id, minted, reversed, reversal_line } => write!(
                f,
                "request {request_id:?} minted {minted} at {event}, and the bank reversed {reversed} of its credit (line {reversal_line})"
            ),
            Finding::ReversalWithoutCredit { request_id, amount, reversal_line } => write!(
                f,
                "the bank ledger reverses {amount} of request {request_id:?} (line {reversal_line}), which it never credited"
            ),
            Finding::SettlementWithoutPayout { event, redemption_id, settlement_reference, amount, due_by } => write!(
                f,
                "redemption {redemption_id} of {amount} settled at {event} with reference {settlement_reference:?}, and no bank debit carries it (due by {due_by})"
            ),
            Finding::PayoutAmountMismatch { event, redemption_id, settlement_reference, settled, paid, debit_line } => write!(
                f,
                "redemption {redemption_id} settled {settled} at {event}, the bank paid {paid} under {settlement_reference:?} (line {debit_line})"
            ),
            Finding::PayoutWithoutSettlement { settlement_reference, amount, value_date, debit_line, due_by } => write!(
                f,
                "payout {settlement_reference:?} of {amount} (value date {value_date}, line {debit_line}) has no settlement on chain (due by {due_by})"
            ),
            Finding::DuplicatePayout { settlement_reference, debit_lines } => write!(
                f,
                "the bank ledger lists payout {settlement_reference:?} on lines {debit_lines:?}"
            ),
            Finding::AttestationStale { event, as_of, age_seconds, max_age_seconds } => write!(
                f,
                "the last attestation {event} is as of {as_of}, {age_seconds}s old (at most {max_age_seconds}s)"
            ),
            Finding::DirectBurn { after_seq, amount, signature, account } => {
                write!(f, "a burn of {amount} outside the program after #{after_seq} ({signature}")?;
                match account {
                    Some(account) => write!(f, ", from {account})"),
                    None => write!(f, ")"),
                }
            }
            Finding::ExceptionExpired { id, exception_kind, expired_at } => write!(
                f,
                "exception {id} ({exception_kind}) expired at {expired_at}: what it acknowledged counts again"
            ),
            Finding::ExceptionUnmatched { id, exception_kind } => write!(
                f,
                "exception {id} ({exception_kind}) matches no finding: check its evidence, or remove it"
            ),
        }
    }
}

/// A finding a reviewed exception accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledged {
    /// The exception's id.
    pub exception: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
    pub finding: Finding,
}

impl Acknowledged {
    fn new(exception: &Exception, finding: Finding) -> Self {
        Self {
            exception: exception.id.clone(),
            reason: exception.reason.clone(),
            approved_by: exception.approved_by.clone(),
            expires: exception.expires.clone(),
            finding,
        }
    }
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// No finding left unacknowledged.
    pub ok: bool,
    pub findings: Vec<Finding>,
    /// Findings reviewed exceptions accept (they do not fail the check).
    pub acknowledged: Vec<Acknowledged>,
}

impl Check {
    fn new(name: &'static str, findings: Vec<Finding>) -> Self {
        Self {
            name,
            ok: findings.is_empty(),
            findings,
            acknowledged: Vec::new(),
        }
    }

    /// Moves each finding an exception in force matches to `acknowledged`, marking the
    /// exception used.
    fn acknowledge(&mut self, exceptions: &[&Exception], used: &mut [bool]) {
        let findings = std::mem::take(&mut self.findings);
        for finding in findings {
            match exceptions.iter().position(|e| e.matches(&finding)) {
                Some(index) => {
                    used[index] = true;
                    self.acknowledged
                        .push(Acknowledged::new(exceptions[index], finding));
                }
                None => self.findings.push(finding),
            }
        }
        self.ok = self.findings.is_empty();
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
    /// Burns outside the program that reviewed exceptions account for.
    pub acknowledged_burns: u128,
    /// minted − redeemed + refunded − seized_burned − acknowledged_burns.
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
    /// Credits the bank reversed.
    pub reversed: u64,
    /// Payout debits (when the ledger lists them).
    pub debits: u64,
    /// Settlements with a payout of the same amount.
    pub payouts_matched: u64,
    /// The ledger lists payouts (a `type` column), so settlements were checked against them.
    pub payouts_listed: bool,
}

/// The reconciliation's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True only when every check passed.
    pub ok: bool,
    pub chain: ChainState,
    pub ledger: LedgerTotals,
    pub bank: BankTotals,
    /// The last attestation against what it must cover (None: nothing attested).
    pub reserves: Option<ReserveCoverage>,
    pub checks: Vec<Check>,
}

/// The last reserve attestation and what it must cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReserveCoverage {
    /// The attestation's seq.
    pub attestation_seq: u64,
    /// Reserves attested (base units).
    pub attested: u64,
    /// The supply plus what open redemptions are owed.
    pub required: u128,
}

fn coverage(ledger: &[LedgerRow], chain: &ChainState) -> Option<ReserveCoverage> {
    let row = ledger.iter().rev().find(|r| r.name == "ReservesAttested")?;
    Some(ReserveCoverage {
        attestation_seq: row.seq,
        attested: row.amount.unwrap_or(0),
        required: u128::from(chain.supply) + owed_to_open_redemptions(ledger),
    })
}

/// Runs every check. `ledger` holds the mint's stored events with seq ≤ `chain.event_seq`,
/// in seq order.
pub fn run(
    ledger: &[LedgerRow],
    conflicts: &[Conflict],
    chain: &ChainState,
    bank_ledger: &BankLedger,
    policy: &Policy,
) -> Report {
    // this mint's exceptions; the expired ones count for nothing but their own finding
    let (expired, in_force): (Vec<&Exception>, Vec<&Exception>) = policy
        .exceptions
        .iter()
        .filter(|e| e.mint == chain.mint)
        .partition(|e| e.expired(chain.now));
    let (burns, others): (Vec<&Exception>, Vec<&Exception>) =
        in_force.into_iter().partition(|e| e.kind == DIRECT_BURN);
    let (sequence, mut ledger_totals) = (sequence(ledger, conflicts, chain), totals(ledger));
    let (supply, burns_used) = supply(ledger, chain, &burns);
    ledger_totals.acknowledged_burns = burns
        .iter()
        .zip(&burns_used)
        .filter(|(_, used)| **used)
        .map(|(burn, _)| u128::from(burn.amount.unwrap_or(0)))
        .sum();
    ledger_totals.supply -= i128::try_from(ledger_totals.acknowledged_burns).unwrap_or(i128::MAX);
    let (bank, mut bank_totals) = bank(ledger, bank_ledger, chain, policy);
    let payouts = payouts(ledger, bank_ledger, chain, policy, &mut bank_totals);
    let mut checks = vec![
        sequence,
        supply,
        bank,
        redemptions(ledger, chain, policy),
        reserves(ledger, chain, policy),
        payouts,
    ];
    let mut used = vec![false; others.len()];
    for check in &mut checks {
        check.acknowledge(&others, &mut used);
    }
    let mut findings: Vec<Finding> = expired
        .iter()
        .map(|e| Finding::ExceptionExpired {
            id: e.id.clone(),
            exception_kind: e.kind.clone(),
            expired_at: e.expires.clone(),
        })
        .collect();
    let unused = burns
        .iter()
        .zip(&burns_used)
        .chain(others.iter().zip(&used))
        .filter(|(_, used)| !**used);
    findings.extend(unused.map(|(e, _)| Finding::ExceptionUnmatched {
        id: e.id.clone(),
        exception_kind: e.kind.clone(),
    }));
    checks.push(Check::new("exceptions", findings));
    Report {
        ok: checks.iter().all(|c| c.ok),
        chain: chain.clone(),
        ledger: ledger_totals,
        bank: bank_totals,
        reserves: coverage(ledger, chain),
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
        if row.name == usd1_client::events::UNDECODABLE {
            findings.push(Finding::UndecodableEvent {
                event: EventRef::of(row),
            });
        }
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
/// `burns` (acknowledged burns outside the program) lower the running total after their
/// `after_seq`; one counts (its flag in the result) only when the next supply the chain
/// recorded (the next event's, or the mint's now) agrees with it applied, so a wrong entry
/// is never taken on trust and a second, unexplained burn still shows.
fn supply(ledger: &[LedgerRow], chain: &ChainState, burns: &[&Exception]) -> (Check, Vec<bool>) {
    let mut used = vec![false; burns.len()];
    let mut findings = Vec::new();
    let mut running: i128 = 0;
    // burns applied since the last recorded supply, waiting for it to confirm them
    let mut pending: Vec<usize> = Vec::new();
    let mut settle = |pending: &mut Vec<usize>, recorded: u64, running: &mut i128| {
        if i128::from(recorded) == *running {
            for index in pending.drain(..) {
                used[index] = true;
            }
        } else {
            for index in pending.drain(..) {
                *running += i128::from(burns[index].amount.unwrap_or(0));
            }
        }
    };
    let mut diverged = false;
    // the last recorded supply agreed: only then can a burn after it be told apart
    let mut agreed = true;
    for row in ledger {
        if let Some(change) = supply_change(row) {
            running += change;
        }
        // every supply-changing event (and an attestation) records the supply it left
        if let Some(recorded) = row.supply_after {
            settle(&mut pending, recorded, &mut running);
            agreed = i128::from(recorded) == running;
            if !diverged && !agreed {
                findings.push(Finding::SupplyTrailDiverges {
                    event: EventRef::of(row),
                    event_supply: recorded,
                    ledger_supply: running,
                });
                diverged = true;
            }
        }
        for (index, burn) in burns.iter().enumerate() {
            if agreed && burn.after_seq == Some(row.seq) {
                running -= i128::from(burn.amount.unwrap_or(0));
                pending.push(index);
            }
        }
    }
    settle(&mut pending, chain.supply, &mut running);
    if running != i128::from(chain.supply) {
        findings.insert(
            0,
            Finding::SupplyMismatch {
                ledger_supply: running,
                chain_supply: chain.supply,
                through_seq: chain.event_seq,
            },
        );
    }
    let mut check = Check::new("supply", findings);
    check.acknowledged = burns
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(burn, _)| {
            Acknowledged::new(
                burn,
                Finding::DirectBurn {
                    after_seq: burn.after_seq.unwrap_or(0),
                    amount: burn.amount.unwrap_or(0),
                    signature: burn.signature.clone().unwrap_or_default(),
                    account: burn.account.clone(),
                },
            )
        })
        .collect();
    (check, used)
}

/// Every Minted request id has a bank credit of the same amount and a value date no later
/// than the mint's local date; every credit past its SLA was minted exactly once, unless
/// reversed; no minted credit was reversed.
fn bank(
    ledger: &[LedgerRow],
    bank_ledger: &BankLedger,
    chain: &ChainState,
    policy: &Policy,
) -> (Check, BankTotals) {
    let mut findings = Vec::new();
    let credits: Vec<&BankEntry> = bank_ledger.of(EntryKind::Credit).collect();
    let mut by_id: HashMap<[u8; 32], Vec<&BankEntry>> = HashMap::with_capacity(credits.len());
    for credit in &credits {
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
        let Some(credit) = by_id.get(&id).and_then(|list| list.first()) else {
            findings.push(Finding::MintWithoutCredit {
                event: EventRef::of(row),
                request_id: show_request_id(&id),
                amount,
            });
            continue;
        };
        if credit.amount != amount {
            findings.push(Finding::AmountMismatch {
                event: EventRef::of(row),
                request_id: show_request_id(&id),
                minted: amount,
                credited: credit.amount,
                credit_line: credit.line,
            });
        }
        let minted_on = policy.calendar.local_date(row.block_time);
        if credit.value_date > minted_on {
            findings.push(Finding::MintedBeforeFunding {
                event: EventRef::of(row),
                request_id: show_request_id(&id),
                minted_on: minted_on.to_string(),
                value_date: credit.value_date.to_string(),
                credit_line: credit.line,
            });
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
    let mut reversed = std::collections::HashSet::new();
    for reversal in bank_ledger.of(EntryKind::Reversal) {
        reversed.insert(reversal.request_id);
        if let Some(row) = mints
            .get(&reversal.request_id)
            .and_then(|rows| rows.first())
        {
            findings.push(Finding::MintedCreditReversed {
                event: EventRef::of(row),
                request_id: show_request_id(&reversal.request_id),
                minted: row.amount.unwrap_or(0),
                reversed: reversal.amount,
                reversal_line: reversal.line,
            });
        } else if !by_id.contains_key(&reversal.request_id) {
            findings.push(Finding::ReversalWithoutCredit {
                request_id: show_request_id(&reversal.request_id),
                amount: reversal.amount,
                reversal_line: reversal.line,
            });
        }
    }
    let mut totals = BankTotals {
        credits: credits.len() as u64,
        ..BankTotals::default()
    };
    let mut seen = std::collections::HashSet::new();
    for credit in &credits {
        if !seen.insert(credit.request_id) {
            continue;
        }
        let minted = mints
            .get(&credit.request_id)
            .map_or(&[][..], |v| v.as_slice());
        let due = policy
            .calendar
            .at(credit.value_date, policy.cutoff)
            .saturating_add(policy.credit_sla);
        match minted {
            [] if reversed.contains(&credit.request_id) => totals.reversed += 1,
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

/// When the bank ledger lists payouts: every settlement past the SLA has a debit carrying its
/// settlement reference, for its amount; every debit past the SLA has its settlement.
fn payouts(
    ledger: &[LedgerRow],
    bank_ledger: &BankLedger,
    chain: &ChainState,
    policy: &Policy,
    totals: &mut BankTotals,
) -> Check {
    totals.payouts_listed = bank_ledger.lists_payouts;
    let mut findings = Vec::new();
    if !bank_ledger.lists_payouts {
        return Check::new("payouts", findings);
    }
    let mut debits: HashMap<[u8; 32], Vec<&BankEntry>> = HashMap::new();
    for debit in bank_ledger.of(EntryKind::Debit) {
        totals.debits += 1;
        debits.entry(debit.request_id).or_default().push(debit);
    }
    let mut duplicates: Vec<_> = debits.iter().filter(|(_, list)| list.len() > 1).collect();
    duplicates.sort_by_key(|(_, list)| list[0].line);
    for (reference, list) in duplicates {
        findings.push(Finding::DuplicatePayout {
            settlement_reference: show_request_id(reference),
            debit_lines: list.iter().map(|d| d.line).collect(),
        });
    }
    let mut settled = std::collections::HashSet::new();
    for row in ledger.iter().filter(|r| r.name == "RedemptionSettled") {
        let (Some(reference), Some(id), Some(amount)) = (row.settlement, row.reference, row.amount)
        else {
            continue;
        };
        settled.insert(reference);
        let due = row.block_time.saturating_add(policy.credit_sla);
        match debits.get(&reference).and_then(|list| list.first()) {
            None if chain.now >= due => findings.push(Finding::SettlementWithoutPayout {
                event: EventRef::of(row),
                redemption_id: usd1_client::events::hex32(&id),
                settlement_reference: show_request_id(&reference),
                amount,
                due_by: iso(due),
            }),
            None => {}
            Some(debit) if debit.amount != amount => findings.push(Finding::PayoutAmountMismatch {
                event: EventRef::of(row),
                redemption_id: usd1_client::events::hex32(&id),
                settlement_reference: show_request_id(&reference),
                settled: amount,
                paid: debit.amount,
                debit_line: debit.line,
            }),
            Some(_) => totals.payouts_matched += 1,
        }
    }
    let mut unsettled: Vec<&BankEntry> = debits
        .iter()
        .filter(|(reference, _)| !settled.contains(*reference))
        .map(|(_, list)| list[0])
        .collect();
    unsettled.sort_by_key(|d| d.line);
    for debit in unsettled {
        let due = policy
            .calendar
            .at(debit.value_date, policy.cutoff)
            .saturating_add(policy.credit_sla);
        if chain.now >= due {
            findings.push(Finding::PayoutWithoutSettlement {
                settlement_reference: show_request_id(&debit.request_id),
                amount: debit.amount,
                value_date: debit.value_date.to_string(),
                debit_line: debit.line,
                due_by: iso(due),
            });
        }
    }
    Check::new("payouts", findings)
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

/// What open redemptions (requested, neither settled nor refunded) are owed.
fn owed_to_open_redemptions(ledger: &[LedgerRow]) -> u128 {
    let resolved: std::collections::HashSet<[u8; 32]> = ledger
        .iter()
        .filter(|r| matches!(r.name.as_str(), "RedemptionSettled" | "RedemptionRefunded"))
        .filter_map(|r| r.reference)
        .collect();
    ledger
        .iter()
        .filter(|r| r.name == "RedemptionRequested")
        .filter(|r| r.reference.is_some_and(|id| !resolved.contains(&id)))
        .map(|r| u128::from(r.amount.unwrap_or(0)))
        .sum()
}

/// The last reserve attestation covers the supply plus what open redemptions are owed (their
/// tokens are burned, their dollars not yet paid), and is recent enough.
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
            let open_redemptions = owed_to_open_redemptions(ledger);
            let required = u128::from(chain.supply) + open_redemptions;
            if u128::from(attested) < required {
                findings.push(Finding::AttestationShort {
                    event: EventRef::of(row),
                    attested,
                    chain_supply: chain.supply,
                    open_redemptions,
                    required,
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
        let _ =
            writeln!(
            out,
            "  ledger: {} events; minted {} - redeemed {} + refunded {} - seized-burned {}{} = {}",
            self.ledger.events,
            self.ledger.minted,
            self.ledger.redeemed,
            self.ledger.refunded,
            self.ledger.seized_burned,
            if self.ledger.acknowledged_burns > 0 {
                format!(" - acknowledged direct burns {}", self.ledger.acknowledged_burns)
            } else {
                String::new()
            },
            self.ledger.supply
        );
        let _ = writeln!(
            out,
            "  bank:   {} credits, {} matched, {} pending within SLA, {} reversed; {}",
            self.bank.credits,
            self.bank.matched,
            self.bank.pending,
            self.bank.reversed,
            if self.bank.payouts_listed {
                format!(
                    "{} payouts, {} matched to settlements",
                    self.bank.debits, self.bank.payouts_matched
                )
            } else {
                "payouts not checked (the bank ledger has no type column)".to_string()
            }
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
            for ack in &check.acknowledged {
                let _ = writeln!(
                    out,
                    "    ~ acknowledged by {} (approved by {}, until {}: {}): {}",
                    ack.exception, ack.approved_by, ack.expires, ack.reason, ack.finding
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exceptions;

    const MINT: &str = "So11111111111111111111111111111111111111112";

    fn row(seq: u64, name: &str, amount: u64, supply_after: u64) -> LedgerRow {
        LedgerRow {
            seq,
            name: name.into(),
            signature: format!("sig-{seq}"),
            block_time: 1_800_000_000,
            reference: Some([seq as u8; 32]),
            account: None,
            amount: Some(amount),
            supply_after: Some(supply_after),
            as_of: Some(1_800_000_000),
            settlement: None,
        }
    }

    fn chain(supply: u64, event_seq: u64) -> ChainState {
        ChainState {
            mint: MINT.into(),
            issuer: String::new(),
            event_seq,
            supply,
            decimals: 6,
            now: 1_800_000_100,
            reserve_max_age: 0,
            paused: false,
        }
    }

    fn burn(id: &str, after_seq: u64, amount: u64, expires: &str) -> Exception {
        let signature = solana_sdk::signature::Signature::from([1u8; 64]);
        exceptions::parse(&format!(
            "[[exception]]\nid = \"{id}\"\nkind = \"direct_burn\"\nmint = \"{MINT}\"\n\
             after_seq = {after_seq}\namount = {amount}\nsignature = \"{signature}\"\n\
             reason = \"reviewed\"\napproved_by = \"ops\"\nexpires = {expires}\n"
        ))
        .unwrap()
        .remove(0)
    }

    /// Minted 100 (#1), a direct burn of 3, minted 10 (#2, supply 107), attested (#3).
    fn burned_ledger() -> Vec<LedgerRow> {
        vec![
            row(1, "Minted", 100, 100),
            row(2, "Minted", 10, 107),
            row(3, "ReservesAttested", 1_000, 107),
        ]
    }

    /// Runs the checks with every mint of `ledger` credited unless `uncredited`.
    fn run_credited(
        ledger: &[LedgerRow],
        chain: &ChainState,
        exceptions: Vec<Exception>,
        uncredited: bool,
    ) -> Report {
        let policy = Policy {
            exceptions,
            ..Policy::default()
        };
        let entries: Vec<BankEntry> = ledger
            .iter()
            .filter(|r| r.name == "Minted" && !uncredited)
            .map(|r| BankEntry {
                line: r.seq + 1,
                kind: EntryKind::Credit,
                mint: None,
                request_id: r.reference.unwrap(),
                amount: r.amount.unwrap(),
                value_date: crate::calendar::utc_date(r.block_time),
                reference: String::new(),
            })
            .collect();
        let bank = BankLedger {
            entries,
            ..BankLedger::default()
        };
        run(ledger, &[], chain, &bank, &policy)
    }

    fn run_with(ledger: &[LedgerRow], chain: &ChainState, exceptions: Vec<Exception>) -> Report {
        run_credited(ledger, chain, exceptions, false)
    }

    fn check<'a>(report: &'a Report, name: &str) -> &'a Check {
        report.checks.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn an_acknowledged_direct_burn_is_counted_where_it_happened() {
        let ledger = burned_ledger();
        let unexplained = run_with(&ledger, &chain(107, 3), vec![]);
        assert!(matches!(
            check(&unexplained, "supply").findings[..],
            [
                Finding::SupplyMismatch {
                    ledger_supply: 110,
                    chain_supply: 107,
                    through_seq: 3
                },
                Finding::SupplyTrailDiverges {
                    event_supply: 107,
                    ledger_supply: 110,
                    ..
                }
            ]
        ));
        let report = run_with(
            &ledger,
            &chain(107, 3),
            vec![burn("E-1", 1, 3, "2030-01-01")],
        );
        assert!(report.ok, "{}", report.text());
        let supply = check(&report, "supply");
        assert!(matches!(
            supply.acknowledged[..],
            [Acknowledged { ref exception, finding: Finding::DirectBurn { after_seq: 1, amount: 3, .. }, .. }]
                if exception == "E-1"
        ));
        assert_eq!(
            (report.ledger.acknowledged_burns, report.ledger.supply),
            (3, 107)
        );
        assert!(report.text().contains("acknowledged direct burns 3 = 107"));
    }

    #[test]
    fn a_wrong_or_second_burn_still_fails() {
        let ledger = burned_ledger();
        // the burn placed after the wrong event, or of the wrong amount: not taken on trust
        for wrong in [
            burn("E-1", 2, 3, "2030-01-01"),
            burn("E-1", 1, 2, "2030-01-01"),
        ] {
            let report = run_with(&ledger, &chain(107, 3), vec![wrong]);
            assert!(!report.ok);
            assert!(check(&report, "supply").acknowledged.is_empty());
            assert!(matches!(
                check(&report, "supply").findings[..],
                [
                    Finding::SupplyMismatch {
                        ledger_supply: 110,
                        ..
                    },
                    Finding::SupplyTrailDiverges {
                        ledger_supply: 110,
                        ..
                    }
                ]
            ));
            assert!(matches!(&check(&report, "exceptions").findings[..],
                [Finding::ExceptionUnmatched { id, exception_kind }] if id == "E-1" && exception_kind == "direct_burn"));
        }
        // a second burn of 1 after #3: the first stays acknowledged, the supply fails
        let report = run_with(
            &ledger,
            &chain(106, 3),
            vec![burn("E-1", 1, 3, "2030-01-01")],
        );
        assert_eq!(check(&report, "supply").acknowledged.len(), 1);
        assert!(matches!(
            check(&report, "supply").findings[..],
            [Finding::SupplyMismatch {
                ledger_supply: 107,
                chain_supply: 106,
                through_seq: 3
            }]
        ));
        assert!(check(&report, "exceptions").ok);
        // a burn after the last event is confirmed by the mint's supply
        let report = run_with(
            &ledger,
            &chain(106, 3),
            vec![
                burn("E-1", 1, 3, "2030-01-01"),
                burn("E-2", 3, 1, "2030-01-01"),
            ],
        );
        assert!(report.ok, "{}", report.text());
        assert_eq!(report.ledger.acknowledged_burns, 4);
    }

    #[test]
    fn an_expired_exception_acknowledges_nothing() {
        let ledger = burned_ledger();
        // expires 2027-01-01; the chain's clock is in 2027
        let report = run_with(
            &ledger,
            &chain(107, 3),
            vec![burn("E-1", 1, 3, "2027-01-01")],
        );
        assert!(!check(&report, "supply").ok);
        assert!(matches!(&check(&report, "exceptions").findings[..],
            [Finding::ExceptionExpired { id, expired_at, .. }] if id == "E-1" && expired_at == "2027-01-02T00:00:00Z"));
        // another mint's entries are not this run's business
        let mut other = burn("E-1", 1, 3, "2030-01-01");
        other.mint = anchor_lang::prelude::Pubkey::new_unique().to_string();
        let report = run_with(&ledger, &chain(107, 3), vec![other]);
        assert!(check(&report, "exceptions").ok);
        assert!(!check(&report, "supply").ok);
    }

    #[test]
    fn findings_are_acknowledged_by_their_evidence() {
        // a mint with no credit: acknowledged by its request id, not by another's
        let ledger = vec![row(1, "Minted", 100, 100)];
        let request = show_request_id(&[1u8; 32]);
        let entry = |id: &str, evidence: &str| {
            exceptions::parse(&format!(
                "[[exception]]\nid = \"{id}\"\nkind = \"mint_without_credit\"\nmint = \"{MINT}\"\n\
                 {evidence}\nreason = \"r\"\napproved_by = \"ops\"\nexpires = 2030-01-01\n"
            ))
            .unwrap()
            .remove(0)
        };
        let mut chain = chain(100, 1);
        chain.reserve_max_age = 3600;
        let attest = row(2, "ReservesAttested", 1_000, 100);
        let ledger = [ledger, vec![attest]].concat();
        let chain = ChainState {
            event_seq: 2,
            ..chain
        };
        let report = run_credited(
            &ledger,
            &chain,
            vec![entry(
                "E-1",
                &format!("request_id = {request:?}\namount = 100"),
            )],
            true,
        );
        assert!(report.ok, "{}", report.text());
        assert_eq!(
            check(&report, "bank_ledger").acknowledged[0].exception,
            "E-1"
        );
        let entries = vec![
            entry("E-1", "seq = 1\namount = 99"),
            entry("E-2", "request_id = \"other\""),
        ];
        let report = run_credited(&ledger, &chain, entries, true);
        assert!(!report.ok);
        assert_eq!(check(&report, "bank_ledger").findings.len(), 1);
        assert_eq!(check(&report, "exceptions").findings.len(), 2);
    }

    /// One finding of each kind an exception may acknowledge.
    fn acknowledgeable() -> Vec<Finding> {
        let e = || EventRef {
            seq: 1,
            signature: "s".into(),
        };
        let t = String::new;
        vec![
            Finding::MintWithoutCredit {
                event: e(),
                request_id: t(),
                amount: 1,
            },
            Finding::AmountMismatch {
                event: e(),
                request_id: t(),
                minted: 1,
                credited: 2,
                credit_line: 2,
            },
            Finding::CreditNotMinted {
                request_id: t(),
                amount: 1,
                value_date: t(),
                reference: t(),
                credit_line: 2,
                due_by: t(),
            },
            Finding::MintedTwice {
                request_id: t(),
                events: vec![e()],
                amounts: vec![1],
            },
            Finding::DuplicateCredit {
                request_id: t(),
                credit_lines: vec![2],
            },
            Finding::LateRedemption {
                event: e(),
                redemption_id: t(),
                amount: 1,
                requested_at: t(),
                due_by: t(),
                outcome: t(),
                resolved_at: None,
                resolution: None,
            },
            Finding::ResolutionWithoutRequest {
                event: e(),
                redemption_id: t(),
            },
            Finding::ResolvedTwice {
                redemption_id: t(),
                events: vec![e()],
            },
            Finding::AttestationShort {
                event: e(),
                attested: 1,
                chain_supply: 2,
                open_redemptions: 0,
                required: 2,
            },
            Finding::AttestationStale {
                event: e(),
                as_of: t(),
                age_seconds: 1,
                max_age_seconds: 1,
            },
            Finding::UndecodableEvent { event: e() },
            Finding::MintedBeforeFunding {
                event: e(),
                request_id: t(),
                minted_on: t(),
                value_date: t(),
                credit_line: 2,
            },
            Finding::MintedCreditReversed {
                event: e(),
                request_id: t(),
                minted: 1,
                reversed: 1,
                reversal_line: 2,
            },
            Finding::ReversalWithoutCredit {
                request_id: t(),
                amount: 1,
                reversal_line: 2,
            },
            Finding::SettlementWithoutPayout {
                event: e(),
                redemption_id: t(),
                settlement_reference: t(),
                amount: 1,
                due_by: t(),
            },
            Finding::PayoutAmountMismatch {
                event: e(),
                redemption_id: t(),
                settlement_reference: t(),
                settled: 1,
                paid: 2,
                debit_line: 2,
            },
            Finding::PayoutWithoutSettlement {
                settlement_reference: t(),
                amount: 1,
                value_date: t(),
                debit_line: 2,
                due_by: t(),
            },
            Finding::DuplicatePayout {
                settlement_reference: t(),
                debit_lines: vec![2],
            },
        ]
    }

    #[test]
    fn an_exception_may_name_exactly_the_evidence_a_finding_carries() {
        for finding in acknowledgeable() {
            let allowed = crate::exceptions::evidence_fields(finding.kind())
                .unwrap_or_else(|| panic!("{} cannot be acknowledged", finding.kind()));
            assert_eq!(finding.evidence().fields(), allowed, "{}", finding.kind());
        }
        for never in [
            Finding::MissingEvents { from: 1, to: 1 },
            Finding::NoAttestation { chain_supply: 1 },
        ] {
            assert!(crate::exceptions::evidence_fields(never.kind()).is_none());
        }
    }

    #[test]
    fn kinds_are_the_reports_tags() {
        let event = EventRef {
            seq: 1,
            signature: "s".into(),
        };
        for finding in [
            Finding::MissingEvents { from: 1, to: 1 },
            Finding::SupplyTrailDiverges {
                event: event.clone(),
                event_supply: 1,
                ledger_supply: 2,
            },
            Finding::CreditNotMinted {
                request_id: "r".into(),
                amount: 1,
                value_date: String::new(),
                reference: String::new(),
                credit_line: 1,
                due_by: String::new(),
            },
            Finding::ResolutionWithoutRequest {
                event: event.clone(),
                redemption_id: "r".into(),
            },
            Finding::AttestationStale {
                event,
                as_of: String::new(),
                age_seconds: 1,
                max_age_seconds: 1,
            },
            Finding::DirectBurn {
                after_seq: 1,
                amount: 1,
                signature: String::new(),
                account: None,
            },
            Finding::ExceptionExpired {
                id: "e".into(),
                exception_kind: "k".into(),
                expired_at: String::new(),
            },
            Finding::ExceptionUnmatched {
                id: "e".into(),
                exception_kind: "k".into(),
            },
        ] {
            assert_eq!(
                serde_json::to_value(&finding).unwrap()["kind"],
                finding.kind()
            );
        }
    }
}
