//go:build !js

package agent

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// startServer runs an embedded nats-server on loopback with a TCP and a
// websocket listener, on free ports unless mods fix them, and shuts it
// down at the end of the test.
func startServer(t *testing.T, mods ...func(*natsserver.Options)) *natsserver.Server {
	t.Helper()
	o := &natsserver.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		NoLog:     true,
		NoSigs:    true,
		Websocket: natsserver.WebsocketOpts{Host: "127.0.0.1", Port: -1, NoTLS: true},
	}
	for _, m := range mods {
		m(o)
	}
	s, err := natsserver.NewServer(o)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server did not start")
	t.Cleanup(s.Shutdown)
	return s
}

// connectWS connects wsnats to the server's websocket listener.
func connectWS(t *testing.T, url string, opts ...wsnats.Option) *wsnats.Conn {
	t.Helper()
	nc, err := wsnats.Connect(url, append([]wsnats.Option{wsnats.Timeout(2 * time.Second)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// connectTCP connects a nats.go client to the server.
func connectTCP(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// portOf returns the port of a server URL.
func portOf(t *testing.T, raw string) int {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	p, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	return p
}

func flush(t *testing.T, nc *wsnats.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, nc.Flush(ctx))
}

// receive waits for the next message on ch.
func receive(t *testing.T, ch <-chan Message) Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
		return Message{}
	}
}

func TestNATSAgentsReceiveFromNATSGo(t *testing.T) {
	srv := startServer(t)
	wc := connectWS(t, srv.WebsocketURL())
	s, _ := newTestSupervisor(t, WithNATS(wc))
	require.True(t, s.NATSConnected())
	got := make(chan Message, 10)
	recv := factoryOf(func(ctx Context, m Message) error { got <- m; return nil })
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "rx", NATSEnabled: true}}, recv))
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "counter", NATSEnabled: true}, {ID: "echo", NATSEnabled: true}}, func(cfg Config) (Agent, error) {
		f, _ := Lookup(string(cfg.ID))
		return f(cfg)
	}))
	flush(t, wc)

	nc := connectTCP(t, srv.ClientURL())
	bin := []byte{0, 0xff, 0x80, '\n'}
	require.NoError(t, nc.Publish("agents.rx", []byte(`{"k":"v"}`)))
	require.NoError(t, nc.Publish("agents.rx", bin))
	require.NoError(t, nc.Publish("agents.rx", []byte(`{"id":"m7","from":"elsewhere","to":"rx","payload":true,"timestamp":1}`)))
	require.NoError(t, nc.Flush())

	m := receive(t, got)
	require.Equal(t, "nats", m.From)
	require.Equal(t, "agents.rx", m.To)
	require.JSONEq(t, `{"k":"v"}`, string(m.Payload))
	m = receive(t, got)
	raw, err := m.RawBytes()
	require.NoError(t, err)
	require.Equal(t, bin, raw)
	m = receive(t, got)
	require.Equal(t, "m7", m.ID)
	require.Equal(t, "elsewhere", m.From)

	// Request/reply through the bridge: the counter answers the reply
	// subject with its count, the echo with the payload.
	resp, err := nc.Request("agents.counter", []byte(`"tick"`), 5*time.Second)
	require.NoError(t, err)
	var out Message
	require.NoError(t, json.Unmarshal(resp.Data, &out))
	require.Equal(t, "counter", out.From)
	require.JSONEq(t, `{"count":1}`, string(out.Payload))

	resp, err = nc.Request("agents.echo", []byte(`{"hello":"world"}`), 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(resp.Data, &out))
	require.Equal(t, "echo", out.From)
	require.JSONEq(t, `{"hello":"world"}`, string(out.Payload))
}

