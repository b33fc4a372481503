//go:build js && wasm && !wsnats_noagents

package jsbridge

import "testing"

// Browser tests of wsnats.supervisor (run with scripts/wasm-test.sh -run
// Supervisor ./jsbridge/). Each test uses its own agent IDs or prefix, as
// they share one server.

func TestSupervisorLocalMessagesAndRestart(t *testing.T) {
	runJS(t, jsPrelude+`
eq(wsnats.agents, true, "wsnats.agents in the module with agents");
const events = [];
const sup = await wsnats.supervisor({
  agents: [{ id: "counter-1", kind: "counter", nats: true }, { id: "echo-1", kind: "echo" }],
  onEvent: (ev) => events.push(ev),
});
const of = (type, agent) => events.filter((e) => e.type === type && (agent === undefined || e.agent === agent));
const counter = () => sup.status().find((a) => a.id === "counter-1");
await until(() => of("started").length === 3, "started events of the two agents and the page's agent");
eq(of("started").map((e) => e.agent).sort(), ["counter-1", "echo-1", "page"], "started agents");
eq(sup.page, "page", "the page's agent id");
eq(sup.subject("counter-1"), "agents.counter-1", "subject");
eq(sup.status().map((a) => [a.id, a.kind, a.state, a.restarts, a.nats]),
  [["counter-1", "counter", "running", 0, true], ["echo-1", "echo", "running", 0, false], ["page", "page", "running", 0, false]],
  "status after start");
eq(sup.natsConnected(), false, "no connection: no NATS");

// The echo agent answers the page: a "message" event.
const id = sup.send("echo-1", { hello: "world" });
assert(typeof id === "string" && id.startsWith("msg_"), "send returns the message id, got " + id);
await until(() => of("message").length === 1, "the echo reply");
const reply = of("message")[0];
eq([reply.agent, reply.message.from, reply.message.to], ["page", "echo-1", "page"], "reply route");
eq(reply.message.payload, { hello: "world" }, "reply payload");
assert(reply.message.timestamp > 1.7e12, "timestamp in unix milliseconds");

// Two agents talking locally: echo answers the counter, which counts.
sup.send("echo-1", "ping", "counter-1");
sup.send("counter-1", 2);
await until(() => counter().processed === 2, "the counter handled 2 messages");
eq(await sup.memory("counter-1"), { count: "2" }, "count");

// A crash restarts the counter; its InMemory count is kept.
sup.send("counter-1", { crash: true });
await until(() => of("restarted").length === 1, "restarted event");
const r = of("restarted")[0];
eq([r.agent, r.restarts], ["counter-1", 1], "restarted agent and count");
assert(r.error instanceof Error && r.error.message.includes("crash requested"), "restart cause: " + r.error);
eq(r.message.payload, { crash: true }, "the message that crashed it");
sup.send("counter-1", 3);
await until(() => counter().processed === 3, "a message after the restart");
eq([counter().state, counter().restarts], ["running", 1], "running again, restarts === 1");
eq(await sup.memory("counter-1"), { count: "3" }, "the count survived the restart");

// Without NATS, publish and observe use the local bus; the NATS-enabled
// counter listens on agents.counter-1 there too.
const unobserve = sup.observe("agents.>");
const mid = sup.publish("agents.counter-1", { n: 4 });
await until(() => counter().processed === 4, "a message published over the local bus");
await until(() => of("message").some((e) => e.subject === "agents.counter-1"), "the observed publish");
const seen = of("message").find((e) => e.subject === "agents.counter-1");
eq([seen.message.id, seen.message.from, seen.message.payload], [mid, "page", { n: 4 }], "observed message");
unobserve();
unobserve();

let unsubscribed = 0;
const off = sup.on(() => unsubscribed++);
off();
const final = await sup.stop();
eq(final.map((a) => [a.id, a.state]), [["counter-1", "stopped"], ["echo-1", "stopped"], ["page", "stopped"]], "final status");
eq(of("stopped").length, 3, "stopped events");
eq(unsubscribed, 0, "a removed listener gets nothing");
eq(sup.status(), final, "status after stop");
assert(sup.stop() === sup.stop(), "stop() again returns the same promise");
throwsCode(() => sup.send("counter-1", 1), "STOPPED", "send after stop");
throwsCode(() => sup.publish("agents.counter-1", 1), "STOPPED", "publish after stop");
throwsCode(() => sup.observe("x"), "STOPPED", "observe after stop");
await rejectsCode(sup.memory("counter-1"), "STOPPED", "memory after stop");
eq(sup.natsConnected(), false, "natsConnected after stop");
`)
}

