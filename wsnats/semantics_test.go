package wsnats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Client semantics against a plain server: drain, requests, headers, slow
// consumers, status events. These run natively over TCP and WebSocket and
// in headless Chromium.

// semEvents records a connection's events in order.
type semEvents struct {
	mu  sync.Mutex
	evs []Event
	sig chan struct{}
}

func recordSemEvents(nc *Conn) *semEvents {
	r := &semEvents{sig: make(chan struct{}, 1)}
	nc.OnEvent(func(ev Event) {
		r.mu.Lock()
		r.evs = append(r.evs, ev)
		r.mu.Unlock()
		select {
		case r.sig <- struct{}{}:
		default:
		}
	})
	return r
}

// types lists the recorded event types. The first connect event is left
// out: it may or may not be dispatched after the recorder was added.
func (r *semEvents) types() []EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]EventType, 0, len(r.evs))
	for i, ev := range r.evs {
		if i == 0 && ev.Type == EventConnected {
			continue
		}
		out = append(out, ev.Type)
	}
	return out
}

func (r *semEvents) count(typ EventType) int {
	n := 0
	for _, t := range r.types() {
		if t == typ {
			n++
		}
	}
	return n
}

// waitFor waits until an event of type typ was recorded and returns the first.
func (r *semEvents) waitFor(t *testing.T, typ EventType, d time.Duration) Event {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		for _, ev := range r.evs {
			if ev.Type == typ {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		select {
		case <-r.sig:
		case <-deadline:
			t.Fatalf("no %q event within %v; got %v", typ, d, r.types())
		}
	}
}

// eventually polls cond every few milliseconds until it holds or d passes.
func eventually(t *testing.T, d time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			require.Fail(t, "condition not met in time", msgAndArgs...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitClosed(t *testing.T, nc *Conn, d time.Duration) {
	t.Helper()
	select {
	case <-nc.Closed():
	case <-time.After(d):
		t.Fatalf("connection not closed within %v (status %v)", d, nc.Status())
	}
}

func TestConnDrainDeliversPendingAndFlushes(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		var closedCalls atomic.Int32
		var disconnectErrs []error
		var dmu sync.Mutex
		nc := connect(t, url,
			ClosedHandler(func(*Conn) { closedCalls.Add(1) }),
			DisconnectErrHandler(func(_ *Conn, err error) { dmu.Lock(); disconnectErrs = append(disconnectErrs, err); dmu.Unlock() }))
		events := recordSemEvents(nc)
		statuses := nc.StatusChanged()
		obs := connect(t, url)
		out, err := obs.SubscribeSync("drain.out")
		require.NoError(t, err)
		require.NoError(t, obs.Flush(ctxTimeout(t, 5*time.Second)))

		const n = 200
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		var delivered, pubFailed atomic.Int32
		// The handler blocks until released, then forwards each message:
		// publishing must still work while the subscriptions drain.
		sub, err := nc.Subscribe("drain.in", func(m *Msg) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			delivered.Add(1)
			if nc.Publish("drain.out", m.Data) != nil {
				pubFailed.Add(1)
			}
		})
		require.NoError(t, err)
		syncSub, err := nc.SubscribeSync("drain.sync")
		require.NoError(t, err)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

		pub := connect(t, url)
		for i := range n {
			require.NoError(t, pub.Publish("drain.in", fmt.Appendf(nil, "%d", i)))
		}
		require.NoError(t, pub.Publish("drain.sync", []byte("s")))
		require.NoError(t, pub.Flush(ctxTimeout(t, 5*time.Second)))
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		<-entered
		require.Equal(t, uint64(n), sub.Received())

		require.NoError(t, nc.Drain())
		require.True(t, nc.IsDraining())
		require.Equal(t, Draining, nc.Status())
		require.True(t, nc.IsConnected())
		require.NoError(t, nc.Drain(), "draining twice is fine")
		_, err = nc.Subscribe("drain.new", func(*Msg) {})
		require.ErrorIs(t, err, ErrConnectionDraining)
		eventually(t, 5*time.Second, sub.IsDraining)

		// Still draining: the handler holds the messages and the sync
		// subscription has an unread one.
		time.Sleep(20 * time.Millisecond)
		require.False(t, nc.IsClosed())
		m, err := syncSub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "s", string(m.Data))
		close(release)

		waitClosed(t, nc, 5*time.Second)
		require.Equal(t, int32(n), delivered.Load(), "every pending message delivered")
		require.Zero(t, pubFailed.Load(), "handlers can publish while subscriptions drain")
		require.Equal(t, uint64(n), sub.Delivered())
		for i := range n {
			m, err := out.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err, "forwarded message %d", i)
			require.Equal(t, fmt.Sprint(i), string(m.Data))
		}
		require.NoError(t, nc.LastError())
		require.False(t, nc.IsDraining())
		require.Equal(t, Closed, nc.Status())
		require.ErrorIs(t, nc.Publish("drain.in", nil), ErrConnectionClosed)
		require.ErrorIs(t, nc.Drain(), ErrConnectionClosed)
		_, err = syncSub.NextMsg(ctxTimeout(t, time.Second))
		require.ErrorIs(t, err, ErrBadSubscription)

		events.waitFor(t, EventClosed, 5*time.Second)
		nc.Close()
		time.Sleep(20 * time.Millisecond)
		require.Equal(t, int32(1), closedCalls.Load(), "closed handler fires once")
		require.Equal(t, []EventType{EventDraining, EventDisconnected, EventClosed}, events.types())
		dmu.Lock()
		require.Equal(t, []error{nil}, disconnectErrs)
		dmu.Unlock()
		var got []Status
		for s := range statuses {
			got = append(got, s)
		}
		require.Equal(t, []Status{Draining, Closed}, got)
	})
}

