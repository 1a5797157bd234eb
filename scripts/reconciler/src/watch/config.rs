//! The watcher's configuration file (TOML): the source, the store, what to reconcile, the
//! alert thresholds, the webhooks and the metrics listener. Unknown keys are refused (a typo
//! must not silently turn an alert off). Secrets are never in the file or on the command
//! line: the store's password and each webhook's signing secret are read from an environment
//! variable or a file the file names, and are never logged.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use chrono::NaiveTime;
use serde::Deserialize;

use crate::Error;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub source: SourceConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub reconcile: ReconcileConfig,
    #[serde(default)]
    pub alerts: AlertConfig,
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub log: LogConfig,
}

/// Where the chain is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// JSON-RPC URL or moniker (`--url` overrides).
    pub url: Option<String>,
    /// Seconds between two listings of new transactions.
    pub poll_seconds: u64,
    /// Seconds an RPC request may take before it is retried.
    pub rpc_timeout_seconds: u32,
    /// Tries per RPC request within one cycle (a cycle that exhausts them backs off and
    /// resumes from the cursor).
    pub retries: u32,
    /// Transactions fetched at once.
    pub concurrency: u32,
    /// Seconds the source's finalized block may trail this machine's clock before checks are
    /// held back (a stale source is never judged).
    pub max_lag_seconds: u32,
}

impl Default for SourceConfig {
    fn default() -> Self {
        Self {
            url: None,
            poll_seconds: 2,
            rpc_timeout_seconds: 30,
            retries: 10,
            concurrency: crate::ingest::DEFAULT_CONCURRENCY as u32,
            max_lag_seconds: 300,
        }
    }
}

/// The event ledger.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// A SQLite file or a `postgres://user@host/db` URL without a password.
    pub url: String,
    /// The environment variable holding the database password.
    pub password_env: Option<String>,
    /// A file holding the database password (its first line).
    pub password_file: Option<PathBuf>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "usd1-ledger.sqlite".into(),
            password_env: None,
            password_file: None,
        }
    }
}

/// What the checks compare against, as `usd1 reconcile`'s flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconcileConfig {
    /// Mints to follow (base58); `--mint` overrides.
    pub mints: Vec<String>,
    /// The bank ledger: a CSV file, or a directory whose `*.csv` files (same header) are read
    /// in name order as one ledger. None: ingest and alert on events, no checks.
    pub bank: Option<PathBuf>,
    /// Reviewed exceptions (TOML).
    pub exceptions: Option<PathBuf>,
    /// Holidays, one YYYY-MM-DD per line.
    pub holidays: Option<PathBuf>,
    /// The issuer's IANA time zone.
    pub time_zone: String,
    /// The bank's cut-off, HH:MM local.
    pub cutoff: String,
    pub credit_sla_hours: u32,
    pub attestation_max_age_seconds: Option<u32>,
    /// The checks run after every cycle that stored events, and at least this often.
    pub check_every_seconds: u64,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            mints: Vec::new(),
            bank: None,
            exceptions: None,
            holidays: None,
            time_zone: "UTC".into(),
            cutoff: "00:00".into(),
            credit_sla_hours: 48,
            attestation_max_age_seconds: None,
            check_every_seconds: 60,
        }
    }
}

/// Alert thresholds; an absent one turns its alert off.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// A mint of at least this many tokens (decimal text, e.g. "1000000") is an alert.
    pub large_mint: Option<String>,
    /// A mint outside these local hours on the calendar's business days is an alert.
    pub business_hours: Option<BusinessHours>,
    /// A minter that used more than `percent` of its allowance within `window_seconds`.
    pub allowance_share: Option<AllowanceShare>,
    /// Attested reserves under (supply + open redemptions) × (1 + margin_bps / 10,000).
    pub reserve_margin_bps: Option<u32>,
    /// The watcher behind the chain by more than this many seconds.
    pub behind_seconds: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// HH:MM local, inclusive.
    pub start: String,
    /// HH:MM local, exclusive.
    pub end: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowanceShare {
    pub percent: u32,
    pub window_seconds: i64,
}

