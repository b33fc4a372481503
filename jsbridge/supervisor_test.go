//go:build !wsnats_noagents

package jsbridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasm-nats/wasm-nats/wsnats"
	"github.com/wasm-nats/wasm-nats/wsnats/agent"
)

func pageAgent(agent.Config) (agent.Agent, error) {
	return agent.HandlerFunc(func(agent.Context, agent.Message) error { return nil }), nil
}

func TestParseSupSpec(t *testing.T) {
	p, err := parseSupSpec([]byte(`{"agents":[{"id":"c","kind":"counter","nats":true,"persist":true},{"id":"e","kind":"echo","nats":false}],
		"prefix":"ag","maxRestarts":2,"withinMs":500,"mailboxSize":8,"page":"me"}`), pageAgent)
	require.NoError(t, err)
	require.Equal(t, []agent.Config{{ID: "c", NATSEnabled: true}, {ID: "e"}, {ID: "me"}}, p.configs)
	require.Equal(t, map[agent.AgentID]string{"c": "counter", "e": "echo", "me": pageKind}, p.kinds)
	require.Equal(t, []agent.AgentID{"c"}, p.persist)
	require.Equal(t, agent.AgentID("me"), p.page)

	// The options take effect and the factory dispatches by ID.
	s := agent.NewSupervisor(p.opts...)
	require.Equal(t, "ag.c", s.Subject("c"))
	f := p.factory()
	for _, c := range p.configs {
		a, err := f(c)
		require.NoError(t, err)
		require.NotNil(t, a)
	}
	_, err = f(agent.Config{ID: "other"})
	require.ErrorIs(t, err, agent.ErrBadConfig)

	p, err = parseSupSpec([]byte(`{"agents":[{"id":"e","kind":"echo"}]}`), nil)
	require.NoError(t, err, "no page agent")
	require.Len(t, p.configs, 1)
	require.Empty(t, p.opts)

	bad := map[string]string{
		`{}`:            "at least one agent",
		`{"agents":[]}`: "at least one agent",
		`not json`:      "supervisor options",
		`{"agents":[{"id":"a","kind":"echo"}],"extra":1}`:                     "unknown field",
		`{"agents":[{"id":"","kind":"echo"}]}`:                                "agents[0].id",
		`{"agents":[{"id":"a","kind":"echo"},{"id":"a","kind":"counter"}]}`:   `"a" is used twice`,
		`{"agents":[{"id":"a","kind":"echo"}],"page":"a"}`:                    `page agent id "a"`,
		`{"agents":[{"id":"a","kind":"echo"}],"mailboxSize":-1}`:              "mailboxSize",
		`{"agents":[{"id":"a","kind":"echo"}],"maxRestarts":-1}`:              "maxRestarts",
		`{"agents":[{"id":"a","kind":"echo"}],"withinMs":0}`:                  "withinMs",
		`{"agents":[{"id":"a","kind":"echo"}],"withinMs":-5,"maxRestarts":1}`: "withinMs",
	}
	for in, want := range bad {
		_, err := parseSupSpec([]byte(in), pageAgent)
		require.ErrorIs(t, err, errInvalidOption, in)
		require.ErrorContains(t, err, want, in)
		require.Equal(t, codeInvalidOption, errorCode(err), in)
	}
	_, err = parseSupSpec([]byte(`{"agents":[{"id":"a","kind":"nope"}]}`), pageAgent)
	require.ErrorIs(t, err, errUnknownKind)
	require.ErrorContains(t, err, `"nope" for agent "a" (known kinds: `)
	require.ErrorContains(t, err, "counter, echo")
	require.Equal(t, codeUnknownKind, errorCode(err))
	_, err = parseSupSpec([]byte(`{"agents":[{"id":"a","kind":"echo"}],"page":"p"}`), nil)
	require.Error(t, err, "a page agent needs its factory")
}

