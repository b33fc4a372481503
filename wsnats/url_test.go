package wsnats

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// url.go parses server URLs without net/url; these tests hold it against
// net/url: what we accept, url.Parse accepts with the same parts.

var urlCorpus = []string{
	"nats://localhost:4222", "NATS://LocalHost:4222", "nats://127.0.0.1", "tls://example.com:4443",
	"ws://localhost:8080", "wss://example.com", "wss://example.com/nats", "ws://h:80/a/b?x=1&y=2",
	"ws://h/p?", "ws://h/p#frag", "ws://h/p?q#frag", "ws://h:80/a%20b/%41", "ws://h/a b", "ws://h/%zz",
	"nats://user:pass@host:4222", "nats://token@host", "nats://us%40er:p%3Ass@host",
	"nats://user:p@ss@host:4222", "nats://:pass@host", "nats://user:@host", "nats://@host",
	"nats://user:pa%zzss@host", "nats://user:pa ss@host", "nats://us/er@host", "nats://u:p?x@host",
	"nats://[::1]:4222", "nats://[::1]", "ws://[::1]:8080/path", "nats://[fe80::1%25en0]:4222",
	"nats://[fe80::1%25eth%200]:4222", "nats://[fe80::1%25]:4222", "nats://[fe80::1%en0]:4222",
	"nats://[::ffff:1.2.3.4]:4222", "nats://[1.2.3.4]:4222", "nats://[::1", "nats://[::1]x",
	"nats://[::1]:x", "nats://x[::1]", "nats://[1:2:3:4:5:6:7:8]", "nats://[1:2:3:4:5:6:7:8:9]",
	"nats://[1::2::3]", "nats://[12345::]", "nats://[::]", "nats://[1:2:3:4:5:6::1.2.3.4]",
	"nats://[1:2:3:4:5:6:1.2.3.4]", "nats://[::1.2.3]", "nats://[::01.2.3.4]", "nats://[gg::1]",
	"nats://::1", "nats://a:b:4222", "nats://host:", "nats://host:abc", "nats://host:-1",
	"nats://:4222", "nats://", "nats:", "nats:/host", "nats:host", "://host", "1nats://host",
	"na ts://host", "nats://ho st", "nats://ho%20st", "nats://b%C3%BCcher.example", "nats://bücher.example",
	"nats://host\n", "nats://ho\x7fst", "nats://a<b", "nats://a%25b", "nats://host/\x01",
	"nats://h!$&'()*+,;=:1", "nats://[fe80::1%25a%2Fb]", "nats://[fe80::1%25a%C3%BC]", "nats://[fe80::1%25ü]",
	"http://host:80", "nats://host:4222/", "nats://host?x", "nats://host#x:y", "nats://u%3Ap@h",
}

func TestParseURLAgainstNetURL(t *testing.T) {
	for _, raw := range urlCorpus {
		checkURLAgainstNetURL(t, raw)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, raw := range urlCorpus {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkURLAgainstNetURL(t, raw)
	})
}

// strictlyRejected are URLs url.Parse takes that we refuse on purpose: a
// host with several colons outside brackets, characters no host name has
// (in the name or in an IPv6 zone, where url.Parse takes some, and non-ASCII
// ones that url.URL.String then escapes in a way url.Parse refuses).
func strictlyRejected(u *url.URL) bool {
	if strings.HasPrefix(u.Host, "[") {
		_, zone, _ := strings.Cut(u.Host[1:strings.LastIndexByte(u.Host, ']')], "%")
		return strings.ContainsFunc(zone, func(r rune) bool {
			return r >= 0x80 || !isUnreserved(byte(r)) && !isSubDelim(byte(r)) && r != ' ' && r != '%'
		})
	}
	name, _, _ := strings.Cut(u.Host, ":")
	return strings.Count(u.Host, ":") > 1 || strings.ContainsAny(name, `<>"%[]`)
}

func checkURLAgainstNetURL(t *testing.T, raw string) {
	t.Helper()
	ours, err := parseURL(raw)
	// A fragment is dropped by us; url.Parse checks its escapes.
	noFrag, _, _ := strings.Cut(raw, "#")
	theirs, theirErr := url.Parse(noFrag)
	if err != nil {
		// Where url.Parse finds a scheme and an authority, it must reject
		// the URL too, unless we are stricter on purpose.
		// (url.Parse lets control characters through in a fragment.)
		ctlInFragment := strings.ContainsFunc(raw[len(noFrag):], func(r rune) bool { return r < 0x20 || r == 0x7f })
		if theirErr == nil && !ctlInFragment && theirs.Scheme != "" && strings.HasPrefix(noFrag[len(theirs.Scheme)+1:], "//") &&
			!strictlyRejected(theirs) {
			t.Fatalf("%q: we reject (%v), url.Parse takes it: %#v", raw, err, theirs)
		}
		return
	}
	require.NoError(t, theirErr, "%q: we take it, url.Parse does not", raw)
	require.Equal(t, theirs.Scheme, ours.Scheme, raw)
	require.Equal(t, theirs.Host, ours.Host, raw)
	require.Equal(t, theirs.Hostname(), ours.Hostname(), raw)
	require.Equal(t, theirs.Port(), ours.Port(), raw)
	require.Equal(t, theirs.RawQuery, ours.RawQuery, raw)
	require.Equal(t, theirs.User == nil, ours.User == nil, raw)
	if ours.User != nil {
		require.Equal(t, theirs.User.Username(), ours.User.Username(), raw)
		p1, ok1 := theirs.User.Password()
		p2, ok2 := ours.User.Password()
		require.Equal(t, ok1, ok2, raw)
		require.Equal(t, p1, p2, raw)
	}
	// Our text is the same URL for url.Parse, without the credentials.
	s := ours.String()
	again, err := url.Parse(s)
	require.NoError(t, err, "%q -> %q", raw, s)
	require.Nil(t, again.User, s)
	require.Equal(t, theirs.Scheme, again.Scheme, s)
	require.Equal(t, theirs.Host, again.Host, s)
	require.Equal(t, theirs.Path, again.Path, s)
	require.Equal(t, theirs.RawQuery, again.RawQuery, s)
	if theirs.RawPath == "" && !theirs.ForceQuery && theirs.Host != "" {
		// The common case: the very text url.URL writes.
		redacted := *theirs
		redacted.User = nil
		require.Equal(t, redacted.String(), s, raw)
	}
}

