//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// maxBatch bounds the messages handed to JS in one crossing.
const maxBatch = 1024

// bsub is a subscription opened from JS. Messages are pulled by a pump
// goroutine and handed to bridge.js in batches.
type bsub struct {
	id  int
	sub *wsnats.Subscription
	// dropped counts the messages the pump took from sub but could not
	// hand to JS (see reportDrop); getDropped() adds it to sub's drops.
	dropped atomic.Int64
}

// pumpFault, set by tests only, runs before each batch of subject is
// copied to JS: it may panic (a fault of the pump) or fail the copy.
var pumpFault func(subject string) error

// sub(id, subject, queue, max): returns the subscription id.
func (b *bridge) sub(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	subject, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	queue, err := argString(args, 2)
	if err != nil {
		return nil, err
	}
	max, err := argInt(args, 3)
	if err != nil {
		return nil, err
	}
	var s *wsnats.Subscription
	if queue != "" {
		s, err = bc.nc.QueueSubscribeSync(subject, queue)
	} else {
		s, err = bc.nc.SubscribeSync(subject)
	}
	if err != nil {
		return nil, err
	}
	if max > 0 {
		if err := s.AutoUnsubscribe(max); err != nil {
			_ = s.Unsubscribe()
			return nil, err
		}
	}
	b.mu.Lock()
	bc.nextID++
	bs := &bsub{id: bc.nextID, sub: s}
	bc.subs[bs.id] = bs
	b.mu.Unlock()
	go b.pump(bc, bs)
	return bs.id, nil
}

// pump hands pending messages to JS, one crossing per batch, until the
// subscription ends; then it tells JS why (null for a normal end). A batch
// that cannot be handed over is counted and reported (reportDrop); a panic
// ends the subscription with an INTERNAL error (pumpPanicked).
func (b *bridge) pump(bc *bconn, bs *bsub) {
	var msgs []*wsnats.Msg // the batch in hand
	defer func() {
		if r := recover(); r != nil {
			b.pumpPanicked(bc, bs, r, len(msgs))
		}
	}()
	var buf []byte
	for {
		var err error
		msgs, err = bs.sub.NextMsgs(context.Background(), maxBatch)
		if err != nil {
			var why any // null: a normal end
			if !errors.Is(err, wsnats.ErrBadSubscription) && !errors.Is(err, wsnats.ErrMaxMessages) && !errors.Is(err, wsnats.ErrConnectionClosed) {
				why = failure(err)
			}
			b.endSub(bc, bs, why)
			return
		}
		buf = appendMsgBatch(buf[:0], msgs)
		arr, err := b.batchToJS(bs, buf)
		if err == nil {
			_, err = bc.sink.Call("onMsgs", bs.id, arr)
		}
		if err != nil {
			b.reportDrop(bc, bs, len(msgs), err)
		}
		msgs = nil
		if cap(buf) > 1<<20 {
			buf = nil
		}
	}
}

// batchToJS copies a packed batch of bs into a new Uint8Array.
func (b *bridge) batchToJS(bs *bsub, p []byte) (safejs.Value, error) {
	if pumpFault != nil {
		if err := pumpFault(bs.sub.Subject); err != nil {
			return safejs.Value{}, err
		}
	}
	return b.toJSBytes(p)
}

// endSub forgets bs and tells bridge.js that it ended: why is null for a
// normal end, else a failure.
func (b *bridge) endSub(bc *bconn, bs *bsub, why any) {
	b.mu.Lock()
	delete(bc.subs, bs.id)
	b.mu.Unlock()
	if _, err := bc.sink.Call("onSubEnd", bs.id, why); err != nil {
		consoleError(fmt.Sprintf("the end of the subscription to %q could not be passed to JS; it waits for messages that never come", bs.sub.Subject), err)
	}
}

