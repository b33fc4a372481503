//go:build js && wasm

package wsnats

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/require"
)

// These tests run inside headless Chromium (scripts/wasm-test.sh): nkeys
// sign there with WebCrypto, and their public keys are computed in Go
// (nkey_ed25519_pub.go). The servers come from `natsrun -auth`.

// authEnvVar returns the variable natsrun -auth set, or fails the test.
func authEnvVar(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the browser tests through scripts/wasm-test.sh (natsrun -auth)", name)
	}
	return v
}

// mustHex decodes a hex test vector.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// jsBytes returns a Uint8Array holding a copy of b.
func jsBytes(t *testing.T, b []byte) safejs.Value {
	t.Helper()
	ctor, err := safejs.Global().Get("Uint8Array")
	require.NoError(t, err)
	arr, err := ctor.New(len(b))
	require.NoError(t, err)
	_, err = safejs.CopyBytesToJS(arr, b)
	require.NoError(t, err)
	return arr
}

// goBytes copies a Uint8Array into Go.
func goBytes(t *testing.T, arr safejs.Value) []byte {
	t.Helper()
	n, err := arr.Length()
	require.NoError(t, err)
	b := make([]byte, n)
	_, err = safejs.CopyBytesToGo(b, arr)
	require.NoError(t, err)
	return b
}

// TestNkeyWebCryptoVectors decodes the fixed seeds made by nkeys: the
// public key must be theirs and WebCrypto's signature the one nkeys made
// (ed25519 is deterministic).
func TestNkeyWebCryptoVectors(t *testing.T) {
	for _, v := range nkeyVectors {
		k, err := decodeNkeySeed([]byte(v.seed))
		require.NoError(t, err)
		require.Equal(t, nkeyPrefixUser, k.prefix)
		require.Equal(t, v.pub, k.pub)
		require.True(t, isPublicNkey(k.pub, nkeyPrefixUser))
		sig, err := k.sign([]byte(nkeyVectorMessage))
		require.NoError(t, err)
		require.Equal(t, v.sig, hex.EncodeToString(sig))
		// Signing again gives the same signature; another message another.
		again, err := k.sign([]byte(nkeyVectorMessage))
		require.NoError(t, err)
		require.Equal(t, sig, again)
		other, err := k.sign([]byte(nkeyVectorMessage + "!"))
		require.NoError(t, err)
		require.NotEqual(t, sig, other)
	}
}

// webCryptoCheck imports seed into WebCrypto on its own (extractable),
// and returns its public key as WebCrypto exports it and whether
// WebCrypto verifies sig of msg with it.
func webCryptoCheck(t *testing.T, seed, msg, sig []byte) (pub []byte, ok bool) {
	t.Helper()
	check := jsFunc(t, []string{"seed", "msg", "sig"}, `return (async () => {
		const der = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
			0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
		const alg = { name: "Ed25519" };
		const priv = await crypto.subtle.importKey("pkcs8", der, alg, true, ["sign"]);
		const jwk = await crypto.subtle.exportKey("jwk", priv);
		const pub = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, alg, true, ["verify"]);
		const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pub));
		const ok = await crypto.subtle.verify(alg, pub, sig, msg);
		return { raw, ok };
	})();`)
	p, err := check.Invoke(jsBytes(t, seed), jsBytes(t, msg), jsBytes(t, sig))
	require.NoError(t, err)
	res, err := awaitPromise(p, 5*time.Second)
	require.NoError(t, err)
	raw, err := res.Get("raw")
	require.NoError(t, err)
	okv, err := res.Get("ok")
	require.NoError(t, err)
	ok, err = okv.Bool()
	require.NoError(t, err)
	return goBytes(t, raw), ok
}

// TestNkeyWebCryptoAgreesWithGo checks random seeds: the public key
// computed in Go is the one WebCrypto derives, and WebCrypto verifies
// our signatures with it, and refuses a changed one.
func TestNkeyWebCryptoAgreesWithGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 40 {
		seed := make([]byte, ed25519SeedLen)
		for j := range seed {
			seed[j] = byte(rng.IntN(256))
		}
		text := nkeyEncode(nkeySeedPrefix(nkeyPrefixUser), seed)
		k, err := decodeNkeySeed([]byte(text))
		require.NoError(t, err)
		msg := []byte("nonce-" + strings.Repeat("x", i))
		sig, err := k.sign(msg)
		require.NoError(t, err)
		require.Len(t, sig, 64)

		pub, ok := webCryptoCheck(t, seed, msg, sig)
		require.Equal(t, pub, ed25519PublicKey(seed), "seed %d", i)
		require.Equal(t, nkeyEncode([]byte{nkeyPrefixUser}, pub), k.pub)
		require.True(t, ok, "WebCrypto refuses our signature %d", i)
		sig[i%64] ^= 1
		_, ok = webCryptoCheck(t, seed, msg, sig)
		require.False(t, ok, "WebCrypto verifies a changed signature %d", i)
	}
}

