//go:build !js

package main

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// metric is one row of the table: how to get a number out of a run, and
// whether bigger is better.
type metric struct {
	key    string // measurement key
	label  string
	value  func(*result) float64
	format func(float64) string
	higher bool // bigger is better (throughput); false for latency
}

func metrics() []metric {
	perSec := func(r *result) float64 { return r.perSec() }
	lat := func(i int) func(*result) float64 {
		return func(r *result) float64 {
			if len(r.LatUs) <= i {
				return math.NaN()
			}
			return r.LatUs[i]
		}
	}
	us := func(v float64) string { return fmt.Sprintf("%.0f µs", v) }
	return []metric{
		{"pub16", "publish 16 B (msgs/s)", perSec, rate, true},
		{"pub128", "publish 128 B (msgs/s)", perSec, rate, true},
		{"pub1k", "publish 1 KiB (msgs/s)", perSec, rate, true},
		{"pubsub", "pub->sub 128 B, one connection (msgs/s)", perSec, rate, true},
		{"req", "request/reply 16 B: p50 latency", lat(0), us, false},
		{"req", "request/reply 16 B: p99 latency", lat(1), us, false},
		{"req", "request/reply 16 B: req/s (sequential)", perSec, rate, true},
	}
}

// median of the metric over the successful runs; NaN when there are none.
func median(rs *runs, value func(*result) float64) float64 {
	if rs == nil || len(rs.ok) == 0 {
		return math.NaN()
	}
	vs := make([]float64, 0, len(rs.ok))
	for _, r := range rs.ok {
		vs = append(vs, value(r))
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func spread(rs *runs, value func(*result) float64, format func(float64) string) string {
	if rs == nil {
		return ""
	}
	var parts []string
	for _, r := range rs.ok {
		parts = append(parts, format(value(r)))
	}
	for range rs.errs {
		parts = append(parts, "error")
	}
	return strings.Join(parts, ", ")
}

// ratio of a to the nats.ws value b, oriented so that above 1 means
// better than nats.ws.
func ratio(a, b float64, higher bool) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || a == 0 || b == 0 {
		return math.NaN()
	}
	if higher {
		return a / b
	}
	return b / a
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r)
}

