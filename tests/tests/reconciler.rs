//! The reconciler against events produced by the program (embedded SVM): a clean run, every
//! discrepancy class detected with its evidence, idempotent and resumable ingestion, and the
//! same ledger on PostgreSQL (USD1_TEST_POSTGRES, which scripts/test provides).
use anchor_lang::Event as AnchorEvent;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::events::{self, Event};
use usd1_client::{ix, request_id_from_reference, token, ProposalAction, ProposalStatus};
use usd1_reconciler::calendar::{utc_date, Calendar};
use usd1_reconciler::ingest::{ingest_history, IngestOptions};
use usd1_reconciler::store::NewEvent;
use usd1_reconciler::{reconcile_embedded, Finding, Policy, Report, Store};
use usd1_tests::{Fixture, RoleKeys, SOL, TOKEN};

/// An issuer with a history: roles, a minter, reserves attested, three mints, a settled and a
/// refunded redemption, a seizure burned.
struct World {
    f: Fixture,
    roles: RoleKeys,
    minter: Keypair,
    holder: Keypair,
    account: Pubkey,
    /// The bank ledger of the three mints.
    bank: String,
}

fn id(text: &str) -> [u8; 32] {
    request_id_from_reference(text).unwrap()
}

async fn world() -> World {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    let minter = f
        .add_minter(1_000_000 * TOKEN, 1_000_000 * TOKEN, 3600)
        .await;
    let now = f.svm.clock().await.unix_timestamp;
    let attest = ix::attest_reserves(
        &roles.reserve_attestor.pubkey(),
        &f.mint,
        500_000 * TOKEN,
        now,
        [7; 32],
    );
    f.send(&[attest], &[&roles.reserve_attestor]).await.unwrap();
    let holder = Keypair::new();
    f.svm.fund(&holder.pubkey(), 10 * SOL).await.unwrap();
    let account = f.holder(&holder.pubkey()).await;
    for (wire, amount) in [("wire-1", 100_000), ("wire-2", 50_000), ("wire-3", 25_000)] {
        f.mint_to(&minter, &account, id(wire), amount * TOKEN)
            .await
            .unwrap();
    }
    let operator = roles.redemption_operator.insecure_clone();
    let redeem = |rid: &str, amount: u64| {
        ix::redeem(
            &holder.pubkey(),
            &f.mint,
            &account,
            id(rid),
            amount * TOKEN,
            id("payout"),
        )
    };
    let (r1, r2) = (redeem("r-1", 10_000), redeem("r-2", 5_000));
    f.send(&[r1], &[&holder]).await.unwrap();
    let settle = ix::settle_redemption(
        &operator.pubkey(),
        &f.mint,
        &holder.pubkey(),
        id("r-1"),
        id("bank-tx-1"),
    );
    f.send(&[settle], &[&operator]).await.unwrap();
    f.send(&[r2], &[&holder]).await.unwrap();
    let refund = ix::refund_redemption(
        &operator.pubkey(),
        &f.mint,
        &holder.pubkey(),
        id("r-2"),
        &account,
        3,
    );
    f.send(&[refund], &[&operator]).await.unwrap();
    let freeze = ix::freeze(&roles.freezer.pubkey(), &f.mint, &account, 9);
    f.send(&[freeze], &[&roles.freezer]).await.unwrap();
    f.pass(ProposalAction::Seize {
        account,
        destination: None,
        amount: 1_000 * TOKEN,
    })
    .await
    .unwrap();
    let thaw = ix::thaw(&roles.freezer.pubkey(), &f.mint, &account);
    f.send(&[thaw], &[&roles.freezer]).await.unwrap();
    let today = utc_date(f.svm.clock().await.unix_timestamp);
    let bank = format!(
        "request_id,amount,value_date,reference\n\
         wire-1,100000,{today},FED-1\nwire-2,50000.00,{today},FED-2\nwire-3,25000,{today},FED-3\n"
    );
    World {
        f,
        roles,
        minter,
        holder,
        account,
        bank,
    }
}

async fn temp_store(tag: &str) -> (Store, String) {
    let path = std::env::temp_dir().join(format!(
        "usd1-reconciler-{}-{tag}.sqlite",
        std::process::id()
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let location = path.display().to_string();
    (Store::open(&location).await.unwrap(), location)
}

async fn reconcile(w: &mut World, store: &Store, bank: &str, policy: &Policy) -> Report {
    let mint = w.f.mint;
    reconcile_embedded(&mut w.f.svm, store, &mint, bank, policy)
        .await
        .unwrap()
        .1
}

/// Checks what `store` holds (no ingestion) against the chain and `bank`.
async fn verify(w: &mut World, store: &Store, bank: &str) -> Report {
    let mint = w.f.mint;
    usd1_reconciler::verify(store, &mut w.f.svm, &mint, bank, &Policy::default())
        .await
        .unwrap()
}

/// Stores `event` as if a transaction `signature` had emitted it (a tampered or faulty ledger).
async fn store_forged(store: &Store, signature: &str, event: &impl AnchorEvent) {
    let raw = event.data();
    let forged = NewEvent {
        signature: signature.into(),
        slot: 1,
        block_time: 0,
        event: Event::decode(&raw).unwrap().into(),
        raw,
    };
    store.commit("forged", &[forged], None).await.unwrap();
}

fn findings<'a>(report: &'a Report, check: &str) -> &'a [Finding] {
    &report
        .checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no check {check}"))
        .findings
}

