// demo.js: the wasm-nats demo page. Plain DOM code, no framework.
//
// Stable element ids (the end-to-end test in cmd/wsnats-demo drives the page
// through them; keep them when changing the page):
//
//   #wasm-state      loader state; data-state="loading" | "ready" | "failed"
//   #url             server URL (default ws://<page host>:<wsPort from /config.json>)
//   #token           optional auth token
//   #user, #pass     optional user and password (inside #auth-more)
//   #creds           optional .creds text (JWT and seed; inside #auth-more)
//   #connect         connect button (enabled once wsnats has loaded)
//   #disconnect      disconnect button (closes the connection)
//   #ready-state     live conn.readyState; data-state="0".."3", or "" without a connection
//   #server-info     name and version of the connected server
//   #sub-subject     subject to subscribe to
//   #sub-queue       optional queue group
//   #sub-add         subscribe button
//   #subs            list of subscriptions: <li class="sub" data-subject data-ready="0|1"
//                    data-closed="0|1"> with .count (received) and .unsub (button)
//   #pub-subject     subject to publish to
//   #pub-data        payload text
//   #pub-json        checkbox: parse the payload as JSON and use publishJSON
//   #pub-reply       optional reply subject
//   #pub-headers     optional headers, one "Key: value" per line
//   #pub-send        publish button
//   #req-subject, #req-data, #req-timeout, #req-send, #req-result   request form
//   #log             message log <tbody>; rows <tr class="msg" data-subject data-kind="msg|response">,
//                    newest first, at most 500
//   #log-clear       clears the message log
//   #stats           stats panel; values in #stat-in-msgs, #stat-out-msgs, #stat-in-bytes,
//                    #stat-out-bytes, #stat-in-rate, #stat-out-rate, #stat-reconnects
//   #status-log      status events, newest first: <li data-type>
//   #status-clear    clears the status log
//   #error           error bar (hidden when there is no error); text in #error-text,
//                    dismissed by #error-dismiss
//   #agents          agents panel (see initAgentsPanel); #agents-body is the placeholder text
//                    shown when the build has no wsnats.supervisor, #agents-ui the panel itself
//   #agents-nats     data-state="off" | "local" (in-page bus only) | "nats" | "failed"
//   #agents-send-counter   sends {n} to counter-1
//   #agents-send-echo      sends to echo-1; its reply comes back to the page's agent
//   #agents-echo-counter   sends to echo-1 as counter-1: echo-1 answers counter-1 (agent to agent)
//   #agents-nats-publish   "publish via NATS": request on agents.counter-1 over the page's
//                          connection when the supervisor is on NATS (logs the {count}
//                          reply); else publishes on the in-page bus
//   #agents-crash    sends {"crash":true} to counter-1 (it panics and is restarted)
//   #agents-rows     agent table <tbody>: <tr data-agent data-state data-restarts> with cells
//                    td.id .kind .nats .state .restarts .processed .mailbox .memory
//   #agents-log      agent events and messages, newest first: <li data-type> (supervisor event
//                    types, "message", and "send"/"reply" for the panel's own actions)
//
// For tests, window.wsnatsDemo exposes live state: { wsnats, conn, lastError,
// loadError, messages, supervisor } (getters; messages counts the rows ever
// logged; supervisor is the agents panel's Supervisor once started).
//
// This module exports nothing.

import { load } from "./wsnats.js";

const MAX_LOG_ROWS = 500;
const MAX_STATUS_ROWS = 200;
const MAX_PAYLOAD_CHARS = 2000;
const READY_POLL_MS = 200;
const STATS_INTERVAL_MS = 1000;
const DEFAULT_WS_PORT = 8080;
const READY_NAMES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo.js: element #${id} is missing from index.html`);
  return el;
};

const state = {
  wsnats: null,
  conn: null,
  connecting: false,
  lastError: null,
  loadError: null,
  subs: [], // { subject, queue, sub, row }
  messages: 0,
  pendingRows: [], // messages waiting for the next render
  renderQueued: false,
  prevStats: null,
  prevStatsAt: 0,
};

window.wsnatsDemo = {
  get wsnats() { return state.wsnats; },
  get conn() { return state.conn; },
  get lastError() { return state.lastError; },
  get loadError() { return state.loadError; },
  get messages() { return state.messages; },
  get supervisor() { return agents.sup; },
};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

