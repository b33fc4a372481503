package wsnats

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// errLameDuck is the cause of leaving a server in lame duck mode.
var errLameDuck = errors.New("wsnats: server entered lame duck mode")

// lameDuckSpread bounds the random delay before leaving a server in lame
// duck mode, so that a cluster's clients do not all move at the same moment.
// nats-server's default grace period (10 s) leaves ample room.
const lameDuckSpread = 500 * time.Millisecond

// lifecycle is what a platform watches on behalf of a connection (in the
// browser: online/offline and page visibility). stop removes it.
type lifecycle interface{ stop() }

// linkLost handles the end of link l: on the live link it starts a
// reconnect (or closes the connection when that is not allowed).
func (c *Conn) linkLost(l *link, err error) {
	lost, ok, allow := c.detach(l, err)
	if !ok {
		return
	}
	c.afterDetach(l, err, allow, lost)
}

// detach makes l no longer the live link: from then on publishes go to the
// reconnect buffer and Flush waits for the next link. Unless the server
// still has to confirm what it got (lame duck), what l certainly never sent
// goes back to the front of the outbound queue (see settleLink). It
// reports what may have been lost, whether l was the live link and whether
// a reconnect may follow.
func (c *Conn) detach(l *link, err error) (lost Loss, ok, allow bool) {
	c.wmu.Lock() // a burst in flight on l ends first
	defer c.wmu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link != l || c.status == Closed {
		return Loss{}, false, false
	}
	l.retired.Store(true)
	c.link = nil
	c.lastErr = err
	c.connected = make(chan struct{})
	allow = c.opts.AllowReconnect && c.opts.MaxReconnects != 0 && !endsConnection(err)
	if allow {
		c.status = Reconnecting
	}
	if err != errLameDuck {
		lost = c.settleLink(l)
	}
	return lost, true, allow
}

// settleLink puts back at the front of the outbound queue what the lost
// link l certainly never sent, ahead of anything published since, and
// counts what it may have lost. Flush calls under way see the loss.
// c.wmu and c.mu are held, and l is no longer the live link.
func (c *Conn) settleLink(l *link) Loss {
	unsent := l.t.unsent()
	l.mu.Lock()
	again, lost := l.sent.settle(unsent)
	l.mu.Unlock()
	l.failPongs() // those of PINGs written after the reader ended
	c.out.prepend(again...)
	if lost.Msgs > 0 {
		c.losses++
		c.lost = lost
	}
	resent := 0
	for _, b := range again {
		resent += b.msgs
	}
	if !lost.IsZero() || resent > 0 {
		c.log.Info("wsnats: connection lost before the server confirmed what was written", "server", redactURL(l.server.url),
			"possibly_lost", lost.String(), "resent_msgs", resent, "socket_unsent_bytes", unsent)
	}
	return lost
}

// afterDetach reports the disconnect of l and reconnects or closes.
func (c *Conn) afterDetach(l *link, err error, allow bool, lost Loss) {
	c.log.Info("wsnats: disconnected", "server", redactURL(l.server.url), "err", err)
	c.emitDisconnected(err, lost)
	if endsConnection(err) {
		c.reportAsync(nil, fmt.Errorf("the server ended the connection with an error the client does not retry: %w", err), EventError)
	}
	if !allow {
		c.closeWith(err)
		return
	}
	go c.reconnectLoop(l.server)
}

func (c *Conn) emitDisconnected(err error, lost Loss) {
	h := c.opts.DisconnectErrHandler
	var ch ConnHandler
	if h != nil {
		ch = func(nc *Conn) { h(nc, err) }
	}
	c.emit(Event{Type: EventDisconnected, Err: err, PossiblyLost: lost}, ch)
}

