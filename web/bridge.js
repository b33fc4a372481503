// bridge.js: the JavaScript half of the wsnats bridge, an ES module. The
// loader (wsnats.js) imports it and hands createBridge to the Go program
// (globalThis.wsnatsBoot, see jsbridge/doc.go); the Go half
// (jsbridge.Register) calls it once with its functions (connect, pub, sub,
// ...), and the object it returns becomes globalThis.wsnats. The API it
// implements is documented in wsnats.d.ts.
//
// What lives here: argument checks that must throw synchronously, Promises,
// message and header objects, async iterators, and batching of publishes
// (one crossing into Go per burst, see jsbridge/batch.go for the layouts).
// Nothing here is compiled from a string: a page needs only
// 'wasm-unsafe-eval' (for the wasm module) in its Content Security Policy.

// api holds the Go functions, set once by createBridge.
let api = null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BATCH_FLUSH_BYTES = 256 * 1024;
// Bytes a PUB command line takes beyond a batch record: "PUB ", spaces,
// the size digits and two CRLFs (generous).
const PUB_OVERHEAD = 24;
const EMPTY = new Uint8Array(0);
// Longest subject, reply subject or queue group, in UTF-8 bytes (Go checks
// the same limit). nats-server closes a connection whose control line
// passes 4096 bytes; a PUB line holds a subject and a reply.
const MAX_SUBJECT_BYTES = 2000;
// Longest timeout or interval, in ms: 2^31-1 (about 24.8 days), the
// longest delay that browser timers take.
const MAX_TIMEOUT_MS = 2147483647;
// The options an option argument is read for (readOpts).
const NO_OPTS = Object.freeze({});

// ours holds the Errors that the bridge made (wsError): an Error that a
// page's getter or Proxy throws is not one of them, even with a code.
const ours = new WeakSet();

function wsError(code, message) {
  const e = new Error(message);
  if (code) e.code = code;
  ours.add(e);
  return e;
}

// errText is the message of a thrown value, whatever was thrown; it never
// throws itself.
function errText(e) {
  try {
    if (e instanceof Error) return String(e.message).slice(0, 200);
  } catch (_) { /* a hostile value */ }
  return typeName(e);
}

// mine throws when a method runs on something other than an instance of
// its class: a method called detached (const p = nc.publish; p()) or on
// another object.
function mine(self, cls, method) {
  let ok = false;
  try { ok = self instanceof cls; } catch (_) { /* a hostile this */ }
  if (!ok) {
    throw wsError("INVALID_OPTION", `${cls.name}.${method}() was called on ${typeName(self)}, not on a ${cls.name}: ` +
      `call it as a method (x.${method}(...)), or bind it first (x.${method}.bind(x))`);
  }
}

// notMine is mine for methods that return a promise: a rejected promise
// for the wrong this, else null.
function notMine(self, cls, method) {
  try {
    mine(self, cls, method);
    return null;
  } catch (e) {
    return Promise.reject(e);
  }
}

// GoFailure is the one shape of an error that crosses from Go: Go builds
// it with this class (bridge_js.go's failure; the class is handed to Go at
// start) and nothing else creates one, so a result of any type (a number,
// an array, an object) can never be taken for an error, nor the reverse.
// bridge.js turns it into the Error the page sees (fromGo). failed and
// room are set by pub only.
class GoFailure {
  constructor(code, message, failed, room) {
    this.code = code;
    this.message = message;
    this.failed = failed;
    this.room = room;
  }
}

// fromGo turns a GoFailure (the rejection value of every Go promise) into
// an Error.
function fromGo(r) {
  if (r instanceof GoFailure) return wsError(r.code || undefined, r.message);
  if (r instanceof Error) return r;
  return wsError("INTERNAL", `unexpected error value from Go: ${String(r)}`);
}

// errorFromPair turns the [code, message] pair of JSON text from Go (the
// error member of a supervisor event) into an Error.
function errorFromPair(pair) {
  return Array.isArray(pair) ? wsError(pair[0] || undefined, String(pair[1])) : wsError("INTERNAL", `unreadable error from Go: ${String(pair)}`);
}

// check throws when a Go call failed and returns its result otherwise.
function check(r) {
  if (r instanceof GoFailure) throw fromGo(r);
  return r;
}

// typeName describes v for a message ("the number NaN", "a Symbol", "a
// Map"). It never throws, whatever v is (a Symbol, a BigInt, a Proxy whose
// traps throw), and shows only the start of a long string.
function typeName(v) {
  switch (typeof v) {
    case "string": return `the string ${shown(v)}`;
    case "number": return `the number ${v}`;
    case "bigint": return `the BigInt ${v}n`;
    case "boolean": return String(v);
    case "symbol": return "a Symbol";
    case "undefined": return "undefined";
    case "function": return "a function";
  }
  if (v === null) return "null";
  try {
    if (Array.isArray(v)) return "an array";
    const name = v.constructor && v.constructor.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? `a ${name}` : "an object";
  } catch (_) {
    return "an object that cannot be read";
  }
}

