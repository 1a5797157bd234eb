//! The watcher's Prometheus metrics (the `prometheus` crate's registry and text encoder) and
//! the loopback HTTP listener that serves `/metrics` and `/healthz`. `/healthz` answers 503
//! when the last completed cycle is older than the configured staleness.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::{
    Encoder, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Every metric, registered in its own registry.
pub struct Metrics {
    registry: Registry,
    pub last_seq: IntGaugeVec,
    pub last_slot: IntGaugeVec,
    pub lag_seconds: IntGauge,
    pub events_ingested: IntCounterVec,
    pub findings_open: IntGaugeVec,
    pub alerts_raised: IntCounterVec,
    pub deliveries: IntCounterVec,
    pub delivery_failures: IntCounterVec,
    pub dead_letters: IntCounterVec,
    pub rpc_errors: IntCounterVec,
    pub cycles: IntCounter,
    pub cycle_errors: IntCounter,
    pub last_cycle: IntGauge,
    /// Unix seconds of the last completed cycle (for /healthz).
    last_ok: AtomicI64,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace("usd1_watch")
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let registry = Registry::new();
        macro_rules! register {
            ($metric:expr) => {{
                let metric = $metric.expect("a valid metric definition");
                registry
                    .register(Box::new(metric.clone()))
                    .expect("each metric registered once");
                metric
            }};
        }
        Arc::new(Self {
            last_seq: register!(IntGaugeVec::new(opts("last_seq", "The highest event seq stored, per mint"), &["mint"])),
            last_slot: register!(IntGaugeVec::new(opts("last_slot", "The slot of the newest transaction ingested, per mint"), &["mint"])),
            lag_seconds: register!(IntGauge::with_opts(opts("lag_seconds", "Seconds between this machine's clock and the block time of the finalized slot the last cycle reached"))),
            events_ingested: register!(IntCounterVec::new(opts("events_ingested_total", "Events stored, per mint"), &["mint"])),
            findings_open: register!(IntGaugeVec::new(opts("findings_open", "Unacknowledged findings of the last check run, per mint and kind"), &["mint", "kind"])),
            alerts_raised: register!(IntCounterVec::new(opts("alerts_raised_total", "Alerts raised, per kind"), &["kind"])),
            deliveries: register!(IntCounterVec::new(opts("webhook_deliveries_total", "Alerts delivered (2xx), per webhook"), &["webhook"])),
            delivery_failures: register!(IntCounterVec::new(opts("webhook_failures_total", "Failed delivery tries, per webhook"), &["webhook"])),
            dead_letters: register!(IntCounterVec::new(opts("webhook_dead_letters_total", "Alerts written to the dead-letter file, per webhook"), &["webhook"])),
            rpc_errors: register!(IntCounterVec::new(opts("rpc_errors_total", "Failed JSON-RPC requests (each try), per method"), &["call"])),
            cycles: register!(IntCounter::with_opts(opts("cycles_total", "Cycles completed (ingest, alerts, checks)"))),
            cycle_errors: register!(IntCounter::with_opts(opts("cycle_errors_total", "Cycles that failed (the source, the store) and were retried"))),
            last_cycle: register!(IntGauge::with_opts(opts("last_cycle_timestamp_seconds", "Unix time the last cycle completed"))),
            last_ok: AtomicI64::new(0),
            registry,
        })
    }

    pub fn delivered(&self, webhook: &str) {
        self.deliveries.with_label_values(&[webhook]).inc();
    }

    pub fn failed(&self, webhook: &str, dead: bool) {
        self.delivery_failures.with_label_values(&[webhook]).inc();
        if dead {
            self.dead_letters.with_label_values(&[webhook]).inc();
        }
    }

    /// A cycle completed at `now` (unix seconds).
    pub fn cycle_done(&self, now: i64) {
        self.cycles.inc();
        self.last_cycle.set(now);
        self.last_ok.store(now, Ordering::Relaxed);
    }

    /// Whether a cycle completed within `stale_seconds` of `now` and the chain's tip it
    /// reached is no older than that: a watcher on a node that stopped is stale too.
    pub fn healthy(&self, now: i64, stale_seconds: u64) -> bool {
        let stale = i64::try_from(stale_seconds).unwrap_or(i64::MAX);
        let last = self.last_ok.load(Ordering::Relaxed);
        last > 0 && now.saturating_sub(last) <= stale && self.lag_seconds.get() <= stale
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        // (encoding into a Vec cannot fail for these metric types)
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

fn unix_now() -> i64 {
    super::webhook::now_ms() / 1000
}

/// Serves `/metrics` and `/healthz` on `listen` until the process ends. Returns the bound
/// address (port 0 picks one).
pub async fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    stale_seconds: u64,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                // one small GET per connection: the request line within 8 KiB and 5 s
                let mut request = vec![0u8; 8192];
                let mut read = 0;
                let head = tokio::time::timeout(Duration::from_secs(5), async {
                    while read < request.len() {
                        let n = socket.read(&mut request[read..]).await.ok()?;
                        if n == 0 {
                            break;
                        }
                        read += n;
                        if request[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                    Some(())
                })
                .await;
                if !matches!(head, Ok(Some(()))) {
                    return;
                }
                let line = String::from_utf8_lossy(&request[..read]);
                let path = line.split_whitespace().nth(1).unwrap_or("");
                let method = line.split_whitespace().next().unwrap_or("");
                let (status, content_type, body) = match (method, path) {
                    ("GET", "/metrics") => {
                        ("200 OK", "text/plain; version=0.0.4", metrics.render())
                    }
                    ("GET", "/healthz") if metrics.healthy(unix_now(), stale_seconds) => {
                        ("200 OK", "text/plain", "ok\n".to_string())
                    }
                    ("GET", "/healthz") => (
                        "503 Service Unavailable",
                        "text/plain",
                        "stale: no cycle completed recently\n".to_string(),
                    ),
                    ("GET", _) => ("404 Not Found", "text/plain", "not found\n".to_string()),
                    _ => (
                        "405 Method Not Allowed",
                        "text/plain",
                        "GET only\n".to_string(),
                    ),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_the_last_cycle() {
        let metrics = Metrics::new();
        assert!(!metrics.healthy(1_000, 60), "healthy before any cycle");
        metrics.cycle_done(1_000);
        assert!(metrics.healthy(1_060, 60));
        assert!(!metrics.healthy(1_061, 60));
        // cycles that complete against a node whose tip is old are not healthy either
        metrics.lag_seconds.set(61);
        assert!(!metrics.healthy(1_000, 60));
        metrics.lag_seconds.set(60);
        assert!(metrics.healthy(1_000, 60));
        metrics.rpc_errors.with_label_values(&["getSlot"]).inc();
        let text = metrics.render();
        assert!(
            text.contains("usd1_watch_rpc_errors_total{call=\"getSlot\"} 1"),
            "{text}"
        );
        assert!(text.contains("usd1_watch_cycles_total 1"), "{text}");
    }
}
