//go:build !js

package wsnats

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
)

// These tests hold our nkey code (nkey.go) against the nkeys module, which
// is a test-only dependency. They run natively: the code is the same in
// the browser, where thousands of ed25519 keys would only slow the suite
// down (the browser auth tests sign with seeds there).

// nkeyBase32 is what nkeys uses: standard base32 without padding.
var nkeyBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// nkeyTypes are the ed25519 key types, each with its nkeys constructor.
var nkeyTypes = []struct {
	name   string
	prefix byte
	create func() (nkeys.KeyPair, error)
}{
	{"user", nkeyPrefixUser, nkeys.CreateUser},
	{"account", nkeyPrefixAccount, nkeys.CreateAccount},
	{"operator", nkeyPrefixOperator, nkeys.CreateOperator},
	{"server", nkeyPrefixServer, nkeys.CreateServer},
	{"cluster", nkeyPrefixCluster, nkeys.CreateCluster},
}

func TestNkeyPrefixesMatchNkeys(t *testing.T) {
	for _, c := range []struct{ ours, theirs byte }{
		{nkeyPrefixSeed, byte(nkeys.PrefixByteSeed)},
		{nkeyPrefixAccount, byte(nkeys.PrefixByteAccount)},
		{nkeyPrefixCluster, byte(nkeys.PrefixByteCluster)},
		{nkeyPrefixServer, byte(nkeys.PrefixByteServer)},
		{nkeyPrefixOperator, byte(nkeys.PrefixByteOperator)},
		{nkeyPrefixUser, byte(nkeys.PrefixByteUser)},
		{nkeyPrefixCurve, byte(nkeys.PrefixByteCurve)},
	} {
		require.Equal(t, c.theirs, c.ours)
	}
}

func TestCRC16XModem(t *testing.T) {
	// The check value of CRC-16/XMODEM.
	require.Equal(t, uint16(0x31c3), crc16([]byte("123456789")))
	require.Equal(t, uint16(0), crc16(nil))
}

// TestNkeySeedsAgainstNkeys decodes many seeds made by nkeys and checks the
// public key and the signatures both ways.
func TestNkeySeedsAgainstNkeys(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	for _, typ := range nkeyTypes {
		for i := range n {
			kp, err := typ.create()
			require.NoError(t, err)
			seed, err := kp.Seed()
			require.NoError(t, err)
			want, err := kp.PublicKey()
			require.NoError(t, err)

			k, err := decodeNkeySeed(seed)
			require.NoError(t, err, typ.name)
			require.Equal(t, typ.prefix, k.prefix, typ.name)
			require.Equal(t, want, k.pub, typ.name)
			require.True(t, isPublicNkey(k.pub, typ.prefix), typ.name)
			for _, other := range nkeyTypes {
				if other.prefix != typ.prefix {
					require.False(t, isPublicNkey(k.pub, other.prefix), "%s as %s", typ.name, other.name)
				}
			}

			msg := []byte("nonce-" + typ.name + "-" + string(rune('a'+i%26)))
			ours, err := k.sign(msg)
			require.NoError(t, err)
			require.NoError(t, kp.Verify(msg, ours), typ.name)
			theirs, err := kp.Sign(msg)
			require.NoError(t, err)
			// ed25519 is deterministic: both sign alike, and each verifies.
			require.Equal(t, theirs, ours)
			pubRaw, err := nkeys.Decode(nkeys.PrefixByte(typ.prefix), []byte(want))
			require.NoError(t, err)
			// The public key as CONNECT gets it (derived at decode here).
			require.Equal(t, want, must(k.publicKey()), typ.name)
			require.Equal(t, pubRaw, must(k.priv.publicKey()), typ.name)
			require.True(t, ed25519.Verify(ed25519.PublicKey(pubRaw), msg, theirs))
			pk, err := nkeys.FromPublicKey(k.pub)
			require.NoError(t, err)
			require.NoError(t, pk.Verify(msg, ours))
			require.Error(t, pk.Verify(append(msg, '!'), ours))
		}
	}
}

