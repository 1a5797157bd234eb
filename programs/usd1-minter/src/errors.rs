use anchor_lang::prelude::*;

/// Every refusal of the program. Codes start at 6000 (Anchor's custom-error offset) and are
/// append-only: integrators match on them.
#[error_code]
pub enum MinterError {
    // ---- configuration (initialize and governance actions) ----
    #[msg("At least one member is required")]
    NoMembers,
    #[msg("Too many members (at most 10)")]
    TooManyMembers,
    #[msg("The same member is listed twice")]
    DuplicateMember,
    #[msg("Threshold must be at least 1 and at most the number of members")]
    InvalidThreshold,
    #[msg("Time lock is longer than the maximum (30 days)")]
    TimeLockTooLong,
    #[msg("Supply cap must be greater than zero")]
    ZeroSupplyCap,
    #[msg("Token name, symbol or uri is too long (32, 10, 200 bytes)")]
    MetadataTooLong,
    #[msg("Too many holders for one role (at most 8)")]
    TooManyRoleHolders,
    #[msg("The same key is listed twice in a role")]
    DuplicateRoleHolder,
    #[msg("Rate limit capacity and window must both be greater than zero")]
    InvalidRateLimit,
    #[msg("Token decimals must be at most 18")]
    InvalidDecimals,

    // ---- governance ----
    #[msg("Signer is not a member of the multisig")]
    NotAMember,
    #[msg("Proposal is not open for votes")]
    ProposalNotActive,
    #[msg("Proposal is stale: members, threshold or time lock changed after it was created")]
    ProposalStale,
    #[msg("This member has already voted on this proposal")]
    AlreadyVoted,
    #[msg("Only the proposer can cancel a proposal")]
    NotProposer,
    #[msg("Proposal has not reached its approval threshold")]
    ThresholdNotReached,
    #[msg("Time lock has not elapsed since the proposal reached its threshold")]
    TimeLockNotElapsed,
    #[msg("Proposal has not ended (executed, rejected, cancelled or stale) and cannot be closed")]
    ProposalNotEnded,
    #[msg("This proposal's action is executed by a different instruction")]
    WrongExecuteInstruction,
    #[msg("Minter authority does not match the proposal's action")]
    MinterAuthorityMismatch,
    #[msg("Rent receiver does not match the account's recorded payer")]
    WrongRentReceiver,

    // ---- pause ----
    #[msg("Signer is neither a pauser nor a member (nor, to lower an allowance, the allowance manager)")]
    NotAPauser,
    #[msg("Issuance is already paused")]
    AlreadyPaused,
    #[msg("Issuance is not paused")]
    NotPaused,

    // ---- mint ----
    #[msg("Issuance is paused")]
    Paused,
    #[msg("Minter is deactivated")]
    MinterInactive,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Amount exceeds the minter's remaining allowance")]
    AllowanceExceeded,
    #[msg("Amount exceeds the minter's rate limit")]
    RateLimitExceeded,
    #[msg("Amount would take supply above the supply cap")]
    SupplyCapExceeded,
    #[msg("This request id has already been used to mint")]
    RequestIdReused,
    #[msg("Signer is not this minter's authority")]
    NotMinterAuthority,
    #[msg("Minter belongs to a different issuer")]
    WrongIssuer,
    #[msg("Token account is not an account of this mint")]
    WrongMint,

    // ---- arithmetic ----
    #[msg("Arithmetic overflow")]
    Overflow,

    // ---- freeze, thaw, seizure ----
    #[msg("Signer is not a freezer")]
    NotAFreezer,
    #[msg("Token account is already frozen")]
    AccountAlreadyFrozen,
    #[msg("Token account is not frozen")]
    AccountNotFrozen,
    #[msg("Token account is frozen")]
    AccountFrozen,
    #[msg("Seizure needs the PermanentDelegate extension, which this mint was created without")]
    PermanentDelegateDisabled,
    #[msg("Seizure destination is the seized account itself")]
    SeizeToSelf,
    #[msg("Account does not match the one the seizure proposal names")]
    SeizeAccountMismatch,
    #[msg("Token account holds less than the amount")]
    InsufficientBalance,

    // ---- redemption ----
    #[msg("Amount is below the minimum redemption")]
    BelowMinRedemption,
    #[msg("This redemption id has already been used")]
    RedemptionIdReused,
    #[msg("Signer does not own the token account")]
    NotTokenAccountOwner,
    #[msg("Signer is not the redemption operator")]
    NotRedemptionOperator,
    #[msg("Redemption is not awaiting settlement (already settled or refunded)")]
    RedemptionNotRequested,
    #[msg("Token account is not the one the redemption burned from")]
    WrongRedemptionAccount,

