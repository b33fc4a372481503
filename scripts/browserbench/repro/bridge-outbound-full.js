// Repro: wsnats JS bridge drops publishes that publish() had accepted.
//
//   go run ./scripts/browserbench -eval "$(cat scripts/browserbench/repro/bridge-outbound-full.js)"
//
// publish() queues into a JS batch that reaches Go either synchronously (at
// 256 KiB) or in a microtask. When the Go outbound buffer (32 MiB) is full,
// a synchronous flush throws OUTBOUND_BUFFER_FULL for the whole batch (so
// the throwing call also reports earlier calls that had returned normally,
// with the count only in the message text), and a microtask flush reports
// its failures only as "error" status events and console errors: those
// publish() calls returned normally, and their messages are gone.
//
// Result seen (2026-11-27): 60000 attempted, ~33400 accepted, 80 calls threw,
// ~27 batches (~6500 messages) failed with only a status event.
(async () => {
  await benchReady;
  const nc = await wsnats.connect({ servers: benchServer });
  const statusErrors = [];
  nc.status((ev) => {
    if (ev.type === "error") statusErrors.push(`${ev.data.code}: ${ev.data.message}`);
  });
  const data = new Uint8Array(1024);
  let threw = 0;
  const thrown = [];
  for (let burst = 0; burst < 60; burst++) {
    for (let i = 0; i < 1000; i++) {
      try {
        nc.publish("repro.outbound", data);
      } catch (e) {
        threw++;
        if (thrown.length < 2) thrown.push(`${e.code}: ${e.message}`);
      }
    }
    await Promise.resolve(); // a microtask turn: the batch goes to Go
  }
  await new Promise((r) => setTimeout(r, 0));
  const accepted = nc.stats().outMsgs;
  await nc.flush().catch(() => {});
  await nc.close();
  return {
    attempted: 60000,
    accepted,
    callsThatThrew: threw,
    thrown,
    batchesFailedWithOnlyAStatusEvent: statusErrors.length,
    firstStatusError: statusErrors[0],
  };
})()
