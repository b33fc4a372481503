package wsnats

import (
	"encoding/json"
	"strconv"
)

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
	js, err := json.Marshal(ci)
	if err != nil {
		return b, err
	}
	b = append(b, "CONNECT "...)
	b = append(b, js...)
	return append(b, "\r\n"...), nil
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
