//! Deployment migrations: put the built program on a cluster through the upgradeable loader,
//! initialize the mint from the issuer's TOML file, and hand the program's upgrade authority
//! to the issuer's governance. Each step looks at the chain first and does only what is
//! missing, so re-running after a failure at any point finishes the job and never
//! initializes twice:
//!
//! 1. program: already deployed with these exact bytes → nothing; deployed with other bytes →
//!    refused (an upgrade is a governed change, not a migration); governed by the issuer →
//!    reported (its bytes are whatever governance last deployed);
//! 2. buffer: created once with a keypair kept beside the config; an interrupted upload
//!    resumes by rewriting only the chunks whose bytes on chain differ from the file;
//! 3. deploy from the buffer, with room for larger builds (`max_len`; the buffer is
//!    consumed; its keypair file is then removed);
//! 4. mint keypair: created once and kept, so every run targets the same mint;
//! 5. initialize: skipped when the issuer exists and matches the file, refused when it
//!    exists and differs;
//! 6. hand-over: the deployer's upgrade authority goes to the issuer's
//!    `["upgrade_authority", issuer]` PDA (skipped when it is already there); from then on
//!    only executed `UpgradeProgram` proposals change the program.
//!
//! `buffer` stages an upgrade: it uploads a new build (resumable, as in step 2) and gives
//! the buffer to the issuer's upgrade authority, ready for `usd1 propose upgrade-program`.
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use solana_loader_v3_interface::instruction as loader_ix;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use usd1_client::backend::Backend;
use usd1_client::config::{read_keypair, IssuerConfig};
use usd1_client::rpc::RpcBackend;
use usd1_client::{ix, loader, pda, Issuer, PROGRAM_ID};

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
    // written then renamed (a crash never leaves a half-written key behind), and readable by
    // its owner only from the moment the file exists (created with mode 0600, not chmod-ed
    // after)
    let partial = path.with_extension("partial");
    let cannot =
        |e: std::io::Error| MigrateError::Input(format!("cannot write {}: {e}", partial.display()));
    // a leftover from a crash holds a key never used on chain: replace it
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&partial).map_err(cannot)?;
    use std::io::Write;
    file.write_all(text.as_bytes()).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    drop(file);
    // linked, not renamed: a key that appeared at `path` meanwhile (another run) is never
    // replaced
    let linked = std::fs::hard_link(&partial, path);
    let _ = std::fs::remove_file(&partial);
    linked.map_err(|e| MigrateError::Input(format!("cannot write {}: {e}", path.display())))?;
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

/// Who holds a deployed program's upgrade authority, as this deployer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeAuthority {
    /// The deployer: it can still replace the program alone until the hand-over.
    Deployer,
    /// The configured issuer's upgrade-authority PDA: only its executed proposals can.
    Governed,
    /// Nobody: the program is immutable.
    Immutable,
}

/// What a deployed program's upgrade authority means for this deployer: its own, the
/// configured issuer's governance (`governor`, when the mint is known), none (immutable), or
/// a foreign key (refused: whoever holds it can replace the program under the mint).
pub fn check_upgrade_authority(
    program: &Pubkey,
    authority: Option<Pubkey>,
    deployer: &Pubkey,
    governor: Option<&Pubkey>,
) -> Result<UpgradeAuthority, MigrateError> {
    match authority {
        Some(key) if key == *deployer => Ok(UpgradeAuthority::Deployer),
        Some(key) if Some(&key) == governor => Ok(UpgradeAuthority::Governed),
        None => Ok(UpgradeAuthority::Immutable),
        Some(key) => Err(MigrateError::Input(format!(
            "program {program} is deployed with upgrade authority {key}, which is neither this \
             deployer ({deployer}) nor the configured issuer's governance: whoever holds that \
             key can replace the program; refusing to use it"
        ))),
    }
}

/// The configured mint's issuer and its upgrade-authority PDA, once the mint keypair exists.
fn configured_governor(config: &IssuerConfig) -> Result<Option<(Pubkey, Pubkey)>, MigrateError> {
    if !config.mint.keypair.exists() {
        return Ok(None);
    }
    let mint = read_keypair(&config.mint.keypair)
        .map_err(MigrateError::Input)?
        .pubkey();
    let issuer = pda::issuer(&mint);
    Ok(Some((mint, pda::upgrade_authority(&issuer))))
}