/// Asserts only `check` failed, and returns its findings.
#[track_caller]
fn only_failed<'a>(report: &'a Report, check: &str) -> &'a [Finding] {
    assert!(!report.ok, "the report must fail closed: {}", report.text());
    for c in &report.checks {
        assert_eq!(c.ok, c.name != check, "check {}: {}", c.name, report.text());
    }
    findings(report, check)
}

/// The seq of the Minted event for the request `wire`.
fn minted_seq(w: &World, wire: &str) -> u64 {
    w.f.events
        .iter()
        .find_map(|e| match e {
            Event::Minted(m) if m.request_id == id(wire) => Some(m.seq),
            _ => None,
        })
        .unwrap()
}

/// The seq of the first event of `name` in the fixture's log, and its signature in the store.
fn seq_of(w: &World, name: &str) -> u64 {
    w.f.events
        .iter()
        .find(|e| e.name() == name)
        .unwrap_or_else(|| panic!("no {name} event"))
        .seq()
}

#[tokio::test]
async fn a_clean_ledger_reconciles_and_reingestion_changes_nothing() {
    let mut w = world().await;
    let (store, _) = temp_store("clean").await;
    let bank = w.bank.clone();
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    assert!(report.ok, "{}", report.text());
    let supply = w.f.supply().await;
    let t = &report.ledger;
    assert_eq!(t.minted, u128::from(175_000 * TOKEN));
    assert_eq!(t.redeemed, u128::from(15_000 * TOKEN));
    assert_eq!(t.refunded, u128::from(5_000 * TOKEN));
    assert_eq!(t.seized_burned, u128::from(1_000 * TOKEN));
    assert_eq!(t.supply, i128::from(supply));
    assert_eq!(report.chain.supply, supply);
    assert_eq!(t.events, w.f.issuer().await.event_seq);
    assert_eq!((report.bank.credits, report.bank.matched), (3, 3));
    assert!(report.text().contains("OK, everything agrees"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["checks"].as_array().unwrap().len(), 7);

    // re-running stores nothing new and leaves every row as it was, cursor included
    let before = store.dump().await.unwrap();
    let cursor = format!("cursors embedded:{} ", w.f.mint);
    assert!(before.contains(&cursor), "{before}");
    let again = ingest_history(
        &store,
        &w.f.mint,
        w.f.svm.history(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!((again.transactions, again.new_events), (0, 0));
    assert_eq!(store.dump().await.unwrap(), before);
    // even from scratch (cursor gone), every event is recognised as stored
    store.execute("DELETE FROM cursors").await.unwrap();
    let replay = ingest_history(
        &store,
        &w.f.mint,
        w.f.svm.history(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert!(replay.transactions > 0);
    assert_eq!(replay.new_events, 0);
    assert_eq!(store.dump().await.unwrap(), before);
}

#[tokio::test]
async fn a_stopped_ingestion_resumes_to_the_same_database() {
    let w = world().await;
    let (whole, _) = temp_store("whole").await;
    ingest_history(
        &whole,
        &w.f.mint,
        w.f.svm.history(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    // in pieces: 3 transactions per commit, stopped after 7, then 5 more, then the rest
    let (pieces, _) = temp_store("pieces").await;
    let mut stored = 0;
    for max in [Some(7), Some(5), None] {
        let options = IngestOptions {
            batch: 3,
            max_transactions: max,
            progress: false,
            ..IngestOptions::default()
        };
        let run = ingest_history(&pieces, &w.f.mint, w.f.svm.history(), &options)
            .await
            .unwrap();
        assert_eq!(run.complete, max.is_none());
        if let Some(max) = max {
            assert_eq!(run.transactions, max as u64);
        }
        stored += run.new_events;
    }
    assert_eq!(stored, w.f.events.len() as u64);
    assert_eq!(pieces.dump().await.unwrap(), whole.dump().await.unwrap());
}

#[tokio::test]
async fn missing_events_are_named_by_seq() {
    let mut w = world().await;
    let (store, _) = temp_store("missing").await;
    let bank = w.bank.clone();
    assert!(
        reconcile(&mut w, &store, &bank, &Policy::default())
            .await
            .ok
    );
    // an ingestion that lost a transaction: the freeze and the newest event
    let frozen = seq_of(&w, "AccountFrozen");
    let last = w.f.issuer().await.event_seq;
    store
        .execute(&format!(
            "DELETE FROM events WHERE seq IN ({frozen}, {last})"
        ))
        .await
        .unwrap();
    let report = verify(&mut w, &store, &bank).await;
    assert_eq!(
        only_failed(&report, "sequence"),
        [
            Finding::MissingEvents {
                from: frozen,
                to: frozen
            },
            Finding::MissingEvents {
                from: last,
                to: last
            }
        ]
    );
    assert!(report
        .text()
        .contains(&format!("event #{frozen} is missing")));
}

#[tokio::test]
async fn a_second_event_with_a_stored_seq_is_a_duplicate() {
    let mut w = world().await;
    let (store, _) = temp_store("duplicate").await;
    let bank = w.bank.clone();
    assert!(
        reconcile(&mut w, &store, &bank, &Policy::default())
            .await
            .ok
    );
    let thawed = seq_of(&w, "AccountThawed");
    let forged = events::AccountThawed {
        mint: w.f.mint,
        seq: thawed,
        account: w.account,
        owner: w.holder.pubkey(),
        by: Keypair::new().pubkey(),
    };
    let before = store.dump().await.unwrap();
    store_forged(&store, "forged-signature", &forged).await;
    // the stored event is untouched; the claim is kept apart as evidence
    let after = store.dump().await.unwrap();
    assert!(after.starts_with(&before[..before.find("cursors").unwrap()]));
    let report = verify(&mut w, &store, &bank).await;
    match only_failed(&report, "sequence") {
        [Finding::DuplicateSeq {
            seq,
            other_signature,
            ..
        }] => {
            assert_eq!(
                (*seq, other_signature.as_str()),
                (thawed, "forged-signature")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_burn_outside_the_program_is_a_supply_mismatch() {
    let mut w = world().await;
    let (store, _) = temp_store("supply").await;
    let bank = w.bank.clone();
    // the holder burns 3 tokens with Token-2022 directly: supply moves, no event
    let burn =
        token::burn_checked(&w.account, &w.f.mint, &w.holder.pubkey(), 3 * TOKEN, 6).unwrap();
    let holder = w.holder.insecure_clone();
    let burned = w.f.svm.send(&[burn], &[&holder]).await.unwrap().signature;
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    let supply = w.f.supply().await;
    let event_seq = w.f.issuer().await.event_seq;
    assert_eq!(
        only_failed(&report, "supply"),
        [Finding::SupplyMismatch {
            ledger_supply: i128::from(supply + 3 * TOKEN),
            chain_supply: supply,
            through_seq: event_seq,
        }]
    );
    // the next mint records a supply the ledger cannot reach: the trail shows where
    // (sent past the fixture, whose supply identity assertion this burn breaks on purpose)
    let minter = w.minter.insecure_clone();
    let mint4 = ix::mint(&minter.pubkey(), &w.f.mint, &w.account, id("wire-4"), TOKEN);
    w.f.svm.send(&[mint4], &[&minter]).await.unwrap();
    let bank = format!(
        "{bank}wire-4,1,{},FED-4\n",
        utc_date(w.f.svm.clock().await.unix_timestamp)
    );
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    let found = only_failed(&report, "supply");
    assert_eq!(found.len(), 2, "{found:?}");
    match &found[1] {
        Finding::SupplyTrailDiverges {
            event,
            event_supply,
            ledger_supply,
        } => {
            assert_eq!(event.seq, event_seq + 1);
            assert_eq!(
                *ledger_supply - i128::from(*event_supply),
                i128::from(3 * TOKEN)
            );
        }
        other => panic!("{other:?}"),
    }
    // reviewed: an exception naming the burn (after the last event before it) accounts for it
    let (mint, account) = (w.f.mint, w.account);
    let exception = |expires: &str, amount: u64| {
        format!(
            "[[exception]]\nid = \"EXC-1\"\nkind = \"direct_burn\"\nmint = \"{}\"\n\
             after_seq = {event_seq}\namount = \"{amount}\"\nsignature = \"{burned}\"\n\
             account = \"{}\"\nreason = \"holder burned by mistake (OPS-1)\"\n\
             approved_by = \"treasury, compliance\"\nexpires = {expires}\n",
            mint, account
        )
    };
    let today = utc_date(w.f.svm.clock().await.unix_timestamp);
    let policy = |text: &str| Policy {
        exceptions: usd1_reconciler::exceptions::parse(text).unwrap(),
        ..Policy::default()
    };
    let reviewed = policy(&exception(&today.to_string(), 3 * TOKEN));
    let report = reconcile(&mut w, &store, &bank, &reviewed).await;
    assert!(report.ok, "{}", report.text());
    let supply = report.checks.iter().find(|c| c.name == "supply").unwrap();
    match &supply.acknowledged[..] {
        [ack] => {
            assert_eq!(ack.exception, "EXC-1");
            assert_eq!(
                ack.finding,
                Finding::DirectBurn {
                    after_seq: event_seq,
                    amount: 3 * TOKEN,
                    signature: burned.to_string(),
                    account: Some(w.account.to_string()),
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(report.ledger.acknowledged_burns, u128::from(3 * TOKEN));
    assert_eq!(report.ledger.supply, i128::from(w.f.supply().await));
    // a wrong amount explains nothing: the supply fails and so does the entry
    let wrong = policy(&exception(&today.to_string(), 2 * TOKEN));
    let report = reconcile(&mut w, &store, &bank, &wrong).await;
    assert!(!report.ok);
    assert_eq!(findings(&report, "supply").len(), 2);
    assert!(matches!(findings(&report, "exceptions"),
        [Finding::ExceptionUnmatched { id, .. }] if id == "EXC-1"));
    // expired (yesterday): the burn counts against the supply again, and the entry says why
    let yesterday = today - chrono::Days::new(1);
    let expired = policy(&exception(&yesterday.to_string(), 3 * TOKEN));
    let report = reconcile(&mut w, &store, &bank, &expired).await;
    assert_eq!(findings(&report, "supply").len(), 2);
    assert!(matches!(findings(&report, "exceptions"),
        [Finding::ExceptionExpired { id, .. }] if id == "EXC-1"));
}

#[tokio::test]
async fn bank_ledger_discrepancies_each_have_their_finding() {
    let mut w = world().await;
    let (store, _) = temp_store("bank").await;
    let today = utc_date(w.f.svm.clock().await.unix_timestamp);
    let old = today - chrono::Days::new(3);
    // wire-2 credited a cent more; wire-3 missing from the bank; wire-9 credited three days
    // ago and never minted; wire-8 credited today (within the SLA: pending, not a finding)
    let bank = format!(
        "request_id,amount,value_date,reference\n\
         wire-1,100000,{today},FED-1\nwire-2,50000.01,{today},FED-2\n\
         wire-9,70,{old},FED-9\nwire-8,80,{today},FED-8\n"
    );
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    let found = only_failed(&report, "bank_ledger");
    let wire2 = minted_seq(&w, "wire-2");
    let wire3 = minted_seq(&w, "wire-3");
    assert!(
        found.iter().any(|f| matches!(f, Finding::AmountMismatch { event, request_id, minted, credited, credit_line: 3 }
            if event.seq == wire2 && request_id == "wire-2" && *minted == 50_000 * TOKEN && *credited == 50_000 * TOKEN + 10_000)),
        "{found:?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::MintWithoutCredit { event, request_id, amount }
            if event.seq == wire3 && request_id == "wire-3" && *amount == 25_000 * TOKEN)
        ),
        "{found:?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::CreditNotMinted { request_id, amount, credit_line: 4, .. }
            if request_id == "wire-9" && *amount == 70 * TOKEN)
        ),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(report.bank.pending, 1);
    // the same credit listed twice in the bank file
    let doubled = format!("{}wire-1,100000,{today},FED-1-again\n", w.bank);
    let report = reconcile(&mut w, &store, &doubled, &Policy::default()).await;
    assert_eq!(
        only_failed(&report, "bank_ledger"),
        [Finding::DuplicateCredit {
            request_id: "wire-1".into(),
            credit_lines: vec![2, 5]
        }]
    );
}

#[tokio::test]
async fn a_credit_minted_twice_is_reported_with_both_mints() {
    let mut w = world().await;
    let (store, _) = temp_store("twice").await;
    let bank = w.bank.clone();
    assert!(
        reconcile(&mut w, &store, &bank, &Policy::default())
            .await
            .ok
    );
    // the program's receipts make a second mint of one request impossible on one issuer; a
    // ledger that nevertheless shows one (a faulty upgrade, a tampered store) must not pass:
    // replace the thaw event with a second Minted for wire-1
    let first =
        w.f.events
            .iter()
            .find_map(|e| match e {
                Event::Minted(m) if m.request_id == id("wire-1") => Some(m.clone()),
                _ => None,
            })
            .unwrap();
    let thawed = seq_of(&w, "AccountThawed");
    store
        .execute(&format!("DELETE FROM events WHERE seq = {thawed}"))
        .await
        .unwrap();
    let second = events::Minted {
        seq: thawed,
        ..first.clone()
    };
    store_forged(&store, "second-mint", &second).await;
    let report = verify(&mut w, &store, &bank).await;
    assert!(!report.ok);
    let twice = findings(&report, "bank_ledger");
    match twice {
        // (the forged event's block time is 0: in 1970, before its credit's value date too)
        [Finding::MintedBeforeFunding { event: early, .. }, Finding::MintedTwice {
            request_id,
            events,
            amounts,
        }] => {
            assert_eq!(early.seq, thawed);
            assert_eq!(request_id, "wire-1");
            assert_eq!(
                events.iter().map(|e| e.seq).collect::<Vec<_>>(),
                [first.seq, thawed]
            );
            assert_eq!(events[1].signature, "second-mint");
            assert_eq!(amounts, &[first.amount, first.amount]);
        }
        other => panic!("{other:?}"),
    }
    // the extra issuance shows in the supply too
    assert!(!findings(&report, "supply").is_empty());
}

#[tokio::test]
async fn redemptions_are_due_within_two_business_days() {
    let mut w = world().await;
    let (store, _) = temp_store("late").await;
    let bank = w.bank.clone();
    let holder = w.holder.insecure_clone();
    let redeem = ix::redeem(
        &holder.pubkey(),
        &w.f.mint,
        &w.account,
        id("r-3"),
        2_000 * TOKEN,
        id("payout-3"),
    );
    w.f.send(&[redeem], &[&holder]).await.unwrap();
    let requested_at = w.f.svm.clock().await.unix_timestamp;
    let due = Calendar::default().deadline(requested_at, 2);
    // an hour past the deadline, still open; reserves attested again so only this fails
    let wait = due - requested_at + 3600;
    w.f.svm.advance_clock(wait).await;
    let now = w.f.svm.clock().await.unix_timestamp;
    let attestor = w.roles.reserve_attestor.insecure_clone();
    let attest = ix::attest_reserves(&attestor.pubkey(), &w.f.mint, 500_000 * TOKEN, now, [8; 32]);
    w.f.send(&[attest], &[&attestor]).await.unwrap();
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    let requested_seq =
        w.f.events
            .iter()
            .rev()
            .find(|e| e.name() == "RedemptionRequested")
            .unwrap()
            .seq();
    match only_failed(&report, "redemptions") {
        [Finding::LateRedemption {
            event,
            amount,
            outcome,
            due_by,
            resolution: None,
            ..
        }] => {
            assert_eq!(event.seq, requested_seq);
            assert_eq!(*amount, 2_000 * TOKEN);
            assert_eq!(outcome, "open");
            assert_eq!(due_by, &usd1_reconciler::calendar::iso(due));
        }
        other => panic!("{other:?}"),
    }
    // holidays on every business day from the request to now push the deadline past now
    let holidays: Vec<_> = (0..=wait / 86_400 + 1)
        .map(|d| utc_date(requested_at + d * 86_400))
        .collect();
    let policy = Policy {
        calendar: Calendar::new(holidays),
        ..Policy::default()
    };
    assert!(reconcile(&mut w, &store, &bank, &policy).await.ok);
    // settled late: still a finding, now with the settlement as evidence
    let operator = w.roles.redemption_operator.insecure_clone();
    let settle = ix::settle_redemption(
        &operator.pubkey(),
        &w.f.mint,
        &w.holder.pubkey(),
        id("r-3"),
        id("bank-tx-3"),
    );
    w.f.send(&[settle], &[&operator]).await.unwrap();
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    match only_failed(&report, "redemptions") {
        [Finding::LateRedemption {
            outcome,
            resolution: Some(resolution),
            resolved_at: Some(_),
            ..
        }] => {
            assert_eq!(outcome, "settled");
            assert_eq!(resolution.seq, w.f.events.last().unwrap().seq());
        }
        other => panic!("{other:?}"),
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["checks"][3]["findings"][0]["kind"], "late_redemption");
}

#[tokio::test]
async fn the_last_attestation_must_cover_supply_and_be_fresh() {
    let mut w = world().await;
    let (store, _) = temp_store("attest").await;
    let bank = w.bank.clone();
    let attestor = w.roles.reserve_attestor.insecure_clone();
    let now = w.f.svm.clock().await.unix_timestamp;
    // reserves below the supply
    let short = ix::attest_reserves(&attestor.pubkey(), &w.f.mint, 100_000 * TOKEN, now, [9; 32]);
    w.f.send(&[short], &[&attestor]).await.unwrap();
    let supply = w.f.supply().await;
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    match only_failed(&report, "reserves") {
        [Finding::AttestationShort {
            event,
            attested,
            chain_supply,
            ..
        }] => {
            assert_eq!(event.seq, w.f.events.last().unwrap().seq());
            assert_eq!((*attested, *chain_supply), (100_000 * TOKEN, supply));
        }
        other => panic!("{other:?}"),
    }
    // enough reserves, then two days without a new attestation
    let full = ix::attest_reserves(&attestor.pubkey(), &w.f.mint, supply, now, [10; 32]);
    w.f.send(&[full], &[&attestor]).await.unwrap();
    assert!(
        reconcile(&mut w, &store, &bank, &Policy::default())
            .await
            .ok
    );
    w.f.svm.advance_clock(2 * 86_400).await;
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    match only_failed(&report, "reserves") {
        [Finding::AttestationStale {
            age_seconds,
            max_age_seconds,
            ..
        }] => {
            assert!(*age_seconds >= 2 * 86_400);
            assert_eq!(*max_age_seconds, 86_400);
        }
        other => panic!("{other:?}"),
    }
    // a policy allowing a week accepts it
    let weekly = Policy {
        attestation_max_age: Some(7 * 86_400),
        ..Policy::default()
    };
    assert!(reconcile(&mut w, &store, &bank, &weekly).await.ok);
}

#[tokio::test]
async fn a_malformed_bank_ledger_is_an_input_error() {
    let mut w = world().await;
    let (store, _) = temp_store("input").await;
    let mint = w.f.mint;
    let error = reconcile_embedded(
        &mut w.f.svm,
        &store,
        &mint,
        "request_id,amount,value_date,reference\nwire-1,ten,2026-11-20,x\n",
        &Policy::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("line 2"), "{error}");
}

/// The PostgreSQL path: the same ledger as SQLite, row for row, the same report, and the same
/// discrepancy found.
#[tokio::test]
async fn postgres_holds_the_same_ledger_as_sqlite() {
    let admin = std::env::var("USD1_TEST_POSTGRES").expect(
        "USD1_TEST_POSTGRES is not set: run scripts/test (it starts PostgreSQL on loopback) \
         or set it to a postgres:// URL whose user may create databases",
    );
    let mut w = world().await;
    let bank = w.bank.clone();
    let database = format!("usd1_test_{}", std::process::id());
    let url = usd1_reconciler::store::create_postgres_database(&admin, &database)
        .await
        .unwrap();
    let postgres = Store::open(&url).await.unwrap();
    assert_eq!(postgres.kind(), usd1_reconciler::store::Kind::Postgres);
    let (sqlite, _) = temp_store("versus-postgres").await;
    let on_postgres = reconcile(&mut w, &postgres, &bank, &Policy::default()).await;
    let on_sqlite = reconcile(&mut w, &sqlite, &bank, &Policy::default()).await;
    assert!(on_postgres.ok, "{}", on_postgres.text());
    assert_eq!(on_postgres, on_sqlite);
    let dump = postgres.dump().await.unwrap();
    assert_eq!(dump, sqlite.dump().await.unwrap());
    // idempotent there too
    let again = ingest_history(
        &postgres,
        &w.f.mint,
        w.f.svm.history(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(again.new_events, 0);
    assert_eq!(postgres.dump().await.unwrap(), dump);
    // and a lost event is found the same way
    let frozen = seq_of(&w, "AccountFrozen");
    postgres
        .execute(&format!("DELETE FROM events WHERE seq = {frozen}"))
        .await
        .unwrap();
    let report = verify(&mut w, &postgres, &bank).await;
    assert_eq!(
        only_failed(&report, "sequence"),
        [Finding::MissingEvents {
            from: frozen,
            to: frozen
        }]
    );
    postgres.close().await;
    usd1_reconciler::store::drop_postgres_database(&admin, &database)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_incident_events_are_ingested_and_the_ledger_still_agrees() {
    let mut w = world().await;
    let mint = w.f.mint;
    // issuance paused and resumed, a minter suspended and reactivated, an allowance manager
    // raising within its budget, a metadata update, a veto: none of them moves supply
    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause_issuance(&pauser.pubkey(), &mint)], &[&pauser])
        .await
        .unwrap();
    w.f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    let desk = w.minter.pubkey();
    w.f.send(
        &[ix::suspend_minter(&pauser.pubkey(), &mint, &desk)],
        &[&pauser],
    )
    .await
    .unwrap();
    let manager = w.f.funded_key().await;
    let mut roles = w.roles.roles();
    roles.allowance_manager = Some(manager.pubkey());
    w.f.pass(ProposalAction::SetRoles(roles)).await.unwrap();
    w.f.pass(ProposalAction::ConfigureMinter(usd1_client::MinterConfig {
        authority: desk,
        allowance_grant: 0,
        rate_capacity: 1_000_000 * TOKEN,
        rate_window: 3600,
        active: true,
    }))
    .await
    .unwrap();
    w.f.pass(ProposalAction::SetAllowanceBudget {
        capacity: 10 * TOKEN,
        window: 3600,
    })
    .await
    .unwrap();
    w.f.send(
        &[ix::raise_allowance(
            &manager.pubkey(),
            &mint,
            &desk,
            5 * TOKEN,
        )],
        &[&manager],
    )
    .await
    .unwrap();
    w.f.pass(ProposalAction::UpdateMetadata(
        usd1_client::MetadataUpdate {
            name: "USD1 Test Dollar".into(),
            symbol: "USD1".into(),
            uri: "https://example.com/v2.json".into(),
            fields: vec![],
            remove_keys: vec![],
        },
    ))
    .await
    .unwrap();
    // the veto: a fourth member joins, and two of the four reject an approved proposal
    // before it executes
    let newcomer = w.f.funded_key().await;
    let mut members: Vec<Pubkey> = w.f.members.iter().map(|m| m.pubkey()).collect();
    members.push(newcomer.pubkey());
    w.f.pass(ProposalAction::SetGovernance {
        members,
        threshold: 2,
        time_lock: 0,
    })
    .await
    .unwrap();
    let vetoed =
        w.f.approved(ProposalAction::SetExecutionWindow { seconds: 7_200 })
            .await
            .unwrap();
    w.f.reject(2, vetoed).await.unwrap();
    let veto = ix::reject(&newcomer.pubkey(), &mint, vetoed);
    let done = w.f.send(&[veto], &[&newcomer]).await.unwrap();
    let Event::ProposalVetoed(e) = &done.events[0] else {
        panic!("{:?}", done.events)
    };
    assert_eq!((e.index, e.rejections), (vetoed, 2));
    let vetoed_seq = e.seq;
    assert_eq!(
        w.f.proposal(vetoed).await.unwrap().status,
        ProposalStatus::Vetoed
    );
    w.f.assert_seq_complete().await;

    let (store, _) = temp_store("incidents").await;
    let bank = w.bank.clone();
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    assert!(report.ok, "{}", report.text());
    assert_eq!(report.ledger.events, w.f.issuer().await.event_seq);
    let ledger = store.ledger(&mint, i64::MAX as u64).await.unwrap();
    // the veto is stored as the event it was, at its seq
    assert!(
        ledger
            .iter()
            .any(|row| row.seq == vetoed_seq && row.name == "ProposalVetoed"),
        "the veto (#{vetoed_seq}) is not in the ledger"
    );
    let names: std::collections::BTreeSet<String> =
        ledger.into_iter().map(|row| row.name).collect();
    for name in [
        "IssuancePaused",
        "IssuanceResumed",
        "MinterSuspended",
        "KeyAccepted",
        "AllowanceBudgetChanged",
        "AllowanceRaised",
        "MetadataUpdated",
        "MembersChanged",
        "ProposalVetoed",
    ] {
        assert!(names.contains(name), "{name} not in the ledger: {names:?}");
    }
}

/// Anyone may create an issuer of this program and make itself its reserve attestor. A
/// stranger's issuer in the same SVM, attesting u64::MAX base units (beyond a signed 64-bit
/// column), neither stops nor skews the reconciliation of this mint: its events are never
/// stored under this mint's run. Reconciled on its own, its attestation is stored exactly.
#[tokio::test]
async fn a_strangers_issuer_neither_stops_nor_enters_another_mints_run() {
    let mut w = world().await;
    let stranger = w.f.funded_key().await;
    let their_mint = Keypair::new();
    let args = usd1_tests::init_args(&[stranger.pubkey()], 1, 0);
    w.f.svm
        .send(
            &[ix::initialize(
                &stranger.pubkey(),
                &their_mint.pubkey(),
                args,
            )],
            &[&stranger, &their_mint],
        )
        .await
        .unwrap();
    let roles = ProposalAction::SetRoles(usd1_client::Roles {
        reserve_attestor: Some(stranger.pubkey()),
        ..usd1_client::Roles::default()
    });
    let propose = ix::propose(&stranger.pubkey(), &their_mint.pubkey(), 1, roles.clone());
    w.f.svm.send(&[propose], &[&stranger]).await.unwrap();
    let accept = ix::accept(&stranger.pubkey(), &their_mint.pubkey(), 1);
    w.f.svm.send(&[accept], &[&stranger]).await.unwrap();
    let payer = w.f.svm.payer().pubkey();
    let execute = ix::execute_action_instructions(&payer, &their_mint.pubkey(), 1, &roles, None);
    w.f.svm.send(&execute, &[]).await.unwrap();
    let now = w.f.svm.clock().await.unix_timestamp;
    let attest = ix::attest_reserves(
        &stranger.pubkey(),
        &their_mint.pubkey(),
        u64::MAX,
        now,
        [9; 32],
    );
    w.f.svm.send(&[attest], &[&stranger]).await.unwrap();

    let (store, _) = temp_store("stranger").await;
    let bank = w.bank.clone();
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    assert!(report.ok, "{}", report.text());
    assert_eq!(report.ledger.events, w.f.issuer().await.event_seq);
    let dump = store.dump().await.unwrap();
    assert!(
        !dump.contains(&their_mint.pubkey().to_string()),
        "the stranger's events were stored:\n{dump}"
    );

    // the stranger's own mint, reconciled in the same store: the attestation exactly
    let summary = ingest_history(
        &store,
        &their_mint.pubkey(),
        w.f.svm.history(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(summary.source, format!("embedded:{}", their_mint.pubkey()));
    let theirs = store.ledger(&their_mint.pubkey(), u64::MAX).await.unwrap();
    let attested = theirs
        .iter()
        .find(|row| row.name == "ReservesAttested")
        .expect("the stranger's attestation");
    assert_eq!(attested.amount, Some(u64::MAX));
    // and this mint's run is still green with both mints in the store
    let report = verify(&mut w, &store, &bank).await;
    assert!(report.ok, "{}", report.text());
}

#[tokio::test]
async fn issuance_ahead_of_the_money_reversals_and_payouts_are_findings() {
    let mut w = world().await;
    let (store, _) = temp_store("money").await;
    let now = w.f.svm.clock().await.unix_timestamp;
    let today = utc_date(now);
    let (tomorrow, old) = (today + chrono::Days::new(1), today - chrono::Days::new(3));
    // a ledger that lists payouts: wire-1 credited the day after it was minted, wire-2
    // credited and then reversed; r-1's payout under its settlement reference; a payout
    // three days old that nothing on chain settled
    let header = "type,request_id,amount,value_date,reference\n";
    let credits = format!(
        "credit,wire-1,100000,{tomorrow},FED-1\ncredit,wire-2,50000,{today},FED-2\n\
         credit,wire-3,25000,{today},FED-3\nreversal,wire-2,50000,{today},RET-2\n"
    );
    let bank = format!(
        "{header}{credits}debit,bank-tx-1,10000,{today},ACH-1\ndebit,bank-tx-9,70,{old},ACH-9\n"
    );
    let report = reconcile(&mut w, &store, &bank, &Policy::default()).await;
    assert!(!report.ok);
    match findings(&report, "bank_ledger") {
        [Finding::MintedBeforeFunding {
            event,
            request_id,
            minted_on,
            value_date,
            credit_line: 2,
        }, Finding::MintedCreditReversed {
            event: reversed_mint,
            request_id: reversed,
            minted,
            reversed: taken_back,
            reversal_line: 5,
        }] => {
            assert_eq!(
                (event.seq, request_id.as_str()),
                (minted_seq(&w, "wire-1"), "wire-1")
            );
            assert_eq!(
                (minted_on, value_date),
                (&today.to_string(), &tomorrow.to_string())
            );
            assert_eq!(
                (reversed_mint.seq, reversed.as_str()),
                (minted_seq(&w, "wire-2"), "wire-2")
            );
            assert_eq!((*minted, *taken_back), (50_000 * TOKEN, 50_000 * TOKEN));
        }
        other => panic!("{other:?}"),
    }
    match findings(&report, "payouts") {
        [Finding::PayoutWithoutSettlement {
            settlement_reference,
            amount,
            debit_line: 7,
            ..
        }] => assert_eq!(
            (settlement_reference.as_str(), *amount),
            ("bank-tx-9", 70 * TOKEN)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        (
            report.bank.debits,
            report.bank.payouts_matched,
            report.bank.reversed
        ),
        (2, 1, 0)
    );
    for check in [
        "sequence",
        "supply",
        "redemptions",
        "reserves",
        "exceptions",
    ] {
        assert!(
            findings(&report, check).is_empty(),
            "{check}: {}",
            report.text()
        );
    }

    // the payout of r-1 for another amount; then none at all, once the SLA has passed
    let settled =
        w.f.events
            .iter()
            .find_map(|e| match e {
                Event::RedemptionSettled(s) => Some(s.seq),
                _ => None,
            })
            .unwrap();
    let clean = "credit,wire-1,100000,{today},FED-1\ncredit,wire-2,50000,{today},FED-2\n\
                 credit,wire-3,25000,{today},FED-3\n"
        .replace("{today}", &today.to_string());
    let short_paid = format!("{header}{clean}debit,bank-tx-1,9999.99,{today},ACH-1\n");
    let report = reconcile(&mut w, &store, &short_paid, &Policy::default()).await;
    match only_failed(&report, "payouts") {
        [Finding::PayoutAmountMismatch {
            event,
            settlement_reference,
            settled: amount,
            paid,
            debit_line: 5,
            ..
        }] => {
            assert_eq!(
                (event.seq, settlement_reference.as_str()),
                (settled, "bank-tx-1")
            );
            assert_eq!((*amount, *paid), (10_000 * TOKEN, 10_000 * TOKEN - 10_000));
        }
        other => panic!("{other:?}"),
    }
    let unpaid = format!("{header}{clean}");
    let within_sla = reconcile(&mut w, &store, &unpaid, &Policy::default()).await;
    assert!(within_sla.ok, "{}", within_sla.text());
    let no_grace = Policy {
        credit_sla: 0,
        ..Policy::default()
    };
    let report = reconcile(&mut w, &store, &unpaid, &no_grace).await;
    assert!(matches!(only_failed(&report, "payouts"),
        [Finding::SettlementWithoutPayout { event, settlement_reference, amount, .. }]
            if event.seq == settled && settlement_reference == "bank-tx-1" && *amount == 10_000 * TOKEN));
    // the old four-column ledger lists no payouts: nothing to match, and the report says so
    let four_columns = w.bank.clone();
    let report = reconcile(&mut w, &store, &four_columns, &no_grace).await;
    assert!(report.ok, "{}", report.text());
    assert!(report.text().contains("payouts not checked"));

    // the issuer's time zone decides a mint's local date: 12 hours west (UTC-12) it is the
    // day before until 12:00 UTC, 14 hours east (UTC+14) the day after from 10:00 UTC. The
    // same ledger is early in one and in time in the other
    let hour = now.rem_euclid(86_400) / 3600;
    let west = hour < 12;
    let zone = if west { "Etc/GMT+12" } else { "Etc/GMT-14" };
    let zone = usd1_reconciler::calendar::parse_zone(zone).unwrap();
    let in_zone = Policy {
        calendar: Calendar::default().in_zone(zone),
        ..Policy::default()
    };
    let dated = if west { today } else { tomorrow };
    let ledger = format!("{header}{clean}debit,bank-tx-1,10000,{today},ACH-1\n")
        .replace(&today.to_string(), &dated.to_string());
    let mut early = Vec::new();
    for policy in [&Policy::default(), &in_zone] {
        let report = reconcile(&mut w, &store, &ledger, policy).await;
        early.push(
            findings(&report, "bank_ledger")
                .iter()
                .filter(|f| matches!(f, Finding::MintedBeforeFunding { .. }))
                .count(),
        );
    }
    // [in UTC, in the zone]
    assert_eq!(early, if west { [0, 3] } else { [3, 0] }, "{zone}");

    // reserves must cover the supply and what open redemptions are owed
    let redeem = ix::redeem(
        &w.holder.pubkey(),
        &w.f.mint,
        &w.account,
        id("r-open"),
        2_000 * TOKEN,
        id("payout"),
    );
    let holder = w.holder.insecure_clone();
    w.f.send(&[redeem], &[&holder]).await.unwrap();
    let supply = w.f.supply().await;
    let attestor = w.roles.reserve_attestor.insecure_clone();
    let now = w.f.svm.clock().await.unix_timestamp;
    let attest = ix::attest_reserves(&attestor.pubkey(), &w.f.mint, supply, now, [11; 32]);
    w.f.send(&[attest], &[&attestor]).await.unwrap();
    let report = reconcile(&mut w, &store, &four_columns, &Policy::default()).await;
    match only_failed(&report, "reserves") {
        [Finding::AttestationShort {
            attested,
            chain_supply,
            open_redemptions,
            required,
            ..
        }] => {
            assert_eq!((*attested, *chain_supply), (supply, supply));
            assert_eq!(*open_redemptions, u128::from(2_000 * TOKEN));
            assert_eq!(*required, u128::from(supply + 2_000 * TOKEN));
        }
        other => panic!("{other:?}"),
    }
}
