//go:build js && wasm

package jsbridge

import (
	"testing"

	"github.com/hack-pad/safejs"
)

// A Go panic inside a bridge function must come back to JS as an error
// array, and the module must keep working afterwards.
func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	boom, err := safejs.FuncOf(guard("boom", func([]safejs.Value) (any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write: a runtime panic
		return nil, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer boom.Release()
	_ = safejs.Global().Set("goBoom", boom.Value())
	runJS(t, jsPrelude+`
for (let i = 0; i < 100; i++) {
  const r = globalThis.goBoom();
  assert(Array.isArray(r), "a panic returns an error array, got " + r);
  eq(r[0], "INTERNAL", "code");
  assert(r[1].includes("internal error in wsnats boom") && r[1].includes("nil map"), "message: " + r[1]);
}
const nc = await wsnats.connect({ servers: url });
await nc.flush();
await nc.close();
`)
}
