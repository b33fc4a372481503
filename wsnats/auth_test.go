//go:build !js

package wsnats

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// These tests run the client against servers that demand each kind of
// credentials, and check that no secret ever shows in logs, errors, URLs
// or stats.

// failFast bounds how long a rejected connect may take: the server answers
// bad credentials at once, so anything near Timeout means we waited.
const failFast = 3 * time.Second

// secret returns a random string that appears nowhere by chance.
func secret(t *testing.T, prefix string) string {
	b := make([]byte, 12)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return prefix + hex.EncodeToString(b)
}

// logCapture is a Logger writing text into a buffer at debug level.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// exposure gathers every text the client shows about a connection.
type exposure struct {
	t     *testing.T
	log   logCapture
	texts []string
}

func newExposure(t *testing.T) *exposure { return &exposure{t: t} }

func (e *exposure) add(s ...string) { e.texts = append(e.texts, s...) }

func (e *exposure) err(err error) {
	if err != nil {
		e.add(err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
}

// conn records what a connection shows about itself.
func (e *exposure) conn(nc *Conn) {
	info, err := json.Marshal(nc.ServerInfo())
	require.NoError(e.t, err)
	e.add(nc.ConnectedURL(), strings.Join(nc.Servers(), " "), strings.Join(nc.DiscoveredServers(), " "),
		fmt.Sprintf("%+v", nc.Stats()), string(info), nc.Status().String())
	e.err(nc.LastError())
}

// requireHidden fails when any secret appears in the logs or the texts.
func (e *exposure) requireHidden(secrets ...string) {
	e.t.Helper()
	all := e.log.String() + "\n" + strings.Join(e.texts, "\n")
	require.Contains(e.t, e.log.String(), "wsnats:", "the client logged nothing: the check would prove nothing")
	for _, s := range secrets {
		require.NotEmpty(e.t, s)
		require.NotContains(e.t, all, s, "a secret leaked into logs, errors or URLs")
	}
}

// connectFails connects with opts and returns the error, which must come
// fast and be ErrAuthorization.
func connectFails(t *testing.T, url string, opts ...Option) error {
	t.Helper()
	start := time.Now()
	nc, err := Connect(url, append([]Option{Timeout(8 * time.Second), NoReconnect()}, opts...)...)
	if nc != nil {
		nc.Close()
	}
	require.Error(t, err)
	require.ErrorIs(t, err, ErrAuthorization)
	require.Contains(t, err.Error(), "Authorization Violation")
	require.Less(t, time.Since(start), failFast, "rejection must be fast, not a timeout")
	return err
}

// withUser puts user info into a server URL.
func withUser(t *testing.T, raw string, user *url.Userinfo) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.User = user
	return u.String()
}

// --- token -------------------------------------------------------------------

func TestAuthToken(t *testing.T) {
	token := secret(t, "tok")
	wrong := secret(t, "bad")
	s := startServer(t, func(o *natsserver.Options) { o.Authorization = token })
	forEachAuthTransport(t, s, func(t *testing.T, u string) {
		ex := newExposure(t)
		log := Logger(ex.log.logger())

		nc := connect(t, u, Token(token), log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()

		calls := 0
		nc = connect(t, u, TokenHandler(func() string { calls++; return token }), log)
		require.Equal(t, 1, calls)
		nc.Close()

		inURL := withUser(t, u, urlUser(token))
		nc = connect(t, inURL, log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()

		ex.err(connectFails(t, u, Token(wrong), log))
		ex.err(connectFails(t, withUser(t, u, urlUser(wrong)), log))
		ex.err(connectFails(t, u, log))
		ex.requireHidden(token, wrong)
	})
}

// urlUser is a user name alone: the token form of URL credentials.
func urlUser(name string) *url.Userinfo { return url.User(name) }

// forEachAuthTransport runs fn over TCP and WebSocket.
func forEachAuthTransport(t *testing.T, s *natsserver.Server, fn func(t *testing.T, url string)) {
	t.Run("tcp", func(t *testing.T) { fn(t, s.ClientURL()) })
	t.Run("ws", func(t *testing.T) { fn(t, s.WebsocketURL()) })
}

// --- user and password ---------------------------------------------------------

func TestAuthUserPassword(t *testing.T) {
	plain := secret(t, "pw")
	hashed := secret(t, "bc")
	hash, err := bcrypt.GenerateFromPassword([]byte(hashed), bcrypt.MinCost)
	require.NoError(t, err)
	s := startServer(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "alice", Password: plain},
			{Username: "bob", Password: string(hash)},
		}
	})
	forEachAuthTransport(t, s, func(t *testing.T, u string) {
		ex := newExposure(t)
		log := Logger(ex.log.logger())

		nc := connect(t, u, UserInfo("alice", plain), log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()

		nc = connect(t, u, UserInfo("bob", hashed), log) // bcrypt on the server
		requireWorks(t, nc)
		nc.Close()

		nc = connect(t, withUser(t, u, url.UserPassword("alice", plain)), log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()

		ex.err(connectFails(t, u, UserInfo("alice", hashed), log))
		ex.err(connectFails(t, withUser(t, u, url.UserPassword("bob", plain)), log))
		ex.err(connectFails(t, u, UserInfo("carol", plain), log))
		ex.err(connectFails(t, u, log))
		ex.requireHidden(plain, hashed)
	})
}

// --- nkeys -----------------------------------------------------------------------

// userKey is a user nkey for the tests.
type userKey struct {
	kp   nkeys.KeyPair
	pub  string
	seed []byte
}

func newUserKey(t *testing.T) userKey {
	kp, err := nkeys.CreateUser()
	require.NoError(t, err)
	pub, err := kp.PublicKey()
	require.NoError(t, err)
	seed, err := kp.Seed()
	require.NoError(t, err)
	return userKey{kp: kp, pub: pub, seed: seed}
}

// nonceLog records the nonces a sign callback was asked to sign.
type nonceLog struct {
	mu     sync.Mutex
	nonces []string
}

func (n *nonceLog) signer(kp nkeys.KeyPair) func([]byte) ([]byte, error) {
	return func(nonce []byte) ([]byte, error) {
		n.mu.Lock()
		n.nonces = append(n.nonces, string(nonce))
		n.mu.Unlock()
		return kp.Sign(nonce)
	}
}

func (n *nonceLog) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.nonces...)
}

