//go:build js && wasm

package jsbridge

import (
	"errors"
	"testing"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// A Go panic inside a bridge function must come back to JS as a failure
// (an instance of bridge.js's GoFailure), and the module must keep working
// afterwards.
func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	registerBridge(t)
	setGoFunc(t, "goBoom", guard("boom", func([]safejs.Value) (any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write: a runtime panic
		return nil, nil
	}))
	_ = safejs.Global().Set("GoFailureClass", failureClass)
	runJS(t, jsPrelude+`
for (let i = 0; i < 100; i++) {
  const r = globalThis.goBoom();
  assert(r instanceof globalThis.GoFailureClass, "a panic returns a GoFailure, got " + r);
  eq(r.code, "INTERNAL", "code");
  assert(r.message.includes("internal error in wsnats boom") && r.message.includes("nil map"), "message: " + r.message);
}
const nc = await wsnats.connect({ servers: url });
await nc.flush();
await nc.close();
`)
}

// Errors and results have distinct shapes at the boundary: an array result
// that looks like an error is a result, and an error is a GoFailure with
// its code, message and extra fields, whatever its text.
func TestGuardErrorsAreNeverArrays(t *testing.T) {
	registerBridge(t)
	setGoFunc(t, "goPair", guard("pair", func([]safejs.Value) (any, error) {
		return []any{"TIMEOUT", "looks like an error but is a result"}, nil
	}))
	setGoFunc(t, "goErr", guard("err", func([]safejs.Value) (any, error) {
		return nil, errors.Join(wsnats.ErrTimeout, errors.New("a real error"))
	}))
	setGoFunc(t, "goPubErr", func(safejs.Value, []safejs.Value) any {
		return failure(wsnats.ErrMaxPayload, 3, 1024)
	})
	_ = safejs.Global().Set("GoFailureClass", failureClass)
	runJS(t, jsPrelude+`
const F = globalThis.GoFailureClass;
const pair = globalThis.goPair();
assert(Array.isArray(pair) && !(pair instanceof F), "an array result stays an array");
eq(pair, ["TIMEOUT", "looks like an error but is a result"], "the array result");
const e = globalThis.goErr();
assert(e instanceof F && !Array.isArray(e), "an error is a GoFailure");
eq(e.code, "TIMEOUT", "code");
assert(e.message.includes("a real error"), "message: " + e.message);
const p = globalThis.goPubErr();
assert(p instanceof F, "pub's failure is a GoFailure");
eq([p.code, p.failed, p.room], ["MAX_PAYLOAD_EXCEEDED", 3, 1024], "code and extra fields");
`)
}

// setGoFunc makes fn callable from JS as globalThis[name] for the test.
func setGoFunc(t *testing.T, name string, fn func(safejs.Value, []safejs.Value) any) {
	t.Helper()
	f, err := safejs.FuncOf(fn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Release)
	if err := safejs.Global().Set(name, f.Value()); err != nil {
		t.Fatal(err)
	}
}
