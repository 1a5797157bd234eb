//! The bank ledger: the issuer's record of money in and out, as CSV with the header
//! `request_id,amount,value_date,reference` and optionally `type`. `type` is `credit` (the
//! default: funding, `request_id` the funding request's reference, the text given to `usd1
//! mint --request-id`), `debit` (a redemption payout, `request_id` the settlement reference
//! given to `usd1 settle`) or `reversal` (a credit taken back, `request_id` the reversed
//! credit's); an id is at most 32 bytes of text or its 32 bytes as 64 hex digits. `amount` is
//! in tokens (dollars), e.g. `1000.00`; `value_date` is `YYYY-MM-DD`. A ledger with the
//! `type` column lists the payouts, so settlements are checked against it. An optional
//! `mint` column says which mint a line is for (needed when one ledger serves several mints;
//! a line without one is for every mint).
use anchor_lang::prelude::Pubkey;
use chrono::NaiveDate;
use serde::Deserialize;
use usd1_client::{parse_amount, request_id_from_reference};

use crate::calendar::parse_date;

/// What a bank ledger line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Funding in: minting against it is allowed.
    Credit,
    /// A redemption payout out, named by its settlement reference.
    Debit,
    /// A credit taken back (returned, recalled).
    Reversal,
}

/// One line of the bank ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankEntry {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub kind: EntryKind,
    /// The mint the line is for; None: every mint.
    pub mint: Option<Pubkey>,
    /// The funding request id (credits, reversals) or the settlement reference (debits).
    pub request_id: [u8; 32],
    /// Base units.
    pub amount: u64,
    pub value_date: NaiveDate,
    pub reference: String,
}

/// A parsed bank ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankLedger {
    pub entries: Vec<BankEntry>,
    /// The file has the `type` column: its debits are every payout, so each settlement must
    /// have one.
    pub lists_payouts: bool,
    /// The file has the `mint` column.
    pub names_mints: bool,
}

impl BankLedger {
    /// The lines for `mint` (and those for every mint).
    pub fn for_mint(mut self, mint: &Pubkey) -> Self {
        self.entries.retain(|e| e.mint.is_none_or(|m| m == *mint));
        self
    }

    /// The entries of one kind, in file order.
    pub fn of(&self, kind: EntryKind) -> impl Iterator<Item = &BankEntry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }
}

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    mint: Option<String>,
    request_id: String,
    amount: String,
    value_date: String,
    reference: String,
}

/// A request id as written in the bank ledger: 64 hex digits, or a reference of 1 to 32
/// bytes (zero-padded on the right, as `usd1 mint` does).
pub fn parse_request_id(text: &str) -> Result<[u8; 32], String> {
    if let Some(id) = usd1_client::events::parse_hex32(text) {
        return Ok(id);
    }
    request_id_from_reference(text)
        .ok_or_else(|| format!("request id {text:?}: expected 1 to 32 bytes or 64 hex digits"))
}

/// A request id for people: its text when it is a printable reference, else hex.
pub fn show_request_id(id: &[u8; 32]) -> String {
    let end = id.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    let text = &id[..end];
    if end > 0
        && text.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        && id[end..].iter().all(|b| *b == 0)
    {
        String::from_utf8_lossy(text).into_owned()
    } else {
        usd1_client::events::hex32(id)
    }
}

/// The ledger's header names a `mint` column (each line says which mint it is for).
pub fn names_mints(csv_text: &str) -> bool {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes())
        .headers()
        .is_ok_and(|headers| headers.iter().any(|h| h == "mint"))
}

fn parse_kind(text: Option<&str>) -> Result<EntryKind, String> {
    match text.map(|t| t.to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("credit") => Ok(EntryKind::Credit),
        Some("debit") => Ok(EntryKind::Debit),
        Some("reversal") => Ok(EntryKind::Reversal),
        Some(other) => Err(format!(
            "type {other:?}: expected credit, debit or reversal"
        )),
    }
}

