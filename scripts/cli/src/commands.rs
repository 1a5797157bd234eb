//! Every command, written once over [`Backend`]: the same code runs against a cluster
//! (JSON-RPC) and the embedded SVM. A command returns a [`Report`] (text and JSON) or a
//! [`Failure`] that says what was wrong in one line.
use anchor_lang::{AccountDeserialize, Discriminator};
use serde_json::{json, Value};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::backend::{Backend, Executed, SendError};
use usd1_client::config::IssuerConfig;
use usd1_client::events::{hex32, parse_hex32, Event};
use usd1_client::token::{MintView, TokenAccountView};
use usd1_client::{
    accounts, attestation, format_amount, ix, loader, parse_amount, pda, request_id_from_reference,
    token, InitializeArgs, Issuer, Limits, MetadataField, MetadataUpdate, Minter, MinterConfig,
    MinterError, Proposal, ProposalAction, ProposalStatus, Redemption, Roles, TOKEN_PROGRAM_ID,
};

use crate::cli::{ActionArgs, AllowanceChange, Command, IssueArgs, ProposalArg};
use crate::config::read_keypair;

/// What a successful command shows.
#[derive(Debug)]
pub struct Report {
    pub text: String,
    pub json: Value,
}

/// Why a command failed. Input mistakes exit 2; refusals and chain trouble exit 1.
#[derive(Debug)]
pub enum Failure {
    /// A bad value on the command line or in a file, found before anything was sent.
    Input(String),
    /// Something the command needs is not on the chain (no issuer for this mint, no such
    /// proposal, no token account).
    Missing(String),
    /// The chain refused the transaction (the program's error, Token-2022's, the runtime's)
    /// or could not be reached.
    Chain { what: String, error: SendError },
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Missing(_) | Failure::Chain { .. } => 1,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Input(message) | Failure::Missing(message) => message.clone(),
            Failure::Chain { what, error } => format!("{what} failed: {}", error.explain()),
        }
    }

    pub fn json(&self) -> Value {
        let mut value = json!({ "error": self.message(), "exit_code": self.exit_code() });
        if let Failure::Chain { error, .. } = self {
            if let Some(code) = error.custom_code() {
                value["code"] = json!(code);
                value["name"] = json!(usd1_client::errors::error_name(code));
            }
            if let SendError::Transaction { logs, .. } = error {
                value["logs"] = json!(logs);
            }
        }
        value
    }
}

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

/// A 32-byte id from a text reference, or an input error naming the option.
fn reference(option: &str, text: &str) -> Result<[u8; 32], Failure> {
    request_id_from_reference(text).ok_or_else(|| {
        input(format!(
            "invalid {option} {text:?}: expected 1 to 32 bytes of text"
        ))
    })
}

fn event_json(event: &Event) -> Value {
    json!({ "seq": event.seq(), "name": event.name(), "text": event.to_string() })
}

/// The report of a transaction: its signature and every event it emitted.
fn sent(headline: String, executed: &Executed, extra: Value) -> Report {
    let mut text = format!("{headline}\nSignature: {}\n", executed.signature);
    for event in &executed.events {
        text.push_str(&format!("  event {event}\n"));
    }
    if executed.events_pending {
        text.push_str("  events: not yet in this node's history (see `usd1 events`)\n");
    }
    let mut json = json!({
        "result": headline,
        "signature": executed.signature.to_string(),
        "events": executed.events.iter().map(event_json).collect::<Vec<_>>(),
        "events_pending": executed.events_pending,
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut json, extra) {
        map.extend(extra);
    }
    Report { text, json }
}

/// One context per command: the chain, the signer, and lookups every command shares.
struct Ctx<'a, B: Backend> {
    backend: &'a mut B,
    signer: &'a Keypair,
}

