//go:build js && wasm

package jsbridge

import (
	"os"
	"testing"

	"github.com/hack-pad/safejs"
)

// TestBridgeServerRestart runs the resilience scenario through the bridge
// in Chromium: a page publishes a numbered stream while the server is shut
// down and started again, twice (natsrun's control endpoint does that); a
// nats.go observer in natsrun records what arrives. Every publish that
// publish() accepted must arrive exactly once, in order, or be counted in
// the possiblyLost of a disconnect event (written to the old socket and not
// confirmed); every message published after a disconnect event arrives;
// subscriptions work again; the events come in order.
func TestBridgeServerRestart(t *testing.T) {
	restartURL, control := os.Getenv("NATS_RESTART_WS_URL"), os.Getenv("NATS_CONTROL_URL")
	if restartURL == "" || control == "" {
		t.Fatal("NATS_RESTART_WS_URL / NATS_CONTROL_URL not set: run through scripts/wasm-test.sh")
	}
	_ = safejs.Global().Set("restartEnv", map[string]any{"url": restartURL, "control": control})
	runJS(t, jsPrelude+`
const { url: rurl, control } = globalThis.restartEnv;
await fetch(control + "/reset", { method: "POST" });
const nc = await wsnats.connect({ servers: rurl, reconnectTimeWait: 500, maxReconnectAttempts: -1 });
const events = [];
let seq = 0;
const accepted = [];          // the numbers publish() accepted
const afterDisconnect = [];   // the first number published after each disconnect event
let possiblyLost = 0;
nc.status((ev) => {
  events.push(ev.type);
  if (ev.type === "disconnect") {
    afterDisconnect.push(seq);
    assert(ev.data.possiblyLost && typeof ev.data.possiblyLost.msgs === "number", "disconnect reports possiblyLost: " + JSON.stringify(ev.data));
    possiblyLost += ev.data.possiblyLost.msgs;
  }
});
const own = [];
nc.subscribe("restart.own", { callback: (e, m) => own.push(m.string()) });
await nc.flush();
const errors = [];
const timer = setInterval(() => {
  for (let i = 0; i < 20; i++) {
    try { nc.publish("restart.seq", String(seq)); accepted.push(seq); } catch (e) { errors.push(e.message); }
    seq++;
  }
}, 2);
for (let round = 1; round <= 2; round++) {
  await sleep(150);
  const res = await fetch(control + "/restart?down=300", { method: "POST" });
  eq(res.status, 200, "restart answered " + (await res.text()));
  await until(() => events.filter((t) => t === "reconnect").length === round, "reconnect event " + round, 15000);
}
await sleep(100);
clearInterval(timer);
await nc.flush().catch((e) => errors.push("flush: " + e.message));
eq(errors.filter((m) => !m.startsWith("flush:")), [], "no publish failed");
eq(afterDisconnect.length, 2, "two disconnects");
const got = (await (await fetch(control + "/received")).json()).map(Number);
const seen = new Set();
for (const n of got) { assert(!seen.has(n), n + " arrived twice"); seen.add(n); }
const missing = accepted.filter((n) => !seen.has(n));
const runs = [];
for (const n of missing) { const r = runs[runs.length - 1]; if (r && r[1] === n - 1) r[1] = n; else runs.push([n, n]); }
console.log("restart: missing runs " + JSON.stringify(runs) + ", disconnects at " + JSON.stringify(afterDisconnect));
console.log("restart: accepted " + accepted.length + ", arrived " + got.length + ", missing " + missing.length +
  (missing.length ? " (" + missing[0] + ".." + missing[missing.length - 1] + ")" : "") + ", reported possibly lost " + possiblyLost);
assert(missing.length <= possiblyLost, "missing " + missing.length + " > reported possibly lost " + possiblyLost + ": " + missing.slice(0, 20));
for (const from of afterDisconnect) {
  assert(!missing.some((n) => n >= from && n < from + 1), "the first message after a disconnect arrived");
}
const lastDisconnect = afterDisconnect[afterDisconnect.length - 1];
eq(missing.filter((n) => n >= lastDisconnect), [], "every message from the last disconnect on arrives");
const tail = got.filter((n) => n >= lastDisconnect);
for (let i = 1; i < tail.length; i++) assert(tail[i] > tail[i - 1], "in order after the disconnect");
nc.publish("restart.own", "again");
await until(() => own.length === 1, "subscription works after the reconnect");
const order = events.filter((t) => t !== "reconnecting");
eq(order.slice(0, 4), ["disconnect", "reconnect", "disconnect", "reconnect"], "event order");
eq(nc.stats().reconnects, 2, "stats().reconnects");
await nc.close();
`)
}
