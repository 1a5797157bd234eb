//! Deployment migrations: put the built program on a cluster through the upgradeable loader
//! and initialize the mint from the issuer's TOML file. Each step looks at the chain first
//! and does only what is missing, so re-running after a failure at any point finishes the
//! job and never initializes twice:
//!
//! 1. program: already deployed with these exact bytes → nothing; deployed with other bytes →
//!    refused (an upgrade is a governed change, not a migration);
//! 2. buffer: created once with a keypair kept beside the config; an interrupted upload
//!    resumes by rewriting only the chunks whose bytes on chain differ from the file;
//! 3. deploy from the buffer (the buffer is consumed; its keypair file is then removed);
//! 4. mint keypair: created once and kept, so every run targets the same mint;
//! 5. initialize: skipped when the issuer exists and matches the file, refused when it
//!    exists and differs.
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use solana_loader_v3_interface::instruction as loader;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use usd1_cli::commands::{self, Failure};
use usd1_cli::config::read_keypair;
use usd1_client::backend::Backend;
use usd1_client::config::IssuerConfig;
use usd1_client::rpc::RpcBackend;
use usd1_client::{accounts, pda, Issuer, PROGRAM_ID};

/// Bytes per `Write`: a one-signature transaction with the buffer, the authority and the
/// loader stays under the 1,232-byte packet limit with room to spare.
pub const CHUNK: usize = 950;
/// Write transactions in flight at once.
const WINDOW: usize = 128;

/// Why a migration stopped.
#[derive(Debug)]
pub enum MigrateError {
    /// The config or a file it names is wrong; nothing was sent.
    Input(String),
    /// The chain refused a step or could not be reached; re-run to continue.
    Chain(String),
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrateError::Input(m) | MigrateError::Chain(m) => f.write_str(m),
        }
    }
}

fn chain<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> MigrateError + '_ {
    move |e| MigrateError::Chain(format!("{what}: {e}"))
}

/// Writes a new keypair to `path` in the Solana CLI format, readable by its owner only.
fn create_keypair_file(path: &Path) -> Result<Keypair, MigrateError> {
    let keypair = Keypair::new();
    let text = serde_json::to_string(&keypair.to_bytes().to_vec())
        .map_err(|e| MigrateError::Input(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| MigrateError::Input(format!("cannot create {}: {e}", dir.display())))?;
    }
    // write then rename: a crash never leaves a half-written key behind
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .map_err(|e| MigrateError::Input(format!("cannot write {}: {e}", partial.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600)).map_err(
            |e| MigrateError::Input(format!("cannot protect {}: {e}", partial.display())),
        )?;
    }
    std::fs::rename(&partial, path)
        .map_err(|e| MigrateError::Input(format!("cannot write {}: {e}", path.display())))?;
    Ok(keypair)
}

/// The keypair at `path`, created there first if the file does not exist.
fn keypair_at(path: &Path) -> Result<(Keypair, bool), MigrateError> {
    if path.exists() {
        read_keypair(path)
            .map(|k| (k, false))
            .map_err(MigrateError::Input)
    } else {
        create_keypair_file(path).map(|k| (k, true))
    }
}

fn bar(len: u64, message: &str, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} chunks ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// The public development program id: the address of the committed
/// `keys/usd1_minter-dev-keypair.json`. Anyone can deploy at it first and keep its upgrade
/// authority, so it is for loopback validators only.
pub fn development_program_id() -> Pubkey {
    let bytes: Vec<u8> =
        serde_json::from_str(include_str!("../../keys/usd1_minter-dev-keypair.json"))
            .expect("the committed development keypair is a JSON byte array");
    Keypair::try_from(bytes.as_slice())
        .expect("the committed development keypair is a keypair")
        .pubkey()
}

/// Whether `url` (resolved) points at this machine: a local validator.
pub fn is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.split(['/', ':']).next().unwrap_or(""),
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses a build whose program id is the public development id on any cluster but a
/// loopback one.
pub fn check_program_id(program: &Pubkey, url: &str) -> Result<(), MigrateError> {
    if *program == development_program_id() && !is_loopback(url) {
        return Err(MigrateError::Input(format!(
            "this build's program id {program} is the public development id (its keypair is \
             committed in keys/): anyone can deploy there first. Generate your own program \
             keypair, run `anchor keys sync`, rebuild, and point [program] keypair at it \
             ({url} is not a local validator)"
        )));
    }
    Ok(())
}

