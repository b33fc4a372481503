//go:build !js

package main

// Helpers for the end-to-end tests of the demo page, part 2: headless
// Chromium driven with chromedp. Part 1 is in e2e_process_test.go.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// page is a Chromium tab showing the demo page.
type page struct {
	t       *testing.T
	ctx     context.Context // chromedp tab context; no deadline
	root    string
	mu      sync.Mutex
	pageErr []string // uncaught exceptions and console errors, for failure reports
}

// requireChromium fails the test (it never skips) when Chromium is missing.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium not installed: run scripts/install-chromium.sh (%v)", err)
	}
}

// startBrowser starts headless Chromium with a fresh profile, forwards the
// page's console to the test log, and returns the tab. Chromium must be
// installed: the test fails (it does not skip) when it is missing.
func startBrowser(t *testing.T, tl *testLog, root string) *page {
	t.Helper()
	requireChromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Keep the browser on loopback: no DNS, no proxy.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true),
		// No UserDataDir: chromedp then passes a fresh temporary
		// --user-data-dir and removes it (with retries) at the end.
		chromedp.CombinedOutput(&lineWriter{fn: func(line string) {
			if !chromiumNoise(line) {
				tl.Logf("chromium: %s", line)
			}
		}}),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(tl.Logf), chromedp.WithErrorf(tl.Logf))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})

	// Start the browser. The first Run must not have a deadline (it would
	// end the browser), so bound it from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting chromium: %v", err)
		}
	case <-time.After(startTimeout):
		t.Fatalf("chromium did not start within %v", startTimeout)
	}

	p := &page{t: t, ctx: ctx, root: root}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tl.Logf("browser %s", m)
			if m.IsException() || m.Type == chromedp.ConsoleError {
				p.mu.Lock()
				p.pageErr = append(p.pageErr, m.Text)
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// chromiumNoise reports whether a line of Chromium's output is known noise
// on machines without a desktop session (D-Bus) or from Debian's wrapper.
func chromiumNoise(line string) bool {
	return strings.Contains(line, "dbus/") || strings.Contains(line, "unexpected operator")
}

// do runs actions as one step with a deadline; on failure the test fails
// with the step name and the page's state.
func (p *page) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(step, err)
	}
}

// waitJS waits until the JavaScript expression is truthy.
func (p *page) waitJS(step, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(stepTimeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		if errors.Is(err, chromedp.ErrPollingTimeout) {
			err = fmt.Errorf("timed out after %v waiting for: %s", stepTimeout, expr)
		}
		p.fail(step, err)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](p *page, step, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.fail(step, err)
	}
	return v
}

// screenshot saves a full-page PNG under artifacts/ in the repository.
func (p *page) screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
	if err != nil {
		return "", err
	}
	dir := filepath.Join(p.root, "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	file := filepath.Join(dir, name)
	return file, os.WriteFile(file, buf, 0o644)
}

// pageState describes what the page shows, for failure messages.
const pageStateJS = `JSON.stringify({
	wasm: document.getElementById('wasm-state')?.textContent,
	readyState: document.getElementById('ready-state')?.textContent,
	error: document.getElementById('error')?.hidden === false ? document.getElementById('error-text')?.textContent : null,
	lastError: window.wsnatsDemo?.lastError ?? null,
	wsnatsDefined: globalThis.wsnats !== undefined,
})`

// fail ends the test with the step, the error, what the page shows, the
// page's errors, and a screenshot.
func (p *page) fail(step string, err error) {
	p.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", step, err)
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if state, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageStateJS)); err == nil {
		fmt.Fprintf(&b, "\npage state: %s", state)
	}
	p.mu.Lock()
	if len(p.pageErr) > 0 {
		fmt.Fprintf(&b, "\npage errors:\n  %s", strings.Join(p.pageErr, "\n  "))
	}
	p.mu.Unlock()
	if file, err := p.screenshot("demo-failure.png"); err == nil {
		fmt.Fprintf(&b, "\nscreenshot: %s", file)
	}
	p.t.Fatal(b.String())
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
