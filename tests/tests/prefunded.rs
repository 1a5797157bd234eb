//! Anyone can send lamports to an address before the program creates an account there, and
//! every address the program creates can be computed in advance. A stranger funds each one
//! first (the least the runtime lets anyone send to an empty address, and a balance above what
//! the account needs); creation still succeeds, the account is the program's with the right
//! contents, and accounts that already exist still refuse.
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::{ix, pda, MintReceipt, MinterConfig, MinterError, ProposalAction, Redemption};
use usd1_tests::*;

/// The least a stranger can send to an address that holds nothing: rent exemption for an
/// empty account (the runtime refuses a transfer that leaves a new account below it).
fn least_prefund() -> u64 {
    solana_sdk::rent::Rent::default().minimum_balance(0)
}

/// A stranger (a funded key of its own, no role) sends `lamports` to `target`.
async fn stranger_funds(f: &mut Fixture, target: &anchor_lang::prelude::Pubkey, lamports: u64) {
    let stranger = Keypair::new();
    f.svm
        .fund(&stranger.pubkey(), lamports + SOL)
        .await
        .unwrap();
    let ix = anchor_lang::solana_program::system_instruction::transfer(
        &stranger.pubkey(),
        target,
        lamports,
    );
    f.svm.send(&[ix], &[&stranger]).await.unwrap();
    assert_eq!(f.svm.lamports(target).await, lamports);
}

#[tokio::test]
async fn initialize_creates_a_funded_mint_and_issuer() {
    // a fixture only for its SVM and members; the mint here is a new keypair
    let mut f = Fixture::new().await;
    let mint = Keypair::new();
    let issuer = pda::issuer(&mint.pubkey());
    stranger_funds(&mut f, &mint.pubkey(), least_prefund()).await;
    stranger_funds(&mut f, &issuer, least_prefund()).await;
    let members: Vec<_> = f.members.iter().map(|m| m.pubkey()).collect();
    let payer = f.svm.payer().pubkey();
    let init = ix::initialize(&payer, &mint.pubkey(), init_args(&members, 2, 0));
    f.svm.send(&[init], &[&mint]).await.unwrap();

    let state: usd1_client::Issuer = f.svm.decode(&issuer).await.unwrap();
    assert_eq!(state.mint, mint.pubkey());
    assert_eq!(state.threshold, 2);
    assert_eq!(state.event_seq, 1);
    let view = f.svm.mint_view(&mint.pubkey()).await.unwrap();
    assert_eq!(view.mint_authority, Some(issuer));
    assert_eq!(view.freeze_authority, Some(issuer));
    let account = f.svm.account(&issuer).await.unwrap();
    assert_eq!(account.owner, usd1_client::PROGRAM_ID);
    let mint_account = f.svm.account(&mint.pubkey()).await.unwrap();
    assert_eq!(mint_account.owner, usd1_client::TOKEN_PROGRAM_ID);

    // a second initialize of the same mint: the issuer exists, refused with its own error
    let again = ix::initialize(&payer, &mint.pubkey(), init_args(&members, 2, 0));
    assert_program_error(
        f.svm.send(&[again], &[&mint]).await,
        MinterError::IssuerAlreadyExists,
    );
}

#[tokio::test]
async fn initialize_refuses_a_mint_address_that_holds_an_account() {
    let mut f = Fixture::new().await;
    let mint = Keypair::new();
    // the keypair's address already holds data (a system account allocated by its owner)
    let payer = f.svm.payer().pubkey();
    let create = anchor_lang::solana_program::system_instruction::create_account(
        &payer,
        &mint.pubkey(),
        SOL,
        8,
        &anchor_lang::system_program::ID,
    );
    f.svm.send(&[create], &[&mint]).await.unwrap();
    let members: Vec<_> = f.members.iter().map(|m| m.pubkey()).collect();
    let init = ix::initialize(&payer, &mint.pubkey(), init_args(&members, 2, 0));
    assert_program_error(
        f.svm.send(&[init], &[&mint]).await,
        MinterError::MintAccountExists,
    );
    assert!(f.svm.account(&pda::issuer(&mint.pubkey())).await.is_none());
}

