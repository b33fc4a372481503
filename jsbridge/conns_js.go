//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// bconn is a connection opened from JS.
type bconn struct {
	id     int
	nc     *wsnats.Conn
	sink   safejs.Value // bridge.js object: onMsgs, onSubEnd, onStatus
	timout time.Duration
	subs   map[int]*bsub
	// lastServer is the server of the latest event (for disconnect events,
	// sent when the connection no longer has one).
	lastServer string
	nextID     int
}

func (b *bridge) conn(args []safejs.Value) (*bconn, error) {
	id, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bc := b.conns[id]
	if bc == nil {
		return nil, fmt.Errorf("%w: the connection is closed", wsnats.ErrConnectionClosed)
	}
	return bc, nil
}

// connect(options, sink, sign, resolve, reject): resolves with a connection id.
func (b *bridge) connect(args []safejs.Value) (any, error) {
	co, err := readConnectOptions(argValue(args, 0))
	if err != nil {
		return nil, err
	}
	o, co, err := buildOptions(co)
	if err != nil {
		return nil, err
	}
	sink := argValue(args, 1)
	if co.Debug {
		o.Logger = b.log
	}
	if err := applyAuth(&o, co, argValue(args, 2)); err != nil {
		return nil, err
	}
	settle(argValue(args, 3), argValue(args, 4), func() (any, error) {
		bc := &bconn{sink: sink, timout: o.Timeout, subs: map[int]*bsub{}}
		o.ErrorHandler = nil
		nc, err := o.Connect()
		if err != nil {
			return nil, err
		}
		bc.nc = nc
		bc.lastServer = nc.ConnectedURL()
		b.mu.Lock()
		b.nextID++
		bc.id = b.nextID
		b.conns[bc.id] = bc
		b.mu.Unlock()
		nc.OnEvent(func(ev wsnats.Event) { b.onEvent(bc, ev) })
		if nc.IsClosed() { // closed before the listener was in place
			b.onEvent(bc, wsnats.Event{Type: wsnats.EventClosed, Err: nc.LastError()})
		}
		return bc.id, nil
	})
	return nil, nil
}

// onEvent forwards a connection event to bridge.js as (type, data object).
func (b *bridge) onEvent(bc *bconn, ev wsnats.Event) {
	data := map[string]any{}
	server := bc.nc.ConnectedURL()
	if server == "" {
		server = bc.lastServer // after a disconnect: the server that was lost
	}
	bc.lastServer = server
	switch ev.Type {
	case wsnats.EventConnected:
		return
	case wsnats.EventDisconnected:
		data["server"] = server
		data["possiblyLost"] = map[string]any{"msgs": ev.PossiblyLost.Msgs, "bytes": ev.PossiblyLost.Bytes}
	case wsnats.EventReconnected, wsnats.EventLameDuckMode:
		data["server"] = server
	case wsnats.EventReconnecting:
		data["attempt"] = ev.Attempt
		data["delay"] = ev.Delay.Milliseconds()
		if s := bc.nc.Servers(); len(s) > 0 {
			data["server"] = s[0]
		}
	case wsnats.EventServersDiscovered:
		data["added"] = anySlice(ev.Servers)
		data["deleted"] = []any{}
	case wsnats.EventSlowConsumer:
		if ev.Sub != nil {
			data["subject"] = ev.Sub.Subject
			data["dropped"] = ev.Sub.Dropped()
			if bs := b.findSub(bc, ev.Sub); bs != nil {
				data["sid"] = bs.id
			}
		}
	case wsnats.EventClosed:
		data["unsent"] = map[string]any{"msgs": ev.Unsent.Msgs, "bytes": ev.Unsent.Bytes}
		b.mu.Lock()
		delete(b.conns, bc.id)
		b.mu.Unlock()
	}
	if ev.Err != nil {
		data["error"] = failure(ev.Err)
	}
	if _, err := bc.sink.Call("onStatus", string(ev.Type), data); err != nil {
		consoleError(fmt.Sprintf("a %q status event could not be passed to JS (error: %v)", ev.Type, ev.Err), err)
	}
}

