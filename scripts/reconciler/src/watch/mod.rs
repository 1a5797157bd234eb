//! `usd1 watch`: the reconciler as a long-running service. One process per store follows the
//! finalized transactions of the configured mints (the same ingestion as `usd1 reconcile`,
//! polled), raises alerts for privileged events, large mints, mints outside business hours,
//! heavy use of an allowance, thin reserve coverage, failed checks and its own lag, delivers
//! them to signed webhooks, and exports Prometheus metrics.
//!
//! Durability: events and the cursor commit together (as for `reconcile`); alerts and the mark
//! of the events that raised them commit together; a delivery is marked after its 2xx. A
//! SIGKILL therefore loses nothing and raises nothing twice; SIGTERM finishes the cycle in
//! flight and exits 0. An RPC outage or a database restart is a failed cycle: logged, counted,
//! retried with backoff, resumed from the cursor.
pub mod alerts;
pub mod config;
pub mod metrics;
pub mod outbox;
pub mod webhook;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use clap::Args;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::Keypair;
use tokio::sync::{watch, Notify};
use usd1_client::events::{Emitted, Event};
use usd1_client::parse_pubkey;
use usd1_client::rpc::RpcBackend;

use self::alerts::{Alert, Rules};
use self::config::{Config, LogFormat, Webhook};
use self::metrics::Metrics;
use crate::ingest::{IngestOptions, Retry, RpcSource};
use crate::{Error, Store};

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// The configuration file (TOML; see docs/watch.example.toml). The flags below override it.
    #[arg(long)]
    pub config: PathBuf,
    /// The store (overrides store.url; a password comes only from store.password_env or
    /// store.password_file, never from the command line).
    #[arg(long)]
    pub store: Option<String>,
    /// A mint to follow (repeat for several; overrides reconcile.mints).
    #[arg(long, value_parser = parse_pubkey)]
    pub mint: Vec<Pubkey>,
    /// Where /metrics and /healthz are served (overrides metrics.listen; loopback only).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
    /// Log lines as text or JSON (overrides log.format).
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Seconds between two listings (overrides source.poll_seconds).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub poll_seconds: Option<u64>,
}

/// Events read from the store per alert pass.
const EVENTS_PER_PASS: u32 = 500;
/// Check runs deferred because the chain's counter is ahead of the store (events finalized
/// after the listing) before the checks judge anyway (a hole at the end is then reported).
const MAX_DEFERRALS: u32 = 5;

fn unix_now() -> i64 {
    webhook::now_ms() / 1000
}

/// The configuration with the flags applied, checked again.
pub fn configure(args: &WatchArgs, url_flag: Option<&str>) -> Result<Config, Error> {
    let mut config = config::load(&args.config)?;
    if let Some(store) = &args.store {
        if crate::store::redact(store) != *store {
            return Err(Error::Input(
                "--store holds a password: give it by store.password_env or store.password_file"
                    .into(),
            ));
        }
        config.store.url = store.clone();
    }
    if !args.mint.is_empty() {
        config.reconcile.mints = args.mint.iter().map(ToString::to_string).collect();
    }
    if let Some(listen) = args.metrics_listen {
        if !listen.ip().is_loopback() {
            return Err(Error::Input(format!(
                "--metrics-listen {listen} is not a loopback address"
            )));
        }
        config.metrics.listen = Some(listen);
    }
    if let Some(format) = args.log_format {
        config.log.format = format;
    }
    if let Some(poll) = args.poll_seconds {
        config.source.poll_seconds = poll;
    }
    if let Some(url) = url_flag {
        config.source.url = Some(url.to_string());
    }
    if config.reconcile.mints.is_empty() {
        return Err(Error::Input(
            "no mint to watch: list reconcile.mints in the configuration or give --mint".into(),
        ));
    }
    Ok(config)
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    // this crate's lines at info; the libraries' (sqlx's notices, hyper's) at warn
    let filter = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("usd1_reconciler", LevelFilter::INFO);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    // (a second init, in a test process, keeps the first)
    let _ = match format {
        LogFormat::Json => tracing_subscriber::registry()
            .with(layer.json().flatten_event(true).with_filter(filter))
            .try_init(),
        LogFormat::Text => tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init(),
    };
}

