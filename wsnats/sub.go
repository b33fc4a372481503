package wsnats

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

type subKind int

const (
	subAsync subKind = iota // callback
	subChan                 // user channel
	subSync                 // NextMsg
)

// Subscription is interest in a subject. Messages wait in a bounded pending
// queue (see SetPendingLimits); past the limits they are dropped, counted
// (Dropped) and reported once per episode as ErrSlowConsumer.
type Subscription struct {
	// Subject is the subject (possibly with wildcards) subscribed to.
	Subject string
	// Queue is the queue group, or "".
	Queue string

	conn    *Conn
	sid     uint64
	kind    subKind
	cb      MsgHandler
	ch      chan *Msg
	literal bool

	mu           sync.Mutex
	queue        []*Msg
	head         int
	pendingBytes int
	limitMsgs    int
	limitBytes   int
	dropped      int
	slow         bool
	received     uint64 // messages that came from the server
	max          uint64 // auto-unsubscribe limit (0 = none)
	closed       bool   // no more messages will be queued
	closeErr     error
	signal       chan struct{}
	stop         chan struct{} // closed when pending messages are discarded
	done         chan struct{} // closed when the last message was handed over
	draining     bool

	delivered atomic.Uint64
}

// Subscribe calls cb for each message on subj, one at a time, in order.
func (c *Conn) Subscribe(subj string, cb MsgHandler) (*Subscription, error) {
	if cb == nil {
		return nil, fmt.Errorf("failed to subscribe to %q: %w: nil handler", subj, ErrBadSubscription)
	}
	return c.subscribe(subj, "", subAsync, cb, nil)
}

// QueueSubscribe is Subscribe within queue group queue: each message goes
// to one member of the group.
func (c *Conn) QueueSubscribe(subj, queue string, cb MsgHandler) (*Subscription, error) {
	if cb == nil {
		return nil, fmt.Errorf("failed to subscribe to %q: %w: nil handler", subj, ErrBadSubscription)
	}
	if err := checkQueue(queue); err != nil {
		return nil, subjectError("subscribe to", subj, err)
	}
	return c.subscribe(subj, queue, subAsync, cb, nil)
}

// ChanSubscribe sends each message on subj to ch. When ch is full, messages
// wait in the pending queue (and are dropped past its limits).
func (c *Conn) ChanSubscribe(subj string, ch chan *Msg) (*Subscription, error) {
	return c.ChanQueueSubscribe(subj, "", ch)
}

// ChanQueueSubscribe is ChanSubscribe within a queue group ("" for none).
func (c *Conn) ChanQueueSubscribe(subj, queue string, ch chan *Msg) (*Subscription, error) {
	if ch == nil {
		return nil, fmt.Errorf("failed to subscribe to %q: %w: nil channel", subj, ErrBadSubscription)
	}
	if queue != "" {
		if err := checkQueue(queue); err != nil {
			return nil, subjectError("subscribe to", subj, err)
		}
	}
	return c.subscribe(subj, queue, subChan, nil, ch)
}

// SubscribeSync subscribes to subj; read messages with NextMsg.
func (c *Conn) SubscribeSync(subj string) (*Subscription, error) {
	return c.subscribe(subj, "", subSync, nil, nil)
}

// QueueSubscribeSync is SubscribeSync within a queue group.
func (c *Conn) QueueSubscribeSync(subj, queue string) (*Subscription, error) {
	if err := checkQueue(queue); err != nil {
		return nil, subjectError("subscribe to", subj, err)
	}
	return c.subscribe(subj, queue, subSync, nil, nil)
}

func (c *Conn) subscribe(subj, queue string, kind subKind, cb MsgHandler, ch chan *Msg) (*Subscription, error) {
	return c.addSub(subj, queue, kind, cb, ch, false)
}

