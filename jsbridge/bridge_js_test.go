//go:build js && wasm

package jsbridge

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

var registerOnce sync.Once

// runJS registers the bridge (once) and runs src as the body of an async
// function with `wsnats` and `url` in scope; it returns the resolved value
// or fails the test with the rejection.
func runJS(t *testing.T, src string) safejs.Value {
	t.Helper()
	url := os.Getenv("NATS_WS_URL")
	if url == "" {
		t.Fatal("NATS_WS_URL is not set: run the browser tests through scripts/wasm-test.sh")
	}
	registerBridge(t)
	ws, _ := safejs.Global().Get("wsnats")
	return awaitJS(t, src, []string{"wsnats", "url"}, ws, url)
}

// awaitJS runs src as the body of an async function of params, called with
// args, and returns what it resolves to; a rejection fails the test.
func awaitJS(t *testing.T, src string, params []string, args ...any) safejs.Value {
	t.Helper()
	g := safejs.Global()
	fnCtor, _ := g.Get("Function")
	ctorArgs := make([]any, 0, len(params)+1)
	for _, p := range params {
		ctorArgs = append(ctorArgs, p)
	}
	fn, err := fnCtor.New(append(ctorArgs, "return (async () => {\n"+src+"\n})();")...)
	if err != nil {
		t.Fatalf("bad test script: %v", err)
	}
	promise, err := fn.Invoke(args...)
	if err != nil {
		t.Fatalf("script threw: %v", err)
	}
	type result struct {
		v   safejs.Value
		err string
	}
	done := make(chan result, 1)
	onOK, _ := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	onErr, _ := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		msg, _ := args[0].Call("toString")
		s, _ := msg.String()
		if st, err := args[0].Get("stack"); err == nil && !st.IsUndefined() {
			if stack, err := st.String(); err == nil {
				s += "\n" + stack
			}
		}
		done <- result{err: s}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	if _, err := promise.Call("then", onOK.Value(), onErr.Value()); err != nil {
		t.Fatalf("script did not return a promise: %v", err)
	}
	select {
	case r := <-done:
		if r.err != "" {
			t.Fatalf("script failed: %s", r.err)
		}
		return r.v
	case <-time.After(90 * time.Second):
		t.Fatal("script timed out")
	}
	return safejs.Undefined()
}

// bootJS gives the test page what the loader gives a real one: the JS half
// of the bridge, imported from the web directory natsrun serves.
const bootJS = `
const [bridge, receiver, agents] = await Promise.all([
  import(web + "/bridge.js"), import(web + "/receiver.js"), withAgents ? import(web + "/bridge-agents.js") : null]);
globalThis.wsnatsBoot = { bridge: bridge.createBridge, receiver: receiver.makeReceiver, agents: agents ? agents.createSupervisor : undefined };
`

