//! Every `usd1` command end to end on the embedded SVM, through the same parsing and
//! execution path as the binary (`usd1_cli::run_on`); the story is in scenario/mod.rs.
mod scenario;

use scenario::{as_, fails, ok, Cast, Chain};
use solana_sdk::pubkey::Pubkey;
use usd1_cli::{run_on, Outcome};
use usd1_client::embedded::Embedded;

struct EmbeddedChain(Embedded);

impl Chain for EmbeddedChain {
    async fn usd1(&mut self, args: &[&str]) -> Outcome {
        run_on(&mut self.0, args).await
    }

    async fn fund(&mut self, to: &Pubkey) {
        self.0.fund(to, 1_000_000_000).await.unwrap();
    }

    async fn token_amount(&mut self, account: &Pubkey) -> u64 {
        self.0.token_account(account).await.map_or(0, |a| a.amount)
    }

    async fn supply(&mut self, mint: &Pubkey) -> u64 {
        self.0.mint_view(mint).await.unwrap().supply
    }

    async fn pass_time(&mut self, seconds: u32) {
        self.0.advance_clock(i64::from(seconds)).await;
    }

    async fn now(&mut self) -> i64 {
        self.0.clock().await.unix_timestamp
    }

    fn time_lock(&self) -> u32 {
        3600
    }

    fn history_may_lag(&self) -> bool {
        // the embedded SVM returns every transaction with its events
        false
    }

    async fn await_history(&mut self, _issuer: &Pubkey) {
        // its history is written with the transaction: nothing to wait for
    }

    async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.0.lamports(key).await
    }

    async fn create_nonce(&mut self, authority: &Pubkey) -> Pubkey {
        let nonce = solana_sdk::signature::Keypair::new();
        let payer = solana_sdk::signature::Signer::pubkey(self.0.payer());
        let ixs = scenario::create_nonce_instructions(
            &payer,
            &solana_sdk::signature::Signer::pubkey(&nonce),
            authority,
        );
        self.0.send(&ixs, &[&nonce]).await.unwrap();
        // a nonce advances only in a later slot than the one it was stored in
        self.0.next_slot().await;
        solana_sdk::signature::Signer::pubkey(&nonce)
    }

    async fn nonce_blockhash(&mut self, nonce: &Pubkey) -> solana_sdk::hash::Hash {
        usd1_client::read::nonce(&mut self.0, nonce)
            .await
            .unwrap()
            .blockhash
    }
}

#[tokio::test]
async fn every_command_on_the_embedded_svm() {
    let mut chain = EmbeddedChain(Embedded::start().await);
    let cast = Cast::new("embedded", chain.time_lock());
    scenario::every_command(&mut chain, &cast).await;
}

#[tokio::test]
async fn cold_keys_and_reviewed_governance_on_the_embedded_svm() {
    let mut chain = EmbeddedChain(Embedded::start().await);
    let cast = Cast::new("operator", chain.time_lock());
    scenario::cold_keys_and_reviewed_governance(&mut chain, &cast).await;
}

#[tokio::test]
async fn usage_errors_are_one_line_and_exit_2() {
    let mut chain = EmbeddedChain(Embedded::start().await);
    let cast = Cast::new("usage", 0);
    // clap: an unknown command and a bad pubkey name the value
    let outcome = chain.usd1(&["frobnicate"]).await;
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("frobnicate"), "{}", outcome.stderr);
    let outcome = as_(
        &mut chain,
        &cast.alice,
        &[
            "freeze",
            "--mint",
            "xyz",
            "--account",
            "abc",
            "--reason",
            "1",
        ],
    )
    .await;
    fails(&outcome, 2, "invalid pubkey \"xyz\"");
    // a keypair file that is not a keypair
    let bad = cast.dir.join("bad.json");
    std::fs::write(&bad, "[1, 2, 3]").unwrap();
    let bad = bad.display().to_string();
    let mint = cast.mint().to_string();
    // (a command that signs: reading ones need no key)
    fails(
        &chain
            .usd1(&["--keypair", &bad, "pause", "--mint", &mint])
            .await,
        2,
        &format!("cannot use --keypair {bad}: could not read keypair file"),
    );
    // --help is not an error
    let help = chain.usd1(&["--help"]).await;
    assert_eq!(help.code, 0);
    assert!(ok(&help).contains("Usage: usd1"));
}
