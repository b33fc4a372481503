package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMailboxFullAndUnknownAgent(t *testing.T) {
	s, _ := newTestSupervisor(t)
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	f := factoryOf(func(Context, Message) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "m", MailboxSize: 2}}, f))
	require.NoError(t, s.Send("m", Message{}))
	<-entered // the handler holds the first message; the mailbox is empty
	require.NoError(t, s.Send("m", Message{}))
	require.NoError(t, s.Send("m", Message{}))
	err := s.Send("m", Message{})
	require.ErrorIs(t, err, ErrMailboxFull)
	st, _ := s.Status("m")
	require.Equal(t, 2, st.Mailbox)
	require.Equal(t, 2, st.MailboxCap)

	require.ErrorIs(t, s.Send("nobody", Message{}), ErrUnknownAgent)
	_, err = s.Status("nobody")
	require.ErrorIs(t, err, ErrUnknownAgent)

	// SendWait waits for room instead.
	done := make(chan error, 1)
	go func() { done <- s.SendWait(context.Background(), "m", Message{}) }()
	close(release)
	require.NoError(t, <-done)
	waitStatus(t, s, "m", func(st AgentStatus) bool { return st.Processed == 4 })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, s.SendWait(ctx, "nobody", Message{}), ErrUnknownAgent)
}

func TestOrderingPerSender(t *testing.T) {
	s, _ := newTestSupervisor(t)
	const senders, each = 4, 2000
	last := map[string]int{}
	var bad []string
	done := make(chan struct{})
	got := 0
	f := factoryOf(func(ctx Context, m Message) error {
		n := seqOf(m)
		if n != last[m.From]+1 {
			bad = append(bad, fmt.Sprintf("%s: %d after %d", m.From, n, last[m.From]))
		}
		last[m.From] = n
		if got++; got == senders*each {
			close(done)
		}
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "o", MailboxSize: 64}}, f))
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for n := 1; n <= each; n++ {
				m := msg(t, map[string]int{"seq": n})
				m.From = fmt.Sprint("sender", i)
				if err := s.SendWait(context.Background(), "o", m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not all messages arrived")
	}
	require.Empty(t, bad)
}

// TestTenThousandLocalMessages: agent "a" sends 10,000 numbered messages
// to "b" with at most window unacknowledged; "b" acknowledges each one.
// Both check that every message arrives exactly once and in order.
func TestTenThousandLocalMessages(t *testing.T) {
	const total, window = 10000, 100
	s, rec := newTestSupervisor(t)
	done := make(chan error, 1)
	report := func(err error) {
		select {
		case done <- err:
		default:
		}
	}
	sent, acked := 0, 0
	a := HandlerFunc(func(ctx Context, m Message) error {
		if m.From == "b" {
			if n := seqOf(m); n != acked+1 {
				report(fmt.Errorf("ack %d after %d", n, acked))
				return nil
			}
			acked++
			if acked == total {
				report(nil)
				return nil
			}
		}
		for sent < total && sent-acked < window {
			sent++
			if err := ctx.Send("b", msg(t, map[string]int{"seq": sent})); err != nil {
				return err
			}
		}
		return nil
	})
	received := 0
	b := HandlerFunc(func(ctx Context, m Message) error {
		if n := seqOf(m); n != received+1 {
			return fmt.Errorf("got %d after %d", n, received)
		}
		received++
		return ctx.Send(AgentID(m.From), msg(t, map[string]int{"seq": received}))
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "a"}, {ID: "b"}}, func(cfg Config) (Agent, error) {
		if cfg.ID == "a" {
			return a, nil
		}
		return b, nil
	}))
	require.NoError(t, s.Send("a", Message{From: "test"}))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("stuck")
	}
	require.Equal(t, total, received)
	for _, id := range []AgentID{"a", "b"} {
		st, _ := s.Status(id)
		require.Zero(t, st.Restarts, id)
		require.Zero(t, st.Dropped, id)
	}
	require.Empty(t, rec.of(EventDropped, ""))
}

func TestStopDrains(t *testing.T) {
	s, rec := newTestSupervisor(t)
	gate := make(chan struct{})
	var handled []int
	var sendDuringDrain error
	f := factoryOf(func(ctx Context, m Message) error {
		<-gate
		handled = append(handled, seqOf(m))
		if len(handled) == 100 {
			sendDuringDrain = ctx.Send(ctx.ID(), Message{})
		}
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "d", MailboxSize: 200}}, f))
	for i := 1; i <= 100; i++ {
		require.NoError(t, s.Send("d", msg(t, map[string]int{"seq": i})))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(ctx) }()
	// Start with no configs only checks that the supervisor is still open.
	require.Eventually(t, func() bool {
		return errors.Is(s.Start(context.Background(), nil, NewEcho), ErrStopped)
	}, 5*time.Second, time.Millisecond)
	require.ErrorIs(t, s.Send("d", Message{}), ErrStopped)
	close(gate)
	require.NoError(t, <-stopped)

	require.Len(t, handled, 100, "every message accepted before Stop is handled")
	for i, n := range handled {
		require.Equal(t, i+1, n)
	}
	require.ErrorIs(t, sendDuringDrain, ErrStopped)
	st, _ := s.Status("d")
	require.Equal(t, StateStopped, st.State)
	require.Zero(t, st.Mailbox)
	require.Equal(t, uint64(100), st.Processed)
	require.Len(t, rec.of(EventStopped, "d"), 1, "events are delivered before Stop returns")
	require.Empty(t, rec.of(EventDropped, "d"))
	require.ErrorIs(t, s.Start(context.Background(), []Config{{ID: "late"}}, NewEcho), ErrStopped)
	require.NoError(t, s.Stop(ctx), "Stop twice")
}