/// Parses a bank ledger; amounts with the mint's `decimals`. Errors name the line.
pub fn parse(csv_text: &str, decimals: u8) -> Result<BankLedger, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("bank ledger header: {e}"))?
        .clone();
    for wanted in ["request_id", "amount", "value_date", "reference"] {
        if !headers.iter().any(|h| h == wanted) {
            return Err(format!(
                "bank ledger header lacks {wanted:?} (expected request_id,amount,value_date,reference)"
            ));
        }
    }
    let lists_payouts = headers.iter().any(|h| h == "type");
    let names_mints = names_mints(csv_text);
    let mut entries = Vec::new();
    for record in reader.deserialize::<Line>() {
        let line_of = |e: &csv::Error| e.position().map_or(0, |p| p.line());
        let line: Line = record.map_err(|e| format!("bank ledger line {}: {e}", line_of(&e)))?;
        let number = entries.len() as u64 + 2;
        let at = |e: String| format!("bank ledger line {number}: {e}");
        entries.push(BankEntry {
            line: number,
            kind: parse_kind(line.kind.as_deref()).map_err(at)?,
            mint: match line.mint.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(
                    text.parse()
                        .map_err(|_| at(format!("mint {text:?} is not an address")))?,
                ),
            },
            request_id: parse_request_id(&line.request_id).map_err(at)?,
            amount: parse_amount(&line.amount, decimals).map_err(at)?,
            value_date: parse_date(&line.value_date).map_err(at)?,
            reference: line.reference,
        });
    }
    Ok(BankLedger {
        entries,
        lists_payouts,
        names_mints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references_hex_ids_and_amounts() {
        let hex = "ab".repeat(32);
        let text = format!(
            "request_id,amount,value_date,reference\nwire-1, 1000.50 ,2026-11-20,FED123\n{hex},2,2026-11-21,\n"
        );
        let ledger = parse(&text, 6).unwrap();
        assert!(!ledger.lists_payouts);
        let credits = ledger.entries;
        assert_eq!(credits.len(), 2);
        assert!(credits.iter().all(|c| c.kind == EntryKind::Credit));
        assert_eq!(
            credits[0].request_id,
            request_id_from_reference("wire-1").unwrap()
        );
        assert_eq!(credits[0].amount, 1_000_500_000);
        assert_eq!(credits[0].line, 2);
        assert_eq!(credits[0].reference, "FED123");
        assert_eq!(credits[1].request_id, [0xab; 32]);
        assert_eq!(show_request_id(&credits[0].request_id), "wire-1");
        assert_eq!(show_request_id(&[0xab; 32]), hex);
    }

    #[test]
    fn typed_ledgers_list_payouts_and_reversals() {
        let ledger = parse(
            "type,request_id,amount,value_date,reference
credit,wire-1,10,2026-11-20,FED1
             Debit,payout-1,4,2026-11-21,ACH1
reversal,wire-1,10,2026-11-22,RET1
,wire-2,1,2026-11-22,FED2
",
            6,
        )
        .unwrap();
        assert!(ledger.lists_payouts);
        let kinds: Vec<_> = ledger.entries.iter().map(|e| e.kind).collect();
        use EntryKind::*;
        assert_eq!(kinds, [Credit, Debit, Reversal, Credit]);
        assert_eq!(ledger.of(Debit).next().unwrap().amount, 4_000_000);
        // a mint column: each line for its mint, a blank one for every mint
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let ledger = parse(
            &format!("mint,request_id,amount,value_date,reference\n{a},w-a,1,2026-11-20,x\n{b},w-b,1,2026-11-20,y\n,w-all,1,2026-11-20,z\n"),
            6,
        )
        .unwrap();
        assert!(ledger.names_mints);
        let ids: Vec<String> = ledger
            .for_mint(&a)
            .entries
            .iter()
            .map(|e| show_request_id(&e.request_id))
            .collect();
        assert_eq!(ids, ["w-a", "w-all"]);
        assert!(parse(
            "mint,request_id,amount,value_date,reference\nnope,w,1,2026-11-20,x\n",
            6
        )
        .unwrap_err()
        .contains("not an address"));
        let e = parse(
            "type,request_id,amount,value_date,reference
refund,w,1,2026-11-20,x
",
            6,
        )
        .unwrap_err();
        assert!(
            e.contains("line 2") && e.contains("credit, debit or reversal"),
            "{e}"
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse(
            "request_id,amount,value_date,reference\nw,1.0000001,2026-11-20,x\n",
            6,
        )
        .unwrap_err();
        assert!(e.contains("line 2") && e.contains("decimal places"), "{e}");
        let e = parse(
            "request_id,amount,value_date,reference\nw,1,20-11-2026,x\n",
            6,
        )
        .unwrap_err();
        assert!(e.contains("line 2") && e.contains("YYYY-MM-DD"), "{e}");
        let e = parse("id,amount,value_date,reference\n", 6).unwrap_err();
        assert!(e.contains("request_id"), "{e}");
        let e = parse(
            &format!(
                "request_id,amount,value_date,reference\n{},1,2026-11-20,x\n",
                "x".repeat(33)
            ),
            6,
        )
        .unwrap_err();
        assert!(e.contains("32 bytes"), "{e}");
    }
}
