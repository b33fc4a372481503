//go:build !wsnats_noagents

package jsbridge

// The JSON texts of the supervisor API are read and written with
// internal/jsonlite rather than encoding/json, whose reflection would add
// about 150 KB (gzip) to the wasm module. They are what encoding/json read
// and wrote before: keys are matched as it matches struct fields (case
// folded), unknown fields are refused (as with DisallowUnknownFields), null
// leaves a string, number or bool as it is and empties a slice or pointer,
// the last of repeated members wins, and objects are written with their
// members in the order of their keys (as json.Marshal writes maps).

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasm-nats/wasm-nats/wsnats/agent"
	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

var errNotJSON = errors.New("not valid JSON")

// appendKey starts an object member (after b's '{' or a previous member);
// key is a constant that needs no escaping.
func appendKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendString(b []byte, s string) []byte { return jsonlite.AppendString(b, s) }

// appendMessage appends the JSON form of m (Message.MarshalJSON).
func appendMessage(b []byte, m agent.Message) ([]byte, error) {
	mb, err := m.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(b, mb...), nil
}

// encodeFailure is the event sent instead of one that cannot be encoded (a
// message whose payload is not JSON).
func encodeFailure(err error) []byte {
	b := []byte(`{"error":["` + codeInternal + `",`)
	b = appendString(b, "cannot encode: "+err.Error())
	return append(b, `],"type":"error"}`...)
}

// readObject calls fn for each member of the object v; null is taken as
// an empty object. what names v in errors.
func readObject(v []byte, what string, fn func(key string, v []byte) error) error {
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return nil
	}
	if len(v) == 0 || v[0] != '{' {
		if !jsonlite.Valid(v) {
			return errNotJSON
		}
		return fmt.Errorf("%s must be an object", what)
	}
	var err error
	if !jsonlite.Members(v, func(key string, v []byte) bool {
		err = fn(key, v)
		return err == nil
	}) {
		return errNotJSON
	}
	return err
}

// unknownField is the error for a member that is not a field.
func unknownField(what, key string) error {
	if what == "" {
		return fmt.Errorf("unknown field %q", key)
	}
	return fmt.Errorf("%s: unknown field %q", what, key)
}

// field joins the name of an object and that of one of its members.
func field(what, key string) string {
	if what == "" {
		return key
	}
	return what + "." + key
}

// readString sets *out to the string v; null leaves it as it is.
func readString(out *string, v []byte, what string) error {
	if string(v) == "null" {
		return nil
	}
	s, ok := jsonlite.Unquote(v)
	if !ok {
		return fmt.Errorf("%s must be a string", what)
	}
	*out = s
	return nil
}

// readBool sets *out to the bool v; null leaves it as it is.
func readBool(out *bool, v []byte, what string) error {
	switch string(v) {
	case "null":
	case "true":
		*out = true
	case "false":
		*out = false
	default:
		return fmt.Errorf("%s must be true or false", what)
	}
	return nil
}

// readInt sets *out to the integer v; null leaves it as it is.
func readInt(out *int, v []byte, what string) error {
	if string(v) == "null" {
		return nil
	}
	n, err := strconv.Atoi(string(v)) // refuses fractions and exponents, as encoding/json does
	if err != nil {
		return fmt.Errorf("%s must be an integer, got %s", what, v)
	}
	*out = n
	return nil
}

// decodeSupSpec reads the spec that bridge.js sends.
func decodeSupSpec(text []byte) (supSpec, error) {
	var s supSpec
	err := readObject(text, "the options", func(key string, v []byte) error {
		switch {
		case strings.EqualFold(key, "agents"):
			return decodeAgentSpecs(&s.Agents, v)
		case strings.EqualFold(key, "prefix"):
			return readString(&s.Prefix, v, key)
		case strings.EqualFold(key, "maxRestarts"):
			s.MaxRestarts = nil
			if string(v) == "null" {
				return nil
			}
			n := 0
			s.MaxRestarts = &n
			return readInt(s.MaxRestarts, v, key)
		case strings.EqualFold(key, "withinMs"):
			s.WithinMs = nil
			if string(v) == "null" {
				return nil
			}
			if len(v) == 0 || v[0] != '-' && (v[0] < '0' || v[0] > '9') {
				return fmt.Errorf("%s must be a number", key)
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return fmt.Errorf("%s must be a number, got %s", key, v)
			}
			s.WithinMs = &f
			return nil
		case strings.EqualFold(key, "mailboxSize"):
			return readInt(&s.MailboxSize, v, key)
		case strings.EqualFold(key, "page"):
			return readString(&s.Page, v, key)
		}
		return unknownField("", key)
	})
	return s, err
}

// decodeAgentSpecs reads the agents of a spec; null empties them.
func decodeAgentSpecs(out *[]supAgentSpec, v []byte) error {
	*out = nil
	if string(v) == "null" {
		return nil
	}
	if v[0] != '[' {
		return errors.New("agents must be an array")
	}
	*out = []supAgentSpec{}
	var err error
	jsonlite.Elements(v, func(v []byte) bool {
		var a supAgentSpec
		what := fmt.Sprintf("agents[%d]", len(*out))
		err = readObject(v, what, func(key string, v []byte) error {
			switch {
			case strings.EqualFold(key, "id"):
				return readString(&a.ID, v, field(what, key))
			case strings.EqualFold(key, "kind"):
				return readString(&a.Kind, v, field(what, key))
			case strings.EqualFold(key, "nats"):
				return readBool(&a.NATS, v, field(what, key))
			case strings.EqualFold(key, "persist"):
				return readBool(&a.Persist, v, field(what, key))
			}
			return unknownField(what, key)
		})
		*out = append(*out, a)
		return err == nil
	})
	return err
}

// decodeMessage reads data as an agent Message (the JSON of
// Message.MarshalJSON), refusing other members; see observedMessage.
func decodeMessage(data []byte) (agent.Message, error) {
	var m agent.Message
	err := readObject(data, "the message", func(key string, v []byte) error {
		switch {
		case strings.EqualFold(key, "id"):
			return readString(&m.ID, v, key)
		case strings.EqualFold(key, "from"):
			return readString(&m.From, v, key)
		case strings.EqualFold(key, "to"):
			return readString(&m.To, v, key)
		case strings.EqualFold(key, "payload"):
			m.Payload = append([]byte(nil), v...)
			return nil
		case strings.EqualFold(key, "timestamp"):
			if string(v) == "null" {
				return nil
			}
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("timestamp must be an unsigned integer, got %s", v)
			}
			m.Timestamp = n
			return nil
		}
		return unknownField("the message", key)
	})
	return m, err
}
