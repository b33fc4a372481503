package jsonlite

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The tests hold every function against encoding/json.

var corpus = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `nulll`, `True`, `0`, `-0`, `00`, `01`, `-`, `1.`, `.1`,
	`1.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e-3`, `123456789012345678901234567890`,
	`""`, `"a"`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u0041"`, `"\u00e9"`, `"\uD83D\uDE00"`,
	`"\uD83D"`, `"\uDE00"`, `"\uD83Dx"`, `"\uD83D\u0041"`, `"\uDE00\uD83D"`, `"\u12"`, `"\u12G4"`,
	`"\x"`, `"\'"`, `"a` + "\x01" + `"`, "\"a\tb\"", `"a`, `"\`, "\"\xff\xfe\"", "\"\xe2\x80\xa8\"",
	`"<>&"`, `"é"`, "\"\u2029\"", `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, ` [ 1 , "x" , null ] `,
	`{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b" : [ true ] }`, `{"a":}`, `{"a"}`, `{a:1}`, `{"a":1,}`,
	`{"a":1 "b":2}`, `{"a":1}x`, `{"a":1}}`, `{"a":1,"a":2}`, `{"\u0061":"b"}`, `{"a":{"b":{"c":[]}}}`,
	`{"k\"e\\y":"v\u00e9"}`, `[[[[]]]]`, `[[[[]]]`, `{"raw":"aGk="}`, `{"<":"&"}`, "\t{\n}\r ",
	"{\"a\xff\":1}", `{"id":"x","payload":{ "a" : [1, 2] },"timestamp":5}`,
}

func FuzzJSON(f *testing.F) {
	for _, s := range corpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgainstJSON(t, b)
	})
}

func TestCorpus(t *testing.T) {
	for _, s := range corpus {
		checkAgainstJSON(t, []byte(s))
		// Every prefix, too: most are invalid in some way.
		for i := range len(s) {
			checkAgainstJSON(t, []byte(s[:i]))
		}
	}
}

func checkAgainstJSON(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	require.Equal(t, valid, Valid(b), "Valid(%q)", b)

	// AppendCompact is json.Marshal of a json.RawMessage.
	want, wantErr := json.Marshal(json.RawMessage(b))
	got, err := AppendCompact([]byte("prefix"), b)
	if wantErr != nil {
		require.ErrorIs(t, err, ErrSyntax, "%q", b)
		require.Equal(t, "prefix", string(got))
	} else {
		require.NoError(t, err, "%q", b)
		require.Equal(t, "prefix"+string(want), string(got), "%q", b)
	}

	// Members is json.Unmarshal into a map of raw values, in order.
	var m map[string]json.RawMessage
	mapErr := json.Unmarshal(b, &m)
	isObject := mapErr == nil && m != nil
	gotMap := map[string]json.RawMessage{}
	ok := Members(b, func(k string, v []byte) bool {
		gotMap[k] = v
		return true
	})
	require.Equal(t, isObject, ok, "Members(%q): json says %v", b, mapErr)
	if isObject {
		require.Equal(t, len(m), len(gotMap), "%q", b)
		for k, v := range m {
			require.Equal(t, string(v), string(gotMap[k]), "%q: key %q", b, k)
			// Each string value unquotes as json.Unmarshal decodes it.
			var s string
			if len(v) > 0 && v[0] == '"' {
				require.NoError(t, json.Unmarshal(v, &s))
				u, ok := Unquote(v)
				require.True(t, ok)
				require.Equal(t, s, u, "%q", v)
			}
		}
	}

	// Unquote is json.Unmarshal into a string.
	var s string
	sErr := json.Unmarshal(b, &s)
	u, ok := Unquote(b)
	isString := sErr == nil && len(b) > 0 && b[0] == '"' && b[len(b)-1] == '"'
	if isString {
		require.True(t, ok, "%q", b)
		require.Equal(t, s, u, "%q", b)
	} else if len(bytes.TrimSpace(b)) == len(b) && sErr != nil {
		require.False(t, ok, "%q", b)
	}

	// AppendString is json.Marshal of a string.
	want, err = json.Marshal(string(b))
	require.NoError(t, err)
	require.Equal(t, string(want), string(AppendString(nil, string(b))), "%q", b)
}

func TestDepth(t *testing.T) {
	for _, open := range []string{"[", `{"a":`} {
		closing := map[string]string{"[": "]", `{"a":`: "}"}[open]
		for _, n := range []int{maxDepth - 1, maxDepth, maxDepth + 1, 10000} {
			b := []byte(strings.Repeat(open, n) + "1" + strings.Repeat(closing, n))
			require.True(t, json.Valid(b), "encoding/json accepts depth %d", n)
			require.Equal(t, n <= maxDepth, Valid(b), "depth %d", n)
		}
	}
}

func TestMembersStops(t *testing.T) {
	var keys []string
	require.True(t, Members([]byte(`{"a":1,"b":2,"c":3}`), func(k string, _ []byte) bool {
		keys = append(keys, k)
		return k != "b"
	}))
	require.Equal(t, []string{"a", "b"}, keys)
	require.False(t, Members([]byte(`[1]`), func(string, []byte) bool { panic("called") }))
	require.False(t, Members([]byte(`{"a":1`), func(string, []byte) bool { panic("called") }))
}

func TestElements(t *testing.T) {
	var got []string
	require.True(t, Elements([]byte(` [ 1 , {"a": [2, 3]} ,"x", [] ,null ] `), func(v []byte) bool {
		got = append(got, string(v))
		return true
	}))
	require.Equal(t, []string{`1`, `{"a": [2, 3]}`, `"x"`, `[]`, `null`}, got)
	got = nil
	require.True(t, Elements([]byte(`[1,2,3]`), func(v []byte) bool {
		got = append(got, string(v))
		return string(v) != "2"
	}))
	require.Equal(t, []string{"1", "2"}, got)
	require.True(t, Elements([]byte(`[]`), func([]byte) bool { panic("called") }))
	require.False(t, Elements([]byte(`{}`), func([]byte) bool { panic("called") }))
	require.False(t, Elements([]byte(`[1,]`), func([]byte) bool { panic("called") }))
}

func TestAppendStringAllBytes(t *testing.T) {
	var b []byte
	for c := range 256 {
		b = append(b, byte(c), 'x', byte(c))
	}
	b = append(b, "é€😀\u2028\u2029\xe2\x80"...)
	want, err := json.Marshal(string(b))
	require.NoError(t, err)
	require.Equal(t, string(want), string(AppendString(nil, string(b))))
}
