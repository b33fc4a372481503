package wsnats

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// ErrProtocol is wrapped by every error the protocol parser returns: the
// server sent something that is not valid NATS protocol (or is beyond the
// parser's limits). The connection cannot be resynchronised and must be
// closed.
var ErrProtocol = errors.New("wsnats: protocol error")

// Parser limits. A control line's length counts everything before its '\n'.
const (
	maxControlLine = 4096     // longest control line except INFO
	maxInfoLine    = 1 << 20  // longest INFO line (many connect_urls)
	maxPayload     = 64 << 20 // largest MSG/HMSG body
	maxRetainedArg = 64 << 10 // larger scratch buffers are dropped after use
	maxRetainedMsg = 4 << 20
	maxSnippet     = 32 // input quoted in an error message
)

// protoError is the error returned for a protocol violation. It wraps
// ErrProtocol and quotes the start of the offending input.
type protoError struct {
	what string // what was wrong
	near string // the offending input, at most maxSnippet bytes
}

// Error implements error.
func (e *protoError) Error() string {
	return ErrProtocol.Error() + ": " + e.what + " near " + strconv.Quote(e.near)
}

// Unwrap returns ErrProtocol.
func (e *protoError) Unwrap() error { return ErrProtocol }

// protoErr builds a protoError quoting at most maxSnippet bytes of near.
func protoErr(what string, near []byte) error {
	if len(near) > maxSnippet {
		near = near[:maxSnippet]
	}
	return &protoError{what: what, near: string(near)}
}

// opcode identifies a protocol operation.
type opcode uint8

const (
	opNone opcode = iota
	opMsg
	opHMsg
	opInfo
	opPing
	opPong
	opOK
	opErr
)

// opNames holds the upper-case wire name of each opcode, most frequent first.
var opNames = [...]string{
	opMsg:  "MSG",
	opHMsg: "HMSG",
	opInfo: "INFO",
	opPing: "PING",
	opPong: "PONG",
	opOK:   "+OK",
	opErr:  "-ERR",
}

// opWire holds the names of opNames as zero-padded arrays.
var opWire = func() (w [len(opNames)][4]byte) {
	for op, name := range opNames {
		copy(w[op][:], name)
	}
	return w
}()

// parserState is where the parser is within the stream.
type parserState uint8

const (
	stateLine     parserState = iota // in a control line; its start may be in argBuf
	statePayload                     // in a body that spans buffers, kept in msgBuf
	stateMsgEnd                      // expecting the '\r' (or bare '\n') after a body
	stateMsgEndLF                    // expecting the '\n' after a body
)

// msgArgs holds the parsed arguments of a MSG or HMSG line.
type msgArgs struct {
	subject, reply []byte
	sid            uint64
	headers        bool // HMSG
	hdrSize, size  int  // size is the whole body, headers included
}

// parser is an incremental parser for the server-to-client direction of the
// NATS protocol. The stream may be cut into buffers at arbitrary points:
// parse keeps whatever it needs across calls, so the handler sees the same
// calls however the input is split.
//
// Data is handed to the handler as sub-slices of the caller's buffer when an
// operation lies entirely within it; only a control line or body that spans
// buffers is copied, into scratch buffers that are reused. Parsing MSG and
// HMSG allocates nothing in steady state.
//
// A body is delivered as soon as its last byte is read; the CRLF after it is
// checked afterwards. After an error every further call returns that error;
// use reset to start over on a new connection. The zero value is ready to use.
type parser struct {
	state  parserState
	err    error   // sticky error
	argBuf []byte  // partial control line, or the subject and reply of msg
	msgBuf []byte  // partial body of msg
	msg    msgArgs // the message whose body is being read in statePayload
}

// reset prepares the parser for a new connection, keeping its scratch
// buffers unless they are large.
func (p *parser) reset() {
	p.state = stateLine
	p.err = nil
	p.msg = msgArgs{}
	p.argBuf = recycle(p.argBuf, maxRetainedArg)
	p.msgBuf = recycle(p.msgBuf, maxRetainedMsg)
}

// recycle empties b for reuse, or drops it if its capacity exceeds limit.
func recycle(b []byte, limit int) []byte {
	if cap(b) > limit {
		return nil
	}
	return b[:0]
}

