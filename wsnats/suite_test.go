package wsnats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// This suite runs natively over TCP and WebSocket against an embedded
// server, and inside headless Chromium over the browser's WebSocket.

func forEachTransport(t *testing.T, fn func(t *testing.T, url string)) {
	for name, url := range testURLs(t) {
		t.Run(name, func(t *testing.T) { fn(t, url) })
	}
}

func connect(t *testing.T, url string, opts ...Option) *Conn {
	t.Helper()
	nc, err := Connect(url, opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestConnectInfoAndClose(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		closed := make(chan struct{})
		nc, err := Connect(url, Name("suite"), ClosedHandler(func(*Conn) { close(closed) }))
		require.NoError(t, err)
		require.True(t, nc.IsConnected())
		require.Equal(t, Connected, nc.Status())
		require.Equal(t, StateOpen, nc.ReadyState())
		info := nc.ServerInfo()
		require.NotEmpty(t, info.ServerID)
		require.True(t, info.Headers)
		require.Greater(t, nc.MaxPayload(), int64(0))
		require.NotEmpty(t, nc.ConnectedURL())

		nc.Close()
		require.True(t, nc.IsClosed())
		require.Equal(t, StateClosed, nc.ReadyState())
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("ClosedHandler did not run")
		}
		require.ErrorIs(t, nc.Publish("a", nil), ErrConnectionClosed)
		_, err = nc.Subscribe("a", func(*Msg) {})
		require.ErrorIs(t, err, ErrConnectionClosed)
		require.ErrorIs(t, nc.Flush(context.Background()), ErrConnectionClosed)
		nc.Close() // twice is fine
	})
}

func TestPublishSubscribeCallback(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		const n = 500
		got := make(chan *Msg, n)
		_, err := nc.Subscribe("suite.cb", func(m *Msg) { got <- m })
		require.NoError(t, err)
		for i := range n {
			require.NoError(t, nc.Publish("suite.cb", fmt.Appendf(nil, "msg-%d", i)))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		for i := range n {
			select {
			case m := <-got:
				require.Equal(t, fmt.Sprintf("msg-%d", i), string(m.Data), "order kept")
				require.Equal(t, "suite.cb", m.Subject)
			case <-time.After(5 * time.Second):
				t.Fatalf("got %d of %d messages", i, n)
			}
		}
	})
}

func TestChanAndSyncSubscribe(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		ch := make(chan *Msg, 8)
		_, err := nc.ChanSubscribe("suite.chan", ch)
		require.NoError(t, err)
		sync, err := nc.SubscribeSync("suite.sync")
		require.NoError(t, err)

		require.NoError(t, nc.Publish("suite.chan", []byte("c")))
		require.NoError(t, nc.PublishRequest("suite.sync", "suite.reply", []byte("s")))
		select {
		case m := <-ch:
			require.Equal(t, "c", string(m.Data))
		case <-time.After(5 * time.Second):
			t.Fatal("no message on channel")
		}
		m, err := sync.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "s", string(m.Data))
		require.Equal(t, "suite.reply", m.Reply)

		_, err = sync.NextMsg(ctxTimeout(t, 50*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout)
		cb, err := nc.Subscribe("suite.cb2", func(*Msg) {})
		require.NoError(t, err)
		_, err = cb.NextMsg(ctxTimeout(t, time.Second))
		require.ErrorIs(t, err, ErrSyncSubRequired)
	})
}

func TestWildcards(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		star, err := nc.SubscribeSync("wc.*.end")
		require.NoError(t, err)
		full, err := nc.SubscribeSync("wc.>")
		require.NoError(t, err)
		for _, s := range []string{"wc.a.end", "wc.b.end", "wc.a.b.end", "wc.x"} {
			require.NoError(t, nc.Publish(s, []byte(s)))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		var starGot, fullGot []string
		for range 2 {
			m, err := star.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err)
			starGot = append(starGot, m.Subject)
		}
		for range 4 {
			m, err := full.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err)
			fullGot = append(fullGot, m.Subject)
		}
		require.Equal(t, []string{"wc.a.end", "wc.b.end"}, starGot)
		require.Equal(t, []string{"wc.a.end", "wc.b.end", "wc.a.b.end", "wc.x"}, fullGot)
		_, err = star.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout, "wc.a.b.end must not match wc.*.end")
	})
}

