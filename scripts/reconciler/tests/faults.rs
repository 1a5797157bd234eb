//! `usd1 reconcile` against a test validator through a loopback JSON-RPC proxy that injects
//! faults a real source has: capped signature pages, a pool member that does not know a
//! `before`, transactions served without their inner instructions, HTTP 500s, and a node that
//! stopped (its finalized block hours old). Each run either completes with the whole ledger
//! or stops with exit 3 and no cursor moved; none reads as agreeing or as a discrepancy.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::{Keypair, Signer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use usd1_client::backend::Backend;
use usd1_client::rpc::LocalValidator;
use usd1_client::{ix, InitializeArgs, Limits, ProposalAction, PROGRAM_ID};
use usd1_reconciler::cli::{run, ReconcileArgs};
use usd1_reconciler::Store;

/// What the proxy does to the answers passing through it.
#[derive(Debug, Clone, Default)]
struct Faults {
    /// Keep at most this many entries of each getSignaturesForAddress page.
    signature_page_cap: Option<usize>,
    /// Answer a getSignaturesForAddress with a `before` with an empty page.
    forget_before: bool,
    /// Drop `meta.innerInstructions` from every getTransaction.
    strip_inner_instructions: bool,
    /// Answer this many requests with HTTP 500 first.
    http_500: u32,
    /// Serve this block time for every getBlockTime (a node that stopped).
    frozen_block_time: Option<i64>,
}

/// Reads one HTTP/1.1 message (head + Content-Length or chunked body) to EOF or its end.
async fn read_message(
    stream: &mut TcpStream,
    until_eof: bool,
) -> std::io::Result<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let mut body = buffer[head_end + 4..].to_vec();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(length) => {
            while body.len() < length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        None if until_eof => {
            stream.read_to_end(&mut body).await?;
        }
        None => {}
    }
    if head.contains("transfer-encoding: chunked") {
        let mut plain = Vec::new();
        let mut rest = body.as_slice();
        while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..i]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            plain.extend_from_slice(&rest[i + 2..i + 2 + size]);
            rest = &rest[i + 2 + size + 2..];
        }
        body = plain;
    }
    Ok((head, body))
}

/// Forwards one request to `upstream` and returns its JSON answer.
async fn forward(upstream: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).await?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    Ok(read_message(&mut stream, true).await?.1)
}

fn apply(faults: &Faults, request: &Value, answer: &mut Value) {
    let method = request["method"].as_str().unwrap_or("");
    match method {
        "getSignaturesForAddress" => {
            let has_before = request["params"][1]["before"].is_string();
            if let Some(page) = answer["result"].as_array_mut() {
                if faults.forget_before && has_before {
                    page.clear();
                }
                if let Some(cap) = faults.signature_page_cap {
                    page.truncate(cap);
                }
            }
        }
        "getTransaction" if faults.strip_inner_instructions => {
            if let Some(meta) = answer["result"]["meta"].as_object_mut() {
                meta.remove("innerInstructions");
            }
        }
        "getBlockTime" => {
            if let Some(time) = faults.frozen_block_time {
                answer["result"] = Value::from(time);
            }
        }
        _ => {}
    }
}

/// A proxy on loopback in front of `upstream` (host:port); returns its URL.
async fn proxy(upstream: String, faults: Arc<Mutex<Faults>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let (upstream, faults) = (upstream.clone(), faults.clone());
            tokio::spawn(async move {
                let Ok((_, body)) = read_message(&mut client, false).await else {
                    return;
                };
                let fail = {
                    let mut f = faults.lock().unwrap();
                    let fail = f.http_500 > 0;
                    f.http_500 = f.http_500.saturating_sub(1);
                    fail
                };
                let answer = if fail {
                    None
                } else {
                    forward(&upstream, &body).await.ok()
                };
                let response = match answer {
                    Some(answer) => {
                        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let mut answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                        apply(&faults.lock().unwrap().clone(), &request, &mut answer);
                        let json = answer.to_string();
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                             Connection: close\r\n\r\n{json}",
                            json.len()
                        )
                    }
                    None => "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string(),
                };
                let _ = client.write_all(response.as_bytes()).await;
                let _ = client.shutdown().await;
            });
        }
    });
    url
}

