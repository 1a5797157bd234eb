//! Instruction builders. Account order and instruction data come from Anchor's generated
//! `usd1_minter::accounts` and `usd1_minter::instruction` types.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use usd1_minter::{accounts as acc, instruction as data, ID};

use crate::pda;

/// The instructions sysvar (read by `mint` for the compliance co-signature).
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = solana_sdk::sysvar::instructions::ID;
use crate::{InitializeArgs, ProposalAction, TOKEN_PROGRAM_ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `initialize`: signers `payer` and the fresh `mint` keypair.
pub fn initialize(payer: &Pubkey, mint: &Pubkey, args: InitializeArgs) -> Instruction {
    build(
        acc::Initialize {
            payer: *payer,
            mint: *mint,
            issuer: pda::issuer(mint),
            token_program: TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Initialize { args },
    )
}

/// `propose`: signer `proposer` (a member). `index` is the issuer's `proposal_index + 1`.
pub fn propose(
    proposer: &Pubkey,
    mint: &Pubkey,
    index: u64,
    action: ProposalAction,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::Propose {
            proposer: *proposer,
            issuer,
            proposal: pda::proposal(&issuer, index),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Propose { index, action },
    )
}

fn vote_accounts(member: &Pubkey, mint: &Pubkey, index: u64) -> acc::ProposalVote {
    let issuer = pda::issuer(mint);
    acc::ProposalVote {
        member: *member,
        issuer,
        proposal: pda::proposal(&issuer, index),
        event_authority: pda::event_authority(),
        program: ID,
    }
}

/// `approve`: signer `member`.
pub fn approve(member: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    build(vote_accounts(member, mint, index), data::Approve {})
}

/// `reject`: signer `member`.
pub fn reject(member: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    build(vote_accounts(member, mint, index), data::Reject {})
}

/// `accept`: signer `key` (a key the proposal's action names).
pub fn accept(key: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::Accept {
            key: *key,
            issuer,
            proposal: pda::proposal(&issuer, index),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Accept {},
    )
}

/// `cancel`: signer `proposer`.
pub fn cancel(proposer: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::Cancel {
            proposer: *proposer,
            issuer,
            proposal: pda::proposal(&issuer, index),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Cancel {},
    )
}

/// `execute` (SetGovernance, SetRoles, SetLimits, SetExecutionWindow, Unpause,
/// ResumeIssuance, SetAllowanceBudget): signer `executor` (anyone).
pub fn execute(executor: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::Execute {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            mint: *mint,
            token_program: TOKEN_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Execute {},
    )
}

/// `execute_update_metadata`: signer `executor` (anyone; pays for the mint's growth).
pub fn execute_update_metadata(executor: &Pubkey, mint: &Pubkey, index: u64) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteUpdateMetadata {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            mint: *mint,
            token_program: TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteUpdateMetadata {},
    )
}

/// `execute_configure_minter`: signer `executor` (anyone; pays a new minter's rent).
pub fn execute_configure_minter(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    minter_authority: &Pubkey,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteConfigureMinter {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            minter_authority: *minter_authority,
            minter: pda::minter(&issuer, minter_authority),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteConfigureMinter {},
    )
}

/// `execute_remove_minter`: signer `executor` (anyone). `rent_receiver` is the minter's
/// recorded `rent_payer`.
pub fn execute_remove_minter(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    minter_authority: &Pubkey,
    rent_receiver: &Pubkey,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteRemoveMinter {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            minter: pda::minter(&issuer, minter_authority),
            rent_receiver: *rent_receiver,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteRemoveMinter {},
    )
}

/// The execute instruction that fits `action`. `minter_rent_payer` is needed only for
/// `RemoveMinter` (the minter account's `rent_payer`).
pub fn execute_action(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    action: &ProposalAction,
    minter_rent_payer: Option<&Pubkey>,
) -> Instruction {
    match action {
        ProposalAction::ConfigureMinter(config) => {
            execute_configure_minter(executor, mint, index, &config.authority)
        }
        ProposalAction::RemoveMinter { authority } => execute_remove_minter(
            executor,
            mint,
            index,
            authority,
            minter_rent_payer.unwrap_or(executor),
        ),
        ProposalAction::Seize {
            account,
            destination,
            ..
        } => execute_seize(executor, mint, index, account, destination.as_ref()),
        ProposalAction::UpgradeProgram { buffer, spill, .. } => {
            execute_upgrade_program(executor, mint, index, buffer, spill)
        }
        ProposalAction::SetUpgradeAuthority { new } => {
            execute_set_upgrade_authority(executor, mint, index, new.as_ref())
        }
        ProposalAction::UpdateMetadata(_) => execute_update_metadata(executor, mint, index),
        _ => execute(executor, mint, index),
    }
}

/// What an `execute_upgrade_program` needs: the hash reads the whole buffer (about one
/// unit per two bytes), so it asks for the transaction maximum.
pub const UPGRADE_COMPUTE_UNITS: u32 = 1_400_000;

/// What an `execute_update_metadata` may need: one Token-2022 call per field (up to 19), each
/// re-serializing the metadata.
pub const METADATA_COMPUTE_UNITS: u32 = 600_000;

/// A compute budget instruction raising the transaction's limit to `units`.
pub fn compute_unit_limit(units: u32) -> Instruction {
    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(units)
}

/// [`execute_action`] with what its transaction needs before it (the compute budget of an
/// upgrade or a metadata update).
pub fn execute_action_instructions(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    action: &ProposalAction,
    minter_rent_payer: Option<&Pubkey>,
) -> Vec<Instruction> {
    let execute = execute_action(executor, mint, index, action, minter_rent_payer);
    match action {
        ProposalAction::UpgradeProgram { .. } => {
            vec![compute_unit_limit(UPGRADE_COMPUTE_UNITS), execute]
        }
        ProposalAction::UpdateMetadata(_) => {
            vec![compute_unit_limit(METADATA_COMPUTE_UNITS), execute]
        }
        _ => vec![execute],
    }
}

/// `hand_over_upgrade_authority`: signer `authority` (the program's current upgrade
/// authority).
pub fn hand_over_upgrade_authority(authority: &Pubkey, mint: &Pubkey) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::HandOverUpgradeAuthority {
            authority: *authority,
            issuer,
            upgrade_authority: pda::upgrade_authority(&issuer),
            program_data: pda::program_data(),
            loader: usd1_minter::loader_cpi::LOADER_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::HandOverUpgradeAuthority {},
    )
}

