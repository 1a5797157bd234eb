//! The demo: the issuance spine end to end on the embedded SVM, printed as a story. It checks
//! what it shows (balances, supply, refusals, event numbering) and fails if any of it is off.
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::{Embedded, Executed, SendError};
use usd1_client::events::Event;
use usd1_client::{
    format_amount, ix, pda, request_id_from_reference, token, InitializeArgs, Issuer, Limits,
    Minter, MinterConfig, MinterError, ProposalAction,
};

const DECIMALS: u8 = 6;
const UNIT: u64 = 1_000_000;
const TIME_LOCK: u32 = 3600;

type DemoResult<T> = Result<T, String>;

struct Story {
    svm: Embedded,
    events: Vec<Event>,
}

impl Story {
    async fn send(
        &mut self,
        what: &str,
        ixs: &[solana_sdk::instruction::Instruction],
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

    /// Sends what must be refused with `expected`; fails the demo otherwise.
    async fn refused(
        &mut self,
        what: &str,
        ixs: &[solana_sdk::instruction::Instruction],
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
}

fn usd(amount: u64) -> String {
    format!("{} USD1", format_amount(amount, DECIMALS))
}

pub async fn run() -> DemoResult<()> {
    println!("usd1 demo: usd1-minter and the real Token-2022 program on an in-process SVM\n");
    let mut story = Story {
        svm: Embedded::start().await,
        events: Vec::new(),
    };
    let (alice, bob, carol) = (Keypair::new(), Keypair::new(), Keypair::new());
    let desk = Keypair::new(); // the authorized minter's key
    for key in [&alice, &bob, &carol, &desk] {
        story
            .svm
            .fund(&key.pubkey(), 1_000_000_000)
            .await
            .map_err(|e| e.to_string())?;
    }
    println!(
        "members: alice {}\n         bob   {}\n         carol {}",
        alice.pubkey(),
        bob.pubkey(),
        carol.pubkey()
    );
    println!("minter:  desk  {}\n", desk.pubkey());

    println!(
        "1. The issuer creates the mint: 2-of-3 multisig, 1-hour time lock, cap 10,000,000 USD1"
    );
    let mint = Keypair::new();
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
            ..Limits::default()
        },
        permanent_delegate: true,
        default_frozen: false,
    };
    story
        .send(
            "initialize",
            &[ix::initialize(&payer, &mint.pubkey(), args)],
            &[&mint],
        )
        .await?;
    let mint = mint.pubkey();
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

    println!(
        "\n2. alice proposes a minter: allowance 1,000,000 USD1, at most 250,000 USD1 per hour"
    );
    let action = ProposalAction::ConfigureMinter(MinterConfig {
        authority: desk.pubkey(),
        allowance: 1_000_000 * UNIT,
        rate_capacity: 250_000 * UNIT,
        rate_window: 3600,
        active: true,
    });
    story
        .send(
            "propose",
            &[ix::propose(&alice.pubkey(), &mint, 1, action.clone())],
            &[&alice],
        )
        .await?;
    println!("   bob approves: 2 of 3, the time lock starts");
    story
        .send("approve", &[ix::approve(&bob.pubkey(), &mint, 1)], &[&bob])
        .await?;
    println!("   executing at once is refused");
    let execute = ix::execute_action(&payer, &mint, 1, &action, None);
    story
        .refused(
            "early execute",
            std::slice::from_ref(&execute),
            &[],
            MinterError::TimeLockNotElapsed,
        )
        .await?;
    println!("   an hour later (the embedded clock is advanced) anyone executes it");
    story.svm.advance_clock(i64::from(TIME_LOCK)).await;
    story.send("execute", &[execute], &[]).await?;

    println!("\n3. desk mints for two confirmed funding requests");
    let customer = Keypair::new().pubkey();
    let account = token::associated_address(&customer, &mint);
    story
        .send(
            "create account",
            &[token::create_associated_account(&payer, &customer, &mint)],
            &[],
        )
        .await?;
    for (reference, amount) in [
        ("wire-2026-11-21-0001", 125_000 * UNIT),
        ("wire-2026-11-21-0002", 40_000 * UNIT),
    ] {
        let id = request_id_from_reference(reference).ok_or("bad reference")?;
        println!("   request {reference}: {}", usd(amount));
        story
            .send(
                "mint",
                &[ix::mint(&desk.pubkey(), &mint, &account, id, amount)],
                &[&desk],
            )
            .await?;
    }

    println!("\n4. the first funding request is submitted again: refused, nothing minted");
    let id = request_id_from_reference("wire-2026-11-21-0001").ok_or("bad reference")?;
    let replay = ix::mint(&desk.pubkey(), &mint, &account, id, 125_000 * UNIT);
    story
        .refused("replay", &[replay], &[&desk], MinterError::RequestIdReused)
        .await?;

    let view = story.svm.mint_view(&mint).await.ok_or("mint not found")?;
    let balance = story
        .svm
        .token_account(&account)
        .await
        .map_or(0, |a| a.amount);
    let minter: Minter = story
        .svm
        .decode(&pda::minter(&issuer_key, &desk.pubkey()))
        .await
        .ok_or("minter not found")?;
    let issuer: Issuer = story
        .svm
        .decode(&issuer_key)
        .await
        .ok_or("issuer not found")?;
    println!(
        "\nsupply {}, customer balance {}, desk allowance left {}, rate limit left {}",
        usd(view.supply),
        usd(balance),
        usd(minter.allowance),
        usd(minter.rate_limit.available)
    );
    if view.supply != 165_000 * UNIT
        || balance != view.supply
        || Some(u128::from(view.supply)) != issuer.totals.outstanding()
    {
        return Err("supply, balance and the issuer's total disagree".into());
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
    Ok(())
}
