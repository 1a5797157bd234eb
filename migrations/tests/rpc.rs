//! `usd1-migrate` against a real Solana JSON-RPC server on loopback (usd1-test-validator):
//! the deploy is killed mid-upload and resumed, an initialize refused by the program is
//! fixed and re-run, the upgrade authority is handed to the issuer, and every further run is
//! a no-op; the chain ends with the program's exact bytes, governed by one issuer
//! initialized once.
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::Signer;
use usd1_client::backend::Backend;
use usd1_client::config::read_keypair;
use usd1_client::rpc::LocalValidator;
use usd1_client::{accounts, pda, Issuer, PROGRAM_ID};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write_config(dir: &Path, so: &Path, members: &[String], threshold: u8) -> PathBuf {
    let path = dir.join("issuer.toml");
    let members: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        &path,
        format!(
            "[mint]\nkeypair = \"mint.json\"\ndecimals = 6\nname = \"USD One\"\nsymbol = \"USD1\"\n\n\
             [governance]\nmembers = [{}]\nthreshold = {threshold}\ntime_lock = 3600\n\n\
             [limits]\nsupply_cap = \"1000000000\"\n\n\
             [program]\nso = \"{}\"\nkeypair = \"{}\"\nbuffer_keypair = \"buffer.json\"\n",
            members.join(", "),
            so.display(),
            repo().join("keys/usd1_minter-dev-keypair.json").display()
        ),
    )
    .unwrap();
    path
}

fn migrate(url: &str, deployer: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_usd1-migrate"));
    command
        .args(["--url", url, "--keypair"])
        .arg(deployer)
        .args(["--output", "json"])
        .args(args);
    command
}

/// A child process that is killed and reaped however the test ends.
struct Killed(std::process::Child);

impl Killed {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.stop();
    }
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "usd1-migrate failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_and_initialize_survive_failures_and_reruns() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[]).unwrap();
    let url = validator.rpc_url.clone();
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    let dir = std::env::temp_dir().join(format!("usd1-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let deployer = dir.join("deployer.json");
    std::fs::write(
        &deployer,
        serde_json::to_string(&validator.payer.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    let members: Vec<String> = (0..3)
        .map(|_| solana_sdk::pubkey::Pubkey::new_unique().to_string())
        .collect();
    let config = write_config(&dir, &so, &members, 2);
    let config_arg = config.display().to_string();

    // 1. the deploy is killed mid-upload
    let mut child = Killed(
        migrate(&url, &deployer, &["deploy", "--config", &config_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let buffer_file = dir.join("buffer.json");
    let started = Instant::now();
    let killed_at = loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "upload never started"
        );
        if buffer_file.exists() {
            let buffer = read_keypair(&buffer_file).unwrap().pubkey();
            if let Some(account) = chain.account(&buffer).await.unwrap() {
                let written = account.data[37..].iter().filter(|b| **b != 0).count();
                if written > 0 {
                    child.stop();
                    break written;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        chain.account(&PROGRAM_ID).await.unwrap().is_none(),
        "deployed before the kill"
    );
    let buffer = read_keypair(&buffer_file).unwrap().pubkey();
    let so_bytes = std::fs::read(&so).unwrap();
    let nonzero_in_so = so_bytes.iter().filter(|b| **b != 0).count();
    assert!(
        killed_at < nonzero_in_so,
        "the upload had finished before the kill"
    );

    // 2. the re-run resumes the same buffer and deploys
    let deployed = json(
        &migrate(&url, &deployer, &["deploy", "--config", &config_arg])
            .output()
            .unwrap(),
    );
    assert_eq!(deployed["deploy"]["status"], "deployed");
    assert_eq!(deployed["deploy"]["buffer"], buffer.to_string());
    assert_eq!(deployed["deploy"]["buffer_created_now"], false);
    assert!(
        !buffer_file.exists(),
        "the consumed buffer's keypair is removed"
    );
    let programdata = pda::program_data();
    let data = chain.account(&programdata).await.unwrap().unwrap().data;
    assert_eq!(
        &usd1_client::loader::program_data_bytes(&data)[..so_bytes.len()],
        so_bytes.as_slice()
    );

    // 3. initialize refused by the program (threshold above the member count): nothing
    //    initialized, the mint keypair kept for the next run
    let bad = write_config(&dir, &so, &members, 5);
    let out = migrate(
        &url,
        &deployer,
        &["init", "--config", &bad.display().to_string()],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("initialize failed: InvalidThreshold"),
        "{stderr}"
    );
    let mint = read_keypair(&dir.join("mint.json")).unwrap().pubkey();
    assert!(chain.account(&pda::issuer(&mint)).await.unwrap().is_none());

    // 4. fixed config: `all` skips the deploy and initializes the same mint
    let config = write_config(&dir, &so, &members, 2);
    let done = json(
        &migrate(&url, &deployer, &["all", "--config", &config_arg])
            .output()
            .unwrap(),
    );
    assert_eq!(done["deploy"]["status"], "already deployed");
    // the deployer holds the upgrade authority: reported
    assert_eq!(
        done["deploy"]["upgrade_authority"],
        validator.payer.pubkey().to_string()
    );
    assert_eq!(done["init"]["status"], "initialized");
    assert_eq!(done["init"]["mint"], mint.to_string());
    // ... and then hands it to the issuer's governance
    let governor = pda::upgrade_authority(&pda::issuer(&mint));
    assert_eq!(done["hand_over"]["status"], "handed over");
    assert_eq!(done["hand_over"]["upgrade_authority"], governor.to_string());
    let data = chain.account(&programdata).await.unwrap().unwrap().data;
    assert_eq!(
        usd1_client::loader::program_data_authority(&data),
        Some(Some(governor))
    );

    // 5. again: nothing to do
    let again = json(
        &migrate(&url, &deployer, &["all", "--config", &config_arg])
            .output()
            .unwrap(),
    );
    assert_eq!(again["deploy"]["status"], "governed");
    assert_eq!(again["deploy"]["matches_so"], true);
    assert_eq!(again["init"]["status"], "already initialized");
    assert_eq!(again["hand_over"]["status"], "already handed over");

    // 6. a config that no longer matches the chain is refused, not applied
    let other = write_config(&dir, &so, &members, 3);
    let out = migrate(
        &url,
        &deployer,
        &["init", "--config", &other.display().to_string()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("already initialized with a configuration other than"));
    // nor is the program handed to an issuer whose governance is not the file's
    let out = migrate(
        &url,
        &deployer,
        &["hand-over", "--config", &other.display().to_string()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not the config's"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(config);

    // the chain: one issuer, initialized once, as configured
    let issuer = accounts::decode::<Issuer>(
        &chain
            .account(&pda::issuer(&mint))
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap();
    let mut sorted = members
        .iter()
        .map(|m| m.parse().unwrap())
        .collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(issuer.members(), sorted);
    assert_eq!(issuer.threshold, 2);
    // initialized once, handed over once: IssuerInitialized and UpgradeAuthorityReceived
    // (the event history over RPC is checked by the CLI's RPC test)
    assert_eq!(issuer.event_seq, 2);
    assert!(issuer.governs_upgrades());
    if done["init"]["events_pending"] != true {
        let events = done["init"]["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["name"], "IssuerInitialized");
        assert_eq!(events[0]["seq"], 1);
    }
}
