package wsnats

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// errLinkLost fails PING waiters of a link that went away; Flush retries
// them on the next link.
var errLinkLost = errors.New("wsnats: connection lost")

// link is one live transport of a Conn with its reader. A Conn has at
// most one link at a time; a reconnect makes a new one.
type link struct {
	c      *Conn
	t      transport
	server *server
	p      parser

	infoSeen bool
	done     chan struct{} // closed when the reader ends; err is set then
	lastRecv atomic.Int64  // when bytes last arrived, as time since clockBase
	retired  atomic.Bool   // no longer the live link (its INFOs are ignored)

	mu    sync.Mutex
	err   error      // first cause of the link's end
	pongs []pongWait // PINGs written on this link, oldest first
	sent  sentLog    // what the writer took and handed to t (see sentLog)
	ended bool       // the reader has ended: nothing more is written
}

// pongWait is a PING written on a link: who waits for its PONG (nil for
// a keepalive) and where it ends in the link's stream (see sentLog), with
// the number of publishes before it.
type pongWait struct {
	ch   chan error
	end  int64
	msgs int64
}

func newLink(c *Conn, t transport, s *server) *link {
	l := &link{c: c, t: t, server: s, done: make(chan struct{})}
	l.touch()
	return l
}

// clockBase anchors link receive times on the monotonic clock.
var clockBase = time.Now()

// touch records that bytes arrived now.
func (l *link) touch() { l.lastRecv.Store(int64(time.Since(clockBase))) }

// lastReceived returns when bytes last arrived (or when the link was made).
func (l *link) lastReceived() time.Time {
	return clockBase.Add(time.Duration(l.lastRecv.Load()))
}

// fail records err as the cause (unless one is known) and closes the
// transport; the reader then ends and reports the loss.
func (l *link) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
	l.t.close()
}

// flushAndClose closes the transport (used by Close).
func (l *link) flushAndClose() { l.fail(ErrConnectionClosed) }

// readLoop feeds received bytes to the parser until the transport ends.
func (l *link) readLoop() {
	for {
		b, err := l.t.next()
		if err == nil {
			l.touch()
			err = l.p.parse(b, l)
			if err == nil {
				continue
			}
		}
		l.fail(err)
		break
	}
	l.mu.Lock()
	err := l.err
	l.ended = true
	l.mu.Unlock()
	l.failPongs()
	close(l.done)
	l.c.linkLost(l, err)
}

// failPongs tells whoever waits for a PONG on l that none will come, so
// that Flush tries again on the next link.
func (l *link) failPongs() {
	l.mu.Lock()
	pongs := l.pongs
	l.pongs = nil
	l.mu.Unlock()
	for _, p := range pongs {
		if p.ch != nil {
			p.ch <- errLinkLost
		}
	}
}

// addPong registers a waiter for the PONG of a PING written outside the
// stream of taken blocks (the handshake's).
func (l *link) addPong(ch chan error) {
	l.mu.Lock()
	l.pongs = append(l.pongs, pongWait{ch: ch})
	l.mu.Unlock()
}

func (l *link) onMsg(subject, reply []byte, sid uint64, hdr, payload []byte) {
	c := l.c
	c.stats.inMsgs.Add(1)
	c.stats.inBytes.Add(uint64(len(hdr) + len(payload)))
	c.subsMu.RLock()
	s := c.subs[sid]
	c.subsMu.RUnlock()
	if s == nil {
		return
	}
	m := &Msg{Subject: s.subjectFor(subject), Sub: s}
	if len(reply) > 0 {
		m.Reply = string(reply)
	}
	// One allocation for the header block and the payload, which follows
	// it; the block's capacity ends where the payload starts.
	buf := make([]byte, len(hdr)+len(payload))
	copy(buf, hdr)
	copy(buf[len(hdr):], payload)
	m.Data = buf[len(hdr):]
	if hdr != nil {
		m.hdr = buf[:len(hdr):len(hdr)]
		h, code, desc, err := decodeHeader(m.hdr)
		if err != nil {
			c.reportAsync(s, fmt.Errorf("failed to decode headers of a message on %q: %w", m.Subject, err), EventError)
		}
		m.Header, m.status, m.statusDesc = h, code, desc
	}
	s.receive(m)
}

func (l *link) onInfo(raw []byte) {
	var info ServerInfo
	if err := parseInfo(raw, &info); err != nil {
		l.fail(fmt.Errorf("%w: bad INFO: %v", ErrProtocol, err))
		return
	}
	l.c.applyInfo(l, info)
	l.infoSeen = true
}

func (l *link) onPing() {
	c := l.c
	c.mu.Lock()
	if c.link == l {
		c.out.cur = append(c.out.cur, pongCmd...)
		c.kick()
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	// During the handshake the link is not live yet: answer directly.
	_, _ = l.t.write([]byte(pongCmd))
}

func (l *link) onPong() {
	l.mu.Lock()
	var p pongWait
	if len(l.pongs) > 0 {
		p = l.pongs[0]
		l.pongs = l.pongs[1:]
		l.sent.confirm(p.end, p.msgs)
	}
	l.mu.Unlock()
	if p.ch != nil {
		p.ch <- nil
	}
}

func (l *link) onOK() {}

func (l *link) onErr(text string) {
	se := newServerError(text)
	if !se.fatal() {
		l.c.asyncServerError(se)
		return
	}
	// The server closes after a fatal error; a handshake waiting for its
	// PONG sees the link end and reports se as the reason.
	l.fail(se)
}

// applyInfo records a (possibly updated) INFO from link l.
func (c *Conn) applyInfo(l *link, info ServerInfo) {
	c.mu.Lock()
	if (c.link != l && c.link != nil) || l.retired.Load() {
		c.mu.Unlock()
		return
	}
	first := !l.infoSeen
	c.info = info
	var discovered, ldm bool
	urls := info.ConnectURLs
	if len(info.WSConnectURLs) > 0 && (l.server.url.Scheme == "ws" || l.server.url.Scheme == "wss") {
		urls = info.WSConnectURLs
	}
	if !c.opts.IgnoreDiscoveredServers && len(urls) > 0 {
		discovered = c.pool.addDiscovered(urls, l.server.url, !c.opts.DontRandomize) && !first
	}
	ldm = info.LameDuckMode
	c.mu.Unlock()
	if discovered {
		c.emit(Event{Type: EventServersDiscovered, Servers: c.DiscoveredServers()}, c.opts.DiscoveredServersHandler)
	}
	if ldm {
		c.emit(Event{Type: EventLameDuckMode}, c.opts.LameDuckModeHandler)
		go c.leaveLameDuck(l)
	}
}
