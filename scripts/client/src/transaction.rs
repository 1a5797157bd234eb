//! The operator's transaction, as the `solana` and `spl-token` CLIs build it: instructions
//! behind an optional durable-nonce advance and compute-budget instructions, a fee payer that
//! need not be the signer, signatures from any [`Signer`] (files, hardware wallets, presigned
//! `PUBKEY=SIGNATURE` pairs, or pubkeys that sign elsewhere), and either submitted with
//! rebroadcasts or signed only, for a cold key to sign offline and another machine to submit.
use anchor_lang::prelude::Pubkey;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::signature::{Signature, Signer};
use solana_sdk::transaction::Transaction;

use crate::backend::{Backend, Executed, SendError, Validity};

/// The most a transaction may request.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// What a simulated limit adds to the units simulation consumed: a tenth, and at least
/// 1,000 (the same instructions can take a slightly different path on the slot it lands in).
pub fn with_margin(units: u64) -> u32 {
    let margin = (units / 10).max(1_000);
    u32::try_from(units.saturating_add(margin))
        .unwrap_or(MAX_COMPUTE_UNIT_LIMIT)
        .min(MAX_COMPUTE_UNIT_LIMIT)
}

/// The compute-unit limit a transaction requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputeUnitLimit {
    /// Simulate, then request what it used plus [`with_margin`]'s margin.
    Simulated,
    /// Exactly this many.
    Fixed(u32),
    /// No SetComputeUnitLimit instruction (the runtime's default per instruction). Used when
    /// the message must come out the same on two machines (offline signing) and no limit was
    /// given.
    RuntimeDefault,
}

/// How to build, sign and land a transaction.
#[derive(Debug, Clone, Default)]
pub struct TxOptions {
    /// Micro-lamports per compute unit (a priority fee), when given.
    pub compute_unit_price: Option<u64>,
    /// The requested limit; `None` is [`ComputeUnitLimit::Simulated`] online and
    /// [`ComputeUnitLimit::RuntimeDefault`] when a blockhash is given (offline signing).
    pub compute_unit_limit: Option<u32>,
    /// Build on this blockhash instead of asking the chain (required to sign offline; with a
    /// nonce, the nonce's stored blockhash).
    pub blockhash: Option<Hash>,
    /// A durable nonce account and its authority: the transaction then never expires by
    /// age, only once the nonce advances.
    pub nonce: Option<(Pubkey, Pubkey)>,
    /// Sign and return the signatures instead of sending.
    pub sign_only: bool,
}

impl TxOptions {
    /// The limit these options resolve to.
    pub fn limit(&self) -> ComputeUnitLimit {
        match (self.compute_unit_limit, self.blockhash) {
            (Some(units), _) => ComputeUnitLimit::Fixed(units),
            (None, Some(_)) => ComputeUnitLimit::RuntimeDefault,
            (None, None) => ComputeUnitLimit::Simulated,
        }
    }
}

/// The compute-budget instructions for `limit` units at `price` micro-lamports each.
pub fn compute_budget_instructions(limit: Option<u32>, price: Option<u64>) -> Vec<Instruction> {
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    let mut ixs = Vec::new();
    if let Some(units) = limit {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_limit(units));
    }
    if let Some(price) = price {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_price(price));
    }
    ixs
}

/// `ixs` without their compute-budget instructions, and the limit and price those set.
pub fn split_compute_budget(ixs: &[Instruction]) -> (Vec<Instruction>, Option<u32>, Option<u64>) {
    let mut rest = Vec::with_capacity(ixs.len());
    let (mut limit, mut price) = (None, None);
    for ix in ixs {
        if ix.program_id != solana_compute_budget_interface::ID {
            rest.push(ix.clone());
            continue;
        }
        // the instruction's Borsh form: variant 2 SetComputeUnitLimit(u32), 3
        // SetComputeUnitPrice(u64), little-endian
        match (ix.data.first(), ix.data.get(1..)) {
            (Some(2), Some(units)) if units.len() == 4 => {
                limit = units.try_into().ok().map(u32::from_le_bytes)
            }
            (Some(3), Some(micro)) if micro.len() == 8 => {
                price = micro.try_into().ok().map(u64::from_le_bytes)
            }
            // any other budget instruction (heap frame, data size) stays as it is
            _ => rest.push(ix.clone()),
        }
    }
    (rest, limit, price)
}

