//! `usd1-test-validator`: agave's test validator on loopback, for the RPC-path tests of the
//! CLI, the migrations and the reconciler. It prints one JSON line when the RPC port answers:
//! `{"rpc_url": "...", "payer": [64 bytes]}` (the genesis mint keypair, funded with 500M SOL,
//! which also holds the upgrade authority of any program preloaded with `--program`), then
//! runs until its standard input closes, so a test that drops the child's stdin (or dies)
//! stops it.
//!
//! usage: usd1-test-validator [--program <PROGRAM_ID>=<PATH_TO_SO>]...
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use solana_rpc::rpc::JsonRpcConfig;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::{TestValidatorGenesis, UpgradeableProgramInfo};

fn parse_program(arg: &str) -> Result<(Pubkey, PathBuf), String> {
    let (id, path) = arg
        .split_once('=')
        .ok_or_else(|| format!("invalid --program {arg:?}: expected <PROGRAM_ID>=<PATH_TO_SO>"))?;
    let id: Pubkey = id
        .parse()
        .map_err(|_| format!("invalid program id {id:?} in --program"))?;
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("program file {} does not exist", path.display()));
    }
    Ok((id, path))
}

fn main() -> ExitCode {
    let mut programs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--program" => args
                .next()
                .ok_or_else(|| "--program needs <PROGRAM_ID>=<PATH_TO_SO>".to_string())
                .and_then(|value| parse_program(&value)),
            other => Err(format!("unknown argument {other:?}")),
        };
        match parsed {
            Ok(program) => programs.push(program),
            Err(message) => {
                eprintln!("usd1-test-validator: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let payer = solana_sdk::signature::Keypair::new();
    let mut genesis = TestValidatorGenesis::default();
    let infos: Vec<UpgradeableProgramInfo> = programs
        .into_iter()
        .map(|(program_id, program_path)| UpgradeableProgramInfo {
            program_id,
            loader: solana_sdk_ids::bpf_loader_upgradeable::ID,
            upgrade_authority: payer.pubkey(),
            program_path,
        })
        .collect();
    genesis.add_upgradeable_programs_with_path(&infos);
    // a debug build's default is 25 ports, too few for a node plus its RPC ports; take 200
    // from a block chosen by process id, so tests running side by side do not collide
    let base = 20_000 + (std::process::id() % 200) as u16 * 200;
    // transaction history (getSignaturesForAddress, getTransaction) is what event readers use
    genesis.rpc_config(JsonRpcConfig {
        enable_rpc_transaction_history: true,
        enable_extended_tx_metadata_storage: true,
        ..JsonRpcConfig::default_for_test()
    });
    genesis
        .gossip_port(base)
        .port_range((base, base + 180))
        .rpc_port(base + 190);
    let validator = match genesis.start_with_mint_address(
        payer.pubkey(),
        solana_net_utils_socket_space(),
    ) {
        Ok(validator) => validator,
        Err(e) => {
            eprintln!("usd1-test-validator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{}",
        serde_json::json!({ "rpc_url": validator.rpc_url(), "payer": payer.to_bytes().to_vec() })
    );
    // run until the parent closes our stdin
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(validator);
    ExitCode::SUCCESS
}

/// Loopback addresses allowed (a validator for tests).
fn solana_net_utils_socket_space() -> SocketAddrSpace {
    SocketAddrSpace::new(true)
}
