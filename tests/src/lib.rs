//! A fixture over the client library's embedded SVM: an initialized issuer with funded
//! members, helpers that pass proposals and configure minters, and a log of every event the
//! program emitted (to check that `seq` has no gap).
use anchor_lang::prelude::Pubkey;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use usd1_client::embedded::{Embedded, Executed, SendError};
use usd1_client::events::Event;
pub use usd1_client::token::TokenError;
use usd1_client::token::{MintView, TokenAccountView};
use usd1_client::{
    ix, pda, InitializeArgs, Issuer, Limits, Minter, MinterConfig, MinterError, Proposal,
    ProposalAction, Roles,
};

pub use anchor_lang::error::ErrorCode as AnchorError;

pub const SOL: u64 = 1_000_000_000;
/// One token at the fixture's 6 decimals.
pub const TOKEN: u64 = 1_000_000;

/// Initialize arguments for `members` with defaults for the rest.
pub fn init_args(members: &[Pubkey], threshold: u8, time_lock: u32) -> InitializeArgs {
    InitializeArgs {
        decimals: 6,
        name: "USD1 Test Dollar".into(),
        symbol: "USD1".into(),
        uri: "https://example.com/usd1.json".into(),
        members: members.to_vec(),
        threshold,
        time_lock,
        limits: Limits {
            supply_cap: 1_000_000 * TOKEN,
            ..Limits::default()
        },
        permanent_delegate: true,
        default_frozen: false,
    }
}

pub fn request_id(n: u64) -> [u8; 32] {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(&n.to_le_bytes());
    id[31] = 0xAB;
    id
}

/// Asserts that `result` failed with the program's error `expected`.
#[track_caller]
pub fn assert_program_error<T: std::fmt::Debug>(
    result: Result<T, SendError>,
    expected: MinterError,
) {
    assert_error_code(result, expected);
}

/// Asserts that `result` failed with Anchor's framework error `expected`.
#[track_caller]
pub fn assert_anchor_error<T: std::fmt::Debug>(
    result: Result<T, SendError>,
    expected: AnchorError,
) {
    assert_error_code(result, expected);
}

/// Asserts that `result` failed inside Token-2022 with `expected`.
#[track_caller]
pub fn assert_token_error<T: std::fmt::Debug>(result: Result<T, SendError>, expected: TokenError) {
    let code = expected.clone() as u32;
    match result {
        Err(e) if e.custom_code() == Some(code) => {}
        other => panic!("expected Token-2022 {expected:?} ({code}), got {other:?}"),
    }
}

#[track_caller]
fn assert_error_code<T: std::fmt::Debug, E: Into<u32> + Copy + std::fmt::Debug>(
    result: Result<T, SendError>,
    expected: E,
) {
    let code: u32 = expected.into();
    match result {
        Err(e) if e.custom_code() == Some(code) => {}
        other => panic!("expected {expected:?} ({code}), got {other:?}"),
    }
}

/// One key per role (the mint attestor only when co-signing is under test).
pub struct RoleKeys {
    pub pauser: Keypair,
    pub freezer: Keypair,
    pub reserve_attestor: Keypair,
    pub redemption_operator: Keypair,
    pub mint_attestor: Option<Keypair>,
}

impl RoleKeys {
    pub fn roles(&self) -> Roles {
        Roles {
            pausers: vec![self.pauser.pubkey()],
            freezers: vec![self.freezer.pubkey()],
            reserve_attestor: Some(self.reserve_attestor.pubkey()),
            redemption_operator: Some(self.redemption_operator.pubkey()),
            mint_attestor: self.mint_attestor.as_ref().map(Keypair::pubkey),
            allowance_manager: None,
        }
    }
}

pub struct Fixture {
    pub svm: Embedded,
    pub mint: Pubkey,
    /// The mint's keypair (it signed `initialize`).
    pub mint_keypair: Keypair,
    pub members: Vec<Keypair>,
    /// Every event the program emitted, in order.
    pub events: Vec<Event>,
    /// Keys the fixture holds (members, role holders and minters it made, keys a test
    /// handed it): `pass` has each one a proposal names accept it.
    pub keys: Vec<Keypair>,
}

impl Fixture {
    /// A 2-of-3 multisig without time lock.
    pub async fn new() -> Self {
        Self::with(3, 2, 0).await
    }

    /// `member_count` funded members, `threshold`, `time_lock`; other settings default.
    pub async fn with(member_count: usize, threshold: u8, time_lock: u32) -> Self {
        Self::with_args(member_count, |members| {
            init_args(members, threshold, time_lock)
        })
        .await
    }

