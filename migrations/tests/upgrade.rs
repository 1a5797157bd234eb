//! The program's upgrade under governance, end to end on a real test validator: usd1-migrate
//! deploys, initializes and hands the upgrade authority to the issuer; the deployer's key is
//! then worthless; `usd1-migrate buffer` stages a rebuilt `.so` (the `cu-profile` build:
//! other bytes, and logs that show it runs); `usd1 propose upgrade-program` refuses a buffer
//! with other bytes than it names; execution is refused before the threshold, succeeds
//! after it, and a second approved upgrade proposal has outlived the first; another issuer
//! of the same program cannot propose upgrades.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use usd1_cli::Outcome;
use usd1_client::backend::Backend;
use usd1_client::rpc::{LocalValidator, RpcBackend};
use usd1_client::{accounts, ix, loader, pda, request_id_from_reference, Issuer, PROGRAM_ID};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The rebuilt program: scripts/test builds it with
/// `USD1_SBF_FEATURES=cu-profile USD1_SBF_OUT=target/deploy-upgrade scripts/build-sbf`.
fn rebuilt_so() -> PathBuf {
    let path = std::env::var_os("USD1_UPGRADE_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/deploy-upgrade/usd1_minter.so"));
    assert!(
        path.is_file(),
        "{} is missing: USD1_SBF_FEATURES=cu-profile USD1_SBF_OUT=target/deploy-upgrade \
         scripts/build-sbf (scripts/test does this)",
        path.display()
    );
    path
}

fn keypair_file(dir: &Path, name: &str, keypair: &Keypair) -> String {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(
        &path,
        serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    path.display().to_string()
}

fn write_config(dir: &Path, name: &str, so: &Path, members: &[Pubkey]) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let members: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        &path,
        format!(
            "[mint]\nkeypair = \"{name}-mint.json\"\ndecimals = 6\nname = \"USD One\"\nsymbol = \"USD1\"\n\n\
             [governance]\nmembers = [{}]\nthreshold = 2\ntime_lock = 0\n\n\
             [limits]\nsupply_cap = \"1000000000\"\n\n\
             [program]\nso = \"{}\"\nkeypair = \"{}\"\nbuffer_keypair = \"deploy-buffer.json\"\n",
            members.join(", "),
            so.display(),
            repo().join("keys/usd1_minter-dev-keypair.json").display()
        ),
    )
    .unwrap();
    path
}

