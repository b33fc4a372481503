package wsnats

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// server is one entry of the server pool.
type server struct {
	url          *serverURL
	discovered   bool
	attempts     int // failed connection attempts in a row
	authFailures int // authorization failures in a row
}

// parseServerURL parses one server URL (see url.go). A missing scheme means
// nats:// and a missing port the scheme's default (4222 for nats and tls,
// 80 for ws, 443 for wss).
func parseServerURL(raw string) (*serverURL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("%w: empty URL", ErrBadURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "nats://" + raw
	}
	u, err := parseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err) // never quotes raw
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %s has no host", ErrBadURL, redactURL(u))
	}
	if u.Port() == "" {
		port := map[string]string{"nats": "4222", "tls": "4222", "ws": "80", "wss": "443"}[u.Scheme]
		if port == "" {
			return nil, unsupportedScheme(u, "is not supported (use nats, tls, ws or wss)")
		}
		u.Host = joinHostPort(u.Hostname(), port)
	}
	return u, nil
}

// serverPool is the list of servers to (re)connect to, in try order.
type serverPool struct {
	list []*server
}

// newServerPool builds the pool from the comma-separated url and servers.
func newServerPool(rawURL string, servers []string, randomize bool) (*serverPool, error) {
	var all []string
	if rawURL != "" {
		all = append(all, strings.Split(rawURL, ",")...)
	}
	all = append(all, servers...)
	p := &serverPool{}
	for _, s := range all {
		if strings.TrimSpace(s) == "" {
			continue
		}
		u, err := parseServerURL(s)
		if err != nil {
			return nil, err
		}
		if p.find(u.Host) == nil {
			p.list = append(p.list, &server{url: u})
		}
	}
	if len(p.list) == 0 {
		return nil, fmt.Errorf("%w: no server URL given", ErrNoServers)
	}
	if randomize && len(p.list) > 1 {
		rand.Shuffle(len(p.list), func(i, j int) { p.list[i], p.list[j] = p.list[j], p.list[i] })
	}
	return p, nil
}

func (p *serverPool) find(host string) *server {
	for _, s := range p.list {
		if asciiEqualFold(s.url.Host, host) {
			return s
		}
	}
	return nil
}

// next moves the first server to the back and returns the new first one.
func (p *serverPool) rotate() *server {
	if len(p.list) == 0 {
		return nil
	}
	s := p.list[0]
	copy(p.list, p.list[1:])
	p.list[len(p.list)-1] = s
	return p.list[0]
}

// remove drops s from the pool.
func (p *serverPool) remove(s *server) {
	for i, e := range p.list {
		if e == s {
			p.list = append(p.list[:i], p.list[i+1:]...)
			return
		}
	}
}

// addDiscovered adds host:port entries announced by the cluster, using
// scheme (and the credentials of like) for them. It reports whether any was new.
func (p *serverPool) addDiscovered(hosts []string, like *serverURL, randomize bool) bool {
	added := false
	for _, h := range hosts {
		if strings.Contains(h, "://") {
			if u, err := parseURL(h); err == nil {
				h = u.Host
			}
		}
		if h == "" || p.find(h) != nil {
			continue
		}
		u := &serverURL{Scheme: like.Scheme, Host: h, User: like.User, Path: like.Path}
		if !hasPort(h) {
			continue
		}
		p.list = append(p.list, &server{url: u, discovered: true})
		added = true
	}
	if added && randomize && len(p.list) > 2 {
		rest := p.list[1:]
		rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	}
	return added
}

// urls returns the pool's URLs without credentials; discovered selects
// only the discovered ones.
func (p *serverPool) urls(onlyDiscovered bool) []string {
	var out []string
	for _, s := range p.list {
		if !onlyDiscovered || s.discovered {
			out = append(out, redactURL(s.url))
		}
	}
	return out
}

// joinHostPort is net.JoinHostPort; package net would add weight to the
// wasm module for two string functions.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// hasPort reports whether hostport is "host:port" or "[ipv6]:port" with a
// numeric port.
func hasPort(hostport string) bool {
	i := strings.LastIndexByte(hostport, ':')
	if i <= 0 || i == len(hostport)-1 {
		return false
	}
	if strings.Count(hostport, ":") > 1 && !strings.HasPrefix(hostport, "[") {
		return false
	}
	for _, c := range hostport[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
