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
