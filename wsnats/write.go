package wsnats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Send backpressure in the browser: when the socket holds more than
// sendHighWater bytes not yet sent, the writer waits until it drops below
// sendLowWater. Meanwhile data waits in the Go outbound buffer, bounded by
// Options.OutboundLimit.
const (
	sendHighWater = 1 << 20
	sendLowWater  = 256 << 10
)

// Publish sends data to subj. It returns once the message is in the
// outbound buffer; use Flush to wait until the server has it.
func (c *Conn) Publish(subj string, data []byte) error {
	return c.publish(subj, "", nil, data)
}

// PublishRequest sends data to subj with reply as the reply subject.
func (c *Conn) PublishRequest(subj, reply string, data []byte) error {
	return c.publish(subj, reply, nil, data)
}

// PublishMsg sends m: its subject, reply subject, headers and data.
func (c *Conn) PublishMsg(m *Msg) error {
	if m == nil {
		return fmt.Errorf("failed to publish: %w: nil message", ErrBadSubject)
	}
	return c.publish(m.Subject, m.Reply, m.Header, m.Data)
}

// PublishJSON encodes v as JSON and publishes it to subj.
func (c *Conn) PublishJSON(subj string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("failed to publish to %q: %w: %v", subj, ErrJSONPayload, err)
	}
	return c.publish(subj, "", nil, data)
}

func (c *Conn) publish(subj, reply string, h Header, data []byte) error {
	if c == nil {
		return ErrInvalidConnection
	}
	if err := checkSubject(subj, true); err != nil {
		return subjectError("publish to", subj, err)
	}
	if reply != "" {
		if err := checkSubject(reply, true); err != nil {
			return fmt.Errorf("failed to publish to %q: bad reply subject: %w", subj, err)
		}
	}
	var hdr []byte
	if len(h) > 0 {
		if err := validateHeader(h); err != nil {
			return subjectError("publish to", subj, err)
		}
		hdr = appendHeader(nil, h)
	}
	c.mu.Lock()
	if err := c.canPublish(len(hdr) > 0, len(hdr)+len(data), pubLen(subj, reply, len(hdr), len(data))); err != nil {
		c.mu.Unlock()
		return subjectError("publish to", subj, err)
	}
	b := c.out.room(pubLen(subj, reply, len(hdr), len(data)))
	if hdr == nil {
		c.out.cur = appendPub(b, subj, reply, data)
	} else {
		c.out.cur = appendHPub(b, subj, reply, hdr, data)
	}
	c.out.curMsgs++
	c.mu.Unlock()
	c.stats.outMsgs.Add(1)
	c.stats.outBytes.Add(uint64(len(hdr) + len(data)))
	c.kick()
	return nil
}

// canPublish checks state and limits for a message of size bytes (headers
// and payload) that takes wire bytes as a command. c.mu is held.
func (c *Conn) canPublish(headers bool, size, wire int) error {
	if c.status == Closed {
		return ErrConnectionClosed
	}
	if c.drainPubs {
		return ErrConnectionDraining
	}
	if headers && !c.info.Headers {
		return ErrHeadersNotSupported
	}
	if mp := c.info.MaxPayload; mp > 0 && int64(size) > mp {
		return fmt.Errorf("%w: %d bytes, the server accepts %d", ErrMaxPayload, size, mp)
	}
	if c.link == nil {
		// Disconnected: everything waiting to be written (publishes,
		// protocol bytes) counts, command framing included.
		limit := c.opts.ReconnectBufSize
		if limit < 0 {
			return fmt.Errorf("%w: disconnected and the reconnect buffer is disabled", ErrReconnectBufExceeded)
		}
		if c.out.len()+wire > limit {
			return fmt.Errorf("%w: %d bytes buffered, limit %d", ErrReconnectBufExceeded, c.out.len(), limit)
		}
		return nil
	}
	if limit := c.opts.OutboundLimit; limit > 0 && c.out.len()+size > limit {
		return fmt.Errorf("%w: %d bytes waiting, limit %d", ErrOutboundBufferFull, c.out.len(), limit)
	}
	return nil
}

// A PING now and then bounds what the loss of a link may cost: whatever
// the server confirmed (its PONG) is known to have arrived, so only what
// was written since counts as possibly lost (see sentLog). The writer
// adds one at the end of a burst once confirmBytes were written since the
// last PING, or when confirmDelay has passed since it with data written.
// A steady stream then carries one PING per 64 KiB, a trickle at most five
// a second, an idle connection none.
const (
	confirmBytes = 64 << 10
	confirmDelay = 200 * time.Millisecond
)

// writeLoop sends the outbound buffer in bursts until the connection
// closes. It asks the server to confirm what was written (confirmDelay
// after data with no PING since), and once it has been idle for a while it
// gives back the blocks kept for reuse.
func (c *Conn) writeLoop() {
	idle := c.opts.timer(freeTrimDelay)
	defer idle.Stop()
	confirm := c.opts.timer(confirmDelay)
	defer confirm.Stop()
	for {
		select {
		case <-c.wake:
		case <-idle.C():
			c.mu.Lock()
			c.out.trim(idleFreeBlocks)
			c.mu.Unlock()
			continue
		case <-confirm.C():
			if !c.askConfirm() {
				continue
			}
		case <-c.closedCh:
			return
		}
		for c.writeBurst() {
		}
		idle.Reset(freeTrimDelay)
		confirm.Reset(confirmDelay)
	}
}

// askConfirm queues a PING when the live link has data written since its
// last PING; it reports whether it did.
func (c *Conn) askConfirm() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.link
	if l == nil || c.status == Closed || len(c.pingQueue) > 0 {
		return false
	}
	l.mu.Lock()
	unconfirmed := l.sent.taken > l.sent.pinged
	l.mu.Unlock()
	if unconfirmed {
		c.pingQueue = append(c.pingQueue, nil)
	}
	return unconfirmed
}

