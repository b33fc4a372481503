package agent

import (
	"sync"
	"time"
)

// EventType names what a supervisor Event reports.
type EventType string

// Event types.
const (
	// EventStarted: the agent was started by Start.
	EventStarted EventType = "started"
	// EventRestarted: the agent failed (Err, and Message when a message was
	// being handled) and a new instance replaced it.
	EventRestarted EventType = "restarted"
	// EventFailed: the agent failed more often than the restart intensity
	// allows; the supervisor stopped it for good.
	EventFailed EventType = "failed"
	// EventStopped: the agent ended normally (Stop, or its Start context
	// was cancelled).
	EventStopped EventType = "stopped"
	// EventDropped: Message could not be delivered to or handled by the
	// agent (Err says why). Loss is never silent: every such message is
	// reported once.
	EventDropped EventType = "dropped"
	// EventNATSConnected: the messenger's NATS connection came up; NATS
	// delivery resumes.
	EventNATSConnected EventType = "nats_connected"
	// EventNATSDisconnected: the NATS connection is lost or closed; agents
	// go on with local messaging.
	EventNATSDisconnected EventType = "nats_disconnected"
)

// Event reports a change in the life of an agent or of the NATS link.
type Event struct {
	// Type says what happened.
	Type EventType
	// Agent is the agent concerned; empty for the NATS events.
	Agent AgentID
	// Err is the failure cause (restarted, failed) or why a message was
	// dropped.
	Err error
	// Message is the message being handled when the agent failed, or the
	// dropped message; nil otherwise.
	Message *Message
	// Restarts is the agent's restart count after the event.
	Restarts int
	// Time is when the event happened.
	Time time.Time
}

// eventQueue hands events to a callback one at a time, in order, on its
// own goroutine, so that a slow callback never stalls an agent.
type eventQueue struct {
	fn     func(Event)
	mu     sync.Mutex
	queue  []Event
	closed bool
	signal chan struct{}
	done   chan struct{}
}

func newEventQueue(fn func(Event)) *eventQueue {
	q := &eventQueue{fn: fn, signal: make(chan struct{}, 1), done: make(chan struct{})}
	if fn == nil {
		close(q.done)
		return q
	}
	go q.run()
	return q
}

// post queues ev (dropped after close or without a callback).
func (q *eventQueue) post(ev Event) {
	if q.fn == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.queue = append(q.queue, ev)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// close lets the queued events run, then ends the goroutine; it returns a
// channel closed when the last callback has returned.
func (q *eventQueue) close() <-chan struct{} {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	return q.done
}

func (q *eventQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		batch := q.queue
		q.queue = nil
		closed := q.closed
		q.mu.Unlock()
		for _, ev := range batch {
			q.call(ev)
		}
		if len(batch) == 0 {
			if closed {
				return
			}
			<-q.signal
		}
	}
}

// call runs the callback; a panic in it is recovered.
func (q *eventQueue) call(ev Event) {
	defer func() { _ = recover() }()
	q.fn(ev)
}