func TestSupervisorOverNATS(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url, name: "supervisor-test" });
const events = [];
const sup = await wsnats.supervisor({
  agents: [{ id: "counter-n", kind: "counter", nats: true }, { id: "echo-n", kind: "echo", nats: true }, { id: "quiet", kind: "counter" }],
  connection: nc, prefix: "suptest", onEvent: (ev) => events.push(ev),
});
const of = (type) => events.filter((e) => e.type === type);
const processed = (id) => sup.status().find((a) => a.id === id).processed;
assert(sup.natsConnected(), "NATS connected");
eq(sup.subject("counter-n"), "suptest.counter-n", "subject with the prefix");
await nc.flush();

// Published by the page's connection, received by the NATS-enabled agent.
nc.publish("suptest.counter-n", JSON.stringify({ n: 1 }));
await until(() => processed("counter-n") === 1, "a message published over NATS");
const rep = await nc.request("suptest.counter-n", "{}", { timeout: 3000 });
eq([rep.json().from, rep.json().payload], ["counter-n", { count: 2 }], "counter reply over NATS");
const echo = await nc.request("suptest.echo-n", JSON.stringify("ping"), { timeout: 3000 });
eq(echo.json().payload, "ping", "echo reply over NATS");
nc.publish("suptest.quiet", "1");
await nc.flush();
await sleep(50);
eq(processed("quiet"), 0, "an agent without nats does not listen");

// observe sees plain data as FromNATS makes it.
const unobserve = sup.observe("suptest.>");
await nc.flush();
nc.publish("suptest.counter-n", "plain text");
await until(() => of("message").length >= 1, "observed message");
const m = of("message")[0];
eq([m.subject, m.message.from, m.message.to, m.message.payload], ["suptest.counter-n", "nats", "suptest.counter-n", { raw: btoa("plain text") }], "observed");
assert(m.message.id.startsWith("nats_"), "FromNATS id");
unobserve();
await until(() => processed("counter-n") === 3, "the plain message counted");

// Losing the connection: local fallback, then a new connection resumes NATS.
await nc.close();
await until(() => of("nats_disconnected").length >= 1, "nats_disconnected");
eq(sup.natsConnected(), false, "disconnected");
sup.publish("suptest.counter-n", 4);
await until(() => processed("counter-n") === 4, "published over the local bus while disconnected");
const nc2 = await wsnats.connect({ servers: url });
await sup.setConnection(nc2);
await until(() => of("nats_connected").length >= 1, "nats_connected");
assert(sup.natsConnected(), "connected again");
await nc2.flush();
const rep2 = await nc2.request("suptest.counter-n", "{}", { timeout: 3000 });
eq(rep2.json().payload, { count: 5 }, "NATS delivery resumed, count kept");
await sup.setConnection(null);
eq(sup.natsConnected(), false, "connection removed");
await rejectsCode(nc2.request("suptest.counter-n", "{}", { timeout: 1000 }), "NO_RESPONDERS", "no NATS subscription after setConnection(null)");
await sup.stop();
await nc2.close();
await rejectsCode(sup.setConnection(nc2), "STOPPED", "setConnection after stop");
`)
}

func TestSupervisorBadArguments(t *testing.T) {
	runJS(t, jsPrelude+`
const closed = await wsnats.connect({ servers: url });
await closed.close();
const a = [{ id: "a", kind: "echo" }];
const bad = [
  [undefined, "INVALID_OPTION"], [[], "INVALID_OPTION"], [{}, "INVALID_OPTION"], [{ agents: [] }, "INVALID_OPTION"],
  [{ agents: "echo" }, "INVALID_OPTION"], [{ agents: [null] }, "INVALID_OPTION"], [{ agents: [{ kind: "echo" }] }, "INVALID_OPTION"],
  [{ agents: [{ id: "", kind: "echo" }] }, "INVALID_OPTION"], [{ agents: [{ id: "a b", kind: "echo" }] }, "INVALID_OPTION"],
  [{ agents: [{ id: "a.>", kind: "echo" }] }, "INVALID_OPTION"], [{ agents: [{ id: "a" }] }, "INVALID_OPTION"],
  [{ agents: [{ id: "a", kind: "echo", nats: "yes" }] }, "INVALID_OPTION"], [{ agents: [{ id: "a", kind: "echo", persist: 1 }] }, "INVALID_OPTION"], [{ agents: [{ id: "a", kind: "echo", memory: 1 }] }, "INVALID_OPTION"],
  [{ agents: [{ id: "a", kind: "echo" }, { id: "a", kind: "counter" }] }, "INVALID_OPTION"],
  [{ agents: [{ id: "page", kind: "echo" }] }, "INVALID_OPTION"], [{ agents: a, page: "a" }, "INVALID_OPTION"],
  [{ agents: a, maxRestarts: -1 }, "INVALID_OPTION"], [{ agents: a, maxRestarts: 1.5 }, "INVALID_OPTION"],
  [{ agents: a, withinMs: 0 }, "INVALID_OPTION"], [{ agents: a, withinMs: "10" }, "INVALID_OPTION"],
  [{ agents: a, mailboxSize: 0 }, "INVALID_OPTION"], [{ agents: a, bogus: 1 }, "INVALID_OPTION"],
  [{ agents: a, onEvent: 5 }, "INVALID_OPTION"], [{ agents: a, connection: {} }, "INVALID_OPTION"],
  [{ agents: a, connection: closed }, "CONNECTION_CLOSED"], [{ agents: a, prefix: "a..b" }, "BAD_SUBJECT"],
  [{ agents: a, prefix: "a.*" }, "BAD_SUBJECT"], [{ agents: [{ id: "a", kind: "nope" }] }, "UNKNOWN_KIND"],
];
for (const [o, code] of bad) await rejectsCode(wsnats.supervisor(o), code, "supervisor(" + JSON.stringify(o) + ")");
const e = await rejectsCode(wsnats.supervisor({ agents: [{ id: "a", kind: "nope" }] }), "UNKNOWN_KIND", "unknown kind");
assert(e.message.includes('"nope"') && e.message.includes("counter, echo"), "the message lists the known kinds: " + e.message);