// reportDrop counts n messages of bs that could not be handed to JS and
// reports them: an "error" status event (code INTERNAL) that names the
// subscription, which bridge.js also passes to its callback.
func (b *bridge) reportDrop(bc *bconn, bs *bsub, n int, cause error) {
	bs.dropped.Add(int64(n))
	err := fmt.Errorf("%w: %d messages on %q were dropped: handing them to JS failed: %v", errInternal, n, bs.sub.Subject, cause)
	if _, cerr := bc.sink.Call("onStatus", "error", map[string]any{"error": failure(err), "sid": bs.id}); cerr != nil {
		consoleError("the drop could not be reported", fmt.Errorf("%w (reporting failed: %v)", err, cerr))
	}
}

// pumpPanicked ends bs after its pump panicked with r while it held lost
// messages: it unsubscribes, and the JS subscription ends with an INTERNAL
// error that bridge.js also reports (console and an "error" status event).
func (b *bridge) pumpPanicked(bc *bconn, bs *bsub, r any, lost int) {
	err := fmt.Errorf("%w: the delivery of messages on %q to JS failed: %v; the subscription is closed, %d messages in hand were not delivered", errInternal, bs.sub.Subject, r, lost)
	defer func() {
		if r2 := recover(); r2 != nil {
			consoleError("ending a failed subscription panicked", fmt.Errorf("%v, after: %w", r2, err))
		}
	}()
	bs.dropped.Add(int64(lost))
	_ = bs.sub.Unsubscribe() // the end is reported below, whatever this says
	b.endSub(bc, bs, failure(err))
}

func (b *bridge) lookupSub(args []safejs.Value) (*bconn, *bsub, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, nil, err
	}
	id, err := argInt(args, 1)
	if err != nil {
		return nil, nil, err
	}
	b.mu.Lock()
	bs := bc.subs[id]
	b.mu.Unlock()
	if bs == nil {
		return nil, nil, wsnats.ErrBadSubscription
	}
	return bc, bs, nil
}

func (b *bridge) findSub(bc *bconn, s *wsnats.Subscription) *bsub {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, bs := range bc.subs {
		if bs.sub == s {
			return bs
		}
	}
	return nil
}

// unsub(id, sid, max): unsubscribes now, or after max messages in total.
func (b *bridge) unsub(args []safejs.Value) (any, error) {
	_, bs, err := b.lookupSub(args)
	if err != nil {
		return nil, nil // unsubscribing a closed subscription does nothing
	}
	max, err := argInt(args, 2)
	if err != nil {
		return nil, err
	}
	if max > 0 {
		if uint64(max) <= bs.sub.Received() {
			return nil, bs.sub.Unsubscribe()
		}
		return nil, bs.sub.AutoUnsubscribe(max)
	}
	err = bs.sub.Unsubscribe()
	if errors.Is(err, wsnats.ErrBadSubscription) || errors.Is(err, wsnats.ErrConnectionClosed) {
		return nil, nil
	}
	return nil, err
}

// drainSub(id, sid, resolve, reject).
func (b *bridge) drainSub(args []safejs.Value) (any, error) {
	bc, bs, err := b.lookupSub(args)
	resolve, reject := argValue(args, 2), argValue(args, 3)
	if err != nil {
		settle(resolve, reject, func() (any, error) { return nil, nil })
		return nil, nil
	}
	settle(resolve, reject, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), max(bc.timout, 30*time.Second))
		defer cancel()
		return nil, bs.sub.Drain(ctx)
	})
	return nil, nil
}

// subState(id, sid): [received, pending, dropped, valid].
func (b *bridge) subState(args []safejs.Value) (any, error) {
	_, bs, err := b.lookupSub(args)
	if err != nil {
		return []any{0, 0, 0, false}, nil
	}
	pending, _ := bs.sub.Pending()
	dropped := bs.sub.Dropped() + int(bs.dropped.Load())
	return []any{float64(bs.sub.Received()), pending, dropped, bs.sub.IsValid()}, nil
}