func TestConnDrainFailsPendingRequests(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		// A request made before the drain and never answered fails with
		// ErrConnectionClosed when the drain closes the connection.
		_, err := nc.Subscribe("drain.silent", func(*Msg) {})
		require.NoError(t, err)
		reqErr := make(chan error, 1)
		go func() {
			_, err := nc.Request(context.Background(), "drain.silent", nil)
			reqErr <- err
		}()
		eventually(t, 5*time.Second, func() bool { return nc.pendingRequests() == 1 })

		sub, err := nc.Subscribe("drain.probe", func(*Msg) {})
		require.NoError(t, err)
		require.NoError(t, nc.DrainContext(ctxTimeout(t, 5*time.Second)))
		require.True(t, nc.IsClosed())
		require.False(t, sub.IsValid())
		select {
		case err := <-reqErr:
			require.ErrorIs(t, err, ErrConnectionClosed)
		case <-time.After(5 * time.Second):
			t.Fatal("pending request not failed by the drain")
		}
		require.Equal(t, 0, nc.pendingRequests())
		require.ErrorIs(t, nc.DrainContext(context.Background()), ErrConnectionClosed)
	})
}

func TestConnDrainPhaseRefusesPublish(t *testing.T) {
	// White box: the phase after the subscriptions refuses publishes and
	// requests with ErrConnectionDraining.
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		nc.mu.Lock()
		nc.draining, nc.drainPubs = true, true
		nc.mu.Unlock()
		require.ErrorIs(t, nc.Publish("a", nil), ErrConnectionDraining)
		_, err := nc.Request(ctxTimeout(t, time.Second), "a", nil)
		require.ErrorIs(t, err, ErrConnectionDraining)
		_, err = nc.SubscribeSync("a")
		require.ErrorIs(t, err, ErrConnectionDraining)
	})
}

