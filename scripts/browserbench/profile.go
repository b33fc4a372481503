//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// profileRuns records a V8 CPU profile of each client:measurement in
// cfg.profile, writes it to artifacts/, and prints the functions with the
// most self time, plus a split by where the code lives.
func profileRuns(b *browser, p *plan, cfg config, root string) error {
	dir := filepath.Join(root, "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, spec := range cfg.profile {
		client, key, ok := strings.Cut(strings.TrimSpace(spec), ":")
		m, found := p.find(key)
		if !ok || !found || !slices.Contains(m.clients, client) {
			return fmt.Errorf("-profile %q: want client:measurement, clients %v, measurements pub16 pub128 pub1k pubsub req", spec, clients)
		}
		// One run unprofiled first, so that V8 has compiled the hot code.
		if _, err := b.runBench(p.params(m, client, 100)); err != nil {
			return fmt.Errorf("%s warm-up: %w", spec, err)
		}
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
		prof, r, err := profileOne(ctx, b, p.params(m, client, 101))
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", spec, err)
		}
		file := filepath.Join(dir, fmt.Sprintf("profile-%s-%s.cpuprofile", client, key))
		raw, err := json.Marshal(prof)
		if err != nil {
			return err
		}
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			return err
		}
		fmt.Printf("\n## %s %s: %s (profiled, so slower)\n\nprofile: %s\n\n", clientNames[client], m.label, describe(m, r), file)
		summarize(prof)
	}
	return nil
}

func profileOne(ctx context.Context, b *browser, pp params) (*profiler.Profile, *result, error) {
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		return nil, nil, err
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 100}); err != nil {
		return nil, nil, err
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		return nil, nil, err
	}
	r, runErr := b.runBench(pp)
	stop, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
	_, _ = chromedp.Call(ctx, profiler.Disable, cdp.Empty{})
	if runErr != nil {
		return nil, nil, runErr
	}
	if err != nil {
		return nil, nil, err
	}
	return stop.Profile, r, nil
}

// summarize prints self time per function (top 30) and per code origin.
func summarize(prof *profiler.Profile) {
	nodes := map[int64]*profiler.ProfileNode{}
	for _, n := range prof.Nodes {
		nodes[n.ID] = n
	}
	parent := map[int64]int64{}
	for _, n := range prof.Nodes {
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	self := map[string]float64{}  // µs per function
	where := map[string]float64{} // µs per origin
	incl := map[string]float64{}  // µs per function on the stack
	var total float64
	for i, id := range prof.Samples {
		var dt float64
		if i+1 < len(prof.TimeDeltas) {
			dt = float64(prof.TimeDeltas[i+1]) // time until the next sample
		}
		n := nodes[id]
		if n == nil || n.CallFrame == nil {
			continue
		}
		name := n.CallFrame.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		origin := originOf(n.CallFrame.URL, name)
		if origin != "" && !strings.HasPrefix(name, "(") {
			name += "  [" + origin + "]"
		}
		self[name] += dt
		where[originOrSpecial(origin, name)] += dt
		total += dt
		seen := map[string]bool{}
		for id := n.ID; ; {
			f := nodes[id].CallFrame
			if f != nil && f.FunctionName != "" && !strings.HasPrefix(f.FunctionName, "(") {
				key := f.FunctionName + "  [" + originOf(f.URL, f.FunctionName) + "]"
				if !seen[key] {
					seen[key] = true
					incl[key] += dt
				}
			}
			p, ok := parent[id]
			if !ok {
				break
			}
			id = p
		}
	}
	fmt.Printf("time by origin (of %.0f ms sampled):\n\n", total/1000)
	printTop(where, total, 20)
	fmt.Printf("\ntop functions by self time:\n\n")
	printTop(self, total, 30)
	fmt.Printf("\ntop functions by total time (self and callees):\n\n")
	printTop(incl, total, 40)
}

func originOf(url, name string) string {
	switch {
	case strings.HasPrefix(url, "wasm://"):
		return "wasm"
	case url == "":
		return ""
	}
	return filepath.Base(url)
}

func originOrSpecial(origin, name string) string {
	if origin == "" {
		return name // (program), (garbage collector), (idle), native
	}
	if origin == "wasm" {
		// Split Go code by package: runtime, syscall/js, wsnats, jsbridge...
		pkg := name
		if i := strings.Index(pkg, "  ["); i >= 0 {
			pkg = pkg[:i]
		}
		if i := strings.LastIndex(pkg, "/"); i >= 0 {
			pkg = pkg[:i] + "/" + strings.SplitN(pkg[i+1:], ".", 2)[0]
		} else {
			pkg = strings.SplitN(pkg, ".", 2)[0]
		}
		return "wasm " + pkg
	}
	return origin
}

func printTop(m map[string]float64, total float64, n int) {
	type kv struct {
		k string
		v float64
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return strings.Compare(a.k, b.k)
	})
	for i, e := range all {
		if i >= n {
			break
		}
		fmt.Printf("  %6.1f%%  %8.1f ms  %s\n", 100*e.v/total, e.v/1000, e.k)
	}
	if len(all) == 0 {
		log.Printf("no samples")
	}
}
