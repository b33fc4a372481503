package wsnats

import (
	"context"
	"fmt"
)

// Unsubscribe removes the interest; pending messages are dropped.
func (s *Subscription) Unsubscribe() error {
	if s == nil || s.conn == nil {
		return ErrBadSubscription
	}
	return s.conn.unsubscribe(s, 0)
}

// AutoUnsubscribe ends the subscription after max messages in total; the
// messages up to max are still delivered.
func (s *Subscription) AutoUnsubscribe(max int) error {
	if s == nil || s.conn == nil {
		return ErrBadSubscription
	}
	if max <= 0 {
		return fmt.Errorf("%w: auto-unsubscribe limit must be positive, got %d", ErrBadSubscription, max)
	}
	return s.conn.unsubscribe(s, max)
}

func (c *Conn) unsubscribe(s *Subscription, max int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status == Closed {
		return fmt.Errorf("failed to unsubscribe from %q: %w", s.Subject, ErrConnectionClosed)
	}
	c.subsMu.RLock()
	live := c.subs[s.sid] == s
	c.subsMu.RUnlock()
	if !live {
		return fmt.Errorf("failed to unsubscribe from %q: %w", s.Subject, ErrBadSubscription)
	}
	if max > 0 {
		s.mu.Lock()
		s.max = uint64(max)
		reached := s.received >= s.max
		s.mu.Unlock()
		if !reached {
			if c.link != nil {
				c.out.cur = appendUnsub(c.out.cur, s.sid, max)
				c.kick()
			}
			return nil
		}
	}
	c.removeSub(s)
	if c.link != nil {
		c.out.cur = appendUnsub(c.out.cur, s.sid, 0)
		c.kick()
	}
	s.finish(ErrBadSubscription, false)
	return nil
}

// Drain unsubscribes, waits until the server has stopped sending, then
// delivers every message already pending (including those that were on
// the way) and returns once they have been handed over. When ctx ends first
// it returns ErrTimeout (deadline) or ctx's error; the pending messages are
// still delivered afterwards. Draining a drained subscription again waits
// for the same drain.
func (s *Subscription) Drain(ctx context.Context) error {
	if s == nil || s.conn == nil {
		return ErrBadSubscription
	}
	c := s.conn
	if c.IsClosed() {
		return fmt.Errorf("failed to drain %q: %w", s.Subject, ErrConnectionClosed)
	}
	s.mu.Lock()
	gone := s.closed && !s.draining
	s.mu.Unlock()
	if gone {
		return fmt.Errorf("failed to drain %q: %w", s.Subject, ErrBadSubscription)
	}
	if err := c.drainSubs(ctx, []*Subscription{s}); err != nil {
		if err == context.DeadlineExceeded {
			err = ErrTimeout
		}
		return fmt.Errorf("failed to drain %q: %w", s.Subject, err)
	}
	return nil
}

// IsDraining reports whether Drain is in progress or done.
func (s *Subscription) IsDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// IsValid reports whether the subscription is still active.
func (s *Subscription) IsValid() bool {
	if s == nil || s.conn == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed
}

// Done returns a channel closed once the subscription has ended and every
// message it will deliver was handed over.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Pending returns the messages and bytes waiting to be delivered.
func (s *Subscription) Pending() (msgs, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) - s.head, s.pendingBytes
}

// Dropped returns how many messages were dropped for exceeding the limits.
func (s *Subscription) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Delivered returns how many messages were handed to the handler, channel
// or NextMsg.
func (s *Subscription) Delivered() uint64 { return s.delivered.Load() }

// Received returns how many messages arrived from the server.
func (s *Subscription) Received() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// SetPendingLimits sets the pending limits; a value <= 0 means no limit for
// that measure.
func (s *Subscription) SetPendingLimits(msgs, bytes int) error {
	if s == nil || s.conn == nil {
		return ErrBadSubscription
	}
	if msgs == 0 && bytes == 0 {
		return fmt.Errorf("%w: pending limits cannot both be zero", ErrBadSubscription)
	}
	s.mu.Lock()
	s.limitMsgs, s.limitBytes = msgs, bytes
	s.mu.Unlock()
	return nil
}

// PendingLimits returns the pending limits.
func (s *Subscription) PendingLimits() (msgs, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limitMsgs, s.limitBytes
}