function describeError(err) {
  if (err instanceof Error) {
    return err.code ? `${err.message} [${err.code}]` : err.message;
  }
  if (err && typeof err === "object" && "message" in err) return String(err.message);
  return String(err);
}

function showError(err, context) {
  const text = (context ? `${context}: ` : "") + describeError(err);
  state.lastError = {
    message: text,
    code: err && typeof err === "object" ? err.code : undefined,
    at: new Date().toISOString(),
  };
  console.error("wsnats demo:", text, err);
  $("error-text").textContent = text;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error-text").textContent = "";
}

// guard runs an event handler and shows whatever it throws or rejects with.
function guard(context, fn) {
  return async (ev) => {
    if (ev && ev.type === "submit") ev.preventDefault();
    try {
      await fn(ev);
    } catch (err) {
      showError(err, context);
    }
  };
}

function requireConn() {
  if (!state.conn) throw new Error("not connected: press Connect first");
  if (state.conn.isClosed()) throw new Error("the connection is closed: press Connect to open a new one");
  return state.conn;
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

async function connect() {
  if (!state.wsnats) throw new Error("wsnats is not loaded (see the error above)");
  if (state.conn && !state.conn.isClosed()) throw new Error("already connected: disconnect first");
  const url = $("url").value.trim();
  if (!url) throw new Error("enter a server URL, e.g. ws://127.0.0.1:8080");
  const opts = { servers: url, name: "wsnats-demo" };
  const token = $("token").value;
  if (token) opts.token = token;
  const user = $("user").value;
  if (user) {
    opts.user = user;
    opts.pass = $("pass").value;
  }
  const creds = $("creds").value.trim();
  if (creds) opts.authenticator = { creds };

  state.connecting = true;
  updateButtons();
  addStatus("connecting", url);
  try {
    const conn = await state.wsnats.connect(opts);
    state.conn = conn;
    state.prevStats = null;
    clearSubs();
    conn.status((ev) => addStatus(ev.type, ev.data));
    conn.closed().then((err) => {
      // The bridge reports the "close" status event itself; show the cause.
      if (err) showError(err, "connection closed");
      markSubsClosed();
      updateButtons();
    });
    const info = conn.info;
    $("server-info").textContent = info
      ? `${info.server_name || info.server_id} · nats-server ${info.version} · max_payload ${formatBytes(info.max_payload)}`
      : "";
    addStatus("connected", conn.getServer());
  } finally {
    state.connecting = false;
    updateButtons();
  }
}

async function disconnect() {
  const conn = state.conn;
  if (!conn) throw new Error("not connected");
  $("disconnect").disabled = true;
  await conn.close();
  markSubsClosed();
  updateButtons();
}

function updateButtons() {
  const open = state.conn !== null && !state.conn.isClosed();
  $("connect").disabled = !state.wsnats || state.connecting || open;
  $("disconnect").disabled = !open;
}

function renderReadyState() {
  const el = $("ready-state");
  if (!state.conn) {
    el.dataset.state = "";
    el.textContent = "– no connection";
    return;
  }
  let rs;
  try {
    rs = state.conn.readyState;
  } catch (err) {
    rs = undefined;
  }
  const name = READY_NAMES[rs] ?? "UNKNOWN";
  el.dataset.state = String(rs);
  el.textContent = `${rs} ${name}`;
  updateButtons();
}

// ---------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------

async function subscribe() {
  const conn = requireConn();
  const subject = $("sub-subject").value.trim();
  const queue = $("sub-queue").value.trim();
  if (!subject) throw new Error("enter a subject to subscribe to");

  const entry = { subject, queue, sub: null, row: null };
  entry.sub = conn.subscribe(subject, {
    queue: queue || undefined,
    callback: (err, msg) => {
      if (err) {
        showError(err, `subscription ${subject}`);
        renderSub(entry);
        return;
      }
      logMessage(msg, "msg");
      scheduleRender();
    },
  });
  entry.row = makeSubRow(entry);
  state.subs.push(entry);
  $("subs").prepend(entry.row);
  // Wait until the server has the SUB, so "ready" means messages will arrive.
  await conn.flush();
  entry.row.dataset.ready = "1";
}

function makeSubRow(entry) {
  const li = document.createElement("li");
  li.className = "sub";
  li.dataset.subject = entry.subject;
  li.dataset.ready = "0";
  li.dataset.closed = "0";
  const subj = document.createElement("code");
  subj.textContent = entry.subject;
  li.append(subj);
  if (entry.queue) {
    const q = document.createElement("span");
    q.className = "queue";
    q.textContent = `queue ${entry.queue}`;
    li.append(q);
  }
  const count = document.createElement("span");
  count.className = "count";
  count.title = "messages received";
  count.textContent = "0";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "unsub";
  btn.textContent = "Unsubscribe";
  btn.addEventListener("click", guard(`unsubscribe ${entry.subject}`, () => {
    if (!entry.sub.isClosed()) entry.sub.unsubscribe();
    entry.row.remove();
    state.subs = state.subs.filter((e) => e !== entry);
  }));
  li.append(count, btn);
  return li;
}

function renderSub(entry) {
  const closed = entry.sub.isClosed();
  entry.row.dataset.closed = closed ? "1" : "0";
  entry.row.querySelector(".count").textContent = formatCount(entry.sub.getReceived());
}

function markSubsClosed() {
  for (const e of state.subs) renderSub(e);
}

function clearSubs() {
  state.subs = [];
  $("subs").replaceChildren();
}

// ---------------------------------------------------------------------------
// Publish and request
// ---------------------------------------------------------------------------

function parseHeaders(text) {
  const headers = {};
  let n = 0;
  for (const raw of text.split("\n")) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf(":");
    if (i <= 0) throw new Error(`header line ${n} is not "Key: value": ${line}`);
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    (headers[key] ??= []).push(value);
  }
  return Object.keys(headers).length ? headers : undefined;
}