/// Runs the watcher until SIGTERM or SIGINT. `url` is the source, already resolved from the
/// `--url` flag or source.url. Returns the exit code: 0 after a signal, 2 for bad
/// configuration.
pub async fn run(config: Config, url: String) -> u8 {
    init_logging(config.log.format);
    let prepared = (|| -> Result<_, Error> {
        Ok((
            config.mints()?,
            config.webhooks()?,
            config.store_location()?,
        ))
    })();
    let (mints, webhooks, store_location) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            tracing::error!(%error, "usd1 watch cannot start");
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let metrics = Metrics::new();
    if let Some(listen) = config.metrics.listen {
        match metrics::serve(listen, metrics.clone(), config.metrics.stale_seconds).await {
            Ok(bound) => tracing::info!(address = %bound, "serving /metrics and /healthz"),
            Err(error) => {
                eprintln!("error: cannot listen on {listen}: {error}");
                return 2;
            }
        }
    }
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing the cycle in flight"),
            _ = int.recv() => tracing::info!("SIGINT: finishing the cycle in flight"),
        }
        let _ = stop_tx.send(true);
    });
    let wake = Arc::new(Notify::new());
    let deliveries = tokio::spawn(deliver(
        store_location.clone(),
        webhooks.clone(),
        metrics.clone(),
        wake.clone(),
        stop.clone(),
    ));
    tracing::info!(
        source = %url,
        store = %crate::store::redact(&store_location),
        mints = ?mints.iter().map(ToString::to_string).collect::<Vec<_>>(),
        webhooks = ?webhooks.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
        "usd1 watch started"
    );
    let mut watcher = Watcher::new(config, url, mints, &webhooks, metrics, wake.clone());
    watcher.follow(&store_location, stop).await;
    wake.notify_one();
    let _ = deliveries.await;
    tracing::info!("usd1 watch stopped");
    0
}

struct Watcher {
    config: Config,
    mints: Vec<Pubkey>,
    webhook_names: Vec<String>,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
    source: RpcSource,
    chain: RpcBackend,
    /// Each mint's decimals, read once.
    decimals: HashMap<Pubkey, u8>,
    last_check: Option<Instant>,
    deferrals: HashMap<Pubkey, u32>,
    /// Finding kinds each mint has had open (their gauges go back to 0 when closed).
    open_kinds: HashMap<Pubkey, std::collections::BTreeSet<&'static str>>,
    /// The block time of the finalized slot the last successful cycle reached.
    reached: Option<i64>,
    started: i64,
    /// When the watcher fell behind (the current episode), if it is behind.
    behind_since: Option<i64>,
}

impl Watcher {
    fn new(
        config: Config,
        url: String,
        mints: Vec<Pubkey>,
        webhooks: &[Webhook],
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
    ) -> Self {
        let hook_metrics = metrics.clone();
        let source = RpcSource::new(
            url.clone(),
            Retry {
                attempts: config.source.retries.max(1),
                ..crate::ingest::default_retry()
            },
            None,
        )
        .with_timeout(
            url.clone(),
            Duration::from_secs(u64::from(config.source.rpc_timeout_seconds.max(1))),
        )
        .with_error_hook(Arc::new(move |call: &str| {
            hook_metrics.rpc_errors.with_label_values(&[call]).inc();
        }));
        // reads only; the key never signs
        let chain = RpcBackend::new(url, Keypair::new(), CommitmentConfig::finalized(), false);
        Self {
            config,
            mints,
            webhook_names: webhooks.iter().map(|w| w.name.clone()).collect(),
            metrics,
            wake,
            source,
            chain,
            decimals: HashMap::new(),
            last_check: None,
            deferrals: HashMap::new(),
            open_kinds: HashMap::new(),
            reached: None,
            started: unix_now(),
            behind_since: None,
        }
    }

