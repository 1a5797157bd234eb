// The official TypeScript client (@anchor-lang/core's Program, built from idl/usd1_minter.json
// alone) drives the program on a JSON-RPC node: initialize, propose, approve, execute, mint
// and the upgrade authority's hand-over, letting the client resolve every account whose address follows from the
// instruction's arguments and other accounts (the issuer from the mint, the proposal from its
// index, the minter from its authority, the receipt from the request id, the event authority,
// the programs and sysvars). It reads the issuer, proposal and minter back with
// `program.account.*.fetch` and decodes the mint's event with the IDL's event coder. Prints one JSON line of what it saw;
// the Rust test (scripts/cli/tests/rpc.rs) checks it against the chain.
//
// usage: node idl-client.mjs <idl.json> <rpc url> <payer keypair json: 64-byte array>
import { readFileSync } from "node:fs";
import anchor from "@anchor-lang/core";

const { AnchorProvider, Program, BN, web3, utils } = anchor;
const [idlPath, url, payerPath] = process.argv.slice(2);
const idl = JSON.parse(readFileSync(idlPath, "utf8"));
const payer = web3.Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(payerPath, "utf8"))));
const connection = new web3.Connection(url, "confirmed");
const wallet = {
  publicKey: payer.publicKey,
  payer,
  signTransaction: async (tx) => {
    tx.partialSign(payer);
    return tx;
  },
  signAllTransactions: async (txs) => txs.map((tx) => (tx.partialSign(payer), tx)),
};
const provider = new AnchorProvider(connection, wallet, { commitment: "confirmed" });
const program = new Program(idl, provider);
const TOKEN_2022 = new web3.PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const ATA_PROGRAM = new web3.PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

async function fund(to, lamports) {
  const tx = new web3.Transaction().add(
    web3.SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports }),
  );
  await provider.sendAndConfirm(tx, []);
}

// two members (the payer and a second key), threshold 2, no time lock
const second = web3.Keypair.generate();
const minterKey = web3.Keypair.generate();
await fund(second.publicKey, 1_000_000_000);
await fund(minterKey.publicKey, 1_000_000_000);
const mint = web3.Keypair.generate();
const initSig = await program.methods
  .initialize({
    decimals: 6,
    name: "USD1 via IDL",
    symbol: "USD1",
    uri: "https://example.com/usd1.json",
    members: [payer.publicKey, second.publicKey],
    threshold: 2,
    timeLock: 0,
    limits: {
      supplyCap: new BN("1000000000000"),
      minRedemption: new BN(0),
      reserveGuard: false,
      reserveMaxAge: 0,
    },
    permanentDelegate: false,
    defaultFrozen: false,
  })
  .accounts({ payer: payer.publicKey, mint: mint.publicKey })
  .signers([mint])
  .rpc();

// the issuer's address, as the client resolved it for initialize
const [issuer] = web3.PublicKey.findProgramAddressSync(
  [Buffer.from("issuer"), mint.publicKey.toBuffer()],
  program.programId,
);
const state = await program.account.issuer.fetch(issuer);
const index = new BN(state.proposalIndex.toString()).addn(1);

const proposeSig = await program.methods
  .propose(index, {
    configureMinter: {
      0: {
        authority: minterKey.publicKey,
        allowanceGrant: new BN(5_000_000),
        rateCapacity: new BN(5_000_000),
        rateWindow: 60,
        active: true,
      },
    },
  })
  .accounts({ proposer: payer.publicKey, issuer })
  .rpc();
const [proposal] = web3.PublicKey.findProgramAddressSync(
  [Buffer.from("proposal"), issuer.toBuffer(), index.toArrayLike(Buffer, "le", 8)],
  program.programId,
);
await program.methods
  .approve()
  .accounts({ member: second.publicKey, issuer, proposal })
  .signers([second])
  .rpc();
// the new minter's key accepts the proposal that names it (or it could never execute)
await program.methods
  .accept()
  .accounts({ key: minterKey.publicKey, issuer, proposal })
  .signers([minterKey])
  .rpc();
const approved = await program.account.proposal.fetch(proposal);
if (approved.accepted.length !== 1 || !approved.accepted[0].equals(minterKey.publicKey)) {
  throw new Error(`accepted: ${approved.accepted}`);
}
await program.methods
  .executeConfigureMinter()
  .accounts({ executor: payer.publicKey, issuer, proposal, minterAuthority: minterKey.publicKey })
  .rpc();