func TestStopTimeoutAndContextCancel(t *testing.T) {
	s, rec := newTestSupervisor(t)
	ctx, cancel := context.WithCancel(context.Background())
	entered := make(chan struct{}, 1)
	f := factoryOf(func(c Context, m Message) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-c.Done() // only ends when the agent must stop at once
		return nil
	})
	require.NoError(t, s.Start(ctx, []Config{{ID: "slow"}}, f))
	for range 3 {
		require.NoError(t, s.Send("slow", Message{}))
	}
	<-entered
	cancel() // the Start context ends: no drain, the rest is reported
	rec.wait(t, EventStopped, "slow", 1)
	rec.wait(t, EventDropped, "slow", 2)
	require.ErrorIs(t, s.Send("slow", Message{}), ErrAgentStopped)

	// Stop with an expired context cancels agents that would not finish.
	s3, _ := newTestSupervisor(t)
	require.NoError(t, s3.Start(context.Background(), []Config{{ID: "slow"}}, f))
	require.NoError(t, s3.Send("slow", Message{}))
	<-entered
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	require.ErrorIs(t, s3.Stop(short), context.DeadlineExceeded)
	waitStatus(t, s3, "slow", func(st AgentStatus) bool { return st.State == StateStopped })
}

func TestStartValidation(t *testing.T) {
	s, _ := newTestSupervisor(t)
	ctx := context.Background()
	bad := [][]Config{
		{{ID: ""}},
		{{ID: "a b"}},
		{{ID: "a*"}},
		{{ID: "a>"}},
		{{ID: "x..y"}},
		{{ID: "dup"}, {ID: "dup"}},
		{{ID: "neg", MailboxSize: -1}},
	}
	for _, cfgs := range bad {
		require.ErrorIs(t, s.Start(ctx, cfgs, NewEcho), ErrBadConfig, "%v", cfgs)
	}
	require.ErrorIs(t, s.Start(ctx, []Config{{ID: "a"}}, nil), ErrBadConfig)

	boom := errors.New("boom")
	f := func(cfg Config) (Agent, error) {
		if cfg.ID == "second" {
			return nil, boom
		}
		return NewEcho(cfg)
	}
	require.ErrorIs(t, s.Start(ctx, []Config{{ID: "first"}, {ID: "second"}}, f), boom)
	require.Empty(t, s.Agents(), "none started")
	require.ErrorIs(t, s.Start(ctx, []Config{{ID: "p"}}, func(Config) (Agent, error) { panic("x") }), ErrPanic)
	require.Error(t, s.Start(ctx, []Config{{ID: "n"}}, func(Config) (Agent, error) { return nil, nil }))

	require.NoError(t, s.Start(ctx, []Config{{ID: "b"}, {ID: "a", NATSEnabled: true}}, NewEcho))
	require.ErrorIs(t, s.Start(ctx, []Config{{ID: "a"}}, NewEcho), ErrBadConfig, "already exists")
	require.NoError(t, s.Start(ctx, []Config{{ID: "c"}}, NewCounter), "Start adds agents")
	all := s.Agents()
	require.Len(t, all, 3)
	require.Equal(t, AgentID("a"), all[0].ID)
	require.True(t, all[0].NATSEnabled)
	require.Equal(t, DefaultMailboxSize, all[0].MailboxCap)
}

func TestPublishNeedsNATSEnabled(t *testing.T) {
	s, _ := newTestSupervisor(t)
	errc := make(chan error, 1)
	f := factoryOf(func(ctx Context, m Message) error {
		errc <- ctx.Publish("some.subject", Message{})
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "local"}}, f))
	require.NoError(t, s.Send("local", Message{}))
	require.ErrorIs(t, <-errc, ErrNATSDisabled)
	require.False(t, s.NATSConnected(), "a plain bus is not NATS")
}

func TestContextAccessors(t *testing.T) {
	s, _ := newTestSupervisor(t, WithPrefix("px"), WithMailboxSize(7))
	type seen struct {
		id       AgentID
		subj     string
		restarts int
		from     string
	}
	got := make(chan seen, 1)
	f := factoryOf(func(ctx Context, m Message) error {
		require.NoError(t, ctx.Memory().Set("k", []byte("v")))
		ctx.Logger().Info("hello")
		got <- seen{ctx.ID(), ctx.Subject("other"), ctx.Restarts(), m.From}
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "me"}}, f))
	require.NoError(t, s.Send("me", Message{From: "t"}))
	g := <-got
	require.Equal(t, seen{"me", "px.other", 0, "t"}, g)
	mem, err := s.Memory("me")
	require.NoError(t, err)
	v, err := mem.Get("k")
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	_, err = s.Memory("nope")
	require.ErrorIs(t, err, ErrUnknownAgent)
	st, _ := s.Status("me")
	require.Equal(t, 7, st.MailboxCap)
	require.Equal(t, "px.me", s.Subject("me"))
}

func TestStatusJSON(t *testing.T) {
	b, err := json.Marshal(AgentStatus{ID: "a", State: StateFailed, Restarts: 2})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"a","state":"failed","restarts":2,"mailbox":0,"mailboxCap":0,
		"processed":0,"dropped":0,"natsEnabled":false}`, string(b))
}
