package wsnats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Version is the client version sent to the server in CONNECT.
const Version = "0.1.0"

// lang is the client language sent in CONNECT.
const lang = "go-wsnats"

// Conn is a connection to a NATS server (or cluster). It is safe for
// concurrent use. Publish never blocks on the network: bytes go to an
// outbound buffer that a writer goroutine sends in bursts.
type Conn struct {
	opts Options
	log  Log
	dial dialer

	mu        sync.Mutex
	status    Status
	pool      *serverPool
	cur       *server
	link      *link
	info      ServerInfo
	lastErr   error
	out       outbound      // bytes to write, in order (kept across reconnects)
	pingQueue []chan error  // PINGs requested but not yet written (nil = keepalive)
	connected chan struct{} // closed when Connected; replaced on disconnect
	closedCh  chan struct{} // closed when Closed
	wake      chan struct{} // wakes the writer
	reconnect chan struct{} // cuts a reconnect wait short
	wmu       sync.Mutex    // held by the writer while it writes a burst
	life      lifecycle     // platform watchers (browser online/visibility); nil natively
	draining  bool          // Drain started: no new subscriptions
	drainPubs bool          // Drain past its subscriptions: no new publishes
	drain     *drainState
	losses    uint64 // links lost with publishes the server had not confirmed
	lost      Loss   // what the latest of them may have lost

	subsMu  sync.RWMutex
	subs    map[uint64]*Subscription
	nextSID uint64

	respMu sync.Mutex
	resp   *respMux

	events *dispatcher
	stats  statCounters

	statusMu    sync.Mutex
	statusChans map[<-chan Status]func() // StatusChanged channels and their removers
}

// Connect connects to the server(s) in url (comma-separated) with opts.
func Connect(url string, opts ...Option) (*Conn, error) {
	o := GetDefaultOptions()
	o.URL = url
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("failed to apply option: %w", err)
		}
	}
	return o.Connect()
}

// Connect connects using the options.
func (o Options) Connect() (*Conn, error) {
	return o.connect(context.Background(), dialTransport)
}

func (o Options) connect(ctx context.Context, d dialer) (*Conn, error) {
	if o.Timeout <= 0 {
		return nil, fmt.Errorf("failed to connect: %w: Timeout must be positive", ErrBadTimeout)
	}
	if o.InboxPrefix == "" {
		o.InboxPrefix = DefaultInboxPrefix
	}
	pool, err := newServerPool(o.URL, o.Servers, !o.DontRandomize)
	if err != nil {
		return nil, fmt.Errorf("failed to connect: %w", err)
	}
	c := &Conn{
		opts:      o,
		log:       o.Logger,
		dial:      d,
		status:    Connecting,
		pool:      pool,
		connected: make(chan struct{}),
		closedCh:  make(chan struct{}),
		wake:      make(chan struct{}, 1),
		reconnect: make(chan struct{}, 1),
		subs:      map[uint64]*Subscription{},
		events:    newDispatcher(),
	}
	c.out.keep = freeBlocksFor(o.OutboundLimit)
	if c.log == nil {
		c.log = nopLog{}
	}
	var lastErr error
	for range len(pool.list) {
		s := pool.list[0]
		if lastErr = c.connectTo(ctx, s, false); lastErr == nil {
			break
		}
		pool.rotate()
	}
	if lastErr != nil {
		c.mu.Lock()
		c.status = Closed
		close(c.closedCh)
		c.mu.Unlock()
		c.events.stop()
		if errors.Is(lastErr, ErrAuthorization) || errors.Is(lastErr, ErrAuthExpired) || errors.Is(lastErr, ErrBadURL) || errors.Is(lastErr, ErrBadCredentials) {
			return nil, lastErr
		}
		return nil, fmt.Errorf("%w: %w", ErrNoServers, lastErr)
	}
	go c.writeLoop()
	go c.pingLoop()
	if life := startLifecycle(c); life != nil {
		c.mu.Lock()
		closed := c.status == Closed
		if !closed {
			c.life = life
		}
		c.mu.Unlock()
		if closed {
			life.stop()
		}
	}
	return c, nil
}

