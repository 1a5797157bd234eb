use anchor_lang::prelude::*;

use crate::errors::MinterError;

/// Lifecycle of a redemption: Requested, then exactly one of Settled or Refunded.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedemptionStatus {
    /// Tokens burned; the payout is due off-chain.
    Requested,
    /// The operator confirmed the payout.
    Settled,
    /// The payout failed; the amount was re-minted to the holder.
    Refunded,
}

/// `["redemption", issuer, holder, redemption_id]`: one burn-for-redemption. Never closed:
/// its existence is the replay guard of the holder's id.
#[account]
#[derive(InitSpace, Debug)]
pub struct Redemption {
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// The issuer redeemed against.
    pub issuer: Pubkey,
    /// Holder-chosen id (e.g. the off-chain redemption request).
    pub redemption_id: [u8; 32],
    /// The holder who burned (signer of `redeem`).
    pub holder: Pubkey,
    /// Token account burned from; a refund re-mints to it while the holder still owns it.
    pub token_account: Pubkey,
    /// Base units burned.
    pub amount: u64,
    /// Off-chain payout instruction (e.g. a hash of the bank details).
    pub payout_reference: [u8; 32],
    pub status: RedemptionStatus,
    /// Unix time of the burn.
    pub requested_at: i64,
    /// Unix time of settlement or refund (0 while Requested).
    pub resolved_at: i64,
    /// Off-chain proof of payout (zero unless Settled).
    pub settlement_reference: [u8; 32],
    /// Why it was refunded (zero unless Refunded).
    pub refund_reason: u16,
    /// Sequence number of the `RedemptionRequested` event.
    pub seq: u64,
}

impl Redemption {
    /// True when `key` is the PDA `["redemption", issuer, holder, redemption_id]` with this
    /// redemption's (canonical, stored) bump: one SHA-256 instead of `create_program_address`.
    pub fn is_at_address(
        &self,
        key: &Pubkey,
        issuer: &Pubkey,
        holder: &Pubkey,
        redemption_id: &[u8; 32],
    ) -> bool {
        crate::pda::is_program_address(
            key,
            &[
                crate::seeds::REDEMPTION_SEED,
                issuer.as_ref(),
                holder.as_ref(),
                redemption_id,
            ],
            self.bump,
        )
    }

    /// Records a new request (the caller burned `amount`).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &mut self,
        bump: u8,
        issuer: Pubkey,
        redemption_id: [u8; 32],
        holder: Pubkey,
        token_account: Pubkey,
        amount: u64,
        payout_reference: [u8; 32],
        now: i64,
        seq: u64,
    ) -> Result<()> {
        self.bump = bump;
        self.issuer = issuer;
        self.redemption_id = redemption_id;
        self.holder = holder;
        self.token_account = token_account;
        self.amount = amount;
        self.payout_reference = payout_reference;
        self.status = RedemptionStatus::Requested;
        self.requested_at = now;
        self.seq = seq;
        self.invariant()
    }

    pub fn settle(&mut self, settlement_reference: [u8; 32], now: i64) -> Result<()> {
        self.resolve(RedemptionStatus::Settled, now)?;
        self.settlement_reference = settlement_reference;
        self.invariant()
    }

    pub fn refund(&mut self, reason_code: u16, now: i64) -> Result<()> {
        self.resolve(RedemptionStatus::Refunded, now)?;
        self.refund_reason = reason_code;
        self.invariant()
    }

    /// Only a Requested redemption can be settled or refunded: neither twice, neither after
    /// the other.
    pub fn require_requested(&self) -> Result<()> {
        require!(
            self.status == RedemptionStatus::Requested,
            MinterError::RedemptionNotRequested
        );
        Ok(())
    }

    fn resolve(&mut self, to: RedemptionStatus, now: i64) -> Result<()> {
        self.require_requested()?;
        self.status = to;
        self.resolved_at = now;
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.amount > 0, MinterError::ZeroAmount);
        require!(
            (self.status == RedemptionStatus::Requested) == (self.resolved_at == 0),
            MinterError::RedemptionNotRequested
        );
        Ok(())
    }
}
