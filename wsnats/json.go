package wsnats

import (
	"errors"
	"strconv"

	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

// A small JSON reader and writer for the two documents of the protocol,
// INFO and CONNECT. encoding/json (with reflection) would be most of the
// wasm module's size beyond the runtime; these two flat documents need
// little of it.

var errBadJSON = errors.New("malformed JSON")

// parseInfo fills info from the INFO document with jsonlite (which also
// bounds its nesting). Unknown fields are skipped; null leaves a field as
// it is, as encoding/json does.
func parseInfo(doc []byte, info *ServerInfo) error {
	var err error
	ok := jsonlite.Members(doc, func(key string, v []byte) bool {
		err = infoField(info, key, v)
		return err == nil
	})
	if !ok {
		return errBadJSON
	}
	return err
}

// infoField stores the JSON value v of the INFO member key.
func infoField(info *ServerInfo, key string, v []byte) error {
	if string(v) == "null" {
		return nil
	}
	switch key {
	case "server_id":
		return jsonString(v, &info.ServerID)
	case "server_name":
		return jsonString(v, &info.ServerName)
	case "version":
		return jsonString(v, &info.Version)
	case "host":
		return jsonString(v, &info.Host)
	case "client_ip":
		return jsonString(v, &info.ClientIP)
	case "nonce":
		return jsonString(v, &info.Nonce)
	case "cluster":
		return jsonString(v, &info.Cluster)
	case "proto":
		n, err := jsonInt(v)
		info.Proto = int(n)
		return err
	case "port":
		n, err := jsonInt(v)
		info.Port = int(n)
		return err
	case "max_payload":
		n, err := jsonInt(v)
		info.MaxPayload = n
		return err
	case "client_id":
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return errBadJSON
		}
		info.ClientID = n
		return nil
	case "headers":
		return jsonBool(v, &info.Headers)
	case "auth_required":
		return jsonBool(v, &info.AuthRequired)
	case "tls_required":
		return jsonBool(v, &info.TLSRequired)
	case "tls_available":
		return jsonBool(v, &info.TLSAvailable)
	case "ldm":
		return jsonBool(v, &info.LameDuckMode)
	case "jetstream":
		return jsonBool(v, &info.JetStream)
	case "connect_urls":
		return jsonStrings(v, &info.ConnectURLs)
	case "ws_connect_urls":
		return jsonStrings(v, &info.WSConnectURLs)
	}
	return nil
}

func jsonString(v []byte, out *string) error {
	s, ok := jsonlite.Unquote(v)
	if !ok {
		return errBadJSON
	}
	*out = s
	return nil
}

// jsonInt reads an integer as encoding/json reads one into an int64: no
// fraction, no exponent.
func jsonInt(v []byte) (int64, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, errBadJSON
	}
	return n, nil
}

func jsonBool(v []byte, out *bool) error {
	switch string(v) {
	case "true":
		*out = true
	case "false":
		*out = false
	default:
		return errBadJSON
	}
	return nil
}

func jsonStrings(v []byte, out *[]string) error {
	list := []string{}
	var err error
	ok := jsonlite.Elements(v, func(e []byte) bool {
		var s string
		err = jsonString(e, &s)
		list = append(list, s)
		return err == nil
	})
	if !ok {
		return errBadJSON
	}
	*out = list
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
