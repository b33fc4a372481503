package agent

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// State is the life stage of an agent.
type State string

// Agent states.
const (
	// StateRunning: the agent handles its mailbox (also while draining for Stop).
	StateRunning State = "running"
	// StateRestarting: the agent failed and a new instance is being made.
	StateRestarting State = "restarting"
	// StateStopped: the agent ended normally.
	StateStopped State = "stopped"
	// StateFailed: the agent exceeded its restart intensity and was stopped.
	StateFailed State = "failed"
)

// envelope is a mailbox entry: the message and, for NATS deliveries, the
// reply subject.
type envelope struct {
	msg   Message
	reply string
}

// slot is the supervisor's record of one agent; it outlives the agent's
// instances, so the mailbox, the memory and the counters survive restarts.
type slot struct {
	cfg     Config
	factory Factory
	mailbox chan envelope
	ctx     context.Context
	cancel  context.CancelFunc
	closing chan struct{} // closed when the mailbox stops accepting

	mu        sync.Mutex
	state     State
	closed    bool
	restarts  int
	history   []time.Time // restart times within the window
	lastErr   string
	processed uint64
	dropped   uint64
	sub       Subscription // the messenger subscription, if NATS-enabled
	inflight  sync.WaitGroup
}

func newSlot(ctx context.Context, cfg Config, f Factory) *slot {
	c, cancel := context.WithCancel(ctx)
	return &slot{
		cfg:     cfg,
		factory: f,
		mailbox: make(chan envelope, cfg.MailboxSize),
		ctx:     c,
		cancel:  cancel,
		closing: make(chan struct{}),
		state:   StateRunning,
	}
}

// closedErr says why a closed mailbox refuses. sl.mu is held.
func (sl *slot) closedErr() error {
	if sl.state == StateFailed {
		return fmt.Errorf("failed to deliver to agent %q: %w", sl.cfg.ID, ErrAgentFailed)
	}
	return fmt.Errorf("failed to deliver to agent %q: %w", sl.cfg.ID, ErrAgentStopped)
}

// offer puts env in the mailbox without waiting.
func (sl *slot) offer(env envelope) error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.closed {
		return sl.closedErr()
	}
	select {
	case sl.mailbox <- env:
		return nil
	default:
		return fmt.Errorf("failed to deliver to agent %q: %w: %d messages waiting", sl.cfg.ID, ErrMailboxFull, cap(sl.mailbox))
	}
}

// offerWait puts env in the mailbox, waiting for room until ctx ends or
// the mailbox closes.
func (sl *slot) offerWait(ctx context.Context, env envelope) error {
	sl.mu.Lock()
	if sl.closed {
		defer sl.mu.Unlock()
		return sl.closedErr()
	}
	select {
	case sl.mailbox <- env:
		sl.mu.Unlock()
		return nil
	default:
	}
	// Registered while open: close waits for us before the final drain.
	sl.inflight.Add(1)
	sl.mu.Unlock()
	defer sl.inflight.Done()
	select {
	case sl.mailbox <- env:
		return nil
	case <-sl.closing:
		sl.mu.Lock()
		defer sl.mu.Unlock()
		return sl.closedErr()
	case <-ctx.Done():
		return fmt.Errorf("failed to deliver to agent %q: %w", sl.cfg.ID, ctx.Err())
	}
}

// close stops the mailbox from accepting, ends the messenger subscription
// and waits for deliveries in progress; afterwards the mailbox only
// shrinks. state, when not empty, is set at the same time.
func (sl *slot) close(state State) {
	sl.mu.Lock()
	if state != "" {
		sl.state = state
	}
	if sl.closed {
		sl.mu.Unlock()
		return
	}
	sl.closed = true
	close(sl.closing)
	sub := sl.sub
	sl.sub = nil
	sl.mu.Unlock()
	if sub != nil {
		_ = sub.Unsubscribe()
	}
	sl.inflight.Wait()
}

// setState records a state and, when err is not nil, the last error.
func (sl *slot) setState(st State, err error) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.state = st
	if err != nil {
		sl.lastErr = err.Error()
	}
}

// allowRestart records a failure at now and reports whether the restart
// intensity (max restarts within window) still allows a restart; if so
// it counts the restart.
func (sl *slot) allowRestart(now time.Time, max int, window time.Duration, cause error) (int, bool) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.lastErr = cause.Error()
	keep := sl.history[:0]
	for _, t := range sl.history {
		if now.Sub(t) < window {
			keep = append(keep, t)
		}
	}
	sl.history = keep
	if len(sl.history) >= max {
		return sl.restarts, false
	}
	sl.history = append(sl.history, now)
	sl.restarts++
	sl.state = StateRestarting
	return sl.restarts, true
}

func (sl *slot) restartCount() int {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.restarts
}

func (sl *slot) count(processed bool) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if processed {
		sl.processed++
	} else {
		sl.dropped++
	}
}

func (sl *slot) status() AgentStatus {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return AgentStatus{
		ID:          sl.cfg.ID,
		State:       sl.state,
		Restarts:    sl.restarts,
		Mailbox:     len(sl.mailbox),
		MailboxCap:  cap(sl.mailbox),
		Processed:   sl.processed,
		Dropped:     sl.dropped,
		NATSEnabled: sl.cfg.NATSEnabled,
		LastError:   sl.lastErr,
	}
}
