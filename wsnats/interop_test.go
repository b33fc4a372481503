//go:build !js

package wsnats

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// These tests check wsnats against nats.go, an independent implementation
// of the protocol, through the same embedded server. wsnats runs over TCP
// and over WebSocket; nats.go always uses TCP.

// interopTimeout bounds every wait in these tests.
const interopTimeout = 10 * time.Second

// forEachInterop starts one server and runs fn once per wsnats transport,
// with a fresh wsnats connection, a nats.go connection and a subject prefix
// unique to the run.
func forEachInterop(t *testing.T, fn func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string)) {
	s := startServer(t)
	urls := transports(t, s)
	for _, name := range slices.Sorted(maps.Keys(urls)) {
		t.Run(name, func(t *testing.T) {
			wc := connect(t, urls[name])
			nc := connectNatsGo(t, s.ClientURL())
			fn(t, wc, nc, "interop."+name)
		})
	}
}

func connectNatsGo(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.NoReconnect(), nats.Name("interop-natsgo"))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// binaryPayload holds every byte value, CR and LF included.
func binaryPayload() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// bigPayload is 512 KiB of a pattern that is not periodic in 256, so a
// shifted or truncated copy does not compare equal.
func bigPayload() []byte {
	b := make([]byte, 512<<10)
	for i := range b {
		b[i] = byte(i*31 + i>>9)
	}
	return b
}

// interopHeaders returns header fields whose keys are deliberately not in
// canonical form: the receiver must see each key exactly as sent.
func interopHeaders() map[string][]string {
	return map[string][]string{
		"X-Multi":        {"one", "two", "three"},
		"lower-case-key": {"v"},
		"MiXeD-CaSe":     {"value with spaces"},
		"X-Colon":        {"a:b:c"},
	}
}

func TestInteropNatsGoPublishToWsnats(t *testing.T) {
	forEachInterop(t, func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string) {
		subj := prefix + ".in"
		sub, err := wc.SubscribeSync(subj)
		require.NoError(t, err)
		require.NoError(t, wc.Flush(ctxTimeout(t, interopTimeout)), "SUB registered before nats.go publishes")

		bin, big := binaryPayload(), bigPayload()
		type sent struct {
			reply  string
			header map[string][]string
			data   []byte
		}
		cases := []sent{
			{data: bin},
			{reply: prefix + ".reply.bin", header: interopHeaders(), data: bin},
			{data: big},
			{reply: prefix + ".reply.big", header: interopHeaders(), data: big},
			{reply: prefix + ".reply.empty", header: map[string][]string{"Only-Header": {"x"}}},
			{data: []byte{}},
		}
		for _, c := range cases {
			m := &nats.Msg{Subject: subj, Reply: c.reply, Data: c.data}
			if c.header != nil {
				m.Header = nats.Header(c.header)
			}
			require.NoError(t, nc.PublishMsg(m))
		}
		require.NoError(t, nc.Flush())

		for i, c := range cases {
			got, err := sub.NextMsg(ctxTimeout(t, interopTimeout))
			require.NoError(t, err, "message %d", i)
			require.Equal(t, subj, got.Subject, "message %d", i)
			require.Equal(t, c.reply, got.Reply, "message %d", i)
			require.Equal(t, len(c.data), len(got.Data), "message %d: payload length", i)
			require.True(t, bytes.Equal(c.data, got.Data), "message %d: payload bytes intact", i)
			if c.header == nil {
				require.Nil(t, got.Header, "message %d: no headers were sent", i)
			} else {
				require.Equal(t, Header(c.header), got.Header, "message %d: keys keep their case, values their order", i)
			}
			require.Zero(t, got.Status(), "message %d: not a status message", i)
			if i == 1 {
				require.Equal(t, "v", got.Header.Get("LOWER-CASE-KEY"), "getters find a received key in any case")
				require.Equal(t, []string{"one", "two", "three"}, got.Header.Values("x-multi"))
			}
		}
		_, err = sub.NextMsg(ctxTimeout(t, 100*time.Millisecond))
		require.ErrorIs(t, err, ErrTimeout, "nothing more than what was sent")
	})
}

