//go:build js && wasm

package jsbridge

import "testing"

// Publishing faster than the socket drains, in one turn of the event loop,
// fills the outbound buffer (32 MiB). Each publish must then either be
// accepted (and arrive) or throw OUTBOUND_BUFFER_FULL itself: nothing
// accepted may be lost.
func TestBridgeOutboundFullNeverLosesAcceptedPublishes(t *testing.T) {
	runJS(t, jsPrelude+`
// flush() must see 32 MiB through a loaded machine: give it time.
const nc = await wsnats.connect({ servers: url, timeout: 60000 });
let received = 0;
nc.subscribe("bp.x", { callback: () => { received++; } });
await nc.flush();
const payload = new Uint8Array(1024);
let accepted = 0, refused = 0, other = [];
for (let i = 0; i < 40000; i++) {
  try { nc.publish("bp.x", payload); accepted++; }
  catch (e) { if (e.code === "OUTBOUND_BUFFER_FULL") refused++; else other.push(e.code + ": " + e.message); }
}
eq(other, [], "only OUTBOUND_BUFFER_FULL errors");
assert(refused > 0, "the 32 MiB buffer filled in one turn (accepted " + accepted + ")");
const errors = [];
nc.status((ev) => { if (ev.type === "error") errors.push(ev.data.message); });
await nc.flush();
await until(() => received >= accepted, "all accepted messages delivered (" + received + "/" + accepted + ")", 60000);
await sleep(50);
eq(received, accepted, "exactly the accepted messages arrived");
eq(errors, [], "no asynchronous publish failures");
// After draining, publishing works again, full-size messages included
// (the room the bridge knows must be refreshed, not the stale one).
for (let i = 0; i < 100; i++) nc.publish("bp.x", payload);
await nc.flush();
await until(() => received === accepted + 100, "publish after the buffer drained");
await nc.close();
`)
}
