package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nuid"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// FromNATSSender is the From of every message made by FromNATS.
const FromNATSSender = "nats"

// ErrBadPayload is returned when a payload is not valid JSON, or when its
// raw form holds data that is not standard base64.
var ErrBadPayload = errors.New("agent: invalid payload")

// Message is what agents exchange, locally and over NATS. Its JSON form uses
// the field names id, from, to, payload and timestamp.
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

// rawForm is the JSON shape that carries binary data.
type rawForm struct {
	Raw string `json:"raw"`
}

// nowMillis returns the current UTC time in unix milliseconds.
func nowMillis() uint64 { return uint64(time.Now().UnixMilli()) }

// newID returns prefix_<unix-nanos>_<nuid>. The nuid suffix keeps IDs made
// in the same nanosecond (or in different processes) apart.
func newID(prefix string) string {
	return prefix + "_" + strconv.FormatInt(time.Now().UnixNano(), 10) + "_" + nuid.Next()
}

// encodeRaw returns the raw form of data.
func encodeRaw(data []byte) json.RawMessage {
	b, _ := json.Marshal(rawForm{Raw: base64.StdEncoding.EncodeToString(data)})
	return b
}

// isRawForm reports whether payload is an object with the single member
// "raw" holding a string, returning that string.
func isRawForm(payload []byte) (string, bool) {
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

// PayloadFromBytes returns data as a payload: data itself when it is valid
// UTF-8 JSON, else the raw form {"raw":"<standard base64>"}. Empty data is
// not JSON, so it becomes {"raw":""}. JSON that already has the raw form's
// shape is wrapped in the raw form as well, so that RawBytes always gives
// data back byte for byte.
func PayloadFromBytes(data []byte) json.RawMessage {
	if utf8.Valid(data) && json.Valid(data) {
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
	if !json.Valid(m.Payload) {
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

// encodePayload implements NewMessage's payload rules.
func encodePayload(payload any) (json.RawMessage, error) {
	switch v := payload.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case json.RawMessage:
		if !json.Valid(v) {
			return nil, fmt.Errorf("%w: json.RawMessage is not valid JSON", ErrBadPayload)
		}
		return append(json.RawMessage(nil), v...), nil
	case []byte:
		return encodeRaw(v), nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	return b, nil
}

// decodeAgentMessage reads data as an agent Message when it is a JSON
// object with at most the five Message members, a non-empty id and from,
// and a payload. Anything else is not an agent message.
func decodeAgentMessage(data []byte) (Message, bool) {
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
	var m Message
	if err := json.Unmarshal(p, &m); err != nil || m.ID == "" || m.From == "" {
		return Message{}, false
	}
	return m, true
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