// pub(id, batch): publishes a packed batch; returns the room left (see
// outboundRoom), or the failure of the first publish that failed, with
// the count of failed publishes and the room as its fields failed and room.
func (b *bridge) pub(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	buf, err := argBytes(args, 1, b.pubBuf)
	if err != nil {
		return nil, err
	}
	b.pubBuf = buf
	var first error
	failed := 0
	err = decodePubBatch(buf, func(r pubRecord) {
		if r.err != nil {
			failed++
			if first == nil {
				first = fmt.Errorf("failed to publish: %w", r.err)
			}
			return
		}
		subj := b.intern.get(r.subject)
		var reply string
		if len(r.reply) > 0 {
			reply = string(r.reply)
		}
		if err := bc.nc.PublishRequest(subj, reply, r.data); err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errInternal, err)
	}
	room := outboundRoom(bc.nc)
	if first != nil {
		return failure(first, failed, room), nil
	}
	return room, nil
}

// outboundRoom is how many more bytes of commands the connection accepts
// now: what is left of OutboundLimit while connected, of ReconnectBufSize
// while not.
func outboundRoom(nc *wsnats.Conn) int {
	o := nc.Opts()
	limit := o.OutboundLimit
	if !nc.IsConnected() {
		limit = o.ReconnectBufSize
	}
	if limit <= 0 && nc.IsConnected() {
		return 1 << 40 // no limit
	}
	return max(0, limit-nc.Buffered())
}

// pubMsg(id, subject, reply, data, headers): one publish with headers.
func (b *bridge) pubMsg(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	m, err := msgFromArgs(args, 1)
	if err != nil {
		return nil, err
	}
	return nil, bc.nc.PublishMsg(m)
}

// msgFromArgs reads (subject, reply, data, headers) starting at args[i];
// headers is null or an array of [key, value] pairs.
func msgFromArgs(args []safejs.Value, i int) (*wsnats.Msg, error) {
	subject, err := argString(args, i)
	if err != nil {
		return nil, err
	}
	reply, err := argString(args, i+1)
	if err != nil {
		return nil, err
	}
	data, err := argBytes(args, i+2, nil)
	if err != nil {
		return nil, err
	}
	m := &wsnats.Msg{Subject: subject, Reply: reply, Data: data}
	m.Header, err = readHeaders(argValue(args, i+3))
	return m, err
}

func (bc *bconn) ctx(ms float64) (context.Context, context.CancelFunc) {
	d := bc.timout
	if ms > 0 {
		d = millis(ms)
	}
	return context.WithTimeout(context.Background(), d)
}

// request(id, subject, data, headers, timeoutMs, resolve, reject):
// resolves with the reply packed as a one-message batch.
func (b *bridge) request(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	subject, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	data, err := argBytes(args, 2, nil)
	if err != nil {
		return nil, err
	}
	hdr, err := readHeaders(argValue(args, 3))
	if err != nil {
		return nil, err
	}
	ms, err := argFloat(args, 4)
	if err != nil {
		return nil, err
	}
	settle(argValue(args, 5), argValue(args, 6), func() (any, error) {
		ctx, cancel := bc.ctx(ms)
		defer cancel()
		resp, err := bc.nc.RequestMsg(ctx, &wsnats.Msg{Subject: subject, Data: data, Header: hdr})
		if err != nil {
			return nil, err
		}
		return b.toJSBytes(appendMsgBatch(nil, []*wsnats.Msg{resp}))
	})
	return nil, nil
}

// flush(id, timeoutMs, resolve, reject).
func (b *bridge) flush(args []safejs.Value) (any, error) {
	return b.pingPong(args, func(time.Duration) any { return nil })
}

// rtt(id, timeoutMs, resolve, reject): resolves with milliseconds.
func (b *bridge) rtt(args []safejs.Value) (any, error) {
	return b.pingPong(args, func(d time.Duration) any { return float64(d.Microseconds()) / 1000 })
}

