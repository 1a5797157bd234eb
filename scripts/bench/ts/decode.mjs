// The official TypeScript decoder of Anchor events (@anchor-lang/core's BorshEventCoder, the
// one Anchor's TypeScript client uses for `emit!` / `emit_cpi!` data) over the same events the
// Rust client decodes in usd1-bench-reconciler: one base64 event per line (discriminator, then
// Borsh). Prints {"decoded", "seconds", "seq_sum"} as JSON.
import { readFileSync } from "node:fs";
import { BorshEventCoder } from "@anchor-lang/core";

const [idlPath, eventsPath] = process.argv.slice(2);
const idl = JSON.parse(readFileSync(idlPath, "utf8"));
const lines = readFileSync(eventsPath, "utf8").split("\n").filter((line) => line.length > 0);
const coder = new BorshEventCoder(idl);

// warm the JIT on the first events, as the Rust side runs compiled code
for (const line of lines.slice(0, 20000)) coder.decode(line);

const start = process.hrtime.bigint();
let seqSum = 0n;
for (const line of lines) {
  const event = coder.decode(line);
  if (event === null) throw new Error(`undecodable event: ${line}`);
  seqSum += BigInt(event.data.seq.toString());
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ decoded: lines.length, seconds, seq_sum: seqSum.toString() }));
