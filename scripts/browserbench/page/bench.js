// bench.js: the page half of scripts/browserbench. The Go program calls
// runBench(params) for one measurement at a time and reads the result.
//
// Clients:
//   "gowasm"  the wsnats Go API inside a second wasm module (gobench.wasm)
//   "bridge"  wsnats through its JS bridge (globalThis.wsnats, wsnats.js)
//   "natsws"  the official JS client nats.ws (its ESM bundle)
//   "raw"     a bare WebSocket sending pre-encoded PUB frames
//
// Scenarios: "pub" (publish-only, ended by a flush round trip), "pubsub"
// (subscribe and publish on one connection until all came back), "req"
// (sequential request/reply with a responder on the same connection).

import { load } from "./wsnats.js";
import { connect as natsConnect } from "./nats.js";

// benchYield(cb) runs cb in a new event-loop task. A MessageChannel message
// is not clamped like nested setTimeout (4 ms), so a yield costs one task.
const channel = new MessageChannel();
const yieldQueue = [];
channel.port1.onmessage = () => {
  const cb = yieldQueue.shift();
  if (cb) cb();
};
globalThis.benchYield = (cb) => {
  yieldQueue.push(cb);
  channel.port2.postMessage(0);
};
const macrotask = () => new Promise((resolve) => globalThis.benchYield(resolve));

// With ?diag=1 the page counts WebSocket frames and bytes in both
// directions (per runBench call), to tell how well clients coalesce
// writes. It costs a function call per frame, so it is off by default.
const diag = { sends: 0, sendBytes: 0, recvs: 0, recvBytes: 0 };
if (new URLSearchParams(location.search).get("diag") === "1") {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    diag.sends++;
    diag.sendBytes += data.byteLength ?? data.length ?? 0;
    return send.call(this, data);
  };
  const Native = WebSocket;
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        diag.recvs++;
        diag.recvBytes += ev.data.byteLength ?? ev.data.length ?? 0;
      });
    }
  };
}

function log(line) {
  document.getElementById("log").textContent += line + "\n";
}