// readOpts checks that opts is an options object (undefined and null mean
// none) and reads the keys of it once, into a plain object: a getter or a
// Proxy that throws gives an INVALID_OPTION error, and the checks and the
// use see the same values.
function readOpts(opts, what, keys) {
  if (opts === undefined || opts === null) return NO_OPTS;
  if (typeof opts !== "object") throw wsError("INVALID_OPTION", `${what} options must be an object, got ${typeName(opts)}`);
  const out = {};
  for (const k of keys) {
    try {
      out[k] = opts[k];
    } catch (e) {
      throw wsError("INVALID_OPTION", `${what} option ${k} cannot be read: ${errText(e)}`);
    }
  }
  return out;
}

// checkCount throws unless v is a non-negative safe integer.
function checkCount(v, what) {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw wsError("INVALID_OPTION", `${what} must be a non-negative integer, got ${typeName(v)}`);
  }
}

// checkTimeout throws unless v is a number of milliseconds above 0 and at
// most MAX_TIMEOUT_MS.
function checkTimeout(v, what) {
  if (typeof v !== "number" || !(v > 0) || v > MAX_TIMEOUT_MS) {
    throw wsError("INVALID_OPTION", `${what} must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${typeName(v)}`);
  }
}

// utf8Length is the number of bytes of s in UTF-8 (a lone surrogate
// becomes U+FFFD, 3 bytes, as TextEncoder writes it).
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// shown quotes s for a message, shortened when long.
function shown(s) {
  return JSON.stringify(s.length > 64 ? s.slice(0, 48) + "..." : s);
}

// checkLength throws when s (a string) passes MAX_SUBJECT_BYTES in UTF-8.
// A UTF-8 string has at least as many bytes as UTF-16 units and at most
// three times as many: most strings need no count.
function checkLength(s, what) {
  if (s.length * 3 <= MAX_SUBJECT_BYTES) return;
  const n = s.length > MAX_SUBJECT_BYTES ? s.length : utf8Length(s);
  if (n > MAX_SUBJECT_BYTES) {
    throw wsError("BAD_SUBJECT", `${what} ${shown(s)} is too long: ${s.length > MAX_SUBJECT_BYTES ? "at least " + s.length : n} bytes, the limit is ${MAX_SUBJECT_BYTES}`);
  }
}

// checkSubject mirrors the Go rules so that publish() throws at once.
function checkSubject(subject, what, literal) {
  if (typeof subject !== "string") {
    throw wsError("BAD_SUBJECT", `${what} must be a string, got ${typeName(subject)}`);
  }
  if (subject.length === 0) throw wsError("BAD_SUBJECT", `${what} must not be empty`);
  checkLength(subject, what);
  const tokens = subject.split(".");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.length === 0) throw wsError("BAD_SUBJECT", `invalid ${what} ${shown(subject)}: empty token`);
    if (/[\s\0]/.test(t)) throw wsError("BAD_SUBJECT", `invalid ${what} ${shown(subject)}: white space`);
    if (literal && (t === "*" || t === ">")) {
      throw wsError("BAD_SUBJECT", `invalid ${what} ${shown(subject)}: wildcards are not allowed here`);
    }
    if (t === ">" && i !== tokens.length - 1) {
      throw wsError("BAD_SUBJECT", `invalid ${what} ${shown(subject)}: '>' must be the last token`);
    }
  }
}

