//! The benchmark runs every instruction to completion and prints a row for each.
use std::process::Command;

#[test]
fn the_benchmark_measures_every_instruction() {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1-bench"))
        .output()
        .expect("run usd1-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for row in [
        "| initialize |",
        "| propose (configure minter) |",
        "| approve (reaches threshold) |",
        "| execute: configure minter (create) |",
        "| mint (creates the receipt) |",
        "| reject |",
        "| cancel |",
        "| close_proposal |",
        "| execute: set limits |",
        "| execute: set roles (2+2 holders) |",
        "| pause |",
        "| execute: unpause |",
        "| execute: remove minter |",
        "| execute: set governance (3 members) |",
        "| attest_reserves |",
        "| mint (reserve guard + Ed25519 co-signature) |",
        "| freeze |",
        "| thaw |",
        "| redeem (creates the redemption) |",
        "| settle_redemption |",
        "| refund_redemption |",
        "| execute: seize (to treasury) |",
        "| execute: seize (burn) |",
        "| Issuer | 1150 |",
        "| Redemption | 236 |",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in:\n{stdout}");
    }
}
