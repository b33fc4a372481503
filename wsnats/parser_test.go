package wsnats

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// call is one recorded handler call. All data is copied.
type call struct {
	Op      string // MSG, HMSG, INFO, PING, PONG, OK, ERR
	Subject string
	Reply   string
	Sid     uint64
	Hdr     string
	Payload string // MSG/HMSG payload, INFO document or ERR text
}

// String formats c with its strings quoted, for test failure messages.
func (c call) String() string {
	return fmt.Sprintf("{%s %q %q %d %q %q}", c.Op, c.Subject, c.Reply, c.Sid, c.Hdr, c.Payload)
}

// recorder is a protoHandler that records every call.
type recorder struct{ calls []call }

func (r *recorder) onMsg(subject, reply []byte, sid uint64, hdr, payload []byte) {
	c := call{Op: "MSG", Subject: string(subject), Reply: string(reply), Sid: sid, Payload: string(payload)}
	if hdr != nil {
		c.Op, c.Hdr = "HMSG", string(hdr)
	}
	r.calls = append(r.calls, c)
}
func (r *recorder) onInfo(info []byte) {
	r.calls = append(r.calls, call{Op: "INFO", Payload: string(info)})
}
func (r *recorder) onPing()           { r.calls = append(r.calls, call{Op: "PING"}) }
func (r *recorder) onPong()           { r.calls = append(r.calls, call{Op: "PONG"}) }
func (r *recorder) onOK()             { r.calls = append(r.calls, call{Op: "OK"}) }
func (r *recorder) onErr(text string) { r.calls = append(r.calls, call{Op: "ERR", Payload: text}) }

// nopHandler ignores every call.
type nopHandler struct{}

func (nopHandler) onMsg(subject, reply []byte, sid uint64, hdr, payload []byte) {}
func (nopHandler) onInfo(info []byte)                                           {}
func (nopHandler) onPing()                                                      {}
func (nopHandler) onPong()                                                      {}
func (nopHandler) onOK()                                                        {}
func (nopHandler) onErr(text string)                                            {}

// feed parses chunks in order with a fresh parser and returns the recorded
// calls and the first error. Each chunk is parsed from a private copy that is
// overwritten afterwards, so the parser cannot get away with keeping
// references into a buffer across calls.
func feed(chunks ...[]byte) ([]call, error) {
	var p parser
	var r recorder
	for _, c := range chunks {
		b := bytes.Clone(c)
		err := p.parse(b, &r)
		for i := range b {
			b[i] = '#'
		}
		if err != nil {
			return r.calls, err
		}
	}
	return r.calls, nil
}

