//! Upgrades under governance: the deployer hands the upgrade authority to the issuer's PDA
//! once; afterwards only an executed UpgradeProgram proposal (hash-checked buffer) replaces
//! the program, and only SetUpgradeAuthority passes the authority on or drops it. The
//! loader-dependent stories need the `.so` (a native program has no program data): they are
//! `#[ignore]`d in a plain `cargo test` and run with
//! `SBF_OUT_DIR=$PWD/target/deploy cargo test -p usd1-tests --test upgrade -- --ignored`
//! (scripts/test and CI do). The refusals that need no loader run in both modes.
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::Mode;
use usd1_client::events::Event;
use usd1_client::loader::{self, LOADER_ID};
use usd1_client::{ix, pda, MinterError, ProposalAction, ProposalStatus};
use usd1_tests::*;

/// The loader stories refuse to run (rather than pass) without the `.so`.
fn require_the_loader(f: &Fixture) {
    assert_eq!(
        f.svm.mode(),
        Mode::Sbf,
        "this story needs the upgradeable loader: run it against the .so \
         (SBF_OUT_DIR=$PWD/target/deploy ... -- --ignored)"
    );
}

fn usd1_so() -> Vec<u8> {
    usd1_client::embedded::program_elf()
}

/// A loader buffer holding `program` with `authority`, as `solana program write-buffer` and
/// `set-buffer-authority` leave it (the upload itself is exercised over RPC by
/// usd1-migrate's test).
async fn put_buffer(f: &mut Fixture, program: &[u8], authority: &Pubkey) -> Pubkey {
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

async fn program_data(f: &mut Fixture) -> Vec<u8> {
    f.svm
        .account(&pda::program_data())
        .await
        .expect("program data")
        .data
}

async fn upgrade_authority_on_chain(f: &mut Fixture) -> Option<Pubkey> {
    let data = program_data(f).await;
    loader::program_data_authority(&data).expect("program data layout")
}

async fn hand_over(
    f: &mut Fixture,
    signer: &Keypair,
) -> Result<(), usd1_client::embedded::SendError> {
    let ix = ix::hand_over_upgrade_authority(&signer.pubkey(), &f.mint);
    f.send(&[ix], &[signer]).await.map(|_| ())
}

#[tokio::test]
async fn only_the_issuer_holding_the_upgrade_authority_may_propose_upgrades() {
    let mut f = Fixture::new().await;
    let stranger = Keypair::new();
    // the issuer does not govern upgrades: both actions are refused at propose
    assert_program_error(
        f.propose(
            0,
            ProposalAction::UpgradeProgram {
                buffer: Pubkey::new_unique(),
                buffer_hash: [7; 32],
                spill: f.members[0].pubkey(),
            },
        )
        .await,
        MinterError::NotUpgradeGovernor,
    );
    assert_program_error(
        f.propose(0, ProposalAction::SetUpgradeAuthority { new: None })
            .await,
        MinterError::NotUpgradeGovernor,
    );
    // a key that is not the program's upgrade authority cannot hand it over
    f.svm.fund(&stranger.pubkey(), SOL).await.unwrap();
    assert_program_error(
        hand_over(&mut f, &stranger).await,
        MinterError::NotUpgradeAuthority,
    );
    let issuer = f.issuer().await;
    assert!(!issuer.governs_upgrades());
    assert_eq!(issuer.proposal_index, 0, "nothing was proposed");
    f.assert_seq_complete().await;
}

#[tokio::test]
#[ignore = "needs the .so: SBF_OUT_DIR=$PWD/target/deploy cargo test -p usd1-tests --test upgrade -- --ignored"]
async fn governance_upgrades_the_program_only_by_an_executed_hash_checked_proposal() {
    let mut f = Fixture::new().await;
    require_the_loader(&f);
    let deployer = f.svm.upgrade_authority().insecure_clone();
    let governor = pda::upgrade_authority(&f.issuer_key());
    assert_eq!(
        upgrade_authority_on_chain(&mut f).await,
        Some(deployer.pubkey())
    );

    // the hand-over: the deployer signs once, the PDA holds the authority
    hand_over(&mut f, &deployer).await.unwrap();
    assert_eq!(upgrade_authority_on_chain(&mut f).await, Some(governor));
    let issuer = f.issuer().await;
    assert!(issuer.governs_upgrades());
    match f.events.last() {
        Some(Event::UpgradeAuthorityReceived(e)) => {
            assert_eq!(e.previous_authority, deployer.pubkey());
            assert_eq!(e.upgrade_authority, governor);
        }
        other => panic!("expected UpgradeAuthorityReceived, got {other:?}"),
    }
    // a second issuer of the same program governs nothing: the deployer's key no longer
    // hands anything over, and that issuer's members cannot propose upgrades
    let second_mint = Keypair::new();
    let payer = f.svm.payer().pubkey();
    let members: Vec<Pubkey> = f.members.iter().map(Keypair::pubkey).collect();
    f.svm
        .send(
            &[ix::initialize(
                &payer,
                &second_mint.pubkey(),
                init_args(&members, 1, 0),
            )],
            &[&second_mint],
        )
        .await
        .unwrap();
    let refused = ix::hand_over_upgrade_authority(&deployer.pubkey(), &second_mint.pubkey());
    assert_program_error(
        f.svm.send(&[refused], &[&deployer]).await,
        MinterError::NotUpgradeAuthority,
    );
    let member = f.members[0].insecure_clone();
    let foreign_upgrade = ix::propose(
        &member.pubkey(),
        &second_mint.pubkey(),
        1,
        ProposalAction::SetUpgradeAuthority {
            new: Some(member.pubkey()),
        },
    );
    assert_program_error(
        f.svm.send(&[foreign_upgrade], &[&member]).await,
        MinterError::NotUpgradeGovernor,
    );

    let so = usd1_so();
    let hash = loader::program_hash(&so);
    let spill = Pubkey::new_unique();

    // a spill that is the buffer: refused at propose (the loader would refuse it anyway)
    let some_buffer = Pubkey::new_unique();
    assert_program_error(
        f.propose(
            0,
            ProposalAction::UpgradeProgram {
                buffer: some_buffer,
                buffer_hash: hash,
                spill: some_buffer,
            },
        )
        .await,
        MinterError::UpgradeSpillIsBuffer,
    );

    // an account of another program in the buffer's place: refused
    let not_loaders = put_buffer(&mut f, &so, &governor).await;
    let mut account = f.svm.account(&not_loaders).await.unwrap();
    account.owner = Pubkey::new_unique();
    f.svm.set_account(&not_loaders, account);
    let index = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer: not_loaders,
            buffer_hash: hash,
            spill,
        })
        .await;
    assert_program_error(f.execute(index).await, MinterError::UpgradeBufferInvalid);

    // more program bytes than the program data has room for (twice the deployed build):
    // refused before any hashing
    let room = loader::program_data_bytes(&program_data(&mut f).await).len();
    let oversized = put_buffer(&mut f, &vec![0u8; room + 1], &governor).await;
    let index = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer: oversized,
            buffer_hash: loader::program_hash(&vec![0u8; room + 1]),
            spill,
        })
        .await;
    assert_program_error(f.execute(index).await, MinterError::UpgradeBufferTooLarge);

    // a buffer whose authority is still the uploader's: refused at execution
    let foreign = put_buffer(&mut f, &so, &deployer.pubkey()).await;
    let index = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer: foreign,
            buffer_hash: hash,
            spill,
        })
        .await;
    assert_program_error(f.execute(index).await, MinterError::UpgradeBufferInvalid);

    // a proposal pinning other bytes than the buffer holds: refused
    let buffer = put_buffer(&mut f, &so, &governor).await;
    let wrong = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash: loader::program_hash(b"another build"),
            spill,
        })
        .await;
    assert_program_error(
        f.execute(wrong).await,
        MinterError::UpgradeBufferHashMismatch,
    );

    // not yet approved (1 of 2): refused before any hashing
    let unapproved = f
        .propose(
            0,
            ProposalAction::UpgradeProgram {
                buffer,
                buffer_hash: hash,
                spill,
            },
        )
        .await
        .unwrap();
    assert_program_error(
        f.execute(unapproved).await,
        MinterError::ThresholdNotReached,
    );

    // approved twice over: the first executed makes the second stale (no rollback to an
    // older approved build)
    let upgrade = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash: hash,
            spill,
        })
        .await;
    let second_buffer = put_buffer(&mut f, &so, &governor).await;
    let leftover = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer: second_buffer,
            buffer_hash: hash,
            spill,
        })
        .await;
    // the buffer and spill are the proposal's: another account is refused
    let executor = f.svm.payer().pubkey();
    let swapped = ix::with_account_replaced(
        ix::execute_upgrade_program(&executor, &f.mint, upgrade, &buffer, &spill),
        &buffer,
        &second_buffer,
    );
    assert_program_error(
        f.send(
            &[ix::compute_unit_limit(ix::UPGRADE_COMPUTE_UNITS), swapped],
            &[],
        )
        .await,
        MinterError::UpgradeAccountMismatch,
    );

    let slot_before = loader::program_data_slot(&program_data(&mut f).await).unwrap();
    let executed = f.execute(upgrade).await.unwrap();
    let data = program_data(&mut f).await;
    let slot_after = loader::program_data_slot(&data).unwrap();
    assert!(
        slot_after > slot_before,
        "the loader redeployed the program"
    );
    assert_eq!(
        &loader::program_data_bytes(&data)[..so.len()],
        so.as_slice()
    );
    assert!(
        f.svm.account(&buffer).await.is_none(),
        "the buffer is consumed"
    );
    assert!(
        f.svm.lamports(&spill).await > 0,
        "its lamports went to the spill account"
    );
    match executed.events.as_slice() {
        [Event::ProposalExecuted(e), Event::ProgramUpgraded(u)] => {
            assert_eq!(e.index, upgrade);
            assert_eq!(
                (u.buffer, u.buffer_hash, u.proposal_index),
                (buffer, hash, upgrade)
            );
        }
        other => panic!("expected ProposalExecuted, ProgramUpgraded; got {other:?}"),
    }
    assert_eq!(
        f.proposal(upgrade).await.unwrap().status,
        ProposalStatus::Executed
    );
    // the new code runs from the next slot (the loader delays its visibility)
    f.svm.next_slot().await;
    assert_program_error(
        f.execute(leftover).await,
        MinterError::UpgradeProposalOutlived,
    );
    assert_program_error(
        f.approve(2, unapproved).await,
        MinterError::UpgradeProposalOutlived,
    );

    // the upgraded program keeps its state and governance, and can upgrade again (a build
    // that could not would leave the program frozen)
    f.pass(ProposalAction::SetExecutionWindow { seconds: 7200 })
        .await
        .unwrap();
    assert_eq!(f.issuer().await.execution_window, 7200);
    assert_eq!(upgrade_authority_on_chain(&mut f).await, Some(governor));
    let again = put_buffer(&mut f, &so, &governor).await;
    f.pass(ProposalAction::UpgradeProgram {
        buffer: again,
        buffer_hash: hash,
        spill,
    })
    .await
    .unwrap();
    assert!(
        f.svm.account(&again).await.is_none(),
        "the second buffer is consumed"
    );
    let slot_again = loader::program_data_slot(&program_data(&mut f).await).unwrap();
    assert!(slot_again > slot_after, "the loader redeployed it again");
    f.svm.next_slot().await;
    assert_eq!(upgrade_authority_on_chain(&mut f).await, Some(governor));
    f.assert_seq_complete().await;
}