fn migrate(url: &str, deployer: &str, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1-migrate"))
        .args(["--url", url, "--keypair", deployer, "--output", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "usd1-migrate {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `usd1 --keypair <key> -o json <args>` over the same RPC backend, in process.
async fn usd1(backend: &mut RpcBackend, key: &str, args: &[&str]) -> Outcome {
    let mut full = vec!["--keypair", key, "-o", "json"];
    full.extend_from_slice(args);
    usd1_cli::run_on(backend, &full).await
}

fn ok(outcome: &Outcome) -> Value {
    assert_eq!(outcome.code, 0, "{outcome:?}");
    serde_json::from_str(&outcome.stdout).unwrap()
}

/// The program's error name in a refused command's JSON.
fn refused(outcome: &Outcome) -> String {
    assert_ne!(outcome.code, 0, "{outcome:?}");
    let json: Value = serde_json::from_str(&outcome.stdout).unwrap_or(Value::Null);
    json["name"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| outcome.stderr.clone())
}

async fn upgrade_authority(chain: &mut RpcBackend) -> Option<Pubkey> {
    let data = chain
        .account(&pda::program_data())
        .await
        .unwrap()
        .unwrap()
        .data;
    loader::program_data_authority(&data).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn governance_upgrades_the_deployed_program_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let rebuilt = rebuilt_so();
    let rebuilt_bytes = std::fs::read(&rebuilt).unwrap();
    assert_ne!(
        rebuilt_bytes,
        std::fs::read(&so).unwrap(),
        "the rebuilt .so must differ from the deployed one"
    );
    let validator = LocalValidator::start(&[]).unwrap();
    let url = validator.rpc_url.clone();
    let mut chain = validator.backend(CommitmentConfig::confirmed());
    let dir = std::env::temp_dir().join(format!("usd1-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let deployer = keypair_file(&dir, "deployer", &validator.payer);
    let members = [Keypair::new(), Keypair::new()];
    let member_files: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, m)| keypair_file(&dir, &format!("member{i}"), m))
        .collect();
    for member in &members {
        let fund = anchor_lang::solana_program::system_instruction::transfer(
            &validator.payer.pubkey(),
            &member.pubkey(),
            10_000_000_000,
        );
        chain.send(&[fund], &[]).await.unwrap();
    }
    let keys: Vec<Pubkey> = members.iter().map(Keypair::pubkey).collect();
    let config = write_config(&dir, "issuer", &so, &keys);
    let config_arg = config.display().to_string();

    // deploy (with room for a larger build), initialize, hand over
    let done = migrate(&url, &deployer, &["all", "--config", &config_arg]);
    assert_eq!(done["deploy"]["status"], "deployed");
    let so_len = std::fs::metadata(&so).unwrap().len();
    assert_eq!(done["deploy"]["max_len"], 2 * so_len);
    assert_eq!(done["init"]["status"], "initialized");
    let mint: Pubkey = done["init"]["mint"].as_str().unwrap().parse().unwrap();
    let issuer_address = pda::issuer(&mint);
    let governor = pda::upgrade_authority(&issuer_address);
    assert_eq!(done["hand_over"]["status"], "handed over");
    assert_eq!(done["hand_over"]["upgrade_authority"], governor.to_string());
    assert_eq!(upgrade_authority(&mut chain).await, Some(governor));
    // re-run: nothing to do, the governed program reported as such
    let again = migrate(&url, &deployer, &["all", "--config", &config_arg]);
    assert_eq!(again["deploy"]["status"], "governed");
    assert_eq!(again["deploy"]["matches_so"], true);
    assert_eq!(again["hand_over"]["status"], "already handed over");

    // the deployer's key no longer controls the program: the loader refuses it
    let take_back = solana_loader_v3_interface::instruction::set_upgrade_authority(
        &PROGRAM_ID,
        &validator.payer.pubkey(),
        Some(&validator.payer.pubkey()),
    );
    let loader_error = chain.send(&[take_back], &[]).await.unwrap_err();
    assert!(
        format!("{loader_error:?}").contains("IncorrectAuthority"),
        "the loader refuses the old key as upgrade authority: {loader_error:?}"
    );
    assert_eq!(upgrade_authority(&mut chain).await, Some(governor));

    // stage the rebuilt program; idempotent
    let buffer_keypair = dir.join("upgrade-buffer.json").display().to_string();
    let rebuilt_arg = rebuilt.display().to_string();
    let stage = [
        "buffer",
        "--config",
        config_arg.as_str(),
        "--so",
        rebuilt_arg.as_str(),
        "--buffer-keypair",
        buffer_keypair.as_str(),
    ];
    let staged = migrate(&url, &deployer, &stage);
    assert_eq!(staged["buffer"]["status"], "staged");
    assert_eq!(staged["buffer"]["buffer_authority"], governor.to_string());
    let buffer = staged["buffer"]["buffer"].as_str().unwrap().to_string();
    assert_eq!(
        migrate(&url, &deployer, &stage)["buffer"]["status"],
        "ready"
    );

    let mint_arg = mint.to_string();
    let m = mint_arg.as_str();
    // a proposal naming other bytes than the buffer holds is refused before it is sent
    let so_arg = so.display().to_string();
    let wrong = usd1(
        &mut chain,
        &member_files[0],
        &[
            "propose",
            "--mint",
            m,
            "upgrade-program",
            "--buffer",
            &buffer,
            "--so",
            &so_arg,
        ],
    )
    .await;
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(wrong.stderr.contains("not the expected"), "{wrong:?}");

    let propose = [
        "propose",
        "--mint",
        m,
        "upgrade-program",
        "--buffer",
        buffer.as_str(),
        "--so",
        rebuilt_arg.as_str(),
    ];
    let first = ok(&usd1(&mut chain, &member_files[0], &propose).await)["index"]
        .as_u64()
        .unwrap();
    let second = ok(&usd1(&mut chain, &member_files[0], &propose).await)["index"]
        .as_u64()
        .unwrap();
    // one approval of two: not executable
    let early = usd1(
        &mut chain,
        &deployer,
        &["execute", "--mint", m, &first.to_string()],
    )
    .await;
    assert_eq!(refused(&early), "ThresholdNotReached");
    for index in [first, second] {
        ok(&usd1(
            &mut chain,
            &member_files[1],
            &["approve", "--mint", m, &index.to_string()],
        )
        .await);
    }
    let executed = ok(&usd1(
        &mut chain,
        &deployer,
        &["execute", "--mint", m, &first.to_string()],
    )
    .await);
    assert!(
        executed["result"]
            .as_str()
            .unwrap()
            .contains("upgrade the program"),
        "{executed}"
    );
    let data = chain
        .account(&pda::program_data())
        .await
        .unwrap()
        .unwrap()
        .data;
    assert_eq!(
        &loader::program_data_bytes(&data)[..rebuilt_bytes.len()],
        rebuilt_bytes.as_slice()
    );
    assert!(chain
        .account(&buffer.parse().unwrap())
        .await
        .unwrap()
        .is_none());
    // upgraded code runs from the slot after the upgrade's (the loader's visibility delay)
    chain
        .await_next_slot(Duration::from_secs(120))
        .await
        .unwrap();
    // the leftover approval cannot deploy again (nor roll back to what it named)
    let leftover = usd1(
        &mut chain,
        &deployer,
        &["execute", "--mint", m, &second.to_string()],
    )
    .await;
    assert_eq!(refused(&leftover), "UpgradeProposalOutlived");

    // the rebuilt code runs: a minter's mint, simulated, logs the cu-profile checkpoints
    let minter = Keypair::new();
    let minter_file = keypair_file(&dir, "minter", &minter);
    let configure = ok(&usd1(
        &mut chain,
        &member_files[0],
        &[
            "propose",
            "--mint",
            m,
            "configure-minter",
            "--authority",
            &minter.pubkey().to_string(),
            "--allowance-grant",
            "100",
            "--rate-capacity",
            "100",
            "--rate-window",
            "60",
        ],
    )
    .await)["index"]
        .as_u64()
        .unwrap();
    ok(&usd1(
        &mut chain,
        &member_files[1],
        &["approve", "--mint", m, &configure.to_string()],
    )
    .await);
    // the minter pays its acceptance's fee and its receipt's rent
    let fund = anchor_lang::solana_program::system_instruction::transfer(
        &validator.payer.pubkey(),
        &minter.pubkey(),
        1_000_000_000,
    );
    chain.send(&[fund], &[]).await.unwrap();
    // a new minter authority accepts before the proposal that creates it can execute
    let early = usd1(
        &mut chain,
        &deployer,
        &["execute", "--mint", m, &configure.to_string()],
    )
    .await;
    assert_eq!(refused(&early), "KeyNotAccepted");
    ok(&usd1(
        &mut chain,
        &minter_file,
        &["accept", "--mint", m, &configure.to_string()],
    )
    .await);
    ok(&usd1(
        &mut chain,
        &deployer,
        &["execute", "--mint", m, &configure.to_string()],
    )
    .await);
    let holder = Pubkey::new_unique();
    let recipient = usd1_client::token::associated_address(&holder, &mint);
    let create =
        usd1_client::token::create_associated_account(&validator.payer.pubkey(), &holder, &mint);
    chain.send(&[create], &[]).await.unwrap();
    let mint_ix = ix::mint(
        &minter.pubkey(),
        &mint,
        &recipient,
        request_id_from_reference("wire-after-upgrade").unwrap(),
        1_000_000,
    );
    let blockhash = chain.client().get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[mint_ix],
        Some(&validator.payer.pubkey()),
        &[&validator.payer, &minter],
        blockhash,
    );
    let simulated = chain
        .client()
        .simulate_transaction(&tx)
        .await
        .unwrap()
        .value;
    assert_eq!(simulated.err, None, "{:?}", simulated.logs);
    let logs = simulated.logs.unwrap_or_default();
    assert!(
        logs.iter()
            .any(|l| l.contains("mint: allowance, rate limit, cap checked")),
        "the rebuilt program's checkpoints: {logs:?}"
    );
    drop(minter_file);

    // another issuer of the same program governs nothing
    let other_config = write_config(&dir, "other", &so, &keys);
    let other = migrate(
        &url,
        &deployer,
        &["init", "--config", &other_config.display().to_string()],
    );
    let other_mint = other["init"]["mint"].as_str().unwrap().to_string();
    let foreign = usd1(
        &mut chain,
        &member_files[0],
        &[
            "propose",
            "--mint",
            &other_mint,
            "set-upgrade-authority",
            "--immutable",
        ],
    )
    .await;
    assert_eq!(refused(&foreign), "NotUpgradeGovernor");
    assert_eq!(upgrade_authority(&mut chain).await, Some(governor));

    let issuer =
        accounts::decode::<Issuer>(&chain.account(&issuer_address).await.unwrap().unwrap().data)
            .unwrap();
    assert!(issuer.governs_upgrades());
    assert_eq!(issuer.upgrade_stale_index, second.max(first));
    let _ = std::fs::remove_dir_all(&dir);
}
