//! The compliance co-signature: with a mint attestor set, `mint` needs the attestor's Ed25519
//! signature over the canonical message in the instruction just before it, with signature,
//! key and message all inside that one Ed25519 instruction.
use anchor_lang::prelude::Pubkey;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::attestation::{self, Ed25519SignatureOffsets, MintAttestation};
use usd1_client::embedded::SendError;
use usd1_client::{ix, MinterError, ProposalAction};
use usd1_tests::*;

const AMOUNT: u64 = 25 * TOKEN;

struct World {
    f: Fixture,
    roles: RoleKeys,
    attestor: Keypair,
    minter: Keypair,
    holder: Pubkey,
}

async fn world() -> World {
    let mut f = Fixture::new().await;
    let attestor = Keypair::new();
    f.hold(&attestor);
    let mut roles = f.with_roles().await;
    roles.mint_attestor = Some(attestor.insecure_clone());
    f.pass(ProposalAction::SetRoles(roles.roles()))
        .await
        .unwrap();
    let minter = f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    let holder = f.holder(&Pubkey::new_unique()).await;
    World {
        f,
        roles,
        attestor,
        minter,
        holder,
    }
}

impl World {
    async fn attestation(&mut self, n: u64) -> MintAttestation {
        let expiry = self.f.svm.clock().await.unix_timestamp + 300;
        attestation::mint_attestation(
            &self.f.mint,
            &self.minter.pubkey(),
            request_id(n),
            &self.holder,
            AMOUNT,
            expiry,
        )
    }

    fn mint_ix(&self, n: u64) -> Instruction {
        ix::mint(
            &self.minter.pubkey(),
            &self.f.mint,
            &self.holder,
            request_id(n),
            AMOUNT,
        )
    }

    async fn send(&mut self, ixs: &[Instruction]) -> Result<(), SendError> {
        let minter = self.minter.insecure_clone();
        self.f.send(ixs, &[&minter]).await.map(|_| ())
    }

    /// Mints request `n` with `attestation` signed by `signer` just before it.
    async fn mint_signed(
        &mut self,
        n: u64,
        signer: &Keypair,
        attestation: &MintAttestation,
    ) -> Result<(), SendError> {
        let ixs = [attestation::sign(signer, attestation), self.mint_ix(n)];
        self.send(&ixs).await
    }
}

/// Ed25519 instruction data with `records` offsets records followed by `tail`.
fn ed25519_with(records: &[Ed25519SignatureOffsets], tail: &[u8]) -> Instruction {
    let mut ix = attestation::offsets_to_ed25519_instruction(records);
    ix.data.extend_from_slice(tail);
    ix
}

/// The standard self-contained layout: offsets at 2, key at 16, signature at 48, message at
/// 112 (one record); with `n` records everything shifts by 14 per extra record.
fn self_contained(n: usize, message_len: usize) -> Ed25519SignatureOffsets {
    let base = 2 + 14 * n as u16;
    Ed25519SignatureOffsets {
        signature_offset: base + 32,
        signature_instruction_index: u16::MAX,
        public_key_offset: base,
        public_key_instruction_index: u16::MAX,
        message_data_offset: base + 96,
        message_data_size: message_len as u16,
        message_instruction_index: u16::MAX,
    }
}

fn key_sig_msg(signer: &Keypair, message: &[u8]) -> Vec<u8> {
    let signature: [u8; 64] = signer.sign_message(message).into();
    [signer.pubkey().to_bytes().as_slice(), &signature, message].concat()
}