impl<B: Backend> Ctx<'_, B> {
    fn me(&self) -> Pubkey {
        self.signer.pubkey()
    }

    async fn send(
        &mut self,
        what: &str,
        ixs: &[Instruction],
        extra: &[&Keypair],
    ) -> Result<Executed, Failure> {
        let mut signers = vec![self.signer];
        signers.extend_from_slice(extra);
        self.backend.send(ixs, &signers).await.map_err(chain(what))
    }

    async fn decode<T: AccountDeserialize + Discriminator>(
        &mut self,
        key: &Pubkey,
        what: &str,
    ) -> Result<Option<T>, Failure> {
        let Some(account) = self.backend.account(key).await.map_err(chain(what))? else {
            return Ok(None);
        };
        if account.owner != usd1_client::PROGRAM_ID {
            return Ok(None);
        }
        accounts::decode::<T>(&account.data)
            .map(Some)
            .map_err(|e| Failure::Missing(format!("{what} {key}: {e}")))
    }

    /// The minter whose authority is `authority` (None: no such minter).
    async fn minter(
        &mut self,
        mint: &Pubkey,
        authority: &Pubkey,
    ) -> Result<Option<Minter>, Failure> {
        let address = pda::minter(&pda::issuer(mint), authority);
        self.decode::<Minter>(&address, "reading the minter").await
    }

    async fn issuer(&mut self, mint: &Pubkey) -> Result<Issuer, Failure> {
        let address = pda::issuer(mint);
        self.decode::<Issuer>(&address, "reading the issuer")
            .await?
            .ok_or_else(|| {
                Failure::Missing(format!(
                    "no usd1-minter issuer for mint {mint} on this cluster (expected at {address})"
                ))
            })
    }

    async fn mint_view(&mut self, mint: &Pubkey) -> Result<MintView, Failure> {
        let account = self
            .backend
            .account(mint)
            .await
            .map_err(chain("reading the mint"))?
            .ok_or_else(|| Failure::Missing(format!("mint {mint} does not exist")))?;
        MintView::decode(&account.data)
            .map_err(|e| Failure::Missing(format!("mint {mint} is not a Token-2022 mint: {e}")))
    }

    /// `account` itself when it is a token account of `mint`, else the associated token
    /// account of `account` as a wallet (which may not exist yet).
    async fn token_account_of(
        &mut self,
        account: &Pubkey,
        mint: &Pubkey,
    ) -> Result<Pubkey, Failure> {
        match self
            .backend
            .account(account)
            .await
            .map_err(chain("reading the account"))?
        {
            Some(found) if found.owner == TOKEN_PROGRAM_ID => {
                let view = TokenAccountView::decode(&found.data).map_err(|e| {
                    input(format!(
                        "{account} is a Token-2022 account but not a token account: {e}"
                    ))
                })?;
                if view.mint != *mint {
                    return Err(input(format!(
                        "token account {account} belongs to mint {}, not {mint}",
                        view.mint
                    )));
                }
                Ok(*account)
            }
            _ => Ok(token::associated_address(account, mint)),
        }
    }

    /// Like `token_account_of`, but the token account must exist.
    async fn existing_token_account(
        &mut self,
        account: &Pubkey,
        mint: &Pubkey,
    ) -> Result<Pubkey, Failure> {
        let resolved = self.token_account_of(account, mint).await?;
        let exists = self
            .backend
            .account(&resolved)
            .await
            .map_err(chain("reading the token account"))?
            .is_some();
        if !exists {
            return Err(Failure::Missing(format!(
                "no token account of mint {mint} for {account} (looked for {resolved})"
            )));
        }
        Ok(resolved)
    }

    async fn program_accounts<T: AccountDeserialize + Discriminator>(
        &mut self,
        issuer: &Pubkey,
    ) -> Result<Vec<T>, Failure> {
        let filters = accounts::of_issuer::<T>(issuer);
        let found = self
            .backend
            .program_accounts(&filters)
            .await
            .map_err(chain("listing accounts"))?;
        found
            .iter()
            .map(|(key, account)| {
                accounts::decode::<T>(&account.data)
                    .map_err(|e| Failure::Missing(format!("account {key}: {e}")))
            })
            .collect()
    }

    /// Refuses to propose an upgrade from a buffer the issuer could not execute: missing,
    /// not a loader buffer, another authority, or other bytes than expected.
    async fn check_buffer(
        &mut self,
        issuer: &Issuer,
        issuer_address: &Pubkey,
        buffer: &Pubkey,
        expected: &[u8; 32],
    ) -> Result<(), Failure> {
        if !issuer.governs_upgrades {
            return Err(input(format!(
                "issuer {issuer_address} does not hold the program's upgrade authority (see \
                 `usd1 hand-over-upgrade-authority`)"
            )));
        }
        let account = self
            .backend
            .account(buffer)
            .await
            .map_err(chain("reading the buffer"))?
            .ok_or_else(|| Failure::Missing(format!("buffer {buffer} does not exist")))?;
        let view = (account.owner == loader::LOADER_ID)
            .then(|| loader::BufferView::decode(&account.data))
            .flatten()
            .ok_or_else(|| input(format!("{buffer} is not an upgradeable-loader buffer")))?;
        let governor = pda::upgrade_authority(issuer_address);
        if view.authority != Some(governor) {
            return Err(input(format!(
                "buffer {buffer}'s authority is {}, not the issuer's upgrade authority \
                 {governor} (solana program set-buffer-authority {buffer} --new-buffer-authority \
                 {governor})",
                key_or_none(&view.authority)
            )));
        }
        if view.hash != *expected {
            return Err(input(format!(
                "buffer {buffer} holds program bytes with sha256 {}, not the expected {}",
                hex32(&view.hash),
                hex32(expected)
            )));
        }
        Ok(())
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

/// Runs `command` with `signer` against `backend`.
pub async fn run<B: Backend>(
    backend: &mut B,
    signer: &Keypair,
    command: &Command,
) -> CommandResult {
    let mut ctx = Ctx { backend, signer };
    match command {
        Command::Demo => Err(input("`usd1 demo` runs on its own embedded SVM")),
        Command::Reconcile(_) => Err(input(
            "`usd1 reconcile` reads a cluster through its own source",
        )),
        Command::Init { config } => init(&mut ctx, config).await,
        Command::Propose { mint, action } => propose(&mut ctx, &mint.mint, action).await,
        Command::Approve(p) => vote(&mut ctx, p, Vote::Approve).await,
        Command::Reject(p) => vote(&mut ctx, p, Vote::Reject).await,
        Command::Cancel(p) => vote(&mut ctx, p, Vote::Cancel).await,
        Command::Accept(p) => vote(&mut ctx, p, Vote::Accept).await,
        Command::Execute {
            proposal,
            new_authority_keypair,
        } => execute(&mut ctx, proposal, new_authority_keypair.as_deref()).await,
        Command::HandOverUpgradeAuthority { mint } => {
            hand_over_upgrade_authority(&mut ctx, &mint.mint).await
        }
        Command::Proposals { mint } => proposals(&mut ctx, &mint.mint).await,
        Command::Cosign {
            mint,
            minter,
            issue,
            expiry,
        } => cosign(&mut ctx, &mint.mint, minter, issue, *expiry).await,
        Command::Mint {
            mint,
            issue,
            cosignature,
            cosigner,
            expiry,
        } => {
            let cosigned = match (cosignature, cosigner, expiry) {
                (Some(signature), Some(cosigner), Some(expiry)) => {
                    Some((parse_signature(signature)?, *cosigner, *expiry))
                }
                (None, None, None) => None,
                _ => return Err(input("--cosignature, --cosigner and --expiry go together")),
            };
            mint_tokens(&mut ctx, &mint.mint, issue, cosigned).await
        }
        Command::Redeem {
            mint,
            amount,
            redemption_id,
            payout_reference,
        } => {
            redeem(
                &mut ctx,
                &mint.mint,
                amount,
                redemption_id,
                payout_reference,
            )
            .await
        }
        Command::Settle {
            mint,
            holder,
            redemption_id,
            settlement_reference,
        } => {
            settle(
                &mut ctx,
                &mint.mint,
                holder,
                redemption_id,
                settlement_reference,
            )
            .await
        }
        Command::Refund {
            mint,
            holder,
            redemption_id,
            reason,
        } => refund(&mut ctx, &mint.mint, holder, redemption_id, *reason).await,
        Command::Freeze {
            mint,
            account,
            reason,
        } => freeze_or_thaw(&mut ctx, &mint.mint, account, Some(*reason)).await,
        Command::Thaw { mint, account } => {
            freeze_or_thaw(&mut ctx, &mint.mint, account, None).await
        }
        Command::Pause {
            mint,
            issuance_only: false,
        } => {
            let mint = mint.mint;
            let executed = ctx
                .send("pause", &[ix::pause(&ctx.me(), &mint)], &[])
                .await?;
            Ok(sent(
                format!("Paused mint {mint}: transfers, mints and burns stop"),
                &executed,
                json!({ "level": "token" }),
            ))
        }
        Command::Pause {
            mint,
            issuance_only: true,
        } => {
            let mint = mint.mint;
            let executed = ctx
                .send(
                    "pause_issuance",
                    &[ix::pause_issuance(&ctx.me(), &mint)],
                    &[],
                )
                .await?;
            Ok(sent(
                format!("Paused issuance of mint {mint}: mints and refunds stop, holders keep transferring and redeeming"),
                &executed,
                json!({ "level": "issuance" }),
            ))
        }
        Command::SuspendMinter { mint, minter } => {
            let mint = mint.mint;
            let executed = ctx
                .send(
                    "suspend_minter",
                    &[ix::suspend_minter(&ctx.me(), &mint, minter)],
                    &[],
                )
                .await?;
            Ok(sent(
                format!(
                    "Suspended minter {minter}: only a proposal opened from now on reactivates it"
                ),
                &executed,
                json!({ "minter": minter.to_string() }),
            ))
        }
        Command::Allowance {
            mint,
            change: AllowanceChange::Raise { minter, amount },
        } => raise_allowance(&mut ctx, &mint.mint, minter, amount).await,
        Command::Allowance {
            mint,
            change: AllowanceChange::Lower { minter, amount },
        } => decrease_allowance(&mut ctx, &mint.mint, minter, amount).await,
        Command::DecreaseAllowance {
            mint,
            minter,
            amount: text,
        } => decrease_allowance(&mut ctx, &mint.mint, minter, text).await,
        Command::Attest {
            mint,
            amount,
            as_of,
            report_hash,
        } => attest(&mut ctx, &mint.mint, amount, *as_of, report_hash).await,
        Command::Status { mint } => status(&mut ctx, &mint.mint).await,
        Command::Events { mint, limit } => events(&mut ctx, &mint.mint, *limit).await,
    }
}

async fn decrease_allowance<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    minter: &Pubkey,
    text: &str,
) -> CommandResult {
    let decimals = ctx.issuer(mint).await?.decimals;
    let by = if text == "all" {
        u64::MAX
    } else {
        amount("--amount", text, decimals)?
    };
    let executed = ctx
        .send(
            "decrease-allowance",
            &[ix::decrease_allowance(&ctx.me(), mint, minter, by)],
            &[],
        )
        .await?;
    let left = ctx.minter(mint, minter).await?.map_or(0, |m| m.allowance);
    Ok(sent(
        format!(
            "Allowance of minter {minter} lowered: {} left",
            format_amount(left, decimals)
        ),
        &executed,
        json!({ "allowance": left }),
    ))
}

