//! The demo: the product end to end on the embedded SVM, printed as a story. It checks what
//! it shows (balances, supply, refusals, lifetime totals, event numbering) and fails if any of
//! it is off.
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::{Embedded, Executed, SendError};
use usd1_client::events::Event;
use usd1_client::token::TokenError;
use usd1_client::{
    attestation, format_amount, ix, pda, request_id_from_reference, token, InitializeArgs, Issuer,
    Limits, Minter, MinterConfig, MinterError, ProposalAction, Roles,
};

const DECIMALS: u8 = 6;
const UNIT: u64 = 1_000_000;
const TIME_LOCK: u32 = 3600;

type DemoResult<T> = Result<T, String>;

struct Story {
    svm: Embedded,
    events: Vec<Event>,
    mint: solana_sdk::pubkey::Pubkey,
}

impl Story {
    async fn send(
        &mut self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> DemoResult<Executed> {
        let executed = self
            .svm
            .send(ixs, signers)
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        for event in &executed.events {
            println!("      event {event}");
        }
        self.events.extend(executed.events.iter().cloned());
        Ok(executed)
    }

    /// Sends what must be refused by the program with `expected`; fails the demo otherwise.
    async fn refused(
        &mut self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: MinterError,
    ) -> DemoResult<()> {
        match self.svm.send(ixs, signers).await {
            Err(e @ SendError::Transaction { .. })
                if e.custom_code() == Some(u32::from(expected)) =>
            {
                println!("      refused as expected: {e}: {expected}");
                Ok(())
            }
            other => Err(format!("{what}: expected {expected:?}, got {other:?}")),
        }
    }

    /// Sends what Token-2022 itself must refuse with `expected`.
    async fn refused_by_token(
        &mut self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        expected: TokenError,
    ) -> DemoResult<()> {
        let code = expected.clone() as u32;
        match self.svm.send(ixs, signers).await {
            Err(e) if e.custom_code() == Some(code) => {
                println!("      refused by Token-2022 as expected: {expected:?} ({code})");
                Ok(())
            }
            other => Err(format!(
                "{what}: expected Token-2022 {expected:?}, got {other:?}"
            )),
        }
    }

    fn next_index(&self) -> u64 {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::ProposalCreated(_)))
            .count() as u64
            + 1
    }

    /// `proposer` proposes `action` and `approver` brings it to the 2-of-3 threshold; returns
    /// the proposal index (executed later, after the time lock).
    async fn propose_and_approve(
        &mut self,
        proposer: &Keypair,
        approver: &Keypair,
        action: ProposalAction,
    ) -> DemoResult<u64> {
        let index = self.next_index();
        let mint = self.mint;
        self.send(
            "propose",
            &[ix::propose(&proposer.pubkey(), &mint, index, action)],
            &[proposer],
        )
        .await?;
        self.send(
            "approve",
            &[ix::approve(&approver.pubkey(), &mint, index)],
            &[approver],
        )
        .await?;
        Ok(index)
    }

    async fn execute(&mut self, index: u64, action: &ProposalAction) -> DemoResult<()> {
        let payer = self.svm.payer().pubkey();
        let execute = ix::execute_action(&payer, &self.mint, index, action, None);
        self.send("execute", &[execute], &[]).await.map(|_| ())
    }

    async fn now(&mut self) -> i64 {
        self.svm.clock().await.unix_timestamp
    }
}

fn usd(amount: u64) -> String {
    format!("{} USD1", format_amount(amount, DECIMALS))
}

fn reference(text: &str) -> DemoResult<[u8; 32]> {
    request_id_from_reference(text).ok_or_else(|| format!("bad reference {text:?}"))
}

