package jsbridge

import (
	"fmt"
	"time"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// connectOptions are the options of wsnats.connect as bridge.js passes them
// (already type-checked there; checked again here). Pointers are nil for
// options the caller left out.
type connectOptions struct {
	Servers              []string
	Name                 string
	Timeout              *float64
	MaxReconnectAttempts *int
	ReconnectTimeWait    *float64
	PingInterval         *float64
	MaxPingOut           *int
	NoEcho               bool
	Debug                bool
	InboxPrefix          string
	ReconnectBufSize     *int
	Token                string
	User                 string
	Pass                 string
	Authenticator        *authOptions
}

// authOptions are the pieces of the authenticator option.
type authOptions struct {
	NkeySeed string
	Nkey     string // public user key, for sign without jwt
	JWT      string
	Creds    string
	HasSign  bool
}

func invalidOption(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalidOption, fmt.Sprintf(format, args...))
}

func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// buildOptions turns the JS options into wsnats Options.
func buildOptions(co connectOptions) (wsnats.Options, connectOptions, error) {
	o := wsnats.GetDefaultOptions()
	if len(co.Servers) == 0 {
		return o, co, invalidOption("servers is required: a ws:// or wss:// URL or a list of them")
	}
	for _, s := range co.Servers {
		if s == "" {
			return o, co, invalidOption("servers contains an empty URL")
		}
	}
	o.Servers = co.Servers
	o.Name = co.Name
	if co.Timeout != nil {
		if *co.Timeout <= 0 {
			return o, co, invalidOption("timeout must be a positive number of milliseconds, got %v", *co.Timeout)
		}
		o.Timeout = millis(*co.Timeout)
	}
	if co.MaxReconnectAttempts != nil {
		o.MaxReconnects = *co.MaxReconnectAttempts
		if o.MaxReconnects == 0 {
			o.AllowReconnect = false
		}
	}
	if co.ReconnectTimeWait != nil {
		if *co.ReconnectTimeWait < 0 {
			return o, co, invalidOption("reconnectTimeWait must not be negative")
		}
		o.ReconnectWait = millis(*co.ReconnectTimeWait)
	}
	if co.PingInterval != nil {
		if *co.PingInterval <= 0 {
			return o, co, invalidOption("pingInterval must be a positive number of milliseconds")
		}
		o.PingInterval = millis(*co.PingInterval)
	}
	if co.MaxPingOut != nil {
		if *co.MaxPingOut <= 0 {
			return o, co, invalidOption("maxPingOut must be a positive integer")
		}
		o.MaxPingsOutstanding = *co.MaxPingOut
	}
	o.NoEcho = co.NoEcho
	if co.InboxPrefix != "" {
		if err := wsnats.InboxPrefix(co.InboxPrefix)(&o); err != nil {
			return o, co, invalidOption("inboxPrefix: %v", err)
		}
	}
	if co.ReconnectBufSize != nil {
		o.ReconnectBufSize = *co.ReconnectBufSize
		if o.ReconnectBufSize == 0 {
			o.ReconnectBufSize = -1
		}
	}
	if co.User != "" || co.Pass != "" {
		if co.User == "" {
			return o, co, invalidOption("pass was given without user")
		}
		o.User, o.Password = co.User, co.Pass
	}
	o.Token = co.Token
	return o, co, nil
}