#[tokio::test]
async fn a_valid_co_signature_mints() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    w.mint_signed(1, &attestor, &a).await.unwrap();
    assert_eq!(w.f.balance(&w.holder).await, AMOUNT);
    // the expiry second itself is still valid
    let now = w.f.svm.clock().await.unix_timestamp;
    let a = MintAttestation {
        request_id: request_id(2),
        expiry: now,
        ..a
    };
    w.mint_signed(2, &attestor, &a).await.unwrap();
    assert_eq!(w.f.supply().await, 2 * AMOUNT);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn a_missing_or_misplaced_co_signature_is_refused() {
    let mut w = world().await;
    let ix = w.mint_ix(1);
    assert_program_error(w.send(&[ix]).await, MinterError::MintAttestationMissing);
    // another program's instruction just before the mint
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    let payer = w.f.svm.payer().pubkey();
    let transfer = anchor_lang::solana_program::system_instruction::transfer(&payer, &w.holder, 1);
    let ixs = [attestation::sign(&attestor, &a), transfer, w.mint_ix(1)];
    assert_program_error(w.send(&ixs).await, MinterError::MintAttestationMissing);
    // after the mint instead of before it
    let ixs = [w.mint_ix(1), attestation::sign(&attestor, &a)];
    assert_program_error(w.send(&ixs).await, MinterError::MintAttestationMissing);
    assert_eq!(w.f.supply().await, 0);
}

#[tokio::test]
async fn a_signature_by_anyone_but_the_attestor_is_refused() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    for signer in [
        Keypair::new(),
        w.minter.insecure_clone(),
        w.f.members[0].insecure_clone(),
    ] {
        assert_program_error(
            w.mint_signed(1, &signer, &a).await,
            MinterError::MintAttestationWrongSigner,
        );
    }
    // a forged signature under the attestor's key fails in the Ed25519 program itself
    let message = a.to_message();
    let forged = attestation::ed25519_instruction(&w.attestor.pubkey(), &[7; 64], &message);
    let ixs = [forged, w.mint_ix(1)];
    assert!(w.send(&ixs).await.is_err());
    assert_eq!(w.f.supply().await, 0);
}

#[tokio::test]
async fn a_message_for_another_mint_is_refused() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    let other_holder = w.f.holder(&Pubkey::new_unique()).await;
    for (what, signed) in [
        (
            "amount",
            MintAttestation {
                amount: AMOUNT + 1,
                ..a
            },
        ),
        (
            "recipient",
            MintAttestation {
                recipient: other_holder,
                ..a
            },
        ),
        (
            "mint",
            MintAttestation {
                mint: Pubkey::new_unique(),
                ..a
            },
        ),
        (
            "request id",
            MintAttestation {
                request_id: request_id(2),
                ..a
            },
        ),
        (
            "program",
            MintAttestation {
                program_id: Pubkey::new_unique(),
                ..a
            },
        ),
        (
            "minter",
            MintAttestation {
                minter: Pubkey::new_unique(),
                ..a
            },
        ),
    ] {
        let result = w.mint_signed(1, &attestor, &signed).await;
        match result {
            Err(e) if e.custom_code() == Some(MinterError::MintAttestationMismatch.into()) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // a message of another length or domain
    let message = [&a.to_message()[..], &[0]].concat();
    let sig: [u8; 64] = attestor.sign_message(&message).into();
    let ixs = [
        attestation::ed25519_instruction(&attestor.pubkey(), &sig, &message),
        w.mint_ix(1),
    ];
    assert_program_error(w.send(&ixs).await, MinterError::MintAttestationMismatch);
    assert_eq!(w.f.supply().await, 0);
}

#[tokio::test]
async fn an_expired_co_signature_is_refused() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    w.f.svm.advance_clock(301).await;
    assert_program_error(
        w.mint_signed(1, &attestor, &a).await,
        MinterError::MintAttestationExpired,
    );
}

