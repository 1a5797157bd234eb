//! `cargo run -p usd1-idl` regenerates `idl/usd1_minter.json` from the program with the same
//! builder `anchor idl build` uses; `--check` fails if the committed file differs.
use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usd1-idl: unknown argument {other:?} (usage: usd1-idl [--check])");
            return ExitCode::from(2);
        }
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .nth(2)
        .unwrap_or(&manifest)
        .to_path_buf();
    let program = root.join("programs/usd1-minter");
    let out = root.join("idl/usd1_minter.json");

    // `cargo run` sets RUSTUP_TOOLCHAIN, which would make the builder install a toolchain.
    // The IDL build compiles with its own RUSTFLAGS and the idl-build feature: a target dir
    // of its own keeps it from invalidating the workspace's.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    std::env::set_var("CARGO_TARGET_DIR", root.join("target/idl"));
    let idl = match IdlBuilder::new().program_path(program).build() {
        Ok(idl) => idl,
        Err(e) => {
            eprintln!("usd1-idl: building the IDL failed: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let json = match serde_json::to_string_pretty(&idl) {
        Ok(json) => json + "\n",
        Err(e) => {
            eprintln!("usd1-idl: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let committed = std::fs::read_to_string(&out).unwrap_or_default();
        if committed != json {
            eprintln!(
                "usd1-idl: {} is stale: run `cargo run -p usd1-idl` and commit the result",
                out.display()
            );
            return ExitCode::FAILURE;
        }
        println!("usd1-idl: {} is fresh", out.display());
    } else if let Err(e) = std::fs::write(&out, json) {
        eprintln!("usd1-idl: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    } else {
        println!("usd1-idl: wrote {}", out.display());
    }
    ExitCode::SUCCESS
}