func TestConnDrainTimeout(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		asyncErrs := make(chan error, 4)
		var closedCalls atomic.Int32
		nc := connect(t, url, DrainTimeout(150*time.Millisecond),
			ErrorHandler(func(_ *Conn, _ *Subscription, err error) { asyncErrs <- err }),
			ClosedHandler(func(*Conn) { closedCalls.Add(1) }))
		block := make(chan struct{})
		defer close(block)
		_, err := nc.Subscribe("drain.stuck", func(*Msg) { <-block })
		require.NoError(t, err)
		require.NoError(t, nc.Publish("drain.stuck", nil))
		require.NoError(t, nc.Publish("drain.stuck", nil))
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

		start := time.Now()
		require.NoError(t, nc.Drain())
		waitClosed(t, nc, 5*time.Second)
		require.Less(t, time.Since(start), 2*time.Second)
		require.ErrorIs(t, nc.LastError(), ErrDrainTimeout)
		require.ErrorIs(t, nc.LastError(), ErrTimeout)
		select {
		case err := <-asyncErrs:
			require.ErrorIs(t, err, ErrDrainTimeout)
		case <-time.After(5 * time.Second):
			t.Fatal("drain timeout not reported to the ErrorHandler")
		}
		eventually(t, 5*time.Second, func() bool { return closedCalls.Load() == 1 })

		// DrainContext: a context deadline ends the drain the same way.
		nc2 := connect(t, url)
		_, err = nc2.Subscribe("drain.stuck2", func(*Msg) { <-block })
		require.NoError(t, err)
		require.NoError(t, nc2.Publish("drain.stuck2", nil))
		require.NoError(t, nc2.Publish("drain.stuck2", nil))
		require.NoError(t, nc2.Flush(ctxTimeout(t, 5*time.Second)))
		start = time.Now()
		err = nc2.DrainContext(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrDrainTimeout)
		require.Less(t, time.Since(start), 2*time.Second)
		require.True(t, nc2.IsClosed())

		// A cancelled context: context.Canceled, not a timeout.
		nc3 := connect(t, url)
		_, err = nc3.Subscribe("drain.stuck3", func(*Msg) { <-block })
		require.NoError(t, err)
		require.NoError(t, nc3.Publish("drain.stuck3", nil))
		require.NoError(t, nc3.Flush(ctxTimeout(t, 5*time.Second)))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err = nc3.DrainContext(ctx)
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, ErrTimeout)
		require.True(t, nc3.IsClosed())
	})
}

func TestSubDrainKeepsMessagesInFlight(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		pub := connect(t, url)
		first := make(chan struct{})
		var once sync.Once
		var got atomic.Int32
		sub, err := nc.Subscribe("sdrain.flood", func(*Msg) {
			once.Do(func() { close(first) })
			got.Add(1)
		})
		require.NoError(t, err)
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

		// Drain while the publisher is still sending: messages the server
		// sent before it processed the UNSUB must be delivered, not lost.
		const n = 20000
		pubDone := make(chan error, 1)
		go func() {
			for i := range n {
				if err := pub.Publish("sdrain.flood", fmt.Appendf(nil, "%d", i)); err != nil {
					pubDone <- err
					return
				}
			}
			pubDone <- pub.Flush(context.Background())
		}()
		<-first
		require.NoError(t, sub.Drain(ctxTimeout(t, 10*time.Second)))
		require.NoError(t, <-pubDone)
		require.False(t, sub.IsValid())
		require.True(t, sub.IsDraining())
		select {
		case <-sub.Done():
		default:
			t.Fatal("Done not closed after Drain returned")
		}
		in := nc.Stats().InMsgs
		require.Greater(t, in, uint64(0))
		require.Equal(t, in, sub.Delivered(), "every message that reached the client was delivered")
		require.Equal(t, int32(in), got.Load())
		// Nothing arrives after the drain; the connection keeps working.
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		require.Equal(t, in, nc.Stats().InMsgs)
		require.NoError(t, sub.Drain(ctxTimeout(t, time.Second)), "draining again waits for the same drain")
		require.True(t, nc.IsConnected())
	})
}

func TestSubDrainSyncAndTimeout(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		sub, err := nc.SubscribeSync("sdrain.sync")
		require.NoError(t, err)
		for i := range 5 {
			require.NoError(t, nc.Publish("sdrain.sync", []byte{byte(i)}))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		// Nobody reads: the drain cannot finish in time.
		err = sub.Drain(ctxTimeout(t, 50*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout)
		require.NoError(t, nc.Publish("sdrain.sync", []byte{9}))
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		// The pending messages are still there; nothing after the drain.
		for i := range 5 {
			m, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
			require.NoError(t, err)
			require.Equal(t, []byte{byte(i)}, m.Data)
		}
		_, err = sub.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrBadSubscription)
		select {
		case <-sub.Done():
		case <-time.After(time.Second):
			t.Fatal("Done not closed once the drained messages were read")
		}
	})
}

