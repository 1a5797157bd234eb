//! The event ledger's storage: SQLite (a file path, the default) or PostgreSQL (a
//! `postgres://` URL), one schema (migrations/), one code path through sqlx's `Any` driver.
//! Events are keyed by (mint, seq) and keep their raw bytes beside the decoded columns.
//! Writes are idempotent: storing an event already stored changes nothing, and a different
//! event claiming a stored (mint, seq) is kept apart as a conflict for the sequence check.
use std::fmt::Write as _;

use anchor_lang::prelude::Pubkey;
use futures_util::TryStreamExt;
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};
use usd1_client::events::{hex, hex32, Emitted, Event, UNDECODABLE};

use crate::Error;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Rows per multi-row INSERT: 1,000 rows of 12 columns stay under both SQLite's (32,766) and
/// PostgreSQL's (65,535) bound-parameter limits.
const INSERT_ROWS: usize = 1_000;
const EVENT_COLUMNS: &str = "mint, seq, name, signature, slot, block_time, reference, account, \
                             amount, supply_after, as_of, raw";

/// Which database a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// An event to store: decoded (or known only by its mint and seq), with where it came from
/// and its bytes as emitted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub signature: String,
    pub slot: u64,
    pub block_time: i64,
    pub event: Emitted,
    pub raw: Vec<u8>,
}

/// The decoded columns the checks read, one stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub seq: u64,
    pub name: String,
    pub signature: String,
    pub block_time: i64,
    pub reference: Option<[u8; 32]>,
    pub account: Option<String>,
    pub amount: Option<u64>,
    pub supply_after: Option<u64>,
    pub as_of: Option<i64>,
    /// RedemptionSettled: the settlement reference (the payout's bank reference), read from
    /// the stored event bytes.
    pub settlement: Option<[u8; 32]>,
}

/// A second event found for a stored (mint, seq).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub seq: u64,
    pub stored_signature: String,
    pub other_signature: String,
}

/// Where a source's ingestion resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub signature: String,
    pub slot: u64,
}

pub struct Store {
    pub(crate) pool: AnyPool,
    kind: Kind,
}

