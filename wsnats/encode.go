package wsnats

import "strconv"

// The encoders append one protocol command to b and return the extended
// slice. They do not validate: callers check subjects and sizes first.

func appendPub(b []byte, subj, reply string, data []byte) []byte {
	b = append(b, "PUB "...)
	b = append(b, subj...)
	b = append(b, ' ')
	if reply != "" {
		b = append(b, reply...)
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, "\r\n"...)
	b = append(b, data...)
	return append(b, "\r\n"...)
}

// pubLen is the length of the PUB (hdrLen == 0) or HPUB command that
// appendPub or appendHPub make.
func pubLen(subj, reply string, hdrLen, dataLen int) int {
	n := len("PUB ") + len(subj) + 1 + decimalLen(dataLen) + 2 + dataLen + 2
	if hdrLen > 0 {
		n += 1 + decimalLen(hdrLen) + 1 + hdrLen + decimalLen(hdrLen+dataLen) - decimalLen(dataLen)
	}
	if reply != "" {
		n += len(reply) + 1
	}
	return n
}

// decimalLen is the number of decimal digits of n >= 0.
func decimalLen(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func appendHPub(b []byte, subj, reply string, hdr, data []byte) []byte {
	b = append(b, "HPUB "...)
	b = append(b, subj...)
	b = append(b, ' ')
	if reply != "" {
		b = append(b, reply...)
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(len(hdr)), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(hdr)+len(data)), 10)
	b = append(b, "\r\n"...)
	b = append(b, hdr...)
	b = append(b, data...)
	return append(b, "\r\n"...)
}

func appendSub(b []byte, subj, queue string, sid uint64) []byte {
	b = append(b, "SUB "...)
	b = append(b, subj...)
	b = append(b, ' ')
	if queue != "" {
		b = append(b, queue...)
		b = append(b, ' ')
	}
	b = strconv.AppendUint(b, sid, 10)
	return append(b, "\r\n"...)
}

func appendUnsub(b []byte, sid uint64, max int) []byte {
	b = append(b, "UNSUB "...)
	b = strconv.AppendUint(b, sid, 10)
	if max > 0 {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(max), 10)
	}
	return append(b, "\r\n"...)
}

const (
	pingCmd = "PING\r\n"
	pongCmd = "PONG\r\n"
)

// connectInfo is the CONNECT document.
type connectInfo struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	Name         string `json:"name,omitempty"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         bool   `json:"echo"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	User         string `json:"user,omitempty"`
	Pass         string `json:"pass,omitempty"`
	Token        string `json:"auth_token,omitempty"`
	JWT          string `json:"jwt,omitempty"`
	Nkey         string `json:"nkey,omitempty"`
	Sig          string `json:"sig,omitempty"`
}

func appendConnect(b []byte, ci *connectInfo) ([]byte, error) {
	b = append(b, "CONNECT {"...)
	b = appendJSONBool(b, "verbose", ci.Verbose)
	b = appendJSONBool(b, "pedantic", ci.Pedantic)
	b = appendJSONBool(b, "tls_required", ci.TLSRequired)
	b = appendJSONField(b, "name", ci.Name, true)
	b = appendJSONField(b, "lang", ci.Lang, false)
	b = appendJSONField(b, "version", ci.Version, false)
	b = append(b, `,"protocol":`...)
	b = strconv.AppendInt(b, int64(ci.Protocol), 10)
	b = appendJSONBool(b, "echo", ci.Echo)
	b = appendJSONBool(b, "headers", ci.Headers)
	b = appendJSONBool(b, "no_responders", ci.NoResponders)
	b = appendJSONField(b, "user", ci.User, true)
	b = appendJSONField(b, "pass", ci.Pass, true)
	b = appendJSONField(b, "auth_token", ci.Token, true)
	b = appendJSONField(b, "jwt", ci.JWT, true)
	b = appendJSONField(b, "nkey", ci.Nkey, true)
	b = appendJSONField(b, "sig", ci.Sig, true)
	return append(b, "}\r\n"...), nil
}

// ServerInfo is the INFO document the server sends.
type ServerInfo struct {
	ServerID      string   `json:"server_id"`
	ServerName    string   `json:"server_name"`
	Version       string   `json:"version"`
	Proto         int      `json:"proto"`
	Host          string   `json:"host"`
	Port          int      `json:"port"`
	Headers       bool     `json:"headers"`
	MaxPayload    int64    `json:"max_payload"`
	ClientID      uint64   `json:"client_id"`
	ClientIP      string   `json:"client_ip"`
	AuthRequired  bool     `json:"auth_required"`
	TLSRequired   bool     `json:"tls_required"`
	TLSAvailable  bool     `json:"tls_available"`
	ConnectURLs   []string `json:"connect_urls,omitempty"`
	WSConnectURLs []string `json:"ws_connect_urls,omitempty"`
	LameDuckMode  bool     `json:"ldm,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Cluster       string   `json:"cluster,omitempty"`
	JetStream     bool     `json:"jetstream,omitempty"`
}