func TestAuthNkey(t *testing.T) {
	user := newUserKey(t)
	other := newUserKey(t)
	s := startServer(t, func(o *natsserver.Options) {
		o.Nkeys = []*natsserver.NkeyUser{{Nkey: user.pub}}
	})
	forEachAuthTransport(t, s, func(t *testing.T, u string) {
		ex := newExposure(t)
		log := Logger(ex.log.logger())

		nc := connect(t, u, NkeyFromSeed(user.seed), log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()

		var nonces nonceLog
		nc = connect(t, u, Nkey(user.pub, nonces.signer(user.kp)), log)
		requireWorks(t, nc)
		nc.Close()
		require.Len(t, nonces.list(), 1)
		require.NotEmpty(t, nonces.list()[0])

		// A key the server does not know, and the right public key with a
		// signature by another key.
		ex.err(connectFails(t, u, NkeyFromSeed(other.seed), log))
		ex.err(connectFails(t, u, Nkey(user.pub, other.kp.Sign), log))
		ex.err(connectFails(t, u, log))

		// A sign callback that fails: its error is reported, not a timeout.
		_, err := Connect(u, NoReconnect(), Nkey(user.pub, func([]byte) ([]byte, error) {
			return nil, fmt.Errorf("hardware token unplugged")
		}))
		require.ErrorContains(t, err, "hardware token unplugged")
		ex.err(err)
		ex.requireHidden(string(user.seed), string(other.seed))
	})
}

// --- JWT (operator mode) -------------------------------------------------------------

// operatorSetup is an operator, one account and its resolver contents.
type operatorSetup struct {
	operator *jwt.OperatorClaims
	account  nkeys.KeyPair
	accPub   string
	accJWT   string
}

func newOperatorSetup(t *testing.T) *operatorSetup {
	okp, err := nkeys.CreateOperator()
	require.NoError(t, err)
	opub, err := okp.PublicKey()
	require.NoError(t, err)
	ojwt, err := jwt.NewOperatorClaims(opub).Encode(okp)
	require.NoError(t, err)
	oc, err := jwt.DecodeOperatorClaims(ojwt)
	require.NoError(t, err)
	akp, err := nkeys.CreateAccount()
	require.NoError(t, err)
	apub, err := akp.PublicKey()
	require.NoError(t, err)
	ajwt, err := jwt.NewAccountClaims(apub).Encode(okp)
	require.NoError(t, err)
	return &operatorSetup{operator: oc, account: akp, accPub: apub, accJWT: ajwt}
}

// options configures a server for the operator with a memory resolver.
func (op *operatorSetup) options(t *testing.T) func(*natsserver.Options) {
	return func(o *natsserver.Options) {
		res := &natsserver.MemAccResolver{}
		require.NoError(t, res.Store(op.accPub, op.accJWT))
		o.TrustedOperators = []*jwt.OperatorClaims{op.operator}
		o.AccountResolver = res
	}
}

// userJWT mints a user JWT for key, issued by the account.
func (op *operatorSetup) userJWT(t *testing.T, key userKey, edit ...func(*jwt.UserClaims)) string {
	uc := jwt.NewUserClaims(key.pub)
	for _, e := range edit {
		e(uc)
	}
	s, err := uc.Encode(op.account)
	require.NoError(t, err)
	return s
}

func TestAuthJWT(t *testing.T) {
	op := newOperatorSetup(t)
	user := newUserKey(t)
	ujwt := op.userJWT(t, user)
	creds, err := jwt.FormatUserConfig(ujwt, user.seed)
	require.NoError(t, err)
	credsFile := filepath.Join(t.TempDir(), "user.creds")
	require.NoError(t, os.WriteFile(credsFile, creds, 0o600))

	stranger := newOperatorSetup(t) // an account the server does not trust
	strangerJWT := stranger.userJWT(t, user)
	other := newUserKey(t)

	s := startServer(t, op.options(t))
	forEachAuthTransport(t, s, func(t *testing.T, u string) {
		ex := newExposure(t)
		log := Logger(ex.log.logger())

		for name, opt := range map[string]Option{
			"UserJWTAndSeed":      UserJWTAndSeed(ujwt, string(user.seed)),
			"UserCredentials":     UserCredentials(creds),
			"UserCredentialsFile": UserCredentialsFile(credsFile),
			"UserJWT": UserJWT(func() (string, error) { return ujwt, nil },
				func(n []byte) ([]byte, error) { return user.kp.Sign(n) }),
		} {
			nc, err := Connect(u, opt, log)
			require.NoError(t, err, name)
			requireWorks(t, nc)
			ex.conn(nc)
			nc.Close()
		}

		ex.err(connectFails(t, u, UserJWTAndSeed(strangerJWT, string(user.seed)), log))
		ex.err(connectFails(t, u, UserJWTAndSeed(ujwt, string(other.seed)), log)) // bad signature
		ex.err(connectFails(t, u, NkeyFromSeed(user.seed), log))                  // no JWT
		ex.err(connectFails(t, u, log))
		expired := op.userJWT(t, user, func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Minute).Unix() })
		ex.err(connectFails(t, u, UserJWTAndSeed(expired, string(user.seed)), log))

		ex.requireHidden(string(user.seed), string(other.seed), string(creds[:40]), ujwt[strings.LastIndexByte(ujwt, '.'):])
	})
}

