//go:build !js

package wsnats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
)

// Client semantics that need a specially configured server (or a proxy
// between client and server): server -ERRs, keepalive, headers disabled,
// header bytes on the wire.

// forEachServerTransport runs fn over TCP and WebSocket against s.
func forEachServerTransport(t *testing.T, s *natsserver.Server, fn func(t *testing.T, url string)) {
	for name, url := range transports(t, s) {
		t.Run(name, func(t *testing.T) { fn(t, url) })
	}
}

// asyncErrs collects what the ErrorHandler receives.
type asyncErrs struct {
	ch chan asyncErr
}

type asyncErr struct {
	sub *Subscription
	err error
}

func newAsyncErrs() *asyncErrs { return &asyncErrs{ch: make(chan asyncErr, 64)} }

func (a *asyncErrs) handler() Option {
	return ErrorHandler(func(_ *Conn, sub *Subscription, err error) { a.ch <- asyncErr{sub, err} })
}

func (a *asyncErrs) next(t *testing.T) asyncErr {
	t.Helper()
	select {
	case e := <-a.ch:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no asynchronous error reported")
		return asyncErr{}
	}
}

func TestServerErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		text    string
		kind    error
		fatal   bool
		subject string
		queue   string
		sid     uint64
	}{
		{"Authorization Violation", ErrAuthorization, true, "", "", 0},
		{"User Authentication Revoked", ErrAuthorization, true, "", "", 0},
		{"User Authentication Expired", ErrAuthExpired, true, "", "", 0},
		{"Authentication Timeout", ErrAuthExpired, true, "", "", 0},
		{"Account Authentication Expired", ErrAuthExpired, true, "", "", 0},
		{"Maximum Payload Violation", ErrMaxPayload, true, "", "", 0},
		{"maximum connections exceeded", ErrMaxConnectionsExceeded, true, "", "", 0},
		{"maximum account active connections exceeded", nil, true, "", "", 0},
		{"Stale Connection", ErrStaleConnection, true, "", "", 0},
		{"Slow Consumer", ErrSlowConsumer, true, "", "", 0},
		{"Unknown Protocol Operation", nil, true, "", "", 0},
		{"maximum subscriptions exceeded", ErrMaxSubscriptionsExceeded, false, "", "", 0},
		{"Invalid Subject", ErrBadSubject, false, "", "", 0},
		{"Invalid Publish Subject", ErrBadSubject, false, "", "", 0},
		{`Permissions Violation for Publish to "a.b"`, ErrPermissionViolation, false, "a.b", "", 0},
		{`Permissions Violation for Publish with Reply of "_INBOX.x"`, ErrPermissionViolation, false, "_INBOX.x", "", 0},
		{`Permissions Violation for Subscription to "x.*"`, ErrPermissionViolation, false, "x.*", "", 0},
		{`Permissions Violation for Subscription to "x" using queue "q1"`, ErrPermissionViolation, false, "x", "q1", 0},
		{`Permissions Violation for Subscription to "x" using queue "q1" (sid "12")`, ErrPermissionViolation, false, "x", "q1", 12},
		{`Permissions Violation for Subscription to "x.y" (sid "7")`, ErrPermissionViolation, false, "x.y", "", 7},
		{`Permissions Violation for Subscription to "a.b.c", too many tokens`, ErrPermissionViolation, false, "a.b.c", "", 0},
	} {
		se := newServerError(tc.text)
		if tc.kind != nil {
			require.ErrorIs(t, se, tc.kind, tc.text)
		} else {
			require.Nil(t, se.Unwrap(), tc.text)
		}
		require.Equal(t, tc.fatal, se.fatal(), tc.text)
		require.Equal(t, tc.subject, se.Subject, tc.text)
		require.Equal(t, tc.queue, se.queue, tc.text)
		require.Equal(t, tc.sid, se.sid, tc.text)
		require.Contains(t, se.Error(), tc.text)
	}
}

