//go:build js && wasm

package jsbridge

import (
	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// applyAuth sets the credentials of the authenticator option.
func applyAuth(o *wsnats.Options, co connectOptions, sign safejs.Value) error {
	if co.Authenticator != nil {
		return invalidOption("authenticator (nkey, JWT, creds) is not supported yet; use token or user/pass")
	}
	return nil
}