func TestRequestLateReplyDropped(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		svc := connect(t, url)
		held := make(chan *Msg, 1)
		_, err := svc.Subscribe("req.late", func(m *Msg) { held <- m })
		require.NoError(t, err)
		_, err = svc.Subscribe("req.echo", func(m *Msg) { _ = m.Respond(m.Data) })
		require.NoError(t, err)
		require.NoError(t, svc.Flush(ctxTimeout(t, 5*time.Second)))

		_, err = nc.Request(ctxTimeout(t, 50*time.Millisecond), "req.late", []byte("late"))
		require.ErrorIs(t, err, ErrTimeout)
		require.Contains(t, err.Error(), "req.late")
		require.Equal(t, 0, nc.pendingRequests(), "timed out request forgotten")

		// The reply arrives after the timeout: it must go nowhere.
		m := <-held
		require.NoError(t, m.Respond([]byte("too late")))
		require.NoError(t, svc.Flush(ctxTimeout(t, 5*time.Second)))
		resp, err := nc.Request(ctxTimeout(t, 5*time.Second), "req.echo", []byte("fresh"))
		require.NoError(t, err)
		require.Equal(t, "fresh", string(resp.Data))
		require.Equal(t, 0, nc.pendingRequests())
		// Both replies reached the shared inbox: the late one was dropped.
		inbox := nc.resp.sub
		require.Equal(t, uint64(2), inbox.Received())
		eventually(t, 5*time.Second, func() bool { return inbox.Delivered() == 2 })
		msgs, _ := inbox.Pending()
		require.Zero(t, msgs)
	})
}

func TestRequestsIndependentAndCancel(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		svc := connect(t, url)
		held := make(chan *Msg, 4)
		_, err := svc.Subscribe("req.hold", func(m *Msg) { held <- m })
		require.NoError(t, err)
		_, err = svc.Subscribe("req.echo", func(m *Msg) { _ = m.Respond(append([]byte("echo:"), m.Data...)) })
		require.NoError(t, err)
		require.NoError(t, svc.Flush(ctxTimeout(t, 5*time.Second)))

		type result struct {
			m   *Msg
			err error
		}
		slow := make(chan result, 1)
		go func() {
			m, err := nc.Request(ctxTimeout(t, 10*time.Second), "req.hold", []byte("slow"))
			slow <- result{m, err}
		}()
		heldSlow := <-held

		// A second request is answered while the first waits.
		resp, err := nc.Request(ctxTimeout(t, 5*time.Second), "req.echo", []byte("fast"))
		require.NoError(t, err)
		require.Equal(t, "echo:fast", string(resp.Data))
		require.Equal(t, 1, nc.pendingRequests())

		// Cancelling a third one: context.Canceled, not a timeout, and
		// the first is unaffected.
		ctx, cancel := context.WithCancel(context.Background())
		cancelled := make(chan error, 1)
		go func() {
			_, err := nc.Request(ctx, "req.hold", []byte("cancel me"))
			cancelled <- err
		}()
		<-held
		cancel()
		err = <-cancelled
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, ErrTimeout)
		require.Contains(t, err.Error(), "req.hold")
		require.Equal(t, 1, nc.pendingRequests())

		// A deadline: ErrTimeout.
		_, err = nc.Request(ctxTimeout(t, 30*time.Millisecond), "req.hold", []byte("deadline"))
		require.ErrorIs(t, err, ErrTimeout)
		<-held

		require.NoError(t, heldSlow.Respond([]byte("slow answer")))
		select {
		case r := <-slow:
			require.NoError(t, r.err)
			require.Equal(t, "slow answer", string(r.m.Data))
		case <-time.After(5 * time.Second):
			t.Fatal("first request never answered")
		}
		require.Equal(t, 0, nc.pendingRequests())

		// RequestMsg carries headers to the responder.
		_, err = svc.Subscribe("req.hdr", func(m *Msg) {
			r := NewMsg("")
			r.Header.Set("Seen", m.Header.Get("Ask"))
			_ = m.RespondMsg(r)
		})
		require.NoError(t, err)
		require.NoError(t, svc.Flush(ctxTimeout(t, 5*time.Second)))
		req := NewMsg("req.hdr")
		req.Header.Set("Ask", "42")
		resp, err = nc.RequestMsg(ctxTimeout(t, 5*time.Second), req)
		require.NoError(t, err)
		require.Equal(t, "42", resp.Header.Get("Seen"))
	})
}

