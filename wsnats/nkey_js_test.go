//go:build js && wasm

package wsnats

import (
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
// sign there with WebCrypto, which also gives their public keys, on first
// use (nkeySeed.publicKey). The servers come from `natsrun -auth`.

// authEnvVar returns the variable natsrun -auth set, or fails the test.
func authEnvVar(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the browser tests through scripts/wasm-test.sh (natsrun -auth)", name)
	}
	return v
}

// jsBytes returns a Uint8Array holding a copy of b (bytesToJS).
func jsBytes(t *testing.T, b []byte) safejs.Value {
	t.Helper()
	arr, err := bytesToJS(b)
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
		_, known := k.knownPublicKey()
		require.False(t, known, "the public key is derived at decode")
		pub, err := k.publicKey()
		require.NoError(t, err)
		require.Equal(t, v.pub, pub)
		require.True(t, isPublicNkey(pub, nkeyPrefixUser))
		// Derived once: it is known now, and asked again is the same.
		known2, ok := k.knownPublicKey()
		require.True(t, ok)
		require.Equal(t, v.pub, known2)
		require.Equal(t, v.pub, mustPublicKey(t, k))
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

// mustPublicKey returns k.publicKey(), or fails the test.
func mustPublicKey(t *testing.T, k *nkeySeed) string {
	t.Helper()
	pub, err := k.publicKey()
	require.NoError(t, err)
	return pub
}

// webCryptoVerify imports the raw 32-byte public key pub into WebCrypto
// on its own and reports whether WebCrypto verifies sig of msg with it.
func webCryptoVerify(t *testing.T, pub, msg, sig []byte) bool {
	t.Helper()
	verify := jsFunc(t, []string{"pub", "msg", "sig"}, `return (async () => {
		const alg = { name: "Ed25519" };
		const key = await crypto.subtle.importKey("raw", pub, alg, true, ["verify"]);
		return await crypto.subtle.verify(alg, key, sig, msg);
	})();`)
	p, err := verify.Invoke(jsBytes(t, pub), jsBytes(t, msg), jsBytes(t, sig))
	require.NoError(t, err)
	res, err := awaitPromise(p, 5*time.Second)
	require.NoError(t, err)
	ok, err := res.Bool()
	require.NoError(t, err)
	return ok
}

// TestNkeyWebCryptoAgreesWithGo checks the public keys WebCrypto derives:
// for the seeds nkeys made (nkeyVectors), they are nkeys' public keys; for
// random seeds, WebCrypto verifies our signatures with the public key
// publicKey returned, and refuses a changed signature or message.
func TestNkeyWebCryptoAgreesWithGo(t *testing.T) {
	for _, v := range nkeyVectors {
		k, err := decodeNkeySeed([]byte(v.seed))
		require.NoError(t, err)
		require.Equal(t, v.pub, mustPublicKey(t, k))
	}
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

		pubText := mustPublicKey(t, k)
		require.True(t, isPublicNkey(pubText, nkeyPrefixUser), "seed %d", i)
		raw, err := nkeyDecode([]byte(pubText), nkeyPublicLen)
		require.NoError(t, err)
		pub := raw[1 : 1+ed25519PublicLen]
		require.True(t, webCryptoVerify(t, pub, msg, sig), "WebCrypto refuses our signature %d", i)
		require.False(t, webCryptoVerify(t, pub, append(msg, '!'), sig), "WebCrypto verifies a changed message %d", i)
		sig[i%64] ^= 1
		require.False(t, webCryptoVerify(t, pub, msg, sig), "WebCrypto verifies a changed signature %d", i)
	}
}

// nkeySeedPrefix returns the two prefix bytes of a seed of the key type
// prefix ("S" and the type's letter).
func nkeySeedPrefix(prefix byte) []byte {
	return []byte{nkeyPrefixSeed | prefix>>5, prefix << 3}
}

