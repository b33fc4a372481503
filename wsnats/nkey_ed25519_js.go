//go:build js && wasm

package wsnats

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/safejs"
)

// In the browser, nkeys sign with WebCrypto (crypto.subtle with the
// "Ed25519" algorithm): crypto/ed25519 would add ~80 KB (gzip) of crypto
// to the module. WebCrypto also gives the public key of a seed, but only
// through promises, and seeds are decoded when options are applied, which
// may be inside a JS callback (jsbridge's connect), where no goroutine can
// wait for a promise. So decoding only starts the import of the seed, and
// the public key is derived later (nkeySeed.publicKey), when CONNECT is
// built on the connect goroutine, where waiting is allowed.

// nkeyPublicKeyAtDecode is false: decodeNkeySeed cannot wait for
// WebCrypto, so the public key is derived on first use.
const nkeyPublicKeyAtDecode = false

// nkeyPrivateKey is the private key of a decoded seed: the promise of its
// import into WebCrypto, a CryptoKey that can sign and be exported (its
// JWK export holds the public key). Awaiting it is only done on the
// connect goroutine: to sign, or to derive the public key.
type nkeyPrivateKey struct {
	imported safejs.Value
}

// webCryptoTimeout bounds the wait for a WebCrypto promise, which settles
// at once unless the browser is broken.
const webCryptoTimeout = 10 * time.Second

// ed25519SignatureLen is the size of an ed25519 signature.
const ed25519SignatureLen = 64

// pkcs8Ed25519Prefix is the DER of a PKCS#8 PrivateKeyInfo for an Ed25519
// key (RFC 8410) up to the 32-byte seed, which follows it: SEQUENCE {
// version 0, AlgorithmIdentifier { OID 1.3.101.112 }, OCTET STRING {
// OCTET STRING (32 bytes) } }.
var pkcs8Ed25519Prefix = [...]byte{
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
}

// ed25519Algorithm is the WebCrypto algorithm name of Ed25519.
const ed25519Algorithm = "Ed25519"

// webCryptoAPI holds what nkeys use of the page: crypto.subtle and a
// function that does nothing. Uint8Array is the transport's (jsGlobals).
type webCryptoAPI struct {
	subtle safejs.Value
	noop   safejs.Value
}

// webCrypto looks the page's WebCrypto up once.
var webCrypto = sync.OnceValues(func() (webCryptoAPI, error) {
	var w webCryptoAPI
	global := safejs.Global()
	crypto, err := global.Get("crypto")
	if err != nil || crypto.Type() != safejs.TypeObject || crypto.IsNull() {
		return w, errNoEd25519("there is no crypto object")
	}
	subtle, err := crypto.Get("subtle")
	if err != nil || subtle.Type() != safejs.TypeObject || subtle.IsNull() {
		return w, errNoEd25519("crypto.subtle is missing: WebCrypto needs a secure context, https or localhost")
	}
	w.subtle = subtle
	if err := jsGlobals(); err != nil {
		return w, errNoEd25519(err.Error())
	}
	// Function.prototype is a function that takes anything and does
	// nothing: a rejection handler that needs no Go callback.
	fn, err := global.Get("Function")
	if err == nil {
		w.noop, err = fn.Get("prototype")
	}
	if err != nil || w.noop.Type() != safejs.TypeFunction {
		return w, errNoEd25519("there is no Function.prototype")
	}
	return w, nil
})

// errNoEd25519 is the error of a browser whose WebCrypto cannot do what
// nkeys need; why says what is missing.
func errNoEd25519(why string) error {
	return fmt.Errorf("%w: failed to use NKey: this browser's WebCrypto has no Ed25519 (%s)", ErrBadCredentials, why)
}

