//! Governance for real incidents: keys accept before they count, a minter suspended at once,
//! issuance paused while holders go on, a veto during the time lock, metadata updates by
//! proposal and allowances raised by a manager within a budget.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::{Mode, SendError};
use usd1_client::events::Event;
use usd1_client::{
    ix, pda, token, Issuer, MetadataField, MetadataUpdate, MinterConfig, MinterError,
    ProposalAction, ProposalStatus, Roles,
};
use usd1_tests::*;

/// Asserts that a refused execution failed with KeyNotAccepted and, where the program's logs
/// are recorded (the `.so`; the native build's `msg!` is not), that its log names `key`.
#[track_caller]
fn assert_not_accepted<T: std::fmt::Debug>(f: &Fixture, result: Result<T, SendError>, key: Pubkey) {
    if f.svm.mode() == Mode::Sbf {
        assert_eq!(unaccepted_key(&result), Some(key), "{result:?}");
    }
    assert_program_error(result, MinterError::KeyNotAccepted);
}

/// The key named in the program's "not accepted: KEY" log line of a refused transaction.
fn unaccepted_key(result: &Result<impl std::fmt::Debug, SendError>) -> Option<Pubkey> {
    let Err(SendError::Transaction { logs, .. }) = result else {
        return None;
    };
    logs.iter().find_map(|line| {
        line.split("not accepted: ")
            .nth(1)
            .and_then(|key| key.trim().parse().ok())
    })
}

fn configure(authority: Pubkey, allowance_grant: u64, active: bool) -> ProposalAction {
    ProposalAction::ConfigureMinter(MinterConfig {
        authority,
        allowance_grant,
        rate_capacity: 1_000 * TOKEN,
        rate_window: 60,
        active,
    })
}

// ---- keys accept before they count ----