// nkeySeedPrefix returns the two prefix bytes of a seed of the key type
// prefix ("S" and the type's letter).
func nkeySeedPrefix(prefix byte) []byte {
	return []byte{nkeyPrefixSeed | prefix>>5, prefix << 3}
}

// TestNkeyFromSeedInJSCallback applies NkeyFromSeed inside a JS callback,
// as jsbridge's connect does: it must not wait for a promise there, which
// could never settle while the callback holds the page. The key it
// imported then signs from a goroutine.
func TestNkeyFromSeedInJSCallback(t *testing.T) {
	v := nkeyVectors[0]
	var o Options
	var optErr error
	called := false
	fn, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		called = true
		optErr = NkeyFromSeed([]byte(v.seed))(&o)
		return nil
	})
	require.NoError(t, err)
	defer fn.Release()
	start := time.Now()
	_, err = jsFunc(t, []string{"f"}, "f();").Invoke(fn.Value())
	require.NoError(t, err)
	require.True(t, called)
	require.NoError(t, optErr)
	require.Less(t, time.Since(start), time.Second, "NkeyFromSeed waited in a JS callback")
	require.Equal(t, v.pub, o.Nkey)
	sig, err := o.SignatureCB([]byte(nkeyVectorMessage))
	require.NoError(t, err)
	require.Equal(t, v.sig, hex.EncodeToString(sig))
}

// TestNkeyWebCryptoErrors checks what a browser without Ed25519 (or a
// failing WebCrypto) reports: an ErrBadCredentials that says so and shows
// no seed.
func TestNkeyWebCryptoErrors(t *testing.T) {
	w, err := webCrypto()
	require.NoError(t, err)
	alg, err := safejs.ValueOf(map[string]any{"name": "NoSuchAlgorithm"})
	require.NoError(t, err)
	usages, err := safejs.ValueOf([]any{"sign"})
	require.NoError(t, err)
	seed := mustHex(t, nkeyVectors[0].rawSeed)
	der := jsBytes(t, append(append([]byte(nil), pkcs8Ed25519Prefix[:]...), seed...))
	// Chromium rejects an unknown algorithm with NotSupportedError, as a
	// browser without Ed25519 does.
	p, err := w.subtle.Call("importKey", "pkcs8", der, alg, false, usages)
	require.NoError(t, err)
	_, _ = p.Call("catch", w.noop)
	k := nkeyPrivateKey{imported: p}
	_, err = k.sign([]byte("nonce"))
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to use NKey: this browser's WebCrypto has no Ed25519 (NotSupportedError")
	require.NotContains(t, err.Error(), nkeyVectors[0].rawSeed)

	// Another rejection (bad key data) is reported as such.
	ed, err := ed25519Params()
	require.NoError(t, err)
	p, err = w.subtle.Call("importKey", "pkcs8", jsBytes(t, []byte{1, 2, 3}), ed, false, usages)
	require.NoError(t, err)
	_, _ = p.Call("catch", w.noop)
	_, err = nkeyPrivateKey{imported: p}.sign([]byte("nonce"))
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to use NKey: WebCrypto: crypto.subtle.importKey failed: DataError")

	// The errors of the seed options wrap ErrBadCredentials once.
	err = errNoEd25519("crypto.subtle is missing")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Equal(t, "wsnats: invalid credentials: failed to use NKey: this browser's WebCrypto has no Ed25519 (crypto.subtle is missing)", err.Error())
}

