package wsnats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hand-written INFO reader and CONNECT writer must agree with
// encoding/json.

func TestParseInfoMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{"server_id":"NAB\u00e9\"x","server_name":"n1","version":"2.15.2","proto":1,"go":"go1.26","host":"127.0.0.1","port":4222,"headers":true,"max_payload":1048576,"client_id":7,"client_ip":"127.0.0.1","auth_required":true,"nonce":"abc","cluster":"c","connect_urls":["127.0.0.1:4223","[::1]:4224"],"ws_connect_urls":[],"ldm":true,"jetstream":false,"nested":{"a":[1,{"b":null}],"c":"d"},"xs":[true,false,null,-1.5e3]}`,
		`{}`,
		` { "max_payload" : 1048576 , "connect_urls" : null } `,
		`{"client_id":18446744073709551615}`, // the largest uint64
	}
	for _, d := range docs {
		var want, got ServerInfo
		require.NoError(t, json.Unmarshal([]byte(d), &want), d)
		require.NoError(t, parseInfo([]byte(d), &got), d)
		if want.ConnectURLs == nil {
			got.ConnectURLs = nil
		}
		if len(want.WSConnectURLs) == 0 {
			want.WSConnectURLs, got.WSConnectURLs = nil, nil
		}
		require.Equal(t, want, got, d)
	}
	deep := `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	for _, bad := range []string{deep, ``, `{`, `{"a"}`, `{"a":}`, `{"a":"x`, `{"port":"x"}`, `[1]`, `{"connect_urls":[1]}`, `{"a":1,}`, `{"a":"\q"}`} {
		var info ServerInfo
		require.Error(t, parseInfo([]byte(bad), &info), bad)
	}
}

func TestAppendConnectIsValidJSON(t *testing.T) {
	ci := &connectInfo{Verbose: true, Name: "a \"quoted\" <name>\n", Lang: lang, Version: Version, Protocol: 1, Echo: true, Headers: true, NoResponders: true, User: "u", Pass: "p\\q", Token: "t"}
	b, err := appendConnect(nil, ci)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(b, []byte("CONNECT {")))
	require.True(t, bytes.HasSuffix(b, []byte("}\r\n")))
	var got connectInfo
	require.NoError(t, json.Unmarshal(bytes.TrimSuffix(bytes.TrimPrefix(b, []byte("CONNECT ")), []byte("\r\n")), &got))
	require.Equal(t, *ci, got)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(b[len("CONNECT "):], &fields))
	require.NotContains(t, fields, "jwt", "empty optional fields are left out")
}

// TestParseInfoNumbersAsEncodingJSON checks INFO's integer fields take
// what encoding/json takes into them, and refuse what it refuses (numbers
// with a fraction or an exponent, a negative client_id, out of range).
func TestParseInfoNumbersAsEncodingJSON(t *testing.T) {
	for _, field := range []string{"max_payload", "port", "proto", "client_id"} {
		for _, num := range []string{"0", "7", "-3", "1048576", "1e6", "1048576.0", "-0", "9223372036854775807",
			"9223372036854775808", "18446744073709551615", "18446744073709551616", `"7"`, "true"} {
			doc := `{"` + field + `":` + num + `}`
			var want, got ServerInfo
			wantErr := json.Unmarshal([]byte(doc), &want)
			gotErr := parseInfo([]byte(doc), &got)
			require.Equal(t, wantErr != nil, gotErr != nil, "%s: encoding/json %v, parseInfo %v", doc, wantErr, gotErr)
			if wantErr == nil {
				require.Equal(t, want, got, doc)
			}
		}
	}
}
