package jsbridge

import (
	"encoding/binary"
	"fmt"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Publish batch, JS to Go: records back to back, little endian:
//
//	u16 subject length, subject, u16 reply length, reply, u32 data length, data
//
// Message batch, Go to JS: u32 count, then per message:
//
//	u16 subject length, subject, u16 reply length, reply,
//	u32 header length, header block, u32 data length, data
//
// The header block is the block as received (wsnats Msg.HeaderBytes):
// "NATS/1.0[ code[ description]]\r\n", "key: value\r\n" lines in wire
// order, and "\r\n"; bridge.js parses it when the page reads headers. It
// is empty when the message has no headers and no status.

// maxSubjectBytes bounds a subject and a reply subject, in bytes: the
// client's limit, which bridge.js's MAX_SUBJECT_BYTES repeats.
const maxSubjectBytes = wsnats.MaxSubjectLen

// errSubjectTooLong is the error of a batch record over maxSubjectBytes.
var errSubjectTooLong = fmt.Errorf("%w: longer than %d bytes", wsnats.ErrBadSubject, maxSubjectBytes)

// pubRecord is one publish of a batch. subject and reply alias the batch.
// err is set for a record that is well framed but must not be published
// (a subject or reply over maxSubjectBytes); the records after it are
// still good.
type pubRecord struct {
	subject, reply, data []byte
	err                  error
}

// decodePubBatch calls fn for each record of b, in order. It stops at the
// first malformed record with an error. bridge.js never writes a subject
// over maxSubjectBytes; one that arrives anyway is passed with err set.
func decodePubBatch(b []byte, fn func(r pubRecord)) error {
	for len(b) > 0 {
		var r pubRecord
		var ok bool
		if r.subject, b, ok = take(b, 2); !ok {
			return fmt.Errorf("truncated publish batch (subject)")
		}
		if r.reply, b, ok = take(b, 2); !ok {
			return fmt.Errorf("truncated publish batch (reply)")
		}
		if r.data, b, ok = take(b, 4); !ok {
			return fmt.Errorf("truncated publish batch (data)")
		}
		if len(r.subject) > maxSubjectBytes || len(r.reply) > maxSubjectBytes {
			r.err = errSubjectTooLong
		}
		fn(r)
	}
	return nil
}

// take reads a length prefix of width 2 or 4 and the bytes it announces.
func take(b []byte, width int) (field, rest []byte, ok bool) {
	if len(b) < width {
		return nil, nil, false
	}
	var n int
	if width == 2 {
		n = int(binary.LittleEndian.Uint16(b))
	} else {
		n = int(binary.LittleEndian.Uint32(b))
	}
	b = b[width:]
	if n > len(b) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}

// appendMsgBatch appends the messages in the Go-to-JS layout.
func appendMsgBatch(b []byte, msgs []*wsnats.Msg) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(msgs)))
	for _, m := range msgs {
		b = appendMsg(b, m)
	}
	return b
}

func appendMsg(b []byte, m *wsnats.Msg) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(m.Subject)))
	b = append(b, m.Subject...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(m.Reply)))
	b = append(b, m.Reply...)
	// A block that decoded to neither headers nor a status (an empty
	// or a malformed one, reported by wsnats) is not passed on.
	var hdr []byte
	if m.Header != nil || m.Status() != 0 {
		hdr = m.HeaderBytes()
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	b = append(b, hdr...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.Data)))
	return append(b, m.Data...)
}

// interner returns shared strings for subjects seen before, so a stream
// to one subject does not allocate a string per message.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < 1024 {
		in[s] = s
	}
	return s
}
