// receiver.js: the receive side of one browser WebSocket of the Go client
// (package wsnats, transport_js.go), an ES module handed to the Go program
// by the loader (globalThis.wsnatsBoot.receiver, see jsbridge/doc.go).
//
// onmessage only queues the frame, and notify (a Go function) is called
// once for the frames that arrived meanwhile: calling into Go costs far
// more than queueing in JS, and the server sends browsers frames of at most
// 4 KiB, so a busy stream would otherwise call into Go for every 4 KiB. A
// frame that arrives alone (more than QUIET ms after the last notify) is
// handed over at once; frames of a burst wait for a MessageChannel task,
// after the ones already queued. The Go reader collects the frames with
// take(max): one Uint8Array of whole frames (concatenated), null when
// nothing is queued, or a string when the socket got something it cannot
// use. Without this module, Go copies frame by frame.

const QUIET = 0.2; // ms since the last notify that make a frame "lone"

/**
 * Makes the receive queue of ws; notify() tells Go that frames wait.
 * @param {WebSocket} ws
 * @param {() => void} notify
 */
export function makeReceiver(ws, notify) {
  const ch = new MessageChannel();
  let queue = [];
  let head = 0;
  let problem = null;
  let pending = false;
  let last = -1e9;
  ch.port1.onmessage = () => {
    pending = false;
    notify();
  };
  const signal = () => {
    if (pending) return;
    const now = performance.now();
    if (now - last > QUIET) {
      last = now;
      notify(); // a lone frame: hand it over now
      return;
    }
    last = now;
    pending = true;
    ch.port2.postMessage(0); // frames in a burst: after the ones already queued
  };
  ws.onmessage = (ev) => {
    if (problem !== null) return;
    if (!(ev.data instanceof ArrayBuffer)) {
      problem = "received a non-binary WebSocket message";
      signal();
      return;
    }
    if (ev.data.byteLength === 0) return;
    queue.push(new Uint8Array(ev.data));
    signal();
  };
  return {
    take(max) {
      if (head === queue.length) return problem;
      let end = head + 1;
      let total = queue[head].length;
      while (end < queue.length && total + queue[end].length <= max) total += queue[end++].length;
      let out = queue[head];
      if (end - head > 1) {
        out = new Uint8Array(total);
        for (let i = head, off = 0; i < end; off += queue[i].length, i++) out.set(queue[i], off);
      }
      if (end === queue.length) {
        queue = [];
        head = 0;
      } else {
        head = end;
      }
      return out;
    },
    close() {
      ws.onmessage = null;
      ch.port1.onmessage = null;
      ch.port1.close();
      queue = [];
    },
  };
}
