//! What the watcher alerts on, as pure rules over stored events and reports. Every alert has
//! an id that is also its webhook idempotency key, built from what it is about (the event's
//! seq, the finding's evidence, the minter and window, the attestation), so raising the same
//! alert again (another cycle, a restart) is a no-op in the outbox.
use anchor_lang::prelude::Pubkey;
use chrono::{NaiveTime, Timelike};
use serde::Serialize;
use serde_json::{json, Value};
use usd1_client::events::{Emitted, Event};

use crate::calendar::Calendar;
use crate::checks::{Finding, Report};

/// Where the runbook answers each alert (docs/runbook.md).
pub const RUNBOOK_RECONCILER: &str =
    "docs/runbook.md#9-the-reconciler-fails-review-then-fix-or-record-an-exception";
pub const RUNBOOK_MINTER_KEY: &str = "docs/runbook.md#4-incident-stolen-minter-key";
pub const RUNBOOK_MEMBER_KEY: &str = "docs/runbook.md#5-incident-compromised-member-key";
pub const RUNBOOK_RESERVES: &str = "docs/runbook.md#6-incident-wrong-reserve-attestation";
pub const RUNBOOK_UPGRADE: &str = "docs/runbook.md#8-upgrading-the-program-a-stolen-deployer-key";
pub const RUNBOOK_HALT: &str = "docs/runbook.md#3-incident-chain-halt-or-congestion-mid-issuance";
pub const RUNBOOK_WATCH: &str = "docs/runbook.md#10-usd1-watch-alerts";

/// One alert: what is POSTed, and kept in the outbox until delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Unique per situation; the webhook's `Idempotency-Key`.
    pub id: String,
    /// `check_failed`, `privileged_event`, `large_mint`, `mint_outside_hours`,
    /// `allowance_usage`, `reserve_coverage` or `watcher_behind`.
    pub kind: &'static str,
    /// `critical` (act now) or `warning` (look today).
    pub severity: &'static str,
    /// The mint it is about (empty for the watcher's own alerts).
    pub mint: String,
    /// One line for a person.
    pub summary: String,
    /// The runbook section that answers it.
    pub runbook: &'static str,
    /// The evidence: the event, the finding, the numbers.
    pub details: Value,
}

/// The thresholds, resolved against the mint (amounts in base units).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub large_mint: Option<u64>,
    /// Local business hours [start, end) on the calendar's business days.
    pub business_hours: Option<(NaiveTime, NaiveTime)>,
    pub calendar: Calendar,
    /// (percent, window seconds).
    pub allowance_share: Option<(u32, i64)>,
    pub reserve_margin_bps: Option<u32>,
}

/// A stored event as the rules read it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub mint: Pubkey,
    pub seq: u64,
    pub signature: String,
    pub slot: u64,
    pub block_time: i64,
    pub event: Emitted,
}

impl StoredEvent {
    fn details(&self) -> Value {
        let text = match &self.event {
            Emitted::Event(event) => event.to_string(),
            Emitted::Unknown(_) => "an event this watcher cannot decode".to_string(),
        };
        json!({
            "seq": self.seq,
            "name": self.event.name(),
            "signature": self.signature,
            "slot": self.slot,
            "block_time": self.block_time,
            "event": text,
        })
    }
}

/// The privileged class of an event (what it changed), or None for routine issuance,
/// redemption and attestation.
pub fn privileged(name: &str) -> Option<&'static str> {
    Some(match name {
        "MembersChanged" | "RolesChanged" | "KeyAccepted" => "roles",
        "IssuerInitialized" | "ProposalCreated" | "ProposalApproved" | "ProposalRejected"
        | "ProposalCancelled" | "ProposalExecuted" | "ProposalClosed" | "ProposalVetoed" => {
            "governance"
        }
        "LimitsChanged"
        | "ExecutionWindowChanged"
        | "MinterConfigured"
        | "MinterRemoved"
        | "AllowanceRaised"
        | "AllowanceDecreased"
        | "AllowanceBudgetChanged"
        | "MetadataUpdated" => "limits",
        "Paused" | "Unpaused" | "IssuancePaused" | "IssuanceResumed" => "pause",
        "MinterSuspended" => "suspension",
        "UpgradeAuthorityReceived" | "ProgramUpgraded" | "UpgradeAuthorityChanged" => "upgrade",
        "Seized" => "seizure",
        "AccountFrozen" | "AccountThawed" => "freeze",
        _ => return None,
    })
}

fn privileged_runbook(class: &str) -> &'static str {
    match class {
        "roles" | "governance" => RUNBOOK_MEMBER_KEY,
        "upgrade" => RUNBOOK_UPGRADE,
        "suspension" | "limits" => RUNBOOK_MINTER_KEY,
        _ => "docs/runbook.md#7a-incident-holders-tokens-at-risk-an-exploit-in-progress",
    }
}

