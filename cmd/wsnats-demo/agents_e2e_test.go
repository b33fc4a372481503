//go:build !js

package main

// End-to-end test of the demo page's agents panel (wsnats.supervisor) in
// headless Chromium. Helpers are in demo_e2e_test.go.

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// agentCell is the JS expression for the text of a cell of an agent's row.
func agentCell(id, cell string) string {
	return `document.querySelector('#agents-rows tr[data-agent=` + jsString(id) + `] td.` + cell + `')?.textContent`
}

// waitAgentCell waits until a cell of an agent's row shows want.
func (e *demoEnv) waitAgentCell(id, cell, want string) {
	e.page.t.Helper()
	e.page.waitJS(fmt.Sprintf("agent %s shows %s %q", id, cell, want), agentCell(id, cell)+` === `+jsString(want))
}

// waitAgentLog waits until the agents log has a row of type typ whose text
// contains text.
func (e *demoEnv) waitAgentLog(typ, text string) {
	e.page.t.Helper()
	e.page.waitJS(fmt.Sprintf("the agents log shows %s %q", typ, text),
		`[...document.querySelectorAll('#agents-log li')].some(li =>
			li.dataset.type === `+jsString(typ)+` && li.textContent.includes(`+jsString(text)+`))`)
}

func (e *demoEnv) click(id string) {
	e.page.t.Helper()
	e.page.do("click #"+id, chromedp.Click(chromedp.ID(id)))
}

// TestAgentsPanel drives the agents panel: local messages between the page,
// echo-1 and counter-1, a forced crash (restart count 1, count kept), then
// NATS once the page connects, from the page and from nats.go.
func TestAgentsPanel(t *testing.T) {
	e := openDemo(t)
	p := e.page
	e.waitLoaded(t)

	// Started without a connection: local only.
	p.waitJS("the agents panel is shown", `!document.getElementById('agents-ui').hidden && document.getElementById('agents-body').hidden`)
	for _, id := range []string{"counter-1", "echo-1", "page"} {
		e.waitAgentCell(id, "state", "running")
	}
	e.waitAgentCell("counter-1", "nats", "yes")
	p.waitJS("#agents-nats shows local only", `document.getElementById('agents-nats').dataset.state === 'local'`)
	e.waitAgentLog("started", "counter-1")

	// Page -> counter, page -> echo -> page, counter -> echo -> counter.
	e.click("agents-send-counter")
	e.click("agents-send-counter")
	e.waitAgentCell("counter-1", "processed", "2")
	e.waitAgentCell("counter-1", "memory", "count=2")
	e.click("agents-send-echo")
	e.waitAgentLog("message", "echo-1 → page")
	e.waitAgentCell("page", "processed", "1")
	e.click("agents-echo-counter")
	e.waitAgentCell("echo-1", "processed", "2")
	e.waitAgentCell("counter-1", "processed", "3")

	// Without a connection the "via NATS" button falls back to the in-page bus.
	e.click("agents-nats-publish")
	e.waitAgentLog("send", "in-page bus")
	e.waitAgentLog("message", "agents.counter-1: page → agents.counter-1")
	e.waitAgentCell("counter-1", "processed", "4")

	// A forced failure: restarted once, the count survives.
	e.click("agents-crash")
	p.waitJS("counter-1 shows 1 restart", `(() => {
		const row = document.querySelector('#agents-rows tr[data-agent="counter-1"]');
		return row && row.dataset.restarts === '1' && row.querySelector('td.restarts').textContent === '1';
	})()`)
	e.waitAgentLog("restarted", "crash requested")
	e.waitAgentCell("counter-1", "state", "running")
	e.click("agents-send-counter")
	e.waitAgentCell("counter-1", "processed", "5")
	e.waitAgentCell("counter-1", "memory", "count=5")
	e.waitAgentCell("counter-1", "restarts", "1")

	// Connecting moves the NATS-enabled agent onto NATS.
	e.connect(t)
	p.waitJS("#agents-nats shows NATS connected", `document.getElementById('agents-nats').dataset.state === 'nats'`)
	e.waitAgentLog("nats_connected", "")
	e.click("agents-nats-publish")
	e.waitAgentLog("reply", `counter-1 → page over NATS: {"count":6}`)
	e.waitAgentLog("message", "agents.counter-1: nats → agents.counter-1")

	// A nats.go client reaches the agent through the server.
	if err := e.nc.Publish("agents.counter-1", []byte(`{"from":"nats.go"}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	e.waitAgentCell("counter-1", "processed", "7")
	e.waitAgentCell("counter-1", "memory", "count=7")
	e.waitAgentCell("counter-1", "restarts", "1")

	// Disconnecting falls back to the in-page bus; a new connection is
	// picked up again.
	e.click("disconnect")
	p.waitJS("#agents-nats shows local only again", `document.getElementById('agents-nats').dataset.state === 'local'`)
	e.waitAgentLog("nats_disconnected", "")
	e.click("agents-nats-publish")
	e.waitAgentCell("counter-1", "processed", "8")
	e.connect(t)
	p.waitJS("#agents-nats shows NATS connected again", `document.getElementById('agents-nats').dataset.state === 'nats'`)
	e.click("agents-nats-publish")
	e.waitAgentLog("reply", `counter-1 → page over NATS: {"count":9}`)
	e.waitAgentCell("counter-1", "restarts", "1")
	e.noErrorShown(t, "after the agents panel steps")

	file, err := p.screenshot("agents.png")
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot: %s", file)
}
