package wsnats

import "time"

// Default values of Options.
const (
	DefaultTimeout             = 10 * time.Second
	DefaultMaxReconnects       = 60
	DefaultReconnectWait       = 2 * time.Second
	DefaultReconnectMaxWait    = 30 * time.Second
	DefaultReconnectJitter     = 100 * time.Millisecond
	DefaultPingInterval        = 2 * time.Minute
	DefaultMaxPingsOutstanding = 2
	DefaultReconnectBufSize    = 8 * 1024 * 1024
	DefaultOutboundLimit       = 32 * 1024 * 1024
	DefaultSubPendingMsgs      = 512 * 1024
	DefaultSubPendingBytes     = 64 * 1024 * 1024
	DefaultDrainTimeout        = 30 * time.Second
	DefaultFlusherTimeout      = time.Minute
	DefaultInboxPrefix         = "_INBOX"
)

// MsgHandler is called for each message of a callback subscription.
type MsgHandler func(msg *Msg)

// ConnHandler is called on connection events (reconnected, closed, ...).
type ConnHandler func(nc *Conn)

// ConnErrHandler is called on a disconnection, with its cause (nil when the
// user asked for it).
type ConnErrHandler func(nc *Conn, err error)

// ErrHandler is called for asynchronous errors: a slow consumer, a
// permissions violation, a handler that panicked. sub may be nil.
type ErrHandler func(nc *Conn, sub *Subscription, err error)

// Options configures a connection. Build it with GetDefaultOptions, change
// fields, then call Connect; or pass Option functions to the package-level
// Connect.
//
// The original design's Config{URL, Timeout, MaxReconnects, ReconnectDelay}
// maps one-to-one onto URL, Timeout, MaxReconnects and ReconnectWait.
type Options struct {
	// URL is the server to connect to; it may be a comma-separated list.
	// Schemes: ws://, wss:// (WebSocket), nats://, tls:// (TCP, native only).
	URL string
	// Servers are more servers to try, in addition to URL.
	Servers []string
	// Name is sent to the server to identify this client.
	Name string
	// Timeout bounds establishing a connection (dial + INFO + CONNECT + PONG).
	Timeout time.Duration
	// AllowReconnect enables automatic reconnection after a lost connection.
	AllowReconnect bool
	// MaxReconnects is how many reconnect attempts are made after a lost
	// connection before giving up and closing (with LastError the last
	// attempt's error); a negative value retries forever, 0 closes at once.
	// The count starts again at each disconnect.
	MaxReconnects int
	// ReconnectWait is the first delay between reconnect attempts (the
	// original design's ReconnectDelay); it doubles per attempt up to
	// ReconnectMaxWait. The first attempt after a disconnect goes to
	// another server of the pool, when there is one, without waiting.
	// ReconnectNow cuts a wait short.
	ReconnectWait time.Duration
	// ReconnectMaxWait caps the reconnect backoff.
	ReconnectMaxWait time.Duration
	// ReconnectJitter is the upper bound of the random delay added per attempt.
	ReconnectJitter time.Duration
	// CustomReconnectDelay, when set, returns the delay before attempt number
	// attempts (1-based) and replaces the built-in backoff.
	CustomReconnectDelay func(attempts int) time.Duration
	// ReconnectBufSize bounds the bytes kept while disconnected (default
	// 8 MiB): publishes as protocol commands, so each costs its payload,
	// headers, subject and a command line of about 20 bytes. They are sent,
	// in order, after the reconnect. A publish that does not fit fails with
	// ErrReconnectBufExceeded; nothing is dropped silently. -1 disables the
	// buffer: Publish fails with ErrReconnectBufExceeded while disconnected.
	ReconnectBufSize int
	// OutboundLimit bounds the bytes accepted but not yet written while
	// connected (default 32 MiB); past it Publish fails with
	// ErrOutboundBufferFull. Data still unwritten when the connection is
	// lost stays queued and counts against ReconnectBufSize.
	OutboundLimit int
	// DontRandomize keeps the server order as given.
	DontRandomize bool
	// IgnoreDiscoveredServers ignores servers announced by the cluster.
	IgnoreDiscoveredServers bool
	// PingInterval is how often the client sends a keepalive PING.
	PingInterval time.Duration
	// MaxPingsOutstanding sets when the connection is stale: after
	// PingInterval*MaxPingsOutstanding of wall time without any data from
	// the server (a PONG or anything else), and at least one PingInterval
	// after an unanswered PING. A ping timer that fires late (a throttled
	// or frozen background tab) restarts the measure instead of counting
	// as missed PONGs. 0 or less never declares the connection stale.
	MaxPingsOutstanding int
	// NoEcho asks the server not to deliver this connection's own publishes to it.
	NoEcho bool
	// Verbose asks the server to acknowledge each command with +OK.
	Verbose bool
	// Pedantic asks the server for strict protocol checking.
	Pedantic bool
	// InboxPrefix is the prefix of inbox subjects (default "_INBOX").
	InboxPrefix string
	// SubPendingMsgsLimit and SubPendingBytesLimit are the default pending
	// limits of new subscriptions (see Subscription.SetPendingLimits).
	SubPendingMsgsLimit  int
	SubPendingBytesLimit int
	// DrainTimeout bounds Drain.
	DrainTimeout time.Duration
	// FlusherTimeout bounds how long Close waits for the transport to take
	// what is still queued (0: no bound).
	FlusherTimeout time.Duration

	// User and Password authenticate with a username and password.
	User, Password string
	// Token authenticates with a token.
	Token string
	// TokenHandler returns the token for each (re)connect; overrides Token.
	TokenHandler func() string
	// Nkey is the public NKey; SignatureCB signs the server's nonce with it.
	Nkey string
	// SignatureCB signs the server's nonce (NKey or JWT authentication).
	SignatureCB func(nonce []byte) ([]byte, error)
	// UserJWT returns the user JWT for each (re)connect.
	UserJWT func() (string, error)
	// nkeyFn returns the public NKey when Nkey is empty: NkeyFromSeed sets
	// it in the browser, where the public key of a seed can only be
	// derived by waiting for WebCrypto, which CONNECT (on the connect
	// goroutine) may do and applying options (maybe in a JS callback) may
	// not. The options that set or clear Nkey set or clear it too.
	nkeyFn func() (string, error)
	// TLSConfig configures TLS for tls:// and wss:// natively (it is a
	// *crypto/tls.Config there); the browser uses its own TLS, so in js/wasm
	// the type is empty and setting it is an error.
	TLSConfig *TLSConfig
	// wsHeader is added to the WebSocket upgrade request (natively; see
	// WebSocketHeader).
	wsHeader map[string][]string
	// newTimer makes the writer's timers (real ones when nil); tests fire
	// them by hand.
	newTimer func(d time.Duration) waitTimer

	// ErrorHandler receives asynchronous errors.
	ErrorHandler ErrHandler
	// ConnectedHandler is called once the first connection is established.
	ConnectedHandler ConnHandler
	// DisconnectErrHandler is called when the connection is lost.
	DisconnectErrHandler ConnErrHandler
	// ReconnectHandler is called after a successful reconnect.
	ReconnectHandler ConnHandler
	// ClosedHandler is called once when the connection is closed for good.
	ClosedHandler ConnHandler
	// DiscoveredServersHandler is called when the cluster announces new servers.
	DiscoveredServersHandler ConnHandler
	// LameDuckModeHandler is called when the server enters lame duck mode.
	LameDuckModeHandler ConnHandler
	// Logger receives the client's diagnostic logs (never credentials).
	Logger Log
}

