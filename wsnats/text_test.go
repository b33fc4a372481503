package wsnats

import (
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestASCIICase(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC", "Ws://Host", "PERMISSIONS Violation", "Ünïcode É", "a1-Z9_"} {
		want := []byte(s)
		for i, c := range want {
			if 'A' <= c && c <= 'Z' {
				want[i] = c + 32
			}
		}
		require.Equal(t, string(want), asciiLower(s))
		if !strings.ContainsFunc(s, func(r rune) bool { return r > 127 }) {
			require.Equal(t, strings.ToLower(s), asciiLower(s))
			require.True(t, asciiEqualFold(s, strings.ToUpper(s)))
		}
	}
	require.True(t, asciiEqualFold("Nats-Msg-Id", "nats-msg-id"))
	require.True(t, asciiEqualFold("EXAMPLE.com", "example.COM"))
	require.False(t, asciiEqualFold("abc", "abd"))
	require.False(t, asciiEqualFold("abc", "ab"))
	require.False(t, asciiEqualFold("a[", "A{"), "only letters fold")
}

// TestUnquotePrefix checks the reader against what %q writes and what
// strconv.Unquote reads.
func TestUnquotePrefix(t *testing.T) {
	for _, v := range []string{"", "subj.a.b", `with "quotes" and \ back`, "tab\tnew\nline\r\a\b\f\v",
		"\x00\x01\x7f\xff", "ünïcødé ✓", "\U0001F600 emoji", "\u00a0nbsp", "bad \xc3 utf8"} {
		q := strconv.Quote(v)
		got, rest := unquotePrefix(q + ` using queue "q"`)
		require.Equal(t, v, got, "%s", q)
		require.Equal(t, ` using queue "q"`, rest)
	}
	// What strconv.Unquote accepts beyond %q's output.
	for _, q := range []string{`"\101\102"`, `"\u00e9"`, `"\U0001F600"`, `"\x41"`} {
		want, err := strconv.Unquote(q)
		require.NoError(t, err)
		got, rest := unquotePrefix(q)
		require.Equal(t, want, got, q)
		require.Empty(t, rest)
	}
	for _, s := range []string{``, `x"a"`, `"unterminated`, `"bad \q escape"`, `"\x4"`, `"\ud800"`, `"\U00110000"`, `"\8"`, "\"new\nline\"", `"\`} {
		got, rest := unquotePrefix(s)
		require.Empty(t, got, "%q", s)
		require.Equal(t, s, rest, "%q", s)
	}
}

func TestRawURLBase64(t *testing.T) {
	b := make([]byte, 70)
	for i := range b {
		b[i] = byte(i*37 + 250)
	}
	for n := range len(b) {
		require.Equal(t, base64.RawURLEncoding.EncodeToString(b[:n]), rawURLBase64(b[:n]), "%d bytes", n)
	}
}

// TestRawURLBase64Decode holds the decoder against encoding/base64: it
// round-trips every length, and on mangled text it accepts exactly what
// base64.RawURLEncoding.Strict() accepts (line breaks aside), with the
// same bytes.
func TestRawURLBase64Decode(t *testing.T) {
	strict := base64.RawURLEncoding.Strict()
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 5000 {
		n := i % 70
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		text := rawURLBase64(b)
		got, ok := rawURLBase64Decode(text)
		require.True(t, ok, "%q", text)
		require.Equal(t, b, got)

		m := []byte(text)
		if len(m) > 0 {
			const chars = "Aaz09-_+/=. \x00\xff"
			m[rng.IntN(len(m))] = chars[rng.IntN(len(chars))]
		}
		if rng.IntN(4) == 0 {
			m = m[:rng.IntN(len(m)+1)]
		}
		want, stdErr := strict.DecodeString(string(m))
		got, ok = rawURLBase64Decode(string(m))
		require.Equal(t, stdErr == nil, ok, "%q: %v", m, stdErr)
		if ok {
			require.Equal(t, want, got, "%q", m)
		}
	}
	// Unused low bits that are not zero: "AB" is 0x00 and 4 bits of 0x1.
	_, err := strict.DecodeString("AB")
	require.Error(t, err)
	_, ok := rawURLBase64Decode("AB")
	require.False(t, ok)
	for _, s := range []string{"A", "AAAAA", "AA==", "AA\nAA", "+/8", "AA AA"} {
		_, ok := rawURLBase64Decode(s)
		require.False(t, ok, "%q", s)
	}
	got, ok := rawURLBase64Decode("")
	require.True(t, ok)
	require.Empty(t, got)
}
