use anchor_lang::prelude::*;

use crate::account_creation;
use crate::errors::MinterError;
use crate::event_cpi::emit_event;
use crate::events::ProposalCreated;
use crate::seeds::PROPOSAL_SEED;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(index: u64, action: ProposalAction)]
pub struct Propose<'info> {
    /// A member; pays the proposal's rent and approves it at once.
    #[account(mut)]
    pub proposer: Signer<'info>,
    #[account(mut, dup, constraint = issuer.load()?.is_at_own_address(&issuer.key()) @ ErrorCode::ConstraintSeeds)]
    pub issuer: AccountLoader<'info, Issuer>,
    /// The `Proposal`, created here at the index the proposer names (the issuer's
    /// `proposal_index + 1`, checked), also when the address was funded first.
    /// CHECK: the checks described above.
    #[account(mut)]
    #[cfg_attr(
        feature = "idl-build",
        account(seeds = [crate::seeds::PROPOSAL_SEED, issuer.key().as_ref(), &index.to_le_bytes()], bump)
    )]
    pub proposal: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl Propose<'_> {
    fn validate(&self, index: u64, action: &ProposalAction) -> Result<()> {
        let issuer = self.issuer.load()?;
        require!(issuer.is_member(self.proposer.key), MinterError::NotAMember);
        // (another member's proposal landed first: the client proposes again at the next)
        require!(
            index == issuer.next_proposal_index(),
            MinterError::ProposalIndexTaken
        );
        require!(
            account_creation::is_vacant(&self.proposal),
            MinterError::ProposalIndexTaken
        );
        if matches!(action, ProposalAction::Seize { .. }) {
            require!(
                issuer.permanent_delegate(),
                MinterError::PermanentDelegateDisabled
            );
        }
        if matches!(
            action,
            ProposalAction::UpgradeProgram { .. } | ProposalAction::SetUpgradeAuthority { .. }
        ) {
            require!(issuer.governs_upgrades(), MinterError::NotUpgradeGovernor);
        }
        action.validate()
    }

    #[access_control(ctx.accounts.validate(index, &action))]
    pub fn propose(ctx: Context<Self>, index: u64, action: ProposalAction) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let issuer_key = ctx.accounts.issuer.key();
        let proposer = ctx.accounts.proposer.key();
        let info = ctx.accounts.proposal.to_account_info();
        let bump = account_creation::create_pda(
            &ctx.accounts.proposer.to_account_info(),
            &info,
            &ctx.accounts.system_program.to_account_info(),
            Proposal::space(&action),
            &[PROPOSAL_SEED, issuer_key.as_ref(), &index.to_le_bytes()],
        )?;
        let mut issuer = ctx.accounts.issuer.load_mut()?;
        // validate checked that `index` is the one this claims
        issuer.claim_proposal_index()?;
        let pause_count = issuer.pause_count_for(&action);
        let proposal = Proposal::open(
            issuer_key,
            index,
            bump,
            proposer,
            action.clone(),
            now,
            pause_count,
        )?;
        ProposalInPlace::write_new(&info, &proposal)?;
        // the proposer's approval counts at once
        let status = {
            let mut in_place = ProposalInPlace::load(&info)?;
            in_place.approve(&proposer, issuer.threshold, issuer.execution_window, now)?;
            in_place.status()
        };
        let seq = issuer.next_seq()?;
        let mint = issuer.mint;
        emit_event!(
            ctx,
            ProposalCreated {
                mint,
                seq,
                index,
                proposer,
                action,
                status
            }
        );
        Ok(())
    }
}