/// What a deployed program's upgrade authority means for this deployer: its own (fine),
/// none (immutable: fine), or a foreign key (refused: whoever holds it can replace the
/// program under the mint).
pub fn check_upgrade_authority(
    program: &Pubkey,
    authority: Option<Pubkey>,
    deployer: &Pubkey,
) -> Result<Value, MigrateError> {
    match authority {
        Some(key) if key == *deployer => Ok(json!(key.to_string())),
        None => Ok(json!(null)),
        Some(key) => Err(MigrateError::Input(format!(
            "program {program} is deployed with upgrade authority {key}, not this deployer \
             ({deployer}): whoever holds that key can replace the program; refusing to use it"
        ))),
    }
}

/// Step 1–3: the program at `declare_id!`'s address holding exactly the `.so`'s bytes.
pub async fn deploy(
    backend: &mut RpcBackend,
    config: &IssuerConfig,
    progress: bool,
) -> Result<Value, MigrateError> {
    let section = config.program.as_ref().ok_or_else(|| {
        MigrateError::Input(
            "the config has no [program] section (so, keypair, buffer_keypair)".into(),
        )
    })?;
    let program_keypair = read_keypair(&section.keypair).map_err(MigrateError::Input)?;
    let program = program_keypair.pubkey();
    if program != PROGRAM_ID {
        return Err(MigrateError::Input(format!(
            "program keypair {} is for {program}, but this build's declare_id! is {PROGRAM_ID} \
             (generate the keypair first, run `anchor keys sync`, rebuild)",
            section.keypair.display()
        )));
    }
    let so = std::fs::read(&section.so).map_err(|e| {
        MigrateError::Input(format!("cannot read program {}: {e}", section.so.display()))
    })?;
    if so.is_empty() {
        return Err(MigrateError::Input(format!(
            "program {} is empty",
            section.so.display()
        )));
    }
    let payer = backend.payer().insecure_clone();
    let programdata = solana_loader_v3_interface::get_program_data_address(&program);
    let data_offset = UpgradeableLoaderState::size_of_programdata_metadata();

    // 1. already there?
    if backend
        .account(&program)
        .await
        .map_err(chain("reading the program"))?
        .is_some()
    {
        let data = backend
            .account(&programdata)
            .await
            .map_err(chain("reading the program data"))?
            .map(|a| a.data)
            .unwrap_or_default();
        let authority = match bincode::deserialize::<UpgradeableLoaderState>(&data) {
            Ok(UpgradeableLoaderState::ProgramData {
                upgrade_authority_address,
                ..
            }) => upgrade_authority_address,
            _ => {
                return Err(MigrateError::Chain(format!(
                    "program {program}'s program data {programdata} is not the upgradeable \
                     loader's"
                )))
            }
        };
        let upgrade_authority = check_upgrade_authority(&program, authority, &payer.pubkey())?;
        let deployed = data.get(data_offset..data_offset + so.len());
        let rest_is_zero = data
            .get(data_offset + so.len()..)
            .is_some_and(|rest| rest.iter().all(|b| *b == 0));
        if deployed == Some(so.as_slice()) && rest_is_zero {
            // a previous run may have died between deploy and removing the buffer key
            let _ = std::fs::remove_file(&section.buffer_keypair);
            return Ok(json!({
                "program": program.to_string(),
                "status": "already deployed",
                "upgrade_authority": upgrade_authority,
            }));
        }
        return Err(MigrateError::Input(format!(
            "program {program} is already deployed with different bytes than {}; upgrading a \
             live program is a governed change, not a migration",
            section.so.display()
        )));
    }

    // 2. the buffer, created once, filled until it matches the file
    let (buffer_keypair, _) = keypair_at(&section.buffer_keypair)?;
    let buffer = buffer_keypair.pubkey();
    let buffer_offset = UpgradeableLoaderState::size_of_buffer_metadata();
    let buffer_len = UpgradeableLoaderState::size_of_buffer(so.len());
    let existing = backend
        .account(&buffer)
        .await
        .map_err(chain("reading the buffer"))?;
    let mut created = false;
    match existing {
        None => {
            let lamports = backend
                .client()
                .get_minimum_balance_for_rent_exemption(buffer_len)
                .await
                .map_err(chain("rent for the buffer"))?;
            let ixs = loader::create_buffer(
                &payer.pubkey(),
                &buffer,
                &payer.pubkey(),
                lamports,
                so.len(),
            )
            .map_err(|e| MigrateError::Input(format!("buffer instruction: {e}")))?;
            backend
                .send(&ixs, &[&buffer_keypair])
                .await
                .map_err(|e| chain("creating the buffer")(e.explain()))?;
            created = true;
        }
        Some(account) => {
            let ours = matches!(
                bincode::deserialize::<UpgradeableLoaderState>(&account.data),
                Ok(UpgradeableLoaderState::Buffer { authority_address: Some(authority) })
                    if authority == payer.pubkey()
            );
            if account.owner != solana_sdk_ids::bpf_loader_upgradeable::ID
                || account.data.len() != buffer_len
                || !ours
            {
                return Err(MigrateError::Input(format!(
                    "buffer {buffer} (from {}) is not a buffer of this program's size with \
                     authority {}; remove the file to start a new upload",
                    section.buffer_keypair.display(),
                    payer.pubkey()
                )));
            }
        }
    }
    let chunks = so.len().div_ceil(CHUNK);
    let progress_bar = bar(chunks as u64, "uploading", progress);
    let mut rounds = 0;
    let written = loop {
        let on_chain = backend
            .account(&buffer)
            .await
            .map_err(chain("reading the buffer"))?
            .map(|a| a.data)
            .unwrap_or_default();
        let missing: Vec<usize> = (0..chunks)
            .filter(|i| {
                let range = i * CHUNK..((i + 1) * CHUNK).min(so.len());
                on_chain.get(buffer_offset + range.start..buffer_offset + range.end)
                    != Some(&so[range])
            })
            .collect();
        progress_bar.set_position((chunks - missing.len()) as u64);
        if missing.is_empty() {
            break rounds;
        }
        rounds += 1;
        if rounds > 8 {
            return Err(MigrateError::Chain(format!(
                "{} chunk(s) still differ after 8 rounds of writes; re-run to continue",
                missing.len()
            )));
        }
        write_chunks(backend, &payer, &buffer, &so, &missing, &progress_bar).await?;
    };
    progress_bar.finish_and_clear();

    // 3. deploy
    let program_lamports = backend
        .client()
        .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_program())
        .await
        .map_err(chain("rent for the program"))?;
    let ixs = loader::deploy_with_max_program_len(
        &payer.pubkey(),
        &program,
        &buffer,
        &payer.pubkey(),
        program_lamports,
        so.len(),
    )
    .map_err(|e| MigrateError::Input(format!("deploy instruction: {e}")))?;
    let executed = backend
        .send(&ixs, &[&program_keypair])
        .await
        .map_err(|e| chain("deploying")(e.explain()))?;
    let _ = std::fs::remove_file(&section.buffer_keypair);
    Ok(json!({
        "program": program.to_string(),
        "status": "deployed",
        "buffer": buffer.to_string(),
        "buffer_created_now": created,
        "write_rounds": written,
        "upgrade_authority": payer.pubkey().to_string(),
        "signature": executed.signature.to_string(),
    }))
}

