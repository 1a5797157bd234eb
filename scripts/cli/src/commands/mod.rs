//! Every command, written once over [`Backend`]: the same code runs against a cluster
//! (JSON-RPC) and the embedded SVM. A command returns a [`Report`] (text and JSON) or a
//! [`Failure`] that says what was wrong in one line. By concern: [`governance`] (proposals,
//! votes, execution), [`issuance`] (mint, redeem, settle, refund, reserves, allowances),
//! [`controls`] (freeze, pause, suspension), [`status`] (what is on the chain), and
//! [`output`] (reports, failures, the sign-only listing).
mod controls;
mod governance;
mod issuance;
pub mod output;
mod status;

use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use usd1_client::backend::{Backend, Executed, SendError};
use usd1_client::read::{self, AccountKind, ReadError};
use usd1_client::token::{MintView, TokenAccountView};
use usd1_client::transaction::{build_and_send, Outcome, TxError, TxOptions};
use usd1_client::{pda, Issuer, Minter, Proposal};

use crate::cli::{AllowanceChange, Cli, Command};
use crate::signers::{KeySource, Signers};
pub use output::{Failure, Report};

type CommandResult = Result<Report, Failure>;

fn input(message: impl Into<String>) -> Failure {
    Failure::Input(message.into())
}

fn chain(what: &str) -> impl FnOnce(SendError) -> Failure + '_ {
    move |error| Failure::Chain {
        what: what.to_string(),
        error,
    }
}

/// A failed read as a failure: the chain's error, or an account that is not what it
/// should be.
fn read_failure(what: &str) -> impl FnOnce(ReadError) -> Failure + '_ {
    move |error| match error {
        ReadError::Chain(error) => Failure::Chain {
            what: what.to_string(),
            error,
        },
        other => Failure::Missing(other.to_string()),
    }
}

/// A 32-byte id from a text reference, or an input error naming the option.
fn reference(option: &str, text: &str) -> Result<[u8; 32], Failure> {
    usd1_client::request_id_from_reference(text).ok_or_else(|| {
        input(format!(
            "invalid {option} {text:?}: expected 1 to 32 bytes of text"
        ))
    })
}

fn amount(option: &str, text: &str, decimals: u8) -> Result<u64, Failure> {
    usd1_client::parse_amount(text, decimals).map_err(|e| input(format!("{option}: {e}")))
}

/// How `usd1` found a token account from what it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// The address given is a token account of the mint.
    TokenAccount,
    /// The address given is a wallet: its associated token account is meant.
    WalletAssociated,
}

impl Resolved {
    pub fn name(self) -> &'static str {
        match self {
            Resolved::TokenAccount => "token_account",
            Resolved::WalletAssociated => "wallet",
        }
    }
}

/// One context per command: the chain, the signers, the transaction options, and the
/// lookups every command shares.
struct Ctx<'a, B: Backend> {
    backend: &'a mut B,
    signers: &'a mut Signers,
    options: TxOptions,
    /// A person is at the terminal: `propose` asks them to confirm.
    interactive: bool,
}