#[tokio::test]
async fn offsets_into_another_instruction_are_refused() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    let message = a.to_message();
    // instruction 0: a valid, self-contained attestor signature (not adjacent to the mint)
    let genuine = attestation::sign(&attestor, &a);
    // instruction 1: an Ed25519 instruction whose key, signature and/or message are read from
    // instruction 0; the Ed25519 program accepts it, the mint must not
    let own = self_contained(1, message.len());
    let in_genuine = self_contained(1, message.len()); // same offsets, inside instruction 0
    let variants = [
        Ed25519SignatureOffsets {
            signature_instruction_index: 0,
            public_key_instruction_index: 0,
            message_instruction_index: 0,
            ..in_genuine
        },
        Ed25519SignatureOffsets {
            message_instruction_index: 0,
            ..own
        },
        Ed25519SignatureOffsets {
            public_key_instruction_index: 0,
            ..own
        },
        Ed25519SignatureOffsets {
            signature_instruction_index: 0,
            ..own
        },
    ];
    for offsets in variants {
        let tail = key_sig_msg(&attestor, &message);
        let pointing = ed25519_with(&[offsets], &tail);
        let ixs = [genuine.clone(), pointing, w.mint_ix(1)];
        assert_program_error(w.send(&ixs).await, MinterError::MintAttestationMalformed);
    }
    // the same bytes pointed at by index u16::MAX work (sanity check of the layout)
    let ixs = [
        ed25519_with(&[own], &key_sig_msg(&attestor, &message)),
        w.mint_ix(1),
    ];
    w.send(&ixs).await.unwrap();
    assert_eq!(w.f.supply().await, AMOUNT);
}

#[tokio::test]
async fn two_signatures_in_one_instruction_are_refused() {
    let mut w = world().await;
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    let message = a.to_message();
    // both records verify the attestor's signature over the right message
    let record = self_contained(2, message.len());
    let ix = ed25519_with(&[record, record], &key_sig_msg(&attestor, &message));
    assert_program_error(
        w.send(&[ix, w.mint_ix(1)]).await,
        MinterError::MintAttestationMalformed,
    );
    // zero signatures
    let empty = ed25519_with(&[], &[]);
    assert!(w.send(&[empty, w.mint_ix(1)]).await.is_err());
    assert_eq!(w.f.supply().await, 0);
}

#[tokio::test]
async fn governance_replaces_and_removes_the_attestor() {
    let mut w = world().await;
    let old = w.attestor.insecure_clone();
    let new = Keypair::new();
    w.f.hold(&new);
    w.roles.mint_attestor = Some(new.insecure_clone());
    let roles = w.roles.roles();
    w.f.pass(ProposalAction::SetRoles(roles)).await.unwrap();
    let a = w.attestation(1).await;
    assert_program_error(
        w.mint_signed(1, &old, &a).await,
        MinterError::MintAttestationWrongSigner,
    );
    w.mint_signed(1, &new, &a).await.unwrap();

    // removed: mints need no co-signature any more
    w.roles.mint_attestor = None;
    let roles = w.roles.roles();
    w.f.pass(ProposalAction::SetRoles(roles)).await.unwrap();
    let ix = w.mint_ix(2);
    w.send(&[ix]).await.unwrap();
    assert_eq!(w.f.supply().await, 2 * AMOUNT);
    w.f.assert_seq_complete().await;
}

#[tokio::test]
async fn another_minter_cannot_replay_a_co_signature_made_for_a_desk() {
    let mut w = world().await;
    let other_desk = w.f.add_minter(1_000 * TOKEN, 1_000 * TOKEN, 60).await;
    // compliance co-signs request 1 for the world's minter; the other desk sees it pending
    // and sends the same Ed25519 instruction with its own mint for the same request
    let a = w.attestation(1).await;
    let attestor = w.attestor.insecure_clone();
    let replay = [
        attestation::sign(&attestor, &a),
        ix::mint(
            &other_desk.pubkey(),
            &w.f.mint,
            &w.holder,
            request_id(1),
            AMOUNT,
        ),
    ];
    assert_program_error(
        w.f.send(&replay, &[&other_desk]).await,
        MinterError::MintAttestationMismatch,
    );
    assert_eq!(w.f.supply().await, 0);
    // the desk it names mints it, and the receipt credits that desk
    w.mint_signed(1, &attestor, &a).await.unwrap();
    let receipt: usd1_client::MintReceipt =
        w.f.svm
            .decode(&usd1_client::pda::mint_receipt(
                &w.f.issuer_key(),
                &request_id(1),
            ))
            .await
            .unwrap();
    assert_eq!(receipt.minter, w.minter.pubkey());
}
