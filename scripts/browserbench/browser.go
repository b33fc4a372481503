//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium with one tab.
type browser struct {
	ctx    context.Context // the tab; no deadline
	cancel func()
	env    pageEnv
}

// pageEnv is what the page reports once both wasm modules run.
type pageEnv struct {
	Version   string `json:"version"`
	Isolated  bool   `json:"isolated"`
	UserAgent string `json:"userAgent"`
}

func startBrowser(ctx context.Context, cfg config, userDataDir string) (*browser, error) {
	if err := os.MkdirAll(userDataDir, 0o700); err != nil {
		return nil, err
	}
	var chromeOut bytes.Buffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(cfg.chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true),
		// The page calls gc() between measurements so that one client's
		// garbage is not collected on the next one's time.
		chromedp.Flag("js-flags", "--expose-gc"),
		chromedp.UserDataDir(userDataDir),
		chromedp.CombinedOutput(&chromeOut),
	)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{ctx: tab, cancel: func() { cancelTab(); cancelAlloc() }}

	// The first Run starts the browser; it must not carry a deadline (that
	// would end the browser), so bound it from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	select {
	case err := <-started:
		if err != nil {
			b.close()
			return nil, fmt.Errorf("starting %s: %v\n%s", cfg.chromium, err, chromeOut.Bytes())
		}
	case <-time.After(60 * time.Second):
		b.close()
		return nil, fmt.Errorf("%s did not start within 60s\n%s", cfg.chromium, chromeOut.Bytes())
	}

	// chromedp enables the Network (and DOM, CSS) domains on every tab.
	// With Network on, Chromium copies each WebSocket frame into DevTools
	// events and throughput collapses to ~15-20 MB/s: switch them off
	// before the page loads.
	sctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	for _, cmd := range []cdp.Command[cdp.Empty, cdp.Empty]{network.Disable, dom.Disable, css.Disable} {
		if _, err := chromedp.Call(sctx, cmd, cdp.Empty{}); err != nil {
			b.close()
			return nil, fmt.Errorf("disabling DevTools domain %s: %w", cmd.Method, err)
		}
	}

	go func() {
		for m, err := range chromedp.Console(tab) {
			if err != nil {
				return
			}
			if cfg.verbose || m.IsException() || m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning {
				log.Printf("page: %s", m)
			}
		}
	}()
	return b, nil
}

func (b *browser) close() { b.cancel() }

// open loads the page and waits until both wasm modules are running.
func (b *browser) open(url string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("loading %s: %w", url, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](
		`benchReady.then((e) => ({...e, userAgent: navigator.userAgent}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("the benchmark page did not start: %w", err)
	}
	if err := json.Unmarshal(raw, &b.env); err != nil {
		return err
	}
	if !b.env.Isolated {
		log.Printf("warning: the page is not cross-origin isolated; timers have 100 µs resolution")
	}
	return nil
}

// evaluate runs a JavaScript expression in the page and returns its JSON.
func (b *browser) evaluate(expr string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Minute)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, cleanJSError(err)
	}
	return out, nil
}

// runBench runs one measurement in the page.
func (b *browser) runBench(p params) (*result, error) {
	arg, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte]("runBench("+string(arg)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, cleanJSError(err)
	}
	var r result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("bad result %s: %w", raw, err)
	}
	return &r, nil
}

// cleanJSError shortens a JS exception to its first line.
func cleanJSError(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("%s", msg)
}
