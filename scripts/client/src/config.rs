//! The issuer's TOML file, read by `usd1 init` and `usd1-migrate`: the mint's keypair and
//! metadata, the initial multisig, the limits and (for deployment) the program's files. The
//! format is documented with an example in `migrations/issuer.example.toml`.
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use serde::Deserialize;
use solana_sdk::signature::Keypair;

use crate::{parse_amount, InitializeArgs, Limits};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    pub mint: MintSection,
    pub governance: GovernanceSection,
    pub limits: LimitsSection,
    /// Only `usd1-migrate deploy` needs it.
    pub program: Option<ProgramSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintSection {
    /// The mint's keypair file (Solana CLI format). `usd1-migrate` creates it when absent, so
    /// a re-run initializes the same mint; `usd1 init` requires it.
    pub keypair: PathBuf,
    pub decimals: u8,
    pub name: String,
    pub symbol: String,
    #[serde(default)]
    pub uri: String,
    /// The PermanentDelegate extension, for governance-approved seizure (fixed at creation).
    #[serde(default)]
    pub permanent_delegate: bool,
    /// New token accounts start frozen (KYC mode; fixed at creation).
    #[serde(default)]
    pub default_frozen: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSection {
    /// Member public keys (base58).
    pub members: Vec<String>,
    pub threshold: u8,
    /// Seconds between reaching the threshold and execution.
    pub time_lock: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Token amounts as decimal strings in whole tokens ("1000000.5"), like the CLI's.
    pub supply_cap: String,
    #[serde(default = "zero")]
    pub min_redemption: String,
    /// Refuse mints that would take supply above the last reserve attestation.
    #[serde(default)]
    pub reserve_guard: bool,
    /// Seconds an attestation stays usable for the guard (0: no age limit).
    #[serde(default)]
    pub reserve_max_age: u32,
}

fn zero() -> String {
    "0".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramSection {
    /// The built program (`anchor build` or `scripts/build-sbf` write target/deploy/usd1_minter.so).
    pub so: PathBuf,
    /// The program keypair; its address must be the one in `declare_id!`.
    pub keypair: PathBuf,
    /// The buffer's keypair, created on the first run and reused until the deploy completes,
    /// so an interrupted upload resumes where it stopped.
    pub buffer_keypair: PathBuf,
    /// Bytes of program the program data account has room for, so that a later, larger
    /// build can be deployed by an upgrade proposal (the loader cannot grow it without the
    /// upgrade authority's signature) [default: twice the `.so`].
    #[serde(default)]
    pub max_len: Option<usize>,
}

impl IssuerConfig {
    /// Reads `path`; relative paths inside it are taken from the file's directory.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let mut config: IssuerConfig = toml::from_str(&text)
            .map_err(|e| format!("invalid config {}: {}", path.display(), e.message()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut config.mint.keypair);
        if let Some(program) = config.program.as_mut() {
            resolve(&mut program.so);
            resolve(&mut program.keypair);
            resolve(&mut program.buffer_keypair);
        }
        Ok(config)
    }

    /// The `initialize` arguments, with every amount and key checked (the program checks the
    /// rest: member count, threshold, lengths).
    pub fn initialize_args(&self) -> Result<InitializeArgs, String> {
        let decimals = self.mint.decimals;
        let members = self
            .governance
            .members
            .iter()
            .map(|m| {
                m.parse::<Pubkey>()
                    .map_err(|_| format!("invalid member public key {m:?} in [governance]"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let amount = |field: &str, text: &str| {
            parse_amount(text, decimals).map_err(|e| format!("[limits] {field}: {e}"))
        };
        Ok(InitializeArgs {
            decimals,
            name: self.mint.name.clone(),
            symbol: self.mint.symbol.clone(),
            uri: self.mint.uri.clone(),
            members,
            threshold: self.governance.threshold,
            time_lock: self.governance.time_lock,
            limits: Limits {
                supply_cap: amount("supply_cap", &self.limits.supply_cap)?,
                min_redemption: amount("min_redemption", &self.limits.min_redemption)?,
                reserve_guard: self.limits.reserve_guard,
                reserve_max_age: self.limits.reserve_max_age,
            },
            permanent_delegate: self.mint.permanent_delegate,
            default_frozen: self.mint.default_frozen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (PathBuf, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("usd1-config-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("issuer.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const MEMBER: &str = "GngNAeG9Vc7pQKcPfJuVLUQEuSzAKmHpyxBignxqQWyg";

    #[test]
    fn a_config_becomes_initialize_args_with_paths_beside_it() {
        let text = format!(
            r#"
[mint]
keypair = "mint.json"
decimals = 6
name = "USD1"
symbol = "USD1"
permanent_delegate = true

[governance]
members = ["{MEMBER}"]
threshold = 1
time_lock = 60

[limits]
supply_cap = "1000.5"
reserve_guard = true
reserve_max_age = 86400

[program]
so = "/abs/usd1_minter.so"
keypair = "program.json"
buffer_keypair = "buffer.json"
"#
        );
        let (dir, path) = write(&text);
        let config = IssuerConfig::load(&path).unwrap();
        assert_eq!(config.mint.keypair, dir.join("mint.json"));
        let program = config.program.as_ref().unwrap();
        assert_eq!(program.so, PathBuf::from("/abs/usd1_minter.so"));
        assert_eq!(program.buffer_keypair, dir.join("buffer.json"));
        let args = config.initialize_args().unwrap();
        assert_eq!(args.limits.supply_cap, 1_000_500_000);
        assert_eq!(args.limits.min_redemption, 0);
        assert!(args.limits.reserve_guard && args.permanent_delegate && !args.default_frozen);
        assert_eq!(args.members, vec![MEMBER.parse::<Pubkey>().unwrap()]);
    }

    #[test]
    fn the_documented_example_is_valid_once_its_members_are_filled_in() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/issuer.example.toml");
        // copied as it is: refused, naming the first placeholder
        let verbatim = IssuerConfig::load(&path).unwrap().initialize_args();
        assert!(
            verbatim
                .as_ref()
                .is_err_and(|e| e.contains("MEMBER_1_PUBKEY")),
            "{verbatim:?}"
        );
        // as meant to be copied: each placeholder replaced by a member's key
        let members: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (n, key) in members.iter().enumerate() {
            text = text.replace(&format!("MEMBER_{}_PUBKEY", n + 1), &key.to_string());
        }
        let copy = std::env::temp_dir().join(format!("usd1-example-{}", std::process::id()));
        std::fs::create_dir_all(&copy).unwrap();
        let copied = copy.join("issuer.toml");
        std::fs::write(&copied, text).unwrap();
        let config = IssuerConfig::load(&copied).unwrap();
        let args = config.initialize_args().unwrap();
        let mut sorted = members.clone();
        sorted.sort();
        let mut given = args.members.clone();
        given.sort();
        assert_eq!(given, sorted);
        assert_eq!(args.limits.supply_cap, 1_000_000_000_000_000);
        // the limits pass the program's own check (a guard needs a maximum age above 0)
        args.limits.validate().unwrap();
        assert!(args.limits.reserve_guard && args.limits.reserve_max_age > 0);
        let program = config.program.unwrap();
        assert!(program
            .keypair
            .ends_with("keys/usd1_minter-dev-keypair.json"));
        let _ = std::fs::remove_dir_all(&copy);
    }

    #[test]
    fn the_development_program_keypair_is_declare_ids() {
        use solana_sdk::signature::{Keypair, Signer};
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys/usd1_minter-dev-keypair.json");
        let bytes: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let keypair = Keypair::try_from(bytes.as_slice()).unwrap();
        assert_eq!(keypair.pubkey(), crate::PROGRAM_ID);
    }

    #[test]
    fn bad_values_are_named() {
        let base = |members: &str, cap: &str, extra: &str| {
            format!(
                "[mint]\nkeypair = \"m.json\"\ndecimals = 2\nname = \"A\"\nsymbol = \"A\"\n{extra}\n\
                 [governance]\nmembers = [{members}]\nthreshold = 1\ntime_lock = 0\n\
                 [limits]\nsupply_cap = \"{cap}\"\n"
            )
        };
        let (_, path) = write(&base("\"nope\"", "1", ""));
        let err = IssuerConfig::load(&path)
            .unwrap()
            .initialize_args()
            .unwrap_err();
        assert!(err.contains("\"nope\""), "{err}");
        let (_, path) = write(&base(&format!("\"{MEMBER}\""), "1.001", " "));
        let err = IssuerConfig::load(&path)
            .unwrap()
            .initialize_args()
            .unwrap_err();
        assert!(
            err.contains("supply_cap") && err.contains("\"1.001\""),
            "{err}"
        );
        let (_, path) = write(&base(&format!("\"{MEMBER}\""), "1", "colour = \"red\""));
        let err = IssuerConfig::load(&path).unwrap_err();
        assert!(err.contains("colour"), "{err}");
        let err = IssuerConfig::load(Path::new("/nonexistent/issuer.toml")).unwrap_err();
        assert!(err.contains("/nonexistent/issuer.toml"), "{err}");
    }
}

// Cluster and key files, parsed the way the Solana CLI and `spl-token` do: cluster monikers
// for `--url`, the Solana CLI keypair file format. Errors are one line naming the bad value.

/// `--url`: a moniker (`mainnet-beta`, `devnet`, `testnet`, `localhost`, or their first
/// letter) or an http(s) URL.
pub fn resolve_url(url: &str) -> Result<String, String> {
    let resolved = match url {
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com",
        "devnet" | "d" => "https://api.devnet.solana.com",
        "testnet" | "t" => "https://api.testnet.solana.com",
        "localhost" | "l" => "http://localhost:8899",
        other => {
            let host = other
                .strip_prefix("http://")
                .or_else(|| other.strip_prefix("https://"))
                .unwrap_or("");
            if host.is_empty() || host.starts_with('/') || host.contains(char::is_whitespace) {
                return Err(format!(
                    "invalid --url {url:?}: expected mainnet-beta, devnet, testnet, localhost or an http(s) URL"
                ));
            }
            other
        }
    };
    Ok(resolved.to_string())
}

/// The Solana CLI's default keypair: `~/.config/solana/id.json`.
pub fn default_keypair_path() -> PathBuf {
    let home = std::env::var_os("HOME").unwrap_or_default();
    Path::new(&home).join(".config/solana/id.json")
}

/// Expands a leading `~/` to `$HOME`.
fn expand_home(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// Reads a keypair in the Solana CLI file format (a JSON array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair, String> {
    let path = expand_home(path);
    let shown = path.display();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read keypair file {shown}: {e}"))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|_| {
        format!("keypair file {shown} is not a Solana keypair (a JSON array of 64 bytes)")
    })?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|_| format!("keypair file {shown} does not hold a valid ed25519 keypair"))
}

#[cfg(test)]
mod cluster_tests {
    use super::*;
    use solana_sdk::signature::Signer;

    #[test]
    fn monikers_and_urls() {
        assert_eq!(
            resolve_url("devnet").unwrap(),
            "https://api.devnet.solana.com"
        );
        assert_eq!(
            resolve_url("m").unwrap(),
            "https://api.mainnet-beta.solana.com"
        );
        assert_eq!(resolve_url("localhost").unwrap(), "http://localhost:8899");
        assert_eq!(
            resolve_url("http://127.0.0.1:8899").unwrap(),
            "http://127.0.0.1:8899"
        );
        for bad in [
            "mainnet",
            "ftp://x",
            "http://",
            "https:///x",
            "127.0.0.1:8899",
            "",
        ] {
            let err = resolve_url(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn keypair_files_in_the_solana_cli_format() {
        let dir = std::env::temp_dir().join(format!("usd1-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let keypair = Keypair::new();
        let good = dir.join("id.json");
        let bytes: Vec<u8> = keypair.to_bytes().to_vec();
        std::fs::write(&good, serde_json::to_string(&bytes).unwrap()).unwrap();
        assert_eq!(read_keypair(&good).unwrap().pubkey(), keypair.pubkey());

        let missing = dir.join("missing.json");
        assert!(read_keypair(&missing).unwrap_err().contains("missing.json"));
        let not_json = dir.join("not.json");
        std::fs::write(&not_json, "hello").unwrap();
        assert!(read_keypair(&not_json)
            .unwrap_err()
            .contains("not a Solana keypair"));
        let short = dir.join("short.json");
        std::fs::write(&short, "[1,2,3]").unwrap();
        assert!(read_keypair(&short).unwrap_err().contains("short.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
