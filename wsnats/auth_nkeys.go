package wsnats

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrBadCredentials is returned by the authentication options for a seed,
// public key, JWT or .creds text that cannot be used. Its messages never
// quote the credentials.
var ErrBadCredentials = errors.New("wsnats: invalid credentials")

// Nkey authenticates with the user nkey pubKey (the public key, "U...");
// sign signs the server's nonce with the matching private key and returns
// the raw ed25519 signature. It is called on every (re)connect with that
// server's fresh nonce, so the seed can stay elsewhere (a vault, a token).
func Nkey(pubKey string, sign func(nonce []byte) ([]byte, error)) Option {
	return func(o *Options) error {
		if sign == nil {
			return fmt.Errorf("%w: Nkey needs a sign function", ErrBadCredentials)
		}
		if !isPublicNkey(pubKey, nkeyPrefixUser) {
			return fmt.Errorf("%w: Nkey needs a public user nkey (56 characters starting with U)", ErrBadCredentials)
		}
		o.Nkey, o.nkeyFn, o.SignatureCB, o.UserJWT = pubKey, nil, sign, nil
		return nil
	}
}

// NkeyFromSeed authenticates with the user nkey of seed (the text that
// starts with "SU"). The key is decoded once; the seed slice is not kept.
// Natively it sets Options.Nkey to the public key. In a browser the public
// key is derived with WebCrypto, which cannot be waited for here (options
// may be applied inside a JS callback): Options.Nkey stays empty and the
// key is derived, once, when the first CONNECT is built.
func NkeyFromSeed(seed []byte) Option {
	return func(o *Options) error {
		kp, err := userKeyPair(seed, true)
		if err != nil {
			return err
		}
		if pub, ok := kp.knownPublicKey(); ok {
			o.Nkey, o.nkeyFn = pub, nil
		} else {
			o.Nkey, o.nkeyFn = "", kp.publicKey
		}
		o.SignatureCB, o.UserJWT = kp.sign, nil
		return nil
	}
}

// UserJWT authenticates with a user JWT (decentralised authentication):
// jwtCB returns the JWT and sigCB signs the server's nonce with the user's
// private key. Both are called on every (re)connect, so a rotated JWT is
// picked up on the next reconnect.
func UserJWT(jwtCB func() (string, error), sigCB func(nonce []byte) ([]byte, error)) Option {
	return func(o *Options) error {
		if jwtCB == nil || sigCB == nil {
			return fmt.Errorf("%w: UserJWT needs a JWT callback and a sign callback", ErrBadCredentials)
		}
		o.UserJWT, o.SignatureCB, o.Nkey, o.nkeyFn = jwtCB, sigCB, "", nil
		return nil
	}
}

// UserJWTAndSeed authenticates with a user JWT and the user's nkey seed.
func UserJWTAndSeed(jwt, seed string) Option {
	return func(o *Options) error {
		if err := checkJWT(jwt); err != nil {
			return err
		}
		kp, err := userKeyPair([]byte(seed), false)
		if err != nil {
			return err
		}
		o.UserJWT = func() (string, error) { return jwt, nil }
		// Only the signature is needed: the public key is never derived.
		o.SignatureCB, o.Nkey, o.nkeyFn = kp.sign, "", nil
		return nil
	}
}

// UserCredentials authenticates with the contents of a NATS .creds file:
// the user JWT and the user's nkey seed, each framed by lines of dashes, as
// nsc writes them. In a browser there is no file system: pass the text.
func UserCredentials(contents []byte) Option {
	return func(o *Options) error {
		jwt, seed, err := parseCreds(contents)
		if err != nil {
			return err
		}
		defer wipe(seed)
		if err := checkJWT(jwt); err != nil {
			return err
		}
		kp, err := userKeyPair(seed, false)
		if err != nil {
			return err
		}
		o.UserJWT = func() (string, error) { return jwt, nil }
		// Only the signature is needed: the public key is never derived.
		o.SignatureCB, o.Nkey, o.nkeyFn = kp.sign, "", nil
		return nil
	}
}

// userKeyPair decodes a user seed (see nkey.go). withPublic says whether
// the public key will be needed: in the browser only then is the key
// imported into WebCrypto as exportable (the export that gives the public
// key also holds the seed).
func userKeyPair(seed []byte, withPublic bool) (*nkeySeed, error) {
	seed = bytes.TrimSpace(seed)
	if len(seed) == 0 {
		return nil, fmt.Errorf("%w: the nkey seed is empty", ErrBadCredentials)
	}
	kp, err := decodeSeed(seed, withPublic)
	if errors.Is(err, ErrBadCredentials) {
		return nil, err // the platform cannot use the key (see nkey_ed25519_js.go)
	}
	if err != nil {
		// The reasons name the problem, never the seed.
		return nil, fmt.Errorf("%w: not a valid nkey seed: %v", ErrBadCredentials, err)
	}
	if kp.prefix != nkeyPrefixUser {
		return nil, fmt.Errorf("%w: the nkey seed is not a user seed (those start with SU)", ErrBadCredentials)
	}
	return kp, nil
}

// checkJWT rejects what cannot be a JWT (three base64url parts), without
// echoing it.
func checkJWT(jwt string) error {
	if jwt == "" {
		return fmt.Errorf("%w: the user JWT is empty", ErrBadCredentials)
	}
	if strings.Count(jwt, ".") != 2 || strings.ContainsAny(jwt, " \t\r\n") {
		return fmt.Errorf("%w: the user JWT is malformed (want three dot-separated parts)", ErrBadCredentials)
	}
	return nil
}

// parseCreds returns the JWT and the seed of a .creds text. A block is the
// first non-empty line after a line that starts and ends with "---" (the
// BEGIN marker); the first block is the JWT, the second the seed. The seed
// is returned as a copy the caller may wipe.
func parseCreds(contents []byte) (jwt string, seed []byte, err error) {
	var blocks [][]byte
	inBlock, taken := false, false
	for line := range bytes.Lines(contents) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if len(line) >= 6 && bytes.HasPrefix(line, []byte("---")) && bytes.HasSuffix(line, []byte("---")) {
			inBlock, taken = !inBlock, false
			continue
		}
		if inBlock && !taken {
			blocks = append(blocks, line)
			taken = true
		}
	}
	switch len(blocks) {
	case 0:
		return "", nil, fmt.Errorf("%w: no JWT block in the credentials (want the text of a .creds file)", ErrBadCredentials)
	case 1:
		return "", nil, fmt.Errorf("%w: no nkey seed block in the credentials", ErrBadCredentials)
	}
	return string(blocks[0]), append([]byte(nil), blocks[1]...), nil
}

// wipe overwrites secret bytes that are no longer needed.
func wipe(b []byte) {
	for i := range b {
		b[i] = 'x'
	}
}