// checkFeed fails the test unless feeding chunks succeeds with calls want.
func checkFeed(t *testing.T, how string, want []call, chunks ...[]byte) {
	t.Helper()
	got, err := feed(chunks...)
	if err != nil {
		t.Fatalf("%s: unexpected error %v", how, err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: calls differ:\n got %v\nwant %v", how, got, want)
	}
}

// splitAt returns data cut into two chunks at off.
func splitAt(data []byte, off int) [][]byte { return [][]byte{data[:off], data[off:]} }

// chunked returns data cut into chunks of n bytes (the last may be shorter).
func chunked(data []byte, n int) [][]byte {
	var out [][]byte
	for len(data) > n {
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

func msgCall(subject, reply string, sid uint64, payload string) call {
	return call{Op: "MSG", Subject: subject, Reply: reply, Sid: sid, Payload: payload}
}

func hmsgCall(subject, reply string, sid uint64, hdr, payload string) call {
	return call{Op: "HMSG", Subject: subject, Reply: reply, Sid: sid, Hdr: hdr, Payload: payload}
}

const testHdr = "NATS/1.0\r\nFoo: bar\r\n\r\n" // 22 bytes

var parserTests = []struct {
	name string
	in   string
	want []call
}{
	{"msg", "MSG foo 1 5\r\nhello\r\n", []call{msgCall("foo", "", 1, "hello")}},
	{"msg reply", "MSG foo.bar 42 _INBOX.abc.1 5\r\nhello\r\n", []call{msgCall("foo.bar", "_INBOX.abc.1", 42, "hello")}},
	{"msg empty", "MSG foo 1 0\r\n\r\n", []call{msgCall("foo", "", 1, "")}},
	{"msg payload looks like protocol", "MSG foo 7 13\r\nPING\r\nMSG x\r\n\r\n", []call{msgCall("foo", "", 7, "PING\r\nMSG x\r\n")}},
	{"msg binary payload", "MSG foo 1 4\r\n\x00\n\r\xff\r\n", []call{msgCall("foo", "", 1, "\x00\n\r\xff")}},
	{"msg max sid", "MSG foo 18446744073709551615 1\r\nx\r\n", []call{msgCall("foo", "", 1<<64-1, "x")}},
	{"msg tabs and spaces", "MSG\tfoo  9\t\t bar \t3  \r\nabc\r\n", []call{msgCall("foo", "bar", 9, "abc")}},
	{"msg bare LF", "MSG foo 1 2\nhi\nPING\n", []call{msgCall("foo", "", 1, "hi"), {Op: "PING"}}},
	{"msg lowercase", "msg foo 1 2\r\nhi\r\n", []call{msgCall("foo", "", 1, "hi")}},
	{"hmsg", "HMSG foo 3 22 27\r\n" + testHdr + "hello\r\n", []call{hmsgCall("foo", "", 3, testHdr, "hello")}},
	{"hmsg reply", "HMSG foo 3 _INBOX.x 22 27\r\n" + testHdr + "hello\r\n", []call{hmsgCall("foo", "_INBOX.x", 3, testHdr, "hello")}},
	{"hmsg status only", "HMSG _INBOX.y 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n", []call{hmsgCall("_INBOX.y", "", 2, "NATS/1.0 503\r\n\r\n", "")}},
	{"hmsg mixed case", "hMsG foo 3 22 22\r\n" + testHdr + "\r\n", []call{hmsgCall("foo", "", 3, testHdr, "")}},
	{"info", "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n", []call{{Op: "INFO", Payload: `{"server_id":"x","max_payload":1048576}`}}},
	{"info lowercase tab", "info\t {}  \r\n", []call{{Op: "INFO", Payload: "{}"}}},
	{"ping", "PING\r\n", []call{{Op: "PING"}}},
	{"ping trailing space", "PING \r\n", []call{{Op: "PING"}}},
	{"pong", "PONG\r\n", []call{{Op: "PONG"}}},
	{"pong lowercase", "pong\r\n", []call{{Op: "PONG"}}},
	{"ok", "+OK\r\n", []call{{Op: "OK"}}},
	{"ok lowercase", "+ok\r\n", []call{{Op: "OK"}}},
	{"err", "-ERR 'Authorization Violation'\r\n", []call{{Op: "ERR", Payload: "Authorization Violation"}}},
	{"err no quotes", "-ERR Unknown Protocol Operation\r\n", []call{{Op: "ERR", Payload: "Unknown Protocol Operation"}}},
	{"err empty", "-ERR\r\n", []call{{Op: "ERR", Payload: ""}}},
	{"err lowercase", "-err 'x'\n", []call{{Op: "ERR", Payload: "x"}}},
	{
		"concatenated",
		"MSG foo 1 5\r\nhello\r\nPONG\r\nINFO {}\r\nHMSG bar 2 r 16 18\r\nNATS/1.0 503\r\n\r\nhi\r\n+OK\r\nMSG baz 3 0\r\n\r\nPING\r\n-ERR 'e'\r\n",
		[]call{
			msgCall("foo", "", 1, "hello"),
			{Op: "PONG"},
			{Op: "INFO", Payload: "{}"},
			hmsgCall("bar", "r", 2, "NATS/1.0 503\r\n\r\n", "hi"),
			{Op: "OK"},
			msgCall("baz", "", 3, ""),
			{Op: "PING"},
			{Op: "ERR", Payload: "e"},
		},
	},
}

func TestParser(t *testing.T) {
	for _, tt := range parserTests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			checkFeed(t, "whole", tt.want, in)
			for off := 0; off <= len(in); off++ {
				checkFeed(t, "split at "+strconv.Itoa(off), tt.want, splitAt(in, off)...)
			}
			checkFeed(t, "byte at a time", tt.want, chunked(in, 1)...)
		})
	}
}

