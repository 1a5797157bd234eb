//! `usd1 watch` against a test validator, as an operator runs it: the `usd1` binary with a
//! configuration file, a loopback HTTP receiver that verifies every webhook's HMAC signature,
//! and a live scenario played by the client library and the CLI. Each alert kind is raised
//! and delivered exactly once, through a receiver that fails then recovers, an RPC node that
//! stops and comes back, a database that drops every connection, SIGTERM and SIGKILL with
//! restarts; `/metrics` is scraped and parsed, `/healthz` follows the watcher's freshness.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use usd1_client::backend::Backend;
use usd1_client::rpc::{LocalValidator, RpcBackend};
use usd1_client::{ix, token, MinterConfig, ProposalAction, Roles};
use usd1_reconciler::fault_proxy::{self, Faults};
use usd1_reconciler::watch::webhook;

const SECRET: &str = "whsec-test-0123456789";
/// Generous: the debug test validator on 2 cores.
const DEADLINE: Duration = Duration::from_secs(300);

/// What the receiver got: each POST's idempotency key and body, in order.
#[derive(Default)]
struct Received {
    posts: Vec<(String, Value)>,
    /// Answer this many POSTs with 500 first.
    fail_next: u32,
    failed: u32,
    bad_signatures: u32,
}

/// A loopback webhook receiver: verifies the signature header, records, answers 200 (or
/// 500 while told to fail).
async fn receiver(state: Arc<Mutex<Received>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/alerts", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buffer.len() < end + 4 + length {
                        let Ok(n) = socket.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                    let body =
                        String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
                    break (head, body);
                };
                let header = |name: &str| {
                    head.lines().find_map(|l| {
                        let (key, value) = l.split_once(':')?;
                        key.trim()
                            .eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_string())
                    })
                };
                let status = {
                    let mut state = state.lock().unwrap();
                    let now = webhook::now_ms() / 1000;
                    let signed = header(webhook::SIGNATURE_HEADER)
                        .is_some_and(|h| webhook::verify(SECRET.as_bytes(), &h, &body, now, 300));
                    if !signed {
                        state.bad_signatures += 1;
                        "401 Unauthorized"
                    } else if state.fail_next > 0 {
                        state.fail_next -= 1;
                        state.failed += 1;
                        "500 Internal Server Error"
                    } else {
                        let key = header(webhook::IDEMPOTENCY_HEADER).unwrap_or_default();
                        state
                            .posts
                            .push((key, serde_json::from_str(&body).unwrap_or(Value::Null)));
                        "200 OK"
                    }
                };
                let response =
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

/// A free loopback port (bound, then released for the watcher).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain GET on loopback: (status code, body).
async fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    socket
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut response = String::new();
    socket.read_to_string(&mut response).await.ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// The value of a sample (`name{labels} value`) in a Prometheus text exposition.
fn sample(metrics: &str, name: &str, labels: &str) -> Option<f64> {
    let wanted = if labels.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{labels}}}")
    };
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            (key == wanted).then(|| value.parse().ok()).flatten()
        })
}

struct Watcher {
    child: Child,
    log: PathBuf,
}

fn start_watcher(url: &str, config: &Path, log: &Path) -> Watcher {
    let child = Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args(["--url", url, "watch", "--config"])
        .arg(config)
        .env("USD1_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .expect("start usd1 watch");
    Watcher {
        child,
        log: log.to_path_buf(),
    }
}

impl Watcher {
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to end; its exit code.
    async fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "usd1 watch did not exit:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (bounded) until `done` holds, naming `what` and showing the watcher's log if not.
async fn until<F: FnMut() -> bool>(what: &str, log: &Path, mut done: F) {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the watcher's log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn healthy(port: u16) -> bool {
    matches!(get(port, "/healthz").await, Some((200, _)))
}

/// The ids of the alerts received, with how many times each arrived.
fn received_ids(state: &Arc<Mutex<Received>>) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for (key, body) in &state.lock().unwrap().posts {
        assert_eq!(body["id"].as_str(), Some(key.as_str()), "{body}");
        *ids.entry(key.clone()).or_insert(0) += 1;
    }
    ids
}

/// Whether an alert whose summary starts with `prefix` (a privileged event's name) arrived.
fn has_summary(state: &Arc<Mutex<Received>>, prefix: &str) -> bool {
    state.lock().unwrap().posts.iter().any(|(_, body)| {
        body["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{prefix} (")))
    })
}

fn kinds(state: &Arc<Mutex<Received>>) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for (_, body) in &state.lock().unwrap().posts {
        *kinds
            .entry(body["kind"].as_str().unwrap_or("").to_string())
            .or_insert(0) += 1;
    }
    kinds
}

