//go:build !js

package main

import (
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Clients, in table column order.
var clients = []string{"gowasm", "bridge", "natsws", "raw"}

var clientNames = map[string]string{
	"gowasm":  "wsnats Go/wasm",
	"gowasmB": "wsnats Go/wasm (variant)",
	"bridge":  "wsnats JS bridge",
	"natsws":  "nats.ws",
	"raw":     "raw WS",
}

var shortNames = map[string]string{"gowasm": "Go/wasm", "gowasmB": "variant", "bridge": "bridge"}

// params is one measurement as the page takes it (bench.js runBench).
type params struct {
	Client     string `json:"client"`
	Scenario   string `json:"scenario"`
	URL        string `json:"url"`
	Subject    string `json:"subject"`
	Size       int    `json:"size"`
	N          int    `json:"n"`
	Warm       int    `json:"warm,omitempty"`
	YieldEvery int    `json:"yieldEvery"`
	YieldMode  string `json:"yieldMode"`
}

// result is what the page returns.
type result struct {
	Ms    float64   `json:"ms"`
	N     int       `json:"n"`
	Got   int       `json:"got"`
	Full  int       `json:"full"` // publishes refused with OUTBOUND_BUFFER_FULL
	LatUs []float64 `json:"latUs"`
	LegUs []float64 `json:"legUs"`   // req: p50 of request->responder callback, callback->reply
	PubMs float64   `json:"pubMs"`   // pubsub: until the last publish call returned
	Batch int       `json:"batches"` // pubsub, bridge: crossings that delivered messages to JS
	GCs   int       `json:"gcs"`     // gowasm: Go GC cycles in the run
	GCMs  float64   `json:"gcMs"`    // gowasm: their pauses
	Diag  *struct {
		Sends     int `json:"sends"`
		SendBytes int `json:"sendBytes"`
		Recvs     int `json:"recvs"`
		RecvBytes int `json:"recvBytes"`
	} `json:"diag"` // WebSocket frames (all zero unless -diag)
}

func (r *result) perSec() float64 { return float64(r.N) / (r.Ms / 1000) }

// measurement is one row group of the table.
type measurement struct {
	key      string // pub16, pub128, pub1k, pubsub, req
	label    string
	scenario string
	size     int
	n        int
	warm     int
	clients  []string
}

type plan struct {
	url          string
	measurements []measurement
	yieldEvery   int
	yieldMode    string
}

func newPlan(cfg config, wsURL string) *plan {
	all := []measurement{
		{key: "pub16", label: "publish 16 B", scenario: "pub", size: 16, n: 200_000, clients: clients},
		{key: "pub128", label: "publish 128 B", scenario: "pub", size: 128, n: 200_000, clients: clients},
		{key: "pub1k", label: "publish 1 KiB", scenario: "pub", size: 1024, n: 100_000, clients: clients},
		{key: "pubsub", label: "pub->sub 128 B, one connection", scenario: "pubsub", size: 128, n: 100_000, clients: clients},
		{key: "req", label: "request/reply 16 B, sequential", scenario: "req", size: 16, n: 1000, warm: 100, clients: clients},
	}
	p := &plan{url: wsURL, yieldEvery: cfg.yieldEvery, yieldMode: cfg.yieldMode}
	for _, m := range all {
		if cfg.only == "" || strings.Contains(m.key, cfg.only) {
			p.measurements = append(p.measurements, m)
		}
	}
	return p
}

func (p *plan) find(key string) (measurement, bool) {
	for _, m := range p.measurements {
		if m.key == key {
			return m, true
		}
	}
	return measurement{}, false
}

func (p *plan) params(m measurement, client string, rep int) params {
	return params{
		Client:     client,
		Scenario:   m.scenario,
		URL:        p.url,
		Subject:    fmt.Sprintf("bench.%s.%s.%d", client, m.key, rep),
		Size:       m.size,
		N:          m.n,
		Warm:       m.warm,
		YieldEvery: p.yieldEvery,
		YieldMode:  p.yieldMode,
	}
}

// runs holds every run of one client in one measurement.
type runs struct {
	ok   []*result
	errs []string
}

// results maps measurement key, then client, to its runs.
type results map[string]map[string]*runs

// runPlan runs every measurement reps times. Within a repetition the
// clients take turns in a rotating order, so that no client always runs
// first (or right after the heaviest one).
func runPlan(b *browser, ns *server.Server, p *plan, cfg config) (results, error) {
	res := results{}
	for _, m := range p.measurements {
		res[m.key] = map[string]*runs{}
		for _, c := range m.clients {
			res[m.key][c] = &runs{}
		}
	}
	// Warm up: one run of each client and scenario, not recorded, so that
	// the first measured run does not pay for compiling the hot code (V8
	// tiers wasm and JS up while it runs) or for growing the wasm memory
	// (Go never gives it back, and first touching a page can be slow: see
	// the page-fault figure in the report).
	for _, m := range p.measurements {
		for _, c := range m.clients {
			w := m
			if m.scenario == "req" {
				w.n, w.warm = 100, 10
			}
			pp := p.params(w, c, -1)
			if _, err := b.runBench(pp); err != nil {
				log.Printf("warm-up %s %s: %v", m.key, c, err)
			}
		}
	}
	for rep := range cfg.reps {
		for _, m := range p.measurements {
			order := slices.Clone(m.clients)
			k := rep % len(order)
			order = append(order[k:], order[:k]...)
			for _, c := range order {
				r, err := runOne(b, ns, p.params(m, c, rep), m)
				rr := res[m.key][c]
				if err != nil {
					log.Printf("rep %d %-7s %-8s error: %v", rep+1, m.key, c, err)
					rr.errs = append(rr.errs, err.Error())
					continue
				}
				rr.ok = append(rr.ok, r)
				log.Printf("rep %d %-7s %-8s %s", rep+1, m.key, c, describe(m, r))
			}
		}
	}
	return res, nil
}

// runOne runs one measurement and checks with the server's counters that
// the messages really arrived.
func runOne(b *browser, ns *server.Server, pp params, m measurement) (*result, error) {
	in0, out0, err := serverCounts(ns)
	if err != nil {
		return nil, err
	}
	r, err := b.runBench(pp)
	if err != nil {
		return nil, err
	}
	in1, out1, err := serverCounts(ns)
	if err != nil {
		return nil, err
	}
	switch m.scenario {
	case "pub":
		if got := in1 - in0; got < int64(m.n) {
			return nil, fmt.Errorf("the server received %d of %d messages", got, m.n)
		}
	case "pubsub":
		if got := in1 - in0; got < int64(m.n) {
			return nil, fmt.Errorf("the server received %d of %d messages", got, m.n)
		}
		if sent := out1 - out0; sent < int64(m.n) {
			return nil, fmt.Errorf("the server delivered %d of %d messages", sent, m.n)
		}
	}
	if r.Ms <= 0 {
		return nil, fmt.Errorf("no time measured: %+v", r)
	}
	return r, nil
}

func describe(m measurement, r *result) string {
	var extra string
	if r.Full > 0 {
		extra = fmt.Sprintf(" (buffer full %d×)", r.Full)
	}
	if r.PubMs > 0 {
		extra += fmt.Sprintf(" (publishing done after %v)", msDur(r.PubMs))
	}
	if d := r.Diag; d != nil && (d.Sends > 0 || d.Recvs > 0) {
		extra += fmt.Sprintf(" (sent %d frames, %.1f KiB avg; received %d frames, %.1f KiB avg)",
			d.Sends, float64(d.SendBytes)/1024/float64(max(d.Sends, 1)), d.Recvs, float64(d.RecvBytes)/1024/float64(max(d.Recvs, 1)))
	}
	if m.scenario == "req" && len(r.LatUs) == 2 {
		if len(r.LegUs) == 2 {
			extra += fmt.Sprintf(" (p50 request->responder %.0f µs, respond->reply %.0f µs)", r.LegUs[0], r.LegUs[1])
		}
		return fmt.Sprintf("p50 %.0f µs, p99 %.0f µs, %s req/s%s", r.LatUs[0], r.LatUs[1], rate(r.perSec()), extra)
	}
	if r.GCs > 0 {
		extra += fmt.Sprintf(" (Go GC %d×, %.1f ms paused)", r.GCs, r.GCMs)
	}
	if r.Batch > 0 {
		extra += fmt.Sprintf(" (%d deliveries into JS, %.0f msgs each)", r.Batch, float64(r.N)/float64(r.Batch))
	}
	return fmt.Sprintf("%s msgs/s in %v%s", rate(r.perSec()), msDur(r.Ms), extra)
}

func msDur(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond)).Round(time.Millisecond)
}
