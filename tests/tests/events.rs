//! Events: decoded from the transaction's inner instructions, numbered 1..=n with no gap
//! across a whole scenario that emits every event type.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::Signer;
use usd1_client::events::Event;
use usd1_client::{ix, Limits, MinterConfig, ProposalAction, ProposalStatus};
use usd1_tests::*;

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
    let members: Vec<Pubkey> = f.members.iter().map(|m| m.pubkey()).collect();
    f.pass(ProposalAction::SetGovernance {
        members,
        threshold: 3,
        time_lock: 0,
    })
    .await
    .unwrap();

    f.assert_seq_complete().await;
    let mut names: Vec<&str> = f.events.iter().map(Event::name).collect();
    names.sort();
    names.dedup();
    let mut every = vec![
        "IssuerInitialized",
        "KeyAccepted",
        "LimitsChanged",
        "MembersChanged",
        "MinterConfigured",
        "MinterRemoved",
        "Minted",
        "Paused",
        "ProposalApproved",
        "ProposalCancelled",
        "ProposalClosed",
        "ProposalCreated",
        "ProposalExecuted",
        "ProposalRejected",
        "RolesChanged",
        "Unpaused",
    ];
    every.sort();
    assert_eq!(names, every, "the scenario emits every event type");
    // the final rejection names its outcome
    let last_rejection = f.events.iter().rev().find_map(|e| match e {
        Event::ProposalRejected(r) => Some(r.clone()),
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
fn event_data_of_other_programs_is_not_an_event() {
    assert_eq!(Event::decode_cpi_data(&[1, 2, 3]), Ok(None));
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend_from_slice(&[0xFF; 8]);
    assert!(
        Event::decode_cpi_data(&data).is_err(),
        "an unknown discriminator is an error, not silence"
    );
}
