// bridge-agents.js: the wsnats.supervisor part of the JS bridge, an ES
// module. The loader imports it for the module with agents
// (load({ agents: true })) and hands createSupervisor to the Go program
// with createBridge (see bridge.js). Go half: jsbridge/supervisor_js.go and
// supervisor.go; contract: "Supervised agents" in wsnats.d.ts. Events,
// statuses and memory arrive as JSON text.

import { wsError, errText, typeName, check, fromGo, errorFromPair, checkSubject, GoFailure, Connection } from "./bridge.js";

// api holds the Go functions, set by createSupervisor.
let api = null;

const SUPERVISOR_OPTIONS = ["agents", "connection", "prefix", "maxRestarts", "withinMs", "mailboxSize", "page", "onEvent"];

function checkAgentId(id, what) {
  if (typeof id !== "string" || id === "") throw wsError("INVALID_OPTION", `${what} must be a non-empty string, got ${typeName(id)}`);
  if (/[\s*>]/.test(id) || id.startsWith(".") || id.endsWith(".") || id.includes("..")) {
    throw wsError("INVALID_OPTION", `${what} "${id}" cannot be part of a subject: no white space, '*', '>' or empty tokens`);
  }
}

function checkConnection(conn, what) {
  if (conn === undefined || conn === null) return null;
  let ok = false;
  try { ok = conn instanceof Connection; } catch (_) { /* a Proxy whose traps throw */ }
  if (!ok) throw wsError("INVALID_OPTION", `${what} must be a Connection from wsnats.connect(), got ${typeName(conn)}`);
  if (conn.isClosed()) throw wsError("CONNECTION_CLOSED", `${what} is closed`);
  return conn;
}

// payloadJSON is the JSON text of an agent message payload (undefined: null).
function payloadJSON(payload, what) {
  if (payload === undefined) return "null";
  let text;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    throw wsError("BAD_JSON", `${what}: the payload cannot be encoded as JSON: ${errText(e)}`);
  }
  if (text === undefined) throw wsError("BAD_JSON", `${what}: a payload of type ${typeName(payload)} cannot be encoded as JSON`);
  return text;
}

// supervisorSpec checks the options and returns the JSON spec Go reads.
function supervisorSpec(opts) {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw wsError("INVALID_OPTION", `supervisor() needs an options object like {agents: [{id: "echo-1", kind: "echo"}]}, got ${typeName(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!SUPERVISOR_OPTIONS.includes(k)) throw wsError("INVALID_OPTION", `unknown supervisor option "${k}" (known: ${SUPERVISOR_OPTIONS.join(", ")})`);
  }
  const agents = opts.agents;
  if (!Array.isArray(agents) || agents.length === 0) {
    throw wsError("INVALID_OPTION", `agents must be a non-empty array like [{id: "echo-1", kind: "echo"}], got ${typeName(agents)}`);
  }
  const spec = { agents: [], page: "page" };
  const ids = new Set();
  agents.forEach((a, i) => {
    if (a === null || typeof a !== "object" || Array.isArray(a)) {
      throw wsError("INVALID_OPTION", `agents[${i}] must be an object like {id: "echo-1", kind: "echo", nats: false}, got ${typeName(a)}`);
    }
    for (const k of Object.keys(a)) {
      if (!["id", "kind", "nats", "persist"].includes(k)) throw wsError("INVALID_OPTION", `agents[${i}]: unknown field "${k}" (known: id, kind, nats, persist)`);
    }
    checkAgentId(a.id, `agents[${i}].id`);
    if (typeof a.kind !== "string" || a.kind === "") throw wsError("INVALID_OPTION", `agents[${i}].kind must be a non-empty string like "echo", got ${typeName(a.kind)}`);
    for (const k of ["nats", "persist"]) {
      if (a[k] !== undefined && typeof a[k] !== "boolean") throw wsError("INVALID_OPTION", `agents[${i}].${k} must be true or false, got ${typeName(a[k])}`);
    }
    if (ids.has(a.id)) throw wsError("INVALID_OPTION", `agent id "${a.id}" is used twice`);
    ids.add(a.id);
    spec.agents.push({ id: a.id, kind: a.kind, nats: a.nats === true, persist: a.persist === true });
  });
  if (opts.prefix !== undefined) {
    checkSubject(opts.prefix, "prefix", true);
    spec.prefix = opts.prefix;
  }
  for (const [k, min] of [["maxRestarts", 0], ["mailboxSize", 1]]) {
    const v = opts[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw wsError("INVALID_OPTION", `${k} must be an integer of at least ${min}, got ${typeof v === "number" ? v : typeName(v)}`);
    spec[k] = v;
  }
  if (opts.withinMs !== undefined) {
    const v = opts.withinMs;
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw wsError("INVALID_OPTION", `withinMs must be a positive number of milliseconds, got ${typeof v === "number" ? v : typeName(v)}`);
    spec.withinMs = v;
  }
  if (opts.page === null || opts.page === "") spec.page = "";
  else if (opts.page !== undefined) {
    checkAgentId(opts.page, "page");
    spec.page = opts.page;
  }
  if (spec.page && ids.has(spec.page)) {
    throw wsError("INVALID_OPTION", `the page's agent id "${spec.page}" is also the id of an agent: rename the agent or set the page option`);
  }
  if (opts.onEvent !== undefined && typeof opts.onEvent !== "function") {
    throw wsError("INVALID_OPTION", `onEvent must be a function, got ${typeName(opts.onEvent)}`);
  }
  const conn = checkConnection(opts.connection, "connection");
  return { spec, conn, onEvent: opts.onEvent };
}