// TestNkeyOptionsAgainstNkeys uses the Options of a user seed.
func TestNkeyOptionsAgainstNkeys(t *testing.T) {
	kp, err := nkeys.CreateUser()
	require.NoError(t, err)
	seed, err := kp.Seed()
	require.NoError(t, err)
	pub, err := kp.PublicKey()
	require.NoError(t, err)
	const jwt = "aaa.bbb.ccc"
	creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
		"-----BEGIN USER NKEY SEED-----\n" + string(seed) + "\n------END USER NKEY SEED------\n"
	for name, opt := range map[string]Option{
		"NkeyFromSeed":    NkeyFromSeed(append([]byte(" "), seed...)),
		"UserJWTAndSeed":  UserJWTAndSeed(jwt, string(seed)+"\n"),
		"UserCredentials": UserCredentials([]byte(creds)),
		"Nkey":            Nkey(pub, kp.Sign),
	} {
		var o Options
		require.NoError(t, opt(&o), name)
		if name == "NkeyFromSeed" || name == "Nkey" {
			require.Equal(t, pub, o.Nkey, name)
		} else {
			j, err := o.UserJWT()
			require.NoError(t, err)
			require.Equal(t, jwt, j)
		}
		sig, err := o.SignatureCB([]byte("the nonce"))
		require.NoError(t, err, name)
		require.NoError(t, kp.Verify([]byte("the nonce"), sig), name)
	}
}

// TestNkeyVectors checks the fixed test vectors the browser tests use
// against nkeys.
func TestNkeyVectors(t *testing.T) {
	for _, v := range nkeyVectors {
		kp, err := nkeys.FromSeed([]byte(v.seed))
		require.NoError(t, err)
		require.Equal(t, v.pub, must(kp.PublicKey()))
		_, raw, err := nkeys.DecodeSeed([]byte(v.seed))
		require.NoError(t, err)
		require.Equal(t, v.rawSeed, hex.EncodeToString(raw))
		require.Equal(t, v.sig, hex.EncodeToString(must(kp.Sign([]byte(nkeyVectorMessage)))))

		k, err := decodeNkeySeed([]byte(v.seed))
		require.NoError(t, err)
		require.Equal(t, v.pub, k.pub)
		require.Equal(t, v.sig, hex.EncodeToString(must(k.sign([]byte(nkeyVectorMessage)))))
	}
}

// reencode returns the text of raw (without its checksum) with a fresh,
// valid checksum.
func reencode(raw []byte) []byte {
	b := binary.LittleEndian.AppendUint16(append([]byte(nil), raw...), crc16(raw))
	return []byte(nkeyBase32.EncodeToString(b))
}

