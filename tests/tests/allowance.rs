//! Allowances are granted, never set: a grant adds to what is left, so a minter that spends
//! during a proposal's time lock gets no more than governance approved; lowering is immediate
//! (`decrease_allowance`, one pauser's or member's signature).
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::events::Event;
use usd1_client::{ix, pda, MinterConfig, MinterError, ProposalAction};
use usd1_tests::*;

fn grant(authority: &Keypair, allowance_grant: u64) -> ProposalAction {
    ProposalAction::ConfigureMinter(MinterConfig {
        authority: authority.pubkey(),
        allowance_grant,
        rate_capacity: 1_000 * TOKEN,
        rate_window: 60,
        active: true,
    })
}

#[tokio::test]
async fn spending_during_the_time_lock_does_not_double_the_grant() {
    let mut f = Fixture::with(3, 2, 3600).await;
    let minter = f.add_minter(100 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = f.holder(&minter.pubkey()).await;
    // governance approves 50 more; during the time lock the minter spends all 100 it had
    let index = f.propose(0, grant(&minter, 50 * TOKEN)).await.unwrap();
    f.approve(1, index).await.unwrap();
    f.mint_to(&minter, &holder, request_id(1), 100 * TOKEN)
        .await
        .unwrap();
    f.svm.advance_clock(3600).await;
    f.execute(index).await.unwrap();
    // what is left is the grant, not the grant plus the 100 already spent
    let state = f.minter(&minter.pubkey()).await.unwrap();
    assert_eq!(state.allowance, 50 * TOKEN);
    let Some(Event::MinterConfigured(e)) = f.events.last().cloned() else {
        panic!("{:?}", f.events.last())
    };
    assert_eq!(
        (e.allowance_grant, e.allowance, e.created),
        (50 * TOKEN, 50 * TOKEN, false)
    );
    f.mint_to(&minter, &holder, request_id(2), 50 * TOKEN)
        .await
        .unwrap();
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(3), 1).await,
        MinterError::AllowanceExceeded,
    );
    // lifetime: exactly the 100 first approved plus the 50 granted
    assert_eq!(f.supply().await, 150 * TOKEN);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_grant_adds_to_what_is_left() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(100 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = f.holder(&minter.pubkey()).await;
    f.mint_to(&minter, &holder, request_id(1), 30 * TOKEN)
        .await
        .unwrap();
    f.pass(grant(&minter, 20 * TOKEN)).await.unwrap();
    assert_eq!(
        f.minter(&minter.pubkey()).await.unwrap().allowance,
        90 * TOKEN
    );
    // a grant of zero changes only the rest (here: deactivates)
    f.pass(ProposalAction::ConfigureMinter(MinterConfig {
        active: false,
        allowance_grant: 0,
        authority: minter.pubkey(),
        rate_capacity: 1_000 * TOKEN,
        rate_window: 60,
    }))
    .await
    .unwrap();
    let state = f.minter(&minter.pubkey()).await.unwrap();
    assert_eq!((state.allowance, state.active()), (90 * TOKEN, false));
}

#[tokio::test]
async fn a_pauser_or_member_lowers_an_allowance_at_once() {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    let minter = f.add_minter(100 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = f.holder(&minter.pubkey()).await;
    let pauser = roles.pauser.insecure_clone();
    let lower = |by: &Keypair, amount| {
        ix::decrease_allowance(&by.pubkey(), &f.mint, &minter.pubkey(), amount)
    };
    let first = lower(&pauser, 40 * TOKEN);
    f.send(&[first], &[&pauser]).await.unwrap();
    assert_eq!(
        f.minter(&minter.pubkey()).await.unwrap().allowance,
        60 * TOKEN
    );
    let Some(Event::AllowanceDecreased(e)) = f.events.last().cloned() else {
        panic!("{:?}", f.events.last())
    };
    assert_eq!(
        (e.by, e.authority, e.allowance_before, e.allowance_after),
        (pauser.pubkey(), minter.pubkey(), 100 * TOKEN, 60 * TOKEN)
    );
    assert_eq!(e.minter, pda::minter(&f.issuer_key(), &minter.pubkey()));
    // a member takes the rest (more than is left: to zero)
    let member = f.members[2].insecure_clone();
    let all = ix::decrease_allowance(&member.pubkey(), &f.mint, &minter.pubkey(), u64::MAX);
    f.send(&[all], &[&member]).await.unwrap();
    assert_eq!(f.minter(&minter.pubkey()).await.unwrap().allowance, 0);
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(1), 1).await,
        MinterError::AllowanceExceeded,
    );
    // refused: a key without the role (the minter itself, a freezer), and a zero amount
    for outsider in [minter.insecure_clone(), roles.freezer.insecure_clone()] {
        f.svm.fund(&outsider.pubkey(), SOL).await.unwrap();
        let ix = ix::decrease_allowance(&outsider.pubkey(), &f.mint, &minter.pubkey(), 1);
        assert_program_error(f.send(&[ix], &[&outsider]).await, MinterError::NotAPauser);
    }
    let zero = ix::decrease_allowance(&member.pubkey(), &f.mint, &minter.pubkey(), 0);
    assert_program_error(f.send(&[zero], &[&member]).await, MinterError::ZeroAmount);
    f.assert_seq_complete().await;
}
