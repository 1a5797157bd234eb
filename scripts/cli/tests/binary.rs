//! The `usd1` binary's own front door: options resolved before any backend exists.
use std::process::Command;

fn usd1(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args(args)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run usd1")
}

/// A fresh keypair file of its own for each call: tests run in parallel threads of one
/// process, and a shared path could be read by one test while another rewrites it.
fn keypair_file() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("usd1-binary-{}-{n}.json", std::process::id()));
    let keypair = solana_sdk::signature::Keypair::new();
    std::fs::write(
        &path,
        serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn a_bad_url_is_named_and_exits_2() {
    let keypair = keypair_file();
    let mint = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    let out = usd1(&[
        "--url",
        "ftp://nowhere",
        "--keypair",
        &keypair,
        "status",
        "--mint",
        &mint,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("invalid --url \"ftp://nowhere\""),
        "{stderr}"
    );
}

#[test]
fn the_default_keypair_missing_is_named_and_exits_2() {
    let mint = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    let out = usd1(&["status", "--mint", &mint]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".config/solana/id.json"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unreachable_cluster_is_a_one_line_error_and_exits_1() {
    let keypair = keypair_file();
    let mint = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    // port 9 (discard) on loopback: nothing listens
    let out = usd1(&[
        "--url",
        "http://127.0.0.1:9",
        "--keypair",
        &keypair,
        "-o",
        "json",
        "status",
        "--mint",
        &mint,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: reading the issuer failed: transport:"),
        "{stderr}"
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["exit_code"], 1);
}
