//go:build !js

// Command wsnats-demo runs everything the wasm-nats demo page needs on one
// machine: an embedded nats-server that accepts TCP and WebSocket clients,
// and an HTTP server for the web/ directory (the page, the loader and
// wsnats.wasm).
//
// Usage:
//
//	make build && go run ./cmd/wsnats-demo
//
// then open the printed URL. Ports given as 0 are picked by the system; the
// program prints the real addresses, and a machine-readable line
//
//	wsnats-demo: ready http=http://127.0.0.1:8000/ ws=ws://127.0.0.1:8080 nats=nats://127.0.0.1:4222
//
// once everything accepts connections.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// config holds the command line settings.
type config struct {
	host     string // interface of the NATS TCP and WebSocket listeners
	natsPort int    // NATS TCP port, 0 = pick a free one
	wsPort   int    // NATS WebSocket port, 0 = pick a free one
	httpAddr string // address of the web server
	webDir   string // directory served over HTTP
	token    string // if set, the NATS server requires this token
	trace    bool   // log the NATS server's debug and protocol trace
}

func main() {
	var cfg config
	flag.StringVar(&cfg.host, "host", "127.0.0.1", "interface for the NATS TCP and WebSocket listeners")
	flag.IntVar(&cfg.natsPort, "nats-port", 4222, "NATS TCP port (0 picks a free port)")
	flag.IntVar(&cfg.wsPort, "ws-port", 8080, "NATS WebSocket port (0 picks a free port)")
	flag.StringVar(&cfg.httpAddr, "http", "127.0.0.1:8000", "address of the web server (port 0 picks a free port)")
	flag.StringVar(&cfg.webDir, "web", "web", "directory with index.html, wsnats.js, wasm_exec.js and wsnats.wasm")
	flag.StringVar(&cfg.token, "token", "", "require this token from NATS clients")
	flag.BoolVar(&cfg.trace, "trace", false, "log the NATS server's debug output and protocol trace")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: wsnats-demo [flags]\n\nServes the wasm-nats demo page and runs a NATS server for it.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	level := slog.LevelInfo
	if cfg.trace {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, logger); err != nil {
		fmt.Fprintf(os.Stderr, "wsnats-demo: %v\n", err)
		os.Exit(1)
	}
}

// run starts the servers, prints where they are, and serves until ctx ends.
func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	if err := checkWebDir(cfg.webDir); err != nil {
		return err
	}

	ns, err := startNATS(cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		logger.Info("nats server stopped")
	}()

	wsURL := ns.WebsocketURL()
	natsURL := ns.ClientURL()
	wsPort, natsPort, err := listenPorts(wsURL, natsURL)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return fmt.Errorf("web server: %w", err)
	}
	handler, err := newWebHandler(cfg.webDir, webConfig{WSPort: wsPort, NATSPort: natsPort}, logger)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	httpURL := "http://" + ln.Addr().String() + "/"
	fmt.Printf("wasm-nats demo\n  page:      %s\n  websocket: %s\n  nats:      %s\n", httpURL, wsURL, natsURL)
	fmt.Printf("open %s in a browser; press Ctrl+C to stop\n", httpURL)
	fmt.Printf("wsnats-demo: ready http=%s ws=%s nats=%s\n", httpURL, wsURL, natsURL)

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-serveErr:
		return fmt.Errorf("web server: %w", err)
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("web server shutdown", "err", err)
	}
	return nil
}

// checkWebDir makes sure the directory holds the files the page needs, so a
// forgotten build fails here with a hint instead of in the browser.
func checkWebDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("web directory %q not found (run from the repository root, or pass -web)", dir)
	}
	for _, name := range []string{"wsnats.wasm", "wsnats-agents.wasm", "wasm_exec.js", "index.html", "wsnats.js"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s is missing: run \"make build\" first", filepath.Join(dir, name))
		}
	}
	return nil
}
