package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Supervisor defaults.
const (
	// DefaultMailboxSize is the mailbox bound of an agent whose Config
	// leaves MailboxSize at 0.
	DefaultMailboxSize = 1024
	// DefaultMaxRestarts and DefaultRestartWindow form the default restart
	// intensity: at most 5 restarts of one agent within 10 seconds.
	DefaultMaxRestarts   = 5
	DefaultRestartWindow = 10 * time.Second
	// DefaultPrefix starts the NATS subject of each agent: agents.<id>.
	DefaultPrefix = "agents"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrUnknownAgent: no agent has that ID.
	ErrUnknownAgent = errors.New("agent: unknown agent")
	// ErrMailboxFull: the agent's mailbox is at its bound; the message was
	// not accepted.
	ErrMailboxFull = errors.New("agent: mailbox full")
	// ErrAgentFailed: the agent exceeded its restart intensity and was
	// stopped by the supervisor.
	ErrAgentFailed = errors.New("agent: agent failed")
	// ErrAgentStopped: the agent has stopped (or is draining for Stop) and
	// accepts no more messages.
	ErrAgentStopped = errors.New("agent: agent stopped")
	// ErrStopped: the supervisor is stopping or stopped.
	ErrStopped = errors.New("agent: supervisor stopped")
	// ErrNATSDisabled: Publish from an agent whose Config.NATSEnabled is false.
	ErrNATSDisabled = errors.New("agent: NATS not enabled for this agent")
	// ErrBadConfig: Start was given an invalid configuration.
	ErrBadConfig = errors.New("agent: invalid configuration")
	// ErrPanic wraps the value of a recovered panic of an agent.
	ErrPanic = errors.New("agent: agent panicked")
)

// Supervisor runs agents, restarts them one for one when they fail, and
// connects the NATS-enabled ones to a Messenger. It is safe for concurrent
// use. Make one with NewSupervisor.
type Supervisor struct {
	maxRestarts int
	window      time.Duration
	prefix      string
	msgr        Messenger
	log         wsnats.Log
	onEvent     func(Event)
	events      *eventQueue
	mailboxSize int

	mu       sync.RWMutex
	agents   map[AgentID]*slot
	stopping bool
	draining chan struct{} // closed by Stop: agents drain and end
	wg       sync.WaitGroup
	unwatch  func()
	natsUp   atomic.Bool
}