// --- reconnect re-authenticates --------------------------------------------------------

// restartServer shuts s down and starts a server with the same settings
// (mods) on the same TCP and websocket ports.
func restartServer(t *testing.T, s *natsserver.Server, mods ...func(*natsserver.Options)) *natsserver.Server {
	t.Helper()
	tcpPort := s.Addr().(*net.TCPAddr).Port
	wu, err := url.Parse(s.WebsocketURL())
	require.NoError(t, err)
	wsPort, err := strconv.Atoi(wu.Port())
	require.NoError(t, err)
	s.Shutdown()
	s.WaitForShutdown()
	return startServer(t, append(mods, func(o *natsserver.Options) {
		o.Port, o.Websocket.Port = tcpPort, wsPort
	})...)
}

// reconnectEvents counts a connection's reconnect events.
type reconnectEvents struct {
	reconnected chan struct{}
	attempts    atomic.Int32
	errs        chan error
}

func watchReconnects(nc *Conn) *reconnectEvents {
	r := &reconnectEvents{reconnected: make(chan struct{}, 8), errs: make(chan error, 8)}
	nc.OnEvent(func(ev Event) {
		switch ev.Type {
		case EventReconnected:
			r.reconnected <- struct{}{}
		case EventReconnecting:
			r.attempts.Add(1)
		case EventDisconnected, EventError:
			if ev.Err != nil {
				select {
				case r.errs <- ev.Err:
				default:
				}
			}
		}
	})
	return r
}