// newNkeyPrivateKey starts the import of a 32-byte ed25519 seed into
// WebCrypto without waiting for it: it never blocks, so it may run in a JS
// callback. The copies of seed it makes are wiped; the caller clears seed.
// Only with exportable can publicKey derive the public key (through a JWK
// export, which holds the seed too).
func newNkeyPrivateKey(seed []byte, exportable bool) (nkeyPrivateKey, error) {
	w, err := webCrypto()
	if err != nil {
		return nkeyPrivateKey{}, err
	}
	der := make([]byte, 0, len(pkcs8Ed25519Prefix)+len(seed))
	der = append(append(der, pkcs8Ed25519Prefix[:]...), seed...)
	defer clear(der)
	jsDER, err := bytesToJS(der)
	if err != nil {
		return nkeyPrivateKey{}, webCryptoFailed("failed to pass the seed", err)
	}
	// importKey copies its key data before it returns the promise (as the
	// WebCrypto specification has it): the JS copy can be wiped then.
	defer func() { _, _ = jsDER.Call("fill", 0) }()
	alg, err := ed25519Params()
	if err != nil {
		return nkeyPrivateKey{}, webCryptoFailed("failed to build the algorithm", err)
	}
	usages, err := safejs.ValueOf([]any{"sign"})
	if err != nil {
		return nkeyPrivateKey{}, webCryptoFailed("failed to build the key usages", err)
	}
	// Extractable only when publicKey will read the public key from the
	// JWK export. The CryptoKey stays in Go's hands; the page never sees it.
	p, err := w.subtle.Call("importKey", "pkcs8", jsDER, alg, exportable, usages)
	if err != nil {
		// Some browsers throw at once for an unknown algorithm.
		return nkeyPrivateKey{}, errNoEd25519(err.Error())
	}
	// Mark a rejection as handled, so the page logs no unhandled
	// rejection before the first use awaits it and reports it.
	if _, err := p.Call("catch", w.noop); err != nil {
		return nkeyPrivateKey{}, webCryptoFailed("importKey returned no promise", err)
	}
	return nkeyPrivateKey{imported: p}, nil
}

// key awaits the import of the seed: the page's WebCrypto and the
// CryptoKey. It blocks like publicKey and sign, which use it.
func (k nkeyPrivateKey) key() (webCryptoAPI, safejs.Value, error) {
	w, err := webCrypto()
	if err != nil {
		return w, safejs.Value{}, err
	}
	key, err := webCryptoAwait(k.imported, "importKey")
	return w, key, err
}

// publicKey returns the raw 32-byte public key: it awaits the import,
// exports the key as a JWK and decodes its "x" member (RFC 8037). It
// blocks the calling goroutine until the promises settle: call it from a
// goroutine (the connect path), never from a JS callback.
func (k nkeyPrivateKey) publicKey() ([]byte, error) {
	w, key, err := k.key()
	if err != nil {
		return nil, err
	}
	p, err := w.subtle.Call("exportKey", "jwk", key)
	if err != nil {
		return nil, webCryptoFailed("crypto.subtle.exportKey threw", err)
	}
	jwk, err := webCryptoAwait(p, "exportKey")
	if err != nil {
		return nil, err
	}
	if jwk.Type() != safejs.TypeObject || jwk.IsNull() {
		return nil, webCryptoFailed("exportKey gave no JWK", nil)
	}
	// The JWK holds the seed too, as "d": drop it at once. A JS string
	// cannot be wiped; this only leaves it sooner to the collector.
	_ = jwk.Delete("d")
	x, err := jwk.Get("x")
	if err != nil || x.Type() != safejs.TypeString {
		return nil, webCryptoFailed("the exported JWK has no x", err)
	}
	text, err := x.String()
	if err != nil {
		return nil, webCryptoFailed("failed to read the exported public key", err)
	}
	pub, ok := rawURLBase64Decode(text)
	if !ok || len(pub) != ed25519PublicLen {
		return nil, webCryptoFailed(fmt.Sprintf("the exported public key is not %d bytes of base64url", ed25519PublicLen), nil)
	}
	return pub, nil
}

// sign returns the ed25519 signature of data, made by WebCrypto. It blocks
// the calling goroutine until the promise settles: call it from a
// goroutine (the connect path), never from a JS callback.
func (k nkeyPrivateKey) sign(data []byte) ([]byte, error) {
	w, key, err := k.key()
	if err != nil {
		return nil, err
	}
	jsData, err := bytesToJS(data)
	if err != nil {
		return nil, webCryptoFailed("failed to pass the data to sign", err)
	}
	alg, err := ed25519Params()
	if err != nil {
		return nil, webCryptoFailed("failed to build the algorithm", err)
	}
	p, err := w.subtle.Call("sign", alg, key, jsData)
	if err != nil {
		return nil, webCryptoFailed("crypto.subtle.sign threw", err)
	}
	buf, err := webCryptoAwait(p, "sign")
	if err != nil {
		return nil, err
	}
	sig, err := jsUint8Array.New(buf)
	if err != nil {
		return nil, webCryptoFailed("failed to read the signature", err)
	}
	if n, err := sig.Length(); err != nil || n != ed25519SignatureLen {
		return nil, webCryptoFailed(fmt.Sprintf("the signature has %d bytes, not %d", n, ed25519SignatureLen), err)
	}
	out := make([]byte, ed25519SignatureLen)
	if _, err := safejs.CopyBytesToGo(out, sig); err != nil {
		return nil, webCryptoFailed("failed to read the signature", err)
	}
	return out, nil
}

