//! Pause at the token level, freeze and thaw, KYC mode and seizure through the permanent
//! delegate.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::events::Event;
use usd1_client::{ix, token, InitializeArgs, MinterError, ProposalAction};
use usd1_tests::*;

/// Roles set, one minter, two funded holders: alice with 100 tokens, bob with none.
struct World {
    f: Fixture,
    roles: RoleKeys,
    minter: Keypair,
    alice: Keypair,
    alice_account: Pubkey,
    bob_account: Pubkey,
}

async fn world_with(args: impl FnOnce(&[Pubkey]) -> InitializeArgs) -> World {
    let mut f = Fixture::with_args(3, args).await;
    let roles = f.with_roles().await;
    let minter = f.add_minter(10_000 * TOKEN, 10_000 * TOKEN, 3600).await;
    let (alice, bob) = (Keypair::new(), Keypair::new());
    for k in [&alice, &bob] {
        f.svm.fund(&k.pubkey(), 10 * SOL).await.unwrap();
    }
    let alice_account = f.holder(&alice.pubkey()).await;
    let bob_account = f.holder(&bob.pubkey()).await;
    World {
        f,
        roles,
        minter,
        alice,
        alice_account,
        bob_account,
    }
}

async fn world() -> World {
    let mut w = world_with(|m| init_args(m, 2, 0)).await;
    let (minter, account) = (w.minter.insecure_clone(), w.alice_account);
    w.f.mint_to(&minter, &account, request_id(1), 100 * TOKEN)
        .await
        .unwrap();
    w
}

impl World {
    fn transfer(&self, amount: u64) -> solana_sdk::instruction::Instruction {
        token::transfer_checked(
            &self.alice_account,
            &self.f.mint,
            &self.bob_account,
            &self.alice.pubkey(),
            amount,
            6,
        )
        .unwrap()
    }

    async fn freeze(&mut self, account: Pubkey, reason: u16) -> Result<(), SendError> {
        let freezer = self.roles.freezer.insecure_clone();
        let ix = ix::freeze(&freezer.pubkey(), &self.f.mint, &account, reason);
        self.f.send(&[ix], &[&freezer]).await.map(|_| ())
    }

    async fn thaw(&mut self, account: Pubkey) -> Result<(), SendError> {
        let freezer = self.roles.freezer.insecure_clone();
        let ix = ix::thaw(&freezer.pubkey(), &self.f.mint, &account);
        self.f.send(&[ix], &[&freezer]).await.map(|_| ())
    }
}

use usd1_client::embedded::SendError;