    /// Cycles until `stop` says so; a failed cycle backs off (1 s doubling to 30 s).
    async fn follow(&mut self, location: &str, mut stop: watch::Receiver<bool>) {
        let mut store: Option<Store> = None;
        let mut backoff = Duration::from_secs(1);
        loop {
            if *stop.borrow() {
                break;
            }
            let result = match &store {
                Some(store) => self.cycle(store).await,
                None => match Store::open(location).await {
                    Ok(opened) => {
                        tracing::info!(store = %crate::store::redact(location), "store open");
                        let result = self.cycle(&opened).await;
                        store = Some(opened);
                        result
                    }
                    Err(error) => Err(error),
                },
            };
            let wait = match result {
                Ok(()) => {
                    self.metrics.cycle_done(unix_now());
                    backoff = Duration::from_secs(1);
                    Duration::from_secs(self.config.source.poll_seconds)
                }
                Err(error) => {
                    self.metrics.cycle_errors.inc();
                    tracing::warn!(%error, retry_in_s = backoff.as_secs(), "cycle failed: retrying from the cursor");
                    if matches!(error, Error::Store(_)) {
                        // reconnect: a restarted database drops every pooled connection
                        if let Some(store) = store.take() {
                            store.close().await;
                        }
                    }
                    let wait = backoff;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    wait
                }
            };
            self.lag(unix_now());
            if let Some(store) = &store {
                self.watch_own_lag(store).await;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
        if let Some(store) = store {
            store.close().await;
        }
    }

    /// Ingests each mint, raises its event alerts, then runs the checks when due.
    async fn cycle(&mut self, store: &Store) -> Result<(), Error> {
        let options = IngestOptions {
            batch: 200,
            max_transactions: None,
            progress: false,
            concurrency: self.config.source.concurrency.max(1) as usize,
        };
        let mut stored = false;
        for mint in self.mints.clone() {
            let summary = self.source.ingest(store, &mint, &options).await?;
            let label = mint.to_string();
            self.metrics
                .events_ingested
                .with_label_values(&[&label])
                .inc_by(summary.new_events);
            let last_seq = store.max_seq(&mint).await?;
            self.metrics
                .last_seq
                .with_label_values(&[&label])
                .set(i64::try_from(last_seq).unwrap_or(i64::MAX));
            if let Some(cursor) = store.cursor(&summary.source).await? {
                self.metrics
                    .last_slot
                    .with_label_values(&[&label])
                    .set(i64::try_from(cursor.slot).unwrap_or(i64::MAX));
            }
            if summary.transactions > 0 {
                tracing::info!(mint = %mint, transactions = summary.transactions, failed = summary.failed, new_events = summary.new_events, last_seq, "batch ingested");
            }
            stored |= summary.new_events > 0;
            self.raise_event_alerts(store, &mint).await?;
        }
        let (slot, time) = self.source.finalized_tip().await?;
        self.reached = Some(time);
        let now = unix_now();
        self.metrics
            .lag_seconds
            .set(now.saturating_sub(time).max(0));
        if let Err(error) =
            crate::ingest::check_fresh(now, time, self.config.source.max_lag_seconds)
        {
            // a lagging node is never judged; the lag alert speaks for it
            tracing::warn!(%error, slot, "stale source: checks held back");
            return Ok(());
        }
        let due = self.last_check.is_none_or(|at| {
            at.elapsed() >= Duration::from_secs(self.config.reconcile.check_every_seconds)
        });
        if self.config.reconcile.bank.is_some() && (stored || due) {
            self.check(store).await?;
        }
        Ok(())
    }

    /// The rules for `mint` (its large-mint threshold in base units needs its decimals).
    async fn rules(&mut self, mint: &Pubkey) -> Result<Rules, Error> {
        let alerts = &self.config.alerts;
        let reconcile = &self.config.reconcile;
        let zone = crate::calendar::parse_zone(&reconcile.time_zone).map_err(Error::Input)?;
        let calendar = match &reconcile.holidays {
            Some(path) => crate::calendar::Calendar::parse(
                &std::fs::read_to_string(path)
                    .map_err(|e| Error::Input(format!("holiday list {}: {e}", path.display())))?,
            )
            .map_err(Error::Input)?,
            None => crate::calendar::Calendar::default(),
        }
        .in_zone(zone);
        let large_mint = match &alerts.large_mint {
            Some(text) => {
                let decimals = match self.decimals.get(mint) {
                    Some(decimals) => *decimals,
                    None => {
                        let state = crate::chain::read(&mut self.chain, mint).await?;
                        self.decimals.insert(*mint, state.decimals);
                        state.decimals
                    }
                };
                Some(
                    usd1_client::parse_amount(text, decimals)
                        .map_err(|e| Error::Input(format!("alerts.large_mint: {e}")))?,
                )
            }
            None => None,
        };
        let hours = match &alerts.business_hours {
            Some(h) => Some((
                crate::calendar::parse_time(&h.start).map_err(Error::Input)?,
                crate::calendar::parse_time(&h.end).map_err(Error::Input)?,
            )),
            None => None,
        };
        Ok(Rules {
            large_mint,
            business_hours: hours,
            calendar,
            allowance_share: alerts
                .allowance_share
                .as_ref()
                .map(|s| (s.percent, s.window_seconds)),
            reserve_margin_bps: alerts.reserve_margin_bps,
        })
    }

    /// Raises the alerts of the mint's events stored since its mark, moving the mark with
    /// them. A mint's first cycle marks what it found stored without alerting on it: the
    /// watcher alerts on what happens after it started following the mint.
    async fn raise_event_alerts(&mut self, store: &Store, mint: &Pubkey) -> Result<(), Error> {
        if !store.has_watch_mark(mint).await? {
            let seq = store.max_seq(mint).await?;
            store
                .raise(&[], &[], Some((mint, seq)), webhook::now_ms())
                .await?;
            tracing::info!(mint = %mint, from_seq = seq, "following the mint: alerts from the next event on");
            return Ok(());
        }
        let rules = self.rules(mint).await?;
        loop {
            let mark = store.watch_mark(mint).await?;
            let events = store.events_after(mint, mark, EVENTS_PER_PASS).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(());
            };
            let mut raised: Vec<Alert> = Vec::new();
            for event in &events {
                let used = match (&event.event, rules.allowance_share) {
                    (Emitted::Event(Event::Minted(minted)), Some((_, window))) => Some(
                        store
                            .minted_by(
                                mint,
                                &minted.minter,
                                event.block_time.saturating_sub(window),
                                event.seq,
                            )
                            .await?,
                    ),
                    _ => None,
                };
                raised.extend(alerts::event_alerts(&rules, event, used));
            }
            let new = store
                .raise(
                    &raised,
                    &self.webhook_names,
                    Some((mint, last)),
                    webhook::now_ms(),
                )
                .await?;
            self.announce(&new);
        }
    }

    fn announce(&self, new: &[Alert]) {
        for alert in new {
            self.metrics
                .alerts_raised
                .with_label_values(&[alert.kind])
                .inc();
            tracing::warn!(alert = %alert.id, kind = alert.kind, severity = alert.severity, mint = %alert.mint, summary = %alert.summary, "alert raised");
        }
        if !new.is_empty() {
            self.wake.notify_one();
        }
    }

    /// Runs every check for every mint; each open finding is an alert (once: its id is its
    /// evidence), and so is thin reserve coverage.
    async fn check(&mut self, store: &Store) -> Result<(), Error> {
        let reconcile = &self.config.reconcile;
        let Some(bank_path) = &reconcile.bank else {
            return Ok(());
        };
        // read each time: the bank ledger grows and exceptions are edited while this runs
        let bank_csv = crate::cli::read_bank(bank_path)?;
        let policy = crate::cli::build_policy(
            reconcile.holidays.as_deref(),
            crate::calendar::parse_zone(&reconcile.time_zone).map_err(Error::Input)?,
            crate::calendar::parse_time(&reconcile.cutoff).map_err(Error::Input)?,
            reconcile.exceptions.as_deref(),
            reconcile.credit_sla_hours,
            reconcile.attestation_max_age_seconds,
        )?;
        for mint in self.mints.clone() {
            let report = crate::verify(store, &mut self.chain, &mint, &bank_csv, &policy).await?;
            let stored = store.max_seq(&mint).await?;
            let deferrals = self.deferrals.entry(mint).or_default();
            if stored < report.chain.event_seq && *deferrals < MAX_DEFERRALS {
                // events finalized after this cycle's listing: the next cycle stores them
                *deferrals += 1;
                continue;
            }
            *deferrals = 0;
            let label = mint.to_string();
            // kinds open last time and closed now read 0
            let open = open_kinds(&report);
            let seen = self.open_kinds.entry(mint).or_default();
            seen.extend(open.keys().copied());
            for kind in seen.iter() {
                self.metrics
                    .findings_open
                    .with_label_values(&[label.as_str(), kind])
                    .set(open.get(kind).copied().unwrap_or(0));
            }
            let rules = self.rules(&mint).await?;
            let mut raised = alerts::finding_alerts(&mint, &report);
            raised.extend(alerts::coverage_alert(&rules, &mint, &report));
            let new = store
                .raise(&raised, &self.webhook_names, None, webhook::now_ms())
                .await?;
            tracing::info!(mint = %mint, ok = report.ok, findings = raised.len(), new_alerts = new.len(), through_seq = report.chain.event_seq, "checks ran");
            self.announce(&new);
        }
        self.last_check = Some(Instant::now());
        Ok(())
    }

    /// The watcher's own lag: how far behind the chain's clock the last finalized block it
    /// reached is (since it started, when it never reached one). Over the threshold, one
    /// alert per episode.
    /// Seconds since the block time of the tip the last successful cycle reached (since the
    /// start before one did), also set as the lag gauge: it grows while cycles fail, and
    /// `/healthz` reads it.
    fn lag(&self, now: i64) -> i64 {
        let behind = now
            .saturating_sub(self.reached.unwrap_or(self.started))
            .max(0);
        self.metrics.lag_seconds.set(behind);
        behind
    }

    async fn watch_own_lag(&mut self, store: &Store) {
        let now = unix_now();
        let behind = self.lag(now);
        let Some(threshold) = self.config.alerts.behind_seconds else {
            return;
        };
        let behind = behind as u64;
        if behind <= threshold {
            self.behind_since = None;
            return;
        }
        let since = *self
            .behind_since
            .get_or_insert(now.saturating_sub(behind as i64));
        let reason = if self.reached.is_some_and(|t| now - t <= threshold as i64) {
            "catching up"
        } else {
            "no cycle reached the chain's tip recently (the source or the store is failing)"
        };
        let alert = alerts::behind_alert(behind, threshold, since, reason);
        match store
            .raise(&[alert], &self.webhook_names, None, webhook::now_ms())
            .await
        {
            Ok(new) => self.announce(&new),
            Err(error) => tracing::warn!(%error, "cannot raise the lag alert yet"),
        }
    }
}

/// Open findings of a report by kind.
fn open_kinds(report: &crate::Report) -> std::collections::BTreeMap<&'static str, i64> {
    let mut kinds = std::collections::BTreeMap::new();
    for finding in report.checks.iter().flat_map(|c| &c.findings) {
        *kinds.entry(finding.kind()).or_insert(0) += 1;
    }
    kinds
}

/// Delivers due alerts until `stop`: woken when alerts are raised, and every 500 ms for
/// retries that came due. Its own store connection, reopened after an error.
async fn deliver(
    location: String,
    webhooks: Vec<Webhook>,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    if webhooks.is_empty() {
        return;
    }
    let client = reqwest::Client::new();
    let mut store: Option<Store> = None;
    loop {
        if store.is_none() {
            store = Store::open(&location).await.ok();
        }
        if let Some(open) = &store {
            if let Err(error) = webhook::deliver_due(open, &client, &webhooks, &metrics).await {
                tracing::warn!(%error, "delivery pass failed: retrying");
                if matches!(error, Error::Store(_)) {
                    if let Some(store) = store.take() {
                        store.close().await;
                    }
                }
            }
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => {}
        }
    }
    if let Some(store) = store {
        store.close().await;
    }
}
