//go:build js && wasm

package wsnats

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
)

// JS globals, looked up once.
var (
	jsOnce       sync.Once
	jsWebSocket  safejs.Value
	jsUint8Array safejs.Value
	jsErr        error
)

func jsGlobals() error {
	jsOnce.Do(func() {
		g := safejs.Global()
		var err error
		if jsWebSocket, err = g.Get("WebSocket"); err != nil || jsWebSocket.IsUndefined() {
			jsErr = errors.New("this JavaScript environment has no WebSocket")
			return
		}
		if jsUint8Array, err = g.Get("Uint8Array"); err != nil || jsUint8Array.IsUndefined() {
			jsErr = errors.New("this JavaScript environment has no Uint8Array")
		}
	})
	return jsErr
}

// dialTransport opens the browser's WebSocket to u. Only ws:// and wss://
// exist in a browser; TLS is the browser's own.
func dialTransport(ctx context.Context, u *serverURL, o *Options) (transport, error) {
	switch u.Scheme {
	case "ws", "wss":
	case "nats", "tls":
		return nil, unsupportedScheme(u, "needs a TCP socket, which browsers do not offer: use ws:// or wss://")
	default:
		return nil, unsupportedScheme(u, "is not supported in the browser: use ws:// or wss://")
	}
	if o.TLSConfig != nil {
		return nil, fmt.Errorf("%w: TLS options cannot be used in the browser: wss:// uses the browser's own TLS and certificates", ErrBadURL)
	}
	if err := jsGlobals(); err != nil {
		return nil, fmt.Errorf("failed to create WebSocket for %s: %w", redactURL(u), err)
	}
	return openBrowserSocket(ctx, u)
}

// upgradeIfTLS has nothing to do in the browser: wss:// is TLS already.
func (c *Conn) upgradeIfTLS(context.Context, *link) error { return nil }

// browserSocket is a transport over the browser's WebSocket. Its event
// callbacks only copy bytes into Go and signal; the reader goroutine does
// the rest, so no callback ever blocks the page.
type browserSocket struct {
	ws      safejs.Value
	funcs   []safejs.Func
	sendBuf safejs.Value // reused Uint8Array for outgoing bytes
	sendCap int

	mu       sync.Mutex
	chunks   [][]byte
	free     [][]byte // recycled chunk buffers
	last     []byte   // the chunk handed out by the previous next call
	opened   bool
	closed   bool
	closeErr error
	released bool
	signal   chan struct{}
	open     chan struct{}
}

func openBrowserSocket(ctx context.Context, u *serverURL) (*browserSocket, error) {
	target := redactURL(u) // credentials go in CONNECT, never in the upgrade URL
	ws, err := jsWebSocket.New(target)
	if err != nil {
		return nil, fmt.Errorf("failed to create WebSocket for %s: %w", target, err)
	}
	if err := ws.Set("binaryType", "arraybuffer"); err != nil {
		return nil, fmt.Errorf("failed to create WebSocket for %s: %w", target, err)
	}
	b := &browserSocket{ws: ws, signal: make(chan struct{}, 1), open: make(chan struct{})}
	handlers := map[string]func(args []safejs.Value){
		"onopen":    b.onOpen,
		"onmessage": b.onMessage,
		"onclose":   b.onClose,
		"onerror":   func([]safejs.Value) {},
	}
	for name, h := range handlers {
		fn, err := safejs.FuncOf(guardCallback(h))
		if err == nil {
			err = ws.Set(name, fn.Value())
		}
		if err != nil {
			b.close()
			return nil, fmt.Errorf("failed to create WebSocket for %s: %w", target, err)
		}
		b.funcs = append(b.funcs, fn)
	}
	select {
	case <-b.open:
	case <-ctx.Done():
		b.close()
		return nil, fmt.Errorf("failed to open WebSocket to %s: %w", target, ErrTimeout)
	}
	b.mu.Lock()
	opened, cerr := b.opened, b.closeErr
	b.mu.Unlock()
	if !opened {
		b.close()
		hint := ""
		if u.Scheme == "wss" {
			hint = ", with a certificate this browser trusts"
		}
		return nil, fmt.Errorf("failed to open WebSocket to %s: %w: is the server's websocket listener running at %s%s?", target, cerr, target, hint)
	}
	return b, nil
}

// guardCallback keeps a Go panic from reaching JS, where it would kill the
// module for the page.
func guardCallback(h func(args []safejs.Value)) func(this safejs.Value, args []safejs.Value) any {
	return func(_ safejs.Value, args []safejs.Value) any {
		defer func() { _ = recover() }()
		h(args)
		return nil
	}
}

