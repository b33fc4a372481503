//go:build js && wasm

package jsbridge

import (
	"os"
	"testing"

	"github.com/hack-pad/safejs"
)

// TestBridgeServerRestart runs the resilience scenario through the bridge
// in Chromium: a page publishes a numbered stream while the server is shut
// down and started again (natsrun's control endpoint does that); a nats.go
// observer in natsrun records what arrives. Every message published after
// the disconnect event must arrive exactly once, in order; subscriptions
// work again; the events come in order.
func TestBridgeServerRestart(t *testing.T) {
	restartURL, control := os.Getenv("NATS_RESTART_WS_URL"), os.Getenv("NATS_CONTROL_URL")
	if restartURL == "" || control == "" {
		t.Fatal("NATS_RESTART_WS_URL / NATS_CONTROL_URL not set: run through scripts/wasm-test.sh")
	}
	_ = safejs.Global().Set("restartEnv", map[string]any{"url": restartURL, "control": control})
	runJS(t, jsPrelude+`
const { url: rurl, control } = globalThis.restartEnv;
await fetch(control + "/reset", { method: "POST" });
const nc = await wsnats.connect({ servers: rurl, reconnectTimeWait: 1000, maxReconnectAttempts: -1 });
const events = [];
let seq = 0, firstBuffered = -1;
nc.status((ev) => {
  events.push(ev.type);
  if (ev.type === "disconnect" && firstBuffered < 0) firstBuffered = seq;
});
const own = [];
nc.subscribe("restart.own", { callback: (e, m) => own.push(m.string()) });
await nc.flush();
const errors = [];
const timer = setInterval(() => {
  try { nc.publish("restart.seq", String(seq)); seq++; } catch (e) { errors.push(e.message); }
}, 2);
await sleep(100);
const res = await fetch(control + "/restart?down=300", { method: "POST" });
eq(res.status, 200, "restart answered " + (await res.text()));
await until(() => events.includes("reconnect"), "reconnect event", 15000);
await sleep(100);
clearInterval(timer);
await nc.flush();
eq(errors, [], "no publish failed while disconnected");
assert(firstBuffered >= 0, "a disconnect was seen");
assert(seq - firstBuffered > 10, "messages were published while disconnected: " + (seq - firstBuffered));
const got = (await (await fetch(control + "/received")).json()).map(Number);
const tail = got.filter((n) => n >= firstBuffered);
const want = [];
for (let i = firstBuffered; i < seq; i++) want.push(i);
eq(tail, want, "every message from the disconnect on arrives once and in order");
for (let i = 1; i < got.length; i++) assert(got[i] > got[i - 1], "no duplicates or reordering before the disconnect");
nc.publish("restart.own", "again");
await until(() => own.length === 1, "subscription works after the reconnect");
const order = events.filter((t) => t !== "reconnecting");
eq(order.slice(0, 2), ["disconnect", "reconnect"], "event order");
assert(events.indexOf("reconnecting") > events.indexOf("disconnect") && events.indexOf("reconnecting") < events.indexOf("reconnect"), "reconnecting between disconnect and reconnect: " + events);
eq(nc.stats().reconnects, 1, "stats().reconnects");
await nc.close();
`)
}