// TestNkeyBadSeeds corrupts seeds in every way and checks that each option
// fails with ErrBadCredentials, without quoting the seed.
func TestNkeyBadSeeds(t *testing.T) {
	kp, err := nkeys.CreateUser()
	require.NoError(t, err)
	seed, err := kp.Seed()
	require.NoError(t, err)
	raw := make([]byte, nkeySeedLen)
	_, err = nkeyBase32.Decode(raw, seed)
	require.NoError(t, err)
	body := raw[:nkeySeedLen-2] // prefixes and seed, without the checksum

	akp, err := nkeys.CreateAccount()
	require.NoError(t, err)
	accSeed, err := akp.Seed()
	require.NoError(t, err)
	ckp, err := nkeys.CreateCurveKeys()
	require.NoError(t, err)
	curveSeed, err := ckp.Seed()
	require.NoError(t, err)

	with := func(edit func(b []byte)) []byte {
		b := append([]byte(nil), body...)
		edit(b)
		return reencode(b)
	}
	replace := func(i int, c byte) []byte {
		b := append([]byte(nil), seed...)
		b[i] = c
		return b
	}
	badCRC := append([]byte(nil), raw...)
	badCRC[len(badCRC)-1] ^= 0x40
	flip := append([]byte(nil), raw...)
	flip[10] ^= 1
	bad := map[string][]byte{
		"bad checksum":        []byte(nkeyBase32.EncodeToString(badCRC)),
		"flipped seed bit":    []byte(nkeyBase32.EncodeToString(flip)),
		"public key":          []byte(must(kp.PublicKey())),
		"not a seed prefix":   with(func(b []byte) { b[0] = nkeyPrefixUser }),
		"unknown key type":    with(func(b []byte) { b[1] = 25 << 3 }), // "SZ"
		"account seed":        accSeed,
		"curve seed":          curveSeed,
		"lower case":          []byte(strings.ToLower(string(seed))),
		"base32 digit 1":      replace(20, '1'),
		"base32 digit 8":      replace(30, '8'),
		"padding":             append(append([]byte(nil), seed...), "======"...),
		"inner padding":       replace(40, '='),
		"one char short":      seed[:len(seed)-1],
		"two chars short":     seed[:len(seed)-2],
		"one char long":       append(append([]byte(nil), seed...), 'A'),
		"8 chars long":        append(append([]byte(nil), seed...), "AAAAAAAA"...),
		"one byte short":      reencode(body[:len(body)-1]),
		"one byte long":       reencode(append(append([]byte(nil), body...), 7)),
		"public-sized":        reencode(body[:33]),
		"just a checksum":     reencode(nil),
		"garbage":             []byte("not a seed at all, really"),
		"seed inside garbage": append(append([]byte("x"), seed...), 'x'),
	}
	for name, s := range bad {
		_, err := decodeNkeySeed(s)
		if name != "account seed" {
			require.Error(t, err, name)
			// nkeys agrees (it takes curve seeds, which cannot sign here).
			if name != "curve seed" {
				_, nkErr := nkeys.FromSeed(s)
				require.Error(t, nkErr, name)
			}
		}
		const jwt = "aaa.bbb.ccc"
		creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
			"-----BEGIN USER NKEY SEED-----\n" + string(s) + "\n------END USER NKEY SEED------\n"
		for optName, opt := range map[string]Option{
			"NkeyFromSeed":    NkeyFromSeed(s),
			"UserJWTAndSeed":  UserJWTAndSeed(jwt, string(s)),
			"UserCredentials": UserCredentials([]byte(creds)),
		} {
			var o Options
			err := opt(&o)
			require.ErrorIs(t, err, ErrBadCredentials, "%s: %s", name, optName)
			msg := err.Error()
			for _, secret := range [][]byte{seed, s, accSeed, curveSeed} {
				// No 12 characters of any seed show in the message.
				for i := 0; i+12 <= len(secret); i++ {
					require.NotContains(t, msg, string(secret[i:i+12]), "%s: %s: %s", name, optName, msg)
				}
			}
			require.Nil(t, o.SignatureCB)
			require.Empty(t, o.Nkey)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestNkeyMutationsAgainstNkeys changes seeds and public keys at random and
// checks that we accept exactly what nkeys accepts.
func TestNkeyMutationsAgainstNkeys(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=1a "
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		typ := nkeyTypes[i%len(nkeyTypes)]
		kp, err := typ.create()
		require.NoError(t, err)
		seed := append([]byte(nil), must(kp.Seed())...)
		pub := []byte(must(kp.PublicKey()))
		for range 1 + rng.IntN(3) {
			seed[rng.IntN(len(seed))] = alphabet[rng.IntN(len(alphabet))]
			pub[rng.IntN(len(pub))] = alphabet[rng.IntN(len(alphabet))]
		}
		k, err := decodeNkeySeed(seed)
		nk, nkErr := nkeys.FromSeed(seed)
		if nkErr == nil && nkeys.Prefix(must(nk.PublicKey())) == nkeys.PrefixByteCurve {
			require.Error(t, err)
			continue
		}
		require.Equal(t, nkErr == nil, err == nil, "seed %d: nkeys %v, ours %v", i, nkErr, err)
		if err == nil {
			require.Equal(t, must(nk.PublicKey()), k.pub)
		}
		for _, other := range nkeyTypes {
			require.Equal(t, nkeyValidPublic(string(pub), other.prefix), isPublicNkey(string(pub), other.prefix),
				"public key %d as %s", i, other.name)
		}
	}
}

// nkeyValidPublic is nkeys' check of a public key of the type prefix.
func nkeyValidPublic(s string, prefix byte) bool {
	switch prefix {
	case nkeyPrefixUser:
		return nkeys.IsValidPublicUserKey(s)
	case nkeyPrefixAccount:
		return nkeys.IsValidPublicAccountKey(s)
	case nkeyPrefixOperator:
		return nkeys.IsValidPublicOperatorKey(s)
	case nkeyPrefixServer:
		return nkeys.IsValidPublicServerKey(s)
	case nkeyPrefixCluster:
		return nkeys.IsValidPublicClusterKey(s)
	}
	panic("no such type")
}

// TestNkeySmallOrder derives the small-order points of edwards25519 and
// checks that smallOrderY lists exactly them, and that we and nkeys reject
// them as public keys, with either sign bit.
func TestNkeySmallOrder(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	le := func(v *big.Int) [32]byte {
		var out [32]byte
		b := v.FillBytes(make([]byte, 32))
		for i := range out {
			out[i] = b[31-i]
		}
		return out
	}
	// -x² + y² = 1 + d·x²·y², d = -121665/121666. Points of order 8 double
	// to (±sqrt(-1), 0): y² = -x², and then d·x⁴ - 2x² - 1 = 0, so
	// x² = (1 ± sqrt(1+d))/d, of which one is a square.
	d := new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), p))
	d.Mod(d, p)
	s := new(big.Int).ModSqrt(new(big.Int).Add(d, big.NewInt(1)), p)
	require.NotNil(t, s)
	var want [][32]byte
	for _, sign := range []int64{1, -1} {
		x2 := new(big.Int).Add(big.NewInt(1), new(big.Int).Mul(big.NewInt(sign), s))
		x2.Mul(x2, new(big.Int).ModInverse(d, p)).Mod(x2, p)
		if new(big.Int).ModSqrt(x2, p) == nil {
			continue
		}
		y := new(big.Int).ModSqrt(new(big.Int).Mod(new(big.Int).Neg(x2), p), p)
		require.NotNil(t, y)
		want = append(want, le(y), le(new(big.Int).Sub(p, y)))
	}
	require.Len(t, want, 2)
	for _, y := range []int64{0, 1, -1} { // orders 4, 1 and 2
		want = append(want, le(new(big.Int).Mod(big.NewInt(y), p)))
	}
	for _, y := range []int64{0, 1} { // the non-canonical p and p+1
		want = append(want, le(new(big.Int).Add(p, big.NewInt(y))))
	}
	require.ElementsMatch(t, want, smallOrderY[:])

	for _, y := range smallOrderY {
		for _, signBit := range []byte{0, 0x80} {
			key := y
			key[31] |= signBit
			text := nkeyEncode([]byte{nkeyPrefixUser}, key[:])
			require.False(t, isPublicNkey(text, nkeyPrefixUser))
			require.False(t, nkeys.IsValidPublicUserKey(text))
			require.ErrorIs(t, Nkey(text, func([]byte) ([]byte, error) { return nil, nil })(&Options{}), ErrBadCredentials)
		}
	}
}