func renderReport(res results, a *assets, env pageEnv, cfg config, took time.Duration) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# wasm-nats browser benchmark\n\n")
	w("%s; nats-server %s over WebSocket on 127.0.0.1; wsnats %s built with %s; nats.ws %s; %d CPUs; %s.\n",
		chromeVersion(env.UserAgent), server.VERSION, env.Version, a.goVersion, a.natsWSVersion,
		runtime.NumCPU(), time.Now().Format("2006-01-02 15:04"))
	w("Machine load (1-minute average) %s at the start, %s at the end: other work on the machine slows every client; compare ratios within one run. "+
		"First touch of fresh memory costs %.1f µs per 4 KiB page here (typical hardware: well under 1 µs), which penalizes code that allocates.\n",
		loadStart, loadAvg(), pageFaultUs)
	if cfg.compress {
		w("The server's WebSocket compression (permessage-deflate) is on.\n")
	}
	w("All clients run in one page, one after the other, against the same server. Each cell is the median of %d runs "+
		"(all runs are listed below). Publish runs end with a flush round trip, and the server's counters confirmed that every "+
		"message arrived. Publish loops give the event loop a turn every %d messages (%s); the raw WebSocket sends "+
		"pre-encoded PUB frames of ~64 KiB and waits while bufferedAmount > 4 MiB.\n\n", cfg.reps, cfg.yieldEvery, cfg.yieldMode)

	// Columns: every client, then the ratios of the wsnats ones to nats.ws.
	var ratioOf []string
	for _, c := range clients {
		if c != "natsws" && c != "raw" {
			ratioOf = append(ratioOf, c)
		}
	}
	w("| Scenario |")
	for _, c := range clients {
		w(" %s |", clientNames[c])
	}
	for _, c := range ratioOf {
		w(" %s vs nats.ws |", shortNames[c])
	}
	w("\n|---|%s\n", strings.Repeat("--:|", len(clients)+len(ratioOf)))
	meds := map[string]map[string]float64{}
	for _, m := range metrics() {
		byClient, ok := res[m.key]
		if !ok {
			continue
		}
		row := map[string]float64{}
		cells := make([]string, 0, len(clients)+len(ratioOf))
		for _, c := range clients {
			rs := byClient[c]
			v := median(rs, m.value)
			row[c] = v
			switch {
			case rs == nil:
				cells = append(cells, "—")
			case math.IsNaN(v):
				cells = append(cells, "error")
			default:
				cells = append(cells, m.format(v))
			}
		}
		for _, c := range ratioOf {
			cells = append(cells, fmtRatio(ratio(row[c], row["natsws"], m.higher)))
		}
		meds[m.label] = row
		w("| %s | %s |\n", m.label, strings.Join(cells, " | "))
	}
	sizeRow := func(label string, ours, theirs int, note string) {
		cells := make([]string, 0, len(clients)+len(ratioOf))
		for _, c := range clients {
			switch c {
			case "natsws":
				cells = append(cells, bytesStr(theirs)+note)
			case "raw":
				cells = append(cells, "—")
			case "gowasm":
				cells = append(cells, bytesStr(ours)+" (wsnats.wasm)")
			default:
				cells = append(cells, "same module")
			}
		}
		for range ratioOf {
			cells = append(cells, fmt.Sprintf("%.1f× bigger", float64(ours)/float64(theirs)))
		}
		w("| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	sizeRow("module size, raw", a.wasmRaw, a.natsWSRaw, " (ESM bundle)")
	sizeRow("module size, gzip -9", a.wasmGzip, a.natsWSGzip, "")
	w("\n")
	w("Ratios: above 1× means wsnats is better than nats.ws (for latency: nats.ws latency ÷ wsnats latency). ")
	w("The sizes are of wsnats.wasm, the client alone; wsnats-agents.wasm, the client with wsnats.supervisor, is %s raw, %s gzip -9. ",
		bytesStr(a.agentsRaw), bytesStr(a.agentsGzip))
	w("wsnats also needs Go's wasm_exec.js (%s, %s gzip) and the loader wsnats.js.\n\n", bytesStr(a.execRaw), bytesStr(a.execGzip))

	// Targets of issue 3.
	w("## Targets (issue 3)\n\n")
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	target := func(label, client, row string, want float64, higher bool) {
		r, ok := meds[row]
		if !ok {
			w("- %s: not measured in this run\n", label)
			return
		}
		got := ratio(r[client], r["natsws"], higher)
		w("- %s: %s — %s\n", label, fmtRatio(got), check(!math.IsNaN(got) && got >= want))
	}
	target("Go API publish 128 B ≥ 3× nats.ws", "gowasm", "publish 128 B (msgs/s)", 3, true)
	target("Go API pub->sub ≥ 1.5× nats.ws", "gowasm", "pub->sub 128 B, one connection (msgs/s)", 1.5, true)
	target("JS bridge publish 128 B ≥ 1× nats.ws", "bridge", "publish 128 B (msgs/s)", 1, true)
	target("JS bridge pub->sub ≥ 1× nats.ws", "bridge", "pub->sub 128 B, one connection (msgs/s)", 1, true)
	w("- wsnats.wasm ≤ 1.0 MB gzip: %s — %s\n\n", bytesStr(a.wasmGzip), check(a.wasmGzip <= 1_000_000))

	w("## What wsnats.wasm is made of\n\n%s\n", a.breakdown)

	// Every run.
	w("## All runs\n\n| Scenario |")
	for _, c := range clients {
		w(" %s |", clientNames[c])
	}
	w("\n|---|%s\n", strings.Repeat("---|", len(clients)))
	for _, m := range metrics() {
		byClient, ok := res[m.key]
		if !ok {
			continue
		}
		cells := make([]string, 0, len(clients))
		for _, c := range clients {
			cells = append(cells, spread(byClient[c], m.value, m.format))
		}
		w("| %s | %s |\n", m.label, strings.Join(cells, " | "))
	}
	var notes []string
	for _, key := range []string{"pub16", "pub128", "pub1k", "pubsub", "req"} {
		for _, c := range clients {
			rs := res[key][c]
			if rs == nil {
				continue
			}
			full := 0
			for _, r := range rs.ok {
				full += r.Full
			}
			if full > 0 {
				notes = append(notes, fmt.Sprintf("%s %s: publish refused with OUTBOUND_BUFFER_FULL %d× over all runs (each retried after a flush)", clientNames[c], key, full))
			}
			for _, e := range rs.errs {
				notes = append(notes, fmt.Sprintf("%s %s: %s", clientNames[c], key, e))
			}
		}
	}
	if len(notes) > 0 {
		w("\nNotes:\n\n")
		for _, n := range notes {
			w("- %s\n", n)
		}
	}
	w("\n(%d runs per cell; whole run %v.)\n", cfg.reps, took.Round(time.Second))
	return b.String()
}

// pageFaultUs is the cost of first touching a 4 KiB page of fresh memory,
// measured once at start.
var pageFaultUs = func() float64 {
	const n = 32 << 20
	t := time.Now()
	b := make([]byte, n) // large: comes straight from the OS
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	return float64(time.Since(t).Nanoseconds()) / 1e3 / (n / 4096)
}()

// loadStart is the load average when the program started.
var loadStart = loadAvg()

// loadAvg returns the 1-minute load average from /proc/loadavg, or "?".
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

var chromeRe = regexp.MustCompile(`(HeadlessChrome|Chrome)/([0-9.]+)`)

func chromeVersion(ua string) string {
	if m := chromeRe.FindStringSubmatch(ua); m != nil {
		return "Headless Chromium " + m[2]
	}
	return "Headless Chromium"
}

// rate formats a per-second number with three significant digits.
func rate(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v >= 999.5e3:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 999.5:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func bytesStr(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