/// The message: the nonce advance first (the runtime requires it there), then the compute
/// budget, then `ixs`, paid by `fee_payer`.
pub fn message(
    ixs: &[Instruction],
    fee_payer: &Pubkey,
    blockhash: Hash,
    nonce: Option<(Pubkey, Pubkey)>,
    limit: Option<u32>,
    price: Option<u64>,
) -> Message {
    let mut all = Vec::with_capacity(ixs.len() + 3);
    if let Some((account, authority)) = nonce {
        all.push(
            anchor_lang::solana_program::system_instruction::advance_nonce_account(
                &account, &authority,
            ),
        );
    }
    all.extend(compute_budget_instructions(limit, price));
    all.extend_from_slice(ixs);
    Message::new_with_blockhash(&all, Some(fee_payer), &blockhash)
}

/// Signs `message` with every signer whose key it requires; a signer it does not name is
/// ignored (one command's signer set serves every branch). A signer that cannot sign (a
/// pubkey given without its signature) leaves its slot empty, a presigned signature that
/// does not verify is an error naming the key.
pub fn sign(message: Message, signers: &[&dyn Signer]) -> Result<Transaction, String> {
    let mut tx = Transaction::new_unsigned(message);
    let data = tx.message_data();
    let required = usize::from(tx.message.header.num_required_signatures);
    for index in 0..required {
        let key = tx.message.account_keys[index];
        // the same key may come in several roles (a fee payer named by its pubkey, the
        // nonce authority as a keypair): the first that actually signs wins
        let mut refusal = None;
        for signer in signers.iter().filter(|s| s.pubkey() == key) {
            match signer.try_sign_message(&data) {
                Ok(signature) if signature != Signature::default() => {
                    tx.signatures[index] = signature;
                    refusal = None;
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    refusal.get_or_insert(e);
                }
            }
        }
        if let Some(e) = refusal {
            return Err(format!(
                "{key} cannot sign this transaction: {e} (a presigned signature must be over \
                 exactly this message: the same blockhash, fee payer, nonce and compute-budget \
                 flags)"
            ));
        }
    }
    Ok(tx)
}

/// A signed-only transaction, as the `solana` CLI prints it: each signature made here as
/// `PUBKEY=SIGNATURE`, and the signers still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOnly {
    pub blockhash: Hash,
    /// Base64 of the message (`--dump-transaction-message`).
    pub message: String,
    pub signers: Vec<(Pubkey, Signature)>,
    /// Keys the message requires whose signatures are still missing.
    pub absent: Vec<Pubkey>,
}

impl SignedOnly {
    pub fn of(tx: &Transaction) -> Self {
        use base64::Engine;
        let required = usize::from(tx.message.header.num_required_signatures);
        let mut signers = Vec::new();
        let mut absent = Vec::new();
        for (key, signature) in tx.message.account_keys[..required]
            .iter()
            .zip(&tx.signatures)
        {
            if *signature == Signature::default() {
                absent.push(*key);
            } else {
                signers.push((*key, *signature));
            }
        }
        Self {
            blockhash: tx.message.recent_blockhash,
            message: base64::engine::general_purpose::STANDARD.encode(tx.message_data()),
            signers,
            absent,
        }
    }
}

/// What happened to a transaction.
#[derive(Debug)]
pub enum Outcome {
    Sent(Executed),
    SignedOnly(SignedOnly),
}

/// Why a transaction was not sent or did not land.
#[derive(Debug)]
pub enum TxError {
    /// The options or signers cannot make this transaction (a wrong presigned signature, a
    /// blockhash that is not the nonce's, a missing signature when sending).
    Input(String),
    /// The chain refused it (simulation included) or could not be reached.
    Chain(SendError),
}

impl From<SendError> for TxError {
    fn from(e: SendError) -> Self {
        TxError::Chain(e)
    }
}

