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
	jsReceiver   safejs.Value // makes a socket's receive queue (receiver.js's makeReceiver); undefined without it
	jsErr        error
)

// goReceive makes sockets receive through a Go onmessage callback, as they
// do when the page gave no receive queue (receiver.js). Tests set it to
// cover that path.
var goReceive = false

// maxTake bounds the bytes one take hands to Go (whole frames; at least one).
const maxTake = 1 << 20

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
			return
		}
		if mc, err := g.Get("MessageChannel"); err != nil || mc.IsUndefined() {
			jsErr = errors.New("this JavaScript environment has no MessageChannel")
			return
		}
		// The receive queue comes from receiver.js, which the loader hands
		// over as globalThis.wsnatsBoot.receiver; without it, sockets copy
		// frame by frame (onFrame).
		if boot, err := g.Get("wsnatsBoot"); err == nil && boot.Type() == safejs.TypeObject {
			if r, err := boot.Get("receiver"); err == nil && r.Type() == safejs.TypeFunction {
				jsReceiver = r
			}
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

// browserSocket is a transport over the browser's WebSocket. Received
// frames wait in a JS queue (receiver.js) and its notify callback only
// signals; the reader goroutine copies them into Go, so no callback ever
// blocks the page.
type browserSocket struct {
	ws      safejs.Value
	recv    safejs.Value // the receive queue: take(max), close()
	funcs   []safejs.Func
	sendBuf safejs.Value // reused Uint8Array for outgoing bytes
	sendCap int
	readBuf []byte // what next returned last; reused

	mu       sync.Mutex
	frames   [][]byte // frames onFrame copied (without receiver.js)
	opened   bool
	closed   bool
	closeErr error
	released bool
	// notSent is the socket's bufferedAmount when the browser closed it
	// (the server or the network ended it): bytes send accepted that never
	// left. -1 until then; 0 when the client closed it first, since what
	// is queued may still go out before the close.
	notSent int
	signal  chan struct{}
	open    chan struct{}
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
	b := &browserSocket{ws: ws, signal: make(chan struct{}, 1), open: make(chan struct{}), notSent: -1}
	handlers := map[string]func(args []safejs.Value){
		"onopen":  b.onOpen,
		"onclose": b.onClose,
		"onerror": func([]safejs.Value) {},
	}
	if jsReceiver.IsUndefined() || goReceive {
		handlers["onmessage"] = b.onFrame
	} else {
		notify, err := safejs.FuncOf(guardCallback(func([]safejs.Value) { b.wake() }))
		if err == nil {
			b.funcs = append(b.funcs, notify)
			b.recv, err = jsReceiver.Invoke(ws, notify.Value())
		}
		if err != nil {
			b.close()
			return nil, fmt.Errorf("failed to create WebSocket for %s: %w", target, err)
		}
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

func (b *browserSocket) onClose(args []safejs.Value) {
	left, _ := getInt(b.ws, "bufferedAmount")
	b.mu.Lock()
	if b.notSent < 0 {
		b.notSent = left
	}
	b.mu.Unlock()
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

// next returns the frames queued in JS (whole frames, concatenated), or
// waits for notify. Frames that arrived before a close are returned before
// its error.
func (b *browserSocket) next() ([]byte, error) {
	for {
		data, err := b.take()
		if err != nil || data != nil {
			return data, err
		}
		b.mu.Lock()
		closed, cerr := b.closed, b.closeErr
		b.mu.Unlock()
		if closed {
			return nil, cerr
		}
		<-b.signal
	}
}

// onFrame copies one received frame into Go: the receive path where
// the page gave no receiver.js. It only copies and signals.
func (b *browserSocket) onFrame(args []safejs.Value) {
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
	frame := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(frame, arr); err != nil {
		b.fail(fmt.Errorf("failed to copy a WebSocket message: %w", err))
		return
	}
	b.mu.Lock()
	b.frames = append(b.frames, frame)
	b.mu.Unlock()
	b.wake()
}

// take returns what arrived: the frames the JS queue holds, copied into
// readBuf, or the oldest frame onFrame copied; nil when nothing is queued.
func (b *browserSocket) take() ([]byte, error) {
	if b.recv.IsUndefined() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.frames) == 0 {
			return nil, nil
		}
		f := b.frames[0]
		b.frames[0] = nil
		b.frames = b.frames[1:]
		return f, nil
	}
	v, err := b.recv.Call("take", maxTake)
	if err != nil {
		return nil, fmt.Errorf("failed to read the WebSocket's queue: %w", err)
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, nil
	}
	if v.Type() == safejs.TypeString {
		problem, _ := v.String()
		return nil, errors.New(problem)
	}
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("failed to read the WebSocket's queue: %w", err)
	}
	if cap(b.readBuf) < n {
		b.readBuf = make([]byte, max(n, 4096))
	}
	buf := b.readBuf[:n]
	if _, err := safejs.CopyBytesToGo(buf, v); err != nil {
		return nil, fmt.Errorf("failed to copy a WebSocket message: %w", err)
	}
	return buf, nil
}

func (b *browserSocket) write(p []byte) (int, error) {
	// A socket that is closing or closed drops what send gets, without an
	// error: say so instead of losing it.
	if state := b.readyState(); state != StateOpen {
		return 0, fmt.Errorf("the WebSocket is no longer open (readyState %d)", state)
	}
	if b.sendCap < len(p) {
		buf, err := jsUint8Array.New(max(len(p), maxWSWrite))
		if err != nil {
			return 0, fmt.Errorf("failed to allocate a send buffer: %w", err)
		}
		b.sendBuf, b.sendCap = buf, max(len(p), maxWSWrite)
	}
	if _, err := safejs.CopyBytesToJS(b.sendBuf, p); err != nil {
		return 0, fmt.Errorf("failed to copy bytes to JS: %w", err)
	}
	view, err := b.sendBuf.Call("subarray", 0, len(p))
	if err != nil {
		return 0, fmt.Errorf("failed to slice the send buffer: %w", err)
	}
	// send copies the view's bytes, so the buffer can be reused at once.
	if _, err := b.ws.Call("send", view); err != nil {
		return 0, fmt.Errorf("failed to send on the WebSocket: %w", err)
	}
	return len(p), nil
}

func (b *browserSocket) unsent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.notSent, 0)
}

func (b *browserSocket) close() error {
	b.fail(ErrConnectionClosed)
	b.mu.Lock()
	if b.notSent < 0 {
		b.notSent = 0 // the client closed it: what is queued may still go out
	}
	if b.released {
		b.mu.Unlock()
		return nil
	}
	b.released = true
	b.mu.Unlock()
	for _, name := range []string{"onopen", "onclose", "onerror", "onmessage"} {
		_ = b.ws.Set(name, safejs.Null())
	}
	if !b.recv.IsUndefined() {
		_, _ = b.recv.Call("close")
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
