//go:build js && wasm

package jsbridge

import "testing"

// Every public method of Connection, Subscription, Msg and MsgHeaders,
// and every connect() option, called with hostile values: each call either
// throws (or rejects with) an Error with a code from its list and a short
// message, or is accepted where that value is valid; never a bare
// TypeError or RangeError, never a hang. Methods called detached (this
// undefined, or another object) fail the same way. The connection works
// afterwards.
func TestBridgeHostileArguments(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url, timeout: 5000 });
const circular = { a: 1 }; circular.self = circular;
const trap = () => { throw new Error("hostile proxy trap"); };
const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap, apply: trap });
const HOSTILE = [
  ["Symbol()", Symbol("hostile")], ["10n", 10n], ["circular", circular], ["Proxy", proxy],
  ["NaN", NaN], ["Infinity", Infinity], ["-1", -1], ["1.5", 1.5], ["1e300", 1e300], ["2**53", 2 ** 53],
  ["2MiB string", "x".repeat(2 << 20)], ["spaced string", "a b".repeat(100000)],
];
const NUMBERS = ["NaN", "Infinity", "-1", "1.5", "1e300", "2**53"];
const TIMEOUT = Symbol("timeout");
const outcome = async (f) => {
  let r;
  try { r = f(); } catch (e) { return { error: e }; }
  if (r && typeof r.then === "function") {
    try {
      const v = await Promise.race([r, sleep(8000).then(() => TIMEOUT)]);
      return v === TIMEOUT ? { hang: true } : { value: v };
    } catch (e) { return { error: e }; }
  }
  return { value: r };
};
const problems = [];
let checked = 0;
const judge = async (what, f, codes, accepted = []) => {
  const o = await outcome(f);
  checked++;
  if (o.hang) { problems.push(what + ": hangs"); return; }
  if ("error" in o) {
    const e = o.error;
    const name = e && e.name, text = e && typeof e.message === "string" ? e.message : String(e);
    if (!(e instanceof Error) || name !== "Error" || typeof e.code !== "string") problems.push(what + ": bare " + name + " (code " + (e && e.code) + "): " + text.slice(0, 200));
    else if (!codes.includes(e.code)) problems.push(what + ": code " + e.code + " is not one of " + codes + ": " + text.slice(0, 200));
    else if (text.length < 10 || text.length > 1100) problems.push(what + ": message of " + text.length + " characters: " + text.slice(0, 200));
    return;
  }
  const v = o.value;
  if (v && typeof v.unsubscribe === "function") v.unsubscribe();
  if (v && typeof v.close === "function" && typeof v.publish === "function") await v.close();
  if (!accepted.includes(what.split(" with ")[1])) problems.push(what + ": accepted");
};

// A message with a reply subject and headers, for Msg and MsgHeaders.
const msgSub = nc.subscribe("hostile.msg", { max: 1 });
nc.publish("hostile.msg", "m", { reply: "hostile.reply", headers: { K: "v" } });
let msg;
for await (const m of msgSub) msg = m;
const hdrs = msg.headers;

const cases = [
  ["publish subject", (v) => nc.publish(v, "x"), ["BAD_SUBJECT"]],
  ["publish data", (v) => nc.publish("hostile.x", v), ["BAD_PAYLOAD", "MAX_PAYLOAD_EXCEEDED"], ["spaced string"]],
  ["publish opts", (v) => nc.publish("hostile.x", "x", v), ["INVALID_OPTION"], ["circular"]],
  ["publish reply", (v) => nc.publish("hostile.x", "x", { reply: v }), ["BAD_SUBJECT"]],
  ["publish headers", (v) => nc.publish("hostile.x", "x", { headers: v }), ["BAD_HEADERS"]],
  ["publish header value", (v) => nc.publish("hostile.x", "x", { headers: { K: v } }), ["BAD_HEADERS", "MAX_PAYLOAD_EXCEEDED"], ["spaced string"]],
  ["publish header values", (v) => nc.publish("hostile.x", "x", { headers: { K: ["a", v] } }), ["BAD_HEADERS", "MAX_PAYLOAD_EXCEEDED"], ["spaced string"]],
  ["publishJSON value", (v) => nc.publishJSON("hostile.x", v), ["BAD_JSON", "MAX_PAYLOAD_EXCEEDED"], [...NUMBERS, "spaced string"]],
  ["publishJSON opts", (v) => nc.publishJSON("hostile.x", 1, v), ["INVALID_OPTION"], ["circular"]],
  ["subscribe subject", (v) => nc.subscribe(v), ["BAD_SUBJECT"]],
  ["subscribe opts", (v) => nc.subscribe("hostile.s", v), ["INVALID_OPTION"], ["circular"]],
  ["subscribe queue", (v) => nc.subscribe("hostile.s", { queue: v }), ["BAD_SUBJECT"]],
  ["subscribe max", (v) => nc.subscribe("hostile.s", { max: v }), ["INVALID_OPTION"]],
  ["subscribe callback", (v) => nc.subscribe("hostile.s", { callback: v }), ["INVALID_OPTION"]],
  ["unsubscribe max", (v) => nc.subscribe("hostile.u").unsubscribe(v), ["INVALID_OPTION"]],
  ["request subject", (v) => nc.request(v), ["BAD_SUBJECT"]],
  ["request data", (v) => nc.request("hostile.none", v), ["BAD_PAYLOAD", "MAX_PAYLOAD_EXCEEDED", "NO_RESPONDERS"]],
  ["request opts", (v) => nc.request("hostile.none", "x", v), ["INVALID_OPTION", "NO_RESPONDERS"]],
  ["request timeout", (v) => nc.request("hostile.none", "x", { timeout: v }), ["INVALID_OPTION", "NO_RESPONDERS", "TIMEOUT"]],
  ["request headers", (v) => nc.request("hostile.none", "x", { headers: v }), ["BAD_HEADERS"]],
  ["status callback", (v) => nc.status(v), ["INVALID_OPTION"]],
  ["respond data", (v) => msg.respond(v), ["BAD_PAYLOAD", "MAX_PAYLOAD_EXCEEDED"], ["spaced string"]],
  ["respond opts", (v) => msg.respond("x", v), ["INVALID_OPTION"], ["circular"]],
  ["headers get key", (v) => hdrs.get(v), ["INVALID_OPTION"], ["2MiB string", "spaced string"]],
  ["headers get match", (v) => hdrs.get("K", v), ["INVALID_OPTION"]],
  ["headers values key", (v) => hdrs.values(v), ["INVALID_OPTION"], ["2MiB string", "spaced string"]],
  ["headers has key", (v) => hdrs.has(v, "insensitive"), ["INVALID_OPTION"], ["2MiB string", "spaced string"]],
];
for (const [what, call, codes, accepted] of cases) {
  for (const [name, v] of HOSTILE) await judge(what + " with " + name, () => call(v), codes, accepted);
}