// TestNkeyFromSeedInJSCallback applies NkeyFromSeed inside a JS callback,
// as jsbridge's connect does: it must not wait for a promise there, which
// could never settle while the callback holds the page. The public key is
// derived and the key signs later, from a goroutine: the options connect
// to the server that knows the seed (natsrun -auth).
func TestNkeyFromSeedInJSCallback(t *testing.T) {
	usersURL := authEnvVar(t, "NATS_WS_USERS_URL")
	seed := authEnvVar(t, "NATS_AUTH_NKEY_SEED")
	v := nkeyVectors[0]
	var vo Options
	o := GetDefaultOptions()
	o.URL, o.Timeout, o.AllowReconnect = usersURL, 5*time.Second, false
	var vErr, optErr error
	called := false
	fn, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		called = true
		vErr = NkeyFromSeed([]byte(v.seed))(&vo)
		optErr = NkeyFromSeed([]byte(seed))(&o)
		return nil
	})
	require.NoError(t, err)
	defer fn.Release()
	start := time.Now()
	_, err = jsFunc(t, []string{"f"}, "f();").Invoke(fn.Value())
	require.NoError(t, err)
	require.True(t, called)
	require.NoError(t, vErr)
	require.NoError(t, optErr)
	require.Less(t, time.Since(start), time.Second, "NkeyFromSeed waited in a JS callback")
	require.Empty(t, vo.Nkey)
	require.NotNil(t, vo.nkeyFn)
	pub, err := vo.nkeyFn()
	require.NoError(t, err)
	require.Equal(t, v.pub, pub)
	sig, err := vo.SignatureCB([]byte(nkeyVectorMessage))
	require.NoError(t, err)
	require.Equal(t, v.sig, hex.EncodeToString(sig))

	nc, err := o.Connect()
	require.NoError(t, err)
	defer nc.Close()
	requireWorks(t, nc)
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
	// Deriving the public key fails alike, and so does CONNECT, which
	// derives it; the failure is not kept as a key.
	ks := &nkeySeed{prefix: nkeyPrefixUser, priv: k}
	for range 2 {
		_, err = ks.publicKey()
		require.ErrorIs(t, err, ErrBadCredentials)
		require.Contains(t, err.Error(), "failed to use NKey: this browser's WebCrypto has no Ed25519 (NotSupportedError")
		_, known := ks.knownPublicKey()
		require.False(t, known)
	}
	_, err = connectAuth(Options{nkeyFn: ks.publicKey, SignatureCB: ks.sign}, "nonce")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to get the public nkey: wsnats: invalid credentials: failed to use NKey: this browser's WebCrypto has no Ed25519 (NotSupportedError")

	// A key that cannot be exported signs, but gives no public key.
	p, err = w.subtle.Call("importKey", "pkcs8", der, ed25519Alg(t), false, usages)
	require.NoError(t, err)
	k = nkeyPrivateKey{imported: p}
	_, err = k.sign([]byte("nonce"))
	require.NoError(t, err)
	_, err = k.publicKey()
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to use NKey: WebCrypto: crypto.subtle.exportKey failed: InvalidAccessError")
	require.NotContains(t, err.Error(), nkeyVectors[0].rawSeed)

	// Another rejection (bad key data) is reported as such.
	p, err = w.subtle.Call("importKey", "pkcs8", jsBytes(t, []byte{1, 2, 3}), ed25519Alg(t), true, usages)
	require.NoError(t, err)
	_, _ = p.Call("catch", w.noop)
	_, err = nkeyPrivateKey{imported: p}.sign([]byte("nonce"))
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to use NKey: WebCrypto: crypto.subtle.importKey failed: DataError")
	_, err = nkeyPrivateKey{imported: p}.publicKey()
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Contains(t, err.Error(), "failed to use NKey: WebCrypto: crypto.subtle.importKey failed: DataError")

	// The errors of the seed options wrap ErrBadCredentials once.
	err = errNoEd25519("crypto.subtle is missing")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.Equal(t, "wsnats: invalid credentials: failed to use NKey: this browser's WebCrypto has no Ed25519 (crypto.subtle is missing)", err.Error())
}

// ed25519Alg returns the WebCrypto algorithm {name: "Ed25519"}.
func ed25519Alg(t *testing.T) safejs.Value {
	t.Helper()
	alg, err := ed25519Params()
	require.NoError(t, err)
	return alg
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
		requireWorks(t, nc)
	})
	t.Run("Nkey with the seed's signer", func(t *testing.T) {
		k, err := userKeyPair([]byte(seed), true)
		require.NoError(t, err)
		nc := connect(t, usersURL, opts(Nkey(mustPublicKey(t, k), k.sign))...)
		requireWorks(t, nc)
	})
	t.Run("a seed for JWT auth only signs", func(t *testing.T) {
		k, err := userKeyPair([]byte(seed), false)
		require.NoError(t, err)
		sig, err := k.sign([]byte("nonce"))
		require.NoError(t, err)
		require.Len(t, sig, ed25519SignatureLen)
		_, err = k.publicKey() // not exportable: the seed never leaves WebCrypto
		require.ErrorIs(t, err, ErrBadCredentials)
		hidden(err)
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
		requireWorks(t, nc)
	})
	t.Run("UserCredentials", func(t *testing.T) {
		creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
			"-----BEGIN USER NKEY SEED-----\n" + jwtSeed + "\n------END USER NKEY SEED------\n"
		nc := connect(t, jwtURL, opts(UserCredentials([]byte(creds)))...)
		requireWorks(t, nc)
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