/// `execute_upgrade_program`: signer `executor` (anyone). Send after
/// [`compute_unit_limit`]`(`[`UPGRADE_COMPUTE_UNITS`]`)`.
pub fn execute_upgrade_program(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    buffer: &Pubkey,
    spill: &Pubkey,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteUpgradeProgram {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            upgrade_authority: pda::upgrade_authority(&issuer),
            program_data: pda::program_data(),
            upgraded_program: ID,
            buffer: *buffer,
            spill: *spill,
            rent: solana_sdk::sysvar::rent::ID,
            clock: solana_sdk::sysvar::clock::ID,
            loader: usd1_minter::loader_cpi::LOADER_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteUpgradeProgram {},
    )
}

/// `execute_set_upgrade_authority`: signers `executor` (anyone) and `new`, when there is one.
pub fn execute_set_upgrade_authority(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    new: Option<&Pubkey>,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteSetUpgradeAuthority {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            upgrade_authority: pda::upgrade_authority(&issuer),
            program_data: pda::program_data(),
            new_authority: new.copied(),
            loader: usd1_minter::loader_cpi::LOADER_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteSetUpgradeAuthority {},
    )
}

/// `close_proposal`: no signer but the fee payer; rent goes to `proposer`.
pub fn close_proposal(mint: &Pubkey, index: u64, proposer: &Pubkey) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::CloseProposal {
            issuer,
            proposal: pda::proposal(&issuer, index),
            proposer: *proposer,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::CloseProposal {},
    )
}