func TestServerErrAuthorization(t *testing.T) {
	s := startServer(t, func(o *natsserver.Options) { o.Authorization = "s3cret" })
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		var closed atomic.Int32
		start := time.Now()
		nc, err := Connect(url, Token("wrong"), Timeout(5*time.Second), ClosedHandler(func(*Conn) { closed.Add(1) }))
		require.Nil(t, nc)
		require.ErrorIs(t, err, ErrAuthorization)
		require.Contains(t, err.Error(), "Authorization Violation")
		require.NotContains(t, err.Error(), "wrong", "no credentials in errors")
		require.Less(t, time.Since(start), time.Second, "fails fast, not at the timeout")
		require.Zero(t, closed.Load())

		nc = connect(t, url, Token("s3cret"))
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
	})
}

func TestServerErrMaxConnections(t *testing.T) {
	for _, name := range []string{"tcp", "ws"} {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, func(o *natsserver.Options) { o.MaxConn = 1 })
			url := transports(t, s)[name]
			first := connect(t, url)
			start := time.Now()
			nc, err := Connect(url, Timeout(5*time.Second))
			require.Nil(t, nc)
			require.ErrorIs(t, err, ErrMaxConnectionsExceeded)
			require.Contains(t, err.Error(), "maximum connections exceeded")
			require.Less(t, time.Since(start), time.Second)
			require.NoError(t, first.Flush(ctxTimeout(t, 5*time.Second)), "the first one is unaffected")
		})
	}
}

func TestServerErrMaxPayload(t *testing.T) {
	s := startServer(t, func(o *natsserver.Options) { o.MaxPayload = 1024 })
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		nc := connect(t, url)
		require.Equal(t, int64(1024), nc.MaxPayload(), "read from INFO")
		sub, err := nc.SubscribeSync("mp.x")
		require.NoError(t, err)
		require.NoError(t, nc.Publish("mp.x", make([]byte, 1024)))
		err = nc.Publish("mp.x", make([]byte, 1025))
		require.ErrorIs(t, err, ErrMaxPayload)
		require.Contains(t, err.Error(), "1025")
		require.Contains(t, err.Error(), "1024")
		m := NewMsg("mp.x")
		m.Header.Set("K", "v")
		m.Data = make([]byte, 1010) // fits alone, not with its header
		require.ErrorIs(t, nc.PublishMsg(m), ErrMaxPayload)
		_, err = nc.Request(ctxTimeout(t, time.Second), "mp.x", make([]byte, 2000))
		require.ErrorIs(t, err, ErrMaxPayload)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		got, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Len(t, got.Data, 1024)
		require.True(t, nc.IsConnected())

		// The server's own check: with the client's check out of the way,
		// the server's -ERR closes the connection with ErrMaxPayload.
		disc := make(chan error, 1)
		nc2 := connect(t, url, NoReconnect(), DisconnectErrHandler(func(_ *Conn, err error) { disc <- err }))
		nc2.mu.Lock()
		nc2.info.MaxPayload = 0
		nc2.mu.Unlock()
		require.NoError(t, nc2.Publish("mp.x", make([]byte, 2000)))
		waitClosed(t, nc2, 5*time.Second)
		require.ErrorIs(t, nc2.LastError(), ErrMaxPayload)
		require.ErrorIs(t, <-disc, ErrMaxPayload)
	})
}