    // ---- reserves ----
    #[msg("Signer is not the reserve attestor")]
    NotReserveAttestor,
    #[msg("Attestation as_of is in the future")]
    AttestationInFuture,
    #[msg("Attestation as_of is older than the last attestation")]
    AttestationOutOfOrder,
    #[msg("Supply after this mint would exceed the attested reserves")]
    ReservesExceeded,
    #[msg("Reserve attestation is missing or older than the maximum age")]
    ReserveAttestationStale,
    #[msg("The reserve guard needs a maximum attestation age greater than zero")]
    InvalidReserveGuard,

    // ---- compliance co-signature ----
    #[msg("Mint needs the mint attestor's Ed25519 instruction immediately before it")]
    MintAttestationMissing,
    #[msg("Ed25519 instruction must hold one signature whose key, signature and message lie inside it")]
    MintAttestationMalformed,
    #[msg("Co-signature is not from the mint attestor")]
    MintAttestationWrongSigner,
    #[msg("Co-signed message does not match this mint (program, mint, minter, request id, recipient or amount)")]
    MintAttestationMismatch,
    #[msg("Co-signature has expired")]
    MintAttestationExpired,

    // ---- hardening (appended: earlier codes are unchanged) ----
    #[msg("The refund's token account is no longer owned by the holder who redeemed")]
    RefundAccountNotHolders,
    #[msg("An issuer already exists for this mint")]
    IssuerAlreadyExists,
    #[msg("The mint address already holds an account")]
    MintAccountExists,
    #[msg("This minter's account is not the program's (or the address holds another account)")]
    MinterAccountInvalid,
    #[msg(
        "Another proposal took this index first: propose again at the issuer's proposal_index + 1"
    )]
    ProposalIndexTaken,
    #[msg("This Unpause was proposed before the current pause: propose a new one")]
    UnpauseOutlivedPause,
    #[msg("This minter proposal was created before a minter's removal: propose it again")]
    MinterProposalOutlivedRemoval,
    #[msg(
        "Proposal has expired: it was not executed within the execution window after its time lock"
    )]
    ProposalExpired,
    #[msg("Execution window must be between 1 hour and 365 days")]
    InvalidExecutionWindow,

    // ---- upgrades under governance ----
    #[msg("This issuer does not hold the program's upgrade authority")]
    NotUpgradeGovernor,
    #[msg("This upgrade proposal was created before the program or its upgrade authority last changed: propose it again")]
    UpgradeProposalOutlived,
    #[msg("The signer is not the program's current upgrade authority")]
    NotUpgradeAuthority,
    #[msg("The buffer is not a loader buffer whose authority is this issuer's upgrade authority")]
    UpgradeBufferInvalid,
    #[msg("The buffer's program bytes do not hash to the proposal's buffer_hash")]
    UpgradeBufferHashMismatch,
    #[msg("The buffer holds more program bytes than the program data has room for (deploy with a larger max_len)")]
    UpgradeBufferTooLarge,
    #[msg("The buffer or spill account is not the one the proposal names")]
    UpgradeAccountMismatch,
    #[msg("The spill account must not be the buffer")]
    UpgradeSpillIsBuffer,
    #[msg("The new upgrade authority must sign the execution (absent when the proposal makes the program immutable)")]
    UpgradeAuthorityMismatch,

    // ---- governance for incidents ----
    #[msg("A key this proposal newly puts in charge has not accepted it (the log names the key)")]
    KeyNotAccepted,
    #[msg("The signer is not a key this proposal names (a member, role holder or minter authority it sets)")]
    NotNamedInProposal,
    #[msg("This key has already accepted this proposal")]
    AlreadyAccepted,
    #[msg(
        "This minter proposal was created before the minter's last suspension: propose it again"
    )]
    MinterProposalOutlivedSuspension,
    #[msg("Issuance is paused: mint and refund stop, transfers and redemptions go on")]
    IssuancePaused,
    #[msg("Issuance is already paused")]
    IssuanceAlreadyPaused,
    #[msg("Issuance is not paused")]
    IssuanceNotPaused,
    #[msg("This ResumeIssuance was proposed before the current issuance pause: propose a new one")]
    IssuanceResumeOutlivedPause,
    #[msg("Proposal was vetoed: threshold members rejected it after its approval")]
    ProposalVetoed,
    #[msg("Signer is not the allowance manager")]
    NotAllowanceManager,
    #[msg("Governance has set no allowance budget (SetAllowanceBudget)")]
    NoAllowanceBudget,
    #[msg("The raise exceeds what the allowance budget holds now")]
    AllowanceBudgetExceeded,
    #[msg("Metadata fields: at most 8 set and 8 removed, keys 1..=32 bytes, unique, not name/symbol/uri, values at most 200 bytes")]
    MetadataFieldInvalid,
    #[msg("A role holder cannot be the all-zero key (it stands for \"nobody\")")]
    RoleHolderIsZeroKey,
}
