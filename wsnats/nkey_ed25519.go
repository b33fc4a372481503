//go:build !js

package wsnats

import "crypto/ed25519"

// Natively, the ed25519 work of nkeys is crypto/ed25519's.

// nkeyPublicKeyAtDecode is true: crypto/ed25519 computes the public key
// with the private key, so decodeNkeySeed keeps it at once.
const nkeyPublicKeyAtDecode = true

// nkeyPrivateKey is the private key of a decoded seed.
type nkeyPrivateKey struct {
	key ed25519.PrivateKey
}

// newNkeyPrivateKey derives the private key of a 32-byte ed25519 seed. It
// copies what it keeps of seed, which the caller clears.
func newNkeyPrivateKey(seed []byte, _ bool) (nkeyPrivateKey, error) {
	return nkeyPrivateKey{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// publicKey returns the raw 32-byte public key.
func (k nkeyPrivateKey) publicKey() ([]byte, error) {
	return k.key.Public().(ed25519.PublicKey), nil
}

// sign returns the ed25519 signature of data.
func (k nkeyPrivateKey) sign(data []byte) ([]byte, error) {
	return ed25519.Sign(k.key, data), nil
}
