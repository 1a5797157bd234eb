//! Every `usd1` command end to end against a real Solana JSON-RPC server on loopback
//! (usd1-test-validator, agave's test validator, running the program's SBF `.so`), through
//! the `usd1` binary itself. The same story as the embedded test (scenario/mod.rs).
mod scenario;

use std::time::Duration;

use scenario::{Cast, Chain};
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use usd1_cli::Outcome;
use usd1_client::backend::Backend;
use usd1_client::rpc::{LocalValidator, RpcBackend};
use usd1_client::token::{MintView, TokenAccountView};

struct RpcChain {
    validator: LocalValidator,
    reader: RpcBackend,
}

impl Chain for RpcChain {
    async fn usd1(&mut self, args: &[&str]) -> Outcome {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_usd1"))
            .args([
                "--url",
                &self.validator.rpc_url,
                "--commitment",
                "confirmed",
            ])
            .args(args)
            .output()
            .expect("run usd1");
        Outcome {
            code: output
                .status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(255),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    async fn fund(&mut self, to: &Pubkey) {
        let payer = self.validator.payer.insecure_clone();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &solana_sdk::signature::Signer::pubkey(&payer),
            to,
            10_000_000_000,
        );
        self.reader.send(&[ix], &[]).await.unwrap();
    }

    async fn token_amount(&mut self, account: &Pubkey) -> u64 {
        match self.reader.account(account).await.unwrap() {
            Some(a) => TokenAccountView::decode(&a.data).unwrap().amount,
            None => 0,
        }
    }

    async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let account = self.reader.account(mint).await.unwrap().unwrap();
        MintView::decode(&account.data).unwrap().supply
    }

    async fn pass_time(&mut self, seconds: u32) {
        // the validator's clock follows the wall clock (slot timestamps)
        let target = self.now().await + i64::from(seconds);
        while self.now().await <= target {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }

    async fn now(&mut self) -> i64 {
        self.reader.clock().await.unwrap().unix_timestamp
    }

    fn time_lock(&self) -> u32 {
        2
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_against_a_test_validator() {
    let so = LocalValidator::program_so().unwrap();
    let validator = LocalValidator::start(&[(usd1_client::PROGRAM_ID, so)]).unwrap();
    let reader = validator.backend(CommitmentConfig::confirmed());
    let mut chain = RpcChain { validator, reader };
    let cast = Cast::new("rpc", chain.time_lock());
    scenario::every_command(&mut chain, &cast).await;
}
