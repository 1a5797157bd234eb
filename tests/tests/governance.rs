//! The program-derived multisig: propose, approve, reject, cancel, execute, close, staleness.
use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::events::Event;
use usd1_client::{
    ix, pda, Limits, MinterConfig, MinterError, ProposalAction, ProposalStatus, Roles,
    MAX_TIME_LOCK, PROGRAM_ID,
};
use usd1_tests::*;

fn limits(cap: u64) -> ProposalAction {
    ProposalAction::SetLimits(Limits {
        supply_cap: cap,
        ..Limits::default()
    })
}

#[tokio::test]
async fn propose_counts_the_proposers_approval() {
    let mut f = Fixture::new().await;
    let index = f.propose(0, limits(5)).await.unwrap();
    assert_eq!(index, 1);
    let p = f.proposal(1).await.unwrap();
    assert_eq!(p.status, ProposalStatus::Active);
    assert_eq!(p.approvals, vec![f.members[0].pubkey()]);
    assert_eq!(
        (p.proposer, p.index, p.issuer),
        (f.members[0].pubkey(), 1, f.issuer_key())
    );
    assert_eq!(p.action, limits(5));
    let Some(Event::ProposalCreated(e)) = f.events.last() else {
        panic!()
    };
    assert_eq!(
        (e.seq, e.index, e.proposer, e.status),
        (2, 1, f.members[0].pubkey(), ProposalStatus::Active)
    );
    assert_eq!(e.action, limits(5));
}

#[tokio::test]
async fn a_threshold_of_one_is_approved_at_once() {
    let mut f = Fixture::with(1, 1, 0).await;
    f.propose(0, limits(5)).await.unwrap();
    assert_eq!(
        f.proposal(1).await.unwrap().status,
        ProposalStatus::Approved
    );
    f.execute(1).await.unwrap();
    assert_eq!(f.issuer().await.limits().supply_cap, 5);
}

#[tokio::test]
async fn a_non_member_can_neither_propose_nor_vote() {
    let mut f = Fixture::new().await;
    let outsider = Keypair::new();
    f.svm.fund(&outsider.pubkey(), SOL).await.unwrap();
    let propose = ix::propose(&outsider.pubkey(), &f.mint, 1, limits(5));
    assert_program_error(
        f.send(&[propose], &[&outsider]).await,
        MinterError::NotAMember,
    );
    let index = f.propose(0, limits(5)).await.unwrap();
    let approve = ix::approve(&outsider.pubkey(), &f.mint, index);
    assert_program_error(
        f.send(&[approve], &[&outsider]).await,
        MinterError::NotAMember,
    );
    let reject = ix::reject(&outsider.pubkey(), &f.mint, index);
    assert_program_error(
        f.send(&[reject], &[&outsider]).await,
        MinterError::NotAMember,
    );
    assert_eq!(f.proposal(index).await.unwrap().approvals.len(), 1);
}

#[tokio::test]
async fn a_member_votes_at_most_once() {
    let mut f = Fixture::with(3, 3, 0).await;
    let index = f.propose(0, limits(5)).await.unwrap();
    assert_program_error(f.approve(0, index).await, MinterError::AlreadyVoted);
    f.approve(1, index).await.unwrap();
    assert_program_error(f.approve(1, index).await, MinterError::AlreadyVoted);
    assert_program_error(f.reject(1, index).await, MinterError::AlreadyVoted);
    let p = f.proposal(index).await.unwrap();
    assert_eq!(p.approvals.len(), 2);
    assert_eq!(p.status, ProposalStatus::Active);
    // one approval short of 3: not executable
    assert_program_error(f.execute(index).await, MinterError::ThresholdNotReached);
    f.approve(2, index).await.unwrap();
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Approved
    );
}

#[tokio::test]
async fn execute_below_threshold_is_refused() {
    let mut f = Fixture::new().await;
    let index = f.propose(0, limits(5)).await.unwrap();
    assert_program_error(f.execute(index).await, MinterError::ThresholdNotReached);
    assert_eq!(f.issuer().await.limits().supply_cap, 1_000_000 * TOKEN);
}

#[tokio::test]
async fn the_time_lock_runs_from_the_threshold() {
    let mut f = Fixture::with(3, 2, 3600).await;
    let index = f.propose(0, limits(5)).await.unwrap();
    f.svm.advance_clock(10_000).await; // time before the threshold does not count
    f.approve(1, index).await.unwrap();
    let approved_at = f.proposal(index).await.unwrap().approved_at;
    assert_eq!(approved_at, f.svm.clock().await.unix_timestamp);
    assert_program_error(f.execute(index).await, MinterError::TimeLockNotElapsed);
    f.svm.advance_clock(3599).await;
    assert_program_error(f.execute(index).await, MinterError::TimeLockNotElapsed);
    f.svm.advance_clock(1).await;
    f.execute(index).await.unwrap();
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Executed
    );
    assert_eq!(f.issuer().await.limits().supply_cap, 5);
    // executed once only
    assert_program_error(f.execute(index).await, MinterError::ProposalNotActive);
}

