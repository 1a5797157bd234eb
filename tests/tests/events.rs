//! Events: decoded from the transaction's inner instructions, numbered 1..=n with no gap
//! across a whole scenario that emits every event type.
use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::Mode;
use usd1_client::events::Event;
use usd1_client::loader::{self, LOADER_ID};
use usd1_client::{ix, pda, Limits, MetadataUpdate, MinterConfig, ProposalAction, ProposalStatus};
use usd1_tests::*;

/// Every event the program emits (programs/usd1-minter/src/events.rs; checked against the
/// committed IDL by `the_list_of_events_is_the_programs`).
const EVERY_EVENT: [&str; 35] = [
    "AccountFrozen",
    "AccountThawed",
    "AllowanceBudgetChanged",
    "AllowanceDecreased",
    "AllowanceRaised",
    "ExecutionWindowChanged",
    "IssuancePaused",
    "IssuanceResumed",
    "IssuerInitialized",
    "KeyAccepted",
    "LimitsChanged",
    "MembersChanged",
    "MetadataUpdated",
    "Minted",
    "MinterConfigured",
    "MinterRemoved",
    "MinterSuspended",
    "Paused",
    "ProgramUpgraded",
    "ProposalApproved",
    "ProposalCancelled",
    "ProposalClosed",
    "ProposalCreated",
    "ProposalExecuted",
    "ProposalRejected",
    "ProposalVetoed",
    "RedemptionRefunded",
    "RedemptionRequested",
    "RedemptionSettled",
    "ReservesAttested",
    "RolesChanged",
    "Seized",
    "Unpaused",
    "UpgradeAuthorityChanged",
    "UpgradeAuthorityReceived",
];

/// The events only the upgradeable loader lets the program emit: a native program has no
/// program data to hand over or upgrade, so the scenario emits these in Sbf mode only.
const LOADER_EVENTS: [&str; 3] = [
    "ProgramUpgraded",
    "UpgradeAuthorityChanged",
    "UpgradeAuthorityReceived",
];

/// A loader buffer holding `program` with `authority`, as upgrade.rs's stories make one.
fn put_buffer(f: &mut Fixture, program: &[u8], authority: &Pubkey) -> Pubkey {
    let data = loader::buffer_data(authority, program);
    let buffer = Pubkey::new_unique();
    let lamports = solana_sdk::rent::Rent::default().minimum_balance(data.len());
    f.svm.set_account(
        &buffer,
        Account {
            lamports,
            data,
            owner: LOADER_ID,
            executable: false,
            rent_epoch: u64::MAX,
        },
    );
    buffer
}

