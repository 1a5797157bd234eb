//! `mint`: issuance within allowance, rate limit and supply cap, one request id at a time, and
//! every account substitution an attacker could try.
use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::events::Event;
use usd1_client::{
    ix, pda, token, Limits, MintReceipt, MinterConfig, MinterError, ProposalAction, Roles,
    PROGRAM_ID,
};
use usd1_tests::*;

/// A fixture with one minter (allowance 1,000, 500 per hour) and a holder account.
async fn setup() -> (Fixture, Keypair, Pubkey) {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(1_000 * TOKEN, 500 * TOKEN, 3600).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    (f, minter, holder)
}

#[tokio::test]
async fn mint_credits_the_recipient_and_records_everything() {
    let (mut f, minter, holder) = setup().await;
    let e = f
        .mint_to(&minter, &holder, request_id(1), 100 * TOKEN)
        .await
        .unwrap();
    assert_eq!(f.balance(&holder).await, 100 * TOKEN);
    assert_eq!(f.supply().await, 100 * TOKEN);

    let m = f.minter(&minter.pubkey()).await.unwrap();
    assert_eq!(
        (m.allowance, m.total_minted(), m.mint_count),
        (900 * TOKEN, 100 * u128::from(TOKEN), 1)
    );
    assert_eq!(m.rate_limit().available, 400 * TOKEN);
    assert_eq!(f.issuer().await.totals.minted(), 100 * u128::from(TOKEN));

    let receipt: MintReceipt = f
        .svm
        .decode(&pda::mint_receipt(&f.issuer_key(), &request_id(1)))
        .await
        .unwrap();
    assert_eq!(
        (receipt.issuer, receipt.request_id, receipt.minter),
        (f.issuer_key(), request_id(1), minter.pubkey())
    );
    assert_eq!((receipt.recipient, receipt.amount), (holder, 100 * TOKEN));
    assert_eq!(receipt.unix_timestamp, f.svm.clock().await.unix_timestamp);

    assert_eq!(e.events.len(), 1);
    let Event::Minted(m) = &e.events[0] else {
        panic!("{:?}", e.events)
    };
    assert_eq!(
        (m.mint, m.request_id, m.minter, m.recipient),
        (f.mint, request_id(1), minter.pubkey(), holder)
    );
    assert_eq!(
        (m.amount, m.supply_after, m.allowance_after),
        (100 * TOKEN, 100 * TOKEN, 900 * TOKEN)
    );
    assert_eq!(m.seq, receipt.seq);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_replayed_request_id_mints_nothing() {
    let (mut f, minter, holder) = setup().await;
    f.mint_to(&minter, &holder, request_id(7), 10 * TOKEN)
        .await
        .unwrap();
    // the very same instruction again (a retry after a timeout, say)
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(7), 10 * TOKEN).await,
        MinterError::RequestIdReused,
    );
    // and with another amount or recipient
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(7), 1).await,
        MinterError::RequestIdReused,
    );
    let other = f.holder(&Pubkey::new_unique()).await;
    assert_program_error(
        f.mint_to(&minter, &other, request_id(7), 10 * TOKEN).await,
        MinterError::RequestIdReused,
    );
    // even by another minter
    let second = f.add_minter(100 * TOKEN, 100 * TOKEN, 60).await;
    assert_program_error(
        f.mint_to(&second, &holder, request_id(7), 1).await,
        MinterError::RequestIdReused,
    );
    assert_eq!(f.supply().await, 10 * TOKEN);
    assert_eq!(
        f.minter(&minter.pubkey()).await.unwrap().allowance,
        990 * TOKEN
    );
}