const [minter] = web3.PublicKey.findProgramAddressSync(
  [Buffer.from("minter"), issuer.toBuffer(), minterKey.publicKey.toBuffer()],
  program.programId,
);

// the holder's associated Token-2022 account (created idempotently), then the mint
const holder = web3.Keypair.generate().publicKey;
const [recipient] = web3.PublicKey.findProgramAddressSync(
  [holder.toBuffer(), TOKEN_2022.toBuffer(), mint.publicKey.toBuffer()],
  ATA_PROGRAM,
);
const createAta = new web3.TransactionInstruction({
  programId: ATA_PROGRAM,
  keys: [
    { pubkey: payer.publicKey, isSigner: true, isWritable: true },
    { pubkey: recipient, isSigner: false, isWritable: true },
    { pubkey: holder, isSigner: false, isWritable: false },
    { pubkey: mint.publicKey, isSigner: false, isWritable: false },
    { pubkey: web3.SystemProgram.programId, isSigner: false, isWritable: false },
    { pubkey: TOKEN_2022, isSigner: false, isWritable: false },
  ],
  data: Buffer.from([1]),
});
await provider.sendAndConfirm(new web3.Transaction().add(createAta), []);
const requestId = Array.from(Buffer.alloc(32, 7));
const mintSig = await program.methods
  .mint(requestId, new BN(1_250_000))
  .accounts({ authority: minterKey.publicKey, issuer, minter, mint: mint.publicKey, recipient })
  .signers([minterKey])
  .rpc();

// read back through the IDL: accounts and the Minted event of the mint transaction
const minterState = await program.account.minter.fetch(minter);
const [receipt] = web3.PublicKey.findProgramAddressSync(
  [Buffer.from("mint_receipt"), issuer.toBuffer(), Buffer.from(requestId)],
  program.programId,
);
// (MintReceipt is not among the IDL's accounts: no instruction reads it as a typed account
// since `mint` creates it by hand; the Rust test decodes it at the address resolved here)
const receiptInfo = await connection.getAccountInfo(receipt, "confirmed");
const supply = await connection.getTokenSupply(mint.publicKey, "confirmed");
let minted = null;
// a debug validator's transaction history can trail its accounts by minutes: wait up to ten
for (let attempt = 0; attempt < 1200 && minted === null; attempt++) {
  const tx = await connection.getTransaction(mintSig, {
    commitment: "confirmed",
    maxSupportedTransactionVersion: 0,
  });
  for (const set of tx?.meta?.innerInstructions ?? []) {
    for (const inner of set.instructions) {
      const data = utils.bytes.bs58.decode(inner.data);
      // Anchor's event-CPI tag, then the event (discriminator and Borsh)
      const event = program.coder.events.decode(Buffer.from(data.subarray(8)).toString("base64"));
      if (event?.name === "Minted" || event?.name === "minted") minted = event.data;
    }
  }
  if (minted === null) await new Promise((r) => setTimeout(r, 500));
}
// the validator preloads the program with the payer as its upgrade authority: hand it to
// this issuer, the client resolving the upgrade-authority PDA, the program data account (a
// PDA of the loader) and the loader
const handOverSig = await program.methods
  .handOverUpgradeAuthority()
  .accounts({ authority: payer.publicKey, issuer })
  .rpc();
const governed = await program.account.issuer.fetch(issuer);
console.log(
  JSON.stringify({
    hand_over: handOverSig,
    governs_upgrades: governed.governsUpgrades,
    issuer_event_seq_after_hand_over: governed.eventSeq.toString(),
    mint: mint.publicKey.toBase58(),
    issuer: issuer.toBase58(),
    holder: holder.toBase58(),
    initialize: initSig,
    propose: proposeSig,
    issuer_threshold: state.threshold,
    issuer_event_seq: state.eventSeq.toString(),
    proposal_index: approved.index.toString(),
    proposal_approvals: approved.approvals.length,
    minter_allowance: minterState.allowance.toString(),
    minter_authority: minterState.authority.toBase58(),
    receipt: receipt.toBase58(),
    receipt_owner: receiptInfo.owner.toBase58(),
    supply: supply.value.amount,
    minted_event: minted && {
      amount: minted.amount.toString(),
      seq: minted.seq.toString(),
      minter: minted.minter.toBase58(),
      request_id: Buffer.from(minted.requestId ?? minted.request_id).toString("hex"),
    },
  }),
);
