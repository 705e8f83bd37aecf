// Send to Gapwise from a Node backend with plain fetch (Node 18+), no library: POST /v1/batch with the
// write key as the user of HTTP Basic auth, as Segment's libraries send it.
//
//   GAPWISE_HOST=https://gapwise.example.com GAPWISE_WRITE_KEY=pk_… node examples/server/send.mjs
//
// Each message has its own messageId: a retry of the same batch is stored once. Exits 1 if anything
// was refused, printing why.
import { randomUUID } from "node:crypto";

const host = process.env.GAPWISE_HOST.replace(/\/+$/, "");
const auth = "Basic " + Buffer.from(process.env.GAPWISE_WRITE_KEY + ":").toString("base64");

const now = new Date().toISOString();
const message = (type, fields) => ({ type, messageId: randomUUID(), userId: "user-7", timestamp: now, ...fields });
const batch = [
  message("identify", { traits: { email: "grace@example.com", plan: "enterprise" } }),
  message("group", { groupId: "globex", traits: { name: "Globex", plan: "enterprise", mrr: 4900 } }),
  message("track", { event: "Export Finished", properties: { rows: 12000, format: "parquet" } }),
];

const response = await fetch(host + "/v1/batch", {
  method: "POST",
  headers: { "Content-Type": "application/json", Authorization: auth },
  body: JSON.stringify({ sentAt: new Date().toISOString(), batch }),
  signal: AbortSignal.timeout(10_000),
});
const answer = await response.json();
// 200 {accepted, duplicates, rejected: [{index, messageId, errors}]}; 429 and 503 come with Retry-After.
if (!response.ok || answer.rejected.length) {
  console.error(`gapwise: ${response.status}`, JSON.stringify(answer));
  process.exit(1);
}
console.log(`gapwise: ${answer.accepted} accepted, ${answer.duplicates} duplicates`);
