//! `usd1 demo` runs the story to the end and prints what it promises.
use std::process::Command;

#[test]
fn the_demo_tells_the_whole_story_and_succeeds() {
    let output = Command::new(env!("CARGO_BIN_EXE_usd1"))
        .arg("demo")
        .output()
        .expect("run usd1 demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "event #1 IssuerInitialized",
        "refused as expected: TimeLockNotElapsed (6017)",
        "refused as expected: KeyNotAccepted (6079)",
        "KeyAccepted",
        "MinterSuspended",
        "refused as expected: MinterInactive",
        "MinterConfigured",
        "RolesChanged",
        "ReservesAttested",
        "Minted",
        "refused as expected: RequestIdReused (6031)",
        "refused as expected: RateLimitExceeded (6029)",
        "AccountFrozen",
        "refused by Token-2022 as expected: AccountFrozen",
        "AccountThawed",
        "refused by Token-2022 as expected: MintPaused",
        "refused as expected: Paused (6025)",
        "Unpaused",
        "RedemptionRequested",
        "RedemptionSettled",
        "supply 150000.000000 USD1",
        "without a gap",
        "ingested 30 transactions, 34 events",
        "OK, everything agrees",
        "bank:   2 credits, 2 matched, 0 pending within SLA",
        "fails closed: credit \"wire-2026-11-18-0009\" of 5000000000",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
