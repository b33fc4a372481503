//go:build !js

// Command browserbench measures wsnats in headless Chromium next to the
// official JS client nats.ws and a raw WebSocket baseline, all against one
// embedded nats-server in one page:
//
//	go run ./scripts/browserbench            (or: make bench-browser)
//
// It builds wsnats.wasm and the Go-API benchmark module (gowasm/), fetches
// nats.ws with npm into a temporary directory, serves everything on
// 127.0.0.1 with COOP/COEP headers (5 µs timers), drives /usr/bin/chromium
// over the DevTools protocol with network tracing switched off, runs every
// measurement -reps times, and prints a markdown table of the medians (also
// written to artifacts/browser-bench.md).
//
// Clients: gowasm (the wsnats Go API inside wasm), bridge (wsnats through
// globalThis.wsnats), natsws, raw. Measurements: pub16, pub128, pub1k,
// pubsub, req. Tools for performance work:
//
//	-only pubsub              run some measurements only
//	-profile gowasm:pubsub    record a V8 CPU profile of one run (wasm built
//	                          with symbols), print self and total time per
//	                          function, write artifacts/profile-*.cpuprofile
//	                          (open it in DevTools)
//	-diag                     count WebSocket frames and bytes per run
//	-variant DIR              A/B in one page: DIR is a copy of this
//	                          repository with a changed wsnats; its Go API
//	                          runs as the extra client gowasmB
//	-ws-compression           turn on the server's permessage-deflate
//	-eval EXPR                evaluate JavaScript in the loaded page (the
//	                          server's ws:// URL is in benchServer)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type config struct {
	chromium   string
	reps       int
	natsWS     string // npm version of nats.ws
	yieldEvery int
	yieldMode  string
	out        string
	keep       bool
	profile    []string // client:scenario
	only       string   // run only scenarios whose key contains this
	verbose    bool
	diag       bool
	compress   bool
	variant    string // another checkout whose wsnats runs as client gowasmB
	eval       string // evaluate this in the page, print the result, exit
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("browserbench: ")
	var cfg config
	var profile string
	flag.StringVar(&cfg.chromium, "chromium", "/usr/bin/chromium", "Chromium binary")
	flag.IntVar(&cfg.reps, "reps", 3, "runs per measurement; the table shows the median")
	flag.StringVar(&cfg.natsWS, "natsws", "1.30.3", "nats.ws version to install with npm")
	flag.IntVar(&cfg.yieldEvery, "yield-every", 10000, "publish loops give the event loop a turn after this many messages")
	flag.StringVar(&cfg.yieldMode, "yield-mode", "macrotask", "how publish loops yield: macrotask (one event-loop task), flush (a PING/PONG round trip) or none")
	flag.StringVar(&cfg.out, "out", "artifacts/browser-bench.md", "markdown report (relative to the repository root); empty: none")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory (built wasm, page, nats.ws)")
	flag.StringVar(&profile, "profile", "", "profile these measurements instead of benchmarking, e.g. gowasm:pub128,bridge:pubsub")
	flag.StringVar(&cfg.only, "only", "", "run only measurements whose key contains this (pub16, pub128, pub1k, pubsub, req)")
	flag.BoolVar(&cfg.verbose, "v", false, "log the browser console and Chromium's output")
	flag.StringVar(&cfg.variant, "variant", "", "a copy of this repository with a changed wsnats: its Go API runs as an extra client (A/B in one page)")
	flag.StringVar(&cfg.eval, "eval", "", "evaluate this JavaScript in the loaded page (awaiting a promise), print the JSON result, and exit")
	flag.BoolVar(&cfg.compress, "ws-compression", false, "enable the server's WebSocket compression (permessage-deflate)")
	flag.BoolVar(&cfg.diag, "diag", false, "count WebSocket frames per run (adds a little overhead per frame)")
	flag.Parse()
	if profile != "" {
		cfg.profile = strings.Split(profile, ",")
	}
	switch cfg.yieldMode {
	case "macrotask", "flush", "none":
	default:
		log.Fatalf("-yield-mode must be macrotask, flush or none, not %q", cfg.yieldMode)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, cfg config) error {
	start := time.Now()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.chromium); err != nil {
		return fmt.Errorf("chromium not found at %s: run scripts/install-chromium.sh (%v)", cfg.chromium, err)
	}
	tmp, err := os.MkdirTemp("", "browserbench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		log.Printf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	assets, err := prepare(ctx, root, tmp, cfg)
	if err != nil {
		return err
	}
	log.Printf("built and fetched in %v", time.Since(start).Round(100*time.Millisecond))

	ns, err := startNATS(cfg.compress)
	if err != nil {
		return err
	}
	defer ns.Shutdown()

	httpURL, stopHTTP, err := serve(assets.webDir)
	if err != nil {
		return err
	}
	defer stopHTTP()

	b, err := startBrowser(ctx, cfg, filepath.Join(tmp, "profile"))
	if err != nil {
		return err
	}
	defer b.close()
	q := url.Values{}
	if cfg.diag {
		q.Set("diag", "1")
	}
	if cfg.variant != "" {
		q.Set("variant", "1")
		clients = slices.Insert(clients, 1, "gowasmB")
	}
	page := httpURL + "index.html"
	if len(q) > 0 {
		page += "?" + q.Encode()
	}
	if err := b.open(page); err != nil {
		return err
	}

	if cfg.eval != "" {
		// The expression finds the server's WebSocket URL in benchServer.
		if _, err := b.evaluate(fmt.Sprintf("globalThis.benchServer = %q", ns.WebsocketURL())); err != nil {
			return err
		}
		out, err := b.evaluate(cfg.eval)
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}
	plan := newPlan(cfg, ns.WebsocketURL())
	if len(cfg.profile) > 0 {
		return profileRuns(b, plan, cfg, root)
	}
	results, err := runPlan(b, ns, plan, cfg)
	if err != nil {
		return err
	}
	report := renderReport(results, assets, b.env, cfg, time.Since(start))
	fmt.Print(report)
	if cfg.out != "" {
		out := cfg.out
		if !filepath.IsAbs(out) {
			out = filepath.Join(root, out)
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			return err
		}
		log.Printf("wrote %s (total %v)", out, time.Since(start).Round(time.Second))
	}
	return nil
}

// repoRoot returns the directory above the working directory that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory: run from the repository")
		}
		dir = parent
	}
}