func TestServerErrPermissions(t *testing.T) {
	s := startServer(t, func(o *natsserver.Options) {
		allow := &natsserver.SubjectPermission{Allow: []string{"ok.>", "_INBOX.>"}}
		o.Users = []*natsserver.User{{
			Username:    "u",
			Password:    "p",
			Permissions: &natsserver.Permissions{Publish: allow, Subscribe: allow},
		}}
	})
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		errs := newAsyncErrs()
		var disconnects atomic.Int32
		nc := connect(t, url, UserInfo("u", "p"), errs.handler(),
			DisconnectErrHandler(func(*Conn, error) { disconnects.Add(1) }))
		events := recordSemEvents(nc)

		// Publish: reported with the subject, nothing else happens.
		require.NoError(t, nc.Publish("denied.pub", []byte("x")))
		e := errs.next(t)
		require.ErrorIs(t, e.err, ErrPermissionViolation)
		require.Contains(t, e.err.Error(), `"denied.pub"`)
		var se *ServerError
		require.ErrorAs(t, e.err, &se)
		require.Equal(t, "denied.pub", se.Subject)
		require.Nil(t, e.sub)

		// Subscribe: reported with the subscription, which ends with the
		// error instead of waiting forever.
		sub, err := nc.SubscribeSync("denied.sub")
		require.NoError(t, err)
		e = errs.next(t)
		require.ErrorIs(t, e.err, ErrPermissionViolation)
		require.Contains(t, e.err.Error(), `"denied.sub"`)
		require.Same(t, sub, e.sub)
		require.False(t, sub.IsValid())
		_, err = sub.NextMsg(ctxTimeout(t, time.Second))
		require.ErrorIs(t, err, ErrPermissionViolation)

		// Queue subscriptions and two subscriptions on one subject: each
		// refusal ends its own subscription.
		q, err := nc.QueueSubscribe("denied.q", "workers", func(*Msg) {})
		require.NoError(t, err)
		e = errs.next(t)
		require.Same(t, q, e.sub)
		require.Contains(t, e.err.Error(), `"workers"`)
		a, err := nc.SubscribeSync("denied.twice")
		require.NoError(t, err)
		b, err := nc.SubscribeSync("denied.twice")
		require.NoError(t, err)
		require.Same(t, a, errs.next(t).sub)
		require.Same(t, b, errs.next(t).sub)
		select {
		case <-q.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("refused subscription not done")
		}

		// The connection stays up and keeps working.
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		require.Equal(t, Connected, nc.Status())
		require.Zero(t, disconnects.Load())
		ok, err := nc.SubscribeSync("ok.sub")
		require.NoError(t, err)
		require.NoError(t, nc.Publish("ok.sub", []byte("fine")))
		m, err := ok.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "fine", string(m.Data))
		_, err = nc.Subscribe("ok.svc", func(m *Msg) { _ = m.Respond([]byte("pong")) })
		require.NoError(t, err)
		resp, err := nc.Request(ctxTimeout(t, 5*time.Second), "ok.svc", nil)
		require.NoError(t, err)
		require.Equal(t, "pong", string(resp.Data))
		eventually(t, 5*time.Second, func() bool { return events.count(EventError) == 5 })
		require.NotContains(t, events.types(), EventDisconnected)
		select {
		case e := <-errs.ch:
			t.Fatalf("unexpected async error: %v", e.err)
		default:
		}
	})
}

func TestHeadersNotSupported(t *testing.T) {
	s := startServer(t, func(o *natsserver.Options) { o.NoHeaderSupport = true })
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		nc := connect(t, url)
		require.False(t, nc.HeadersSupported())
		m := NewMsg("nohdr.x")
		m.Header.Set("K", "v")
		err := nc.PublishMsg(m)
		require.ErrorIs(t, err, ErrHeadersNotSupported)
		require.Contains(t, err.Error(), "nohdr.x")
		_, err = nc.RequestMsg(ctxTimeout(t, time.Second), m)
		require.ErrorIs(t, err, ErrHeadersNotSupported)
		require.Equal(t, 0, nc.pendingRequests())

		// Without headers everything works; CONNECT did not ask for
		// no-responders (the server would refuse it), so a request
		// nobody answers times out.
		_, err = nc.Subscribe("nohdr.svc", func(m *Msg) {
			_ = m.Respond(append([]byte("re:"), m.Data...))
			r := NewMsg("")
			r.Header.Set("K", "v")
			if err := m.RespondMsg(r); !errors.Is(err, ErrHeadersNotSupported) {
				_ = m.Respond([]byte("header reply was not refused"))
			}
		})
		require.NoError(t, err)
		resp, err := nc.Request(ctxTimeout(t, 5*time.Second), "nohdr.svc", []byte("hi"))
		require.NoError(t, err)
		require.Equal(t, "re:hi", string(resp.Data))
		_, err = nc.Request(ctxTimeout(t, 100*time.Millisecond), "nohdr.nobody", nil)
		require.ErrorIs(t, err, ErrTimeout)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		require.True(t, nc.IsConnected())
		require.NoError(t, nc.LastError())
	})
}