fn args(mint: &solana_sdk::pubkey::Pubkey, store: &str, extra: &[&str]) -> ReconcileArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        reconcile: ReconcileArgs,
    }
    let mut argv = vec![
        "reconcile",
        "--store",
        store,
        "--ingest-only",
        "--retries",
        "3",
    ];
    let mint = mint.to_string();
    argv.extend(["--mint", &mint]);
    argv.extend(extra);
    Cli::parse_from(argv).reconcile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_sources_never_read_as_complete_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[(PROGRAM_ID, so)]).unwrap();
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    // an issuer with a few events: initialize, then proposals (created and approved)
    let mint = Keypair::new();
    let member = validator.payer.insecure_clone();
    let init = InitializeArgs {
        decimals: 6,
        name: "Faults".into(),
        symbol: "FLT".into(),
        uri: "https://example.com/f.json".into(),
        members: vec![member.pubkey()],
        threshold: 1,
        time_lock: 0,
        limits: Limits {
            supply_cap: 1_000_000_000_000,
            ..Limits::default()
        },
        permanent_delegate: false,
        default_frozen: false,
    };
    chain
        .send(
            &[ix::initialize(&member.pubkey(), &mint.pubkey(), init)],
            &[&mint],
        )
        .await
        .unwrap();
    for index in 1..=3u64 {
        let action = ProposalAction::SetExecutionWindow {
            seconds: 3_600 + index as u32,
        };
        chain
            .send(
                &[ix::propose(&member.pubkey(), &mint.pubkey(), index, action)],
                &[],
            )
            .await
            .unwrap();
    }
    let issuer = usd1_client::read::issuer(&mut chain, &mint.pubkey())
        .await
        .unwrap()
        .expect("the issuer");
    let events = issuer.event_seq;
    assert!(events >= 4, "{events}");
    let upstream = validator.rpc_url.trim_start_matches("http://").to_string();
    let dir = std::env::temp_dir().join(format!("usd1-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store_at = |name: &str| dir.join(name).display().to_string();

    // wait (bounded) until the node's finalized history serves every event, straight
    let deadline = Instant::now() + Duration::from_secs(600);
    let whole = store_at("whole.sqlite");
    loop {
        let outcome = run(&args(&mint.pubkey(), &whole, &[]), &validator.rpc_url, true).await;
        assert_eq!(outcome.code, 0, "{outcome:?}");
        let store = Store::open(&whole).await.unwrap();
        let stored = store.max_seq(&mint.pubkey()).await.unwrap();
        store.close().await;
        if stored == events {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the node's finalized history stayed at {stored} of {events}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    let faults = Arc::new(Mutex::new(Faults::default()));
    let url = proxy(upstream, faults.clone()).await;
    let set = |f: Faults| *faults.lock().unwrap() = f;

    // pages capped at 1 entry and two 500s: the walk goes on page by page, the retries
    // absorb the errors, and the store holds the same ledger
    set(Faults {
        signature_page_cap: Some(1),
        http_500: 2,
        ..Faults::default()
    });
    let capped = store_at("capped.sqlite");
    let outcome = run(&args(&mint.pubkey(), &capped, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let (a, b) = (
        Store::open(&whole).await.unwrap(),
        Store::open(&capped).await.unwrap(),
    );
    let dump = |s: String| {
        s.lines()
            .filter(|l| l.starts_with("events "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(dump(a.dump().await.unwrap()), dump(b.dump().await.unwrap()));
    a.close().await;

    // a store with a cursor after the first transaction, then a pool member that does not know
    // the `before` of its second page: exit 3, the cursor where it was
    set(Faults::default());
    let partial = store_at("partial.sqlite");
    let outcome = run(
        &args(&mint.pubkey(), &partial, &["--max-transactions", "1"]),
        &url,
        true,
    )
    .await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let store = Store::open(&partial).await.unwrap();
    let source = store.dump().await.unwrap();
    let cursor_before: Vec<&str> = source
        .lines()
        .filter(|l| l.starts_with("cursors "))
        .collect();
    assert_eq!(cursor_before.len(), 1, "{source}");
    let cursor_before = cursor_before[0].to_string();
    store.close().await;
    set(Faults {
        signature_page_cap: Some(2),
        forget_before: true,
        ..Faults::default()
    });
    let outcome = run(&args(&mint.pubkey(), &partial, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(
        outcome.stderr.contains("source history incomplete"),
        "{outcome:?}"
    );
    let store = Store::open(&partial).await.unwrap();
    let after = store.dump().await.unwrap();
    assert!(after.contains(&cursor_before), "the cursor moved:\n{after}");
    store.close().await;

    // transactions served without inner instructions: retried, then exit 3, nothing stored
    set(Faults {
        strip_inner_instructions: true,
        ..Faults::default()
    });
    let stripped = store_at("stripped.sqlite");
    let outcome = run(&args(&mint.pubkey(), &stripped, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(outcome.stderr.contains("not available yet"), "{outcome:?}");
    let store = Store::open(&stripped).await.unwrap();
    assert_eq!(store.max_seq(&mint.pubkey()).await.unwrap(), 0);
    store.close().await;

    // a node that stopped an hour ago: stale, exit 3 (never a report)
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    set(Faults {
        frozen_block_time: Some(now - 3_600),
        ..Faults::default()
    });
    let outcome = run(&args(&mint.pubkey(), &whole, &[]), &url, true).await;
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(outcome.stderr.contains("stale source"), "{outcome:?}");
    // through the same node, fresh: the report says what it is as of
    set(Faults::default());
    let outcome = run(&args(&mint.pubkey(), &whole, &[]), &url, true).await;
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let json: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert!(json["ingest"]["as_of_slot"].as_u64().unwrap() > 0, "{json}");
    std::fs::remove_dir_all(&dir).ok();
}
