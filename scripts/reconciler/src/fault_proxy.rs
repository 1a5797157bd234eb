//! A loopback JSON-RPC proxy that injects the faults and the latency a real source has, for
//! the reconciler's fault tests (`tests/faults.rs`) and the RPC ingestion benchmark
//! (`usd1-bench-ingest`): capped signature pages, a pool member that does not know a
//! `before`, transactions without their inner instructions, events of an unknown kind, HTTP
//! 500s and 429s, requests that time out, a node that stopped, and a fixed delay per call. Plain HTTP/1.1 over tokio, keep-alive
//! towards the client, one connection per request upstream.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to the answers passing through it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Keep at most this many entries of each getSignaturesForAddress page.
    pub signature_page_cap: Option<usize>,
    /// Answer a getSignaturesForAddress with a `before` with an empty page.
    pub forget_before: bool,
    /// Drop `meta.innerInstructions` from every getTransaction.
    pub strip_inner_instructions: bool,
    /// Answer this many getTransaction with a null result first (listed, not served yet).
    pub null_transactions: u32,
    /// Then answer this many with `meta: null` (a node without status metadata).
    pub metaless_transactions: u32,
    /// Answer this many requests with HTTP 500 first.
    pub http_500: u32,
    /// Then this many with HTTP 429 (rate limited).
    pub http_429: u32,
    /// Then hold this many for `stall_for` before answering (a request that times out).
    pub stalls: u32,
    pub stall_for: Duration,
    /// Serve this block time for every getBlockTime (a node that stopped).
    pub frozen_block_time: Option<i64>,
    /// Hold every answer this long (a remote node).
    pub latency: Option<Duration>,
    /// Keep every answer by its method and params, and serve a request asked before from
    /// there: a node whose own work is not the bottleneck (the benchmark's second pass).
    pub replay: bool,
    /// Give every event with this discriminator in a getTransaction an unknown one (`0xee`
    /// × 8): an event of a program version the reconciler does not know.
    pub unknown_event: Option<[u8; 8]>,
}

/// Rewrites the discriminator of `wanted` events in a transaction's inner instructions.
fn disguise_events(meta: &mut Value, wanted: &[u8; 8]) {
    let tag = anchor_lang::event::EVENT_IX_TAG_LE;
    let Some(sets) = meta
        .get_mut("innerInstructions")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for set in sets {
        let Some(instructions) = set.get_mut("instructions").and_then(Value::as_array_mut) else {
            continue;
        };
        for instruction in instructions {
            let Some(data) = instruction["data"].as_str() else {
                continue;
            };
            let Ok(mut bytes) = bs58::decode(data).into_vec() else {
                continue;
            };
            if bytes.starts_with(tag) && bytes.get(8..16) == Some(&wanted[..]) {
                bytes[8..16].copy_from_slice(&[0xee; 8]);
                instruction["data"] = Value::from(bs58::encode(bytes).into_string());
            }
        }
    }
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
        "getTransaction" => {
            // (never index a null result: that would make it an object)
            let meta = answer.get_mut("result").and_then(|r| r.get_mut("meta"));
            if let (Some(wanted), Some(meta)) = (&faults.unknown_event, meta) {
                disguise_events(meta, wanted);
            }
            if faults.strip_inner_instructions {
                if let Some(meta) = answer["result"]["meta"].as_object_mut() {
                    meta.remove("innerInstructions");
                }
            }
            if faults.null_transactions > 0 {
                answer["result"] = Value::Null;
            } else if faults.metaless_transactions > 0 {
                if let Some(result) = answer.get_mut("result").and_then(Value::as_object_mut) {
                    result.insert("meta".into(), Value::Null);
                }
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

/// A proxy's answers kept for replay, by `method` and `params`.
type Kept = Mutex<HashMap<String, Value>>;

/// `upstream`'s answer to `body`, or (replaying) the one kept for the same method and
/// params, given the request's id.
async fn replayed(
    upstream: &str,
    faults: &Mutex<Faults>,
    kept: &Kept,
    body: &[u8],
) -> Option<Vec<u8>> {
    if !faults.lock().unwrap().replay {
        return forward(upstream, body).await.ok();
    }
    let request: Value = serde_json::from_slice(body).ok()?;
    let key = format!("{}{}", request["method"], request["params"]);
    let known = kept.lock().unwrap().get(&key).cloned();
    let mut answer = match known {
        Some(answer) => answer,
        None => {
            let answer: Value =
                serde_json::from_slice(&forward(upstream, body).await.ok()?).ok()?;
            if answer.get("result").is_some() {
                kept.lock().unwrap().insert(key, answer.clone());
            }
            answer
        }
    };
    answer["id"] = request["id"].clone();
    serde_json::to_vec(&answer).ok()
}

/// The HTTP response to one JSON-RPC request: `upstream`'s answer with `faults` applied, or
/// the 500 or 429 the faults ask for (a 500 too when upstream cannot be reached).
async fn answer(upstream: &str, faults: &Mutex<Faults>, kept: &Kept, body: &[u8]) -> String {
    let (status, latency) = {
        let mut f = faults.lock().unwrap();
        let status = if f.http_500 > 0 {
            f.http_500 -= 1;
            Some("500 Internal Server Error")
        } else if f.http_429 > 0 {
            f.http_429 -= 1;
            Some("429 Too Many Requests")
        } else {
            None
        };
        let mut latency = f.latency.unwrap_or_default();
        if status.is_none() && f.stalls > 0 {
            f.stalls -= 1;
            latency += f.stall_for;
        }
        (status, latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let answer = match status {
        Some(_) => None,
        None => replayed(upstream, faults, kept, body).await,
    };
    match answer {
        Some(answer) => {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let mut answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
            let snapshot = {
                let mut f = faults.lock().unwrap();
                let snapshot = f.clone();
                if request["method"] == "getTransaction" {
                    if f.null_transactions > 0 {
                        f.null_transactions -= 1;
                    } else {
                        f.metaless_transactions = f.metaless_transactions.saturating_sub(1);
                    }
                }
                snapshot
            };
            apply(&snapshot, &request, &mut answer);
            let json = answer.to_string();
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: keep-alive\r\n\r\n{json}",
                json.len()
            )
        }
        None => format!(
            "HTTP/1.1 {}\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
            status.unwrap_or("500 Internal Server Error")
        ),
    }
}

/// A proxy on loopback in front of `upstream` (host:port), applying `faults` as they are at
/// each request; returns its URL. It runs until the runtime stops.
pub async fn start(upstream: String, faults: Arc<Mutex<Faults>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let kept: Arc<Kept> = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let (upstream, faults, kept) = (upstream.clone(), faults.clone(), kept.clone());
            tokio::spawn(async move {
                // keep-alive, as a remote node's HTTPS endpoint is: one connection carries a
                // client's requests one after another
                while let Ok((head, body)) = read_message(&mut client, false).await {
                    let response = answer(&upstream, &faults, &kept, &body).await;
                    if client.write_all(response.as_bytes()).await.is_err()
                        || head.contains("connection: close")
                    {
                        break;
                    }
                }
                let _ = client.shutdown().await;
            });
        }
    });
    url
}
