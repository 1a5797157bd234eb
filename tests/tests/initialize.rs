//! `initialize`: the mint and its authorities, the issuer, the first event, and every refusal.
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::Embedded;
use usd1_client::events::Event;
use usd1_client::token::MintView;
use usd1_client::{ix, pda, InitializeArgs, Issuer, Limits, MinterError, MAX_TIME_LOCK};
use usd1_tests::*;

#[tokio::test]
async fn every_mint_authority_is_the_issuer_pda() {
    let mut f = Fixture::new().await;
    let issuer_key = f.issuer_key();
    let mint = f.mint_view().await;
    assert_eq!(mint.mint_authority, Some(issuer_key));
    assert_eq!(mint.freeze_authority, Some(issuer_key));
    assert_eq!(mint.pause_authority, Some(issuer_key));
    assert_eq!(mint.permanent_delegate, Some(issuer_key));
    assert_eq!(mint.metadata_pointer_authority, Some(issuer_key));
    assert_eq!(mint.metadata_update_authority, Some(issuer_key));
    assert_eq!(mint.metadata_address, Some(f.mint));
    assert_eq!(
        (mint.name.as_str(), mint.symbol.as_str()),
        ("USD1 Test Dollar", "USD1")
    );
    assert_eq!(mint.uri, "https://example.com/usd1.json");
    assert_eq!((mint.decimals, mint.supply, mint.paused), (6, 0, false));
    assert_eq!(
        mint.default_account_state,
        Some(anchor_spl_state::AccountState::Initialized)
    );
    // no member key holds any authority
    for member in &f.members {
        let key = Some(member.pubkey());
        assert!(
            mint.mint_authority != key
                && mint.freeze_authority != key
                && mint.pause_authority != key
        );
    }
}

mod anchor_spl_state {
    pub use usd1_client::token::AccountState;
}

#[tokio::test]
async fn issuer_holds_sorted_members_threshold_and_first_event() {
    let mut f = Fixture::with(3, 2, 3600).await;
    let issuer: Issuer = f.issuer().await;
    let mut members: Vec<Pubkey> = f.members.iter().map(|m| m.pubkey()).collect();
    members.sort();
    assert_eq!(issuer.members(), members);
    assert_eq!((issuer.threshold, issuer.time_lock), (2, 3600));
    assert_eq!(issuer.mint, f.mint);
    assert_eq!(issuer.limits().supply_cap, 1_000_000 * TOKEN);
    assert_eq!((issuer.proposal_index, issuer.stale_proposal_index), (0, 0));
    assert_eq!(
        (
            issuer.paused(),
            issuer.permanent_delegate(),
            issuer.default_frozen()
        ),
        (false, true, false)
    );
    assert_eq!(issuer.event_seq, 1);
    assert_eq!(f.events.len(), 1);
    let Event::IssuerInitialized(e) = &f.events[0] else {
        panic!("{:?}", f.events[0])
    };
    assert_eq!((e.seq, e.mint, e.issuer), (1, f.mint, f.issuer_key()));
    assert_eq!(e.members, members);
    assert_eq!((e.threshold, e.time_lock, e.decimals), (2, 3600, 6));
    assert_eq!(e.symbol, "USD1");
    assert!(e.permanent_delegate && !e.default_frozen);
}

#[tokio::test]
async fn kyc_mode_without_permanent_delegate() {
    let mut f = Fixture::with_args(1, |m| InitializeArgs {
        permanent_delegate: false,
        default_frozen: true,
        ..init_args(m, 1, 0)
    })
    .await;
    let mint = f.mint_view().await;
    assert_eq!(mint.permanent_delegate, None);
    assert_eq!(
        mint.default_account_state,
        Some(anchor_spl_state::AccountState::Frozen)
    );
    let issuer = f.issuer().await;
    assert!(!issuer.permanent_delegate() && issuer.default_frozen());
    // a new holder account starts frozen
    let holder = f.holder(&Pubkey::new_unique()).await;
    assert!(f.token_account(&holder).await.unwrap().frozen);
}

/// Tries `initialize` with `args` and returns the error; checks nothing was created.
async fn refused(args: impl FnOnce(&[Pubkey]) -> InitializeArgs, expected: MinterError) {
    let mut svm = Embedded::start().await;
    let members: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let mint = Keypair::new();
    let payer = svm.payer().pubkey();
    let result = svm
        .send(
            &[ix::initialize(&payer, &mint.pubkey(), args(&members))],
            &[&mint],
        )
        .await;
    assert_program_error(result, expected);
    assert!(
        svm.account(&mint.pubkey()).await.is_none(),
        "mint must not exist"
    );
    assert!(
        svm.account(&pda::issuer(&mint.pubkey())).await.is_none(),
        "issuer must not exist"
    );
}