// registerBridge registers the bridge once for all tests.
func registerBridge(t *testing.T) {
	t.Helper()
	var err error
	registerOnce.Do(func() {
		web := os.Getenv("NATS_WEB_URL")
		if web == "" {
			err = errors.New("NATS_WEB_URL is not set: run the browser tests through scripts/wasm-test.sh")
			return
		}
		awaitJS(t, bootJS, []string{"web", "withAgents"}, web, withAgents)
		err = Register()
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
}

// The JS helpers every script can use.
const jsPrelude = `
const assert = (cond, what) => { if (!cond) throw new Error("assertion failed: " + what); };
const eq = (a, b, what) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(what + ": got " + JSON.stringify(a) + ", want " + JSON.stringify(b)); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (f, what, ms = 5000) => { const end = Date.now() + ms; while (!f()) { if (Date.now() > end) throw new Error("timed out waiting for " + what); await sleep(5); } };
const throwsCode = (f, code, what) => { try { f(); } catch (e) { assert(e instanceof Error, what + ": not an Error"); eq(e.code, code, what + " code"); assert(e.message.length > 10, what + ": message too short: " + e.message); return e; } throw new Error(what + ": did not throw"); };
const rejectsCode = async (p, code, what) => { try { await p; } catch (e) { assert(e instanceof Error, what + ": not an Error"); eq(e.code, code, what + " code"); assert(e.message.length > 10, what + ": message too short"); return e; } throw new Error(what + ": did not reject"); };
`

func TestBridgePubSubAndLifecycle(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url, name: "bridge-test" });
eq(nc.readyState, 1, "readyState after connect");
assert(nc.isConnected(), "isConnected");
assert(nc.info.server_id.length > 0, "info.server_id");
const got = [];
const sub = nc.subscribe("bridge.ps", { callback: (err, m) => { if (err) throw err; got.push(m.string()); } });
for (let i = 0; i < 500; i++) nc.publish("bridge.ps", "m" + i);
await nc.flush();
await until(() => got.length === 500, "500 messages");
for (let i = 0; i < 500; i++) eq(got[i], "m" + i, "order");
eq(sub.getSubject(), "bridge.ps", "getSubject");
eq(sub.getReceived(), 500, "getReceived");
const st = nc.stats();
eq(st.outMsgs, 500, "outMsgs");
eq(st.inMsgs, 500, "inMsgs");
nc.publishJSON("bridge.ps", { a: 1 });
await until(() => got.length === 501, "json message");
eq(JSON.parse(got[500]), { a: 1 }, "publishJSON payload");
sub.unsubscribe();
assert(sub.isClosed(), "closed after unsubscribe");
nc.publish("bridge.ps", "after");
await nc.flush();
await sleep(20);
eq(got.length, 501, "nothing after unsubscribe");
const events = [];
nc.status((ev) => events.push(ev.type));
await nc.close();
eq(nc.readyState, 3, "readyState after close");
assert(nc.isClosed(), "isClosed");
eq(await nc.closed(), undefined, "closed() value on purpose");
eq(events, ["disconnect", "close"], "status events (like nats.go, a close also reports the disconnect)");
throwsCode(() => nc.publish("x", "y"), "CONNECTION_CLOSED", "publish after close");
await rejectsCode(nc.flush(), "CONNECTION_CLOSED", "flush after close");
`)
}

func TestBridgeRequestHeadersIterator(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
nc.subscribe("bridge.svc", { callback: (err, m) => {
  m.respond("re:" + m.string(), { headers: { "X-Seen": m.headers ? m.headers.values("X-Multi") : [] } });
}});
await nc.flush();
const r = await nc.request("bridge.svc", "hi", { timeout: 2000, headers: { "X-Multi": ["a", "b"] } });
eq(r.string(), "re:hi", "reply payload");
eq(r.headers.values("X-Seen"), ["a", "b"], "reply header values");
eq(r.headers.values("x-seen"), [], "lookups are exact by default (as nats.js)");
eq(r.headers.values("x-seen", "insensitive"), ["a", "b"], "case-insensitive lookup on request");
eq(r.headers.keys(), ["X-Seen"], "header keys keep case");
await rejectsCode(nc.request("bridge.nobody", "x", { timeout: 2000 }), "NO_RESPONDERS", "no responders");
nc.subscribe("bridge.silent", { callback: () => {} });
await nc.flush();
await rejectsCode(nc.request("bridge.silent", "x", { timeout: 50 }), "TIMEOUT", "timeout");

const it = nc.subscribe("bridge.iter", { max: 3 });
for (let i = 0; i < 5; i++) nc.publish("bridge.iter", new Uint8Array([i, 255]));
const seen = [];
for await (const m of it) seen.push(Array.from(m.data));
eq(seen, [[0, 255], [1, 255], [2, 255]], "iterator with max 3 ends");
assert(it.isClosed(), "iterator closed after max");

let errors = 0, count = 0;
nc.status((ev) => { if (ev.type === "error") errors++; });
nc.subscribe("bridge.throw", { callback: () => { count++; throw new Error("boom"); } });
nc.publish("bridge.throw", "1"); nc.publish("bridge.throw", "2");
await nc.flush();
await until(() => count === 2, "delivery continues after a throwing callback");
await until(() => errors === 2, "throwing callback reported");
const m = await (async () => { const s = nc.subscribe("bridge.json", { max: 1 }); nc.publishJSON("bridge.json", [1, "two"]); for await (const x of s) return x; })();
eq(m.json(), [1, "two"], "json()");
await nc.drain();
assert(nc.isClosed(), "closed after drain");
`)
}