pub async fn run() -> DemoResult<()> {
    println!("usd1 demo: usd1-minter and the real Token-2022 program on an in-process SVM\n");
    let svm = Embedded::start().await;
    let [alice, bob, carol] = std::array::from_fn(|_| Keypair::new()); // members
    let [desk_a, desk_b] = std::array::from_fn(|_| Keypair::new()); // minters
    let [ops, compliance, auditor, treasury, customer] = std::array::from_fn(|_| Keypair::new());
    let mint_keypair = Keypair::new();
    let mut story = Story {
        svm,
        events: Vec::new(),
        mint: mint_keypair.pubkey(),
    };
    for key in [
        &alice,
        &bob,
        &carol,
        &desk_a,
        &desk_b,
        &ops,
        &compliance,
        &auditor,
    ]
    .into_iter()
    .chain([&treasury, &customer])
    {
        story
            .svm
            .fund(&key.pubkey(), 1_000_000_000)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (role, key) in [
        ("member alice", &alice),
        ("member bob", &bob),
        ("member carol", &carol),
        ("minter desk A", &desk_a),
        ("minter desk B", &desk_b),
        ("pauser ops", &ops),
        ("freezer + mint attestor compliance", &compliance),
        ("reserve attestor auditor", &auditor),
        ("redemption operator treasury", &treasury),
        ("holder customer", &customer),
    ] {
        println!("{role:>36}  {}", key.pubkey());
    }

    println!(
        "\n1. The issuer creates the mint: 2-of-3 multisig, 1-hour time lock, cap 10,000,000 USD1,"
    );
    println!("   reserve guard on (attestations at most a day old), minimum redemption 100 USD1");
    let payer = story.svm.payer().pubkey();
    let args = InitializeArgs {
        decimals: DECIMALS,
        name: "USD1 Demo Dollar".into(),
        symbol: "USD1".into(),
        uri: "https://example.com/usd1.json".into(),
        members: vec![alice.pubkey(), bob.pubkey(), carol.pubkey()],
        threshold: 2,
        time_lock: TIME_LOCK,
        limits: Limits {
            supply_cap: 10_000_000 * UNIT,
            min_redemption: 100 * UNIT,
            reserve_guard: true,
            reserve_max_age: 86_400,
        },
        permanent_delegate: true,
        default_frozen: false,
    };
    story
        .send(
            "initialize",
            &[ix::initialize(&payer, &mint_keypair.pubkey(), args)],
            &[&mint_keypair],
        )
        .await?;
    let mint = story.mint;
    let issuer_key = pda::issuer(&mint);
    let view = story.svm.mint_view(&mint).await.ok_or("mint not found")?;
    println!("   mint {mint}: mint, freeze, pause, permanent-delegate and metadata authority = issuer PDA {issuer_key}");
    if [
        view.mint_authority,
        view.freeze_authority,
        view.pause_authority,
        view.permanent_delegate,
        view.metadata_update_authority,
    ]
    .iter()
    .any(|a| *a != Some(issuer_key))
    {
        return Err("an authority of the mint is not the issuer PDA".into());
    }

    println!("\n2. Governance: alice proposes the roles and two minters, bob approves each");
    let roles = ProposalAction::SetRoles(Roles {
        pausers: vec![ops.pubkey()],
        freezers: vec![compliance.pubkey()],
        reserve_attestor: Some(auditor.pubkey()),
        redemption_operator: Some(treasury.pubkey()),
        mint_attestor: Some(compliance.pubkey()),
        allowance_manager: Some(treasury.pubkey()),
    });
    let minter_a = ProposalAction::ConfigureMinter(MinterConfig {
        authority: desk_a.pubkey(),
        allowance_grant: 1_000_000 * UNIT,
        rate_capacity: 250_000 * UNIT,
        rate_window: 3600,
        active: true,
    });
    let minter_b = ProposalAction::ConfigureMinter(MinterConfig {
        authority: desk_b.pubkey(),
        allowance_grant: 500_000 * UNIT,
        rate_capacity: 100_000 * UNIT,
        rate_window: 3600,
        active: true,
    });
    let mut approved = Vec::new();
    for action in [roles, minter_a, minter_b] {
        let index = story
            .propose_and_approve(&alice, &bob, action.clone())
            .await?;
        approved.push((index, action));
    }
    let (first, first_action) = approved[0].clone();
    println!(
        "   every new key must accept the proposal that names it (a mistyped key never could):"
    );
    story.svm.advance_clock(i64::from(TIME_LOCK)).await;
    let unaccepted = ix::execute_action(&payer, &mint, first, &first_action, None);
    story
        .refused(
            "execute before the keys accepted",
            &[unaccepted],
            &[],
            MinterError::KeyNotAccepted,
        )
        .await?;
    for (index, keys) in [
        (first, vec![&ops, &compliance, &auditor, &treasury]),
        (approved[1].0, vec![&desk_a]),
        (approved[2].0, vec![&desk_b]),
    ] {
        for key in keys {
            story
                .send("accept", &[ix::accept(&key.pubkey(), &mint, index)], &[key])
                .await?;
        }
    }
    println!("   a new proposal's time lock runs for an hour after its threshold: executing early is refused");
    let early_index = story
        .propose_and_approve(
            &alice,
            &bob,
            ProposalAction::SetExecutionWindow {
                seconds: 7 * 86_400,
            },
        )
        .await?;
    let early = ix::execute(&payer, &mint, early_index);
    story
        .refused(
            "early execute",
            &[early],
            &[],
            MinterError::TimeLockNotElapsed,
        )
        .await?;
    println!("   once the keys accepted and the hour passed, anyone executes them");
    for (index, action) in &approved {
        story.execute(*index, action).await?;
    }

    println!("\n3. The auditor attests 1,000,000 USD1 of reserves");
    let now = story.now().await;
    story
        .send(
            "attest",
            &[ix::attest_reserves(
                &auditor.pubkey(),
                &mint,
                1_000_000 * UNIT,
                now,
                [0xA7; 32],
            )],
            &[&auditor],
        )
        .await?;

    println!("\n4. Funding confirmed: compliance co-signs each request, the desks mint");
    let account = token::associated_address(&customer.pubkey(), &mint);
    story
        .send(
            "create account",
            &[token::create_associated_account(
                &payer,
                &customer.pubkey(),
                &mint,
            )],
            &[],
        )
        .await?;
    let co_signed_mint = |desk: &Keypair, id: [u8; 32], amount: u64, now: i64| {
        let approval =
            attestation::mint_attestation(&mint, &desk.pubkey(), id, &account, amount, now + 600);
        [
            attestation::sign(&compliance, &approval),
            ix::mint(&desk.pubkey(), &mint, &account, id, amount),
        ]
    };
    for (desk, name, wire, amount) in [
        (&desk_a, "desk A", "wire-2026-11-21-0001", 125_000 * UNIT),
        (&desk_b, "desk B", "wire-2026-11-21-0002", 40_000 * UNIT),
    ] {
        println!("   {name}, request {wire}: {}", usd(amount));
        let now = story.now().await;
        let ixs = co_signed_mint(desk, reference(wire)?, amount, now);
        story.send("mint", &ixs, &[desk]).await?;
    }
    println!("   request wire-2026-11-21-0001 submitted again: refused, nothing minted");
    let now = story.now().await;
    let replay = co_signed_mint(
        &desk_a,
        reference("wire-2026-11-21-0001")?,
        125_000 * UNIT,
        now,
    );
    story
        .refused("replay", &replay, &[&desk_a], MinterError::RequestIdReused)
        .await?;
    println!(
        "   desk B asks for 80,000 USD1 more within the hour: over its 100,000/hour rate limit"
    );
    let over = co_signed_mint(
        &desk_b,
        reference("wire-2026-11-21-0003")?,
        80_000 * UNIT,
        now,
    );
    story
        .refused(
            "over the rate limit",
            &over,
            &[&desk_b],
            MinterError::RateLimitExceeded,
        )
        .await?;

    println!(
        "\n5. A sanctions screening hit: compliance freezes the customer's account, then clears it"
    );
    story
        .send(
            "freeze",
            &[ix::freeze(&compliance.pubkey(), &mint, &account, 1)],
            &[&compliance],
        )
        .await?;
    let other = Keypair::new().pubkey();
    let other_account = token::associated_address(&other, &mint);
    story
        .send(
            "create account",
            &[token::create_associated_account(&payer, &other, &mint)],
            &[],
        )
        .await?;
    let transfer = token::transfer_checked(
        &account,
        &mint,
        &other_account,
        &customer.pubkey(),
        UNIT,
        DECIMALS,
    )
    .map_err(|e| e.to_string())?;
    story
        .refused_by_token(
            "frozen transfer",
            std::slice::from_ref(&transfer),
            &[&customer],
            TokenError::AccountFrozen,
        )
        .await?;
    story
        .send(
            "thaw",
            &[ix::thaw(&compliance.pubkey(), &mint, &account)],
            &[&compliance],
        )
        .await?;

    println!("\n6. Incident: ops pauses everything with one signature; only the multisig resumes");
    story
        .send("pause", &[ix::pause(&ops.pubkey(), &mint)], &[&ops])
        .await?;
    story
        .refused_by_token(
            "paused transfer",
            std::slice::from_ref(&transfer),
            &[&customer],
            TokenError::MintPaused,
        )
        .await?;
    let now = story.now().await;
    let paused_mint = co_signed_mint(
        &desk_a,
        reference("wire-2026-11-21-0004")?,
        1_000 * UNIT,
        now,
    );
    story
        .refused("paused mint", &paused_mint, &[&desk_a], MinterError::Paused)
        .await?;
    let index = story
        .propose_and_approve(&alice, &carol, ProposalAction::Unpause)
        .await?;
    story.svm.advance_clock(i64::from(TIME_LOCK)).await;
    story.execute(index, &ProposalAction::Unpause).await?;
    story.send("transfer", &[transfer], &[&customer]).await?;
    println!(
        "      the customer's transfer of {} goes through again",
        usd(UNIT)
    );

    println!("   desk B's key is suspected: ops suspends that minter alone, at once");
    story
        .send(
            "suspend minter",
            &[ix::suspend_minter(&ops.pubkey(), &mint, &desk_b.pubkey())],
            &[&ops],
        )
        .await?;
    let suspended_mint = ix::mint(
        &desk_b.pubkey(),
        &mint,
        &account,
        reference("wire-2026-11-21-0005")?,
        UNIT,
    );
    story
        .refused(
            "suspended minter",
            &[suspended_mint],
            &[&desk_b],
            MinterError::MinterInactive,
        )
        .await?;

    println!("\n7. The customer redeems 15,000 USD1; treasury pays out and settles");
    let redemption_id = reference("redemption-0001")?;
    story
        .send(
            "redeem",
            &[ix::redeem(
                &customer.pubkey(),
                &mint,
                &account,
                redemption_id,
                15_000 * UNIT,
                reference("iban-hash-5f1c")?,
            )],
            &[&customer],
        )
        .await?;
    story
        .send(
            "settle",
            &[ix::settle_redemption(
                &treasury.pubkey(),
                &mint,
                &customer.pubkey(),
                redemption_id,
                reference("bank-transfer-88812")?,
            )],
            &[&treasury],
        )
        .await?;

    let view = story.svm.mint_view(&mint).await.ok_or("mint not found")?;
    let balance = story
        .svm
        .token_account(&account)
        .await
        .map_or(0, |a| a.amount);
    let minter: Minter = story
        .svm
        .decode(&pda::minter(&issuer_key, &desk_a.pubkey()))
        .await
        .ok_or("minter not found")?;
    let issuer: Issuer = story
        .svm
        .decode(&issuer_key)
        .await
        .ok_or("issuer not found")?;
    println!(
        "\nsupply {}, customer balance {}, desk A allowance left {}, rate limit left {}",
        usd(view.supply),
        usd(balance),
        usd(minter.allowance),
        usd(minter.rate_limit().available)
    );
    let t = issuer.totals;
    println!(
        "lifetime totals: minted {} - redeemed {} + refunded {} - seized {} = supply",
        t.minted(),
        t.redeemed(),
        t.refunded(),
        t.seized_burned()
    );
    if view.supply != 150_000 * UNIT
        || balance != view.supply - UNIT
        || Some(u128::from(view.supply)) != t.outstanding()
    {
        return Err("supply, balances and the issuer's totals disagree".into());
    }
    let seqs: Vec<u64> = story.events.iter().map(Event::seq).collect();
    if seqs != (1..=issuer.event_seq).collect::<Vec<u64>>() {
        return Err(format!("event seq has a gap: {seqs:?}"));
    }
    println!(
        "{} events, seq 1..={} without a gap",
        seqs.len(),
        issuer.event_seq
    );

    println!("\n8. The reconciler: on-chain supply = event ledger = bank ledger");
    let today = usd1_reconciler::calendar::utc_date(story.now().await);
    let bank = format!(
        "request_id,amount,value_date,reference\n\
         wire-2026-11-21-0001,125000.00,{today},FED-20261121-0001\n\
         wire-2026-11-21-0002,40000.00,{today},FED-20261121-0002\n"
    );
    let path = std::env::temp_dir().join(format!("usd1-demo-ledger-{}.sqlite", std::process::id()));
    let store_path = path.display().to_string();
    let store = usd1_reconciler::Store::open(&store_path)
        .await
        .map_err(|e| e.to_string())?;
    let policy = usd1_reconciler::Policy::default();
    let (summary, report) =
        usd1_reconciler::reconcile_embedded(&mut story.svm, &store, &mint, &bank, &policy)
            .await
            .map_err(|e| e.to_string())?;
    println!(
        "   ingested {} transactions, {} events into {store_path}",
        summary.transactions, summary.new_events
    );
    for line in report.text().lines() {
        println!("   {line}");
    }
    if !report.ok {
        return Err("the reconciliation found discrepancies".into());
    }
    println!("   the same ledger against a bank credit from three days ago nobody minted:");
    let overdue = today - chrono::Days::new(3);
    let unminted = format!("{bank}wire-2026-11-18-0009,5000.00,{overdue},FED-20261118-0009\n");
    let (_, report) =
        usd1_reconciler::reconcile_embedded(&mut story.svm, &store, &mint, &unminted, &policy)
            .await
            .map_err(|e| e.to_string())?;
    let bank_check = report.checks.iter().find(|c| c.name == "bank_ledger");
    match bank_check.map(|c| c.findings.as_slice()) {
        Some([finding @ usd1_reconciler::Finding::CreditNotMinted { .. }]) if !report.ok => {
            println!("      fails closed: {finding}");
        }
        _ => return Err(format!("the unminted credit went unreported: {report:?}")),
    }
    store.close().await;
    let _ = std::fs::remove_file(&path);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{store_path}{suffix}"));
    }
    Ok(())
}
