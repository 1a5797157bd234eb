//! What a member reviews before signing: the action's hash (SHA-256 of its Borsh bytes, the
//! form the program stores it in, so two machines that read the same proposal agree on it)
//! and a field-by-field diff of the action against the issuer's current state.
use anchor_lang::prelude::Pubkey;

use crate::token::MintView;
use crate::{format_amount, Issuer, Minter, ProposalAction};

/// SHA-256 of the action's Borsh encoding.
pub fn action_hash(action: &ProposalAction) -> [u8; 32] {
    let bytes = anchor_lang::prelude::borsh::to_vec(action).unwrap_or_default();
    solana_sha256_hasher::hash(&bytes).to_bytes()
}

/// One field an action sets: its value now and after execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub current: String,
    pub proposed: String,
}

impl FieldChange {
    fn new(field: impl Into<String>, current: impl ToString, proposed: impl ToString) -> Self {
        Self {
            field: field.into(),
            current: current.to_string(),
            proposed: proposed.to_string(),
        }
    }

    pub fn changed(&self) -> bool {
        self.current != self.proposed
    }
}

/// What the diff is taken against.
pub struct Current<'a> {
    pub issuer: &'a Issuer,
    /// The minter a ConfigureMinter or RemoveMinter names, when it exists.
    pub minter: Option<&'a Minter>,
    /// The mint (for metadata updates).
    pub mint: Option<&'a MintView>,
}

