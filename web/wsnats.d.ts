// Type declarations for wasm-nats in the browser.
//
// This file is the contract between the Go/wasm bridge (jsbridge/) and the
// JavaScript that uses it. It describes two things:
//
//   1. `globalThis.wsnats`, the object that the wasm program registers when it
//      starts (see WsNats below), and
//   2. the ES module `wsnats.js`, whose `load()` fetches and starts the wasm
//      program and resolves to that object.
//
// TypeScript picks this file up for `import { load } from "./wsnats.js"`
// because it sits next to wsnats.js with the same base name.
//
// Conventions that hold everywhere below:
//   - Durations are in milliseconds, sizes in bytes.
//   - Every failure is a plain `Error` (see WsNatsError) with a human readable
//     `message` and, where the cause is known, a machine readable `code`.
//   - Synchronous methods throw; asynchronous methods return a promise that
//     rejects. Nothing fails silently.
//   - Bad arguments of any kind (a Symbol, a BigInt, a circular object, a
//     Proxy or getter that throws, NaN, a number out of range, a string that
//     is too long) give such an Error with a code, never a bare TypeError.
//     A method called without its object (`const p = nc.publish; p("a")`)
//     fails with code "INVALID_OPTION": bind it (`nc.publish.bind(nc)`).

// ---------------------------------------------------------------------------
// The loader module (wsnats.js)
// ---------------------------------------------------------------------------

/** Options for {@link load}. */
export interface LoadOptions {
  /**
   * Load the module with agents (`wsnats.supervisor`): `wsnats-agents.wasm`
   * instead of the smaller client-only `wsnats.wasm` (`wasmURL` still wins).
   * One module runs per page: when the page already runs one without agents,
   * the promise rejects (code "LOAD_FAILED"). Default: false.
   */
  agents?: boolean;
  /**
   * URL of the compiled wasm program.
   * Default: `wsnats.wasm` next to wsnats.js (`wsnats-agents.wasm` with
   * `agents: true`).
   */
  wasmURL?: string | URL;
  /**
   * URL of Go's `wasm_exec.js` support script. It is only loaded when
   * `globalThis.Go` is not defined yet.
   * Default: `wasm_exec.js` next to wsnats.js.
   */
  execURL?: string | URL;
  /**
   * How long to wait for the wasm program to register `globalThis.wsnats`,
   * counted from the start of `load()`. Default: 15000.
   */
  timeout?: number;
  /** Command line arguments of the Go program (`os.Args[1:]`). Default: none. */
  args?: string[];
  /** Environment variables of the Go program (`os.Getenv`). Default: none. */
  env?: Record<string, string>;
}

/**
 * Fetches and starts the wsnats wasm program and resolves to the API that it
 * registers as `globalThis.wsnats`.
 *
 * The first call starts the work and later calls return the same promise, so
 * the program runs once per page. If loading fails, the promise rejects with
 * an Error that names the step that failed (fetching wasm_exec.js, fetching or
 * compiling the wasm file, or the program exiting early: code "LOAD_FAILED";
 * the deadline passing: code "TIMEOUT"), and the next call of `load()` tries
 * again.
 */
export function load(opts?: LoadOptions): Promise<WsNats>;

// ---------------------------------------------------------------------------
// The global API (globalThis.wsnats)
// ---------------------------------------------------------------------------

declare global {
  /**
   * The wsnats API. Defined once the wasm program has started; the program
   * also dispatches an `Event("wsnats:ready")` on `globalThis` at that moment.
   */
  // eslint-disable-next-line no-var
  var wsnats: WsNats | undefined;
}

/** The object that the wasm program registers as `globalThis.wsnats`. */
export interface WsNats {
  /** Version of the wasm-nats client, for example "0.1.0" or a VCS revision. */
  readonly version: string;

  /**
   * Whether this module has agents ({@link WsNats.supervisor}): true for
   * `wsnats-agents.wasm`, false for the client-only `wsnats.wasm`.
   */
  readonly agents: boolean;

  /**
   * Opens a connection to a NATS server over WebSocket.
   *
   * Resolves once the server has accepted the CONNECT (the first PING got its
   * PONG), so the connection is usable at once. Rejects with an Error when no
   * server can be reached within `timeout` (code "TIMEOUT" or
   * "CONNECTION_REFUSED"), when the server rejects the credentials (code
   * "AUTHORIZATION_VIOLATION"), or when an option is invalid (code
   * "INVALID_OPTION").
   */
  connect(opts: ConnectionOptions): Promise<Connection>;

