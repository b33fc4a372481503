package agent

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// build makes an instance with f, turning a panic or a nil agent into an
// error.
func build(f Factory, cfg Config) (a Agent, err error) {
	defer func() {
		if v := recover(); v != nil {
			a, err = nil, fmt.Errorf("factory: %w: %v", ErrPanic, v)
		}
	}()
	a, err = f(cfg)
	if err == nil && a == nil {
		err = fmt.Errorf("factory returned a nil agent")
	}
	return a, err
}

// run is the goroutine of one agent: it handles the mailbox until Stop
// drained it (or the agent's context ended), restarting the instance one
// for one when it fails.
func (s *Supervisor) run(sl *slot, inst Agent) {
	defer s.wg.Done()
	defer sl.cancel()
	c := &agentCtx{Context: sl.ctx, s: s, sl: sl}
	draining := false
	for {
		env, ok := s.next(sl, &draining)
		if !ok {
			s.finish(sl, draining)
			return
		}
		err := s.invoke(c, inst, env)
		if err == nil {
			sl.count(true)
			continue
		}
		if inst = s.restart(sl, err, &env.msg); inst == nil {
			return
		}
	}
}

// next returns the next message; ok is false when the agent should end.
func (s *Supervisor) next(sl *slot, draining *bool) (envelope, bool) {
	if sl.ctx.Err() != nil {
		return envelope{}, false
	}
	if !*draining {
		select {
		case env := <-sl.mailbox:
			return env, true
		case <-s.draining:
			sl.close("")
			*draining = true
		case <-sl.ctx.Done():
			return envelope{}, false
		}
	}
	if sl.ctx.Err() != nil {
		return envelope{}, false
	}
	select {
	case env := <-sl.mailbox:
		return env, true
	default:
		return envelope{}, false // drained
	}
}

// finish ends an agent normally. Messages still in the mailbox (only when
// the context was cancelled) are reported as dropped.
func (s *Supervisor) finish(sl *slot, drained bool) {
	sl.close(StateStopped)
	cause := error(ErrAgentStopped)
	if err := sl.ctx.Err(); err != nil {
		cause = fmt.Errorf("%w: %w", ErrAgentStopped, err)
	}
	s.dropRest(sl, cause)
	s.log.Info("agent: stopped", "agent", sl.cfg.ID, "drained", drained)
	s.events.post(Event{Type: EventStopped, Agent: sl.cfg.ID, Restarts: sl.restartCount()})
}

// dropRest empties a closed mailbox, reporting each message.
func (s *Supervisor) dropRest(sl *slot, cause error) {
	for {
		select {
		case env := <-sl.mailbox:
			s.dropped(sl, env.msg, cause)
		default:
			return
		}
	}
}

// dropped reports a message that agent sl will not handle.
func (s *Supervisor) dropped(sl *slot, msg Message, cause error) {
	sl.count(false)
	s.log.Warn("agent: message dropped", "agent", sl.cfg.ID, "id", msg.ID, "err", cause)
	m := msg
	s.events.post(Event{Type: EventDropped, Agent: sl.cfg.ID, Err: cause, Message: &m, Restarts: sl.restartCount()})
}

// invoke runs the handler, turning a panic into an error wrapping ErrPanic.
func (s *Supervisor) invoke(c *agentCtx, inst Agent, env envelope) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("agent: panic", "agent", c.sl.cfg.ID, "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", ErrPanic, v)
		}
	}()
	c.reply = env.reply
	defer func() { c.reply = "" }()
	return inst.Handle(c, env.msg)
}

// restart replaces a failed instance while the restart intensity allows,
// returning the new instance, or nil after failing the agent for good.
func (s *Supervisor) restart(sl *slot, cause error, msg *Message) Agent {
	id := sl.cfg.ID
	for {
		n, ok := sl.allowRestart(time.Now(), s.maxRestarts, s.window, cause)
		if !ok {
			s.fail(sl, cause, msg)
			return nil
		}
		s.log.Warn("agent: restarting", "agent", id, "restarts", n, "err", cause)
		inst, err := build(sl.factory, sl.cfg)
		if err == nil {
			sl.setState(StateRunning, nil)
			s.events.post(Event{Type: EventRestarted, Agent: id, Err: cause, Message: msg, Restarts: n})
			return inst
		}
		cause, msg = err, nil
	}
}

// fail stops an agent that exceeded its restart intensity: its mailbox
// closes and what it held is reported as dropped.
func (s *Supervisor) fail(sl *slot, cause error, msg *Message) {
	sl.close(StateFailed)
	sl.setState(StateFailed, cause)
	n := sl.restartCount()
	s.log.Error("agent: failed: restart intensity exceeded", "agent", sl.cfg.ID, "restarts", n,
		"max", s.maxRestarts, "window", s.window, "err", cause)
	s.events.post(Event{Type: EventFailed, Agent: sl.cfg.ID, Err: fmt.Errorf("%w: %w", ErrAgentFailed, cause), Message: msg, Restarts: n})
	s.dropRest(sl, fmt.Errorf("%w: %w", ErrAgentFailed, cause))
}

// bridge returns the messenger callback of a NATS-enabled agent: it turns
// each delivery into a Message and waits for room in the mailbox, so a
// busy agent slows its subscription down instead of losing messages (the
// subscription's own pending limits then apply). A payload that is itself
// an agent Message (a JSON object with at most the members id, from, to,
// payload and timestamp, a non-empty id and from, and a payload) is
// unwrapped, so agents talking over NATS keep their IDs and senders; any
// other data goes through FromNATS.
func (s *Supervisor) bridge(sl *slot) wsnats.MsgHandler {
	return func(m *wsnats.Msg) {
		msg, ok := decodeAgentMessage(m.Data)
		if !ok {
			msg = FromNATS(m)
		}
		if err := sl.offerWait(sl.ctx, envelope{msg: msg, reply: m.Reply}); err != nil {
			s.dropped(sl, msg, err)
		}
	}
}