impl<B: Backend> Ctx<'_, B> {
    fn me(&self) -> Pubkey {
        self.signers.authority.pubkey()
    }

    /// The public key a key argument names (a pubkey as given, else its signer's).
    fn key(&mut self, source: &KeySource, name: &str) -> Result<Pubkey, Failure> {
        self.signers.pubkey(source, name).map_err(input)
    }

    fn keys(&mut self, sources: &[KeySource], name: &str) -> Result<Vec<Pubkey>, Failure> {
        sources.iter().map(|s| self.key(s, name)).collect()
    }

    /// Builds, signs and sends `ixs` (with the invocation's fee payer, nonce, compute
    /// budget); under `--sign-only`, stops the command with the signatures instead.
    async fn send(&mut self, what: &str, ixs: &[Instruction]) -> Result<Executed, Failure> {
        let signers = self.signers.all();
        match build_and_send(
            self.backend,
            ixs,
            self.signers.fee_payer(),
            &signers,
            &self.options,
        )
        .await
        {
            Ok(Outcome::Sent(executed)) => Ok(executed),
            Ok(Outcome::SignedOnly(signed)) => Err(Failure::SignedOnly(signed, None)),
            Err(TxError::Input(message)) => Err(Failure::Input(format!("{what}: {message}"))),
            Err(TxError::Chain(error)) => Err(chain(what)(error)),
        }
    }

    /// The minter whose authority is `authority` (None: no such minter).
    async fn minter(
        &mut self,
        mint: &Pubkey,
        authority: &Pubkey,
    ) -> Result<Option<Minter>, Failure> {
        read::minter(self.backend, mint, authority)
            .await
            .map_err(read_failure("reading the minter"))
    }

    async fn issuer(&mut self, mint: &Pubkey) -> Result<Issuer, Failure> {
        read::issuer(self.backend, mint)
            .await
            .map_err(read_failure("reading the issuer"))?
            .ok_or_else(|| {
                Failure::Missing(format!(
                    "no usd1-minter issuer for mint {mint} on this cluster (expected at {})",
                    pda::issuer(mint)
                ))
            })
    }

    async fn proposal(&mut self, mint: &Pubkey, index: u64) -> Result<Proposal, Failure> {
        read::proposal(self.backend, mint, index)
            .await
            .map_err(read_failure("reading the proposal"))?
            .ok_or_else(|| {
                Failure::Missing(format!(
                    "no proposal {index} for mint {mint} (closed or never opened)"
                ))
            })
    }

    async fn mint_view(&mut self, mint: &Pubkey) -> Result<MintView, Failure> {
        read::mint(self.backend, mint)
            .await
            .map_err(read_failure("reading the mint"))?
            .ok_or_else(|| Failure::Missing(format!("mint {mint} does not exist")))
    }

    async fn account_kind(&mut self, key: &Pubkey) -> Result<AccountKind, Failure> {
        read::account_kind(self.backend, key)
            .await
            .map_err(read_failure("reading the account"))
    }

    /// `account` itself when it is a token account of `mint`, else the associated token
    /// account of `account` as a wallet (which may not exist yet), and which it was.
    async fn token_account_of(
        &mut self,
        account: &Pubkey,
        mint: &Pubkey,
    ) -> Result<(Pubkey, Resolved), Failure> {
        match self.account_kind(account).await? {
            AccountKind::TokenAccount(TokenAccountView { mint: of, .. }) if of != *mint => {
                Err(input(format!(
                    "token account {account} belongs to mint {of}, not {mint}"
                )))
            }
            AccountKind::TokenAccount(_) => Ok((*account, Resolved::TokenAccount)),
            _ => Ok((
                usd1_client::token::associated_address(account, mint),
                Resolved::WalletAssociated,
            )),
        }
    }

    /// Like `token_account_of`, but the token account must exist.
    async fn existing_token_account(
        &mut self,
        account: &Pubkey,
        mint: &Pubkey,
    ) -> Result<(Pubkey, Resolved), Failure> {
        let (resolved, how) = self.token_account_of(account, mint).await?;
        if !matches!(
            self.account_kind(&resolved).await?,
            AccountKind::TokenAccount(_)
        ) {
            return Err(Failure::Missing(format!(
                "no token account of mint {mint} for {account} (looked for {resolved})"
            )));
        }
        Ok((resolved, how))
    }

    /// Refuses a recipient wallet that is not a plain system account (a program address, a
    /// legacy SPL token account, a program's state) unless the operator said so: tokens sent
    /// to an owner that cannot sign are stuck.
    async fn check_recipient_wallet(
        &mut self,
        wallet: &Pubkey,
        option: &str,
        allowed: bool,
    ) -> Result<(), Failure> {
        if allowed {
            return Ok(());
        }
        let why = match self.account_kind(wallet).await? {
            AccountKind::Wallet | AccountKind::Empty if wallet.is_on_curve() => return Ok(()),
            AccountKind::Wallet | AccountKind::Empty => {
                "is a program address (off the ed25519 curve): no key can ever sign for it"
                    .to_string()
            }
            AccountKind::OtherProgram(owner) if owner == usd1_client::token::LEGACY_TOKEN_ID => {
                "is a legacy SPL Token account, not a wallet".to_string()
            }
            AccountKind::OtherProgram(owner) => {
                format!("is not a system account (owned by program {owner})")
            }
            AccountKind::TokenAccount(_) => "is a token account of another mint".to_string(),
        };
        Err(input(format!(
            "{option} {wallet} {why}; pass --allow-non-system-account-recipient if that is \
             really the recipient"
        )))
    }

    async fn program_accounts<T>(&mut self, issuer: &Pubkey) -> Result<Vec<T>, Failure>
    where
        T: usd1_client::accounts::ProgramAccount,
    {
        Ok(read::of_issuer::<B, T>(self.backend, issuer, "account")
            .await
            .map_err(read_failure("listing accounts"))?
            .into_iter()
            .map(|(_, account)| account)
            .collect())
    }

    async fn now(&mut self) -> Result<i64, Failure> {
        Ok(self
            .backend
            .clock()
            .await
            .map_err(chain("reading the clock"))?
            .unix_timestamp)
    }
}

/// The transaction options of an invocation.
pub fn tx_options(cli: &Cli, signers: &Signers) -> TxOptions {
    TxOptions {
        compute_unit_price: cli.tx.with_compute_unit_price,
        compute_unit_limit: cli.tx.with_compute_unit_limit,
        blockhash: cli.tx.blockhash,
        nonce: cli.tx.nonce.map(|nonce| {
            let authority = signers
                .nonce_authority
                .as_ref()
                .map_or_else(|| signers.authority.pubkey(), |a| a.pubkey());
            (nonce, authority)
        }),
        sign_only: cli.tx.sign_only,
    }
}

