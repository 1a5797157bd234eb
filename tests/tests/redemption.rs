//! Burn-for-redemption: redeem, then exactly one of settle or refund; lifetime totals follow
//! every step (the fixture asserts the supply identity after each transaction).
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::SendError;
use usd1_client::events::Event;
use usd1_client::{ix, pda, Limits, MinterError, ProposalAction, Redemption, RedemptionStatus};
use usd1_tests::*;

const PAYOUT: [u8; 32] = [0xBA; 32];

struct World {
    f: Fixture,
    roles: RoleKeys,
    minter: Keypair,
    holder: Keypair,
    account: Pubkey,
}

/// Roles set, min redemption 10 tokens, a holder with 1,000 tokens.
async fn world() -> World {
    let mut f = Fixture::with_args(3, |m| {
        let mut args = init_args(m, 2, 0);
        args.limits.min_redemption = 10 * TOKEN;
        args
    })
    .await;
    let roles = f.with_roles().await;
    let minter = f.add_minter(10_000 * TOKEN, 10_000 * TOKEN, 3600).await;
    let holder = Keypair::new();
    f.svm.fund(&holder.pubkey(), 10 * SOL).await.unwrap();
    let account = f.holder(&holder.pubkey()).await;
    f.mint_to(&minter, &account, request_id(1), 1_000 * TOKEN)
        .await
        .unwrap();
    World {
        f,
        roles,
        minter,
        holder,
        account,
    }
}

fn id(n: u8) -> [u8; 32] {
    [n; 32]
}

impl World {
    async fn redeem(&mut self, redemption_id: [u8; 32], amount: u64) -> Result<(), SendError> {
        let holder = self.holder.insecure_clone();
        let ix = ix::redeem(
            &holder.pubkey(),
            &self.f.mint,
            &self.account,
            redemption_id,
            amount,
            PAYOUT,
        );
        self.f.send(&[ix], &[&holder]).await.map(|_| ())
    }

    async fn settle(&mut self, signer: &Keypair, redemption_id: [u8; 32]) -> Result<(), SendError> {
        let ix = ix::settle_redemption(
            &signer.pubkey(),
            &self.f.mint,
            &self.holder.pubkey(),
            redemption_id,
            [0x5E; 32],
        );
        self.f.send(&[ix], &[signer]).await.map(|_| ())
    }

    async fn refund(&mut self, signer: &Keypair, redemption_id: [u8; 32]) -> Result<(), SendError> {
        let ix = ix::refund_redemption(
            &signer.pubkey(),
            &self.f.mint,
            &self.holder.pubkey(),
            redemption_id,
            &self.account,
            4,
        );
        self.f.send(&[ix], &[signer]).await.map(|_| ())
    }

    async fn redemption(&mut self, redemption_id: [u8; 32]) -> Redemption {
        let key = pda::redemption(&self.f.issuer_key(), &self.holder.pubkey(), &redemption_id);
        self.f.svm.decode(&key).await.expect("redemption account")
    }

    fn operator(&self) -> Keypair {
        self.roles.redemption_operator.insecure_clone()
    }
}