/// One receiver of alerts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Names the receiver in metrics and logs (default: "default").
    #[serde(default = "default_webhook_name")]
    pub name: String,
    pub url: String,
    /// The environment variable holding the HMAC-SHA256 signing secret.
    pub secret_env: Option<String>,
    /// A file holding it (its first line).
    pub secret_file: Option<PathBuf>,
    /// Tries per alert before it goes to the dead-letter file.
    #[serde(default = "default_tries")]
    pub tries: u32,
    /// Seconds before the first retry, doubling up to 5 minutes.
    #[serde(default = "default_retry_seconds")]
    pub retry_seconds: f64,
    /// Seconds a POST may take.
    #[serde(default = "default_webhook_timeout")]
    pub timeout_seconds: u64,
    /// Where alerts that exhausted their tries are appended (JSON lines).
    pub dead_letter: PathBuf,
}

fn default_webhook_name() -> String {
    "default".into()
}
fn default_tries() -> u32 {
    8
}
fn default_retry_seconds() -> f64 {
    1.0
}
fn default_webhook_timeout() -> u64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Where `/metrics` and `/healthz` are served (a loopback address; None: not served).
    pub listen: Option<SocketAddr>,
    /// `/healthz` fails when the last completed cycle, or the chain's tip it reached, is
    /// older than this.
    pub stale_seconds: u64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            listen: None,
            stale_seconds: 120,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
}

/// A webhook ready to deliver to: its secret read.
#[derive(Clone)]
pub struct Webhook {
    pub name: String,
    pub url: String,
    pub secret: Vec<u8>,
    pub tries: u32,
    pub retry: std::time::Duration,
    pub timeout: std::time::Duration,
    pub dead_letter: PathBuf,
}

impl std::fmt::Debug for Webhook {
    // the secret never reaches a log
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"***")
            .finish_non_exhaustive()
    }
}

/// Parses a configuration file's text (relative paths in it are taken from `base`).
pub fn parse(text: &str, base: &Path) -> Result<Config, Error> {
    let mut config: Config =
        toml::from_str(text).map_err(|e| Error::Input(format!("configuration: {e}")))?;
    let resolve = |path: &mut PathBuf| {
        if path.is_relative() {
            *path = base.join(&*path);
        }
    };
    for path in [
        config.reconcile.bank.as_mut(),
        config.reconcile.exceptions.as_mut(),
        config.reconcile.holidays.as_mut(),
        config.store.password_file.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        resolve(path);
    }
    for webhook in &mut config.webhooks {
        resolve(&mut webhook.dead_letter);
        if let Some(path) = webhook.secret_file.as_mut() {
            resolve(path);
        }
    }
    config.validate()?;
    Ok(config)
}

/// Reads and parses the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Input(format!(
            "cannot read the configuration {}: {e}",
            path.display()
        ))
    })?;
    parse(&text, path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

/// A secret from the environment variable `env` or the first line of `file` (exactly one).
fn secret(what: &str, env: Option<&str>, file: Option<&Path>) -> Result<Option<String>, Error> {
    match (env, file) {
        (Some(_), Some(_)) => Err(Error::Input(format!(
            "{what}: give the secret's environment variable or its file, not both"
        ))),
        (Some(name), None) => std::env::var(name).map(Some).map_err(|_| {
            Error::Input(format!(
                "{what}: the environment variable {name} is not set"
            ))
        }),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Input(format!("{what}: cannot read {}: {e}", path.display()))
            })?;
            Ok(Some(text.lines().next().unwrap_or("").to_string()))
        }
        (None, None) => Ok(None),
    }
}

/// Whether a store URL carries a password (`scheme://user:password@host`).
fn has_password(url: &str) -> bool {
    crate::store::redact(url) != url
}