// TestParserAllConcatenated feeds every test stream in one buffer.
func TestParserAllConcatenated(t *testing.T) {
	var in []byte
	var want []call
	for _, tt := range parserTests {
		in = append(in, tt.in...)
		want = append(want, tt.want...)
	}
	for _, n := range []int{len(in), 1, 2, 3, 7, 64} {
		checkFeed(t, "chunks of "+strconv.Itoa(n), want, chunked(in, n)...)
	}
}

var parserErrorTests = []struct {
	name    string
	in      string
	noSplit bool // too large to split at every offset
}{
	{name: "unknown op", in: "FOO bar\r\n"},
	{name: "unknown op no newline", in: "HELLO"},
	{name: "op too long", in: "PINGPONG\r\n"},
	{name: "op without separator", in: "MSGfoo 1 2\r\nhi\r\n"},
	{name: "empty line", in: "\r\n"},
	{name: "http response", in: "HTTP/1.1 400 Bad Request\r\n"},
	{name: "ping with args", in: "PING foo\r\n"},
	{name: "pong with args", in: "PONG 1\r\n"},
	{name: "ok with args", in: "+OK x\r\n"},
	{name: "info without document", in: "INFO\r\n"},
	{name: "info blank", in: "INFO  \r\n"},
	{name: "msg too few args", in: "MSG foo 1\r\n"},
	{name: "msg too many args", in: "MSG foo 1 a b 5\r\nhello\r\n"},
	{name: "msg far too many args", in: "MSG a b c d e f g h\r\n"},
	{name: "msg no args", in: "MSG\r\n"},
	{name: "msg bad sid", in: "MSG foo x 5\r\nhello\r\n"},
	{name: "msg negative sid", in: "MSG foo -1 5\r\nhello\r\n"},
	{name: "msg sid overflow", in: "MSG foo 18446744073709551616 1\r\nx\r\n"},
	{name: "msg negative size", in: "MSG foo 1 -5\r\nhello\r\n"},
	{name: "msg garbage size", in: "MSG foo 1 5x\r\nhello\r\n"},
	{name: "msg size too large", in: "MSG foo 1 67108865\r\n"},
	{name: "msg size overflow", in: "MSG foo 1 99999999999999999999999\r\n"},
	{name: "msg missing CRLF", in: "MSG foo 1 2\r\nhiX\r\n"},
	{name: "msg missing LF", in: "MSG foo 1 2\r\nhi\rX"},
	{name: "msg size too small", in: "MSG foo 1 2\r\nhello\r\n"},
	{name: "msg CR CR", in: "MSG foo 1 2\r\nhi\r\r\n"},
	{name: "hmsg too few args", in: "HMSG foo 1 5\r\nhello\r\n"},
	{name: "hmsg too many args", in: "HMSG foo 1 r x 5 5\r\nhello\r\n"},
	{name: "hmsg header larger than total", in: "HMSG foo 1 10 5\r\nhello\r\n"},
	{name: "hmsg bad header size", in: "HMSG foo 1 x 5\r\nhello\r\n"},
	{name: "hmsg bad total size", in: "HMSG foo 1 5 y\r\nhello\r\n"},
	{name: "stray byte after message", in: "PING\r\nPONG\r\nX"},
	{name: "msg line too long", in: "MSG " + strings.Repeat("a", maxControlLine) + " 1 1\r\nx\r\n", noSplit: true},
	{name: "msg line too long no newline", in: "MSG foo 1 1" + strings.Repeat(" ", maxControlLine), noSplit: true},
	{name: "err line too long", in: "-ERR '" + strings.Repeat("x", maxControlLine) + "'\r\n", noSplit: true},
	{name: "info line too long", in: "INFO {\"a\":\"" + strings.Repeat("x", maxInfoLine) + "\"}\r\n", noSplit: true},
}

