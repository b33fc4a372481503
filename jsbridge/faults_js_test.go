//go:build js && wasm

package jsbridge

import (
	"errors"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
)

// injectPumpFaults sets pumpFault for the test: batches on "fault.panic.*"
// make the pump panic; batches on "fault.copy" fail their copy to JS while
// globalThis.faultCopy is true.
func injectPumpFaults(t *testing.T) {
	t.Helper()
	pumpFault = func(subject string) error {
		switch {
		case strings.HasPrefix(subject, "fault.panic."):
			panic("injected pump panic")
		case subject == "fault.copy":
			v, err := safejs.Global().Get("faultCopy")
			if on, _ := v.Truthy(); err == nil && on {
				return errors.New("injected copy failure")
			}
		}
		return nil
	}
	t.Cleanup(func() { pumpFault = nil })
}

// A panic in the delivery pump ends the JS subscription with an INTERNAL
// error that names the cause (the callback gets it, an iterator rejects
// with it), reports it as an "error" status event, and leaves the
// connection working.
func TestBridgePumpPanicEndsSubscription(t *testing.T) {
	injectPumpFaults(t)
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
const events = [];
nc.status((ev) => { if (ev.type === "error") events.push(ev.data); });
const cbErrors = [];
let cbMsgs = 0;
const sub = nc.subscribe("fault.panic.cb", { callback: (err, m) => { if (err) cbErrors.push(err); else cbMsgs++; } });
const it = nc.subscribe("fault.panic.it");
await nc.flush();
nc.publish("fault.panic.cb", "x");
nc.publish("fault.panic.it", "y");
await until(() => cbErrors.length === 1, "the callback gets the error");
eq(cbErrors[0].code, "INTERNAL", "callback error code");
assert(cbErrors[0].message.includes("injected pump panic") && cbErrors[0].message.includes("fault.panic.cb"), "message names cause and subject: " + cbErrors[0].message);
assert(sub.isClosed(), "the subscription is closed");
eq(cbMsgs, 0, "no message delivered");
let itErr = null;
try { for await (const m of it) throw new Error("unexpected message " + m.string()); } catch (e) { itErr = e; }
assert(itErr !== null, "the iterator ends with an error");
eq(itErr.code, "INTERNAL", "iterator error code");
assert(itErr.message.includes("injected pump panic"), "iterator message: " + itErr.message);
await until(() => events.length === 2, "both reported as error events");
eq(events.map((e) => e.code), ["INTERNAL", "INTERNAL"], "event codes");
// The connection still works.
const got = [];
nc.subscribe("fault.ok", { callback: (e, m) => got.push(m.string()) });
nc.publish("fault.ok", "fine");
await nc.flush();
await until(() => got.length === 1, "a round trip after the faults");
await nc.close();
`)
}

// A batch whose copy to JS fails is counted in getDropped(), reported as
// an "error" status event (code INTERNAL) and to the subscription's
// callback, and the subscription goes on.
func TestBridgeFailedCopyCountsDrop(t *testing.T) {
	injectPumpFaults(t)
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
const events = [];
nc.status((ev) => { if (ev.type === "error") events.push(ev.data); });
const cbErrors = [], got = [];
const sub = nc.subscribe("fault.copy", { callback: (err, m) => { if (err) cbErrors.push(err); else got.push(m.string()); } });
await nc.flush();
globalThis.faultCopy = true;
for (let i = 0; i < 5; i++) nc.publish("fault.copy", "lost" + i);
await nc.flush();
await until(() => sub.getDropped() === 5, "5 dropped messages counted (" + sub.getDropped() + ")");
assert(events.length >= 1, "reported as an error event");
for (const e of events) {
  eq(e.code, "INTERNAL", "event code");
  assert(e.message.includes("fault.copy") && e.message.includes("injected copy failure"), "message: " + e.message);
}
eq(cbErrors.length, events.length, "the callback hears of every drop");
const counted = events.reduce((n, e) => n + Number(/(\d+) messages/.exec(e.message)[1]), 0);
eq(counted, 5, "the events count the 5 dropped messages");
eq(got, [], "nothing delivered while the copy fails");
globalThis.faultCopy = false;
nc.publish("fault.copy", "kept");
await nc.flush();
await until(() => got.length === 1, "delivery goes on");
eq(got, ["kept"], "the message after the fault");
assert(!sub.isClosed(), "the subscription is still open");
eq(sub.getDropped(), 5, "dropped count unchanged");
await nc.close();
`)
}