#[tokio::test]
async fn zero_and_over_allowance_are_refused() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(100, 1_000, 60).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(1), 0).await,
        MinterError::ZeroAmount,
    );
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(1), 101).await,
        MinterError::AllowanceExceeded,
    );
    f.mint_to(&minter, &holder, request_id(1), 60)
        .await
        .unwrap();
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(2), 41).await,
        MinterError::AllowanceExceeded,
    );
    f.mint_to(&minter, &holder, request_id(2), 40)
        .await
        .unwrap(); // exactly what is left
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(3), 1).await,
        MinterError::AllowanceExceeded,
    );
    assert_eq!(f.supply().await, 100);
    // the request id of a refused mint stays unused
    assert!(f
        .svm
        .account(&pda::mint_receipt(&f.issuer_key(), &request_id(3)))
        .await
        .is_none());
    // governance refills the allowance
    f.pass(ProposalAction::ConfigureMinter(MinterConfig {
        authority: minter.pubkey(),
        allowance_grant: 5,
        rate_capacity: 1_000,
        rate_window: 60,
        active: true,
    }))
    .await
    .unwrap();
    f.mint_to(&minter, &holder, request_id(3), 5).await.unwrap();
    assert_eq!(f.supply().await, 105);
}

#[tokio::test]
async fn the_rate_limit_bounds_bursts_and_refills_linearly() {
    let mut f = Fixture::new().await;
    let minter = f.add_minter(10_000, 100, 100).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    f.mint_to(&minter, &holder, request_id(1), 100)
        .await
        .unwrap();
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(2), 1).await,
        MinterError::RateLimitExceeded,
    );
    f.svm.advance_clock(50).await;
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(2), 51).await,
        MinterError::RateLimitExceeded,
    );
    f.mint_to(&minter, &holder, request_id(2), 50)
        .await
        .unwrap();
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(3), 1).await,
        MinterError::RateLimitExceeded,
    );
    f.svm.advance_clock(1_000).await; // refills to capacity, not beyond
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(3), 101).await,
        MinterError::RateLimitExceeded,
    );
    f.mint_to(&minter, &holder, request_id(3), 100)
        .await
        .unwrap();
    assert_eq!(f.supply().await, 250);
    assert_eq!(f.minter(&minter.pubkey()).await.unwrap().allowance, 9_750);
}

#[tokio::test]
async fn the_supply_cap_is_global_and_inclusive() {
    let mut f = Fixture::with_args(3, |m| usd1_client::InitializeArgs {
        limits: Limits {
            supply_cap: 1_000,
            ..Limits::default()
        },
        ..init_args(m, 2, 0)
    })
    .await;
    let a = f.add_minter(2_000, 2_000, 60).await;
    let b = f.add_minter(2_000, 2_000, 60).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    f.mint_to(&a, &holder, request_id(1), 600).await.unwrap();
    assert_program_error(
        f.mint_to(&b, &holder, request_id(2), 401).await,
        MinterError::SupplyCapExceeded,
    );
    f.mint_to(&b, &holder, request_id(2), 400).await.unwrap(); // supply == cap is allowed
    assert_program_error(
        f.mint_to(&a, &holder, request_id(3), 1).await,
        MinterError::SupplyCapExceeded,
    );
    assert_eq!(f.supply().await, 1_000);
    // a refused mint spends neither allowance nor rate limit
    assert_eq!(f.minter(&a.pubkey()).await.unwrap().allowance, 1_400);
    f.pass(ProposalAction::SetLimits(Limits {
        supply_cap: 1_001,
        ..Limits::default()
    }))
    .await
    .unwrap();
    f.mint_to(&a, &holder, request_id(3), 1).await.unwrap();
}

