package agent

import (
	"reflect"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Option configures a Supervisor.
type Option func(*Supervisor)

// WithRestartIntensity allows at most maxRestarts restarts of one agent
// within the sliding window within; one more failure in that window stops
// the agent for good (EventFailed). maxRestarts 0 means no restart at all.
// Negative values or a non-positive window are ignored.
func WithRestartIntensity(maxRestarts int, within time.Duration) Option {
	return func(s *Supervisor) {
		if maxRestarts >= 0 && within > 0 {
			s.maxRestarts, s.window = maxRestarts, within
		}
	}
}

// WithPrefix sets the first part of the agents' NATS subjects
// (<prefix>.<id>); "" keeps DefaultPrefix.
func WithPrefix(prefix string) Option {
	return func(s *Supervisor) {
		if prefix != "" {
			s.prefix = prefix
		}
	}
}

// WithMessenger sets the messenger of the NATS-enabled agents. Without
// this option (or WithNATS) it is a new in-process Bus.
func WithMessenger(m Messenger) Option {
	return func(s *Supervisor) {
		if m != nil {
			s.msgr = m
		}
	}
}

// WithNATS uses nc with local fallback: NewFallback(NATS(nc), NewBus()).
// A nil nc (the connect failed) gives a local-only Fallback to which a
// connection can be attached later with (*Fallback).SetPrimary, reached
// through Messenger.
func WithNATS(nc *wsnats.Conn) Option {
	return func(s *Supervisor) {
		if nc == nil {
			s.msgr = NewFallback(nil, nil)
			return
		}
		s.msgr = NewFallback(NATS(nc), nil)
	}
}

// WithLogger sets the logger (discarded by default). A *slog.Logger is a
// wsnats.Log; nil (typed or not) is ignored.
func WithLogger(l wsnats.Log) Option {
	return func(s *Supervisor) {
		if !isNilLog(l) {
			s.log = l
		}
	}
}

// isNilLog reports whether l is nil or holds a nil pointer (such as a nil
// *slog.Logger), which could not log.
func isNilLog(l wsnats.Log) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// WithEventHandler calls fn for each Event, in order, on a goroutine of
// the supervisor's own. fn must not call Stop.
func WithEventHandler(fn func(Event)) Option {
	return func(s *Supervisor) { s.onEvent = fn }
}

// WithMailboxSize sets the mailbox bound for configs that leave
// MailboxSize at 0 (DefaultMailboxSize otherwise). n <= 0 is ignored.
func WithMailboxSize(n int) Option {
	return func(s *Supervisor) {
		if n > 0 {
			s.mailboxSize = n
		}
	}
}
