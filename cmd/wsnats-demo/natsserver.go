//go:build !js

package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS starts an embedded nats-server with a TCP and a WebSocket
// listener, and waits until both accept connections.
func startNATS(cfg config, logger *slog.Logger) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "wsnats-demo",
		Host:       cfg.host,
		Port:       serverPort(cfg.natsPort),
		NoSigs:     true, // this program handles signals itself
		Debug:      cfg.trace,
		Trace:      cfg.trace,
		Websocket: server.WebsocketOpts{
			Host:  cfg.host,
			Port:  serverPort(cfg.wsPort),
			NoTLS: true, // local demo: plain ws://
		},
	}
	if cfg.token != "" {
		// Applies to WebSocket clients too: the websocket block has no
		// authorization of its own.
		opts.Authorization = cfg.token
	}

	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	sl := &serverLogger{log: logger.With("component", "nats-server")}
	ns.SetLogger(sl, cfg.trace, cfg.trace)
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		if msg := sl.lastFatal(); msg != "" {
			return nil, fmt.Errorf("nats server did not start: %s", msg)
		}
		return nil, fmt.Errorf("nats server did not start within 10s (ports %d/%d in use?)", cfg.natsPort, cfg.wsPort)
	}
	return ns, nil
}

// serverPort maps this program's "0 = any free port" to nats-server's, where
// 0 means the default port and -1 picks a free one.
func serverPort(p int) int {
	if p == 0 {
		return server.RANDOM_PORT
	}
	return p
}

// listenPorts returns the ports of the WebSocket and the NATS URL.
func listenPorts(wsURL, natsURL string) (wsPort, natsPort int, err error) {
	port := func(raw string) (int, error) {
		u, err := url.Parse(raw)
		if err != nil {
			return 0, err
		}
		p, err := strconv.Atoi(u.Port())
		if err != nil || p <= 0 {
			return 0, fmt.Errorf("no port in server URL %q", raw)
		}
		return p, nil
	}
	if wsPort, err = port(wsURL); err != nil {
		return 0, 0, err
	}
	if natsPort, err = port(natsURL); err != nil {
		return 0, 0, err
	}
	return wsPort, natsPort, nil
}

// serverLogger sends nats-server's log to slog. Notices (the start-up
// banner and the like) and the trace are logged at debug level, so they only
// show with -trace; warnings and errors always show.
type serverLogger struct {
	log *slog.Logger

	mu    sync.Mutex
	fatal string
}

func (l *serverLogger) Noticef(format string, v ...any) {
	l.log.Debug(strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l *serverLogger) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.Contains(msg, "not configured with TLS") {
		// Expected: the demo serves plain ws:// on loopback.
		l.log.Debug(msg)
		return
	}
	l.log.Warn(msg)
}

// Fatalf logs and remembers the message; unlike the server's own logger it
// does not exit, so that start-up failures come back as errors.
func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.mu.Lock()
	l.fatal = msg
	l.mu.Unlock()
	l.log.Error(msg)
}

func (l *serverLogger) Errorf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...))
}

func (l *serverLogger) Debugf(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...))
}

func (l *serverLogger) Tracef(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "trace", true)
}

func (l *serverLogger) lastFatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatal
}