#[tokio::test]
async fn pause_stops_minting_until_a_proposal_unpauses() {
    let (mut f, minter, holder) = setup().await;
    let outsider = Keypair::new();
    let pause_by_outsider = ix::pause(&outsider.pubkey(), &f.mint);
    assert_program_error(
        f.send(&[pause_by_outsider], &[&outsider]).await,
        MinterError::NotAPauser,
    );
    // unpausing what is not paused fails at execution
    let index = f.propose(0, ProposalAction::Unpause).await.unwrap();
    f.approve(1, index).await.unwrap();
    assert_program_error(f.execute(index).await, MinterError::NotPaused);

    let member = f.members[2].insecure_clone();
    let e = f
        .send(&[ix::pause(&member.pubkey(), &f.mint)], &[&member])
        .await
        .unwrap();
    assert!(matches!(&e.events[0], Event::Paused(p) if p.by == member.pubkey()));
    assert!(f.issuer().await.paused());
    assert!(f.mint_view().await.paused, "the token itself is paused");
    assert_program_error(
        f.send(&[ix::pause(&member.pubkey(), &f.mint)], &[&member])
            .await,
        MinterError::AlreadyPaused,
    );
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(1), 1).await,
        MinterError::Paused,
    );

    // the Unpause approved before this pause does not lift it: one proposed during it does
    assert_program_error(f.execute(index).await, MinterError::UnpauseOutlivedPause);
    assert!(f.issuer().await.paused());
    let index = f.propose(0, ProposalAction::Unpause).await.unwrap();
    f.approve(1, index).await.unwrap();
    f.execute(index).await.unwrap();
    assert!(!f.issuer().await.paused() && !f.mint_view().await.paused);
    assert!(matches!(f.events.last(), Some(Event::Unpaused(u)) if u.proposal_index == index));
    f.mint_to(&minter, &holder, request_id(1), 1).await.unwrap();
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_pauser_who_is_not_a_member_can_pause_but_not_unpause() {
    let (mut f, _minter, _holder) = setup().await;
    let pauser = Keypair::new();
    f.hold(&pauser);
    f.svm.fund(&pauser.pubkey(), SOL).await.unwrap();
    f.pass(ProposalAction::SetRoles(Roles {
        pausers: vec![pauser.pubkey()],
        ..Roles::default()
    }))
    .await
    .unwrap();
    f.send(&[ix::pause(&pauser.pubkey(), &f.mint)], &[&pauser])
        .await
        .unwrap();
    assert!(f.issuer().await.paused());
    let index = f.issuer().await.proposal_index + 1;
    let propose = ix::propose(&pauser.pubkey(), &f.mint, index, ProposalAction::Unpause);
    assert_program_error(
        f.send(&[propose], &[&pauser]).await,
        MinterError::NotAMember,
    );
    assert!(f.issuer().await.paused());
}

#[tokio::test]
async fn a_deactivated_minter_cannot_mint_until_reactivated() {
    let (mut f, minter, holder) = setup().await;
    let config = |active| {
        ProposalAction::ConfigureMinter(MinterConfig {
            authority: minter.pubkey(),
            allowance_grant: 1_000 * TOKEN,
            rate_capacity: 500 * TOKEN,
            rate_window: 3600,
            active,
        })
    };
    f.pass(config(false)).await.unwrap();
    assert!(matches!(f.events.last(), Some(Event::MinterConfigured(c)) if !c.active && !c.created));
    assert_program_error(
        f.mint_to(&minter, &holder, request_id(1), 1).await,
        MinterError::MinterInactive,
    );
    f.pass(config(true)).await.unwrap();
    f.mint_to(&minter, &holder, request_id(1), 1).await.unwrap();
}

