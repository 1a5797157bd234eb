//! The bank ledger: the issuer's record of funding credits, as CSV with the header
//! `request_id,amount,value_date,reference`. `request_id` is the funding request's reference
//! (the text given to `usd1 mint --request-id`, at most 32 bytes) or its 32 bytes as 64 hex
//! digits; `amount` is in tokens (dollars), e.g. `1000.00`; `value_date` is `YYYY-MM-DD`.
use chrono::NaiveDate;
use serde::Deserialize;
use usd1_client::{parse_amount, request_id_from_reference};

use crate::calendar::parse_date;

/// One credit of the bank ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub request_id: [u8; 32],
    /// Base units.
    pub amount: u64,
    pub value_date: NaiveDate,
    pub reference: String,
}

#[derive(Deserialize)]
struct Line {
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

/// Parses a bank ledger; amounts with the mint's `decimals`. Errors name the line.
pub fn parse(csv_text: &str, decimals: u8) -> Result<Vec<Credit>, String> {
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
    let mut credits = Vec::new();
    for record in reader.deserialize::<Line>() {
        let line_of = |e: &csv::Error| e.position().map_or(0, |p| p.line());
        let line: Line = record.map_err(|e| format!("bank ledger line {}: {e}", line_of(&e)))?;
        let number = credits.len() as u64 + 2;
        let at = |e: String| format!("bank ledger line {number}: {e}");
        credits.push(Credit {
            line: number,
            request_id: parse_request_id(&line.request_id).map_err(at)?,
            amount: parse_amount(&line.amount, decimals).map_err(at)?,
            value_date: parse_date(&line.value_date).map_err(at)?,
            reference: line.reference,
        });
    }
    Ok(credits)
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
        let credits = parse(&text, 6).unwrap();
        assert_eq!(credits.len(), 2);
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
