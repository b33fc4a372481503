//go:build js && wasm

package jsbridge

import "testing"

// Publishes made in one turn cross into Go as one batch. A publish with a
// bad subject or reply subject must throw for itself alone, with a code,
// and leave the batch intact: the other four of five arrive, in order,
// with their payloads, and nothing else arrives.
func TestBridgeBadPublishLeavesBatchIntact(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
const got = [];
nc.subscribe("batch.>", { callback: (err, m) => { got.push(err ? "error: " + err.message : m.subject + "|" + m.reply + "|" + m.string()); } });
await nc.flush();
const long = (n, c = "a") => c.repeat(n);
const bad = [
  ["reply 0", (i) => nc.publish("batch." + i, "p" + i, { reply: 0 }), "BAD_SUBJECT"],
  ["reply NaN", (i) => nc.publish("batch." + i, "p" + i, { reply: NaN }), "BAD_SUBJECT"],
  ["reply false", (i) => nc.publish("batch." + i, "p" + i, { reply: false }), "BAD_SUBJECT"],
  ["reply 7", (i) => nc.publish("batch." + i, "p" + i, { reply: 7 }), "BAD_SUBJECT"],
  ["reply object", (i) => nc.publish("batch." + i, "p" + i, { reply: { toString: () => "r" } }), "BAD_SUBJECT"],
  ["subject of 70000 bytes", (i) => nc.publish("batch." + long(70000), "p" + i), "BAD_SUBJECT"],
  ["subject of 2001 bytes", (i) => nc.publish("batch." + long(2001 - 6), "p" + i), "BAD_SUBJECT"],
  ["subject of 2001 UTF-8 bytes in 1001 chars", (i) => nc.publish("batch." + long(997, "é") + "xx", "p" + i), "BAD_SUBJECT"],
  ["reply of 70000 bytes", (i) => nc.publish("batch." + i, "p" + i, { reply: long(70000) }), "BAD_SUBJECT"],
  ["reply of 2001 bytes", (i) => nc.publish("batch." + i, "p" + i, { reply: long(2001) }), "BAD_SUBJECT"],
];
let round = 0;
for (const [what, publishBad, code] of bad) {
  got.length = 0;
  const want = [];
  // Five publishes in one turn (one batch), the bad one in the middle.
  for (let i = 0; i < 5; i++) {
    const id = round * 10 + i;
    if (i === 2) { throwsCode(() => publishBad(id), code, what); continue; }
    const reply = i === 3 ? "batch.reply." + id : "";
    nc.publish("batch." + id, "p" + id, reply ? { reply } : undefined);
    want.push("batch." + id + "|" + reply + "|p" + id);
  }
  await nc.flush();
  await until(() => got.length >= want.length, what + ": 4 messages");
  await nc.flush(); // anything else in flight arrives by now
  eq(got, want, what + ": the good publishes of the batch");
  round++;
}
// The limit itself: 2000 bytes go through.
got.length = 0;
const edge = "batch." + long(2000 - 6);
nc.publish(edge, "edge", { reply: long(2000) });
await nc.flush();
await until(() => got.length === 1, "a 2000-byte subject");
eq(got[0], edge + "|" + long(2000) + "|edge", "the 2000-byte subject and reply");
await nc.close();
`)
}