func TestCloseFailsAllPendingRequests(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		_, err := nc.Subscribe("req.never", func(*Msg) {})
		require.NoError(t, err)
		const n = 5
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := nc.Request(context.Background(), "req.never", nil)
				errs <- err
			}()
		}
		eventually(t, 5*time.Second, func() bool { return nc.pendingRequests() == n })
		nc.Close()
		for range n {
			select {
			case err := <-errs:
				require.ErrorIs(t, err, ErrConnectionClosed)
			case <-time.After(5 * time.Second):
				t.Fatal("request not failed by Close")
			}
		}
		require.Equal(t, 0, nc.pendingRequests())
		start := time.Now()
		_, err = nc.Request(context.Background(), "req.never", nil)
		require.ErrorIs(t, err, ErrConnectionClosed)
		require.Less(t, time.Since(start), time.Second)
	})
}

func TestHeaderKeysAndValidation(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url)
		sub, err := nc.SubscribeSync("hdr.case")
		require.NoError(t, err)
		m := NewMsg("hdr.case")
		m.Header["x-lower"] = []string{"a"}
		m.Header["MiXeD-Case"] = []string{"b", "c"}
		m.Header.Set("set-canonical", "d")
		m.Header.Set("Empty", "")
		m.Header.Set("Spaced", "value with  spaces: and colons")
		require.NoError(t, nc.PublishMsg(m))
		got, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, []string{"a"}, got.Header["x-lower"], "key case kept")
		require.Equal(t, []string{"b", "c"}, got.Header["MiXeD-Case"])
		require.Equal(t, []string{"d"}, got.Header["Set-Canonical"])
		require.Equal(t, "a", got.Header.Get("X-Lower"))
		require.Equal(t, "", got.Header.Get("Empty"))
		require.Contains(t, got.Header, "Empty")
		require.Equal(t, "value with  spaces: and colons", got.Header.Get("spaced"))
		require.Zero(t, got.Status())

		bad := []Header{
			{"": {"v"}},
			{"Bad:Key": {"v"}},
			{"Bad Key": {"v"}},
			{"Bad\tKey": {"v"}},
			{"Bad\r\nKey": {"v"}},
			{"Key": {"line\r\nbreak"}},
			{"Key": {"ok", "lf\nonly"}},
			{"Key": {"cr\ronly"}},
		}
		for _, h := range bad {
			err := nc.PublishMsg(&Msg{Subject: "hdr.case", Header: h})
			require.ErrorIs(t, err, ErrBadHeader, "%q", h)
			_, err = nc.RequestMsg(ctxTimeout(t, time.Second), &Msg{Subject: "hdr.case", Header: h})
			require.ErrorIs(t, err, ErrBadHeader, "request with %q", h)
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
		_, err = sub.NextMsg(ctxTimeout(t, 50*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout, "nothing invalid was sent")
		require.Equal(t, 0, nc.pendingRequests())
	})
}

func TestSlowConsumerDropCounting(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		slowErrs := make(chan error, 100)
		nc := connect(t, url, ErrorHandler(func(_ *Conn, s *Subscription, err error) {
			if errors.Is(err, ErrSlowConsumer) {
				slowErrs <- err
			}
		}))
		events := recordSemEvents(nc)
		gate := make(chan struct{})
		entered := make(chan struct{}, 100)
		sub, err := nc.Subscribe("slow.msgs", func(*Msg) {
			entered <- struct{}{}
			<-gate
		})
		require.NoError(t, err)
		require.NoError(t, sub.SetPendingLimits(10, -1))
		payload := []byte("0123456789")

		episode := func(round int) {
			// One message held by the handler, then 25 more: 10 wait,
			// 15 are dropped.
			require.NoError(t, nc.Publish("slow.msgs", payload))
			<-entered
			for range 25 {
				require.NoError(t, nc.Publish("slow.msgs", payload))
			}
			require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))
			msgs, bytes := sub.Pending()
			require.Equal(t, 10, msgs)
			require.Equal(t, 10*len(payload), bytes)
			require.Equal(t, 15*round, sub.Dropped())
			select {
			case err := <-slowErrs:
				require.Contains(t, err.Error(), "slow.msgs")
			case <-time.After(5 * time.Second):
				t.Fatalf("episode %d: no slow consumer report", round)
			}
			time.Sleep(20 * time.Millisecond)
			require.Len(t, slowErrs, 0, "reported once per episode")
			// Recover: let the 11 held messages through.
			for range 11 {
				gate <- struct{}{}
			}
			eventually(t, 5*time.Second, func() bool { return sub.Delivered() == uint64(11*round) })
			for len(entered) > 0 {
				<-entered
			}
			msgs, _ = sub.Pending()
			require.Zero(t, msgs)
		}
		episode(1)
		episode(2)
		require.Equal(t, 2, events.count(EventSlowConsumer))
		ev := events.waitFor(t, EventSlowConsumer, time.Second)
		require.Same(t, sub, ev.Sub)
		close(gate)
		require.True(t, nc.IsConnected())
	})
}

