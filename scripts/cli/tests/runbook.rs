//! docs/runbook.md is executable: every `usd1` command in its `sh` blocks runs here, in order,
//! on the embedded SVM, and must succeed, or fail with the program error its `# fails:`
//! comment names. The time lock is let pass before each `execute`.
mod scenario;

use std::collections::HashMap;

use scenario::{temp_dir, Party};
use solana_sdk::signature::Signer;
use usd1_cli::run_on;
use usd1_client::embedded::Embedded;
use usd1_client::token;

const TIME_LOCK: i64 = 3600;

/// `(command line, expected failure)` for every `usd1` line of every `sh` block.
fn runbook_commands() -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/runbook.md"
    ))
    .expect("read docs/runbook.md");
    let mut in_block = false;
    let mut commands = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = trimmed == "```sh";
            continue;
        }
        if in_block && trimmed.starts_with("usd1 ") {
            let (command, comment) = trimmed.split_once(" # ").unwrap_or((trimmed, ""));
            let fails = comment
                .trim()
                .strip_prefix("fails: ")
                .map(|name| name.trim().to_string());
            commands.push((command.trim().to_string(), fails));
        }
    }
    commands
}

#[tokio::test]
async fn every_runbook_command_runs_as_written() {
    let mut svm = Embedded::start().await;
    let dir = temp_dir("runbook");
    let names = [
        "alice",
        "bob",
        "carol",
        "dave",
        "minter",
        "new_minter",
        "holder",
        "pauser",
        "freezer",
        "attestor",
        "operator",
        "compliance",
        "treasury",
        "manager",
        "mint",
    ];
    let parties: HashMap<&str, Party> = names.iter().map(|n| (*n, Party::new(&dir, n))).collect();
    // (not the mint: `initialize` creates that account)
    for party in parties
        .iter()
        .filter(|(n, _)| **n != "mint")
        .map(|(_, p)| p)
    {
        svm.fund(&party.keypair.pubkey(), 1_000_000_000)
            .await
            .unwrap();
    }
    let key = |name: &str| parties[name].keypair.pubkey();
    let mint = key("mint");
    std::fs::write(
        dir.join("issuer.toml"),
        format!(
            "[mint]\nkeypair = \"mint.json\"\ndecimals = 6\nname = \"USD One\"\nsymbol = \"USD1\"\npermanent_delegate = true\n\n\
             [governance]\nmembers = [\"{}\", \"{}\", \"{}\"]\nthreshold = 2\ntime_lock = {TIME_LOCK}\n\n\
             [limits]\nsupply_cap = \"100000000\"\nmin_redemption = \"100\"\nreserve_guard = true\nreserve_max_age = 86400\n",
            key("alice"), key("bob"), key("carol")
        ),
    )
    .unwrap();
    // the treasury's token account, the seizure destination
    let treasury_account = token::associated_address(&key("treasury"), &mint);
    let mut vars: HashMap<String, String> = HashMap::new();
    for name in names {
        vars.insert(format!("${}", name.to_uppercase()), key(name).to_string());
    }
    vars.insert("$TREASURY".into(), treasury_account.to_string());
    vars.insert("$REPORT_HASH".into(), "5e".repeat(32));
    let expiry = svm.clock().await.unix_timestamp + 7 * 86400;
    vars.insert("$EXPIRY".into(), expiry.to_string());

    let commands = runbook_commands();
    assert!(
        commands.len() >= 40,
        "only {} commands found",
        commands.len()
    );
    let mut used = std::collections::BTreeSet::new();
    for (line, fails) in &commands {
        let mut args: Vec<String> = Vec::new();
        for token in line.split_whitespace().skip(1) {
            let token = match vars.get(token) {
                Some(value) => value.clone(),
                None if token.starts_with('$') => panic!("unknown variable {token} in: {line}"),
                None if token.ends_with(".json") || token.ends_with(".toml") => {
                    dir.join(token).display().to_string()
                }
                None => token.to_string(),
            };
            args.push(token);
        }
        let subcommand = args
            .iter()
            .find(|a| {
                !a.starts_with('-') && !a.contains('/') && !a.bytes().all(|b| b.is_ascii_digit())
            })
            .cloned()
            .unwrap();
        used.insert(subcommand.clone());
        if subcommand == "execute" {
            svm.advance_clock(TIME_LOCK).await;
        }
        if subcommand == "propose"
            && line.contains(" seize ")
            && svm.account(&treasury_account).await.is_none()
        {
            let ix =
                token::create_associated_account(&svm.payer().pubkey(), &key("treasury"), &mint);
            svm.send(&[ix], &[]).await.unwrap();
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let outcome = run_on(&mut svm, &argv).await;
        match fails {
            None => assert_eq!(
                outcome.code, 0,
                "runbook command failed: {line}\n{}",
                outcome.stderr
            ),
            Some(name) => {
                assert_eq!(
                    outcome.code, 1,
                    "expected {name}: {line}\n{}",
                    outcome.stdout
                );
                assert!(
                    outcome.stderr.contains(&format!("{name} (")),
                    "{line}: {}",
                    outcome.stderr
                );
            }
        }
        for out_line in outcome.stdout.lines() {
            if let Some(rest) = out_line.strip_prefix("Proposal ") {
                if let Some(index) = rest
                    .split_whitespace()
                    .next()
                    .filter(|_| rest.contains(" opened"))
                {
                    vars.insert("$PROPOSAL".into(), index.to_string());
                }
            }
            if let Some(hash) = out_line.strip_prefix("Action hash ") {
                vars.insert("$ACTION_HASH".into(), hash.to_string());
            }
            if let Some(signature) = out_line.strip_prefix("Cosignature: ") {
                vars.insert("$COSIGNATURE".into(), signature.to_string());
            }
        }
    }
    // every operator command appears in the runbook
    for command in [
        "init",
        "propose",
        "approve",
        "reject",
        "execute",
        "proposals",
        "cosign",
        "mint",
        "redeem",
        "settle",
        "refund",
        "freeze",
        "thaw",
        "pause",
        "accept",
        "suspend-minter",
        "allowance",
        "attest",
        "status",
        "events",
    ] {
        assert!(
            used.contains(command),
            "the runbook never runs `usd1 {command}`"
        );
    }
    // the outcomes the runbook promises
    let holder_account = token::associated_address(&key("holder"), &mint);
    let holder = svm.token_account(&holder_account).await.unwrap();
    assert!(!holder.frozen, "thawed at the end");
    assert_eq!(holder.amount, (250_000 - 1_000 - 1_000) * 1_000_000);
    assert_eq!(
        svm.token_account(&treasury_account).await.unwrap().amount,
        1_000 * 1_000_000
    );
    let issuer = svm
        .decode::<usd1_client::Issuer>(&usd1_client::pda::issuer(&mint))
        .await
        .unwrap();
    assert!(issuer.members().contains(&key("dave")) && !issuer.members().contains(&key("carol")));
    assert!(!issuer.paused() && !issuer.issuance_paused());
    assert_eq!(issuer.roles().allowance_manager, Some(key("manager")));
    assert_eq!(
        svm.mint_view(&mint).await.unwrap().name,
        "USD-One",
        "the metadata update executed"
    );
    assert_eq!(issuer.roles().freezers, vec![key("freezer")]);
    let minters = [key("minter"), key("new_minter")]
        .map(|k| usd1_client::pda::minter(&usd1_client::pda::issuer(&mint), &k));
    assert!(
        svm.account(&minters[0]).await.is_none(),
        "the stolen key's minter is closed"
    );
    assert!(svm.account(&minters[1]).await.is_some());
    assert_eq!(issuer.reserves.amount, 260_000 * 1_000_000);
}