#[tokio::test]
async fn a_whole_scenario_numbers_every_event_without_a_gap() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(1_000, 1_000, 60).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    f.mint_to(&minter, &holder, request_id(1), 10)
        .await
        .unwrap();
    assert!(f
        .mint_to(&minter, &holder, request_id(1), 10)
        .await
        .is_err()); // emits nothing

    let rejected = f
        .propose(
            1,
            ProposalAction::SetLimits(Limits {
                supply_cap: 1,
                ..Limits::default()
            }),
        )
        .await
        .unwrap();
    f.reject(0, rejected).await.unwrap();
    f.reject(2, rejected).await.unwrap();
    let cancelled = f.propose(0, ProposalAction::Unpause).await.unwrap();
    let proposer = f.members[0].insecure_clone();
    f.send(
        &[ix::cancel(&proposer.pubkey(), &f.mint, cancelled)],
        &[&proposer],
    )
    .await
    .unwrap();
    let proposer1 = f.members[1].pubkey();
    f.send(&[ix::close_proposal(&f.mint, rejected, &proposer1)], &[])
        .await
        .unwrap();

    let member = f.members[1].insecure_clone();
    f.send(&[ix::pause(&member.pubkey(), &f.mint)], &[&member])
        .await
        .unwrap();
    f.pass(ProposalAction::Unpause).await.unwrap();

    // operations: every role (the allowance manager too), reserves attested, a holder's
    // redemptions settled and refunded, a freeze, a seizure burned, a thaw
    let roles = f.with_roles().await;
    let manager = f.funded_key().await;
    let mut with_manager = roles.roles();
    with_manager.allowance_manager = Some(manager.pubkey());
    f.pass(ProposalAction::SetRoles(with_manager))
        .await
        .unwrap();
    let now = f.svm.clock().await.unix_timestamp;
    let attest = ix::attest_reserves(
        &roles.reserve_attestor.pubkey(),
        &f.mint,
        1_000,
        now,
        [7; 32],
    );
    f.send(&[attest], &[&roles.reserve_attestor]).await.unwrap();
    let alice = Keypair::new();
    f.svm.fund(&alice.pubkey(), SOL).await.unwrap();
    let alice_account = f.holder(&alice.pubkey()).await;
    f.mint_to(&minter, &alice_account, request_id(2), 100)
        .await
        .unwrap();
    let operator = roles.redemption_operator.insecure_clone();
    let redeem = ix::redeem(
        &alice.pubkey(),
        &f.mint,
        &alice_account,
        [1; 32],
        20,
        [7; 32],
    );
    f.send(&[redeem], &[&alice]).await.unwrap();
    let settle = ix::settle_redemption(
        &operator.pubkey(),
        &f.mint,
        &alice.pubkey(),
        [1; 32],
        [9; 32],
    );
    f.send(&[settle], &[&operator]).await.unwrap();
    let redeem = ix::redeem(
        &alice.pubkey(),
        &f.mint,
        &alice_account,
        [2; 32],
        10,
        [7; 32],
    );
    f.send(&[redeem], &[&alice]).await.unwrap();
    let refund = ix::refund_redemption(
        &operator.pubkey(),
        &f.mint,
        &alice.pubkey(),
        [2; 32],
        &alice_account,
        1,
    );
    f.send(&[refund], &[&operator]).await.unwrap();
    let freeze = ix::freeze(&roles.freezer.pubkey(), &f.mint, &alice_account, 9);
    f.send(&[freeze], &[&roles.freezer]).await.unwrap();
    f.pass(ProposalAction::Seize {
        account: alice_account,
        destination: None,
        amount: 5,
    })
    .await
    .unwrap();
    let thaw = ix::thaw(&roles.freezer.pubkey(), &f.mint, &alice_account);
    f.send(&[thaw], &[&roles.freezer]).await.unwrap();
    f.pass(ProposalAction::SetExecutionWindow { seconds: 7_200 })
        .await
        .unwrap();

    // incidents: the manager raises within a budget and lowers, issuance paused and resumed,
    // the minter suspended, the metadata updated
    f.pass(ProposalAction::SetAllowanceBudget {
        capacity: 100,
        window: 3600,
    })
    .await
    .unwrap();
    let raise = ix::raise_allowance(&manager.pubkey(), &f.mint, &minter.pubkey(), 50);
    f.send(&[raise], &[&manager]).await.unwrap();
    let lower = ix::decrease_allowance(&manager.pubkey(), &f.mint, &minter.pubkey(), 20);
    f.send(&[lower], &[&manager]).await.unwrap();
    let pause_issuance = ix::pause_issuance(&roles.pauser.pubkey(), &f.mint);
    f.send(&[pause_issuance], &[&roles.pauser]).await.unwrap();
    f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    let suspend = ix::suspend_minter(&roles.pauser.pubkey(), &f.mint, &minter.pubkey());
    f.send(&[suspend], &[&roles.pauser]).await.unwrap();
    f.pass(ProposalAction::UpdateMetadata(MetadataUpdate {
        name: "USD1 Test Dollar".into(),
        symbol: "USD1".into(),
        uri: "https://example.com/usd1-v2.json".into(),
        fields: vec![],
        remove_keys: vec![],
    }))
    .await
    .unwrap();

    f.pass(ProposalAction::SetRoles(Default::default()))
        .await
        .unwrap();
    f.pass(ProposalAction::SetLimits(Limits {
        supply_cap: 1_000,
        ..Limits::default()
    }))
    .await
    .unwrap();
    f.pass(ProposalAction::RemoveMinter {
        authority: minter.pubkey(),
    })
    .await
    .unwrap();

    // a veto: a fourth member joins, and two of the four reject an approved proposal
    let newcomer = f.funded_key().await;
    let mut four: Vec<Pubkey> = f.members.iter().map(|m| m.pubkey()).collect();
    four.push(newcomer.pubkey());
    f.pass(ProposalAction::SetGovernance {
        members: four,
        threshold: 2,
        time_lock: 0,
    })
    .await
    .unwrap();
    let vetoed = f
        .approved(ProposalAction::SetExecutionWindow { seconds: 3_600 })
        .await
        .unwrap();
    f.reject(2, vetoed).await.unwrap();
    let veto = ix::reject(&newcomer.pubkey(), &f.mint, vetoed);
    let done = f.send(&[veto], &[&newcomer]).await.unwrap();
    assert!(
        matches!(&done.events[..], [Event::ProposalVetoed(e)] if e.index == vetoed && e.rejections == 2),
        "{:?}",
        done.events
    );

    let members: Vec<Pubkey> = f.members.iter().map(|m| m.pubkey()).collect();
    f.pass(ProposalAction::SetGovernance {
        members,
        threshold: 3,
        time_lock: 0,
    })
    .await
    .unwrap();

    // upgrades under governance, where there is a loader: the hand-over, an upgrade, and the
    // upgrade authority dropped
    let sbf = f.svm.mode() == Mode::Sbf;
    if sbf {
        let deployer = f.svm.upgrade_authority().insecure_clone();
        let hand_over = ix::hand_over_upgrade_authority(&deployer.pubkey(), &f.mint);
        f.send(&[hand_over], &[&deployer]).await.unwrap();
        let so = usd1_client::embedded::program_elf();
        let governor = pda::upgrade_authority(&f.issuer_key());
        let buffer = put_buffer(&mut f, &so, &governor);
        f.pass(ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash: loader::program_hash(&so),
            spill: Pubkey::new_unique(),
        })
        .await
        .unwrap();
        // the new code runs from the next slot
        f.svm.next_slot().await;
        f.pass(ProposalAction::SetUpgradeAuthority { new: None })
            .await
            .unwrap();
    }

    f.assert_seq_complete().await;
    let mut names: Vec<&str> = f.events.iter().map(Event::name).collect();
    names.sort();
    names.dedup();
    let mut every: Vec<&str> = EVERY_EVENT
        .iter()
        .copied()
        .filter(|name| sbf || !LOADER_EVENTS.contains(name))
        .collect();
    every.sort();
    assert_eq!(names, every, "the scenario emits every event type");
    the_typescript_decoders_read_everything(&mut f).await;
    // the final rejection of the rejected proposal names its outcome
    let last_rejection = f.events.iter().rev().find_map(|e| match e {
        Event::ProposalRejected(r) if r.index == rejected => Some(r.clone()),
        _ => None,
    });
    let r = last_rejection.unwrap();
    assert_eq!(
        (r.index, r.rejections, r.status),
        (rejected, 2, ProposalStatus::Rejected)
    );
}

