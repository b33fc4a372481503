//go:build js && wasm && wsnats_noagents

package jsbridge

// addSupervisorAPI adds nothing: this build has no agents.
func (b *bridge) addSupervisorAPI(map[string]apiFunc) {}
