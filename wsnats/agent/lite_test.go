package agent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// The agent package reads and writes its JSON without encoding/json, and
// logs without log/slog (see message.go and log.go). These tests hold the
// JSON code against encoding/json, which the package used before: the
// reference functions below are that former code.

// plainMessage is Message without its MarshalJSON method: json.Marshal
// writes it by reflection.
type plainMessage Message

func refDecodeAgentMessage(data []byte) (Message, bool) {
	p := bytes.TrimSpace(data)
	if len(p) == 0 || p[0] != '{' || !utf8.Valid(p) {
		return Message{}, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(p, &fields); err != nil {
		return Message{}, false
	}
	for k := range fields {
		switch k {
		case "id", "from", "to", "payload", "timestamp":
		default:
			return Message{}, false
		}
	}
	if _, ok := fields["payload"]; !ok {
		return Message{}, false
	}
	var m plainMessage
	if err := json.Unmarshal(p, &m); err != nil || m.ID == "" || m.From == "" {
		return Message{}, false
	}
	return Message(m), true
}

func refIsRawForm(payload []byte) (string, bool) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || p[0] != '{' {
		return "", false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(p, &m); err != nil || len(m) != 1 {
		return "", false
	}
	v, ok := m["raw"]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	return s, true
}

func refCrash(payload []byte) bool {
	var cmd struct {
		Crash bool `json:"crash"`
	}
	return json.Unmarshal(payload, &cmd) == nil && cmd.Crash
}

var agentJSONCorpus = []string{
	``, `null`, `{}`, `[]`, `"x"`, `{"raw":"aGk="}`, `{"raw":null}`, `{"raw":1}`, `{"raw":"a","raw":"b"}`,
	`{"raw":"a","Raw":"b"}`, `{"r\u0061w":"aGk="}`, ` {"raw" : "aGk=" } `, `{"raw":"a","x":1}`, `{"raw":"\u00e9"}`,
	`{"crash":true}`, `{"CRASH":true}`, `{"craſh":true}`, `{"crash":false}`, `{"crash":"true"}`, `{"crash":1}`,
	`{"crash":null}`, `{"crash":true,"crash":null}`, `{"crash":"x","crash":true}`, `{"crash":true,"Crash":false}`,
	`{"crash":true,"other":[1,{"a":2}]}`, `[{"crash":true}]`, `{"crash":true`, `true`,
	`{"id":"m1","from":"a","to":"b","payload":{"x":1},"timestamp":5}`,
	`{"id":"m1","from":"a","payload":null}`, `{"id":"m1","from":"a"}`, `{"id":"m1","payload":1}`,
	`{"id":"","from":"a","payload":1}`, `{"id":"m1","from":"a","payload":1,"extra":2}`,
	`{"id":"m1","from":"a","payload":1,"ID":"m2"}`, `{"id":1,"from":"a","payload":1}`,
	`{"id":"m1","from":"a","payload":1,"timestamp":-1}`, `{"id":"m1","from":"a","payload":1,"timestamp":1.5}`,
	`{"id":"m1","from":"a","payload":1,"timestamp":1e3}`, `{"id":"m1","from":"a","payload":1,"timestamp":"5"}`,
	`{"id":"m1","from":"a","payload":1,"timestamp":18446744073709551615}`,
	`{"id":"m1","from":"a","payload":1,"timestamp":18446744073709551616}`,
	`{"id":"m1","from":"a","payload":1,"timestamp":null}`, `{"id":"m1","id":null,"from":"a","payload":1}`,
	`{"id":"m\"1\u2028","from":"a<>&","to":null,"payload":  [ 1 , 2 ]  ,"timestamp":0}`,
	`{"id":"m1","from":"a","payload":1,"payload":{"b" : true}}`, "{\"id\":\"m\xff\",\"from\":\"a\",\"payload\":1}",
	`{"id":"\ud800","from":"a","payload":1}`, `{"id":"m1","from":"a","payload":1} x`,
}

func TestAgentJSONAgainstEncodingJSON(t *testing.T) {
	for _, s := range agentJSONCorpus {
		checkAgentJSON(t, []byte(s))
	}
}

func FuzzAgentJSON(f *testing.F) {
	for _, s := range agentJSONCorpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAgentJSON(t, b) })
}

