package wsnats

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// ed25519PublicKey computes the public key of an ed25519 seed (RFC 8032,
// 5.1.5) in plain Go: SHA-512 of the seed, clamped into the secret scalar
// a, and the encoding of a·B. The js/wasm build needs it because WebCrypto
// can only give the public key through a promise, and seeds are decoded
// when options are applied, which may happen inside a JS callback
// (jsbridge's connect), where a goroutine cannot wait for a promise. It is
// ~4 KB (gzip) of code where crypto/ed25519 is ~80 KB in the module;
// native builds use crypto/ed25519 and test this against it.
//
// Everything that touches the secret runs in constant time: no branch or
// memory index depends on it.
//
// This file holds only what that needs: SHA-512, arithmetic modulo
// p = 2^255 - 19 and points of edwards25519 (-x² + y² = 1 + d·x²·y²).
// Signing stays with the platform (crypto/ed25519 or WebCrypto).

// ed25519PublicKey returns the 32-byte public key of a 32-byte seed.
func ed25519PublicKey(seed []byte) []byte {
	h := sha512Sum(seed)
	defer clear(h[:])
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	var p edPoint
	p.scalarBaseMult(h[:32])
	return p.encode()
}

// --- SHA-512 (FIPS 180-4) ---

// sha512K are the round constants: the first 64 bits of the fractional
// parts of the cube roots of the first 80 primes.
var sha512K = [80]uint64{
	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
	0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
	0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
	0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
	0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
	0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
	0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
	0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
	0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
	0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
	0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
	0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
	0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
	0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
}

// sha512Init is the initial hash value: the first 64 bits of the
// fractional parts of the square roots of the first 8 primes.
var sha512Init = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

// sha512Sum returns the SHA-512 digest of msg.
func sha512Sum(msg []byte) [64]byte {
	h := sha512Init
	// The message, a 1 bit, zeros and the 128-bit length in bits fill
	// whole 128-byte blocks.
	n := (len(msg) + 1 + 16 + 127) / 128 * 128
	buf := make([]byte, n)
	defer clear(buf)
	copy(buf, msg)
	buf[len(msg)] = 0x80
	binary.BigEndian.PutUint64(buf[n-16:], uint64(len(msg))>>61)
	binary.BigEndian.PutUint64(buf[n-8:], uint64(len(msg))<<3)
	var w [80]uint64
	defer clear(w[:])
	for block := buf; len(block) > 0; block = block[128:] {
		sha512Block(&h, &w, block[:128])
	}
	var out [64]byte
	for i, v := range h {
		binary.BigEndian.PutUint64(out[i*8:], v)
	}
	return out
}

// sha512Block mixes one 128-byte block into h; w is the message schedule.
func sha512Block(h *[8]uint64, w *[80]uint64, block []byte) {
	for i := range 16 {
		w[i] = binary.BigEndian.Uint64(block[i*8:])
	}
	for i := 16; i < 80; i++ {
		s0 := bits.RotateLeft64(w[i-15], -1) ^ bits.RotateLeft64(w[i-15], -8) ^ w[i-15]>>7
		s1 := bits.RotateLeft64(w[i-2], -19) ^ bits.RotateLeft64(w[i-2], -61) ^ w[i-2]>>6
		w[i] = w[i-16] + s0 + w[i-7] + s1
	}
	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for i := range 80 {
		s1 := bits.RotateLeft64(e, -14) ^ bits.RotateLeft64(e, -18) ^ bits.RotateLeft64(e, -41)
		ch := e&f ^ ^e&g
		t1 := hh + s1 + ch + sha512K[i] + w[i]
		s0 := bits.RotateLeft64(a, -28) ^ bits.RotateLeft64(a, -34) ^ bits.RotateLeft64(a, -39)
		maj := a&b ^ a&c ^ b&c
		t2 := s0 + maj
		hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	h[5] += f
	h[6] += g
	h[7] += hh
}

// --- Arithmetic modulo p = 2^255 - 19 ---

// fe is an element of GF(p) as five 51-bit limbs, least significant
// first: l[0] + l[1]·2^51 + ... + l[4]·2^204. Limbs may exceed 51 bits a
// little between operations ("loosely reduced": below 2^52); only
// feToBytes gives the canonical value.
type fe [5]uint64

const feMask = 1<<51 - 1

// feFromUint returns the element v, for v < 2^51.
func feFromUint(v uint64) fe { return fe{v} }

// feCarry propagates the carries of limbs below 2^63 so that each is below
// 2^51, apart from l[0], which may keep a carry of a few bits: the carry
// out of l[4] is worth 19 (2^255 = 19 mod p).
func feCarry(a fe) fe {
	c := a[0] >> 51
	a[0] &= feMask
	a[1] += c
	c = a[1] >> 51
	a[1] &= feMask
	a[2] += c
	c = a[2] >> 51
	a[2] &= feMask
	a[3] += c
	c = a[3] >> 51
	a[3] &= feMask
	a[4] += c
	c = a[4] >> 51
	a[4] &= feMask
	a[0] += 19 * c
	return a
}

// feAdd returns a + b.
func feAdd(a, b fe) fe {
	return feCarry(fe{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]})
}

