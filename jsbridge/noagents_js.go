//go:build js && wasm && wsnats_noagents

package jsbridge

// agentsJS is empty: bridge.js keeps its supervisor stub.
const agentsJS = ""

// addSupervisorAPI adds nothing: this build has no agents.
func (b *bridge) addSupervisorAPI(map[string]apiFunc) {}
