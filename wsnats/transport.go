package wsnats

import (
	"context"
	"fmt"
)

// Ready states of a transport, numbered like the browser's WebSocket.readyState.
const (
	StateConnecting = 0
	StateOpen       = 1
	StateClosing    = 2
	StateClosed     = 3
)

// maxWSWrite bounds one WebSocket message sent to the server: bigger bursts
// are split. nats-server reassembles the byte stream across messages.
const maxWSWrite = 64 * 1024

// transport is one connection to one server: a byte stream in each
// direction. Implementations: TCP and WebSocket natively
// (transport_native.go), the browser's WebSocket in js/wasm
// (transport_js.go).
//
// next is called by a single reader goroutine and write by a single writer
// goroutine; close and readyState may be called from anywhere. In the
// browser, next and write are fed by event callbacks that only copy and
// signal, so no JS callback ever blocks.
type transport interface {
	// next blocks until bytes arrive and returns them. The slice is valid
	// until the following call. It returns an error once the transport is
	// closed or broken.
	next() ([]byte, error)
	// write sends all of p or returns an error and how much of p the
	// transport accepted before it failed (bytes it may have sent; the rest
	// certainly was not). It may block the writer goroutine, never a JS
	// callback.
	write(p []byte) (int, error)
	// close closes the transport; pending next calls return.
	close() error
	// readyState reports the live state (StateConnecting ... StateClosed).
	readyState() int
	// buffered reports bytes accepted by write but not yet sent to the
	// network (the browser's bufferedAmount); 0 where writes block instead.
	buffered() int
	// maxWrite is the largest p a single write should carry; 0 means no limit.
	maxWrite() int
	// unsent reports, once the transport is closed, how many of the bytes
	// it accepted it certainly never sent: the browser's bufferedAmount
	// when the peer or the network closed the socket. 0 when that is not
	// known (natively, what the kernel held is unknown) or when the client
	// closed it (queued data may still go out before the close).
	unsent() int
}

// dialer opens a transport to u; the platform files provide dialTransport.
type dialer func(ctx context.Context, u *serverURL, o *Options) (transport, error)

// redactURL returns u as text without credentials, for errors and logs.
func redactURL(u *serverURL) string {
	if u == nil {
		return ""
	}
	return u.String() // which never writes the credentials
}

// unsupportedScheme is the error for a scheme this platform cannot dial.
func unsupportedScheme(u *serverURL, why string) error {
	return fmt.Errorf("%w: %s: scheme %q %s", ErrBadURL, redactURL(u), u.Scheme, why)
}