function publish() {
  const conn = requireConn();
  const subject = $("pub-subject").value.trim();
  if (!subject) throw new Error("enter a subject to publish to");
  const text = $("pub-data").value;
  const opts = {};
  const reply = $("pub-reply").value.trim();
  if (reply) opts.reply = reply;
  const headers = parseHeaders($("pub-headers").value);
  if (headers) opts.headers = headers;

  if ($("pub-json").checked) {
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`the payload is not valid JSON: ${describeError(err)}`);
    }
    conn.publishJSON(subject, value, opts);
  } else {
    conn.publish(subject, text, opts);
  }
}

async function request() {
  const conn = requireConn();
  const subject = $("req-subject").value.trim();
  if (!subject) throw new Error("enter a subject for the request");
  const timeout = Number($("req-timeout").value) || undefined;
  const out = $("req-result");
  out.textContent = "waiting…";
  const t0 = performance.now();
  try {
    const msg = await conn.request(subject, $("req-data").value, { timeout });
    const ms = performance.now() - t0;
    out.textContent = `reply after ${ms.toFixed(1)} ms: ${truncate(msg.string(), 200)}`;
    logMessage(msg, "response");
    scheduleRender();
  } catch (err) {
    out.textContent = `failed: ${describeError(err)}`;
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Message log (rendered in batches, so a fast stream cannot freeze the page)
// ---------------------------------------------------------------------------

function logMessage(msg, kind) {
  state.messages++;
  state.pendingRows.push({ at: new Date(), kind, subject: msg.subject, reply: msg.reply,
    headers: describeHeaders(msg.headers), payload: payloadText(msg) });
  if (state.pendingRows.length > MAX_LOG_ROWS) {
    state.pendingRows.splice(0, state.pendingRows.length - MAX_LOG_ROWS);
  }
}

function scheduleRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  // setTimeout rather than requestAnimationFrame: it also runs in background tabs.
  setTimeout(renderLog, 50);
}

function renderLog() {
  state.renderQueued = false;
  const rows = state.pendingRows;
  state.pendingRows = [];
  const body = $("log");
  const frag = document.createDocumentFragment();
  for (let i = rows.length - 1; i >= 0; i--) frag.append(makeLogRow(rows[i]));
  body.prepend(frag);
  while (body.rows.length > MAX_LOG_ROWS) body.deleteRow(-1);
  $("log-count").textContent = state.messages ? `(${formatCount(state.messages)} total, ${body.rows.length} shown)` : "";
  for (const e of state.subs) renderSub(e);
}

function makeLogRow(r) {
  const tr = document.createElement("tr");
  tr.className = "msg";
  tr.dataset.subject = r.subject;
  tr.dataset.kind = r.kind;
  const cells = [formatTime(r.at), r.subject, r.reply, r.headers, r.payload];
  cells.forEach((text, i) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (text) td.title = text; // cells are cut to one line; hover shows all
    if (i === 4) td.className = "payload";
    tr.append(td);
  });
  if (r.kind === "response") tr.title = "reply to a request";
  return tr;
}

