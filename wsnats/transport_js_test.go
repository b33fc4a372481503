//go:build js && wasm

package wsnats

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReceiveThroughQueue checks that sockets use the JS receive queue of
// receiver.js when the page provides it (as the loader does).
func TestReceiveThroughQueue(t *testing.T) {
	for _, url := range testURLs(t) {
		nc := connect(t, url)
		nc.mu.Lock()
		bs, ok := nc.link.t.(*browserSocket)
		nc.mu.Unlock()
		require.True(t, ok && !bs.recv.IsUndefined(), "the socket must use receiver.js's queue")
		sub, err := nc.SubscribeSync("queue.>")
		require.NoError(t, err)
		require.NoError(t, nc.Publish("queue.one", []byte("x")))
		m, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "x", string(m.Data))
	}
}

// TestReceiveFrameByFrame covers the receive path of pages that give no
// receiver.js (a Go program loaded without wsnats.js): each frame crosses
// into Go by itself (onFrame) instead of through the JS queue. A 1 MiB
// message spans hundreds of 4 KiB frames and must arrive whole, after
// small ones, in order.
func TestReceiveFrameByFrame(t *testing.T) {
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
