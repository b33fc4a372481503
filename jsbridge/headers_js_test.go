//go:build js && wasm

package jsbridge

import "testing"

// Headers reach JS as the block the publisher sent: keys in wire order
// (a raw publisher sends them unsorted; clients would sort them), every
// value of a repeated key in order, status code and description, UTF-8
// values. Lookups are exact unless a match mode is given, as in nats.js.
func TestBridgeHeadersKeepWireOrder(t *testing.T) {
	runJS(t, jsPrelude+`
const nc = await wsnats.connect({ servers: url });
const it = nc.subscribe("hdr.raw.>", { max: 4 });
await nc.flush();
// A raw publisher: a browser WebSocket speaking the protocol itself.
const ws = new WebSocket(url);
ws.binaryType = "arraybuffer";
let seen = "";
ws.onmessage = (ev) => { seen += new TextDecoder().decode(ev.data); };
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error("raw websocket failed")); });
await until(() => seen.includes("INFO "), "INFO on the raw socket");
const blocks = [
  "NATS/1.0\r\nZulu: 1\r\nalpha: 2\r\nMike: 3\r\nZulu: 4\r\nalpha: 5\r\n\r\n",
  "NATS/1.0 503 No Responders\r\nB: x\r\nA: y\r\n\r\n",
  "NATS/1.0 408 Request Timeout\r\n\r\n",
  "NATS/1.0\r\nX-Text: grüße, 世界\r\nEmpty:\r\n\r\n",
];
const te = new TextEncoder();
let out = 'CONNECT {"verbose":false,"headers":true,"protocol":1}\r\n';
blocks.forEach((hb, i) => {
  const h = te.encode(hb).length, p = "payload " + i;
  out += "HPUB hdr.raw." + i + " " + h + " " + (h + p.length) + "\r\n" + hb + p + "\r\n";
});
ws.send(te.encode(out + "PING\r\n"));
await until(() => seen.includes("PONG"), "PONG on the raw socket");
ws.close();
const msgs = [];
for await (const m of it) msgs.push(m);
eq(msgs.map((m) => m.subject), ["hdr.raw.0", "hdr.raw.1", "hdr.raw.2", "hdr.raw.3"], "subjects");
eq(msgs.map((m) => m.string()), ["payload 0", "payload 1", "payload 2", "payload 3"], "payloads");
const h0 = msgs[0].headers;
eq(h0.keys(), ["Zulu", "alpha", "Mike"], "keys in wire order");
eq(h0.values("Zulu"), ["1", "4"], "values of Zulu in order");
eq(h0.values("alpha"), ["2", "5"], "values of alpha in order");
eq([h0.get("Mike"), h0.get("Zulu"), h0.last("Zulu")], ["3", "1", "4"], "get and last");
eq([h0.code, h0.description], [0, ""], "no status");
eq([h0.get("zulu"), h0.has("ALPHA"), h0.values("mike")], ["", false, []], "exact lookups, as nats.js");
eq([h0.get("zulu", "insensitive"), h0.has("ALPHA", "insensitive"), h0.get("mike", "canonical")], ["1", true, "3"], "insensitive and canonical lookups");
const h1 = msgs[1].headers;
eq([h1.code, h1.description, h1.keys(), h1.get("A")], [503, "No Responders", ["B", "A"], "y"], "status 503 with headers");
const h2 = msgs[2].headers;
eq([h2.code, h2.description, h2.keys()], [408, "Request Timeout", []], "status only");
const h3 = msgs[3].headers;
eq([h3.get("X-Text"), h3.has("Empty"), h3.get("Empty")], ["grüße, 世界", true, ""], "UTF-8 and empty values");
// A received MsgHeaders passes on as HeadersInit, every value kept.
const fwd = nc.subscribe("hdr.fwd", { max: 1 });
nc.publish("hdr.fwd", "f", { headers: h0 });
for await (const m of fwd) {
  eq(m.headers.values("Zulu"), ["1", "4"], "forwarded Zulu");
  eq(m.headers.values("alpha"), ["2", "5"], "forwarded alpha");
}
await nc.close();
`)
}
