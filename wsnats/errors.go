package wsnats

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Test for them with errors.Is: the client wraps them with
// context ("failed to publish to foo: wsnats: ...").
var (
	// ErrConnectionClosed is returned by operations on a closed connection.
	ErrConnectionClosed = errors.New("wsnats: connection closed")
	// ErrConnectionDraining is returned when publishing or subscribing on a
	// draining connection.
	ErrConnectionDraining = errors.New("wsnats: connection draining")
	// ErrTimeout is returned when an operation does not complete in time.
	ErrTimeout = errors.New("wsnats: timeout")
	// ErrBadSubject is returned for an empty or malformed subject.
	ErrBadSubject = errors.New("wsnats: invalid subject")
	// ErrBadQueueName is returned for a malformed queue group name.
	ErrBadQueueName = errors.New("wsnats: invalid queue name")
	// ErrMaxPayload is returned when a message is larger than the server accepts.
	ErrMaxPayload = errors.New("wsnats: maximum payload exceeded")
	// ErrInvalidConnection is returned when a method is called on a nil or
	// unusable connection.
	ErrInvalidConnection = errors.New("wsnats: invalid connection")
	// ErrNoServers is returned when no server could be reached.
	ErrNoServers = errors.New("wsnats: no servers available for connection")
	// ErrBadSubscription is returned for an invalid or closed subscription.
	ErrBadSubscription = errors.New("wsnats: invalid subscription")
	// ErrHeadersNotSupported is returned when headers are used with a server
	// that does not support them.
	ErrHeadersNotSupported = errors.New("wsnats: headers not supported by this server")
	// ErrStaleConnection is reported when the server stopped answering PINGs.
	ErrStaleConnection = errors.New("wsnats: stale connection")
	// ErrAuthorization is returned when the server rejects the credentials.
	ErrAuthorization = errors.New("wsnats: authorization violation")
	// ErrAuthExpired is returned when the server reports expired credentials.
	ErrAuthExpired = errors.New("wsnats: authentication expired")
	// ErrSlowConsumer is reported when a subscription's pending limits are
	// exceeded and messages are dropped.
	ErrSlowConsumer = errors.New("wsnats: slow consumer, messages dropped")
	// ErrNoResponders is returned by Request when no one listens on the subject.
	ErrNoResponders = errors.New("wsnats: no responders available for request")
	// ErrBadHeader is returned for a header key or value that cannot be sent.
	ErrBadHeader = errors.New("wsnats: invalid header")
	// ErrOutboundBufferFull is returned by Publish when data waiting to be
	// written to the server already fills the outbound limit: the network is
	// slower than the publisher. Flush and retry, or slow down.
	ErrOutboundBufferFull = errors.New("wsnats: outbound buffer full")
	// ErrReconnectBufExceeded is returned by Publish while disconnected once the
	// reconnect buffer is full.
	ErrReconnectBufExceeded = errors.New("wsnats: outbound buffer limit exceeded while reconnecting")
	// ErrBadTimeout is returned for a negative or zero timeout where one is required.
	ErrBadTimeout = errors.New("wsnats: invalid timeout")
	// ErrBadURL is returned for a server URL that cannot be used.
	ErrBadURL = errors.New("wsnats: invalid server URL")
	// ErrMaxMessages is returned when a subscription has reached its
	// auto-unsubscribe limit.
	ErrMaxMessages = errors.New("wsnats: maximum messages delivered")
	// ErrSyncSubRequired is returned when NextMsg is used on a callback subscription.
	ErrSyncSubRequired = errors.New("wsnats: illegal call on an async subscription")
	// ErrMaxConnectionsExceeded is the server's refusal of another connection.
	ErrMaxConnectionsExceeded = errors.New("wsnats: server maximum connections exceeded")
	// ErrJSONPayload is returned by PublishJSON when the value cannot be encoded.
	ErrJSONPayload = errors.New("wsnats: value cannot be encoded as JSON")
	// ErrPermissionViolation is reported (through the ErrorHandler) when the
	// server refuses a publish or subscription on a subject.
	ErrPermissionViolation = errors.New("wsnats: permissions violation")
	// ErrMaxSubscriptionsExceeded is reported (through the ErrorHandler) when
	// the server refuses a subscription because the account or user has too
	// many; the connection stays up.
	ErrMaxSubscriptionsExceeded = errors.New("wsnats: maximum subscriptions exceeded")
	// ErrPossiblyLost is returned by Flush when, while it waited, a
	// connection was lost with publishes written to it that the server had
	// not confirmed: they may or may not have arrived (the Disconnected
	// event counts them). Publishes the connection certainly never sent
	// are written again after the reconnect and are not lost.
	ErrPossiblyLost = errors.New("wsnats: connection lost with unconfirmed publishes")
	// ErrDrainTimeout is the end of a connection drain that did not finish
	// within Options.DrainTimeout (or its context's deadline). It wraps
	// ErrTimeout.
	ErrDrainTimeout = fmt.Errorf("%w: drain did not finish in time", ErrTimeout)
)

// ServerError is an -ERR the server sent, with its text unchanged.
// Errors the client knows map to a sentinel reachable with errors.Is.
type ServerError struct {
	// Text is the server's message without quotes.
	Text string
	// Subject is the subject the error names (the refused subject of a
	// permissions violation), or "".
	Subject string
	kind    error
	op      string // "subscription" or "publish" for permission violations
	queue   string // queue group of a refused subscription
	sid     uint64 // sid of a refused subscription, when the server names it
}