struct Issuer {
    mint: Pubkey,
    member: Keypair,
    desk: Keypair,
    next_index: u64,
}

impl Issuer {
    /// Proposes `action` (the 1-of-1 member's approval counts at once), has each key it names
    /// accept, and executes it.
    async fn enact(
        &mut self,
        chain: &mut RpcBackend,
        action: ProposalAction,
        accepting: &[&Keypair],
    ) {
        let index = self.next_index;
        self.next_index += 1;
        let member = self.member.pubkey();
        chain
            .send(
                &[ix::propose(&member, &self.mint, index, action.clone())],
                &[],
            )
            .await
            .unwrap();
        for key in accepting {
            chain
                .send(&[ix::accept(&key.pubkey(), &self.mint, index)], &[key])
                .await
                .unwrap();
        }
        chain
            .send(
                &ix::execute_action_instructions(&member, &self.mint, index, &action, None),
                &[],
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_alerts_once_through_faults_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[(usd1_client::PROGRAM_ID, so)]).unwrap();
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    let dir = std::env::temp_dir().join(format!("usd1-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // the issuer exists before the watcher starts (its history is not alerted on)
    let mint = Keypair::new();
    let member = validator.payer.insecure_clone();
    let init = usd1_client::local_issuer("Watched", &member.pubkey());
    chain
        .send(
            &[ix::initialize(&member.pubkey(), &mint.pubkey(), init)],
            &[&mint],
        )
        .await
        .unwrap();
    let desk = Keypair::new();
    for key in [&desk] {
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &member.pubkey(),
            &key.pubkey(),
            1_000_000_000,
        );
        chain.send(&[ix], &[]).await.unwrap();
    }
    let mut issuer = Issuer {
        mint: mint.pubkey(),
        member: member.insecure_clone(),
        desk: desk.insecure_clone(),
        next_index: 1,
    };
    let m = mint.pubkey().to_string();

    // the watcher reads the node through a proxy the test can stop; the store is PostgreSQL
    // when the suite has one (its connections are then cut mid-run), else SQLite
    let faults = Arc::new(Mutex::new(Faults::default()));
    let upstream = validator.rpc_url.trim_start_matches("http://").to_string();
    let proxy = fault_proxy::start(upstream, faults.clone()).await;
    let postgres = std::env::var("USD1_TEST_POSTGRES").ok();
    let database = format!("usd1_watch_{}", std::process::id());
    let store = match &postgres {
        Some(admin) => usd1_reconciler::store::create_postgres_database(admin, &database)
            .await
            .unwrap(),
        None => dir.join("ledger.sqlite").display().to_string(),
    };
    let state = Arc::new(Mutex::new(Received::default()));
    let hook = receiver(state.clone()).await;
    let metrics_port = free_port();
    // business hours: the hour twelve hours from now, so every mint of this test is outside
    let hour = (webhook::now_ms() / 1000 / 3600 + 12) % 24;
    let today = usd1_reconciler::calendar::iso(webhook::now_ms() / 1000)[..10].to_string();
    std::fs::write(
        dir.join("bank.csv"),
        format!("request_id,amount,value_date,reference\nwatch-1,60,{today},WIRE-1\n"),
    )
    .unwrap();
    let config = dir.join("watch.toml");
    std::fs::write(
        &config,
        format!(
            r#"[source]
poll_seconds = 1
rpc_timeout_seconds = 5
retries = 2
max_lag_seconds = 600

[store]
url = "{store}"

[reconcile]
mints = ["{m}"]
bank = "bank.csv"
check_every_seconds = 5

[alerts]
large_mint = "50"
business_hours = {{ start = "{hour:02}:00", end = "{hour:02}:59" }}
allowance_share = {{ percent = 50, window_seconds = 86400 }}
reserve_margin_bps = 100
behind_seconds = 60

[[webhooks]]
name = "ops"
url = "{hook}"
secret_env = "USD1_WEBHOOK_SECRET"
tries = 20
retry_seconds = 0.2
dead_letter = "dead.jsonl"

[metrics]
listen = "127.0.0.1:{metrics_port}"
stale_seconds = 50

[log]
format = "json"
"#
        ),
    )
    .unwrap();
    let log = dir.join("watch.log");
    let mut watcher = start_watcher(&proxy, &config, &log);
    let deadline = Instant::now() + DEADLINE;
    while !healthy(metrics_port).await {
        assert!(
            Instant::now() < deadline,
            "never healthy:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // the receiver fails its first three POSTs: every alert still arrives, once
    state.lock().unwrap().fail_next = 3;
    let roles = Roles {
        reserve_attestor: Some(member.pubkey()),
        ..Roles::default()
    };
    issuer
        .enact(&mut chain, ProposalAction::SetRoles(roles), &[&member])
        .await;
    let configure = ProposalAction::ConfigureMinter(MinterConfig {
        authority: desk.pubkey(),
        allowance_grant: 100_000_000,
        rate_capacity: 1_000_000_000,
        rate_window: 3_600,
        active: true,
    });
    issuer.enact(&mut chain, configure, &[&desk]).await;
    // reserves of 60.1 for a supply of 60.05: covered, but under the 1% margin
    let now = chain.clock().await.unwrap().unix_timestamp;
    chain
        .send(
            &[ix::attest_reserves(
                &member.pubkey(),
                &issuer.mint,
                60_100_000,
                now,
                [7; 32],
            )],
            &[],
        )
        .await
        .unwrap();
    let holder = Keypair::new();
    let account = token::associated_address(&holder.pubkey(), &issuer.mint);
    chain
        .send(
            &[token::create_associated_account(
                &member.pubkey(),
                &holder.pubkey(),
                &issuer.mint,
            )],
            &[],
        )
        .await
        .unwrap();
    // 60 tokens: large, outside hours, 60% of the allowance; then 0.05 with no bank credit
    for (id, amount) in [("watch-1", 60_000_000), ("watch-2", 50_000)] {
        chain
            .send(
                &[ix::mint(
                    &issuer.desk.pubkey(),
                    &issuer.mint,
                    &account,
                    usd1_client::request_id_from_reference(id).unwrap(),
                    amount,
                )],
                &[&issuer.desk],
            )
            .await
            .unwrap();
    }
    // a pause by the CLI, as an operator would
    let key_file = dir.join("member.json");
    std::fs::write(
        &key_file,
        serde_json::to_string(&member.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let paused = Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args([
            "--url",
            &validator.rpc_url,
            "--commitment",
            "confirmed",
            "--keypair",
        ])
        .arg(&key_file)
        .args(["pause", "--mint", &m])
        .output()
        .unwrap();
    assert!(
        paused.status.success(),
        "{}",
        String::from_utf8_lossy(&paused.stderr)
    );

    let expected_kinds = [
        "privileged_event",
        "large_mint",
        "mint_outside_hours",
        "allowance_usage",
        "reserve_coverage",
        "check_failed",
    ];
    until("every alert kind", &log, || {
        let kinds = kinds(&state);
        expected_kinds.iter().all(|k| kinds.contains_key(*k))
            && kinds.get("privileged_event").copied().unwrap_or(0) >= 1
            && has_summary(&state, "Paused")
    })
    .await;
    // let retries and later checks run: nothing arrives twice
    tokio::time::sleep(Duration::from_secs(8)).await;
    let ids = received_ids(&state);
    assert!(
        ids.values().all(|n| *n == 1),
        "an alert arrived twice: {ids:?}"
    );
    let kinds_now = kinds(&state);
    assert_eq!(kinds_now["large_mint"], 1, "{ids:?}");
    assert_eq!(kinds_now["allowance_usage"], 1, "{ids:?}");
    assert_eq!(kinds_now["reserve_coverage"], 1, "{ids:?}");
    assert_eq!(kinds_now["mint_outside_hours"], 2, "{ids:?}");
    let findings: Vec<&String> = ids.keys().filter(|id| id.starts_with("finding:")).collect();
    assert_eq!(findings.len(), 1, "{ids:?}");
    assert!(findings[0].contains(":mint_without_credit:"), "{ids:?}");
    {
        let state = state.lock().unwrap();
        assert_eq!(state.failed, 3);
        assert_eq!(state.bad_signatures, 0);
        let large = state
            .posts
            .iter()
            .find(|(_, b)| b["kind"] == "large_mint")
            .map(|(_, b)| b.clone())
            .unwrap();
        assert_eq!(large["mint"], m.as_str());
        assert_eq!(large["details"]["amount"], 60_000_000);
        assert_eq!(large["severity"], "warning");
        assert!(large["runbook"]
            .as_str()
            .unwrap()
            .starts_with("docs/runbook.md#"));
    }

    // /metrics: the stored seq is the chain's, the deliveries and the open finding counted
    let event_seq = usd1_client::read::issuer(&mut chain, &issuer.mint)
        .await
        .unwrap()
        .unwrap()
        .event_seq;
    let (status, text) = get(metrics_port, "/metrics").await.unwrap();
    assert_eq!(status, 200);
    let mint_label = format!("mint=\"{m}\"");
    assert_eq!(
        sample(&text, "usd1_watch_last_seq", &mint_label),
        Some(event_seq as f64),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "usd1_watch_webhook_deliveries_total",
            "webhook=\"ops\""
        ),
        Some(ids.len() as f64),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "usd1_watch_webhook_failures_total",
            "webhook=\"ops\""
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "usd1_watch_findings_open",
            &format!("kind=\"mint_without_credit\",{mint_label}")
        )
        .or_else(|| sample(
            &text,
            "usd1_watch_findings_open",
            &format!("{mint_label},kind=\"mint_without_credit\"")
        )),
        Some(1.0),
        "{text}"
    );
    // structured logs: one JSON object per line, batches and deliveries among them
    let lines = std::fs::read_to_string(&log).unwrap();
    let logged: Vec<Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        logged.iter().any(|l| l["message"] == "batch ingested"),
        "{lines}"
    );
    assert!(
        logged.iter().any(|l| l["message"] == "alert delivered"),
        "{lines}"
    );
    assert!(
        !lines.contains(SECRET),
        "the webhook secret reached the log"
    );

    // the node stops answering: cycles fail, /healthz goes 503, the lag alert fires once;
    // then it comes back and the watcher catches up
    faults.lock().unwrap().http_500 = u32::MAX;
    until("/healthz to fail", &log, || {
        futures_block(get(metrics_port, "/healthz")).is_some_and(|(s, _)| s == 503)
    })
    .await;
    until("the lag alert", &log, || {
        kinds(&state).contains_key("watcher_behind")
    })
    .await;
    faults.lock().unwrap().http_500 = 0;
    issuer.enact(&mut chain, ProposalAction::Unpause, &[]).await;
    until("the event after the outage", &log, || {
        has_summary(&state, "Unpaused")
    })
    .await;
    until("/healthz to recover", &log, || {
        futures_block(get(metrics_port, "/healthz")).is_some_and(|(s, _)| s == 200)
    })
    .await;
    let (_, text) = get(metrics_port, "/metrics").await.unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("usd1_watch_rpc_errors_total{") && !l.ends_with(" 0")),
        "{text}"
    );
    assert_eq!(kinds(&state)["watcher_behind"], 1);

    // the database drops every connection: the watcher reconnects and goes on
    if let Some(admin) = &postgres {
        let server = usd1_reconciler::Store::open(admin).await.unwrap();
        server
            .execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
        server.close().await;
        issuer
            .enact(
                &mut chain,
                ProposalAction::SetExecutionWindow { seconds: 7_200 },
                &[],
            )
            .await;
        until("an alert after the database restart", &log, || {
            has_summary(&state, "ExecutionWindowChanged")
        })
        .await;
    }

    // SIGTERM: it finishes its cycle and exits 0; a restart sends nothing again
    watcher.signal("TERM");
    assert_eq!(watcher.exit_code(Duration::from_secs(60)).await, Some(0));
    let before = received_ids(&state);
    let mut watcher = start_watcher(&proxy, &config, &log);
    until("healthy after the restart", &log, || {
        futures_block(healthy(metrics_port))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        received_ids(&state),
        before,
        "a restart sent an alert again"
    );

    // SIGKILL, an event while it is down, a restart: that event's alert arrives once
    watcher.signal("KILL");
    let _ = watcher.exit_code(Duration::from_secs(30)).await;
    chain
        .send(&[ix::pause_issuance(&member.pubkey(), &issuer.mint)], &[])
        .await
        .unwrap();
    let _watcher = start_watcher(&proxy, &config, &log);
    until("the event raised while killed", &log, || {
        has_summary(&state, "IssuancePaused")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = received_ids(&state);
    assert!(
        after.values().all(|n| *n == 1),
        "an alert arrived twice: {after:?}"
    );
    assert!(before.keys().all(|id| after.contains_key(id)));
    assert!(
        !dir.join("dead.jsonl").exists(),
        "nothing went to the dead-letter file"
    );
    drop(_watcher);

    // `usd1 reconcile` reads the same file: its store, mints, bank ledger; one finding
    let reconciled = Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args([
            "--url",
            &validator.rpc_url,
            "-o",
            "json",
            "reconcile",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&reconciled.stdout);
    assert_eq!(
        reconciled.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&reconciled.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    let kinds: Vec<&str> = report["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap())
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["mint_without_credit"], "{stdout}");
    if let Some(admin) = &postgres {
        let _ = usd1_reconciler::store::drop_postgres_database(admin, &database).await;
    }
}

/// Runs a future to completion from a synchronous closure (the `until` predicate).
fn futures_block<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}