async fn raise_allowance<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    minter: &Pubkey,
    text: &str,
) -> CommandResult {
    let decimals = ctx.issuer(mint).await?.decimals;
    let by = amount("--amount", text, decimals)?;
    let executed = ctx
        .send(
            "raise_allowance",
            &[ix::raise_allowance(&ctx.me(), mint, minter, by)],
            &[],
        )
        .await?;
    // read back from the accounts: over JSON-RPC the events can trail the transaction
    let left = ctx.minter(mint, minter).await?.map_or(0, |m| m.allowance);
    let now = ctx.now().await?;
    let budget_left = ctx.issuer(mint).await?.allowance_budget_left(now);
    Ok(sent(
        format!(
            "Allowance of minter {minter} raised: {} left, budget left {}",
            format_amount(left, decimals),
            format_amount(budget_left, decimals)
        ),
        &executed,
        json!({ "allowance": left, "budget_left": budget_left }),
    ))
}

fn parse_signature(text: &str) -> Result<[u8; 64], Failure> {
    text.parse::<solana_sdk::signature::Signature>()
        .map(Into::into)
        .map_err(|_| {
            input(format!(
                "invalid --cosignature {text:?}: expected a base58 ed25519 signature (64 bytes)"
            ))
        })
}

async fn init<B: Backend>(ctx: &mut Ctx<'_, B>, path: &std::path::Path) -> CommandResult {
    let config = IssuerConfig::load(path).map_err(input)?;
    let args = config.initialize_args().map_err(input)?;
    let mint_keypair = read_keypair(&config.mint.keypair).map_err(input)?;
    let mint = mint_keypair.pubkey();
    let issuer = pda::issuer(&mint);
    if ctx
        .decode::<Issuer>(&issuer, "reading the issuer")
        .await?
        .is_some()
    {
        return Err(input(format!(
            "mint {mint} is already initialized (issuer {issuer}); nothing was sent"
        )));
    }
    initialize(ctx.backend, ctx.signer, args, &mint_keypair).await
}

/// Sends `initialize` for the mint `mint_keypair` with `args`, `signer` paying (what
/// `usd1 init` and `usd1-migrate` share once each has checked that the issuer is absent).
pub async fn initialize<B: Backend>(
    backend: &mut B,
    signer: &Keypair,
    args: InitializeArgs,
    mint_keypair: &Keypair,
) -> CommandResult {
    let mut ctx = Ctx { backend, signer };
    let mint = mint_keypair.pubkey();
    let issuer = pda::issuer(&mint);
    let executed = ctx
        .send(
            "initialize",
            &[ix::initialize(&ctx.me(), &mint, args)],
            &[mint_keypair],
        )
        .await?;
    Ok(sent(
        format!("Initialized mint {mint} (issuer {issuer})"),
        &executed,
        json!({ "mint": mint.to_string(), "issuer": issuer.to_string() }),
    ))
}

fn amount(option: &str, text: &str, decimals: u8) -> Result<u64, Failure> {
    parse_amount(text, decimals).map_err(|e| input(format!("{option}: {e}")))
}