#[tokio::test]
async fn an_execution_emits_the_execution_then_its_effect() {
    let mut f = Fixture::new().await;
    let authority = f.held_key();
    let index = f
        .propose(
            0,
            ProposalAction::ConfigureMinter(MinterConfig {
                authority,
                allowance_grant: 5,
                rate_capacity: 5,
                rate_window: 5,
                active: true,
            }),
        )
        .await
        .unwrap();
    let approved = f.approve(1, index).await.unwrap();
    let Event::ProposalApproved(a) = &approved.events[0] else {
        panic!()
    };
    assert_eq!(
        (a.index, a.approvals, a.status, a.member),
        (index, 2, ProposalStatus::Approved, f.members[1].pubkey())
    );
    f.accept_held(index).await.unwrap();
    let executed = f.execute(index).await.unwrap();
    assert_eq!(executed.events.len(), 2);
    let (Event::ProposalExecuted(x), Event::MinterConfigured(c)) =
        (&executed.events[0], &executed.events[1])
    else {
        panic!("{:?}", executed.events)
    };
    assert_eq!(x.index, index);
    assert_eq!(c.seq, x.seq + 1);
    assert!(c.created);
    f.assert_seq_complete().await;
}

#[test]
fn the_list_of_events_is_the_programs() {
    let idl: serde_json::Value =
        serde_json::from_str(include_str!("../../idl/usd1_minter.json")).expect("the IDL");
    let mut in_idl: Vec<&str> = idl["events"]
        .as_array()
        .expect("the IDL's events")
        .iter()
        .map(|e| e["name"].as_str().expect("an event's name"))
        .collect();
    in_idl.sort();
    let mut every = EVERY_EVENT.to_vec();
    every.sort();
    assert_eq!(
        every, in_idl,
        "EVERY_EVENT must list every event of the program"
    );
    for name in LOADER_EVENTS {
        assert!(every.contains(&name), "{name}");
    }
}

