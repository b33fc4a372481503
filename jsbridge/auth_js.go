//go:build js && wasm

package jsbridge

import (
	"fmt"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// ed25519SignatureSize is the length of the signature sign must return.
const ed25519SignatureSize = 64

// applyAuth sets the credentials of the authenticator option. token and
// user/pass were set by buildOptions. sign is the JS function
// authenticator.sign, or undefined.
func applyAuth(o *wsnats.Options, co connectOptions, sign safejs.Value) error {
	a := co.Authenticator
	if a == nil {
		return nil
	}
	var signer func([]byte) ([]byte, error)
	if a.HasSign {
		if sign.Type() != safejs.TypeFunction {
			return invalidOption("authenticator.sign must be a function")
		}
		signer = jsSigner(sign, o.Timeout)
	}
	var opt wsnats.Option
	switch {
	case a.Creds != "":
		if a.JWT != "" || a.NkeySeed != "" || a.Nkey != "" || a.HasSign {
			return invalidOption("authenticator.creds holds both the JWT and the seed: give it alone")
		}
		opt = wsnats.UserCredentials([]byte(a.Creds))
	case a.JWT != "":
		switch {
		case a.NkeySeed != "" && a.HasSign:
			return invalidOption("authenticator: give nkeySeed or sign, not both")
		case a.NkeySeed != "":
			opt = wsnats.UserJWTAndSeed(a.JWT, a.NkeySeed)
		case a.HasSign:
			jwt := a.JWT
			opt = wsnats.UserJWT(func() (string, error) { return jwt, nil }, signer)
		default:
			return invalidOption("authenticator.jwt needs nkeySeed or sign to sign the server's nonce")
		}
	case a.NkeySeed != "":
		if a.HasSign || a.Nkey != "" {
			return invalidOption("authenticator.nkeySeed holds the key: give it without nkey or sign")
		}
		opt = wsnats.NkeyFromSeed([]byte(a.NkeySeed))
	case a.HasSign:
		if a.Nkey == "" {
			return invalidOption("authenticator.sign needs jwt, or nkey (the user's public key)")
		}
		opt = wsnats.Nkey(a.Nkey, signer)
	case a.Nkey != "":
		return invalidOption("authenticator.nkey needs sign, the function that signs with its private key")
	default:
		return invalidOption("authenticator needs creds, jwt, nkeySeed or nkey with sign")
	}
	if err := opt(o); err != nil {
		return fmt.Errorf("%w: authenticator: %w", errInvalidOption, err)
	}
	return nil
}

// jsSigner returns a SignatureCB that calls the page's sign function. It
// runs on the connect or reconnect goroutine, which may block: a Promise is
// awaited through two callbacks that only send on a channel, so no JS
// callback ever blocks. timeout bounds the wait.
func jsSigner(fn safejs.Value, timeout time.Duration) func([]byte) ([]byte, error) {
	return func(nonce []byte) ([]byte, error) {
		u8, err := safejs.Global().Get("Uint8Array")
		if err != nil {
			return nil, err
		}
		arr, err := u8.New(len(nonce))
		if err == nil {
			_, err = safejs.CopyBytesToJS(arr, nonce)
		}
		if err != nil {
			return nil, fmt.Errorf("authenticator.sign: failed to pass the nonce: %w", err)
		}
		res, err := fn.Invoke(arr)
		if err != nil {
			return nil, fmt.Errorf("authenticator.sign threw: %w", err)
		}
		if isThenable(res) {
			if res, err = await(res, timeout); err != nil {
				return nil, err
			}
		}
		return signatureBytes(res, u8)
	}
}

// isThenable reports whether v is a Promise (or looks like one).
func isThenable(v safejs.Value) bool {
	if v.Type() != safejs.TypeObject || v.IsNull() {
		return false
	}
	then, err := v.Get("then")
	return err == nil && then.Type() == safejs.TypeFunction
}

type settledPromise struct {
	v   safejs.Value
	err error
}

// await blocks the calling goroutine (never a JS callback) until p settles
// or timeout passes.
func await(p safejs.Value, timeout time.Duration) (safejs.Value, error) {
	ch := make(chan settledPromise, 2)
	send := func(r settledPromise) {
		select {
		case ch <- r:
		default:
		}
	}
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		send(settledPromise{v: argValue(args, 0)})
		return nil
	})
	if err != nil {
		return safejs.Value{}, err
	}
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		send(settledPromise{err: fmt.Errorf("authenticator.sign rejected: %s", jsErrorText(argValue(args, 0)))})
		return nil
	})
	if err != nil {
		onOK.Release()
		return safejs.Value{}, err
	}
	release := func() { onOK.Release(); onErr.Release() }
	if _, err := p.Call("then", onOK.Value(), onErr.Value()); err != nil {
		release()
		return safejs.Value{}, fmt.Errorf("authenticator.sign returned a broken promise: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		release()
		return r.v, r.err
	case <-t.C:
		// The promise may still settle: release the callbacks only then.
		go func() { <-ch; release() }()
		return safejs.Value{}, fmt.Errorf("authenticator.sign did not settle within %v: %w", timeout, wsnats.ErrTimeout)
	}
}

// jsErrorText is the message of a thrown or rejected value.
func jsErrorText(v safejs.Value) string {
	if v.IsUndefined() || v.IsNull() {
		return "no reason given"
	}
	if v.Type() == safejs.TypeObject {
		if m, err := v.Get("message"); err == nil && m.Type() == safejs.TypeString {
			s, _ := m.String()
			return s
		}
	}
	s, err := v.Call("toString")
	if err != nil {
		return "a value without a message"
	}
	str, _ := s.String()
	return str
}

// signatureBytes copies the Uint8Array sign returned.
func signatureBytes(v, u8 safejs.Value) ([]byte, error) {
	ok := false
	if v.Type() == safejs.TypeObject && !v.IsNull() {
		ok, _ = v.InstanceOf(u8)
	}
	if !ok {
		return nil, fmt.Errorf("authenticator.sign must return a Uint8Array (or a Promise of one), got %s", v.Type())
	}
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("authenticator.sign returned an unreadable Uint8Array: %w", err)
	}
	if n != ed25519SignatureSize {
		return nil, fmt.Errorf("authenticator.sign returned %d bytes; an ed25519 signature has %d", n, ed25519SignatureSize)
	}
	sig := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(sig, v); err != nil {
		return nil, fmt.Errorf("authenticator.sign: failed to read the signature: %w", err)
	}
	return sig, nil
}
