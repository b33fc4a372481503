package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Error codes shared with bridge.js and web/wsnats.d.ts.
const (
	codeTimeout         = "TIMEOUT"
	codeNoResponders    = "NO_RESPONDERS"
	codeClosed          = "CONNECTION_CLOSED"
	codeDraining        = "CONNECTION_DRAINING"
	codeRefused         = "CONNECTION_REFUSED"
	codeAuthorization   = "AUTHORIZATION_VIOLATION"
	codeAuthExpired     = "AUTHENTICATION_EXPIRED"
	codePermissions     = "PERMISSIONS_VIOLATION"
	codeMaxPayload      = "MAX_PAYLOAD_EXCEEDED"
	codeNoHeaders       = "HEADERS_NOT_SUPPORTED"
	codeBadSubject      = "BAD_SUBJECT"
	codeBadPayload      = "BAD_PAYLOAD"
	codeBadHeaders      = "BAD_HEADERS"
	codeBadJSON         = "BAD_JSON"
	codeInvalidOption   = "INVALID_OPTION"
	codeSubClosed       = "SUBSCRIPTION_CLOSED"
	codeSlowConsumer    = "SLOW_CONSUMER"
	codeProtocol        = "PROTOCOL_ERROR"
	codeOutboundFull    = "OUTBOUND_BUFFER_FULL"
	codeReconnectBuffer = "RECONNECT_BUFFER_EXCEEDED"
	codeInternal        = "INTERNAL"
	codeMaxSubs         = "MAX_SUBSCRIPTIONS_EXCEEDED"
)

// errorCode maps a wsnats error to the code JS callers test.
func errorCode(err error) string {
	if code := agentErrorCode(err); code != "" { // supervisor.go
		return code
	}
	table := []struct {
		target error
		code   string
	}{
		{wsnats.ErrTimeout, codeTimeout},
		{context.DeadlineExceeded, codeTimeout},
		{wsnats.ErrNoResponders, codeNoResponders},
		{wsnats.ErrConnectionDraining, codeDraining},
		{wsnats.ErrConnectionClosed, codeClosed},
		{wsnats.ErrAuthorization, codeAuthorization},
		{wsnats.ErrAuthExpired, codeAuthExpired},
		{wsnats.ErrPermissionViolation, codePermissions},
		{wsnats.ErrMaxPayload, codeMaxPayload},
		{wsnats.ErrHeadersNotSupported, codeNoHeaders},
		{wsnats.ErrBadSubject, codeBadSubject},
		{wsnats.ErrBadQueueName, codeBadSubject},
		{wsnats.ErrBadHeader, codeBadHeaders},
		{wsnats.ErrJSONPayload, codeBadJSON},
		{wsnats.ErrBadURL, codeInvalidOption},
		{wsnats.ErrBadTimeout, codeInvalidOption},
		{wsnats.ErrSlowConsumer, codeSlowConsumer},
		{wsnats.ErrBadSubscription, codeSubClosed},
		{wsnats.ErrMaxMessages, codeSubClosed},
		{wsnats.ErrProtocol, codeProtocol},
		{wsnats.ErrOutboundBufferFull, codeOutboundFull},
		{wsnats.ErrReconnectBufExceeded, codeReconnectBuffer},
		{wsnats.ErrNoServers, codeRefused},
		{wsnats.ErrMaxSubscriptionsExceeded, codeMaxSubs},
		{errInvalidOption, codeInvalidOption},
		{errBadPayload, codeBadPayload},
	}
	for _, e := range table {
		if errors.Is(err, e.target) {
			return e.code
		}
	}
	return ""
}

var (
	errInvalidOption = errors.New("invalid option")
	errBadPayload    = errors.New("invalid payload")
)

// maxMessageLen bounds the message of an error that crosses to JS: an
// error that quotes a huge input (a 2 MB URL) keeps its start and its end.
const maxMessageLen = 1000

// clipMessage shortens s to about n bytes by cutting out its middle, at
// UTF-8 boundaries, and saying how much was cut.
func clipMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := n*2/3, n/3
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + fmt.Sprintf(" ...(%d bytes cut)... ", start-head) + s[start:]
}