#[test]
fn event_data_of_other_programs_is_not_an_event() {
    assert_eq!(Event::decode_cpi_data(&[1, 2, 3]), Ok(None));
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend_from_slice(&[0xFF; 8]);
    assert!(
        Event::decode_cpi_data(&data).is_err(),
        "an unknown discriminator is an error, not silence"
    );
}

/// `@anchor-lang/core`'s event and account coders, built from the committed IDL alone
/// (`scripts/bench/ts/decode-all.mjs`), decode every event of the scenario with its name and
/// seq, and each account type of the program with the fields the chain holds.
async fn the_typescript_decoders_read_everything(f: &mut Fixture) {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ts = repo.join("scripts/bench/ts");
    assert!(
        ts.join("node_modules/@anchor-lang/core").is_dir(),
        "the TypeScript client is not installed: npm ci --ignore-scripts --prefix scripts/bench/ts \
         (scripts/test does it)"
    );
    let issuer = f.issuer_key();
    let redemption = f
        .events
        .iter()
        .find_map(|e| match e {
            Event::RedemptionRequested(r) => {
                Some(pda::redemption(&issuer, &r.holder, &r.redemption_id))
            }
            _ => None,
        })
        .expect("the scenario redeems");
    let proposal = f
        .events
        .iter()
        .find_map(|e| match e {
            Event::ProposalCreated(p) => Some(pda::proposal(&issuer, p.index)),
            _ => None,
        })
        .expect("the scenario proposes");
    // the scenario removed its minters: one more, still configured
    let minter = f.add_minter(1, 1, 60).await.pubkey();
    let (minter_key, minter) = (pda::minter(&issuer, &minter), &minter);
    let wanted = [
        ("Issuer", issuer),
        ("Minter", minter_key),
        ("MintReceipt", pda::mint_receipt(&issuer, &request_id(1))),
        ("Redemption", redemption),
        ("Proposal", proposal),
    ];
    let mut accounts = Vec::new();
    for (name, key) in wanted {
        let account = f.svm.account(&key).await;
        let account = account.unwrap_or_else(|| panic!("{name} {key} is not on chain"));
        accounts.push(serde_json::json!({ "name": name, "data": b64(&account.data) }));
    }
    let input = serde_json::json!({
        "events": f.events.iter().map(|e| b64(&e.data())).collect::<Vec<_>>(),
        "accounts": accounts,
    });
    let path = std::env::temp_dir().join(format!("usd1-decode-all-{}.json", Pubkey::new_unique()));
    std::fs::write(&path, input.to_string()).unwrap();
    let output = std::process::Command::new("node")
        .arg(ts.join("decode-all.mjs"))
        .arg(repo.join("idl/usd1_minter.json"))
        .arg(&path)
        .output()
        .expect("node is required for the TypeScript decoding test (scripts/test installs it)");
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "decode-all.mjs failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let decoded: Vec<(String, String, String)> = seen["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap().to_string();
            (field("name"), field("seq"), field("mint"))
        })
        .collect();
    let expected: Vec<(String, String, String)> = f
        .events
        .iter()
        .map(|e| {
            (
                e.name().to_string(),
                e.seq().to_string(),
                e.mint().to_string(),
            )
        })
        .collect();
    assert_eq!(
        decoded, expected,
        "TypeScript decodes every event as Rust does"
    );

    let state = f.issuer().await;
    let accounts = seen["accounts"].as_array().unwrap();
    let field = |i: usize, k: &str| accounts[i]["decoded"][k].clone();
    assert_eq!(field(0, "mint"), f.mint.to_string());
    assert_eq!(field(0, "event_seq"), state.event_seq.to_string());
    assert_eq!(field(0, "threshold"), u64::from(state.threshold));
    // the zero-copy issuer (C layout, no implicit padding) reads the same through Borsh
    let members = state.members();
    assert_eq!(field(0, "member_count"), members.len() as u64);
    let ts_members = field(0, "members");
    let ts_members = ts_members.as_array().unwrap();
    assert_eq!(ts_members.len(), usd1_client::MAX_MEMBERS);
    for (i, member) in members.iter().enumerate() {
        assert_eq!(ts_members[i], member.to_string());
    }
    assert_eq!(ts_members[members.len()], Pubkey::default().to_string());
    let minted = state.totals.minted();
    assert!(minted > 0, "the scenario minted");
    assert_eq!(
        field(0, "totals")["minted"]["halves"],
        serde_json::json!([
            (minted as u64).to_string(),
            ((minted >> 64) as u64).to_string()
        ])
    );
    assert_eq!(
        field(0, "limits")["supply_cap"],
        state.limits().supply_cap.to_string()
    );
    assert_eq!(field(0, "paused"), u64::from(state.paused()));
    let roles = state.roles();
    assert_eq!(
        field(0, "roles")["pauser_count"],
        roles.pausers.len() as u64
    );
    assert_eq!(
        field(0, "roles")["redemption_operator"],
        roles.redemption_operator.unwrap_or_default().to_string()
    );
    assert_eq!(field(0, "bump"), u64::from(state.bump));
    assert_eq!(
        field(0, "execution_window"),
        u64::from(state.execution_window)
    );
    assert_eq!(field(1, "authority"), minter.to_string());
    assert_eq!(field(1, "issuer"), issuer.to_string());
    // the zero-copy minter: bump and issuer first, u8 flag, the bucket as stored
    let minter_state: usd1_client::Minter = f.svm.decode(&minter_key).await.unwrap();
    assert_eq!(field(1, "active"), 1);
    assert_eq!(field(1, "allowance"), minter_state.allowance.to_string());
    assert_eq!(
        field(1, "rate_limit")["capacity"],
        minter_state.rate_limit().capacity.to_string()
    );
    assert_eq!(field(2, "issuer"), issuer.to_string());
    assert_eq!(field(2, "amount"), "10");
    assert_eq!(field(3, "issuer"), issuer.to_string());
    // the zero-copy redemption: the status as its byte, explicit padding before the amounts
    let redemption_state: usd1_client::Redemption = f.svm.decode(&redemption).await.unwrap();
    assert_eq!(field(3, "holder"), redemption_state.holder.to_string());
    assert_eq!(field(3, "amount"), redemption_state.amount.to_string());
    assert_eq!(
        field(3, "status"),
        redemption_state.status().unwrap() as u64
    );
    assert_eq!(field(3, "seq"), redemption_state.seq.to_string());
    assert_eq!(field(4, "issuer"), issuer.to_string());
}
