//go:build js && wasm

package wsnats

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

// TestMain gives the test page what the loader gives a real one: the
// receive queue of receiver.js (globalThis.wsnatsBoot.receiver), imported
// from the web directory natsrun serves (NATS_WEB_URL).
func TestMain(m *testing.M) {
	if err := loadReceiver(); err != nil {
		fmt.Fprintln(os.Stderr, "wsnats tests:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func loadReceiver() error {
	web := os.Getenv("NATS_WEB_URL")
	if web == "" {
		return errors.New("NATS_WEB_URL is not set: run the browser tests through scripts/wasm-test.sh")
	}
	g := safejs.Global()
	fnCtor, err := g.Get("Function")
	if err != nil {
		return err
	}
	importer, err := fnCtor.New("u", "return import(u)") // the test page allows eval; real pages need none
	if err != nil {
		return err
	}
	p, err := importer.Invoke(web + "/receiver.js")
	if err != nil {
		return err
	}
	mod, err := awaitPromise(p, 10*time.Second)
	if err != nil {
		return fmt.Errorf("failed to import receiver.js: %w", err)
	}
	mk, err := mod.Get("makeReceiver")
	if err != nil || mk.Type() != safejs.TypeFunction {
		return errors.New("receiver.js has no makeReceiver")
	}
	objCtor, err := g.Get("Object")
	if err != nil {
		return err
	}
	boot, err := objCtor.New()
	if err != nil {
		return err
	}
	if err := boot.Set("receiver", mk); err != nil {
		return err
	}
	return g.Set("wsnatsBoot", boot)
}