func TestValidIPv6AgainstNetip(t *testing.T) {
	for _, raw := range urlCorpus {
		if _, host, ok := strings.Cut(raw, "["); ok {
			host, _, _ = strings.Cut(host, "]")
			checkIPv6(t, host)
		}
	}
	for _, s := range []string{"", ":", "::", ":::", "1::", "::1", "1:2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1::8", "fFfF::", "0000::", "00000::", "::1.2.3.4", "::255.255.255.255", "::256.1.1.1",
		"::1.2.3.4.5", "::1..3.4", "::1.2.3.", "1.2.3.4", "::ffff:0.0.0.0", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4",
		"1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:1", "1:", ":1", "1::2:", "g::", "::00.1.2.3"} {
		checkIPv6(t, s)
	}
}

func FuzzValidIPv6(f *testing.F) {
	f.Add("::1")
	f.Add("1:2:3:4:5:6:1.2.3.4")
	f.Fuzz(func(t *testing.T, s string) { checkIPv6(t, s) })
}

func checkIPv6(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, "%") {
		return // zones are checked apart
	}
	a, err := netip.ParseAddr(s)
	require.Equal(t, err == nil && !a.Is4(), validIPv6(s), "%q", s)
}

func TestParseServerURL(t *testing.T) {
	for raw, want := range map[string]string{
		"localhost":                          "nats://localhost:4222",
		" localhost:4333 ":                   "nats://localhost:4333",
		"NATS://Host":                        "nats://Host:4222",
		"tls://host":                         "tls://host:4222",
		"ws://host":                          "ws://host:80",
		"wss://host/nats?x=1":                "wss://host:443/nats?x=1",
		"wss://host:8443/nats#frag":          "wss://host:8443/nats",
		"[::1]":                              "nats://[::1]:4222",
		"[::1]:5222":                         "nats://[::1]:5222",
		"ws://[fe80::1%25en0]":               "ws://[fe80::1%25en0]:80",
		"ws://user:pass@host/p%20q":          "ws://host:80/p%20q",
		"nats://tok%40en@host:4222":          "nats://host:4222",
		"nats://b%C3%BCcher.example":         "nats://b%C3%BCcher.example:4222",
		"nats://host:":                       "nats://host:4222",
		"wss://u:p@[2001:db8::1]:443/a?b#c":  "wss://[2001:db8::1]:443/a?b",
		"ws://h/a b":                         "ws://h:80/a%20b",
		"ws://h.example/~a-b_c.d/!$&'()*+,;": "ws://h.example:80/~a-b_c.d/!$&'()*+,;",
	} {
		u, err := parseServerURL(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, redactURL(u), raw)
	}
	u, err := parseServerURL("nats://us%3Aer:p%40ss@host")
	require.NoError(t, err)
	require.Equal(t, "us:er", u.User.Username())
	pass, ok := u.User.Password()
	require.True(t, ok)
	require.Equal(t, "p@ss", pass)
	u, err = parseServerURL("nats://s3cr3t@host")
	require.NoError(t, err)
	require.Equal(t, "s3cr3t", u.User.Username())
	_, ok = u.User.Password()
	require.False(t, ok)

	for _, raw := range []string{
		"", "   ", "nats://", "nats://:4222", "nats://user:s3cr3t@", "http://host", "ftp://host:21x",
		"nats://user:s3cr3t", "nats://user:s3cr3t@ho st", "nats://us er:s3cr3t@host", "nats://user:s3cr3t%zz@host",
		"nats://[::1", "nats://[1.2.3.4]", "nats://[fe80::1%25]", "nats://a:b:4222", "nats://ho\tst",
		"nats:host", "1nats://host", "ws://host/%zz", "nats://user:s3cr3t@[::1]x",
	} {
		_, err := parseServerURL(raw)
		require.ErrorIs(t, err, ErrBadURL, raw)
		require.NotContains(t, err.Error(), "s3cr3t", raw)
	}
}

func TestRedactedURLs(t *testing.T) {
	u, err := parseServerURL("wss://alice:s3cr3t@example.com/nats")
	require.NoError(t, err)
	require.Equal(t, "wss://example.com:443/nats", u.String())
	err = unsupportedScheme(u, "test")
	require.NotContains(t, err.Error(), "s3cr3t")
	require.NotContains(t, err.Error(), "alice")

	p, err := newServerPool("nats://alice:s3cr3t@a:4222", nil, false)
	require.NoError(t, err)
	require.True(t, p.addDiscovered([]string{"b:4223", "[::1]:4224", "nats://c:4225", "d"}, p.list[0].url, false))
	require.Equal(t, []string{"nats://a:4222", "nats://b:4223", "nats://[::1]:4224", "nats://c:4225"}, p.urls(false))
	require.Equal(t, []string{"nats://b:4223", "nats://[::1]:4224", "nats://c:4225"}, p.urls(true))
	for _, s := range p.list {
		require.Equal(t, "alice", s.url.User.Username(), "discovered servers keep the credentials")
	}
	require.False(t, p.addDiscovered([]string{"B:4223"}, p.list[0].url, false), "hosts compare case-insensitively")
}
