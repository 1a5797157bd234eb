//! Issuance and redemption: init, co-signatures, mint, redeem, settle, refund, reserve
//! attestations and the allowance manager's raises and cuts.
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use usd1_client::backend::Backend;
use usd1_client::config::{read_keypair, IssuerConfig};
use usd1_client::events::hex32;
use usd1_client::read::{self, AccountKind};
use usd1_client::{attestation, format_amount, ix, pda, token};

use super::output::{sent, Report};
use super::{amount, input, read_failure, reference, CommandResult, Ctx, Failure};
use crate::cli::IssueArgs;

/// The recipient token account and the parsed amount and request id of `issue`.
pub(super) async fn issue_terms<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issue: &IssueArgs,
) -> Result<(Pubkey, u64, [u8; 32], u8), Failure> {
    let decimals = ctx.issuer(mint).await?.decimals;
    let amount = amount("--amount", &issue.amount, decimals)?;
    let request_id = reference("--request-id", &issue.request_id)?;
    let (recipient, _) = ctx.token_account_of(&issue.to, mint).await?;
    Ok((recipient, amount, request_id, decimals))
}

pub(super) async fn cosign<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    minter: &Pubkey,
    issue: &IssueArgs,
    expiry: i64,
    message_only: bool,
) -> CommandResult {
    let (recipient, amount, request_id, decimals) = issue_terms(ctx, mint, issue).await?;
    let attestation =
        attestation::mint_attestation(mint, minter, request_id, &recipient, amount, expiry);
    let message = attestation.to_message();
    if message_only {
        // for an HSM: it signs these bytes with the mint attestor's ed25519 key, and the
        // minter passes that signature to `usd1 mint --cosignature`
        use base64::Engine;
        let hex = usd1_client::events::hex(&message);
        let base64 = base64::engine::general_purpose::STANDARD.encode(message);
        return Ok(Report {
            text: format!(
                "Co-signature message ({} bytes) for {} by minter {minter} to {recipient} for \
                 request {:?}, valid until {expiry}:\n{hex}\n",
                message.len(),
                format_amount(amount, decimals),
                issue.request_id
            ),
            json: json!({
                "message_hex": hex,
                "message_base64": base64,
                "length": message.len(),
                "minter": minter.to_string(),
                "recipient": recipient.to_string(),
                "amount": amount,
                "expiry": expiry,
            }),
        });
    }
    let signature = ctx
        .signers
        .authority
        .try_sign_message(&message)
        .map_err(|e| input(format!("the co-signer cannot sign: {e}")))?;
    // a key given only as its pubkey "signs" with zeros: that is no co-signature
    if signature == solana_sdk::signature::Signature::default() {
        return Err(input(
            "the co-signer was given as a pubkey only: give its signer (a keypair file, a \
             Ledger), or use --message-only and sign elsewhere",
        ));
    }
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

pub(super) async fn mint_tokens<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issue: &IssueArgs,
    cosigned: Option<([u8; 64], Pubkey, i64)>,
    allow_non_system_account_recipient: bool,
) -> CommandResult {
    let (recipient, amount, request_id, decimals) = issue_terms(ctx, mint, issue).await?;
    let mut ixs = Vec::new();
    if recipient == token::associated_address(&issue.to, mint) {
        // a wallet: its associated account receives (created when missing, the minter
        // paying), so the wallet must be one a key controls
        ctx.check_recipient_wallet(&issue.to, "--to", allow_non_system_account_recipient)
            .await?;
        ixs.push(token::create_associated_account(&ctx.me(), &issue.to, mint));
    } else if let AccountKind::TokenAccount(view) = ctx.account_kind(&recipient).await? {
        // a token account given directly: its owner must be one a key controls too
        ctx.check_recipient_wallet(
            &view.owner,
            "--to's owner",
            allow_non_system_account_recipient,
        )
        .await?;
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
    let executed = ctx.send("mint", &ixs).await?;
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

pub(super) async fn redeem<B: Backend>(
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
    let (account, _) = ctx.existing_token_account(&me, mint).await?;
    let executed = ctx
        .send(
            "redeem",
            &[ix::redeem(&me, mint, &account, id, amount, payout)],
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

pub(super) async fn settle<B: Backend>(
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
        )
        .await?;
    Ok(sent(
        format!("Redemption {redemption_id:?} settled"),
        &executed,
        json!({}),
    ))
}

pub(super) async fn refund<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    holder: &Pubkey,
    redemption_id: &str,
    reason: u16,
    allow_non_system_account_recipient: bool,
) -> CommandResult {
    let id = reference("--redemption-id", redemption_id)?;
    let redemption = read::redemption(ctx.backend, mint, holder, &id)
        .await
        .map_err(read_failure("reading the redemption"))?
        .ok_or_else(|| {
            Failure::Missing(format!(
                "no redemption {redemption_id:?} of holder {holder} for mint {mint}"
            ))
        })?;
    // the tokens go back to the account they were burned from: its owner must still be
    // one a key controls
    if let AccountKind::TokenAccount(view) = ctx.account_kind(&redemption.token_account).await? {
        ctx.check_recipient_wallet(
            &view.owner,
            "the refunded account's owner",
            allow_non_system_account_recipient,
        )
        .await?;
    }
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

pub(super) async fn decrease_allowance<B: Backend>(
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

pub(super) async fn raise_allowance<B: Backend>(
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

pub(super) fn parse_signature(text: &str) -> Result<[u8; 64], Failure> {
    text.parse::<solana_sdk::signature::Signature>()
        .map(Into::into)
        .map_err(|_| {
            input(format!(
                "invalid --cosignature {text:?}: expected a base58 ed25519 signature (64 bytes)"
            ))
        })
}

pub(super) async fn init<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &std::path::Path,
) -> CommandResult {
    let config = IssuerConfig::load(path).map_err(input)?;
    let args = config.initialize_args().map_err(input)?;
    let mint_keypair = read_keypair(&config.mint.keypair).map_err(input)?;
    let mint = mint_keypair.pubkey();
    let issuer = pda::issuer(&mint);
    if read::issuer(ctx.backend, &mint)
        .await
        .map_err(read_failure("reading the issuer"))?
        .is_some()
    {
        return Err(input(format!(
            "mint {mint} is already initialized (issuer {issuer}); nothing was sent"
        )));
    }
    // the mint's keypair signs its creation
    ctx.signers.extra.push(Box::new(mint_keypair));
    let executed = ctx
        .send("initialize", &[ix::initialize(&ctx.me(), &mint, args)])
        .await?;
    Ok(sent(
        format!("Initialized mint {mint} (issuer {issuer})"),
        &executed,
        json!({ "mint": mint.to_string(), "issuer": issuer.to_string() }),
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

pub(super) async fn attest<B: Backend>(
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
