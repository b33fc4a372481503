package wsnats

import (
	"bytes"
	"sync"
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
	o.prepend(block{b: []byte("FIRST"), msgs: 1}, block{}, block{b: []byte("SECOND"), msgs: 2})
	want = append([]byte("FIRSTSECOND"), want...)
	require.Equal(t, len(want), o.len())
	require.Equal(t, 3, o.msgs())

	blocks := o.take()
	require.Greater(t, len(blocks), 3, "the bytes must span several blocks")
	var got []byte
	for _, b := range blocks {
		require.LessOrEqual(t, len(b.b), outBlock)
		got = append(got, b.b...)
	}
	require.Equal(t, want, got)
	require.Zero(t, o.len())
	require.Zero(t, o.msgs())
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

	o.cur = appendPub(o.room(20), "a", "", []byte("x"))
	o.curMsgs++
	require.Equal(t, Loss{Msgs: 1, Bytes: len("PUB a 1\r\nx\r\n")}, o.reset())
	require.Zero(t, o.len())
}

func TestFreeBlocksFor(t *testing.T) {
	require.Equal(t, idleFreeBlocks, freeBlocksFor(1))
	require.Equal(t, 513, freeBlocksFor(DefaultOutboundLimit))
	require.Equal(t, maxFreeBlocks, freeBlocksFor(0), "no limit keeps the most")
	require.Equal(t, maxFreeBlocks, freeBlocksFor(1<<40))
}

// manualTimers makes the writer's timers fire only when a test says so.
type manualTimers struct {
	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	d time.Duration
	c chan time.Time
}

func (m *manualTimers) option() Option {
	return func(o *Options) error {
		o.newTimer = func(d time.Duration) waitTimer {
			t := &manualTimer{d: d, c: make(chan time.Time, 1)}
			m.mu.Lock()
			m.timers = append(m.timers, t)
			m.mu.Unlock()
			return t
		}
		return nil
	}
}

func (t *manualTimer) C() <-chan time.Time { return t.c }
func (t *manualTimer) Reset(time.Duration) {}
func (t *manualTimer) Stop()               {}

// fire fires the timers made for d.
func (m *manualTimers) fire(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.timers {
		if t.d == d {
			select {
			case t.c <- time.Now():
			default:
			}
		}
	}
}

// TestWriterGivesBackBlocksWhenIdle checks the writer lets go of the
// blocks kept for reuse once its idle timer fires, and not before.
func TestWriterGivesBackBlocksWhenIdle(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		timers := &manualTimers{}
		nc := connect(t, url, timers.option())
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
		// A round trip passes through the writer: still all kept.
		require.NoError(t, nc.Flush(ctxTimeout(t, 10*time.Second)))
		require.Greater(t, freeBlocks(), idleFreeBlocks)
		timers.fire(freeTrimDelay)
		require.Eventually(t, func() bool { return freeBlocks() <= idleFreeBlocks },
			5*time.Second, time.Millisecond)
	})
}

// TestWriterAsksServerToConfirm checks the PINGs that bound what a lost
// link may cost: a burst past confirmBytes ends with one, and a trickle
// gets one when the confirm timer fires, never more than asked.
func TestWriterAsksServerToConfirm(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		timers := &manualTimers{}
		nc := connect(t, url, timers.option())
		confirmed := func() (confirmed, taken int64) {
			nc.mu.Lock()
			l := nc.link
			nc.mu.Unlock()
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.sent.confirmed, l.sent.taken
		}
		// A burst of more than confirmBytes: confirmed without a Flush.
		data := make([]byte, 1000)
		for range 2 * confirmBytes / len(data) {
			require.NoError(t, nc.Publish("confirm.burst", data))
		}
		require.Eventually(t, func() bool { c, tk := confirmed(); return c == tk && c > confirmBytes },
			5*time.Second, time.Millisecond, "a long burst is confirmed")
		// One small publish: not confirmed until the timer fires (unless the
		// machine was so slow that confirmDelay passed since the last PING).
		lastPing := time.Now()
		before, _ := confirmed()
		require.NoError(t, nc.Publish("confirm.one", []byte("x")))
		require.Eventually(t, func() bool { _, tk := confirmed(); return tk > before }, 5*time.Second, time.Millisecond)
		if c, _ := confirmed(); time.Since(lastPing) < confirmDelay/2 {
			require.Equal(t, before, c, "a small write waits for the timer")
		}
		timers.fire(confirmDelay)
		require.Eventually(t, func() bool { c, tk := confirmed(); return c == tk }, 5*time.Second, time.Millisecond,
			"the timer asks the server to confirm the trickle")
	})
}