// rawClient is a bare protocol connection to the server, to see bytes on
// the wire.
type rawClient struct {
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, s *natsserver.Server) *rawClient {
	t.Helper()
	u, err := url.Parse(s.ClientURL())
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	rc := &rawClient{c: c, r: bufio.NewReader(c)}
	line := rc.line(t)
	require.True(t, strings.HasPrefix(line, "INFO "), line)
	rc.send(t, `CONNECT {"verbose":false,"headers":true,"protocol":1}`+"\r\n")
	return rc
}

func (rc *rawClient) send(t *testing.T, s string) {
	t.Helper()
	_, err := io.WriteString(rc.c, s)
	require.NoError(t, err)
}

func (rc *rawClient) line(t *testing.T) string {
	t.Helper()
	l, err := rc.r.ReadString('\n')
	require.NoError(t, err)
	return strings.TrimRight(l, "\r\n")
}

// sync sends PING and reads up to the PONG, answering server PINGs.
func (rc *rawClient) sync(t *testing.T) {
	t.Helper()
	rc.send(t, "PING\r\n")
	for {
		switch l := rc.line(t); l {
		case "PONG":
			return
		case "PING":
			rc.send(t, "PONG\r\n")
		default:
			if strings.HasPrefix(l, "INFO ") {
				continue
			}
			require.False(t, strings.HasPrefix(l, "-ERR"), l)
		}
	}
}

// hmsg reads the next HMSG and returns its header block and payload.
func (rc *rawClient) hmsg(t *testing.T) (string, string) {
	t.Helper()
	for {
		l := rc.line(t)
		if l == "PING" {
			rc.send(t, "PONG\r\n")
			continue
		}
		if strings.HasPrefix(l, "INFO ") || l == "PONG" {
			continue
		}
		f := strings.Fields(l)
		require.Equal(t, "HMSG", f[0], l)
		hlen, err := strconv.Atoi(f[len(f)-2])
		require.NoError(t, err)
		tlen, err := strconv.Atoi(f[len(f)-1])
		require.NoError(t, err)
		buf := make([]byte, tlen+2)
		_, err = io.ReadFull(rc.r, buf)
		require.NoError(t, err)
		return string(buf[:hlen]), string(buf[hlen:tlen])
	}
}

func TestHeaderBytesOnTheWire(t *testing.T) {
	s := startServer(t)
	raw := dialRaw(t, s)
	raw.send(t, "SUB hdr.wire 1\r\n")
	raw.sync(t)
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		nc := connect(t, url)
		m := NewMsg("hdr.wire")
		m.Header["x-lower"] = []string{"v1"}
		m.Header["MiXeD-cAsE"] = []string{"v2", "v3"}
		m.Header.Add("content-type", "text/plain")
		m.Data = []byte("payload")
		require.NoError(t, nc.PublishMsg(m))
		hdr, data := raw.hmsg(t)
		require.Equal(t, "payload", data)
		require.True(t, strings.HasPrefix(hdr, "NATS/1.0\r\n"), hdr)
		require.True(t, strings.HasSuffix(hdr, "\r\n\r\n"), hdr)
		require.Contains(t, hdr, "\r\nx-lower: v1\r\n", "key case kept on the wire")
		require.Contains(t, hdr, "\r\nMiXeD-cAsE: v2\r\nMiXeD-cAsE: v3\r\n", "multi-valued key: one line per value")
		require.Contains(t, hdr, "\r\nContent-Type: text/plain\r\n", "Add canonicalises")
		require.NotContains(t, hdr, "X-Lower")

		// The other way: a status line and raw keys from the wire.
		sub, err := nc.SubscribeSync("hdr.status")
		require.NoError(t, err)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		block := "NATS/1.0 408 Request Timeout\r\nlower-key: a\r\nlower-key: b\r\n\r\n"
		raw.send(t, fmt.Sprintf("HPUB hdr.status %d %d\r\n%sxyz\r\n", len(block), len(block)+3, block))
		block = "NATS/1.0 503\r\n\r\n"
		raw.send(t, fmt.Sprintf("HPUB hdr.status %d %d\r\n%s\r\n", len(block), len(block), block))
		raw.sync(t)
		got, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, 408, got.Status())
		require.Equal(t, "Request Timeout", got.StatusDescription())
		require.Equal(t, []string{"a", "b"}, got.Header["lower-key"])
		require.Equal(t, "xyz", string(got.Data))
		got, err = sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, StatusNoResponders, got.Status())
		require.Empty(t, got.StatusDescription())
		require.Empty(t, got.Header)
		require.Empty(t, got.Data)
	})
}