// parse consumes buf, the next bytes of the stream, calling h for every
// operation completed within it. It returns an error wrapping ErrProtocol if
// the stream is invalid; handler calls made before the error stand.
func (p *parser) parse(buf []byte, h protoHandler) error {
	if p.err != nil {
		return p.err
	}
	var err error
	for i := 0; i < len(buf) && err == nil; {
		switch p.state {
		case stateLine:
			i, err = p.readLine(buf, i, h)
		case statePayload:
			take := min(p.msg.size-len(p.msgBuf), len(buf)-i)
			p.msgBuf = append(p.msgBuf, buf[i:i+take]...)
			i += take
			if len(p.msgBuf) == p.msg.size {
				deliver(h, p.msg, p.msgBuf)
				p.msg = msgArgs{}
				p.argBuf = p.argBuf[:0] // held the subject and reply
				p.msgBuf = recycle(p.msgBuf, maxRetainedMsg)
				p.state = stateMsgEnd
			}
		case stateMsgEnd:
			switch buf[i] {
			case '\r':
				p.state = stateMsgEndLF
			case '\n':
				p.state = stateLine
			default:
				err = protoErr("missing CRLF after message body", buf[i:])
			}
			i++
		case stateMsgEndLF:
			if buf[i] != '\n' {
				err = protoErr("missing LF after message body", buf[i:])
			}
			p.state = stateLine
			i++
		}
	}
	if err != nil {
		p.err = err
	}
	return err
}

// readLine reads the control line starting at buf[i] and, if it is complete,
// processes it. It returns the index of the first unconsumed byte.
func (p *parser) readLine(buf []byte, i int, h protoHandler) (int, error) {
	chunk := buf[i:]
	n := bytes.IndexByte(chunk, '\n')
	if n >= 0 {
		chunk = chunk[:n]
	}
	if err := p.checkLineLen(chunk); err != nil {
		return i, err
	}
	if n < 0 {
		// The line continues in the next buffer. Check what we have so
		// far so that garbage is rejected early.
		p.argBuf = append(p.argBuf, chunk...)
		_, err := parseOp(trimCR(p.argBuf), false)
		return len(buf), err
	}
	i += n + 1
	line, spilled := chunk, false
	if len(p.argBuf) > 0 {
		p.argBuf = append(p.argBuf, chunk...)
		line, spilled = p.argBuf, true
	}
	// line may still alias argBuf; nothing is appended to argBuf again
	// before line has been used.
	p.argBuf = p.argBuf[:0]
	return p.processLine(trimCR(line), spilled, buf, i, h)
}

// checkLineLen fails if the control line, of which argBuf holds the start
// and chunk the continuation, is longer than allowed for its operation.
func (p *parser) checkLineLen(chunk []byte) error {
	total := len(p.argBuf) + len(chunk)
	if total <= maxControlLine {
		return nil
	}
	start := p.argBuf
	if len(start) == 0 {
		start = chunk
	}
	var head [5]byte // enough to tell INFO; total > 4096, so head is full
	copy(head[copy(head[:], p.argBuf):], chunk)
	if op, _ := parseOp(head[:], false); op != opInfo || total > maxInfoLine {
		return protoErr("control line too long", start)
	}
	return nil
}

// processLine handles the complete control line line (without its line
// ending), which is followed by buf[i:]. spilled tells whether line lives in
// argBuf rather than in buf. It returns the index of the first unconsumed
// byte of buf.
func (p *parser) processLine(line []byte, spilled bool, buf []byte, i int, h protoHandler) (int, error) {
	op, err := parseOp(line, true)
	if err != nil {
		return i, err
	}
	args := line[len(opNames[op]):]
	switch op {
	case opPing, opPong, opOK:
		if len(trimSpace(args)) > 0 {
			return i, protoErr("unexpected arguments", line)
		}
		switch op {
		case opPing:
			h.onPing()
		case opPong:
			h.onPong()
		default:
			h.onOK()
		}
	case opInfo:
		info := trimSpace(args)
		if len(info) == 0 {
			return i, protoErr("INFO without a document", line)
		}
		h.onInfo(info)
		p.argBuf = recycle(p.argBuf, maxRetainedArg)
	case opErr:
		text := trimSpace(args)
		if len(text) > 0 && text[0] == '\'' {
			text = text[1:]
		}
		if len(text) > 0 && text[len(text)-1] == '\'' {
			text = text[:len(text)-1]
		}
		h.onErr(string(text))
	case opMsg, opHMsg:
		m, what := parseMsgArgs(args, op == opHMsg)
		if what != "" {
			return i, protoErr(what, line)
		}
		if len(buf)-i >= m.size {
			// Fast path: the whole body is in buf.
			deliver(h, m, buf[i:i+m.size:i+m.size])
			i += m.size
			if len(buf)-i >= 2 && buf[i] == '\r' && buf[i+1] == '\n' {
				return i + 2, nil
			}
			p.state = stateMsgEnd
			return i, nil
		}
		if !spilled {
			// buf is about to be reused by the caller: keep the subject
			// and reply until the body is complete.
			p.argBuf = append(append(p.argBuf[:0], m.subject...), m.reply...)
			ns := len(m.subject)
			m.subject = p.argBuf[:ns:ns]
			if m.reply != nil {
				m.reply = p.argBuf[ns:len(p.argBuf):len(p.argBuf)]
			}
		}
		if cap(p.msgBuf) < m.size {
			p.msgBuf = make([]byte, 0, m.size)
		}
		p.msgBuf = append(p.msgBuf[:0], buf[i:]...)
		p.msg = m
		p.state = statePayload
		return len(buf), nil
	}
	return i, nil
}

