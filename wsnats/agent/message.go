package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wasm-nats/wasm-nats/wsnats"
	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

// FromNATSSender is the From of every message made by FromNATS.
const FromNATSSender = "nats"

// ErrBadPayload is returned when a payload is not valid JSON, or when its
// raw form holds data that is not standard base64.
var ErrBadPayload = errors.New("agent: invalid payload")

// Message is what agents exchange, locally and over NATS. Its JSON form uses
// the field names id, from, to, payload and timestamp (see MarshalJSON).
type Message struct {
	// ID identifies the message; see NewMessage and FromNATS for the forms.
	ID string `json:"id"`
	// From is the sending agent, or "nats" for data received from NATS
	// that was not itself an agent message.
	From string `json:"from"`
	// To is the receiving agent, or the subject the message was sent to.
	To string `json:"to"`
	// Payload is a JSON value. Binary data is carried in the raw form
	// {"raw":"<standard base64>"}; RawBytes decodes it.
	Payload json.RawMessage `json:"payload"`
	// Timestamp is the creation time in UTC unix milliseconds.
	Timestamp uint64 `json:"timestamp"`
}

// nowMillis returns the current UTC time in unix milliseconds.
func nowMillis() uint64 { return uint64(time.Now().UnixMilli()) }

// newID returns prefix_<unix-nanos>_<suffix>, where suffix is 12 random
// characters drawn once per process and a counter, both base 62: the
// counter keeps the IDs of one process apart, the random part those of
// different processes (or pages) made in the same nanosecond. IDs are
// unique, not secret: math/rand/v2 (seeded by the runtime) is enough, and
// crypto/rand with math/big (what nuid uses) would weigh on the wasm module.
func newID(prefix string) string {
	b := make([]byte, 0, len(prefix)+1+19+1+len(idProcess)+11)
	b = append(b, prefix...)
	b = append(b, '_')
	b = strconv.AppendInt(b, time.Now().UnixNano(), 10)
	b = append(b, '_')
	b = append(b, idProcess...)
	return string(appendBase62(b, idCounter.Add(1)))
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	idProcess = randomBase62(12)
	idCounter atomic.Uint64
)

// randomBase62 returns n random base-62 characters.
func randomBase62(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = base62[rand.IntN(len(base62))]
	}
	return string(b)
}

// appendBase62 appends n in base 62 (at least one digit).
func appendBase62(b []byte, n uint64) []byte {
	var d [11]byte // 62^11 > 2^64
	i := len(d)
	for {
		i--
		d[i] = base62[n%62]
		n /= 62
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// The JSON of messages is read and written with internal/jsonlite, not
// encoding/json, whose reflection would weigh on the browser's wasm
// module; the results are those of encoding/json.

// encodeRaw returns the raw form of data: {"raw":"<standard base64>"}.
func encodeRaw(data []byte) json.RawMessage {
	b := make([]byte, 0, len(`{"raw":""}`)+base64.StdEncoding.EncodedLen(len(data)))
	b = append(b, `{"raw":"`...)
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, `"}`...)
}

// isRawForm reports whether payload is an object with the single member
// "raw" holding a string, returning that string. As with encoding/json, a
// repeated member counts once (the last one wins), and null is "".
func isRawForm(payload []byte) (string, bool) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || p[0] != '{' {
		return "", false
	}
	var raw []byte
	other := false
	ok := jsonlite.Members(p, func(key string, v []byte) bool {
		if key != "raw" {
			other = true
			return false
		}
		raw = v
		return true
	})
	if !ok || other || raw == nil {
		return "", false
	}
	if string(raw) == "null" {
		return "", true
	}
	return jsonlite.Unquote(raw)
}

// PayloadFromBytes returns data as a payload: data itself when it is valid
// UTF-8 JSON, else the raw form {"raw":"<standard base64>"}. Empty data is
// not JSON, so it becomes {"raw":""}. JSON that already has the raw form's
// shape is wrapped in the raw form as well, so that RawBytes always gives
// data back byte for byte.
func PayloadFromBytes(data []byte) json.RawMessage {
	if utf8.Valid(data) && jsonlite.Valid(data) {
		if _, raw := isRawForm(data); !raw {
			return append(json.RawMessage(nil), data...)
		}
	}
	return encodeRaw(data)
}

// FromNATS converts a message received from NATS into an agent Message:
// ID "nats_<unix-nanos>_<unique suffix>", From "nats", To the subject,
// Payload as PayloadFromBytes makes it, Timestamp the time of conversion in
// UTC unix milliseconds. The reply subject and headers are not kept.
func FromNATS(m *wsnats.Msg) Message {
	var subj string
	var data []byte
	if m != nil {
		subj, data = m.Subject, m.Data
	}
	return Message{
		ID:        newID("nats"),
		From:      FromNATSSender,
		To:        subj,
		Payload:   PayloadFromBytes(data),
		Timestamp: nowMillis(),
	}
}

// RawBytes returns the bytes the payload stands for. For the raw form
// {"raw":"<base64>"} it is the decoded data; for any other JSON payload it
// is the JSON text itself. So for any data, FromNATS(data).RawBytes()
// returns data. A nil payload gives nil; invalid JSON or bad base64 in the
// raw form gives ErrBadPayload.
func (m Message) RawBytes() ([]byte, error) {
	if m.Payload == nil {
		return nil, nil
	}
	if !jsonlite.Valid(m.Payload) {
		return nil, fmt.Errorf("%w: message %q: not JSON", ErrBadPayload, m.ID)
	}
	if s, ok := isRawForm(m.Payload); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: message %q: raw form: %v", ErrBadPayload, m.ID, err)
		}
		return b, nil
	}
	return append([]byte(nil), m.Payload...), nil
}

