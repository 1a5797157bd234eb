//! Global options shared by every command, parsed the way the Solana CLI and `spl-token` do:
//! cluster monikers for `--url`, the Solana CLI keypair file for `--keypair`. Errors are one
//! line naming the bad value.
use std::path::{Path, PathBuf};

use solana_sdk::signature::Keypair;

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

pub use usd1_client::parse_pubkey;

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::pubkey::Pubkey;
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

    #[test]
    fn pubkeys() {
        let key = Pubkey::new_unique();
        assert_eq!(parse_pubkey(&key.to_string()), Ok(key));
        assert!(parse_pubkey("not-a-key")
            .unwrap_err()
            .contains("\"not-a-key\""));
    }
}