// GetDefaultOptions returns Options holding the defaults.
func GetDefaultOptions() Options {
	return Options{
		Timeout:              DefaultTimeout,
		AllowReconnect:       true,
		MaxReconnects:        DefaultMaxReconnects,
		ReconnectWait:        DefaultReconnectWait,
		ReconnectMaxWait:     DefaultReconnectMaxWait,
		ReconnectJitter:      DefaultReconnectJitter,
		ReconnectBufSize:     DefaultReconnectBufSize,
		OutboundLimit:        DefaultOutboundLimit,
		PingInterval:         DefaultPingInterval,
		MaxPingsOutstanding:  DefaultMaxPingsOutstanding,
		InboxPrefix:          DefaultInboxPrefix,
		SubPendingMsgsLimit:  DefaultSubPendingMsgs,
		SubPendingBytesLimit: DefaultSubPendingBytes,
		DrainTimeout:         DefaultDrainTimeout,
		FlusherTimeout:       DefaultFlusherTimeout,
	}
}

// Option changes Options; pass them to Connect.
type Option func(*Options) error

// Name sets the client name sent to the server.
func Name(name string) Option {
	return func(o *Options) error { o.Name = name; return nil }
}

// Timeout sets the connect timeout.
func Timeout(d time.Duration) Option {
	return func(o *Options) error {
		if d <= 0 {
			return ErrBadTimeout
		}
		o.Timeout = d
		return nil
	}
}

// MaxReconnects sets the number of reconnect attempts; -1 retries forever.
func MaxReconnects(n int) Option {
	return func(o *Options) error { o.MaxReconnects = n; return nil }
}

// NoReconnect disables automatic reconnection.
func NoReconnect() Option {
	return func(o *Options) error { o.AllowReconnect = false; return nil }
}

// ReconnectWait sets the first delay between reconnect attempts.
func ReconnectWait(d time.Duration) Option {
	return func(o *Options) error { o.ReconnectWait = d; return nil }
}

// ReconnectMaxWait caps the reconnect backoff.
func ReconnectMaxWait(d time.Duration) Option {
	return func(o *Options) error { o.ReconnectMaxWait = d; return nil }
}

