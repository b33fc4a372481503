//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS starts an embedded nats-server on loopback with a TCP and a
// plain-ws WebSocket listener on free ports.
// With compression, the server sends each flush as one (fragmented)
// compressed WebSocket message instead of separate 4 KiB messages.
func startNATS(compression bool) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "browserbench",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		NoSigs:     true,
		NoLog:      true,
		Websocket: server.WebsocketOpts{
			Host:        "127.0.0.1",
			Port:        server.RANDOM_PORT,
			NoTLS:       true,
			Compression: compression,
		},
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("nats-server did not start within 10s")
	}
	return ns, nil
}

// serverCounts reads the server's message counters.
func serverCounts(ns *server.Server) (in, out int64, err error) {
	v, err := ns.Varz(nil)
	if err != nil {
		return 0, 0, err
	}
	return v.InMsgs, v.OutMsgs, nil
}

// serve serves dir on a free loopback port. COOP/COEP make the page
// cross-origin isolated, which gives performance.now() 5 µs resolution
// instead of 100 µs.
func serve(dir string) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	files := http.FileServer(http.Dir(dir))
	types := map[string]string{
		".wasm": "application/wasm",
		".js":   "text/javascript; charset=utf-8",
		".html": "text/html; charset=utf-8",
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cache-Control", "no-store")
		if t, ok := types[filepath.Ext(r.URL.Path)]; ok {
			w.Header().Set("Content-Type", t)
		} else if t := mime.TypeByExtension(filepath.Ext(r.URL.Path)); t != "" {
			w.Header().Set("Content-Type", t)
		}
		files.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
