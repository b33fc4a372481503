//go:build js && wasm

// Command gowasm is the Go side of the browser benchmark: it runs the
// wsnats Go API inside a wasm module in the benchmark page (build it with
// GOOS=js GOARCH=wasm; scripts/browserbench does). It registers
// globalThis.gobench.run(paramsJSON, resolve, reject), or under the name in
// its first argument (the page loads a -variant build as gobenchB).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall/js"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// params is what the page passes to gobench.run, as JSON.
type params struct {
	Scenario   string `json:"scenario"` // "pub", "pubsub" or "req"
	URL        string `json:"url"`
	Subject    string `json:"subject"`
	Size       int    `json:"size"`
	N          int    `json:"n"`
	Warm       int    `json:"warm"`       // req: warm-up requests
	YieldEvery int    `json:"yieldEvery"` // publish loops: yield after this many messages
	YieldMode  string `json:"yieldMode"`  // "macrotask", "flush" or "none"
}

// result goes back to the page as JSON; the page adds nothing to it.
type result struct {
	Ms      float64   `json:"ms"`                // wall time of the measured part
	N       int       `json:"n"`                 // messages or requests measured
	Got     int       `json:"got,omitempty"`     // pubsub: messages received
	PubMs   float64   `json:"pubMs,omitempty"`   // pubsub: time until the last publish returned
	Full    int       `json:"full,omitempty"`    // ErrOutboundBufferFull seen
	Flushes int       `json:"flushes,omitempty"` // Flush calls in the loop
	LatUs   []float64 `json:"latUs,omitempty"`   // req: p50, p99 in µs
	LegUs   []float64 `json:"legUs,omitempty"`   // req: p50 of request->responder and respond->reply in µs
	GCs     uint32    `json:"gcs"`               // Go GC cycles during the run
	GCMs    float64   `json:"gcMs"`              // their stop-the-world pauses, in total
}

func main() {
	run := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 3 {
			return "gobench.run(paramsJSON, resolve, reject)"
		}
		raw, resolve, reject := args[0].String(), args[1], args[2]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(fmt.Sprintf("gobench panicked: %v", r))
				}
			}()
			var p params
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				reject.Invoke("gobench: bad params: " + err.Error())
				return
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := dispatch(p)
			runtime.ReadMemStats(&after)
			if res != nil {
				res.GCs = after.NumGC - before.NumGC
				res.GCMs = float64(after.PauseTotalNs-before.PauseTotalNs) / 1e6
			}
			if err != nil {
				reject.Invoke(fmt.Sprintf("gobench %s: %v", p.Scenario, err))
				return
			}
			out, _ := json.Marshal(res)
			resolve.Invoke(string(out))
		}()
		return nil
	})
	yieldDone = js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case yieldCh <- struct{}{}:
		default:
		}
		return nil
	})
	name := "gobench" // the page may load a second build (-variant) under another name
	if len(os.Args) > 1 && os.Args[1] != "" {
		name = os.Args[1]
	}
	js.Global().Set(name, js.ValueOf(map[string]any{"run": run}))
	select {}
}

var (
	yieldCh   = make(chan struct{}, 1)
	yieldDone js.Func
)

// yieldToPage lets the page's event loop run one task (the page's
// benchYield posts a MessageChannel message, which has no timer clamp):
// that is when the browser moves queued WebSocket data to the network and
// delivers incoming frames.
func yieldToPage() {
	js.Global().Call("benchYield", yieldDone)
	<-yieldCh
}

func dispatch(p params) (*result, error) {
	nc, err := wsnats.Connect(p.URL, wsnats.Name("gobench"), wsnats.NoReconnect())
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	switch p.Scenario {
	case "pub":
		return pub(nc, p)
	case "pubsub":
		return pubSub(nc, p)
	case "req":
		return request(nc, p)
	}
	return nil, fmt.Errorf("unknown scenario %q", p.Scenario)
}

func flush(nc *wsnats.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return nc.Flush(ctx)
}

// publishN publishes n messages the way an application would: on
// ErrOutboundBufferFull it flushes and tries again, and every YieldEvery
// messages it gives the event loop a turn (or flushes, by YieldMode).
func publishN(nc *wsnats.Conn, p params, data []byte, res *result) error {
	for i := 1; i <= p.N; i++ {
		for {
			err := nc.Publish(p.Subject, data)
			if err == nil {
				break
			}
			if !errors.Is(err, wsnats.ErrOutboundBufferFull) {
				return err
			}
			res.Full++
			res.Flushes++
			if err := flush(nc); err != nil {
				return err
			}
		}
		if p.YieldEvery > 0 && i%p.YieldEvery == 0 {
			switch p.YieldMode {
			case "flush":
				res.Flushes++
				if err := flush(nc); err != nil {
					return err
				}
			case "macrotask":
				yieldToPage()
			}
		}
	}
	return nil
}

func pub(nc *wsnats.Conn, p params) (*result, error) {
	data := make([]byte, p.Size)
	res := &result{N: p.N}
	start := time.Now()
	if err := publishN(nc, p, data, res); err != nil {
		return nil, err
	}
	if err := flush(nc); err != nil {
		return nil, err
	}
	res.Ms = ms(time.Since(start))
	return res, nil
}

func pubSub(nc *wsnats.Conn, p params) (*result, error) {
	data := make([]byte, p.Size)
	res := &result{N: p.N}
	got := 0
	done := make(chan struct{})
	sub, err := nc.Subscribe(p.Subject, func(*wsnats.Msg) {
		got++ // one delivery goroutine per subscription: no lock needed
		if got == p.N {
			close(done)
		}
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := flush(nc); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := publishN(nc, p, data, res); err != nil {
		return nil, err
	}
	res.PubMs = ms(time.Since(start))
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		res.Got = got
		return nil, fmt.Errorf("received %d of %d messages within 30s (dropped %d)", got, p.N, sub.Dropped())
	}
	res.Ms = ms(time.Since(start))
	res.Got = got
	return res, nil
}

func request(nc *wsnats.Conn, p params) (*result, error) {
	data := make([]byte, p.Size)
	var tCb time.Time // when the responder ran; see jsReq in bench.js
	sub, err := nc.Subscribe(p.Subject, func(m *wsnats.Msg) {
		tCb = time.Now()
		_ = m.Respond(m.Data)
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := flush(nc); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for range p.Warm {
		if _, err := nc.Request(ctx, p.Subject, data); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	lat := make([]float64, p.N)
	leg1 := make([]float64, p.N)
	leg2 := make([]float64, p.N)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		if _, err := nc.Request(ctx, p.Subject, data); err != nil {
			return nil, err
		}
		end := time.Now()
		lat[i], leg1[i], leg2[i] = us(end.Sub(t0)), us(tCb.Sub(t0)), us(end.Sub(tCb))
	}
	total := time.Since(start)
	slices.Sort(lat)
	slices.Sort(leg1)
	slices.Sort(leg2)
	return &result{Ms: ms(total), N: p.N, LatUs: []float64{quantile(lat, 0.50), quantile(lat, 0.99)},
		LegUs: []float64{quantile(leg1, 0.5), quantile(leg2, 0.5)}}, nil
}

// quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
