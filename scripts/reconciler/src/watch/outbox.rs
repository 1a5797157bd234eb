//! The watcher's tables in the store (migrations/*/0003_watch.sql): the alerts it raised, their
//! delivery to each webhook, and how far it has looked at each mint's events. An alert and the
//! mark of the events that raised it commit together, so a watcher killed at any point neither
//! loses an alert nor raises one twice.
use anchor_lang::prelude::Pubkey;
use sqlx::Row;
use usd1_client::events::{Emitted, Event};

use super::alerts::{Alert, StoredEvent};
use crate::store::{store_error, to_i64, to_u64};
use crate::{Error, Store};

/// A delivery that is due: the alert's id and body, and the tries made so far.
#[derive(Debug, Clone)]
pub struct Due {
    pub alert_id: String,
    pub body: String,
    pub attempts: u32,
}

impl Store {
    /// The mint's stored events after `after` (by seq), at most `limit`.
    pub async fn events_after(
        &self,
        mint: &Pubkey,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, Error> {
        let rows = sqlx::query(
            "SELECT seq, signature, slot, block_time, raw FROM events \
             WHERE mint = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(mint.to_string())
        .bind(to_i64("seq", after.min(i64::MAX as u64))?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let raw: Vec<u8> = row.try_get(4).map_err(store_error)?;
                let seq = to_u64("seq", row.try_get(0).map_err(store_error)?)?;
                let event = Emitted::decode(&raw)
                    .map_err(|e| Error::Store(format!("stored event #{seq}: {e}")))?;
                Ok(StoredEvent {
                    mint: *mint,
                    seq,
                    signature: row.try_get(1).map_err(store_error)?,
                    slot: to_u64("slot", row.try_get(2).map_err(store_error)?)?,
                    block_time: row.try_get(3).map_err(store_error)?,
                    event,
                })
            })
            .collect()
    }

    /// What `minter` minted of `mint` in events after `since` (block time, exclusive) through
    /// seq `through`.
    pub async fn minted_by(
        &self,
        mint: &Pubkey,
        minter: &Pubkey,
        since: i64,
        through: u64,
    ) -> Result<u128, Error> {
        let rows = sqlx::query(
            "SELECT raw FROM events WHERE mint = $1 AND name = 'Minted' AND block_time > $2 \
             AND seq <= $3",
        )
        .bind(mint.to_string())
        .bind(since)
        .bind(to_i64("seq", through.min(i64::MAX as u64))?)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut used = 0u128;
        for row in &rows {
            let raw: Vec<u8> = row.try_get(0).map_err(store_error)?;
            if let Ok(Event::Minted(e)) = Event::decode(&raw) {
                if e.minter == *minter {
                    used += u128::from(e.amount);
                }
            }
        }
        Ok(used)
    }

    /// Whether the watcher has followed the mint before.
    pub async fn has_watch_mark(&self, mint: &Pubkey) -> Result<bool, Error> {
        let row = sqlx::query("SELECT seq FROM watch_marks WHERE mint = $1")
            .bind(mint.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.is_some())
    }

    /// Through which seq the mint's events have had their alerts raised.
    pub async fn watch_mark(&self, mint: &Pubkey) -> Result<u64, Error> {
        let row = sqlx::query("SELECT seq FROM watch_marks WHERE mint = $1")
            .bind(mint.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match row {
            Some(row) => to_u64("seq", row.try_get(0).map_err(store_error)?),
            None => Ok(0),
        }
    }

    /// Raises `alerts` (each due at once to every webhook in `webhooks`) and, in the same
    /// transaction, moves the mint's mark to `mark`. Alerts already raised are left as they
    /// are. Returns the ones that are new.
    pub async fn raise(
        &self,
        alerts: &[Alert],
        webhooks: &[String],
        mark: Option<(&Pubkey, u64)>,
        now_ms: i64,
    ) -> Result<Vec<Alert>, Error> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut new = Vec::new();
        for alert in alerts {
            let body = serde_json::to_string(&serde_json::json!({
                "id": alert.id,
                "kind": alert.kind,
                "severity": alert.severity,
                "mint": alert.mint,
                "summary": alert.summary,
                "runbook": alert.runbook,
                "raised_at": now_ms / 1000,
                "details": alert.details,
            }))
            .map_err(store_error)?;
            let done = sqlx::query(
                "INSERT INTO watch_alerts (id, mint, kind, body, raised_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(alert.id.clone())
            .bind(alert.mint.clone())
            .bind(alert.kind)
            .bind(body)
            .bind(now_ms / 1000)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            if done.rows_affected() == 0 {
                continue;
            }
            for webhook in webhooks {
                sqlx::query(
                    "INSERT INTO watch_deliveries (alert_id, webhook, attempts, next_at) \
                     VALUES ($1, $2, 0, $3)",
                )
                .bind(alert.id.clone())
                .bind(webhook.clone())
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            }
            new.push(alert.clone());
        }
        if let Some((mint, seq)) = mark {
            sqlx::query(
                "INSERT INTO watch_marks (mint, seq) VALUES ($1, $2) \
                 ON CONFLICT (mint) DO UPDATE SET seq = excluded.seq",
            )
            .bind(mint.to_string())
            .bind(to_i64("seq", seq)?)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(new)
    }

    /// Deliveries to `webhook` due at `now_ms`, oldest alert first.
    pub async fn due(&self, webhook: &str, now_ms: i64, limit: u32) -> Result<Vec<Due>, Error> {
        let rows = sqlx::query(
            "SELECT d.alert_id, a.body, d.attempts FROM watch_deliveries d \
             JOIN watch_alerts a ON a.id = d.alert_id \
             WHERE d.webhook = $1 AND d.delivered_at IS NULL AND d.dead_at IS NULL \
             AND d.next_at <= $2 ORDER BY a.raised_at, d.alert_id LIMIT $3",
        )
        .bind(webhook.to_string())
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let attempts: i64 = row.try_get(2).map_err(store_error)?;
                Ok(Due {
                    alert_id: row.try_get(0).map_err(store_error)?,
                    body: row.try_get(1).map_err(store_error)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// Records the outcome of a try: delivered, tried again at `next_at_ms`, or dead.
    pub async fn record_try(
        &self,
        alert_id: &str,
        webhook: &str,
        outcome: TryOutcome<'_>,
        now_ms: i64,
    ) -> Result<(), Error> {
        let (sql, error, at) = match outcome {
            TryOutcome::Delivered => (
                "UPDATE watch_deliveries SET attempts = attempts + 1, delivered_at = $3, last_error = $4 \
                 WHERE alert_id = $1 AND webhook = $2",
                None,
                now_ms,
            ),
            TryOutcome::Retry { next_at_ms, error } => (
                "UPDATE watch_deliveries SET attempts = attempts + 1, next_at = $3, last_error = $4 \
                 WHERE alert_id = $1 AND webhook = $2",
                Some(error),
                next_at_ms,
            ),
            TryOutcome::Dead { error } => (
                "UPDATE watch_deliveries SET attempts = attempts + 1, dead_at = $3, last_error = $4 \
                 WHERE alert_id = $1 AND webhook = $2",
                Some(error),
                now_ms,
            ),
        };
        sqlx::query(sql)
            .bind(alert_id.to_string())
            .bind(webhook.to_string())
            .bind(at)
            .bind(error.map(str::to_string))
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Deliveries still due (neither delivered nor dead), over every webhook.
    pub async fn undelivered(&self) -> Result<u64, Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM watch_deliveries WHERE delivered_at IS NULL AND dead_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        to_u64("count", row.try_get(0).map_err(store_error)?)
    }
}

/// How a delivery try ended.
#[derive(Debug, Clone, Copy)]
pub enum TryOutcome<'a> {
    Delivered,
    Retry { next_at_ms: i64, error: &'a str },
    Dead { error: &'a str },
}
