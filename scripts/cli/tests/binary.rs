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
    // a command that signs (reading commands need no key)
    let out = usd1(&["pause", "--mint", &mint]);
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

/// `usd1 <args>` with `stdin` fed to it.
fn usd1_with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_usd1"))
        .args(args)
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run usd1");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// An approval signed offline (nothing to reach: the URL is a closed port), as JSON.
fn sign_approval_offline(signer_args: &[&str], fee_payer: &str, stdin: &str) -> serde_json::Value {
    let mint = "Hxw9nNLmyjaJfQwmmLKVWU9Qh2NHgnwnG7XsdYHXpeZF";
    let blockhash = "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi";
    let mut args = vec!["--url", "http://127.0.0.1:9"];
    args.extend_from_slice(signer_args);
    args.extend([
        "--fee-payer",
        fee_payer,
        "--blockhash",
        blockhash,
        "--sign-only",
        "--dump-transaction-message",
        "-o",
        "json",
        "approve",
        "--mint",
        mint,
        "7",
    ]);
    let out = usd1_with_stdin(&args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["blockhash"], blockhash);
    json
}

/// The `PUBKEY=SIGNATURE` pairs of a sign-only report, each checked over its message.
fn verified_pairs(report: &serde_json::Value) -> Vec<(String, String)> {
    use base64::Engine;
    let message = base64::engine::general_purpose::STANDARD
        .decode(report["message"].as_str().unwrap())
        .unwrap();
    report["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let (key, signature) = pair.as_str().unwrap().split_once('=').unwrap();
            let pubkey: solana_sdk::pubkey::Pubkey = key.parse().unwrap();
            let sig: solana_sdk::signature::Signature = signature.parse().unwrap();
            assert!(sig.verify(pubkey.as_ref(), &message), "{pair}");
            (key.to_string(), signature.to_string())
        })
        .collect()
}

#[test]
fn a_keypair_on_stdin_signs_offline_and_a_presigned_signature_completes_it() {
    use solana_sdk::signature::Signer;
    let member = solana_sdk::signature::Keypair::new();
    let payer_file = keypair_file();
    let payer_key = {
        let bytes: Vec<u8> =
            serde_json::from_str(&std::fs::read_to_string(&payer_file).unwrap()).unwrap();
        solana_sdk::signature::Keypair::try_from(bytes.as_slice())
            .unwrap()
            .pubkey()
            .to_string()
    };
    // the cold member's key comes on stdin; the fee payer is only named
    let json_key = serde_json::to_string(&member.to_bytes().to_vec()).unwrap();
    let offline = sign_approval_offline(&["--keypair", "stdin:"], &payer_key, &json_key);
    let pairs = verified_pairs(&offline);
    assert_eq!(pairs.len(), 1, "{offline}");
    assert_eq!(pairs[0].0, member.pubkey().to_string());
    assert_eq!(offline["absent"], serde_json::json!([payer_key]));
    // the submitting side: the member as a pubkey with its presigned signature, the fee
    // payer from its file; the same message, now fully signed
    let presigned = format!("{}={}", pairs[0].0, pairs[0].1);
    let member_key = member.pubkey().to_string();
    let online = sign_approval_offline(
        &["--keypair", &member_key, "--signer", &presigned],
        &payer_file,
        "",
    );
    assert_eq!(online["message"], offline["message"]);
    let completed = verified_pairs(&online);
    assert_eq!(completed.len(), 2, "{online}");
    assert!(completed.iter().any(|(k, _)| *k == payer_key), "{online}");
    // the member's signature is the one made offline
    assert!(completed.contains(&pairs[0]), "{online}");
    assert_eq!(online["absent"], serde_json::json!([]));
    // a presigned signature over another message is refused, naming the key
    let other = solana_sdk::signature::Keypair::new().sign_message(b"something else");
    let forged = format!("{member_key}={other}");
    let out = usd1_with_stdin(
        &[
            "--url",
            "http://127.0.0.1:9",
            "--keypair",
            &member_key,
            "--signer",
            &forged,
            "--fee-payer",
            &payer_file,
            "--blockhash",
            "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi",
            "--sign-only",
            "approve",
            "--mint",
            "Hxw9nNLmyjaJfQwmmLKVWU9Qh2NHgnwnG7XsdYHXpeZF",
            "7",
        ],
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&member_key), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_seed_phrase_typed_at_the_prompt_signs() {
    use solana_sdk::signature::Signer;
    // `prompt:` reads from the terminal: `script` gives the child one and types for it
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                  abandon abandon about";
    use solana_seed_derivable::SeedDerivable;
    // `prompt:` derives the Solana CLI's default path (m/44'/501') from the BIP39 seed
    let seed = solana_seed_phrase::generate_seed_from_seed_phrase_and_passphrase(phrase, "");
    let expected = solana_sdk::signature::Keypair::from_seed_and_derivation_path(&seed, None)
        .unwrap()
        .pubkey();
    let payer = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    let command = format!(
        "{} --url http://127.0.0.1:9 --keypair prompt: --fee-payer {payer} --blockhash \
         4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi --sign-only -o json approve --mint \
         Hxw9nNLmyjaJfQwmmLKVWU9Qh2NHgnwnG7XsdYHXpeZF 7",
        env!("CARGO_BIN_EXE_usd1")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            // the phrase, then an empty passphrase
            stdin.write_all(format!("{phrase}\n").as_bytes())?;
            std::thread::sleep(std::time::Duration::from_millis(500));
            stdin.write_all(b"\n")?;
            std::thread::sleep(std::time::Duration::from_millis(500));
            drop(stdin);
            child.wait_with_output()
        })
        .expect("run usd1 under script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("{expected}=")),
        "no signature of {expected} in: {stdout}"
    );
}
