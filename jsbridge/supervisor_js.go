//go:build js && wasm && !wsnats_noagents

package jsbridge

// The JS-facing half of wsnats.supervisor: supervisors of agents from the
// agent registry (wsnats/agent), kept by id like the connections. bridge.js
// owns argument checks, Promises and listeners; the functions here are
// registered in makeAPI as sup*. Events, statuses and memory cross to JS as
// JSON text (see supervisor.go), through the JS Supervisor's _onEvent.
//
// Each supervisor's messenger is an agent.Fallback: NATS through the
// *wsnats.Conn of a page Connection while it is connected, an in-process
// bus otherwise. setConnection swaps the connection (or removes it).

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
	"github.com/wasm-nats/wasm-nats/wsnats/agent"
)

// defaultStopTimeout bounds stop() when the page gives no timeout.
const defaultStopTimeout = 5 * time.Second

// agentsDB is the IndexedDB database of the agents started with persist;
// each agent's memory is the namespace named by its ID.
const agentsDB = "wsnats-agents"

// bsup is a supervisor started from JS.
type bsup struct {
	id     int
	sup    *agent.Supervisor
	fb     *agent.Fallback
	kinds  map[agent.AgentID]string
	sink   safejs.Value // the JS Supervisor: _onEvent(jsonText)
	cancel context.CancelFunc
	dbs    []*agent.IndexedDB // memories of the persisted agents

	mu        sync.Mutex
	observers map[int]agent.Subscription
	nextObs   int
	stopping  bool
}

// withAgents is true: the bridge's wsnats.supervisor is bridge-agents.js's,
// which the loader hands over as globalThis.wsnatsBoot.agents.
const withAgents = true

// addSupervisorAPI adds the functions behind wsnats.supervisor to the API
// bridge.js calls.
func (b *bridge) addSupervisorAPI(funcs map[string]apiFunc) {
	funcs["supStart"] = b.supStart
	funcs["supSend"] = b.supSend
	funcs["supPublish"] = b.supPublish
	funcs["supStatus"] = b.supStatus
	funcs["supNATS"] = b.supNATS
	funcs["supMemory"] = b.supMemory
	funcs["supConn"] = b.supConn
	funcs["supObserve"] = b.supObserve
	funcs["supUnobserve"] = b.supUnobserve
	funcs["supStop"] = b.supStop
}

// sups holds the live supervisors by id.
var sups = struct {
	sync.Mutex
	m    map[int]*bsup
	next int
}{m: map[int]*bsup{}}

// emit hands one JSON event to the JS Supervisor. It runs on supervisor,
// agent and subscription goroutines; nothing it meets may panic them. An
// event that cannot be handed over is written to the console.
func (s *bsup) emit(text []byte) {
	defer func() {
		if r := recover(); r != nil {
			consoleError("a supervisor event could not be passed to JS: "+string(text), fmt.Errorf("panic: %v", r))
		}
	}()
	if _, err := s.sink.Call("_onEvent", string(text)); err != nil {
		consoleError("a supervisor event could not be passed to JS: "+string(text), err)
	}
}

// supOf finds the supervisor whose id is args[0].
func supOf(args []safejs.Value) (*bsup, error) {
	id, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	sups.Lock()
	defer sups.Unlock()
	s := sups.m[id]
	if s == nil {
		return nil, fmt.Errorf("%w: the supervisor is stopped", agent.ErrStopped)
	}
	return s, nil
}