    pub async fn with_args(
        member_count: usize,
        args: impl FnOnce(&[Pubkey]) -> InitializeArgs,
    ) -> Self {
        let svm = Embedded::start().await;
        let members: Vec<Keypair> = (0..member_count).map(|_| Keypair::new()).collect();
        let keys: Vec<Pubkey> = members.iter().map(|m| m.pubkey()).collect();
        let mint = Keypair::new();
        let mut fixture = Self {
            svm,
            mint: mint.pubkey(),
            mint_keypair: mint.insecure_clone(),
            keys: members.iter().map(Keypair::insecure_clone).collect(),
            members,
            events: Vec::new(),
        };
        for key in &keys {
            fixture.svm.fund(key, 10 * SOL).await.expect("fund member");
        }
        let payer = fixture.svm.payer().pubkey();
        fixture
            .send(
                &[ix::initialize(&payer, &mint.pubkey(), args(&keys))],
                &[&mint],
            )
            .await
            .expect("initialize");
        fixture
    }

    /// Sends and records the events. After every successful transaction it asserts the
    /// supply identity: the issuer's lifetime totals account for the mint's supply exactly.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Executed, SendError> {
        let executed = self.svm.send(ixs, signers).await?;
        self.events.extend(executed.events.iter().cloned());
        self.assert_supply_identity().await;
        Ok(executed)
    }

    /// `minted - redeemed + refunded - seized_burned == supply` (once the issuer exists).
    pub async fn assert_supply_identity(&mut self) {
        let key = self.issuer_key();
        let Some(issuer) = self.svm.decode::<Issuer>(&key).await else {
            return;
        };
        let supply = self.supply().await;
        assert_eq!(
            issuer.totals.outstanding(),
            Some(u128::from(supply)),
            "lifetime totals {:?} must account for supply {supply}",
            issuer.totals
        );
    }

    /// Lets `pass` accept with `key` when a proposal names it.
    pub fn hold(&mut self, key: &Keypair) {
        if !self.keys.iter().any(|k| k.pubkey() == key.pubkey()) {
            self.keys.push(key.insecure_clone());
        }
    }

    /// A new (unfunded) key the fixture holds, for a role or membership a proposal gives:
    /// `pass` has it accept (the fee payer pays for that).
    pub fn held_key(&mut self) -> Pubkey {
        let key = Keypair::new();
        self.hold(&key);
        key.pubkey()
    }

    /// A new funded key the fixture holds.
    pub async fn funded_key(&mut self) -> Keypair {
        let key = Keypair::new();
        self.svm.fund(&key.pubkey(), 10 * SOL).await.expect("fund");
        self.hold(&key);
        key
    }

    /// `key` accepts proposal `index`.
    pub async fn accept(&mut self, key: &Keypair, index: u64) -> Result<Executed, SendError> {
        let ix = ix::accept(&key.pubkey(), &self.mint, index);
        self.send(&[ix], &[key]).await
    }

    /// Every key the fixture holds that proposal `index` names and that has not accepted yet
    /// accepts it.
    pub async fn accept_held(&mut self, index: u64) -> Result<(), SendError> {
        let proposal = self.proposal(index).await.expect("proposal exists");
        for named in proposal.action.named_keys() {
            if proposal.accepted.contains(&named) {
                continue;
            }
            let Some(key) = self.keys.iter().find(|k| k.pubkey() == named) else {
                continue;
            };
            let key = key.insecure_clone();
            self.accept(&key, index).await?;
        }
        Ok(())
    }

    /// Funded keys for every role, set by proposal.
    pub async fn with_roles(&mut self) -> RoleKeys {
        let keys = RoleKeys {
            pauser: Keypair::new(),
            freezer: Keypair::new(),
            reserve_attestor: Keypair::new(),
            redemption_operator: Keypair::new(),
            mint_attestor: None,
        };
        for key in [
            &keys.pauser,
            &keys.freezer,
            &keys.reserve_attestor,
            &keys.redemption_operator,
        ] {
            self.svm.fund(&key.pubkey(), 10 * SOL).await.expect("fund");
            self.hold(key);
        }
        self.pass(ProposalAction::SetRoles(keys.roles()))
            .await
            .expect("set roles");
        keys
    }

    pub fn issuer_key(&self) -> Pubkey {
        pda::issuer(&self.mint)
    }

    pub async fn issuer(&mut self) -> Issuer {
        let key = self.issuer_key();
        self.svm
            .decode::<Issuer>(&key)
            .await
            .expect("issuer account")
    }

    pub async fn proposal(&mut self, index: u64) -> Option<Proposal> {
        let key = pda::proposal(&self.issuer_key(), index);
        self.svm.decode::<Proposal>(&key).await
    }

    pub async fn minter(&mut self, authority: &Pubkey) -> Option<Minter> {
        let key = pda::minter(&self.issuer_key(), authority);
        self.svm.decode::<Minter>(&key).await
    }

    pub async fn mint_view(&mut self) -> MintView {
        let mint = self.mint;
        self.svm.mint_view(&mint).await.expect("mint account")
    }

    pub async fn supply(&mut self) -> u64 {
        self.mint_view().await.supply
    }

    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        self.svm
            .token_account(token_account)
            .await
            .map_or(0, |a| a.amount)
    }

    pub async fn token_account(&mut self, key: &Pubkey) -> Option<TokenAccountView> {
        self.svm.token_account(key).await
    }

    /// Member `proposer` proposes `action`; returns the proposal index.
    pub async fn propose(
        &mut self,
        proposer: usize,
        action: ProposalAction,
    ) -> Result<u64, SendError> {
        let index = self.issuer().await.proposal_index + 1;
        let ix = ix::propose(&self.members[proposer].pubkey(), &self.mint, index, action);
        let signer = self.members[proposer].insecure_clone();
        self.send(&[ix], &[&signer]).await?;
        Ok(index)
    }

    pub async fn approve(&mut self, member: usize, index: u64) -> Result<Executed, SendError> {
        let signer = self.members[member].insecure_clone();
        let ix = ix::approve(&signer.pubkey(), &self.mint, index);
        self.send(&[ix], &[&signer]).await
    }

    pub async fn reject(&mut self, member: usize, index: u64) -> Result<Executed, SendError> {
        let signer = self.members[member].insecure_clone();
        let ix = ix::reject(&signer.pubkey(), &self.mint, index);
        self.send(&[ix], &[&signer]).await
    }

    /// Executes proposal `index` with the instruction its action needs; the payer executes.
    pub async fn execute(&mut self, index: u64) -> Result<Executed, SendError> {
        let proposal = self.proposal(index).await.expect("proposal exists");
        let executor = self.svm.payer().pubkey();
        let rent_payer = match &proposal.action {
            ProposalAction::RemoveMinter { authority } => {
                self.minter(authority).await.map(|m| m.rent_payer)
            }
            _ => None,
        };
        let ixs = ix::execute_action_instructions(
            &executor,
            &self.mint,
            index,
            &proposal.action,
            rent_payer.as_ref(),
        );
        self.send(&ixs, &[]).await
    }

    /// Proposes `action` (member 0), approves it up to the threshold (members 1..), has the
    /// keys it names that the fixture holds accept it, waits out the time lock and executes
    /// it; returns the proposal index.
    pub async fn pass(&mut self, action: ProposalAction) -> Result<u64, SendError> {
        let time_lock = self.issuer().await.time_lock;
        let index = self.approved(action).await?;
        self.accept_held(index).await?;
        self.svm.advance_clock(i64::from(time_lock)).await;
        self.execute(index).await?;
        Ok(index)
    }

    /// Proposes `action` (member 0) and approves it up to the threshold (members 1..), nothing
    /// more: no acceptance, no waiting; returns the proposal index.
    pub async fn approved(&mut self, action: ProposalAction) -> Result<u64, SendError> {
        let threshold = self.issuer().await.threshold;
        let index = self.propose(0, action).await?;
        for member in 1..usize::from(threshold) {
            self.approve(member, index).await?;
        }
        Ok(index)
    }

    /// Proposes `action` (member 0), approves it up to the threshold, has the keys the
    /// fixture holds accept it and waits out the time lock without executing it; returns the
    /// proposal index.
    pub async fn pass_without_executing(&mut self, action: ProposalAction) -> u64 {
        let time_lock = self.issuer().await.time_lock;
        let index = self.approved(action).await.expect("propose and approve");
        self.accept_held(index).await.expect("accept");
        self.svm.advance_clock(i64::from(time_lock)).await;
        index
    }

    /// A funded minter key, configured by proposal.
    pub async fn add_minter(
        &mut self,
        allowance: u64,
        rate_capacity: u64,
        rate_window: u32,
    ) -> Keypair {
        let authority = self.funded_key().await;
        self.pass(ProposalAction::ConfigureMinter(MinterConfig {
            authority: authority.pubkey(),
            allowance_grant: allowance,
            rate_capacity,
            rate_window,
            active: true,
        }))
        .await
        .expect("configure minter");
        authority
    }

    /// `owner`'s associated token account of this mint (created if needed).
    pub async fn holder(&mut self, owner: &Pubkey) -> Pubkey {
        let payer = self.svm.payer().pubkey();
        let ix = usd1_client::token::create_associated_account(&payer, owner, &self.mint);
        self.send(&[ix], &[]).await.expect("create token account");
        usd1_client::token::associated_address(owner, &self.mint)
    }

    pub async fn mint_to(
        &mut self,
        minter: &Keypair,
        recipient: &Pubkey,
        request: [u8; 32],
        amount: u64,
    ) -> Result<Executed, SendError> {
        let ix = ix::mint(&minter.pubkey(), &self.mint, recipient, request, amount);
        self.send(&[ix], &[minter]).await
    }

    /// Asserts the recorded events are numbered 1..=n without a gap and that the issuer's
    /// counter is n.
    pub async fn assert_seq_complete(&mut self) {
        let seqs: Vec<u64> = self.events.iter().map(Event::seq).collect();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "event seq must run 1..=n without a gap");
        assert_eq!(self.issuer().await.event_seq, seqs.len() as u64);
        assert!(self.events.iter().all(|e| e.mint() == self.mint));
    }
}