// writeBurst writes what has accumulated. It reports whether it wrote
// anything (so the caller looks again).
func (c *Conn) writeBurst() bool {
	c.wmu.Lock() // linkLost and leaveLameDuck wait on it for a burst in flight
	defer c.wmu.Unlock()
	c.mu.Lock()
	l := c.link
	if l == nil || c.status == Closed || (c.out.len() == 0 && len(c.pingQueue) == 0) {
		c.mu.Unlock()
		return false
	}
	l.mu.Lock()
	if l.ended { // lost: linkLost is about to detach it
		l.mu.Unlock()
		c.mu.Unlock()
		return false
	}
	now := time.Now()
	if len(c.pingQueue) == 0 && l.sent.wantsConfirm(c.out.len(), now) {
		c.pingQueue = append(c.pingQueue, nil)
	}
	for _, ch := range c.pingQueue {
		c.out.cur = append(c.out.room(len(pingCmd)), pingCmd...)
		// The PING is the last command queued: its PONG confirms all of it.
		end := l.sent.taken + int64(c.out.len())
		l.pongs = append(l.pongs, pongWait{ch, end, l.sent.takenMsgs + int64(c.out.msgs())})
		l.sent.pinged, l.sent.pingedAt = end, now
	}
	c.pingQueue = c.pingQueue[:0]
	blocks := c.out.take()
	l.sent.take(blocks)
	l.mu.Unlock()
	c.mu.Unlock()

	var err error
	var n int64
	for _, b := range blocks {
		var w int
		w, err = writeChunks(l.t, b.b, c.closedCh)
		n += int64(w)
		if err != nil {
			break
		}
	}

	l.mu.Lock()
	done := l.sent.wrote(blocks, n, l.t.buffered())
	l.mu.Unlock()
	c.mu.Lock()
	c.out.recycle(done)
	c.mu.Unlock()
	if err != nil {
		if !errors.Is(err, ErrConnectionClosed) {
			l.fail(fmt.Errorf("failed to write to %s: %w", redactURL(l.server.url), err))
		} // else Close cut the burst short and writes the rest itself (writeRest)
		return false
	}
	return true
}

// writeChunks writes buf in pieces no larger than the transport takes,
// waiting while the transport's own send buffer is above the high-water
// mark. It returns how many bytes the transport accepted.
func writeChunks(t transport, buf []byte, closed <-chan struct{}) (int, error) {
	max := t.maxWrite()
	done := 0
	for done < len(buf) {
		if t.buffered() > sendHighWater {
			if err := waitDrained(t, closed); err != nil {
				return done, err
			}
		}
		n := len(buf) - done
		if max > 0 && n > max {
			n = max
		}
		w, err := t.write(buf[done : done+n])
		done += w
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// waitDrained polls the transport until its send buffer is below the
// low-water mark. The browser has no event for that, so it polls; the
// timer lets the page's event loop run and the socket drain.
func waitDrained(t transport, closed <-chan struct{}) error {
	delay := time.Millisecond
	for t.buffered() > sendLowWater {
		if t.readyState() != StateOpen {
			return fmt.Errorf("socket is no longer open")
		}
		select {
		case <-closed:
			return ErrConnectionClosed
		case <-time.After(delay):
		}
		if delay < 16*time.Millisecond {
			delay *= 2
		}
	}
	return nil
}

// Flush sends a PING and waits for the PONG: when it returns nil, the server
// has processed everything published before. While reconnecting it waits
// for the new connection (until ctx ends).
func (c *Conn) Flush(ctx context.Context) error {
	_, err := c.roundTrip(ctx)
	return err
}

// FlushTimeout is Flush with a timeout.
func (c *Conn) FlushTimeout(d time.Duration) error {
	if d <= 0 {
		return ErrBadTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.Flush(ctx)
}

// RTT measures the round trip time to the server.
func (c *Conn) RTT(ctx context.Context) (time.Duration, error) {
	return c.roundTrip(ctx)
}

func (c *Conn) roundTrip(ctx context.Context) (time.Duration, error) {
	if c == nil {
		return 0, ErrInvalidConnection
	}
	c.mu.Lock()
	losses := c.losses
	c.mu.Unlock()
	for {
		c.mu.Lock()
		if c.status == Closed {
			c.mu.Unlock()
			return 0, fmt.Errorf("failed to flush: %w", ErrConnectionClosed)
		}
		if c.link == nil {
			wait := c.connected
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-c.closedCh:
				continue
			case <-ctx.Done():
				return 0, flushCtxErr(ctx)
			}
		}
		ch := make(chan error, 1)
		c.pingQueue = append(c.pingQueue, ch)
		c.mu.Unlock()
		start := time.Now()
		c.kick()
		select {
		case err := <-ch:
			if err == errLinkLost {
				continue // the PING went down with the link: try on the next one
			}
			if err != nil {
				return 0, fmt.Errorf("failed to flush: %w", err)
			}
			if err := c.lossSince(losses); err != nil {
				return 0, err
			}
			return time.Since(start), nil
		case <-ctx.Done():
			return 0, flushCtxErr(ctx)
		}
	}
}

// lossSince returns ErrPossiblyLost when a connection was lost with
// unconfirmed publishes since the count of such losses was losses.
func (c *Conn) lossSince(losses uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.losses == losses {
		return nil
	}
	return fmt.Errorf("failed to flush: %w: %s written before the loss may not have arrived", ErrPossiblyLost, c.lost)
}

func flushCtxErr(ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("failed to flush: %w", ErrTimeout)
	}
	return fmt.Errorf("failed to flush: %w", ctx.Err())
}
