package agent

import (
	"errors"
	"fmt"
	"sync"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// DefaultBusPendingLimit is how many messages a Bus subscription holds
// before Publish reports it as a slow consumer.
const DefaultBusPendingLimit = 64 * 1024

// ErrBusClosed is returned by a Bus after Close.
var ErrBusClosed = errors.New("agent: bus closed")

// Bus is an in-process Messenger with NATS subject semantics: subscribers
// use the wildcards '*' and '>', each subscription gets the messages in the
// order they were published, one at a time, on its own goroutine. Publish
// never blocks on a subscriber: when a subscription already holds its
// pending limit, that subscription does not get the message and Publish
// returns an error wrapping wsnats.ErrSlowConsumer (the other subscribers
// still get it), so no loss goes unreported.
type Bus struct {
	mu      sync.RWMutex
	subs    map[*busSub]struct{}
	closed  bool
	limit   int
	onPanic func(subject string, v any)
}

// BusOption configures a Bus.
type BusOption func(*Bus)

// BusPendingLimit sets how many messages each subscription may hold
// (DefaultBusPendingLimit by default; n <= 0 means no limit).
func BusPendingLimit(n int) BusOption { return func(b *Bus) { b.limit = n } }

// BusPanicHandler sets fn to be called when a subscriber's callback
// panics; the panic is recovered either way and delivery goes on.
func BusPanicHandler(fn func(subject string, recovered any)) BusOption {
	return func(b *Bus) { b.onPanic = fn }
}

// NewBus returns an empty in-process bus.
func NewBus(opts ...BusOption) *Bus {
	b := &Bus{subs: map[*busSub]struct{}{}, limit: DefaultBusPendingLimit}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	return b
}

// Publish delivers a copy of data to every subscription whose subject
// matches subj, which must be literal.
func (b *Bus) Publish(subj string, data []byte) error {
	if err := validSubject(subj, true); err != nil {
		return fmt.Errorf("failed to publish to %q: %w", subj, err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return fmt.Errorf("failed to publish to %q: %w", subj, ErrBusClosed)
	}
	var errs []error
	for s := range b.subs {
		if !match(s.subject, subj) {
			continue
		}
		m := &wsnats.Msg{Subject: subj, Data: append([]byte{}, data...)}
		if err := s.push(m, b.limit); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Subscribe calls cb for each message published to a subject matching subj.
func (b *Bus) Subscribe(subj string, cb wsnats.MsgHandler) (Subscription, error) {
	if cb == nil {
		return nil, fmt.Errorf("failed to subscribe to %q: %w: nil handler", subj, wsnats.ErrBadSubscription)
	}
	if err := validSubject(subj, false); err != nil {
		return nil, fmt.Errorf("failed to subscribe to %q: %w", subj, err)
	}
	s := &busSub{bus: b, subject: subj, cb: cb, signal: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, fmt.Errorf("failed to subscribe to %q: %w", subj, ErrBusClosed)
	}
	b.subs[s] = struct{}{}
	go s.deliver()
	return s, nil
}

// IsConnected reports true until the bus is closed.
func (b *Bus) IsConnected() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return !b.closed
}

// Close ends every subscription (pending messages are dropped) and makes
// later calls fail with ErrBusClosed.
func (b *Bus) Close() {
	b.mu.Lock()
	subs := b.subs
	b.subs = map[*busSub]struct{}{}
	b.closed = true
	b.mu.Unlock()
	for s := range subs {
		s.stop()
	}
}

// busSub is one Bus subscription with its pending queue.
type busSub struct {
	bus     *Bus
	subject string
	cb      wsnats.MsgHandler

	mu     sync.Mutex
	queue  []*wsnats.Msg
	closed bool
	signal chan struct{}
	done   chan struct{}
}

// push queues m unless the subscription is at limit.
func (s *busSub) push(m *wsnats.Msg, limit int) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil // unsubscribed meanwhile: like NATS, no interest
	}
	if limit > 0 && len(s.queue) >= limit {
		s.mu.Unlock()
		return fmt.Errorf("failed to deliver %q to the subscription on %q: %w: %d messages pending",
			m.Subject, s.subject, wsnats.ErrSlowConsumer, limit)
	}
	s.queue = append(s.queue, m)
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
	return nil
}

// deliver hands queued messages to the callback in order.
func (s *busSub) deliver() {
	defer close(s.done)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		for i, m := range batch {
			if s.isClosed() {
				return
			}
			s.call(m)
			batch[i] = nil
		}
		if len(batch) == 0 {
			<-s.signal
		}
	}
}

func (s *busSub) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// call runs the callback; a panic is recovered and reported.
func (s *busSub) call(m *wsnats.Msg) {
	defer func() {
		if v := recover(); v != nil && s.bus.onPanic != nil {
			s.bus.onPanic(m.Subject, v)
		}
	}()
	s.cb(m)
}

// stop ends the subscription and drops what is pending. It reports
// whether the subscription was still active.
func (s *busSub) stop() bool {
	s.mu.Lock()
	was := !s.closed
	s.closed = true
	s.queue = nil
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
	return was
}

// Unsubscribe ends the subscription; pending messages are dropped. A
// second call returns an error wrapping wsnats.ErrBadSubscription.
func (s *busSub) Unsubscribe() error {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
	if !s.stop() {
		return fmt.Errorf("failed to unsubscribe from %q: %w", s.subject, wsnats.ErrBadSubscription)
	}
	return nil
}