func TestParserErrors(t *testing.T) {
	for _, tt := range parserErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			wantCalls, err := feed(in)
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("whole: got error %v, want ErrProtocol", err)
			}
			var pe *protoError
			if !errors.As(err, &pe) || pe.what == "" || len(pe.near) > maxSnippet {
				t.Fatalf("whole: bad error %#v", err)
			}
			t.Log(err)

			check := func(how string, chunks [][]byte) {
				t.Helper()
				got, err := feed(chunks...)
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("%s: got error %v, want ErrProtocol", how, err)
				}
				if !slices.Equal(got, wantCalls) {
					t.Fatalf("%s: calls differ:\n got %v\nwant %v", how, got, wantCalls)
				}
			}
			if tt.noSplit {
				check("4096-byte chunks", chunked(in, 4096))
				check("1000-byte chunks", chunked(in, 1000))
				return
			}
			for off := 0; off <= len(in); off++ {
				check("split", splitAt(in, off))
			}
			check("byte at a time", chunked(in, 1))
		})
	}
}

// TestParserLongLines checks the control line limits from the inside.
func TestParserLongLines(t *testing.T) {
	subject := strings.Repeat("s", maxControlLine-len("MSG  1 1\r"))
	in := []byte("MSG " + subject + " 1 1\r\nx\r\n")
	want := []call{msgCall(subject, "", 1, "x")}
	for _, n := range []int{len(in), 4096, 100, 1} {
		checkFeed(t, "chunks of "+strconv.Itoa(n), want, chunked(in, n)...)
	}
	if _, err := feed([]byte("MSG " + subject + "s 1 1\r\nx\r\n")); !errors.Is(err, ErrProtocol) {
		t.Fatalf("one byte over the limit: got error %v, want ErrProtocol", err)
	}

	doc := `{"connect_urls":["` + strings.Repeat("x", 512<<10) + `"]}`
	in = []byte("INFO " + doc + "\r\nPING\r\n")
	want = []call{{Op: "INFO", Payload: doc}, {Op: "PING"}}
	for _, n := range []int{len(in), 4096, 3} {
		checkFeed(t, "chunks of "+strconv.Itoa(n), want, chunked(in, n)...)
	}
}

// TestParserStickyErrorAndReset checks that errors stick until reset.
func TestParserStickyErrorAndReset(t *testing.T) {
	var p parser
	var r recorder
	err := p.parse([]byte("PING\r\nBOGUS\r\nPONG\r\n"), &r)
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("got error %v, want ErrProtocol", err)
	}
	if err2 := p.parse([]byte("PONG\r\n"), &r); err2 != err {
		t.Fatalf("second parse returned %v, want the first error %v", err2, err)
	}
	p.reset()
	if err := p.parse([]byte("MSG foo 1 5\r\nhel"), &r); err != nil { // leaves a partial body
		t.Fatal(err)
	}
	p.reset()
	if err := p.parse([]byte("PONG\r\n"), &r); err != nil {
		t.Fatal(err)
	}
	if want := []call{{Op: "PING"}, {Op: "PONG"}}; !slices.Equal(r.calls, want) {
		t.Fatalf("got %v, want %v", r.calls, want)
	}
}

// aliasHandler checks that subject and payload are sub-slices of buf.
type aliasHandler struct {
	nopHandler
	t   *testing.T
	buf []byte
	n   int
}

func (a *aliasHandler) onMsg(subject, reply []byte, sid uint64, hdr, payload []byte) {
	a.n++
	within := func(b []byte) bool {
		if len(b) == 0 {
			return false
		}
		lo, hi := uintptr(unsafe.Pointer(&a.buf[0])), uintptr(unsafe.Pointer(&a.buf[len(a.buf)-1]))
		p, q := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
		return lo <= p && q <= hi
	}
	if !within(subject) || !within(reply) || !within(payload) || (hdr != nil && !within(hdr)) {
		a.t.Errorf("message %d: data was copied out of the input buffer", a.n)
	}
}

func TestParserFastPathNoCopy(t *testing.T) {
	buf := []byte("MSG foo 1 r 5\r\nhello\r\nHMSG foo 1 r 22 27\r\n" + testHdr + "hello\r\n")
	h := &aliasHandler{t: t, buf: buf}
	var p parser
	if err := p.parse(buf, h); err != nil || h.n != 2 {
		t.Fatalf("got %d messages, error %v; want 2, nil", h.n, err)
	}
}