// IsRaw reports whether the payload is in the raw (base64) form.
func (m Message) IsRaw() bool {
	_, ok := isRawForm(m.Payload)
	return ok
}

// NewMessage returns a message with a fresh ID ("msg_<unix-nanos>_<unique
// suffix>") and the current time. The payload is encoded as follows: a
// json.RawMessage is used as is (it must be valid JSON); a []byte is binary
// data and goes in the raw form; nil is JSON null; anything else goes
// through json.Marshal.
func NewMessage(from, to string, payload any) (Message, error) {
	p, err := encodePayload(payload)
	if err != nil {
		return Message{}, err
	}
	return Message{ID: newID("msg"), From: from, To: to, Payload: p, Timestamp: nowMillis()}, nil
}

// NewJSONMessage is NewMessage for a payload that is JSON text already: it
// is checked (ErrBadPayload when it is not valid JSON, as nil or empty
// text is not) and copied. Unlike NewMessage, it never needs the
// reflective encoder of encoding/json, which the Go linker then leaves out
// of a program (such as the browser's wasm module) that does not call
// NewMessage.
func NewJSONMessage(from, to string, payload json.RawMessage) (Message, error) {
	p, err := jsonPayload(payload)
	if err != nil {
		return Message{}, err
	}
	return Message{ID: newID("msg"), From: from, To: to, Payload: p, Timestamp: nowMillis()}, nil
}

// jsonPayload checks and copies a payload given as JSON text.
func jsonPayload(payload json.RawMessage) (json.RawMessage, error) {
	if !jsonlite.Valid(payload) {
		return nil, fmt.Errorf("%w: json.RawMessage is not valid JSON", ErrBadPayload)
	}
	return append(json.RawMessage(nil), payload...), nil
}

// encodePayload implements NewMessage's payload rules.
func encodePayload(payload any) (json.RawMessage, error) {
	switch v := payload.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case json.RawMessage:
		return jsonPayload(v)
	case []byte:
		return encodeRaw(v), nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	return b, nil
}

// MarshalJSON returns the JSON form of m, the text json.Marshal would
// write for its fields: {"id":...,"from":...,"to":...,"payload":...,
// "timestamp":...}. The payload is written compact; a nil payload is null,
// one that is not valid JSON an error wrapping ErrBadPayload.
func (m Message) MarshalJSON() ([]byte, error) {
	return m.appendJSON(make([]byte, 0, 64+len(m.ID)+len(m.From)+len(m.To)+len(m.Payload)))
}

func (m Message) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = jsonlite.AppendString(b, m.ID)
	b = append(b, `,"from":`...)
	b = jsonlite.AppendString(b, m.From)
	b = append(b, `,"to":`...)
	b = jsonlite.AppendString(b, m.To)
	b = append(b, `,"payload":`...)
	if m.Payload == nil {
		b = append(b, "null"...)
	} else {
		var err error
		if b, err = jsonlite.AppendCompact(b, m.Payload); err != nil {
			return nil, fmt.Errorf("%w: message %q: the payload is not valid JSON", ErrBadPayload, m.ID)
		}
	}
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendUint(b, m.Timestamp, 10)
	return append(b, '}'), nil
}

// decodeAgentMessage reads data as an agent Message when it is a JSON
// object with at most the five Message members, a non-empty id and from,
// and a payload. Anything else is not an agent message. Members are read
// as json.Unmarshal reads them: null leaves a field as it is (a null
// payload is the JSON null), the last of repeated members wins, and a
// value of the wrong type (or a timestamp that is not an unsigned
// integer) rejects the whole message.
func decodeAgentMessage(data []byte) (Message, bool) {
	p := bytes.TrimSpace(data)
	if len(p) == 0 || p[0] != '{' || !utf8.Valid(p) {
		return Message{}, false
	}
	var m Message
	bad := false
	ok := jsonlite.Members(p, func(key string, v []byte) bool {
		switch key {
		case "id":
			bad = !readString(&m.ID, v)
		case "from":
			bad = !readString(&m.From, v)
		case "to":
			bad = !readString(&m.To, v)
		case "payload":
			m.Payload = append(json.RawMessage(nil), v...)
		case "timestamp":
			bad = !readUint(&m.Timestamp, v)
		default:
			bad = true
		}
		return !bad
	})
	if !ok || bad || m.Payload == nil || m.ID == "" || m.From == "" {
		return Message{}, false
	}
	return m, true
}

// readString sets *out to the JSON string v; null leaves it as it is.
// It reports false for any other value.
func readString(out *string, v []byte) bool {
	if string(v) == "null" {
		return true
	}
	s, ok := jsonlite.Unquote(v)
	if ok {
		*out = s
	}
	return ok
}

// readUint sets *out to the JSON number v when it is an integer that
// fits; null leaves it as it is. It reports false for any other value.
func readUint(out *uint64, v []byte) bool {
	if string(v) == "null" {
		return true
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return false
	}
	*out = n
	return true
}

// fill sets the fields a sender may leave empty: ID, From, To, Payload
// (null) and Timestamp.
func (m Message) fill(from, to string) Message {
	if m.ID == "" {
		m.ID = newID("msg")
	}
	if m.From == "" {
		m.From = from
	}
	if m.To == "" {
		m.To = to
	}
	if m.Payload == nil {
		m.Payload = json.RawMessage("null")
	}
	if m.Timestamp == 0 {
		m.Timestamp = nowMillis()
	}
	return m
}