/// Runs the invocation's command with `signers` against `backend`.
pub async fn run<B: Backend>(
    backend: &mut B,
    signers: &mut Signers,
    cli: &Cli,
    interactive: bool,
) -> CommandResult {
    let options = tx_options(cli, signers);
    let mut ctx = Ctx {
        backend,
        signers,
        options,
        interactive,
    };
    let ctx = &mut ctx;
    match &cli.command {
        Command::Demo => Err(input("`usd1 demo` runs on its own embedded SVM")),
        Command::Reconcile(_) | Command::Watch(_) => Err(input(
            "`usd1 reconcile` and `usd1 watch` read a cluster through their own source",
        )),
        Command::Init { config } => issuance::init(ctx, config).await,
        Command::Propose { mint, yes, action } => {
            governance::propose(ctx, &mint.mint, action, *yes).await
        }
        Command::Approve(p) => governance::vote(ctx, p, governance::Vote::Approve).await,
        Command::Reject(p) => governance::vote(ctx, p, governance::Vote::Reject).await,
        Command::Cancel(p) => governance::vote(ctx, p, governance::Vote::Cancel).await,
        Command::Accept(p) => governance::vote(ctx, p, governance::Vote::Accept).await,
        Command::Execute {
            proposal,
            new_authority_keypair,
        } => governance::execute(ctx, proposal, new_authority_keypair.as_ref()).await,
        Command::HandOverUpgradeAuthority { mint } => {
            governance::hand_over_upgrade_authority(ctx, &mint.mint).await
        }
        Command::Proposals(args) => {
            // global so that it may follow `show N`, hence checked here
            let mint = args
                .mint
                .ok_or_else(|| input("the following required argument was not provided: --mint"))?;
            match &args.view {
                None => governance::proposals(ctx, &mint).await,
                Some(crate::cli::ProposalsView::Show { index }) => {
                    governance::show(ctx, &mint, *index).await
                }
            }
        }
        Command::Cosign {
            mint,
            minter,
            issue,
            expiry,
            message_only,
        } => issuance::cosign(ctx, &mint.mint, minter, issue, *expiry, *message_only).await,
        Command::Mint {
            mint,
            issue,
            cosignature,
            cosigner,
            expiry,
            allow_non_system_account_recipient,
        } => {
            let cosigned = match (cosignature, cosigner, expiry) {
                (Some(signature), Some(cosigner), Some(expiry)) => {
                    Some((issuance::parse_signature(signature)?, *cosigner, *expiry))
                }
                (None, None, None) => None,
                _ => return Err(input("--cosignature, --cosigner and --expiry go together")),
            };
            issuance::mint_tokens(
                ctx,
                &mint.mint,
                issue,
                cosigned,
                *allow_non_system_account_recipient,
            )
            .await
        }
        Command::Redeem {
            mint,
            amount,
            redemption_id,
            payout_reference,
        } => issuance::redeem(ctx, &mint.mint, amount, redemption_id, payout_reference).await,
        Command::Settle {
            mint,
            holder,
            redemption_id,
            settlement_reference,
        } => issuance::settle(ctx, &mint.mint, holder, redemption_id, settlement_reference).await,
        Command::Refund {
            mint,
            holder,
            redemption_id,
            reason,
            allow_non_system_account_recipient,
        } => {
            issuance::refund(
                ctx,
                &mint.mint,
                holder,
                redemption_id,
                *reason,
                *allow_non_system_account_recipient,
            )
            .await
        }
        Command::Freeze {
            mint,
            account,
            reason,
        } => controls::freeze_or_thaw(ctx, &mint.mint, account, Some(*reason)).await,
        Command::Thaw { mint, account } => {
            controls::freeze_or_thaw(ctx, &mint.mint, account, None).await
        }
        Command::Pause {
            mint,
            issuance_only,
        } => controls::pause(ctx, &mint.mint, *issuance_only).await,
        Command::SuspendMinter { mint, minter } => {
            controls::suspend_minter(ctx, &mint.mint, minter).await
        }
        Command::Allowance {
            mint,
            change: AllowanceChange::Raise { minter, amount },
        } => issuance::raise_allowance(ctx, &mint.mint, minter, amount).await,
        Command::Allowance {
            mint,
            change: AllowanceChange::Lower { minter, amount },
        } => issuance::decrease_allowance(ctx, &mint.mint, minter, amount).await,
        Command::DecreaseAllowance {
            mint,
            minter,
            amount: text,
        } => issuance::decrease_allowance(ctx, &mint.mint, minter, text).await,
        Command::Attest {
            mint,
            amount,
            as_of,
            report_hash,
        } => issuance::attest(ctx, &mint.mint, amount, *as_of, report_hash).await,
        Command::Status { mint } => status::status(ctx, &mint.mint).await,
        Command::Events { mint, limit } => status::events(ctx, &mint.mint, *limit).await,
    }
}