  /**
   * Starts agents defined in the wasm program under a supervisor; see
   * {@link Supervisor}. Resolves once every agent runs. Rejects with
   * "INVALID_OPTION" for bad options, "UNKNOWN_KIND" for a kind the program
   * does not have (the message lists those it has), "BAD_SUBJECT" for a bad
   * prefix, "CONNECTION_CLOSED" when `connection` is closed, or
   * "NOT_AVAILABLE" in the client-only module (see {@link WsNats.agents}).
   */
  supervisor(opts: SupervisorOptions): Promise<Supervisor>;
}

/** Options for {@link WsNats.connect}. */
export interface ConnectionOptions {
  /**
   * One server URL or a list of them, each `ws://host:port` or
   * `wss://host:port` (an optional path is kept). With several URLs the
   * client tries them in random order and fails over between them; it also
   * learns further URLs from the server's INFO (`connect_urls`).
   */
  servers: string | string[];
  /**
   * Connection name that the server shows in its monitoring endpoints. It
   * goes in the CONNECT line with token, user, pass and the JWT; a line over
   * the server's limit (4096 bytes by default) makes connect() reject with
   * "CONNECTION_REFUSED" ("maximum control line exceeded").
   */
  name?: string;
  /**
   * Timeout for establishing a connection, per attempt. Default: 10000.
   * Like every duration option: a number of milliseconds above 0 (for
   * reconnectTimeWait: at least 0) and at most 2147483647.
   */
  timeout?: number;
  /**
   * How many times to try to reconnect after the connection was lost, per
   * server: an integer; -1 tries forever, 0 turns reconnecting off. Default: 60.
   */
  maxReconnectAttempts?: number;
  /** Time to wait before trying the same server again. Default: 2000. */
  reconnectTimeWait?: number;
  /**
   * How often the client sends a PING to check that the server is alive.
   * Default: 120000 (the NATS default of two minutes).
   */
  pingInterval?: number;
  /**
   * How many PINGs may go unanswered before the client considers the
   * connection stale and reconnects. Default: 2.
   */
  maxPingOut?: number;
  /**
   * When true, the server does not deliver messages that this connection
   * published to this connection's own subscriptions. Default: false.
   */
  noEcho?: boolean;
  /**
   * When true, the client logs every protocol line that it sends and receives
   * to the browser console. For development only. Default: false.
   */
  debug?: boolean;
  /** Prefix of the subjects that `request()` uses for replies. Default: "_INBOX". */
  inboxPrefix?: string;
  /**
   * How many bytes of outgoing messages the client buffers while it is
   * reconnecting. When the buffer is full, publish() throws with code
   * "RECONNECT_BUFFER_EXCEEDED". An integer of at least 0; 0 turns
   * buffering off (publish() throws while disconnected). Default: 8388608 (8 MiB).
   */
  reconnectBufSize?: number;

  /** Token for token authentication (the server's `authorization.token`). */
  token?: string;
  /** User name for user/password authentication. */
  user?: string;
  /** Password for user/password authentication. */
  pass?: string;
  /** Credentials for nkey or JWT (decentralised) authentication. */
  authenticator?: Authenticator;
  /**
   * Not available in browsers: `wss://` uses the browser's own TLS and the
   * certificates it trusts. Passing it rejects with "INVALID_OPTION".
   */
  tls?: never;
}

/**
 * Credentials for nkey and JWT authentication. Give exactly one of:
 *   - `creds`: the text of a `.creds` file (holds both a JWT and a seed);
 *   - `jwt` with `nkeySeed` or `sign`: a user JWT and the key that signs
 *     the server's nonce;
 *   - `nkeySeed`, or `nkey` with `sign`: plain nkey authentication.
 * The seed never leaves the wasm module; `sign` lets the page keep the key
 * elsewhere (for example in a hardware token or another worker).
 */
