//! An in-process SVM for tests and the demo: solana-program-test with usd1-minter and the real
//! Token-2022 program (BPF) that program-test bundles. usd1-minter runs natively by default,
//! or as its SBF binary when program-test's own `SBF_OUT_DIR` (or `BPF_OUT_DIR`) names the
//! directory holding `usd1_minter.so` (see `scripts/build-sbf`). Every transaction is
//! simulated (for its inner instructions, hence its events) and then processed.
use std::collections::{BTreeSet, HashSet};

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_program_test::{processor, ProgramTest, ProgramTestBanksClientExt, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

use crate::accounts;
use crate::backend::{
    signing_keys, transport, wire_size, Backend, DataFilter, EventRecord, Simulation, Validity,
};
pub use crate::backend::{Executed, SendError};
use crate::events::decode_inner;
use crate::token::{MintView, TokenAccountView};

/// Anchor's generated `entry` ties every argument to one lifetime; program-test passes them
/// with distinct ones. Copies with a common lifetime bridge the two (a few bytes leaked per
/// call, acceptable in a test SVM).
fn native_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let program_id: &Pubkey = Box::leak(Box::new(*program_id));
    let accounts: &[AccountInfo] = Box::leak(accounts.to_vec().into_boxed_slice());
    let data: &[u8] = Box::leak(data.to_vec().into_boxed_slice());
    usd1_minter::entry(program_id, accounts, data)
}

/// How the program runs in the embedded SVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compiled into this process: fast; compute units, stack and heap limits not enforced.
    Native,
    /// The SBF `.so` in a real VM: metered, limits enforced.
    Sbf,
}

impl Mode {
    /// Sbf when `SBF_OUT_DIR` or `BPF_OUT_DIR` is set (program-test's own convention).
    pub fn from_env() -> Self {
        if std::env::var_os("SBF_OUT_DIR").is_some() || std::env::var_os("BPF_OUT_DIR").is_some() {
            Mode::Sbf
        } else {
            Mode::Native
        }
    }
}

/// The in-process SVM with usd1-minter deployed at its program id.
pub struct Embedded {
    ctx: ProgramTestContext,
    processed: HashSet<Signature>,
    /// Blockhashes transactions used (see `fresh_blockhash`).
    blockhashes_used: HashSet<Hash>,
    mode: Mode,
    /// Every event emitted so far, in order (what an RPC node's history would return).
    history: Vec<EventRecord>,
    /// Every account a transaction or `set_account` wrote: program-test has no account
    /// index, so `program_accounts` scans these.
    written: BTreeSet<Pubkey>,
    /// The program's upgrade authority as deployed (the deployer's key; Sbf mode only: a
    /// native program has no program data).
    upgrade_authority: Keypair,
}

/// The bytes of `usd1_minter.so` on program-test's search path (SBF_OUT_DIR / BPF_OUT_DIR).
pub fn program_elf() -> Vec<u8> {
    let path = solana_program_test::find_file("usd1_minter.so")
        .expect("usd1_minter.so is not in SBF_OUT_DIR: run scripts/build-sbf first");
    std::fs::read(&path).expect("usd1_minter.so is unreadable")
}

/// usd1-minter's program and program data accounts under the upgradeable loader, the `.so`
/// from program-test's search path (SBF_OUT_DIR / BPF_OUT_DIR).
fn upgradeable_program_accounts(upgrade_authority: &Pubkey) -> [(Pubkey, Account); 2] {
    use solana_loader_v3_interface::state::UpgradeableLoaderState;
    let elf = program_elf();
    let rent = solana_sdk::rent::Rent::default();
    let program_data = crate::pda::program_data();
    let program = bincode::serialize(&UpgradeableLoaderState::Program {
        programdata_address: program_data,
    })
    .expect("serializable");
    let mut data = bincode::serialize(&UpgradeableLoaderState::ProgramData {
        slot: 0,
        upgrade_authority_address: Some(*upgrade_authority),
    })
    .expect("serializable");
    data.extend_from_slice(&elf);
    data.resize(
        UpgradeableLoaderState::size_of_programdata_metadata()
            + crate::loader::PROGRAM_DATA_HEADROOM * elf.len(),
        0,
    );
    let owned = |data: Vec<u8>, executable: bool| Account {
        lamports: rent.minimum_balance(data.len()),
        data,
        owner: crate::loader::LOADER_ID,
        executable,
        rent_epoch: u64::MAX,
    };
    [
        (usd1_minter::ID, owned(program, true)),
        (program_data, owned(data, false)),
    ]
}

