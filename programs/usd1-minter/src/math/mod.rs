//! Pure functions of the program's rules, unit and property tested.
pub mod mint_attestation;
pub mod rate_limit;
