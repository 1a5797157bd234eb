//! Governance: propose (with what it changes, field by field, and the action's hash),
//! approve / reject / cancel / accept, execute, the upgrade-authority hand-over, and the
//! proposal list and full view. `--expect-action-hash` makes a vote or an execution refuse
//! any other action than the one reviewed.
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use usd1_client::backend::Backend;
use usd1_client::events::{hex32, parse_hex32};
use usd1_client::governance::{action_hash, action_json, diff, Current, FieldChange};
use usd1_client::{
    format_amount, ix, loader, pda, Issuer, MetadataField, MetadataUpdate, MinterConfig,
    MinterError, Proposal, ProposalAction, ProposalStatus,
};

use super::output::{key_or_none, keys, sent, Report};
use super::{amount, chain, input, CommandResult, Ctx, Failure};
use crate::cli::{ActionArgs, ProposalArg, RoleName};
use crate::signers::KeySource;

pub(super) async fn propose<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    action: &ActionArgs,
    yes: bool,
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
            authority: ctx.key(&authority, "authority")?,
            allowance_grant: amount("--allowance-grant", &allowance_grant, decimals)?,
            rate_capacity: amount("--rate-capacity", &rate_capacity, decimals)?,
            rate_window,
            active: !inactive,
        }),
        ActionArgs::RemoveMinter { authority } => ProposalAction::RemoveMinter {
            authority: ctx.key(&authority, "authority")?,
        },
        ActionArgs::SetGovernance {
            members,
            threshold,
            time_lock,
        } => ProposalAction::SetGovernance {
            members: ctx.keys(&members, "member")?,
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
            clear,
        } => {
            // only what was given changes: the rest stays as it is on the chain
            let mut roles = issuer.roles();
            for role in &clear {
                match role {
                    RoleName::Pausers => roles.pausers.clear(),
                    RoleName::Freezers => roles.freezers.clear(),
                    RoleName::ReserveAttestor => roles.reserve_attestor = None,
                    RoleName::RedemptionOperator => roles.redemption_operator = None,
                    RoleName::MintAttestor => roles.mint_attestor = None,
                    RoleName::AllowanceManager => roles.allowance_manager = None,
                }
            }
            let cleared = |role: RoleName| clear.contains(&role);
            for (given, role, name) in [
                (pausers.is_empty(), RoleName::Pausers, "pauser"),
                (freezers.is_empty(), RoleName::Freezers, "freezer"),
                (
                    reserve_attestor.is_none(),
                    RoleName::ReserveAttestor,
                    "reserve-attestor",
                ),
                (
                    redemption_operator.is_none(),
                    RoleName::RedemptionOperator,
                    "redemption-operator",
                ),
                (
                    mint_attestor.is_none(),
                    RoleName::MintAttestor,
                    "mint-attestor",
                ),
                (
                    allowance_manager.is_none(),
                    RoleName::AllowanceManager,
                    "allowance-manager",
                ),
            ] {
                if !given && cleared(role) {
                    return Err(input(format!("--{name} and --clear of that role conflict")));
                }
            }
            if !pausers.is_empty() {
                roles.pausers = ctx.keys(&pausers, "pauser")?;
            }
            if !freezers.is_empty() {
                roles.freezers = ctx.keys(&freezers, "freezer")?;
            }
            for (source, slot, name) in [
                (
                    &reserve_attestor,
                    &mut roles.reserve_attestor,
                    "reserve-attestor",
                ),
                (
                    &redemption_operator,
                    &mut roles.redemption_operator,
                    "redemption-operator",
                ),
                (&mint_attestor, &mut roles.mint_attestor, "mint-attestor"),
                (
                    &allowance_manager,
                    &mut roles.allowance_manager,
                    "allowance-manager",
                ),
            ] {
                if let Some(source) = source {
                    *slot = Some(ctx.key(source, name)?);
                }
            }
            ProposalAction::SetRoles(roles)
        }
        ActionArgs::SetLimits {
            supply_cap,
            min_redemption,
            reserve_guard,
            reserve_max_age,
        } => {
            let mut limits = issuer.limits();
            if let Some(text) = supply_cap {
                limits.supply_cap = amount("--supply-cap", &text, decimals)?;
            }
            if let Some(text) = min_redemption {
                limits.min_redemption = amount("--min-redemption", &text, decimals)?;
            }
            if let Some(on) = reserve_guard {
                limits.reserve_guard = on;
            }
            if let Some(seconds) = reserve_max_age {
                limits.reserve_max_age = seconds;
            }
            ProposalAction::SetLimits(limits)
        }
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
            check_buffer(ctx, &issuer, &issuer_address, &buffer, &expected).await?;
            ProposalAction::UpgradeProgram {
                buffer,
                buffer_hash: expected,
                spill: spill.unwrap_or_else(|| ctx.me()),
            }
        }
        ActionArgs::SetUpgradeAuthority { new, .. } => {
            let new = match &new {
                Some(source) => Some(ctx.key(source, "new")?),
                None => None,
            };
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
            let (account, _) = ctx.existing_token_account(&account, mint).await?;
            let destination = match destination {
                Some(d) => Some(ctx.existing_token_account(&d, mint).await?.0),
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
    // what it changes, for the proposer to confirm and the approvers to compare
    let changes = changes_of(ctx, mint, &issuer, &action).await?;
    let hash = hex32(&action_hash(&action));
    if ctx.interactive && !yes {
        eprint!(
            "{}Action hash {hash}\nPropose this? [y/N] ",
            diff_text(&changes)
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| input(format!("reading the confirmation: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(input("not confirmed; nothing was sent"));
        }
    }
    // the proposal takes the issuer's next index; when another member's proposal lands
    // first the program refuses with ProposalIndexTaken, and the next index is tried
    let mut index = issuer.next_proposal_index();
    let mut tries = 1;
    let executed = loop {
        match ctx
            .send(
                "propose",
                &[ix::propose(&ctx.me(), mint, index, action.clone())],
            )
            .await
        {
            // a cold proposer signs what it reviewed: the change and its hash come with the
            // signatures
            Err(Failure::SignedOnly(signed, _)) => {
                let review = Report {
                    text: format!(
                        "Proposal {index} (on issuer {issuer_address}): {}\n{}Action hash {hash}\n",
                        action_summary(&action, decimals),
                        diff_text(&changes)
                    ),
                    json: json!({
                        "index": index,
                        "action_hash": hash,
                        "action": action_json(&action),
                        "changes": changes_json(&changes),
                    }),
                };
                return Err(Failure::SignedOnly(signed, Some(Box::new(review))));
            }
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
    let mut headline = format!(
        "Proposal {index} opened on issuer {issuer_address}: {}\n{}Action hash {hash}",
        action_summary(&action, decimals),
        diff_text(&changes)
    );
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
        json!({
            "index": index,
            "keys_to_accept": keys(&to_accept),
            "action_hash": hash,
            "action": action_json(&action),
            "changes": changes_json(&changes),
        }),
    ))
}

/// Tries of `propose` while other members' proposals take the index first.
const PROPOSE_TRIES: u32 = 5;

pub(super) enum Vote {
    Approve,
    Reject,
    Cancel,
    Accept,
}

pub(super) async fn vote<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    p: &ProposalArg,
    vote: Vote,
) -> CommandResult {
    let (mint, index, me) = (p.mint.mint, p.index, ctx.me());
    // a vote needs nothing from the chain (a cold key signs it offline), unless it must
    // check the action first
    if p.expect_action_hash.is_some() {
        expect_action(ctx, p).await?;
    }
    let (what, instruction, done) = match vote {
        Vote::Approve => ("approve", ix::approve(&me, &mint, index), "Approved"),
        Vote::Reject => ("reject", ix::reject(&me, &mint, index), "Rejected"),
        Vote::Cancel => ("cancel", ix::cancel(&me, &mint, index), "Cancelled"),
        Vote::Accept => ("accept", ix::accept(&me, &mint, index), "Accepted"),
    };
    let executed = ctx.send(what, &[instruction]).await?;
    Ok(sent(
        format!("{done} proposal {index}"),
        &executed,
        json!({ "index": index }),
    ))
}

pub(super) async fn execute<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    p: &ProposalArg,
    new_authority: Option<&KeySource>,
) -> CommandResult {
    let (mint, index) = (p.mint.mint, p.index);
    let proposal = expect_action(ctx, p).await?;
    // SetUpgradeAuthority to a key: that key co-signs (the loader's SetAuthorityChecked)
    match (&proposal.action, new_authority) {
        (ProposalAction::SetUpgradeAuthority { new: Some(new) }, _) if *new == ctx.me() => {}
        (ProposalAction::SetUpgradeAuthority { new: Some(new) }, Some(source)) => {
            let signer = ctx
                .signers
                .signer(source, "new-authority-keypair")
                .map_err(input)?;
            if signer.pubkey() != *new {
                return Err(input(format!(
                    "--new-authority-keypair {source} is {}, but the proposal names {new}",
                    signer.pubkey()
                )));
            }
            ctx.signers.extra.push(signer);
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
        _ => {}
    }
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
    let executed = match ctx.send("execute", &instructions).await {
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
            action_summary(&proposal.action, issuer.decimals)
        ),
        &executed,
        json!({ "index": index }),
    ))
}