impl Embedded {
    pub async fn start() -> Self {
        let mut program_test = ProgramTest::default();
        // program-test turns on debug logging of every instruction; keep it quiet unless
        // RUST_LOG asks for it
        if std::env::var_os("RUST_LOG").is_none() {
            log::set_max_level(log::LevelFilter::Warn);
        }
        let mode = Mode::from_env();
        let upgrade_authority = Keypair::new();
        match mode {
            Mode::Native => {
                program_test.prefer_bpf(false);
                program_test.add_program("usd1_minter", usd1_minter::ID, processor!(native_entry));
            }
            // deployed as a cluster deploys it: through the upgradeable loader, with
            // `upgrade_authority` as its upgrade authority
            Mode::Sbf => {
                program_test.prefer_bpf(true);
                for (address, account) in upgradeable_program_accounts(&upgrade_authority.pubkey())
                {
                    program_test.add_account(address, account);
                }
            }
        }
        Self {
            upgrade_authority,
            ctx: program_test.start_with_context().await,
            processed: HashSet::new(),
            blockhashes_used: HashSet::new(),
            mode,
            history: Vec::new(),
            written: BTreeSet::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The key the program was deployed with as its upgrade authority (Sbf mode).
    pub fn upgrade_authority(&self) -> &Keypair {
        &self.upgrade_authority
    }

    /// The funded fee payer.
    pub fn payer(&self) -> &Keypair {
        &self.ctx.payer
    }

    /// Signs `ixs` with the payer and `signers`, simulates, then processes.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Executed, SendError> {
        let keys = signing_keys(&self.ctx.payer, signers);
        let mut blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(transport)?;
        // the same instructions again (a deliberate retry) need a new blockhash to be a new
        // transaction rather than a duplicate
        let tx = loop {
            let tx = Transaction::new_signed_with_payer(
                ixs,
                Some(&self.ctx.payer.pubkey()),
                &keys,
                blockhash,
            );
            if !self.processed.contains(&tx.signatures[0]) {
                break tx;
            }
            blockhash = self
                .ctx
                .banks_client
                .get_new_latest_blockhash(&blockhash)
                .await
                .map_err(transport)?;
        };
        self.submit_signed(&tx).await
    }

    /// A new blockhash, different from every one a transaction used so far: the embedded
    /// SVM's slots do not move by themselves, and a retried command must not be a duplicate.
    async fn fresh_blockhash(&mut self) -> Result<Hash, SendError> {
        let mut blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(transport)?;
        while self.blockhashes_used.contains(&blockhash) {
            blockhash = self
                .ctx
                .banks_client
                .get_new_latest_blockhash(&blockhash)
                .await
                .map_err(transport)?;
        }
        Ok(blockhash)
    }

    /// Simulates `tx` (for its inner instructions, hence its events), then processes it.
    async fn submit_signed(&mut self, tx: &Transaction) -> Result<Executed, SendError> {
        self.blockhashes_used.insert(tx.message.recent_blockhash);
        let simulation = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .map_err(transport)?;
        let details = simulation
            .simulation_details
            .ok_or_else(|| transport("simulation returned no details"))?;
        if let Some(Err(error)) = simulation.result {
            return Err(SendError::Transaction {
                error,
                logs: details.logs,
            });
        }
        let processed = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx.clone())
            .await
            .map_err(transport)?;
        let (logs, compute_units) = processed.metadata.map_or((Vec::new(), 0), |m| {
            (m.log_messages, m.compute_units_consumed)
        });
        if let Err(error) = processed.result {
            return Err(SendError::Transaction { error, logs });
        }
        let signature = tx.signatures[0];
        self.processed.insert(signature);
        let tx_bytes = wire_size(tx);
        let keys = &tx.message.account_keys;
        let inner: Vec<(&Pubkey, &[u8])> = details
            .inner_instructions
            .iter()
            .flatten()
            .flat_map(|set| set.iter())
            .filter_map(|inner| {
                let program = keys.get(usize::from(inner.instruction.program_id_index))?;
                Some((program, inner.instruction.data.as_slice()))
            })
            .collect();
        let decoded = decode_inner(inner).map_err(transport)?;
        let slot = self
            .ctx
            .banks_client
            .get_root_slot()
            .await
            .map_err(transport)?;
        let block_time = Some(Backend::clock(self).await?.unix_timestamp);
        let events = decoded.iter().map(|raw| raw.event.clone()).collect();
        self.history
            .extend(decoded.into_iter().map(|raw| EventRecord {
                signature,
                slot,
                block_time,
                event: raw.event,
                data: raw.data,
            }));
        let message = &tx.message;
        self.written.extend(
            (0..message.account_keys.len())
                .filter(|i| message.is_maybe_writable(*i, None))
                .map(|i| message.account_keys[i]),
        );
        Ok(Executed {
            signature,
            events,
            logs,
            compute_units,
            tx_bytes,
            events_pending: false,
            sends: 1,
        })
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.ok().flatten()
    }

    /// Decodes a program account of type `T`; None if it does not exist or is not a `T`.
    pub async fn decode<T: accounts::ProgramAccount>(&mut self, key: &Pubkey) -> Option<T> {
        let account = self.account(key).await?;
        accounts::decode::<T>(&account.data).ok()
    }

