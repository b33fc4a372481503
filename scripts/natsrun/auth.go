package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// With -auth, natsrun also starts servers that demand credentials, for the
// browser authentication tests (jsbridge/auth_js_test.go). Every secret is
// fresh for each run. The command gets (all values free of spaces):
//
//	NATS_WS_TOKEN_URL   token auth (NATS_AUTH_TOKEN); websocket token_cookie "nats_token"
//	NATS_WS_USERS_URL   user NATS_AUTH_USER / NATS_AUTH_PASS and the nkey user of
//	                    NATS_AUTH_NKEY_SEED; websocket user_cookie "nats_user", pass_cookie "nats_pass"
//	NATS_WS_JWT_URL     operator mode with a memory resolver: user JWT NATS_AUTH_JWT
//	                    with seed NATS_AUTH_JWT_SEED, and the bearer JWT
//	                    NATS_AUTH_BEARER_JWT; websocket jwt_cookie "nats_jwt"
//	NATS_WSS_URL        wss:// with a certificate from a CA made for this run;
//	                    NATS_WSS_SPKI is the base64 SHA-256 of the server
//	                    certificate's public key, for Chromium's
//	                    --ignore-certificate-errors-spki-list
type authServers struct {
	servers []*server.Server
	env     []string
}

func (a *authServers) shutdown() {
	for _, s := range a.servers {
		s.Shutdown()
	}
}

func (a *authServers) start(mod func(o *server.Options)) (*server.Server, error) {
	o := &server.Options{
		Host:   "127.0.0.1",
		Port:   -1,
		NoSigs: true,
		NoLog:  true,
		Websocket: server.WebsocketOpts{
			Host:  "127.0.0.1",
			Port:  -1,
			NoTLS: true,
		},
	}
	mod(o)
	s, err := server.NewServer(o)
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("server did not start")
	}
	a.servers = append(a.servers, s)
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startAuthServers() (*authServers, error) {
	a := &authServers{}
	fail := func(what string, err error) (*authServers, error) {
		a.shutdown()
		return nil, fmt.Errorf("auth servers: %s: %w", what, err)
	}

	token := "tok" + randomHex(12)
	s, err := a.start(func(o *server.Options) {
		o.Authorization = token
		o.Websocket.TokenCookie = "nats_token"
	})
	if err != nil {
		return fail("token server", err)
	}
	a.env = append(a.env, "NATS_WS_TOKEN_URL="+s.WebsocketURL(), "NATS_AUTH_TOKEN="+token)

	pass := "pw" + randomHex(12)
	nk, err := nkeys.CreateUser()
	if err != nil {
		return fail("nkey", err)
	}
	nkPub, _ := nk.PublicKey()
	nkSeed, _ := nk.Seed()
	s, err = a.start(func(o *server.Options) {
		o.Users = []*server.User{{Username: "alice", Password: pass}}
		o.Nkeys = []*server.NkeyUser{{Nkey: nkPub}}
		o.Websocket.UsernameCookie = "nats_user"
		o.Websocket.PasswordCookie = "nats_pass"
	})
	if err != nil {
		return fail("users server", err)
	}
	a.env = append(a.env, "NATS_WS_USERS_URL="+s.WebsocketURL(), "NATS_AUTH_USER=alice",
		"NATS_AUTH_PASS="+pass, "NATS_AUTH_NKEY_SEED="+string(nkSeed))

	op, err := newOperator()
	if err != nil {
		return fail("operator", err)
	}
	s, err = a.start(func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{op.claims}
		o.AccountResolver = op.resolver
		o.Websocket.JWTCookie = "nats_jwt"
	})
	if err != nil {
		return fail("JWT server", err)
	}
	a.env = append(a.env, "NATS_WS_JWT_URL="+s.WebsocketURL(), "NATS_AUTH_JWT="+op.userJWT,
		"NATS_AUTH_JWT_SEED="+op.userSeed, "NATS_AUTH_BEARER_JWT="+op.bearerJWT)

	cert, spki, err := selfSignedChain()
	if err != nil {
		return fail("certificates", err)
	}
	s, err = a.start(func(o *server.Options) {
		o.Websocket.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		o.Websocket.NoTLS = false
	})
	if err != nil {
		return fail("wss server", err)
	}
	a.env = append(a.env, "NATS_WSS_URL="+s.WebsocketURL(), "NATS_WSS_SPKI="+spki)
	return a, nil
}

// operator is an operator with one account (in a memory resolver) and two
// users of it: one that signs the nonce and one bearer.
type operator struct {
	claims                       *jwt.OperatorClaims
	resolver                     *server.MemAccResolver
	userJWT, userSeed, bearerJWT string
}

func newOperator() (*operator, error) {
	okp, err := nkeys.CreateOperator()
	if err != nil {
		return nil, err
	}
	opub, _ := okp.PublicKey()
	ojwt, err := jwt.NewOperatorClaims(opub).Encode(okp)
	if err != nil {
		return nil, err
	}
	oc, err := jwt.DecodeOperatorClaims(ojwt)
	if err != nil {
		return nil, err
	}
	akp, err := nkeys.CreateAccount()
	if err != nil {
		return nil, err
	}
	apub, _ := akp.PublicKey()
	ajwt, err := jwt.NewAccountClaims(apub).Encode(okp)
	if err != nil {
		return nil, err
	}
	res := &server.MemAccResolver{}
	if err := res.Store(apub, ajwt); err != nil {
		return nil, err
	}
	op := &operator{claims: oc, resolver: res}
	for _, bearer := range []bool{false, true} {
		ukp, err := nkeys.CreateUser()
		if err != nil {
			return nil, err
		}
		upub, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(upub)
		uc.BearerToken = bearer
		ujwt, err := uc.Encode(akp)
		if err != nil {
			return nil, err
		}
		if bearer {
			op.bearerJWT = ujwt
		} else {
			seed, _ := ukp.Seed()
			op.userJWT, op.userSeed = ujwt, string(seed)
		}
	}
	return op, nil
}

// selfSignedChain makes a CA and a server certificate for 127.0.0.1 signed
// by it; it returns the server certificate and the base64 SHA-256 of its
// public key (SPKI).
func selfSignedChain() (tls.Certificate, string, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "natsrun test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(spki)
	cert := tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
	return cert, base64.StdEncoding.EncodeToString(sum[:]), nil
}