func TestAgentErrorCodes(t *testing.T) {
	cases := map[error]string{
		agent.ErrUnknownAgent: codeUnknownAgent,
		errUnknownKind:        codeUnknownKind,
		agent.ErrMailboxFull:  codeMailboxFull,
		agent.ErrAgentFailed:  codeAgentFailed,
		agent.ErrStopped:      codeStopped,
		agent.ErrAgentStopped: codeStopped,
		agent.ErrBadConfig:    codeInvalidOption,
		agent.ErrBadPayload:   codeBadJSON,
		// An agent error wrapping a wsnats one takes the agent's code.
		fmt.Errorf("%w: id: %w", agent.ErrBadConfig, wsnats.ErrBadSubject): codeInvalidOption,
		// wsnats errors keep theirs.
		wsnats.ErrBadSubject:       codeBadSubject,
		wsnats.ErrConnectionClosed: codeClosed,
		errors.New("other"):        "",
	}
	for err, want := range cases {
		require.Equal(t, want, errorCode(fmt.Errorf("wrapped: %w", err)), "%v", err)
	}

	// Real errors of a supervisor.
	s := agent.NewSupervisor(agent.WithMailboxSize(1))
	block := make(chan struct{})
	f := func(agent.Config) (agent.Agent, error) {
		return agent.HandlerFunc(func(agent.Context, agent.Message) error { <-block; return nil }), nil
	}
	require.NoError(t, s.Start(t.Context(), []agent.Config{{ID: "a"}}, f))
	require.Equal(t, codeUnknownAgent, errorCode(s.Send("b", agent.Message{})))
	var full error
	for i := 0; i < 10 && full == nil; i++ {
		full = s.Send("a", agent.Message{})
	}
	require.Equal(t, codeMailboxFull, errorCode(full))
	close(block)
	require.NoError(t, s.Stop(t.Context()))
	require.Equal(t, codeStopped, errorCode(s.Send("a", agent.Message{})))
}

func TestEventJSON(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	m := agent.Message{ID: "m1", From: "x", To: "c", Payload: json.RawMessage(`{"crash":true}`), Timestamp: 5}
	var got map[string]any
	require.NoError(t, json.Unmarshal(eventJSON(agent.Event{Type: agent.EventRestarted, Agent: "c", Restarts: 1,
		Err: fmt.Errorf("%w: boom", agent.ErrPanic), Message: &m, Time: at}), &got))
	require.Equal(t, map[string]any{
		"type": "restarted", "agent": "c", "restarts": 1.0, "time": 1700000000123.0,
		"error":   []any{"", "agent: agent panicked: boom"},
		"message": map[string]any{"id": "m1", "from": "x", "to": "c", "payload": map[string]any{"crash": true}, "timestamp": 5.0},
	}, got)

	got = nil
	require.NoError(t, json.Unmarshal(eventJSON(agent.Event{Type: agent.EventNATSConnected, Time: at}), &got))
	require.Equal(t, map[string]any{"type": "nats_connected", "time": 1700000000123.0}, got, "no agent fields for NATS events")

	got = nil
	require.NoError(t, json.Unmarshal(eventJSON(agent.Event{Type: agent.EventFailed, Agent: "c",
		Err: fmt.Errorf("%w: x", agent.ErrAgentFailed)}), &got))
	require.Equal(t, []any{codeAgentFailed, "agent: agent failed: x"}, got["error"])
	require.NotZero(t, got["time"])

	got = nil
	require.NoError(t, json.Unmarshal(messageEventJSON("page", "", m), &got))
	require.Equal(t, "message", got["type"])
	require.Equal(t, "page", got["agent"])
	require.NotContains(t, got, "subject")
	got = nil
	require.NoError(t, json.Unmarshal(messageEventJSON("", "agents.c", m), &got))
	require.Equal(t, "agents.c", got["subject"])
	require.NotContains(t, got, "agent")
}

func TestObservedMessage(t *testing.T) {
	env := `{"id":"m1","from":"c","to":"out","payload":[1],"timestamp":9}`
	require.Equal(t, agent.Message{ID: "m1", From: "c", To: "out", Payload: json.RawMessage(`[1]`), Timestamp: 9},
		observedMessage(&wsnats.Msg{Subject: "out", Data: []byte(env)}), "an agent Message is kept")
	for _, data := range []string{`{"id":"m1","from":"c","payload":1,"extra":2}`, `{"from":"c","payload":1}`,
		`{"id":"m1","from":"c"}`, `{"id":"m1","from":"c","payload":1} {}`, `plain`, ``} {
		m := observedMessage(&wsnats.Msg{Subject: "s.t", Data: []byte(data)})
		require.Equal(t, agent.FromNATSSender, m.From, data)
		require.Equal(t, "s.t", m.To, data)
		raw, err := m.RawBytes()
		require.NoError(t, err)
		require.Equal(t, data, string(raw), data)
	}
}

