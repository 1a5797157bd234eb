//! Instruction builders. Account order and instruction data come from Anchor's generated
//! `usd1_minter::accounts` and `usd1_minter::instruction` types.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use usd1_minter::{accounts as acc, instruction as data, ID};

use crate::pda;
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
        data::Propose { action },
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

/// `execute` (SetGovernance, SetRoles, SetLimits, Unpause): signer `executor` (anyone).
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
        _ => execute(executor, mint, index),
    }
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
            event_authority: pda::event_authority(),
            program: ID,
        },
        data::Mint { request_id, amount },
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
