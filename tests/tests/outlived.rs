//! Approvals do not outlive the situation they were given for: an Unpause resumes only the
//! pause during which it was proposed, and a minter proposal created before a minter's
//! removal can neither be approved nor executed (the two attack stories of the hardening
//! issue, played out).
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::{ix, pda, MinterConfig, MinterError, ProposalAction};
use usd1_tests::*;

async fn pause(f: &mut Fixture) {
    let member = f.members[0].insecure_clone();
    f.send(&[ix::pause(&member.pubkey(), &f.mint)], &[&member])
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unpause_from_an_earlier_incident_cannot_lift_a_later_pause() {
    let mut f = Fixture::with(3, 2, 3600).await;
    pause(&mut f).await;
    // incident 1: two Unpause proposals reach their threshold; one is executed
    let leftover = f.propose(0, ProposalAction::Unpause).await.unwrap();
    f.approve(1, leftover).await.unwrap();
    f.pass(ProposalAction::Unpause).await.unwrap();
    assert!(!f.issuer().await.paused());
    // incident 2: paused again; the approved leftover is refused, by anyone, at any time
    pause(&mut f).await;
    assert_eq!(f.issuer().await.pause_count, 2);
    f.svm.advance_clock(2 * 3600).await;
    assert_program_error(f.execute(leftover).await, MinterError::UnpauseOutlivedPause);
    assert!(f.issuer().await.paused());
    assert!(f.mint_view().await.paused, "the token stays paused");
    // nor can it gather approvals; a new Unpause for this pause is what governance passes
    let fresh = f.propose(0, ProposalAction::Unpause).await.unwrap();
    assert_program_error(
        f.approve(2, leftover).await,
        MinterError::UnpauseOutlivedPause,
    );
    f.approve(1, fresh).await.unwrap();
    f.svm.advance_clock(3600).await;
    f.execute(fresh).await.unwrap();
    assert!(!f.mint_view().await.paused);
    // the leftover has ended: closable, rent back to its proposer
    let proposer = f.members[0].pubkey();
    let before = f.svm.lamports(&proposer).await;
    f.send(&[ix::close_proposal(&f.mint, leftover, &proposer)], &[])
        .await
        .unwrap();
    assert!(f.svm.lamports(&proposer).await > before);
    assert!(f
        .svm
        .account(&pda::proposal(&f.issuer_key(), leftover))
        .await
        .is_none());
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_top_up_approved_before_a_removal_cannot_recreate_the_minter() {
    let mut f = Fixture::with(3, 2, 3600).await;
    let stolen = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let top_up = |allowance| {
        ProposalAction::ConfigureMinter(MinterConfig {
            authority: stolen.pubkey(),
            allowance_grant: allowance,
            rate_capacity: 1_000 * TOKEN,
            rate_window: 60,
            active: true,
        })
    };
    // a routine top-up reaches its threshold and waits out its time lock…
    let pending = f.propose(0, top_up(50_000 * TOKEN)).await.unwrap();
    f.approve(1, pending).await.unwrap();
    // …when the key is found stolen and governance removes the minter
    f.pass(ProposalAction::RemoveMinter {
        authority: stolen.pubkey(),
    })
    .await
    .unwrap();
    assert!(f.minter(&stolen.pubkey()).await.is_none());
    // the thief executes the approved top-up: refused, no minter re-created
    f.svm.advance_clock(3600).await;
    assert_program_error(
        f.execute(pending).await,
        MinterError::MinterProposalOutlivedRemoval,
    );
    assert!(f.minter(&stolen.pubkey()).await.is_none());
    let holder = f.holder(&stolen.pubkey()).await;
    assert!(f
        .mint_to(&stolen, &holder, request_id(9), TOKEN)
        .await
        .is_err());
    assert_eq!(f.supply().await, 0);
    // a minter proposal created after the removal is governed as usual
    let other = Keypair::new();
    f.hold(&other);
    f.pass(ProposalAction::ConfigureMinter(MinterConfig {
        authority: other.pubkey(),
        allowance_grant: 10 * TOKEN,
        rate_capacity: 10 * TOKEN,
        rate_window: 60,
        active: true,
    }))
    .await
    .unwrap();
    assert_eq!(
        f.minter(&other.pubkey()).await.unwrap().allowance,
        10 * TOKEN
    );
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn an_approved_proposal_expires_after_its_execution_window() {
    let mut f = Fixture::with(3, 2, 3600).await;
    assert_eq!(
        f.issuer().await.execution_window,
        usd1_client::DEFAULT_EXECUTION_WINDOW
    );
    let limits = |supply_cap| {
        ProposalAction::SetLimits(usd1_client::Limits {
            supply_cap,
            ..usd1_client::Limits::default()
        })
    };
    let late = f.propose(0, limits(7 * TOKEN)).await.unwrap();
    f.approve(1, late).await.unwrap();
    // still executable at the window's last second: shown with a second proposal
    let on_time = f.propose(0, limits(8 * TOKEN)).await.unwrap();
    f.approve(1, on_time).await.unwrap();
    let window = i64::from(usd1_client::DEFAULT_EXECUTION_WINDOW);
    f.svm.advance_clock(3600 + window).await;
    f.execute(on_time).await.unwrap();
    assert_eq!(f.issuer().await.limits().supply_cap, 8 * TOKEN);
    f.svm.advance_clock(1).await;
    assert_program_error(f.execute(late).await, MinterError::ProposalExpired);
    assert_eq!(f.issuer().await.limits().supply_cap, 8 * TOKEN);
    // an expired proposal has ended: closable
    let proposer = f.members[0].pubkey();
    f.send(&[ix::close_proposal(&f.mint, late, &proposer)], &[])
        .await
        .unwrap();
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn governance_sets_the_execution_window_within_bounds() {
    let mut f = Fixture::new().await;
    for seconds in [3599, 365 * 24 * 3600 + 1] {
        assert_program_error(
            f.propose(0, ProposalAction::SetExecutionWindow { seconds })
                .await,
            MinterError::InvalidExecutionWindow,
        );
    }
    f.pass(ProposalAction::SetExecutionWindow { seconds: 7200 })
        .await
        .unwrap();
    assert_eq!(f.issuer().await.execution_window, 7200);
    let Some(usd1_client::events::Event::ExecutionWindowChanged(e)) = f.events.last().cloned()
    else {
        panic!("{:?}", f.events.last())
    };
    assert_eq!(e.seconds, 7200);
    // a proposal approved now must execute within 2 hours (no time lock here)
    let index = f
        .propose(
            0,
            ProposalAction::SetLimits(usd1_client::Limits {
                supply_cap: 9 * TOKEN,
                ..usd1_client::Limits::default()
            }),
        )
        .await
        .unwrap();
    f.approve(1, index).await.unwrap();
    f.svm.advance_clock(7201).await;
    assert_program_error(f.execute(index).await, MinterError::ProposalExpired);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_longer_execution_window_does_not_revive_an_expired_approval() {
    let mut f = Fixture::with(3, 2, 0).await;
    f.pass(ProposalAction::SetExecutionWindow { seconds: 3600 })
        .await
        .unwrap();
    let limits = |supply_cap| {
        ProposalAction::SetLimits(usd1_client::Limits {
            supply_cap,
            ..usd1_client::Limits::default()
        })
    };
    // approved under a 1-hour window, left unexecuted past it
    let forgotten = f.propose(0, limits(5 * TOKEN)).await.unwrap();
    f.approve(1, forgotten).await.unwrap();
    assert_eq!(f.proposal(forgotten).await.unwrap().execution_window, 3600);
    f.svm.advance_clock(3601).await;
    assert_program_error(f.execute(forgotten).await, MinterError::ProposalExpired);
    // governance lengthens the window for later proposals: the expired approval stays dead
    f.pass(ProposalAction::SetExecutionWindow {
        seconds: 30 * 24 * 3600,
    })
    .await
    .unwrap();
    assert_program_error(f.execute(forgotten).await, MinterError::ProposalExpired);
    assert_ne!(f.issuer().await.limits().supply_cap, 5 * TOKEN);
    // a proposal approved now gets the new window
    let fresh = f.propose(0, limits(6 * TOKEN)).await.unwrap();
    f.approve(1, fresh).await.unwrap();
    assert_eq!(
        f.proposal(fresh).await.unwrap().execution_window,
        30 * 24 * 3600
    );
    f.svm.advance_clock(7200).await;
    f.execute(fresh).await.unwrap();
    assert_eq!(f.issuer().await.limits().supply_cap, 6 * TOKEN);
    f.assert_seq_complete().await;
}
