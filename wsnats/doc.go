// Package wsnats is a NATS client that runs natively (TCP: nats://, tls://;
// WebSocket: ws://, wss://) and in browsers compiled to WebAssembly
// (GOOS=js GOARCH=wasm), where it uses the browser's WebSocket. The API
// follows nats.go: Connect, Publish, Subscribe (callback, channel or
// NextMsg), Request, Flush, Drain, Close.
//
// # Sending and backpressure
//
// Publish never blocks on the network. It validates the message and
// appends the command to an outbound buffer; a writer goroutine sends what
// accumulated in bursts, at most 64 KiB per WebSocket message. The buffer
// is bounded by Options.OutboundLimit (default 32 MiB): past it Publish
// returns ErrOutboundBufferFull, so a publisher faster than the network
// learns it instead of growing memory without end. In the browser, the
// writer also watches the socket's bufferedAmount: above 1 MiB it waits
// until the socket has drained below 256 KiB. Memory held for unsent data
// is thus bounded: up to OutboundLimit waiting in Go plus the burst being
// written (itself at most OutboundLimit), and about 1 MiB in the browser's
// socket.
// Flush returns once the server has processed everything sent before it.
//
// # What a lost connection can lose
//
// Only what the network had already taken: bytes in the kernel's send
// buffer natively (as with nats.go), bytes handed over by the browser's
// socket in the browser. The client keeps every block it wrote until the
// transport has certainly sent it, so when a connection breaks, whatever
// it had not sent (the part of a burst the kernel refused, the browser
// socket's bufferedAmount at the close) goes back to the front of the
// queue, from the first command the server cannot have received whole,
// and is written again after the reconnect, in order and once.
//
// The rest is counted, not hidden. The server confirms what it processed
// with its PONGs, and the writer asks for them as it goes (a PING after
// every 64 KiB written, and 200 ms after a write with no PING since; an
// idle connection sends none): the publishes written after the last
// confirmation may or may not have arrived. Event.PossiblyLost on
// EventDisconnected counts them (an upper bound of what was lost), and a
// Flush that was waiting while that happened returns ErrPossiblyLost
// instead of claiming delivery. nats.go says nothing in that case. Close
// writes what is still queued (within Options.FlusherTimeout) and counts
// in Event.Unsent, on EventClosed, what it could not write.
//
// # Reconnecting
//
// A lost connection (closed socket, server shutdown, a stale link found
// by the keepalive PINGs) starts a reconnect, unless Options.AllowReconnect
// is false. The first attempt goes at once to another server of the pool,
// when there is one; each further attempt waits Options.ReconnectWait,
// doubled per attempt up to Options.ReconnectMaxWait, plus up to
// Options.ReconnectJitter (or Options.CustomReconnectDelay). After
// Options.MaxReconnects attempts (-1: no limit) the connection closes, with
// LastError the last attempt's error. The pool holds the given URLs and
// the servers the cluster announces (INFO connect_urls, for WebSocket
// clients the servers' websocket addresses), with the scheme of the URL in
// use; see Servers, DiscoveredServers, Options.DontRandomize and
// Options.IgnoreDiscoveredServers.
//
// While disconnected, publishes are kept in the reconnect buffer
// (Options.ReconnectBufSize, default 8 MiB of protocol bytes); a publish
// that does not fit returns ErrReconnectBufExceeded: nothing is dropped
// silently. Flush waits for the reconnect (or its context). On reconnect
// the client sends CONNECT (with fresh credentials from the callbacks),
// then every live subscription (queue groups and remaining auto-unsubscribe
// counts included), then the buffered publishes in their original order.
// Only bytes already handed to the socket when it broke can be lost; every
// publish accepted after the Disconnected event reaches the server once, in
// order, after the reconnect.
//
// A server in lame duck mode (shutting down) announces it: the client
// raises EventLameDuckMode, waits a random moment (up to 0.5 s, to spread a
// cluster's clients), stops writing to that server, waits for it to confirm
// what it received, and moves to another server of the pool.
//
// Events (OnEvent and the Options handlers) arrive in order on one
// goroutine: EventDisconnected (with the cause), EventReconnecting (attempt
// number and the delay before it), EventReconnected, EventServersDiscovered,
// EventLameDuckMode, EventClosed. Stats().Reconnects counts reconnects.
//
// # Browser life
//
// ReconnectNow is the fast path when the network may be back: it cuts a
// backoff wait short, or checks a live connection with a PING and replaces
// it at once if it is dead. In the browser the client calls it by itself
// (with a 2 s deadline) when the page fires "online" or becomes visible
// ("visibilitychange"; only where a document exists, not in a worker), and
// removes those listeners on Close. The keepalive measures wall time, not
// timer ticks, so the throttled or frozen timers of a background tab do not
// make a healthy connection look stale.
package wsnats
