package wsnats

import (
	"errors"
	"strings"
)

// Server URLs are parsed here rather than with net/url, which brings
// net/netip and unique into the wasm module, for the one form a server URL
// has:
//
//	scheme://[user[:password]@]host[:port][/path][?query]
//
// host is a name, an IPv4 address or an IPv6 address in brackets (with an
// optional zone, escaped as %25). The results are those of url.Parse for
// such URLs (the tests compare them); what a server URL cannot be (no
// "//", an opaque part) is an error, and a #fragment is dropped: it means
// nothing to a server, and the browser refuses WebSocket URLs with one.

// serverURL is a parsed server URL. Its fields and methods are named after
// those of url.URL.
type serverURL struct {
	Scheme   string          // lower case
	User     *urlCredentials // nil when the URL has no credentials
	Host     string          // host or host:port; IPv6 in brackets; unescaped
	Path     string          // as written (escaped), "" or starting with "/"
	RawQuery string          // as written, without "?"
}

// urlCredentials holds the credentials of a URL, unescaped.
type urlCredentials struct {
	username    string
	password    string
	hasPassword bool
}

// Username returns the user name (or the token, when there is no password).
func (u *urlCredentials) Username() string { return u.username }

// Password returns the password and whether there is one.
func (u *urlCredentials) Password() (string, bool) { return u.password, u.hasPassword }

// Why a URL is rejected. None quotes the URL: it may hold credentials.
var (
	errURLControl  = errors.New("control character in URL")
	errURLScheme   = errors.New("missing or malformed scheme (want nats://, tls://, ws:// or wss://)")
	errURLNoHost   = errors.New("no host (want scheme://host[:port])")
	errURLUserinfo = errors.New("malformed user or password (escape special characters with %XX)")
	errURLEscape   = errors.New("malformed %-escape")
	errURLHost     = errors.New("invalid character in host name")
	errURLIPv6     = errors.New("malformed IPv6 address in brackets")
	errURLPort     = errors.New("invalid port after the host (want digits)")
)

// parseURL splits raw into a serverURL without defaults: the scheme must be
// there and the port may be missing.
func parseURL(raw string) (*serverURL, error) {
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return nil, errURLControl
		}
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || !validScheme(scheme) {
		return nil, errURLScheme
	}
	rest, _, _ = strings.Cut(rest, "#")
	u := &serverURL{Scheme: asciiLower(scheme)}
	rest, u.RawQuery, _ = strings.Cut(rest, "?")
	if !strings.HasPrefix(rest, "//") {
		return nil, errURLNoHost
	}
	authority := rest[2:]
	if i := strings.IndexByte(authority, '/'); i >= 0 {
		authority, u.Path = authority[:i], authority[i:]
		if !validEscapes(u.Path) {
			return nil, errURLEscape
		}
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		user, err := parseUserinfo(authority[:i])
		if err != nil {
			return nil, err
		}
		u.User, authority = user, authority[i+1:]
	}
	host, err := parseHost(authority)
	if err != nil {
		return nil, err
	}
	u.Host = host
	return u, nil
}

