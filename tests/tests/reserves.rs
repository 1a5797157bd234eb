//! Reserve attestations and the reserve guard on `mint`, at the exact boundaries.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::SendError;
use usd1_client::events::Event;
use usd1_client::{ix, Limits, MinterError, ProposalAction, ReserveAttestation};
use usd1_tests::*;

const HASH: [u8; 32] = [0x4E; 32];
const MAX_AGE: u32 = 3600;

struct World {
    f: Fixture,
    attestor: Keypair,
    minter: Keypair,
    holder: Pubkey,
}

async fn world() -> World {
    let mut f = Fixture::new().await;
    let roles = f.with_roles().await;
    let minter = f.add_minter(1_000_000 * TOKEN, 1_000_000 * TOKEN, 60).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    World {
        f,
        attestor: roles.reserve_attestor.insecure_clone(),
        minter,
        holder,
    }
}

impl World {
    async fn attest(&mut self, signer: &Keypair, amount: u64, as_of: i64) -> Result<(), SendError> {
        let ix = ix::attest_reserves(&signer.pubkey(), &self.f.mint, amount, as_of, HASH);
        self.f.send(&[ix], &[signer]).await.map(|_| ())
    }

    async fn now(&mut self) -> i64 {
        self.f.svm.clock().await.unix_timestamp
    }

    async fn mint(&mut self, n: u64, amount: u64) -> Result<(), SendError> {
        let (minter, holder) = (self.minter.insecure_clone(), self.holder);
        self.f
            .mint_to(&minter, &holder, request_id(n), amount)
            .await
            .map(|_| ())
    }

    async fn guard_on(&mut self) {
        self.f
            .pass(ProposalAction::SetLimits(Limits {
                supply_cap: 1_000_000 * TOKEN,
                reserve_guard: true,
                reserve_max_age: MAX_AGE,
                ..Limits::default()
            }))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_attestor_records_reserves_in_time_order() {
    let mut w = world().await;
    let attestor = w.attestor.insecure_clone();
    w.mint(1, 7 * TOKEN).await.unwrap();
    let now = w.now().await;
    for other in [w.f.members[0].insecure_clone(), w.minter.insecure_clone()] {
        assert_program_error(
            w.attest(&other, TOKEN, now).await,
            MinterError::NotReserveAttestor,
        );
    }
    assert_program_error(
        w.attest(&attestor, TOKEN, now + 1).await,
        MinterError::AttestationInFuture,
    );
    w.attest(&attestor, 100 * TOKEN, now - 10).await.unwrap();
    assert_eq!(
        w.f.issuer().await.reserves,
        ReserveAttestation {
            amount: 100 * TOKEN,
            as_of: now - 10,
            report_hash: HASH
        }
    );
    let Some(Event::ReservesAttested(e)) = w.f.events.last().cloned() else {
        panic!("{:?}", w.f.events.last())
    };
    assert_eq!(
        (e.amount, e.as_of, e.report_hash, e.supply, e.by),
        (100 * TOKEN, now - 10, HASH, 7 * TOKEN, attestor.pubkey())
    );
    assert_program_error(
        w.attest(&attestor, TOKEN, now - 11).await,
        MinterError::AttestationOutOfOrder,
    );
    // the same as_of again corrects a wrong attestation; now itself is allowed
    w.attest(&attestor, 90 * TOKEN, now - 10).await.unwrap();
    assert_eq!(w.f.issuer().await.reserves.amount, 90 * TOKEN);
    w.attest(&attestor, 95 * TOKEN, now).await.unwrap();
    assert_eq!(w.f.issuer().await.reserves.as_of, now);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn the_guard_needs_an_attestation_covering_supply_equal_allowed() {
    let mut w = world().await;
    w.mint(1, 400 * TOKEN).await.unwrap(); // guard off: no attestation needed
    w.guard_on().await;
    assert_program_error(w.mint(2, TOKEN).await, MinterError::ReserveAttestationStale);

    let attestor = w.attestor.insecure_clone();
    let now = w.now().await;
    w.attest(&attestor, 1_000 * TOKEN, now).await.unwrap();
    // supply 400 + 600 = 1,000 = reserves: allowed; one more base unit is not
    assert_program_error(
        w.mint(2, 600 * TOKEN + 1).await,
        MinterError::ReservesExceeded,
    );
    w.mint(2, 600 * TOKEN).await.unwrap();
    assert_eq!(w.f.supply().await, 1_000 * TOKEN);
    assert_program_error(w.mint(3, 1).await, MinterError::ReservesExceeded);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn the_guard_refuses_an_attestation_older_than_the_maximum_age() {
    let mut w = world().await;
    w.guard_on().await;
    let attestor = w.attestor.insecure_clone();
    let now = w.now().await;
    w.attest(&attestor, 1_000 * TOKEN, now).await.unwrap();
    w.f.svm.advance_clock(i64::from(MAX_AGE)).await;
    w.mint(1, TOKEN).await.unwrap(); // exactly max age old: allowed
    w.f.svm.advance_clock(1).await;
    assert_program_error(w.mint(2, TOKEN).await, MinterError::ReserveAttestationStale);
    let now = w.now().await;
    w.attest(&attestor, 1_000 * TOKEN, now).await.unwrap();
    w.mint(2, TOKEN).await.unwrap();
    assert_eq!(w.f.supply().await, 2 * TOKEN);
}

#[tokio::test]
async fn the_guard_needs_a_maximum_age() {
    let mut w = world().await;
    let no_age = Limits {
        supply_cap: TOKEN,
        reserve_guard: true,
        reserve_max_age: 0,
        ..Limits::default()
    };
    assert_program_error(
        w.f.propose(0, ProposalAction::SetLimits(no_age)).await,
        MinterError::InvalidReserveGuard,
    );
}
