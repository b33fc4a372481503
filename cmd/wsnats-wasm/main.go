//go:build js && wasm

// Command wsnats-wasm is the wasm module a page loads: it registers
// globalThis.wsnats and keeps running to serve it.
package main

import (
	"fmt"
	"os"

	"github.com/wasm-nats/wasm-nats/jsbridge"
)

func main() {
	if err := jsbridge.Register(); err != nil {
		fmt.Fprintln(os.Stderr, "wsnats: failed to start:", err)
		return
	}
	select {}
}