#[tokio::test]
#[ignore = "needs the .so: SBF_OUT_DIR=$PWD/target/deploy cargo test -p usd1-tests --test upgrade -- --ignored"]
async fn the_upgrade_authority_is_passed_on_only_to_a_key_that_signs_or_to_nobody() {
    let mut f = Fixture::new().await;
    require_the_loader(&f);
    let deployer = f.svm.upgrade_authority().insecure_clone();
    hand_over(&mut f, &deployer).await.unwrap();
    let so = usd1_so();
    let governor = pda::upgrade_authority(&f.issuer_key());
    let buffer = put_buffer(&mut f, &so, &governor).await;
    let pending_upgrade = f
        .pass_without_executing(ProposalAction::UpgradeProgram {
            buffer,
            buffer_hash: loader::program_hash(&so),
            spill: deployer.pubkey(),
        })
        .await;

    // to a new key: executed without it, or with another key signing, refused
    let next = Keypair::new();
    let index = f
        .pass_without_executing(ProposalAction::SetUpgradeAuthority {
            new: Some(next.pubkey()),
        })
        .await;
    let executor = f.svm.payer().pubkey();
    assert_program_error(
        f.send(
            &[ix::execute_set_upgrade_authority(
                &executor, &f.mint, index, None,
            )],
            &[],
        )
        .await,
        MinterError::UpgradeAuthorityMismatch,
    );
    let other_key = Keypair::new();
    assert_program_error(
        f.send(
            &[ix::execute_set_upgrade_authority(
                &executor,
                &f.mint,
                index,
                Some(&other_key.pubkey()),
            )],
            &[&other_key],
        )
        .await,
        MinterError::UpgradeAuthorityMismatch,
    );
    // with it: the key holds the authority, the issuer no longer governs upgrades
    let executed = f
        .send(
            &[ix::execute_set_upgrade_authority(
                &executor,
                &f.mint,
                index,
                Some(&next.pubkey()),
            )],
            &[&next],
        )
        .await
        .unwrap();
    assert_eq!(
        upgrade_authority_on_chain(&mut f).await,
        Some(next.pubkey())
    );
    assert!(!f.issuer().await.governs_upgrades());
    match executed.events.as_slice() {
        [Event::ProposalExecuted(_), Event::UpgradeAuthorityChanged(e)] => {
            assert_eq!(
                (e.new_authority, e.proposal_index),
                (Some(next.pubkey()), index)
            );
        }
        other => panic!("expected ProposalExecuted, UpgradeAuthorityChanged; got {other:?}"),
    }
    // the approved upgrade from before cannot use an authority the issuer no longer holds
    assert_program_error(
        f.execute(pending_upgrade).await,
        MinterError::NotUpgradeGovernor,
    );

    // the new holder hands it back; the old approval stays dead (created before)
    hand_over(&mut f, &next).await.unwrap();
    assert_eq!(upgrade_authority_on_chain(&mut f).await, Some(governor));
    assert_program_error(
        f.execute(pending_upgrade).await,
        MinterError::UpgradeProposalOutlived,
    );

    // to nobody: immutable for good, and nobody can hand it over again
    let immutable = f
        .pass(ProposalAction::SetUpgradeAuthority { new: None })
        .await
        .unwrap();
    assert_eq!(upgrade_authority_on_chain(&mut f).await, None);
    assert!(!f.issuer().await.governs_upgrades());
    assert!(matches!(
        f.events.last(),
        Some(Event::UpgradeAuthorityChanged(e)) if e.new_authority.is_none() && e.proposal_index == immutable
    ));
    assert_program_error(
        hand_over(&mut f, &deployer).await,
        MinterError::NotUpgradeAuthority,
    );
    assert_program_error(
        f.propose(0, ProposalAction::SetUpgradeAuthority { new: None })
            .await,
        MinterError::NotUpgradeGovernor,
    );
    f.assert_seq_complete().await;
}