func TestStatusMemoryAndOutgoing(t *testing.T) {
	var got []map[string]any
	require.NoError(t, json.Unmarshal(statusJSON([]agent.AgentStatus{
		{ID: "c", State: agent.StateRunning, Restarts: 1, Mailbox: 2, MailboxCap: 8, Processed: 3, NATSEnabled: true, LastError: "boom"},
		{ID: "e", State: agent.StateStopped},
	}, map[agent.AgentID]string{"c": "counter", "e": "echo"}), &got))
	require.Equal(t, []map[string]any{
		{"id": "c", "kind": "counter", "state": "running", "restarts": 1.0, "mailbox": 2.0, "mailboxCap": 8.0,
			"processed": 3.0, "dropped": 0.0, "nats": true, "lastError": "boom"},
		{"id": "e", "kind": "echo", "state": "stopped", "restarts": 0.0, "mailbox": 0.0, "mailboxCap": 0.0,
			"processed": 0.0, "dropped": 0.0, "nats": false},
	}, got)
	require.JSONEq(t, `[]`, string(statusJSON(nil, nil)))

	mem := agent.NewInMemory()
	require.NoError(t, mem.Set("count", []byte("3")))
	require.NoError(t, mem.Set("name", []byte("é")))
	text, err := memoryJSON(mem)
	require.NoError(t, err)
	require.JSONEq(t, `{"count":"3","name":"é"}`, string(text))

	m, err := outgoingMessage("page", "echo-1", `{"a":[1,2]}`)
	require.NoError(t, err)
	require.Equal(t, "page", m.From)
	require.Equal(t, "echo-1", m.To)
	require.JSONEq(t, `{"a":[1,2]}`, string(m.Payload))
	require.NotEmpty(t, m.ID)
	require.NotZero(t, m.Timestamp)
	_, err = outgoingMessage("page", "x", `{bad`)
	require.ErrorIs(t, err, wsnats.ErrJSONPayload)
	require.Equal(t, codeBadJSON, errorCode(err))
}

// The hand-written JSON gives the texts encoding/json gave before.
func TestSupervisorJSONAsEncodingJSON(t *testing.T) {
	marshal := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	at := time.UnixMilli(1_700_000_000_123)
	m := agent.Message{ID: "m<1>", From: "x\u2028", To: "c&\xff", Payload: json.RawMessage(` {"a" : "<b>"} `), Timestamp: 5}
	for _, ev := range []agent.Event{
		{Type: agent.EventRestarted, Agent: "c", Restarts: 1, Err: fmt.Errorf("%w: boom \"<x>\"", agent.ErrPanic), Message: &m, Time: at},
		{Type: agent.EventNATSConnected, Time: at},
		{Type: agent.EventFailed, Agent: "é", Err: agent.ErrAgentFailed, Time: at},
	} {
		want := map[string]any{"type": string(ev.Type), "time": ev.Time.UnixMilli()}
		if ev.Agent != "" {
			want["agent"] = string(ev.Agent)
			want["restarts"] = ev.Restarts
		}
		if ev.Err != nil {
			want["error"] = []any{errorCode(ev.Err), ev.Err.Error()}
		}
		if ev.Message != nil {
			want["message"] = ev.Message
		}
		require.Equal(t, marshal(want), string(eventJSON(ev)))
	}
	got := string(messageEventJSON("page", "", m))
	require.Regexp(t, `,"time":\d+,`, got)
	require.Equal(t, `{"agent":"page","message":`+marshal(m)+`,"time":0,"type":"message"}`,
		regexp.MustCompile(`"time":\d+`).ReplaceAllString(got, `"time":0`))
	got = string(messageEventJSON("", "s.<t>", m))
	require.Equal(t, `{"message":`+marshal(m)+`,"subject":"s.\u003ct\u003e","time":0,"type":"message"}`,
		regexp.MustCompile(`"time":\d+`).ReplaceAllString(got, `"time":0`))

	sts := []agent.AgentStatus{
		{ID: "c", State: agent.StateRunning, Restarts: 1, Mailbox: 2, MailboxCap: 8, Processed: 3, Dropped: 1 << 63, NATSEnabled: true, LastError: "b<o>m"},
		{ID: "e", State: agent.StateStopped},
	}
	kinds := map[agent.AgentID]string{"c": "counter", "e": "echo"}
	var want []map[string]any
	for _, st := range sts {
		o := map[string]any{"id": string(st.ID), "kind": kinds[st.ID], "state": string(st.State),
			"restarts": st.Restarts, "mailbox": st.Mailbox, "mailboxCap": st.MailboxCap,
			"processed": st.Processed, "dropped": st.Dropped, "nats": st.NATSEnabled}
		if st.LastError != "" {
			o["lastError"] = st.LastError
		}
		want = append(want, o)
	}
	require.Equal(t, marshal(want), string(statusJSON(sts, kinds)))
	require.Equal(t, `[]`, string(statusJSON(nil, nil)))

	mem := agent.NewInMemory()
	vals := map[string]string{"z": "1", "a<": "\xff", "é": "x\"y", "": ""}
	for k, v := range vals {
		require.NoError(t, mem.Set(k, []byte(v)))
	}
	text, err := memoryJSON(mem)
	require.NoError(t, err)
	require.Equal(t, marshal(vals), string(text))
	text, err = memoryJSON(agent.NewInMemory())
	require.NoError(t, err)
	require.Equal(t, `{}`, string(text))
}

