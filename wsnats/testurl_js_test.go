//go:build js && wasm

package wsnats

import (
	"os"
	"testing"
)

// testURLs returns the websocket URL of the server the browser test
// driver started (NATS_WS_URL). Without it the test fails: a browser run
// without a server is a broken run, not a skipped one.
func testURLs(t *testing.T) map[string]string {
	u := os.Getenv("NATS_WS_URL")
	if u == "" {
		t.Fatal("NATS_WS_URL is not set: run the browser tests through scripts/test-browser.sh")
	}
	return map[string]string{"ws": u}
}