export interface Authenticator {
  /** An nkey user seed, the text that starts with "SU". */
  nkeySeed?: string;
  /** The user's public nkey (starts with "U"), needed with `sign` and no `jwt`. */
  nkey?: string;
  /** A user JWT. */
  jwt?: string;
  /** The full text of a NATS `.creds` file. */
  creds?: string;
  /**
   * Signs the server's nonce with the user's private key and returns the
   * raw ed25519 signature (64 bytes). Used instead of `nkeySeed`, with `jwt`
   * or with `nkey`. Called on every (re)connect with that server's nonce; a
   * throw or rejection fails that connect attempt with its message.
   */
  sign?: (nonce: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

/**
 * The state of the connection's WebSocket, with the same numbers as
 * `WebSocket.readyState`: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED.
 */
export type ReadyState = 0 | 1 | 2 | 3;

/** Headers given to publish(), request() and respond(). */
export type HeadersInit = MsgHeaders | Record<string, string | string[]>;

/** Options for {@link Connection.publish} and {@link Msg.respond}. */
export interface PublishOptions {
  /** Subject that a receiver should reply to. */
  reply?: string;
  /**
   * NATS headers. A key may hold several values. Keys are sent as given
   * (NATS header keys are case sensitive). Throws with code
   * "HEADERS_NOT_SUPPORTED" when the server does not support headers.
   */
  headers?: HeadersInit;
}

/** Options for {@link Connection.subscribe}. */
export interface SubscriptionOptions {
  /**
   * Queue group. Of all subscriptions with the same subject and queue
   * group, only one receives each message.
   */
  queue?: string;
  /**
   * Unsubscribe automatically after this many messages (a non-negative
   * integer; 0 means no limit). Same as calling `unsubscribe(max)` right
   * after subscribing.
   */
  max?: number;
  /**
   * Called for each message, in order. Without a callback the subscription
   * is an async iterable instead. `err` is set, and `msg` is undefined, when
   * the subscription fails (for example "PERMISSIONS_VIOLATION" or
   * "SLOW_CONSUMER", or "INTERNAL" when messages could not be handed to JS
   * or their delivery failed for good); after an error that closes the
   * subscription (isClosed() is then true), no more calls follow. An
   * exception thrown by the callback is reported on the console and does not
   * stop the subscription.
   */
  callback?: (err: WsNatsError | null, msg: Msg) => void;
}

/** Options for {@link Connection.request}. */
export interface RequestOptions {
  /**
   * How long to wait for the reply, in milliseconds above 0 and at most
   * 2147483647. Default: the connection's `timeout` (10000).
   */
  timeout?: number;
  /** NATS headers to send with the request. */
  headers?: HeadersInit;
}

/** A connection to a NATS server. */
export interface Connection {
  /**
   * Publishes a message. Returns once the message is queued; the client
   * writes queued messages to the socket in batches. Use flush() to know
   * that the server has processed them.
   *
   * `data` may be a string (sent as UTF-8) or bytes; omitted means an empty
   * payload. Throws synchronously on bad input: an empty or invalid subject
   * or reply subject, or one longer than 2000 bytes in UTF-8 (code
   * "BAD_SUBJECT"; `reply` must be a string, and only undefined, null and ""
   * mean "no reply"), a payload of another type ("BAD_PAYLOAD"), a
   * payload over the server's max_payload ("MAX_PAYLOAD_EXCEEDED"), bad
   * headers ("BAD_HEADERS"), or a closed or draining connection
   * ("CONNECTION_CLOSED", "CONNECTION_DRAINING").
   */
  publish(subject: string, data?: string | Uint8Array, opts?: PublishOptions): void;

  /**
   * Publishes `JSON.stringify(value)` as the payload. Throws with code
   * "BAD_JSON" when the value cannot be turned into JSON, otherwise like
   * publish().
   */
  publishJSON(subject: string, value: unknown, opts?: PublishOptions): void;

  /**
   * Subscribes to a subject, which may contain the wildcards `*` (one token)
   * and `>` (one or more tokens at the end). Throws with code "BAD_SUBJECT"
   * for an invalid subject or queue group (or one longer than 2000 bytes in
   * UTF-8) and "CONNECTION_CLOSED" on a closed connection.
   * The SUB is sent asynchronously; await flush() to be sure that the server
   * knows about it before you rely on it.
   */
  subscribe(subject: string, opts?: SubscriptionOptions): Subscription;

  /**
   * Sends a request and resolves with the first reply. Rejects with an Error
   * whose code is "TIMEOUT" (no reply in time), "NO_RESPONDERS" (no
   * subscription is listening on the subject), or "CONNECTION_CLOSED" (the
   * connection closed while waiting). Input errors reject with the codes of
   * publish().
   */
  request(subject: string, data?: string | Uint8Array, opts?: RequestOptions): Promise<Msg>;

  /**
   * Sends everything that is queued and a PING, and resolves when the PONG
   * arrives, so the server has processed all earlier messages and
   * subscriptions. Rejects with "TIMEOUT" or "CONNECTION_CLOSED".
   */
  flush(): Promise<void>;

  /**
   * Drains the connection: unsubscribes all subscriptions, waits until the
   * messages already on their way have been handled, flushes what is queued
   * for publishing, and then closes. Resolves once closed.
   */
  drain(): Promise<void>;

  /**
   * Closes the connection at once. Queued messages that were not written
   * yet are dropped; use drain() to keep them. Resolves when the socket is
   * closed. Calling close() on a closed connection resolves at once.
   */
  close(): Promise<void>;

  /**
   * Resolves when the connection is closed for good (by close(), drain(),
   * or because reconnecting gave up). The value is the Error that closed it,
   * or undefined when it was closed on purpose. Never rejects.
   */
  closed(): Promise<WsNatsError | undefined>;

  /**
   * The `readyState` of the current WebSocket, read live from the socket:
   * 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. While reconnecting it is the
   * state of the socket being opened; after close() it is 3.
   */
  readonly readyState: ReadyState;

  /** True while the connection is open and not reconnecting. */
  isConnected(): boolean;

  /** True once the connection is closed for good. */
  isClosed(): boolean;

  /** Counters since the connection was created. Returns a new object each call. */
  stats(): Stats;

  /**
   * The INFO of the server that the client is connected to, or undefined
   * before the first INFO. Replaced when the server sends a new INFO.
   */
  readonly info: ServerInfo | undefined;

  /** The URL of the server that the client is connected or connecting to. */
  getServer(): string;

  /**
   * Registers a callback for status changes and returns a function that
   * removes it again. Callbacks are called in registration order; an
   * exception in one is reported on the console and does not affect the
   * others.
   */
  status(callback: (ev: StatusEvent) => void): () => void;

  /**
   * Measures the round-trip time to the server with a PING/PONG, in
   * milliseconds (fractional). Rejects with "TIMEOUT" or "CONNECTION_CLOSED".
   */
  rtt(): Promise<number>;
}

/** Counters of a connection. All are totals since the connection was created. */
export interface Stats {
  /** Messages received (delivered to this connection's subscriptions). */
  inMsgs: number;
  /** Messages published, requests included. */
  outMsgs: number;
  /** Payload bytes received (headers included, protocol overhead excluded). */
  inBytes: number;
  /** Payload bytes published (headers included, protocol overhead excluded). */
  outBytes: number;
  /** Successful reconnects. */
  reconnects: number;
}

/**
 * The INFO that the server sends, with the server's own (snake_case) field
 * names. Fields that the server did not send are absent.
 */
export interface ServerInfo {
  /** Unique id of the server. */
  server_id: string;
  /** Name of the server (defaults to the id). */
  server_name: string;
  /** Version of nats-server, for example "2.15.2". */
  version: string;
  /** Version of the Go toolchain the server was built with. */
  go?: string;
  /** Protocol version; 1 or more supports header and async INFO. */
  proto: number;
  /** Host the server listens on. */
  host: string;
  /** Port the server listens on. */
  port: number;
  /** True when the server supports headers (HPUB/HMSG). */
  headers: boolean;
  /** Largest payload that the server accepts, in bytes. */
  max_payload: number;
  /** Id the server gave this client. */
  client_id?: number;
  /** IP address of this client as the server sees it. */
  client_ip?: string;
  /** True when the server requires authentication. */
  auth_required?: boolean;
  /** True when the server requires TLS. */
  tls_required?: boolean;
  /** Nonce to sign for nkey/JWT authentication. */
  nonce?: string;
  /** Name of the cluster the server belongs to. */
  cluster?: string;
  /** URLs of other servers of the cluster that the client may use. */
  connect_urls?: string[];
  /** True when the server is in lame duck mode (about to shut down). */
  ldm?: boolean;
  /** True when JetStream is enabled on the server. */
  jetstream?: boolean;
  /** Other fields that a server version adds. */
  [key: string]: unknown;
}

/**
 * A change of the connection's status, passed to the callbacks of
 * {@link Connection.status}. `type` tells what happened; `data` gives
 * details:
 *
 *   - "disconnect":   the socket was lost. data: `{ server: string, error?: WsNatsError,
 *                     possiblyLost: { msgs: number, bytes: number } }`. possiblyLost counts
 *                     the publishes written to the lost socket after the last one the server
 *                     confirmed: they may or may not have arrived. What the socket never sent
 *                     (its bufferedAmount) is written again after the reconnect, not lost.
 *   - "reconnecting": the client tries a server. data: `{ server: string, attempt: number }`.
 *   - "reconnect":    the client is connected again. data: `{ server: string }`.
 *   - "update":       the server sent new cluster URLs. data: `{ added: string[], deleted: string[] }`.
 *   - "ldm":          the server entered lame duck mode. data: `{ server: string }`.
 *   - "error":        an asynchronous error, for example a -ERR from the
 *                     server or a permissions violation. data: `WsNatsError`.
 *                     Also, with code "INTERNAL": messages of a subscription
 *                     that could not be handed from the wasm module to JS
 *                     (the message names the subject and the count, which
 *                     getDropped() includes; the subscription's callback
 *                     gets the same error and the subscription goes on),
 *                     and a subscription whose delivery failed for good
 *                     (it ends with that error, see SubscriptionOptions.callback).
 *   - "slowConsumer": a subscription dropped messages because its callback or
 *                     reader could not keep up. data: `{ subject: string, dropped: number }`.
 *   - "close":        the connection is closed for good; the last event.
 *                     data: `WsNatsError | undefined`, as for closed().
 */
export type StatusEvent =
  | { type: "disconnect"; data: { server: string; error?: WsNatsError; possiblyLost: LossCount } }
  | { type: "reconnecting"; data: { server: string; attempt: number } }
  | { type: "reconnect"; data: { server: string } }
  | { type: "update"; data: { added: string[]; deleted: string[] } }
  | { type: "ldm"; data: { server: string } }
  | { type: "error"; data: WsNatsError }
  | { type: "slowConsumer"; data: { subject: string; dropped: number } }
  | { type: "close"; data?: WsNatsError };

/** A count of publishes and the protocol bytes that carried them. */
export interface LossCount {
  msgs: number;
  bytes: number;
}

/** The names of the status event types. */
export type StatusEventType = StatusEvent["type"];

/**
 * A subscription. With a callback, messages go to the callback; without
 * one, read them with `for await (const m of sub)`.
 */
export interface Subscription extends AsyncIterable<Msg> {
  /**
   * Unsubscribes. Without `max`, at once: no message is delivered after
   * the call. With `max`, after `max` messages in total have been received
   * (counting those already received); if that many were already received,
   * at once. Calling it on a closed subscription does nothing. `max` must be
   * a non-negative integer (code "INVALID_OPTION").
   */
  unsubscribe(max?: number): void;

  /**
   * Unsubscribes, then resolves once the messages that were already on
   * their way have been delivered and handled.
   */
  drain(): Promise<void>;

  /** The subject the subscription was made with. */
  getSubject(): string;

  /** How many messages were received, delivered or not. */
  getReceived(): number;

  /** How many messages were received but not handled yet. */
  getPending(): number;

  /**
   * How many messages were dropped: because the subscription was too slow
   * ("slowConsumer" events), or because they could not be handed from the
   * wasm module to JS ("error" events with code "INTERNAL").
   */
  getDropped(): number;

  /** True once the subscription is closed (unsubscribed, drained, or its connection closed). */
  isClosed(): boolean;

  /**
   * Iterates over the messages. Only for subscriptions without a callback;
   * for one with a callback it throws with code "INVALID_OPTION". The loop
   * ends when the subscription closes; it throws when the subscription
   * fails (for example "SLOW_CONSUMER" or "PERMISSIONS_VIOLATION").
   * Leaving the loop early (break, return, throw) unsubscribes.
   */
  [Symbol.asyncIterator](): AsyncIterator<Msg>;
}

/** A message received from the server. */
export interface Msg {
  /** Subject the message was published to. */
  readonly subject: string;
  /** Reply subject, or "" when there is none. */
  readonly reply: string;
  /** The payload. A copy that belongs to the caller. */
  readonly data: Uint8Array;
  /** Headers, or undefined when the message has none. */
  readonly headers?: MsgHeaders;

  /** The payload decoded as UTF-8 (invalid sequences become U+FFFD). */
  string(): string;

  /**
   * The payload parsed as JSON. Throws with code "BAD_JSON" when the
   * payload is not valid JSON. The type parameter is not checked.
   */
  json<T = unknown>(): T;

  /**
   * Publishes a reply to the message's reply subject. Returns false, and
   * sends nothing, when the message has no reply subject; throws like
   * publish() otherwise. `opts.reply` sets the reply subject of the reply.
   */
  respond(data?: string | Uint8Array, opts?: PublishOptions): boolean;
}

/**
 * How a header lookup matches keys, as in nats.js: "exact" (the default;
 * NATS header keys are case sensitive), "canonical" (the key is put in
 * canonical MIME form first: "content-type" finds "Content-Type"), or
 * "insensitive" (any case).
 */
export type HeaderMatch = "exact" | "canonical" | "insensitive";

/**
 * The headers of a received message, read from the header block as the
 * server delivered it (parsed on first use of `msg.headers`). Keys keep
 * their case and the order in which they were sent; the values of a key
 * keep their order. A key that is not a string, or an unknown `match`,
 * throws with code "INVALID_OPTION".
 */
export interface MsgHeaders {
  /** The first value of the key, or "" when the key is absent. */
  get(key: string, match?: HeaderMatch): string;
  /** The last value of the key, or "" when the key is absent. */
  last(key: string, match?: HeaderMatch): string;
  /** All values of the key, in order; empty when the key is absent. */
  values(key: string, match?: HeaderMatch): string[];
  /** True when the key is present. */
  has(key: string, match?: HeaderMatch): boolean;
  /** All keys, in the order they were sent. */
  keys(): string[];
  /**
   * The status code of the header line ("NATS/1.0 503"), or 0 when there is
   * none. 503 means no responders, 408 a request timeout, 100 an idle
   * heartbeat (JetStream).
   */
  readonly code: number;
  /** The text after the status code ("No Responders"), or "". */
  readonly description: string;
}

// ---------------------------------------------------------------------------
// Supervised agents (wsnats.supervisor)
// ---------------------------------------------------------------------------

/**
 * One agent for {@link WsNats.supervisor}. Agents are written in Go and
 * registered by kind in the wasm program (package wsnats/agent); the page
 * starts them by kind. Built in: "echo" (sends each payload back to its
 * sender: to the NATS reply subject when there is one, else to the local
 * agent named in `from`) and "counter" (counts the messages it handles in
 * its memory under "count", answers `{"count": n}` to a NATS reply
 * subject, and panics on the payload `{"crash": true}`, to show a restart).
 */
export interface AgentSpec {
  /**
   * Unique within the supervisor. It is also the last part of the agent's
   * subject (`<prefix>.<id>`), so no white space, `*`, `>` or empty tokens.
   */
  id: string;
  /** A registered kind, for example "echo" or "counter". */
  kind: string;
  /**
   * Connect the agent to NATS: it receives what is published to
   * `<prefix>.<id>` (over NATS while the supervisor's connection is up, over
   * an in-page bus otherwise) and may publish. Default: false (local
   * messages from send() only).
   */
  nats?: boolean;
  /**
   * Keep the agent's memory in IndexedDB (database "wsnats-agents", one
   * namespace per agent id), so it survives page reloads. Default: false,
   * memory in the wasm program, which survives restarts of the agent only.
   */
  persist?: boolean;
}

/** Options for {@link WsNats.supervisor}. */
export interface SupervisorOptions {
  /** The agents to start; at least one. Either all of them start or none. */
  agents: AgentSpec[];
  /**
   * The connection that NATS-enabled agents use. Optional: without it (or
   * while it is disconnected) they work on an in-page bus, and
   * {@link Supervisor.setConnection} attaches one later. Do not use a
   * connection made with `noEcho: true` if the page itself publishes to the
   * agents on it: the server would not deliver those messages back.
   */
  connection?: Connection | null;
  /** First part of the agents' subjects, `<prefix>.<id>`. Default: "agents". */
  prefix?: string;
  /**
   * Restart intensity: an agent that fails more than `maxRestarts` times
   * within `withinMs` is stopped for good ("failed"). Defaults: 5 and 10000.
   * 0 restarts means the first failure stops the agent.
   */
  maxRestarts?: number;
  /** See `maxRestarts`. Default: 10000. */
  withinMs?: number;
  /** Mailbox bound of each agent. Default: 1024. */
  mailboxSize?: number;
  /**
   * Id of the page's own agent: messages sent to it (for example the echo
   * agent's replies to send() calls) reach the event callbacks as "message"
   * events. It is listed by status() with kind "page". Default: "page";
   * null or "" for none (then send() has no default sender).
   */
  page?: string | null;
  /**
   * An event callback registered before the agents start, so it also gets
   * their "started" events. More can be added with {@link Supervisor.on}.
   */
  onEvent?: (ev: SupervisorEvent) => void;
}

/** An agent message, as agents exchange it locally and over NATS. */
export interface AgentMessage {
  /** Unique id: "msg_<nanos>_<suffix>", or "nats_<nanos>_<suffix>" for NATS data. */
  id: string;
  /** Sending agent, or "nats" for NATS data that was not an agent message. */
  from: string;
  /** Receiving agent, or the subject it was published to. */
  to: string;
  /**
   * A JSON value. NATS data that is not JSON arrives as
   * `{"raw": "<standard base64>"}`.
   */
  payload: unknown;
  /** Creation time, UTC unix milliseconds. */
  timestamp: number;
}

/** The state of one agent, as {@link Supervisor.status} returns it. */
export interface AgentStatus {
  id: string;
  /** The kind it was started with, or "page" for the page's agent. */
  kind: string;
  /**
   * "running"; "restarting" (failed, a new instance is being made);
   * "stopped" (after stop()); "failed" (restart intensity exceeded).
   */
  state: "running" | "restarting" | "stopped" | "failed";
  /** How many times it was restarted. */
  restarts: number;
  /** Messages waiting in its mailbox. */
  mailbox: number;
  /** The mailbox bound. */
  mailboxCap: number;
  /** Messages handled without error. */
  processed: number;
  /** Messages that were accepted and then not handled (reported as "dropped" events). */
  dropped: number;
  /** True when it listens on `<prefix>.<id>`. */
  nats: boolean;
  /** The last failure, if any. */
  lastError?: string;
}

/**
 * What {@link Supervisor.on} callbacks get. `time` is in unix milliseconds.
 *
 *   - "started":   the agent was started.
 *   - "restarted": the agent failed (`error`; `message` is the message it was
 *                  handling, which is not retried) and was replaced.
 *   - "failed":    the agent failed beyond the restart intensity and is stopped
 *                  for good (`error` has code "AGENT_FAILED").
 *   - "stopped":   the agent ended (stop()).
 *   - "dropped":   `message` was accepted but will not be handled (`error` says why).
 *   - "nats_connected", "nats_disconnected": the supervisor's NATS connection
 *                  came up or went away; agents go on over the in-page bus meanwhile.
 *   - "message":   a message reached the page's agent (`agent` is its id), or was
 *                  published on a subject the page observes (`subject`, see observe()).
 */
export type SupervisorEvent =
  | {
      type: "started" | "restarted" | "failed" | "stopped" | "dropped";
      agent: string;
      /** The agent's restart count after the event. */
      restarts: number;
      error?: WsNatsError;
      message?: AgentMessage;
      time: number;
    }
  | { type: "nats_connected" | "nats_disconnected"; time: number }
  | { type: "message"; agent?: string; subject?: string; message: AgentMessage; time: number };

/**
 * Agents running under a supervisor in the wasm program: each has a bounded
 * mailbox and is restarted, one for one, when it panics or fails; its memory
 * is kept across restarts.
 */
export interface Supervisor {
  /** Id of the page's agent, or null when there is none. */
  readonly page: string | null;

  /** The subject agent `id` listens on when NATS-enabled: `<prefix>.<id>`. */
  subject(id: string): string;

  /**
   * Puts a message with `payload` (any JSON value; undefined is null) in
   * agent `to`'s mailbox and returns the message id. `from` defaults to the
   * page's agent, so replies come back as "message" events. Never blocks and
   * never loses a message silently: throws with code "UNKNOWN_AGENT" (no
   * such agent), "MAILBOX_FULL" (the message was not accepted),
   * "AGENT_FAILED" (the agent was stopped for failing too often), "STOPPED"
   * (the supervisor or the agent is stopped) or "BAD_JSON".
   */
  send(to: string, payload?: unknown, from?: string): string;

  /**
   * Publishes an agent message with `payload` to `subject` through the
   * supervisor's messenger: over NATS while connected, else on the in-page
   * bus, where NATS-enabled agents and observe() hear it. `from` defaults
   * to the page's agent (or "page"). Returns the message id. Throws with
   * "BAD_SUBJECT", "BAD_JSON", "STOPPED", or the codes of
   * Connection.publish().
   */
  publish(subject: string, payload?: unknown, from?: string): string;

  /** The agents' state, sorted by id. After stop(), the final state. */
  status(): AgentStatus[];

  /**
   * The memory of agent `id` (what it keeps across restarts), with values
   * decoded as UTF-8; the counter keeps `{count: "<n>"}`. Rejects with
   * "UNKNOWN_AGENT" or "STOPPED".
   */
  memory(id: string): Promise<Record<string, string>>;

  /** True while the supervisor's NATS connection is connected. */
  natsConnected(): boolean;

  /**
   * Makes `conn` the supervisor's NATS connection (null: none); the
   * NATS-enabled agents' subscriptions move to it and a "nats_connected" or
   * "nats_disconnected" event follows. Use it when the page connects after
   * the supervisor started, or reconnects with a new Connection.
   */
  setConnection(conn: Connection | null): Promise<void>;

  /**
   * Reports what is published on `subject` (wildcards allowed; over NATS
   * and the in-page bus) as "message" events with `subject` set; an agent
   * message is passed as it is, other data as {@link AgentMessage} with
   * from "nats". Returns a function that stops it.
   */
  observe(subject: string): () => void;

  /**
   * Registers a callback for {@link SupervisorEvent}s and returns a function
   * that removes it. Exceptions in callbacks are reported on the console.
   */
  on(callback: (ev: SupervisorEvent) => void): () => void;

  /**
   * Stops accepting messages, lets every agent handle what its mailbox
   * holds, stops the agents and resolves with their final status. Rejects
   * with "TIMEOUT" when they do not finish within `timeout` (default 5000);
   * the supervisor is stopped either way. Calling it again returns the same
   * promise.
   */
  stop(timeout?: number): Promise<AgentStatus[]>;
}

/**
 * Error codes that wasm-nats uses. More may be added; compare against the
 * constants, and treat unknown codes like a missing one.
 *
 *   - "TIMEOUT":                 connect(), request(), flush() or rtt() ran out of time.
 *   - "NO_RESPONDERS":           a request found nobody subscribed to its subject.
 *   - "CONNECTION_CLOSED":       the connection is closed, or closed while waiting.
 *   - "CONNECTION_DRAINING":     the connection is draining; no new messages or subscriptions.
 *   - "CONNECTION_REFUSED":      no server could be reached.
 *   - "AUTHORIZATION_VIOLATION": the server rejected the credentials.
 *   - "AUTHENTICATION_EXPIRED":  the user's credentials expired.
 *   - "PERMISSIONS_VIOLATION":   the server denied a publish or subscribe.
 *   - "MAX_PAYLOAD_EXCEEDED":    the message is larger than the server's max_payload.
 *   - "HEADERS_NOT_SUPPORTED":   headers were given but the server does not support them.
 *   - "BAD_SUBJECT":             the subject (or reply subject or queue) is empty, invalid, or longer than 2000 bytes.
 *   - "BAD_PAYLOAD":             the payload is neither a string nor a Uint8Array.
 *   - "BAD_HEADERS":             a header key or value is invalid.
 *   - "BAD_JSON":                a value could not be turned into JSON or parsed from it.
 *   - "INVALID_OPTION":          an option or argument has a wrong type or value, or a method
 *                                was called without its object (detached).
 *   - "SUBSCRIPTION_CLOSED":     the subscription is closed.
 *   - "SLOW_CONSUMER":           a subscription could not keep up and dropped messages.
 *   - "PROTOCOL_ERROR":          the server sent something the client does not understand.
 *   - "OUTBOUND_BUFFER_FULL":    publish() found the outgoing buffer full (the socket is too slow).
 *   - "RECONNECT_BUFFER_EXCEEDED": publish() while reconnecting found reconnectBufSize used up.
 *   - "INTERNAL":                a bug in wasm-nats, or a failure of the JS runtime under it
 *                                (such as memory for messages that could not be allocated); please report it.
 *   - "LOAD_FAILED":             load() could not fetch, compile or start the wasm program.
 *   - "UNKNOWN_AGENT":           the supervisor has no agent with that id.
 *   - "UNKNOWN_KIND":            the wasm program has no agent kind of that name.
 *   - "MAILBOX_FULL":            the agent's mailbox is full; the message was not accepted.
 *   - "AGENT_FAILED":            the agent failed too often and was stopped by its supervisor.
 *   - "STOPPED":                 the supervisor (or the agent) is stopped.
 *   - "NOT_AVAILABLE":           the loaded module does not have this feature (supervisor() in wsnats.wasm).
 */
export type ErrorCode =
  | "TIMEOUT"
  | "NO_RESPONDERS"
  | "CONNECTION_CLOSED"
  | "CONNECTION_DRAINING"
  | "CONNECTION_REFUSED"
  | "AUTHORIZATION_VIOLATION"
  | "AUTHENTICATION_EXPIRED"
  | "PERMISSIONS_VIOLATION"
  | "MAX_PAYLOAD_EXCEEDED"
  | "HEADERS_NOT_SUPPORTED"
  | "BAD_SUBJECT"
  | "BAD_PAYLOAD"
  | "BAD_HEADERS"
  | "BAD_JSON"
  | "INVALID_OPTION"
  | "SUBSCRIPTION_CLOSED"
  | "SLOW_CONSUMER"
  | "PROTOCOL_ERROR"
  | "OUTBOUND_BUFFER_FULL"
  | "RECONNECT_BUFFER_EXCEEDED"
  | "INTERNAL"
  | "LOAD_FAILED"
  | "UNKNOWN_AGENT"
  | "UNKNOWN_KIND"
  | "MAILBOX_FULL"
  | "AGENT_FAILED"
  | "STOPPED"
  | "NOT_AVAILABLE";

/**
 * The errors that wasm-nats throws and rejects with: plain `Error` objects
 * (`instanceof Error` holds) with an optional `code`.
 */
export interface WsNatsError extends Error {
  /** Machine readable cause; see {@link ErrorCode}. Absent when unknown. */
  code?: ErrorCode | (string & {});
}
