//go:build js && wasm && wsnats_noagents

package jsbridge

import "testing"

// TestNoAgentsModule runs in the client-only build (the tag wsnats_noagents,
// as web/wsnats.wasm is built): the client works, and supervisor() rejects
// with an error that says which module has it.
func TestNoAgentsModule(t *testing.T) {
	runJS(t, jsPrelude+`
eq(wsnats.agents, false, "wsnats.agents");
const err = await rejectsCode(wsnats.supervisor({ agents: [{ id: "echo-1", kind: "echo" }] }), "NOT_AVAILABLE", "supervisor()");
assert(err.message.includes("wsnats-agents.wasm"), "the message names the module with agents: " + err.message);
const nc = await wsnats.connect({ servers: url });
const got = [];
nc.subscribe("noagents.x", { callback: (e, m) => got.push(m.string()) });
await nc.flush();
nc.publish("noagents.x", "still a client");
await until(() => got.length === 1, "the message");
eq(got, ["still a client"], "received");
await nc.close();
`)
}
