//go:build wsnats_noagents

package jsbridge

// Built with the tag wsnats_noagents, the module leaves out wsnats.supervisor
// and package wsnats/agent (about 120 KB of the gzip module): bridge.js then
// rejects supervisor() with a NOT_AVAILABLE error that says which module has
// it. `make build` builds web/wsnats.wasm this way and web/wsnats-agents.wasm
// with everything.

// agentErrorCode has no agent errors to map without agents.
func agentErrorCode(error) string { return "" }
