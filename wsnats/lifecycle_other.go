//go:build !(js && wasm)

package wsnats

// startLifecycle has nothing to watch outside the browser.
func startLifecycle(*Conn) lifecycle { return nil }