func (r *reconnectEvents) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconnect")
	}
}

var fastReconnect = []Option{ReconnectWait(20 * time.Millisecond), ReconnectJitter(time.Millisecond), MaxReconnects(-1)}

func TestAuthReconnectFreshNonce(t *testing.T) {
	user := newUserKey(t)
	op := newOperatorSetup(t)
	ujwt := op.userJWT(t, user)
	nkeyServer := func(o *natsserver.Options) { o.Nkeys = []*natsserver.NkeyUser{{Nkey: user.pub}} }
	cases := map[string]struct {
		mods func(*natsserver.Options)
		opt  func(*nonceLog, *atomic.Int32) Option
	}{
		"nkey": {nkeyServer, func(n *nonceLog, _ *atomic.Int32) Option { return Nkey(user.pub, n.signer(user.kp)) }},
		"jwt": {op.options(t), func(n *nonceLog, calls *atomic.Int32) Option {
			return UserJWT(func() (string, error) { calls.Add(1); return ujwt, nil }, n.signer(user.kp))
		}},
	}
	for name, tc := range cases {
		for _, transport := range []string{"tcp", "ws"} {
			t.Run(name+"/"+transport, func(t *testing.T) {
				s := startServer(t, tc.mods)
				url := s.ClientURL()
				if transport == "ws" {
					url = s.WebsocketURL()
				}
				var nonces nonceLog
				var jwtCalls atomic.Int32
				nc := connect(t, url, append(fastReconnect, tc.opt(&nonces, &jwtCalls))...)
				ev := watchReconnects(nc)
				got := make(chan string, 4)
				_, err := nc.Subscribe("auth.after", func(m *Msg) { got <- string(m.Data) })
				require.NoError(t, err)
				require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

				restartServer(t, s, tc.mods)
				ev.wait(t)
				require.NoError(t, nc.Publish("auth.after", []byte("back")))
				select {
				case m := <-got:
					require.Equal(t, "back", m)
				case <-time.After(5 * time.Second):
					t.Fatal("the subscription did not come back after re-authenticating")
				}
				n := nonces.list()
				require.Len(t, n, 2, "one signature per connect")
				require.NotEmpty(t, n[0])
				require.NotEqual(t, n[0], n[1], "the reconnect must sign the new server's nonce")
				if name == "jwt" {
					require.EqualValues(t, 2, jwtCalls.Load(), "the JWT callback runs on every connect")
				}
			})
		}
	}
}

func TestAuthExpiredJWTReconnectsWithFreshJWT(t *testing.T) {
	op := newOperatorSetup(t)
	user := newUserKey(t)
	s := startServer(t, op.options(t))
	var calls atomic.Int32
	jwtCB := func() (string, error) {
		if calls.Add(1) == 1 { // the first JWT expires while connected
			return op.userJWT(t, user, func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(1500 * time.Millisecond).Unix() }), nil
		}
		return op.userJWT(t, user), nil
	}
	disc := make(chan error, 4)
	nc := connect(t, s.WebsocketURL(), append(fastReconnect, UserJWT(jwtCB, user.kp.Sign),
		DisconnectErrHandler(func(_ *Conn, err error) { disc <- err }))...)
	ev := watchReconnects(nc)
	select {
	case err := <-disc:
		require.ErrorIs(t, err, ErrAuthExpired)
		require.Contains(t, err.Error(), "Authentication Expired")
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not end the connection when the JWT expired")
	}
	ev.wait(t)
	requireWorks(t, nc)
	require.EqualValues(t, 2, calls.Load())
}

func TestAuthFailuresTwiceRemoveServer(t *testing.T) {
	first, next := secret(t, "tok"), secret(t, "tok")
	s := startServer(t, func(o *natsserver.Options) { o.Authorization = first })
	closed := make(chan struct{})
	asyncErrs := make(chan error, 4)
	nc := connect(t, s.ClientURL(), append(fastReconnect,
		TokenHandler(func() string { return first }),
		ErrorHandler(func(_ *Conn, _ *Subscription, err error) { asyncErrs <- err }),
		ClosedHandler(func(*Conn) { close(closed) }))...)
	ev := watchReconnects(nc)

	// The server comes back demanding another token: the client's is now wrong.
	restartServer(t, s, func(o *natsserver.Options) { o.Authorization = next })
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatalf("still reconnecting after %d attempts: two auth failures in a row must remove the server", ev.attempts.Load())
	}
	require.EqualValues(t, 2, ev.attempts.Load(), "exactly two attempts")
	require.ErrorIs(t, nc.LastError(), ErrAuthorization)
	require.Empty(t, nc.Servers(), "the server was removed from the pool")
	select {
	case err := <-asyncErrs:
		require.ErrorIs(t, err, ErrAuthorization)
	case <-time.After(2 * time.Second):
		t.Fatal("the removal was not reported to the ErrorHandler")
	}
}