// NewSupervisor returns a supervisor with no agents; add them with Start.
func NewSupervisor(opts ...Option) *Supervisor {
	s := &Supervisor{
		maxRestarts: DefaultMaxRestarts,
		window:      DefaultRestartWindow,
		prefix:      DefaultPrefix,
		log:         nopLog{},
		mailboxSize: DefaultMailboxSize,
		agents:      map[AgentID]*slot{},
		draining:    make(chan struct{}),
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.msgr == nil {
		s.msgr = NewBus()
	}
	s.events = newEventQueue(s.onEvent)
	s.natsUp.Store(s.NATSConnected())
	if n, ok := s.msgr.(ConnectionNotifier); ok {
		s.unwatch = n.OnConnectionChange(s.natsChanged)
	}
	return s
}

// natsChanged reports a change of the NATS connection's state.
func (s *Supervisor) natsChanged(connected bool) {
	if s.natsUp.Swap(connected) == connected {
		return
	}
	if connected {
		s.log.Info("agent: NATS connected; NATS delivery resumes")
		s.events.post(Event{Type: EventNATSConnected})
	} else {
		s.log.Warn("agent: NATS disconnected; agents go on with local messaging")
		s.events.post(Event{Type: EventNATSDisconnected})
	}
}

// NATSConnected reports whether the messenger is connected to NATS now:
// always false for a plain in-process Bus.
func (s *Supervisor) NATSConnected() bool {
	if _, local := s.msgr.(*Bus); local {
		return false
	}
	return s.msgr.IsConnected()
}

// Messenger returns the messenger the NATS-enabled agents use.
func (s *Supervisor) Messenger() Messenger { return s.msgr }

// Subject returns the NATS subject agent id listens on: <prefix>.<id>.
func (s *Supervisor) Subject(id AgentID) string { return s.prefix + "." + string(id) }

// Start adds and starts the agents of configs, each with a first instance
// made by factory (called again on every restart, with the same Config and
// so the same Memory). Either all of them start or, on error, none. ctx
// bounds the agents' lives: cancelling it stops them without draining
// (pending messages are reported as dropped); use Stop to drain. Start may
// be called again to add more agents.
func (s *Supervisor) Start(ctx context.Context, configs []Config, factory Factory) error {
	if factory == nil {
		return fmt.Errorf("failed to start agents: %w: nil factory", ErrBadConfig)
	}
	seen := map[AgentID]bool{}
	cfgs := make([]Config, len(configs))
	for i, c := range configs {
		if err := s.checkConfig(c); err != nil {
			return fmt.Errorf("failed to start agents: %w", err)
		}
		if seen[c.ID] {
			return fmt.Errorf("failed to start agents: %w: duplicate ID %q", ErrBadConfig, c.ID)
		}
		seen[c.ID] = true
		if c.Memory == nil {
			c.Memory = NewInMemory()
		}
		if c.MailboxSize == 0 {
			c.MailboxSize = s.mailboxSize
		}
		cfgs[i] = c
	}
	slots := make([]*slot, len(cfgs))
	insts := make([]Agent, len(cfgs))
	for i, c := range cfgs {
		a, err := build(factory, c)
		if err != nil {
			return fmt.Errorf("failed to start agent %q: %w", c.ID, err)
		}
		insts[i] = a
		slots[i] = newSlot(ctx, c, factory)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return fmt.Errorf("failed to start agents: %w", ErrStopped)
	}
	for _, sl := range slots {
		if _, dup := s.agents[sl.cfg.ID]; dup {
			return fmt.Errorf("failed to start agents: %w: agent %q already exists", ErrBadConfig, sl.cfg.ID)
		}
	}
	for i, sl := range slots {
		if !sl.cfg.NATSEnabled {
			continue
		}
		sub, err := s.msgr.Subscribe(s.Subject(sl.cfg.ID), s.bridge(sl))
		if err != nil {
			for _, prev := range slots[:i] {
				if prev.sub != nil {
					_ = prev.sub.Unsubscribe()
				}
			}
			return fmt.Errorf("failed to start agent %q: subscribe: %w", sl.cfg.ID, err)
		}
		sl.sub = sub
	}
	for i, sl := range slots {
		s.agents[sl.cfg.ID] = sl
		s.wg.Add(1)
		go s.run(sl, insts[i])
		s.log.Info("agent: started", "agent", sl.cfg.ID, "nats", sl.cfg.NATSEnabled)
		s.events.post(Event{Type: EventStarted, Agent: sl.cfg.ID})
	}
	return nil
}

// checkConfig validates one Config.
func (s *Supervisor) checkConfig(c Config) error {
	if c.ID == "" {
		return fmt.Errorf("%w: empty agent ID", ErrBadConfig)
	}
	if strings.ContainsAny(string(c.ID), "*>") {
		return fmt.Errorf("%w: agent ID %q holds a wildcard", ErrBadConfig, c.ID)
	}
	if err := validSubject(s.Subject(c.ID), true); err != nil {
		return fmt.Errorf("%w: agent ID %q: %w", ErrBadConfig, c.ID, err)
	}
	if c.MailboxSize < 0 {
		return fmt.Errorf("%w: agent %q: negative MailboxSize", ErrBadConfig, c.ID)
	}
	return nil
}

// lookup finds a live agent.
func (s *Supervisor) lookup(id AgentID) (*slot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.stopping {
		return nil, fmt.Errorf("failed to reach agent %q: %w", id, ErrStopped)
	}
	sl, ok := s.agents[id]
	if !ok {
		return nil, fmt.Errorf("failed to reach agent %q: %w", id, ErrUnknownAgent)
	}
	return sl, nil
}

// Send puts msg in the mailbox of agent to without waiting. It fails with
// ErrUnknownAgent, ErrMailboxFull, ErrAgentFailed, ErrAgentStopped or
// ErrStopped; nil means the agent will handle the message. Empty fields
// are filled: ID, To (to), Payload (null) and Timestamp; From stays as is.
func (s *Supervisor) Send(to AgentID, msg Message) error {
	sl, err := s.lookup(to)
	if err != nil {
		return err
	}
	return sl.offer(envelope{msg: msg.fill("", string(to))})
}

// SendWait is Send that waits for room in a full mailbox until ctx ends.
func (s *Supervisor) SendWait(ctx context.Context, to AgentID, msg Message) error {
	sl, err := s.lookup(to)
	if err != nil {
		return err
	}
	return sl.offerWait(ctx, envelope{msg: msg.fill("", string(to))})
}

// Stop stops accepting messages, lets every agent handle what its mailbox
// already holds, then ends the agents and waits for them and for the event
// handler. Messages that wait for room in a full mailbox (NATS deliveries,
// SendWait) when Stop begins are reported as dropped. If ctx ends first,
// the agents' contexts are cancelled, what is left is dropped (and
// reported), and Stop returns ctx's error. Calling Stop again waits again.
func (s *Supervisor) Stop(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.draining)
		if s.unwatch != nil {
			s.unwatch()
		}
	}
	slots := make([]*slot, 0, len(s.agents))
	for _, sl := range s.agents {
		slots = append(slots, sl)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, sl := range slots {
			sl.cancel()
		}
		return fmt.Errorf("failed to stop agents: %w", ctx.Err())
	}
	select {
	case <-s.events.close():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("failed to stop: event handler: %w", ctx.Err())
	}
}

