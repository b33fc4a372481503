//go:build !js

package wsnats

import (
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// startServer runs an embedded nats-server on loopback with a TCP and a
// websocket listener on free ports. Extra settings go through mods.
func startServer(t testing.TB, mods ...func(*natsserver.Options)) *natsserver.Server {
	t.Helper()
	o := &natsserver.Options{
		Host:   "127.0.0.1",
		Port:   -1,
		NoLog:  true,
		NoSigs: true,
		Websocket: natsserver.WebsocketOpts{
			Host:  "127.0.0.1",
			Port:  -1,
			NoTLS: true,
		},
	}
	for _, m := range mods {
		m(o)
	}
	s, err := natsserver.NewServer(o)
	if err != nil {
		t.Fatalf("failed to create nats-server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// transports returns the URLs to run a test over: TCP and WebSocket.
func transports(t testing.TB, s *natsserver.Server) map[string]string {
	return map[string]string{"tcp": s.ClientURL(), "ws": s.WebsocketURL()}
}

// testURLs starts a server and returns one URL per transport.
func testURLs(t *testing.T) map[string]string {
	return transports(t, startServer(t))
}