impl Config {
    fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Input(m));
        if has_password(&self.store.url) {
            return bad(
                "store.url holds a password: give it by store.password_env or store.password_file"
                    .into(),
            );
        }
        for (name, value) in [
            ("source.poll_seconds", self.source.poll_seconds),
            (
                "source.rpc_timeout_seconds",
                u64::from(self.source.rpc_timeout_seconds),
            ),
            (
                "reconcile.check_every_seconds",
                self.reconcile.check_every_seconds,
            ),
        ] {
            if !(1..=86_400).contains(&value) {
                return bad(format!("{name} must be within 1..=86400 (got {value})"));
            }
        }
        if !(1..=256).contains(&self.source.concurrency) || self.source.retries == 0 {
            return bad(
                "source.concurrency must be within 1..=256 and source.retries at least 1".into(),
            );
        }
        if let Some(hours) = &self.alerts.business_hours {
            let (start, end) = (parse_time(&hours.start)?, parse_time(&hours.end)?);
            if start >= end {
                return bad(format!(
                    "alerts.business_hours: start {} is not before end {}",
                    hours.start, hours.end
                ));
            }
        }
        if let Some(share) = &self.alerts.allowance_share {
            if share.percent == 0 || share.percent > 100 || share.window_seconds <= 0 {
                return bad(
                    "alerts.allowance_share: percent in 1..=100 and a positive window_seconds"
                        .into(),
                );
            }
        }
        crate::calendar::parse_zone(&self.reconcile.time_zone).map_err(Error::Input)?;
        parse_time(&self.reconcile.cutoff)?;
        self.mints()?;
        let mut names = std::collections::BTreeSet::new();
        for webhook in &self.webhooks {
            if !webhook.url.starts_with("http://") && !webhook.url.starts_with("https://") {
                return bad(format!("webhook {}: url must be http(s)", webhook.name));
            }
            if webhook.secret_env.is_none() && webhook.secret_file.is_none() {
                return bad(format!(
                    "webhook {}: a signing secret is required (secret_env or secret_file)",
                    webhook.name
                ));
            }
            // (Duration::from_secs_f64 refuses NaN, negatives and overflow)
            let retry = webhook.retry_seconds;
            let retry_ok = retry.is_finite() && retry > 0.0 && retry <= 3600.0;
            if webhook.tries == 0 || !retry_ok || !(1..=600).contains(&webhook.timeout_seconds) {
                return bad(format!(
                    "webhook {}: tries must be positive, retry_seconds in (0, 3600], timeout_seconds in 1..=600",
                    webhook.name
                ));
            }
            if !names.insert(webhook.name.as_str()) {
                return bad(format!("two webhooks are named {:?}", webhook.name));
            }
        }
        if let Some(listen) = self.metrics.listen {
            if !listen.ip().is_loopback() {
                return bad(format!(
                    "metrics.listen {listen} is not a loopback address (put a proxy with authentication in front instead)"
                ));
            }
        }
        Ok(())
    }

    /// The configured mints.
    pub fn mints(&self) -> Result<Vec<Pubkey>, Error> {
        self.reconcile
            .mints
            .iter()
            .map(|m| usd1_client::parse_pubkey(m).map_err(Error::Input))
            .collect()
    }

    /// The store's URL with its password (from the environment or a file) filled in.
    pub fn store_location(&self) -> Result<String, Error> {
        let password = secret(
            "store",
            self.store.password_env.as_deref(),
            self.store.password_file.as_deref(),
        )?;
        match password {
            None => Ok(self.store.url.clone()),
            Some(password) => with_password(&self.store.url, &password),
        }
    }

    /// The webhooks with their secrets read.
    pub fn webhooks(&self) -> Result<Vec<Webhook>, Error> {
        self.webhooks
            .iter()
            .map(|w| {
                let what = format!("webhook {}", w.name);
                let secret = secret(&what, w.secret_env.as_deref(), w.secret_file.as_deref())?
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Error::Input(format!("{what}: the signing secret is empty")))?;
                Ok(Webhook {
                    name: w.name.clone(),
                    url: w.url.clone(),
                    secret: secret.into_bytes(),
                    tries: w.tries,
                    retry: std::time::Duration::from_secs_f64(w.retry_seconds),
                    timeout: std::time::Duration::from_secs(w.timeout_seconds.max(1)),
                    dead_letter: w.dead_letter.clone(),
                })
            })
            .collect()
    }
}

fn parse_time(text: &str) -> Result<NaiveTime, Error> {
    crate::calendar::parse_time(text).map_err(Error::Input)
}

