package wsnats

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

// A small JSON reader and writer for the two documents of the protocol,
// INFO and CONNECT. encoding/json (with reflection) would be most of the
// wasm module's size beyond the runtime; these two flat documents need
// little of it.

var errBadJSON = errors.New("malformed JSON")

// parseInfo fills info from the INFO document. Unknown fields are skipped.
func parseInfo(doc []byte, info *ServerInfo) error {
	r := jsonReader{b: doc}
	return r.object(func(key string) error {
		switch key {
		case "server_id":
			return r.str(&info.ServerID)
		case "server_name":
			return r.str(&info.ServerName)
		case "version":
			return r.str(&info.Version)
		case "host":
			return r.str(&info.Host)
		case "client_ip":
			return r.str(&info.ClientIP)
		case "nonce":
			return r.str(&info.Nonce)
		case "cluster":
			return r.str(&info.Cluster)
		case "proto":
			return r.int(func(n int64) { info.Proto = int(n) })
		case "port":
			return r.int(func(n int64) { info.Port = int(n) })
		case "max_payload":
			return r.int(func(n int64) { info.MaxPayload = n })
		case "client_id":
			return r.uint(func(n uint64) { info.ClientID = n })
		case "headers":
			return r.bool(&info.Headers)
		case "auth_required":
			return r.bool(&info.AuthRequired)
		case "tls_required":
			return r.bool(&info.TLSRequired)
		case "tls_available":
			return r.bool(&info.TLSAvailable)
		case "ldm":
			return r.bool(&info.LameDuckMode)
		case "jetstream":
			return r.bool(&info.JetStream)
		case "connect_urls":
			return r.strings(&info.ConnectURLs)
		case "ws_connect_urls":
			return r.strings(&info.WSConnectURLs)
		}
		return r.skip()
	})
}

type jsonReader struct {
	b     []byte
	i     int
	depth int // nesting of skipped values, bounded by maxSkipDepth
}

// maxSkipDepth bounds the nesting of unknown INFO fields: skip recurses,
// and in a browser deep recursion overflows the engine's stack.
const maxSkipDepth = 64

func (r *jsonReader) space() {
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n' || r.b[r.i] == '\r') {
		r.i++
	}
}

func (r *jsonReader) peek() byte {
	r.space()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

func (r *jsonReader) expect(c byte) error {
	if r.peek() != c {
		return errBadJSON
	}
	r.i++
	return nil
}

// object reads {"key": value, ...}, calling field for each key with the
// reader positioned at the value.
func (r *jsonReader) object(field func(key string) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		var key string
		if err := r.str(&key); err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return errBadJSON
		}
	}
}

func (r *jsonReader) str(out *string) error {
	if err := r.expect('"'); err != nil {
		return err
	}
	start := r.i
	var buf []byte
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			if buf == nil {
				*out = string(r.b[start:r.i])
			} else {
				*out = string(buf)
			}
			r.i++
			return nil
		case c == '\\':
			if buf == nil {
				buf = append([]byte(nil), r.b[start:r.i]...)
			}
			if r.i+1 >= len(r.b) {
				return errBadJSON
			}
			r.i++
			switch e := r.b[r.i]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				if r.i+4 >= len(r.b) {
					return errBadJSON
				}
				n, err := strconv.ParseUint(string(r.b[r.i+1:r.i+5]), 16, 32)
				if err != nil {
					return errBadJSON
				}
				buf = utf8.AppendRune(buf, rune(n))
				r.i += 4
			default:
				return errBadJSON
			}
			r.i++
		default:
			if buf != nil {
				buf = append(buf, c)
			}
			r.i++
		}
	}
	return errBadJSON
}

func (r *jsonReader) number() ([]byte, error) {
	r.space()
	start := r.i
	for r.i < len(r.b) && (r.b[r.i] == '-' || r.b[r.i] == '+' || r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E' || '0' <= r.b[r.i] && r.b[r.i] <= '9') {
		r.i++
	}
	if start == r.i {
		return nil, errBadJSON
	}
	return r.b[start:r.i], nil
}

func (r *jsonReader) int(set func(int64)) error {
	num, err := r.number()
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		var ok bool
		if n, ok = jsonFloatToInt(num); !ok {
			return errBadJSON
		}
	}
	set(n)
	return nil
}