// bytesToJS returns a new Uint8Array holding a copy of b.
func bytesToJS(b []byte) (safejs.Value, error) {
	if err := jsGlobals(); err != nil {
		return safejs.Value{}, err
	}
	arr, err := jsUint8Array.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	if _, err := safejs.CopyBytesToJS(arr, b); err != nil {
		return safejs.Value{}, err
	}
	return arr, nil
}

// ed25519Params returns the WebCrypto algorithm parameters {name: "Ed25519"}.
func ed25519Params() (safejs.Value, error) {
	return safejs.ValueOf(map[string]any{"name": ed25519Algorithm})
}

// webCryptoFailed is the error of a WebCrypto step that failed for another
// reason than a missing Ed25519. err may be nil.
func webCryptoFailed(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%w: failed to use NKey: WebCrypto: %s: %v", ErrBadCredentials, what, err)
	}
	return fmt.Errorf("%w: failed to use NKey: WebCrypto: %s", ErrBadCredentials, what)
}

// webCryptoAwait awaits the promise p of crypto.subtle's method. A
// rejection with NotSupportedError (an unknown algorithm) is reported as a
// browser without Ed25519.
func webCryptoAwait(p safejs.Value, method string) (safejs.Value, error) {
	v, err := awaitPromise(p, webCryptoTimeout)
	if err == nil {
		return v, nil
	}
	var rej *promiseRejection
	if errors.As(err, &rej) {
		if rej.name == "NotSupportedError" {
			return safejs.Value{}, errNoEd25519(rej.Error())
		}
		return safejs.Value{}, webCryptoFailed("crypto.subtle."+method+" failed", rej)
	}
	return safejs.Value{}, webCryptoFailed("crypto.subtle."+method, err)
}

// promiseRejection is the reason a promise was rejected with: the name and
// message of a DOMException or Error.
type promiseRejection struct {
	name, message string
}

// Error returns "name: message", or what of them there is.
func (r *promiseRejection) Error() string {
	switch {
	case r.name == "":
		return r.message
	case r.message == "":
		return r.name
	}
	return r.name + ": " + r.message
}

// rejectionOf reads the name and message of a rejection reason.
func rejectionOf(reason safejs.Value) *promiseRejection {
	r := &promiseRejection{}
	if reason.Type() != safejs.TypeObject || reason.IsNull() {
		if s, err := reason.String(); err == nil && reason.Type() == safejs.TypeString {
			r.message = s
		} else {
			r.message = "rejected without a reason"
		}
		return r
	}
	for _, f := range []struct {
		prop string
		dst  *string
	}{{"name", &r.name}, {"message", &r.message}} {
		if v, err := reason.Get(f.prop); err == nil && v.Type() == safejs.TypeString {
			*f.dst, _ = v.String()
		}
	}
	if r.name == "" && r.message == "" {
		r.message = "rejected without a message"
	}
	return r
}

// promiseResult is how a promise settled: its value or its rejection.
type promiseResult struct {
	value safejs.Value
	err   error
}

// awaitPromise blocks the calling goroutine until p settles or timeout
// passes; a rejection is a *promiseRejection. The two callbacks given to
// p.then only send on a buffered channel, so no JS callback ever blocks;
// they are released once p has settled. Call it from a goroutine, never
// from a JS callback: the promise cannot settle while a callback blocks
// the page's event loop.
func awaitPromise(p safejs.Value, timeout time.Duration) (safejs.Value, error) {
	done := make(chan promiseResult, 2)
	settle := func(r promiseResult) {
		select {
		case done <- r:
		default:
		}
	}
	onValue, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		r := promiseResult{value: safejs.Undefined()}
		if len(args) > 0 {
			r.value = args[0]
		}
		settle(r)
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	onReason, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		reason := safejs.Undefined()
		if len(args) > 0 {
			reason = args[0]
		}
		settle(promiseResult{err: rejectionOf(reason)})
		return nil
	})
	if err != nil {
		onValue.Release()
		return safejs.Value{}, err
	}
	release := func() {
		onValue.Release()
		onReason.Release()
	}
	if _, err := p.Call("then", onValue.Value(), onReason.Value()); err != nil {
		release()
		return safejs.Value{}, fmt.Errorf("not a promise: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		release()
		return r.value, r.err
	case <-t.C:
		// The callbacks stay until the promise settles: a released
		// function must never be called.
		go func() {
			<-done
			release()
		}()
		return safejs.Value{}, fmt.Errorf("the promise did not settle within %v: %w", timeout, ErrTimeout)
	}
}