func checkAgentJSON(t *testing.T, b []byte) {
	t.Helper()
	want, wantOK := refDecodeAgentMessage(b)
	got, ok := decodeAgentMessage(b)
	require.Equal(t, wantOK, ok, "decodeAgentMessage(%q)", b)
	require.Equal(t, want, got, "decodeAgentMessage(%q)", b)

	ws, wok := refIsRawForm(b)
	gs, gok := isRawForm(b)
	require.Equal(t, wok, gok, "isRawForm(%q)", b)
	require.Equal(t, ws, gs, "isRawForm(%q)", b)

	require.Equal(t, refCrash(b), crashRequested(b), "crashRequested(%q)", b)

	require.Equal(t, string(refPayloadFromBytes(b)), string(PayloadFromBytes(b)), "PayloadFromBytes(%q)", b)

	// MarshalJSON writes what json.Marshal writes by reflection, strings
	// and payload alike.
	half := len(b) / 2
	for _, m := range []Message{
		{ID: string(b[:half]), From: string(b[half:]), To: string(b), Payload: b, Timestamp: uint64(len(b)) << 40},
		{ID: string(b), Payload: nil},
		{Payload: json.RawMessage{}},
		{Payload: PayloadFromBytes(b)},
	} {
		want, wantErr := json.Marshal(plainMessage(m))
		got, err := m.MarshalJSON()
		if wantErr != nil {
			require.ErrorIs(t, err, ErrBadPayload, "%q", b)
			continue
		}
		require.NoError(t, err, "%q", b)
		require.Equal(t, string(want), string(got), "%q", b)
		// And json.Marshal, which now calls MarshalJSON, still agrees.
		viaJSON, err := json.Marshal(m)
		require.NoError(t, err)
		require.Equal(t, string(want), string(viaJSON))
		// What we write, we read back as encoding/json does.
		back, ok := decodeAgentMessage(got)
		refBack, refOK := refDecodeAgentMessage(got)
		require.Equal(t, m.ID != "" && m.From != "" && utf8.Valid(got), ok, "%s", got)
		require.Equal(t, refOK, ok, "%s", got)
		require.Equal(t, refBack, back, "%s", got)
	}
}

func refPayloadFromBytes(data []byte) json.RawMessage {
	if utf8.Valid(data) && json.Valid(data) {
		if _, raw := refIsRawForm(data); !raw {
			return append(json.RawMessage(nil), data...)
		}
	}
	b, _ := json.Marshal(struct {
		Raw string `json:"raw"`
	}{base64.StdEncoding.EncodeToString(data)})
	return b
}

func TestPayloadRules(t *testing.T) {
	require.Equal(t, `{"raw":""}`, string(encodeRaw(nil)))
	require.Equal(t, `{"raw":"3q0="}`, string(encodeRaw([]byte{0xde, 0xad})))
	for _, p := range []json.RawMessage{nil, {}, json.RawMessage("{"), json.RawMessage(" ")} {
		_, err := NewJSONMessage("a", "b", p)
		require.ErrorIs(t, err, ErrBadPayload, "%q", p)
		_, err = NewMessage("a", "b", p)
		require.ErrorIs(t, err, ErrBadPayload, "%q", p)
	}
	m, err := NewJSONMessage("a", "b", json.RawMessage(` {"x": 1} `))
	require.NoError(t, err)
	require.Equal(t, ` {"x": 1} `, string(m.Payload))
	require.True(t, strings.HasPrefix(m.ID, "msg_"))
	b, err := m.MarshalJSON()
	require.NoError(t, err)
	require.Contains(t, string(b), `"payload":{"x":1},`)
	n, err := NewMessage("a", "b", json.RawMessage(` {"x": 1} `))
	require.NoError(t, err)
	require.Equal(t, m.Payload, n.Payload)
	_, err = Message{ID: "bad", Payload: json.RawMessage("{")}.MarshalJSON()
	require.ErrorIs(t, err, ErrBadPayload)
}

func TestNewIDUnique(t *testing.T) {
	n, workers := 20000, 8
	if runtime.GOOS == "js" {
		n = 2000 // the browser suite shares the machine with timing tests
	}
	var mu sync.Mutex
	seen := make(map[string]bool, n*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = newID("msg")
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				require.False(t, seen[id], id)
				seen[id] = true
			}
		})
	}
	wg.Wait()
	id := newID("nats")
	parts := strings.Split(id, "_")
	require.Len(t, parts, 3, id)
	require.Equal(t, "nats", parts[0])
	require.NotEmpty(t, parts[2])
	require.True(t, strings.HasPrefix(parts[2], idProcess), id)
	for _, c := range parts[2] {
		require.True(t, strings.ContainsRune(base62, c), id)
	}
	require.Equal(t, "0", string(appendBase62(nil, 0)))
	require.Equal(t, "z", string(appendBase62(nil, 61)))
	require.Equal(t, "10", string(appendBase62(nil, 62)))
	require.Equal(t, "LygHa16AHYF", string(appendBase62(nil, 1<<64-1)))
}

// TestLoggerOption logs through a *slog.Logger, which is a wsnats.Log, and
// checks the agent attribute of Context.Logger.
func TestLoggerOption(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, rec := newTestSupervisor(t, WithLogger(logger))
	f := factoryOf(func(ctx Context, m Message) error {
		ctx.Logger().Info("hello", "n", 1)
		return nil
	})
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "me"}}, f))
	require.NoError(t, s.Send("me", Message{From: "t"}))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(buf.String(), "msg=hello agent=me n=1")
	}, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Stop(ctx))
	rec.wait(t, EventStopped, "me", 1)
	mu.Lock()
	require.Contains(t, buf.String(), "agent: started")
	mu.Unlock()

	// A nil logger, typed or not, keeps the default (which discards).
	var nilLogger *slog.Logger
	for _, o := range []Option{WithLogger(nil), WithLogger(nilLogger)} {
		s := NewSupervisor(o)
		require.IsType(t, nopLog{}, s.log)
		s.log.Error("discarded")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
