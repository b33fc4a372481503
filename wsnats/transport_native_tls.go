//go:build !js

package wsnats

import (
	"crypto/tls"
	"net/http"
)

func httpClientWithTLS(cfg *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}
}

// TLSConfig is crypto/tls.Config natively.
type TLSConfig = tls.Config

// Secure sets the TLS configuration for tls:// and wss:// (native only).
func Secure(cfg *tls.Config) Option {
	return func(o *Options) error { o.TLSConfig = cfg; return nil }
}
