//go:build js && wasm && wsnats_noagents

package jsbridge

// withAgents is false: the bridge gets no supervisor (bridge.js then
// rejects wsnats.supervisor() with NOT_AVAILABLE).
const withAgents = false

// addSupervisorAPI adds nothing: this build has no agents.
func (b *bridge) addSupervisorAPI(map[string]apiFunc) {}