async fn propose<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    action: &ActionArgs,
) -> CommandResult {
    let issuer_address = pda::issuer(mint);
    let issuer = ctx.issuer(mint).await?;
    let decimals = issuer.decimals;
    let action = match action.clone() {
        ActionArgs::ConfigureMinter {
            authority,
            allowance_grant,
            rate_capacity,
            rate_window,
            inactive,
        } => ProposalAction::ConfigureMinter(MinterConfig {
            authority,
            allowance_grant: amount("--allowance-grant", &allowance_grant, decimals)?,
            rate_capacity: amount("--rate-capacity", &rate_capacity, decimals)?,
            rate_window,
            active: !inactive,
        }),
        ActionArgs::RemoveMinter { authority } => ProposalAction::RemoveMinter { authority },
        ActionArgs::SetGovernance {
            members,
            threshold,
            time_lock,
        } => ProposalAction::SetGovernance {
            members,
            threshold,
            time_lock,
        },
        ActionArgs::SetRoles {
            pausers,
            freezers,
            reserve_attestor,
            redemption_operator,
            mint_attestor,
            allowance_manager,
        } => ProposalAction::SetRoles(Roles {
            pausers,
            freezers,
            reserve_attestor,
            redemption_operator,
            mint_attestor,
            allowance_manager,
        }),
        ActionArgs::SetLimits {
            supply_cap,
            min_redemption,
            reserve_guard,
            reserve_max_age,
        } => ProposalAction::SetLimits(Limits {
            supply_cap: amount("--supply-cap", &supply_cap, decimals)?,
            min_redemption: amount("--min-redemption", &min_redemption, decimals)?,
            reserve_guard,
            reserve_max_age,
        }),
        ActionArgs::Unpause => ProposalAction::Unpause,
        ActionArgs::ResumeIssuance => ProposalAction::ResumeIssuance,
        ActionArgs::UpdateMetadata {
            name,
            symbol,
            uri,
            fields,
            remove_keys,
        } => ProposalAction::UpdateMetadata(MetadataUpdate {
            name,
            symbol,
            uri,
            fields: fields
                .into_iter()
                .map(|(key, value)| MetadataField { key, value })
                .collect(),
            remove_keys,
        }),
        ActionArgs::SetAllowanceBudget { capacity, window } => ProposalAction::SetAllowanceBudget {
            capacity: amount("--capacity", &capacity, decimals)?,
            window,
        },
        ActionArgs::SetExecutionWindow { seconds } => {
            ProposalAction::SetExecutionWindow { seconds }
        }
        ActionArgs::UpgradeProgram {
            buffer,
            so,
            buffer_hash,
            spill,
        } => {
            let expected = match (so, buffer_hash) {
                (Some(path), _) => {
                    let bytes = std::fs::read(&path)
                        .map_err(|e| input(format!("cannot read --so {}: {e}", path.display())))?;
                    if bytes.len() > loader::MAX_UPGRADE_PROGRAM_LEN {
                        return Err(input(format!(
                            "--so {} is {} bytes; an upgrade by proposal can deploy at most {}",
                            path.display(),
                            bytes.len(),
                            loader::MAX_UPGRADE_PROGRAM_LEN
                        )));
                    }
                    loader::program_hash(&bytes)
                }
                (None, Some(text)) => parse_hex32(&text).ok_or_else(|| {
                    input(format!(
                        "invalid --buffer-hash {text:?}: expected 64 hex characters"
                    ))
                })?,
                (None, None) => return Err(input("give --so or --buffer-hash")),
            };
            ctx.check_buffer(&issuer, &issuer_address, &buffer, &expected)
                .await?;
            ProposalAction::UpgradeProgram {
                buffer,
                buffer_hash: expected,
                spill: spill.unwrap_or_else(|| ctx.me()),
            }
        }
        ActionArgs::SetUpgradeAuthority { new, .. } => {
            // the new authority co-signs the execution: a PDA (another issuer's included)
            // never could, and the proposal would be dead on arrival
            if let Some(key) = new.filter(|k| !k.is_on_curve()) {
                return Err(input(format!(
                    "--new {key} is a program address (off the ed25519 curve): it can never \
                     sign the execution; name a key that can"
                )));
            }
            ProposalAction::SetUpgradeAuthority { new }
        }
        ActionArgs::Seize {
            account,
            destination,
            amount: text,
        } => {
            let account = ctx.existing_token_account(&account, mint).await?;
            let destination = match destination {
                Some(d) => Some(ctx.existing_token_account(&d, mint).await?),
                None => None,
            };
            ProposalAction::Seize {
                account,
                destination,
                amount: amount("--amount", &text, decimals)?,
            }
        }
    };
    // refused before the vote rather than by the program, with the reason
    action
        .validate()
        .map_err(|e| input(format!("the proposal would be refused: {e}")))?;
    // the proposal takes the issuer's next index; when another member's proposal lands
    // first the program refuses with ProposalIndexTaken, and the next index is tried
    let mut index = issuer.next_proposal_index();
    let mut tries = 1;
    let executed = loop {
        match ctx
            .send(
                "propose",
                &[ix::propose(&ctx.me(), mint, index, action.clone())],
                &[],
            )
            .await
        {
            Err(Failure::Chain { error, .. })
                if tries < PROPOSE_TRIES
                    && error.custom_code() == Some(MinterError::ProposalIndexTaken.into()) =>
            {
                tries += 1;
                index = ctx.issuer(mint).await?.next_proposal_index();
            }
            other => break other?,
        }
    };
    let to_accept = action.named_keys();
    let mut headline = format!("Proposal {index} opened on issuer {issuer_address}");
    if !to_accept.is_empty() {
        headline.push_str(&format!(
            "\nKeys it names accept it before it executes (`usd1 accept {index}`, signed by \
             each new one): {}",
            keys(&to_accept).join(", ")
        ));
    }
    Ok(sent(
        headline,
        &executed,
        json!({ "index": index, "keys_to_accept": keys(&to_accept) }),
    ))
}

/// Tries of `propose` while other members' proposals take the index first.
const PROPOSE_TRIES: u32 = 5;

enum Vote {
    Approve,
    Reject,
    Cancel,
    Accept,
}

async fn vote<B: Backend>(ctx: &mut Ctx<'_, B>, p: &ProposalArg, vote: Vote) -> CommandResult {
    let (mint, index, me) = (p.mint.mint, p.index, ctx.me());
    let (what, instruction, done) = match vote {
        Vote::Approve => ("approve", ix::approve(&me, &mint, index), "Approved"),
        Vote::Reject => ("reject", ix::reject(&me, &mint, index), "Rejected"),
        Vote::Cancel => ("cancel", ix::cancel(&me, &mint, index), "Cancelled"),
        Vote::Accept => ("accept", ix::accept(&me, &mint, index), "Accepted"),
    };
    let executed = ctx.send(what, &[instruction], &[]).await?;
    Ok(sent(
        format!("{done} proposal {index}"),
        &executed,
        json!({ "index": index }),
    ))
}