/// Whether `unix` falls outside `hours` on a business day of `calendar` (weekends and
/// holidays are outside all day).
pub fn outside_hours(calendar: &Calendar, hours: (NaiveTime, NaiveTime), unix: i64) -> bool {
    let Some(utc) = chrono::DateTime::from_timestamp(unix, 0) else {
        return true;
    };
    let local = utc.with_timezone(&calendar.zone());
    if !calendar.is_business_day(local.date_naive()) {
        return true;
    }
    let time = NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second())
        .unwrap_or(NaiveTime::MIN);
    time < hours.0 || time >= hours.1
}

/// A minter's use of its allowance over a window ending at one of its mints: `used` is
/// what it minted in the window (that mint included), `available` what it could have (used +
/// the allowance left after the mint). Over the threshold when used > percent × available.
pub fn allowance_over(used: u128, allowance_after: u64, percent: u32) -> bool {
    let available = used + u128::from(allowance_after);
    used * 100 > u128::from(percent) * available
}

/// The alerts one newly stored event raises. `window_used` is, for a Minted event, what its
/// minter minted within the allowance window ending at it (the event included).
pub fn event_alerts(rules: &Rules, event: &StoredEvent, window_used: Option<u128>) -> Vec<Alert> {
    let mint = event.mint.to_string();
    let mut alerts = Vec::new();
    if let Some(class) = privileged(event.event.name()) {
        alerts.push(Alert {
            id: format!("event:{mint}:{}", event.seq),
            kind: "privileged_event",
            severity: if matches!(class, "governance" | "freeze") {
                "warning"
            } else {
                "critical"
            },
            mint: mint.clone(),
            summary: format!("{} ({class}) at #{}", event.event.name(), event.seq),
            runbook: privileged_runbook(class),
            details: json!({ "class": class, "event": event.details() }),
        });
    }
    let Emitted::Event(Event::Minted(minted)) = &event.event else {
        return alerts;
    };
    if let Some(threshold) = rules.large_mint.filter(|t| minted.amount >= *t) {
        alerts.push(Alert {
            id: format!("large_mint:{mint}:{}", event.seq),
            kind: "large_mint",
            severity: "warning",
            mint: mint.clone(),
            summary: format!(
                "mint of {} base units at #{} (threshold {threshold}) by {}",
                minted.amount, event.seq, minted.minter
            ),
            runbook: RUNBOOK_MINTER_KEY,
            details: json!({ "amount": minted.amount, "threshold": threshold, "minter": minted.minter.to_string(), "event": event.details() }),
        });
    }
    if let Some(hours) = rules
        .business_hours
        .filter(|h| outside_hours(&rules.calendar, *h, event.block_time))
    {
        alerts.push(Alert {
            id: format!("mint_outside_hours:{mint}:{}", event.seq),
            kind: "mint_outside_hours",
            severity: "warning",
            mint: mint.clone(),
            summary: format!(
                "mint at #{} at {} local, outside business hours {}-{} ({})",
                event.seq,
                chrono::DateTime::from_timestamp(event.block_time, 0)
                    .map(|t| t
                        .with_timezone(&rules.calendar.zone())
                        .format("%a %Y-%m-%d %H:%M")
                        .to_string())
                    .unwrap_or_default(),
                hours.0.format("%H:%M"),
                hours.1.format("%H:%M"),
                rules.calendar.zone()
            ),
            runbook: RUNBOOK_MINTER_KEY,
            details: json!({ "minter": minted.minter.to_string(), "event": event.details() }),
        });
    }
    if let (Some((percent, window)), Some(used)) = (rules.allowance_share, window_used) {
        if allowance_over(used, minted.allowance_after, percent) {
            // once per minter and window
            let bucket = event.block_time.div_euclid(window.max(1));
            alerts.push(Alert {
                id: format!("allowance_usage:{mint}:{}:{bucket}", minted.minter),
                kind: "allowance_usage",
                severity: "critical",
                mint: mint.clone(),
                summary: format!(
                    "minter {} used {used} of {} base units of allowance within {window}s (over {percent}%)",
                    minted.minter,
                    used + u128::from(minted.allowance_after)
                ),
                runbook: RUNBOOK_MINTER_KEY,
                details: json!({
                    "minter": minted.minter.to_string(),
                    "used": used.to_string(),
                    "allowance_after": minted.allowance_after,
                    "percent": percent,
                    "window_seconds": window,
                    "event": event.details(),
                }),
            });
        }
    }
    alerts
}