/// Sends the `Write`s for `indexes`, `WINDOW` at a time, and waits for them; what did not
/// land is found and re-sent by the caller's next round.
async fn write_chunks(
    backend: &RpcBackend,
    payer: &Keypair,
    buffer: &Pubkey,
    so: &[u8],
    indexes: &[usize],
    progress_bar: &ProgressBar,
) -> Result<(), MigrateError> {
    let client = backend.client();
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    for window in indexes.chunks(WINDOW) {
        let blockhash = client
            .get_latest_blockhash()
            .await
            .map_err(chain("blockhash"))?;
        let mut pending: Vec<Signature> = Vec::new();
        for &i in window {
            let start = i * CHUNK;
            let end = (start + CHUNK).min(so.len());
            let offset = u32::try_from(start)
                .map_err(|_| MigrateError::Input("program larger than 4 GiB".into()))?;
            let ix = loader::write(buffer, &payer.pubkey(), offset, so[start..end].to_vec());
            let tx = Transaction::new_signed_with_payer(
                &[ix],
                Some(&payer.pubkey()),
                &[payer],
                blockhash,
            );
            // a send that fails is retried next round
            if let Ok(signature) = client.send_transaction_with_config(&tx, config).await {
                pending.push(signature);
            }
        }
        let started = Instant::now();
        while !pending.is_empty() && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let statuses = client
                .get_signature_statuses(&pending)
                .await
                .map_err(chain("confirming writes"))?
                .value;
            let mut still = Vec::new();
            for (signature, status) in pending.iter().zip(statuses) {
                match status {
                    Some(s) if s.satisfies_commitment(backend.commitment()) => progress_bar.inc(1),
                    _ => still.push(*signature),
                }
            }
            pending = still;
        }
    }
    Ok(())
}