async fn proposal<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    index: u64,
) -> Result<Proposal, Failure> {
    let address = pda::proposal(&pda::issuer(mint), index);
    ctx.decode::<Proposal>(&address, "reading the proposal")
        .await?
        .ok_or_else(|| {
            Failure::Missing(format!(
                "no proposal {index} for mint {mint} (closed or never opened)"
            ))
        })
}

async fn execute<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    p: &ProposalArg,
    new_authority_keypair: Option<&std::path::Path>,
) -> CommandResult {
    let (mint, index) = (p.mint.mint, p.index);
    let proposal = proposal(ctx, &mint, index).await?;
    // SetUpgradeAuthority to a key: that key co-signs (the loader's SetAuthorityChecked)
    let co_signer = match (&proposal.action, new_authority_keypair) {
        (ProposalAction::SetUpgradeAuthority { new: Some(new) }, _) if *new == ctx.me() => None,
        (ProposalAction::SetUpgradeAuthority { new: Some(new) }, Some(path)) => {
            let keypair = read_keypair(path).map_err(input)?;
            if keypair.pubkey() != *new {
                return Err(input(format!(
                    "--new-authority-keypair {} is {}, but the proposal names {new}",
                    path.display(),
                    keypair.pubkey()
                )));
            }
            Some(keypair)
        }
        (ProposalAction::SetUpgradeAuthority { new: Some(new) }, None) => {
            return Err(input(format!(
                "proposal {index} hands the upgrade authority to {new}, which must co-sign: \
                 pass --new-authority-keypair"
            )))
        }
        (_, Some(_)) => {
            return Err(input(
                "--new-authority-keypair is only for a SetUpgradeAuthority proposal",
            ))
        }
        _ => None,
    };
    // a key the action newly puts in charge must have accepted: when the program refuses
    // with KeyNotAccepted, the report names it (the program logs it too)
    let issuer = ctx.issuer(&mint).await?;
    let creates_minter = match &proposal.action {
        ProposalAction::ConfigureMinter(config) => {
            ctx.minter(&mint, &config.authority).await?.is_none()
        }
        _ => false,
    };
    let waiting_for =
        proposal
            .action
            .first_unaccepted_key(&issuer, &proposal.accepted, creates_minter);
    // RemoveMinter returns the minter account's rent to whoever paid it
    let rent_payer = match &proposal.action {
        ProposalAction::RemoveMinter { authority } => {
            ctx.minter(&mint, authority).await?.map(|m| m.rent_payer)
        }
        _ => None,
    };
    let instructions = ix::execute_action_instructions(
        &ctx.me(),
        &mint,
        index,
        &proposal.action,
        rent_payer.as_ref(),
    );
    let extra: Vec<&Keypair> = co_signer.iter().collect();
    let executed = match ctx.send("execute", &instructions, &extra).await {
        Err(Failure::Chain { error, .. })
            if error.custom_code() == Some(MinterError::KeyNotAccepted.into()) =>
        {
            let key = waiting_for.map_or("a key it names".to_string(), |k| k.to_string());
            return Err(Failure::Chain {
                what: format!(
                    "execute (proposal {index} waits for {key} to accept it: run \
                     `usd1 accept {index} --mint {mint}` signed by that key)"
                ),
                error,
            });
        }
        other => other?,
    };
    Ok(sent(
        format!(
            "Executed proposal {index}: {}",
            action_summary(&proposal.action)
        ),
        &executed,
        json!({ "index": index }),
    ))
}

fn action_summary(action: &ProposalAction) -> String {
    match action {
        ProposalAction::ConfigureMinter(c) => format!(
            "configure minter {} (allowance grant {}, rate {} per {}s, {})",
            c.authority,
            c.allowance_grant,
            c.rate_capacity,
            c.rate_window,
            if c.active { "active" } else { "inactive" }
        ),
        ProposalAction::RemoveMinter { authority } => format!("remove minter {authority}"),
        ProposalAction::SetGovernance {
            members,
            threshold,
            time_lock,
        } => format!(
            "set governance ({threshold} of {}, time lock {time_lock}s)",
            members.len()
        ),
        ProposalAction::SetRoles(_) => "set roles".to_string(),
        ProposalAction::SetLimits(l) => format!(
            "set limits (supply cap {}, min redemption {}, reserve guard {})",
            l.supply_cap, l.min_redemption, l.reserve_guard
        ),
        ProposalAction::Unpause => "unpause".to_string(),
        ProposalAction::SetExecutionWindow { seconds } => {
            format!("set execution window ({seconds}s)")
        }
        ProposalAction::Seize {
            account,
            destination,
            amount,
        } => match destination {
            Some(d) => format!("seize {amount} from {account} to {d}"),
            None => format!("seize and burn {amount} from {account}"),
        },
        ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash,
            spill,
        } => format!(
            "upgrade the program from buffer {buffer} (sha256 {}, spill to {spill})",
            hex32(buffer_hash)
        ),
        ProposalAction::SetUpgradeAuthority { new: Some(new) } => {
            format!("hand the upgrade authority to {new}")
        }
        ProposalAction::SetUpgradeAuthority { new: None } => {
            "make the program immutable".to_string()
        }
        ProposalAction::ResumeIssuance => "resume issuance".to_string(),
        ProposalAction::UpdateMetadata(m) => format!(
            "update metadata ({} {:?}, uri {}, {} field(s) set, {} removed)",
            m.symbol,
            m.name,
            m.uri,
            m.fields.len(),
            m.remove_keys.len()
        ),
        ProposalAction::SetAllowanceBudget { capacity, window } => {
            format!("set allowance budget ({capacity} per {window}s)")
        }
    }
}