// proxy is a TCP relay between client and server that can freeze the
// connections going through it (bytes are read and dropped) and counts
// PINGs and PONGs in the raw byte streams.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	pairs  []*proxyPair
	pings  atomic.Int32 // "PING\r\n" from the server
	pongs  atomic.Int32 // "PONG\r\n" from the client (plain TCP only)
}

type proxyPair struct {
	client, server net.Conn
	frozen         atomic.Bool
}

// startProxy relays to the host of serverURL; it returns the proxy and the
// URL to connect to (same scheme).
func startProxy(t *testing.T, serverURL string) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(serverURL)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: u.Host}
	t.Cleanup(p.close)
	go p.accept()
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pair := &proxyPair{client: c, server: s}
		p.mu.Lock()
		p.pairs = append(p.pairs, pair)
		p.mu.Unlock()
		go p.pipe(pair, s, c, &p.pings, "PING\r\n")
		go p.pipe(pair, c, s, &p.pongs, "PONG\r\n")
	}
}

func (p *proxy) pipe(pair *proxyPair, from, to net.Conn, count *atomic.Int32, word string) {
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 32<<10)
	var tail []byte
	for {
		n, err := from.Read(buf)
		if n > 0 {
			scan := append(tail, buf[:n]...)
			count.Add(int32(bytes.Count(scan, []byte(word))))
			tail = append([]byte(nil), scan[max(0, len(scan)-len(word)+1):]...)
			if !pair.frozen.Load() {
				if _, err := to.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops relaying on every connection open now; new ones relay.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pair := range p.pairs {
		pair.frozen.Store(true)
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pair := range p.pairs {
		pair.client.Close()
		pair.server.Close()
	}
}

func TestStaleConnection(t *testing.T) {
	s := startServer(t)
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		p, purl := startProxy(t, url)
		disc := make(chan error, 1)
		nc := connect(t, purl, NoReconnect(), PingInterval(40*time.Millisecond), MaxPingsOutstanding(2),
			DisconnectErrHandler(func(_ *Conn, err error) { disc <- err }))
		events := recordSemEvents(nc)
		// Alive: PINGs are answered, nothing happens.
		time.Sleep(200 * time.Millisecond)
		require.True(t, nc.IsConnected())

		start := time.Now()
		p.freeze()
		waitClosed(t, nc, 5*time.Second)
		elapsed := time.Since(start)
		require.ErrorIs(t, nc.LastError(), ErrStaleConnection)
		require.ErrorIs(t, <-disc, ErrStaleConnection)
		require.Less(t, elapsed, 2*time.Second)
		// Stale means PingInterval*MaxPingsOutstanding (80 ms) without data; the
		// last PONG came up to one interval before the freeze.
		require.GreaterOrEqual(t, elapsed, 30*time.Millisecond, "missed PONGs take intervals, not an instant")
		events.waitFor(t, EventClosed, 5*time.Second)
		require.Equal(t, []EventType{EventDisconnected, EventClosed}, events.types())

		// With reconnects allowed, a stale connection is a disconnect
		// like any other: the client comes back through the proxy.
		nc2 := connect(t, purl, PingInterval(40*time.Millisecond), MaxPingsOutstanding(2),
			ReconnectWait(10*time.Millisecond), ReconnectJitter(0))
		ev2 := recordSemEvents(nc2)
		p.freeze()
		dev := ev2.waitFor(t, EventDisconnected, 5*time.Second)
		require.ErrorIs(t, dev.Err, ErrStaleConnection)
		ev2.waitFor(t, EventReconnected, 5*time.Second)
		require.NoError(t, nc2.Flush(ctxTimeout(t, 5*time.Second)))
	})
}

func TestServerPingsAnswered(t *testing.T) {
	s := startServer(t, func(o *natsserver.Options) {
		o.PingInterval = 30 * time.Millisecond
		o.MaxPingsOut = 2
	})
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		p, purl := startProxy(t, url)
		nc := connect(t, purl, NoReconnect(), PingInterval(time.Hour))
		time.Sleep(400 * time.Millisecond)
		require.True(t, nc.IsConnected(), "the server would have closed a client that does not answer")
		require.NoError(t, nc.LastError())
		require.GreaterOrEqual(t, p.pings.Load(), int32(3))
		if strings.HasPrefix(url, "nats:") {
			require.GreaterOrEqual(t, p.pongs.Load(), p.pings.Load()-1)
		}
	})
}