// connectTo dials s, performs the handshake and makes it the live link,
// then queues the Connected (or, when reconnect, the Reconnected) event.
func (c *Conn) connectTo(ctx context.Context, s *server, reconnect bool) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	l, err := c.handshake(ctx, s)
	if err != nil {
		s.attempts++
		c.log.Debug("wsnats: connect failed", "server", redactURL(s.url), "err", err)
		return err
	}
	s.attempts = 0
	s.authFailures = 0
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status == Closed {
		l.t.close()
		return ErrConnectionClosed
	}
	select {
	case <-l.done:
		// The link ended between its PONG and now: its reader found it
		// not live and reported nothing, so it must not become live.
		if l.err != nil {
			return l.err
		}
		return errLinkLost
	default:
	}
	c.cur = s
	c.link = l
	c.status = Connected
	c.lastErr = nil
	// Subscriptions first, then whatever was buffered while away.
	c.out.prepend(block{b: c.appendResubscribe(nil)})
	close(c.connected)
	c.kick()
	c.log.Debug("wsnats: connected", "server", redactURL(s.url), "server_id", c.info.ServerID)
	// Queued under c.mu, so a loss of this link is always reported after it.
	if reconnect {
		c.stats.reconnects.Add(1)
		c.emit(Event{Type: EventReconnected}, c.opts.ReconnectHandler)
	} else {
		c.emit(Event{Type: EventConnected}, c.opts.ConnectedHandler)
	}
	return nil
}

// handshake dials s, waits for INFO, sends CONNECT and PING in one write,
// and waits for PONG (or -ERR).
func (c *Conn) handshake(ctx context.Context, s *server) (*link, error) {
	t, err := c.dial(ctx, s.url, &c.opts)
	if err != nil {
		return nil, err
	}
	l := newLink(c, t, s)
	stop := context.AfterFunc(ctx, func() { t.close() })
	defer stop()
	fail := func(err error) (*link, error) {
		t.close()
		<-l.done
		if l.err != nil && isServerErr(l.err) {
			return nil, l.err
		}
		return nil, err
	}
	// INFO is read here, before the reader starts, so that a TLS upgrade
	// can take over the stream.
	for !l.infoSeen {
		b, err := t.next()
		if err == nil {
			err = l.p.parse(b, l)
		}
		if err != nil {
			t.close()
			// An INFO that could not be used closed the transport: its
			// reason, not the read error that followed, is the cause.
			l.mu.Lock()
			cause := l.err
			l.mu.Unlock()
			switch {
			case cause != nil:
				return nil, fmt.Errorf("failed to connect to %s: %w", redactURL(s.url), cause)
			case ctx.Err() != nil:
				err = ErrTimeout
			}
			return nil, fmt.Errorf("failed to connect to %s: no INFO from server: %w", redactURL(s.url), err)
		}
	}
	if err := c.upgradeIfTLS(ctx, l); err != nil {
		t.close()
		return nil, err
	}
	go l.readLoop()
	cmd, err := c.connectCommand(l)
	if err != nil {
		return fail(err)
	}
	pong := make(chan error, 1)
	l.addPong(pong)
	cmd = append(cmd, pingCmd...)
	if _, err := t.write(cmd); err != nil {
		// The server may have answered -ERR and closed: prefer its reason.
		select {
		case <-l.done:
		case <-ctx.Done():
		}
		return fail(fmt.Errorf("failed to send CONNECT to %s: %w", redactURL(s.url), err))
	}
	select {
	case err := <-pong:
		if err != nil {
			return fail(err)
		}
	case <-l.done:
		return fail(fmt.Errorf("failed to connect to %s: connection closed during handshake: %w", redactURL(s.url), l.err))
	case <-ctx.Done():
		return fail(fmt.Errorf("failed to connect to %s: no PONG from server: %w", redactURL(s.url), ErrTimeout))
	}
	return l, nil
}

// connectCommand builds CONNECT for link l from the options and the INFO.
func (c *Conn) connectCommand(l *link) ([]byte, error) {
	c.mu.Lock()
	info := c.info
	c.mu.Unlock()
	ci := &connectInfo{
		Verbose:      c.opts.Verbose,
		Pedantic:     c.opts.Pedantic,
		TLSRequired:  l.server.url.Scheme == "tls" || l.server.url.Scheme == "wss",
		Name:         c.opts.Name,
		Lang:         lang,
		Version:      Version,
		Protocol:     1,
		Echo:         !c.opts.NoEcho,
		Headers:      true,
		NoResponders: info.Headers,
	}
	if err := c.addAuth(ci, l.server.url, &info); err != nil {
		return nil, err
	}
	b, err := appendConnect(nil, ci)
	if err != nil {
		return nil, fmt.Errorf("failed to encode CONNECT: %w", err)
	}
	return b, nil
}

