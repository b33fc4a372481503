package wsnats

// protoHandler receives the operations the parser recognises, in wire order.
//
// Byte slices passed to a handler are only valid for the duration of the
// call: the parser reuses its buffers, so a handler that keeps data must copy
// it. The parser never calls a handler concurrently with itself.
type protoHandler interface {
	// onMsg is called for MSG (hdr is nil) and HMSG (hdr holds the header
	// block including the NATS/1.0 line and the final CRLFCRLF). reply is
	// empty when the message has no reply subject.
	onMsg(subject, reply []byte, sid uint64, hdr, payload []byte)
	// onInfo is called with the JSON document that follows "INFO ".
	onInfo(info []byte)
	// onPing is called for PING.
	onPing()
	// onPong is called for PONG.
	onPong()
	// onOK is called for +OK (verbose mode).
	onOK()
	// onErr is called for -ERR with the text between the quotes.
	onErr(text string)
}
