package wsnats

import "time"

// outBlock is the size of the blocks the outbound queue is made of. A
// burst is written block by block, and one block fits one WebSocket message.
const outBlock = maxWSWrite

// Written blocks are kept for reuse: a publisher that outruns the socket
// then appends to memory it has touched before instead of to fresh blocks
// (each new page costs a fault and clearing, and the garbage collector has
// to chase the old ones). While writes keep coming, up to the outbound
// limit's worth is kept (at most maxFreeBlocks); once the writer has been
// idle for freeTrimDelay, only idleFreeBlocks stay.
const (
	maxFreeBlocks  = 1024 // 64 MiB
	idleFreeBlocks = 4
	freeTrimDelay  = 2 * time.Second
)

// freeBlocksFor is how many written blocks to keep while busy, for an
// outbound limit of limit bytes (0 or less: no limit).
func freeBlocksFor(limit int) int {
	if limit <= 0 {
		return maxFreeBlocks
	}
	return min(max(limit/outBlock+1, idleFreeBlocks), maxFreeBlocks)
}

// block is a run of whole protocol commands, and how many of them are
// publishes (PUB or HPUB). Every block starts and ends on a command
// boundary, so a block, or its tail from any command on, can be written
// to a new connection by itself (see sentLog).
type block struct {
	b    []byte
	msgs int
}

// outbound is the queue of protocol bytes waiting to be written: full
// blocks in order, then the block being appended to. Appending never
// copies what is queued (a single growing buffer would copy megabytes per
// doubling while the publisher outruns the socket), and written blocks are
// reused.
//
// Callers append one whole command at a time to cur (after room for a
// publish, so that a command never straddles two blocks) and count the
// publishes they append in curMsgs.
type outbound struct {
	full     []block
	fullLen  int
	fullMsgs int
	cur      []byte
	curMsgs  int
	free     [][]byte
	keep     int // most written blocks kept for reuse
}

// len is the number of bytes queued.
func (o *outbound) len() int { return o.fullLen + len(o.cur) }

// msgs is the number of publishes queued.
func (o *outbound) msgs() int { return o.fullMsgs + o.curMsgs }

// room returns the current block, first moving to a new one when n more
// bytes would not fit without growing it.
func (o *outbound) room(n int) []byte {
	if len(o.cur)+n <= cap(o.cur) {
		return o.cur
	}
	o.seal()
	if n <= outBlock && len(o.free) > 0 {
		o.cur = o.free[len(o.free)-1][:0]
		o.free = o.free[:len(o.free)-1]
	} else {
		o.cur = make([]byte, 0, max(n, outBlock))
	}
	return o.cur
}

// seal moves the current block, if it holds anything, to the full ones.
func (o *outbound) seal() {
	if len(o.cur) == 0 {
		return
	}
	o.full = append(o.full, block{o.cur, o.curMsgs})
	o.fullLen += len(o.cur)
	o.fullMsgs += o.curMsgs
	o.cur, o.curMsgs = nil, 0
}

// prepend puts blocks, in their order, before everything queued.
func (o *outbound) prepend(blocks ...block) {
	n := 0
	for _, b := range blocks {
		if len(b.b) > 0 {
			n++
		}
	}
	if n == 0 {
		return
	}
	o.seal()
	queued := make([]block, 0, n+len(o.full))
	for _, b := range blocks {
		if len(b.b) > 0 {
			queued = append(queued, b)
			o.fullLen += len(b.b)
			o.fullMsgs += b.msgs
		}
	}
	o.full = append(queued, o.full...)
}

// take removes and returns everything queued, in order.
func (o *outbound) take() []block {
	o.seal()
	blocks := o.full
	o.full, o.fullLen, o.fullMsgs = nil, 0, 0
	return blocks
}

// recycle keeps a few written blocks for reuse.
func (o *outbound) recycle(blocks []block) {
	for _, b := range blocks {
		if cap(b.b) == outBlock && len(o.free) < o.keep {
			o.free = append(o.free, b.b[:0])
		}
	}
}

// trim lets the garbage collector have written blocks beyond n.
func (o *outbound) trim(n int) {
	if len(o.free) > n {
		clear(o.free[n:])
		o.free = o.free[:n]
	}
}

// reset drops everything queued and reports how many publishes and bytes
// that was.
func (o *outbound) reset() (dropped Loss) {
	dropped = Loss{Msgs: o.msgs(), Bytes: o.len()}
	o.full, o.fullLen, o.fullMsgs, o.cur, o.curMsgs, o.free = nil, 0, 0, nil, 0, nil
	return dropped
}

// Buffered returns the number of bytes accepted but not yet written to the
// server (including publishes kept while disconnected).
func (c *Conn) Buffered() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.len()
}