// payload returns data as a string or a Uint8Array ("" for undefined and
// null; an ArrayBuffer is viewed), or throws BAD_PAYLOAD. A Proxy is never
// taken for bytes: ArrayBuffer.isView sees through it.
function payload(data, what) {
  if (typeof data === "string") return data;
  if (data === undefined || data === null) return "";
  try {
    if (ArrayBuffer.isView(data) && data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
  } catch (_) { /* a Proxy whose traps throw: not bytes */ }
  throw wsError("BAD_PAYLOAD", `${what} must be a string or a Uint8Array, got ${typeName(data)}`);
}

function toBytes(data, what) {
  const p = payload(data, what);
  return typeof p === "string" ? encoder.encode(p) : p;
}

// headerPairs turns HeadersInit into [[key, value], ...] for Go. Headers
// that cannot be read (a getter or Proxy that throws) are BAD_HEADERS.
function headerPairs(h) {
  if (h === undefined || h === null) return null;
  try {
    return readHeaderPairs(h);
  } catch (e) {
    if (ours.has(e)) throw e;
    throw wsError("BAD_HEADERS", `headers cannot be read: ${errText(e)}`);
  }
}

function readHeaderPairs(h) {
  const pairs = [];
  if (h instanceof MsgHeaders) {
    for (const [k, list] of h._map) for (const v of list) pairs.push([k, v]);
  } else if (typeof h === "object" && !Array.isArray(h)) {
    for (const k of Object.keys(h)) {
      const v = h[k];
      const list = Array.isArray(v) ? v : [v];
      for (const one of list) {
        if (typeof one !== "string") {
          throw wsError("BAD_HEADERS", `header ${shown(k)} must be a string or an array of strings, got ${typeName(one)}`);
        }
        pairs.push([k, one]);
      }
    }
  } else {
    throw wsError("BAD_HEADERS", `headers must be an object of strings, got ${typeName(h)}`);
  }
  return pairs;
}

// Reader walks a Go-to-JS message batch.
class Reader {
  constructor(u8) {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.off = 0;
  }
  u16() { const v = this.dv.getUint16(this.off, true); this.off += 2; return v; }
  u32() { const v = this.dv.getUint32(this.off, true); this.off += 4; return v; }
  bytes(n) { const b = this.u8.subarray(this.off, this.off + n); this.off += n; return b; }
  str(n) {
    const start = this.off;
    this.off += n;
    if (n < 64) {
      let s = "";
      for (let i = start; i < start + n; i++) {
        const c = this.u8[i];
        if (c > 127) return decoder.decode(this.u8.subarray(start, start + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decoder.decode(this.u8.subarray(start, start + n));
  }
}

function readMsgs(u8, conn) {
  const r = new Reader(u8);
  const n = r.u32();
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const subject = r.str(r.u16());
    const reply = r.str(r.u16());
    const hlen = r.u32();
    const hdr = hlen > 0 ? r.bytes(hlen) : null;
    const data = r.bytes(r.u32());
    out[i] = new Msg(conn, subject, reply, hdr, data);
  }
  return out;
}

// MsgHeaders holds the headers of a received message, parsed from the
// block as received (Msg.headers does it on first use). Keys keep their
// wire order and case; values keep their order. Lookups match as nats.js
// does: exactly by default, or by the match argument: "canonical" (the
// key in canonical MIME form, "content-type" -> "Content-Type") or
// "insensitive" (any case).
class MsgHeaders {
  constructor(block) {
    this._map = new Map(); // key -> values, in wire order
    this.code = 0;
    this.description = "";
    if (!block) return;
    const lines = decoder.decode(block).split("\r\n");
    const status = lines[0].slice("NATS/1.0".length).trim();
    if (status) {
      const sp = status.indexOf(" ");
      this.code = parseInt(sp < 0 ? status : status.slice(0, sp), 10) || 0;
      this.description = sp < 0 ? "" : status.slice(sp + 1).trim();
    }
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const c = line.indexOf(":");
      if (c <= 0) continue; // the blank line that ends the block
      const k = line.slice(0, c).trim();
      const v = line.slice(c + 1).trim();
      const list = this._map.get(k);
      if (list) list.push(v);
      else this._map.set(k, [v]);
    }
  }
  // _find returns the stored keys that match key.
  _find(key, match) {
    if (typeof key !== "string") throw wsError("INVALID_OPTION", `a header key must be a string, got ${typeName(key)}`);
    switch (match === undefined ? "exact" : match) {
      case "exact":
        return this._map.has(key) ? [key] : [];
      case "canonical": {
        const ck = canonicalKey(key);
        return this._map.has(ck) ? [ck] : [];
      }
      case "insensitive": {
        const lower = key.toLowerCase();
        return [...this._map.keys()].filter((k) => k.toLowerCase() === lower);
      }
      default:
        throw wsError("INVALID_OPTION", `header match must be "exact", "canonical" or "insensitive", got ${typeName(match)}`);
    }
  }
  get(key, match) {
    mine(this, MsgHeaders, "get");
    const keys = this._find(key, match);
    return keys.length > 0 ? this._map.get(keys[0])[0] : "";
  }
  last(key, match) {
    mine(this, MsgHeaders, "last");
    const keys = this._find(key, match);
    if (keys.length === 0) return "";
    const list = this._map.get(keys[0]);
    return list[list.length - 1];
  }
  values(key, match) {
    mine(this, MsgHeaders, "values");
    const out = [];
    for (const k of this._find(key, match)) out.push(...this._map.get(k));
    return out;
  }
  has(key, match) {
    mine(this, MsgHeaders, "has");
    return this._find(key, match).length > 0;
  }
  keys() {
    mine(this, MsgHeaders, "keys");
    return [...this._map.keys()];
  }
}

// canonicalKey is key in canonical MIME form ("content-type" becomes
// "Content-Type"); a key with characters other than letters, digits and
// '-' is returned as it is (as Go's Header does).
function canonicalKey(key) {
  if (!/^[A-Za-z0-9-]*$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_, sep, c) => sep + c.toUpperCase());
}

class Msg {
  constructor(conn, subject, reply, hdr, data) {
    this._conn = conn;
    this.subject = subject;
    this.reply = reply;
    this.data = data;
    this._hdr = hdr;
    this._headers = undefined;
  }
  get headers() {
    mine(this, Msg, "headers");
    if (this._hdr && this._headers === undefined) this._headers = new MsgHeaders(this._hdr);
    return this._headers;
  }
  string() {
    mine(this, Msg, "string");
    return decoder.decode(this.data);
  }
  json() {
    mine(this, Msg, "json");
    try {
      return JSON.parse(this.string());
    } catch (e) {
      throw wsError("BAD_JSON", `message on "${this.subject}" is not valid JSON: ${e.message}`);
    }
  }
  respond(data, opts) {
    mine(this, Msg, "respond");
    if (!this.reply) return false;
    this._conn.publish(this.reply, data, opts);
    return true;
  }
}

// Batch packs publishes (JS-to-Go layout of batch.go).
class Batch {
  constructor() {
    this.buf = new Uint8Array(64 * 1024);
    this.len = 0;
  }
  ensure(n) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u16(at, v) { this.buf[at] = v & 0xff; this.buf[at + 1] = (v >>> 8) & 0xff; }
  u32(at, v) { this.u16(at, v & 0xffff); this.u16(at + 2, v >>> 16); }
  // str writes a length-prefixed string (2-byte length) and returns its byte length.
  str(s) {
    const at = this.len;
    this.ensure(2 + s.length * 3);
    let n = 0;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) { ascii = false; break; }
      this.buf[at + 2 + i] = c;
    }
    if (ascii) n = s.length;
    else n = encoder.encodeInto(s, this.buf.subarray(at + 2)).written;
    this.u16(at, n);
    this.len = at + 2 + n;
    return n;
  }
  // add appends one publish and returns the payload size. subject and
  // reply are checked strings of at most MAX_SUBJECT_BYTES (the 2-byte
  // length fields hold them); data is a string or a Uint8Array. Should it
  // throw anyway, the batch is left as it was.
  add(subject, reply, data) {
    const mark = this.len;
    try {
      this.str(subject);
      this.str(reply);
      let size;
      if (typeof data === "string") {
        this.ensure(4 + data.length * 3);
        size = encoder.encodeInto(data, this.buf.subarray(this.len + 4)).written;
      } else {
        size = data.length;
        this.ensure(4 + size);
        this.buf.set(data, this.len + 4);
      }
      this.u32(this.len, size);
      this.len += 4 + size;
      return { size, mark };
    } catch (e) {
      this.len = mark;
      throw e;
    }
  }
}