async fn hand_over_upgrade_authority<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
) -> CommandResult {
    let issuer_address = pda::issuer(mint);
    let issuer = ctx.issuer(mint).await?;
    let governor = pda::upgrade_authority(&issuer_address);
    if issuer.governs_upgrades {
        return Ok(Report {
            text: format!(
                "Issuer {issuer_address} already holds the upgrade authority ({governor})\n"
            ),
            json: json!({ "status": "already handed over", "upgrade_authority": governor.to_string() }),
        });
    }
    let executed = ctx
        .send(
            "hand_over_upgrade_authority",
            &[ix::hand_over_upgrade_authority(&ctx.me(), mint)],
            &[],
        )
        .await?;
    // who now owns the program: the report names the governance, for the signer to check
    Ok(sent(
        format!(
            "Upgrade authority handed to issuer {issuer_address} ({governor}): {} of {} \
             members, time lock {}s",
            issuer.threshold,
            issuer.members.len(),
            issuer.time_lock
        ),
        &executed,
        json!({
            "status": "handed over",
            "upgrade_authority": governor.to_string(),
            "members": keys(&issuer.members),
            "threshold": issuer.threshold,
            "time_lock": issuer.time_lock,
        }),
    ))
}

fn status_name(status: &ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Active => "active",
        ProposalStatus::Approved => "approved",
        ProposalStatus::Rejected => "rejected",
        ProposalStatus::Cancelled => "cancelled",
        ProposalStatus::Executed => "executed",
        ProposalStatus::Vetoed => "vetoed",
    }
}

async fn proposals<B: Backend>(ctx: &mut Ctx<'_, B>, mint: &Pubkey) -> CommandResult {
    let issuer = ctx.issuer(mint).await?;
    let now = ctx.now().await?;
    let mut list = ctx.program_accounts::<Proposal>(&pda::issuer(mint)).await?;
    list.sort_by_key(|p| p.index);
    let mut text = format!(
        "{} proposal(s); threshold {} of {}, time lock {}s\n",
        list.len(),
        issuer.threshold,
        issuer.members.len(),
        issuer.time_lock
    );
    let mut rows = Vec::new();
    for p in &list {
        let open = matches!(p.status, ProposalStatus::Active | ProposalStatus::Approved);
        let stale = open && issuer.is_stale(p.index);
        let time_lock_left = match p.status {
            ProposalStatus::Approved => p
                .approved_at
                .saturating_add(i64::from(issuer.time_lock))
                .saturating_sub(now)
                .max(0),
            _ => 0,
        };
        let waiting_for = if open {
            p.action.first_unaccepted_key(&issuer, &p.accepted, false)
        } else {
            None
        };
        text.push_str(&format!(
            "#{} {}{} approvals {}/{} rejections {} time lock left {}s by {}: {}{}\n",
            p.index,
            status_name(&p.status),
            if stale { " (stale)" } else { "" },
            p.approvals.len(),
            issuer.threshold,
            p.rejections.len(),
            time_lock_left,
            p.proposer,
            action_summary(&p.action),
            waiting_for.map_or(String::new(), |k| format!(" (waiting for {k} to accept)"))
        ));
        rows.push(json!({
            "index": p.index,
            "status": status_name(&p.status),
            "stale": stale,
            "approvals": p.approvals.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "rejections": p.rejections.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "threshold": issuer.threshold,
            "time_lock_left": time_lock_left,
            "proposer": p.proposer.to_string(),
            "action": action_summary(&p.action),
            "accepted": keys(&p.accepted),
            "waiting_for_acceptance": waiting_for.map(|k| k.to_string()),
        }));
    }
    Ok(Report {
        text,
        json: json!({ "proposals": rows }),
    })
}

/// The recipient token account and the parsed amount and request id of `issue`.
async fn issue_terms<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issue: &IssueArgs,
) -> Result<(Pubkey, u64, [u8; 32], u8), Failure> {
    let decimals = ctx.issuer(mint).await?.decimals;
    let amount = amount("--amount", &issue.amount, decimals)?;
    let request_id = reference("--request-id", &issue.request_id)?;
    let recipient = ctx.token_account_of(&issue.to, mint).await?;
    Ok((recipient, amount, request_id, decimals))
}

async fn cosign<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    minter: &Pubkey,
    issue: &IssueArgs,
    expiry: i64,
) -> CommandResult {
    let (recipient, amount, request_id, decimals) = issue_terms(ctx, mint, issue).await?;
    let attestation =
        attestation::mint_attestation(mint, minter, request_id, &recipient, amount, expiry);
    let signature = ctx.signer.sign_message(&attestation.to_message());
    let text = format!(
        "Co-signed {} by minter {minter} to {recipient} for request {:?}, valid until {expiry}\nCosigner: {}\nCosignature: {signature}\n",
        format_amount(amount, decimals),
        issue.request_id,
        ctx.me()
    );
    Ok(Report {
        text,
        json: json!({
            "cosigner": ctx.me().to_string(),
            "cosignature": signature.to_string(),
            "minter": minter.to_string(),
            "recipient": recipient.to_string(),
            "amount": amount,
            "expiry": expiry,
        }),
    })
}

async fn mint_tokens<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issue: &IssueArgs,
    cosigned: Option<([u8; 64], Pubkey, i64)>,
) -> CommandResult {
    let (recipient, amount, request_id, decimals) = issue_terms(ctx, mint, issue).await?;
    let mut ixs = Vec::new();
    if recipient == token::associated_address(&issue.to, mint) {
        ixs.push(token::create_associated_account(&ctx.me(), &issue.to, mint));
    }
    // the co-signature must be the instruction immediately before `mint`
    if let Some((signature, cosigner, expiry)) = cosigned {
        let message =
            attestation::mint_attestation(mint, &ctx.me(), request_id, &recipient, amount, expiry)
                .to_message();
        ixs.push(attestation::ed25519_instruction(
            &cosigner, &signature, &message,
        ));
    }
    ixs.push(ix::mint(&ctx.me(), mint, &recipient, request_id, amount));
    let executed = ctx.send("mint", &ixs, &[]).await?;
    Ok(sent(
        format!(
            "Minted {} to {recipient} for request {:?}",
            format_amount(amount, decimals),
            issue.request_id
        ),
        &executed,
        json!({ "amount": amount, "recipient": recipient.to_string(), "request_id": hex32(&request_id) }),
    ))
}

