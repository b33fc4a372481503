package wsnats

import (
	"encoding/binary"
	"errors"
	"sync"
)

// NKeys are ed25519 keys written as text: base32 (standard alphabet, no
// padding) of a type prefix, the key and a CRC-16/XMODEM checksum of both,
// little endian.
//
//   - A public key is 1 prefix byte whose top five bits give the first
//     letter ('U' for a user), the 32-byte ed25519 public key and the
//     checksum: 35 bytes, 56 characters.
//   - A seed (the private key) is 2 prefix bytes that spell 'S' and then
//     the letter of its key type ("SU..." for a user), the 32-byte ed25519
//     seed and the checksum: 36 bytes, 58 characters.
//
// This file decodes seeds and encodes and checks public keys, with a
// base32 and CRC-16 of its own: the nkeys module would bring regexp,
// nacl/box and curve25519 into the wasm module, and encoding/base32
// another 10 KB, for what a client needs of them. The ed25519 work (the
// public key of a seed, signing) depends on the platform: crypto/ed25519
// natively (nkey_ed25519.go); in js/wasm, WebCrypto (nkey_ed25519_js.go),
// which keeps ~80 KB (gzip) of crypto out of the module. WebCrypto only
// answers through promises, so there the public key is derived when it is
// first needed, on the connect goroutine, not when the seed is decoded.

// Prefix bytes of the key types: letter index in the base32 alphabet << 3.
const (
	nkeyPrefixSeed     byte = 18 << 3 // 'S'
	nkeyPrefixAccount  byte = 0       // 'A'
	nkeyPrefixCluster  byte = 2 << 3  // 'C'
	nkeyPrefixServer   byte = 13 << 3 // 'N'
	nkeyPrefixOperator byte = 14 << 3 // 'O'
	nkeyPrefixUser     byte = 20 << 3 // 'U'
	nkeyPrefixCurve    byte = 23 << 3 // 'X' (x25519 keys, not ed25519)
)

// Sizes of ed25519 keys, as crypto/ed25519 has them (SeedSize and
// PublicKeySize), without importing it here.
const (
	ed25519SeedLen   = 32
	ed25519PublicLen = 32
)

const (
	nkeyPublicLen = 1 + ed25519PublicLen + 2 // prefix, key, crc
	nkeySeedLen   = 2 + ed25519SeedLen + 2   // prefixes, seed, crc
)

// nkeyAlphabet is the standard base32 alphabet (RFC 4648).
const nkeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// Reasons an nkey is rejected; they name the problem, never the key.
var (
	errNkeyEncoding = errors.New("not base32")
	errNkeyChecksum = errors.New("bad checksum")
	errNkeyLength   = errors.New("wrong length")
	errNkeyNotSeed  = errors.New("not a seed")
	errNkeyType     = errors.New("unknown key type")
	errNkeyCurve    = errors.New("an x25519 (curve) seed cannot sign")
)

// crc16 is CRC-16/XMODEM: polynomial 0x1021, initial value 0, no
// reflection, no final xor.
func crc16(data []byte) uint16 {
	var crc uint16
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// base32Encode encodes src in base32 without padding.
func base32Encode(src []byte) string {
	out := make([]byte, 0, (len(src)*8+4)/5)
	var acc uint32
	bits := 0
	for _, b := range src {
		acc, bits = acc<<8|uint32(b), bits+8
		for bits >= 5 {
			bits -= 5
			out = append(out, nkeyAlphabet[acc>>bits&31])
		}
	}
	if bits > 0 {
		out = append(out, nkeyAlphabet[acc<<(5-bits)&31])
	}
	return string(out)
}

// base32Decode decodes text, base32 without padding, into exactly want
// bytes. As encoding/base32 does, it ignores the unused low bits of the
// last character.
func base32Decode(text []byte, want int) ([]byte, error) {
	// Each character holds 5 bits; fewer than 5 may be left over.
	if len(text)*5/8 != want || len(text)*5-want*8 >= 5 {
		return nil, errNkeyLength
	}
	raw := make([]byte, 0, want)
	var acc uint32
	bits := 0
	for _, c := range text {
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		default:
			clear(raw[:cap(raw)])
			return nil, errNkeyEncoding
		}
		acc, bits = acc<<5|uint32(v), bits+5
		if bits >= 8 {
			bits -= 8
			raw = append(raw, byte(acc>>bits))
		}
	}
	return raw, nil
}

// nkeyDecode decodes text, checks that it is want bytes long and that its
// checksum holds, and returns the decoded bytes (checksum included). The
// caller owns the result and clears it when it holds a seed.
func nkeyDecode(text []byte, want int) ([]byte, error) {
	raw, err := base32Decode(text, want)
	if err != nil {
		return nil, err
	}
	n := len(raw)
	if crc16(raw[:n-2]) != binary.LittleEndian.Uint16(raw[n-2:]) {
		clear(raw)
		return nil, errNkeyChecksum
	}
	return raw, nil
}

