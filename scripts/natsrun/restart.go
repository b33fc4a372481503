package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// restartable is a server that browser tests may restart through a small
// HTTP control endpoint (NATS_CONTROL_URL), with a nats.go observer that
// records what is published on "restart.>".
//
//	POST /reset             forget what the observer received
//	POST /restart?down=MS   shut the server down, wait MS, start it again on
//	                        the same ports; answers once the observer is
//	                        subscribed again
//	GET  /received          JSON array of the payloads received, in order
type restartable struct {
	mu       sync.Mutex
	srv      *server.Server
	opts     server.Options
	received []string
	obs      *nats.Conn
	http     *http.Server
}

func startRestartable() (*restartable, []string, error) {
	r := &restartable{opts: server.Options{
		Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true,
		Websocket: server.WebsocketOpts{Host: "127.0.0.1", Port: -1, NoTLS: true},
	}}
	if err := r.start(); err != nil {
		return nil, nil, err
	}
	// Keep the ports for restarts.
	r.opts.Port = r.srv.Addr().(*net.TCPAddr).Port
	wsAddr, err := net.ResolveTCPAddr("tcp", r.srv.WebsocketURL()[len("ws://"):])
	if err != nil {
		return nil, nil, err
	}
	r.opts.Websocket.Port = wsAddr.Port
	obs, err := nats.Connect(r.srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to connect the observer: %w", err)
	}
	r.obs = obs
	if _, err := obs.Subscribe("restart.>", func(m *nats.Msg) {
		r.mu.Lock()
		r.received = append(r.received, string(m.Data))
		r.mu.Unlock()
	}); err != nil {
		return nil, nil, err
	}
	if err := obs.Flush(); err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reset", r.reset)
	mux.HandleFunc("POST /restart", r.restart)
	mux.HandleFunc("GET /received", r.list)
	r.http = &http.Server{Handler: cors(mux), ReadHeaderTimeout: 5 * time.Second}
	go r.http.Serve(ln)
	env := []string{
		"NATS_RESTART_WS_URL=" + r.srv.WebsocketURL(),
		"NATS_CONTROL_URL=http://" + ln.Addr().String(),
	}
	return r, env, nil
}

func (r *restartable) start() error {
	opts := r.opts
	s, err := server.NewServer(&opts)
	if err != nil {
		return fmt.Errorf("failed to create the restartable server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		return fmt.Errorf("the restartable server did not start")
	}
	r.srv = s
	return nil
}

func cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		h.ServeHTTP(w, req)
	})
}

func (r *restartable) reset(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	r.received = nil
	r.mu.Unlock()
}

func (r *restartable) restart(w http.ResponseWriter, req *http.Request) {
	down, _ := strconv.Atoi(req.URL.Query().Get("down"))
	r.srv.Shutdown()
	r.srv.WaitForShutdown()
	time.Sleep(time.Duration(down) * time.Millisecond)
	if err := r.start(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for !r.obs.IsConnected() || r.obs.Flush() != nil {
		if time.Now().After(deadline) {
			http.Error(w, "the observer did not reconnect", http.StatusInternalServerError)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *restartable) list(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	out, _ := json.Marshal(r.received)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

func (r *restartable) shutdown() {
	if r == nil {
		return
	}
	r.http.Close()
	r.obs.Close()
	r.srv.Shutdown()
}