func (r *jsonReader) uint(set func(uint64)) error {
	num, err := r.number()
	if err != nil {
		return err
	}
	if n, err := strconv.ParseUint(string(num), 10, 64); err == nil {
		set(n)
		return nil
	}
	n, ok := jsonFloatToInt(num)
	if !ok || n < 0 {
		return errBadJSON
	}
	set(uint64(n))
	return nil
}

// jsonFloatToInt is the integer part of a JSON number written with a
// fraction or an exponent ("1e6", "1048576.0"), as strconv.ParseFloat and
// a conversion to int64 give it for the values INFO carries. ParseFloat
// itself would add its tables and code (about 6 KB gzip) to the wasm
// module. ok is false for what is not a number or too big for an int64.
func jsonFloatToInt(num []byte) (n int64, ok bool) {
	i := 0
	neg := false
	if i < len(num) && (num[i] == '-' || num[i] == '+') {
		neg = num[i] == '-'
		i++
	}
	var f float64
	digits, exp := 0, 0
	for ; i < len(num) && isDecimal(num[i]); i++ {
		f = f*10 + float64(num[i]-'0')
		digits++
	}
	if i < len(num) && num[i] == '.' {
		for i++; i < len(num) && isDecimal(num[i]); i++ {
			f = f*10 + float64(num[i]-'0')
			digits++
			exp--
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(num) && (num[i] == 'e' || num[i] == 'E') {
		i++
		eneg := false
		if i < len(num) && (num[i] == '-' || num[i] == '+') {
			eneg = num[i] == '-'
			i++
		}
		e, start := 0, i
		for ; i < len(num) && isDecimal(num[i]); i++ {
			if e < 1000 {
				e = e*10 + int(num[i]-'0')
			}
		}
		if i == start {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(num) {
		return 0, false
	}
	for ; exp > 0; exp-- {
		if f *= 10; f >= 1<<63 {
			return 0, false
		}
	}
	for ; exp < 0; exp++ {
		f /= 10
	}
	if f >= 1<<63 {
		return 0, false
	}
	if neg {
		f = -f
	}
	return int64(f), true
}

func (r *jsonReader) literal(word string) bool {
	r.space()
	if len(r.b)-r.i >= len(word) && string(r.b[r.i:r.i+len(word)]) == word {
		r.i += len(word)
		return true
	}
	return false
}

func (r *jsonReader) bool(out *bool) error {
	switch {
	case r.literal("true"):
		*out = true
	case r.literal("false"), r.literal("null"):
		*out = false
	default:
		return errBadJSON
	}
	return nil
}

func (r *jsonReader) strings(out *[]string) error {
	if r.literal("null") {
		*out = nil
		return nil
	}
	if err := r.expect('['); err != nil {
		return err
	}
	*out = (*out)[:0]
	if r.peek() == ']' {
		r.i++
		return nil
	}
	for {
		var s string
		if err := r.str(&s); err != nil {
			return err
		}
		*out = append(*out, s)
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return nil
		default:
			return errBadJSON
		}
	}
}

// skip passes over one value of any kind.
func (r *jsonReader) skip() error {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxSkipDepth {
		return errBadJSON
	}
	switch r.peek() {
	case '"':
		var s string
		return r.str(&s)
	case '{':
		return r.object(func(string) error { return r.skip() })
	case '[':
		r.i++
		if r.peek() == ']' {
			r.i++
			return nil
		}
		for {
			if err := r.skip(); err != nil {
				return err
			}
			switch r.peek() {
			case ',':
				r.i++
			case ']':
				r.i++
				return nil
			default:
				return errBadJSON
			}
		}
	case 't', 'f', 'n':
		var b bool
		return r.bool(&b)
	}
	_, err := r.number()
	return err
}

// appendJSONField appends `"key":"value"` (with a leading comma unless
// first), skipping empty values when omitEmpty.
func appendJSONField(b []byte, key, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = jsonlite.AppendString(b, key)
	b = append(b, ':')
	return jsonlite.AppendString(b, value)
}

func appendJSONBool(b []byte, key string, v bool) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = jsonlite.AppendString(b, key)
	return strconv.AppendBool(append(b, ':'), v)
}
