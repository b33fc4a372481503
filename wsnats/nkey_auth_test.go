package wsnats

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// These tests run natively and in the browser: they check how the seed
// options fill CONNECT, whether the public key is known when the option is
// applied (natively) or derived by addAuth (in the browser).

// connectAuth returns the credentials addAuth puts in CONNECT for o and
// a server nonce.
func connectAuth(o Options, nonce string) (*connectInfo, error) {
	c := &Conn{opts: o}
	ci := &connectInfo{}
	err := c.addAuth(ci, &serverURL{Scheme: "ws", Host: "127.0.0.1:4222"}, &ServerInfo{Nonce: nonce})
	return ci, err
}

// TestNkeyFromSeedConnect applies NkeyFromSeed to the test vectors: the
// public key is in Options.Nkey natively, and derived by addAuth in the
// browser; either way CONNECT holds it and the vector's signature.
func TestNkeyFromSeedConnect(t *testing.T) {
	for _, v := range nkeyVectors {
		var o Options
		require.NoError(t, NkeyFromSeed([]byte(v.seed))(&o))
		require.Nil(t, o.UserJWT)
		if nkeyPublicKeyAtDecode {
			require.Equal(t, v.pub, o.Nkey)
			require.Nil(t, o.nkeyFn)
		} else {
			require.Empty(t, o.Nkey)
			require.NotNil(t, o.nkeyFn)
		}
		// Twice: the second CONNECT (a reconnect) reuses the key.
		for range 2 {
			ci, err := connectAuth(o, nkeyVectorMessage)
			require.NoError(t, err)
			require.Equal(t, v.pub, ci.Nkey)
			require.Empty(t, ci.JWT)
			require.Equal(t, rawURLBase64(mustHex(t, v.sig)), ci.Sig)
		}
	}
}

// TestNkeyFnInAddAuth checks addAuth with a public key that is derived
// when CONNECT is built: it is used when Nkey is empty, its errors are
// reported, and it counts as an Nkey next to UserJWT.
func TestNkeyFnInAddAuth(t *testing.T) {
	const pub = "UAIDVHGZBYLRHWTWWGRUF7TIGU2UJDZ4GQEPDA7KPHW2AHBRF7NGTKAS"
	sign := func(nonce []byte) ([]byte, error) { return append([]byte("sig:"), nonce...), nil }
	calls := 0
	fn := func() (string, error) { calls++; return pub, nil }

	ci, err := connectAuth(Options{nkeyFn: fn, SignatureCB: sign}, "n1")
	require.NoError(t, err)
	require.Equal(t, pub, ci.Nkey)
	require.Equal(t, rawURLBase64([]byte("sig:n1")), ci.Sig)
	require.Equal(t, 1, calls)

	// A set Nkey wins, without a call.
	ci, err = connectAuth(Options{Nkey: "UOTHER", nkeyFn: fn, SignatureCB: sign}, "n2")
	require.NoError(t, err)
	require.Equal(t, "UOTHER", ci.Nkey)
	require.Equal(t, 1, calls)

	// A failure is reported, wrapped: here an unusable key.
	failing := func() (string, error) {
		return "", fmt.Errorf("%w: failed to use NKey: WebCrypto: no", ErrBadCredentials)
	}
	_, err = connectAuth(Options{nkeyFn: failing, SignatureCB: sign}, "n3")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to get the public nkey")
	other := errors.New("other")
	_, err = connectAuth(Options{nkeyFn: func() (string, error) { return "", other }, SignatureCB: sign}, "n3")
	require.ErrorIs(t, err, other)

	// With UserJWT it is as both Nkey and UserJWT set.
	jwt := func() (string, error) { return "aaa.bbb.ccc", nil }
	_, err = connectAuth(Options{nkeyFn: fn, UserJWT: jwt, SignatureCB: sign}, "n4")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "both Nkey and UserJWT are set")
	require.Equal(t, 1, calls)
}

// TestNkeyOptionsClearEachOther applies the credential options one after
// the other: the last wins, and none leaves the public key (or the way to
// derive it) of another behind. The JWT options only sign: CONNECT holds
// no nkey for them.
func TestNkeyOptionsClearEachOther(t *testing.T) {
	v := nkeyVectors[0]
	const jwt = "aaa.bbb.ccc"
	creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
		"-----BEGIN USER NKEY SEED-----\n" + v.seed + "\n------END USER NKEY SEED------\n"
	k, err := decodeNkeySeed([]byte(v.seed))
	require.NoError(t, err)
	jwtOpts := map[string]Option{
		"UserJWT":         UserJWT(func() (string, error) { return jwt, nil }, k.sign),
		"UserJWTAndSeed":  UserJWTAndSeed(jwt, v.seed),
		"UserCredentials": UserCredentials([]byte(creds)),
	}
	for name, opt := range jwtOpts {
		var o Options
		require.NoError(t, NkeyFromSeed([]byte(v.seed))(&o), name)
		require.NoError(t, opt(&o), name)
		require.Empty(t, o.Nkey, name)
		require.Nil(t, o.nkeyFn, name)
		ci, err := connectAuth(o, nkeyVectorMessage)
		require.NoError(t, err, name)
		require.Equal(t, jwt, ci.JWT, name)
		require.Empty(t, ci.Nkey, name)
		require.Equal(t, rawURLBase64(mustHex(t, v.sig)), ci.Sig, name)

		// And back: NkeyFromSeed after a JWT option drops the JWT.
		require.NoError(t, NkeyFromSeed([]byte(v.seed))(&o), name)
		require.Nil(t, o.UserJWT, name)
		ci, err = connectAuth(o, nkeyVectorMessage)
		require.NoError(t, err, name)
		require.Equal(t, v.pub, ci.Nkey, name)
		require.Empty(t, ci.JWT, name)
	}

	// Nkey after NkeyFromSeed replaces the derived key.
	var o Options
	require.NoError(t, NkeyFromSeed([]byte(v.seed))(&o))
	require.NoError(t, Nkey(nkeyVectors[1].pub, k.sign)(&o))
	require.Equal(t, nkeyVectors[1].pub, o.Nkey)
	require.Nil(t, o.nkeyFn)
	ci, err := connectAuth(o, "n")
	require.NoError(t, err)
	require.Equal(t, nkeyVectors[1].pub, ci.Nkey)
}

// mustHex decodes a hex test vector.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}