#[tokio::test]
async fn a_removed_minter_cannot_mint_and_its_rent_goes_back() {
    let mut f = Fixture::with(1, 1, 0).await;
    let minter = Keypair::new();
    f.svm.fund(&minter.pubkey(), SOL).await.unwrap();
    let executor = Keypair::new();
    f.svm.fund(&executor.pubkey(), SOL).await.unwrap();
    let config = MinterConfig {
        authority: minter.pubkey(),
        allowance_grant: 50,
        rate_capacity: 50,
        rate_window: 60,
        active: true,
    };
    let index = f
        .propose(0, ProposalAction::ConfigureMinter(config))
        .await
        .unwrap();
    f.accept(&minter, index).await.unwrap();
    let configure =
        ix::execute_configure_minter(&executor.pubkey(), &f.mint, index, &minter.pubkey());
    f.send(&[configure], &[&executor]).await.unwrap();
    assert!(
        matches!(f.events.last(), Some(Event::MinterConfigured(c)) if c.created && c.allowance == 50)
    );
    let holder = f.holder(&Pubkey::new_unique()).await;
    f.mint_to(&minter, &holder, request_id(1), 20)
        .await
        .unwrap();

    let index = f
        .propose(
            0,
            ProposalAction::RemoveMinter {
                authority: minter.pubkey(),
            },
        )
        .await
        .unwrap();
    let wrong = ix::execute_remove_minter(
        &executor.pubkey(),
        &f.mint,
        index,
        &minter.pubkey(),
        &f.members[0].pubkey(),
    );
    assert_program_error(
        f.send(&[wrong], &[&executor]).await,
        MinterError::WrongRentReceiver,
    );
    let minter_pda = pda::minter(&f.issuer_key(), &minter.pubkey());
    let rent = f.svm.lamports(&minter_pda).await;
    let before = f.svm.lamports(&executor.pubkey()).await;
    let payer = f.svm.payer().pubkey();
    let remove =
        ix::execute_remove_minter(&payer, &f.mint, index, &minter.pubkey(), &executor.pubkey());
    f.send(&[remove], &[]).await.unwrap();
    assert_eq!(f.svm.lamports(&executor.pubkey()).await, before + rent);
    assert!(f.svm.account(&minter_pda).await.is_none());
    assert!(
        matches!(f.events.last(), Some(Event::MinterRemoved(r)) if r.allowance_forfeited == 30 && r.authority == minter.pubkey())
    );

    assert_anchor_error(
        f.mint_to(&minter, &holder, request_id(2), 1).await,
        // no account of this program at the minter's address (a zero-copy account is
        // loaded by owner and discriminator)
        AnchorError::AccountOwnedByWrongProgram,
    );
    assert_eq!(f.supply().await, 20);
    f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_key_without_a_minter_account_cannot_mint() {
    let (mut f, _minter, holder) = setup().await;
    let stranger = Keypair::new();
    f.svm.fund(&stranger.pubkey(), SOL).await.unwrap();
    assert_anchor_error(
        f.mint_to(&stranger, &holder, request_id(1), 1).await,
        AnchorError::AccountOwnedByWrongProgram,
    );
}

#[tokio::test]
async fn a_minter_cannot_sign_with_another_minters_account() {
    let (mut f, a, holder) = setup().await;
    let b = f.add_minter(10 * TOKEN, 10 * TOKEN, 60).await;
    let issuer = f.issuer_key();
    let ix = ix::mint(&a.pubkey(), &f.mint, &holder, request_id(1), 1);
    let ix = ix::with_account_replaced(
        ix,
        &pda::minter(&issuer, &a.pubkey()),
        &pda::minter(&issuer, &b.pubkey()),
    );
    assert_program_error(f.send(&[ix], &[&a]).await, MinterError::NotMinterAuthority);
    assert_eq!(f.minter(&b.pubkey()).await.unwrap().allowance, 10 * TOKEN);
}

/// A second issuer in the same SVM, 1-of-1 with member 0, with `authority` as its minter.
async fn second_issuer(f: &mut Fixture, authority: &Keypair) -> Pubkey {
    let mint = Keypair::new();
    let payer = f.svm.payer().pubkey();
    let member = f.members[0].insecure_clone();
    let args = init_args(&[member.pubkey()], 1, 0);
    f.svm
        .send(&[ix::initialize(&payer, &mint.pubkey(), args)], &[&mint])
        .await
        .unwrap();
    let config = MinterConfig {
        authority: authority.pubkey(),
        allowance_grant: 100,
        rate_capacity: 100,
        rate_window: 60,
        active: true,
    };
    let propose = ix::propose(
        &member.pubkey(),
        &mint.pubkey(),
        1,
        ProposalAction::ConfigureMinter(config),
    );
    let accept = ix::accept(&authority.pubkey(), &mint.pubkey(), 1);
    let execute = ix::execute_configure_minter(&payer, &mint.pubkey(), 1, &authority.pubkey());
    f.svm
        .send(&[propose, accept, execute], &[&member, authority])
        .await
        .unwrap();
    mint.pubkey()
}

#[tokio::test]
async fn a_recipient_of_another_mint_is_refused() {
    let (mut f, minter, _holder) = setup().await;
    let other_mint = second_issuer(&mut f, &Keypair::new()).await;
    let owner = Pubkey::new_unique();
    let payer = f.svm.payer().pubkey();
    f.svm
        .send(
            &[token::create_associated_account(
                &payer,
                &owner,
                &other_mint,
            )],
            &[],
        )
        .await
        .unwrap();
    let foreign = token::associated_address(&owner, &other_mint);
    assert_program_error(
        f.mint_to(&minter, &foreign, request_id(1), 1).await,
        MinterError::WrongMint,
    );
}

#[tokio::test]
async fn a_minter_of_another_issuer_is_refused() {
    let (mut f, _minter, holder) = setup().await;
    let key = Keypair::new();
    f.svm.fund(&key.pubkey(), SOL).await.unwrap();
    let other_mint = second_issuer(&mut f, &key).await;
    // key is a minter of the other issuer only: its minter account there is refused here
    let ix = ix::mint(&key.pubkey(), &f.mint, &holder, request_id(1), 1);
    let ours = pda::minter(&f.issuer_key(), &key.pubkey());
    let theirs = pda::minter(&pda::issuer(&other_mint), &key.pubkey());
    let ix = ix::with_account_replaced(ix, &ours, &theirs);
    assert_program_error(f.send(&[ix], &[&key]).await, MinterError::WrongIssuer);
    assert_eq!(f.supply().await, 0);
}

#[tokio::test]
async fn a_fake_token_program_is_refused() {
    let (mut f, minter, holder) = setup().await;
    let ix = ix::mint(&minter.pubkey(), &f.mint, &holder, request_id(1), 1);
    let fake = anchor_spl_ata();
    let ix = ix::with_account_replaced(ix, &usd1_client::TOKEN_PROGRAM_ID, &fake);
    assert_anchor_error(
        f.send(&[ix], &[&minter]).await,
        AnchorError::InvalidProgramId,
    );
}

/// An executable program that is not Token-2022.
fn anchor_spl_ata() -> Pubkey {
    let some_owner = Pubkey::new_unique();
    let mint = Pubkey::new_unique();
    token::create_associated_account(&some_owner, &some_owner, &mint).program_id
}

#[tokio::test]
async fn forged_issuer_accounts_cannot_mint() {
    let (mut f, minter, holder) = setup().await;
    let real = f.svm.account(&f.issuer_key()).await.unwrap();
    let issuer = f.issuer_key();
    let mint = f.mint;
    let mint_with = |fake: &Pubkey| {
        let ix = ix::mint(&minter.pubkey(), &mint, &holder, request_id(1), 1);
        let ix = ix::with_account_replaced(ix, &issuer, fake);
        ix::with_account_replaced(
            ix,
            &pda::mint_receipt(&issuer, &request_id(1)),
            &pda::mint_receipt(fake, &request_id(1)),
        )
    };
    let wrong_owner = Pubkey::new_unique();
    f.svm.set_account(
        &wrong_owner,
        Account {
            owner: anchor_lang::system_program::ID,
            ..real.clone()
        },
    );
    let ix = mint_with(&wrong_owner);
    assert_anchor_error(
        f.send(&[ix], &[&minter]).await,
        AnchorError::AccountOwnedByWrongProgram,
    );
    let wrong_seeds = Pubkey::new_unique();
    f.svm.set_account(
        &wrong_seeds,
        Account {
            owner: PROGRAM_ID,
            ..real
        },
    );
    let ix = mint_with(&wrong_seeds);
    assert_anchor_error(
        f.send(&[ix], &[&minter]).await,
        AnchorError::ConstraintSeeds,
    );
    assert_eq!(f.supply().await, 0);
}

/// The recipient is read from its bytes (`token_cpi::token_account`): only an initialized
/// token account of the mint, owned by Token-2022, is one; a multisig, a mint, an account
/// typed otherwise or uninitialized, and any account another program owns are refused as
/// Anchor's `InterfaceAccount<TokenAccount>` refused them. A byte-for-byte copy of a real
/// token account under Token-2022 is one (the control: the checks read the real layout).
#[tokio::test]
async fn only_an_initialized_token_account_of_the_mint_is_a_recipient() {
    use solana_sdk::instruction::InstructionError;
    use solana_sdk::transaction::TransactionError;
    use usd1_client::backend::SendError;
    #[track_caller]
    fn assert_refused_before_token_2022<T: std::fmt::Debug>(
        result: Result<T, SendError>,
        expected: InstructionError,
    ) {
        match result {
            // refused by the program's own read, before Token-2022 is called
            Err(SendError::Transaction {
                error: TransactionError::InstructionError(_, error),
                logs,
            }) if error == expected => {
                let token_call = format!("Program {} invoke", usd1_client::TOKEN_PROGRAM_ID);
                assert!(
                    !logs.iter().any(|l| l.starts_with(&token_call)),
                    "{logs:#?}"
                );
            }
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    let (mut f, minter, holder) = setup().await;
    let real = f.svm.account(&holder).await.unwrap();
    assert!(
        real.data.len() > 165 && real.data[165] == 2,
        "an extended token account"
    );
    let mut n = 0;
    let place = |f: &mut Fixture, owner: Pubkey, data: Vec<u8>| {
        let key = Pubkey::new_unique();
        f.svm.set_account(
            &key,
            Account {
                lamports: 10_000_000,
                data,
                owner,
                executable: false,
                rent_epoch: 0,
            },
        );
        key
    };
    let token_2022 = usd1_client::TOKEN_PROGRAM_ID;

    let copy = place(&mut f, token_2022, real.data.clone());
    n += 1;
    f.mint_to(&minter, &copy, request_id(n), 7).await.unwrap();
    assert_eq!(f.balance(&copy).await, 7);

    let mut multisig = real.data[..165].to_vec();
    multisig.resize(355, 0);
    multisig[165] = 2;
    let mut typed_mint = real.data.clone();
    typed_mint[165] = 1;
    let mut uninitialized = real.data.clone();
    uninitialized[108] = 0;
    let mut short = real.data[..164].to_vec();
    short[108] = 1;
    for data in [multisig, typed_mint, short] {
        let key = place(&mut f, token_2022, data);
        n += 1;
        assert_refused_before_token_2022(
            f.mint_to(&minter, &key, request_id(n), 1).await,
            InstructionError::InvalidAccountData,
        );
    }
    let key = place(&mut f, token_2022, uninitialized);
    n += 1;
    assert_refused_before_token_2022(
        f.mint_to(&minter, &key, request_id(n), 1).await,
        InstructionError::UninitializedAccount,
    );
    // the mint itself: its bytes where a token account's state is are zero, so Token-2022
    // (and Anchor's InterfaceAccount before) call it uninitialized
    let mint = f.mint;
    n += 1;
    assert_refused_before_token_2022(
        f.mint_to(&minter, &mint, request_id(n), 1).await,
        InstructionError::UninitializedAccount,
    );

    for owner in [PROGRAM_ID, anchor_lang::system_program::ID] {
        let key = place(&mut f, owner, real.data.clone());
        n += 1;
        assert_anchor_error(
            f.mint_to(&minter, &key, request_id(n), 1).await,
            AnchorError::AccountOwnedByWrongProgram,
        );
    }
    n += 1;
    assert_anchor_error(
        f.mint_to(&minter, &Pubkey::new_unique(), request_id(n), 1)
            .await,
        AnchorError::AccountNotInitialized,
    );
    assert_eq!(f.supply().await, 7);
}
