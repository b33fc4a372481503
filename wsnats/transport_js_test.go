//go:build js && wasm

package wsnats

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReceiveWithoutEval covers the receive path of pages whose Content
// Security Policy forbids eval: each frame crosses into Go by itself
// (onFrame) instead of through the JS queue. A 1 MiB message spans hundreds
// of 4 KiB frames and must arrive whole, after small ones, in order.
func TestReceiveWithoutEval(t *testing.T) {
	goReceive = true
	t.Cleanup(func() { goReceive = false })
	for _, url := range testURLs(t) {
		nc := connect(t, url)
		nc.mu.Lock()
		bs, ok := nc.link.t.(*browserSocket)
		nc.mu.Unlock()
		require.True(t, ok && bs.recv.IsUndefined(), "the socket must use onFrame, not the JS queue")

		sub, err := nc.SubscribeSync("noeval.>")
		require.NoError(t, err)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		big := bytes.Repeat([]byte("0123456789abcdef"), (1<<20-100)/16)
		require.NoError(t, nc.Publish("noeval.small", []byte("first")))
		require.NoError(t, nc.Publish("noeval.big", big))
		require.NoError(t, nc.Publish("noeval.small", []byte("last")))
		for _, want := range [][]byte{[]byte("first"), big, []byte("last")} {
			m, err := sub.NextMsg(ctxTimeout(t, 10*time.Second))
			require.NoError(t, err)
			require.Equal(t, len(want), len(m.Data))
			require.True(t, bytes.Equal(want, m.Data))
		}
	}
}
