//go:build !js

package wsnats

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// --- a proxy that breaks links ----------------------------------------------------

type proxyMode int32

const (
	proxyForward proxyMode = iota // new connections reach the server
	proxyReject                   // new connections are closed at once
	proxySilent                   // new connections are accepted and never answered
)

// faultProxy stands between a client and a server (TCP, so it carries
// WebSocket too) and breaks things on demand: it black-holes the
// connections it carries (freeze), cuts them (kill), or refuses or
// stalls new ones (mode).
type faultProxy struct {
	ln       net.Listener
	target   string
	mode     atomic.Int32
	accepted atomic.Int64

	mu    sync.Mutex
	conns []*proxyConn
}

// proxyReadBuffer is the kernel receive buffer of the proxy's client side.
const proxyReadBuffer = 256 << 10

type proxyConn struct {
	client, server net.Conn
	frozen         atomic.Bool
	// budget is how many more bytes from the client pass before the proxy
	// stops reading from it (stall); negative: no limit.
	budget  atomic.Int64
	resumed chan struct{} // closed when the connection ends
	once    sync.Once
}

func (pc *proxyConn) close() {
	pc.once.Do(func() { close(pc.resumed) })
	pc.client.Close()
	if pc.server != nil {
		pc.server.Close()
	}
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &faultProxy{ln: ln, target: target}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			p.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		p.kill()
	})
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

func (p *faultProxy) serve(c net.Conn) {
	// A fixed receive buffer: a stalled proxy then holds a known amount of
	// what the client sent, not what autotuning grants (up to tcp_rmem).
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(proxyReadBuffer)
	}
	pc := &proxyConn{client: c, resumed: make(chan struct{})}
	pc.budget.Store(-1)
	switch proxyMode(p.mode.Load()) {
	case proxyReject:
		c.Close()
		return
	case proxySilent:
		go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
	default:
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			return
		}
		pc.server = s
		go pc.pipe(s, c, &pc.budget)
		go pc.pipe(c, s, nil)
	}
	p.mu.Lock()
	p.conns = append(p.conns, pc)
	p.mu.Unlock()
}

// pipe copies src to dst, dropping everything while frozen. With a
// budget, it reads no more than the budget allows and then waits, no
// longer reading, until the connection ends (the sender's kernel buffers
// fill up, as with a server that stopped reading).
func (pc *proxyConn) pipe(dst, src net.Conn, budget *atomic.Int64) {
	defer pc.close()
	buf := make([]byte, 32<<10)
	for {
		want := len(buf)
		if budget != nil {
			if b := budget.Load(); b >= 0 {
				if b == 0 {
					<-pc.resumed
					return
				}
				want = int(min(b, int64(want)))
			}
		}
		n, err := src.Read(buf[:want])
		if budget != nil && n > 0 {
			if b := budget.Load(); b >= 0 {
				budget.Store(max(0, b-int64(n)))
			}
		}
		if n > 0 && !pc.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stall lets n more bytes from each current client through, then stops
// reading from it.
func (p *faultProxy) stall(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		pc.budget.Store(n)
	}
}

// reset ends the current connections with a TCP reset towards the client
// (what it had sent and the proxy had not read is discarded).
func (p *faultProxy) reset() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, pc := range conns {
		if tc, ok := pc.client.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		pc.close()
	}
}

// freeze black-holes the current connections: they stay open, nothing
// passes any more. New connections are not affected.
func (p *faultProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		pc.frozen.Store(true)
	}
}

// kill closes the current connections.
func (p *faultProxy) kill() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, pc := range conns {
		pc.close()
	}
}