// validScheme reports whether s is letter *(letter / digit / "+" / "-" / ".").
func validScheme(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isASCIILetter(c) && !isDecimal(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDecimal(c byte) bool     { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool    { return isDecimal(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

func hexValue(c byte) byte {
	if isDecimal(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// validEscapes reports whether every '%' in s starts a %XX escape.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// unescapeURL resolves the %XX escapes of s (checked by validEscapes).
func unescapeURL(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, hexValue(s[i+1])<<4|hexValue(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// isSubDelim reports whether c is one of RFC 3986's sub-delims.
func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

func isUnreserved(c byte) bool {
	return isASCIILetter(c) || isDecimal(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// parseUserinfo reads user[:password] (everything before the last '@').
func parseUserinfo(s string) (*urlCredentials, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isUnreserved(c) && !isSubDelim(c) && c != ':' && c != '%' && c != '@' {
			return nil, errURLUserinfo
		}
	}
	if !validEscapes(s) {
		return nil, errURLUserinfo
	}
	name, password, hasPassword := strings.Cut(s, ":")
	return &urlCredentials{username: unescapeURL(name), password: unescapeURL(password), hasPassword: hasPassword}, nil
}

// parseHost checks host[:port] and returns it unescaped.
func parseHost(s string) (string, error) {
	if strings.HasPrefix(s, "[") {
		end := strings.LastIndexByte(s, ']')
		if end < 0 {
			return "", errURLIPv6
		}
		if !validOptionalPort(s[end+1:]) {
			return "", errURLPort
		}
		addr, zone, hasZone := strings.Cut(s[1:end], "%25")
		if !validIPv6(addr) {
			return "", errURLIPv6
		}
		if hasZone {
			if !validZone(zone) {
				return "", errURLIPv6
			}
			addr += "%" + unescapeURL(zone)
		}
		return "[" + addr + "]" + s[end+1:], nil
	}
	name, port := s, ""
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		name, port = s[:i], s[i:]
	}
	if !validOptionalPort(port) {
		return "", errURLPort
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '%':
			// Only non-ASCII bytes may be escaped in a host name.
			if i+2 >= len(name) || !isHexDigit(name[i+1]) || !isHexDigit(name[i+2]) || hexValue(name[i+1]) < 8 {
				return "", errURLEscape
			}
			i += 2
		case c < 0x80 && !isUnreserved(c) && !isSubDelim(c):
			return "", errURLHost // also a second ':' or a '[': IPv6 needs brackets
		}
	}
	return unescapeURL(name) + port, nil
}

// validZone reports whether zone (after "%25") is not empty and made of
// ASCII host name characters, written as they are or %XX-escaped, and of
// escaped spaces and percent signs (Windows zone names have spaces).
func validZone(zone string) bool {
	if zone == "" || !validEscapes(zone) {
		return false
	}
	for i := 0; i < len(zone); i++ {
		c := zone[i]
		if c == '%' {
			c = hexValue(zone[i+1])<<4 | hexValue(zone[i+2])
			i += 2
			if c == ' ' || c == '%' {
				continue
			}
		}
		if !isUnreserved(c) && !isSubDelim(c) {
			return false
		}
	}
	return true
}

// validOptionalPort reports whether s is "" or ':' followed by digits.
func validOptionalPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDecimal(s[i]) {
			return false
		}
	}
	return true
}

// validIPv6 reports whether s is an IPv6 address as net/netip parses one
// (without a zone): eight groups of one to four hex digits, or fewer with
// one "::" standing for at least one group of zeros; the last two groups
// may be written as an IPv4 address.
func validIPv6(s string) bool {
	groups, ellipsis := 0, false
	if strings.HasPrefix(s, "::") {
		ellipsis, s = true, s[2:]
	}
	for s != "" {
		if !strings.Contains(s, ":") && strings.Contains(s, ".") {
			if !validIPv4(s) {
				return false
			}
			groups += 2
			break
		}
		n := 0
		for n < len(s) && n < 5 && isHexDigit(s[n]) {
			n++
		}
		if n == 0 || n > 4 {
			return false
		}
		groups++
		s = s[n:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis {
				return false
			}
			ellipsis, s = true, s[1:]
		}
		if groups > 8 {
			return false
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

// validIPv4 reports whether s is four decimal numbers up to 255, without
// leading zeros, separated by dots.
func validIPv4(s string) bool {
	for field := 0; field < 4; field++ {
		if field > 0 {
			if s == "" || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
		n, v := 0, 0
		for n < len(s) && isDecimal(s[n]) {
			v = v*10 + int(s[n]-'0')
			n++
			if n > 3 || v > 255 {
				return false
			}
		}
		if n == 0 || n > 1 && s[0] == '0' {
			return false
		}
		s = s[n:]
	}
	return s == ""
}

// Hostname returns the host without the port and without the brackets of
// an IPv6 address.
func (u *serverURL) Hostname() string {
	host, _ := splitHostPort(u.Host)
	return host
}

// Port returns the port, or "".
func (u *serverURL) Port() string {
	_, port := splitHostPort(u.Host)
	return port
}

func splitHostPort(hostport string) (host, port string) {
	host = hostport
	if i := strings.LastIndexByte(host, ':'); i >= 0 && validOptionalPort(host[i:]) {
		host, port = host[:i], host[i+1:]
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return host, port
}

// String returns the URL without its credentials: a server URL's
// credentials go in CONNECT, never in logs, errors or the WebSocket URL.
func (u *serverURL) String() string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	for i := 0; i < len(u.Host); i++ {
		if c := u.Host[i]; isUnreserved(c) || isSubDelim(c) || c == ':' || c == '[' || c == ']' {
			b.WriteByte(c)
		} else {
			writeEscaped(&b, c)
		}
	}
	for i := 0; i < len(u.Path); i++ {
		if c := u.Path[i]; isUnreserved(c) || isSubDelim(c) || strings.IndexByte(":@/%[]", c) >= 0 {
			b.WriteByte(c)
		} else {
			writeEscaped(&b, c)
		}
	}
	if u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.RawQuery)
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&15])
}
