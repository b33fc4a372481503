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

// outbound is the queue of protocol bytes waiting to be written: full
// blocks in order, then the block being appended to. Appending never
// copies what is queued (a single growing buffer would copy megabytes per
// doubling while the publisher outruns the socket), and written blocks are
// reused.
type outbound struct {
	full    [][]byte
	fullLen int
	cur     []byte
	free    [][]byte
	keep    int // most written blocks kept for reuse
}

// len is the number of bytes queued.
func (o *outbound) len() int { return o.fullLen + len(o.cur) }

// room returns the current block, first moving to a new one when n more
// bytes would not fit without growing it.
func (o *outbound) room(n int) []byte {
	if len(o.cur)+n <= cap(o.cur) {
		return o.cur
	}
	if len(o.cur) > 0 {
		o.full = append(o.full, o.cur)
		o.fullLen += len(o.cur)
	}
	if n <= outBlock && len(o.free) > 0 {
		o.cur = o.free[len(o.free)-1][:0]
		o.free = o.free[:len(o.free)-1]
	} else {
		o.cur = make([]byte, 0, max(n, outBlock))
	}
	return o.cur
}

// prepend puts b before everything queued.
func (o *outbound) prepend(b []byte) {
	if len(b) == 0 {
		return
	}
	if len(o.full) == 0 && len(o.cur) == 0 {
		o.cur = append(o.cur, b...)
		return
	}
	blocks := make([][]byte, 0, len(o.full)+2)
	blocks = append(blocks, b)
	blocks = append(blocks, o.full...)
	if len(o.cur) > 0 {
		blocks = append(blocks, o.cur)
		o.fullLen += len(o.cur)
		o.cur = nil
	}
	o.full = blocks
	o.fullLen += len(b)
}

// take removes and returns everything queued, in order.
func (o *outbound) take() [][]byte {
	blocks := o.full
	if len(o.cur) > 0 {
		blocks = append(blocks, o.cur)
	}
	o.full, o.fullLen, o.cur = nil, 0, nil
	return blocks
}

// recycle keeps a few written blocks for reuse.
func (o *outbound) recycle(blocks [][]byte) {
	for _, b := range blocks {
		if cap(b) == outBlock && len(o.free) < o.keep {
			o.free = append(o.free, b[:0])
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

// reset drops everything queued.
func (o *outbound) reset() {
	o.full, o.fullLen, o.cur, o.free = nil, 0, nil, nil
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
