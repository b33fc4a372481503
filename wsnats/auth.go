package wsnats

import (
	"fmt"
)

// addAuth fills the credentials of CONNECT from the options and the URL.
// Options win over credentials in the URL.
func (c *Conn) addAuth(ci *connectInfo, u *serverURL, info *ServerInfo) error {
	o := &c.opts
	if u.User != nil {
		user := u.User.Username()
		if pass, ok := u.User.Password(); ok {
			ci.User, ci.Pass = user, pass
		} else {
			ci.Token = user
		}
	}
	if o.User != "" {
		ci.User, ci.Pass = o.User, o.Password
	}
	if o.Token != "" {
		ci.Token = o.Token
	}
	if o.TokenHandler != nil {
		ci.Token = o.TokenHandler()
	}
	if o.UserJWT != nil && (o.Nkey != "" || o.nkeyFn != nil) {
		return fmt.Errorf("%w: both Nkey and UserJWT are set: use one", ErrBadCredentials)
	}
	if o.UserJWT != nil {
		jwt, err := o.UserJWT()
		if err != nil {
			return fmt.Errorf("failed to get the user JWT: %w", err)
		}
		ci.JWT = jwt
	}
	if o.Nkey != "" {
		ci.Nkey = o.Nkey
	} else if o.nkeyFn != nil {
		// The public key of a seed, derived in the browser on first use
		// (see NkeyFromSeed); this goroutine may wait for it.
		pub, err := o.nkeyFn()
		if err != nil {
			return fmt.Errorf("failed to get the public nkey: %w", err)
		}
		ci.Nkey = pub
	}
	if o.SignatureCB != nil && (ci.JWT != "" || ci.Nkey != "") {
		if info.Nonce == "" {
			return fmt.Errorf("%w: the server sent no nonce to sign", ErrAuthorization)
		}
		sig, err := o.SignatureCB([]byte(info.Nonce))
		if err != nil {
			return fmt.Errorf("failed to sign the server nonce: %w", err)
		}
		ci.Sig = rawURLBase64(sig)
	}
	return nil
}
