package wsnats

import (
	"math/rand/v2"
	"sync"
)

// Unique ids for inboxes: 22 characters from a 62-letter alphabet, a random
// prefix renewed now and then plus a counter that steps by a random amount
// (the nuid scheme). math/rand/v2's generator is seeded from the runtime's
// random source; crypto/rand and math/big would add hundreds of kilobytes
// to the wasm module.
const (
	idDigits  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	idBase    = 62
	idPreLen  = 12
	idSeqLen  = 10
	idMaxSeq  = int64(839299365868340224) // 62^10
	idMinStep = int64(33)
	idMaxStep = int64(333)
)

type idGen struct {
	mu   sync.Mutex
	pre  [idPreLen]byte
	seq  int64
	step int64
}

var ids = newIDGen()

func newIDGen() *idGen {
	g := &idGen{}
	g.reset()
	return g
}

func (g *idGen) reset() {
	for i := range g.pre {
		g.pre[i] = idDigits[rand.IntN(idBase)]
	}
	g.seq = rand.Int64N(idMaxSeq)
	g.step = idMinStep + rand.Int64N(idMaxStep-idMinStep)
}

// next returns a new unique id.
func (g *idGen) next() string {
	g.mu.Lock()
	g.seq += g.step
	if g.seq >= idMaxSeq {
		g.reset()
	}
	var b [idPreLen + idSeqLen]byte
	copy(b[:], g.pre[:])
	seq := g.seq
	g.mu.Unlock()
	for i := len(b) - 1; i >= idPreLen; i-- {
		b[i] = idDigits[seq%idBase]
		seq /= idBase
	}
	return string(b[:])
}