func TestSlowConsumerMemoryBounded(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		nc := connect(t, url, ErrorHandler(func(*Conn, *Subscription, error) {}))
		// Defaults like nats.go.
		def, err := nc.SubscribeSync("slow.default")
		require.NoError(t, err)
		msgs, bytes := def.PendingLimits()
		require.Equal(t, 512*1024, msgs)
		require.Equal(t, 64*1024*1024, bytes)
		o := GetDefaultOptions()
		require.Equal(t, msgs, o.SubPendingMsgsLimit)
		require.Equal(t, bytes, o.SubPendingBytesLimit)
		nc2 := connect(t, url, SubPendingLimits(7, 700))
		s2, err := nc2.SubscribeSync("slow.opt")
		require.NoError(t, err)
		msgs, bytes = s2.PendingLimits()
		require.Equal(t, 7, msgs)
		require.Equal(t, 700, bytes)
		require.ErrorIs(t, s2.SetPendingLimits(0, 0), ErrBadSubscription)

		// A subscription nobody reads, flooded: the byte limit holds
		// (header bytes count too), and every message is either pending or
		// dropped.
		sub, err := nc.SubscribeSync("slow.flood")
		require.NoError(t, err)
		const limit = 64 << 10
		require.NoError(t, sub.SetPendingLimits(-1, limit))
		stop := make(chan struct{})
		var over atomic.Int32
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, b := sub.Pending(); b > limit {
					over.Add(1)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
		const n = 2000
		m := NewMsg("slow.flood")
		m.Header.Set("Pad", strings.Repeat("h", 200))
		m.Data = make([]byte, 800)
		for range n {
			require.NoError(t, nc.PublishMsg(m))
		}
		require.NoError(t, nc.Flush(ctxTimeout(t, 10*time.Second)))
		close(stop)
		pending, pbytes := sub.Pending()
		require.LessOrEqual(t, pbytes, limit)
		require.Zero(t, over.Load(), "pending bytes exceeded the limit")
		require.Less(t, pending, limit/800, "headers count against the byte limit")
		require.Equal(t, n, pending+sub.Dropped())
		require.Equal(t, uint64(n), sub.Received())
	})
}

func TestStatusEventsOnClose(t *testing.T) {
	forEachTransport(t, func(t *testing.T, url string) {
		var order []string
		var mu sync.Mutex
		add := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		nc, err := Connect(url,
			ConnectedHandler(func(*Conn) { add("connected") }),
			DisconnectErrHandler(func(_ *Conn, err error) { add(fmt.Sprintf("disconnected:%v", err)) }),
			ReconnectHandler(func(*Conn) { add("reconnected") }),
			ClosedHandler(func(*Conn) { add("closed") }))
		require.NoError(t, err)
		events := recordSemEvents(nc)
		statuses := nc.StatusChanged(Closed, Connected)
		all := nc.StatusChanged()
		removed := nc.StatusChanged()
		nc.RemoveStatusListener(removed)
		require.Equal(t, Connected, nc.Status())

		nc.Close()
		require.Equal(t, Closed, nc.Status())
		events.waitFor(t, EventClosed, 5*time.Second)
		nc.Close()
		time.Sleep(20 * time.Millisecond)
		require.Equal(t, []EventType{EventDisconnected, EventClosed}, events.types())
		mu.Lock()
		require.Equal(t, []string{"connected", "disconnected:<nil>", "closed"}, order)
		mu.Unlock()
		require.Equal(t, Closed, <-statuses)
		_, open := <-statuses
		require.False(t, open, "closed after Closed")
		require.Equal(t, Closed, <-all)
		select {
		case s, ok := <-removed:
			t.Fatalf("removed listener got %v (open %v)", s, ok)
		default:
		}
		// Asked after the close: Closed at once.
		late := nc.StatusChanged()
		require.Equal(t, Closed, <-late)
		_, open = <-late
		require.False(t, open)
	})
}
