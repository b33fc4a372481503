package wsnats

import "unicode/utf8"

// Small text helpers for what the protocol needs. They stand in for
// strings.ToLower and strings.EqualFold (whose Unicode case tables are
// about 8 KB of the gzip wasm module), strconv.Unquote (4 KB) and
// encoding/base64: protocol words, schemes, host names and header keys are
// ASCII, and case is only ever folded for ASCII letters.

// asciiLower returns s with the ASCII letters A-Z in lower case; other
// bytes are kept as they are.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiEqualFold reports whether a and b are equal when ASCII letters are
// compared without case.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// unquotePrefix reads the Go-quoted string ("...", as %q writes it) at the
// start of s and returns its value and what follows it; ("", s) when s does
// not start with a well-formed one. It knows the escapes %q writes: \a \b
// \f \n \r \t \v \\ \" \xHH \uHHHH \UHHHHHHHH and octal \OOO.
func unquotePrefix(s string) (string, string) {
	if len(s) == 0 || s[0] != '"' {
		return "", s
	}
	var out []byte
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return string(out), s[i+1:]
		case c == '\n':
			return "", s
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", s
		}
		esc := s[i+1]
		i += 2
		switch esc {
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case '\\', '"':
			out = append(out, esc)
		case 'x', 'u', 'U':
			n := 2
			switch esc {
			case 'u':
				n = 4
			case 'U':
				n = 8
			}
			v, ok := hexDigits(s, i, n)
			if !ok {
				return "", s
			}
			i += n
			if esc == 'x' {
				out = append(out, byte(v))
			} else {
				if v > 0x10ffff || (v >= 0xd800 && v < 0xe000) {
					return "", s
				}
				out = utf8.AppendRune(out, rune(v))
			}
		case '0', '1', '2', '3':
			if i+1 >= len(s) || !isOctal(s[i]) || !isOctal(s[i+1]) {
				return "", s
			}
			out = append(out, (esc-'0')<<6|(s[i]-'0')<<3|(s[i+1]-'0'))
			i += 2
		default:
			return "", s
		}
	}
	return "", s
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// hexDigits reads the n hex digits of s at i.
func hexDigits(s string, i, n int) (uint32, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v uint32
	for j := i; j < i+n; j++ {
		if !isHexDigit(s[j]) {
			return 0, false
		}
		v = v<<4 | uint32(hexValue(s[j]))
	}
	return v, true
}

// base64URL is the URL-safe base64 alphabet (RFC 4648, section 5).
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// rawURLBase64 encodes b as URL-safe base64 without padding, as
// base64.RawURLEncoding does: the form of the nonce signature in CONNECT.
func rawURLBase64(b []byte) string {
	out := make([]byte, 0, (len(b)*8+5)/6)
	for len(b) >= 3 {
		v := uint(b[0])<<16 | uint(b[1])<<8 | uint(b[2])
		out = append(out, base64URL[v>>18&63], base64URL[v>>12&63], base64URL[v>>6&63], base64URL[v&63])
		b = b[3:]
	}
	switch len(b) {
	case 2:
		v := uint(b[0])<<16 | uint(b[1])<<8
		out = append(out, base64URL[v>>18&63], base64URL[v>>12&63], base64URL[v>>6&63])
	case 1:
		v := uint(b[0]) << 16
		out = append(out, base64URL[v>>18&63], base64URL[v>>12&63])
	}
	return string(out)
}

// rawURLBase64Decode decodes s, URL-safe base64 without padding: the form
// of the members of a JWK (RFC 7515, 7517). It takes what
// base64.RawURLEncoding.Strict() takes, except line breaks (which
// encoding/base64 skips): every character must be of the alphabet, a
// last group of one character is refused, and the unused low bits of the
// last character must be zero. ok is false for anything else.
func rawURLBase64Decode(s string) (b []byte, ok bool) {
	if len(s)%4 == 1 {
		return nil, false
	}
	out := make([]byte, 0, len(s)*3/4)
	var acc uint
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case 'A' <= c && c <= 'Z':
			v = c - 'A'
		case 'a' <= c && c <= 'z':
			v = c - 'a' + 26
		case '0' <= c && c <= '9':
			v = c - '0' + 52
		case c == '-':
			v = 62
		case c == '_':
			v = 63
		default:
			return nil, false
		}
		acc, bits = acc<<6|uint(v), bits+6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}