// loadGoBench starts a gowasm module, which registers globalThis[name].
async function loadGoBench(file, name) {
  const go = new globalThis.Go(); // wasm_exec.js was loaded by wsnats.js
  go.argv = ["gobench", name];
  const { instance } = await WebAssembly.instantiateStreaming(fetch(file), go.importObject);
  go.run(instance).then(
    () => log(`${file} exited`),
    (e) => log(`${file} crashed: ${e}`),
  );
  for (let i = 0; i < 600 && globalThis[name] === undefined; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  if (globalThis[name] === undefined) throw new Error(`${file} did not register globalThis.${name}`);
}

globalThis.benchReady = (async () => {
  const wsnats = await load({ wasmURL: "./wsnats.wasm", execURL: "./wasm_exec.js" });
  await loadGoBench("./gobench.wasm", "gobench");
  if (new URLSearchParams(location.search).get("variant") === "1") {
    await loadGoBench("./gobenchB.wasm", "gobenchB"); // -variant: the changed library
  }
  log(`loaded wsnats ${wsnats.version}, crossOriginIsolated=${globalThis.crossOriginIsolated}`);
  return { version: wsnats.version, isolated: globalThis.crossOriginIsolated === true };
})();

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- JS clients (wsnats bridge and nats.ws share one API shape) ----------

async function jsConnect(client, url) {
  if (client === "bridge") return globalThis.wsnats.connect({ servers: url, name: "bench-bridge", maxReconnectAttempts: 0 });
  return natsConnect({ servers: url, name: "bench-natsws", reconnect: false });
}

async function yieldJS(nc, mode) {
  if (mode === "flush") await nc.flush();
  else if (mode === "macrotask") await macrotask();
}

// publishN publishes n messages, yielding every p.yieldEvery. A publish
// refused with OUTBOUND_BUFFER_FULL (wsnats: the socket is slower than the
// loop; the message was not taken) is counted, and retried after a flush.
async function publishN(nc, p, payload, res) {
  const every = p.yieldEvery > 0 ? p.yieldEvery : Infinity;
  for (let i = 1; i <= p.n; i++) {
    try {
      nc.publish(p.subject, payload);
    } catch (e) {
      if (!e || e.code !== "OUTBOUND_BUFFER_FULL") throw e;
      res.full++;
      await nc.flush();
      i--;
      continue;
    }
    if (i % every === 0) await yieldJS(nc, p.yieldMode);
  }
}

async function jsPub(nc, p) {
  const payload = new Uint8Array(p.size);
  const res = { n: p.n, full: 0 };
  const t0 = performance.now();
  await publishN(nc, p, payload, res);
  await nc.flush();
  res.ms = performance.now() - t0;
  return res;
}

async function jsPubSub(nc, p) {
  const payload = new Uint8Array(p.size);
  const res = { n: p.n, full: 0, got: 0 };
  let done;
  let failed;
  const all = new Promise((resolve, reject) => { done = resolve; failed = reject; });
  const sub = nc.subscribe(p.subject, {
    callback: (err) => {
      if (err) { failed(err); return; }
      if (++res.got === p.n) done();
    },
  });
  // Count the crossings that bring messages into JS (wsnats bridge only):
  // messages per crossing tells how well the bridge batches.
  if (typeof sub._deliver === "function") {
    const deliver = sub._deliver;
    res.batches = 0;
    sub._deliver = function (msgs) {
      res.batches++;
      return deliver.call(this, msgs);
    };
  }
  await nc.flush();
  const t0 = performance.now();
  await publishN(nc, p, payload, res);
  res.pubMs = performance.now() - t0;
  try {
    await withTimeout(all, 30000, `pubsub received ${res.got} of ${p.n}`);
  } finally {
    sub.unsubscribe();
  }
  res.ms = performance.now() - t0;
  return res;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  const i = Math.round(q * sorted.length) - 1;
  return sorted[Math.max(0, Math.min(i, sorted.length - 1))];
}

// jsReq measures sequential requests. It also splits each round trip at the
// moment the responder's callback runs: leg 1 is request() to the callback
// (publish, server, delivery into the callback), leg 2 is respond() to the
// resolved promise.
async function jsReq(nc, p) {
  const payload = new Uint8Array(p.size);
  let tCb = 0;
  const sub = nc.subscribe(p.subject, {
    callback: (err, m) => {
      tCb = performance.now();
      if (!err) m.respond(m.data);
    },
  });
  await nc.flush();
  for (let i = 0; i < p.warm; i++) await nc.request(p.subject, payload, { timeout: 5000 });
  const lat = new Float64Array(p.n);
  const leg1 = new Float64Array(p.n);
  const leg2 = new Float64Array(p.n);
  const t0 = performance.now();
  for (let i = 0; i < p.n; i++) {
    const s = performance.now();
    await nc.request(p.subject, payload, { timeout: 5000 });
    const e = performance.now();
    lat[i] = (e - s) * 1000;
    leg1[i] = (tCb - s) * 1000;
    leg2[i] = (e - tCb) * 1000;
  }
  const ms = performance.now() - t0;
  sub.unsubscribe();
  lat.sort();
  leg1.sort();
  leg2.sort();
  return { n: p.n, ms, latUs: [quantile(lat, 0.5), quantile(lat, 0.99)], legUs: [quantile(leg1, 0.5), quantile(leg2, 0.5)] };
}

async function runJS(p) {
  const nc = await jsConnect(p.client, p.url);
  try {
    switch (p.scenario) {
      case "pub": return await jsPub(nc, p);
      case "pubsub": return await jsPubSub(nc, p);
      case "req": return await jsReq(nc, p);
    }
    throw new Error(`unknown scenario ${p.scenario}`);
  } finally {
    await nc.close().catch(() => {});
  }
}

// ---- the Go API inside wasm ----------------------------------------------

function runGo(p, name) {
  return new Promise((resolve, reject) => {
    globalThis[name].run(JSON.stringify(p), (json) => resolve(JSON.parse(json)), (e) => reject(new Error(e)));
  });
}

// ---- raw WebSocket baseline ------------------------------------------------

const enc = new TextEncoder();

// rawConn opens a WebSocket, reads INFO, sends CONNECT and PING, and waits
// for the PONG. The returned object waits for further PONGs. It counts the
// MSG commands that arrive (the payloads are zeros, so "MSG " and "PONG"
// only occur at the start of a command) and calls onMsgs(count) after each
// frame.
async function rawConn(url, onMsgs) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  let pongs = 0;
  let waiters = [];
  const MSG = [77, 83, 71, 32]; // "MSG "
  const PONG = [80, 79, 78, 71]; // "PONG"
  let m = 0;
  let q = 0;
  let msgs = 0;
  ws.onmessage = (ev) => {
    const u8 = new Uint8Array(ev.data);
    const before = pongs;
    for (let i = 0; i < u8.length; i++) {
      const c = u8[i];
      if (c === MSG[m]) {
        if (++m === 4) { msgs++; m = 0; }
      } else {
        m = c === 77 ? 1 : 0;
      }
      if (c === PONG[q]) {
        if (++q === 4) { pongs++; q = 0; }
      } else {
        q = c === 80 ? 1 : 0;
      }
    }
    if (onMsgs) onMsgs(msgs);
    if (pongs !== before) {
      const ready = waiters.filter((w) => w.n <= pongs);
      waiters = waiters.filter((w) => w.n > pongs);
      for (const w of ready) w.resolve();
    }
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`raw WebSocket to ${url} failed`));
  });
  const waitPong = (n) => (pongs >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  ws.send(enc.encode('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n'));
  await withTimeout(waitPong(1), 10000, "raw CONNECT");
  let sent = 1;
  return {
    ws,
    roundTrip() {
      ws.send(enc.encode("PING\r\n"));
      return withTimeout(waitPong(++sent), 30000, "raw PING");
    },
  };
}

