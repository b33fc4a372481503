package wsnats

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOutboundKeepsOrderAcrossBlocks(t *testing.T) {
	o := outbound{keep: 8}
	var want []byte
	for i := range 3 * outBlock / 100 {
		msg := bytes.Repeat([]byte{byte('a' + i%26)}, 100)
		o.cur = append(o.room(len(msg)), msg...)
		want = append(want, msg...)
	}
	o.prepend([]byte("FIRST"))
	want = append([]byte("FIRST"), want...)
	require.Equal(t, len(want), o.len())

	blocks := o.take()
	require.Greater(t, len(blocks), 2, "the bytes must span several blocks")
	require.Equal(t, want, bytes.Join(blocks, nil))
	for _, b := range blocks {
		require.LessOrEqual(t, len(b), outBlock)
	}
	require.Zero(t, o.len())
}

func TestOutboundRecyclesUpToKeepAndTrims(t *testing.T) {
	o := outbound{keep: 3}
	for range 5 * outBlock / 1000 {
		o.cur = append(o.room(1000), make([]byte, 1000)...)
	}
	blocks := o.take()
	require.GreaterOrEqual(t, len(blocks), 5)
	o.recycle(blocks)
	require.Len(t, o.free, 3, "recycle keeps at most keep blocks")

	// The next block comes from the free list, not from a new allocation.
	reused := o.free[len(o.free)-1]
	b := o.room(10)
	require.Equal(t, &reused[:1][0], &b[:1][0])

	o.trim(1)
	require.Len(t, o.free, 1)
	o.trim(5)
	require.Len(t, o.free, 1, "trim never grows the list")
}

func TestFreeBlocksFor(t *testing.T) {
	require.Equal(t, idleFreeBlocks, freeBlocksFor(1))
	require.Equal(t, 513, freeBlocksFor(DefaultOutboundLimit))
	require.Equal(t, maxFreeBlocks, freeBlocksFor(0), "no limit keeps the most")
	require.Equal(t, maxFreeBlocks, freeBlocksFor(1<<40))
}

// TestWriterGivesBackBlocksWhenIdle checks the writer lets go of the
// blocks kept for reuse once it has been idle for a while.
func TestWriterGivesBackBlocksWhenIdle(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		data := make([]byte, 1000)
		for range 1 << 10 {
			require.NoError(t, nc.Publish("idle.trim", data))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 10*time.Second)))
		freeBlocks := func() int {
			nc.mu.Lock()
			defer nc.mu.Unlock()
			return len(nc.out.free)
		}
		// How many blocks the burst left depends on how far the publisher
		// got ahead of the writer, so add some as a long burst would.
		nc.mu.Lock()
		for range 20 {
			nc.out.free = append(nc.out.free, make([]byte, 0, outBlock))
		}
		nc.mu.Unlock()
		nc.kick() // a burst restarts the idle clock
		require.Greater(t, freeBlocks(), idleFreeBlocks)
		require.Eventually(t, func() bool { return freeBlocks() <= idleFreeBlocks },
			3*freeTrimDelay, 50*time.Millisecond)
	})
}
