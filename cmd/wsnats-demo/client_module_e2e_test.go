//go:build !js

package main

// End-to-end test of web/wsnats.wasm, the client-only module (the demo page
// loads wsnats-agents.wasm): a page loads it with the loader's defaults,
// publishes and receives through a nats.go peer, and sees supervisor() and
// a later load({ agents: true }) rejected with messages that name the
// module with agents.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
)

// clientCheckPage loads wsnats.wasm through load() (clientCheckJS: the
// demo server's Content Security Policy allows no inline script) and
// leaves the outcome in window.clientCheck: "ok", or the first failure.
const clientCheckPage = `<!doctype html><meta charset="utf-8"><title>client module check</title>
<link rel="icon" href="data:,">
<script type="module" src="client-check.js"></script>`

const clientCheckJS = `
import { load } from "./wsnats.js";
const fail = (what) => { throw new Error(what); };
window.clientCheck = "running";
try {
  const wsnats = await load();
  if (wsnats.agents !== false) fail("wsnats.agents is " + wsnats.agents + ", want false");
  if ((await load()) !== wsnats) fail("a second load() gave another object");
  try {
    await load({ agents: true });
    fail("load({ agents: true }) resolved on a page that runs the client-only module");
  } catch (e) {
    if (e.code !== "LOAD_FAILED" || !e.message.includes("wsnats-agents.wasm")) throw e;
  }
  try {
    await wsnats.supervisor({ agents: [{ id: "echo-1", kind: "echo" }] });
    fail("supervisor() resolved in the client-only module");
  } catch (e) {
    if (e.code !== "NOT_AVAILABLE" || !e.message.includes("wsnats-agents.wasm")) throw e;
  }
  const cfg = await (await fetch("./config.json")).json();
  const nc = await wsnats.connect({ servers: "ws://127.0.0.1:" + cfg.wsPort });
  const sub = nc.subscribe("client.in", { max: 1 });
  await nc.flush();
  window.clientReady = true;
  for await (const m of sub) {
    nc.publish("client.out", "echo: " + m.string());
  }
  await nc.flush();
  await nc.close();
  window.clientCheck = "ok";
} catch (e) {
  window.clientCheck = "failed: " + (e.code ? e.code + ": " : "") + e.message;
}
`

func TestClientOnlyModule(t *testing.T) {
	requireChromium(t)
	tl := newTestLog(t)
	root := repoRoot(t)
	web := prepareWebDir(t, root)
	for name, text := range map[string]string{"client-check.html": clientCheckPage, "client-check.js": clientCheckJS} {
		if err := os.WriteFile(filepath.Join(web, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := startDemo(t, tl, web)
	nc, err := nats.Connect(srv.natsURL, nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatalf("nats.go connect to %s: %v", srv.natsURL, err)
	}
	t.Cleanup(nc.Close)
	out, err := nc.SubscribeSync("client.out")
	if err != nil {
		t.Fatal(err)
	}

	p := startBrowser(t, tl, root)
	p.do("open the check page", chromedp.Navigate(srv.httpURL+"client-check.html"))
	p.waitJS("the page loaded wsnats.wasm and subscribed", `window.clientReady === true || (window.clientCheck ?? "").startsWith("failed")`)
	if got := eval[string](p, "read the check", `window.clientCheck`); got != "running" {
		t.Fatalf("client module check: %s", got)
	}
	if err := nc.Publish("client.in", []byte("from nats.go")); err != nil {
		t.Fatal(err)
	}
	m, err := out.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("no reply from the page: %v", err)
	}
	if string(m.Data) != "echo: from nats.go" {
		t.Fatalf("the page sent %q", m.Data)
	}
	p.waitJS("the page finished", `window.clientCheck !== "running"`)
	if got := eval[string](p, "read the check", `window.clientCheck`); got != "ok" {
		t.Fatalf("client module check: %s", got)
	}
}