// TestBase32AgainstEncodingBase32 holds our base32 against the standard
// library's, for the lengths of nkeys and for random text.
func TestBase32AgainstEncodingBase32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		n := []int{nkeyPublicLen, nkeySeedLen, 0, 1, 2, 3, 4, 5}[i%8]
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		text := nkeyBase32.EncodeToString(b)
		require.Equal(t, text, base32Encode(b))
		got, err := base32Decode([]byte(text), n)
		require.NoError(t, err)
		require.Equal(t, b, got)
		// Mangle the text: we accept what encoding/base32 decodes (it skips
		// line breaks, which we refuse), with the same bytes. Without
		// padding, it quietly drops a last group of 1, 3 or 6 characters,
		// which cannot encode whole bytes: we refuse such text.
		m := []byte(text)
		if len(m) > 0 {
			const chars = "AZ27=18a \x00"
			m[rng.IntN(len(m))] = chars[rng.IntN(len(chars))]
		}
		if rng.IntN(4) == 0 {
			m = m[:rng.IntN(len(m)+1)]
		}
		want := make([]byte, nkeyBase32.DecodedLen(len(m)))
		k, stdErr := nkeyBase32.Decode(want, m)
		got, err = base32Decode(m, len(want))
		wholeGroups := len(m)%8 != 1 && len(m)%8 != 3 && len(m)%8 != 6
		require.Equal(t, stdErr == nil && wholeGroups, err == nil, "%q: %v / %v", m, stdErr, err)
		if err == nil {
			require.Equal(t, want[:k], got)
		}
	}
}

func FuzzDecodeNkeySeed(f *testing.F) {
	kp, _ := nkeys.CreateUser()
	seed, _ := kp.Seed()
	f.Add(seed)
	f.Add([]byte("SUAAAA"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if bytes.ContainsAny(s, "\r\n") {
			return // base32 skips line breaks; we take a seed on one line only
		}
		k, err := decodeNkeySeed(s)
		nk, nkErr := nkeys.FromSeed(s)
		if nkErr == nil && nkeys.Prefix(must(nk.PublicKey())) == nkeys.PrefixByteCurve {
			require.Error(t, err)
			return
		}
		require.Equal(t, nkErr == nil, err == nil)
		if err == nil {
			require.Equal(t, must(nk.PublicKey()), k.pub)
		}
	})
}
