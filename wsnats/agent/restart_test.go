package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRestartAfterPanicKeepsState(t *testing.T) {
	s, rec := newTestSupervisor(t)
	factories := 0
	var mu sync.Mutex
	f := func(cfg Config) (Agent, error) {
		mu.Lock()
		factories++
		mu.Unlock()
		return NewCounter(cfg)
	}
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "c"}}, f))
	for range 3 {
		require.NoError(t, s.Send("c", msg(t, map[string]int{"n": 1})))
	}
	require.NoError(t, s.Send("c", msg(t, map[string]bool{"crash": true})))
	for range 2 {
		require.NoError(t, s.Send("c", msg(t, "after")))
	}
	st := waitStatus(t, s, "c", func(st AgentStatus) bool { return st.Processed == 5 })
	require.Equal(t, StateRunning, st.State)
	require.Equal(t, 1, st.Restarts)
	require.Contains(t, st.LastError, "crash requested")

	mem, err := s.Memory("c")
	require.NoError(t, err)
	n, err := Count(mem)
	require.NoError(t, err)
	require.Equal(t, 5, n, "the count kept in memory survived the restart")

	ev := rec.wait(t, EventRestarted, "c", 1)[0]
	require.ErrorIs(t, ev.Err, ErrPanic)
	require.NotNil(t, ev.Message)
	require.JSONEq(t, `{"crash":true}`, string(ev.Message.Payload))
	require.Equal(t, 1, ev.Restarts)
	mu.Lock()
	require.Equal(t, 2, factories)
	mu.Unlock()
}

func TestRestartAfterError(t *testing.T) {
	s, rec := newTestSupervisor(t)
	var calls int
	f := factoryOf(func(ctx Context, m Message) error {
		calls++ // handled one at a time: no lock needed
		if calls == 1 {
			return errors.New("first fails")
		}
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "e"}}, f))
	require.NoError(t, s.Send("e", Message{}))
	require.NoError(t, s.Send("e", Message{}))
	waitStatus(t, s, "e", func(st AgentStatus) bool { return st.Processed == 1 && st.Restarts == 1 })
	require.EqualError(t, rec.wait(t, EventRestarted, "e", 1)[0].Err, "first fails")
}

func TestIntensityLimitStopsAgent(t *testing.T) {
	s, rec := newTestSupervisor(t, WithRestartIntensity(2, time.Minute))
	block := make(chan struct{})
	f := factoryOf(func(ctx Context, m Message) error {
		<-block
		return fmt.Errorf("bad %s", m.ID)
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "x"}, {ID: "ok"}}, func(cfg Config) (Agent, error) {
		if cfg.ID == "ok" {
			return NewEcho(cfg)
		}
		return f(cfg)
	}))
	for i := range 5 {
		require.NoError(t, s.Send("x", Message{ID: fmt.Sprint(i)}))
	}
	close(block)

	failed := rec.wait(t, EventFailed, "x", 1)[0]
	require.ErrorIs(t, failed.Err, ErrAgentFailed)
	require.Equal(t, "2", failed.Message.ID, "the third failure exceeds 2 restarts")
	require.Equal(t, 2, failed.Restarts)
	require.Len(t, rec.of(EventRestarted, "x"), 2)

	// The two messages left in the mailbox are reported, not lost silently.
	dropped := rec.wait(t, EventDropped, "x", 2)
	require.Equal(t, "3", dropped[0].Message.ID)
	require.Equal(t, "4", dropped[1].Message.ID)
	require.ErrorIs(t, dropped[0].Err, ErrAgentFailed)
	st, err := s.Status("x")
	require.NoError(t, err)
	require.Equal(t, StateFailed, st.State)
	require.Equal(t, 2, st.Restarts)
	require.Equal(t, uint64(2), st.Dropped)
	require.Zero(t, st.Mailbox)

	require.ErrorIs(t, s.Send("x", Message{}), ErrAgentFailed)
	// The other agent is not affected (one for one).
	require.NoError(t, s.Send("ok", Message{}))
	st, err = s.Status("ok")
	require.NoError(t, err)
	require.Equal(t, StateRunning, st.State)
}

func TestIntensityWindowSlides(t *testing.T) {
	s, rec := newTestSupervisor(t, WithRestartIntensity(1, 30*time.Millisecond))
	f := factoryOf(func(Context, Message) error { return errors.New("always") })
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "w"}}, f))
	for i := range 3 {
		require.NoError(t, s.Send("w", Message{}))
		rec.wait(t, EventRestarted, "w", i+1)
		time.Sleep(60 * time.Millisecond) // the earlier restart leaves the window
	}
	st, _ := s.Status("w")
	require.Equal(t, StateRunning, st.State)
	require.Equal(t, 3, st.Restarts)
	// Two failures in quick succession exceed 1 restart per window.
	require.NoError(t, s.Send("w", Message{}))
	require.NoError(t, s.Send("w", Message{}))
	rec.wait(t, EventFailed, "w", 1)
}

func TestNoRestartWithZeroIntensity(t *testing.T) {
	s, rec := newTestSupervisor(t, WithRestartIntensity(0, time.Second))
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "z"}},
		factoryOf(func(Context, Message) error { panic("no") })))
	require.NoError(t, s.Send("z", Message{}))
	rec.wait(t, EventFailed, "z", 1)
	require.Empty(t, rec.of(EventRestarted, "z"))
}

func TestFactoryFailureOnRestartCounts(t *testing.T) {
	s, rec := newTestSupervisor(t, WithRestartIntensity(3, time.Minute))
	n := 0
	f := func(Config) (Agent, error) {
		n++ // called from Start, then from the agent goroutine only
		if n > 1 {
			return nil, errors.New("cannot make")
		}
		return HandlerFunc(func(Context, Message) error { return errors.New("fail") }), nil
	}
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "f"}}, f))
	require.NoError(t, s.Send("f", Message{}))
	ev := rec.wait(t, EventFailed, "f", 1)[0]
	require.ErrorContains(t, ev.Err, "cannot make")
	st, _ := s.Status("f")
	require.Equal(t, 3, st.Restarts)
}
