package wsnats

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// errLameDuck is the cause of leaving a server in lame duck mode.
var errLameDuck = errors.New("wsnats: server entered lame duck mode")

// linkLost handles the end of link l: on the live link it starts a
// reconnect (or closes the connection when that is not allowed).
func (c *Conn) linkLost(l *link, err error) {
	c.mu.Lock()
	if c.link != l || c.status == Closed {
		c.mu.Unlock()
		return
	}
	c.link = nil
	c.lastErr = err
	c.connected = make(chan struct{})
	allow := c.opts.AllowReconnect && c.opts.MaxReconnects != 0
	if allow {
		c.status = Reconnecting
	}
	c.mu.Unlock()
	c.log.Info("wsnats: disconnected", "server", redactURL(l.server.url), "err", err)
	if !allow {
		c.emitDisconnected(err)
		c.closeWith(err)
		return
	}
	c.emitDisconnected(err)
	go c.reconnectLoop(l.server)
}

func (c *Conn) emitDisconnected(err error) {
	h := c.opts.DisconnectErrHandler
	var ch ConnHandler
	if h != nil {
		ch = func(nc *Conn) { h(nc, err) }
	}
	c.emit(Event{Type: EventDisconnected, Err: err}, ch)
}

// reconnectLoop tries the pool's servers with backoff until one accepts,
// the attempts run out, or the connection is closed.
func (c *Conn) reconnectLoop(lost *server) {
	c.mu.Lock()
	if c.pool.list[0] == lost {
		c.pool.rotate()
	}
	c.mu.Unlock()
	var lastErr error
	for attempt := 1; ; attempt++ {
		c.mu.Lock()
		if c.status == Closed {
			c.mu.Unlock()
			return
		}
		max := c.opts.MaxReconnects
		if (max >= 0 && attempt > max) || len(c.pool.list) == 0 {
			if lastErr == nil {
				lastErr = c.lastErr
			}
			c.mu.Unlock()
			c.closeWith(lastErr)
			return
		}
		s := c.pool.list[0]
		c.mu.Unlock()

		var delay time.Duration
		if attempt > 1 || s == lost {
			delay = c.backoff(attempt)
		}
		c.emit(Event{Type: EventReconnecting, Attempt: attempt, Delay: delay}, nil)
		if !c.sleep(delay) {
			return
		}
		err := c.connectTo(context.Background(), s)
		if err == nil {
			c.stats.reconnects.Add(1)
			c.emit(Event{Type: EventReconnected}, c.opts.ReconnectHandler)
			return
		}
		lastErr = err
		c.mu.Lock()
		c.lastErr = err
		if errors.Is(err, ErrAuthorization) || errors.Is(err, ErrAuthExpired) {
			s.authFailures++
			if s.authFailures >= 2 {
				c.pool.remove(s)
				c.reportAsyncLocked(err)
			}
		}
		if len(c.pool.list) > 0 && c.pool.list[0] == s {
			c.pool.rotate()
		}
		c.mu.Unlock()
	}
}

// reportAsyncLocked reports err without holding c.mu for the handlers.
func (c *Conn) reportAsyncLocked(err error) {
	go c.reportAsync(nil, err, EventError)
}

// backoff returns the delay before reconnect attempt n (1-based).
func (c *Conn) backoff(n int) time.Duration {
	if f := c.opts.CustomReconnectDelay; f != nil {
		return f(n)
	}
	d := c.opts.ReconnectWait
	for i := 1; i < n && d < c.opts.ReconnectMaxWait; i++ {
		d *= 2
	}
	if max := c.opts.ReconnectMaxWait; max > 0 && d > max {
		d = max
	}
	if j := c.opts.ReconnectJitter; j > 0 {
		d += rand.N(j)
	}
	return d
}

// sleep waits d, or less when a reconnect is requested (the page came back
// online); it reports false when the connection was closed meanwhile.
func (c *Conn) sleep(d time.Duration) bool {
	if d <= 0 {
		select {
		case <-c.closedCh:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.reconnect:
	case <-c.closedCh:
		return false
	}
	return true
}

// ReconnectNow cuts a pending reconnect wait short, or, when the connection
// looks up, checks it with a PING within timeout and reconnects at once if
// that fails. Browsers call it when the page comes back online or visible.
func (c *Conn) ReconnectNow(timeout time.Duration) {
	c.mu.Lock()
	status, l := c.status, c.link
	c.mu.Unlock()
	switch status {
	case Reconnecting:
		select {
		case c.reconnect <- struct{}{}:
		default:
		}
	case Connected:
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if _, err := c.roundTrip(ctx); err != nil && errors.Is(err, ErrTimeout) && c.currentLink() == l {
				l.fail(ErrStaleConnection)
				select {
				case c.reconnect <- struct{}{}:
				default:
				}
			}
		}()
	}
}

func (c *Conn) currentLink() *link {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.link
}

// leaveLameDuck moves off a server that announced lame duck mode, after a
// short random delay so a cluster's clients do not all move at once.
func (c *Conn) leaveLameDuck(l *link) {
	c.mu.Lock()
	others := len(c.pool.list) > 1
	c.mu.Unlock()
	if !others {
		return
	}
	select {
	case <-time.After(rand.N(500 * time.Millisecond)):
	case <-c.closedCh:
		return
	}
	if c.currentLink() == l {
		_ = c.Flush(context.Background())
		l.fail(errLameDuck)
	}
}

// pingLoop sends keepalive PINGs and declares the link stale when too
// many go unanswered. Elapsed time is measured on the wall clock, so a
// throttled timer in a background tab does not count as missed PONGs.
func (c *Conn) pingLoop() {
	if c.opts.PingInterval <= 0 {
		return
	}
	tick := time.NewTicker(c.opts.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-c.closedCh:
			return
		}
		c.mu.Lock()
		l := c.link
		if l == nil || c.status == Closed {
			c.mu.Unlock()
			continue
		}
		if c.pingsOut >= c.opts.MaxPingsOutstanding && c.opts.MaxPingsOutstanding > 0 {
			c.mu.Unlock()
			l.fail(ErrStaleConnection)
			continue
		}
		c.pingsOut++
		c.pingQueue = append(c.pingQueue, nil)
		c.mu.Unlock()
		c.kick()
	}
}
