//go:build !wsnats_noagents

package jsbridge

// The pure half of wsnats.supervisor (supervisor_js.go is the JS-facing
// half): the spec bridge.js sends as JSON, the agent error codes, and the
// JSON texts of events, statuses and memory that cross back to JS. Complex
// values cross as JSON text in both directions: one crossing each, and this
// half runs in native tests.

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
	"github.com/wasm-nats/wasm-nats/wsnats/agent"
	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

// Error codes of the supervisor API (shared with bridge.js and web/wsnats.d.ts).
const (
	codeUnknownAgent = "UNKNOWN_AGENT"
	codeUnknownKind  = "UNKNOWN_KIND"
	codeMailboxFull  = "MAILBOX_FULL"
	codeAgentFailed  = "AGENT_FAILED"
	codeStopped      = "STOPPED"
)

// errUnknownKind: an agent's kind is not in the agent registry.
var errUnknownKind = errors.New("unknown agent kind")

// agentErrorCode maps the errors of package agent to JS codes ("" when err
// is not one of them).
func agentErrorCode(err error) string {
	switch {
	case errors.Is(err, agent.ErrUnknownAgent):
		return codeUnknownAgent
	case errors.Is(err, errUnknownKind):
		return codeUnknownKind
	case errors.Is(err, agent.ErrMailboxFull):
		return codeMailboxFull
	case errors.Is(err, agent.ErrAgentFailed):
		return codeAgentFailed
	case errors.Is(err, agent.ErrStopped), errors.Is(err, agent.ErrAgentStopped):
		return codeStopped
	case errors.Is(err, agent.ErrBadConfig):
		return codeInvalidOption
	case errors.Is(err, agent.ErrBadPayload):
		return codeBadJSON
	}
	return ""
}

// pageKind is the kind shown for the page's own agent.
const pageKind = "page"

// supAgentSpec is one agent of a supervisor spec.
type supAgentSpec struct {
	ID   string
	Kind string
	NATS bool
	// Persist keeps the agent's memory in IndexedDB (browser builds).
	Persist bool
}

// supSpec is the JSON that bridge.js sends to start a supervisor (checked
// there already; checked again here). Pointers are nil when left out.
type supSpec struct {
	Agents      []supAgentSpec
	Prefix      string
	MaxRestarts *int
	WithinMs    *float64
	MailboxSize int
	// Page is the ID of the page's own agent, whose messages go to the JS
	// listeners; "" means none.
	Page string
}

// supPlan is a checked spec, ready for agent.Supervisor.Start.
type supPlan struct {
	configs   []agent.Config
	kinds     map[agent.AgentID]string
	factories map[agent.AgentID]agent.Factory
	page      agent.AgentID
	opts      []agent.Option
	// persist lists the agents whose memory the caller opens in IndexedDB.
	persist []agent.AgentID
}

// factory dispatches to each agent's own factory.
func (p *supPlan) factory() agent.Factory {
	return func(cfg agent.Config) (agent.Agent, error) {
		f := p.factories[cfg.ID]
		if f == nil {
			return nil, fmt.Errorf("%w: no factory for agent %q", agent.ErrBadConfig, cfg.ID)
		}
		return f(cfg)
	}
}

// parseSupSpec reads and checks a spec; page makes the page's agent.
// Agent IDs, duplicates and the prefix are checked again by Start.
func parseSupSpec(text []byte, page agent.Factory) (*supPlan, error) {
	s, err := decodeSupSpec(text)
	if err != nil {
		return nil, invalidOption("supervisor options: %v", err)
	}
	if len(s.Agents) == 0 {
		return nil, invalidOption(`supervisor options: agents must list at least one agent, like {id: "echo-1", kind: "echo"}`)
	}
	p := &supPlan{kinds: map[agent.AgentID]string{}, factories: map[agent.AgentID]agent.Factory{}}
	for i, a := range s.Agents {
		if a.ID == "" {
			return nil, invalidOption("supervisor options: agents[%d].id must be a non-empty string", i)
		}
		f, ok := agent.Lookup(a.Kind)
		if !ok {
			return nil, fmt.Errorf("%w %q for agent %q (known kinds: %s)", errUnknownKind, a.Kind, a.ID, strings.Join(agent.Names(), ", "))
		}
		id := agent.AgentID(a.ID)
		if _, dup := p.kinds[id]; dup {
			return nil, invalidOption("supervisor options: agent id %q is used twice", a.ID)
		}
		p.kinds[id] = a.Kind
		p.factories[id] = f
		p.configs = append(p.configs, agent.Config{ID: id, NATSEnabled: a.NATS})
		if a.Persist {
			p.persist = append(p.persist, id)
		}
	}
	if s.Page != "" {
		id := agent.AgentID(s.Page)
		if _, dup := p.kinds[id]; dup {
			return nil, invalidOption("supervisor options: page agent id %q is also the id of an agent; choose another with the page option", s.Page)
		}
		if page == nil {
			return nil, errors.New("internal error: no factory for the page agent")
		}
		p.page = id
		p.kinds[id] = pageKind
		p.factories[id] = page
		p.configs = append(p.configs, agent.Config{ID: id})
	}
	if s.MailboxSize < 0 {
		return nil, invalidOption("supervisor options: mailboxSize must be a positive integer, got %d", s.MailboxSize)
	}
	if s.MailboxSize > 0 {
		p.opts = append(p.opts, agent.WithMailboxSize(s.MailboxSize))
	}
	if s.MaxRestarts != nil || s.WithinMs != nil {
		max, within := agent.DefaultMaxRestarts, agent.DefaultRestartWindow
		if s.MaxRestarts != nil {
			if *s.MaxRestarts < 0 {
				return nil, invalidOption("supervisor options: maxRestarts must be 0 or more, got %d", *s.MaxRestarts)
			}
			max = *s.MaxRestarts
		}
		if s.WithinMs != nil {
			if !(*s.WithinMs > 0) || math.IsInf(*s.WithinMs, 0) {
				return nil, invalidOption("supervisor options: withinMs must be a positive number of milliseconds, got %v", *s.WithinMs)
			}
			within = millis(*s.WithinMs)
		}
		p.opts = append(p.opts, agent.WithRestartIntensity(max, within))
	}
	if s.Prefix != "" {
		p.opts = append(p.opts, agent.WithPrefix(s.Prefix))
	}
	return p, nil
}