func TestStatusEventsServerDisconnect(t *testing.T) {
	s := startServer(t)
	forEachServerTransport(t, s, func(t *testing.T, url string) {
		var order []string
		var mu sync.Mutex
		add := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		nc := connect(t, url, ReconnectWait(10*time.Millisecond), ReconnectJitter(0),
			DisconnectErrHandler(func(_ *Conn, err error) { add(fmt.Sprintf("disconnected:%v", err != nil)) }),
			ReconnectHandler(func(*Conn) { add("reconnected") }),
			ClosedHandler(func(*Conn) { add("closed") }))
		events := recordSemEvents(nc)
		statuses := nc.StatusChanged()
		require.NoError(t, s.DisconnectClientByID(nc.ServerInfo().ClientID))
		events.waitFor(t, EventReconnected, 5*time.Second)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		require.Equal(t, Connected, nc.Status())
		types := events.types()
		require.Equal(t, EventDisconnected, types[0], "%v", types)
		require.Contains(t, types, EventReconnecting)
		require.Equal(t, EventReconnected, types[len(types)-1], "%v", types)
		require.Equal(t, Reconnecting, <-statuses)
		require.Equal(t, Connected, <-statuses)
		nc.Close()
		require.Equal(t, Closed, <-statuses)
		events.waitFor(t, EventClosed, 5*time.Second)
		mu.Lock()
		require.Equal(t, []string{"disconnected:true", "reconnected", "disconnected:false", "closed"}, order)
		mu.Unlock()

		// Without reconnects: disconnected, then closed, with the cause kept.
		var closedCalls atomic.Int32
		nc2 := connect(t, url, NoReconnect(), ClosedHandler(func(*Conn) { closedCalls.Add(1) }))
		ev2 := recordSemEvents(nc2)
		st2 := nc2.StatusChanged()
		require.NoError(t, s.DisconnectClientByID(nc2.ServerInfo().ClientID))
		waitClosed(t, nc2, 5*time.Second)
		require.Error(t, nc2.LastError())
		ev2.waitFor(t, EventClosed, 5*time.Second)
		require.Equal(t, []EventType{EventDisconnected, EventClosed}, ev2.types())
		require.Error(t, ev2.waitFor(t, EventDisconnected, time.Second).Err)
		var got []Status
		for s := range st2 {
			got = append(got, s)
		}
		require.Equal(t, []Status{Disconnected, Closed}, got)
		nc2.Close()
		time.Sleep(20 * time.Millisecond)
		require.Equal(t, int32(1), closedCalls.Load())
	})
}