func TestInteropWsnatsPublishToNatsGo(t *testing.T) {
	forEachInterop(t, func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string) {
		subj := prefix + ".out"
		sub, err := nc.SubscribeSync(subj)
		require.NoError(t, err)
		require.NoError(t, nc.Flush(), "SUB registered before wsnats publishes")

		bin, big := binaryPayload(), bigPayload()
		cases := []*Msg{
			{Subject: subj, Data: bin},
			{Subject: subj, Reply: prefix + ".reply.bin", Header: Header(interopHeaders()), Data: bin},
			{Subject: subj, Reply: prefix + ".reply.big", Header: Header(interopHeaders()), Data: big},
			{Subject: subj, Data: big},
			{Subject: subj, Reply: prefix + ".reply.empty", Header: Header{"Only-Header": {"x"}}},
		}
		for _, m := range cases {
			require.NoError(t, wc.PublishMsg(m))
		}
		require.NoError(t, wc.Publish(subj, nil))
		require.NoError(t, wc.Flush(ctxTimeout(t, interopTimeout)))

		for i, want := range cases {
			got, err := sub.NextMsg(interopTimeout)
			require.NoError(t, err, "message %d", i)
			require.Equal(t, subj, got.Subject, "message %d", i)
			require.Equal(t, want.Reply, got.Reply, "message %d", i)
			require.Equal(t, len(want.Data), len(got.Data), "message %d: payload length", i)
			require.True(t, bytes.Equal(want.Data, got.Data), "message %d: payload bytes intact", i)
			if want.Header == nil {
				require.Empty(t, got.Header, "message %d: no headers were sent", i)
			} else {
				require.Equal(t, nats.Header(want.Header), got.Header, "message %d: keys keep their case, values their order", i)
			}
		}
		got, err := sub.NextMsg(interopTimeout)
		require.NoError(t, err)
		require.Empty(t, got.Data, "empty publish")
		require.Empty(t, got.Header)
		_, err = sub.NextMsg(100 * time.Millisecond)
		require.ErrorIs(t, err, nats.ErrTimeout, "nothing more than what was sent")
	})
}

func TestInteropRequestReply(t *testing.T) {
	forEachInterop(t, func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string) {
		t.Run("wsnats requests, nats.go responds", func(t *testing.T) {
			subj := prefix + ".svc.natsgo"
			_, err := nc.Subscribe(subj, func(m *nats.Msg) {
				r := nats.NewMsg(m.Reply)
				r.Header["X-Echo-Id"] = m.Header.Values("X-Req-Id")
				r.Header["x-lower"] = []string{"from", "nats.go"}
				r.Data = append([]byte("re:"), m.Data...)
				_ = m.RespondMsg(r)
			})
			require.NoError(t, err)
			require.NoError(t, nc.Flush())

			req := &Msg{Subject: subj, Header: Header{"X-Req-Id": {"42"}}, Data: binaryPayload()}
			resp, err := wc.RequestMsg(ctxTimeout(t, interopTimeout), req)
			require.NoError(t, err)
			require.Equal(t, append([]byte("re:"), binaryPayload()...), resp.Data)
			require.Equal(t, Header{"X-Echo-Id": {"42"}, "x-lower": {"from", "nats.go"}}, resp.Header)
			require.Equal(t, []string{"from", "nats.go"}, resp.Header.Values("X-Lower"), "getter ignores case")
			require.Zero(t, resp.Status())

			resp, err = wc.Request(ctxTimeout(t, interopTimeout), subj, []byte("plain"))
			require.NoError(t, err)
			require.Equal(t, "re:plain", string(resp.Data))
			require.Empty(t, resp.Header.Values("X-Echo-Id"), "no request header, nothing echoed")
		})

		t.Run("nats.go requests, wsnats responds", func(t *testing.T) {
			subj := prefix + ".svc.wsnats"
			_, err := wc.Subscribe(subj, func(m *Msg) {
				h := Header{"x-lower": {"from", "wsnats"}}
				if id := m.Header.Values("X-Req-Id"); id != nil {
					h["X-Echo-Id"] = id
				}
				_ = m.RespondMsg(&Msg{Header: h, Data: append([]byte("re:"), m.Data...)})
			})
			require.NoError(t, err)
			require.NoError(t, wc.Flush(ctxTimeout(t, interopTimeout)))

			req := nats.NewMsg(subj)
			req.Header["X-Req-Id"] = []string{"7"}
			req.Data = binaryPayload()
			resp, err := nc.RequestMsg(req, interopTimeout)
			require.NoError(t, err)
			require.Equal(t, append([]byte("re:"), binaryPayload()...), resp.Data)
			require.Equal(t, nats.Header{"X-Echo-Id": {"7"}, "x-lower": {"from", "wsnats"}}, resp.Header)

			resp, err = nc.Request(subj, []byte("plain"), interopTimeout)
			require.NoError(t, err)
			require.Equal(t, "re:plain", string(resp.Data))
			require.Equal(t, nats.Header{"x-lower": {"from", "wsnats"}}, resp.Header)
		})
	})
}