// TestNkeyAwaitPromise checks the await helper: a value, a rejection and a
// promise that never settles.
func TestNkeyAwaitPromise(t *testing.T) {
	promise, err := safejs.Global().Get("Promise")
	require.NoError(t, err)
	p, err := promise.Call("resolve", 42)
	require.NoError(t, err)
	v, err := awaitPromise(p, time.Second)
	require.NoError(t, err)
	n, err := v.Int()
	require.NoError(t, err)
	require.Equal(t, 42, n)

	p, err = jsFunc(t, nil, `return Promise.reject(new TypeError("nope"));`).Invoke()
	require.NoError(t, err)
	_, err = awaitPromise(p, time.Second)
	var rej *promiseRejection
	require.ErrorAs(t, err, &rej)
	require.Equal(t, "TypeError: nope", rej.Error())

	p, err = jsFunc(t, nil, `return new Promise(() => {});`).Invoke()
	require.NoError(t, err)
	start := time.Now()
	_, err = awaitPromise(p, 50*time.Millisecond)
	require.ErrorIs(t, err, ErrTimeout)
	require.Less(t, time.Since(start), 2*time.Second)
}

// nkeyRoundTrip checks a connection with a request to itself.
func nkeyRoundTrip(t *testing.T, nc *Conn) {
	t.Helper()
	subj := "nkey.check." + NewInbox()[len(DefaultInboxPrefix)+1:]
	sub, err := nc.Subscribe(subj, func(m *Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) })
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := nc.Request(ctx, subj, []byte("ping"))
	require.NoError(t, err)
	require.Equal(t, "re:ping", string(r.Data))
}

// TestAuthNkeyBrowser connects to servers that demand an nkey or a user
// JWT: a real nats-server accepts the nonce signed by WebCrypto, and
// refuses a key it does not know.
func TestAuthNkeyBrowser(t *testing.T) {
	usersURL := authEnvVar(t, "NATS_WS_USERS_URL")
	seed := authEnvVar(t, "NATS_AUTH_NKEY_SEED")
	jwtURL := authEnvVar(t, "NATS_WS_JWT_URL")
	jwt := authEnvVar(t, "NATS_AUTH_JWT")
	jwtSeed := authEnvVar(t, "NATS_AUTH_JWT_SEED")
	base := []Option{Timeout(5 * time.Second), NoReconnect()}
	opts := func(o ...Option) []Option { return append(append([]Option(nil), base...), o...) }
	secrets := []string{seed, jwtSeed, nkeyVectors[0].seed}
	hidden := func(err error) {
		t.Helper()
		for _, s := range secrets {
			require.NotContains(t, err.Error(), s)
		}
	}

	t.Run("NkeyFromSeed", func(t *testing.T) {
		nc := connect(t, usersURL, opts(NkeyFromSeed([]byte(seed)))...)
		nkeyRoundTrip(t, nc)
	})
	t.Run("Nkey with the seed's signer", func(t *testing.T) {
		k, err := userKeyPair([]byte(seed))
		require.NoError(t, err)
		nc := connect(t, usersURL, opts(Nkey(k.pub, k.sign))...)
		nkeyRoundTrip(t, nc)
	})
	t.Run("unknown nkey", func(t *testing.T) {
		nc, err := Connect(usersURL, opts(NkeyFromSeed([]byte(nkeyVectors[0].seed)))...)
		if nc != nil {
			nc.Close()
		}
		require.ErrorIs(t, err, ErrAuthorization)
		hidden(err)
	})
	t.Run("UserJWTAndSeed", func(t *testing.T) {
		nc := connect(t, jwtURL, opts(UserJWTAndSeed(jwt, jwtSeed))...)
		nkeyRoundTrip(t, nc)
	})
	t.Run("UserCredentials", func(t *testing.T) {
		creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
			"-----BEGIN USER NKEY SEED-----\n" + jwtSeed + "\n------END USER NKEY SEED------\n"
		nc := connect(t, jwtURL, opts(UserCredentials([]byte(creds)))...)
		nkeyRoundTrip(t, nc)
	})
	t.Run("JWT signed with another key", func(t *testing.T) {
		nc, err := Connect(jwtURL, opts(UserJWTAndSeed(jwt, seed))...)
		if nc != nil {
			nc.Close()
		}
		require.ErrorIs(t, err, ErrAuthorization)
		hidden(err)
	})
	t.Run("bad seed", func(t *testing.T) {
		_, err := Connect(usersURL, opts(NkeyFromSeed([]byte("SU"+strings.Repeat("A", 56))))...)
		require.ErrorIs(t, err, ErrBadCredentials)
	})
}