/// The program data account's upgrade authority, None when the program is not deployed.
async fn deployed_authority(
    backend: &mut RpcBackend,
    program: &Pubkey,
) -> Result<Option<(Option<Pubkey>, Vec<u8>)>, MigrateError> {
    if backend
        .account(program)
        .await
        .map_err(chain("reading the program"))?
        .is_none()
    {
        return Ok(None);
    }
    let programdata = pda::program_data();
    let data = backend
        .account(&programdata)
        .await
        .map_err(chain("reading the program data"))?
        .map(|a| a.data)
        .unwrap_or_default();
    let authority = loader::program_data_authority(&data).ok_or_else(|| {
        MigrateError::Chain(format!(
            "program {program}'s program data {programdata} is not the upgradeable loader's"
        ))
    })?;
    Ok(Some((authority, data)))
}

fn authority_json(
    authority: UpgradeAuthority,
    deployer: &Pubkey,
    governor: Option<&Pubkey>,
) -> Value {
    match authority {
        UpgradeAuthority::Deployer => json!(deployer.to_string()),
        UpgradeAuthority::Governed => json!(governor.map(Pubkey::to_string)),
        UpgradeAuthority::Immutable => json!(null),
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
    let payer = payer_of(backend)?;
    let data_offset = UpgradeableLoaderState::size_of_programdata_metadata();
    let governor = configured_governor(config)?.map(|(_, governor)| governor);

    // 1. already there?
    if let Some((authority, data)) = deployed_authority(backend, &program).await? {
        let holder =
            check_upgrade_authority(&program, authority, &payer.pubkey(), governor.as_ref())?;
        let upgrade_authority = authority_json(holder, &payer.pubkey(), governor.as_ref());
        let deployed = data.get(data_offset..data_offset + so.len());
        let rest_is_zero = data
            .get(data_offset + so.len()..)
            .is_some_and(|rest| rest.iter().all(|b| *b == 0));
        let same_bytes = deployed == Some(so.as_slice()) && rest_is_zero;
        if same_bytes || holder == UpgradeAuthority::Governed {
            // a previous run may have died between deploy and removing the buffer key
            let _ = std::fs::remove_file(&section.buffer_keypair);
            return Ok(json!({
                "program": program.to_string(),
                "status": if holder == UpgradeAuthority::Governed { "governed" } else { "already deployed" },
                "matches_so": same_bytes,
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
    let upload = upload(backend, &section.buffer_keypair, &so, progress).await?;
    let buffer = upload.buffer;

    // 3. deploy
    let program_lamports = backend
        .client()
        .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_program())
        .await
        .map_err(chain("rent for the program"))?;
    let max_len = section
        .max_len
        .unwrap_or(loader::PROGRAM_DATA_HEADROOM * so.len());
    if max_len < so.len() {
        return Err(MigrateError::Input(format!(
            "[program] max_len {max_len} is smaller than {} ({} bytes)",
            section.so.display(),
            so.len()
        )));
    }
    let ixs = loader_ix::deploy_with_max_program_len(
        &payer.pubkey(),
        &program,
        &buffer,
        &payer.pubkey(),
        program_lamports,
        max_len,
    )
    .map_err(|e| MigrateError::Input(format!("deploy instruction: {e}")))?;
    let executed = backend
        .send(&ixs, &[&program_keypair])
        .await
        .map_err(|e| chain("deploying")(e.explain()))?;
    let _ = std::fs::remove_file(&section.buffer_keypair);
    // so that an `init` right after this deploy finds the program running
    backend
        .await_next_slot(std::time::Duration::from_secs(120))
        .await
        .map_err(|e| chain("waiting for the deployed program")(e.explain()))?;
    Ok(json!({
        "program": program.to_string(),
        "status": "deployed",
        "buffer": buffer.to_string(),
        "buffer_created_now": upload.created,
        "write_rounds": upload.rounds,
        "max_len": max_len,
        "upgrade_authority": payer.pubkey().to_string(),
        "signature": executed.signature.to_string(),
    }))
}

/// A buffer holding exactly the `.so`'s bytes, under the deployer's authority.
struct Upload {
    buffer: Pubkey,
    created: bool,
    rounds: usize,
}

/// Step 2: the buffer at the keypair in `keypair_path` (created there on the first run),
/// filled until its bytes equal `so`'s; an interrupted upload resumes.
async fn upload(
    backend: &mut RpcBackend,
    keypair_path: &Path,
    so: &[u8],
    progress: bool,
) -> Result<Upload, MigrateError> {
    let payer = payer_of(backend)?;
    let (buffer_keypair, _) = keypair_at(keypair_path)?;
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
            let ixs = loader_ix::create_buffer(
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
            let ours = account.owner == loader::LOADER_ID
                && account.data.len() == buffer_len
                && loader::BufferView::decode(&account.data)
                    .is_some_and(|view| view.authority == Some(payer.pubkey()));
            if !ours {
                return Err(MigrateError::Input(format!(
                    "buffer {buffer} (from {}) is not a buffer of this program's size with \
                     authority {}; remove the file to start a new upload",
                    keypair_path.display(),
                    payer.pubkey()
                )));
            }
        }
    }
    let chunks = so.len().div_ceil(CHUNK);
    let progress_bar = bar(chunks as u64, "uploading", progress);
    let mut rounds = 0;
    loop {
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
            break;
        }
        rounds += 1;
        if rounds > 8 {
            return Err(MigrateError::Chain(format!(
                "{} chunk(s) still differ after 8 rounds of writes; re-run to continue",
                missing.len()
            )));
        }
        write_chunks(backend, &payer, &buffer, so, &missing, &progress_bar).await?;
    }
    progress_bar.finish_and_clear();
    Ok(Upload {
        buffer,
        created,
        rounds,
    })
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
            let ix = loader_ix::write(buffer, &payer.pubkey(), offset, so[start..end].to_vec());
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
    let existing = usd1_client::read::issuer(backend, &mint)
        .await
        .map_err(chain("reading the issuer"))?;
    if let Some(issuer) = existing {
        let view = usd1_client::read::mint(backend, &mint)
            .await
            .map_err(chain("reading the mint"))?;
        let differences = config_differences(&args, &issuer, view.as_ref());
        if !differences.is_empty() {
            return Err(MigrateError::Input(format!(
                "mint {mint} is already initialized with a configuration other than {}: {}; \
                 refusing to touch it",
                config_path.display(),
                differences.join("; ")
            )));
        }
        return Ok(
            json!({ "mint": mint.to_string(), "issuer": issuer_address.to_string(), "status": "already initialized" }),
        );
    }
    let signer = payer_of(backend)?.pubkey();
    let executed = backend
        .send(&[ix::initialize(&signer, &mint, args)], &[&mint_keypair])
        .await
        .map_err(|e| MigrateError::Chain(format!("initialize failed: {}", e.explain())))?;
    Ok(json!({
        "mint": mint.to_string(),
        "issuer": issuer_address.to_string(),
        "signature": executed.signature.to_string(),
        "events": executed
            .events
            .iter()
            .map(|e| json!({ "seq": e.seq(), "name": e.name(), "text": e.to_string() }))
            .collect::<Vec<_>>(),
        "events_pending": executed.events_pending,
        "status": "initialized",
    }))
}

/// The deployer, who pays every step.
fn payer_of(backend: &RpcBackend) -> Result<Keypair, MigrateError> {
    backend
        .payer()
        .map(Keypair::insecure_clone)
        .ok_or_else(|| MigrateError::Input("no deployer keypair".into()))
}

/// Every field of the configuration that the chain holds otherwise (members compared as a
/// set; metadata read from the mint), as `field: config X, chain Y`.
pub fn config_differences(
    args: &usd1_client::InitializeArgs,
    issuer: &Issuer,
    mint: Option<&usd1_client::token::MintView>,
) -> Vec<String> {
    let mut wanted = args.members.clone();
    wanted.sort();
    let keys = |list: &[Pubkey]| {
        list.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    let mut compare = |field: &str, config: String, chain: String| {
        if config != chain {
            out.push(format!("{field}: config {config}, chain {chain}"));
        }
    };
    compare(
        "decimals",
        args.decimals.to_string(),
        issuer.decimals.to_string(),
    );
    compare("members", keys(&wanted), keys(issuer.members()));
    compare(
        "threshold",
        args.threshold.to_string(),
        issuer.threshold.to_string(),
    );
    compare(
        "time_lock",
        args.time_lock.to_string(),
        issuer.time_lock.to_string(),
    );
    compare(
        "supply_cap",
        args.limits.supply_cap.to_string(),
        issuer.limits().supply_cap.to_string(),
    );
    compare(
        "min_redemption",
        args.limits.min_redemption.to_string(),
        issuer.limits().min_redemption.to_string(),
    );
    compare(
        "reserve_guard",
        args.limits.reserve_guard.to_string(),
        issuer.limits().reserve_guard.to_string(),
    );
    compare(
        "reserve_max_age",
        args.limits.reserve_max_age.to_string(),
        issuer.limits().reserve_max_age.to_string(),
    );
    compare(
        "permanent_delegate",
        args.permanent_delegate.to_string(),
        issuer.permanent_delegate().to_string(),
    );
    compare(
        "default_frozen",
        args.default_frozen.to_string(),
        issuer.default_frozen().to_string(),
    );
    // a new issuer has no roles: the config cannot name any, so any role on the chain is a
    // difference only once governance set it, which the file does not describe
    match mint {
        Some(view) => {
            compare("name", args.name.clone(), view.name.clone());
            compare("symbol", args.symbol.clone(), view.symbol.clone());
            compare("uri", args.uri.clone(), view.uri.clone());
        }
        None => out.push("mint: missing on the chain".to_string()),
    }
    out
}

/// The configured mint's issuer, which must exist (steps 6 and `buffer` come after `init`).
async fn initialized_issuer(
    backend: &mut RpcBackend,
    config: &IssuerConfig,
) -> Result<(Pubkey, Pubkey, Issuer), MigrateError> {
    let (mint, _) = configured_governor(config)?.ok_or_else(|| {
        MigrateError::Input(format!(
            "no mint keypair at {}: run `usd1-migrate init` first",
            config.mint.keypair.display()
        ))
    })?;
    let issuer_address = pda::issuer(&mint);
    let issuer = usd1_client::read::issuer(backend, &mint)
        .await
        .map_err(chain("reading the issuer"))?
        .ok_or_else(|| {
            MigrateError::Input(format!(
                "mint {mint} is not initialized: run `usd1-migrate init` first"
            ))
        })?;
    Ok((mint, issuer_address, issuer))
}

/// Step 6: the deployer's upgrade authority to the issuer's upgrade-authority PDA (loader
/// `SetAuthorityChecked` through the program, so the new authority provably is the
/// program's). Already there: nothing to do.
pub async fn hand_over(
    backend: &mut RpcBackend,
    config: &IssuerConfig,
) -> Result<Value, MigrateError> {
    let (mint, issuer_address, issuer) = initialized_issuer(backend, config).await?;
    // the signer chooses the issuer that will own the program (and every other mint of
    // it): only the configured governance, as the file describes it
    let args = config.initialize_args().map_err(MigrateError::Input)?;
    let mut wanted = args.members.clone();
    wanted.sort();
    if issuer.members() != wanted
        || issuer.threshold != args.threshold
        || issuer.time_lock != args.time_lock
    {
        return Err(MigrateError::Input(format!(
            "issuer {issuer_address}'s governance ({} of {} members, time lock {}s) is not the \
             config's ({} of {}, {}s): refusing to hand it the program",
            issuer.threshold,
            issuer.members().len(),
            issuer.time_lock,
            args.threshold,
            wanted.len(),
            args.time_lock
        )));
    }
    let governor = pda::upgrade_authority(&issuer_address);
    let deployer = payer_of(backend)?.pubkey();
    let (authority, _) = deployed_authority(backend, &PROGRAM_ID)
        .await?
        .ok_or_else(|| {
            MigrateError::Input(format!(
                "program {PROGRAM_ID} is not deployed: run `usd1-migrate deploy` first"
            ))
        })?;
    match check_upgrade_authority(&PROGRAM_ID, authority, &deployer, Some(&governor))? {
        UpgradeAuthority::Governed => {
            return Ok(json!({
                "status": "already handed over",
                "upgrade_authority": governor.to_string(),
                "issuer": issuer_address.to_string(),
            }))
        }
        UpgradeAuthority::Immutable => {
            return Err(MigrateError::Input(format!(
                "program {PROGRAM_ID} is immutable: there is no upgrade authority to hand over"
            )))
        }
        UpgradeAuthority::Deployer => {}
    }
    let executed = backend
        .send(&[ix::hand_over_upgrade_authority(&deployer, &mint)], &[])
        .await
        .map_err(|e| chain("handing over the upgrade authority")(e.explain()))?;
    let (now, _) = deployed_authority(backend, &PROGRAM_ID)
        .await?
        .ok_or_else(|| MigrateError::Chain("the program vanished".into()))?;
    if now != Some(governor) {
        return Err(MigrateError::Chain(format!(
            "after the hand-over the upgrade authority is {now:?}, not {governor}"
        )));
    }
    Ok(json!({
        "status": "handed over",
        "threshold": issuer.threshold,
        "members": issuer.members().len(),
        "time_lock": issuer.time_lock,
        "previous_authority": deployer.to_string(),
        "upgrade_authority": governor.to_string(),
        "issuer": issuer_address.to_string(),
        "signature": executed.signature.to_string(),
    }))
}

/// `buffer`: uploads `so` to the buffer at `buffer_keypair` (resumable) and gives it to the
/// issuer's upgrade authority, so that an `UpgradeProgram` proposal can deploy it. Re-run:
/// a buffer already given with these bytes is reported ready; with other bytes, refused.
pub async fn stage_upgrade(
    backend: &mut RpcBackend,
    config: &IssuerConfig,
    so_path: &Path,
    buffer_keypair: &Path,
    progress: bool,
) -> Result<Value, MigrateError> {
    let (mint, issuer_address, issuer) = initialized_issuer(backend, config).await?;
    if !issuer.governs_upgrades() {
        return Err(MigrateError::Input(format!(
            "issuer {issuer_address} does not hold the upgrade authority: run `usd1-migrate \
             hand-over` first"
        )));
    }
    let governor = pda::upgrade_authority(&issuer_address);
    // the buffer's rent goes back to whoever pays for it here
    let payer = payer_of(backend)?.pubkey();
    let so = std::fs::read(so_path).map_err(|e| {
        MigrateError::Input(format!("cannot read program {}: {e}", so_path.display()))
    })?;
    if so.len() > loader::MAX_UPGRADE_PROGRAM_LEN {
        return Err(MigrateError::Input(format!(
            "{} is {} bytes: an upgrade by proposal hashes the whole buffer within one \
             transaction's compute budget, which allows at most {} bytes",
            so_path.display(),
            so.len(),
            loader::MAX_UPGRADE_PROGRAM_LEN
        )));
    }
    let hash = loader::program_hash(&so);
    let capacity = backend
        .account(&pda::program_data())
        .await
        .map_err(chain("reading the program data"))?
        .map_or(0, |a| loader::program_data_bytes(&a.data).len());
    if so.len() > capacity {
        return Err(MigrateError::Input(format!(
            "{} is {} bytes; the program data holds at most {capacity}: deploy with a larger \
             [program] max_len",
            so_path.display(),
            so.len()
        )));
    }
    let report = |buffer: &Pubkey, status: &str| {
        json!({
            "status": status,
            "buffer": buffer.to_string(),
            "buffer_hash": usd1_client::events::hex32(&hash),
            "buffer_authority": governor.to_string(),
            "propose": format!(
                "usd1 propose --mint {mint} upgrade-program --buffer {buffer} --so {} --spill {payer}",
                so_path.display()
            ),
        })
    };
    if buffer_keypair.exists() {
        let buffer = read_keypair(buffer_keypair)
            .map_err(MigrateError::Input)?
            .pubkey();
        let given = backend
            .account(&buffer)
            .await
            .map_err(chain("reading the buffer"))?
            .and_then(|a| loader::BufferView::decode(&a.data))
            .filter(|view| view.authority == Some(governor));
        if let Some(view) = given {
            if view.hash != hash || view.len != so.len() {
                return Err(MigrateError::Input(format!(
                    "buffer {buffer} was already given to governance with other bytes than {}; \
                     use a new --buffer-keypair",
                    so_path.display()
                )));
            }
            return Ok(report(&buffer, "ready"));
        }
    }
    let upload = upload(backend, buffer_keypair, &so, progress).await?;
    let give = loader_ix::set_buffer_authority(&upload.buffer, &payer, &governor);
    backend
        .send(&[give], &[])
        .await
        .map_err(|e| chain("giving the buffer to governance")(e.explain()))?;
    Ok(report(&upload.buffer, "staged"))
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
        let (program, deployer, governor, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let check = |authority, governor: Option<&Pubkey>| {
            check_upgrade_authority(&program, authority, &deployer, governor)
        };
        assert_eq!(
            check(Some(deployer), Some(&governor)).unwrap(),
            UpgradeAuthority::Deployer
        );
        assert_eq!(
            check(Some(governor), Some(&governor)).unwrap(),
            UpgradeAuthority::Governed
        );
        assert_eq!(check(None, None).unwrap(), UpgradeAuthority::Immutable);
        // another issuer's governance (or any other key) is foreign
        for (authority, governor) in [(other, Some(&governor)), (governor, None)] {
            let refused = check(Some(authority), governor).unwrap_err().to_string();
            assert!(refused.contains(&authority.to_string()), "{refused}");
        }
    }

    #[test]
    fn new_keypair_files_are_owner_only_from_the_start_and_whole() {
        let dir = std::env::temp_dir().join(format!("usd1-migrate-keys-{}", std::process::id()));
        let path = dir.join("sub/mint.json");
        // a leftover partial file from a crash is replaced, not trusted
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path.with_extension("partial"), "garbage").unwrap();
        let created = create_keypair_file(&path).unwrap();
        assert_eq!(read_keypair(&path).unwrap().pubkey(), created.pubkey());
        assert!(!path.with_extension("partial").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // keypair_at reuses it
        let (again, fresh) = keypair_at(&path).unwrap();
        assert!(!fresh);
        assert_eq!(again.pubkey(), created.pubkey());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_configured_field_is_compared_with_the_chain() {
        let members = vec![Pubkey::new_unique(), Pubkey::new_unique()];
        let args = usd1_client::InitializeArgs {
            decimals: 6,
            name: "USD One".into(),
            symbol: "USD1".into(),
            uri: "https://example.com".into(),
            members: members.clone(),
            threshold: 2,
            time_lock: 3600,
            limits: usd1_client::Limits {
                supply_cap: 10,
                min_redemption: 1,
                reserve_guard: true,
                reserve_max_age: 60,
            },
            permanent_delegate: false,
            default_frozen: false,
        };
        // an issuer as `initialize` leaves it from these args (every other field zero)
        let issuer_from = |args: &usd1_client::InitializeArgs| {
            Issuer::initialized(&args.new_issuer(Pubkey::new_unique(), 255)).unwrap()
        };
        let issuer = issuer_from(&args);
        let view = usd1_client::token::MintView {
            supply: 0,
            decimals: 6,
            mint_authority: None,
            freeze_authority: None,
            pause_authority: None,
            paused: false,
            permanent_delegate: None,
            metadata_pointer_authority: None,
            metadata_address: None,
            default_account_state: None,
            metadata_update_authority: None,
            name: "USD One".into(),
            symbol: "USD1".into(),
            uri: "https://example.com".into(),
            additional: vec![],
        };
        assert_eq!(
            config_differences(&args, &issuer, Some(&view)),
            Vec::<String>::new()
        );
        // each differing field is named, with both values
        let mut other = issuer_from(&args);
        other.time_lock = 60;
        other
            .set_limits(usd1_client::Limits {
                reserve_guard: false,
                ..args.limits
            })
            .unwrap();
        let mut renamed = view.clone();
        renamed.uri = "https://evil.example".into();
        let found = config_differences(&args, &other, Some(&renamed));
        assert_eq!(
            found,
            vec![
                "time_lock: config 3600, chain 60".to_string(),
                "reserve_guard: config true, chain false".to_string(),
                "uri: config https://example.com, chain https://evil.example".to_string(),
            ]
        );
        assert_eq!(
            config_differences(&args, &issuer, None),
            vec!["mint: missing on the chain".to_string()]
        );
    }
}