// addSub registers a subscription; internal ones (the request inbox) are
// allowed while the connection drains its subscriptions, so that message
// handlers can still make requests.
func (c *Conn) addSub(subj, queue string, kind subKind, cb MsgHandler, ch chan *Msg, internal bool) (*Subscription, error) {
	if c == nil {
		return nil, ErrInvalidConnection
	}
	if err := checkSubject(subj, false); err != nil {
		return nil, subjectError("subscribe to", subj, err)
	}
	s := &Subscription{
		Subject:    subj,
		Queue:      queue,
		conn:       c,
		kind:       kind,
		cb:         cb,
		ch:         ch,
		literal:    !strings.ContainsAny(subj, "*>"),
		limitMsgs:  c.opts.SubPendingMsgsLimit,
		limitBytes: c.opts.SubPendingBytesLimit,
		signal:     make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.mu.Lock()
	switch {
	case c.status == Closed:
		c.mu.Unlock()
		return nil, subjectError("subscribe to", subj, ErrConnectionClosed)
	case c.draining && !(internal && !c.drainPubs):
		c.mu.Unlock()
		return nil, subjectError("subscribe to", subj, ErrConnectionDraining)
	}
	c.subsMu.Lock()
	c.nextSID++
	s.sid = c.nextSID
	c.subs[s.sid] = s
	c.subsMu.Unlock()
	if c.link != nil {
		// While disconnected, the reconnect sends every live subscription.
		c.out.cur = appendSub(c.out.cur, subj, queue, s.sid)
		c.kick()
	}
	c.mu.Unlock()
	if kind != subSync {
		go s.deliverLoop()
	}
	return s, nil
}

// appendResubscribe appends SUB (and UNSUB for auto-unsubscribe limits)
// for every live subscription. c.mu is held.
func (c *Conn) appendResubscribe(b []byte) []byte {
	c.subsMu.RLock()
	defer c.subsMu.RUnlock()
	for sid := uint64(1); sid <= c.nextSID; sid++ {
		s := c.subs[sid]
		if s == nil {
			continue
		}
		s.mu.Lock()
		max, got, draining := s.max, s.received, s.draining
		s.mu.Unlock()
		if draining {
			// Its UNSUB is sent or pending: the new server need not know it.
			continue
		}
		b = appendSub(b, s.Subject, s.Queue, sid)
		if max > 0 {
			b = appendUnsub(b, sid, int(max-got))
		}
	}
	return b
}

// removeSub forgets s; it reports whether s was still registered.
func (c *Conn) removeSub(s *Subscription) bool {
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	if c.subs[s.sid] != s {
		return false
	}
	delete(c.subs, s.sid)
	return true
}

// subjectFor returns the subject of a received message, reusing the
// subscription's string when it cannot differ.
func (s *Subscription) subjectFor(subject []byte) string {
	if s.literal && string(subject) == s.Subject {
		return s.Subject
	}
	return string(subject)
}

// receive queues m (reader goroutine).
func (s *Subscription) receive(m *Msg) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.received++
	if s.max > 0 && s.received > s.max {
		s.mu.Unlock()
		return
	}
	n := len(s.queue) - s.head
	if (s.limitMsgs > 0 && n >= s.limitMsgs) || (s.limitBytes > 0 && s.pendingBytes+m.size() > s.limitBytes) {
		s.dropped++
		report := !s.slow
		s.slow = true
		s.mu.Unlock()
		if report {
			s.conn.reportAsync(s, fmt.Errorf("%w on %q", ErrSlowConsumer, s.Subject), EventSlowConsumer)
		}
		return
	}
	s.queue = append(s.queue, m)
	s.pendingBytes += m.size()
	last := s.max > 0 && s.received >= s.max
	s.mu.Unlock()
	s.wake()
	if last {
		s.conn.removeSub(s)
		s.finish(ErrMaxMessages, true)
	}
}

func (s *Subscription) wake() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// pop takes the oldest pending message. s.mu is held.
func (s *Subscription) pop() *Msg {
	if s.head == len(s.queue) {
		return nil
	}
	m := s.queue[s.head]
	s.queue[s.head] = nil
	s.head++
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
		s.slow = false
	}
	s.pendingBytes -= m.size()
	return m
}

// finish stops queueing; keep says whether pending messages are still
// delivered (auto-unsubscribe, drain) or dropped (Unsubscribe, Close).
func (s *Subscription) finish(err error, keep bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.closeErr = err
	if !keep {
		clear(s.queue)
		s.queue, s.head, s.pendingBytes = nil, 0, 0
		close(s.stop)
	}
	sync := s.kind == subSync
	empty := s.head == len(s.queue)
	s.mu.Unlock()
	if sync && (empty || !keep) {
		s.closeDoneOnce()
	}
	s.wake()
}

// deliverLoop hands messages to the callback or channel, in order.
func (s *Subscription) deliverLoop() {
	defer close(s.done)
	for {
		s.mu.Lock()
		m := s.pop()
		closed := s.closed
		s.mu.Unlock()
		if m == nil {
			if closed {
				return
			}
			<-s.signal
			continue
		}
		if s.kind == subChan {
			select {
			case s.ch <- m:
			case <-s.stop:
				return
			}
		} else {
			s.call(m)
		}
		s.delivered.Add(1)
	}
}

// call runs the user's handler; a panic is reported, not fatal.
func (s *Subscription) call(m *Msg) {
	defer func() {
		if r := recover(); r != nil {
			s.conn.reportAsync(s, fmt.Errorf("wsnats: message handler for %q panicked: %v", s.Subject, r), EventError)
		}
	}()
	s.cb(m)
}

// NextMsg returns the next message of a SubscribeSync subscription,
// waiting until one arrives or ctx ends (ErrTimeout on deadline).
func (s *Subscription) NextMsg(ctx context.Context) (*Msg, error) {
	msgs, err := s.nextMsgs(ctx, 1, nil)
	if err != nil {
		return nil, err
	}
	return msgs[0], nil
}

// NextMsgs waits like NextMsg, then returns up to max messages that are
// pending (at least one). Batching saves crossings in the browser.
func (s *Subscription) NextMsgs(ctx context.Context, max int) ([]*Msg, error) {
	if max <= 0 {
		max = 1
	}
	return s.nextMsgs(ctx, max, make([]*Msg, 0, min(max, 64)))
}

func (s *Subscription) nextMsgs(ctx context.Context, max int, out []*Msg) ([]*Msg, error) {
	if s == nil || s.conn == nil {
		return nil, ErrBadSubscription
	}
	if s.kind != subSync {
		return nil, ErrSyncSubRequired
	}
	for {
		s.mu.Lock()
		for len(out) < max {
			m := s.pop()
			if m == nil {
				break
			}
			out = append(out, m)
		}
		closed, err := s.closed, s.closeErr
		empty := s.head == len(s.queue)
		s.mu.Unlock()
		if len(out) > 0 {
			s.delivered.Add(uint64(len(out)))
			if closed && empty {
				s.closeDoneOnce()
			}
			return out, nil
		}
		if closed {
			s.closeDoneOnce()
			if err == nil {
				err = ErrBadSubscription
			}
			return nil, err
		}
		select {
		case <-s.signal:
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return nil, ErrTimeout
			}
			return nil, ctx.Err()
		}
	}
}

func (s *Subscription) closeDoneOnce() {
	select {
	case <-s.done:
	default:
		s.mu.Lock()
		select {
		case <-s.done:
		default:
			close(s.done)
		}
		s.mu.Unlock()
	}
}