/// The stable identity of a finding: its kind and the evidence that does not change while it
/// stays the same discrepancy (never an age or a running total).
pub fn finding_id(finding: &Finding) -> String {
    let evidence = finding.evidence();
    let what = match finding {
        Finding::MissingEvents { from, to } => format!("{from}-{to}"),
        Finding::DuplicateSeq {
            seq,
            other_signature,
            ..
        } => format!("{seq}:{other_signature}"),
        Finding::SupplyMismatch {
            ledger_supply,
            chain_supply,
            ..
        } => format!("difference:{}", i128::from(*chain_supply) - ledger_supply),
        Finding::SupplyTrailDiverges { event, .. } => event.seq.to_string(),
        Finding::NoAttestation { .. } => String::new(),
        Finding::DirectBurn { signature, .. } => signature.clone(),
        Finding::ExceptionExpired { id, .. } | Finding::ExceptionUnmatched { id, .. } => id.clone(),
        _ => {
            let mut parts = Vec::new();
            if let Some(seq) = evidence.seq {
                parts.push(seq.to_string());
            }
            parts.extend(
                [
                    evidence.request_id,
                    evidence.redemption_id,
                    evidence.settlement_reference,
                ]
                .into_iter()
                .flatten()
                .map(str::to_string),
            );
            if let Some(amount) = evidence.amount {
                parts.push(amount.to_string());
            }
            parts.join(":")
        }
    };
    format!("{}:{what}", finding.kind())
}

/// An alert per open (unacknowledged) finding of `report`.
pub fn finding_alerts(mint: &Pubkey, report: &Report) -> Vec<Alert> {
    report
        .checks
        .iter()
        .flat_map(|check| check.findings.iter().map(move |f| (check.name, f)))
        .map(|(check, finding)| Alert {
            id: format!("finding:{mint}:{}", finding_id(finding)),
            kind: "check_failed",
            severity: "critical",
            mint: mint.to_string(),
            summary: format!("{check}: {finding}"),
            runbook: match finding {
                Finding::AttestationShort { .. }
                | Finding::AttestationStale { .. }
                | Finding::NoAttestation { .. } => RUNBOOK_RESERVES,
                _ => RUNBOOK_RECONCILER,
            },
            details: json!({ "check": check, "finding": finding }),
        })
        .collect()
}

/// The reserve-coverage alert: the last attestation under (supply + open redemptions) ×
/// (1 + margin), once per attestation. None when coverage is fine or nothing is attested.
pub fn coverage_alert(rules: &Rules, mint: &Pubkey, report: &Report) -> Option<Alert> {
    let margin = rules.reserve_margin_bps?;
    let coverage = report.reserves.as_ref()?;
    let wanted = coverage.required * (10_000 + u128::from(margin));
    if u128::from(coverage.attested) * 10_000 >= wanted {
        return None;
    }
    let ratio_bps = (u128::from(coverage.attested) * 10_000)
        .checked_div(coverage.required)
        .unwrap_or(0);
    Some(Alert {
        id: format!("reserve_coverage:{mint}:{}", coverage.attestation_seq),
        kind: "reserve_coverage",
        severity: "critical",
        mint: mint.to_string(),
        summary: format!(
            "reserves {} cover {}.{:02}% of supply plus open redemptions {} (margin wanted {margin} bps)",
            coverage.attested,
            ratio_bps / 100,
            ratio_bps % 100,
            coverage.required
        ),
        runbook: RUNBOOK_RESERVES,
        details: json!({
            "attested": coverage.attested,
            "required": coverage.required.to_string(),
            "coverage_bps": ratio_bps.to_string(),
            "margin_bps": margin,
            "attestation_seq": coverage.attestation_seq,
        }),
    })
}

