package agent

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

func TestMatchSubject(t *testing.T) {
	cases := []struct {
		pattern, subj string
		want          bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a.b", "a.b", true},
		{"a.b", "a", false},
		{"a", "a.b", false},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"*.b", "a.b", true},
		{"*", "a", true},
		{"*", "a.b", false},
		{"a.>", "a.b", true},
		{"a.>", "a.b.c", true},
		{"a.>", "a", false},
		{">", "a", true},
		{">", "a.b.c", true},
		{"a.*.c.>", "a.x.c.d.e", true},
		{"a.*.c.>", "a.x.d.e", false},
		{"agents.echo", "agents.echo", true},
		{"ab", "a", false},
		// Malformed patterns or subjects match nothing.
		{"a.>.b", "a.x.b", false},
		{"a..b", "a..b", false},
		{"", "", false},
		{"a", "a b", false},
		{"a.*", "a.*", false},
		{"a*", "a*", true}, // not a wildcard: '*' inside a token is literal
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, MatchSubject(tc.pattern, tc.subj), "%q vs %q", tc.pattern, tc.subj)
	}
}

// collect subscribes on m and returns a function waiting for n messages.
func collect(t *testing.T, m Messenger, subj string) func(n int) []*wsnats.Msg {
	t.Helper()
	var mu sync.Mutex
	var got []*wsnats.Msg
	sub, err := m.Subscribe(subj, func(msg *wsnats.Msg) {
		mu.Lock()
		got = append(got, msg)
		mu.Unlock()
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func(n int) []*wsnats.Msg {
		t.Helper()
		require.Eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) >= n
		}, 5*time.Second, time.Millisecond, "want %d messages on %q", n, subj)
		mu.Lock()
		defer mu.Unlock()
		return append([]*wsnats.Msg(nil), got...)
	}
}

func TestBusDelivers(t *testing.T) {
	b := NewBus()
	defer b.Close()
	exact := collect(t, b, "a.b")
	star := collect(t, b, "a.*")
	full := collect(t, b, ">")
	other := collect(t, b, "x.y")

	data := []byte("hi")
	require.NoError(t, b.Publish("a.b", data))
	data[0] = 'X' // subscribers got their own copy
	require.NoError(t, b.Publish("a.c", []byte("2")))

	require.Equal(t, "hi", string(exact(1)[0].Data))
	require.Len(t, star(2), 2)
	got := full(2)
	require.Equal(t, "a.b", got[0].Subject)
	require.Equal(t, "a.c", got[1].Subject)
	time.Sleep(10 * time.Millisecond)
	require.Empty(t, other(0))
	require.True(t, b.IsConnected())
}

func TestBusOrder(t *testing.T) {
	b := NewBus()
	defer b.Close()
	wait := collect(t, b, "n")
	for i := range 5000 {
		require.NoError(t, b.Publish("n", []byte{byte(i), byte(i >> 8)}))
	}
	got := wait(5000)
	for i, m := range got {
		require.Equal(t, i, int(m.Data[0])|int(m.Data[1])<<8)
	}
}

func TestBusErrors(t *testing.T) {
	b := NewBus()
	require.ErrorIs(t, b.Publish("a.*", nil), wsnats.ErrBadSubject)
	require.ErrorIs(t, b.Publish("", nil), wsnats.ErrBadSubject)
	_, err := b.Subscribe("a..b", func(*wsnats.Msg) {})
	require.ErrorIs(t, err, wsnats.ErrBadSubject)
	_, err = b.Subscribe("a", nil)
	require.ErrorIs(t, err, wsnats.ErrBadSubscription)

	sub, err := b.Subscribe("a", func(*wsnats.Msg) {})
	require.NoError(t, err)
	require.NoError(t, sub.Unsubscribe())
	require.ErrorIs(t, sub.Unsubscribe(), wsnats.ErrBadSubscription)

	b.Close()
	require.False(t, b.IsConnected())
	require.ErrorIs(t, b.Publish("a", nil), ErrBusClosed)
	_, err = b.Subscribe("a", func(*wsnats.Msg) {})
	require.ErrorIs(t, err, ErrBusClosed)
}

func TestBusSlowConsumerIsReported(t *testing.T) {
	b := NewBus(BusPendingLimit(2))
	defer b.Close()
	block := make(chan struct{})
	_, err := b.Subscribe("s", func(*wsnats.Msg) { <-block })
	require.NoError(t, err)
	wait := collect(t, b, "s")
	// The first message is taken by the blocked callback, two more fill
	// the queue, the fourth is refused for the blocked subscriber only.
	var errs int
	for i := range 4 {
		if err := b.Publish("s", nil); err != nil {
			require.ErrorIs(t, err, wsnats.ErrSlowConsumer)
			errs++
		}
		wait(i + 1) // the fast subscriber gets everything
	}
	require.GreaterOrEqual(t, errs, 1)
	close(block)
}

func TestBusPanicIsRecovered(t *testing.T) {
	panics := make(chan any, 1)
	b := NewBus(BusPanicHandler(func(_ string, v any) { panics <- v }))
	defer b.Close()
	n := 0
	done := make(chan struct{})
	_, err := b.Subscribe("p", func(*wsnats.Msg) {
		n++
		if n == 1 {
			panic("boom")
		}
		close(done)
	})
	require.NoError(t, err)
	require.NoError(t, b.Publish("p", nil))
	require.NoError(t, b.Publish("p", nil))
	require.Equal(t, "boom", <-panics)
	<-done
}