async fn redeem<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    amount_text: &str,
    redemption_id: &str,
    payout_reference: &str,
) -> CommandResult {
    let decimals = ctx.issuer(mint).await?.decimals;
    let amount = amount("--amount", amount_text, decimals)?;
    let id = reference("--redemption-id", redemption_id)?;
    let payout = reference("--payout-reference", payout_reference)?;
    let me = ctx.me();
    let account = ctx.existing_token_account(&me, mint).await?;
    let executed = ctx
        .send(
            "redeem",
            &[ix::redeem(&me, mint, &account, id, amount, payout)],
            &[],
        )
        .await?;
    Ok(sent(
        format!(
            "Redemption {redemption_id:?} requested: {} burned from {account}",
            format_amount(amount, decimals)
        ),
        &executed,
        json!({ "amount": amount, "redemption": pda::redemption(&pda::issuer(mint), &me, &id).to_string() }),
    ))
}

async fn settle<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    holder: &Pubkey,
    redemption_id: &str,
    settlement: &str,
) -> CommandResult {
    let id = reference("--redemption-id", redemption_id)?;
    let settlement = reference("--settlement-reference", settlement)?;
    let executed = ctx
        .send(
            "settle",
            &[ix::settle_redemption(
                &ctx.me(),
                mint,
                holder,
                id,
                settlement,
            )],
            &[],
        )
        .await?;
    Ok(sent(
        format!("Redemption {redemption_id:?} settled"),
        &executed,
        json!({}),
    ))
}

async fn refund<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    holder: &Pubkey,
    redemption_id: &str,
    reason: u16,
) -> CommandResult {
    let id = reference("--redemption-id", redemption_id)?;
    let address = pda::redemption(&pda::issuer(mint), holder, &id);
    let redemption = ctx
        .decode::<Redemption>(&address, "reading the redemption")
        .await?
        .ok_or_else(|| {
            Failure::Missing(format!(
                "no redemption {redemption_id:?} of holder {holder} for mint {mint}"
            ))
        })?;
    let executed = ctx
        .send(
            "refund",
            &[ix::refund_redemption(
                &ctx.me(),
                mint,
                holder,
                id,
                &redemption.token_account,
                reason,
            )],
            &[],
        )
        .await?;
    Ok(sent(
        format!(
            "Redemption {redemption_id:?} refunded to {}",
            redemption.token_account
        ),
        &executed,
        json!({}),
    ))
}

async fn freeze_or_thaw<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    account: &Pubkey,
    reason: Option<u16>,
) -> CommandResult {
    let token_account = ctx.existing_token_account(account, mint).await?;
    let me = ctx.me();
    let (what, instruction, done) = match reason {
        Some(code) => (
            "freeze",
            ix::freeze(&me, mint, &token_account, code),
            "Frozen",
        ),
        None => ("thaw", ix::thaw(&me, mint, &token_account), "Thawed"),
    };
    let executed = ctx.send(what, &[instruction], &[]).await?;
    Ok(sent(
        format!("{done} {token_account}"),
        &executed,
        json!({ "token_account": token_account.to_string() }),
    ))
}

fn parse_hash(text: &str) -> Result<[u8; 32], Failure> {
    let bad = || {
        input(format!(
            "invalid --report-hash {text:?}: expected 64 hex characters"
        ))
    };
    usd1_client::events::parse_hex32(text).ok_or_else(bad)
}

async fn attest<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    amount_text: &str,
    as_of: Option<i64>,
    report_hash: &str,
) -> CommandResult {
    let decimals = ctx.issuer(mint).await?.decimals;
    let amount = amount("--amount", amount_text, decimals)?;
    let report_hash = parse_hash(report_hash)?;
    let as_of = match as_of {
        Some(t) => t,
        None => ctx.now().await?,
    };
    let executed = ctx
        .send(
            "attest",
            &[ix::attest_reserves(
                &ctx.me(),
                mint,
                amount,
                as_of,
                report_hash,
            )],
            &[],
        )
        .await?;
    Ok(sent(
        format!(
            "Reserves of {} attested as of {as_of}",
            format_amount(amount, decimals)
        ),
        &executed,
        json!({ "amount": amount, "as_of": as_of }),
    ))
}

fn keys(list: &[Pubkey]) -> Vec<String> {
    list.iter().map(|k| k.to_string()).collect()
}

fn key_or_none(key: &Option<Pubkey>) -> String {
    key.map_or_else(|| "none".to_string(), |k| k.to_string())
}

