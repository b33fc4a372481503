package wsnats

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// drainState is one drain of a connection; every Drain call shares it.
type drainState struct {
	done   chan struct{} // closed once the drain ended and the connection is closed
	err    error         // set before done is closed
	cancel context.CancelCauseFunc
}

// Drain drains the connection in the background and returns at once:
// no new subscriptions are accepted (ErrConnectionDraining); every
// subscription is unsubscribed and delivers what the server had already
// sent (handlers may still publish and make requests meanwhile); then new
// publishes are refused (ErrConnectionDraining), everything published is
// flushed to the server and the connection is closed. Status reports
// Draining until then. Options.DrainTimeout bounds it all: past it the
// connection is closed anyway and ErrDrainTimeout goes to the ErrorHandler.
// Requests still waiting at the close fail with ErrConnectionClosed.
// Calling Drain again while draining does nothing.
func (c *Conn) Drain() error {
	_, err := c.startDrain()
	return err
}

// DrainContext drains the connection like Drain and waits until it is
// closed. The drain ends early when ctx ends: the connection is then closed
// anyway and the error wraps ErrDrainTimeout (deadline, or
// Options.DrainTimeout) or ctx's cause.
func (c *Conn) DrainContext(ctx context.Context) error {
	d, err := c.startDrain()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			d.cancel(ErrDrainTimeout)
		} else {
			d.cancel(context.Cause(ctx))
		}
	})
	defer stop()
	<-d.done
	return d.err
}

// IsDraining reports whether the connection is draining.
func (c *Conn) IsDraining() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining && c.status != Closed
}

func (c *Conn) startDrain() (*drainState, error) {
	if c == nil {
		return nil, ErrInvalidConnection
	}
	c.mu.Lock()
	if c.status == Closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("failed to drain: %w", ErrConnectionClosed)
	}
	if d := c.drain; d != nil {
		c.mu.Unlock()
		return d, nil
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	d := &drainState{done: make(chan struct{}), cancel: cancel}
	c.drain = d
	c.draining = true
	c.mu.Unlock()
	c.emit(Event{Type: EventDraining}, nil)
	go c.runDrain(ctx, d)
	return d, nil
}

// runDrain drains subscriptions, then publishes, then closes.
func (c *Conn) runDrain(ctx context.Context, d *drainState) {
	defer d.cancel(nil)
	if t := c.opts.DrainTimeout; t > 0 {
		timer := time.AfterFunc(t, func() { d.cancel(ErrDrainTimeout) })
		defer timer.Stop()
	}
	// A Close meanwhile ends the drain.
	go func() {
		select {
		case <-c.closedCh:
			d.cancel(ErrConnectionClosed)
		case <-ctx.Done():
		}
	}()

	// 1. Subscriptions (not the request inbox: handlers may still make
	// requests). Publishing is still allowed so that handlers can reply.
	err := c.drainSubs(ctx, c.userSubs())
	// 2. Publishes: refuse new ones and wait until the server has the rest.
	c.mu.Lock()
	c.drainPubs = true
	c.mu.Unlock()
	if err == nil {
		err = c.Flush(ctx)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = cause
		}
		err = fmt.Errorf("failed to drain: %w", err)
		if !errors.Is(err, ErrConnectionClosed) {
			c.reportAsync(nil, err, EventError)
		}
	}
	d.err = err
	if errors.Is(err, ErrDrainTimeout) {
		c.closeWith(err)
	} else {
		c.closeWith(nil)
	}
	close(d.done)
}

// userSubs returns the live subscriptions except the request inbox.
func (c *Conn) userSubs() []*Subscription {
	c.respMu.Lock()
	var inbox *Subscription
	if c.resp != nil {
		inbox = c.resp.sub
	}
	c.respMu.Unlock()
	c.subsMu.RLock()
	defer c.subsMu.RUnlock()
	out := make([]*Subscription, 0, len(c.subs))
	for _, s := range c.subs {
		if s != inbox {
			out = append(out, s)
		}
	}
	return out
}

// drainSubs unsubscribes subs, waits until the server has processed the
// UNSUBs (messages sent before them still arrive and are queued), then lets
// every subscription deliver its pending messages and waits until they all
// have. Subscriptions another drain already started are only waited for.
func (c *Conn) drainSubs(ctx context.Context, subs []*Subscription) error {
	var started []*Subscription
	c.mu.Lock()
	if c.status == Closed {
		c.mu.Unlock()
		return ErrConnectionClosed
	}
	for _, s := range subs {
		s.mu.Lock()
		start := !s.draining && !s.closed
		s.draining = true
		s.mu.Unlock()
		if !start {
			continue
		}
		started = append(started, s)
		// While disconnected there is nothing to send: the reconnect does
		// not subscribe draining subscriptions again.
		if c.link != nil {
			c.out.cur = appendUnsub(c.out.cur, s.sid, 0)
		}
	}
	c.mu.Unlock()
	c.kick()
	err := c.syncLink(ctx)
	// Nothing more arrives for them now (or the drain gave up waiting).
	for _, s := range started {
		c.removeSub(s)
		s.finish(ErrBadSubscription, true)
	}
	if err != nil {
		return err
	}
	for _, s := range subs {
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// syncLink waits until the server has processed everything written so far
// on the current link (one PING/PONG). With no link, or when the link is
// lost after the PING went out or the connection is closed, there is
// nothing to wait for: nothing more will arrive from that link. (A PING not
// yet written when the link is lost goes out on the next link.)
func (c *Conn) syncLink(ctx context.Context) error {
	c.mu.Lock()
	if c.link == nil || c.status == Closed {
		c.mu.Unlock()
		return nil
	}
	ch := make(chan error, 1)
	c.pingQueue = append(c.pingQueue, ch)
	c.mu.Unlock()
	c.kick()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