// pingPong runs a PING/PONG round trip (Flush and RTT are the same on the
// wire) and resolves with result of its duration.
func (b *bridge) pingPong(args []safejs.Value, result func(time.Duration) any) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	ms, _ := argFloat(args, 1)
	settle(argValue(args, 2), argValue(args, 3), func() (any, error) {
		ctx, cancel := bc.ctx(ms)
		defer cancel()
		d, err := bc.nc.RTT(ctx)
		if err != nil {
			return nil, err
		}
		return result(d), nil
	})
	return nil, nil
}

// drain(id, resolve, reject): drains every subscription, flushes, closes.
func (b *bridge) drain(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	settle(argValue(args, 1), argValue(args, 2), func() (any, error) {
		return nil, bc.nc.DrainContext(context.Background())
	})
	return nil, nil
}

// close(id, resolve, reject): resolves once closed. Closing a closed
// connection resolves at once.
func (b *bridge) close(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	resolve, reject := argValue(args, 1), argValue(args, 2)
	if err != nil {
		settle(resolve, reject, func() (any, error) { return nil, nil })
		return nil, nil
	}
	settle(resolve, reject, func() (any, error) {
		bc.nc.Close()
		<-bc.nc.Closed()
		return nil, nil
	})
	return nil, nil
}

// readyState(id): the socket's live readyState; 3 for an unknown id.
func (b *bridge) readyState(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return wsnats.StateClosed, nil
	}
	return bc.nc.ReadyState(), nil
}

// state(id): the connection status name ("CONNECTED", "CLOSED", ...).
func (b *bridge) state(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return wsnats.Closed.String(), nil
	}
	return bc.nc.Status().String(), nil
}

// stats(id): [inMsgs, outMsgs, inBytes, outBytes, reconnects].
func (b *bridge) stats(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	s := bc.nc.Stats()
	return []any{float64(s.InMsgs), float64(s.OutMsgs), float64(s.InBytes), float64(s.OutBytes), float64(s.Reconnects)}, nil
}

// info(id): the server INFO, with the server's field names.
func (b *bridge) info(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return nil, err
	}
	i := bc.nc.ServerInfo()
	return map[string]any{
		"server_id": i.ServerID, "server_name": i.ServerName, "version": i.Version,
		"proto": i.Proto, "host": i.Host, "port": i.Port, "headers": i.Headers,
		"max_payload": float64(i.MaxPayload), "client_id": float64(i.ClientID), "client_ip": i.ClientIP,
		"auth_required": i.AuthRequired, "tls_required": i.TLSRequired, "cluster": i.Cluster,
		"connect_urls": anySlice(i.ConnectURLs), "ldm": i.LameDuckMode, "jetstream": i.JetStream,
	}, nil
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// readHeaders reads null or an array of [key, value] pairs; keys keep the
// case they were given in.
func readHeaders(v safejs.Value) (wsnats.Header, error) {
	if v.IsUndefined() || v.IsNull() {
		return nil, nil
	}
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("%w: headers must be pairs of strings", wsnats.ErrBadHeader)
	}
	h := wsnats.Header{}
	for i := range n {
		pair, err := v.Index(i)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", wsnats.ErrBadHeader, err)
		}
		k, err1 := pair.Index(0)
		val, err2 := pair.Index(1)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: headers must be pairs of strings", wsnats.ErrBadHeader)
		}
		ks, err1 := k.String()
		vs, err2 := val.String()
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: headers must be pairs of strings", wsnats.ErrBadHeader)
		}
		h[ks] = append(h[ks], vs)
	}
	return h, nil
}

// server(id): the URL of the current server, without credentials.
func (b *bridge) server(args []safejs.Value) (any, error) {
	bc, err := b.conn(args)
	if err != nil {
		return "", nil
	}
	if u := bc.nc.ConnectedURL(); u != "" {
		return u, nil
	}
	if s := bc.nc.Servers(); len(s) > 0 {
		return s[0], nil
	}
	return "", nil
}