#[tokio::test]
async fn redeem_burns_and_records_the_request() {
    let mut w = world().await;
    w.redeem(id(1), 250 * TOKEN).await.unwrap();
    assert_eq!(w.f.balance(&w.account).await, 750 * TOKEN);
    assert_eq!(w.f.supply().await, 750 * TOKEN);
    let r = w.redemption(id(1)).await;
    assert_eq!(
        (r.issuer, r.redemption_id, r.holder, r.token_account),
        (w.f.issuer_key(), id(1), w.holder.pubkey(), w.account)
    );
    assert_eq!(
        (r.amount, r.payout_reference, r.status().unwrap()),
        (250 * TOKEN, PAYOUT, RedemptionStatus::Requested)
    );
    assert_eq!(r.requested_at, w.f.svm.clock().await.unix_timestamp);
    assert_eq!(
        w.f.issuer().await.totals.redeemed(),
        250 * u128::from(TOKEN)
    );
    let Some(Event::RedemptionRequested(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (
            e.redemption_id,
            e.holder,
            e.token_account,
            e.amount,
            e.payout_reference,
            e.supply_after
        ),
        (
            id(1),
            w.holder.pubkey(),
            w.account,
            250 * TOKEN,
            PAYOUT,
            750 * TOKEN
        )
    );
    assert_eq!(e.seq, r.seq);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn redeem_refusals() {
    let mut w = world().await;
    // below the minimum (equal is allowed), zero
    assert_program_error(
        w.redeem(id(1), 10 * TOKEN - 1).await,
        MinterError::BelowMinRedemption,
    );
    assert_program_error(w.redeem(id(1), 0).await, MinterError::ZeroAmount);
    w.redeem(id(1), 10 * TOKEN).await.unwrap();
    // a reused id, even for another amount
    assert_program_error(
        w.redeem(id(1), 20 * TOKEN).await,
        MinterError::RedemptionIdReused,
    );
    // more than the balance
    assert_program_error(
        w.redeem(id(2), 991 * TOKEN).await,
        MinterError::InsufficientBalance,
    );
    // someone else's account
    let thief = Keypair::new();
    w.f.svm.fund(&thief.pubkey(), SOL).await.unwrap();
    let steal = ix::redeem(
        &thief.pubkey(),
        &w.f.mint,
        &w.account,
        id(3),
        10 * TOKEN,
        PAYOUT,
    );
    assert_program_error(
        w.f.send(&[steal], &[&thief]).await,
        MinterError::NotTokenAccountOwner,
    );
    // a frozen account
    let freezer = w.roles.freezer.insecure_clone();
    let freeze = ix::freeze(&freezer.pubkey(), &w.f.mint, &w.account, 1);
    w.f.send(&[freeze], &[&freezer]).await.unwrap();
    assert_program_error(
        w.redeem(id(4), 10 * TOKEN).await,
        MinterError::AccountFrozen,
    );
    // nothing of the refused attempts was applied
    assert_eq!(w.f.supply().await, 990 * TOKEN);
    assert!(w
        .f
        .svm
        .decode::<Redemption>(&pda::redemption(
            &w.f.issuer_key(),
            &w.holder.pubkey(),
            &id(2)
        ))
        .await
        .is_none());
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn the_operator_settles_once() {
    let mut w = world().await;
    w.redeem(id(1), 100 * TOKEN).await.unwrap();
    // neither the holder, a member nor the freezer may settle
    for signer in [
        w.holder.insecure_clone(),
        w.f.members[0].insecure_clone(),
        w.roles.freezer.insecure_clone(),
    ] {
        assert_program_error(
            w.settle(&signer, id(1)).await,
            MinterError::NotRedemptionOperator,
        );
        assert_program_error(
            w.refund(&signer, id(1)).await,
            MinterError::NotRedemptionOperator,
        );
    }
    let operator = w.operator();
    w.settle(&operator, id(1)).await.unwrap();
    let r = w.redemption(id(1)).await;
    assert_eq!(
        (r.status().unwrap(), r.settlement_reference),
        (RedemptionStatus::Settled, [0x5E; 32])
    );
    assert_eq!(r.resolved_at, w.f.svm.clock().await.unix_timestamp);
    let Some(Event::RedemptionSettled(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (
            e.redemption_id,
            e.holder,
            e.amount,
            e.settlement_reference,
            e.by
        ),
        (
            id(1),
            w.holder.pubkey(),
            100 * TOKEN,
            [0x5E; 32],
            operator.pubkey()
        )
    );
    assert_program_error(
        w.settle(&operator, id(1)).await,
        MinterError::RedemptionNotRequested,
    );
    assert_program_error(
        w.refund(&operator, id(1)).await,
        MinterError::RedemptionNotRequested,
    );
    // an id never redeemed has no account (the zero-copy loader checks the owner first)
    assert_anchor_error(
        w.settle(&operator, id(9)).await,
        AnchorError::AccountOwnedByWrongProgram,
    );
    assert_eq!(w.f.supply().await, 900 * TOKEN);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_refund_re_mints_to_the_holder_without_touching_allowances() {
    let mut w = world().await;
    let allowance = w.f.minter(&w.minter.pubkey()).await.unwrap().allowance;
    w.redeem(id(1), 100 * TOKEN).await.unwrap();
    let operator = w.operator();
    // only to the account the redemption burned from
    let elsewhere = w.f.holder(&Pubkey::new_unique()).await;
    let wrong = ix::refund_redemption(
        &operator.pubkey(),
        &w.f.mint,
        &w.holder.pubkey(),
        id(1),
        &elsewhere,
        4,
    );
    assert_program_error(
        w.f.send(&[wrong], &[&operator]).await,
        MinterError::WrongRedemptionAccount,
    );

    w.refund(&operator, id(1)).await.unwrap();
    assert_eq!(w.f.balance(&w.account).await, 1_000 * TOKEN);
    assert_eq!(w.f.supply().await, 1_000 * TOKEN);
    let r = w.redemption(id(1)).await;
    assert_eq!(
        (r.status().unwrap(), r.refund_reason),
        (RedemptionStatus::Refunded, 4)
    );
    let issuer = w.f.issuer().await;
    assert_eq!(
        (
            issuer.totals.minted(),
            issuer.totals.redeemed(),
            issuer.totals.refunded()
        ),
        (
            1_000 * u128::from(TOKEN),
            100 * u128::from(TOKEN),
            100 * u128::from(TOKEN)
        )
    );
    assert_eq!(
        w.f.minter(&w.minter.pubkey()).await.unwrap().allowance,
        allowance
    );
    let Some(Event::RedemptionRefunded(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (
            e.redemption_id,
            e.holder,
            e.token_account,
            e.amount,
            e.reason_code,
            e.supply_after,
            e.by
        ),
        (
            id(1),
            w.holder.pubkey(),
            w.account,
            100 * TOKEN,
            4,
            1_000 * TOKEN,
            operator.pubkey()
        )
    );
    assert_program_error(
        w.refund(&operator, id(1)).await,
        MinterError::RedemptionNotRequested,
    );
    assert_program_error(
        w.settle(&operator, id(1)).await,
        MinterError::RedemptionNotRequested,
    );
    // the id stays used
    assert_program_error(
        w.redeem(id(1), 10 * TOKEN).await,
        MinterError::RedemptionIdReused,
    );
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn settle_works_while_paused_refund_does_not() {
    let mut w = world().await;
    w.redeem(id(1), 100 * TOKEN).await.unwrap();
    w.redeem(id(2), 100 * TOKEN).await.unwrap();
    let pauser = w.roles.pauser.insecure_clone();
    w.f.send(&[ix::pause(&pauser.pubkey(), &w.f.mint)], &[&pauser])
        .await
        .unwrap();
    let operator = w.operator();
    // settling records money that already left; it moves no token
    w.settle(&operator, id(1)).await.unwrap();
    assert_program_error(w.refund(&operator, id(2)).await, MinterError::Paused);
    w.f.pass(ProposalAction::Unpause).await.unwrap();
    // a refund to a frozen account is refused with the program's error
    let freezer = w.roles.freezer.insecure_clone();
    w.f.send(
        &[ix::freeze(&freezer.pubkey(), &w.f.mint, &w.account, 1)],
        &[&freezer],
    )
    .await
    .unwrap();
    assert_program_error(w.refund(&operator, id(2)).await, MinterError::AccountFrozen);
    w.f.send(
        &[ix::thaw(&freezer.pubkey(), &w.f.mint, &w.account)],
        &[&freezer],
    )
    .await
    .unwrap();
    w.refund(&operator, id(2)).await.unwrap();
    assert_eq!(w.f.supply().await, 900 * TOKEN);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn min_redemption_is_set_by_governance() {
    let mut w = world().await;
    w.f.pass(ProposalAction::SetLimits(Limits {
        supply_cap: 1_000_000 * TOKEN,
        min_redemption: 500 * TOKEN,
        ..Limits::default()
    }))
    .await
    .unwrap();
    assert_program_error(
        w.redeem(id(1), 499 * TOKEN).await,
        MinterError::BelowMinRedemption,
    );
    w.redeem(id(1), 500 * TOKEN).await.unwrap();
    assert_eq!(w.f.supply().await, 500 * TOKEN);
}

#[tokio::test]
async fn a_refund_follows_the_holder_not_an_account_that_changed_owner() {
    let mut w = world().await;
    // the holder's own (non-associated) account, whose owner can change after the burn
    let own = Keypair::new();
    let payer = w.f.svm.payer().pubkey();
    let holder = w.holder.insecure_clone();
    let create =
        usd1_client::token::create_account(&payer, &own.pubkey(), &holder.pubkey(), &w.f.mint)
            .unwrap();
    w.f.send(&create, &[&own]).await.unwrap();
    w.f.mint_to(&w.minter, &own.pubkey(), request_id(2), 100 * TOKEN)
        .await
        .unwrap();
    let redeem = ix::redeem(
        &holder.pubkey(),
        &w.f.mint,
        &own.pubkey(),
        id(7),
        100 * TOKEN,
        PAYOUT,
    );
    w.f.send(&[redeem], &[&holder]).await.unwrap();
    // the holder hands the (now empty) account to someone else
    let buyer = Keypair::new();
    let hand_over =
        usd1_client::token::set_owner(&own.pubkey(), &holder.pubkey(), &buyer.pubkey()).unwrap();
    w.f.send(&[hand_over], &[&holder]).await.unwrap();
    assert_eq!(
        w.f.token_account(&own.pubkey()).await.unwrap().owner,
        buyer.pubkey()
    );
    // the refund would pay the new owner while naming the holder: refused
    let operator = w.operator();
    let refund = ix::refund_redemption(
        &operator.pubkey(),
        &w.f.mint,
        &holder.pubkey(),
        id(7),
        &own.pubkey(),
        4,
    );
    assert_program_error(
        w.f.send(std::slice::from_ref(&refund), &[&operator]).await,
        MinterError::RefundAccountNotHolders,
    );
    assert_eq!(w.f.balance(&own.pubkey()).await, 0);
    // handed back, the refund goes through to the holder
    let back =
        usd1_client::token::set_owner(&own.pubkey(), &buyer.pubkey(), &holder.pubkey()).unwrap();
    w.f.send(&[back], &[&buyer]).await.unwrap();
    w.f.send(&[refund], &[&operator]).await.unwrap();
    assert_eq!(w.f.balance(&own.pubkey()).await, 100 * TOKEN);
    let r = w.redemption(id(7)).await;
    assert_eq!(r.status().unwrap(), RedemptionStatus::Refunded);
    w.f.assert_seq_complete().await;
}