// kick wakes the writer. Safe to call with or without c.mu held.
func (c *Conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// emit queues an event for the listeners and the matching Options handler.
func (c *Conn) emit(ev Event, handler ConnHandler) {
	c.events.post(func() {
		if handler != nil {
			runGuarded(func() { handler(c) })
		}
		for _, fn := range c.events.listeners() {
			runGuarded(func() { fn(ev) })
		}
	})
}

// reportAsync delivers an asynchronous error to the ErrorHandler and the
// event listeners.
func (c *Conn) reportAsync(sub *Subscription, err error, typ EventType) {
	c.log.Debug("wsnats: async error", "err", err)
	cb := c.opts.ErrorHandler
	c.events.post(func() {
		if cb != nil {
			runGuarded(func() { cb(c, sub, err) })
		}
		for _, fn := range c.events.listeners() {
			runGuarded(func() { fn(Event{Type: typ, Err: err, Sub: sub}) })
		}
	})
}

// OnEvent registers fn for every connection event; call the returned
// function to remove it. fn runs on the connection's event goroutine.
func (c *Conn) OnEvent(fn func(Event)) (remove func()) {
	if c == nil || fn == nil {
		return func() {}
	}
	return c.events.add(fn)
}

// Close closes the connection: subscriptions end, pending requests fail with
// ErrConnectionClosed and the ClosedHandler runs once. Buffered publishes
// that were not written are dropped; call Flush or Drain first to keep them.
func (c *Conn) Close() {
	if c == nil {
		return
	}
	c.closeWith(nil)
}

func (c *Conn) closeWith(cause error) {
	c.mu.Lock()
	if c.status == Closed {
		c.mu.Unlock()
		return
	}
	c.status = Closed
	if cause != nil {
		c.lastErr = cause
	}
	l := c.link
	c.link = nil
	for _, ch := range c.pingQueue {
		if ch != nil {
			ch <- ErrConnectionClosed
		}
	}
	c.pingQueue = nil
	close(c.closedCh)
	life := c.life
	c.life = nil
	c.mu.Unlock()
	if life != nil {
		life.stop()
	}
	var unsent Loss
	if l != nil {
		unsent = c.writeRest(l)
		l.flushAndClose()
		// Like a lost connection, a closed one was disconnected first; the
		// DisconnectErrHandler gets nil when the user asked for it.
		c.emitDisconnected(cause, Loss{})
	}
	c.mu.Lock()
	dropped := c.out.reset()
	c.mu.Unlock()
	unsent.Msgs += dropped.Msgs
	unsent.Bytes += dropped.Bytes
	if !unsent.IsZero() {
		c.log.Info("wsnats: closed with publishes not written", "unsent", unsent.String())
	}
	c.subsMu.Lock()
	subs := c.subs
	c.subs = map[uint64]*Subscription{}
	c.subsMu.Unlock()
	for _, s := range subs {
		s.finish(ErrConnectionClosed, false)
	}
	c.respMu.Lock()
	if c.resp != nil {
		c.resp.closeAll()
	}
	c.respMu.Unlock()
	c.kick()
	c.emit(Event{Type: EventClosed, Err: cause, Unsent: unsent}, c.opts.ClosedHandler)
	c.events.stop()
}

// writeRest writes what is still queued to l before Close closes it, then
// waits for the server to confirm it (closing a socket with unread input
// resets it, and the server drops what it had not read yet), all within
// Options.FlusherTimeout. It returns what it could not write. The writer
// has stopped taking blocks (the connection is closed); a burst of its in
// flight ends first.
func (c *Conn) writeRest(l *link) (unsent Loss) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	l.mu.Lock()
	again, _ := l.sent.settle(0) // what a burst cut short by Close did not hand over
	l.mu.Unlock()
	c.mu.Lock()
	c.out.prepend(again...)
	if c.out.len() == 0 {
		c.mu.Unlock()
		return Loss{}
	}
	c.out.cur = append(c.out.room(len(pingCmd)), pingCmd...)
	blocks := c.out.take()
	c.mu.Unlock()
	pong := make(chan error, 1)
	l.addPong(pong)
	var deadline <-chan time.Time
	if d := c.opts.FlusherTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		deadline = t.C
		go func() {
			select {
			case <-t.C:
				l.t.close()
			case <-l.done:
			}
		}()
	}
	max := l.t.maxWrite()
	for i, b := range blocks {
		for done := 0; done < len(b.b); {
			n := len(b.b) - done
			if max > 0 && n > max {
				n = max
			}
			w, err := l.t.write(b.b[done : done+n])
			done += w
			if err != nil {
				off, before := commandStart(b.b, done)
				unsent = Loss{Msgs: b.msgs - before, Bytes: len(b.b) - off}
				for _, rest := range blocks[i+1:] {
					unsent.Msgs += rest.msgs
					unsent.Bytes += len(rest.b)
				}
				if unsent.Bytes >= len(pingCmd) {
					unsent.Bytes -= len(pingCmd) // the PING is not the user's
				}
				return unsent
			}
		}
	}
	select {
	case <-pong:
	case <-l.done:
	case <-deadline:
	}
	return Loss{}
}