// ReconnectJitter sets the upper bound of the random delay added per attempt.
func ReconnectJitter(d time.Duration) Option {
	return func(o *Options) error { o.ReconnectJitter = d; return nil }
}

// CustomReconnectDelay replaces the built-in backoff.
func CustomReconnectDelay(f func(attempts int) time.Duration) Option {
	return func(o *Options) error { o.CustomReconnectDelay = f; return nil }
}

// ReconnectBufSize bounds the bytes kept while disconnected; -1 disables it
// (see Options.ReconnectBufSize).
func ReconnectBufSize(n int) Option {
	return func(o *Options) error { o.ReconnectBufSize = n; return nil }
}

// OutboundLimit bounds the bytes accepted but not yet written while connected.
func OutboundLimit(n int) Option {
	return func(o *Options) error { o.OutboundLimit = n; return nil }
}

// DontRandomize keeps the server order as given.
func DontRandomize() Option {
	return func(o *Options) error { o.DontRandomize = true; return nil }
}

// IgnoreDiscoveredServers ignores servers announced by the cluster.
func IgnoreDiscoveredServers() Option {
	return func(o *Options) error { o.IgnoreDiscoveredServers = true; return nil }
}

// PingInterval sets how often the client pings the server.
func PingInterval(d time.Duration) Option {
	return func(o *Options) error { o.PingInterval = d; return nil }
}

// MaxPingsOutstanding sets how many unanswered PINGs mean a stale connection.
func MaxPingsOutstanding(n int) Option {
	return func(o *Options) error { o.MaxPingsOutstanding = n; return nil }
}

// NoEcho asks the server not to echo this connection's publishes back to it.
func NoEcho() Option {
	return func(o *Options) error { o.NoEcho = true; return nil }
}

// Verbose asks the server to acknowledge every command with +OK.
func Verbose() Option {
	return func(o *Options) error { o.Verbose = true; return nil }
}

// Pedantic asks the server for strict protocol checks.
func Pedantic() Option {
	return func(o *Options) error { o.Pedantic = true; return nil }
}

// InboxPrefix sets the prefix of inbox subjects.
func InboxPrefix(prefix string) Option {
	return func(o *Options) error {
		if err := checkSubject(prefix, false); err != nil {
			return subjectError("use inbox prefix", prefix, err)
		}
		o.InboxPrefix = prefix
		return nil
	}
}

// DrainTimeout bounds Drain.
func DrainTimeout(d time.Duration) Option {
	return func(o *Options) error { o.DrainTimeout = d; return nil }
}

// FlusherTimeout bounds how long Close waits for the transport to take
// what is still queued.
func FlusherTimeout(d time.Duration) Option {
	return func(o *Options) error { o.FlusherTimeout = d; return nil }
}

// SubPendingLimits sets the default pending limits of new subscriptions.
func SubPendingLimits(msgs, bytes int) Option {
	return func(o *Options) error {
		o.SubPendingMsgsLimit, o.SubPendingBytesLimit = msgs, bytes
		return nil
	}
}

// ErrorHandler sets the handler of asynchronous errors.
func ErrorHandler(cb ErrHandler) Option {
	return func(o *Options) error { o.ErrorHandler = cb; return nil }
}

// ConnectedHandler sets the handler called once connected.
func ConnectedHandler(cb ConnHandler) Option {
	return func(o *Options) error { o.ConnectedHandler = cb; return nil }
}

// DisconnectErrHandler sets the handler called when the connection is lost.
func DisconnectErrHandler(cb ConnErrHandler) Option {
	return func(o *Options) error { o.DisconnectErrHandler = cb; return nil }
}

// ReconnectHandler sets the handler called after a reconnect.
func ReconnectHandler(cb ConnHandler) Option {
	return func(o *Options) error { o.ReconnectHandler = cb; return nil }
}

// ClosedHandler sets the handler called once the connection is closed.
func ClosedHandler(cb ConnHandler) Option {
	return func(o *Options) error { o.ClosedHandler = cb; return nil }
}

// DiscoveredServersHandler sets the handler called when servers are announced.
func DiscoveredServersHandler(cb ConnHandler) Option {
	return func(o *Options) error { o.DiscoveredServersHandler = cb; return nil }
}

// LameDuckModeHandler sets the handler called when the server enters lame duck mode.
func LameDuckModeHandler(cb ConnHandler) Option {
	return func(o *Options) error { o.LameDuckModeHandler = cb; return nil }
}

// Logger sets the logger for the client's diagnostics.
func Logger(l Log) Option {
	return func(o *Options) error { o.Logger = l; return nil }
}

// UserInfo authenticates with a user name and password.
func UserInfo(user, password string) Option {
	return func(o *Options) error { o.User, o.Password = user, password; return nil }
}

// Token authenticates with a token.
func Token(token string) Option {
	return func(o *Options) error { o.Token = token; return nil }
}

// TokenHandler returns the token on every (re)connect.
func TokenHandler(cb func() string) Option {
	return func(o *Options) error { o.TokenHandler = cb; return nil }
}