// Error implements error.
func (e *ServerError) Error() string { return "wsnats: server error: " + e.Text }

// Unwrap returns the sentinel error this server error corresponds to, if any.
func (e *ServerError) Unwrap() error { return e.kind }

// newServerError classifies the text of an -ERR.
func newServerError(text string) *ServerError {
	lower := asciiLower(text)
	var kind error
	switch {
	case strings.HasPrefix(lower, "authorization violation"), strings.HasPrefix(lower, "user authentication revoked"):
		kind = ErrAuthorization
	case strings.Contains(lower, "authentication expired"), strings.Contains(lower, "authentication timeout"):
		kind = ErrAuthExpired
	case strings.HasPrefix(lower, "permissions violation"):
		kind = ErrPermissionViolation
	case strings.HasPrefix(lower, "stale connection"):
		kind = ErrStaleConnection
	case strings.HasPrefix(lower, "maximum connections exceeded"), strings.HasPrefix(lower, "maximum account connections exceeded"):
		kind = ErrMaxConnectionsExceeded
	case strings.HasPrefix(lower, "maximum subscriptions exceeded"):
		kind = ErrMaxSubscriptionsExceeded
	case strings.HasPrefix(lower, "maximum payload"):
		kind = ErrMaxPayload
	case strings.HasPrefix(lower, "slow consumer"):
		kind = ErrSlowConsumer
	case strings.HasPrefix(lower, "invalid subject"), strings.HasPrefix(lower, "invalid publish subject"):
		kind = ErrBadSubject
	}
	se := &ServerError{Text: text, kind: kind}
	if kind == ErrPermissionViolation {
		se.parseViolation()
	}
	return se
}

// parseViolation reads what a permissions violation names. The server
// writes, with Go-quoted strings:
//
//	Permissions Violation for Publish to "subj"
//	Permissions Violation for Publish with Reply of "reply"
//	Permissions Violation for Subscription to "subj"[ using queue "q"][ (sid "5")][, too many tokens]
func (e *ServerError) parseViolation() {
	rest := e.Text
	if i := strings.IndexByte(rest, '"'); i >= 0 {
		head := asciiLower(rest[:i])
		switch {
		case strings.Contains(head, "subscription"):
			e.op = "subscription"
		case strings.Contains(head, "publish"):
			e.op = "publish"
		}
		e.Subject, rest = unquotePrefix(rest[i:])
	}
	if i := strings.Index(rest, "using queue "); i >= 0 {
		e.queue, rest = unquotePrefix(rest[i+len("using queue "):])
	}
	if i := strings.Index(rest, "(sid "); i >= 0 {
		sid, _ := unquotePrefix(rest[i+len("(sid "):])
		e.sid, _ = strconv.ParseUint(sid, 10, 64)
	}
}

// fatal reports whether the server closes the connection after this error.
// Permission violations, invalid subjects and the subscription limit leave
// the connection up.
func (e *ServerError) fatal() bool {
	switch e.kind {
	case ErrPermissionViolation, ErrBadSubject, ErrMaxSubscriptionsExceeded:
		return false
	}
	return true
}

// endsConnection reports whether the client closes the connection for
// good after this error instead of reconnecting, as nats.go does: for every
// -ERR it does not know, and for a command too long for the server (which
// a reconnect would send again). A stale connection, too many connections,
// an unknown protocol operation and authorization errors (see
// reconnectLoop) are worth another try.
func (e *ServerError) endsConnection() bool {
	switch e.kind {
	case ErrStaleConnection, ErrMaxConnectionsExceeded, ErrAuthorization, ErrAuthExpired, ErrSlowConsumer:
		return false
	}
	return !strings.HasPrefix(asciiLower(e.Text), "unknown protocol operation")
}

// endsConnection reports whether err, the cause of a lost link, is a
// server error after which the client does not reconnect.
func endsConnection(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.fatal() && se.endsConnection()
}

// asyncServerError handles a non-fatal -ERR. A refused subscription will
// never receive anything: it ends with the error (NextMsg returns it, Done
// closes). The error goes to the ErrorHandler and the event listeners.
func (c *Conn) asyncServerError(se *ServerError) {
	var sub *Subscription
	if se.kind == ErrPermissionViolation && se.op == "subscription" {
		if sub = c.refusedSub(se); sub != nil {
			c.removeSub(sub)
			sub.finish(se, true)
		}
	}
	c.reportAsync(sub, se, EventError)
}

// refusedSub finds the subscription a subscription violation is about: the
// one with the sid the server named or else the oldest live one with that
// subject and queue (the server answers SUBs in order).
func (c *Conn) refusedSub(se *ServerError) *Subscription {
	c.subsMu.RLock()
	defer c.subsMu.RUnlock()
	if se.sid != 0 {
		if s := c.subs[se.sid]; s != nil && s.Subject == se.Subject {
			return s
		}
	}
	var found *Subscription
	for sid, s := range c.subs {
		if s.Subject == se.Subject && s.Queue == se.queue && (found == nil || sid < found.sid) {
			found = s
		}
	}
	return found
}

// subjectError wraps err with the subject it concerns.
func subjectError(op, subj string, err error) error {
	return fmt.Errorf("failed to %s %q: %w", op, subj, err)
}