// feSub returns a - b, as a + 2p - b so that no limb goes negative.
func feSub(a, b fe) fe {
	const twoP0, twoPi = 1<<52 - 38, 1<<52 - 2 // limbs of 2p
	return feCarry(fe{a[0] + twoP0 - b[0], a[1] + twoPi - b[1], a[2] + twoPi - b[2], a[3] + twoPi - b[3], a[4] + twoPi - b[4]})
}

// u128 is an unsigned 128-bit accumulator.
type u128 struct{ lo, hi uint64 }

// mulAdd returns acc + x·y.
func (acc u128) mulAdd(x, y uint64) u128 {
	hi, lo := bits.Mul64(x, y)
	lo, c := bits.Add64(acc.lo, lo, 0)
	return u128{lo, acc.hi + hi + c}
}

// shr51 returns acc >> 51, which must fit 64 bits.
func (acc u128) shr51() uint64 { return acc.lo>>51 | acc.hi<<13 }

// feMul returns a·b. The limbs of a and b are below 2^53, so no sum of
// products reaches 2^115 and each carry fits 64 bits. (Loops rather than
// the products written out: the wasm module is 3 KB smaller.)
func feMul(a, b fe) fe {
	var r [5]u128
	for i := range 5 {
		for j := range 5 {
			if k := i + j; k < 5 {
				r[k] = r[k].mulAdd(a[i], b[j])
			} else {
				// 2^255 = 19: products at 2^255 and above come back
				// multiplied by 19.
				r[k-5] = r[k-5].mulAdd(a[i], 19*b[j])
			}
		}
	}
	var out fe
	var c uint64
	for i := range 5 {
		t := r[i].mulAdd(c, 1)
		out[i] = t.lo & feMask
		c = t.shr51()
	}
	// The carry out of the top limb is below 2^64; times 19 it needs 128
	// bits before it joins l[0].
	t := u128{lo: out[0]}.mulAdd(c, 19)
	out[0] = t.lo & feMask
	out[1] += t.shr51()
	return out
}

// fePow returns a^e for a public exponent e (32 bytes, little endian), by
// square and multiply from the top bit.
func fePow(a fe, e *[32]byte) fe {
	r := feFromUint(1)
	for i := 255; i >= 0; i-- {
		r = feMul(r, r)
		if e[i/8]>>(i%8)&1 == 1 {
			r = feMul(r, a)
		}
	}
	return r
}

// Exponents, little endian.
var (
	feExpInvert = feExp(0xeb, 0x7f) // p - 2 = 2^255 - 21
	feExpSqrt   = feExp(0xfe, 0x0f) // (p + 3) / 8 = 2^252 - 2
	feExpSqrtM1 = feExp(0xfb, 0x1f) // (p - 1) / 4 = 2^253 - 5
)

// feExp returns the exponent with lowest byte lo, highest byte hi and 0xff
// between.
func feExp(lo, hi byte) *[32]byte {
	var e [32]byte
	for i := range e {
		e[i] = 0xff
	}
	e[0], e[31] = lo, hi
	return &e
}

// feInvert returns 1/a (0 for 0), as a^(p-2).
func feInvert(a fe) fe { return fePow(a, feExpInvert) }

// feToBytes returns the canonical encoding of a: its value in [0, p), 32
// bytes little endian (bit 255 clear).
func feToBytes(a fe) [32]byte {
	a = feCarry(feCarry(a))
	// Now every limb is below 2^51 but l[0], which may exceed it by 19 at
	// most: a < 2p. q = 1 when a >= p, that is when a + 19 reaches 2^255;
	// then a - p = a + 19 - 2^255. q is the exact carry out of a + 19.
	q := (a[0] + 19) >> 51
	q = (a[1] + q) >> 51
	q = (a[2] + q) >> 51
	q = (a[3] + q) >> 51
	q = (a[4] + q) >> 51
	a[0] += 19 * q
	for i := range 4 {
		a[i+1] += a[i] >> 51
		a[i] &= feMask
	}
	a[4] &= feMask // drops the 2^255 of a + 19 - 2^255
	// 255 bits into four little-endian words: 51 + 13 | 38 + 26 | 25 + 39 | 12 + 51.
	var out [32]byte
	binary.LittleEndian.PutUint64(out[0:], a[0]|a[1]<<51)
	binary.LittleEndian.PutUint64(out[8:], a[1]>>13|a[2]<<38)
	binary.LittleEndian.PutUint64(out[16:], a[2]>>26|a[3]<<25)
	binary.LittleEndian.PutUint64(out[24:], a[3]>>39|a[4]<<12)
	return out
}

