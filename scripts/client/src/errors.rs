//! Error names and messages. Custom errors come from the program's IDL (generated from the
//! program, committed at `idl/usd1_minter.json`); Anchor's framework errors from Anchor.
use std::collections::HashMap;
use std::sync::OnceLock;

const IDL: &str = include_str!("../../../idl/usd1_minter.json");

fn custom_errors() -> &'static HashMap<u32, (String, String)> {
    static TABLE: OnceLock<HashMap<u32, (String, String)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let idl: serde_json::Value = serde_json::from_str(IDL).unwrap_or_default();
        idl["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| {
                        let code = u32::try_from(e["code"].as_u64()?).ok()?;
                        let name = e["name"].as_str()?;
                        let msg = e["msg"].as_str().unwrap_or_default();
                        // the IDL names errors in camelCase; Rust and logs use PascalCase
                        let mut pascal = name.to_string();
                        if let Some(first) = pascal.get_mut(0..1) {
                            first.make_ascii_uppercase();
                        }
                        Some((code, (pascal, msg.to_string())))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Name and message of the program's custom error `code` (6000 and up).
pub fn program_error(code: u32) -> Option<(&'static str, &'static str)> {
    custom_errors()
        .get(&code)
        .map(|(n, m)| (n.as_str(), m.as_str()))
}

/// Name of an Anchor framework error `code` (below 6000) that the program's account checks
/// return, e.g. 2006 ConstraintSeeds.
pub fn framework_error(code: u32) -> Option<String> {
    use anchor_lang::error::ErrorCode as E;
    // Anchor's ErrorCode has no reverse mapping; the ones the program's accounts can raise:
    const KNOWN: &[E] = &[
        E::ConstraintMut,
        E::ConstraintHasOne,
        E::ConstraintSigner,
        E::ConstraintRaw,
        E::ConstraintOwner,
        E::ConstraintSeeds,
        E::ConstraintAddress,
        E::ConstraintTokenMint,
        E::AccountDiscriminatorNotFound,
        E::AccountDiscriminatorMismatch,
        E::AccountDidNotDeserialize,
        E::AccountNotEnoughKeys,
        E::AccountNotMutable,
        E::AccountOwnedByWrongProgram,
        E::InvalidProgramId,
        E::InvalidProgramExecutable,
        E::AccountNotSigner,
        E::AccountNotSystemOwned,
        E::AccountNotInitialized,
        E::InstructionDidNotDeserialize,
        E::InstructionFallbackNotFound,
    ];
    KNOWN
        .iter()
        .find(|e| u32::from(**e) == code)
        .map(|e| e.name())
}

/// A readable name for any custom error code the program can return.
pub fn error_name(code: u32) -> String {
    program_error(code)
        .map(|(name, _)| name.to_string())
        .or_else(|| framework_error(code))
        .unwrap_or_else(|| format!("custom program error {code}"))
}
