//! Instant controls: freeze and thaw (freezers), the two pause levels and minter suspension
//! (pausers and members). Only executed proposals undo a pause or a suspension.
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use usd1_client::backend::Backend;
use usd1_client::ix;

use super::output::sent;
use super::{CommandResult, Ctx, Resolved};

pub(super) async fn freeze_or_thaw<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    account: &Pubkey,
    reason: Option<u16>,
) -> CommandResult {
    let (token_account, resolved) = ctx.existing_token_account(account, mint).await?;
    let me = ctx.me();
    let (what, instruction, done) = match reason {
        Some(code) => (
            "freeze",
            ix::freeze(&me, mint, &token_account, code),
            "Frozen",
        ),
        None => ("thaw", ix::thaw(&me, mint, &token_account), "Thawed"),
    };
    let executed = ctx.send(what, &[instruction]).await?;
    // say which account was meant: a wallet given by mistake for a token account (or the
    // other way round) shows here
    let which = match resolved {
        Resolved::TokenAccount => format!("token account {token_account} (given directly)"),
        Resolved::WalletAssociated => {
            format!("{token_account}, the associated token account of wallet {account}")
        }
    };
    Ok(sent(
        format!("{done} {which}"),
        &executed,
        json!({
            "token_account": token_account.to_string(),
            "given": account.to_string(),
            "resolved_from": resolved.name(),
        }),
    ))
}

pub(super) async fn pause<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issuance_only: bool,
) -> CommandResult {
    if issuance_only {
        let executed = ctx
            .send("pause_issuance", &[ix::pause_issuance(&ctx.me(), mint)])
            .await?;
        return Ok(sent(
            format!(
                "Paused issuance of mint {mint}: mints and refunds stop, holders keep \
                 transferring and redeeming"
            ),
            &executed,
            json!({ "level": "issuance" }),
        ));
    }
    let executed = ctx.send("pause", &[ix::pause(&ctx.me(), mint)]).await?;
    Ok(sent(
        format!("Paused mint {mint}: transfers, mints and burns stop"),
        &executed,
        json!({ "level": "token" }),
    ))
}

pub(super) async fn suspend_minter<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    minter: &Pubkey,
) -> CommandResult {
    let executed = ctx
        .send(
            "suspend_minter",
            &[ix::suspend_minter(&ctx.me(), mint, minter)],
        )
        .await?;
    Ok(sent(
        format!("Suspended minter {minter}: only a proposal opened from now on reactivates it"),
        &executed,
        json!({ "minter": minter.to_string() }),
    ))
}
