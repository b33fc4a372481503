package wsnats

import "fmt"

// Msg is a message received from or sent to the server.
type Msg struct {
	// Subject the message was published to.
	Subject string
	// Reply is the subject to respond to; empty when none.
	Reply string
	// Header holds the message headers; nil when there are none.
	Header Header
	// Data is the payload. The client never reuses it: it is the receiver's.
	Data []byte
	// Sub is the subscription that received the message (nil for messages
	// built by the user).
	Sub *Subscription

	status     int
	statusDesc string
	hdr        []byte // the received header block; shares its buffer with Data
}

// NewMsg returns a message for subject with an empty header, ready for
// PublishMsg.
func NewMsg(subject string) *Msg {
	return &Msg{Subject: subject, Header: Header{}}
}

// Status returns the status code of a status message (e.g. 503 for no
// responders), or 0.
func (m *Msg) Status() int { return m.status }

// StatusDescription returns the text after the status code, if any.
func (m *Msg) StatusDescription() string { return m.statusDesc }

// HeaderBytes returns the header block of a received message as it came
// from the server: the status line ("NATS/1.0[ code[ description]]"), the
// header lines in the order they were sent and the blank line that ends
// the block. It is nil when the message had no headers, and it does not
// follow later changes to Header. It shares the message's memory: do not
// modify it.
//
// For a message built in Go it encodes Header as PublishMsg sends it
// (keys sorted), or returns nil when Header is empty.
func (m *Msg) HeaderBytes() []byte {
	if m.hdr != nil {
		return m.hdr
	}
	if len(m.Header) == 0 {
		return nil
	}
	return appendHeader(nil, m.Header)
}

// size is what a received message counts against a subscription's pending
// bytes limit: payload and header block.
func (m *Msg) size() int {
	return len(m.hdr) + len(m.Data)
}

// Respond publishes data to the message's reply subject.
func (m *Msg) Respond(data []byte) error {
	return m.RespondMsg(&Msg{Data: data})
}

// RespondMsg publishes resp to the message's reply subject; resp.Subject is
// replaced by the reply subject.
func (m *Msg) RespondMsg(resp *Msg) error {
	if m == nil || m.Sub == nil || m.Sub.conn == nil {
		return fmt.Errorf("failed to respond: %w: the message did not come from a subscription", ErrInvalidConnection)
	}
	if m.Reply == "" {
		return fmt.Errorf("failed to respond to a message on %q: %w: it has no reply subject", m.Subject, ErrBadSubject)
	}
	out := *resp
	out.Subject = m.Reply
	return m.Sub.conn.PublishMsg(&out)
}

// String returns a short description for logs (no payload).
func (m *Msg) String() string {
	return fmt.Sprintf("Msg{Subject: %q, Reply: %q, %d bytes, %d headers}", m.Subject, m.Reply, len(m.Data), len(m.Header))
}