#[tokio::test]
async fn refuses_bad_members_threshold_time_lock() {
    refused(|_| init_args(&[], 1, 0), MinterError::NoMembers).await;
    let eleven: Vec<Pubkey> = (0..11).map(|_| Pubkey::new_unique()).collect();
    refused(|_| init_args(&eleven, 1, 0), MinterError::TooManyMembers).await;
    refused(
        |m| init_args(&[m[0], m[1], m[0]], 1, 0),
        MinterError::DuplicateMember,
    )
    .await;
    refused(|m| init_args(m, 0, 0), MinterError::InvalidThreshold).await;
    refused(|m| init_args(m, 4, 0), MinterError::InvalidThreshold).await;
    refused(
        |m| init_args(m, 2, MAX_TIME_LOCK + 1),
        MinterError::TimeLockTooLong,
    )
    .await;
}

#[tokio::test]
async fn refuses_bad_limits_and_metadata() {
    refused(
        |m| InitializeArgs {
            limits: Limits {
                supply_cap: 0,
                ..Limits::default()
            },
            ..init_args(m, 2, 0)
        },
        MinterError::ZeroSupplyCap,
    )
    .await;
    refused(
        |m| InitializeArgs {
            decimals: 19,
            ..init_args(m, 2, 0)
        },
        MinterError::InvalidDecimals,
    )
    .await;
    refused(
        |m| InitializeArgs {
            name: "n".repeat(33),
            ..init_args(m, 2, 0)
        },
        MinterError::MetadataTooLong,
    )
    .await;
    refused(
        |m| InitializeArgs {
            symbol: "s".repeat(11),
            ..init_args(m, 2, 0)
        },
        MinterError::MetadataTooLong,
    )
    .await;
    refused(
        |m| InitializeArgs {
            uri: "u".repeat(201),
            ..init_args(m, 2, 0)
        },
        MinterError::MetadataTooLong,
    )
    .await;
}

#[tokio::test]
async fn accepts_the_boundaries() {
    let ten: Vec<Pubkey> = (0..10).map(|_| Pubkey::new_unique()).collect();
    let mut svm = Embedded::start().await;
    let mint = Keypair::new();
    let payer = svm.payer().pubkey();
    let args = InitializeArgs {
        name: "n".repeat(32),
        symbol: "s".repeat(10),
        uri: "u".repeat(200),
        decimals: 18,
        ..init_args(&ten, 10, MAX_TIME_LOCK)
    };
    svm.send(&[ix::initialize(&payer, &mint.pubkey(), args)], &[&mint])
        .await
        .unwrap();
    let issuer: Issuer = svm.decode(&pda::issuer(&mint.pubkey())).await.unwrap();
    assert_eq!(
        (issuer.members().len(), issuer.threshold, issuer.time_lock),
        (10, 10, MAX_TIME_LOCK)
    );
    let view = MintView::decode(&svm.account(&mint.pubkey()).await.unwrap().data).unwrap();
    assert_eq!(view.name.len(), 32);
}

#[tokio::test]
async fn the_same_mint_cannot_be_initialized_twice() {
    let mut f = Fixture::new().await;
    let keys: Vec<Pubkey> = f.members.iter().map(|m| m.pubkey()).collect();
    let payer = f.svm.payer().pubkey();
    let mint_keypair = f.mint_keypair.insecure_clone();
    let again = ix::initialize(&payer, &f.mint, init_args(&keys, 1, 0));
    let result = f.svm.send(&[again], &[&mint_keypair]).await;
    // the issuer PDA already exists: Anchor's `init` fails in the system program (which
    // system error depends on the runtime), and nothing changes
    assert!(result.is_err(), "re-initialize must fail: {result:?}");
    assert_eq!(f.issuer().await.threshold, 2);
    assert_eq!(f.issuer().await.event_seq, 1);
}

#[tokio::test]
async fn an_issuer_anywhere_but_its_mints_pda_is_refused() {
    let mut svm = Embedded::start().await;
    let payer = svm.payer().pubkey();
    let mint = Keypair::new();
    let other_mint = Keypair::new();
    let members = [payer];
    // a fresh address, and the issuer PDA of another mint
    for elsewhere in [Pubkey::new_unique(), pda::issuer(&other_mint.pubkey())] {
        let mut init = ix::initialize(&payer, &mint.pubkey(), init_args(&members, 1, 0));
        let at = init
            .accounts
            .iter()
            .position(|meta| meta.pubkey == pda::issuer(&mint.pubkey()))
            .expect("initialize names the issuer");
        init.accounts[at].pubkey = elsewhere;
        assert_anchor_error(
            svm.send(&[init], &[&mint]).await,
            AnchorError::ConstraintSeeds,
        );
        assert!(svm.account(&elsewhere).await.is_none());
        assert!(svm.account(&mint.pubkey()).await.is_none());
    }
    // the canonical address still works
    svm.send(
        &[ix::initialize(
            &payer,
            &mint.pubkey(),
            init_args(&members, 1, 0),
        )],
        &[&mint],
    )
    .await
    .unwrap();
    assert!(svm.account(&pda::issuer(&mint.pubkey())).await.is_some());
}
