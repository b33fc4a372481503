//go:build !js

package wsnats

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/coder/websocket"
)

// dialTransport opens a native TCP (nats://, tls://) or WebSocket (ws://,
// wss://) transport.
func dialTransport(ctx context.Context, u *serverURL, o *Options) (transport, error) {
	switch u.Scheme {
	case "nats", "tls":
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return nil, fmt.Errorf("failed to dial %s: %w", redactURL(u), err)
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		return newStreamTransport(nc, 0), nil
	case "ws", "wss":
		return dialWebSocket(ctx, u, o)
	}
	return nil, unsupportedScheme(u, "is not supported (use nats, tls, ws or wss)")
}

// streamTransport adapts a net.Conn (TCP, or a WebSocket seen as a stream).
type streamTransport struct {
	nc     net.Conn
	buf    []byte
	state  atomic.Int32
	chunk  int
	closer func() error
}

func newStreamTransport(nc net.Conn, chunk int) *streamTransport {
	t := &streamTransport{nc: nc, buf: make([]byte, 32*1024), chunk: chunk}
	t.state.Store(StateOpen)
	return t
}

func (t *streamTransport) next() ([]byte, error) {
	n, err := t.nc.Read(t.buf)
	if n > 0 {
		return t.buf[:n], nil
	}
	if err == nil {
		err = errors.New("empty read")
	}
	t.state.Store(StateClosed)
	return nil, err
}

func (t *streamTransport) write(p []byte) (int, error) {
	if t.state.Load() == StateClosed {
		return 0, net.ErrClosed
	}
	n, err := t.nc.Write(p)
	if err != nil && t.chunk > 0 {
		// A WebSocket message that failed may have reached the server in
		// part, and the server processes what it gets of a message as it
		// comes: count it as sent (possibly lost), never as unsent, so that
		// nothing is delivered twice.
		n = len(p)
	}
	return n, err
}

func (t *streamTransport) close() error {
	if t.state.Swap(StateClosed) == StateClosed {
		return nil
	}
	err := t.nc.Close()
	if t.closer != nil {
		t.closer()
	}
	return err
}

func (t *streamTransport) readyState() int { return int(t.state.Load()) }
func (t *streamTransport) buffered() int   { return 0 }
func (t *streamTransport) maxWrite() int   { return t.chunk }
func (t *streamTransport) unsent() int     { return 0 }

// upgradeTLS performs a TLS client handshake over the TCP connection, as
// the NATS protocol asks after the server's INFO.
func (t *streamTransport) upgradeTLS(ctx context.Context, cfg *tls.Config) error {
	tc := tls.Client(t.nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("failed TLS handshake: %w", err)
	}
	t.nc = tc
	return nil
}

func dialWebSocket(ctx context.Context, u *serverURL, o *Options) (transport, error) {
	opts := &websocket.DialOptions{HTTPHeader: o.wsHeader}
	if o.TLSConfig != nil && u.Scheme == "wss" {
		opts.HTTPClient = httpClientWithTLS(o.TLSConfig)
	}
	// Credentials go in CONNECT, never in the upgrade URL.
	c, _, err := websocket.Dial(ctx, redactURL(u), opts)
	if err != nil {
		return nil, fmt.Errorf("failed to open WebSocket to %s: %w", redactURL(u), err)
	}
	// The server may send all pending output as one message: no read limit.
	c.SetReadLimit(-1)
	life, cancel := context.WithCancel(context.Background())
	t := newStreamTransport(websocket.NetConn(life, c, websocket.MessageBinary), maxWSWrite)
	t.closer = func() error { cancel(); return nil }
	return t, nil
}

// upgradeIfTLS starts TLS on a tls:// connection after the server's INFO,
// and refuses a plain connection to a server that demands TLS.
func (c *Conn) upgradeIfTLS(ctx context.Context, l *link) error {
	st, ok := l.t.(*streamTransport)
	if !ok || l.server.url.Scheme != "tls" && l.server.url.Scheme != "nats" {
		return nil
	}
	c.mu.Lock()
	required := c.info.TLSRequired
	c.mu.Unlock()
	if l.server.url.Scheme == "nats" {
		if required {
			return fmt.Errorf("failed to connect to %s: the server requires TLS: use tls://", redactURL(l.server.url))
		}
		return nil
	}
	cfg := c.opts.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = l.server.url.Hostname()
	}
	if err := st.upgradeTLS(ctx, cfg); err != nil {
		return fmt.Errorf("failed to connect to %s: %w", redactURL(l.server.url), err)
	}
	return nil
}