#[tokio::test]
async fn a_proposal_that_cannot_reach_threshold_is_rejected() {
    let mut f = Fixture::new().await;
    let index = f.propose(0, limits(5)).await.unwrap();
    let e = f.reject(1, index).await.unwrap();
    // two members could still approve: still active
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Active
    );
    let Event::ProposalRejected(r) = &e.events[0] else {
        panic!()
    };
    assert_eq!(
        (r.rejections, r.status, r.member),
        (1, ProposalStatus::Active, f.members[1].pubkey())
    );
    f.reject(2, index).await.unwrap();
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Rejected
    );
    assert_program_error(f.approve(1, index).await, MinterError::ProposalNotActive);
    assert_program_error(f.execute(index).await, MinterError::ProposalNotActive);
}

#[tokio::test]
async fn a_membership_change_makes_every_earlier_proposal_stale() {
    let mut f = Fixture::with(3, 2, 0).await;
    let open = f.propose(0, limits(5)).await.unwrap();
    let approved = f.propose(1, limits(6)).await.unwrap();
    f.approve(0, approved).await.unwrap();
    assert_eq!(
        f.proposal(approved).await.unwrap().status,
        ProposalStatus::Approved
    );

    // replace member 2 by a new key, 2-of-3 still
    let newcomer = Keypair::new();
    f.hold(&newcomer);
    f.svm.fund(&newcomer.pubkey(), SOL).await.unwrap();
    let members = vec![
        f.members[0].pubkey(),
        f.members[1].pubkey(),
        newcomer.pubkey(),
    ];
    let change = f
        .pass(ProposalAction::SetGovernance {
            members: members.clone(),
            threshold: 2,
            time_lock: 60,
        })
        .await
        .unwrap();
    let issuer = f.issuer().await;
    assert_eq!(issuer.stale_proposal_index, change);
    let mut sorted = members.clone();
    sorted.sort();
    assert_eq!(
        (issuer.members().to_vec(), issuer.time_lock),
        (sorted.clone(), 60)
    );
    let Some(Event::MembersChanged(e)) = f.events.last() else {
        panic!()
    };
    assert_eq!(
        (
            e.members.clone(),
            e.threshold,
            e.time_lock,
            e.stale_proposal_index
        ),
        (sorted, 2, 60, change)
    );

    assert_program_error(f.approve(1, open).await, MinterError::ProposalStale);
    assert_program_error(f.reject(1, open).await, MinterError::ProposalStale);
    assert_program_error(f.execute(approved).await, MinterError::ProposalStale);
    assert_eq!(f.issuer().await.limits().supply_cap, 1_000_000 * TOKEN);

    // the removed member is out, the newcomer is in
    assert_program_error(f.propose(2, limits(7)).await, MinterError::NotAMember);
    f.members[2] = newcomer;
    let fresh = f.propose(2, limits(7)).await.unwrap();
    f.approve(0, fresh).await.unwrap();
    f.svm.advance_clock(60).await;
    f.execute(fresh).await.unwrap();
    assert_eq!(f.issuer().await.limits().supply_cap, 7);

    // CAN cancel a stale proposal, and stale proposals can be closed
    let cancel = ix::cancel(&f.members[0].pubkey(), &f.mint, open);
    let proposer = f.members[0].insecure_clone();
    f.send(&[cancel], &[&proposer]).await.unwrap();
    assert_eq!(
        f.proposal(open).await.unwrap().status,
        ProposalStatus::Cancelled
    );
    let proposer1 = f.members[1].pubkey();
    f.send(&[ix::close_proposal(&f.mint, approved, &proposer1)], &[])
        .await
        .unwrap();
    assert!(f.proposal(approved).await.is_none());
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn only_the_proposer_cancels_and_only_once() {
    let mut f = Fixture::new().await;
    let index = f.propose(0, limits(5)).await.unwrap();
    let other = f.members[1].insecure_clone();
    let by_other = ix::cancel(&other.pubkey(), &f.mint, index);
    assert_program_error(
        f.send(&[by_other], &[&other]).await,
        MinterError::NotProposer,
    );
    let proposer = f.members[0].insecure_clone();
    let cancel = ix::cancel(&proposer.pubkey(), &f.mint, index);
    let e = f
        .send(std::slice::from_ref(&cancel), &[&proposer])
        .await
        .unwrap();
    assert!(
        matches!(&e.events[0], Event::ProposalCancelled(c) if c.index == index && c.proposer == proposer.pubkey())
    );
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Cancelled
    );
    assert_program_error(
        f.send(&[cancel], &[&proposer]).await,
        MinterError::ProposalNotActive,
    );
    assert_program_error(f.approve(1, index).await, MinterError::ProposalNotActive);
    assert_program_error(f.execute(index).await, MinterError::ProposalNotActive);
}

