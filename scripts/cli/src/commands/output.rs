//! What commands print: [`Report`]s (text and JSON), [`Failure`]s (one line, an exit code,
//! and under `--output json` the program's error code, name and logs), transaction reports
//! and the `--sign-only` listing of signatures.
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use usd1_client::backend::{Executed, SendError};
use usd1_client::events::Event;
use usd1_client::transaction::SignedOnly;

/// What a successful command shows.
#[derive(Debug)]
pub struct Report {
    pub text: String,
    pub json: Value,
}

/// Why a command failed. Input mistakes exit 2; refusals and chain trouble exit 1.
#[derive(Debug)]
pub enum Failure {
    /// A bad value on the command line or in a file, found before anything was sent.
    Input(String),
    /// Something the command needs is not on the chain (no issuer for this mint, no such
    /// proposal, no token account).
    Missing(String),
    /// The chain refused the transaction (the program's error, Token-2022's, the runtime's)
    /// or could not be reached.
    Chain { what: String, error: SendError },
    /// Not a failure: under `--sign-only` the command stops once its transaction is signed
    /// (exit 0; the report lists the signatures, after what the command would do when the
    /// signer must see it: a proposal's change and action hash).
    SignedOnly(SignedOnly, Option<Box<Report>>),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Missing(_) | Failure::Chain { .. } => 1,
            Failure::SignedOnly(..) => 0,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Input(message) | Failure::Missing(message) => message.clone(),
            Failure::Chain { what, error } => format!("{what} failed: {}", error.explain()),
            Failure::SignedOnly(..) => "signed only, not sent".to_string(),
        }
    }

    pub fn json(&self) -> Value {
        let mut value = json!({ "error": self.message(), "exit_code": self.exit_code() });
        if let Failure::Chain { error, .. } = self {
            if let Some(code) = error.custom_code() {
                value["code"] = json!(code);
                value["name"] = json!(usd1_client::errors::error_name(code));
            }
            if let SendError::Transaction { logs, .. } = error {
                value["logs"] = json!(logs);
            }
        }
        value
    }
}

pub(crate) fn event_json(event: &Event) -> Value {
    json!({ "seq": event.seq(), "name": event.name(), "text": event.to_string() })
}

/// The report of a transaction: its signature, how many sends it took, and every event it
/// emitted.
pub(crate) fn sent(headline: String, executed: &Executed, extra: Value) -> Report {
    let mut text = format!("{headline}\nSignature: {}\n", executed.signature);
    if executed.sends > 1 {
        text.push_str(&format!(
            "Landed after {} sends (rebroadcast while its blockhash was valid)\n",
            executed.sends
        ));
    }
    for event in &executed.events {
        text.push_str(&format!("  event {event}\n"));
    }
    if executed.events_pending {
        text.push_str("  events: not yet in this node's history (see `usd1 events`)\n");
    }
    let mut json = json!({
        "result": headline,
        "signature": executed.signature.to_string(),
        "events": executed.events.iter().map(event_json).collect::<Vec<_>>(),
        "events_pending": executed.events_pending,
        "sends": executed.sends,
        "compute_units": executed.compute_units,
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut json, extra) {
        map.extend(extra);
    }
    Report { text, json }
}

pub(crate) fn keys(list: &[Pubkey]) -> Vec<String> {
    list.iter().map(|k| k.to_string()).collect()
}

pub(crate) fn key_or_none(key: &Option<Pubkey>) -> String {
    key.map_or_else(|| "none".to_string(), |k| k.to_string())
}

/// What `--sign-only` prints, like the `solana` CLI: the blockhash, each signature made
/// here as `PUBKEY=SIGNATURE` (to pass to the submitter's `--signer`), the signers still
/// missing, and under `--dump-transaction-message` the message itself.
pub fn signed_only(signed: &SignedOnly, review: Option<&Report>, dump_message: bool) -> Report {
    let mut text = review.map_or_else(String::new, |r| r.text.clone());
    text.push_str(&format!(
        "Signed only, not sent\nBlockhash: {}\n",
        signed.blockhash
    ));
    if !signed.signers.is_empty() {
        text.push_str("Signers (Pubkey=Signature):\n");
        for (key, signature) in &signed.signers {
            text.push_str(&format!("  {key}={signature}\n"));
        }
    }
    if !signed.absent.is_empty() {
        text.push_str("Absent Signers (Pubkey):\n");
        for key in &signed.absent {
            text.push_str(&format!("  {key}\n"));
        }
    }
    if dump_message {
        text.push_str(&format!("Transaction Message: {}\n", signed.message));
    }
    let mut json = json!({
        "blockhash": signed.blockhash.to_string(),
        "signers": signed
            .signers
            .iter()
            .map(|(key, signature)| format!("{key}={signature}"))
            .collect::<Vec<_>>(),
        "absent": keys(&signed.absent),
    });
    if dump_message {
        json["message"] = json!(signed.message);
    }
    if let (Some(review), Value::Object(map)) = (review, &mut json) {
        if let Value::Object(extra) = &review.json {
            map.extend(extra.clone());
        }
    }
    Report { text, json }
}
