// Command wsnats-wasm is the wasm module a page loads (build it with
// GOOS=js GOARCH=wasm; see the Makefile's build target): it registers
// globalThis.wsnats and keeps running to serve it.
package main