/// One line saying what `action` does (amounts in tokens).
pub(super) fn action_summary(action: &ProposalAction, decimals: u8) -> String {
    let amount = |a: u64| format_amount(a, decimals);
    match action {
        ProposalAction::ConfigureMinter(c) => format!(
            "configure minter {} (allowance grant {}, rate {} per {}s, {})",
            c.authority,
            amount(c.allowance_grant),
            amount(c.rate_capacity),
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
        ProposalAction::SetRoles(r) => format!(
            "set roles ({} pauser(s), {} freezer(s), reserve attestor {}, redemption operator \
             {}, mint attestor {}, allowance manager {})",
            r.pausers.len(),
            r.freezers.len(),
            key_or_none(&r.reserve_attestor),
            key_or_none(&r.redemption_operator),
            key_or_none(&r.mint_attestor),
            key_or_none(&r.allowance_manager)
        ),
        ProposalAction::SetLimits(l) => format!(
            "set limits (supply cap {}, min redemption {}, reserve guard {}, max age {}s)",
            amount(l.supply_cap),
            amount(l.min_redemption),
            l.reserve_guard,
            l.reserve_max_age
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
            Some(d) => format!(
                "seize {} from {account} to {d}",
                format_amount(*amount, decimals)
            ),
            None => format!(
                "seize and burn {} from {account}",
                format_amount(*amount, decimals)
            ),
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
            format!("set allowance budget ({} per {window}s)", amount(*capacity))
        }
    }
}

pub(super) async fn hand_over_upgrade_authority<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
) -> CommandResult {
    let issuer_address = pda::issuer(mint);
    let issuer = ctx.issuer(mint).await?;
    let governor = pda::upgrade_authority(&issuer_address);
    if issuer.governs_upgrades() {
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
        )
        .await?;
    // who now owns the program: the report names the governance, for the signer to check
    Ok(sent(
        format!(
            "Upgrade authority handed to issuer {issuer_address} ({governor}): {} of {} \
             members, time lock {}s",
            issuer.threshold,
            issuer.members().len(),
            issuer.time_lock
        ),
        &executed,
        json!({
            "status": "handed over",
            "upgrade_authority": governor.to_string(),
            "members": keys(issuer.members()),
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

pub(super) async fn proposals<B: Backend>(ctx: &mut Ctx<'_, B>, mint: &Pubkey) -> CommandResult {
    let issuer = ctx.issuer(mint).await?;
    let now = ctx.now().await?;
    let mut list = ctx.program_accounts::<Proposal>(&pda::issuer(mint)).await?;
    list.sort_by_key(|p| p.index);
    let mut text = format!(
        "{} proposal(s); threshold {} of {}, time lock {}s\n",
        list.len(),
        issuer.threshold,
        issuer.members().len(),
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
            action_summary(&p.action, issuer.decimals),
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
            "action": action_summary(&p.action, issuer.decimals),
            "action_hash": hex32(&action_hash(&p.action)),
            "accepted": keys(&p.accepted),
            "waiting_for_acceptance": waiting_for.map(|k| k.to_string()),
        }));
    }
    Ok(Report {
        text,
        json: json!({ "proposals": rows }),
    })
}

/// Refuses to propose an upgrade from a buffer the issuer could not execute: missing,
/// not a loader buffer, another authority, or other bytes than expected.
async fn check_buffer<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    issuer: &Issuer,
    issuer_address: &Pubkey,
    buffer: &Pubkey,
    expected: &[u8; 32],
) -> Result<(), Failure> {
    if !issuer.governs_upgrades() {
        return Err(input(format!(
            "issuer {issuer_address} does not hold the program's upgrade authority (see \
             `usd1 hand-over-upgrade-authority`)"
        )));
    }
    let account = ctx
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

/// The proposal `p` names; with `--expect-action-hash`, refused unless its action has that
/// hash.
async fn expect_action<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    p: &ProposalArg,
) -> Result<Proposal, Failure> {
    let proposal = ctx.proposal(&p.mint.mint, p.index).await?;
    if let Some(expected) = p.expect_action_hash {
        let actual = action_hash(&proposal.action);
        if actual != expected {
            return Err(input(format!(
                "proposal {} has action hash {}, not the expected {}: it is not the action \
                 you reviewed; nothing was signed (see `usd1 proposals show {}`)",
                p.index,
                hex32(&actual),
                hex32(&expected),
                p.index
            )));
        }
    }
    Ok(proposal)
}

/// What `action` changes, against the issuer and (for minters and metadata) the accounts it
/// names.
async fn changes_of<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    issuer: &Issuer,
    action: &ProposalAction,
) -> Result<Vec<FieldChange>, Failure> {
    let minter = match action {
        ProposalAction::ConfigureMinter(MinterConfig { authority, .. })
        | ProposalAction::RemoveMinter { authority } => ctx.minter(mint, authority).await?,
        _ => None,
    };
    let view = match action {
        ProposalAction::UpdateMetadata(_) => Some(ctx.mint_view(mint).await?),
        _ => None,
    };
    Ok(diff(
        action,
        &Current {
            issuer,
            minter: minter.as_ref(),
            mint: view.as_ref(),
        },
    ))
}

