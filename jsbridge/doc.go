// Package jsbridge is the JavaScript face of wsnats: it registers
// globalThis.wsnats in a page that runs the wasm module.
//
// The bridge has two halves. A small JavaScript layer (web/bridge.js and,
// for agents, web/bridge-agents.js: ES modules shipped next to the loader)
// owns everything that is cheap to do in JS: argument checks that must
// throw synchronously, Promises, message objects, async iterators, and
// batching. The Go half (this package, built for js/wasm) owns the
// connections and speaks only the public wsnats API.
//
// # Start-up
//
// Nothing is compiled from strings, so pages need only 'wasm-unsafe-eval'
// in their Content Security Policy. Before it runs the Go program, the
// loader (web/wsnats.js) sets globalThis.wsnatsBoot to
//
//	{ bridge: createBridge,      // bridge.js
//	  agents: createSupervisor,  // bridge-agents.js, for the module with agents
//	  receiver: makeReceiver,    // receiver.js: the sockets' receive queue (package wsnats)
//	  ready(wsnats) }            // resolves load()
//
// Register calls bridge(api, version, agents) with the Go functions, sets
// globalThis.wsnats to the API it returns and calls ready with it (and
// dispatches a "wsnats:ready" event, for pages that listen for one).
//
// Crossing between JS and Go is the dominant cost in the browser, so both
// directions are batched: publishes made in one turn of the event loop
// cross into Go as one packed buffer, and messages that arrive together
// cross out to JS as one packed buffer. The layouts are in batch.go.
//
// Every Go function reachable from JS recovers panics and reports them as
// errors: a panic that reached JS would kill the module for the page.
//
// Errors have one shape at the boundary: an instance of bridge.js's
// GoFailure class (code, message; pub adds failed and room), which
// bridge.js hands to Go at start and Go builds with failure. A Go function
// returns it instead of its result, a Go promise rejects with it, and
// status events carry it; bridge.js tests `instanceof GoFailure` and
// nothing else, so no result (stats and subState are arrays) can pass for
// an error. Supervisor events, which cross as JSON text, carry their error
// as a [code, message] pair in their error member.
//
// wsnats.supervisor starts agents of package wsnats/agent by registered
// kind (supervisor_js.go, with the pure parts in supervisor.go): their
// supervisor's messenger is NATS through a page Connection while it is
// connected, an in-page bus otherwise. Its events, statuses and memory
// cross to JS as JSON text.
package jsbridge
