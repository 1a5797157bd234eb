//! What is on the chain: the issuer's configuration, roles, minters, supply and reserve
//! cover (`usd1 status`), and the program's events (`usd1 events`).
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use usd1_client::backend::Backend;
use usd1_client::events::hex32;
use usd1_client::{format_amount, pda, Minter};

use super::output::{event_json, key_or_none, keys, Report};
use super::{chain, CommandResult, Ctx};

pub(super) async fn status<B: Backend>(ctx: &mut Ctx<'_, B>, mint: &Pubkey) -> CommandResult {
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
        && issuer.limits().reserve_max_age > 0
        && age > i64::from(issuer.limits().reserve_max_age);
    let outstanding = issuer.totals.outstanding();
    let mut text = String::new();
    text.push_str(&format!(
        "Mint {mint} ({} {}), decimals {d}\nIssuer {issuer_address}\n",
        view.symbol, view.name
    ));
    text.push_str(&format!(
        "Supply {}  paused {}  issuance paused {}  supply cap {}  min redemption {}\n",
        fmt(view.supply),
        issuer.paused(),
        issuer.issuance_paused(),
        fmt(issuer.limits().supply_cap),
        fmt(issuer.limits().min_redemption)
    ));
    text.push_str(&format!(
        "Reserves {}  as of {}  age {}s  covers supply: {}{}  guard {}  max age {}s\n",
        fmt(reserves.amount),
        reserves.as_of,
        age,
        if covered { "yes" } else { "NO" },
        if stale { " (stale)" } else { "" },
        issuer.limits().reserve_guard,
        issuer.limits().reserve_max_age
    ));
    text.push_str(&format!(
        "Totals minted {} redeemed {} refunded {} seized-burned {}  outstanding {}  (supply {})\n",
        issuer.totals.minted(),
        issuer.totals.redeemed(),
        issuer.totals.refunded(),
        issuer.totals.seized_burned(),
        outstanding.map_or("?".to_string(), |o| o.to_string()),
        view.supply
    ));
    text.push_str(&format!(
        "Governance {} of {}  time lock {}s  proposals opened {}  stale through {}\n",
        issuer.threshold,
        issuer.members().len(),
        issuer.time_lock,
        issuer.proposal_index,
        issuer.stale_proposal_index
    ));
    text.push_str(&format!(
        "Upgrades {}\n",
        if issuer.governs_upgrades() {
            format!(
                "governed by this issuer (upgrade authority {})",
                pda::upgrade_authority(&issuer_address)
            )
        } else {
            "not governed by this issuer".to_string()
        }
    ));
    for member in issuer.members() {
        text.push_str(&format!("  member {member}\n"));
    }
    let roles = &issuer.roles();
    text.push_str(&format!(
        "Roles pausers [{}] freezers [{}] reserve attestor {} redemption operator {} mint attestor {} allowance manager {}\n",
        keys(&roles.pausers).join(", "),
        keys(&roles.freezers).join(", "),
        key_or_none(&roles.reserve_attestor),
        key_or_none(&roles.redemption_operator),
        key_or_none(&roles.mint_attestor),
        key_or_none(&roles.allowance_manager)
    ));
    let budget = &issuer.allowance_budget();
    let budget_left = issuer.allowance_budget_left(now);
    text.push_str(&format!(
        "Allowance budget {} per {}s, {} left\n",
        fmt(budget.capacity),
        budget.window,
        fmt(budget_left)
    ));
    text.push_str(&format!(
        "Extensions permanent delegate {}  default frozen {}  event seq {}\n",
        issuer.permanent_delegate(),
        issuer.default_frozen(),
        issuer.event_seq
    ));
    text.push_str(&format!("Minters {}\n", minters.len()));
    let mut minter_rows = Vec::new();
    for m in &minters {
        let rate_left = m.rate_limit().refilled(now).available;
        text.push_str(&format!(
            "  {} {} allowance {} rate left {} of {} per {}s minted {} in {} mint(s)\n",
            m.authority,
            if m.active() { "active" } else { "inactive" },
            fmt(m.allowance),
            fmt(rate_left),
            fmt(m.rate_limit().capacity),
            m.rate_limit().window,
            m.total_minted(),
            m.mint_count
        ));
        minter_rows.push(json!({
            "authority": m.authority.to_string(),
            "active": m.active(),
            "allowance": m.allowance,
            "rate_left": rate_left,
            "rate_capacity": m.rate_limit().capacity,
            "rate_window": m.rate_limit().window,
            "total_minted": m.total_minted().to_string(),
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
        "paused": issuer.paused(),
        "issuance_paused": issuer.issuance_paused(),
        "allowance_budget": {
            "capacity": budget.capacity,
            "window": budget.window,
            "left": budget_left,
        },
        "limits": {
            "supply_cap": issuer.limits().supply_cap,
            "min_redemption": issuer.limits().min_redemption,
            "reserve_guard": issuer.limits().reserve_guard,
            "reserve_max_age": issuer.limits().reserve_max_age,
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
            "minted": issuer.totals.minted().to_string(),
            "redeemed": issuer.totals.redeemed().to_string(),
            "refunded": issuer.totals.refunded().to_string(),
            "seized_burned": issuer.totals.seized_burned().to_string(),
            "outstanding": outstanding.map(|o| o.to_string()),
        },
        "governance": {
            "members": keys(issuer.members()),
            "threshold": issuer.threshold,
            "time_lock": issuer.time_lock,
            "proposal_index": issuer.proposal_index,
            "stale_proposal_index": issuer.stale_proposal_index,
            "execution_window": issuer.execution_window,
            "governs_upgrades": issuer.governs_upgrades(),
            "upgrade_authority": issuer
                .governs_upgrades()
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
        "permanent_delegate": issuer.permanent_delegate(),
        "default_frozen": issuer.default_frozen(),
        "event_seq": issuer.event_seq,
        "minters": minter_rows,
    });
    Ok(Report { text, json })
}

pub(super) async fn events<B: Backend>(
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