// decodeSupSpec and decodeMessage accept what encoding/json accepted.
func TestSupervisorDecodeAsEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"agents":[{"id":"c","kind":"counter","nats":true,"persist":true},{"id":"e","kind":"echo","nats":false}],"prefix":"ag","maxRestarts":2,"withinMs":500.5,"mailboxSize":8,"page":"me"}`,
		` {"AGENTS":[{"ID":"a\u00e9","Kind":"echo","nats":null},null],"page":null,"maxRestarts":null,"withinMs":1e3} `,
		`{"agents":[{"id":"a","kind":"x"}],"agents":null,"prefix":"p","prefix":"q"}`,
		`null`, `{}`, `{"agents":[]}`,
		`{"agents":[{"id":"a","kind":"echo","extra":1}]}`,
		`{"agents":[{"id":1}]}`, `{"agents":{}}`, `{"maxRestarts":1.5}`, `{"maxRestarts":"1"}`, `{"mailboxSize":1e2}`,
		`{"withinMs":"5"}`, `{"withinMs":true}`, `{"nats":true}`, `[]`, `"x"`, `{`, ``, `{"agents":[{"nats":1}]}`,
	} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		var want supSpec
		werr := dec.Decode(&want)
		got, err := decodeSupSpec([]byte(in))
		require.Equal(t, werr == nil, err == nil, "%s: %v / %v", in, werr, err)
		if err == nil {
			require.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{
		`{"id":"m1","from":"c","to":"out","payload":[1],"timestamp":9}`,
		`{"ID":"m1","FROM":"c","payload":null,"timestamp":null,"to":null}`,
		`{"id":"m1","from":"c","payload":{"a":1},"payload":2}`,
		`{"id":"m\xff","from":"c","payload":"\xfe"}`,
		`{"id":"m1","from":"c","payload":1,"extra":2}`, `{"id":1,"from":"c","payload":1}`,
		`{"id":"m1","from":"c","payload":1,"timestamp":-1}`, `{"id":"m1","from":"c","payload":1,"timestamp":1.0}`,
		`{"id":"m1","from":"c","payload":1,"timestamp":18446744073709551616}`, `null`, `[1]`, `plain`, ``,
	} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		var want agent.Message
		werr := dec.Decode(&want)
		got, err := decodeMessage([]byte(in))
		require.Equal(t, werr == nil, err == nil, "%s: %v / %v", in, werr, err)
		if err == nil {
			require.Equal(t, want, got, in)
		}
	}
}
