package wsnats

import (
	"slices"
	"sync"
)

// statusChanBuffer is how many status changes a StatusChanged channel holds
// for a slow reader; more are dropped rather than block the connection.
const statusChanBuffer = 32

// StatusChanged returns a channel that receives the connection's new status
// each time it changes: Reconnecting, Connected (after a reconnect),
// Draining, Disconnected (lost with no reconnect allowed) and Closed. With
// statuses given, only those are sent. The channel is buffered; a reader
// that falls more than 32 changes behind misses changes instead of blocking
// the connection. It is closed after Closed (at once if the connection is
// already closed). Stop listening earlier with RemoveStatusListener.
func (c *Conn) StatusChanged(statuses ...Status) <-chan Status {
	ch := make(chan Status, statusChanBuffer)
	want := func(s Status) bool { return len(statuses) == 0 || slices.Contains(statuses, s) }
	c.mu.Lock()
	if c.status == Closed {
		c.mu.Unlock()
		if want(Closed) {
			ch <- Closed
		}
		close(ch)
		return ch
	}
	reconnects := c.opts.AllowReconnect && c.opts.MaxReconnects != 0
	c.mu.Unlock()

	var mu sync.Mutex // the listener runs on the event goroutine
	last, done := Status(-1), false
	send := func(s Status) {
		mu.Lock()
		defer mu.Unlock()
		if done || s == last {
			return
		}
		last = s
		if want(s) {
			select {
			case ch <- s:
			default:
			}
		}
		if s == Closed {
			done = true
			close(ch)
		}
	}
	remove := c.OnEvent(func(ev Event) {
		switch ev.Type {
		case EventDisconnected:
			if ev.Err == nil {
				return // Close: Closed follows
			}
			if reconnects {
				send(Reconnecting)
			} else {
				send(Disconnected)
			}
		case EventReconnecting:
			send(Reconnecting)
		case EventReconnected:
			send(Connected)
		case EventDraining:
			send(Draining)
		case EventClosed:
			send(Closed)
		}
	})
	c.statusMu.Lock()
	if c.statusChans == nil {
		c.statusChans = map[<-chan Status]func(){}
	}
	c.statusChans[ch] = remove
	c.statusMu.Unlock()
	// Closed just before the listener was added: its event may be gone.
	if c.IsClosed() {
		send(Closed)
	}
	return ch
}

// RemoveStatusListener stops sending status changes to ch, a channel
// returned by StatusChanged. The channel is not closed.
func (c *Conn) RemoveStatusListener(ch <-chan Status) {
	c.statusMu.Lock()
	remove := c.statusChans[ch]
	delete(c.statusChans, ch)
	c.statusMu.Unlock()
	if remove != nil {
		remove()
	}
}