func TestFallbackAcrossServerRestart(t *testing.T) {
	srv := startServer(t)
	wc := connectWS(t, srv.WebsocketURL(), wsnats.ReconnectWait(50*time.Millisecond), wsnats.ReconnectJitter(10*time.Millisecond),
		wsnats.MaxReconnects(-1), wsnats.DontRandomize())
	s, rec := newTestSupervisor(t, WithNATS(wc))

	got := make(chan Message, 100)
	rx := factoryOf(func(ctx Context, m Message) error { got <- m; return nil })
	// "tx" publishes each message it gets to agents.rx: over NATS when
	// connected, over the local bus when not.
	tx := factoryOf(func(ctx Context, m Message) error {
		return ctx.Publish(ctx.Subject("rx"), Message{Payload: m.Payload})
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "rx", NATSEnabled: true}}, rx))
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "tx", NATSEnabled: true}}, tx))
	flush(t, wc)

	// 1. Over NATS.
	nc := connectTCP(t, srv.ClientURL())
	seen := make(chan *nats.Msg, 100)
	_, err := nc.ChanSubscribe("agents.rx", seen)
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	require.NoError(t, s.Send("tx", Message{Payload: json.RawMessage(`1`)}))
	require.Equal(t, `1`, string(receive(t, got).Payload))
	select {
	case <-seen: // it went through the server
	case <-time.After(5 * time.Second):
		t.Fatal("the publish did not go over NATS")
	}
	nc.Close()

	// 2. The server goes away: agents keep working locally.
	port, wsPort := portOf(t, srv.ClientURL()), portOf(t, srv.WebsocketURL())
	srv.Shutdown()
	rec.wait(t, EventNATSDisconnected, "", 1)
	require.False(t, s.NATSConnected())
	for i := 2; i <= 4; i++ {
		p, _ := json.Marshal(i)
		require.NoError(t, s.Send("tx", Message{Payload: p}))
		require.Equal(t, string(p), string(receive(t, got).Payload))
	}
	require.NoError(t, s.Send("rx", Message{Payload: json.RawMessage(`"direct"`)}))
	require.Equal(t, `"direct"`, string(receive(t, got).Payload))

	// 3. A new server on the same ports: wsnats reconnects, NATS resumes.
	srv2 := startServer(t, func(o *natsserver.Options) {
		o.Port = port
		o.Websocket.Port = wsPort
	})
	rec.wait(t, EventNATSConnected, "", 1)
	require.True(t, s.NATSConnected())
	flush(t, wc) // the subscriptions are back on the server
	nc2 := connectTCP(t, srv2.ClientURL())
	require.NoError(t, nc2.Publish("agents.rx", []byte(`"from nats.go"`)))
	require.NoError(t, nc2.Flush())
	m := receive(t, got)
	require.Equal(t, "nats", m.From)
	require.Equal(t, `"from nats.go"`, string(m.Payload))

	seen2 := make(chan *nats.Msg, 100)
	_, err = nc2.ChanSubscribe("agents.rx", seen2)
	require.NoError(t, err)
	require.NoError(t, nc2.Flush())
	require.NoError(t, s.Send("tx", Message{Payload: json.RawMessage(`5`)}))
	require.Equal(t, `5`, string(receive(t, got).Payload))
	select {
	case <-seen2:
	case <-time.After(5 * time.Second):
		t.Fatal("publishing did not go back to NATS")
	}
	for _, id := range []AgentID{"rx", "tx"} {
		st, _ := s.Status(id)
		require.Zero(t, st.Restarts, id)
		require.Zero(t, st.Dropped, id)
	}
}

func TestWithNATSNilIsLocalOnly(t *testing.T) {
	s, _ := newTestSupervisor(t, WithNATS(nil))
	require.False(t, s.NATSConnected())
	fb, ok := s.Messenger().(*Fallback)
	require.True(t, ok)
	require.Nil(t, fb.Primary())

	// A connection made later is attached to the running supervisor.
	got := make(chan Message, 1)
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "late", NATSEnabled: true}},
		factoryOf(func(ctx Context, m Message) error { got <- m; return nil })))
	srv := startServer(t)
	wc := connectWS(t, srv.WebsocketURL())
	require.NoError(t, fb.SetPrimary(NATS(wc)))
	require.True(t, s.NATSConnected())
	flush(t, wc)
	nc := connectTCP(t, srv.ClientURL())
	require.NoError(t, nc.Publish("agents.late", []byte(`"hi"`)))
	require.Equal(t, `"hi"`, string(receive(t, got).Payload))
}
