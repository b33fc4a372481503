package wsnats

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// respMux routes replies: one wildcard inbox subscription serves every
// request, each request waiting on its own token.
type respMux struct {
	prefix  string // "<inbox prefix>.<nuid>."
	sub     *Subscription
	mu      sync.Mutex
	next    uint64
	waiters map[string]chan *Msg
}

func (c *Conn) responder() (*respMux, error) {
	c.respMu.Lock()
	defer c.respMu.Unlock()
	if c.resp != nil {
		return c.resp, nil
	}
	r := &respMux{prefix: c.opts.InboxPrefix + "." + ids.next() + ".", waiters: map[string]chan *Msg{}}
	sub, err := c.addSub(r.prefix+"*", "", subAsync, r.route, nil, true)
	if err != nil {
		return nil, err
	}
	sub.SetPendingLimits(-1, -1)
	r.sub = sub
	c.resp = r
	return r, nil
}

func (r *respMux) route(m *Msg) {
	token := m.Subject[len(r.prefix):]
	r.mu.Lock()
	ch := r.waiters[token]
	delete(r.waiters, token)
	r.mu.Unlock()
	if ch != nil {
		ch <- m // buffered: never blocks
	}
}

func (r *respMux) add() (string, chan *Msg) {
	ch := make(chan *Msg, 1)
	r.mu.Lock()
	r.next++
	token := strconv.FormatUint(r.next, 36)
	r.waiters[token] = ch
	r.mu.Unlock()
	return token, ch
}

func (r *respMux) remove(token string) {
	r.mu.Lock()
	delete(r.waiters, token)
	r.mu.Unlock()
}

// pending counts the requests waiting for a reply.
func (r *respMux) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.waiters)
}

// pendingRequests counts the requests waiting for a reply (0 before the
// first request).
func (c *Conn) pendingRequests() int {
	c.respMu.Lock()
	r := c.resp
	c.respMu.Unlock()
	if r == nil {
		return 0
	}
	return r.pending()
}

// closeAll fails every waiting request.
func (r *respMux) closeAll() {
	r.mu.Lock()
	for token, ch := range r.waiters {
		close(ch)
		delete(r.waiters, token)
	}
	r.mu.Unlock()
}

// Request publishes data to subj and waits for one reply, until ctx ends
// (ErrTimeout on deadline). A 503 status reply is ErrNoResponders.
func (c *Conn) Request(ctx context.Context, subj string, data []byte) (*Msg, error) {
	return c.RequestMsg(ctx, &Msg{Subject: subj, Data: data})
}

// RequestTimeout is Request with a timeout instead of a context.
func (c *Conn) RequestTimeout(subj string, data []byte, timeout time.Duration) (*Msg, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("failed to request %q: %w", subj, ErrBadTimeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Request(ctx, subj, data)
}

// RequestMsg publishes m (with headers) and waits for one reply.
func (c *Conn) RequestMsg(ctx context.Context, m *Msg) (*Msg, error) {
	if c == nil {
		return nil, ErrInvalidConnection
	}
	if m == nil {
		return nil, fmt.Errorf("failed to request: %w: nil message", ErrBadSubject)
	}
	if err := checkSubject(m.Subject, true); err != nil {
		return nil, subjectError("request", m.Subject, err)
	}
	r, err := c.responder()
	if err != nil {
		return nil, err
	}
	token, ch := r.add()
	if err := c.publish(m.Subject, r.prefix+token, m.Header, m.Data); err != nil {
		r.remove(token)
		return nil, err
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, subjectError("request", m.Subject, ErrConnectionClosed)
		}
		if resp.status == StatusNoResponders && len(resp.Data) == 0 {
			return nil, subjectError("request", m.Subject, ErrNoResponders)
		}
		return resp, nil
	case <-ctx.Done():
		r.remove(token)
		if ctx.Err() == context.DeadlineExceeded {
			return nil, subjectError("request", m.Subject, ErrTimeout)
		}
		return nil, subjectError("request", m.Subject, ctx.Err())
	}
}