func (b *browserSocket) wake() {
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

func (b *browserSocket) onOpen([]safejs.Value) {
	b.mu.Lock()
	first := !b.opened && !b.closed
	b.opened = true
	b.mu.Unlock()
	if first {
		close(b.open)
	}
}

func (b *browserSocket) onMessage(args []safejs.Value) {
	if len(args) == 0 {
		return
	}
	data, err := args[0].Get("data")
	if err != nil {
		return
	}
	arr, err := jsUint8Array.New(data)
	if err != nil {
		b.fail(fmt.Errorf("received a non-binary WebSocket message: %w", err))
		return
	}
	n, err := arr.Length()
	if err != nil || n == 0 {
		return
	}
	b.mu.Lock()
	buf := b.take(n)
	b.mu.Unlock()
	if _, err := safejs.CopyBytesToGo(buf, arr); err != nil {
		b.fail(fmt.Errorf("failed to copy a WebSocket message: %w", err))
		return
	}
	b.mu.Lock()
	b.chunks = append(b.chunks, buf)
	b.mu.Unlock()
	b.wake()
}

// take returns a buffer of length n, recycled when one is big enough. b.mu is held.
func (b *browserSocket) take(n int) []byte {
	for i := len(b.free) - 1; i >= 0; i-- {
		if cap(b.free[i]) >= n {
			buf := b.free[i][:n]
			b.free = append(b.free[:i], b.free[i+1:]...)
			return buf
		}
	}
	return make([]byte, n, max(n, 4096))
}

func (b *browserSocket) onClose(args []safejs.Value) {
	err := errors.New("WebSocket closed")
	if len(args) > 0 {
		code, _ := getInt(args[0], "code")
		reason, _ := getString(args[0], "reason")
		if reason != "" {
			err = fmt.Errorf("WebSocket closed (code %d: %s)", code, reason)
		} else {
			err = fmt.Errorf("WebSocket closed (code %d)", code)
		}
	}
	b.fail(err)
}

// fail marks the socket closed with err and wakes whoever waits.
func (b *browserSocket) fail(err error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.closeErr = err
	wasOpened := b.opened
	b.mu.Unlock()
	if !wasOpened {
		close(b.open)
	}
	b.wake()
}

func (b *browserSocket) next() ([]byte, error) {
	for {
		b.mu.Lock()
		if b.last != nil {
			if len(b.free) < 8 {
				b.free = append(b.free, b.last)
			}
			b.last = nil
		}
		if len(b.chunks) > 0 {
			c := b.chunks[0]
			b.chunks[0] = nil
			b.chunks = b.chunks[1:]
			b.last = c
			b.mu.Unlock()
			return c, nil
		}
		if b.closed {
			err := b.closeErr
			b.mu.Unlock()
			return nil, err
		}
		b.mu.Unlock()
		<-b.signal
	}
}

func (b *browserSocket) write(p []byte) error {
	if b.sendCap < len(p) {
		buf, err := jsUint8Array.New(max(len(p), maxWSWrite))
		if err != nil {
			return fmt.Errorf("failed to allocate a send buffer: %w", err)
		}
		b.sendBuf, b.sendCap = buf, max(len(p), maxWSWrite)
	}
	if _, err := safejs.CopyBytesToJS(b.sendBuf, p); err != nil {
		return fmt.Errorf("failed to copy bytes to JS: %w", err)
	}
	view, err := b.sendBuf.Call("subarray", 0, len(p))
	if err != nil {
		return fmt.Errorf("failed to slice the send buffer: %w", err)
	}
	// send copies the view's bytes, so the buffer can be reused at once.
	if _, err := b.ws.Call("send", view); err != nil {
		return fmt.Errorf("failed to send on the WebSocket: %w", err)
	}
	return nil
}

func (b *browserSocket) close() error {
	b.fail(ErrConnectionClosed)
	b.mu.Lock()
	if b.released {
		b.mu.Unlock()
		return nil
	}
	b.released = true
	b.mu.Unlock()
	for _, name := range []string{"onopen", "onmessage", "onclose", "onerror"} {
		_ = b.ws.Set(name, safejs.Null())
	}
	_, err := b.ws.Call("close", 1000)
	for _, f := range b.funcs {
		f.Release()
	}
	b.funcs = nil
	return err
}

func (b *browserSocket) readyState() int {
	n, err := getInt(b.ws, "readyState")
	if err != nil {
		return StateClosed
	}
	return n
}

func (b *browserSocket) buffered() int {
	n, _ := getInt(b.ws, "bufferedAmount")
	return n
}

func (b *browserSocket) maxWrite() int { return maxWSWrite }

func getInt(v safejs.Value, prop string) (int, error) {
	x, err := v.Get(prop)
	if err != nil {
		return 0, err
	}
	return x.Int()
}

func getString(v safejs.Value, prop string) (string, error) {
	x, err := v.Get(prop)
	if err != nil {
		return "", err
	}
	return x.String()
}

// TLSConfig stands in for crypto/tls.Config in the browser, where TLS is
// the browser's own: keeping crypto/tls out saves most of a megabyte of wasm.
type TLSConfig struct{}