// appendJSErr appends err as the JSON pair [code, message]: the error
// member of a supervisor event (bridge.js's errorFromPair reads it).
func appendJSErr(b []byte, err error) []byte {
	b = append(b, '[')
	b = jsonlite.AppendString(b, errorCode(err))
	b = append(b, ',')
	b = jsonlite.AppendString(b, err.Error())
	return append(b, ']')
}

// eventJSON is the JSON text of a supervisor event for the JS listeners:
// {type, agent?, restarts?, error?: [code, message], message?, time}.
// Members are written in the order of their keys.
func eventJSON(ev agent.Event) []byte {
	t := ev.Time
	if t.IsZero() {
		t = time.Now()
	}
	b := []byte{'{'}
	if ev.Agent != "" {
		b = appendString(appendKey(b, "agent"), string(ev.Agent))
	}
	if ev.Err != nil {
		b = appendJSErr(appendKey(b, "error"), ev.Err)
	}
	if ev.Message != nil {
		var err error
		if b, err = appendMessage(appendKey(b, "message"), *ev.Message); err != nil {
			return encodeFailure(err)
		}
	}
	if ev.Agent != "" {
		b = strconv.AppendInt(appendKey(b, "restarts"), int64(ev.Restarts), 10)
	}
	b = strconv.AppendInt(appendKey(b, "time"), t.UnixMilli(), 10)
	b = appendString(appendKey(b, "type"), string(ev.Type))
	return append(b, '}')
}

// messageEventJSON is the JSON text of a "message" event: a message that
// reached the page's agent (to set) or an observed subject (subject set).
func messageEventJSON(to agent.AgentID, subject string, m agent.Message) []byte {
	b := []byte{'{'}
	if to != "" {
		b = appendString(appendKey(b, "agent"), string(to))
	}
	b, err := appendMessage(appendKey(b, "message"), m)
	if err != nil {
		return encodeFailure(err)
	}
	if subject != "" {
		b = appendString(appendKey(b, "subject"), subject)
	}
	b = strconv.AppendInt(appendKey(b, "time"), time.Now().UnixMilli(), 10)
	b = appendString(appendKey(b, "type"), "message")
	return append(b, '}')
}

// observedMessage turns data seen on an observed subject into an agent
// Message: an agent Message published by an agent (or by
// Supervisor.publish) is kept as it is; other data goes through
// agent.FromNATS.
func observedMessage(m *wsnats.Msg) agent.Message {
	am, err := decodeMessage(m.Data)
	if err == nil && am.ID != "" && am.From != "" && am.Payload != nil {
		return am
	}
	return agent.FromNATS(m)
}

// statusJSON is the JSON text of status(): one object per agent, sorted by
// ID, with its kind.
func statusJSON(sts []agent.AgentStatus, kinds map[agent.AgentID]string) []byte {
	b := []byte{'['}
	for i, st := range sts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = strconv.AppendUint(appendKey(b, "dropped"), st.Dropped, 10)
		b = appendString(appendKey(b, "id"), string(st.ID))
		b = appendString(appendKey(b, "kind"), kinds[st.ID])
		if st.LastError != "" {
			b = appendString(appendKey(b, "lastError"), st.LastError)
		}
		b = strconv.AppendInt(appendKey(b, "mailbox"), int64(st.Mailbox), 10)
		b = strconv.AppendInt(appendKey(b, "mailboxCap"), int64(st.MailboxCap), 10)
		b = strconv.AppendBool(appendKey(b, "nats"), st.NATSEnabled)
		b = strconv.AppendUint(appendKey(b, "processed"), st.Processed, 10)
		b = strconv.AppendInt(appendKey(b, "restarts"), int64(st.Restarts), 10)
		b = appendString(appendKey(b, "state"), string(st.State))
		b = append(b, '}')
	}
	return append(b, ']')
}

// memoryJSON is the JSON text of an agent's memory: {key: value}, values
// decoded as UTF-8, keys sorted.
func memoryJSON(mem agent.MemoryBackend) ([]byte, error) {
	keys, err := mem.Keys()
	if err != nil {
		return nil, err
	}
	vals := make(map[string]string, len(keys))
	for _, k := range keys {
		v, err := mem.Get(k)
		if errors.Is(err, agent.ErrKeyNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		vals[k] = string(v)
	}
	b := []byte{'{'}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(appendString(b, k), ':')
		b = appendString(b, vals[k])
	}
	return append(b, '}'), nil
}

// outgoingMessage makes the agent Message that send() and publish() hand
// on, from the payload's JSON text.
func outgoingMessage(from, to, payloadJSON string) (agent.Message, error) {
	if !jsonlite.Valid([]byte(payloadJSON)) {
		return agent.Message{}, fmt.Errorf("%w: the payload is not valid JSON", wsnats.ErrJSONPayload)
	}
	return agent.NewJSONMessage(from, to, []byte(payloadJSON))
}
