package wsnats

import (
	"sync"
	"time"
)

// Status is the state of a connection.
type Status int

// Connection states.
const (
	Disconnected Status = iota
	Connected
	Closed
	Reconnecting
	Connecting
	Draining
)

// String returns the state's name.
func (s Status) String() string {
	switch s {
	case Disconnected:
		return "DISCONNECTED"
	case Connected:
		return "CONNECTED"
	case Closed:
		return "CLOSED"
	case Reconnecting:
		return "RECONNECTING"
	case Connecting:
		return "CONNECTING"
	case Draining:
		return "DRAINING"
	}
	return "UNKNOWN"
}

// EventType names what an Event reports.
type EventType string

// Event types, in the words the JS bridge uses.
const (
	EventConnected         EventType = "connect"
	EventDisconnected      EventType = "disconnect"
	EventReconnecting      EventType = "reconnecting"
	EventReconnected       EventType = "reconnect"
	EventServersDiscovered EventType = "update"
	EventLameDuckMode      EventType = "ldm"
	EventError             EventType = "error"
	EventSlowConsumer      EventType = "slowConsumer"
	EventDraining          EventType = "draining"
	EventClosed            EventType = "close"
)

// Event is a change in a connection's life, delivered in order to the
// functions registered with OnEvent and to the Options handlers.
type Event struct {
	Type EventType
	// Err is the cause of a disconnect, the asynchronous error, or the last
	// error on close.
	Err error
	// Attempt and Delay describe the next reconnect attempt.
	Attempt int
	Delay   time.Duration
	// Servers lists the servers known after a discovery.
	Servers []string
	// Sub is the subscription an error concerns, if any.
	Sub *Subscription
	// PossiblyLost, on EventDisconnected, counts the publishes written to
	// the lost connection after the last one the server confirmed: they
	// may or may not have reached it. Everything the connection certainly
	// never sent is written again after the reconnect.
	PossiblyLost Loss
	// Unsent, on EventClosed, counts the publishes accepted but never
	// written: Close found them queued and the transport did not take
	// them, or the connection closed while disconnected.
	Unsent Loss
}

// dispatcher runs event handlers one at a time on its own goroutine, so
// no handler ever runs under a lock of the connection or blocks its I/O.
type dispatcher struct {
	mu       sync.Mutex
	queue    []func()
	signal   chan struct{}
	stopped  bool
	done     chan struct{}
	handlers map[int]func(Event)
	nextID   int
}

func newDispatcher() *dispatcher {
	d := &dispatcher{signal: make(chan struct{}, 1), done: make(chan struct{}), handlers: map[int]func(Event){}}
	go d.run()
	return d
}

// post queues f; after stop it is dropped.
func (d *dispatcher) post(f func()) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.queue = append(d.queue, f)
	d.mu.Unlock()
	select {
	case d.signal <- struct{}{}:
	default:
	}
}

// stop lets queued work finish, then ends the goroutine.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	select {
	case d.signal <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		q := d.queue
		d.queue = nil
		stopped := d.stopped
		d.mu.Unlock()
		for _, f := range q {
			runGuarded(f)
		}
		if stopped && len(q) == 0 {
			return
		}
		if len(q) == 0 {
			<-d.signal
		}
	}
}

func runGuarded(f func()) {
	defer func() { _ = recover() }()
	f()
}

func (d *dispatcher) add(fn func(Event)) func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := d.nextID
	d.nextID++
	d.handlers[id] = fn
	return func() {
		d.mu.Lock()
		delete(d.handlers, id)
		d.mu.Unlock()
	}
}

func (d *dispatcher) listeners() []func(Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]func(Event), 0, len(d.handlers))
	for i := 0; i < d.nextID; i++ {
		if h, ok := d.handlers[i]; ok {
			out = append(out, h)
		}
	}
	return out
}
