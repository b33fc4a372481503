package agent

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder keeps the supervisor's events for assertions.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// of returns the events of type typ (for agent id, "" for any).
func (r *recorder) of(typ EventType, id AgentID) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.events {
		if ev.Type == typ && (id == "" || ev.Agent == id) {
			out = append(out, ev)
		}
	}
	return out
}

// wait waits until at least n events of type typ for id arrived.
func (r *recorder) wait(t *testing.T, typ EventType, id AgentID, n int) []Event {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.of(typ, id)) >= n },
		5*time.Second, time.Millisecond, "want %d %s events for %q", n, typ, id)
	return r.of(typ, id)
}

// newTestSupervisor returns a supervisor recording its events, stopped at
// the end of the test.
func newTestSupervisor(t *testing.T, opts ...Option) (*Supervisor, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := NewSupervisor(append([]Option{WithEventHandler(rec.add)}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s, rec
}

// waitStatus waits until agent id's status satisfies ok.
func waitStatus(t *testing.T, s *Supervisor, id AgentID, ok func(AgentStatus) bool) AgentStatus {
	t.Helper()
	require.Eventually(t, func() bool {
		st, err := s.Status(id)
		return err == nil && ok(st)
	}, 5*time.Second, time.Millisecond, "status of %q", id)
	st, err := s.Status(id)
	require.NoError(t, err)
	return st
}

// msg returns a message with payload v (JSON-encoded).
func msg(t testing.TB, v any) Message {
	t.Helper()
	p, err := json.Marshal(v)
	require.NoError(t, err)
	return Message{Payload: p}
}

// seqOf reads n from the payload {"seq":n}; -1 when it is not there. It
// does not fail the test, so that agents may call it.
func seqOf(m Message) int {
	var p struct {
		Seq *int `json:"seq"`
	}
	if json.Unmarshal(m.Payload, &p) != nil || p.Seq == nil {
		return -1
	}
	return *p.Seq
}

// factoryOf returns a Factory making agents from fn.
func factoryOf(fn HandlerFunc) Factory {
	return func(Config) (Agent, error) { return fn, nil }
}
