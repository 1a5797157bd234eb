//! Reviewed exceptions: discrepancies an operator examined and accepted, each with the
//! evidence it matches, why, who approved it and until when (`usd1 reconcile --exceptions
//! FILE`, TOML). A finding an entry matches is reported as acknowledged and does not fail the
//! run; an entry that matches nothing, or has expired, is itself a finding (check
//! `exceptions`), so a file cannot quietly outlive what it was written for.
//!
//! ```toml
//! # a holder burned 3 tokens with Token-2022 directly, outside the program
//! [[exception]]
//! id = "EXC-2026-014"
//! kind = "direct_burn"
//! mint = "<mint address>"
//! after_seq = 41                # the last program event before the burn
//! amount = "3000000"            # base units
//! signature = "<the burn transaction>"
//! account = "<the token account burned from>"   # optional
//! reason = "holder burned by mistake; confirmed with the holder (OPS-1234)"
//! approved_by = "A. Smith (treasury), B. Jones (compliance)"
//! expires = 2027-03-31          # end of that day, UTC; or an RFC 3339 time with offset
//!
//! # a finding of the report, named by its evidence
//! [[exception]]
//! id = "EXC-2026-015"
//! kind = "late_redemption"
//! mint = "<mint address>"
//! redemption_id = "<hex id from the report>"
//! reason = "bank holiday not in the list; paid the next day (OPS-1240)"
//! approved_by = "A. Smith"
//! expires = 2027-01-31
//! ```
//!
//! `kind` is a finding kind of the JSON report, or `direct_burn`. Evidence fields (`seq`,
//! `signature`, `request_id`, `redemption_id`, `settlement_reference`, `amount`, `account`)
//! must all equal the finding's, and at least one that names it (any but `amount` and
//! `account`) is required. A missing event, a duplicate seq, the supply's mismatch and
//! its trail, and a missing attestation cannot be acknowledged: they mean the ledger itself
//! is incomplete or wrong (a direct burn is acknowledged as `direct_burn`, which the supply
//! check then counts, so a second unexplained burn still fails).
use std::collections::HashSet;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use solana_sdk::signature::Signature;

use crate::calendar::{iso, start_of};
use crate::checks::Finding;

/// The kind of an exception for a burn outside the program.
pub const DIRECT_BURN: &str = "direct_burn";

/// One reviewed exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// The operator's reference for the entry (unique in the file).
    pub id: String,
    /// A finding kind, or [`DIRECT_BURN`].
    pub kind: String,
    /// The mint it is for (base58): entries for other mints are left alone.
    pub mint: String,
    /// Evidence: the event seq the finding names.
    pub seq: Option<u64>,
    /// Evidence (`direct_burn`): the last program event before the burn.
    pub after_seq: Option<u64>,
    /// Evidence: the transaction (for `direct_burn`, the Token-2022 burn).
    pub signature: Option<String>,
    /// Evidence: a token account (base58).
    pub account: Option<String>,
    /// Evidence: the request id as the report shows it.
    pub request_id: Option<String>,
    /// Evidence: the redemption id (hex) as the report shows it.
    pub redemption_id: Option<String>,
    /// Evidence: a settlement (payout) reference as the report shows it.
    pub settlement_reference: Option<String>,
    /// Evidence: the amount in base units.
    pub amount: Option<u64>,
    pub reason: String,
    pub approved_by: String,
    /// When it stops counting (`YYYY-MM-DDTHH:MM:SSZ`).
    pub expires: String,
    /// The same, unix seconds.
    #[serde(skip)]
    pub expires_at: i64,
}

/// The evidence fields each acknowledgeable finding kind offers (what
/// [`Finding::evidence`] fills; a test holds the two together); None: never acknowledged.
pub(crate) fn evidence_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        DIRECT_BURN => &["after_seq", "signature", "account", "amount"],
        "mint_without_credit" | "amount_mismatch" => &["seq", "signature", "request_id", "amount"],
        "credit_not_minted" => &["request_id", "amount"],
        "minted_twice" | "duplicate_credit" => &["request_id"],
        "late_redemption" => &["seq", "signature", "redemption_id", "amount"],
        "resolution_without_request" => &["seq", "signature", "redemption_id"],
        "resolved_twice" => &["redemption_id"],
        "attestation_short" => &["seq", "signature", "amount"],
        "attestation_stale" | "undecodable_event" => &["seq", "signature"],
        "minted_before_funding" => &["seq", "signature", "request_id"],
        "minted_credit_reversed" => &["seq", "signature", "request_id", "amount"],
        "reversal_without_credit" => &["request_id", "amount"],
        "settlement_without_payout" | "payout_amount_mismatch" => &[
            "seq",
            "signature",
            "redemption_id",
            "settlement_reference",
            "amount",
        ],
        "payout_without_settlement" => &["settlement_reference", "amount"],
        "duplicate_payout" => &["settlement_reference"],
        _ => return None,
    })
}

