//! Key-compromise containment, end to end: a stolen minter key gets at most
//! min(allowance, rate capacity), one pauser signature stops it, governance removes the
//! minter, and supply still reconciles with the lifetime totals and the event ledger.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::Signer;
use usd1_client::events::Event;
use usd1_client::{ix, MinterError, ProposalAction};
use usd1_tests::*;

/// The thief mints `chunk` per transaction, as fast as the chain lets it (no time passes),
/// until refused; returns what it got and the refusal.
async fn drain(
    f: &mut Fixture,
    thief: &solana_sdk::signature::Keypair,
    to: &Pubkey,
    first_request: u64,
    chunk: u64,
) -> (u64, u32) {
    let mut got = 0;
    for n in first_request.. {
        match f.mint_to(thief, to, request_id(n), chunk).await {
            Ok(_) => got += chunk,
            Err(e) => return (got, e.custom_code().expect("a program error")),
        }
    }
    unreachable!()
}

#[tokio::test]
async fn a_stolen_minter_key_is_bounded_stopped_and_removed() {
    for (allowance, capacity, bound_by) in [
        (1_000 * TOKEN, 300 * TOKEN, MinterError::RateLimitExceeded),
        (200 * TOKEN, 300 * TOKEN, MinterError::AllowanceExceeded),
    ] {
        let mut f = Fixture::new().await;
        let roles = f.with_roles().await;
        let honest = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 3600).await;
        let stolen = f.add_minter(allowance, capacity, 3600).await;
        let thief_account = f.holder(&Pubkey::new_unique()).await;
        let customer = f.holder(&Pubkey::new_unique()).await;
        f.mint_to(&honest, &customer, request_id(1), 50 * TOKEN)
            .await
            .unwrap();

        // 1. the thief drains as fast as it can: bounded by min(allowance, capacity)
        let (got, refusal) = drain(&mut f, &stolen, &thief_account, 100, 10 * TOKEN).await;
        assert_eq!(got, allowance.min(capacity));
        assert_eq!(refusal, u32::from(bound_by));

        // 2. a few minutes later the bucket has refilled a little: one pauser signature
        //    stops everything at once
        f.svm.advance_clock(600).await;
        let pauser = roles.pauser.insecure_clone();
        f.send(&[ix::pause(&pauser.pubkey(), &f.mint)], &[&pauser])
            .await
            .unwrap();
        assert_program_error(
            f.mint_to(&stolen, &thief_account, request_id(500), TOKEN)
                .await,
            MinterError::Paused,
        );

        // 3. governance removes the minter while paused, then resumes
        f.pass(ProposalAction::RemoveMinter {
            authority: stolen.pubkey(),
        })
        .await
        .unwrap();
        f.pass(ProposalAction::Unpause).await.unwrap();
        assert_anchor_error(
            f.mint_to(&stolen, &thief_account, request_id(501), TOKEN)
                .await,
            // no account of this program at the minter's address (the zero-copy minter is
            // loaded by owner and discriminator)
            AnchorError::AccountOwnedByWrongProgram,
        );
        // the honest minter carries on
        f.mint_to(&honest, &customer, request_id(2), 50 * TOKEN)
            .await
            .unwrap();

        // 4. the totals, the event ledger and the token agree
        let supply = f.supply().await;
        assert_eq!(supply, 100 * TOKEN + allowance.min(capacity));
        let issuer = f.issuer().await;
        assert_eq!(issuer.totals.outstanding(), Some(u128::from(supply)));
        let minted_events: u64 = f
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Minted(m) => Some(m.amount),
                _ => None,
            })
            .sum();
        assert_eq!(minted_events, supply);
        assert_eq!(f.balance(&thief_account).await, allowance.min(capacity));
        assert!(f.minter(&stolen.pubkey()).await.is_none());
        f.assert_seq_complete().await;
    }
}