class Supervisor {
  constructor(spec) {
    this._id = 0; // set once Go has started the agents
    this._page = spec.page;
    this._prefix = spec.prefix || "agents";
    this._listeners = [];
    this._early = []; // events that came before the id
    this._stop = null; // the promise of stop()
    this._final = false; // stopped: _lastStatus is the final status
    this._lastStatus = "[]";
  }
  // Called by Go with one event as JSON text.
  _onEvent(text) {
    if (this._id === 0) {
      this._early.push(text);
      return;
    }
    let ev;
    try {
      ev = JSON.parse(text);
    } catch (e) {
      console.error("wsnats: unreadable supervisor event:", text);
      return;
    }
    if (ev.error) ev.error = errorFromPair(ev.error);
    for (const cb of this._listeners.slice()) {
      try { cb(ev); } catch (e) { console.error("wsnats: supervisor event callback threw:", e); }
    }
  }
  _started(id) {
    this._id = id;
    for (const text of this._early.splice(0)) this._onEvent(text);
  }
  _live(what) {
    if (this._stop) throw wsError("STOPPED", `cannot ${what}: the supervisor is stopped`);
  }
  get page() { return this._page || null; }
  subject(id) {
    checkAgentId(id, "agent id");
    return `${this._prefix}.${id}`;
  }
  send(to, payload, from) {
    this._live("send");
    if (typeof to !== "string" || to === "") throw wsError("UNKNOWN_AGENT", `send: the agent id must be a non-empty string, got ${typeName(to)}`);
    if (from !== undefined && from !== null && typeof from !== "string") throw wsError("INVALID_OPTION", `send: from must be a string, got ${typeName(from)}`);
    return check(api.supSend(this._id, to, payloadJSON(payload, "send"), from == null ? this._page : from));
  }
  publish(subject, payload, from) {
    this._live("publish");
    checkSubject(subject, "subject", true);
    if (from !== undefined && from !== null && (typeof from !== "string" || from === "")) throw wsError("INVALID_OPTION", `publish: from must be a non-empty string, got ${typeName(from)}`);
    return check(api.supPublish(this._id, subject, payloadJSON(payload, "publish"), from == null ? (this._page || "page") : from));
  }
  status() {
    if (!this._final) {
      const r = api.supStatus(this._id);
      if (typeof r === "string") this._lastStatus = r;
      else if (!this._stop) check(r); // stopping: the last status it had
    }
    return JSON.parse(this._lastStatus);
  }
  natsConnected() { return !this._stop && check(api.supNATS(this._id)) === true; }
  memory(id) {
    try {
      this._live("read memory");
      if (typeof id !== "string" || id === "") throw wsError("UNKNOWN_AGENT", `memory: the agent id must be a non-empty string, got ${typeName(id)}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((res, rej) => {
      const r = api.supMemory(this._id, id, (text) => res(JSON.parse(text)), (e) => rej(fromGo(e)));
      if (r instanceof GoFailure) rej(fromGo(r));
    });
  }
  setConnection(conn) {
    try {
      this._live("set the connection");
      conn = checkConnection(conn, "setConnection: the connection");
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((res, rej) => {
      const r = api.supConn(this._id, conn ? conn._id : 0, () => res(), (e) => rej(fromGo(e)));
      if (r instanceof GoFailure) rej(fromGo(r));
    });
  }
  observe(subject) {
    this._live("observe");
    checkSubject(subject, "subject", false);
    const oid = check(api.supObserve(this._id, subject));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      check(api.supUnobserve(this._id, oid));
    };
  }
  on(callback) {
    if (typeof callback !== "function") throw wsError("INVALID_OPTION", `on: the callback must be a function, got ${typeName(callback)}`);
    this._listeners.push(callback);
    return () => { this._listeners = this._listeners.filter((c) => c !== callback); };
  }
  stop(timeout) {
    if (this._stop) return this._stop;
    if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
      return Promise.reject(wsError("INVALID_OPTION", `stop: timeout must be a positive number of milliseconds, got ${typeName(timeout)}`));
    }
    this.status(); // keep the last status in case the stop times out
    this._stop = new Promise((res, rej) => {
      const done = (text) => { this._lastStatus = text; this._final = true; res(JSON.parse(text)); };
      const r = api.supStop(this._id, timeout || 0, done, (e) => rej(fromGo(e)));
      if (r instanceof GoFailure) rej(fromGo(r));
    });
    return this._stop;
  }
}

function supervisor(opts) {
  let parsed;
  try {
    parsed = supervisorSpec(opts);
  } catch (e) {
    return Promise.reject(e);
  }
  const sup = new Supervisor(parsed.spec);
  if (parsed.onEvent) sup._listeners.push(parsed.onEvent);
  return new Promise((resolve, reject) => {
    const r = api.supStart(JSON.stringify(parsed.spec), sup, parsed.conn ? parsed.conn._id : 0, (id) => {
      sup._started(id);
      resolve(sup);
    }, (e) => reject(fromGo(e)));
    if (r instanceof GoFailure) reject(fromGo(r));
  });
}

/** Returns wsnats.supervisor over the Go functions goApi (called by createBridge). */
export function createSupervisor(goApi) {
  api = goApi;
  return supervisor;
}