    pub async fn mint_view(&mut self, mint: &Pubkey) -> Option<MintView> {
        MintView::decode(&self.account(mint).await?.data).ok()
    }

    pub async fn token_account(&mut self, key: &Pubkey) -> Option<TokenAccountView> {
        TokenAccountView::decode(&self.account(key).await?.data).ok()
    }

    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.account(key).await.map_or(0, |a| a.lamports)
    }

    /// The SVM's clock.
    pub async fn clock(&mut self) -> Clock {
        self.ctx
            .banks_client
            .get_sysvar::<Clock>()
            .await
            .unwrap_or_default()
    }

    /// Moves the clock's unix time forward by `seconds`.
    pub async fn advance_clock(&mut self, seconds: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = clock.unix_timestamp.saturating_add(seconds);
        self.ctx.set_sysvar(&clock);
    }

    /// Moves to the next slot (a program upgraded in this slot runs its new code from the
    /// next one); the clock does not go back.
    pub async fn next_slot(&mut self) {
        let before = self.clock().await;
        self.ctx
            .warp_to_slot(before.slot.saturating_add(1))
            .expect("warp to the next slot");
        let mut after = self.clock().await;
        if after.unix_timestamp < before.unix_timestamp {
            after.unix_timestamp = before.unix_timestamp;
            self.ctx.set_sysvar(&after);
        }
    }

    /// Sends `lamports` from the payer to `to`.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) -> Result<Executed, SendError> {
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &self.ctx.payer.pubkey(),
            to,
            lamports,
        );
        self.send(&[ix], &[]).await
    }

    /// Every event emitted so far, of every issuer, in order: the embedded SVM's transaction
    /// history (what the reconciler ingests in the demo and the tests).
    pub fn history(&self) -> &[EventRecord] {
        &self.history
    }

    /// Writes an account directly (for tests of forged accounts).
    pub fn set_account(&mut self, key: &Pubkey, account: Account) {
        self.written.insert(*key);
        self.ctx.set_account(key, &account.into());
    }
}

impl Backend for Embedded {
    async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Executed, SendError> {
        Embedded::send(self, ixs, signers).await
    }

    fn default_fee_payer(&self) -> Option<Keypair> {
        Some(self.ctx.payer.insecure_clone())
    }

    async fn latest_blockhash(&mut self) -> Result<(Hash, u64), SendError> {
        let blockhash = self.fresh_blockhash().await?;
        // program-test's blockhashes stay valid for the queue's length (300 slots)
        let height = self
            .ctx
            .banks_client
            .get_root_block_height()
            .await
            .map_err(transport)?;
        Ok((blockhash, height.saturating_add(150)))
    }

    async fn simulate(&mut self, tx: &Transaction) -> Result<Simulation, SendError> {
        let simulation = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .map_err(transport)?;
        let error = simulation.result.and_then(Result::err);
        match (simulation.simulation_details, error) {
            (Some(details), error) => Ok(Simulation {
                units: Some(details.units_consumed),
                logs: details.logs,
                error,
            }),
            // refused before it ran (sanitization, a duplicate instruction, fees)
            (None, Some(error)) => Ok(Simulation {
                units: None,
                logs: Vec::new(),
                error: Some(error),
            }),
            (None, None) => Err(transport("simulation returned no details")),
        }
    }

    async fn submit(
        &mut self,
        tx: &Transaction,
        _validity: Validity,
    ) -> Result<Executed, SendError> {
        // one process: it lands or it is refused, there is nothing to rebroadcast
        self.submit_signed(tx).await
    }

    async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, SendError> {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .map_err(transport)
    }

    async fn program_accounts(
        &mut self,
        filters: &[DataFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SendError> {
        let mut found = Vec::new();
        for key in self.written.clone() {
            let Some(account) = Embedded::account(self, &key).await else {
                continue;
            };
            if account.owner == usd1_minter::ID && filters.iter().all(|f| f.matches(&account.data))
            {
                found.push((key, account));
            }
        }
        Ok(found)
    }

    async fn clock(&mut self) -> Result<Clock, SendError> {
        self.ctx
            .banks_client
            .get_sysvar::<Clock>()
            .await
            .map_err(transport)
    }

    async fn events(
        &mut self,
        issuer: &Pubkey,
        limit: Option<usize>,
    ) -> Result<Vec<EventRecord>, SendError> {
        let Some(issuer) = self.decode::<crate::Issuer>(issuer).await else {
            return Ok(Vec::new());
        };
        let mine: Vec<EventRecord> = self
            .history
            .iter()
            .filter(|record| record.event.mint() == issuer.mint)
            .cloned()
            .collect();
        let skip = limit.map_or(0, |limit| mine.len().saturating_sub(limit));
        Ok(mine.into_iter().skip(skip).collect())
    }
}