/// The watcher behind the chain: once per episode (from when it fell behind).
pub fn behind_alert(
    behind_seconds: u64,
    threshold: u64,
    episode_start: i64,
    reason: &str,
) -> Alert {
    Alert {
        id: format!("watcher_behind:{episode_start}"),
        kind: "watcher_behind",
        severity: "critical",
        mint: String::new(),
        summary: format!(
            "the watcher is {behind_seconds}s behind the chain (threshold {threshold}s): {reason}"
        ),
        runbook: RUNBOOK_WATCH,
        details: json!({ "behind_seconds": behind_seconds, "threshold_seconds": threshold, "since": episode_start, "reason": reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_time;
    use usd1_client::events::{Minted, Paused};

    fn stored(event: Event, block_time: i64) -> StoredEvent {
        StoredEvent {
            mint: event.mint(),
            seq: event.seq(),
            signature: "sig".into(),
            slot: 7,
            block_time,
            event: Emitted::Event(event),
        }
    }

    fn minted(seq: u64, amount: u64, allowance_after: u64) -> Event {
        Event::Minted(Minted {
            mint: Pubkey::new_from_array([1; 32]),
            seq,
            request_id: [seq as u8; 32],
            minter: Pubkey::new_from_array([2; 32]),
            recipient: Pubkey::new_from_array([3; 32]),
            amount,
            supply_after: amount,
            allowance_after,
        })
    }

    #[test]
    fn allowance_share_is_exact_at_the_threshold() {
        // 50 of 100 is not over 50%; 51 of 100 is
        assert!(!allowance_over(50, 50, 50));
        assert!(allowance_over(51, 49, 50));
        // all of it is not over 100%
        assert!(!allowance_over(1, 0, 100));
        assert!(allowance_over(u128::from(u64::MAX) * 3, u64::MAX, 70));
    }

    #[test]
    fn business_hours_are_local_and_skip_weekends_and_holidays() {
        let zone = crate::calendar::parse_zone("America/New_York").unwrap();
        let holiday = crate::calendar::parse_date("2026-12-25").unwrap();
        let calendar = Calendar::new([holiday]).in_zone(zone);
        let hours = (parse_time("09:00").unwrap(), parse_time("17:00").unwrap());
        // Thu 2026-12-03 14:30 UTC = 09:30 New York: inside; 13:30 UTC = 08:30: outside
        assert!(!outside_hours(&calendar, hours, 1_796_308_200));
        assert!(outside_hours(&calendar, hours, 1_796_304_600));
        // Sat 2026-12-05 15:00 UTC, and Fri 2026-12-25 15:00 UTC (a holiday)
        assert!(outside_hours(&calendar, hours, 1_796_482_800));
        assert!(outside_hours(&calendar, hours, 1_798_210_800));
    }

    #[test]
    fn each_rule_raises_its_alert_with_a_stable_id() {
        let rules = Rules {
            large_mint: Some(1_000),
            business_hours: Some((parse_time("09:00").unwrap(), parse_time("17:00").unwrap())),
            calendar: Calendar::default(),
            allowance_share: Some((50, 3_600)),
            reserve_margin_bps: None,
        };
        // Sat 2026-12-05 15:00 UTC: outside; 1,000 ≥ threshold; 1,000 of 1,500 over 50%
        let event = stored(minted(9, 1_000, 500), 1_796_482_800);
        let alerts = event_alerts(&rules, &event, Some(1_000));
        let kinds: Vec<_> = alerts.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            ["large_mint", "mint_outside_hours", "allowance_usage"]
        );
        assert_eq!(
            alerts[0].id,
            format!("large_mint:{}:9", Pubkey::new_from_array([1; 32]))
        );
        assert_eq!(
            alerts[2].id,
            format!(
                "allowance_usage:{}:{}:{}",
                Pubkey::new_from_array([1; 32]),
                Pubkey::new_from_array([2; 32]),
                1_796_482_800 / 3_600
            )
        );
        assert_eq!(event_alerts(&rules, &event, Some(1_000)), alerts);
        // below every threshold, in hours (Thu 15:00 UTC): nothing
        let quiet = stored(minted(10, 999, 10_000), 1_796_310_000);
        assert!(event_alerts(&rules, &quiet, Some(999)).is_empty());
        // a pause is privileged whatever the thresholds
        let pause = stored(
            Event::Paused(Paused {
                mint: Pubkey::new_from_array([1; 32]),
                seq: 11,
                by: Pubkey::new_from_array([4; 32]),
            }),
            0,
        );
        let alerts = event_alerts(&Rules::default(), &pause, None);
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].kind, alerts[0].severity),
            ("privileged_event", "critical")
        );
        assert_eq!(privileged("Minted"), None);
        assert_eq!(privileged("ProgramUpgraded"), Some("upgrade"));
    }

    #[test]
    fn a_finding_keeps_its_id_while_its_numbers_age() {
        let event = crate::checks::EventRef {
            seq: 4,
            signature: "s".into(),
        };
        let stale = |age| Finding::AttestationStale {
            event: event.clone(),
            as_of: "t".into(),
            age_seconds: age,
            max_age_seconds: 10,
        };
        assert_eq!(finding_id(&stale(11)), finding_id(&stale(9_999)));
        assert_eq!(finding_id(&stale(11)), "attestation_stale:4");
        let mismatch = |ledger, chain, through| Finding::SupplyMismatch {
            ledger_supply: ledger,
            chain_supply: chain,
            through_seq: through,
        };
        assert_eq!(
            finding_id(&mismatch(10, 11, 5)),
            finding_id(&mismatch(20, 21, 9))
        );
        assert_ne!(
            finding_id(&mismatch(10, 11, 5)),
            finding_id(&mismatch(10, 12, 5))
        );
    }
}