// Closed returns a channel closed once the connection is closed for good.
func (c *Conn) Closed() <-chan struct{} { return c.closedCh }

// LastError returns the error that caused the last disconnect or close.
func (c *Conn) LastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// IsConnected reports whether the connection is up.
func (c *Conn) IsConnected() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status == Connected || c.status == Draining
}

// IsClosed reports whether the connection is closed for good.
func (c *Conn) IsClosed() bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status == Closed
}

// IsReconnecting reports whether the connection is trying to reconnect.
func (c *Conn) IsReconnecting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status == Reconnecting
}

// Status returns the connection's state. A connected connection that is
// draining reports Draining.
func (c *Conn) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.draining && c.status == Connected {
		return Draining
	}
	return c.status
}

// ReadyState reads the live state of the underlying socket (0 CONNECTING,
// 1 OPEN, 2 CLOSING, 3 CLOSED); 3 when there is no socket.
func (c *Conn) ReadyState() int {
	if c == nil {
		return StateClosed
	}
	c.mu.Lock()
	l := c.link
	c.mu.Unlock()
	if l == nil {
		return StateClosed
	}
	return l.t.readyState()
}

// ConnectedURL returns the URL of the current server without credentials,
// or "" when disconnected.
func (c *Conn) ConnectedURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link == nil || c.cur == nil {
		return ""
	}
	return redactURL(c.cur.url)
}

// ConnectedServerID returns the id of the current server.
func (c *Conn) ConnectedServerID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info.ServerID
}

// ServerInfo returns the latest INFO of the current server.
func (c *Conn) ServerInfo() ServerInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.info
	info.ConnectURLs = append([]string(nil), info.ConnectURLs...)
	info.WSConnectURLs = append([]string(nil), info.WSConnectURLs...)
	info.Nonce = ""
	return info
}

// MaxPayload returns the largest payload (headers included) the server accepts.
func (c *Conn) MaxPayload() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info.MaxPayload
}

// HeadersSupported reports whether the server accepts message headers.
func (c *Conn) HeadersSupported() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info.Headers
}

// Servers returns the URLs of the server pool (without credentials).
func (c *Conn) Servers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pool.urls(false)
}

// DiscoveredServers returns the URLs the cluster announced.
func (c *Conn) DiscoveredServers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pool.urls(true)
}

// NewInbox returns a unique inbox subject under the connection's prefix.
func (c *Conn) NewInbox() string {
	prefix := DefaultInboxPrefix
	if c != nil && c.opts.InboxPrefix != "" {
		prefix = c.opts.InboxPrefix
	}
	return prefix + "." + ids.next()
}

// NewInbox returns a unique inbox subject under "_INBOX".
func NewInbox() string { return DefaultInboxPrefix + "." + ids.next() }

// Opts returns a copy of the options the connection was made with.
func (c *Conn) Opts() Options { return c.opts }

// statCounters are updated atomically on the hot paths.
type statCounters struct {
	inMsgs, outMsgs, inBytes, outBytes, reconnects atomic.Uint64
}

// Statistics counts the traffic of a connection.
type Statistics struct {
	InMsgs, OutMsgs, InBytes, OutBytes, Reconnects uint64
}

// Stats returns the connection's counters (payload bytes, like nats.go).
func (c *Conn) Stats() Statistics {
	return Statistics{
		InMsgs:     c.stats.inMsgs.Load(),
		OutMsgs:    c.stats.outMsgs.Load(),
		InBytes:    c.stats.inBytes.Load(),
		OutBytes:   c.stats.outBytes.Load(),
		Reconnects: c.stats.reconnects.Load(),
	}
}

func isServerErr(err error) bool {
	var se *ServerError
	return errors.As(err, &se)
}
