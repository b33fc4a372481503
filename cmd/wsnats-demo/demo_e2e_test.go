//go:build !js

package main

// End-to-end tests of the demo page in real headless Chromium. They need
// /usr/bin/chromium (scripts/install-chromium.sh) and fail without it.
// Helpers are in e2e_process_test.go and e2e_browser_test.go.

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
)

// demoEnv is everything a page test needs: the demo server, a nats.go
// client on its TCP port, and a browser tab with the page loaded.
type demoEnv struct {
	srv  *demoServer
	nc   *nats.Conn
	page *page
}

// openDemo builds the wasm client, starts the demo server and a browser,
// and loads the page at 1280x800.
func openDemo(t *testing.T) *demoEnv {
	t.Helper()
	requireChromium(t) // fail fast, before the builds
	tl := newTestLog(t)
	root := repoRoot(t)
	web := prepareWebDir(t, root)
	srv := startDemo(t, tl, web)

	nc, err := nats.Connect(srv.natsURL, nats.Name("e2e-test"), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatalf("nats.go connect to %s: %v", srv.natsURL, err)
	}
	t.Cleanup(nc.Close)

	p := startBrowser(t, tl, root)
	p.do("open the page",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.httpURL),
	)
	return &demoEnv{srv: srv, nc: nc, page: p}
}

// waitLoaded waits until the page has loaded wsnats or shows an error, and
// fails with the page's error in the second case.
func (e *demoEnv) waitLoaded(t *testing.T) {
	t.Helper()
	p := e.page
	p.waitJS("wait for wsnats to load (or an error)",
		`globalThis.wsnats !== undefined || document.getElementById('wasm-state').dataset.state === 'failed'`)
	if !eval[bool](p, "check wsnats", `globalThis.wsnats !== undefined`) {
		p.fail("load wsnats", fmt.Errorf("globalThis.wsnats is undefined and the page reports: %s",
			eval[string](p, "read the error", `window.wsnatsDemo?.loadError ?? document.getElementById('error-text').textContent`)))
	}
	p.waitJS("wait for the connect button", `!document.getElementById('connect').disabled`)
}

// connect presses Connect with the URL that the page took from
// /config.json, and waits for readyState 1 (OPEN).
func (e *demoEnv) connect(t *testing.T) {
	t.Helper()
	p := e.page
	u, err := url.Parse(e.srv.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	want := "ws://127.0.0.1:" + u.Port()
	p.waitJS("the URL field holds the WebSocket URL from /config.json",
		`document.getElementById('url').value === `+jsString(want))
	p.do("click #connect", chromedp.Click(chromedp.ID("connect")))
	p.waitJS("#ready-state shows 1 OPEN", `(() => {
		const el = document.getElementById('ready-state');
		return el.dataset.state === '1' && el.textContent.includes('OPEN');
	})()`)
}

// subscribe subscribes the page to subject and waits until the server has
// the subscription.
func (e *demoEnv) subscribe(t *testing.T, subject string) {
	t.Helper()
	p := e.page
	p.do("subscribe to "+subject,
		chromedp.SetValue(chromedp.ID("sub-subject"), subject),
		chromedp.Click(chromedp.ID("sub-add")),
	)
	p.waitJS("the subscription "+subject+" is listed and ready",
		`document.querySelector('#subs li.sub[data-subject=' + CSS.escape(`+jsString(subject)+`) + '][data-ready="1"]') !== null`)
}

// publish publishes a text message from the page.
func (e *demoEnv) publish(t *testing.T, subject, text string) {
	t.Helper()
	e.page.do("publish "+subject+" from the page",
		chromedp.SetValue(chromedp.ID("pub-subject"), subject),
		chromedp.SetValue(chromedp.ID("pub-data"), text),
		chromedp.Click(chromedp.ID("pub-send")),
	)
}

// waitLogged waits until the page's message log has a row for subject whose
// payload contains text.
func (e *demoEnv) waitLogged(t *testing.T, subject, text string) {
	t.Helper()
	e.page.waitJS(fmt.Sprintf("the message log shows %s %q", subject, text),
		`[...document.querySelectorAll('#log tr.msg')].some(r =>
			r.dataset.subject === `+jsString(subject)+` &&
			r.querySelector('td.payload').textContent.includes(`+jsString(text)+`))`)
}

// noErrorShown fails when the page's error bar is visible.
func (e *demoEnv) noErrorShown(t *testing.T, step string) {
	t.Helper()
	p := e.page
	if msg := eval[string](p, step, `document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent`); msg != "" {
		p.fail(step, fmt.Errorf("the page shows an error: %s", msg))
	}
}

// TestDemoPageLoads drives the whole demo: load, connect, subscribe,
// publish in both directions between the page and nats.go, disconnect.
func TestDemoPageLoads(t *testing.T) {
	e := openDemo(t)
	p := e.page

	// A nats.go subscriber for what the page publishes.
	fromPage, err := e.nc.SubscribeSync("demo.hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}

	e.waitLoaded(t)
	t.Logf("wsnats version %q", eval[string](p, "read the version", `String(globalThis.wsnats.version)`))
	e.connect(t)
	e.subscribe(t, "demo.>")

	// Page -> nats.go (and back to the page's own demo.> subscription).
	e.publish(t, "demo.hello", "hi from page")
	msg, err := fromPage.NextMsg(stepTimeout)
	if err != nil {
		p.fail("nats.go receives demo.hello from the page", err)
	}
	if got := string(msg.Data); got != "hi from page" {
		p.fail("nats.go receives demo.hello from the page", fmt.Errorf("payload %q, want %q", got, "hi from page"))
	}
	e.waitLogged(t, "demo.hello", "hi from page")

	// nats.go -> page.
	if err := e.nc.Publish("demo.fromgo", []byte("hello from go")); err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	e.waitLogged(t, "demo.fromgo", "hello from go")
	e.noErrorShown(t, "after the message exchange")

	p.do("click #disconnect", chromedp.Click(chromedp.ID("disconnect")))
	p.waitJS("#ready-state shows 3 CLOSED", `(() => {
		const el = document.getElementById('ready-state');
		return el.dataset.state === '3' && el.textContent.includes('CLOSED');
	})()`)
	e.noErrorShown(t, "after disconnect")

	p.mu.Lock()
	for _, e := range p.pageErr {
		if strings.Contains(e, "Content Security Policy") {
			p.mu.Unlock()
			p.fail("no Content Security Policy violation", errors.New(e))
		}
	}
	p.mu.Unlock()
	// The page runs under a Content Security Policy without 'unsafe-eval':
	// the client works, and eval really is refused.
	// (DevTools' own evaluation is exempt, but a string given to setTimeout
	// is compiled by the page.)
	p.do("try eval in the page", chromedp.Evaluate[chromedp.Void](`
		window.cspRefused = [];
		document.addEventListener("securitypolicyviolation", (e) => window.cspRefused.push(e.violatedDirective));
		setTimeout("window.evalRan = true", 0);`))
	p.waitJS("the page's eval is refused", `window.cspRefused.length > 0`)
	if eval[bool](p, "eval did not run", `window.evalRan === true`) {
		p.fail("eval is refused", errors.New("a string given to setTimeout ran: the page has no strict CSP"))
	}

	file, err := p.screenshot("demo.png")
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot: %s", file)

	// EXTEND: more page tests go here (request/reply, headers, JSON, queue
	// groups, reconnect after a server restart, the agents panel).
}