#[tokio::test]
async fn ended_proposals_close_and_return_rent_to_the_proposer() {
    let mut f = Fixture::new().await;
    let index = f.propose(0, limits(5)).await.unwrap();
    let proposer = f.members[0].pubkey();
    assert_program_error(
        f.send(&[ix::close_proposal(&f.mint, index, &proposer)], &[])
            .await,
        MinterError::ProposalNotEnded,
    );
    f.approve(1, index).await.unwrap();
    assert_program_error(
        f.send(&[ix::close_proposal(&f.mint, index, &proposer)], &[])
            .await,
        MinterError::ProposalNotEnded,
    );
    f.execute(index).await.unwrap();
    let wrong = f.members[1].pubkey();
    assert_program_error(
        f.send(&[ix::close_proposal(&f.mint, index, &wrong)], &[])
            .await,
        MinterError::WrongRentReceiver,
    );
    let rent = f.svm.lamports(&pda::proposal(&f.issuer_key(), index)).await;
    let before = f.svm.lamports(&proposer).await;
    let e = f
        .send(&[ix::close_proposal(&f.mint, index, &proposer)], &[])
        .await
        .unwrap();
    assert!(rent > 0);
    assert_eq!(f.svm.lamports(&proposer).await, before + rent);
    assert!(f.proposal(index).await.is_none());
    assert!(
        matches!(&e.events[0], Event::ProposalClosed(c) if c.index == index && c.rent_receiver == proposer)
    );
}

#[tokio::test]
async fn each_action_runs_only_through_its_execute_instruction() {
    let mut f = Fixture::with(1, 1, 0).await;
    let minter = f.held_key();
    let config = MinterConfig {
        authority: minter,
        allowance_grant: 1,
        rate_capacity: 1,
        rate_window: 1,
        active: true,
    };
    let configure = f
        .propose(0, ProposalAction::ConfigureMinter(config))
        .await
        .unwrap();
    let payer = f.svm.payer().pubkey();
    assert_program_error(
        f.send(&[ix::execute(&payer, &f.mint, configure)], &[])
            .await,
        MinterError::WrongExecuteInstruction,
    );
    let other = Pubkey::new_unique();
    assert_program_error(
        f.send(
            &[ix::execute_configure_minter(
                &payer, &f.mint, configure, &other,
            )],
            &[],
        )
        .await,
        MinterError::MinterAuthorityMismatch,
    );
    let set_limits = f.propose(0, limits(5)).await.unwrap();
    assert_program_error(
        f.send(
            &[ix::execute_configure_minter(
                &payer, &f.mint, set_limits, &minter,
            )],
            &[],
        )
        .await,
        MinterError::WrongExecuteInstruction,
    );
    f.accept_held(configure).await.unwrap();
    f.execute(configure).await.unwrap();
    let remove = ix::execute_remove_minter(&payer, &f.mint, set_limits, &minter, &payer);
    assert_program_error(
        f.send(&[remove], &[]).await,
        MinterError::WrongExecuteInstruction,
    );
}