func TestInteropNoResponders(t *testing.T) {
	forEachInterop(t, func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string) {
		nobody := prefix + ".nobody"

		// The reference: the server answers nats.go's request with a 503.
		_, err := nc.Request(nobody, []byte("x"), interopTimeout)
		require.ErrorIs(t, err, nats.ErrNoResponders)

		_, err = wc.Request(ctxTimeout(t, interopTimeout), nobody, []byte("x"))
		require.ErrorIs(t, err, ErrNoResponders)
		_, err = wc.RequestMsg(ctxTimeout(t, interopTimeout), &Msg{Subject: nobody, Header: Header{"K": {"v"}}})
		require.ErrorIs(t, err, ErrNoResponders, "with request headers too")

		// The status message itself, seen through a plain subscription.
		inbox := wc.NewInbox()
		sub, err := wc.SubscribeSync(inbox)
		require.NoError(t, err)
		require.NoError(t, wc.Flush(ctxTimeout(t, interopTimeout)))
		require.NoError(t, wc.PublishRequest(nobody, inbox, []byte("x")))
		m, err := sub.NextMsg(ctxTimeout(t, interopTimeout))
		require.NoError(t, err, "the server sends a status message to the reply subject")
		require.Equal(t, inbox, m.Subject)
		require.Equal(t, StatusNoResponders, m.Status())
		require.Empty(t, m.Data)

		// An ordinary reply is not a status message.
		_, err = nc.Subscribe(prefix+".somebody", func(m *nats.Msg) { _ = m.Respond([]byte("here")) })
		require.NoError(t, err)
		require.NoError(t, nc.Flush())
		require.NoError(t, wc.PublishRequest(prefix+".somebody", inbox, nil))
		m, err = sub.NextMsg(ctxTimeout(t, interopTimeout))
		require.NoError(t, err)
		require.Equal(t, "here", string(m.Data))
		require.Zero(t, m.Status())
	})
}

// concurrentRequests is how many requests are in flight at once.
const concurrentRequests = 1000

func TestInteropConcurrentRequests(t *testing.T) {
	forEachInterop(t, func(t *testing.T, wc *Conn, nc *nats.Conn, prefix string) {
		t.Run("wsnats requests, nats.go responds", func(t *testing.T) {
			subj := prefix + ".many.natsgo"
			var served atomic.Int64
			_, err := nc.Subscribe(subj, func(m *nats.Msg) {
				served.Add(1)
				r := nats.NewMsg(m.Reply)
				r.Header["Seq"] = m.Header.Values("Seq")
				r.Data = append([]byte("re:"), m.Data...)
				_ = m.RespondMsg(r)
			})
			require.NoError(t, err)
			require.NoError(t, nc.Flush())

			errs := make([]error, concurrentRequests)
			var wg sync.WaitGroup
			for i := range concurrentRequests {
				wg.Go(func() {
					seq := strconv.Itoa(i)
					req := &Msg{Subject: subj, Header: Header{"Seq": {seq}}, Data: []byte("req-" + seq)}
					ctx, cancel := interopCtx()
					defer cancel()
					resp, err := wc.RequestMsg(ctx, req)
					var data []byte
					var h map[string][]string
					if resp != nil {
						data, h = resp.Data, resp.Header
					}
					errs[i] = checkEcho(seq, err, data, h)
				})
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "request %d", i)
			}
			require.EqualValues(t, concurrentRequests, served.Load(), "one request reached the responder per call")
		})

		t.Run("nats.go requests, wsnats responds", func(t *testing.T) {
			subj := prefix + ".many.wsnats"
			var served atomic.Int64
			_, err := wc.Subscribe(subj, func(m *Msg) {
				served.Add(1)
				_ = m.RespondMsg(&Msg{Header: Header{"Seq": m.Header.Values("Seq")}, Data: append([]byte("re:"), m.Data...)})
			})
			require.NoError(t, err)
			require.NoError(t, wc.Flush(ctxTimeout(t, interopTimeout)))

			errs := make([]error, concurrentRequests)
			var wg sync.WaitGroup
			for i := range concurrentRequests {
				wg.Go(func() {
					seq := strconv.Itoa(i)
					req := nats.NewMsg(subj)
					req.Header["Seq"] = []string{seq}
					req.Data = []byte("req-" + seq)
					resp, err := nc.RequestMsg(req, interopTimeout)
					var data []byte
					var h map[string][]string
					if resp != nil {
						data, h = resp.Data, resp.Header
					}
					errs[i] = checkEcho(seq, err, data, h)
				})
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "request %d", i)
			}
			require.EqualValues(t, concurrentRequests, served.Load(), "one request reached the responder per call")
		})
	})
}

// checkEcho reports whether a reply matches the request numbered seq.
func checkEcho(seq string, err error, data []byte, h map[string][]string) error {
	if err != nil {
		return err
	}
	if want := "re:req-" + seq; string(data) != want {
		return fmt.Errorf("reply payload %q, want %q", data, want)
	}
	if got := h["Seq"]; len(got) != 1 || got[0] != seq {
		return fmt.Errorf("reply header Seq %q, want [%q]", got, seq)
	}
	return nil
}

// interopCtx is a context for goroutines that must not touch t.
func interopCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), interopTimeout)
}