fn key_list(keys: &[Pubkey]) -> String {
    if keys.is_empty() {
        return "[]".to_string();
    }
    format!(
        "[{}]",
        keys.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn key_or_none(key: &Option<Pubkey>) -> String {
    key.map_or_else(|| "none".to_string(), |k| k.to_string())
}

/// Every field `action` sets, with its current and proposed value (amounts in tokens).
pub fn diff(action: &ProposalAction, now: &Current<'_>) -> Vec<FieldChange> {
    let issuer = now.issuer;
    let amount = |a: u64| format_amount(a, issuer.decimals);
    match action {
        ProposalAction::ConfigureMinter(config) => {
            let m = now.minter;
            let allowance_now = m.map(|m| m.allowance);
            let allowance_after = allowance_now
                .unwrap_or(0)
                .saturating_add(config.allowance_grant);
            let shown = |v: Option<String>| v.unwrap_or_else(|| "(no minter)".into());
            vec![
                FieldChange::new(
                    "minter",
                    if m.is_some() { "exists" } else { "(none)" },
                    config.authority,
                ),
                FieldChange::new(
                    "allowance",
                    shown(allowance_now.map(amount)),
                    amount(allowance_after),
                ),
                FieldChange::new(
                    "rate_capacity",
                    shown(m.map(|m| amount(m.rate_limit().capacity))),
                    amount(config.rate_capacity),
                ),
                FieldChange::new(
                    "rate_window",
                    shown(m.map(|m| format!("{}s", m.rate_limit().window))),
                    format!("{}s", config.rate_window),
                ),
                FieldChange::new(
                    "active",
                    shown(m.map(|m| m.active().to_string())),
                    config.active,
                ),
            ]
        }
        ProposalAction::RemoveMinter { authority } => vec![
            FieldChange::new(
                "minter",
                if now.minter.is_some() {
                    authority.to_string()
                } else {
                    "(none)".to_string()
                },
                "(removed)",
            ),
            FieldChange::new(
                "allowance",
                now.minter
                    .map_or("(no minter)".into(), |m| amount(m.allowance)),
                "(forfeited)",
            ),
        ],
        ProposalAction::SetGovernance {
            members,
            threshold,
            time_lock,
        } => vec![
            // stored sorted (the program sorts them), so the same set reads as unchanged
            FieldChange::new(
                "members",
                key_list(issuer.members()),
                key_list(&{
                    let mut sorted = members.clone();
                    sorted.sort_unstable();
                    sorted
                }),
            ),
            FieldChange::new("threshold", issuer.threshold, threshold),
            FieldChange::new(
                "time_lock",
                format!("{}s", issuer.time_lock),
                format!("{time_lock}s"),
            ),
        ],
        ProposalAction::SetRoles(roles) => {
            let r = &issuer.roles();
            vec![
                FieldChange::new("pausers", key_list(&r.pausers), key_list(&roles.pausers)),
                FieldChange::new("freezers", key_list(&r.freezers), key_list(&roles.freezers)),
                FieldChange::new(
                    "reserve_attestor",
                    key_or_none(&r.reserve_attestor),
                    key_or_none(&roles.reserve_attestor),
                ),
                FieldChange::new(
                    "redemption_operator",
                    key_or_none(&r.redemption_operator),
                    key_or_none(&roles.redemption_operator),
                ),
                FieldChange::new(
                    "mint_attestor",
                    key_or_none(&r.mint_attestor),
                    key_or_none(&roles.mint_attestor),
                ),
                FieldChange::new(
                    "allowance_manager",
                    key_or_none(&r.allowance_manager),
                    key_or_none(&roles.allowance_manager),
                ),
            ]
        }
        ProposalAction::SetLimits(limits) => {
            let l = &issuer.limits();
            vec![
                FieldChange::new(
                    "supply_cap",
                    amount(l.supply_cap),
                    amount(limits.supply_cap),
                ),
                FieldChange::new(
                    "min_redemption",
                    amount(l.min_redemption),
                    amount(limits.min_redemption),
                ),
                FieldChange::new("reserve_guard", l.reserve_guard, limits.reserve_guard),
                FieldChange::new(
                    "reserve_max_age",
                    format!("{}s", l.reserve_max_age),
                    format!("{}s", limits.reserve_max_age),
                ),
            ]
        }
        ProposalAction::Unpause => vec![FieldChange::new("paused", issuer.paused(), false)],
        ProposalAction::ResumeIssuance => vec![FieldChange::new(
            "issuance_paused",
            issuer.issuance_paused(),
            false,
        )],
        ProposalAction::UpdateMetadata(update) => {
            let mint = now.mint;
            let field_now = |key: &str| {
                mint.and_then(|m| m.additional.iter().find(|(k, _)| k == key))
                    .map_or("(unset)".to_string(), |(_, v)| v.clone())
            };
            let mut changes = vec![
                FieldChange::new(
                    "name",
                    mint.map_or("?".into(), |m| m.name.clone()),
                    &update.name,
                ),
                FieldChange::new(
                    "symbol",
                    mint.map_or("?".into(), |m| m.symbol.clone()),
                    &update.symbol,
                ),
                FieldChange::new(
                    "uri",
                    mint.map_or("?".into(), |m| m.uri.clone()),
                    &update.uri,
                ),
            ];
            for field in &update.fields {
                changes.push(FieldChange::new(
                    format!("field {}", field.key),
                    field_now(&field.key),
                    &field.value,
                ));
            }
            for key in &update.remove_keys {
                changes.push(FieldChange::new(
                    format!("field {key}"),
                    field_now(key),
                    "(unset)",
                ));
            }
            changes
        }
        ProposalAction::SetAllowanceBudget { capacity, window } => vec![
            FieldChange::new(
                "allowance_budget.capacity",
                amount(issuer.allowance_budget().capacity),
                amount(*capacity),
            ),
            // a zero capacity turns the budget off: the program stores no window then
            FieldChange::new(
                "allowance_budget.window",
                format!("{}s", issuer.allowance_budget().window),
                format!("{}s", if *capacity == 0 { 0 } else { *window }),
            ),
        ],
        ProposalAction::SetExecutionWindow { seconds } => vec![FieldChange::new(
            "execution_window",
            format!("{}s", issuer.execution_window),
            format!("{seconds}s"),
        )],
        ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash,
            spill,
        } => vec![
            FieldChange::new("program", "(deployed)", format!("buffer {buffer}")),
            FieldChange::new(
                "program_sha256",
                "(deployed)",
                crate::events::hex32(buffer_hash),
            ),
            FieldChange::new("buffer_lamports_to", "-", spill),
        ],
        ProposalAction::SetUpgradeAuthority { new } => vec![FieldChange::new(
            "upgrade_authority",
            if issuer.governs_upgrades() {
                "this issuer's governance"
            } else {
                "not this issuer"
            },
            new.map_or("none (immutable)".to_string(), |k| k.to_string()),
        )],
        ProposalAction::Seize {
            account,
            destination,
            amount: seized,
        } => vec![
            FieldChange::new("from", "-", account),
            FieldChange::new(
                "to",
                "-",
                destination.map_or("(burned)".to_string(), |d| d.to_string()),
            ),
            FieldChange::new("amount", "-", amount(*seized)),
        ],
    }
}

/// The action as structured data (amounts in base units, keys base58, hashes hex): what
/// `--output json` carries for a reviewer's tooling to compare.
pub fn action_json(action: &ProposalAction) -> serde_json::Value {
    use serde_json::json;
    let key = |k: &Pubkey| k.to_string();
    let keys = |list: &[Pubkey]| list.iter().map(key).collect::<Vec<_>>();
    let opt = |k: &Option<Pubkey>| k.as_ref().map(key);
    match action {
        ProposalAction::ConfigureMinter(c) => json!({
            "type": "ConfigureMinter",
            "authority": key(&c.authority),
            "allowance_grant": c.allowance_grant,
            "rate_capacity": c.rate_capacity,
            "rate_window": c.rate_window,
            "active": c.active,
        }),
        ProposalAction::RemoveMinter { authority } => {
            json!({ "type": "RemoveMinter", "authority": key(authority) })
        }
        ProposalAction::SetGovernance {
            members,
            threshold,
            time_lock,
        } => json!({
            "type": "SetGovernance",
            "members": keys(members),
            "threshold": threshold,
            "time_lock": time_lock,
        }),
        ProposalAction::SetRoles(r) => json!({
            "type": "SetRoles",
            "pausers": keys(&r.pausers),
            "freezers": keys(&r.freezers),
            "reserve_attestor": opt(&r.reserve_attestor),
            "redemption_operator": opt(&r.redemption_operator),
            "mint_attestor": opt(&r.mint_attestor),
            "allowance_manager": opt(&r.allowance_manager),
        }),
        ProposalAction::SetLimits(l) => json!({
            "type": "SetLimits",
            "supply_cap": l.supply_cap,
            "min_redemption": l.min_redemption,
            "reserve_guard": l.reserve_guard,
            "reserve_max_age": l.reserve_max_age,
        }),
        ProposalAction::Unpause => json!({ "type": "Unpause" }),
        ProposalAction::ResumeIssuance => json!({ "type": "ResumeIssuance" }),
        ProposalAction::UpdateMetadata(m) => json!({
            "type": "UpdateMetadata",
            "name": m.name,
            "symbol": m.symbol,
            "uri": m.uri,
            "fields": m.fields.iter().map(|f| json!({ "key": f.key, "value": f.value })).collect::<Vec<_>>(),
            "remove_keys": m.remove_keys,
        }),
        ProposalAction::SetAllowanceBudget { capacity, window } => json!({
            "type": "SetAllowanceBudget",
            "capacity": capacity,
            "window": window,
        }),
        ProposalAction::SetExecutionWindow { seconds } => {
            json!({ "type": "SetExecutionWindow", "seconds": seconds })
        }
        ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash,
            spill,
        } => json!({
            "type": "UpgradeProgram",
            "buffer": key(buffer),
            "buffer_hash": crate::events::hex32(buffer_hash),
            "spill": key(spill),
        }),
        ProposalAction::SetUpgradeAuthority { new } => {
            json!({ "type": "SetUpgradeAuthority", "new": opt(new) })
        }
        ProposalAction::Seize {
            account,
            destination,
            amount,
        } => json!({
            "type": "Seize",
            "account": key(account),
            "destination": opt(destination),
            "amount": amount,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, MinterConfig};

    #[test]
    fn the_hash_names_the_action_exactly() {
        let a = ProposalAction::SetLimits(Limits {
            supply_cap: 10,
            min_redemption: 0,
            reserve_guard: false,
            reserve_max_age: 0,
        });
        let mut b = a.clone();
        if let ProposalAction::SetLimits(l) = &mut b {
            l.supply_cap = 11;
        }
        assert_eq!(action_hash(&a), action_hash(&a.clone()));
        assert_ne!(action_hash(&a), action_hash(&b));
        let c = ProposalAction::ConfigureMinter(MinterConfig {
            authority: Pubkey::new_unique(),
            allowance_grant: 1,
            rate_capacity: 1,
            rate_window: 1,
            active: true,
        });
        assert_ne!(action_hash(&a), action_hash(&c));
    }
}