async fn status<B: Backend>(ctx: &mut Ctx<'_, B>, mint: &Pubkey) -> CommandResult {
    let issuer_address = pda::issuer(mint);
    let issuer = ctx.issuer(mint).await?;
    let view = ctx.mint_view(mint).await?;
    let now = ctx.now().await?;
    let mut minters = ctx.program_accounts::<Minter>(&issuer_address).await?;
    minters.sort_by_key(|m| m.authority);
    let d = issuer.decimals;
    let fmt = |amount: u64| format_amount(amount, d);
    let reserves = &issuer.reserves;
    let attested = reserves.as_of > 0;
    let age = if attested {
        now.saturating_sub(reserves.as_of).max(0)
    } else {
        0
    };
    let covered = attested && reserves.amount >= view.supply;
    let stale = attested
        && issuer.limits.reserve_max_age > 0
        && age > i64::from(issuer.limits.reserve_max_age);
    let outstanding = issuer.totals.outstanding();
    let mut text = String::new();
    text.push_str(&format!(
        "Mint {mint} ({} {}), decimals {d}\nIssuer {issuer_address}\n",
        view.symbol, view.name
    ));
    text.push_str(&format!(
        "Supply {}  paused {}  issuance paused {}  supply cap {}  min redemption {}\n",
        fmt(view.supply),
        issuer.paused,
        issuer.issuance_paused,
        fmt(issuer.limits.supply_cap),
        fmt(issuer.limits.min_redemption)
    ));
    text.push_str(&format!(
        "Reserves {}  as of {}  age {}s  covers supply: {}{}  guard {}  max age {}s\n",
        fmt(reserves.amount),
        reserves.as_of,
        age,
        if covered { "yes" } else { "NO" },
        if stale { " (stale)" } else { "" },
        issuer.limits.reserve_guard,
        issuer.limits.reserve_max_age
    ));
    text.push_str(&format!(
        "Totals minted {} redeemed {} refunded {} seized-burned {}  outstanding {}  (supply {})\n",
        issuer.totals.minted,
        issuer.totals.redeemed,
        issuer.totals.refunded,
        issuer.totals.seized_burned,
        outstanding.map_or("?".to_string(), |o| o.to_string()),
        view.supply
    ));
    text.push_str(&format!(
        "Governance {} of {}  time lock {}s  proposals opened {}  stale through {}\n",
        issuer.threshold,
        issuer.members.len(),
        issuer.time_lock,
        issuer.proposal_index,
        issuer.stale_proposal_index
    ));
    text.push_str(&format!(
        "Upgrades {}\n",
        if issuer.governs_upgrades {
            format!(
                "governed by this issuer (upgrade authority {})",
                pda::upgrade_authority(&issuer_address)
            )
        } else {
            "not governed by this issuer".to_string()
        }
    ));
    for member in &issuer.members {
        text.push_str(&format!("  member {member}\n"));
    }
    let roles = &issuer.roles;
    text.push_str(&format!(
        "Roles pausers [{}] freezers [{}] reserve attestor {} redemption operator {} mint attestor {} allowance manager {}\n",
        keys(&roles.pausers).join(", "),
        keys(&roles.freezers).join(", "),
        key_or_none(&roles.reserve_attestor),
        key_or_none(&roles.redemption_operator),
        key_or_none(&roles.mint_attestor),
        key_or_none(&roles.allowance_manager)
    ));
    let budget = &issuer.allowance_budget;
    let budget_left = issuer.allowance_budget_left(now);
    text.push_str(&format!(
        "Allowance budget {} per {}s, {} left\n",
        fmt(budget.capacity),
        budget.window,
        fmt(budget_left)
    ));
    text.push_str(&format!(
        "Extensions permanent delegate {}  default frozen {}  event seq {}\n",
        issuer.permanent_delegate, issuer.default_frozen, issuer.event_seq
    ));
    text.push_str(&format!("Minters {}\n", minters.len()));
    let mut minter_rows = Vec::new();
    for m in &minters {
        let rate_left = m.rate_limit.refilled(now).available;
        text.push_str(&format!(
            "  {} {} allowance {} rate left {} of {} per {}s minted {} in {} mint(s)\n",
            m.authority,
            if m.active { "active" } else { "inactive" },
            fmt(m.allowance),
            fmt(rate_left),
            fmt(m.rate_limit.capacity),
            m.rate_limit.window,
            m.total_minted,
            m.mint_count
        ));
        minter_rows.push(json!({
            "authority": m.authority.to_string(),
            "active": m.active,
            "allowance": m.allowance,
            "rate_left": rate_left,
            "rate_capacity": m.rate_limit.capacity,
            "rate_window": m.rate_limit.window,
            "total_minted": m.total_minted.to_string(),
            "mint_count": m.mint_count,
            "suspension_index": m.suspension_index,
        }));
    }
    let json = json!({
        "mint": mint.to_string(),
        "issuer": issuer_address.to_string(),
        "name": view.name,
        "symbol": view.symbol,
        "decimals": d,
        "supply": view.supply,
        "paused": issuer.paused,
        "issuance_paused": issuer.issuance_paused,
        "allowance_budget": {
            "capacity": budget.capacity,
            "window": budget.window,
            "left": budget_left,
        },
        "limits": {
            "supply_cap": issuer.limits.supply_cap,
            "min_redemption": issuer.limits.min_redemption,
            "reserve_guard": issuer.limits.reserve_guard,
            "reserve_max_age": issuer.limits.reserve_max_age,
        },
        "reserves": {
            "amount": reserves.amount,
            "as_of": reserves.as_of,
            "report_hash": hex32(&reserves.report_hash),
            "age": age,
            "covers_supply": covered,
            "stale": stale,
        },
        "totals": {
            "minted": issuer.totals.minted.to_string(),
            "redeemed": issuer.totals.redeemed.to_string(),
            "refunded": issuer.totals.refunded.to_string(),
            "seized_burned": issuer.totals.seized_burned.to_string(),
            "outstanding": outstanding.map(|o| o.to_string()),
        },
        "governance": {
            "members": keys(&issuer.members),
            "threshold": issuer.threshold,
            "time_lock": issuer.time_lock,
            "proposal_index": issuer.proposal_index,
            "stale_proposal_index": issuer.stale_proposal_index,
            "execution_window": issuer.execution_window,
            "governs_upgrades": issuer.governs_upgrades,
            "upgrade_authority": issuer
                .governs_upgrades
                .then(|| pda::upgrade_authority(&issuer_address).to_string()),
            "upgrade_stale_index": issuer.upgrade_stale_index,
        },
        "roles": {
            "pausers": keys(&roles.pausers),
            "freezers": keys(&roles.freezers),
            "reserve_attestor": roles.reserve_attestor.map(|k| k.to_string()),
            "redemption_operator": roles.redemption_operator.map(|k| k.to_string()),
            "mint_attestor": roles.mint_attestor.map(|k| k.to_string()),
            "allowance_manager": roles.allowance_manager.map(|k| k.to_string()),
        },
        "permanent_delegate": issuer.permanent_delegate,
        "default_frozen": issuer.default_frozen,
        "event_seq": issuer.event_seq,
        "minters": minter_rows,
    });
    Ok(Report { text, json })
}

async fn events<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    limit: Option<usize>,
) -> CommandResult {
    let issuer = pda::issuer(mint);
    // read first: the history is then at least as new as this, or visibly behind it
    let issuer_seq = ctx.issuer(mint).await?.event_seq;
    let records = ctx
        .backend
        .events(&issuer, limit)
        .await
        .map_err(chain("reading events"))?;
    let mut text = String::new();
    let mut rows = Vec::new();
    for record in &records {
        text.push_str(&format!(
            "{}  slot {} tx {}\n",
            record.event, record.slot, record.signature
        ));
        let mut row = event_json(&record.event);
        row["signature"] = json!(record.signature.to_string());
        row["slot"] = json!(record.slot);
        rows.push(row);
    }
    if records.is_empty() {
        text.push_str("no events\n");
    }
    // a node's transaction history can trail its account state by a few slots
    let newest = records.last().map_or(0, |r| r.event.seq());
    let behind = newest < issuer_seq;
    if behind {
        text.push_str(&format!(
            "note: this node's history ends at #{newest} but the issuer is at #{issuer_seq}; retry shortly\n"
        ));
    }
    Ok(Report {
        text,
        json: json!({ "events": rows, "issuer_event_seq": issuer_seq, "history_behind": behind }),
    })
}
