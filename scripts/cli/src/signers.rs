//! Signers, as the `solana` CLI takes them: every key argument is a signer source that
//! `solana-clap-v3-utils` resolves (a keypair file, `prompt:` for a seed phrase, `stdin:`,
//! `usb://ledger?key=N`, or a base58 pubkey whose signature `--signer PUBKEY=SIGNATURE`
//! supplies, or that only needs to be named with `--sign-only`). Nothing here parses a
//! signer itself.
use std::rc::Rc;

use solana_clap_v3_utils::input_parsers::signer::{PubkeySignature, SignerSource};
use solana_clap_v3_utils::keypair::{pubkey_from_path, signer_from_path};
use solana_remote_wallet::remote_wallet::RemoteWalletManager;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

use crate::cli::Cli;
use crate::config;

/// A signer source given on the command line (checked to be one when parsed; resolved, which
/// may prompt or open a device, only when the command runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySource(pub String);

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// clap's parser for a key argument: a base58 pubkey or any signer source.
pub fn parse_key_source(text: &str) -> Result<KeySource, String> {
    SignerSource::parse(text).map_err(|e| {
        format!(
            "invalid key {text:?}: {e} (expected a base58 pubkey, a keypair file, prompt:, \
             stdin:, or usb://ledger)"
        )
    })?;
    Ok(KeySource(text.to_string()))
}

/// clap's parser for `--signer PUBKEY=SIGNATURE` (the pair is checked by the crate's own
/// parser; the text is what the crate reads back).
pub fn parse_presigned(text: &str) -> Result<String, String> {
    text.parse::<PubkeySignature>()
        .map_err(|e| format!("invalid --signer {text:?}: {e} (expected PUBKEY=SIGNATURE)"))?;
    Ok(text.to_string())
}

/// The signers of one invocation: the command's signer (`--keypair`), the fee payer, the
/// nonce authority, and any other key a command resolves, all through the same presigned
/// signatures and device manager.
pub struct Signers {
    /// `--keypair`: who signs the command's instruction (a member, a minter, a holder).
    pub authority: Box<dyn Signer>,
    /// `--fee-payer`, when it is not the authority.
    pub fee_payer: Option<Box<dyn Signer>>,
    /// `--nonce-authority`, when a durable nonce is used and it is not the authority.
    pub nonce_authority: Option<Box<dyn Signer>>,
    /// Keys a command resolved on its own (a co-signing new upgrade authority).
    pub extra: Vec<Box<dyn Signer>>,
    matches: clap3::ArgMatches,
    wallet_manager: Option<Rc<RemoteWalletManager>>,
}

/// The clap 3 matches solana-clap-v3-utils reads its flags from: the presigned signatures
/// (`signer`), `sign_only` (a bare pubkey is then fine), and seed-phrase validation.
fn crate_matches(cli: &Cli) -> Result<clap3::ArgMatches, String> {
    let command = clap3::Command::new("usd1")
        .arg(
            clap3::Arg::new("signer")
                .long("signer")
                .takes_value(true)
                .multiple_occurrences(true)
                .value_parser(clap3::value_parser!(String)),
        )
        .arg(clap3::Arg::new("sign_only").long("sign-only"))
        .arg(clap3::Arg::new("skip_seed_phrase_validation").long("skip-seed-phrase-validation"));
    let mut args = vec!["usd1".to_string()];
    for presigned in &cli.tx.signer {
        args.push("--signer".into());
        args.push(presigned.clone());
    }
    if cli.tx.sign_only {
        args.push("--sign-only".into());
    }
    if cli.skip_seed_phrase_validation {
        args.push("--skip-seed-phrase-validation".into());
    }
    command
        .try_get_matches_from(args)
        .map_err(|e| format!("signer arguments: {e}"))
}

impl Signers {
    /// No signer: for commands that only read.
    pub fn none() -> Self {
        Signers {
            authority: Box::new(solana_sdk::signature::NullSigner::new(&Pubkey::default())),
            fee_payer: None,
            nonce_authority: None,
            extra: Vec::new(),
            matches: clap3::Command::new("usd1").get_matches_from(["usd1"]),
            wallet_manager: None,
        }
    }

    /// Resolves `--keypair` (the Solana CLI's default keypair file when absent),
    /// `--fee-payer` and `--nonce-authority`. Errors are one line naming the argument and
    /// its value.
    pub fn resolve(cli: &Cli) -> Result<Self, String> {
        let matches = crate_matches(cli)?;
        let mut signers = Signers {
            authority: Box::new(solana_sdk::signature::NullSigner::new(&Pubkey::default())),
            fee_payer: None,
            nonce_authority: None,
            extra: Vec::new(),
            matches,
            wallet_manager: None,
        };
        let keypair = cli
            .keypair
            .clone()
            .unwrap_or_else(|| KeySource(config::default_keypair_path().display().to_string()));
        signers.authority = signers.signer(&keypair, "keypair")?;
        if let Some(source) = &cli.fee_payer {
            let payer = signers.signer(source, "fee-payer")?;
            if payer.pubkey() != signers.authority.pubkey() {
                signers.fee_payer = Some(payer);
            }
        }
        if let Some(source) = &cli.tx.nonce_authority {
            let authority = signers.signer(source, "nonce-authority")?;
            if authority.pubkey() != signers.authority.pubkey() {
                signers.nonce_authority = Some(authority);
            }
        }
        Ok(signers)
    }

    /// A signer from `source`, named `name` in prompts and errors.
    pub fn signer(&mut self, source: &KeySource, name: &str) -> Result<Box<dyn Signer>, String> {
        signer_from_path(&self.matches, &source.0, name, &mut self.wallet_manager)
            .map_err(|e| format!("cannot use --{name} {source}: {e}"))
    }

    /// The public key of `source` (a pubkey as given; otherwise its signer's key, which may
    /// prompt or ask a device).
    pub fn pubkey(&mut self, source: &KeySource, name: &str) -> Result<Pubkey, String> {
        pubkey_from_path(&self.matches, &source.0, name, &mut self.wallet_manager)
            .map_err(|e| format!("cannot use --{name} {source}: {e}"))
    }

    /// Every signer of the transaction but the fee payer: the authority, the nonce
    /// authority, the extras.
    pub fn all(&self) -> Vec<&dyn Signer> {
        let mut all: Vec<&dyn Signer> = vec![self.authority.as_ref()];
        all.extend(self.nonce_authority.as_deref());
        all.extend(self.extra.iter().map(|s| s.as_ref()));
        all
    }

    /// The fee payer when one was named apart from the authority.
    pub fn fee_payer(&self) -> Option<&dyn Signer> {
        self.fee_payer.as_deref()
    }
}