/// Steps 4–5: the mint keypair kept beside the config, then `initialize` unless the issuer
/// already exists (matching the file: nothing to do; differing: refused).
pub async fn initialize(
    backend: &mut RpcBackend,
    config_path: &Path,
    config: &IssuerConfig,
) -> Result<Value, MigrateError> {
    let args = config.initialize_args().map_err(MigrateError::Input)?;
    let (mint_keypair, _) = keypair_at(&config.mint.keypair)?;
    let mint = mint_keypair.pubkey();
    let issuer_address = pda::issuer(&mint);
    let existing = backend
        .account(&issuer_address)
        .await
        .map_err(chain("reading the issuer"))?;
    if let Some(account) = existing {
        let issuer = accounts::decode::<Issuer>(&account.data)
            .map_err(|e| MigrateError::Chain(format!("issuer {issuer_address}: {e}")))?;
        let mut wanted = args.members.clone();
        wanted.sort();
        if issuer.decimals != args.decimals
            || issuer.members != wanted
            || issuer.threshold != args.threshold
            || issuer.permanent_delegate != args.permanent_delegate
            || issuer.default_frozen != args.default_frozen
        {
            return Err(MigrateError::Input(format!(
                "mint {mint} is already initialized with a configuration other than {} \
                 (decimals, members, threshold or extensions differ); refusing to touch it",
                config_path.display()
            )));
        }
        return Ok(
            json!({ "mint": mint.to_string(), "issuer": issuer_address.to_string(), "status": "already initialized" }),
        );
    }
    let signer = backend.payer().insecure_clone();
    let report = commands::initialize(backend, &signer, args, &mint_keypair)
        .await
        .map_err(|failure| match failure {
            Failure::Input(m) => MigrateError::Input(m),
            other => MigrateError::Chain(other.message()),
        })?;
    let mut result = report.json;
    result["status"] = json!("initialized");
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_local() {
        for url in [
            "http://localhost:8899",
            "http://127.0.0.1:8899",
            "http://127.0.0.2:20190",
            "http://[::1]:8899",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://api.devnet.solana.com",
            "https://api.mainnet-beta.solana.com",
            "http://10.0.0.1:8899",
            "http://localhost.example.com:8899",
            "http://127.0.0.1.example.com",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    #[test]
    fn the_development_id_is_refused_beyond_a_local_validator() {
        check_program_id(&development_program_id(), "http://127.0.0.1:8899").unwrap();
        let refused = check_program_id(&development_program_id(), "https://api.devnet.solana.com")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("public development id"), "{refused}");
        check_program_id(&Pubkey::new_unique(), "https://api.devnet.solana.com").unwrap();
        // the committed keypair is the development id
        assert_eq!(PROGRAM_ID, development_program_id());
    }

    #[test]
    fn a_foreign_upgrade_authority_is_refused() {
        let (program, deployer, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        assert_eq!(
            check_upgrade_authority(&program, Some(deployer), &deployer).unwrap(),
            json!(deployer.to_string())
        );
        assert_eq!(
            check_upgrade_authority(&program, None, &deployer).unwrap(),
            json!(null)
        );
        let refused = check_upgrade_authority(&program, Some(other), &deployer)
            .unwrap_err()
            .to_string();
        assert!(refused.contains(&other.to_string()), "{refused}");
    }
}
