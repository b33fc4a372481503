//go:build js && wasm

// Command wsnats-wasm is the wasm module a page loads: it registers
// globalThis.wsnats and keeps running to serve it.
package main

import (
	"log/slog"

	"github.com/wasm-nats/wasm-nats/jsbridge"
)

func main() {
	if err := jsbridge.Register(); err != nil {
		slog.Error("wsnats: failed to start", "err", err)
		return
	}
	select {}
}