/// `postgres://user@host/db` with `password` (percent-encoded) after the user.
fn with_password(url: &str, password: &str) -> Result<String, Error> {
    let refuse = || {
        Error::Input(
            "store: a password is given but store.url is not a postgres://user@host/db URL".into(),
        )
    };
    let scheme = url.find("://").ok_or_else(refuse)?;
    let at = url
        .rfind('@')
        .filter(|at| *at > scheme)
        .ok_or_else(refuse)?;
    let mut encoded = String::new();
    for byte in password.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(format!("{}:{encoded}{}", &url[..at], &url[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_parses() {
        let text = include_str!("../../../../docs/watch.example.toml");
        let config = parse(text, Path::new("/etc/usd1")).unwrap();
        assert_eq!(config.alerts.reserve_margin_bps, Some(50));
        assert_eq!(config.webhooks[0].name, "ops");
        assert_eq!(
            config.metrics.listen,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        assert_eq!(config.log.format, LogFormat::Json);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = parse("[alerts]\nlarge_mnt = \"5\"\n", Path::new(".")).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `large_mnt`"),
            "{error}"
        );
        let error = parse(
            "[[webhooks]]\nurl = \"http://x\"\nsecret = \"s\"\ndead_letter = \"d\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `secret`"),
            "{error}"
        );
    }

    #[test]
    fn passwords_never_sit_in_the_file() {
        let error = parse("[store]\nurl = \"postgres://u:pw@h/db\"\n", Path::new(".")).unwrap_err();
        assert!(error.to_string().contains("password_env"), "{error}");
        assert_eq!(
            with_password("postgres://usd1@127.0.0.1:5432/l", "p@ss:w/rd").unwrap(),
            "postgres://usd1:p%40ss%3Aw%2Frd@127.0.0.1:5432/l"
        );
        let config = parse(
            "[store]\nurl = \"postgres://usd1@h/db\"\npassword_env = \"USD1_TEST_NO_SUCH_VAR\"\n",
            Path::new("."),
        )
        .unwrap();
        let error = config.store_location().unwrap_err();
        assert!(
            error
                .to_string()
                .contains("USD1_TEST_NO_SUCH_VAR is not set"),
            "{error}"
        );
    }

    #[test]
    fn intervals_and_retries_are_bounded() {
        let error = parse("[source]\npoll_seconds = 0\n", Path::new(".")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("source.poll_seconds must be within"),
            "{error}"
        );
        // NaN would panic in Duration::from_secs_f64: refused as input
        let error = parse(
            "[[webhooks]]\nurl = \"http://x\"\nsecret_env = \"S\"\nretry_seconds = nan\ndead_letter = \"d\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("retry_seconds in (0, 3600]"),
            "{error}"
        );
    }

    #[test]
    fn webhooks_need_a_secret_and_metrics_stay_on_loopback() {
        let error = parse(
            "[[webhooks]]\nurl = \"http://x\"\ndead_letter = \"d\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("signing secret is required"),
            "{error}"
        );
        let error = parse("[metrics]\nlisten = \"0.0.0.0:9464\"\n", Path::new(".")).unwrap_err();
        assert!(
            error.to_string().contains("not a loopback address"),
            "{error}"
        );
        let error = parse(
            "[alerts]\nbusiness_hours = { start = \"18:00\", end = \"08:00\" }\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(error.to_string().contains("is not before end"), "{error}");
    }

    #[test]
    fn relative_paths_are_the_files_own() {
        let dir = std::env::temp_dir().join(format!("usd1-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "s3cret\nignored\n").unwrap();
        let config = parse(
            "[reconcile]\nbank = \"bank.csv\"\n[[webhooks]]\nurl = \"http://x\"\nsecret_file = \"secret\"\ndead_letter = \"dead.jsonl\"\n",
            &dir,
        )
        .unwrap();
        assert_eq!(config.reconcile.bank, Some(dir.join("bank.csv")));
        let webhooks = config.webhooks().unwrap();
        assert_eq!(webhooks[0].secret, b"s3cret");
        assert_eq!(webhooks[0].dead_letter, dir.join("dead.jsonl"));
        assert!(!format!("{:?}", webhooks[0]).contains("s3cret"));
    }
}
