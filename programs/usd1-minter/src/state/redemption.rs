use anchor_lang::prelude::*;

use crate::errors::MinterError;

/// Lifecycle of a redemption: Requested, then exactly one of Settled or Refunded. Stored as
/// its byte (`Redemption::status()`): 0, 1, 2 in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
///
/// Zero-copy: `redeem` writes it in place, `settle_redemption` and `refund_redemption` update
/// it there. C layout without implicit padding; the bump and the issuer lead, as in every
/// account of this program.
#[account(zero_copy)]
#[derive(Debug, PartialEq, Eq)]
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
    /// Off-chain payout instruction (e.g. a hash of the bank details).
    pub payout_reference: [u8; 32],
    /// Off-chain proof of payout (zero unless Settled).
    pub settlement_reference: [u8; 32],
    /// 0 Requested, 1 Settled, 2 Refunded (`status()`).
    status: u8,
    /// Why it was refunded (zero unless Refunded).
    pub refund_reason: u16,
    /// Zero.
    _padding: [u8; 4],
    /// Base units burned.
    pub amount: u64,
    /// Unix time of the burn.
    pub requested_at: i64,
    /// Unix time of settlement or refund (0 while Requested).
    pub resolved_at: i64,
    /// Sequence number of the `RedemptionRequested` event.
    pub seq: u64,
}

// no implicit padding (Borsh readers see the same bytes), a whole number of u64s
const _: () = assert!(core::mem::size_of::<Redemption>() == 232);
const _: () = assert!(core::mem::align_of::<Redemption>() == 8);

impl Space for Redemption {
    const INIT_SPACE: usize = core::mem::size_of::<Redemption>();
}

impl RedemptionStatus {
    /// The byte `Redemption` stores.
    const fn byte(self) -> u8 {
        self as u8
    }
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

    /// Where it is in its lifecycle (a byte this program never writes otherwise is refused).
    pub fn status(&self) -> Result<RedemptionStatus> {
        match self.status {
            0 => Ok(RedemptionStatus::Requested),
            1 => Ok(RedemptionStatus::Settled),
            2 => Ok(RedemptionStatus::Refunded),
            _ => err!(ErrorCode::AccountDidNotDeserialize),
        }
    }

    /// Records a new request in the zeroed account `redeem` created (the caller burned
    /// `amount`).
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
        *self = Redemption {
            bump,
            issuer,
            redemption_id,
            holder,
            token_account,
            payout_reference,
            settlement_reference: [0; 32],
            status: RedemptionStatus::Requested.byte(),
            refund_reason: 0,
            _padding: [0; 4],
            amount,
            requested_at: now,
            resolved_at: 0,
            seq,
        };
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
            self.status()? == RedemptionStatus::Requested,
            MinterError::RedemptionNotRequested
        );
        Ok(())
    }

    fn resolve(&mut self, to: RedemptionStatus, now: i64) -> Result<()> {
        self.require_requested()?;
        self.status = to.byte();
        self.resolved_at = now;
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.amount > 0, MinterError::ZeroAmount);
        require!(
            (self.status()? == RedemptionStatus::Requested) == (self.resolved_at == 0),
            MinterError::RedemptionNotRequested
        );
        require!(self._padding == [0; 4], ErrorCode::AccountDidNotDeserialize);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requested() -> Redemption {
        let mut r: Redemption = bytemuck::Zeroable::zeroed();
        r.request(
            254,
            Pubkey::new_unique(),
            [7; 32],
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            500,
            [9; 32],
            1_000,
            42,
        )
        .unwrap();
        r
    }

    #[test]
    fn settles_or_refunds_once() {
        let mut r = requested();
        assert_eq!(r.status().unwrap(), RedemptionStatus::Requested);
        r.settle([5; 32], 2_000).unwrap();
        assert_eq!(
            (r.status().unwrap(), r.resolved_at, r.settlement_reference),
            (RedemptionStatus::Settled, 2_000, [5; 32])
        );
        assert!(r.settle([6; 32], 3_000).is_err());
        assert!(r.refund(1, 3_000).is_err());
        assert_eq!(r.settlement_reference, [5; 32]);

        let mut r = requested();
        r.refund(4, 2_500).unwrap();
        assert_eq!(
            (r.status().unwrap(), r.refund_reason, r.resolved_at),
            (RedemptionStatus::Refunded, 4, 2_500)
        );
        assert!(r.settle([5; 32], 3_000).is_err());
    }

    #[test]
    fn an_unknown_status_byte_is_refused() {
        let mut r = requested();
        r.status = 3;
        assert!(r.status().is_err());
        assert!(r.require_requested().is_err());
    }

    /// The zero-copy bytes are what a Borsh reader of the same fields (the IDL's view, the
    /// TypeScript client) decodes: no implicit padding, fields in declaration order.
    #[test]
    fn the_layout_is_the_fields_in_order() {
        let r = requested();
        let bytes = bytemuck::bytes_of(&r);
        let mut borsh = vec![r.bump];
        for part in [
            r.issuer.as_ref(),
            &r.redemption_id,
            r.holder.as_ref(),
            r.token_account.as_ref(),
            &r.payout_reference,
            &r.settlement_reference,
        ] {
            borsh.extend_from_slice(part);
        }
        borsh.push(r.status);
        borsh.extend_from_slice(&r.refund_reason.to_le_bytes());
        borsh.extend_from_slice(&[0; 4]);
        for word in [r.amount, r.requested_at as u64, r.resolved_at as u64, r.seq] {
            borsh.extend_from_slice(&word.to_le_bytes());
        }
        assert_eq!(bytes, borsh.as_slice());
    }
}
