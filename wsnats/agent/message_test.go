package agent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

func TestFromNATSRoundTrip(t *testing.T) {
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	cases := []struct {
		name    string
		data    []byte
		wantRaw bool
	}{
		{"object", []byte(`{"a":1,"b":[true,null]}`), false},
		{"string", []byte(`"hello"`), false},
		{"number", []byte(`42`), false},
		{"empty", []byte{}, true},
		{"nil", nil, true},
		{"text", []byte("hello world"), true},
		{"invalid utf8 bytes", []byte{0xff, 0xfe, 'a'}, true},
		{"invalid utf8 in json string", []byte("\"a\xffb\""), true},
		{"binary", bin, true},
		{"looks like raw form", []byte(`{"raw":"aGk="}`), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := nowMillis()
			m := FromNATS(&wsnats.Msg{Subject: "s.x", Data: tc.data})
			require.True(t, strings.HasPrefix(m.ID, "nats_"), m.ID)
			require.Equal(t, "nats", m.From)
			require.Equal(t, "s.x", m.To)
			require.GreaterOrEqual(t, m.Timestamp, before)
			require.LessOrEqual(t, m.Timestamp, nowMillis())
			require.Equal(t, tc.wantRaw, m.IsRaw())
			require.True(t, json.Valid(m.Payload))
			if !tc.wantRaw {
				require.JSONEq(t, string(tc.data), string(m.Payload))
			}

			// Through the JSON envelope and back.
			enc, err := json.Marshal(m)
			require.NoError(t, err)
			var back Message
			require.NoError(t, json.Unmarshal(enc, &back))
			require.Equal(t, m.ID, back.ID)
			got, err := back.RawBytes()
			require.NoError(t, err)
			if len(tc.data) == 0 {
				require.Empty(t, got)
			} else {
				require.Equal(t, tc.data, got)
			}
		})
	}
}

func TestFromNATSEmptyIsRawEmpty(t *testing.T) {
	m := FromNATS(&wsnats.Msg{Subject: "a"})
	require.JSONEq(t, `{"raw":""}`, string(m.Payload))
}

func TestMessageJSONFieldNames(t *testing.T) {
	m := Message{ID: "1", From: "a", To: "b", Payload: json.RawMessage(`{"x":1}`), Timestamp: 7}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"1","from":"a","to":"b","payload":{"x":1},"timestamp":7}`, string(b))
}

func TestFromNATSUniqueIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := FromNATS(&wsnats.Msg{Subject: "a", Data: []byte("1")}).ID
		require.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
}

func TestTimestampIsUTCMillis(t *testing.T) {
	m := FromNATS(&wsnats.Msg{Subject: "a"})
	got := time.UnixMilli(int64(m.Timestamp))
	require.WithinDuration(t, time.Now(), got, 5*time.Second)
}

func TestRawBytesErrors(t *testing.T) {
	_, err := Message{Payload: json.RawMessage(`{"raw":"***"}`)}.RawBytes()
	require.ErrorIs(t, err, ErrBadPayload)
	_, err = Message{Payload: json.RawMessage(`{bad`)}.RawBytes()
	require.ErrorIs(t, err, ErrBadPayload)
	b, err := Message{}.RawBytes()
	require.NoError(t, err)
	require.Nil(t, b)
}

func TestNewMessage(t *testing.T) {
	m, err := NewMessage("a", "b", map[string]int{"n": 1})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(m.ID, "msg_"))
	require.Equal(t, "a", m.From)
	require.Equal(t, "b", m.To)
	require.JSONEq(t, `{"n":1}`, string(m.Payload))
	require.NotZero(t, m.Timestamp)

	m, err = NewMessage("a", "b", []byte{0, 1, 2})
	require.NoError(t, err)
	require.True(t, m.IsRaw())
	raw, err := m.RawBytes()
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1, 2}, raw)

	m, err = NewMessage("a", "b", nil)
	require.NoError(t, err)
	require.Equal(t, "null", string(m.Payload))

	m, err = NewMessage("a", "b", json.RawMessage(`"s"`))
	require.NoError(t, err)
	require.Equal(t, `"s"`, string(m.Payload))

	_, err = NewMessage("a", "b", json.RawMessage(`{`))
	require.ErrorIs(t, err, ErrBadPayload)
	_, err = NewMessage("a", "b", func() {})
	require.ErrorIs(t, err, ErrBadPayload)
}

func TestDecodeAgentMessage(t *testing.T) {
	m, ok := decodeAgentMessage([]byte(`{"id":"x","from":"a","to":"b","payload":{"k":1},"timestamp":5}`))
	require.True(t, ok)
	require.Equal(t, "x", m.ID)
	require.Equal(t, "a", m.From)
	require.JSONEq(t, `{"k":1}`, string(m.Payload))

	for _, s := range []string{
		`{"id":"x","from":"a","to":"b"}`,                 // no payload
		`{"id":"","from":"a","payload":1}`,               // empty id
		`{"id":"x","from":"a","payload":1,"extra":true}`, // unknown member
		`{"id":1,"from":"a","payload":1}`,                // wrong type
		`[1,2]`, `"str"`, ``, `{"raw":"aGk="}`, "{\"id\":\"\xff\"}",
	} {
		_, ok := decodeAgentMessage([]byte(s))
		require.False(t, ok, s)
	}
}

func TestMemoryInMemory(t *testing.T) {
	var mem MemoryBackend = NewInMemory()
	_, err := mem.Get("a")
	require.ErrorIs(t, err, ErrKeyNotFound)
	v := []byte("1")
	require.NoError(t, mem.Set("b", v))
	require.NoError(t, mem.Set("a", []byte("2")))
	v[0] = 'x' // the backend holds its own copy
	got, err := mem.Get("b")
	require.NoError(t, err)
	require.Equal(t, []byte("1"), got)
	keys, err := mem.Keys()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, keys)
	require.NoError(t, mem.Delete("a"))
	require.NoError(t, mem.Delete("missing"))
	_, err = mem.Get("a")
	require.ErrorIs(t, err, ErrKeyNotFound)

	var zero InMemory
	require.NoError(t, zero.Set("k", nil))
	got, err = zero.Get("k")
	require.NoError(t, err)
	require.Empty(t, got)
}