#[tokio::test]
async fn invalid_actions_are_refused_when_proposed() {
    let mut f = Fixture::new().await;
    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    let gov = |members: Vec<Pubkey>, threshold, time_lock| ProposalAction::SetGovernance {
        members,
        threshold,
        time_lock,
    };
    assert_program_error(
        f.propose(0, gov(vec![], 1, 0)).await,
        MinterError::NoMembers,
    );
    assert_program_error(
        f.propose(0, gov(vec![a, b], 0, 0)).await,
        MinterError::InvalidThreshold,
    );
    assert_program_error(
        f.propose(0, gov(vec![a, b], 3, 0)).await,
        MinterError::InvalidThreshold,
    );
    assert_program_error(
        f.propose(0, gov(vec![a, a], 1, 0)).await,
        MinterError::DuplicateMember,
    );
    let eleven: Vec<Pubkey> = (0..11).map(|_| Pubkey::new_unique()).collect();
    assert_program_error(
        f.propose(0, gov(eleven, 1, 0)).await,
        MinterError::TooManyMembers,
    );
    assert_program_error(
        f.propose(0, gov(vec![a], 1, MAX_TIME_LOCK + 1)).await,
        MinterError::TimeLockTooLong,
    );
    let nine: Vec<Pubkey> = (0..9).map(|_| Pubkey::new_unique()).collect();
    let roles = |pausers: Vec<Pubkey>, freezers: Vec<Pubkey>| {
        ProposalAction::SetRoles(Roles {
            pausers,
            freezers,
            ..Roles::default()
        })
    };
    assert_program_error(
        f.propose(0, roles(nine.clone(), vec![])).await,
        MinterError::TooManyRoleHolders,
    );
    assert_program_error(
        f.propose(0, roles(vec![], nine)).await,
        MinterError::TooManyRoleHolders,
    );
    assert_program_error(
        f.propose(0, roles(vec![], vec![a, a])).await,
        MinterError::DuplicateRoleHolder,
    );
    assert_program_error(f.propose(0, limits(0)).await, MinterError::ZeroSupplyCap);
    let minter = |rate_capacity, rate_window| {
        ProposalAction::ConfigureMinter(MinterConfig {
            authority: a,
            allowance_grant: 1,
            rate_capacity,
            rate_window,
            active: true,
        })
    };
    assert_program_error(
        f.propose(0, minter(0, 60)).await,
        MinterError::InvalidRateLimit,
    );
    assert_program_error(
        f.propose(0, minter(10, 0)).await,
        MinterError::InvalidRateLimit,
    );
    // nothing was created
    assert_eq!(f.issuer().await.proposal_index, 0);
}

#[tokio::test]
async fn set_roles_and_set_limits_apply_with_their_events() {
    let mut f = Fixture::new().await;
    let roles = Roles {
        pausers: vec![f.held_key(), f.held_key()],
        freezers: vec![f.held_key()],
        reserve_attestor: Some(f.held_key()),
        redemption_operator: Some(f.held_key()),
        mint_attestor: None,
        allowance_manager: Some(f.held_key()),
    };
    f.pass(ProposalAction::SetRoles(roles.clone()))
        .await
        .unwrap();
    assert_eq!(f.issuer().await.roles(), roles);
    assert!(matches!(f.events.last(), Some(Event::RolesChanged(e)) if e.roles == roles));
    f.pass(limits(42)).await.unwrap();
    assert_eq!(
        f.issuer().await.limits(),
        Limits {
            supply_cap: 42,
            ..Limits::default()
        }
    );
    assert!(matches!(f.events.last(), Some(Event::LimitsChanged(e)) if e.limits.supply_cap == 42));
    let executed: Vec<&Event> = f
        .events
        .iter()
        .filter(|e| matches!(e, Event::ProposalExecuted(_)))
        .collect();
    assert_eq!(executed.len(), 2);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn forged_issuer_accounts_are_refused() {
    let mut f = Fixture::new().await;
    let real = f.svm.account(&f.issuer_key()).await.unwrap();
    let member = f.members[0].insecure_clone();
    let forged = |owner: Pubkey| Account {
        owner,
        ..real.clone()
    };
    let propose_with = |issuer: &Pubkey, mint: &Pubkey| {
        let ix = ix::propose(&member.pubkey(), mint, 1, limits(5));
        let ix = ix::with_account_replaced(ix, &pda::issuer(mint), issuer);
        ix::with_account_replaced(
            ix,
            &pda::proposal(&pda::issuer(mint), 1),
            &pda::proposal(issuer, 1),
        )
    };
    // right layout and address, wrong owner
    let wrong_owner = Pubkey::new_unique();
    f.svm
        .set_account(&wrong_owner, forged(anchor_lang::system_program::ID));
    let result = f
        .send(&[propose_with(&wrong_owner, &f.mint)], &[&member])
        .await;
    assert_anchor_error(result, AnchorError::AccountOwnedByWrongProgram);
    // right layout and owner, not the PDA of its mint
    let wrong_seeds = Pubkey::new_unique();
    f.svm.set_account(&wrong_seeds, forged(PROGRAM_ID));
    let result = f
        .send(&[propose_with(&wrong_seeds, &f.mint)], &[&member])
        .await;
    assert_anchor_error(result, AnchorError::ConstraintSeeds);
    assert!(f
        .svm
        .account(&pda::proposal(&wrong_seeds, 1))
        .await
        .is_none());
    assert_eq!(f.issuer().await.proposal_index, 0);
}