func TestBridgeBadInputKeepsModuleAlive(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
const bad = [
  [() => nc.publish("", "x"), "BAD_SUBJECT"],
  [() => nc.publish("a..b", "x"), "BAD_SUBJECT"],
  [() => nc.publish("a.*", "x"), "BAD_SUBJECT"],
  [() => nc.publish(42, "x"), "BAD_SUBJECT"],
  [() => nc.publish(undefined), "BAD_SUBJECT"],
  [() => nc.publish("ok", 42), "BAD_PAYLOAD"],
  [() => nc.publish("ok", { a: 1 }), "BAD_PAYLOAD"],
  [() => nc.publish("ok", "x", { reply: "bad reply" }), "BAD_SUBJECT"],
  [() => nc.publish("ok", "x", { headers: "nope" }), "BAD_HEADERS"],
  [() => nc.publish("ok", "x", { headers: { "Bad:Key": "v" } }), "BAD_HEADERS"],
  [() => nc.publish("ok", "x", { headers: { K: "line\r\nbreak" } }), "BAD_HEADERS"],
  [() => nc.publish("ok", "x", { headers: { K: 5 } }), "BAD_HEADERS"],
  [() => nc.publish("ok", new Uint8Array(nc.info.max_payload + 1)), "MAX_PAYLOAD_EXCEEDED"],
  [() => nc.publish("ok", "x", 7), "INVALID_OPTION"],
  [() => nc.subscribe("a b"), "BAD_SUBJECT"],
  [() => nc.subscribe("a.>.b"), "BAD_SUBJECT"],
  [() => nc.subscribe("ok", { queue: "bad queue" }), "BAD_SUBJECT"],
  [() => nc.subscribe("ok", { max: -1 }), "INVALID_OPTION"],
  [() => nc.subscribe("ok", { callback: "notfn" }), "INVALID_OPTION"],
  [() => nc.publishJSON("ok", () => 1), "BAD_JSON"],
  [() => nc.status(5), "INVALID_OPTION"],
];
let n = 0;
for (let round = 0; n < 100; round++) {
  for (const [f, code] of bad) { throwsCode(f, code, "bad call " + (n % bad.length)); n++; }
}
const badConnects = [
  [undefined, "INVALID_OPTION"], [{}, "INVALID_OPTION"], [{ servers: 5 }, "INVALID_OPTION"],
  [{ servers: url, timeout: "10" }, "INVALID_OPTION"], [{ servers: url, timeout: -1 }, "INVALID_OPTION"],
  [{ servers: "nats://127.0.0.1:4222" }, "INVALID_OPTION"], [{ servers: "ws://127.0.0.1:1", timeout: 2000, maxReconnectAttempts: 0 }, "CONNECTION_REFUSED"],
];
for (const [o, code] of badConnects) await rejectsCode(wsnats.connect(o), code, "connect " + JSON.stringify(o));
await rejectsCode(nc.request("a..b"), "BAD_SUBJECT", "request bad subject");
await rejectsCode(nc.request("ok", 5), "BAD_PAYLOAD", "request bad payload");
await rejectsCode(nc.request("ok", "x", { timeout: 0 }), "INVALID_OPTION", "request bad timeout");
// Still alive: a new connection and the old one both work.
const nc2 = await wsnats.connect({ servers: [url] });
const got = [];
nc2.subscribe("alive", { callback: (e, m) => got.push(m.string()) });
await nc2.flush();
nc.publish("alive", "yes");
await until(() => got.length === 1, "message after bad calls");
eq(got[0], "yes", "payload");
await nc.close(); await nc2.close();
`)
}
