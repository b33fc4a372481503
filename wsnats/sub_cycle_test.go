//go:build !js

package wsnats

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSubscribeCyclesKeepNothing subscribes and unsubscribes 10,000 times
// and checks that the connection keeps nothing per removed subscription:
// no entry, no delivery goroutine. (Measured with the server in another
// process, the heap grows about as much as nats.go's in the same loop,
// 0.6-1 MiB: goroutine structs the Go runtime caches for reuse.)
func TestSubscribeCyclesKeepNothing(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		baseAll := runtime.NumGoroutine()
		baseClient, _ := clientGoroutines()
		for i := range 10_000 {
			var s *Subscription
			var err error
			switch i % 3 {
			case 0:
				s, err = nc.Subscribe("cycle.x", func(*Msg) {})
			case 1:
				s, err = nc.SubscribeSync("cycle.x")
			default:
				s, err = nc.ChanSubscribe("cycle.x", make(chan *Msg, 1))
			}
			require.NoError(t, err)
			require.NoError(t, s.Unsubscribe())
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		nc.subsMu.RLock()
		left := len(nc.subs)
		nc.subsMu.RUnlock()
		require.Zero(t, left, "subscriptions left registered")
		requireNoLeak(t, baseAll, baseClient)
	})
}