func TestQueueGroup(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		const n = 3000
		var mu sync.Mutex
		seen := map[string]int{}
		perMember := make([]int, 3)
		var wg sync.WaitGroup
		wg.Add(n)
		for i := range 3 {
			_, err := nc.QueueSubscribe("suite.q", "workers", func(m *Msg) {
				mu.Lock()
				seen[string(m.Data)]++
				perMember[i]++
				mu.Unlock()
				wg.Done()
			})
			require.NoError(t, err)
		}
		pub := connect(t, url)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		for i := range n {
			require.NoError(t, pub.Publish("suite.q", fmt.Appendf(nil, "%d", i)))
		}
		require.NoError(t, pub.Flush(ctxTimeout(t, 5*time.Second)))
		waitGroup(t, &wg, 10*time.Second)
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, seen, n, "every message delivered")
		for k, c := range seen {
			require.Equal(t, 1, c, "message %s delivered once", k)
		}
		for i, c := range perMember {
			require.Greater(t, c, 0, "member %d got nothing", i)
		}
	})
}

func waitGroup(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("timed out waiting")
	}
}

func TestUnsubscribeAndAutoUnsubscribe(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		auto, err := nc.SubscribeSync("suite.auto")
		require.NoError(t, err)
		require.NoError(t, auto.AutoUnsubscribe(3))
		gone, err := nc.SubscribeSync("suite.gone")
		require.NoError(t, err)
		require.NoError(t, gone.Unsubscribe())
		require.ErrorIs(t, gone.Unsubscribe(), ErrBadSubscription)
		require.False(t, gone.IsValid())
		for i := range 10 {
			require.NoError(t, nc.Publish("suite.auto", []byte{byte(i)}))
			require.NoError(t, nc.Publish("suite.gone", []byte{byte(i)}))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		for i := range 3 {
			m, err := auto.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err)
			require.Equal(t, []byte{byte(i)}, m.Data)
		}
		_, err = auto.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrMaxMessages)
		require.False(t, auto.IsValid())
		_, err = gone.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrBadSubscription)
	})
}

func TestStatsCount(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		sub, err := nc.SubscribeSync("suite.stats")
		require.NoError(t, err)
		for range 100 {
			require.NoError(t, nc.Publish("suite.stats", []byte("0123456789")))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		for range 100 {
			_, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err)
		}
		st := nc.Stats()
		require.Equal(t, uint64(100), st.OutMsgs)
		require.Equal(t, uint64(1000), st.OutBytes)
		require.Equal(t, uint64(100), st.InMsgs)
		require.Equal(t, uint64(1000), st.InBytes)
		require.Equal(t, uint64(0), st.Reconnects)
	})
}

func TestLargePayloadAndMaxPayload(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		sub, err := nc.SubscribeSync("suite.big")
		require.NoError(t, err)
		big := make([]byte, 1<<20-100)
		for i := range big {
			big[i] = byte(i * 7)
		}
		require.NoError(t, nc.Publish("suite.big", big))
		m, err := sub.NextMsg(ctxTimeout(t, 10*time.Second))
		require.NoError(t, err)
		require.True(t, bytes.Equal(big, m.Data), "payload intact")

		tooBig := make([]byte, nc.MaxPayload()+1)
		err = nc.Publish("suite.big", tooBig)
		require.ErrorIs(t, err, ErrMaxPayload)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)), "connection still usable")
		_, err = sub.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout, "nothing was sent")
	})
}