// makeMsg returns a MSG with a payload of n bytes.
func makeMsg(n int) []byte {
	b := []byte("MSG updates.orders.eu 12345 _INBOX.abcdefghijklmnop.42 " + strconv.Itoa(n) + "\r\n")
	for i := range n {
		b = append(b, byte('a'+i%26))
	}
	return append(b, "\r\n"...)
}

// makeHMsg returns an HMSG with a typical header block and a payload of n
// bytes.
func makeHMsg(n int) []byte {
	hdr := "NATS/1.0\r\nNats-Msg-Id: 0123456789\r\nContent-Type: application/json\r\n\r\n"
	b := []byte("HMSG updates.orders.eu 12345 _INBOX.abcdefghijklmnop.42 " + strconv.Itoa(len(hdr)) + " " + strconv.Itoa(len(hdr)+n) + "\r\n" + hdr)
	for i := range n {
		b = append(b, byte('a'+i%26))
	}
	return append(b, "\r\n"...)
}

func TestParserZeroAllocs(t *testing.T) {
	var h protoHandler = nopHandler{}
	for _, tc := range []struct {
		name string
		msg  []byte
	}{{"MSG", makeMsg(128)}, {"HMSG", makeHMsg(128)}} {
		t.Run(tc.name, func(t *testing.T) {
			var p parser
			allocs := testing.AllocsPerRun(1000, func() {
				if err := p.parse(tc.msg, h); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("whole message: %v allocations per parse, want 0", allocs)
			}

			// Split inside the control line and inside the body: the
			// scratch buffers are reused once they have grown.
			cut1, cut2 := 10, len(tc.msg)-60
			allocs = testing.AllocsPerRun(1000, func() {
				for _, c := range [][]byte{tc.msg[:cut1], tc.msg[cut1:cut2], tc.msg[cut2:]} {
					if err := p.parse(c, h); err != nil {
						t.Fatal(err)
					}
				}
			})
			if allocs != 0 {
				t.Errorf("split message: %v allocations per parse, want 0", allocs)
			}
		})
	}
}

// TestParserLargePayload feeds a message just under 1 MiB in the 4096-byte
// frames nats-server uses for WebSocket clients, twice.
func TestParserLargePayload(t *testing.T) {
	const size = 1<<20 - 100
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	var in []byte
	in = append(in, "MSG big.subject 7 _INBOX.r "+strconv.Itoa(size)+"\r\n"...)
	in = append(in, payload...)
	in = append(in, "\r\nPING\r\n"...)
	in = append(in, "HMSG big.subject 8 22 "+strconv.Itoa(size)+"\r\n"+testHdr...)
	in = append(in, payload[:size-22]...)
	in = append(in, "\r\n"...)

	want := []call{
		msgCall("big.subject", "_INBOX.r", 7, string(payload)),
		{Op: "PING"},
		hmsgCall("big.subject", "", 8, testHdr, string(payload[:size-22])),
	}
	var p parser
	var r recorder
	for round := range 2 {
		r.calls = nil
		for _, c := range chunked(in, 4096) {
			if err := p.parse(c, &r); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		// Compare call by call: printing a whole mismatch would be megabytes.
		if len(r.calls) != len(want) {
			t.Fatalf("round %d: got %d calls, want %d", round, len(r.calls), len(want))
		}
		for i := range want {
			if r.calls[i] != want[i] {
				t.Fatalf("round %d: call %d differs", round, i)
			}
		}
	}
}

// TestParserErrorMessage checks the shape of an error message.
func TestParserErrorMessage(t *testing.T) {
	for in, want := range map[string]string{
		"MSG foo bar 5\r\nhello\r\n":                  `wsnats: protocol error: invalid sid near "MSG foo bar 5"`,
		"GARBAGE" + strings.Repeat("x", 100) + "\r\n": `wsnats: protocol error: unknown operation near "GARBAGExxxxxxxxxxxxxxxxxxxxxxxxx"`,
		"PING\r\nMSG a 1 1\r\nab\r\n":                 `wsnats: protocol error: missing CRLF after message body near "b\r\n"`,
	} {
		if _, err := feed([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("%q: got error %v, want %s", in, err, want)
		}
	}
}
