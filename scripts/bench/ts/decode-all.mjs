// The official TypeScript decoders (@anchor-lang/core's BorshEventCoder and BorshAccountsCoder,
// built from the IDL alone) over every event and every account the Rust test hands them
// (tests/tests/events.rs). Input: JSON {events: [base64 of discriminator + Borsh],
// accounts: [{name, data: base64 of the account's bytes}]}. Prints JSON {events: [{name, seq,
// mint}], accounts: [{name, decoded}]}, public keys as base58 and integers as decimal strings.
import { readFileSync } from "node:fs";
import anchor from "@anchor-lang/core";

const { BN, BorshAccountsCoder, BorshEventCoder, web3 } = anchor;

const [idlPath, inputPath] = process.argv.slice(2);
const idl = JSON.parse(readFileSync(idlPath, "utf8"));
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const events = new BorshEventCoder(idl);
const accounts = new BorshAccountsCoder(idl);

const plain = (value) => {
  if (value instanceof web3.PublicKey) return value.toBase58();
  if (BN.isBN(value)) return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
};

const out = { events: [], accounts: [] };
for (const data of input.events) {
  const event = events.decode(data);
  if (event === null) throw new Error(`undecodable event: ${data}`);
  out.events.push({ name: event.name, seq: event.data.seq.toString(), mint: event.data.mint.toBase58() });
}
for (const { name, data } of input.accounts) {
  const decoded = accounts.decode(name, Buffer.from(data, "base64"));
  out.accounts.push({ name, decoded: plain(decoded) });
}
console.log(JSON.stringify(out));