// AgentStatus describes an agent at one moment.
type AgentStatus struct {
	ID          AgentID `json:"id"`
	State       State   `json:"state"`
	Restarts    int     `json:"restarts"`
	Mailbox     int     `json:"mailbox"`     // messages waiting
	MailboxCap  int     `json:"mailboxCap"`  // the bound
	Processed   uint64  `json:"processed"`   // messages handled without error
	Dropped     uint64  `json:"dropped"`     // messages reported as dropped
	NATSEnabled bool    `json:"natsEnabled"` // listens on <prefix>.<id>
	LastError   string  `json:"lastError,omitempty"`
}

// Status returns the status of agent id, or ErrUnknownAgent.
func (s *Supervisor) Status(id AgentID) (AgentStatus, error) {
	s.mu.RLock()
	sl, ok := s.agents[id]
	s.mu.RUnlock()
	if !ok {
		return AgentStatus{}, fmt.Errorf("failed to get status of %q: %w", id, ErrUnknownAgent)
	}
	return sl.status(), nil
}

// Agents returns the status of every agent, sorted by ID.
func (s *Supervisor) Agents() []AgentStatus {
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Sorting the IDs (strings) rather than the statuses shares the sort
	// code other packages use: a sort of AgentStatus values would be a
	// generic instantiation of its own in the wasm module.
	ids := make([]AgentID, 0, len(s.agents))
	for id := range s.agents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]AgentStatus, len(ids))
	for i, id := range ids {
		out[i] = s.agents[id].status()
	}
	return out
}

// Memory returns the memory backend of agent id (the one kept across its
// restarts), or ErrUnknownAgent.
func (s *Supervisor) Memory(id AgentID) (MemoryBackend, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sl, ok := s.agents[id]
	if !ok {
		return nil, fmt.Errorf("failed to get memory of %q: %w", id, ErrUnknownAgent)
	}
	return sl.cfg.Memory, nil
}
