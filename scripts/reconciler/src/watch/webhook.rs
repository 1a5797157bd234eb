//! Alert delivery: each due alert POSTed to each webhook as JSON, signed with HMAC-SHA256, its
//! id as the `Idempotency-Key`, retried with doubling backoff, and after the last try appended
//! to the webhook's dead-letter file. A delivery is marked done only after a 2xx answer: a
//! watcher killed between the answer and the mark sends that alert once more, with the same
//! key, which receivers use to drop the repeat.
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::Webhook;
use super::metrics::Metrics;
use super::outbox::{Due, TryOutcome};
use crate::{Error, Store};

/// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "X-Usd1-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("t={timestamp},v1={}", usd1_client::events::hex(&digest))
}

/// Checks a signature header as a receiver would: the MAC over `"<t>.<body>"` in constant
/// time, and `t` within `tolerance` seconds of `now` (a replayed old request is refused).
pub fn verify(secret: &[u8], header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = decode_hex(v),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The wait before try `attempt + 1` (after `attempt` failed tries): `first` doubling, at most
/// five minutes.
pub fn backoff(first: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    first.saturating_mul(factor).min(MAX_BACKOFF)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// POSTs one alert; Err with why it failed (a non-2xx status, a timeout, no connection).
async fn post(client: &reqwest::Client, webhook: &Webhook, due: &Due) -> Result<(), String> {
    let signature = sign(&webhook.secret, now_ms() / 1000, &due.body);
    let response = client
        .post(&webhook.url)
        .timeout(webhook.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(IDEMPOTENCY_HEADER, &due.alert_id)
        .header(SIGNATURE_HEADER, signature)
        .body(due.body.clone())
        .send()
        .await
        .map_err(|e| format!("POST failed: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
    }
}

/// Appends an alert that exhausted its tries to the webhook's dead-letter file.
fn dead_letter(webhook: &Webhook, due: &Due, error: &str) -> Result<(), Error> {
    let line = serde_json::json!({
        "webhook": webhook.name,
        "alert_id": due.alert_id,
        "attempts": due.attempts + 1,
        "last_error": error,
        "dead_at": now_ms() / 1000,
        "body": serde_json::from_str::<serde_json::Value>(&due.body).unwrap_or(serde_json::Value::String(due.body.clone())),
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&webhook.dead_letter)
        .map_err(|e| {
            Error::Input(format!(
                "dead-letter file {}: {e}",
                webhook.dead_letter.display()
            ))
        })?;
    writeln!(file, "{line}")
        .and_then(|()| file.sync_data())
        .map_err(|e| {
            Error::Input(format!(
                "dead-letter file {}: {e}",
                webhook.dead_letter.display()
            ))
        })
}

/// One pass over every webhook: tries each due delivery once. Returns how many were tried.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    webhooks: &[Webhook],
    metrics: &Arc<Metrics>,
) -> Result<usize, Error> {
    let mut tried = 0;
    for webhook in webhooks {
        for due in store.due(&webhook.name, now_ms(), 100).await? {
            tried += 1;
            let result = post(client, webhook, &due).await;
            let now = now_ms();
            match result {
                Ok(()) => {
                    store
                        .record_try(&due.alert_id, &webhook.name, TryOutcome::Delivered, now)
                        .await?;
                    metrics.delivered(&webhook.name);
                    tracing::info!(webhook = %webhook.name, alert = %due.alert_id, attempts = due.attempts + 1, "alert delivered");
                }
                Err(error) if due.attempts + 1 >= webhook.tries => {
                    dead_letter(webhook, &due, &error)?;
                    store
                        .record_try(
                            &due.alert_id,
                            &webhook.name,
                            TryOutcome::Dead { error: &error },
                            now,
                        )
                        .await?;
                    metrics.failed(&webhook.name, true);
                    tracing::error!(webhook = %webhook.name, alert = %due.alert_id, attempts = due.attempts + 1, %error, dead_letter = %webhook.dead_letter.display(), "alert undeliverable: written to the dead-letter file");
                }
                Err(error) => {
                    let wait = backoff(webhook.retry, due.attempts + 1);
                    let next_at_ms =
                        now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
                    store
                        .record_try(
                            &due.alert_id,
                            &webhook.name,
                            TryOutcome::Retry {
                                next_at_ms,
                                error: &error,
                            },
                            now,
                        )
                        .await?;
                    metrics.failed(&webhook.name, false);
                    tracing::warn!(webhook = %webhook.name, alert = %due.alert_id, attempts = due.attempts + 1, %error, retry_in_ms = wait.as_millis() as u64, "alert delivery failed: will retry");
                }
            }
        }
    }
    Ok(tried)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_key_and_time() {
        let header = sign(b"secret", 1_000, "{\"id\":\"a\"}");
        assert!(header.starts_with("t=1000,v1="));
        assert!(verify(b"secret", &header, "{\"id\":\"a\"}", 1_010, 300));
        assert!(!verify(b"secret", &header, "{\"id\":\"b\"}", 1_010, 300));
        assert!(!verify(b"other", &header, "{\"id\":\"a\"}", 1_010, 300));
        assert!(!verify(b"secret", &header, "{\"id\":\"a\"}", 2_000, 300));
        assert!(!verify(
            b"secret",
            "t=1000,v1=zz",
            "{\"id\":\"a\"}",
            1_000,
            300
        ));
        // the RFC 4231 test case 2 key and data, as "<t>.<body>" = "what do ya want " + …
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            usd1_client::events::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let first = Duration::from_secs(1);
        assert_eq!(backoff(first, 1), Duration::from_secs(1));
        assert_eq!(backoff(first, 2), Duration::from_secs(2));
        assert_eq!(backoff(first, 4), Duration::from_secs(8));
        assert_eq!(backoff(first, 40), MAX_BACKOFF);
    }
}
