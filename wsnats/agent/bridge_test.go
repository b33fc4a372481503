package agent

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// fakeNATS is a primary messenger standing in for NATS: a bus of its own
// whose connection the test turns on and off.
type fakeNATS struct {
	*Bus
	up       atomic.Bool
	refuse   atomic.Bool // Publish fails although connected
	mu       sync.Mutex
	watchers []func(bool)
}

func newFakeNATS() *fakeNATS {
	f := &fakeNATS{Bus: NewBus()}
	f.up.Store(true)
	return f
}

func (f *fakeNATS) IsConnected() bool { return f.up.Load() }

func (f *fakeNATS) Publish(subj string, data []byte) error {
	if !f.up.Load() || f.refuse.Load() {
		return wsnats.ErrConnectionClosed
	}
	return f.Bus.Publish(subj, data)
}

func (f *fakeNATS) OnConnectionChange(fn func(bool)) func() {
	f.mu.Lock()
	f.watchers = append(f.watchers, fn)
	f.mu.Unlock()
	return func() {}
}

func (f *fakeNATS) set(up bool) {
	f.up.Store(up)
	f.mu.Lock()
	ws := slices.Clone(f.watchers)
	f.mu.Unlock()
	for _, w := range ws {
		w(up)
	}
}

func TestBridgeOverBus(t *testing.T) {
	bus := NewBus()
	s, _ := newTestSupervisor(t, WithMessenger(bus))
	got := make(chan Message, 10)
	replies := make(chan string, 10)
	f := factoryOf(func(ctx Context, m Message) error {
		got <- m
		replies <- ctx.ReplyTo()
		return ctx.Publish("out."+string(ctx.ID()), Message{Payload: json.RawMessage(`{"ok":true}`)})
	})
	out := collect(t, bus, "out.>")
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "n", NATSEnabled: true}, {ID: "l"}}, f))

	// Plain data goes through FromNATS.
	require.NoError(t, bus.Publish("agents.n", []byte("plain")))
	m := <-got
	require.Equal(t, "nats", m.From)
	require.Equal(t, "agents.n", m.To)
	raw, err := m.RawBytes()
	require.NoError(t, err)
	require.Equal(t, "plain", string(raw))
	require.Empty(t, <-replies)

	// An agent Message is unwrapped.
	require.NoError(t, bus.Publish("agents.n", []byte(`{"id":"m1","from":"far","to":"n","payload":[1],"timestamp":9}`)))
	m = <-got
	require.Equal(t, Message{ID: "m1", From: "far", To: "n", Payload: json.RawMessage(`[1]`), Timestamp: 9}, m)

	// Agents without NATSEnabled do not listen.
	require.NoError(t, bus.Publish("agents.l", []byte("x")))

	outs := out(2)
	var pub Message
	require.NoError(t, json.Unmarshal(outs[0].Data, &pub))
	require.Equal(t, "out.n", outs[0].Subject)
	require.Equal(t, "n", pub.From)
	require.Equal(t, "out.n", pub.To)
	require.NotEmpty(t, pub.ID)
	require.NotZero(t, pub.Timestamp)
	require.JSONEq(t, `{"ok":true}`, string(pub.Payload))
	st, _ := s.Status("l")
	require.Zero(t, st.Processed)
}

func TestFallbackRouting(t *testing.T) {
	primary := newFakeNATS()
	fb := NewFallback(primary, nil)
	s, rec := newTestSupervisor(t, WithMessenger(fb))
	require.True(t, s.NATSConnected())
	got := make(chan Message, 10)
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "a", NATSEnabled: true}},
		factoryOf(func(ctx Context, m Message) error { got <- m; return nil })))
	remote := collect(t, primary.Bus, "agents.a")
	local := collect(t, fb.Local(), "agents.a")

	require.NoError(t, fb.Publish("agents.a", []byte(`"via nats"`)))
	require.Equal(t, `"via nats"`, string((<-got).Payload))
	require.Len(t, remote(1), 1)

	primary.set(false)
	rec.wait(t, EventNATSDisconnected, "", 1)
	require.False(t, s.NATSConnected())
	require.NoError(t, fb.Publish("agents.a", []byte(`"via bus"`)))
	require.Equal(t, `"via bus"`, string((<-got).Payload))
	require.Len(t, local(1), 1)

	primary.set(true)
	rec.wait(t, EventNATSConnected, "", 1)
	require.True(t, s.NATSConnected())
	require.NoError(t, fb.Publish("agents.a", []byte(`"nats again"`)))
	require.Equal(t, `"nats again"`, string((<-got).Payload))
	require.Len(t, remote(2), 2)
	require.Len(t, local(1), 1, "each message takes one path only")
}