// connect() options, each alone on top of a valid base.
const base = { servers: url, timeout: 3000, maxReconnectAttempts: 0 };
const CONNECT_FAILS = ["INVALID_OPTION", "CONNECTION_REFUSED", "TIMEOUT"];
const connectCases = [
  ["servers", CONNECT_FAILS], ["name", CONNECT_FAILS], ["timeout", CONNECT_FAILS, ["1.5"]],
  ["maxReconnectAttempts", CONNECT_FAILS, ["-1"]], ["reconnectTimeWait", CONNECT_FAILS, ["1.5"]],
  ["pingInterval", CONNECT_FAILS, ["1.5"]], ["maxPingOut", CONNECT_FAILS], ["reconnectBufSize", CONNECT_FAILS],
  ["noEcho", CONNECT_FAILS], ["debug", CONNECT_FAILS], ["inboxPrefix", CONNECT_FAILS],
  ["token", CONNECT_FAILS], ["user", CONNECT_FAILS], ["pass", CONNECT_FAILS], ["authenticator", CONNECT_FAILS], ["tls", CONNECT_FAILS],
];
for (const [k, codes, accepted] of connectCases) {
  for (const [name, v] of HOSTILE) await judge("connect " + k + " with " + name, () => wsnats.connect({ ...base, [k]: v }), codes, accepted);
}
for (const k of ["nkeySeed", "nkey", "jwt", "creds", "sign"]) {
  for (const [name, v] of HOSTILE) await judge("connect authenticator." + k + " with " + name, () => wsnats.connect({ ...base, authenticator: { [k]: v } }), CONNECT_FAILS);
}
for (const [name, v] of HOSTILE) await judge("connect options with " + name, () => wsnats.connect(v), ["INVALID_OPTION"]);

// Detached methods and getters: this undefined, and this another object.
const sub = nc.subscribe("hostile.detached");
const targets = [
  [nc, ["publish", "publishJSON", "subscribe", "request", "flush", "rtt", "drain", "close", "closed", "isConnected", "isClosed", "stats", "getServer", "status"], ["readyState", "info"]],
  [sub, ["unsubscribe", "drain", "getSubject", "getReceived", "getPending", "getDropped", "isClosed", Symbol.asyncIterator], []],
  [msg, ["string", "json", "respond"], ["headers"]],
  [hdrs, ["get", "last", "values", "has", "keys"], []],
];
for (const [obj, methods, getters] of targets) {
  const proto = Object.getPrototypeOf(obj);
  const cls = proto.constructor.name;
  for (const m of methods) {
    const f = obj[m];
    await judge(cls + "." + String(m) + " detached", () => f("hostile.x", "x"), ["INVALID_OPTION"]);
    await judge(cls + "." + String(m) + " on another object", () => f.call({}, "hostile.x", "x"), ["INVALID_OPTION"]);
  }
  for (const g of getters) {
    const get = Object.getOwnPropertyDescriptor(proto, g).get;
    await judge(cls + "." + g + " detached", () => get.call(undefined), ["INVALID_OPTION"]);
  }
}
sub.unsubscribe();

if (problems.length > 0) throw new Error(problems.length + " of " + checked + " hostile calls went wrong:\n" + problems.join("\n"));
// Still alive: a round trip on the connection, and a new one.
assert(nc.isConnected(), "still connected");
const got = [];
nc.subscribe("hostile.alive", { callback: (e, m) => got.push(m.string()) });
nc.publish("hostile.alive", "yes");
await nc.flush();
await until(() => got.length === 1, "a round trip after the hostile calls");
eq(got, ["yes"], "payload");
const nc2 = await wsnats.connect({ servers: url });
await nc2.flush();
await nc2.close();
await nc.close();
`)
}