/// Builds `ixs` into a transaction paid by `fee_payer` (the backend's own payer when None
/// and it has one), signs it with `signers`, and either returns the signatures
/// (`sign_only`) or submits it and waits until it lands.
pub async fn build_and_send<B: Backend>(
    backend: &mut B,
    ixs: &[Instruction],
    fee_payer: Option<&dyn Signer>,
    signers: &[&dyn Signer],
    options: &TxOptions,
) -> Result<Outcome, TxError> {
    // the fee payer signs first; a backend's own payer (the embedded SVM's) when none is named
    let default_payer = backend.default_fee_payer();
    let payer: &dyn Signer = fee_payer
        .or(default_payer.as_ref().map(|k| k as &dyn Signer))
        .or_else(|| signers.first().copied())
        .ok_or_else(|| TxError::Input("no fee payer and no signer".into()))?;
    let mut all: Vec<&dyn Signer> = vec![payer];
    all.extend_from_slice(signers);
    // the blockhash: given, the nonce's, or the chain's latest
    let (blockhash, validity) = match (options.blockhash, options.nonce) {
        (Some(given), Some((account, _))) if !options.sign_only => {
            let stored = crate::read::nonce(backend, &account)
                .await
                .map_err(|e| TxError::Input(e.to_string()))?;
            if stored.blockhash != given {
                return Err(TxError::Input(format!(
                    "--blockhash {given} is not nonce {account}'s current value {} (the nonce \
                     advanced since the transaction was signed: sign it again)",
                    stored.blockhash
                )));
            }
            (given, Validity::DurableNonce(account))
        }
        (Some(given), Some((account, _))) => (given, Validity::DurableNonce(account)),
        (Some(given), None) => {
            // a blockhash given online expires as any other: about 150 blocks after it was made
            let height = if options.sign_only {
                0
            } else {
                backend.latest_blockhash().await?.1
            };
            (given, Validity::UntilBlockHeight(height))
        }
        (None, Some((account, _))) => {
            let stored = crate::read::nonce(backend, &account)
                .await
                .map_err(|e| TxError::Input(e.to_string()))?;
            (stored.blockhash, Validity::DurableNonce(account))
        }
        (None, None) => {
            let (hash, last_valid) = backend.latest_blockhash().await?;
            (hash, Validity::UntilBlockHeight(last_valid))
        }
    };
    // a command's own compute-budget instructions (an upgrade asks for the maximum) are
    // folded into the options: an explicit flag wins, and a transaction carries each at most
    // once (the runtime refuses duplicates)
    let (ixs, own_limit, own_price) = split_compute_budget(ixs);
    let ixs = ixs.as_slice();
    let price = options.compute_unit_price.or(own_price);
    let limit = match (options.limit(), own_limit) {
        (ComputeUnitLimit::Fixed(units), _) => Some(units),
        (_, Some(units)) => Some(units),
        (ComputeUnitLimit::RuntimeDefault, None) => None,
        (ComputeUnitLimit::Simulated, None) => {
            let probe = message(
                ixs,
                &payer.pubkey(),
                blockhash,
                options.nonce,
                Some(MAX_COMPUTE_UNIT_LIMIT),
                price,
            );
            let simulated = backend.simulate(&Transaction::new_unsigned(probe)).await?;
            if let Some(error) = simulated.error {
                return Err(TxError::Chain(SendError::Transaction {
                    error,
                    logs: simulated.logs,
                }));
            }
            // a node that does not report the units gets no limit instruction (the runtime's
            // default) rather than a guess that could starve the instruction
            simulated.units.map(with_margin)
        }
    };
    let message = message(ixs, &payer.pubkey(), blockhash, options.nonce, limit, price);
    let tx = sign(message, &all).map_err(TxError::Input)?;
    if options.sign_only {
        return Ok(Outcome::SignedOnly(SignedOnly::of(&tx)));
    }
    let missing = SignedOnly::of(&tx).absent;
    if !missing.is_empty() {
        return Err(TxError::Input(format!(
            "missing signature of {} (give --signer PUBKEY=SIGNATURE, or sign with its key)",
            missing
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(Outcome::Sent(backend.submit(&tx, validity).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::{Keypair, NullSigner, Presigner};

    #[test]
    fn the_margin_is_a_tenth_and_at_least_a_thousand() {
        assert_eq!(with_margin(5_000), 6_000);
        assert_eq!(with_margin(20_000), 22_000);
        assert_eq!(with_margin(0), 1_000);
        assert_eq!(with_margin(u64::MAX), MAX_COMPUTE_UNIT_LIMIT);
    }

    #[test]
    fn offline_messages_carry_no_simulated_limit() {
        let mut options = TxOptions::default();
        assert_eq!(options.limit(), ComputeUnitLimit::Simulated);
        options.blockhash = Some(Hash::new_unique());
        assert_eq!(options.limit(), ComputeUnitLimit::RuntimeDefault);
        options.compute_unit_limit = Some(7);
        assert_eq!(options.limit(), ComputeUnitLimit::Fixed(7));
    }

    #[test]
    fn a_commands_own_budget_instructions_are_folded_in() {
        let memo = Instruction::new_with_bytes(Pubkey::new_unique(), &[1], vec![]);
        let ixs = [
            compute_budget_instructions(Some(600_000), Some(7)),
            vec![memo.clone()],
        ]
        .concat();
        let (rest, limit, price) = split_compute_budget(&ixs);
        assert_eq!(rest, vec![memo]);
        assert_eq!((limit, price), (Some(600_000), Some(7)));
    }

    #[test]
    fn the_nonce_advance_comes_first_then_the_budget() {
        let payer = Pubkey::new_unique();
        let nonce = (Pubkey::new_unique(), Pubkey::new_unique());
        let memo = Instruction::new_with_bytes(Pubkey::new_unique(), &[1], vec![]);
        let m = message(
            &[memo],
            &payer,
            Hash::new_unique(),
            Some(nonce),
            Some(9_000),
            Some(5),
        );
        let programs: Vec<Pubkey> = m
            .instructions
            .iter()
            .map(|ix| m.account_keys[usize::from(ix.program_id_index)])
            .collect();
        assert_eq!(programs[0], anchor_lang::system_program::ID);
        assert_eq!(programs[1], solana_compute_budget_interface::ID);
        assert_eq!(programs[2], solana_compute_budget_interface::ID);
        assert_eq!(m.instructions.len(), 4);
        assert_eq!(m.account_keys[0], payer);
    }

    #[test]
    fn signing_offline_and_completing_with_presigned_signatures() {
        let payer = Keypair::new();
        let member = Keypair::new();
        let ix = Instruction::new_with_bytes(
            Pubkey::new_unique(),
            &[1],
            vec![solana_sdk::instruction::AccountMeta::new_readonly(
                member.pubkey(),
                true,
            )],
        );
        let blockhash = Hash::new_unique();
        let m = message(&[ix], &payer.pubkey(), blockhash, None, None, None);
        // the member signs offline; the fee payer is only a pubkey there
        let absent_payer = NullSigner::new(&payer.pubkey());
        let offline = sign(m.clone(), &[&absent_payer, &member]).unwrap();
        let signed = SignedOnly::of(&offline);
        assert_eq!(signed.absent, vec![payer.pubkey()]);
        assert_eq!(signed.signers.len(), 1);
        let (key, signature) = signed.signers[0];
        assert_eq!(key, member.pubkey());
        // the submitter adds the member's signature as a presigner and signs as fee payer
        let presigned = Presigner::new(&key, &signature);
        let online = sign(m.clone(), &[&payer, &presigned]).unwrap();
        assert!(SignedOnly::of(&online).absent.is_empty());
        assert!(online.verify().is_ok());
        // a signature over another message is refused, naming the key
        let other = message(&[], &payer.pubkey(), Hash::new_unique(), None, None, None);
        let wrong = Presigner::new(&key, &member.sign_message(&other.serialize()));
        let error = sign(m, &[&payer, &wrong]).unwrap_err();
        assert!(error.contains(&member.pubkey().to_string()), "{error}");
    }
}