#[tokio::test]
async fn pause_stops_holder_transfers_at_the_token_level_until_unpaused() {
    let mut w = world().await;
    let alice = w.alice.insecure_clone();
    w.f.send(&[w.transfer(10 * TOKEN)], &[&alice])
        .await
        .unwrap();

    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
        .await
        .unwrap();
    assert!(matches!(w.f.events.last(), Some(Event::Paused(p)) if p.by == pauser.pubkey()));
    assert_token_error(
        w.f.send(&[w.transfer(10 * TOKEN)], &[&alice]).await,
        TokenError::MintPaused,
    );
    // the program refuses its own supply changes with its own error
    let (minter, account) = (w.minter.insecure_clone(), w.bob_account);
    assert_program_error(
        w.f.mint_to(&minter, &account, request_id(2), TOKEN).await,
        MinterError::Paused,
    );
    let redeem = ix::redeem(
        &alice.pubkey(),
        &w.f.mint,
        &w.alice_account,
        [1; 32],
        TOKEN,
        [2; 32],
    );
    assert_program_error(w.f.send(&[redeem], &[&alice]).await, MinterError::Paused);

    w.f.pass(ProposalAction::Unpause).await.unwrap();
    w.f.send(&[w.transfer(10 * TOKEN)], &[&alice])
        .await
        .unwrap();
    assert_eq!(w.f.balance(&w.bob_account).await, 20 * TOKEN);
    assert_eq!(w.f.balance(&w.alice_account).await, 80 * TOKEN);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_pauser_who_is_not_a_member_cannot_unpause() {
    let mut w = world().await;
    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
        .await
        .unwrap();
    let index = w.f.issuer().await.proposal_index + 1;
    let propose = ix::propose(&pauser.pubkey(), &w.f.mint, index, ProposalAction::Unpause);
    assert_program_error(
        w.f.send(&[propose], &[&pauser]).await,
        MinterError::NotAMember,
    );
    // a second pause is refused, by pauser and member alike
    assert_program_error(
        w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
            .await,
        MinterError::AlreadyPaused,
    );
    assert!(w.f.issuer().await.paused() && w.f.mint_view().await.paused);
}

#[tokio::test]
async fn freeze_and_thaw_by_a_freezer_with_events() {
    let mut w = world().await;
    let alice = w.alice.insecure_clone();
    let account = w.alice_account;
    w.freeze(account, 7).await.unwrap();
    assert!(w.f.token_account(&account).await.unwrap().frozen);
    let Some(Event::AccountFrozen(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (e.account, e.owner, e.reason_code, e.by),
        (account, alice.pubkey(), 7, w.roles.freezer.pubkey())
    );
    assert_token_error(
        w.f.send(&[w.transfer(TOKEN)], &[&alice]).await,
        TokenError::AccountFrozen,
    );
    assert_program_error(
        w.freeze(account, 7).await,
        MinterError::AccountAlreadyFrozen,
    );

    w.thaw(account).await.unwrap();
    let Some(Event::AccountThawed(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (e.account, e.owner, e.by),
        (account, alice.pubkey(), w.roles.freezer.pubkey())
    );
    assert!(!w.f.token_account(&account).await.unwrap().frozen);
    w.f.send(&[w.transfer(TOKEN)], &[&alice]).await.unwrap();
    assert_program_error(w.thaw(account).await, MinterError::AccountNotFrozen);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn only_freezers_freeze_and_only_accounts_of_this_mint() {
    let mut w = world().await;
    // a member, a pauser and the holder are not freezers
    for signer in [
        w.f.members[0].insecure_clone(),
        w.roles.pauser.insecure_clone(),
        w.alice.insecure_clone(),
    ] {
        let freeze = ix::freeze(&signer.pubkey(), &w.f.mint, &w.alice_account, 1);
        assert_program_error(
            w.f.send(&[freeze], &[&signer]).await,
            MinterError::NotAFreezer,
        );
        let thaw = ix::thaw(&signer.pubkey(), &w.f.mint, &w.alice_account);
        assert_program_error(
            w.f.send(&[thaw], &[&signer]).await,
            MinterError::NotAFreezer,
        );
    }

    // an account of another usd1 mint, on the same chain
    let other = Keypair::new();
    let payer = w.f.svm.payer().pubkey();
    let init = ix::initialize(&payer, &other.pubkey(), init_args(&[payer], 1, 0));
    w.f.svm.send(&[init], &[&other]).await.unwrap();
    let create = token::create_associated_account(&payer, &w.alice.pubkey(), &other.pubkey());
    w.f.svm.send(&[create], &[]).await.unwrap();
    let foreign = token::associated_address(&w.alice.pubkey(), &other.pubkey());
    assert_program_error(w.freeze(foreign, 1).await, MinterError::WrongMint);
    // ... and this issuer's mint passed for the other mint's account
    let freezer = w.roles.freezer.insecure_clone();
    let wrong_mint = ix::with_account_replaced(
        ix::freeze(&freezer.pubkey(), &w.f.mint, &w.alice_account, 1),
        &w.f.mint,
        &other.pubkey(),
    );
    assert!(w.f.send(&[wrong_mint], &[&freezer]).await.is_err());
    assert!(!w.f.token_account(&w.alice_account).await.unwrap().frozen);
}

#[tokio::test]
async fn kyc_mode_admits_a_holder_only_once_a_freezer_thaws_the_account() {
    let mut w = world_with(|m| InitializeArgs {
        default_frozen: true,
        ..init_args(m, 2, 0)
    })
    .await;
    // both new accounts start frozen
    assert!(w.f.token_account(&w.alice_account).await.unwrap().frozen);
    let (minter, alice_account, bob_account) =
        (w.minter.insecure_clone(), w.alice_account, w.bob_account);
    assert_program_error(
        w.f.mint_to(&minter, &alice_account, request_id(1), TOKEN)
            .await,
        MinterError::AccountFrozen,
    );

    w.thaw(alice_account).await.unwrap();
    w.f.mint_to(&minter, &alice_account, request_id(1), 5 * TOKEN)
        .await
        .unwrap();
    // bob is not admitted yet: a transfer to him fails at the token level
    let alice = w.alice.insecure_clone();
    assert_token_error(
        w.f.send(&[w.transfer(TOKEN)], &[&alice]).await,
        TokenError::AccountFrozen,
    );
    w.thaw(bob_account).await.unwrap();
    w.f.send(&[w.transfer(TOKEN)], &[&alice]).await.unwrap();
    assert_eq!(w.f.balance(&bob_account).await, TOKEN);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn seizure_moves_a_frozen_accounts_tokens_to_a_treasury_and_refreezes_it() {
    let mut w = world().await;
    let treasury_owner = Pubkey::new_unique();
    let treasury = w.f.holder(&treasury_owner).await;
    let (account, supply) = (w.alice_account, w.f.supply().await);
    let seize = ProposalAction::Seize {
        account,
        destination: Some(treasury),
        amount: 60 * TOKEN,
    };
    // refused while the account is not frozen
    let index = w.f.propose(0, seize.clone()).await.unwrap();
    w.f.approve(1, index).await.unwrap();
    assert_program_error(w.f.execute(index).await, MinterError::AccountNotFrozen);

    w.freeze(account, 3).await.unwrap();
    w.f.execute(index).await.unwrap();
    assert_eq!(w.f.balance(&account).await, 40 * TOKEN);
    assert_eq!(w.f.balance(&treasury).await, 60 * TOKEN);
    assert_eq!(w.f.supply().await, supply);
    assert!(
        w.f.token_account(&account).await.unwrap().frozen,
        "frozen again"
    );
    let Some(Event::Seized(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (
            e.from,
            e.owner,
            e.to,
            e.amount,
            e.supply_after,
            e.proposal_index
        ),
        (
            account,
            w.alice.pubkey(),
            Some(treasury),
            60 * TOKEN,
            supply,
            index
        )
    );
    assert_eq!(w.f.issuer().await.totals.seized_burned(), 0);
    // executed once only
    assert_program_error(w.f.execute(index).await, MinterError::ProposalNotActive);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn seizure_can_burn_and_the_totals_follow() {
    let mut w = world().await;
    let account = w.alice_account;
    w.freeze(account, 3).await.unwrap();
    let index =
        w.f.pass(ProposalAction::Seize {
            account,
            destination: None,
            amount: 100 * TOKEN,
        })
        .await
        .unwrap();
    assert_eq!(w.f.balance(&account).await, 0);
    assert_eq!(w.f.supply().await, 0);
    let issuer = w.f.issuer().await;
    assert_eq!(issuer.totals.seized_burned(), 100 * u128::from(TOKEN));
    assert!(matches!(w.f.events.last(), Some(Event::Seized(e))
        if e.to.is_none() && e.amount == 100 * TOKEN && e.supply_after == 0 && e.proposal_index == index));
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn seizure_checks_accounts_amount_and_the_extension() {
    let mut w = world().await;
    let account = w.alice_account;
    let treasury = w.f.holder(&Pubkey::new_unique()).await;
    w.freeze(account, 3).await.unwrap();

    assert_program_error(
        w.f.propose(
            0,
            ProposalAction::Seize {
                account,
                destination: Some(account),
                amount: 1,
            },
        )
        .await,
        MinterError::SeizeToSelf,
    );
    assert_program_error(
        w.f.propose(
            0,
            ProposalAction::Seize {
                account,
                destination: None,
                amount: 0,
            },
        )
        .await,
        MinterError::ZeroAmount,
    );
    // more than the balance
    let index =
        w.f.propose(
            0,
            ProposalAction::Seize {
                account,
                destination: None,
                amount: 101 * TOKEN,
            },
        )
        .await
        .unwrap();
    w.f.approve(1, index).await.unwrap();
    assert_program_error(w.f.execute(index).await, MinterError::InsufficientBalance);

    // accounts other than the ones the proposal names
    let index =
        w.f.propose(
            0,
            ProposalAction::Seize {
                account,
                destination: Some(treasury),
                amount: TOKEN,
            },
        )
        .await
        .unwrap();
    w.f.approve(1, index).await.unwrap();
    let payer = w.f.svm.payer().pubkey();
    let mint = w.f.mint;
    for (from, to) in [
        (w.bob_account, Some(&treasury)),
        (account, Some(&w.bob_account)),
        (account, None),
    ] {
        let ix = ix::execute_seize(&payer, &mint, index, &from, to);
        assert_program_error(
            w.f.send(&[ix], &[]).await,
            MinterError::SeizeAccountMismatch,
        );
    }
    // a frozen treasury is refused before Token-2022 would
    w.freeze(treasury, 1).await.unwrap();
    assert_program_error(w.f.execute(index).await, MinterError::AccountFrozen);
    w.thaw(treasury).await.unwrap();
    // a seizure is refused through the other execute instructions
    let generic = ix::execute(&payer, &mint, index);
    assert_program_error(
        w.f.send(&[generic], &[]).await,
        MinterError::WrongExecuteInstruction,
    );
    // paused: refused with the program's error
    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause(&pauser.pubkey(), &mint)], &[&pauser])
        .await
        .unwrap();
    assert_program_error(w.f.execute(index).await, MinterError::Paused);
    assert_eq!(w.f.balance(&account).await, 100 * TOKEN);
}

#[tokio::test]
async fn seizure_is_refused_without_the_permanent_delegate() {
    let mut w = world_with(|m| InitializeArgs {
        permanent_delegate: false,
        ..init_args(m, 2, 0)
    })
    .await;
    assert_eq!(w.f.mint_view().await.permanent_delegate, None);
    let account = w.alice_account;
    w.freeze(account, 3).await.unwrap();
    assert_program_error(
        w.f.propose(
            0,
            ProposalAction::Seize {
                account,
                destination: None,
                amount: 1,
            },
        )
        .await,
        MinterError::PermanentDelegateDisabled,
    );
}
