// Package agent runs supervised agents on top of wsnats, natively and in
// the browser (GOOS=js GOARCH=wasm), following the supervisor pattern of
// process runtimes such as Erlang/OTP or Lunatic.
//
// An agent is a goroutine with a bounded mailbox and a MemoryBackend. A
// Supervisor starts agents from a Factory, delivers local messages with
// Send (never blocking and never losing a message silently: a full mailbox
// or an unknown agent is an error), and restarts an agent one for one when
// its handler panics or returns an error. The agent's memory is kept across
// restarts, so state survives a crash. Past the restart intensity (at most
// N restarts within T; 5 in 10 s by default) the supervisor stops that
// agent, reports EventFailed and shows StateFailed in Status. Stop drains
// the mailboxes before ending the agents. Every message that is accepted
// and then not handled (an agent failed or was cancelled with messages
// waiting) is reported once as EventDropped; the message whose handling
// failed is reported in EventRestarted or EventFailed and is not retried.
//
// # Messages
//
// Message is the JSON envelope {id, from, to, payload, timestamp}, with the
// timestamp in UTC unix milliseconds. FromNATS converts NATS data: valid
// UTF-8 JSON is kept as the payload; anything else, including empty data
// (which is not JSON) and invalid UTF-8, becomes {"raw":"<standard
// base64>"}. JSON that already has that raw shape is wrapped too, so
// RawBytes returns the original data byte for byte for every input.
//
// # Messengers and the NATS bridge
//
// Messenger is the publish/subscribe interface shared by NATS and the
// in-process Bus. *wsnats.Conn cannot implement it directly because its
// Subscribe returns the concrete *wsnats.Subscription, which an in-process
// bus cannot return; NATS(nc) is the one-line adapter that returns it as a
// Subscription interface instead. Bus matches subjects with the NATS
// wildcard rules ('*' one token, '>' the rest) and delivers *wsnats.Msg
// values with Subject and Data set.
//
// An agent whose Config has NATSEnabled receives what is published to
// <prefix>.<id> (prefix "agents" by default) and may Publish Messages
// (JSON-encoded). Data that is itself an agent Message (a JSON object with
// no members beyond id, from, to, payload and timestamp, and a non-empty id,
// from and a payload) is unwrapped, so agents that talk over NATS keep
// their IDs and senders; other data goes through FromNATS, and the reply
// subject is available as Context.ReplyTo. While a mailbox is full, NATS
// deliveries wait for room (back-pressure) instead of being dropped.
//
// Fallback (WithNATS builds one) publishes over NATS while the connection is
// up and over an in-process Bus while it is down or could not be made, and
// subscribes on both: agents keep working locally, and NATS delivery
// resumes when wsnats reconnects. The supervisor follows the connection
// through Conn.OnEvent and reports it with EventNATSConnected,
// EventNATSDisconnected and NATSConnected.
//
// # Memory backends
//
// InMemory keeps state in process memory: across restarts, not across
// process exits or page reloads. In browser builds, IndexedDB (opened with
// OpenIndexedDB, one database shared by agents, one namespace each) keeps
// it in the browser's IndexedDB, so it survives reloads too. IndexedDB is
// asynchronous, so its methods wait for the browser: call them from a
// goroutine (agent handlers are), never from a JavaScript callback. It is
// tested in headless Chromium only (GOOS=js GOARCH=wasm tests run with
// wasmbrowsertest).
//
// # Registry
//
// Register and Lookup map names to factories so that agents can be started
// by name (for the JS bridge). Two demo agents are built in: "echo"
// (NewEcho) and "counter" (NewCounter).
package agent