/// The diff as text: changed fields with their old and new value, unchanged ones marked.
fn diff_text(changes: &[FieldChange]) -> String {
    let mut text = String::new();
    for change in changes {
        if change.changed() {
            text.push_str(&format!(
                "  {}: {} -> {}\n",
                change.field, change.current, change.proposed
            ));
        } else {
            text.push_str(&format!(
                "  {}: {} (unchanged)\n",
                change.field, change.current
            ));
        }
    }
    text
}

fn changes_json(changes: &[FieldChange]) -> Value {
    json!(changes
        .iter()
        .map(|c| json!({
            "field": c.field,
            "current": c.current,
            "proposed": c.proposed,
            "changed": c.changed(),
        }))
        .collect::<Vec<_>>())
}

/// `usd1 proposals show N`: everything a member needs before signing.
pub(super) async fn show<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    mint: &Pubkey,
    index: u64,
) -> CommandResult {
    let issuer = ctx.issuer(mint).await?;
    let proposal = ctx.proposal(mint, index).await?;
    let now = ctx.now().await?;
    let changes = changes_of(ctx, mint, &issuer, &proposal.action).await?;
    let hash = hex32(&action_hash(&proposal.action));
    let open = matches!(
        proposal.status,
        ProposalStatus::Active | ProposalStatus::Approved
    );
    let stale = open && issuer.is_stale(proposal.index);
    let expired = proposal.has_expired(&issuer, now);
    let approved = proposal.status == ProposalStatus::Approved;
    let executable_from = approved.then(|| {
        proposal
            .approved_at
            .saturating_add(i64::from(issuer.time_lock))
    });
    let executable_until =
        executable_from.map(|from| from.saturating_add(i64::from(proposal.execution_window)));
    let creates_minter = match &proposal.action {
        ProposalAction::ConfigureMinter(c) => ctx.minter(mint, &c.authority).await?.is_none(),
        _ => false,
    };
    let waiting_for = open
        .then(|| {
            proposal
                .action
                .first_unaccepted_key(&issuer, &proposal.accepted, creates_minter)
        })
        .flatten();
    let mut text = format!(
        "Proposal {index} of mint {mint}: {}\nStatus {}{}{}\nProposer {}\nAction hash {hash}\nChanges:\n{}",
        action_summary(&proposal.action, issuer.decimals),
        status_name(&proposal.status),
        if stale { " (stale: governance changed since it was opened; it can never execute)" } else { "" },
        if expired { " (expired: its execution window has passed)" } else { "" },
        proposal.proposer,
        diff_text(&changes)
    );
    text.push_str(&format!(
        "Approvals {}/{}: [{}]\nRejections {} (a veto at {}): [{}]\n",
        proposal.approvals.len(),
        issuer.threshold,
        keys(&proposal.approvals).join(", "),
        proposal.rejections.len(),
        issuer.threshold,
        keys(&proposal.rejections).join(", ")
    ));
    match (executable_from, executable_until) {
        (Some(from), Some(until)) => text.push_str(&format!(
            "Time lock ends at {from} ({}s from now); executable until {until}\n",
            from.saturating_sub(now).max(0)
        )),
        _ => text.push_str(&format!(
            "Time lock {}s, starting once {} approvals are in\n",
            issuer.time_lock, issuer.threshold
        )),
    }
    let named = proposal.action.named_keys();
    if !named.is_empty() {
        text.push_str(&format!(
            "Keys it names: [{}]; accepted: [{}]{}\n",
            keys(&named).join(", "),
            keys(&proposal.accepted).join(", "),
            waiting_for.map_or(String::new(), |k| format!("; waiting for {k} to accept"))
        ));
    }
    let json = json!({
        "index": index,
        "status": status_name(&proposal.status),
        "stale": stale,
        "expired": expired,
        "proposer": proposal.proposer.to_string(),
        "created_at": proposal.created_at,
        "approved_at": approved.then_some(proposal.approved_at),
        "time_lock": issuer.time_lock,
        "executable_from": executable_from,
        "executable_until": executable_until,
        "now": now,
        "threshold": issuer.threshold,
        "approvals": keys(&proposal.approvals),
        "rejections": keys(&proposal.rejections),
        "action_hash": hash,
        "summary": action_summary(&proposal.action, issuer.decimals),
        "action": action_json(&proposal.action),
        "changes": changes_json(&changes),
        "keys_named": keys(&named),
        "accepted": keys(&proposal.accepted),
        "waiting_for_acceptance": waiting_for.map(|k| k.to_string()),
    });
    Ok(Report { text, json })
}