class Subscription {
  constructor(conn, sid, subject, callback) {
    this._conn = conn;
    this._sid = sid;
    this._subject = subject;
    this._callback = callback;
    this._closed = false;
    this._queue = [];
    this._waiters = [];
    this._error = null;
    this._delivered = 0;
  }
  _deliver(msgs) {
    if (this._closed && !this._draining) return;
    this._delivered += msgs.length;
    if (this._callback) {
      for (const m of msgs) {
        try {
          this._callback(null, m);
        } catch (e) {
          this._conn._report(wsError(undefined, `subscription callback for ${shown(this._subject)} threw: ${errText(e)}`), e);
        }
      }
      return;
    }
    for (const m of msgs) {
      const w = this._waiters.shift();
      if (w) w.resolve({ value: m, done: false });
      else this._queue.push(m);
    }
  }
  _end(err) {
    if (err) {
      this._error = err;
      if (this._callback) {
        try { this._callback(err, undefined); } catch (e) { this._conn._report(err, e); }
      }
    }
    this._closed = true;
    this._draining = false;
    for (const w of this._waiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve({ value: undefined, done: true });
    }
    this._conn._subs.delete(this._sid);
  }
  unsubscribe(max) {
    mine(this, Subscription, "unsubscribe");
    if (max !== undefined) checkCount(max, "unsubscribe max");
    if (this._closed) return;
    this._conn._flushBatch(true);
    check(api.unsub(this._conn._id, this._sid, max || 0));
    if (!max) this._end(null);
  }
  drain() {
    const bad = notMine(this, Subscription, "drain");
    if (bad) return bad;
    if (this._closed) return Promise.resolve();
    this._conn._flushBatch(true);
    this._draining = true;
    return new Promise((res, rej) => api.drainSub(this._conn._id, this._sid, () => { this._end(null); res(); }, (e) => rej(fromGo(e))));
  }
  getSubject() { mine(this, Subscription, "getSubject"); return this._subject; }
  // _state is Go's [received, pending, dropped, valid].
  _state() { return check(api.subState(this._conn._id, this._sid)); }
  getReceived() { mine(this, Subscription, "getReceived"); return this._closed ? this._delivered : Math.max(this._delivered, this._state()[0]); }
  getPending() { mine(this, Subscription, "getPending"); return this._closed ? this._queue.length : this._state()[1] + this._queue.length; }
  getDropped() { mine(this, Subscription, "getDropped"); return this._closed ? this._dropped || 0 : (this._dropped = this._state()[2]); }
  isClosed() { mine(this, Subscription, "isClosed"); return this._closed; }
  [Symbol.asyncIterator]() {
    mine(this, Subscription, "[Symbol.asyncIterator]");
    if (this._callback) throw wsError("INVALID_OPTION", "a subscription with a callback cannot be iterated");
    return {
      next: () => {
        if (this._queue.length > 0) return Promise.resolve({ value: this._queue.shift(), done: false });
        if (this._error) return Promise.reject(this._error);
        if (this._closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
      },
      return: () => {
        this.unsubscribe();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }
}

class Connection {
  constructor(id, sink, opts) {
    this._id = id;
    this._sink = sink;
    this._timeout = opts.timeout || 10000;
    this._subs = new Map();
    this._listeners = [];
    this._batch = new Batch();
    this._batchEst = 0;
    this._room = api.pub(id, EMPTY);
    if (typeof this._room !== "number") this._room = 0;
    this._scheduled = false;
    this._closedFlag = false;
    this._closed = new Promise((res) => { this._resolveClosed = res; });
    this._maxPayload = 0;
    const info = this.info;
    if (info) this._maxPayload = info.max_payload || 0;
  }
  _ensureOpen() {
    if (this._closedFlag) throw wsError("CONNECTION_CLOSED", "the connection is closed");
  }
  _report(err, cause) {
    console.error("wsnats:", err.message, cause || "");
    this._emit("error", err);
  }
  _emit(type, data) {
    for (const cb of this._listeners.slice()) {
      try { cb({ type, data }); } catch (e) { console.error("wsnats: status callback threw:", e); }
    }
  }
  // _flushBatch hands the queued publishes to Go. Go answers with the room
  // left in its outbound buffer (or an error array whose fourth element is
  // that room), which publish() uses to refuse a message that would not
  // fit, so that a publish either is accepted or throws itself. Errors of a
  // scheduled flush (rare: room shared with other callers) are reported as
  // "error" status events; sync callers rethrow.
  _flushBatch(sync) {
    if (this._batch.len === 0) return;
    const view = this._batch.buf.subarray(0, this._batch.len);
    this._batch.len = 0;
    this._batchEst = 0;
    const r = api.pub(this._id, view);
    if (typeof r === "number") {
      this._room = r;
      return;
    }
    if (r instanceof GoFailure) {
      if (typeof r.room === "number") this._room = r.room;
      const failed = typeof r.failed === "number" ? r.failed : 1;
      const err = wsError(r.code || undefined, failed > 1 ? `${failed} publishes failed: ${r.message}` : `publish failed: ${r.message}`);
      err.failed = failed;
      if (sync === "throw") throw err;
      this._report(err);
    }
  }
  _schedule() {
    if (this._scheduled) return;
    this._scheduled = true;
    queueMicrotask(() => { this._scheduled = false; this._flushBatch(false); });
  }
  publish(subject, data, opts) {
    mine(this, Connection, "publish");
    this._ensureOpen();
    if (typeof subject !== "string" || subject !== this._lastSubject) {
      checkSubject(subject, "subject", true);
      this._lastSubject = subject; // a stream to one subject is checked once
    }
    opts = readOpts(opts, "publish", ["reply", "headers"]);
    // Only undefined, null and "" mean "no reply": any other value must be
    // a valid subject (0, NaN or false are errors, not "none").
    let reply = "";
    if (opts.reply !== undefined && opts.reply !== null && opts.reply !== "") {
      checkSubject(opts.reply, "reply subject", true);
      reply = opts.reply;
    }
    const body = typeof data === "string" ? data : payload(data, "data");
    // A string has at least as many UTF-8 bytes as characters: one far
    // too long is refused before it is encoded.
    if (this._maxPayload > 0 && typeof body === "string" && body.length > this._maxPayload) {
      throw wsError("MAX_PAYLOAD_EXCEEDED", `message of more than ${body.length} bytes exceeds the server's max_payload of ${this._maxPayload} bytes`);
    }
    if (opts.headers !== undefined && opts.headers !== null) {
      const hdrs = headerPairs(opts.headers);
      this._flushBatch("throw");
      check(api.pubMsg(this._id, subject, reply, toBytes(body, "data"), hdrs));
      return;
    }
    const { size, mark } = this._batch.add(subject, reply, body);
    if (this._maxPayload > 0 && size > this._maxPayload) {
      this._batch.len = mark;
      throw wsError("MAX_PAYLOAD_EXCEEDED", `message of ${size} bytes exceeds the server's max_payload of ${this._maxPayload} bytes`);
    }
    // What the command will take in Go's buffer: the record plus the
    // protocol line's extra bytes.
    const cost = this._batch.len - mark + PUB_OVERHEAD;
    if (this._batchEst + cost > this._room) {
      this._batch.len = mark;
      if (this._batch.len > 0) this._flushBatch("throw");
      else this._room = api.pub(this._id, EMPTY); // the socket may have drained since
      if (cost > this._room) {
        throw wsError(this._disconnected ? "RECONNECT_BUFFER_EXCEEDED" : "OUTBOUND_BUFFER_FULL",
          this._disconnected
            ? `publish to ${shown(subject)} refused: the reconnect buffer is full (${this._room} bytes left); wait for the reconnect`
            : `publish to ${shown(subject)} refused: ${this._room} bytes left in the outbound buffer; await flush() or yield to let the socket drain`);
      }
      this._batch.add(subject, reply, body);
    }
    this._batchEst += cost;
    // While disconnected, each publish crosses at once so that a full (or
    // disabled) reconnect buffer throws here instead of failing later.
    if (this._batch.len >= BATCH_FLUSH_BYTES || this._disconnected) this._flushBatch("throw");
    else this._schedule();
  }
  publishJSON(subject, value, opts) {
    mine(this, Connection, "publishJSON");
    let text;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      throw wsError("BAD_JSON", `value cannot be encoded as JSON: ${errText(e)}`);
    }
    if (text === undefined) throw wsError("BAD_JSON", `value of type ${typeName(value)} cannot be encoded as JSON`);
    this.publish(subject, text, opts);
  }
  subscribe(subject, opts) {
    mine(this, Connection, "subscribe");
    this._ensureOpen();
    checkSubject(subject, "subject", false);
    const { queue, max, callback } = readOpts(opts, "subscribe", ["queue", "max", "callback"]);
    if (queue !== undefined && queue !== null && (typeof queue !== "string" || queue === "" || /\s/.test(queue))) {
      throw wsError("BAD_SUBJECT", `queue must be a non-empty string without white space, got ${typeName(queue)}`);
    }
    if (queue) checkLength(queue, "queue");
    if (max !== undefined) checkCount(max, "max");
    if (callback !== undefined && typeof callback !== "function") {
      throw wsError("INVALID_OPTION", `callback must be a function, got ${typeName(callback)}`);
    }
    this._flushBatch("throw");
    const sid = check(api.sub(this._id, subject, queue || "", max || 0));
    const sub = new Subscription(this, sid, subject, callback);
    this._subs.set(sid, sub);
    return sub;
  }
  request(subject, data, opts) {
    try {
      mine(this, Connection, "request");
      this._ensureOpen();
      checkSubject(subject, "subject", true);
      opts = readOpts(opts, "request", ["timeout", "headers"]);
      const timeout = opts.timeout === undefined ? this._timeout : opts.timeout;
      checkTimeout(timeout, "timeout");
      const bytes = toBytes(data, "data");
      const hdrs = headerPairs(opts.headers);
      this._flushBatch("throw");
      return new Promise((res, rej) => {
        const r = api.request(this._id, subject, bytes, hdrs, timeout, (u8) => res(readMsgs(u8, this)[0]), (e) => rej(fromGo(e)));
        if (r instanceof GoFailure) rej(fromGo(r));
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }
  _async(fn, ...args) {
    try {
      this._flushBatch("throw");
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((res, rej) => {
      const r = fn(this._id, ...args, res, (e) => rej(fromGo(e)));
      if (r instanceof GoFailure) rej(fromGo(r));
    });
  }
  flush() {
    const bad = notMine(this, Connection, "flush");
    if (bad) return bad;
    return this._closedFlag ? Promise.reject(wsError("CONNECTION_CLOSED", "the connection is closed")) : this._async(api.flush, this._timeout);
  }
  rtt() {
    const bad = notMine(this, Connection, "rtt");
    if (bad) return bad;
    return this._closedFlag ? Promise.reject(wsError("CONNECTION_CLOSED", "the connection is closed")) : this._async(api.rtt, this._timeout);
  }
  drain() {
    const bad = notMine(this, Connection, "drain");
    if (bad) return bad;
    if (this._closedFlag) return Promise.reject(wsError("CONNECTION_CLOSED", "the connection is closed"));
    return this._async(api.drain).then(() => this._closed).then(() => undefined);
  }
  close() {
    const bad = notMine(this, Connection, "close");
    if (bad) return bad;
    if (this._closedFlag) return Promise.resolve();
    try { this._flushBatch(false); } catch (e) { /* reported */ }
    return new Promise((res) => api.close(this._id, res, res)).then(() => this._closed).then(() => undefined);
  }
  closed() { return notMine(this, Connection, "closed") || this._closed; }
  get readyState() { mine(this, Connection, "readyState"); return check(api.readyState(this._id)); }
  isConnected() { mine(this, Connection, "isConnected"); return !this._closedFlag && check(api.state(this._id)) === "CONNECTED"; }
  isClosed() { mine(this, Connection, "isClosed"); return this._closedFlag; }
  stats() {
    mine(this, Connection, "stats");
    const s = api.stats(this._id);
    if (s instanceof GoFailure) return this._lastStats || { inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0, reconnects: 0 }; // closed: the last counts
    this._lastStats = { inMsgs: s[0], outMsgs: s[1], inBytes: s[2], outBytes: s[3], reconnects: s[4] };
    return this._lastStats;
  }
  get info() {
    mine(this, Connection, "info");
    if (this._closedFlag) return this._info;
    const info = api.info(this._id);
    if (info instanceof GoFailure) return this._info; // closed: the last INFO
    this._info = info;
    return info;
  }
  getServer() { mine(this, Connection, "getServer"); return check(api.server(this._id)); }
  status(callback) {
    mine(this, Connection, "status");
    if (typeof callback !== "function") throw wsError("INVALID_OPTION", `status callback must be a function, got ${typeName(callback)}`);
    this._listeners.push(callback);
    return () => { this._listeners = this._listeners.filter((c) => c !== callback); };
  }
  // _tellSub passes err, which does not end it, to the callback of the
  // subscription sid, if it has one.
  _tellSub(sid, err) {
    const sub = this._subs.get(sid);
    if (sub && sub._callback) {
      try { sub._callback(err, undefined); } catch (e) { console.error("wsnats: subscription callback threw on an error:", e); }
    }
  }
  // Called by Go.
  _onStatus(type, data) {
    data = data || {};
    const err = data.error ? fromGo(data.error) : undefined;
    if (err) data.error = err;
    switch (type) {
      case "error":
        // With a sid: messages of that subscription were dropped (Go's
        // reportDrop); its callback hears of it too.
        if (data.sid) this._tellSub(data.sid, err);
        this._emit("error", err);
        return;
      case "slowConsumer": {
        this._tellSub(data.sid, err || wsError("SLOW_CONSUMER", `slow consumer on "${data.subject}"`));
        delete data.sid;
        delete data.error;
        this._emit("slowConsumer", data);
        return;
      }
      case "close":
        this._closedFlag = true;
        for (const sub of [...this._subs.values()]) sub._end(null);
        this._emit("close", err);
        this._resolveClosed(err);
        return;
      case "disconnect":
        this._disconnected = true;
        break;
      case "reconnect":
        this._disconnected = false;
        this._maxPayload = (this.info && this.info.max_payload) || this._maxPayload;
        break;
      case "update":
        this._maxPayload = (this.info && this.info.max_payload) || this._maxPayload;
        break;
    }
    this._emit(type, data);
  }
}

// The numeric options of connect(): milliseconds (min, inclusive or not,
// up to MAX_TIMEOUT_MS) or integers (min, up to Number.MAX_SAFE_INTEGER).
const NUMBER_OPTIONS = {
  timeout: { ms: true, above: 0 },
  reconnectTimeWait: { ms: true, min: 0 },
  pingInterval: { ms: true, above: 0 },
  maxReconnectAttempts: { min: -1 }, // -1: forever
  maxPingOut: { min: 1 },
  reconnectBufSize: { min: 0 }, // 0: no buffering
};
const STRING_OPTIONS = ["name", "inboxPrefix", "token", "user", "pass"];
const CONNECT_OPTIONS = ["servers", ...Object.keys(NUMBER_OPTIONS), ...STRING_OPTIONS, "noEcho", "debug", "tls", "authenticator"];

// checkNumberOption throws unless v suits the numeric option k.
function checkNumberOption(k, v) {
  const spec = NUMBER_OPTIONS[k];
  if (spec.ms) {
    const low = spec.above !== undefined ? v > spec.above : v >= spec.min;
    if (typeof v !== "number" || !low || v > MAX_TIMEOUT_MS) {
      throw wsError("INVALID_OPTION", `${k} must be a number of milliseconds ${spec.above !== undefined ? "above " + spec.above : "of at least " + spec.min} and at most ${MAX_TIMEOUT_MS}, got ${typeName(v)}`);
    }
  } else if (typeof v !== "number" || !Number.isSafeInteger(v) || v < spec.min) {
    throw wsError("INVALID_OPTION", `${k} must be an integer of at least ${spec.min}, got ${typeName(v)}`);
  }
}

// connectOptions checks the JS options and returns the object Go reads.
// Options that cannot be read (a getter or Proxy that throws) are
// INVALID_OPTION.
function connectOptions(opts) {
  try {
    return readConnectOptions(opts);
  } catch (e) {
    if (ours.has(e)) throw e;
    throw wsError("INVALID_OPTION", `connect() options cannot be read: ${errText(e)}`);
  }
}

function readConnectOptions(arg) {
  if (arg === undefined || arg === null || typeof arg !== "object") {
    throw wsError("INVALID_OPTION", `connect() needs an options object like {servers: "ws://127.0.0.1:8080"}, got ${typeName(arg)}`);
  }
  const opts = readOpts(arg, "connect", CONNECT_OPTIONS);
  let servers = opts.servers;
  if (typeof servers === "string") servers = [servers];
  if (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== "string" || s === "")) {
    throw wsError("INVALID_OPTION", "servers must be a ws:// or wss:// URL or a non-empty array of them");
  }
  const out = { servers: [...servers] };
  for (const k of Object.keys(NUMBER_OPTIONS)) {
    if (opts[k] === undefined) continue;
    checkNumberOption(k, opts[k]);
    out[k] = opts[k];
  }
  for (const k of STRING_OPTIONS) {
    if (opts[k] === undefined) continue;
    if (typeof opts[k] !== "string") throw wsError("INVALID_OPTION", `${k} must be a string, got ${typeName(opts[k])}`);
    out[k] = opts[k];
  }
  if (out.inboxPrefix !== undefined) {
    try {
      checkSubject(out.inboxPrefix, "inboxPrefix", true);
    } catch (e) {
      throw wsError("INVALID_OPTION", e.message);
    }
  }
  for (const k of ["noEcho", "debug"]) {
    if (opts[k] === undefined) continue;
    if (typeof opts[k] !== "boolean") throw wsError("INVALID_OPTION", `${k} must be true or false, got ${typeName(opts[k])}`);
    out[k] = opts[k];
  }
  if (opts.tls !== undefined) {
    throw wsError("INVALID_OPTION", "tls options cannot be used in the browser: wss:// uses the browser's own TLS and trusted certificates");
  }
  let sign;
  if (opts.authenticator !== undefined) {
    const a = opts.authenticator;
    if (a === null || typeof a !== "object") throw wsError("INVALID_OPTION", `authenticator must be an object, got ${typeName(a)}`);
    const auth = readOpts(a, "authenticator", ["nkeySeed", "nkey", "jwt", "creds", "sign"]);
    out.authenticator = {};
    for (const k of ["nkeySeed", "nkey", "jwt", "creds"]) {
      if (auth[k] === undefined) continue;
      if (typeof auth[k] !== "string") throw wsError("INVALID_OPTION", `authenticator.${k} must be a string, got ${typeName(auth[k])}`);
      out.authenticator[k] = auth[k];
    }
    if (auth.sign !== undefined) {
      if (typeof auth.sign !== "function") throw wsError("INVALID_OPTION", `authenticator.sign must be a function, got ${typeName(auth.sign)}`);
      out.authenticator.hasSign = true;
      sign = auth.sign;
    }
  }
  return { opts: out, sign, timeout: out.timeout };
}

function connect(opts) {
  let parsed;
  try {
    parsed = connectOptions(opts);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    let conn = null;
    const early = [];
    const sink = {
      onMsgs(sid, u8) {
        const sub = conn && conn._subs.get(sid);
        if (sub) sub._deliver(readMsgs(u8, conn));
      },
      // why is null for a normal end, else a GoFailure.
      // An INTERNAL end (the delivery failed in Go) is also reported
      // like a throwing callback: on the console and as an "error" event.
      onSubEnd(sid, why) {
        const sub = conn && conn._subs.get(sid);
        if (!sub) return;
        const err = why ? fromGo(why) : null;
        sub._end(err);
        if (err && err.code === "INTERNAL") conn._report(err);
      },
      onStatus(type, data) {
        if (conn) conn._onStatus(type, data);
        else early.push([type, data]);
      },
    };
    const r = api.connect(parsed.opts, sink, parsed.sign, (id) => {
      conn = new Connection(id, sink, parsed);
      for (const [type, data] of early) conn._onStatus(type, data);
      resolve(conn);
    }, (e) => reject(fromGo(e)));
    if (r instanceof GoFailure) reject(fromGo(r));
  });
}

// ===========================================================================
// Start: the Go half calls createBridge once. withSupervisor, in the module
// with agents, is bridge-agents.js's createSupervisor; without it,
// wsnats.supervisor() says which module has it.
// ===========================================================================

function supervisorNotHere() {
  return Promise.reject(wsError("NOT_AVAILABLE", "wsnats.supervisor() is not in this module: wsnats.wasm is the client alone; " +
    "load wsnats-agents.wasm for agents (load({ agents: true }) in wsnats.js)"));
}

/**
 * Starts the bridge over the Go functions goApi; called by jsbridge.Register.
 * @returns {{wsnats: object, GoFailure: Function}} the API and the class Go
 *   builds its errors with.
 */
export function createBridge(goApi, version, withSupervisor) {
  if (api !== null) throw new Error("wsnats: the bridge was started twice in this page");
  api = goApi;
  const agents = typeof withSupervisor === "function";
  const supervisor = agents ? withSupervisor(goApi) : supervisorNotHere;
  return { wsnats: Object.freeze({ version, agents, connect, supervisor }), GoFailure };
}

// For bridge-agents.js.
export { wsError, errText, typeName, check, fromGo, errorFromPair, checkSubject, GoFailure, Connection };
