package agent

import (
	"context"
	"fmt"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Agent handles the messages of one agent, one at a time. Returning an
// error or panicking makes the supervisor replace the instance with a new
// one from the Factory (the message at hand is not handed to it again; it
// is reported in the EventRestarted event).
type Agent interface {
	Handle(ctx Context, msg Message) error
}

// HandlerFunc is a function that is an Agent.
type HandlerFunc func(ctx Context, msg Message) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx Context, msg Message) error { return f(ctx, msg) }

// Factory makes an agent instance for cfg. The supervisor calls it when the
// agent starts and again on every restart, with the same Config (so the
// same Memory); an error or panic counts as a failure for the restart
// intensity.
type Factory func(cfg Config) (Agent, error)

// Context is what a handler gets besides the message. It is also a
// context.Context, done when the agent must stop at once (its Start
// context ended, or Stop ran out of time).
type Context interface {
	context.Context
	// ID is the agent's ID.
	ID() AgentID
	// Memory is the agent's state, kept across restarts.
	Memory() MemoryBackend
	// Send puts msg in the mailbox of the local agent to, without waiting;
	// see Supervisor.Send for the errors. An empty From becomes this
	// agent's ID; other empty fields are filled as Send does.
	Send(to AgentID, msg Message) error
	// Publish sends msg, JSON-encoded, to subject through the supervisor's
	// messenger (NATS, the local bus, or both with Fallback). It fails with
	// ErrNATSDisabled unless the agent's Config has NATSEnabled. Empty
	// fields are filled as Send does, To with the subject.
	Publish(subject string, msg Message) error
	// Subject is the subject on which agent id listens: <prefix>.<id>.
	Subject(id AgentID) string
	// ReplyTo is the NATS reply subject of the message being handled, or ""
	// (always "" for local messages). It is only meaningful during Handle.
	ReplyTo() string
	// Restarts is how many times this agent has been restarted.
	Restarts() int
	// Logger logs with the agent's ID attached (as the first attribute,
	// "agent"), to the supervisor's logger.
	Logger() wsnats.Log
}

// agentCtx is the Context of one agent; it lives as long as the agent's
// slot, across restarts.
type agentCtx struct {
	context.Context
	s     *Supervisor
	sl    *slot
	reply string // of the message being handled (agent goroutine only)
}

// ID implements Context.
func (c *agentCtx) ID() AgentID { return c.sl.cfg.ID }

// Memory implements Context.
func (c *agentCtx) Memory() MemoryBackend { return c.sl.cfg.Memory }

// ReplyTo implements Context.
func (c *agentCtx) ReplyTo() string { return c.reply }

// Restarts implements Context.
func (c *agentCtx) Restarts() int { return c.sl.restartCount() }

// Subject implements Context.
func (c *agentCtx) Subject(id AgentID) string { return c.s.Subject(id) }

// Logger implements Context.
func (c *agentCtx) Logger() wsnats.Log { return agentLog{c.s.log, string(c.sl.cfg.ID)} }

// Send implements Context.
func (c *agentCtx) Send(to AgentID, msg Message) error {
	if msg.From == "" {
		msg.From = string(c.sl.cfg.ID)
	}
	return c.s.Send(to, msg)
}

// Publish implements Context.
func (c *agentCtx) Publish(subject string, msg Message) error {
	if !c.sl.cfg.NATSEnabled {
		return fmt.Errorf("failed to publish to %q from agent %q: %w", subject, c.sl.cfg.ID, ErrNATSDisabled)
	}
	msg = msg.fill(string(c.sl.cfg.ID), subject)
	data, err := msg.MarshalJSON()
	if err != nil {
		return fmt.Errorf("failed to publish to %q: %w", subject, err)
	}
	return c.s.msgr.Publish(subject, data)
}