// natsOf returns the connection whose id is args[i]; nil for 0 or null.
func (b *bridge) natsOf(args []safejs.Value, i int) (*wsnats.Conn, error) {
	id, err := argInt(args, i)
	if err != nil || id == 0 {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bc := b.conns[id]
	if bc == nil || bc.nc == nil || bc.nc.IsClosed() {
		return nil, fmt.Errorf("%w: the connection given to the supervisor is closed", wsnats.ErrConnectionClosed)
	}
	return bc.nc, nil
}

// supStart(specJSON, sink, connID, resolve, reject): starts the agents
// and resolves with the supervisor's id.
func (b *bridge) supStart(args []safejs.Value) (any, error) {
	text, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	s := &bsup{sink: argValue(args, 1), observers: map[int]agent.Subscription{}}
	plan, err := parseSupSpec([]byte(text), s.pageFactory)
	if err != nil {
		return nil, err
	}
	nc, err := b.natsOf(args, 2)
	if err != nil {
		return nil, err
	}
	settle(argValue(args, 3), argValue(args, 4), func() (any, error) {
		if err := s.openMemories(plan); err != nil {
			return nil, err
		}
		s.kinds = plan.kinds
		if nc != nil {
			s.fb = agent.NewFallback(agent.NATS(nc), nil)
		} else {
			s.fb = agent.NewFallback(nil, nil)
		}
		opts := append(plan.opts, agent.WithMessenger(s.fb),
			agent.WithEventHandler(func(ev agent.Event) { s.emit(eventJSON(ev)) }))
		s.sup = agent.NewSupervisor(opts...)
		ctx, cancel := context.WithCancel(context.Background())
		s.cancel = cancel
		if err := s.sup.Start(ctx, plan.configs, plan.factory()); err != nil {
			_ = s.release(context.Background())
			return nil, err
		}
		sups.Lock()
		sups.next++
		s.id = sups.next
		sups.m[s.id] = s
		sups.Unlock()
		return s.id, nil
	})
	return nil, nil
}

// openMemories opens the IndexedDB memory of each persisted agent. It
// waits for the browser, so it runs on a goroutine of its own.
func (s *bsup) openMemories(plan *supPlan) error {
	for _, id := range plan.persist {
		db, err := agent.OpenIndexedDB(agentsDB, string(id))
		if err != nil {
			s.closeMemories()
			return fmt.Errorf("failed to open the memory of agent %q: %w", id, err)
		}
		s.dbs = append(s.dbs, db)
		for i := range plan.configs {
			if plan.configs[i].ID == id {
				plan.configs[i].Memory = db
			}
		}
	}
	return nil
}

func (s *bsup) closeMemories() {
	for _, db := range s.dbs {
		_ = db.Close()
	}
	s.dbs = nil
}

// pageFactory makes the page's agent: it passes what it receives to the
// JS listeners as "message" events.
func (s *bsup) pageFactory(agent.Config) (agent.Agent, error) {
	return agent.HandlerFunc(func(ctx agent.Context, m agent.Message) error {
		s.emit(messageEventJSON(ctx.ID(), "", m))
		return nil
	}), nil
}

// release stops the supervisor (bounded by ctx) and lets go of the
// connection and the local bus. It returns Stop's error.
func (s *bsup) release(ctx context.Context) error {
	err := s.sup.Stop(ctx)
	s.mu.Lock()
	obs := s.observers
	s.observers = map[int]agent.Subscription{}
	s.mu.Unlock()
	for _, o := range obs {
		_ = o.Unsubscribe()
	}
	_ = s.fb.SetPrimary(nil) // unsubscribes on NATS, stops watching the connection
	s.fb.Local().Close()
	s.cancel()
	if err == nil {
		s.closeMemories() // agents that did not end in time may still use them
	}
	return err
}

// supSend(id, to, payloadJSON, from): puts a message in an agent's
// mailbox; returns the message id.
func (b *bridge) supSend(args []safejs.Value) (any, error) {
	s, to, m, err := supMessageArgs(args)
	if err != nil {
		return nil, err
	}
	if err := s.sup.Send(agent.AgentID(to), m); err != nil {
		return nil, err
	}
	return m.ID, nil
}

// supMessageArgs reads (id, target, payloadJSON, from), the arguments of
// supSend and supPublish, and builds the agent message for target.
func supMessageArgs(args []safejs.Value) (*bsup, string, agent.Message, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, "", agent.Message{}, err
	}
	var strs [3]string
	for i := range strs {
		if strs[i], err = argString(args, i+1); err != nil {
			return nil, "", agent.Message{}, err
		}
	}
	target, payload, from := strs[0], strs[1], strs[2]
	m, err := outgoingMessage(from, target, payload)
	return s, target, m, err
}

