package wsnats

import (
	"bytes"
	"fmt"
	"time"
)

// Loss counts publishes and the protocol bytes that carried them.
type Loss struct {
	// Msgs is the number of publishes (PUB or HPUB commands).
	Msgs int
	// Bytes is the number of protocol bytes, command lines included.
	Bytes int
}

// IsZero reports whether nothing was lost.
func (l Loss) IsZero() bool { return l.Msgs == 0 && l.Bytes == 0 }

func (l Loss) String() string { return fmt.Sprintf("%d messages (%d bytes)", l.Msgs, l.Bytes) }

// sentLog is the account of what the writer took from the outbound queue
// for one link, so that the loss of the link loses only what the network
// may already have had.
//
// Offsets count bytes in the link's stream of taken blocks (0 is the first
// byte after the handshake). Three marks move forward along it:
//
//	confirmed <= handed <= taken
//
// confirmed is the end of the last PING the server answered: everything
// before it was processed. handed is how far the transport accepted
// writes. taken is how far the writer took blocks (the rest of a failed
// burst lies between handed and taken).
//
// kept holds the blocks from base on, oldest first: those the transport
// may still hold unsent (the browser's bufferedAmount) and those of a
// failed burst. Natively a written block leaves at once.
//
// When the link is lost, settle returns the commands the server cannot
// have received, to be written again on the next link, and counts those
// it may or may not have received: the possibly lost.
type sentLog struct {
	kept      []block
	base      int64 // stream offset of kept[0]
	baseMsgs  int64 // publishes before base
	taken     int64
	takenMsgs int64
	handed    int64

	confirmed     int64
	confirmedMsgs int64

	pinged   int64     // stream offset of the end of the last PING written
	pingedAt time.Time // when it was queued
}

// wantsConfirm reports whether a burst about to take queued more bytes
// should end with a PING (see confirmBytes).
func (s *sentLog) wantsConfirm(queued int, now time.Time) bool {
	since := s.taken + int64(queued) - s.pinged
	return since >= confirmBytes || (since > 0 && now.Sub(s.pingedAt) >= confirmDelay)
}

// take records blocks taken for writing.
func (s *sentLog) take(blocks []block) {
	for _, b := range blocks {
		s.taken += int64(len(b.b))
		s.takenMsgs += int64(b.msgs)
	}
}

// wrote records that the transport accepted n more bytes of blocks (all
// of them unless the write failed) and keeps blocks until they are known
// to have left the transport: pending is how many accepted bytes it may
// still hold. It returns the blocks that left, for reuse.
func (s *sentLog) wrote(blocks []block, n int64, pending int) (done []block) {
	s.handed += n
	s.kept = append(s.kept, blocks...)
	keepFrom := s.handed - int64(pending)
	i := 0
	for ; i < len(s.kept); i++ {
		end := s.base + int64(len(s.kept[i].b))
		if end > keepFrom {
			break
		}
		s.base = end
		s.baseMsgs += int64(s.kept[i].msgs)
	}
	done = s.kept[:i:i]
	s.kept = s.kept[i:]
	if len(s.kept) == 0 {
		s.kept = nil
	}
	return done
}

// confirm records that the server answered a PING ending at offset end,
// written after msgs publishes.
func (s *sentLog) confirm(end, msgs int64) {
	if end > s.confirmed {
		s.confirmed, s.confirmedMsgs = end, msgs
	}
}

// settle is called once the link is lost: unsent bytes at the end of what
// was handed never left the transport. It returns the publishes to write
// again (from the command that holds the first unsent byte on, since a
// command the server got only in part was not processed) and counts the
// publishes between the last confirmed PING and those: handed to the
// network, perhaps received, perhaps lost. Only publishes are written
// again: the reconnect subscribes afresh to what is live, and a PING or
// PONG belongs to the link it was written for. The log is empty
// afterwards.
func (s *sentLog) settle(unsent int) (again []block, possiblyLost Loss) {
	from := max(s.handed-int64(max(unsent, 0)), s.base, s.confirmed)
	at, msgs := s.base, s.baseMsgs
	cut := int64(-1) // where the commands to write again start
	for _, b := range s.kept {
		end := at + int64(len(b.b))
		switch {
		case cut >= 0:
			again = appendPubs(again, b)
		case end <= from:
			msgs += int64(b.msgs)
		default:
			off, before := 0, 0
			if at < from {
				off, before = commandStart(b.b, int(from-at))
			}
			again = appendPubs(again, block{b.b[off:], b.msgs - before})
			msgs += int64(before)
			cut = at + int64(off)
		}
		at = end
	}
	if cut < 0 {
		cut = at
	}
	if cut > s.confirmed {
		possiblyLost = Loss{Msgs: int(msgs - s.confirmedMsgs), Bytes: int(cut - s.confirmed)}
	}
	*s = sentLog{}
	return again, possiblyLost
}

// appendPubs appends b to blocks, without its commands other than
// publishes (copied only when it has such commands).
func appendPubs(blocks []block, b block) []block {
	if len(b.b) == 0 {
		return blocks
	}
	var out []byte
	for at := 0; at < len(b.b); {
		n := commandLen(b.b[at:])
		pub := isPub(b.b[at:])
		switch {
		case !pub && out == nil:
			out = append(make([]byte, 0, len(b.b)), b.b[:at]...)
		case pub && out != nil:
			out = append(out, b.b[at:at+n]...)
		}
		at += n
	}
	if out != nil {
		if len(out) == 0 {
			return blocks
		}
		b.b = out
	}
	return append(blocks, b)
}

// commandStart returns the offset in b of the start of the command that
// holds byte off, and how many publishes come before it. b holds whole
// commands as the client writes them.
func commandStart(b []byte, off int) (start, pubs int) {
	for start < len(b) {
		next := start + commandLen(b[start:])
		if next > off {
			return start, pubs
		}
		if isPub(b[start:]) {
			pubs++
		}
		start = next
	}
	return start, pubs
}

// commandLen returns the length of the command at the start of b: its
// line, plus for PUB and HPUB the payload and its CRLF. A malformed command
// (the client never writes one) takes the rest of b.
func commandLen(b []byte) int {
	eol := bytes.Index(b, crlf)
	if eol < 0 {
		return len(b)
	}
	n := eol + 2
	if isPub(b) {
		line := b[:eol]
		size := 0
		sp := bytes.LastIndexByte(line, ' ')
		for _, d := range line[sp+1:] {
			if d < '0' || d > '9' {
				return len(b)
			}
			size = size*10 + int(d-'0')
		}
		n += size + 2
	}
	return min(n, len(b))
}

var crlf = []byte("\r\n")

func isPub(b []byte) bool {
	return bytes.HasPrefix(b, []byte("PUB ")) || bytes.HasPrefix(b, []byte("HPUB "))
}
