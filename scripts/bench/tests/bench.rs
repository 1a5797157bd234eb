//! The benchmark runs every instruction to completion and prints a row for each.
use std::process::Command;

#[test]
fn the_benchmark_measures_every_instruction() {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1-bench"))
        .args(["--runs", "2"])
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
        "| accept (the new minter's key) |",
        "| execute: set allowance budget |",
        "| raise_allowance |",
        "| decrease_allowance |",
        "| pause_issuance |",
        "| execute: resume issuance |",
        "| execute: update metadata (3 fields + 1 added) |",
        "| reject (approved proposal, 1 of 2 to veto) |",
        "| suspend_minter |",
        "| Issuer | 1320 |",
        "| Redemption | 240 |",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in:\n{stdout}");
    }
    assert!(stdout.contains("minimum of 2 run(s)"), "{stdout}");
    // every instruction row has its budget (issue 17): the third column is a count above 0
    let rows: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("| instruction |"))
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert!(rows.len() >= 32, "{stdout}");
    for row in rows {
        let budget: u64 = row
            .split('|')
            .nth(3)
            .unwrap_or("")
            .trim()
            .parse()
            .unwrap_or(0);
        assert!(budget > 0, "no budget in {row:?}");
        // the runtime's floor (each CPI's price, what the called programs consume): every
        // row makes at least its event's CPI, and on the .so the floor is part of the total
        let column = |n: usize| -> u64 {
            let cell = row.split('|').nth(n).unwrap_or("").trim();
            cell.trim_end_matches(" (over)").parse().unwrap_or(0)
        };
        let (total, floor) = (column(2), column(7));
        assert!(floor >= 946, "no runtime floor in {row:?}");
        if stdout.contains("program Sbf") {
            assert!(floor < total, "the floor exceeds the total in {row:?}");
        }
    }
}

#[test]
fn a_run_count_below_one_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1-bench"))
        .args(["--runs", "0"])
        .output()
        .expect("run usd1-bench");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--runs"));
}

/// The reconciler benchmark reconciles its synthetic history cleanly (it exits non-zero
/// otherwise) and prints a rate for each phase; the rates themselves are not asserted.
#[test]
fn the_reconciler_benchmark_reconciles_its_history_and_prints_rates() {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1-bench-reconciler"))
        .args(["--events", "5000", "--no-ts"])
        .env_remove("USD1_BENCH_POSTGRES")
        .output()
        .expect("run usd1-bench-reconciler");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("5000 synthetic events (2999 bank credits)"),
        "{stdout}"
    );
    for phase in ["decode", "store", "check", "total"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(phase) && l.ends_with("events/s")),
            "no {phase} rate: {stdout}"
        );
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_usd1-bench-reconciler"))
        .args(["--events", "3"])
        .output()
        .expect("run usd1-bench-reconciler");
    assert!(!refused.status.success());
}
