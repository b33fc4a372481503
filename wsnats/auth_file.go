//go:build !js

package wsnats

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// UserCredentialsFile authenticates with a NATS .creds file (native only;
// in a browser pass the text to UserCredentials). The file is checked when
// the option is applied and read again on every (re)connect, so replacing
// it rotates the credentials.
func UserCredentialsFile(path string) Option {
	return func(o *Options) error {
		load := func() (jwt string, sign func([]byte) ([]byte, error), err error) {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", nil, fmt.Errorf("failed to read the credentials file: %w", err)
			}
			defer wipe(b)
			var tmp Options
			if err := UserCredentials(b)(&tmp); err != nil {
				return "", nil, fmt.Errorf("credentials file %s: %w", path, err)
			}
			jwt, err = tmp.UserJWT()
			return jwt, tmp.SignatureCB, err
		}
		if _, _, err := load(); err != nil {
			return err
		}
		o.UserJWT = func() (string, error) {
			jwt, _, err := load()
			return jwt, err
		}
		o.SignatureCB = func(nonce []byte) ([]byte, error) {
			_, sign, err := load()
			if err != nil {
				return nil, err
			}
			return sign(nonce)
		}
		o.Nkey, o.nkeyFn = "", nil
		return nil
	}
}

// tlsConfigForChange returns o.TLSConfig ready to be changed by an option:
// a copy of the caller's configuration (never modified in place), or a new
// one requiring TLS 1.2 or later.
func tlsConfigForChange(o *Options) *tls.Config {
	if o.TLSConfig == nil {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		o.TLSConfig = o.TLSConfig.Clone()
	}
	return o.TLSConfig
}

// RootCAs trusts the certificate authorities in the PEM blocks (instead of
// the system's) for tls:// and wss:// (native only).
func RootCAs(pem ...[]byte) Option {
	return func(o *Options) error {
		if len(pem) == 0 {
			return fmt.Errorf("RootCAs: no PEM data given")
		}
		pool := x509.NewCertPool()
		for i, p := range pem {
			if !pool.AppendCertsFromPEM(p) {
				return fmt.Errorf("RootCAs: argument %d holds no PEM certificate", i)
			}
		}
		tlsConfigForChange(o).RootCAs = pool
		return nil
	}
}

// ClientCert presents the certificate (chain) certPEM with the private key
// keyPEM to servers that verify clients, for tls:// and wss:// (native only).
func ClientCert(certPEM, keyPEM []byte) Option {
	return func(o *Options) error {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("ClientCert: %w", err)
		}
		cfg := tlsConfigForChange(o)
		cfg.Certificates = append(cfg.Certificates[:len(cfg.Certificates):len(cfg.Certificates)], cert)
		return nil
	}
}

// WebSocketHeader adds h to the HTTP upgrade request of ws:// and wss://
// connections (native only). Use it for a Cookie header when the server's
// websocket block takes credentials from cookies (jwt_cookie, token_cookie,
// user_cookie, pass_cookie), or for headers a proxy needs. A browser sends
// the page's cookies by itself and allows no other headers.
func WebSocketHeader(h http.Header) Option {
	return func(o *Options) error {
		o.wsHeader = h.Clone()
		return nil
	}
}