// rawPub publishes p.n pre-encoded messages; with sub set, it subscribes
// first and waits until all came back.
async function rawPub(p, sub) {
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  const res = { n: p.n };
  const c = await rawConn(p.url, sub ? (count) => { if (count >= p.n) done(); res.got = count; } : null);
  try {
    if (sub) {
      c.ws.send(enc.encode(`SUB ${p.subject} 1\r\n`));
      await c.roundTrip();
    }
    const head = enc.encode(`PUB ${p.subject} ${p.size}\r\n`);
    const one = head.length + p.size + 2;
    const per = Math.max(1, Math.floor((64 * 1024) / one));
    const frame = (k) => {
      const b = new Uint8Array(k * one);
      for (let i = 0; i < k; i++) {
        b.set(head, i * one);
        b[i * one + head.length + p.size] = 13;
        b[i * one + head.length + p.size + 1] = 10;
      }
      return b;
    };
    const full = frame(per);
    const t0 = performance.now();
    let left = p.n;
    while (left > 0) {
      const k = Math.min(per, left);
      c.ws.send(k === per ? full : frame(k));
      left -= k;
      while (c.ws.bufferedAmount > 4 << 20) await macrotask();
    }
    if (sub) {
      res.pubMs = performance.now() - t0;
      await withTimeout(all, 30000, `raw pubsub received ${res.got} of ${p.n}`);
    } else {
      await c.roundTrip();
    }
    res.ms = performance.now() - t0;
    return res;
  } finally {
    c.ws.close();
  }
}

// rawReq is the floor for request/reply: the same two legs with
// pre-encoded commands and no client library. The responder and the
// requester share the socket, as in jsReq; MSG commands arrive in strict
// turn (request, reply, request, ...), so counting them is enough.
async function rawReq(p) {
  let waiting = null;
  let seen = 0;
  const c = await rawConn(p.url, (count) => {
    while (seen < count) {
      seen++;
      if (waiting) waiting(seen);
    }
  });
  try {
    const inbox = `${p.subject}.inbox`;
    c.ws.send(enc.encode(`SUB ${p.subject} 1\r\nSUB ${inbox} 2\r\n`));
    await c.roundTrip();
    const zeros = "\0".repeat(p.size);
    const request = enc.encode(`PUB ${p.subject} ${inbox} ${p.size}\r\n${zeros}\r\n`);
    const reply = enc.encode(`PUB ${inbox} ${p.size}\r\n${zeros}\r\n`);
    let tCb = 0;
    const once = () => new Promise((resolve) => {
      waiting = (k) => {
        if (k % 2 === 1) { // the request reached the responder
          tCb = performance.now();
          c.ws.send(reply);
        } else {
          waiting = null;
          resolve();
        }
      };
      c.ws.send(request);
    });
    for (let i = 0; i < p.warm; i++) await withTimeout(once(), 5000, "raw request");
    const lat = new Float64Array(p.n);
    const leg1 = new Float64Array(p.n);
    const leg2 = new Float64Array(p.n);
    const t0 = performance.now();
    for (let i = 0; i < p.n; i++) {
      const s = performance.now();
      await withTimeout(once(), 5000, "raw request");
      const e = performance.now();
      lat[i] = (e - s) * 1000;
      leg1[i] = (tCb - s) * 1000;
      leg2[i] = (e - tCb) * 1000;
    }
    const ms = performance.now() - t0;
    lat.sort();
    leg1.sort();
    leg2.sort();
    return { n: p.n, ms, latUs: [quantile(lat, 0.5), quantile(lat, 0.99)], legUs: [quantile(leg1, 0.5), quantile(leg2, 0.5)] };
  } finally {
    c.ws.close();
  }
}

// runBench runs one measurement. p: {client, scenario, url, subject, size,
// n, warm, yieldEvery, yieldMode}. Resolves with {ms, n, ...}.
globalThis.runBench = async (p) => {
  await globalThis.benchReady;
  if (typeof globalThis.gc === "function") globalThis.gc();
  await macrotask();
  Object.assign(diag, { sends: 0, sendBytes: 0, recvs: 0, recvBytes: 0 });
  const res = await runClient(p);
  res.diag = { ...diag };
  return res;
};

function runClient(p) {
  switch (p.client) {
    case "gowasm": return runGo(p, "gobench");
    case "gowasmB": return runGo(p, "gobenchB");
    case "bridge":
    case "natsws": return runJS(p);
    case "raw":
      if (p.scenario === "pub") return rawPub(p, false);
      if (p.scenario === "pubsub") return rawPub(p, true);
      if (p.scenario === "req") return rawReq(p);
      break;
  }
  throw new Error(`unknown client ${p.client}`);
}
