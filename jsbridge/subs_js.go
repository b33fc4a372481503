//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
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
}

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
// subscription ends; then it tells JS why (code "" for a normal end).
func (b *bridge) pump(bc *bconn, bs *bsub) {
	defer func() { _ = recover() }()
	var buf []byte
	for {
		msgs, err := bs.sub.NextMsgs(context.Background(), maxBatch)
		if err != nil {
			var why any // null: a normal end
			if !errors.Is(err, wsnats.ErrBadSubscription) && !errors.Is(err, wsnats.ErrMaxMessages) && !errors.Is(err, wsnats.ErrConnectionClosed) {
				why = failure(err)
			}
			b.mu.Lock()
			delete(bc.subs, bs.id)
			b.mu.Unlock()
			_, _ = bc.sink.Call("onSubEnd", bs.id, why)
			return
		}
		buf = appendMsgBatch(buf[:0], msgs)
		arr, err := b.toJSBytes(buf)
		if err != nil {
			continue
		}
		_, _ = bc.sink.Call("onMsgs", bs.id, arr)
		if cap(buf) > 1<<20 {
			buf = nil
		}
	}
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
	return []any{float64(bs.sub.Received()), pending, bs.sub.Dropped(), bs.sub.IsValid()}, nil
}