#[tokio::test]
async fn the_next_proposal_cannot_be_blocked() {
    let mut f = Fixture::new().await;
    let next = pda::proposal(&f.issuer_key(), f.issuer().await.proposal_index + 1);
    stranger_funds(&mut f, &next, least_prefund()).await;
    let index = f.propose(0, ProposalAction::Unpause).await.unwrap();
    let proposal = f.proposal(index).await.unwrap();
    assert_eq!(proposal.index, index);
    assert_eq!(proposal.proposer, f.members[0].pubkey());
    assert_eq!(proposal.approvals, vec![f.members[0].pubkey()]);
    // rent exemption for its size, the stranger's lamport included
    let size = f.svm.account(&next).await.unwrap().data.len();
    let rent = solana_sdk::rent::Rent::default().minimum_balance(size);
    assert_eq!(f.svm.lamports(&next).await, rent);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_new_minter_cannot_be_blocked() {
    let mut f = Fixture::new().await;
    let authority = Keypair::new();
    f.hold(&authority);
    let minter = pda::minter(&f.issuer_key(), &authority.pubkey());
    // more than rent exemption needs: nothing to top up
    stranger_funds(&mut f, &minter, 10 * SOL).await;
    f.pass(ProposalAction::ConfigureMinter(MinterConfig {
        authority: authority.pubkey(),
        allowance_grant: 500 * TOKEN,
        rate_capacity: 100 * TOKEN,
        rate_window: 60,
        active: true,
    }))
    .await
    .unwrap();
    let state = f.minter(&authority.pubkey()).await.unwrap();
    assert_eq!(state.allowance, 500 * TOKEN);
    assert_eq!(state.issuer, f.issuer_key());
    assert_eq!(f.svm.lamports(&minter).await, 10 * SOL);
    // and it mints
    f.svm.fund(&authority.pubkey(), SOL).await.unwrap();
    let holder = f.holder(&authority.pubkey()).await;
    f.mint_to(&authority, &holder, request_id(1), 5 * TOKEN)
        .await
        .unwrap();
    assert_eq!(f.balance(&holder).await, 5 * TOKEN);
}

#[tokio::test]
async fn a_request_ids_receipt_cannot_be_blocked() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = f.holder(&minter.pubkey()).await;
    let receipt = pda::mint_receipt(&f.issuer_key(), &request_id(7));
    stranger_funds(&mut f, &receipt, least_prefund()).await;
    f.mint_to(&minter, &holder, request_id(7), 10 * TOKEN)
        .await
        .unwrap();
    let state: MintReceipt = f.svm.decode(&receipt).await.unwrap();
    assert_eq!((state.amount, state.recipient), (10 * TOKEN, holder));
    // the receipt is still the replay guard
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(7), 10 * TOKEN).await,
        MinterError::RequestIdReused,
    );
    assert_eq!(f.supply().await, 10 * TOKEN);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_redemption_cannot_be_blocked_nor_its_id_taken_by_another_holder() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let (alice, mallory) = (Keypair::new(), Keypair::new());
    for key in [&alice, &mallory] {
        f.svm.fund(&key.pubkey(), SOL).await.unwrap();
    }
    let alice_account = f.holder(&alice.pubkey()).await;
    let mallory_account = f.holder(&mallory.pubkey()).await;
    f.mint_to(&minter, &alice_account, request_id(1), 100 * TOKEN)
        .await
        .unwrap();
    f.mint_to(&minter, &mallory_account, request_id(2), 1)
        .await
        .unwrap();
    let id = [0x42; 32];
    // mallory saw alice's pending redeem: redeeming 1 base unit under the same id first no
    // longer takes it (the holder is part of the address)
    let squat = ix::redeem(&mallory.pubkey(), &f.mint, &mallory_account, id, 1, [0; 32]);
    f.send(&[squat], &[&mallory]).await.unwrap();
    // and funding alice's redemption address first does not block it either
    let address = pda::redemption(&f.issuer_key(), &alice.pubkey(), &id);
    stranger_funds(&mut f, &address, least_prefund()).await;
    let redeem = ix::redeem(
        &alice.pubkey(),
        &f.mint,
        &alice_account,
        id,
        40 * TOKEN,
        [7; 32],
    );
    f.send(std::slice::from_ref(&redeem), &[&alice])
        .await
        .unwrap();
    let state: Redemption = f.svm.decode(&address).await.unwrap();
    assert_eq!((state.holder, state.amount), (alice.pubkey(), 40 * TOKEN));
    // her id is hers once: a replay is refused
    assert_program_error(
        f.send(&[redeem], &[&alice]).await,
        MinterError::RedemptionIdReused,
    );
    assert_eq!(f.balance(&alice_account).await, 60 * TOKEN);
    f.assert_seq_complete().await;
    // (Token-2022 itself: a burn from an account the signer does not own is refused)
    let theft = ix::redeem(
        &mallory.pubkey(),
        &f.mint,
        &alice_account,
        [1; 32],
        1,
        [0; 32],
    );
    assert_program_error(
        f.send(&[theft], &[&mallory]).await,
        MinterError::NotTokenAccountOwner,
    );
}