func TestFallbackPrimaryLater(t *testing.T) {
	fb := NewFallback(nil, nil)
	s, rec := newTestSupervisor(t, WithMessenger(fb))
	require.False(t, s.NATSConnected())
	got := make(chan Message, 10)
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "a", NATSEnabled: true}},
		factoryOf(func(ctx Context, m Message) error { got <- m; return nil })))
	require.NoError(t, fb.Publish("agents.a", []byte(`1`)))
	require.Equal(t, `1`, string((<-got).Payload))

	primary := newFakeNATS()
	require.NoError(t, fb.SetPrimary(primary))
	require.Same(t, primary, fb.Primary())
	rec.wait(t, EventNATSConnected, "", 1)
	require.NoError(t, primary.Bus.Publish("agents.a", []byte(`2`)), "the subscription moved to the primary")
	require.Equal(t, `2`, string((<-got).Payload))

	// A publish the primary refuses for a connection reason goes local.
	primary.refuse.Store(true)
	require.NoError(t, fb.Publish("agents.a", []byte(`3`)))
	require.Equal(t, `3`, string((<-got).Payload))
	require.ErrorIs(t, fb.Publish("bad..subject", nil), wsnats.ErrBadSubject)
}

func TestEchoAndCounterAgents(t *testing.T) {
	bus := NewBus()
	s, _ := newTestSupervisor(t, WithMessenger(bus))
	got := make(chan Message, 10)
	client := factoryOf(func(ctx Context, m Message) error {
		if m.From == "test" {
			return ctx.Send("echo", Message{Payload: m.Payload})
		}
		got <- m
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "client"}}, client))
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "echo", NATSEnabled: true}}, NewEcho))
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "counter", NATSEnabled: true}}, NewCounter))

	require.NoError(t, s.Send("client", Message{From: "test", Payload: json.RawMessage(`{"hi":1}`)}))
	m := <-got
	require.Equal(t, "echo", m.From)
	require.JSONEq(t, `{"hi":1}`, string(m.Payload))

	// Over the messenger with an agent Message from a remote agent: the
	// echo goes to that agent's subject.
	remote := collect(t, bus, "agents.far")
	require.NoError(t, bus.Publish("agents.echo", []byte(`{"id":"r1","from":"far","to":"echo","payload":"ping"}`)))
	var back Message
	require.NoError(t, json.Unmarshal(remote(1)[0].Data, &back))
	require.Equal(t, "echo", back.From)
	require.Equal(t, `"ping"`, string(back.Payload))

	for _, p := range []string{`1`, `{"crash":true}`, `2`} {
		require.NoError(t, s.Send("counter", Message{Payload: json.RawMessage(p)}))
	}
	st := waitStatus(t, s, "counter", func(st AgentStatus) bool { return st.Processed == 2 })
	require.Equal(t, 1, st.Restarts)
	mem, _ := s.Memory("counter")
	n, err := Count(mem)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func TestRegistry(t *testing.T) {
	require.Subset(t, Names(), []string{"counter", "echo"})
	f, ok := Lookup("echo")
	require.True(t, ok)
	require.NotNil(t, f)
	_, ok = Lookup("missing")
	require.False(t, ok)
	require.Panics(t, func() { Register("echo", NewEcho) })
	require.Panics(t, func() { Register("", NewEcho) })
	require.Panics(t, func() { Register("x", nil) })
	name := newID("test") // unique, so the test can run more than once
	Register(name, NewEcho)
	_, ok = Lookup(name)
	require.True(t, ok)
}