function describeHeaders(h) {
  if (!h) return "";
  const parts = [];
  if (h.code) parts.push(`${h.code}${h.description ? " " + h.description : ""}`);
  for (const k of h.keys()) parts.push(`${k}: ${h.values(k).join(", ")}`);
  return parts.join("; ");
}

function payloadText(msg) {
  if (msg.data.length === 0) return "";
  return truncate(msg.string(), MAX_PAYLOAD_CHARS);
}

function clearLog() {
  state.pendingRows = [];
  $("log").replaceChildren();
  $("log-count").textContent = "";
}

// ---------------------------------------------------------------------------
// Status events
// ---------------------------------------------------------------------------

function addStatus(type, data) {
  const li = document.createElement("li");
  li.dataset.type = type;
  const time = document.createElement("time");
  time.textContent = formatTime(new Date());
  const name = document.createElement("b");
  name.textContent = type;
  const detail = document.createElement("span");
  detail.textContent = summarize(data);
  li.append(time, name, detail);
  const list = $("status-log");
  list.prepend(li);
  while (list.children.length > MAX_STATUS_ROWS) list.lastElementChild.remove();
}

function summarize(data) {
  if (data === undefined || data === null) return "";
  if (data instanceof Error) return describeError(data);
  if (typeof data !== "object") return String(data);
  try {
    return JSON.stringify(data, (k, v) => (v instanceof Error ? describeError(v) : v));
  } catch {
    return String(data);
  }
}

// ---------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------

function updateStats() {
  const conn = state.conn;
  let s = { inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0, reconnects: 0 };
  if (conn) {
    try {
      s = conn.stats();
    } catch (err) {
      return; // the bridge reports broken state elsewhere
    }
  }
  const now = performance.now();
  let inRate = 0;
  let outRate = 0;
  if (state.prevStats && now > state.prevStatsAt) {
    const dt = (now - state.prevStatsAt) / 1000;
    inRate = Math.max(0, (s.inMsgs - state.prevStats.inMsgs) / dt);
    outRate = Math.max(0, (s.outMsgs - state.prevStats.outMsgs) / dt);
  }
  state.prevStats = s;
  state.prevStatsAt = now;
  $("stat-in-msgs").textContent = formatCount(s.inMsgs);
  $("stat-out-msgs").textContent = formatCount(s.outMsgs);
  $("stat-in-bytes").textContent = formatBytes(s.inBytes);
  $("stat-out-bytes").textContent = formatBytes(s.outBytes);
  $("stat-in-rate").textContent = formatCount(Math.round(inRate));
  $("stat-out-rate").textContent = formatCount(Math.round(outRate));
  $("stat-reconnects").textContent = formatCount(s.reconnects);
  for (const e of state.subs) renderSub(e);
}

// ---------------------------------------------------------------------------
// Formatting helpers
// ---------------------------------------------------------------------------