pub(crate) fn store_error(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

pub(crate) fn to_i64(what: &str, value: u64) -> Result<i64, Error> {
    i64::try_from(value).map_err(|_| {
        Error::Store(format!(
            "{what} {value} is above the store's signed 64-bit range"
        ))
    })
}

pub(crate) fn to_u64(what: &str, value: i64) -> Result<u64, Error> {
    u64::try_from(value).map_err(|_| Error::Store(format!("stored {what} {value} is negative")))
}

/// An amount stored as decimal text.
fn parse_amount(what: &str, text: &str) -> Result<u64, Error> {
    text.parse()
        .map_err(|_| Error::Store(format!("stored {what} {text:?} is not a u64")))
}

/// A dump line with its sort key: (mint, seq, signature); cursors use (source, 0, "").
type DumpLine = ((String, i64, String), String);

/// The decoded columns of an event: (reference, account, amount, supply_after, as_of).
type Columns = (
    Option<String>,
    Option<String>,
    Option<u64>,
    Option<u64>,
    Option<i64>,
);

fn columns(event: &Event) -> Columns {
    match event {
        Event::Minted(e) => (
            Some(hex32(&e.request_id)),
            Some(e.recipient.to_string()),
            Some(e.amount),
            Some(e.supply_after),
            None,
        ),
        Event::RedemptionRequested(e) => (
            Some(hex32(&e.redemption_id)),
            Some(e.token_account.to_string()),
            Some(e.amount),
            Some(e.supply_after),
            None,
        ),
        Event::RedemptionSettled(e) => (
            Some(hex32(&e.redemption_id)),
            None,
            Some(e.amount),
            None,
            None,
        ),
        Event::RedemptionRefunded(e) => (
            Some(hex32(&e.redemption_id)),
            Some(e.token_account.to_string()),
            Some(e.amount),
            Some(e.supply_after),
            None,
        ),
        // no account: the seized tokens were burned
        Event::Seized(e) => (
            None,
            e.to.map(|to| to.to_string()),
            Some(e.amount),
            Some(e.supply_after),
            None,
        ),
        Event::ReservesAttested(e) => (None, None, Some(e.amount), Some(e.supply), Some(e.as_of)),
        _ => (None, None, None, None, None),
    }
}

fn parse_hex32(text: &str) -> Result<[u8; 32], Error> {
    usd1_client::events::parse_hex32(text)
        .ok_or_else(|| Error::Store(format!("stored reference {text:?} is not 64 hex digits")))
}

impl Store {
    /// Opens (creating when needed) and migrates the store at `location`: a `postgres://` or
    /// `postgresql://` URL, `sqlite::memory:`, or a SQLite file path (optionally `sqlite:`).
    pub async fn open(location: &str) -> Result<Self, Error> {
        install_default_drivers();
        let postgres = location.starts_with("postgres://") || location.starts_with("postgresql://");
        let (url, kind) = if postgres {
            (location.to_string(), Kind::Postgres)
        } else if location == "sqlite::memory:" {
            (location.to_string(), Kind::Sqlite)
        } else {
            let path = location.strip_prefix("sqlite:").unwrap_or(location);
            if path.is_empty() || path.contains('?') {
                return Err(Error::Input(format!(
                    "invalid store {location:?}: expected a SQLite file path or a postgres:// URL"
                )));
            }
            (format!("sqlite://{path}?mode=rwc"), Kind::Sqlite)
        };
        let options = match kind {
            // one writer; WAL lets readers (a second process, a test) look while it writes, and
            // synchronous=NORMAL is safe with WAL against a crash of this process (a power
            // loss may drop the last commits, which the next run ingests again)
            Kind::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        Ok(())
                    })
                }),
            Kind::Postgres => AnyPoolOptions::new().max_connections(2),
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|e| Error::Store(format!("cannot open {}: {e}", redact(location))))?;
        let migrator = match kind {
            Kind::Sqlite => &SQLITE_MIGRATIONS,
            Kind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| Error::Store(format!("migrating {}: {e}", redact(location))))?;
        Ok(Self { pool, kind })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The cursor of `source`, None before its first run.
    pub async fn cursor(&self, source: &str) -> Result<Option<Cursor>, Error> {
        let row = sqlx::query("SELECT signature, slot FROM cursors WHERE source = $1")
            .bind(source)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|row| {
            Ok(Cursor {
                signature: row.try_get(0).map_err(store_error)?,
                slot: to_u64("slot", row.try_get(1).map_err(store_error)?)?,
            })
        })
        .transpose()
    }

    /// Stores `events` and moves `source`'s cursor to `cursor`, atomically: a run stopped at
    /// any point resumes from the last commit with nothing lost or doubled. Returns how many
    /// events were new.
    pub async fn commit(
        &self,
        source: &str,
        events: &[NewEvent],
        cursor: Option<&Cursor>,
    ) -> Result<u64, Error> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut inserted = 0u64;
        for chunk in events.chunks(INSERT_ROWS) {
            let mut sql = format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES ");
            for row in 0..chunk.len() {
                let base = row * 12;
                if row > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for column in 1..=12 {
                    if column > 1 {
                        sql.push(',');
                    }
                    // positional `?` on SQLite: its named `$N` parameters are resolved by a
                    // linear search per parameter, quadratic over a 12,000-parameter insert
                    match self.kind {
                        Kind::Sqlite => sql.push('?'),
                        Kind::Postgres => {
                            let _ = write!(sql, "${}", base + column);
                        }
                    }
                }
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT (mint, seq) DO NOTHING");
            let mut query = sqlx::query(&sql);
            // a batch is nearly always one mint's: its base58 text is made once
            let mut mint_text: Option<(Pubkey, String)> = None;
            for new in chunk {
                let (reference, account, amount, supply_after, as_of) = match &new.event {
                    Emitted::Event(event) => columns(event),
                    Emitted::Unknown(_) => (None, None, None, None, None),
                };
                let mint = new.event.mint();
                let mint = match &mint_text {
                    Some((key, text)) if *key == mint => text.clone(),
                    _ => mint_text.insert((mint, mint.to_string())).1.clone(),
                };
                query = query
                    .bind(mint)
                    .bind(to_i64("seq", new.event.seq())?)
                    .bind(new.event.name())
                    .bind(new.signature.clone())
                    .bind(to_i64("slot", new.slot)?)
                    .bind(new.block_time)
                    .bind(reference)
                    .bind(account)
                    // decimal text: exact for every u64 (migrations/*/0002_exact_amounts.sql)
                    .bind(amount.map(|a| a.to_string()))
                    .bind(supply_after.map(|s| s.to_string()))
                    .bind(as_of)
                    .bind(new.raw.clone());
            }
            let done = query.execute(&mut *tx).await.map_err(store_error)?;
            inserted += done.rows_affected();
            if done.rows_affected() < chunk.len() as u64 {
                // some (mint, seq) were already there: the same event again is a no-op; a
                // different one is evidence, kept apart
                for new in chunk {
                    let stored = sqlx::query(
                        "SELECT signature, raw FROM events WHERE mint = $1 AND seq = $2",
                    )
                    .bind(new.event.mint().to_string())
                    .bind(to_i64("seq", new.event.seq())?)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    let signature: String = stored.try_get(0).map_err(store_error)?;
                    let raw: Vec<u8> = stored.try_get(1).map_err(store_error)?;
                    if signature == new.signature && raw == new.raw {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO event_conflicts (mint, seq, signature, slot, block_time, raw) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (mint, seq, signature) DO NOTHING",
                    )
                    .bind(new.event.mint().to_string())
                    .bind(to_i64("seq", new.event.seq())?)
                    .bind(new.signature.clone())
                    .bind(to_i64("slot", new.slot)?)
                    .bind(new.block_time)
                    .bind(new.raw.clone())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
            }
        }
        if let Some(cursor) = cursor {
            sqlx::query(
                "INSERT INTO cursors (source, signature, slot) VALUES ($1, $2, $3) \
                 ON CONFLICT (source) DO UPDATE SET signature = excluded.signature, slot = excluded.slot",
            )
            .bind(source)
            .bind(cursor.signature.clone())
            .bind(to_i64("slot", cursor.slot)?)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(inserted)
    }

    /// The mint's events with seq in 1..=through, in seq order, as the checks read them.
    pub async fn ledger(&self, mint: &Pubkey, through: u64) -> Result<Vec<LedgerRow>, Error> {
        let mut rows = sqlx::query(
            "SELECT seq, name, signature, block_time, reference, account, amount, supply_after, as_of, \
             CASE WHEN name IN ('RedemptionSettled', 'Undecodable') THEN raw END \
             FROM events WHERE mint = $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(mint.to_string())
        // (a seq beyond i64 cannot be stored: every stored one is at or below this)
        .bind(to_i64("seq", through.min(i64::MAX as u64))?)
        .fetch(&self.pool);
        let mut ledger = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(store_error)? {
            let get_u64 = |i: usize, what: &str| -> Result<Option<u64>, Error> {
                let value: Option<String> = row.try_get(i).map_err(store_error)?;
                value.map(|v| parse_amount(what, &v)).transpose()
            };
            let reference: Option<String> = row.try_get(4).map_err(store_error)?;
            let mut entry = LedgerRow {
                seq: to_u64("seq", row.try_get(0).map_err(store_error)?)?,
                name: row.try_get(1).map_err(store_error)?,
                signature: row.try_get(2).map_err(store_error)?,
                block_time: row.try_get(3).map_err(store_error)?,
                reference: reference.as_deref().map(parse_hex32).transpose()?,
                account: row.try_get(5).map_err(store_error)?,
                amount: get_u64(6, "amount")?,
                supply_after: get_u64(7, "supply")?,
                as_of: row.try_get(8).map_err(store_error)?,
                settlement: None,
            };
            let raw: Option<Vec<u8>> = row.try_get(9).map_err(store_error)?;
            let undecodable = entry.name == UNDECODABLE;
            match (raw.map(|raw| Event::decode(&raw)), undecodable) {
                (None, _) | (Some(Err(_)), true) => {}
                (Some(Ok(Event::RedemptionSettled(e))), false) => {
                    entry.settlement = Some(e.settlement_reference)
                }
                // stored by an older reconciler that did not know the event: read it now
                (Some(Ok(event)), true) => {
                    let (reference, account, amount, supply_after, as_of) = columns(&event);
                    entry.name = event.name().to_string();
                    entry.reference = reference.as_deref().map(parse_hex32).transpose()?;
                    (entry.account, entry.amount, entry.supply_after, entry.as_of) =
                        (account, amount, supply_after, as_of);
                    if let Event::RedemptionSettled(e) = event {
                        entry.settlement = Some(e.settlement_reference);
                    }
                }
                (Some(_), false) => {
                    return Err(Error::Store(format!(
                        "stored event #{} does not decode as the {} it is stored as",
                        entry.seq, entry.name
                    )))
                }
            }
            ledger.push(entry);
        }
        Ok(ledger)
    }

    /// The mints with stored events, in address order.
    pub async fn mints(&self) -> Result<Vec<Pubkey>, Error> {
        let rows = sqlx::query("SELECT DISTINCT mint FROM events ORDER BY mint")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get(0).map_err(store_error)?;
                text.parse()
                    .map_err(|_| Error::Store(format!("stored mint {text:?} is not an address")))
            })
            .collect()
    }

    /// The highest stored seq of the mint (0 when none).
    pub async fn max_seq(&self, mint: &Pubkey) -> Result<u64, Error> {
        let row = sqlx::query("SELECT MAX(seq) FROM events WHERE mint = $1")
            .bind(mint.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let max: Option<i64> = row.try_get(0).map_err(store_error)?;
        to_u64("seq", max.unwrap_or(0))
    }

    /// Conflicting events recorded for the mint, by seq.
    pub async fn conflicts(&self, mint: &Pubkey) -> Result<Vec<Conflict>, Error> {
        let rows = sqlx::query(
            "SELECT c.seq, e.signature, c.signature FROM event_conflicts c \
             JOIN events e ON e.mint = c.mint AND e.seq = c.seq \
             WHERE c.mint = $1 ORDER BY c.seq, c.signature",
        )
        .bind(mint.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(Conflict {
                    seq: to_u64("seq", row.try_get(0).map_err(store_error)?)?,
                    stored_signature: row.try_get(1).map_err(store_error)?,
                    other_signature: row.try_get(2).map_err(store_error)?,
                })
            })
            .collect()
    }

    /// Every stored row of every ledger table, in key order, one line each (raw bytes in hex):
    /// two stores holding the same ledger dump to the same bytes, whatever the database and
    /// however the ingestion was split into runs. Rows are sorted here, by bytes, since
    /// PostgreSQL's text collation may order keys differently from SQLite's.
    pub async fn dump(&self) -> Result<String, Error> {
        let mut tables: Vec<Vec<DumpLine>> = Vec::new();
        let rows = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events"))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let text = |i: usize| -> Result<String, Error> {
                let value: Option<String> = row.try_get(i).map_err(store_error)?;
                Ok(value.unwrap_or_else(|| "NULL".into()))
            };
            let int = |i: usize| -> Result<String, Error> {
                let value: Option<i64> = row.try_get(i).map_err(store_error)?;
                Ok(value.map_or_else(|| "NULL".into(), |v| v.to_string()))
            };
            let raw: Vec<u8> = row.try_get(11).map_err(store_error)?;
            let (mint, seq): (String, i64) = (text(0)?, row.try_get(1).map_err(store_error)?);
            let line = format!(
                "events {mint} {seq} {} {} {} {} {} {} {} {} {} {}",
                text(2)?,
                text(3)?,
                int(4)?,
                int(5)?,
                text(6)?,
                text(7)?,
                text(8)?,
                text(9)?,
                int(10)?,
                hex(&raw)
            );
            events.push(((mint, seq, String::new()), line));
        }
        tables.push(events);
        let rows =
            sqlx::query("SELECT mint, seq, signature, slot, block_time, raw FROM event_conflicts")
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        let mut conflicts = Vec::with_capacity(rows.len());
        for row in &rows {
            let mint: String = row.try_get(0).map_err(store_error)?;
            let seq: i64 = row.try_get(1).map_err(store_error)?;
            let signature: String = row.try_get(2).map_err(store_error)?;
            let slot: i64 = row.try_get(3).map_err(store_error)?;
            let block_time: i64 = row.try_get(4).map_err(store_error)?;
            let raw: Vec<u8> = row.try_get(5).map_err(store_error)?;
            let line = format!(
                "event_conflicts {mint} {seq} {signature} {slot} {block_time} {}",
                hex(&raw)
            );
            conflicts.push(((mint, seq, signature), line));
        }
        tables.push(conflicts);
        let rows = sqlx::query("SELECT source, signature, slot FROM cursors")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut cursors = Vec::with_capacity(rows.len());
        for row in &rows {
            let source: String = row.try_get(0).map_err(store_error)?;
            let signature: String = row.try_get(1).map_err(store_error)?;
            let slot: i64 = row.try_get(2).map_err(store_error)?;
            let line = format!("cursors {source} {signature} {slot}");
            cursors.push(((source, 0, String::new()), line));
        }
        tables.push(cursors);
        let mut out = String::new();
        for mut table in tables {
            table.sort();
            for (_, line) in table {
                out.push_str(&line);
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// Runs one statement (tests use it to damage a ledger on purpose).
    pub async fn execute(&self, sql: &str) -> Result<u64, Error> {
        sqlx::query(sql)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(store_error)
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The URL of database `name` on the PostgreSQL server of `url` (tests and the benchmark
/// create a fresh database beside the one they are given).
fn sibling_database(url: &str, name: &str) -> String {
    let path_start = url.find("://").map_or(0, |i| i + 3);
    match url[path_start..].find('/') {
        Some(slash) => format!("{}/{name}", &url[..path_start + slash]),
        None => format!("{url}/{name}"),
    }
}

/// Creates database `name` (dropping a previous one) on the PostgreSQL server of `admin_url`
/// and returns its URL: a fresh ledger for a test or a benchmark run.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, Error> {
    let server = Store::open(admin_url).await?;
    server
        .execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    server.execute(&format!("CREATE DATABASE {name}")).await?;
    server.close().await;
    Ok(sibling_database(admin_url, name))
}

/// Drops database `name` on the PostgreSQL server of `admin_url` (its stores closed first).
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), Error> {
    let server = Store::open(admin_url).await?;
    server
        .execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    server.close().await;
    Ok(())
}

/// A store location fit for messages: a URL's password replaced.
pub fn redact(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &location[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &location[..scheme + 3], &location[at..])
                }
                None => location.to_string(),
            }
        }
        _ => location.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://usd1:secret@127.0.0.1:5432/ledger"),
            "postgres://usd1:***@127.0.0.1:5432/ledger"
        );
        assert_eq!(redact("ledger.db"), "ledger.db");
        assert_eq!(redact("postgres://usd1@host/db"), "postgres://usd1@host/db");
    }

    #[test]
    fn sibling_databases_share_the_server() {
        assert_eq!(
            sibling_database("postgres://u@127.0.0.1:5432/postgres", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            sibling_database("postgres://u@host", "x"),
            "postgres://u@host/x"
        );
    }

    #[tokio::test]
    async fn undecodable_events_are_kept_and_read_once_they_decode() {
        use usd1_client::events::{Paused, UnknownEvent};
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mint = Pubkey::new_unique();
        let paused = Event::Paused(Paused {
            mint,
            seq: 1,
            by: Pubkey::new_unique(),
        });
        // stored as undecodable (by a reconciler that did not know the event): #1 decodes now,
        // #2 (an unknown discriminator) does not
        let mut unknown = paused.data();
        unknown[..8].copy_from_slice(&[0xee; 8]);
        unknown[40..48].copy_from_slice(&2u64.to_le_bytes());
        let new = |seq: u64, raw: Vec<u8>| NewEvent {
            signature: format!("sig-{seq}"),
            slot: seq,
            block_time: 0,
            event: Emitted::Unknown(UnknownEvent {
                mint,
                seq,
                error: "unknown event discriminator".into(),
            }),
            raw,
        };
        store
            .commit(
                "test",
                &[new(1, paused.data()), new(2, unknown.clone())],
                None,
            )
            .await
            .unwrap();
        let ledger = store.ledger(&mint, 2).await.unwrap();
        assert_eq!(
            ledger.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["Paused", UNDECODABLE]
        );
        assert_eq!(Emitted::decode(&unknown).unwrap().seq(), 2);
        assert!(Emitted::decode(&unknown[..40]).is_err());
    }

    #[test]
    fn references_round_trip_through_hex() {
        let id: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
        assert_eq!(parse_hex32(&hex32(&id)).unwrap(), id);
        assert!(parse_hex32("zz").is_err());
    }
}