#[tokio::test]
async fn a_new_role_holder_must_accept_before_set_roles_executes() {
    let mut f = Fixture::new().await;
    let pauser = Keypair::new();
    let freezer = Keypair::new();
    let roles = Roles {
        pausers: vec![pauser.pubkey()],
        freezers: vec![freezer.pubkey()],
        ..Roles::default()
    };
    let index = f
        .approved(ProposalAction::SetRoles(roles.clone()))
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, pauser.pubkey());

    // the first key accepts: the refusal now names the second
    let accepted = f.accept(&pauser, index).await.unwrap();
    let Event::KeyAccepted(e) = &accepted.events[0] else {
        panic!("{:?}", accepted.events)
    };
    assert_eq!((e.proposal_index, e.key), (index, pauser.pubkey()));
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, freezer.pubkey());
    assert_eq!(f.issuer().await.roles(), Roles::default());

    f.accept(&freezer, index).await.unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(f.issuer().await.roles(), roles);
    let proposal = f.proposal(index).await.unwrap();
    assert_eq!(proposal.accepted, vec![pauser.pubkey(), freezer.pubkey()]);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_new_reserve_attestor_and_redemption_operator_must_accept_before_set_roles_executes() {
    let mut f = Fixture::new().await;
    let attestor = Keypair::new();
    let operator = Keypair::new();
    let roles = Roles {
        reserve_attestor: Some(attestor.pubkey()),
        redemption_operator: Some(operator.pubkey()),
        ..Roles::default()
    };
    let index = f
        .approved(ProposalAction::SetRoles(roles.clone()))
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, attestor.pubkey());

    // the attestor accepts: the refusal now names the operator
    let accepted = f.accept(&attestor, index).await.unwrap();
    let Event::KeyAccepted(e) = &accepted.events[0] else {
        panic!("{:?}", accepted.events)
    };
    assert_eq!((e.proposal_index, e.key), (index, attestor.pubkey()));
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, operator.pubkey());
    assert_eq!(f.issuer().await.roles(), Roles::default());

    let accepted = f.accept(&operator, index).await.unwrap();
    let Event::KeyAccepted(e) = &accepted.events[0] else {
        panic!("{:?}", accepted.events)
    };
    assert_eq!((e.proposal_index, e.key), (index, operator.pubkey()));
    f.execute(index).await.unwrap();
    let stored = f.issuer().await.roles();
    assert_eq!(stored, roles);
    assert_eq!(
        (stored.reserve_attestor, stored.redemption_operator),
        (Some(attestor.pubkey()), Some(operator.pubkey()))
    );
    let proposal = f.proposal(index).await.unwrap();
    assert_eq!(proposal.status, ProposalStatus::Executed);
    assert_eq!(
        proposal.accepted,
        vec![attestor.pubkey(), operator.pubkey()]
    );
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn keys_that_keep_their_role_or_are_removed_need_not_accept() {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    // drop the freezer, keep the pauser, add a mint attestor: only the attestor accepts
    let attestor = Keypair::new();
    let next = Roles {
        pausers: vec![roles.pauser.pubkey()],
        mint_attestor: Some(attestor.pubkey()),
        ..Roles::default()
    };
    let index = f
        .approved(ProposalAction::SetRoles(next.clone()))
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, attestor.pubkey());
    f.accept(&attestor, index).await.unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(f.issuer().await.roles(), next);
    // removing every role needs no acceptance at all
    let index = f
        .approved(ProposalAction::SetRoles(Roles::default()))
        .await
        .unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(f.issuer().await.roles(), Roles::default());
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_role_moved_to_another_slot_counts_as_new() {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    // the pauser becomes the allowance manager as well: a role it did not hold
    let mut next = roles.roles();
    next.allowance_manager = Some(roles.pauser.pubkey());
    let index = f
        .approved(ProposalAction::SetRoles(next.clone()))
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, roles.pauser.pubkey());
    f.accept(&roles.pauser, index).await.unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(f.issuer().await.roles(), next);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_new_member_must_accept_before_set_governance_executes() {
    let mut f = Fixture::new().await;
    let newcomer = Keypair::new();
    let members = vec![
        f.members[0].pubkey(),
        f.members[1].pubkey(),
        newcomer.pubkey(),
    ];
    let index = f
        .approved(ProposalAction::SetGovernance {
            members: members.clone(),
            threshold: 2,
            time_lock: 0,
        })
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, newcomer.pubkey());
    // the staying members need not accept; the newcomer does, and it lands
    f.accept(&newcomer, index).await.unwrap();
    f.execute(index).await.unwrap();
    let mut sorted = members;
    sorted.sort();
    assert_eq!(f.issuer().await.members(), sorted);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_new_minter_key_must_accept_an_update_need_not() {
    let mut f = Fixture::new().await;
    let desk = Keypair::new();
    f.svm.fund(&desk.pubkey(), SOL).await.unwrap();
    let index = f
        .approved(configure(desk.pubkey(), 100 * TOKEN, true))
        .await
        .unwrap();
    let refused = f.execute(index).await;
    assert_not_accepted(&f, refused, desk.pubkey());
    assert!(f.minter(&desk.pubkey()).await.is_none());
    f.accept(&desk, index).await.unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(
        f.minter(&desk.pubkey()).await.unwrap().allowance,
        100 * TOKEN
    );
    // a grant to the existing minter executes without a new acceptance
    let index = f
        .approved(configure(desk.pubkey(), 5 * TOKEN, true))
        .await
        .unwrap();
    f.execute(index).await.unwrap();
    assert_eq!(
        f.minter(&desk.pubkey()).await.unwrap().allowance,
        105 * TOKEN
    );
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn accept_refusals() {
    let mut f = Fixture::new().await;
    let pauser = Keypair::new();
    let stranger = Keypair::new();
    let roles = Roles {
        pausers: vec![pauser.pubkey()],
        ..Roles::default()
    };
    let index = f.approved(ProposalAction::SetRoles(roles)).await.unwrap();
    // only a key the action names may accept
    assert_program_error(
        f.accept(&stranger, index).await,
        MinterError::NotNamedInProposal,
    );
    f.accept(&pauser, index).await.unwrap();
    assert_program_error(f.accept(&pauser, index).await, MinterError::AlreadyAccepted);
    f.execute(index).await.unwrap();
    // an executed proposal takes no acceptance
    let second = Keypair::new();
    let index2 = f
        .approved(ProposalAction::SetRoles(Roles {
            pausers: vec![second.pubkey()],
            ..Roles::default()
        }))
        .await
        .unwrap();
    f.accept(&second, index2).await.unwrap();
    f.execute(index2).await.unwrap();
    assert_program_error(
        f.accept(&pauser, index).await,
        MinterError::ProposalNotActive,
    );
    // a stale proposal takes none either
    let third = Keypair::new();
    let stale = f
        .propose(
            0,
            ProposalAction::SetRoles(Roles {
                pausers: vec![third.pubkey()],
                ..Roles::default()
            }),
        )
        .await
        .unwrap();
    let members = f.members.iter().map(|m| m.pubkey()).collect();
    f.pass(ProposalAction::SetGovernance {
        members,
        threshold: 2,
        time_lock: 0,
    })
    .await
    .unwrap();
    assert_program_error(f.accept(&third, stale).await, MinterError::ProposalStale);
    // nor an expired one (approved, then left beyond its execution window)
    let fourth = Keypair::new();
    let expired = f
        .approved(ProposalAction::SetRoles(Roles {
            pausers: vec![fourth.pubkey()],
            ..Roles::default()
        }))
        .await
        .unwrap();
    let window = f.issuer().await.execution_window;
    f.svm.advance_clock(i64::from(window) + 1).await;
    assert_program_error(
        f.accept(&fourth, expired).await,
        MinterError::ProposalExpired,
    );
    f.assert_seq_complete().await;
}

// ---- instant minter suspension ----

#[tokio::test]
async fn a_pauser_suspends_a_minter_at_once_and_only_that_minter() {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    let stolen = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let other = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = Keypair::new();
    f.svm.fund(&holder.pubkey(), SOL).await.unwrap();
    let account = f.holder(&holder.pubkey()).await;
    f.mint_to(&stolen, &account, request_id(1), 10 * TOKEN)
        .await
        .unwrap();

    // a stranger cannot suspend
    let stranger = Keypair::new();
    let ix = ix::suspend_minter(&stranger.pubkey(), &f.mint, &stolen.pubkey());
    assert_program_error(f.send(&[ix], &[&stranger]).await, MinterError::NotAPauser);

    let proposal_index = f.issuer().await.proposal_index;
    let ix = ix::suspend_minter(&roles.pauser.pubkey(), &f.mint, &stolen.pubkey());
    let done = f.send(&[ix], &[&roles.pauser]).await.unwrap();
    let Event::MinterSuspended(e) = &done.events[0] else {
        panic!("{:?}", done.events)
    };
    assert_eq!(
        (e.authority, e.minter, e.by, e.suspension_index),
        (
            stolen.pubkey(),
            pda::minter(&f.issuer_key(), &stolen.pubkey()),
            roles.pauser.pubkey(),
            proposal_index
        )
    );
    let state = f.minter(&stolen.pubkey()).await.unwrap();
    assert!(!state.active());
    assert_eq!(state.suspension_index, proposal_index);
    assert_program_error(
        f.mint_to(&stolen, &account, request_id(2), TOKEN).await,
        MinterError::MinterInactive,
    );
    // the other minter and the holders go on: no token-wide pause
    f.mint_to(&other, &account, request_id(3), TOKEN)
        .await
        .unwrap();
    let bob = f.holder(&Pubkey::new_unique()).await;
    let transfer =
        token::transfer_checked(&account, &f.mint, &bob, &holder.pubkey(), TOKEN, 6).unwrap();
    f.send(&[transfer], &[&holder]).await.unwrap();
    assert_eq!(f.balance(&bob).await, TOKEN);
    assert_eq!(f.supply().await, 11 * TOKEN);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn an_approval_from_before_the_suspension_cannot_reactivate() {
    let mut f = Fixture::with(3, 2, 3600).await;
    let desk = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    // a top-up approved before the key was suspected, waiting out its time lock
    let before = f
        .propose(0, configure(desk.pubkey(), 50 * TOKEN, true))
        .await
        .unwrap();
    f.approve(1, before).await.unwrap();
    let member = f.members[2].insecure_clone();
    let ix = ix::suspend_minter(&member.pubkey(), &f.mint, &desk.pubkey());
    f.send(&[ix], &[&member]).await.unwrap();
    f.svm.advance_clock(3600).await;
    assert_program_error(
        f.execute(before).await,
        MinterError::MinterProposalOutlivedSuspension,
    );
    assert!(!f.minter(&desk.pubkey()).await.unwrap().active());
    // a proposal opened after the suspension reactivates it
    f.pass(configure(desk.pubkey(), 0, true)).await.unwrap();
    assert!(f.minter(&desk.pubkey()).await.unwrap().active());
    let account = f.holder(&Pubkey::new_unique()).await;
    f.mint_to(&desk, &account, request_id(1), TOKEN)
        .await
        .unwrap();
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_minter_of_another_issuer_cannot_be_suspended_here() {
    let mut f = Fixture::new().await;
    let desk = f.add_minter(10 * TOKEN, 10 * TOKEN, 60).await;
    // a second issuer in the same SVM, 1-of-1 with member 0
    let other = Keypair::new();
    let payer = f.svm.payer().pubkey();
    let member = f.members[0].insecure_clone();
    let args = init_args(&[member.pubkey()], 1, 0);
    f.svm
        .send(&[ix::initialize(&payer, &other.pubkey(), args)], &[&other])
        .await
        .unwrap();
    // its member names this issuer's minter account
    let ix = ix::with_account_replaced(
        ix::suspend_minter(&member.pubkey(), &other.pubkey(), &desk.pubkey()),
        &pda::minter(&pda::issuer(&other.pubkey()), &desk.pubkey()),
        &pda::minter(&f.issuer_key(), &desk.pubkey()),
    );
    assert_program_error(
        f.svm.send(&[ix], &[&member]).await,
        MinterError::WrongIssuer,
    );
    assert!(f.minter(&desk.pubkey()).await.unwrap().active());
    // the other issuer's events went past the fixture's log: this issuer's seq is whole
    f.assert_seq_complete().await;
}

// ---- two pause levels ----

struct Holders {
    f: Fixture,
    roles: RoleKeys,
    minter: Keypair,
    holder: Keypair,
    account: Pubkey,
}

async fn holders() -> Holders {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    let minter = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = Keypair::new();
    f.svm.fund(&holder.pubkey(), SOL).await.unwrap();
    let account = f.holder(&holder.pubkey()).await;
    f.mint_to(&minter, &account, request_id(1), 100 * TOKEN)
        .await
        .unwrap();
    Holders {
        f,
        roles,
        minter,
        holder,
        account,
    }
}

impl Holders {
    async fn pause_issuance(&mut self) -> Result<Event, SendError> {
        let pauser = self.roles.pauser.insecure_clone();
        let ix = ix::pause_issuance(&pauser.pubkey(), &self.f.mint);
        let done = self.f.send(&[ix], &[&pauser]).await?;
        Ok(done.events[0].clone())
    }

    async fn redeem(&mut self, n: u8, amount: u64) -> Result<(), SendError> {
        let holder = self.holder.insecure_clone();
        let ix = ix::redeem(
            &holder.pubkey(),
            &self.f.mint,
            &self.account,
            [n; 32],
            amount,
            [7; 32],
        );
        self.f.send(&[ix], &[&holder]).await.map(|_| ())
    }

    async fn refund(&mut self, n: u8) -> Result<(), SendError> {
        let operator = self.roles.redemption_operator.insecure_clone();
        let ix = ix::refund_redemption(
            &operator.pubkey(),
            &self.f.mint,
            &self.holder.pubkey(),
            [n; 32],
            &self.account,
            1,
        );
        self.f.send(&[ix], &[&operator]).await.map(|_| ())
    }
}

#[tokio::test]
async fn an_issuance_pause_stops_mint_and_refund_while_holders_go_on() {
    let mut w = holders().await;
    w.redeem(1, 10 * TOKEN).await.unwrap();
    let Event::IssuancePaused(e) = w.pause_issuance().await.unwrap() else {
        panic!()
    };
    assert_eq!(e.by, w.roles.pauser.pubkey());
    let issuer = w.f.issuer().await;
    assert!(issuer.issuance_paused() && !issuer.paused());
    assert_eq!(issuer.issuance_pause_count, 1);
    assert!(!w.f.mint_view().await.paused);

    let minter = w.minter.insecure_clone();
    let account = w.account;
    assert_program_error(
        w.f.mint_to(&minter, &account, request_id(2), TOKEN).await,
        MinterError::IssuancePaused,
    );
    assert_program_error(w.refund(1).await, MinterError::IssuancePaused);
    // holders transfer and redeem; the operator settles
    let bob = w.f.holder(&Pubkey::new_unique()).await;
    let transfer = token::transfer_checked(
        &w.account,
        &w.f.mint,
        &bob,
        &w.holder.pubkey(),
        5 * TOKEN,
        6,
    )
    .unwrap();
    let holder = w.holder.insecure_clone();
    w.f.send(&[transfer], &[&holder]).await.unwrap();
    w.redeem(2, 10 * TOKEN).await.unwrap();
    let operator = w.roles.redemption_operator.insecure_clone();
    let settle = ix::settle_redemption(
        &operator.pubkey(),
        &w.f.mint,
        &w.holder.pubkey(),
        [2; 32],
        [9; 32],
    );
    w.f.send(&[settle], &[&operator]).await.unwrap();
    assert_eq!(w.f.supply().await, 80 * TOKEN);

    // a second issuance pause is refused, a stranger's too
    assert_program_error(w.pause_issuance().await, MinterError::IssuanceAlreadyPaused);
    let stranger = Keypair::new();
    let ix = ix::pause_issuance(&stranger.pubkey(), &w.f.mint);
    assert_program_error(w.f.send(&[ix], &[&stranger]).await, MinterError::NotAPauser);

    // only a proposal resumes
    let index = w.f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    assert!(
        matches!(w.f.events.last(), Some(Event::IssuanceResumed(e)) if e.proposal_index == index)
    );
    assert!(!w.f.issuer().await.issuance_paused());
    w.f.mint_to(&minter, &account, request_id(2), TOKEN)
        .await
        .unwrap();
    w.refund(1).await.unwrap();
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_resume_proposed_in_an_earlier_issuance_pause_cannot_lift_a_later_one() {
    let mut w = holders().await;
    // nothing to resume
    let index =
        w.f.pass_without_executing(ProposalAction::ResumeIssuance)
            .await;
    assert_program_error(w.f.execute(index).await, MinterError::IssuanceNotPaused);
    // approved during the first pause, kept back, then the first pause is lifted
    w.pause_issuance().await.unwrap();
    let old =
        w.f.pass_without_executing(ProposalAction::ResumeIssuance)
            .await;
    w.f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    // a second incident
    w.pause_issuance().await.unwrap();
    assert_program_error(
        w.f.execute(old).await,
        MinterError::IssuanceResumeOutlivedPause,
    );
    assert!(w.f.issuer().await.issuance_paused());
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn the_two_pauses_are_lifted_separately() {
    let mut w = holders().await;
    w.pause_issuance().await.unwrap();
    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
        .await
        .unwrap();
    // an Unpause lifts the token pause only
    w.f.pass(ProposalAction::Unpause).await.unwrap();
    let issuer = w.f.issuer().await;
    assert!(!issuer.paused() && issuer.issuance_paused());
    assert!(!w.f.mint_view().await.paused);
    let (minter, account) = (w.minter.insecure_clone(), w.account);
    assert_program_error(
        w.f.mint_to(&minter, &account, request_id(5), TOKEN).await,
        MinterError::IssuancePaused,
    );
    // each resume checks its own pause counter: lifting one does not outlive the other
    w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
        .await
        .unwrap();
    let unpause = w.f.pass_without_executing(ProposalAction::Unpause).await;
    w.f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    w.f.execute(unpause).await.unwrap();
    w.f.mint_to(&minter, &account, request_id(5), TOKEN)
        .await
        .unwrap();
    w.f.assert_seq_complete().await;
}

// ---- veto during the time lock ----

#[tokio::test]
async fn threshold_rejections_veto_an_approved_proposal_in_its_time_lock() {
    let mut f = Fixture::with(4, 2, 3600).await;
    let index = f
        .approved(ProposalAction::SetExecutionWindow { seconds: 7_200 })
        .await
        .unwrap();
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Approved
    );
    // an approver cannot turn around
    assert_program_error(f.reject(1, index).await, MinterError::AlreadyVoted);
    let first = f.reject(2, index).await.unwrap();
    assert!(
        matches!(&first.events[0], Event::ProposalRejected(e) if e.rejections == 1 && e.status == ProposalStatus::Approved)
    );
    let vetoed = f.reject(3, index).await.unwrap();
    let Event::ProposalVetoed(e) = &vetoed.events[0] else {
        panic!("{:?}", vetoed.events)
    };
    assert_eq!(
        (e.index, e.member, e.rejections),
        (index, f.members[3].pubkey(), 2)
    );
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Vetoed
    );
    f.svm.advance_clock(3600).await;
    assert_program_error(f.execute(index).await, MinterError::ProposalVetoed);
    assert_ne!(f.issuer().await.execution_window, 7_200);
    // it has ended: its rent goes back
    let proposer = f.members[0].pubkey();
    f.send(&[ix::close_proposal(&f.mint, index, &proposer)], &[])
        .await
        .unwrap();
    assert!(f.proposal(index).await.is_none());
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn threshold_rejections_veto_an_approved_proposal_after_its_time_lock() {
    let mut f = Fixture::with(4, 2, 3600).await;
    let index = f
        .approved(ProposalAction::SetExecutionWindow { seconds: 7_200 })
        .await
        .unwrap();
    // the time lock has passed: it could execute now, but nobody has executed it yet
    f.svm.advance_clock(3600).await;
    let proposal = f.proposal(index).await.unwrap();
    assert_eq!(proposal.status, ProposalStatus::Approved);
    let now = f.svm.clock().await.unix_timestamp;
    assert!(now >= proposal.approved_at + 3600);
    let first = f.reject(2, index).await.unwrap();
    assert!(
        matches!(&first.events[0], Event::ProposalRejected(e) if e.rejections == 1 && e.status == ProposalStatus::Approved)
    );
    let vetoed = f.reject(3, index).await.unwrap();
    let Event::ProposalVetoed(e) = &vetoed.events[0] else {
        panic!("{:?}", vetoed.events)
    };
    assert_eq!(
        (e.index, e.member, e.rejections),
        (index, f.members[3].pubkey(), 2)
    );
    assert_eq!(
        f.proposal(index).await.unwrap().status,
        ProposalStatus::Vetoed
    );
    assert_program_error(f.execute(index).await, MinterError::ProposalVetoed);
    assert_ne!(f.issuer().await.execution_window, 7_200);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn fewer_rejections_than_the_threshold_do_not_stop_an_approved_proposal() {
    let mut f = Fixture::with(3, 2, 60).await;
    let index = f
        .approved(ProposalAction::SetExecutionWindow { seconds: 7_200 })
        .await
        .unwrap();
    f.reject(2, index).await.unwrap();
    f.svm.advance_clock(60).await;
    f.execute(index).await.unwrap();
    assert_eq!(f.issuer().await.execution_window, 7_200);
    // an executed proposal takes no more votes
    let mut g = Fixture::with(4, 2, 0).await;
    let index = g
        .pass(ProposalAction::SetExecutionWindow { seconds: 7_200 })
        .await
        .unwrap();
    assert_program_error(g.reject(3, index).await, MinterError::ProposalNotActive);
    f.assert_seq_complete().await;
    g.assert_seq_complete().await;
}

// ---- token metadata by proposal ----

fn metadata(uri: &str, fields: &[(&str, &str)], remove: &[&str]) -> ProposalAction {
    ProposalAction::UpdateMetadata(MetadataUpdate {
        name: "USD1 Dollar".into(),
        symbol: "USD1".into(),
        uri: uri.into(),
        fields: fields
            .iter()
            .map(|(k, v)| MetadataField {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect(),
        remove_keys: remove.iter().map(|k| k.to_string()).collect(),
    })
}

#[tokio::test]
async fn governance_updates_the_token_metadata() {
    let mut f = Fixture::new().await;
    let action = metadata(
        "https://example.com/usd1-v2.json",
        &[
            ("terms", "https://example.com/terms"),
            ("attestation", "https://example.com/attest"),
        ],
        &[],
    );
    let mint_lamports = f.svm.lamports(&f.mint.clone()).await;
    let index = f.pass(action.clone()).await.unwrap();
    let view = f.mint_view().await;
    assert_eq!(
        (view.name.as_str(), view.symbol.as_str(), view.uri.as_str()),
        ("USD1 Dollar", "USD1", "https://example.com/usd1-v2.json")
    );
    assert_eq!(
        view.additional,
        vec![
            ("terms".to_string(), "https://example.com/terms".to_string()),
            (
                "attestation".to_string(),
                "https://example.com/attest".to_string()
            ),
        ]
    );
    let Some(Event::MetadataUpdated(e)) = f.events.last().cloned() else {
        panic!("{:?}", f.events.last())
    };
    assert_eq!(e.proposal_index, index);
    assert_eq!(e.uri, "https://example.com/usd1-v2.json");
    assert_eq!(e.fields.len(), 2);
    // the mint grew and the executor topped it up to exactly rent exemption
    let mint_account = f.svm.account(&f.mint.clone()).await.unwrap();
    let rent = solana_sdk::rent::Rent::default().minimum_balance(mint_account.data.len());
    assert!(mint_account.lamports > mint_lamports);
    assert_eq!(mint_account.lamports, rent);

    // a second update removes one field and changes the other
    f.pass(metadata(
        "https://example.com/usd1-v3.json",
        &[("terms", "https://example.com/terms-2027")],
        &["attestation", "never-set"],
    ))
    .await
    .unwrap();
    let view = f.mint_view().await;
    assert_eq!(view.uri, "https://example.com/usd1-v3.json");
    assert_eq!(
        view.additional,
        vec![(
            "terms".to_string(),
            "https://example.com/terms-2027".to_string()
        )]
    );
    // the authorities did not move
    assert_eq!(view.metadata_update_authority, Some(f.issuer_key()));
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn metadata_limits_are_checked_at_proposal() {
    let mut f = Fixture::new().await;
    let long = "x".repeat(33);
    // name, symbol and uri of `name`, `symbol` and `uri` bytes
    let sized = |name: usize, symbol: usize, uri: usize| {
        ProposalAction::UpdateMetadata(MetadataUpdate {
            name: "n".repeat(name),
            symbol: "s".repeat(symbol),
            uri: "u".repeat(uri),
            fields: vec![],
            remove_keys: vec![],
        })
    };
    // one byte over the limit of each: 32, 10, 200
    for too_long in [sized(33, 10, 200), sized(32, 11, 200), sized(32, 10, 201)] {
        assert_program_error(f.propose(0, too_long).await, MinterError::MetadataTooLong);
    }
    let value = "v".repeat(201);
    for bad in [
        metadata("u", &[("", "v")], &[]),
        metadata("u", &[(long.as_str(), "v")], &[]),
        metadata("u", &[("name", "v")], &[]),
        metadata("u", &[("k", value.as_str())], &[]),
        metadata("u", &[("k", "1"), ("k", "2")], &[]),
        metadata("u", &[("k", "1")], &["k"]),
        metadata("u", &[], &["k", "k"]),
        metadata(
            "u",
            &[
                ("a", ""),
                ("b", ""),
                ("c", ""),
                ("d", ""),
                ("e", ""),
                ("f", ""),
                ("g", ""),
                ("h", ""),
                ("i", ""),
            ],
            &[],
        ),
    ] {
        assert_program_error(f.propose(0, bad).await, MinterError::MetadataFieldInvalid);
    }
    assert_eq!(f.issuer().await.proposal_index, 0);
    // the generic execute refuses it
    let index = f.propose(0, metadata("u", &[], &[])).await.unwrap();
    f.approve(1, index).await.unwrap();
    let payer = f.svm.payer().pubkey();
    assert_program_error(
        f.send(&[ix::execute(&payer, &f.mint, index)], &[]).await,
        MinterError::WrongExecuteInstruction,
    );
    // at each limit exactly, it is proposed
    let at_limits = f.propose(0, sized(32, 10, 200)).await.unwrap();
    assert_eq!(at_limits, index + 1);
    f.assert_seq_complete().await;
}

// ---- delegated allowance management ----

struct Managed {
    f: Fixture,
    manager: Keypair,
    desk: Keypair,
}

async fn managed(capacity: u64, window: u32) -> Managed {
    let mut f = Fixture::new().await;
    let manager = f.funded_key().await;
    f.pass(ProposalAction::SetRoles(Roles {
        allowance_manager: Some(manager.pubkey()),
        ..Roles::default()
    }))
    .await
    .unwrap();
    let desk = f.add_minter(10 * TOKEN, 1_000 * TOKEN, 60).await;
    if capacity > 0 {
        f.pass(ProposalAction::SetAllowanceBudget { capacity, window })
            .await
            .unwrap();
    }
    Managed { f, manager, desk }
}

impl Managed {
    async fn raise(&mut self, signer: &Keypair, amount: u64) -> Result<Event, SendError> {
        let ix = ix::raise_allowance(&signer.pubkey(), &self.f.mint, &self.desk.pubkey(), amount);
        let done = self.f.send(&[ix], &[signer]).await?;
        Ok(done.events[0].clone())
    }

    async fn allowance(&mut self) -> u64 {
        let desk = self.desk.pubkey();
        self.f.minter(&desk).await.unwrap().allowance
    }
}

#[tokio::test]
async fn the_manager_raises_within_the_budget_and_it_refills() {
    let mut w = managed(100 * TOKEN, 86_400).await;
    let Some(Event::AllowanceBudgetChanged(e)) = w.f.events.last().cloned() else {
        panic!()
    };
    assert_eq!(
        (e.capacity, e.window, e.available),
        (100 * TOKEN, 86_400, 100 * TOKEN)
    );
    let manager = w.manager.insecure_clone();
    let Event::AllowanceRaised(e) = w.raise(&manager, 60 * TOKEN).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        (
            e.manager,
            e.authority,
            e.minter,
            e.allowance_before,
            e.allowance_after,
            e.budget_left
        ),
        (
            manager.pubkey(),
            w.desk.pubkey(),
            pda::minter(&w.f.issuer_key(), &w.desk.pubkey()),
            10 * TOKEN,
            70 * TOKEN,
            40 * TOKEN
        )
    );
    assert_program_error(
        w.raise(&manager, 41 * TOKEN).await,
        MinterError::AllowanceBudgetExceeded,
    );
    assert_eq!(w.allowance().await, 70 * TOKEN);
    // half a window refills half the budget
    w.f.svm.advance_clock(43_200).await;
    w.raise(&manager, 90 * TOKEN).await.unwrap();
    assert_eq!(w.allowance().await, 160 * TOKEN);
    assert_eq!(w.f.issuer().await.allowance_budget().available, 0);
    // and the minter can mint what it was given
    let desk = w.desk.insecure_clone();
    let account = w.f.holder(&Pubkey::new_unique()).await;
    w.f.mint_to(&desk, &account, request_id(1), 160 * TOKEN)
        .await
        .unwrap();
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn the_manager_lowers_without_a_budget_and_lowering_refills_nothing() {
    let mut w = managed(20 * TOKEN, 86_400).await;
    let manager = w.manager.insecure_clone();
    w.raise(&manager, 20 * TOKEN).await.unwrap();
    let ix = ix::decrease_allowance(&manager.pubkey(), &w.f.mint, &w.desk.pubkey(), 25 * TOKEN);
    let done = w.f.send(&[ix], &[&manager]).await.unwrap();
    let Event::AllowanceDecreased(e) = &done.events[0] else {
        panic!()
    };
    assert_eq!(
        (e.by, e.allowance_before, e.allowance_after, e.budget_left),
        (manager.pubkey(), 30 * TOKEN, 5 * TOKEN, 0)
    );
    assert_program_error(
        w.raise(&manager, 1).await,
        MinterError::AllowanceBudgetExceeded,
    );
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn allowance_manager_refusals() {
    let mut w = managed(0, 0).await;
    let manager = w.manager.insecure_clone();
    // no budget yet
    assert_program_error(w.raise(&manager, 1).await, MinterError::NoAllowanceBudget);
    w.f.pass(ProposalAction::SetAllowanceBudget {
        capacity: 50 * TOKEN,
        window: 3600,
    })
    .await
    .unwrap();
    // only the manager raises, never by zero
    let member = w.f.members[0].insecure_clone();
    assert_program_error(w.raise(&member, 1).await, MinterError::NotAllowanceManager);
    assert_program_error(w.raise(&manager, 0).await, MinterError::ZeroAmount);
    // a suspended minter stays where it is
    let ix = ix::suspend_minter(&member.pubkey(), &w.f.mint, &w.desk.pubkey());
    w.f.send(&[ix], &[&member]).await.unwrap();
    assert_program_error(w.raise(&manager, 1).await, MinterError::MinterInactive);
    // no raise while issuance (or the token) is paused, even for an active minter
    w.f.pass(ProposalAction::ConfigureMinter(MinterConfig {
        authority: w.desk.pubkey(),
        allowance_grant: 0,
        rate_capacity: 1_000 * TOKEN,
        rate_window: 60,
        active: true,
    }))
    .await
    .unwrap();
    let ix = ix::pause_issuance(&member.pubkey(), &w.f.mint);
    w.f.send(&[ix], &[&member]).await.unwrap();
    assert_program_error(w.raise(&manager, 1).await, MinterError::IssuancePaused);
    w.f.pass(ProposalAction::ResumeIssuance).await.unwrap();
    let ix = ix::pause(&member.pubkey(), &w.f.mint);
    w.f.send(&[ix], &[&member]).await.unwrap();
    assert_program_error(w.raise(&manager, 1).await, MinterError::Paused);
    w.f.pass(ProposalAction::Unpause).await.unwrap();
    w.raise(&manager, 1).await.unwrap();
    // a budget of zero turns raises off; a budget without a window is refused
    w.f.pass(ProposalAction::SetAllowanceBudget {
        capacity: 0,
        window: 0,
    })
    .await
    .unwrap();
    assert_eq!(w.f.issuer().await.allowance_budget().capacity, 0);
    assert_program_error(
        w.f.propose(
            0,
            ProposalAction::SetAllowanceBudget {
                capacity: 1,
                window: 0,
            },
        )
        .await,
        MinterError::InvalidRateLimit,
    );
    assert_eq!(w.allowance().await, 10 * TOKEN + 1);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_minter_of_another_issuer_cannot_be_raised_here() {
    let mut w = managed(100 * TOKEN, 86_400).await;
    let manager = w.manager.insecure_clone();
    // a second issuer in the same SVM, 1-of-1 with member 0, where the same key is the
    // allowance manager with a budget of its own
    let other = Keypair::new();
    let payer = w.f.svm.payer().pubkey();
    let member = w.f.members[0].insecure_clone();
    let args = init_args(&[member.pubkey()], 1, 0);
    w.f.svm
        .send(&[ix::initialize(&payer, &other.pubkey(), args)], &[&other])
        .await
        .unwrap();
    let set_roles = ProposalAction::SetRoles(Roles {
        allowance_manager: Some(manager.pubkey()),
        ..Roles::default()
    });
    let budget = ProposalAction::SetAllowanceBudget {
        capacity: 100 * TOKEN,
        window: 86_400,
    };
    // threshold 1: each proposal is approved as it is proposed
    for (index, action) in [(1, set_roles), (2, budget)] {
        let propose = ix::propose(&member.pubkey(), &other.pubkey(), index, action.clone());
        w.f.svm.send(&[propose], &[&member]).await.unwrap();
        if index == 1 {
            let accept = ix::accept(&manager.pubkey(), &other.pubkey(), index);
            w.f.svm.send(&[accept], &[&manager]).await.unwrap();
        }
        let execute =
            ix::execute_action_instructions(&payer, &other.pubkey(), index, &action, None);
        w.f.svm.send(&execute, &[]).await.unwrap();
    }
    let other_issuer = pda::issuer(&other.pubkey());
    let state = w.f.svm.decode::<Issuer>(&other_issuer).await.unwrap();
    assert_eq!(state.roles().allowance_manager, Some(manager.pubkey()));
    assert_eq!(state.allowance_budget().available, 100 * TOKEN);

    // as the other issuer's manager it names this issuer's minter account
    let ix = ix::with_account_replaced(
        ix::raise_allowance(
            &manager.pubkey(),
            &other.pubkey(),
            &w.desk.pubkey(),
            50 * TOKEN,
        ),
        &pda::minter(&other_issuer, &w.desk.pubkey()),
        &pda::minter(&w.f.issuer_key(), &w.desk.pubkey()),
    );
    assert_program_error(
        w.f.svm.send(&[ix], &[&manager]).await,
        MinterError::WrongIssuer,
    );
    assert_eq!(w.allowance().await, 10 * TOKEN);
    assert_eq!(w.f.issuer().await.allowance_budget().available, 100 * TOKEN);
    let state = w.f.svm.decode::<Issuer>(&other_issuer).await.unwrap();
    assert_eq!(state.allowance_budget().available, 100 * TOKEN);
    // the other issuer's events went past the fixture's log: this issuer's seq is whole
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_changed_budget_keeps_what_is_left_and_grants_no_burst() {
    let mut w = managed(100 * TOKEN, 86_400).await;
    let manager = w.manager.insecure_clone();
    w.raise(&manager, 90 * TOKEN).await.unwrap();
    // governance raises the capacity tenfold: what is left stays 10
    w.f.pass(ProposalAction::SetAllowanceBudget {
        capacity: 1_000 * TOKEN,
        window: 86_400,
    })
    .await
    .unwrap();
    assert_program_error(
        w.raise(&manager, 11 * TOKEN).await,
        MinterError::AllowanceBudgetExceeded,
    );
    w.raise(&manager, 10 * TOKEN).await.unwrap();
    w.f.assert_seq_complete().await;
}
