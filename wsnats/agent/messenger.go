package agent

import (
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Messenger is the publish/subscribe transport agents use beyond their
// mailboxes. NATS (an adapter around *wsnats.Conn), Bus (in process) and
// Fallback (NATS when connected, else in process) implement it, so agent
// code runs unchanged with or without a server.
type Messenger interface {
	// Publish sends data to the literal subject subj.
	Publish(subj string, data []byte) error
	// Subscribe calls cb for each message on subj (wildcards allowed), one
	// at a time, in order. Only Subject and Data of the message are
	// guaranteed to be set.
	Subscribe(subj string, cb wsnats.MsgHandler) (Subscription, error)
	// IsConnected reports whether published messages reach their
	// subscribers now.
	IsConnected() bool
}

// Subscription is interest registered with a Messenger. *wsnats.Subscription
// implements it.
type Subscription interface {
	// Unsubscribe removes the interest; messages not yet delivered are dropped.
	Unsubscribe() error
}

// ConnectionNotifier is implemented by messengers whose connection comes
// and goes (NATS and Fallback). The supervisor uses it to report the state.
type ConnectionNotifier interface {
	// OnConnectionChange registers fn, called with true when the connection
	// comes up and false when it is lost or closed; the returned function
	// removes it. Calls may repeat a state.
	OnConnectionChange(fn func(connected bool)) (remove func())
}

// NATS adapts a wsnats connection to Messenger. The adapter exists because
// (*wsnats.Conn).Subscribe returns the concrete *wsnats.Subscription, so the
// Conn's method set cannot equal an interface that the in-process Bus also
// implements; the adapter only widens that result to Subscription.
func NATS(nc *wsnats.Conn) Messenger { return natsMessenger{nc} }

// natsMessenger is the NATS adapter.
type natsMessenger struct{ nc *wsnats.Conn }

// Publish publishes data on the connection.
func (n natsMessenger) Publish(subj string, data []byte) error { return n.nc.Publish(subj, data) }

// Subscribe subscribes on the connection.
func (n natsMessenger) Subscribe(subj string, cb wsnats.MsgHandler) (Subscription, error) {
	s, err := n.nc.Subscribe(subj, cb)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// IsConnected reports the connection's state.
func (n natsMessenger) IsConnected() bool { return n.nc.IsConnected() }

// OnConnectionChange maps the connection's events to connected/lost.
func (n natsMessenger) OnConnectionChange(fn func(connected bool)) (remove func()) {
	if n.nc == nil || fn == nil {
		return func() {}
	}
	return n.nc.OnEvent(func(ev wsnats.Event) {
		switch ev.Type {
		case wsnats.EventConnected, wsnats.EventReconnected:
			fn(true)
		case wsnats.EventDisconnected, wsnats.EventClosed:
			fn(false)
		}
	})
}