func TestBadSubjectsAndQueues(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		for _, s := range []string{"", "a..b", ".a", "a.", "a b", "a\tb", "a.>.b", "a.\r\n"} {
			require.ErrorIs(t, nc.Publish(s, nil), ErrBadSubject, "publish %q", s)
			_, err := nc.SubscribeSync(s)
			require.ErrorIs(t, err, ErrBadSubject, "subscribe %q", s)
		}
		for _, s := range []string{"a.*", "a.>", ">", "*"} {
			require.ErrorIs(t, nc.Publish(s, nil), ErrBadSubject, "publish to wildcard %q", s)
		}
		_, err := nc.QueueSubscribe("ok", "bad queue", func(*Msg) {})
		require.ErrorIs(t, err, ErrBadQueueName)
		_, err = nc.QueueSubscribe("ok", "", func(*Msg) {})
		require.ErrorIs(t, err, ErrBadQueueName)
		_, err = nc.Request(ctxTimeout(t, time.Second), "a..b", nil)
		require.ErrorIs(t, err, ErrBadSubject)
		// Lengths: MaxSubjectLen goes, one byte more is refused at the call.
		edge, over := strings.Repeat("s", MaxSubjectLen), strings.Repeat("s", MaxSubjectLen+1)
		require.NoError(t, nc.PublishRequest(edge, edge, nil))
		require.ErrorIs(t, nc.Publish(over, nil), ErrBadSubject)
		require.ErrorIs(t, nc.PublishRequest("ok", over, nil), ErrBadSubject)
		_, err = nc.SubscribeSync(over)
		require.ErrorIs(t, err, ErrBadSubject)
		_, err = nc.QueueSubscribeSync("ok", over)
		require.ErrorIs(t, err, ErrBadQueueName)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)), "still connected")
		require.True(t, nc.IsConnected())
	})
}

func TestHeadersRoundTrip(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		sub, err := nc.SubscribeSync("suite.hdr")
		require.NoError(t, err)
		m := NewMsg("suite.hdr")
		m.Header.Add("X-Multi", "one")
		m.Header.Add("x-multi", "two")
		m.Header.Set("Content-Type", "text/plain")
		m.Data = []byte("body")
		require.NoError(t, nc.PublishMsg(m))
		got, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, []string{"one", "two"}, got.Header.Values("X-Multi"))
		require.Equal(t, "text/plain", got.Header.Get("content-type"))
		require.Equal(t, "body", string(got.Data))

		bad := NewMsg("suite.hdr")
		bad.Header["Bad:Key"] = []string{"v"}
		require.ErrorIs(t, nc.PublishMsg(bad), ErrBadHeader)
		bad = NewMsg("suite.hdr")
		bad.Header.Set("Key", "line\r\nbreak")
		require.ErrorIs(t, nc.PublishMsg(bad), ErrBadHeader)
	})
}

func TestRequestReply(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		_, err := nc.Subscribe("suite.svc", func(m *Msg) {
			_ = m.Respond(append([]byte("re:"), m.Data...))
		})
		require.NoError(t, err)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		resp, err := nc.Request(ctxTimeout(t, 5*time.Second), "suite.svc", []byte("ping"))
		require.NoError(t, err)
		require.Equal(t, "re:ping", string(resp.Data))

		_, err = nc.Request(ctxTimeout(t, 5*time.Second), "suite.nobody", nil)
		require.ErrorIs(t, err, ErrNoResponders)

		_, err = nc.Subscribe("suite.silent", func(*Msg) {})
		require.NoError(t, err)
		_, err = nc.Request(ctxTimeout(t, 100*time.Millisecond), "suite.silent", nil)
		require.ErrorIs(t, err, ErrTimeout)
	})
}

func TestCloseFailsPendingRequest(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		_, err := nc.Subscribe("suite.slow", func(*Msg) {})
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() {
			_, err := nc.Request(context.Background(), "suite.slow", nil)
			errc <- err
		}()
		time.Sleep(50 * time.Millisecond)
		nc.Close()
		select {
		case err := <-errc:
			require.True(t, errors.Is(err, ErrConnectionClosed), "got %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("request not failed by Close")
		}
	})
}

// requireWorks checks a connection with a request round trip.
func requireWorks(t *testing.T, nc *Conn) {
	t.Helper()
	subj := "auth.check." + NewInbox()[len(DefaultInboxPrefix)+1:]
	sub, err := nc.Subscribe(subj, func(m *Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) })
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := nc.Request(ctx, subj, []byte("ping"))
	require.NoError(t, err)
	require.Equal(t, "re:ping", string(r.Data))
}