// supPublish(id, subject, payloadJSON, from): publishes an agent Message
// through the supervisor's messenger (NATS when connected, else the local
// bus); returns the message id.
func (b *bridge) supPublish(args []safejs.Value) (any, error) {
	s, subject, m, err := supMessageArgs(args)
	if err != nil {
		return nil, err
	}
	data, err := m.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", wsnats.ErrJSONPayload, err)
	}
	if err := s.fb.Publish(subject, data); err != nil {
		return nil, err
	}
	return m.ID, nil
}

// supStatus(id): the agents' status as JSON text.
func (b *bridge) supStatus(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, err
	}
	return string(statusJSON(s.sup.Agents(), s.kinds)), nil
}

// supNATS(id): whether NATS is connected now.
func (b *bridge) supNATS(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return false, nil
	}
	return s.sup.NATSConnected(), nil
}

// supMemory(id, agentID, resolve, reject): resolves with the agent's
// memory as JSON text. Async, so that backends that wait (IndexedDB) can
// be read too.
func (b *bridge) supMemory(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, err
	}
	id, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	mem, err := s.sup.Memory(agent.AgentID(id))
	if err != nil {
		return nil, err
	}
	settle(argValue(args, 2), argValue(args, 3), func() (any, error) {
		text, err := memoryJSON(mem)
		if err != nil {
			return nil, fmt.Errorf("failed to read the memory of agent %q: %w", id, err)
		}
		return string(text), nil
	})
	return nil, nil
}

// supConn(id, connID, resolve, reject): makes the connection (0: none)
// the supervisor's NATS link; subscriptions move to it.
func (b *bridge) supConn(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, err
	}
	nc, err := b.natsOf(args, 1)
	if err != nil {
		return nil, err
	}
	settle(argValue(args, 2), argValue(args, 3), func() (any, error) {
		if nc == nil {
			return nil, s.fb.SetPrimary(nil)
		}
		return nil, s.fb.SetPrimary(agent.NATS(nc))
	})
	return nil, nil
}

// supObserve(id, subject): passes what is published on subject (NATS and
// local bus) to the JS listeners as "message" events; returns the
// observer's id for supUnobserve.
func (b *bridge) supObserve(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, err
	}
	subject, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, fmt.Errorf("%w: the supervisor is stopping", agent.ErrStopped)
	}
	sub, err := s.fb.Subscribe(subject, func(m *wsnats.Msg) {
		s.emit(messageEventJSON("", m.Subject, observedMessage(m)))
	})
	if err != nil {
		return nil, err
	}
	s.nextObs++
	s.observers[s.nextObs] = sub
	return s.nextObs, nil
}

// supUnobserve(id, observerID): ends an observer; unknown ids are ignored.
func (b *bridge) supUnobserve(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, nil // stopped: every observer has ended
	}
	oid, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	sub := s.observers[oid]
	delete(s.observers, oid)
	s.mu.Unlock()
	if sub != nil {
		_ = sub.Unsubscribe()
	}
	return nil, nil
}

// supStop(id, timeoutMs, resolve, reject): drains and stops the agents,
// then resolves with their final status as JSON text. The supervisor is
// forgotten even when the timeout passes (then it rejects with TIMEOUT).
func (b *bridge) supStop(args []safejs.Value) (any, error) {
	s, err := supOf(args)
	if err != nil {
		return nil, err
	}
	ms, err := argFloat(args, 1)
	if err != nil {
		return nil, err
	}
	d := defaultStopTimeout
	if ms > 0 {
		d = millis(ms)
	}
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	settle(argValue(args, 2), argValue(args, 3), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		err := s.release(ctx)
		sups.Lock()
		delete(sups.m, s.id)
		sups.Unlock()
		if err != nil {
			return nil, err // TIMEOUT when the agents did not finish in time
		}
		return string(statusJSON(s.sup.Agents(), s.kinds)), nil
	})
	return nil, nil
}
