//go:build !js || !wasm

// Command wsnats-wasm is the wasm module a page loads: build it with
// GOOS=js GOARCH=wasm (see the Makefile's build target). Built natively it
// only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "wsnats-wasm runs in a browser: build it with GOOS=js GOARCH=wasm (make build)")
	os.Exit(2)
}
