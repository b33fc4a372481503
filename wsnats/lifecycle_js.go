//go:build js && wasm

package wsnats

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"
)

// lifecycleCheckTimeout bounds the PING that checks the link when the page
// comes back online or becomes visible.
var lifecycleCheckTimeout = 2 * time.Second

// liveListeners counts the page event listeners registered by every
// connection and not yet removed (tests check that Close removes them).
var liveListeners atomic.Int64

// browserLifecycle watches the page for a connection: when it comes back
// online ("online" on globalThis) or becomes visible ("visibilitychange" on
// document, where a document exists: not in a worker), the connection takes
// its fast path (ReconnectNow) instead of waiting for a backoff timer the
// browser may have throttled. The JS callbacks only signal; a goroutine does
// the work.
type browserLifecycle struct {
	c      *Conn
	signal chan struct{}
	done   chan struct{}
	once   sync.Once
	regs   []pageListener

	wakes    atomic.Int64 // fast paths taken
	offlines atomic.Int64 // "offline" events seen
}

type pageListener struct {
	target safejs.Value
	event  string
	fn     safejs.Func
}

func startLifecycle(c *Conn) lifecycle {
	b := &browserLifecycle{c: c, signal: make(chan struct{}, 1), done: make(chan struct{})}
	g := safejs.Global()
	b.listen(g, "online", func([]safejs.Value) { b.wake() })
	b.listen(g, "offline", func([]safejs.Value) { b.offlines.Add(1) })
	if doc, err := g.Get("document"); err == nil && !doc.IsUndefined() && !doc.IsNull() {
		b.listen(doc, "visibilitychange", func([]safejs.Value) {
			if state, err := getString(doc, "visibilityState"); err == nil && state == "visible" {
				b.wake()
			}
		})
	}
	if len(b.regs) == 0 {
		return nil
	}
	go b.run()
	return b
}

// listen registers h for event on target when target is an EventTarget.
func (b *browserLifecycle) listen(target safejs.Value, event string, h func([]safejs.Value)) {
	add, err := target.Get("addEventListener")
	if err != nil || add.Type() != safejs.TypeFunction {
		return
	}
	fn, err := safejs.FuncOf(guardCallback(h))
	if err != nil {
		return
	}
	if _, err := target.Call("addEventListener", event, fn.Value()); err != nil {
		fn.Release()
		return
	}
	liveListeners.Add(1)
	b.regs = append(b.regs, pageListener{target: target, event: event, fn: fn})
}

// wake runs in a JS callback: it must not block.
func (b *browserLifecycle) wake() {
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

func (b *browserLifecycle) run() {
	for {
		select {
		case <-b.signal:
			b.wakes.Add(1)
			b.c.ReconnectNow(lifecycleCheckTimeout)
		case <-b.done:
			return
		}
	}
}

// stop removes every listener and ends the goroutine.
func (b *browserLifecycle) stop() {
	b.once.Do(func() {
		close(b.done)
		for _, r := range b.regs {
			_, _ = r.target.Call("removeEventListener", r.event, r.fn.Value())
			r.fn.Release()
			liveListeners.Add(-1)
		}
		b.regs = nil
	})
}