// deliver passes a complete message with body body to h.
func deliver(h protoHandler, m msgArgs, body []byte) {
	if !m.headers {
		h.onMsg(m.subject, m.reply, m.sid, nil, body)
		return
	}
	h.onMsg(m.subject, m.reply, m.sid, body[:m.hdrSize:m.hdrSize], body[m.hdrSize:])
}

// parseOp identifies the operation at the start of line. If complete is
// false, line may be only the start of a control line: while the operation
// name is unterminated and may still become valid, parseOp returns opNone
// and no error.
func parseOp(line []byte, complete bool) (opcode, error) {
	var up [4]byte
	n := 0
	for ; n < len(line) && !isSpace(line[n]); n++ {
		if n == len(up) {
			return opNone, protoErr("unknown operation", line)
		}
		c := line[n]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[n] = c
	}
	name := up[:n]
	if complete || n < len(line) {
		// Compare arrays: comparing strings costs a call to memequal.
		for op := opMsg; op <= opErr; op++ {
			if up == opWire[op] && n == len(opNames[op]) {
				return op, nil
			}
		}
	} else {
		for op := opMsg; op <= opErr; op++ {
			if len(name) <= len(opNames[op]) && string(name) == opNames[op][:len(name)] {
				return opNone, nil
			}
		}
	}
	return opNone, protoErr("unknown operation", line)
}

// parseMsgArgs parses the arguments of MSG (headers false) or HMSG (headers
// true). On failure it returns a description of the problem.
func parseMsgArgs(args []byte, headers bool) (m msgArgs, what string) {
	var f [5][]byte
	n := 0
	for {
		args = trimLeftSpace(args)
		if len(args) == 0 {
			break
		}
		if n == len(f) {
			return m, "too many arguments"
		}
		j := 0
		for j < len(args) && !isSpace(args[j]) {
			j++
		}
		f[n], args = args[:j:j], args[j:]
		n++
	}
	want := 3 // subject, sid, size
	if headers {
		want = 4 // subject, sid, header size, total size
	}
	k := 2 // index of the first size
	switch n {
	case want:
	case want + 1:
		m.reply = f[2]
		k = 3
	default:
		return m, "wrong number of arguments"
	}
	m.subject = f[0]
	var ok bool
	if m.sid, ok = parseUint(f[1]); !ok {
		return m, "invalid sid"
	}
	if m.size, ok = parseSize(f[k]); !ok {
		return m, "invalid size"
	}
	if headers {
		m.headers = true
		m.hdrSize = m.size
		if m.size, ok = parseSize(f[k+1]); !ok {
			return m, "invalid size"
		}
		if m.hdrSize > m.size {
			return m, "header size exceeds total size"
		}
	}
	return m, ""
}

// parseUint parses a non-empty decimal number without sign.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseSize parses a body size, which is at most maxPayload.
func parseSize(b []byte) (int, bool) {
	v, ok := parseUint(b)
	if !ok || v > maxPayload {
		return 0, false
	}
	return int(v), true
}

// isSpace tells whether c separates arguments.
func isSpace(c byte) bool { return c <= ' ' && (c == ' ' || c == '\t') }

// trimCR removes one trailing '\r'.
func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// trimLeftSpace removes leading spaces and tabs.
func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// trimSpace removes leading and trailing spaces and tabs.
func trimSpace(b []byte) []byte {
	b = trimLeftSpace(b)
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