/// What a finding can be matched on.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Evidence<'a> {
    pub seq: Option<u64>,
    pub signature: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub redemption_id: Option<&'a str>,
    pub settlement_reference: Option<&'a str>,
    pub amount: Option<u64>,
}

impl<'a> Evidence<'a> {
    /// The event a finding names.
    pub fn at(event: &'a crate::checks::EventRef) -> Self {
        Self {
            seq: Some(event.seq),
            signature: Some(&event.signature),
            ..Self::default()
        }
    }

    /// The names of the fields given.
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("seq", self.seq.is_some()),
            ("signature", self.signature.is_some()),
            ("request_id", self.request_id.is_some()),
            ("redemption_id", self.redemption_id.is_some()),
            ("settlement_reference", self.settlement_reference.is_some()),
            ("amount", self.amount.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

impl Exception {
    /// Expired at `now` (unix seconds, the chain's clock).
    pub fn expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// Every evidence field the entry gives equals the finding's.
    pub fn matches(&self, finding: &Finding) -> bool {
        if self.kind != finding.kind() {
            return false;
        }
        let evidence = finding.evidence();
        fn same<T: PartialEq>(wanted: Option<T>, found: Option<T>) -> bool {
            wanted.is_none() || wanted == found
        }
        same(self.seq, evidence.seq)
            && same(self.signature.as_deref(), evidence.signature)
            && same(self.request_id.as_deref(), evidence.request_id)
            && same(self.redemption_id.as_deref(), evidence.redemption_id)
            && same(
                self.settlement_reference.as_deref(),
                evidence.settlement_reference,
            )
            && same(self.amount, evidence.amount)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    exception: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Amount {
    Integer(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    kind: String,
    mint: String,
    seq: Option<u64>,
    after_seq: Option<u64>,
    signature: Option<String>,
    account: Option<String>,
    request_id: Option<String>,
    redemption_id: Option<String>,
    settlement_reference: Option<String>,
    amount: Option<Amount>,
    reason: String,
    approved_by: String,
    expires: toml::value::Datetime,
}

/// The unix time a TOML date (end of that day, UTC) or offset date-time stands for.
fn expiry(value: &toml::value::Datetime) -> Result<i64, String> {
    let text = value.to_string();
    match (value.date, value.time, value.offset) {
        (Some(_), None, None) => {
            let date = crate::calendar::parse_date(&text)?;
            let next = date
                .succ_opt()
                .ok_or_else(|| format!("expires {text}: out of range"))?;
            Ok(start_of(next))
        }
        (Some(_), Some(_), Some(_)) => chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.timestamp())
            .map_err(|e| format!("expires {text}: {e}")),
        _ => Err(format!(
            "expires {text}: give a date (YYYY-MM-DD) or a time with its offset (…Z, …+01:00)"
        )),
    }
}

impl Entry {
    fn check(self) -> Result<Exception, String> {
        let Some(allowed) = evidence_fields(&self.kind) else {
            return Err(format!(
                "kind {:?} cannot be acknowledged (a missing or duplicate event, the supply \
                 and a missing attestation never are; a burn outside the program is {DIRECT_BURN:?})",
                self.kind
            ));
        };
        let given: Vec<&str> = [
            ("seq", self.seq.is_some()),
            ("after_seq", self.after_seq.is_some()),
            ("signature", self.signature.is_some()),
            ("account", self.account.is_some()),
            ("request_id", self.request_id.is_some()),
            ("redemption_id", self.redemption_id.is_some()),
            ("settlement_reference", self.settlement_reference.is_some()),
            ("amount", self.amount.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if let Some(field) = given.iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "a {} finding has no {field} (its evidence: {})",
                self.kind,
                allowed.join(", ")
            ));
        }
        if self.kind == DIRECT_BURN {
            for field in ["after_seq", "signature", "amount"] {
                if !given.contains(&field) {
                    return Err(format!("a {DIRECT_BURN} needs {field}"));
                }
            }
        } else if !given.iter().any(|f| {
            [
                "seq",
                "signature",
                "request_id",
                "redemption_id",
                "settlement_reference",
            ]
            .contains(f)
        }) {
            return Err(format!(
                "name the finding: give one of {}",
                allowed
                    .iter()
                    .filter(|f| **f != "amount")
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.after_seq == Some(0) {
            return Err("after_seq starts at 1 (there is no supply before the first event)".into());
        }
        let mint = Pubkey::from_str(&self.mint)
            .map_err(|e| format!("mint {:?}: {e}", self.mint))?
            .to_string();
        if let Some(account) = &self.account {
            Pubkey::from_str(account).map_err(|e| format!("account {account:?}: {e}"))?;
        }
        if let Some(signature) = &self.signature {
            Signature::from_str(signature).map_err(|e| format!("signature {signature:?}: {e}"))?;
        }
        let amount = match self.amount {
            None => None,
            Some(Amount::Integer(n)) => Some(n),
            Some(Amount::Text(text)) => Some(text.trim().parse::<u64>().map_err(|e| {
                format!("amount {text:?}: base units, a whole number up to 2^64-1 ({e})")
            })?),
        };
        if amount == Some(0) {
            return Err("amount 0 acknowledges nothing".into());
        }
        for (name, text) in [("reason", &self.reason), ("approved_by", &self.approved_by)] {
            if text.trim().is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        let expires_at = expiry(&self.expires)?;
        Ok(Exception {
            id: self.id,
            kind: self.kind,
            mint,
            seq: self.seq,
            after_seq: self.after_seq,
            signature: self.signature,
            account: self.account,
            request_id: self.request_id,
            redemption_id: self.redemption_id,
            settlement_reference: self.settlement_reference,
            amount,
            reason: self.reason,
            approved_by: self.approved_by,
            expires: iso(expires_at),
            expires_at,
        })
    }
}

/// Parses an exceptions file. Unknown keys, kinds that are never acknowledged, evidence a
/// kind does not have and duplicate ids are refused; errors name the entry.
pub fn parse(text: &str) -> Result<Vec<Exception>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(file.exception.len());
    for (index, entry) in file.exception.into_iter().enumerate() {
        let name = format!("exception {} ({:?})", index + 1, entry.id);
        if entry.id.trim().is_empty() {
            return Err(format!("exception {}: id is empty", index + 1));
        }
        if !ids.insert(entry.id.clone()) {
            return Err(format!("{name}: the id is used twice"));
        }
        out.push(entry.check().map_err(|e| format!("{name}: {e}"))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINT: &str = "So11111111111111111111111111111111111111112";

    fn entry(body: &str) -> String {
        format!(
            "[[exception]]\nid = \"E-1\"\nmint = \"{MINT}\"\nreason = \"reviewed\"\n\
             approved_by = \"ops\"\nexpires = 2027-01-31\n{body}\n"
        )
    }

    #[test]
    fn a_direct_burn_needs_its_evidence() {
        let sig = Signature::from([7u8; 64]).to_string();
        let parsed = parse(&entry(&format!(
            "kind = \"direct_burn\"\nafter_seq = 4\namount = \"18446744073709551615\"\nsignature = \"{sig}\""
        )))
        .unwrap();
        assert_eq!(parsed[0].amount, Some(u64::MAX));
        assert_eq!(parsed[0].after_seq, Some(4));
        // the end of the expiry date, UTC
        assert_eq!(parsed[0].expires, "2027-02-01T00:00:00Z");
        let missing =
            parse(&entry("kind = \"direct_burn\"\nafter_seq = 4\namount = 3")).unwrap_err();
        assert!(missing.contains("needs signature"), "{missing}");
        let seq = parse(&entry(&format!(
            "kind = \"direct_burn\"\nseq = 4\nafter_seq = 4\namount = 3\nsignature = \"{sig}\""
        )))
        .unwrap_err();
        assert!(seq.contains("has no seq"), "{seq}");
    }

    #[test]
    fn entries_must_name_what_they_acknowledge() {
        let blanket = parse(&entry("kind = \"late_redemption\"\namount = 5")).unwrap_err();
        assert!(blanket.contains("name the finding"), "{blanket}");
        for never in [
            "missing_events",
            "duplicate_seq",
            "supply_mismatch",
            "no_attestation",
        ] {
            let error = parse(&entry(&format!("kind = \"{never}\"\nseq = 1"))).unwrap_err();
            assert!(error.contains("cannot be acknowledged"), "{error}");
        }
        let wrong = parse(&entry("kind = \"credit_not_minted\"\nseq = 3")).unwrap_err();
        assert!(wrong.contains("has no seq"), "{wrong}");
        let unknown =
            parse(&entry("kind = \"late_redemption\"\nseq = 3\nnote = \"x\"")).unwrap_err();
        assert!(unknown.contains("unknown field"), "{unknown}");
        let twice = format!(
            "{}{}",
            entry("kind = \"attestation_stale\"\nseq = 3"),
            entry("kind = \"attestation_stale\"\nseq = 4")
        );
        assert!(parse(&twice).unwrap_err().contains("used twice"));
        let local = entry("kind = \"attestation_stale\"\nseq = 3")
            .replace("2027-01-31", "2027-01-31T10:00:00");
        assert!(parse(&local).unwrap_err().contains("offset"));
        let offset = entry("kind = \"attestation_stale\"\nseq = 3")
            .replace("2027-01-31", "2027-01-31T10:00:00+02:00");
        assert_eq!(parse(&offset).unwrap()[0].expires, "2027-01-31T08:00:00Z");
        let empty = entry("kind = \"attestation_stale\"\nseq = 3").replace("\"ops\"", "\" \"");
        assert!(parse(&empty).unwrap_err().contains("approved_by is empty"));
        assert!(parse("").unwrap().is_empty());
    }
}
