package agent

import (
	"errors"
	"fmt"
	"sync"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Fallback is a Messenger that uses a primary messenger (normally NATS)
// while it is connected and an in-process Bus otherwise, so agents keep
// talking when the server is unreachable:
//
//   - Subscribe registers on both, so a subscriber hears NATS traffic while
//     connected and local traffic while not.
//   - Publish goes to the primary when it is connected, else to the local
//     bus. Each message takes exactly one of the two paths, so subscribers
//     never see it twice. A publish the primary refuses for a connection
//     reason (closed, buffers full) goes to the local bus instead.
//   - IsConnected reports the primary's state (false with no primary);
//     publishing works either way.
//
// Local subscribers hear their own process's messages over NATS only if
// the server echoes them back, so do not connect with wsnats.NoEcho. Order
// is kept on each path but not across a change of path: a message that
// wsnats buffered just before the connection dropped arrives after the
// reconnect, later than messages published locally meanwhile.
// A primary can be attached later with SetPrimary (when the first connect
// failed and a later one worked): existing subscriptions are carried over.
type Fallback struct {
	local *Bus

	mu       sync.Mutex
	primary  Messenger
	unwatch  func()
	subs     map[*fallbackSub]struct{}
	watchers map[int]func(bool)
	nextW    int
}

// NewFallback returns a Fallback over primary (may be nil: local only until
// SetPrimary) and local (nil means a new Bus).
func NewFallback(primary Messenger, local *Bus) *Fallback {
	if local == nil {
		local = NewBus()
	}
	f := &Fallback{local: local, subs: map[*fallbackSub]struct{}{}, watchers: map[int]func(bool){}}
	if primary != nil {
		_ = f.SetPrimary(primary)
	}
	return f
}

// Local returns the in-process bus.
func (f *Fallback) Local() *Bus { return f.local }

// Primary returns the primary messenger, or nil.
func (f *Fallback) Primary() Messenger {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.primary
}

// SetPrimary replaces the primary messenger (nil removes it) and moves the
// existing subscriptions to it. It returns the errors of those
// subscriptions; the local side of each stays in place regardless.
func (f *Fallback) SetPrimary(m Messenger) error {
	f.mu.Lock()
	if f.unwatch != nil {
		f.unwatch()
		f.unwatch = nil
	}
	f.primary = m
	var errs []error
	for s := range f.subs {
		if s.remote != nil {
			_ = s.remote.Unsubscribe()
			s.remote = nil
		}
		if m != nil {
			r, err := m.Subscribe(s.subject, s.cb)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			s.remote = r
		}
	}
	if n, ok := m.(ConnectionNotifier); ok {
		f.unwatch = n.OnConnectionChange(f.notify)
	}
	f.mu.Unlock()
	f.notify(m != nil && m.IsConnected())
	return errors.Join(errs...)
}

// notify passes a connection change to the watchers.
func (f *Fallback) notify(connected bool) {
	f.mu.Lock()
	ws := make([]func(bool), 0, len(f.watchers))
	for i := 0; i < f.nextW; i++ {
		if w, ok := f.watchers[i]; ok {
			ws = append(ws, w)
		}
	}
	f.mu.Unlock()
	for _, w := range ws {
		w(connected)
	}
}

// OnConnectionChange registers fn for changes of the primary's state,
// including attaching or removing a primary.
func (f *Fallback) OnConnectionChange(fn func(connected bool)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextW
	f.nextW++
	f.watchers[id] = fn
	return func() {
		f.mu.Lock()
		delete(f.watchers, id)
		f.mu.Unlock()
	}
}

// IsConnected reports whether the primary is connected.
func (f *Fallback) IsConnected() bool {
	p := f.Primary()
	return p != nil && p.IsConnected()
}

// Publish sends data through the primary when connected, else locally.
func (f *Fallback) Publish(subj string, data []byte) error {
	if p := f.Primary(); p != nil && p.IsConnected() {
		err := p.Publish(subj, data)
		if err == nil || !connectionError(err) {
			return err
		}
	}
	return f.local.Publish(subj, data)
}

// connectionError reports whether err means the primary cannot take the
// message now (as opposed to a bad subject or payload).
func connectionError(err error) bool {
	for _, e := range []error{wsnats.ErrConnectionClosed, wsnats.ErrConnectionDraining, wsnats.ErrInvalidConnection,
		wsnats.ErrReconnectBufExceeded, wsnats.ErrOutboundBufferFull, wsnats.ErrNoServers, ErrBusClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Subscribe registers cb on the local bus and, when there is one, on the
// primary. A primary that refuses (e.g. closed) leaves the local side
// working; SetPrimary retries with the next primary.
func (f *Fallback) Subscribe(subj string, cb wsnats.MsgHandler) (Subscription, error) {
	ls, err := f.local.Subscribe(subj, cb)
	if err != nil {
		return nil, err
	}
	s := &fallbackSub{f: f, subject: subj, cb: cb, local: ls}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.primary != nil {
		if r, err := f.primary.Subscribe(subj, cb); err == nil {
			s.remote = r
		}
	}
	f.subs[s] = struct{}{}
	return s, nil
}

// fallbackSub is a subscription on both sides of a Fallback.
type fallbackSub struct {
	f       *Fallback
	subject string
	cb      wsnats.MsgHandler
	local   Subscription
	remote  Subscription // guarded by f.mu
}

// Unsubscribe removes both sides.
func (s *fallbackSub) Unsubscribe() error {
	s.f.mu.Lock()
	if _, ok := s.f.subs[s]; !ok {
		s.f.mu.Unlock()
		return fmt.Errorf("failed to unsubscribe from %q: %w", s.subject, wsnats.ErrBadSubscription)
	}
	delete(s.f.subs, s)
	r := s.remote
	s.remote = nil
	s.f.mu.Unlock()
	err := s.local.Unsubscribe()
	if r != nil {
		if rerr := r.Unsubscribe(); rerr != nil && !errors.Is(rerr, wsnats.ErrConnectionClosed) && !errors.Is(rerr, wsnats.ErrBadSubscription) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}