// nkeyEncode returns the text of prefix followed by key, with its
// checksum.
func nkeyEncode(prefix []byte, key []byte) string {
	raw := make([]byte, 0, len(prefix)+len(key)+2)
	raw = append(raw, prefix...)
	raw = append(raw, key...)
	raw = binary.LittleEndian.AppendUint16(raw, crc16(raw))
	return base32Encode(raw)
}

// isPublicNkeyPrefix reports whether p is the prefix of a public key type.
func isPublicNkeyPrefix(p byte) bool {
	switch p {
	case nkeyPrefixAccount, nkeyPrefixCluster, nkeyPrefixServer, nkeyPrefixOperator, nkeyPrefixUser, nkeyPrefixCurve:
		return true
	}
	return false
}

// nkeySeed is a decoded ed25519 seed: the key type's prefix byte (for
// instance nkeyPrefixUser), the private key in its platform's form and,
// once derived, the public key's text. Natively decodeNkeySeed derives the
// public key; in the browser publicKey does, on its first call.
type nkeySeed struct {
	prefix byte
	priv   nkeyPrivateKey

	mu  sync.Mutex // guards pub
	pub string     // the public key's text; empty until derived
}

// sign signs data with the private key and returns the raw 64-byte
// ed25519 signature: it is a SignatureCB.
func (k *nkeySeed) sign(data []byte) ([]byte, error) {
	return k.priv.sign(data)
}

// publicKey returns the text of the public key, derived once per decoded
// seed. In the browser its first call waits for WebCrypto: make it from a
// goroutine (the connect path), never from a JS callback. A failure is not
// kept: the next call tries again.
func (k *nkeySeed) publicKey() (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pub == "" {
		raw, err := k.priv.publicKey()
		if err != nil {
			return "", err
		}
		k.pub = nkeyEncode([]byte{k.prefix}, raw)
	}
	return k.pub, nil
}

// knownPublicKey returns the text of the public key if it is derived
// already, without waiting for anything.
func (k *nkeySeed) knownPublicKey() (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pub, k.pub != ""
}

// decodeNkeySeed decodes the text of an ed25519 seed of any public key type
// (user, account, operator, server, cluster). Natively it derives the
// public key too (nkeyPublicKeyAtDecode); in the browser that waits for
// publicKey, and decoding never blocks, so it may run in a JS callback.
// Errors name the problem, never the seed.
func decodeNkeySeed(text []byte) (*nkeySeed, error) {
	return decodeSeed(text, true)
}

// decodeSeed is decodeNkeySeed; without withPublic the key can only sign
// (in the browser, publicKey then fails).
func decodeSeed(text []byte, withPublic bool) (*nkeySeed, error) {
	raw, err := nkeyDecode(text, nkeySeedLen)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	// The first five bits are 'S'; the next five are the type's letter
	// (the last three bits of the second byte are unused).
	if raw[0]&0xf8 != nkeyPrefixSeed {
		return nil, errNkeyNotSeed
	}
	prefix := raw[0]<<5 | raw[1]>>3
	switch {
	case !isPublicNkeyPrefix(prefix):
		return nil, errNkeyType
	case prefix == nkeyPrefixCurve:
		return nil, errNkeyCurve
	}
	priv, err := newNkeyPrivateKey(raw[2:2+ed25519SeedLen], withPublic)
	if err != nil {
		return nil, err
	}
	k := &nkeySeed{prefix: prefix, priv: priv}
	if nkeyPublicKeyAtDecode {
		if _, err := k.publicKey(); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// smallOrderY are the encodings (y coordinate, little endian, sign bit of x
// cleared) of the points of small order of edwards25519, including the
// non-canonical y = p and y = p+1: public keys no one can hold the private
// key of. nkeys rejects them as public keys; so do we.
var smallOrderY = [...][ed25519PublicLen]byte{
	{},  // y = 0: order 4
	{1}, // y = 1: the identity
	// y = ±sqrt(-x²) with x² = (1 - sqrt(1+d))/d: order 8.
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	pMinus(1),  // y = -1: order 2
	pMinus(0),  // y = p ≡ 0
	pMinus(-1), // y = p+1 ≡ 1
}

// pMinus returns p - k (p = 2^255 - 19) little endian, for small k.
func pMinus(k int) [ed25519PublicLen]byte {
	var b [ed25519PublicLen]byte
	for i := range b {
		b[i] = 0xff
	}
	b[0] = byte(0xed - k)
	b[31] = 0x7f
	return b
}

// isSmallOrder reports whether key is one of smallOrderY, either sign.
func isSmallOrder(key []byte) bool {
	for i := range smallOrderY {
		y := &smallOrderY[i]
		if key[31]&0x7f == y[31] && string(key[:31]) == string(y[:31]) {
			return true
		}
	}
	return false
}

// isPublicNkey reports whether text is a valid public key of the type
// prefix (for instance nkeyPrefixUser).
func isPublicNkey(text string, prefix byte) bool {
	raw, err := nkeyDecode([]byte(text), nkeyPublicLen)
	if err != nil || raw[0] != prefix {
		return false
	}
	return prefix == nkeyPrefixCurve || !isSmallOrder(raw[1:1+ed25519PublicLen])
}