// The counter keeps its count in IndexedDB (persist), so it waits for the
// browser between messages and a burst of sends fills its mailbox.
const c = "c-" + Date.now();
const events = [];
const sup = await wsnats.supervisor({ agents: [{ id: c, kind: "counter", persist: true }], mailboxSize: 2, maxRestarts: 0, page: null, onEvent: (ev) => events.push(ev) });
eq(sup.page, null, "no page agent");
eq(sup.status().map((s) => s.id), [c], "only the configured agent");
throwsCode(() => sup.send("nobody", 1), "UNKNOWN_AGENT", "send to an unknown agent");
throwsCode(() => sup.send(5, 1), "UNKNOWN_AGENT", "send to a number");
throwsCode(() => sup.send(c, () => 1), "BAD_JSON", "function payload");
throwsCode(() => sup.send(c, 1n), "BAD_JSON", "BigInt payload");
throwsCode(() => sup.send(c, 1, 7), "INVALID_OPTION", "from not a string");
throwsCode(() => sup.publish("a..b", 1), "BAD_SUBJECT", "publish bad subject");
throwsCode(() => sup.publish("a.*", 1), "BAD_SUBJECT", "publish wildcard");
throwsCode(() => sup.publish("x", 1, ""), "INVALID_OPTION", "publish empty from");
throwsCode(() => sup.observe("a..b"), "BAD_SUBJECT", "observe bad subject");
throwsCode(() => sup.on("x"), "INVALID_OPTION", "on without a function");
throwsCode(() => sup.subject("a b"), "INVALID_OPTION", "subject of a bad id");
await rejectsCode(sup.memory("nobody"), "UNKNOWN_AGENT", "memory of an unknown agent");
await rejectsCode(sup.setConnection({}), "INVALID_OPTION", "setConnection with a non-connection");
await rejectsCode(sup.setConnection(closed), "CONNECTION_CLOSED", "setConnection with a closed connection");
await rejectsCode(sup.stop(-1), "INVALID_OPTION", "stop with a bad timeout");

// A full mailbox is an error, never a silent loss.
let full = null, accepted = 0;
for (let i = 0; i < 100000 && !full; i++) {
  try { sup.send(c, i); accepted++; } catch (err) { full = err; }
}
assert(full !== null, "the mailbox filled up");
eq(full.code, "MAILBOX_FULL", "full mailbox code");
assert(full.message.includes("mailbox full"), "message: " + full.message);
await until(() => sup.status()[0].processed === accepted, "every accepted message handled");

// maxRestarts 0: the first crash fails the agent for good.
sup.send(c, { crash: true });
await until(() => events.some((e) => e.type === "failed"), "failed event");
const f = events.find((e) => e.type === "failed");
eq([f.agent, f.error.code], [c, "AGENT_FAILED"], "failed event");
eq(sup.status()[0].state, "failed", "state failed");
throwsCode(() => sup.send(c, 1), "AGENT_FAILED", "send to a failed agent");
await sup.stop();
throwsCode(() => sup.send(c, 1), "STOPPED", "send after stop");

// The count is in IndexedDB: a new supervisor of the same agent sees it.
const again = await wsnats.supervisor({ agents: [{ id: c, kind: "counter", persist: true }] });
eq(await again.memory(c), { count: String(accepted) }, "persisted count");
again.send(c, "one more");
await until(() => again.status().find((s) => s.id === c).processed === 1, "handled after the restart of the page's supervisor");
eq(await again.memory(c), { count: String(accepted + 1) }, "count goes on");
await again.stop();

// The module is still alive.
const ok = await wsnats.supervisor({ agents: [{ id: "alive", kind: "echo" }] });
const got = [];
ok.on((ev) => { if (ev.type === "message") got.push(ev.message.payload); });
ok.send("alive", "still here");
await until(() => got.length === 1, "echo after the bad calls");
eq(got[0], "still here", "echo payload");
await ok.stop();
`)
}