// --- credentials parsing and option errors ---------------------------------------------

func TestCredsParsingAndOptionErrors(t *testing.T) {
	op := newOperatorSetup(t)
	user := newUserKey(t)
	ujwt := op.userJWT(t, user)
	creds, err := jwt.FormatUserConfig(ujwt, user.seed)
	require.NoError(t, err)

	gotJWT, gotSeed, err := parseCreds(creds)
	require.NoError(t, err)
	require.Equal(t, ujwt, gotJWT)
	require.Equal(t, string(user.seed), string(gotSeed))
	crlf := bytes.ReplaceAll(creds, []byte("\n"), []byte("\r\n"))
	gotJWT, gotSeed, err = parseCreds(crlf)
	require.NoError(t, err)
	require.Equal(t, ujwt, gotJWT)
	require.Equal(t, string(user.seed), string(gotSeed))

	var o Options
	require.NoError(t, UserCredentials(creds)(&o))
	j, err := o.UserJWT()
	require.NoError(t, err)
	require.Equal(t, ujwt, j)
	sig, err := o.SignatureCB([]byte("nonce"))
	require.NoError(t, err)
	require.NoError(t, user.kp.Verify([]byte("nonce"), sig))

	akp, err := nkeys.CreateAccount()
	require.NoError(t, err)
	accSeed, err := akp.Seed()
	require.NoError(t, err)
	accPub, err := akp.PublicKey()
	require.NoError(t, err)
	jwtOnly := creds[:bytes.Index(creds, []byte("************************* IMPORTANT"))]
	bad := map[string]Option{
		"creds without blocks":   UserCredentials([]byte(string(user.seed))),
		"creds without seed":     UserCredentials(jwtOnly),
		"creds with a bad seed":  UserCredentials(bytes.Replace(creds, user.seed[:10], []byte("SUXXXXXXXX"), 1)),
		"creds with a bad JWT":   UserCredentials(bytes.Replace(creds, []byte(ujwt), []byte(strings.ReplaceAll(ujwt, ".", "")), 1)),
		"account seed":           NkeyFromSeed(accSeed),
		"empty seed":             NkeyFromSeed(nil),
		"seed as public key":     Nkey(string(user.seed), user.kp.Sign),
		"account public key":     Nkey(accPub, akp.Sign),
		"no sign function":       Nkey(user.pub, nil),
		"JWT without callbacks":  UserJWT(nil, nil),
		"JWT and account seed":   UserJWTAndSeed(ujwt, string(accSeed)),
		"malformed JWT and seed": UserJWTAndSeed("not-a-jwt", string(user.seed)),
		"missing creds file":     UserCredentialsFile(filepath.Join(t.TempDir(), "none.creds")),
	}
	for name, opt := range bad {
		var o Options
		err := opt(&o)
		require.Error(t, err, name)
		if name != "missing creds file" {
			require.ErrorIs(t, err, ErrBadCredentials, name)
		}
		for _, sec := range []string{string(user.seed), string(accSeed), ujwt} {
			require.NotContains(t, err.Error(), sec, name)
		}
	}

	// The last of Nkey and UserJWT wins; setting both by hand is an error.
	o = Options{}
	require.NoError(t, UserJWTAndSeed(ujwt, string(user.seed))(&o))
	require.NoError(t, NkeyFromSeed(user.seed)(&o))
	require.Nil(t, o.UserJWT)
	require.Equal(t, user.pub, o.Nkey)
	s := startServer(t)
	opts := GetDefaultOptions()
	opts.URL = s.ClientURL()
	opts.Nkey = user.pub
	opts.UserJWT = func() (string, error) { return ujwt, nil }
	opts.SignatureCB = user.kp.Sign
	_, err = opts.Connect()
	require.ErrorIs(t, err, ErrBadCredentials)
	require.NotErrorIs(t, err, ErrNoServers)
}

// --- TLS -----------------------------------------------------------------------------------

