// Package jsonlite reads and writes JSON text as encoding/json does, for
// code that runs in the browser: encoding/json, with its reflection, would
// add about 150 KB (gzip) to the wasm module. It has no reflection: the
// caller walks objects member by member and arrays element by element.
//
// Valid accepts what json.Valid accepts; Members and Elements walk objects
// and arrays; Members and Unquote decode keys and strings as json.Unmarshal
// does; AppendString and AppendCompact write what json.Marshal writes for a
// string and for a json.RawMessage.
package jsonlite

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax is returned for text that is not valid JSON.
var ErrSyntax = errors.New("invalid JSON")

// maxDepth is how deep arrays and objects may nest. encoding/json allows
// 10000; jsonlite recurses, and in a browser 10000 nested calls overflow
// the engine's stack (a RangeError that kills the wasm module), so it
// refuses deeper text than 1000: payloads can come from anyone.
const maxDepth = 1000

// Valid reports whether b is one JSON value, with optional white space
// around it.
func Valid(b []byte) bool {
	end, ok := value(b, space(b, 0), 0)
	return ok && space(b, end) == len(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// space returns the index of the first byte at or after i that is not
// white space.
func space(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// value checks the value that starts at b[i] and returns the index just
// past it. depth is the nesting depth of the enclosing value.
func value(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '{':
		return container(b, i, depth, '}')
	case c == '[':
		return container(b, i, depth, ']')
	case c == '"':
		return str(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return number(b, i)
	}
	return i, false
}

// container checks an object (end '}') or array (end ']') at b[i].
func container(b []byte, i, depth int, end byte) (int, bool) {
	depth++
	if depth > maxDepth {
		return i, false
	}
	i = space(b, i+1)
	if i < len(b) && b[i] == end {
		return i + 1, true
	}
	for {
		var ok bool
		if end == '}' {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			if i, ok = str(b, i); !ok {
				return i, false
			}
			i = space(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			i = space(b, i+1)
		}
		if i, ok = value(b, i, depth); !ok {
			return i, false
		}
		i = space(b, i)
		switch {
		case i >= len(b):
			return i, false
		case b[i] == end:
			return i + 1, true
		case b[i] != ',':
			return i, false
		}
		i = space(b, i+1)
	}
}

// literal checks true, false or null at b[i].
func literal(b []byte, i int, word string) (int, bool) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits returns the index past the digits at b[i:] and whether there was
// at least one.
func digits(b []byte, i int) (int, bool) {
	start := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i, i > start
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func number(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	var ok bool
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	default:
		if i, ok = digits(b, i); !ok {
			return i, false
		}
	}
	if i < len(b) && b[i] == '.' {
		if i, ok = digits(b, i+1); !ok {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, ok = digits(b, i); !ok {
			return i, false
		}
	}
	return i, true
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// str checks the string at b[i] (which is '"'). Bytes from 0x80 up are
// taken as they are: encoding/json does not check UTF-8 either.
func str(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// Members calls fn for each member of the object doc, in order, with its
// key (unquoted as Unquote does) and the text of its value, without the
// white space around it. It stops when fn returns false. It reports
// whether doc is a valid JSON text whose value is an object; fn is not
// called at all when it is not.
func Members(doc []byte, fn func(key string, value []byte) bool) bool {
	if !Valid(doc) {
		return false
	}
	i := space(doc, 0)
	if doc[i] != '{' {
		return false
	}
	i = space(doc, i+1)
	for doc[i] != '}' {
		end, _ := str(doc, i)
		key, _ := Unquote(doc[i:end])
		i = space(doc, space(doc, end)+1) // past ':'
		end, _ = value(doc, i, 1)
		if !fn(key, doc[i:end]) {
			return true
		}
		i = space(doc, end)
		if doc[i] == ',' {
			i = space(doc, i+1)
		}
	}
	return true
}

// Elements calls fn for each element of the array doc, in order, with its
// text, without the white space around it. It stops when fn returns false.
// It reports whether doc is a valid JSON text whose value is an array; fn
// is not called at all when it is not.
func Elements(doc []byte, fn func(value []byte) bool) bool {
	if !Valid(doc) {
		return false
	}
	i := space(doc, 0)
	if doc[i] != '[' {
		return false
	}
	i = space(doc, i+1)
	for doc[i] != ']' {
		end, _ := value(doc, i, 1)
		if !fn(doc[i:end]) {
			return true
		}
		i = space(doc, end)
		if doc[i] == ',' {
			i = space(doc, i+1)
		}
	}
	return true
}

// Unquote returns the string the JSON string literal s stands for, as
// encoding/json decodes it: escapes are resolved, invalid UTF-8 and lone
// surrogates become U+FFFD. ok is false when s is not a string literal.
func Unquote(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	if end, ok := str(s, 0); !ok || end != len(s) {
		return "", false
	}
	s = s[1 : len(s)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			var r rune
			switch e := s[i+1]; e {
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'u':
				r = hex4(s[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair needs the second half right after.
					r2 := rune(-1)
					if len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' {
						r2 = hex4(s[i+2 : i+6])
					}
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
				continue
			default: // '"', '\\', '/'
				r = rune(e)
			}
			out = append(out, byte(r))
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // U+FFFD for a bad byte
			i += n
		}
	}
	return string(out), true
}

// hex4 is the value of four hex digits (checked by str).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as json.Marshal does:
// quotes, backslashes, control characters, <, > and & are escaped, invalid
// UTF-8 becomes \ufffd, U+2028 and U+2029 are escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendCompact appends the JSON text src without its insignificant white
// space, with <, >, &, U+2028 and U+2029 escaped: what json.Marshal writes
// for a json.RawMessage. It fails with ErrSyntax when src is not valid
// JSON, and then appends nothing.
func AppendCompact(dst, src []byte) ([]byte, error) {
	if !Valid(src) {
		return dst, ErrSyntax
	}
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		case c == 0xe2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xa8:
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xf])
			i += 2
			continue
		case inStr:
			switch c {
			case '\\':
				dst = append(dst, c, src[i+1])
				i++
				continue
			case '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case isSpace(c):
			continue
		}
		dst = append(dst, c)
	}
	return dst, nil
}
