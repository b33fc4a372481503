//go:build js && wasm

package jsbridge

import "github.com/hack-pad/safejs"

// readConnectOptions reads the options object bridge.js checked.
func readConnectOptions(v safejs.Value) (connectOptions, error) {
	var co connectOptions
	if v.Type() != safejs.TypeObject {
		return co, invalidOption("options must be an object")
	}
	servers, err := v.Get("servers")
	if err != nil {
		return co, invalidOption("servers: %v", err)
	}
	n, err := servers.Length()
	if err != nil {
		return co, invalidOption("servers must be an array of URLs")
	}
	for i := range n {
		s, err := servers.Index(i)
		if err == nil {
			var str string
			if str, err = s.String(); err == nil {
				co.Servers = append(co.Servers, str)
				continue
			}
		}
		return co, invalidOption("servers[%d] must be a string", i)
	}
	r := optReader{v: v}
	co.Name = r.str("name")
	co.InboxPrefix = r.str("inboxPrefix")
	co.Token = r.str("token")
	co.User = r.str("user")
	co.Pass = r.str("pass")
	co.NoEcho = r.boolean("noEcho")
	co.Debug = r.boolean("debug")
	co.Timeout = r.float("timeout")
	co.ReconnectTimeWait = r.float("reconnectTimeWait")
	co.PingInterval = r.float("pingInterval")
	co.MaxReconnectAttempts = r.int("maxReconnectAttempts")
	co.MaxPingOut = r.int("maxPingOut")
	co.ReconnectBufSize = r.int("reconnectBufSize")
	if a, err := v.Get("authenticator"); err == nil && a.Type() == safejs.TypeObject {
		ar := optReader{v: a}
		co.Authenticator = &authOptions{
			NkeySeed: ar.str("nkeySeed"),
			Nkey:     ar.str("nkey"),
			JWT:      ar.str("jwt"),
			Creds:    ar.str("creds"),
			HasSign:  ar.boolean("hasSign"),
		}
		if ar.err != nil {
			return co, ar.err
		}
	}
	return co, r.err
}

// optReader reads optional fields, keeping the first type error.
type optReader struct {
	v   safejs.Value
	err error
}

func (r *optReader) get(name string, want safejs.Type) (safejs.Value, bool) {
	x, err := r.v.Get(name)
	if err != nil || x.IsUndefined() || x.IsNull() {
		return x, false
	}
	if x.Type() != want && r.err == nil {
		r.err = invalidOption("%s must be a %s, got %s", name, want, x.Type())
		return x, false
	}
	return x, true
}

func (r *optReader) str(name string) string {
	x, ok := r.get(name, safejs.TypeString)
	if !ok {
		return ""
	}
	s, _ := x.String()
	return s
}

func (r *optReader) boolean(name string) bool {
	x, ok := r.get(name, safejs.TypeBoolean)
	if !ok {
		return false
	}
	b, _ := x.Bool()
	return b
}

func (r *optReader) float(name string) *float64 {
	x, ok := r.get(name, safejs.TypeNumber)
	if !ok {
		return nil
	}
	f, _ := x.Float()
	return &f
}

func (r *optReader) int(name string) *int {
	f := r.float(name)
	if f == nil {
		return nil
	}
	if *f != float64(int(*f)) && r.err == nil {
		r.err = invalidOption("%s must be an integer, got %v", name, *f)
	}
	n := int(*f)
	return &n
}