// reconnectLoop tries the pool's servers with backoff until one accepts,
// the attempts run out, or the connection is closed. The first attempt
// goes at once to another server when there is one; every later attempt
// (and a first one back to the lost server) waits backoff(attempt).
func (c *Conn) reconnectLoop(lost *server) {
	// Close cancels a handshake in progress instead of waiting out Timeout.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.closedCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	c.mu.Lock()
	if len(c.pool.list) > 0 && c.pool.list[0] == lost {
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
		err := c.connectTo(ctx, s, true)
		if err == nil {
			// A request made while this attempt was under way is done.
			select {
			case <-c.reconnect:
			default:
			}
			return
		}
		lastErr = err
		c.mu.Lock()
		if c.status != Closed {
			c.lastErr = err
		}
		if errors.Is(err, ErrAuthorization) || errors.Is(err, ErrAuthExpired) {
			s.authFailures++
			if s.authFailures >= 2 {
				c.pool.remove(s)
				c.reportAsyncLocked(fmt.Errorf("%w (two authorization failures in a row: %s removed from the server pool)", err, redactURL(s.url)))
			}
		}
		if len(c.pool.list) > 0 && c.pool.list[0] == s {
			c.pool.rotate()
		}
		c.mu.Unlock()
	}
}

// reportAsyncLocked reports err while c.mu is held: reportAsync only
// queues the handlers on the event goroutine, and queuing now (not from
// another goroutine) keeps the report ahead of a close that follows.
func (c *Conn) reportAsyncLocked(err error) {
	c.reportAsync(nil, err, EventError)
}

// backoff returns the delay before reconnect attempt n (1-based):
// ReconnectWait doubled per attempt, capped at ReconnectMaxWait, plus up to
// ReconnectJitter; or CustomReconnectDelay(n) when set.
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

// cutWait asks a reconnect loop waiting in its backoff to try at once.
func (c *Conn) cutWait() {
	select {
	case c.reconnect <- struct{}{}:
	default:
	}
}

// ReconnectNow is the fast path for "the network may be back": while
// reconnecting it cuts the pending backoff wait short and tries at once;
// while connected it checks the link with a PING and, when neither the PONG
// nor any other data arrives within timeout (Options.Timeout when <= 0),
// drops the link as stale and reconnects at once. It returns immediately.
// Browsers call it when the page comes back online or becomes visible.
func (c *Conn) ReconnectNow(timeout time.Duration) {
	if c == nil {
		return
	}
	if timeout <= 0 {
		timeout = c.opts.Timeout
	}
	c.mu.Lock()
	status, l := c.status, c.link
	c.mu.Unlock()
	switch {
	case status == Reconnecting:
		c.cutWait()
	case status != Closed && l != nil:
		go c.checkLink(l, timeout)
	}
}

// checkLink sends a PING on the live link l and drops l when it stays
// silent for timeout.
func (c *Conn) checkLink(l *link, timeout time.Duration) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err := c.roundTrip(ctx)
	if err == nil || !errors.Is(err, ErrTimeout) || c.currentLink() != l || l.lastReceived().After(start) {
		return
	}
	c.cutWait() // the reconnect that follows must not wait a backoff
	l.fail(ErrStaleConnection)
}

func (c *Conn) currentLink() *link {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.link
}

// leaveLameDuck moves off a server that announced lame duck mode, after a
// short random delay, without losing a publish: the link stops taking new
// data (it goes to the reconnect buffer), the server confirms with a PONG
// that it processed what was written, then the client leaves for another
// server of the pool.
func (c *Conn) leaveLameDuck(l *link) {
	c.mu.Lock()
	others := len(c.pool.list) > 1
	c.mu.Unlock()
	if !others {
		return // nowhere to go: the server will close the link, then we reconnect
	}
	select {
	case <-time.After(rand.N(lameDuckSpread)):
	case <-c.closedCh:
		return
	case <-l.done:
		return
	}
	_, ok, allow := c.detach(l, errLameDuck)
	if !ok {
		return
	}
	// No burst is in flight on l now (detach waited for it) and no new one
	// starts: l has left the outbound queue. Ask the server to confirm.
	pong := make(chan error, 1)
	c.wmu.Lock()
	l.mu.Lock()
	ping := []block{{b: []byte(pingCmd)}}
	l.sent.take(ping)
	l.pongs = append(l.pongs, pongWait{pong, l.sent.taken, l.sent.takenMsgs})
	l.mu.Unlock()
	n, werr := l.t.write(ping[0].b)
	l.mu.Lock()
	l.sent.wrote(ping, int64(n), l.t.buffered())
	l.mu.Unlock()
	c.wmu.Unlock()
	if werr == nil {
		t := time.NewTimer(c.opts.Timeout)
		select {
		case <-pong:
		case <-l.done:
		case <-c.closedCh:
		case <-t.C:
		}
		t.Stop()
	}
	l.fail(errLameDuck)
	c.wmu.Lock()
	c.mu.Lock()
	var lost Loss
	if c.status != Closed {
		lost = c.settleLink(l)
	}
	closed := c.status == Closed
	c.mu.Unlock()
	c.wmu.Unlock()
	if closed {
		return
	}
	c.afterDetach(l, errLameDuck, allow, lost)
}