// feEqual reports whether a and b are the same element.
func feEqual(a, b fe) bool { return feToBytes(a) == feToBytes(b) }

// feSelect returns a when bit is 1 and b when it is 0, in constant time.
func feSelect(a, b fe, bit uint64) fe {
	m := -bit // all ones or all zeros
	var out fe
	for i := range out {
		out[i] = a[i]&m | b[i]&^m
	}
	return out
}

// feSqrt returns a square root of a and whether there is one (p = 5 mod
// 8: a^((p+3)/8), times sqrt(-1) when it squares to -a). For public
// values only.
func feSqrt(a fe) (fe, bool) {
	x := fePow(a, feExpSqrt)
	switch {
	case feEqual(feMul(x, x), a):
		return x, true
	case feEqual(feMul(x, x), feSub(fe{}, a)):
		return feMul(x, fePow(feFromUint(2), feExpSqrtM1)), true
	}
	return fe{}, false
}

// --- Points of edwards25519 ---

// edPoint is a point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z.
type edPoint struct{ x, y, z, t fe }

// edConstants are the constants of the curve: d2 = 2·d and the base point.
type edConstants struct {
	d2 fe
	b  edPoint
}

// edCurve derives the constants of the curve from their definitions, once:
// d = -121665/121666, and the base point B, whose y is 4/5 and whose x is
// the even root (RFC 8032, 5.1).
var edCurve = sync.OnceValue(func() *edConstants {
	d := feMul(feSub(fe{}, feFromUint(121665)), feInvert(feFromUint(121666)))
	one := feFromUint(1)
	y := feMul(feFromUint(4), feInvert(feFromUint(5)))
	// x² = (y² - 1) / (d·y² + 1)
	y2 := feMul(y, y)
	x, ok := feSqrt(feMul(feSub(y2, one), feInvert(feAdd(feMul(d, y2), one))))
	if !ok {
		panic("wsnats: the edwards25519 base point has no x") // cannot happen
	}
	if feToBytes(x)[0]&1 == 1 {
		x = feSub(fe{}, x)
	}
	return &edConstants{d2: feAdd(d, d), b: edPoint{x: x, y: y, z: one, t: feMul(x, y)}}
})

// add sets p to a + b (add-2008-hwcd-3 for a = -1); d2 is 2·d. The
// formulas are complete: they hold for doubling and for the identity too.
// p may be a or b.
func (p *edPoint) add(a, b *edPoint, d2 fe) {
	aa := feMul(feSub(a.y, a.x), feSub(b.y, b.x))
	bb := feMul(feAdd(a.y, a.x), feAdd(b.y, b.x))
	cc := feMul(feMul(a.t, d2), b.t)
	dd := feMul(feAdd(a.z, a.z), b.z)
	e, f, g, h := feSub(bb, aa), feSub(dd, cc), feAdd(dd, cc), feAdd(bb, aa)
	p.x, p.y, p.t, p.z = feMul(e, f), feMul(g, h), feMul(e, h), feMul(f, g)
}

// scalarBaseMult sets p to s·B for a scalar s (32 bytes, little endian),
// in constant time: a double and an add for each bit, and a select.
func (p *edPoint) scalarBaseMult(s []byte) {
	c := edCurve()
	one := feFromUint(1)
	q := edPoint{y: one, z: one} // the identity
	var r edPoint
	for i := 255; i >= 0; i-- {
		q.add(&q, &q, c.d2)
		r.add(&q, &c.b, c.d2)
		bit := uint64(s[i/8] >> (i % 8) & 1)
		q.x, q.y = feSelect(r.x, q.x, bit), feSelect(r.y, q.y, bit)
		q.z, q.t = feSelect(r.z, q.z, bit), feSelect(r.t, q.t, bit)
	}
	*p = q
}

// encode returns the 32-byte encoding of p: y, with the low bit of x as
// bit 255.
func (p *edPoint) encode() []byte {
	zInv := feInvert(p.z)
	x, y := feToBytes(feMul(p.x, zInv)), feToBytes(feMul(p.y, zInv))
	y[31] |= x[0] & 1 << 7
	return y[:]
}