function formatTime(d) {
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function formatCount(n) {
  return Number(n).toLocaleString("en-US");
}

function formatBytes(n) {
  if (typeof n !== "number" || !isFinite(n)) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function truncate(s, max) {
  return s.length > max ? s.slice(0, max) + `… (${s.length - max} more chars)` : s;
}

// ---------------------------------------------------------------------------
// Agents panel: a supervisor (wsnats.supervisor) of two agents written in Go:
// "counter-1" (kind "counter", NATS-enabled: it listens on agents.counter-1)
// and "echo-1" (kind "echo", local only). It starts without a connection, so
// the agents talk over the in-page bus, and picks up the page's connection
// once the user connects (and again after a reconnect with a new one).
// Called once, after wsnats has loaded; with a module without agents the
// panel keeps its placeholder text.
// ---------------------------------------------------------------------------

const AGENTS = [
  { id: "counter-1", kind: "counter", nats: true },
  { id: "echo-1", kind: "echo" },
];
const AGENTS_REFRESH_MS = 250;
const MAX_AGENT_LOG_ROWS = 100;

const agents = {
  sup: null,
  conn: null, // the connection the supervisor uses
  attaching: false,
  seq: 0,
  rows: new Map(), // agent id -> <tr>
  memory: new Map(), // agent id -> memory text
  readingMemory: false,
};

function openConn() {
  return state.conn && !state.conn.isClosed() ? state.conn : null;
}

async function initAgentsPanel(wsnats) {
  if (!wsnats.agents) return; // the client-only module (wsnats.wasm)
  $("agents-body").hidden = true;
  $("agents-ui").hidden = false;
  const conn = openConn();
  try {
    agents.sup = await wsnats.supervisor({ agents: AGENTS, connection: conn, onEvent: logAgentEvent });
  } catch (err) {
    $("agents-nats").dataset.state = "failed";
    $("agents-nats").textContent = "failed to start";
    showError(err, "start agents");
    return;
  }
  agents.conn = conn;
  agents.sup.observe("agents.>"); // NATS traffic to the agents, or the in-page bus
  const counter = AGENTS[0].id;
  const echo = AGENTS[1].id;
  $("agents-send-counter").addEventListener("click", guard("send to counter", () => {
    const payload = { n: ++agents.seq };
    agents.sup.send(counter, payload);
    addAgentLog("send", `page → ${counter}: ${JSON.stringify(payload)}`);
  }));
  $("agents-send-echo").addEventListener("click", guard("send to echo", () => {
    const payload = { hello: "echo", n: ++agents.seq };
    agents.sup.send(echo, payload);
    addAgentLog("send", `page → ${echo}: ${JSON.stringify(payload)}`);
  }));
  $("agents-echo-counter").addEventListener("click", guard("echo to counter", () => {
    const payload = { n: ++agents.seq };
    agents.sup.send(echo, payload, counter); // echo-1 answers counter-1, locally
    addAgentLog("send", `${counter} → ${echo}: ${JSON.stringify(payload)} (the echo goes to ${counter})`);
  }));
  $("agents-nats-publish").addEventListener("click", guard("publish to the counter", () => publishToCounter(counter)));
  $("agents-crash").addEventListener("click", guard("crash the counter", () => {
    agents.sup.send(counter, { crash: true });
    addAgentLog("send", `page → ${counter}: {"crash":true}`);
  }));
  setInterval(refreshAgents, AGENTS_REFRESH_MS);
  refreshAgents();
}

// publishToCounter sends a request to agents.counter-1 over the page's
// connection when the supervisor is on NATS (the counter answers the count);
// without NATS it publishes on the in-page bus instead.
async function publishToCounter(id) {
  const sup = agents.sup;
  const subject = sup.subject(id);
  const payload = { n: ++agents.seq, via: "nats" };
  const conn = openConn();
  if (conn && conn.isConnected() && sup.natsConnected()) {
    addAgentLog("send", `request on ${subject} over NATS: ${JSON.stringify(payload)}`);
    const reply = await conn.request(subject, JSON.stringify(payload), { timeout: 2000 });
    const m = reply.json();
    addAgentLog("reply", `${m.from} → page over NATS: ${JSON.stringify(m.payload)}`);
    return;
  }
  sup.publish(subject, payload);
  addAgentLog("send", `no NATS: ${JSON.stringify(payload)} to ${subject} on the in-page bus`);
}

function refreshAgents() {
  const sup = agents.sup;
  const conn = openConn();
  if (conn && conn !== agents.conn && !agents.attaching) {
    agents.attaching = true;
    sup.setConnection(conn)
      .catch((err) => showError(err, "agents: use the new connection"))
      .finally(() => {
        agents.conn = conn; // tried once; a failure is shown, not retried
        agents.attaching = false;
      });
  }
  const pill = $("agents-nats");
  const nats = sup.natsConnected();
  pill.dataset.state = nats ? "nats" : "local";
  pill.textContent = nats ? "NATS connected" : "local only (in-page bus)";
  for (const st of sup.status()) renderAgentRow(st);
  readMemories();
}

async function readMemories() {
  if (agents.readingMemory) return;
  agents.readingMemory = true;
  try {
    for (const { id } of AGENTS) {
      const mem = await agents.sup.memory(id);
      const text = Object.entries(mem).map(([k, v]) => `${k}=${v}`).join(" ") || "–";
      agents.memory.set(id, text);
      const row = agents.rows.get(id);
      if (row) row.querySelector("td.memory").textContent = text;
    }
  } catch (err) {
    // Stopped, or the page is closing: the table keeps the last values.
  } finally {
    agents.readingMemory = false;
  }
}

function renderAgentRow(st) {
  let row = agents.rows.get(st.id);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.agent = st.id;
    for (const name of ["id", "kind", "nats", "state", "restarts", "processed", "mailbox", "memory"]) {
      const td = document.createElement("td");
      td.className = name;
      row.append(td);
    }
    agents.rows.set(st.id, row);
    $("agents-rows").append(row);
  }
  row.dataset.state = st.state;
  row.dataset.restarts = String(st.restarts);
  const cell = (name, text) => { row.querySelector(`td.${name}`).textContent = text; };
  cell("id", st.id);
  cell("kind", st.kind);
  cell("nats", st.nats ? "yes" : "–");
  cell("state", st.state);
  cell("restarts", String(st.restarts));
  cell("processed", formatCount(st.processed));
  cell("mailbox", `${st.mailbox}/${st.mailboxCap}`);
  cell("memory", agents.memory.get(st.id) ?? "–");
  row.title = st.lastError ? `last error: ${st.lastError}` : "";
}

function logAgentEvent(ev) {
  let text = "";
  switch (ev.type) {
    case "message": {
      const m = ev.message;
      const payload = truncate(JSON.stringify(m.payload), 200);
      text = ev.subject ? `${ev.subject}: ${m.from} → ${m.to} ${payload}` : `${m.from} → ${ev.agent}: ${payload}`;
      break;
    }
    case "restarted":
    case "failed":
    case "dropped":
      text = `${ev.agent} (restarts ${ev.restarts}): ${ev.error ? describeError(ev.error) : ""}`;
      break;
    case "nats_connected":
      text = "NATS delivery resumes";
      break;
    case "nats_disconnected":
      text = "agents go on over the in-page bus";
      break;
    default:
      text = ev.agent || "";
  }
  addAgentLog(ev.type, text);
}

function addAgentLog(type, text) {
  const li = document.createElement("li");
  li.dataset.type = type;
  const time = document.createElement("time");
  time.textContent = formatTime(new Date());
  const name = document.createElement("b");
  name.textContent = type;
  const detail = document.createElement("span");
  detail.textContent = text;
  li.append(time, name, detail);
  const list = $("agents-log");
  list.prepend(li);
  while (list.children.length > MAX_AGENT_LOG_ROWS) list.lastElementChild.remove();
}

// ---------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------

async function loadConfig() {
  try {
    const resp = await fetch("/config.json", { cache: "no-store" });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    return await resp.json();
  } catch (err) {
    console.warn(`wsnats demo: no /config.json (${describeError(err)}); using port ${DEFAULT_WS_PORT}`);
    return {};
  }
}

async function loadWsnats() {
  const el = $("wasm-state");
  try {
    state.wsnats = await load({ agents: true }); // wsnats-agents.wasm: the client and the agents panel
    el.dataset.state = "ready";
    el.textContent = `wsnats ${state.wsnats.version || "(no version)"}`;
    updateButtons();
    initAgentsPanel(state.wsnats);
  } catch (err) {
    state.loadError = describeError(err);
    el.dataset.state = "failed";
    el.textContent = "wsnats failed to load";
    showError(err); // the loader's messages start with "wsnats: "
  }
}

function init() {
  window.addEventListener("error", (ev) => showError(ev.error ?? ev.message, "uncaught error"));
  window.addEventListener("unhandledrejection", (ev) => showError(ev.reason, "unhandled rejection"));

  $("error-dismiss").addEventListener("click", hideError);
  $("connect-form").addEventListener("submit", guard("connect", connect));
  $("disconnect").addEventListener("click", guard("disconnect", disconnect));
  $("sub-form").addEventListener("submit", guard("subscribe", subscribe));
  $("pub-form").addEventListener("submit", guard("publish", publish));
  $("req-form").addEventListener("submit", guard("request", request));
  $("log-clear").addEventListener("click", clearLog);
  $("status-clear").addEventListener("click", () => $("status-log").replaceChildren());

  setInterval(renderReadyState, READY_POLL_MS);
  setInterval(updateStats, STATS_INTERVAL_MS);
  renderReadyState();
  updateStats();

  loadConfig().then((cfg) => {
    const url = $("url");
    if (!url.value) {
      const port = Number(cfg.wsPort) || DEFAULT_WS_PORT;
      url.value = `ws://${location.hostname || "127.0.0.1"}:${port}`;
    }
  });
  loadWsnats();
}

init();