// pingLoop sends keepalive PINGs and drops the link when the server stays
// silent too long (see keepalive).
func (c *Conn) pingLoop() {
	if c.opts.PingInterval <= 0 {
		return
	}
	tick := time.NewTicker(c.opts.PingInterval)
	defer tick.Stop()
	k := keepalive{interval: c.opts.PingInterval, maxOut: c.opts.MaxPingsOutstanding}
	for {
		select {
		case <-tick.C:
		case <-c.closedCh:
			return
		}
		c.mu.Lock()
		l := c.link
		c.mu.Unlock()
		if l == nil {
			continue
		}
		now := time.Now()
		if k.link != l {
			k.start(l, now)
		}
		switch k.check(now, l.lastReceived()) {
		case keepalivePing:
			c.mu.Lock()
			if c.link == l {
				c.pingQueue = append(c.pingQueue, nil)
			}
			c.mu.Unlock()
			c.kick()
		case keepaliveStale:
			l.fail(ErrStaleConnection)
		}
	}
}

// keepalive decides at each tick of the ping timer whether to send a PING
// or to declare the link stale. It measures elapsed wall time, not ticks:
// a browser runs the timers of a background tab late (throttling) or not at
// all (a frozen page), and a late tick must not count as missed PONGs.
//
// The link is stale when nothing at all (PONG or other data) came from the
// server for interval*maxOut, and a PING has been unanswered for at least
// one interval. A tick arriving more than 1.5 intervals after the previous
// one means the timers were held back: data that arrived meanwhile may not
// have been read yet, so the measure starts afresh from that tick.
type keepalive struct {
	interval time.Duration
	maxOut   int
	link     *link
	lastTick time.Time // previous tick, zero before the first
	alive    time.Time // the last moment the link was known alive (or the measure restarted)
	pingAt   time.Time // when the oldest unanswered PING was queued; zero when none
}

type keepaliveAction int

const (
	keepaliveWait keepaliveAction = iota
	keepalivePing
	keepaliveStale
)

// start begins measuring link l at now (just connected).
func (k *keepalive) start(l *link, now time.Time) {
	k.link, k.alive, k.pingAt = l, now, time.Time{}
}

// check is called at each tick: now is the time of the tick, lastRecv when
// data last came from the server.
func (k *keepalive) check(now, lastRecv time.Time) keepaliveAction {
	late := !k.lastTick.IsZero() && now.Sub(k.lastTick) > k.interval+k.interval/2
	k.lastTick = now
	if lastRecv.After(k.alive) {
		k.alive = lastRecv
	}
	if !k.pingAt.IsZero() && !lastRecv.Before(k.pingAt) {
		k.pingAt = time.Time{} // the server spoke since the PING
	}
	if late {
		k.alive, k.pingAt = now, now
		return keepalivePing
	}
	if k.pingAt.IsZero() {
		k.pingAt = now
		return keepalivePing
	}
	if k.maxOut > 0 && now.Sub(k.alive) >= k.interval*time.Duration(k.maxOut) && now.Sub(k.pingAt) >= k.interval {
		return keepaliveStale
	}
	return keepaliveWait
}