/// `pause`: signer `authority` (a pauser or a member).
pub fn pause(authority: &Pubkey, mint: &Pubkey) -> Instruction {
    build(
        acc::Pause {
            authority: *authority,
            issuer: pda::issuer(mint),
            mint: *mint,
            token_program: TOKEN_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Pause {},
    )
}

/// `pause_issuance`: signer `authority` (a pauser or a member).
pub fn pause_issuance(authority: &Pubkey, mint: &Pubkey) -> Instruction {
    build(
        acc::PauseIssuance {
            authority: *authority,
            issuer: pda::issuer(mint),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::PauseIssuance {},
    )
}

/// `suspend_minter`: signer `authority` (a pauser or a member); suspends the minter whose
/// key is `minter_authority`.
pub fn suspend_minter(authority: &Pubkey, mint: &Pubkey, minter_authority: &Pubkey) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::SuspendMinter {
            authority: *authority,
            issuer,
            minter: pda::minter(&issuer, minter_authority),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::SuspendMinter {},
    )
}

/// `raise_allowance`: signer `manager` (the allowance manager); raises the allowance of the
/// minter whose key is `minter_authority` by `amount`.
pub fn raise_allowance(
    manager: &Pubkey,
    mint: &Pubkey,
    minter_authority: &Pubkey,
    amount: u64,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::RaiseAllowance {
            manager: *manager,
            issuer,
            minter: pda::minter(&issuer, minter_authority),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::RaiseAllowance { amount },
    )
}

/// `decrease_allowance`: signer `authority` (a pauser, a member or the allowance manager); lowers the allowance of
/// the minter whose key is `minter_authority` by `amount`.
pub fn decrease_allowance(
    authority: &Pubkey,
    mint: &Pubkey,
    minter_authority: &Pubkey,
    amount: u64,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::DecreaseAllowance {
            authority: *authority,
            issuer,
            minter: pda::minter(&issuer, minter_authority),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::DecreaseAllowance { amount },
    )
}

/// `mint`: signer `authority` (the minter's key; pays the receipt's rent).
pub fn mint(
    authority: &Pubkey,
    mint: &Pubkey,
    recipient: &Pubkey,
    request_id: [u8; 32],
    amount: u64,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::MintTokens {
            authority: *authority,
            issuer,
            minter: pda::minter(&issuer, authority),
            receipt: pda::mint_receipt(&issuer, &request_id),
            mint: *mint,
            recipient: *recipient,
            token_program: TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            instructions: INSTRUCTIONS_SYSVAR_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Mint { request_id, amount },
    )
}

/// `execute_seize`: signer `executor` (anyone). `account` and `destination` as in the
/// proposal's `Seize` action (`destination` None: burn).
pub fn execute_seize(
    executor: &Pubkey,
    mint: &Pubkey,
    index: u64,
    account: &Pubkey,
    destination: Option<&Pubkey>,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::ExecuteSeize {
            executor: *executor,
            issuer,
            proposal: pda::proposal(&issuer, index),
            mint: *mint,
            account: *account,
            destination: destination.copied(),
            token_program: TOKEN_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::ExecuteSeize {},
    )
}

fn freeze_accounts(freezer: &Pubkey, mint: &Pubkey, token_account: &Pubkey) -> acc::FreezeOrThaw {
    acc::FreezeOrThaw {
        freezer: *freezer,
        issuer: pda::issuer(mint),
        mint: *mint,
        token_account: *token_account,
        token_program: TOKEN_PROGRAM_ID,
        event_authority: pda::event_authority(),
        program: ID,
    }
}

/// `freeze`: signer `freezer`.
pub fn freeze(
    freezer: &Pubkey,
    mint: &Pubkey,
    token_account: &Pubkey,
    reason_code: u16,
) -> Instruction {
    build(
        freeze_accounts(freezer, mint, token_account),
        data::Freeze { reason_code },
    )
}

/// `thaw`: signer `freezer`.
pub fn thaw(freezer: &Pubkey, mint: &Pubkey, token_account: &Pubkey) -> Instruction {
    build(freeze_accounts(freezer, mint, token_account), data::Thaw {})
}

/// `redeem`: signer `holder` (owner of `token_account`; pays the redemption's rent).
pub fn redeem(
    holder: &Pubkey,
    mint: &Pubkey,
    token_account: &Pubkey,
    redemption_id: [u8; 32],
    amount: u64,
    payout_reference: [u8; 32],
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::Redeem {
            holder: *holder,
            issuer,
            mint: *mint,
            token_account: *token_account,
            redemption: pda::redemption(&issuer, holder, &redemption_id),
            token_program: TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Redeem {
            redemption_id,
            amount,
            payout_reference,
        },
    )
}

/// `settle_redemption`: signer `operator` (the redemption operator); `holder` redeemed.
pub fn settle_redemption(
    operator: &Pubkey,
    mint: &Pubkey,
    holder: &Pubkey,
    redemption_id: [u8; 32],
    settlement_reference: [u8; 32],
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::SettleRedemption {
            operator: *operator,
            issuer,
            holder: *holder,
            redemption: pda::redemption(&issuer, holder, &redemption_id),
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::SettleRedemption {
            redemption_id,
            settlement_reference,
        },
    )
}

/// `refund_redemption`: signer `operator`; `holder` redeemed. `token_account` is the
/// redemption's `token_account` (the account it burned from, still the holder's).
pub fn refund_redemption(
    operator: &Pubkey,
    mint: &Pubkey,
    holder: &Pubkey,
    redemption_id: [u8; 32],
    token_account: &Pubkey,
    reason_code: u16,
) -> Instruction {
    let issuer = pda::issuer(mint);
    build(
        acc::RefundRedemption {
            operator: *operator,
            issuer,
            mint: *mint,
            holder: *holder,
            redemption: pda::redemption(&issuer, holder, &redemption_id),
            token_account: *token_account,
            token_program: TOKEN_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::RefundRedemption {
            redemption_id,
            reason_code,
        },
    )
}

/// `attest_reserves`: signer `attestor` (the reserve attestor).
pub fn attest_reserves(
    attestor: &Pubkey,
    mint: &Pubkey,
    amount: u64,
    as_of: i64,
    report_hash: [u8; 32],
) -> Instruction {
    build(
        acc::AttestReserves {
            attestor: *attestor,
            issuer: pda::issuer(mint),
            mint: *mint,
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::AttestReserves {
            amount,
            as_of,
            report_hash,
        },
    )
}

/// Returns `ix` with every occurrence of account `from` replaced by `to` (keeping its
/// signer and writable flags): how tests and audits try a substituted account.
pub fn with_account_replaced(mut ix: Instruction, from: &Pubkey, to: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *from) {
        meta.pubkey = *to;
    }
    ix
}