// testPKI is a CA, a server certificate for 127.0.0.1 and a client
// certificate, generated for the test.
type testPKI struct {
	caPEM                  []byte
	serverCert             tls.Certificate
	clientCert, clientKey  []byte
	caPool                 *x509.CertPool
	strangerCA, strangerKy []byte // a CA that signed nothing here
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	serial := int64(0)
	issue := func(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte) {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalECPrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	caTmpl := func(name string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	caKey := newKey()
	ca, caPEM := issue(caTmpl("wsnats test CA"), caKey, nil, nil)
	srvKey := newKey()
	_, srvPEM := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		srvKey, ca, caKey)
	serverCert, err := tls.X509KeyPair(srvPEM, keyPEM(srvKey))
	require.NoError(t, err)
	cliKey := newKey()
	_, cliPEM := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "wsnats client"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		cliKey, ca, caKey)
	strangerKey := newKey()
	_, strangerPEM := issue(caTmpl("stranger CA"), strangerKey, nil, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{caPEM: caPEM, serverCert: serverCert, clientCert: cliPEM, clientKey: keyPEM(cliKey),
		caPool: pool, strangerCA: strangerPEM, strangerKy: keyPEM(strangerKey)}
}

// tlsServer configures TLS on the TCP and websocket listeners; verify
// also demands a client certificate from the CA.
func (p *testPKI) tlsServer(verify bool) func(*natsserver.Options) {
	return func(o *natsserver.Options) {
		cfg := &tls.Config{Certificates: []tls.Certificate{p.serverCert}, MinVersion: tls.VersionTLS12}
		if verify {
			cfg.ClientCAs = p.caPool
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
		o.TLS, o.TLSVerify, o.TLSConfig, o.TLSTimeout = true, verify, cfg, 2
		o.Websocket.TLSConfig = cfg.Clone()
		o.Websocket.NoTLS = false
	}
}

// tlsURLs are the tls:// and wss:// URLs of a TLS server.
func tlsURLs(t *testing.T, s *natsserver.Server) map[string]string {
	ws, err := url.Parse(s.WebsocketURL())
	require.NoError(t, err)
	require.Equal(t, "wss", ws.Scheme)
	return map[string]string{
		"tls": fmt.Sprintf("tls://127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port),
		"wss": ws.String(),
	}
}

func TestTLSServerCertificate(t *testing.T) {
	pki := newTestPKI(t)
	s := startServer(t, pki.tlsServer(false))
	for name, u := range tlsURLs(t, s) {
		t.Run(name, func(t *testing.T) {
			nc := connect(t, u, RootCAs(pki.caPEM))
			requireWorks(t, nc)
			require.True(t, nc.ServerInfo().TLSRequired || name == "wss")
			nc.Close()

			nc = connect(t, u, Secure(&tls.Config{RootCAs: pki.caPool, MinVersion: tls.VersionTLS12}))
			requireWorks(t, nc)
			nc.Close()

			// A CA that did not sign the server's certificate, and the system roots.
			for _, opt := range []Option{RootCAs(pki.strangerCA), nil} {
				start := time.Now()
				_, err := Connect(u, NoReconnect(), Timeout(5*time.Second), opt)
				require.ErrorIs(t, err, ErrNoServers)
				require.ErrorContains(t, err, "certificate")
				require.Less(t, time.Since(start), failFast)
			}
		})
	}
}

func TestTLSRequiredOnPlainURL(t *testing.T) {
	pki := newTestPKI(t)
	s := startServer(t, pki.tlsServer(false))
	start := time.Now()
	require.True(t, strings.HasPrefix(s.ClientURL(), "tls://"))
	plain := fmt.Sprintf("nats://127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
	_, err := Connect(plain, NoReconnect(), Timeout(5*time.Second), RootCAs(pki.caPEM))
	require.Error(t, err)
	require.Contains(t, err.Error(), "requires TLS: use tls://")
	require.Less(t, time.Since(start), failFast)
}

func TestTLSClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	s := startServer(t, pki.tlsServer(true))
	for name, u := range tlsURLs(t, s) {
		t.Run(name, func(t *testing.T) {
			nc := connect(t, u, RootCAs(pki.caPEM), ClientCert(pki.clientCert, pki.clientKey))
			requireWorks(t, nc)
			nc.Close()

			// Options compose: a user's config is copied, never changed.
			base := &tls.Config{MinVersion: tls.VersionTLS12}
			nc = connect(t, u, Secure(base), RootCAs(pki.caPEM), ClientCert(pki.clientCert, pki.clientKey))
			nc.Close()
			require.Nil(t, base.RootCAs)
			require.Empty(t, base.Certificates)

			for what, opt := range map[string]Option{
				"no client certificate":                      nil,
				"a certificate the server's CA did not sign": ClientCert(pki.strangerCA, pki.strangerKy),
			} {
				_, err := Connect(u, NoReconnect(), Timeout(5*time.Second), RootCAs(pki.caPEM), opt)
				require.Error(t, err, what)
				require.ErrorIs(t, err, ErrNoServers, what)
			}
		})
	}
	var o Options
	require.ErrorContains(t, RootCAs([]byte("not pem"))(&o), "no PEM certificate")
	require.Error(t, ClientCert(pki.clientCert, []byte("not a key"))(&o))
}

// --- cookie authentication (websocket) -------------------------------------------------------

func cookieHeader(pairs ...string) Option {
	h := http.Header{}
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, (&http.Cookie{Name: pairs[i], Value: pairs[i+1]}).String())
	}
	h.Set("Cookie", strings.Join(parts, "; "))
	return WebSocketHeader(h)
}

func TestCookieAuth(t *testing.T) {
	t.Run("token_cookie", func(t *testing.T) {
		token := secret(t, "tok")
		s := startServer(t, func(o *natsserver.Options) {
			o.Authorization = token
			o.Websocket.TokenCookie = "nats_token"
		})
		ex := newExposure(t)
		log := Logger(ex.log.logger())
		nc := connect(t, s.WebsocketURL(), cookieHeader("nats_token", token), log)
		requireWorks(t, nc)
		ex.conn(nc)
		nc.Close()
		ex.err(connectFails(t, s.WebsocketURL(), cookieHeader("nats_token", "wrong"), log))
		ex.err(connectFails(t, s.WebsocketURL(), cookieHeader("other", token), log))
		ex.requireHidden(token)
	})
	t.Run("user_cookie and pass_cookie", func(t *testing.T) {
		pass := secret(t, "pw")
		s := startServer(t, func(o *natsserver.Options) {
			o.Users = []*natsserver.User{{Username: "alice", Password: pass}}
			o.Websocket.UsernameCookie = "nats_user"
			o.Websocket.PasswordCookie = "nats_pass"
		})
		nc := connect(t, s.WebsocketURL(), cookieHeader("nats_user", "alice", "nats_pass", pass))
		requireWorks(t, nc)
		nc.Close()
		connectFails(t, s.WebsocketURL(), cookieHeader("nats_user", "alice"))
	})
	t.Run("jwt_cookie", func(t *testing.T) {
		op := newOperatorSetup(t)
		user := newUserKey(t)
		bearer := op.userJWT(t, user, func(uc *jwt.UserClaims) { uc.BearerToken = true })
		signed := op.userJWT(t, user)
		s := startServer(t, op.options(t), func(o *natsserver.Options) { o.Websocket.JWTCookie = "nats_jwt" })
		// A bearer JWT needs no signature: the client sends nothing of its own.
		nc := connect(t, s.WebsocketURL(), cookieHeader("nats_jwt", bearer))
		requireWorks(t, nc)
		nc.Close()
		// A JWT that is not a bearer token needs the nonce signed: the cookie alone fails.
		connectFails(t, s.WebsocketURL(), cookieHeader("nats_jwt", signed))
	})
}

// The websocket origin checks documented in the README: a page origin in
// allowed_origins connects, another is refused at the upgrade.
func TestCookieAuthOriginChecks(t *testing.T) {
	token := secret(t, "tok")
	s := startServer(t, func(o *natsserver.Options) {
		o.Authorization = token
		o.Websocket.TokenCookie = "nats_token"
		o.Websocket.AllowedOrigins = []string{"http://127.0.0.1:8000"}
	})
	origin := func(o string) Option {
		return WebSocketHeader(http.Header{"Origin": {o}, "Cookie": {"nats_token=" + token}})
	}
	nc := connect(t, s.WebsocketURL(), origin("http://127.0.0.1:8000"))
	requireWorks(t, nc)
	nc.Close()
	_, err := Connect(s.WebsocketURL(), NoReconnect(), origin("http://evil.example"))
	require.ErrorIs(t, err, ErrNoServers)
	require.ErrorContains(t, err, "403")
	require.NotContains(t, err.Error(), token)
}
