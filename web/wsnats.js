// wsnats.js: ES module that loads the wasm-nats client into a page.
//
//   import { load } from "./wsnats.js";
//   const wsnats = await load();
//   const nc = await wsnats.connect({ servers: "ws://127.0.0.1:8080" });
//
// load() puts Go's wasm_exec.js support script into the page (unless
// globalThis.Go already exists), fetches and instantiates wsnats.wasm (the
// client; load({ agents: true }) loads wsnats-agents.wasm, the client with
// wsnats.supervisor), hands the Go program the JavaScript half of the
// bridge (bridge.js, bridge-agents.js, receiver.js: real modules, so a page
// needs no 'unsafe-eval'), starts it, and resolves once the program has
// registered globalThis.wsnats. Types and the full API are in wsnats.d.ts.

import { createBridge } from "./bridge.js";
import { makeReceiver } from "./receiver.js";

const DEFAULT_TIMEOUT_MS = 15000;

/** @type {Promise<any> | null} */
let pending = null;

/**
 * Loads and starts the wasm program once; see wsnats.d.ts.
 * @param {{agents?: boolean, wasmURL?: string|URL, execURL?: string|URL, timeout?: number,
 *          args?: string[], env?: Record<string,string>}} [opts]
 * @returns {Promise<any>}
 */
export function load(opts = {}) {
  if (pending === null) {
    const p = start(opts);
    pending = p;
    // A failed load may be retried by calling load() again.
    p.catch(() => {
      if (pending === p) pending = null;
    });
  }
  if (!opts.agents) return pending;
  // One Go program runs per page: asking for agents after the client-only
  // module started cannot be granted, and is better said now than at the
  // first supervisor() call.
  return pending.then((wsnats) => {
    if (wsnats.agents !== true) {
      throw loadError(
        "load({ agents: true }) after the page already runs wsnats.wasm, the client without agents; " +
          "load wsnats-agents.wasm first (one module runs per page)",
      );
    }
    return wsnats;
  });
}

async function start(opts) {
  if (globalThis.wsnats !== undefined) {
    return globalThis.wsnats; // already running (loaded by other means)
  }
  // Literal URLs, so that bundlers find and emit the files.
  const defaultWasm = opts.agents
    ? new URL("./wsnats-agents.wasm", import.meta.url)
    : new URL("./wsnats.wasm", import.meta.url);
  const wasmURL = opts.wasmURL ? new URL(opts.wasmURL, import.meta.url) : defaultWasm;
  const execURL = opts.execURL ? new URL(opts.execURL, import.meta.url) : new URL("./wasm_exec.js", import.meta.url);
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeout;

  const work = (async () => {
    const supervisor = opts.agents ? import("./bridge-agents.js") : null;
    if (typeof globalThis.Go !== "function") {
      await loadExecScript(execURL);
    }
    const go = new globalThis.Go();
    go.argv = ["wsnats", ...(opts.args ?? [])];
    go.env = { ...(opts.env ?? {}) };
    const instance = await instantiate(wasmURL, go.importObject);

    // The Go program finds the bridge's JS half here, and calls ready once
    // it has registered globalThis.wsnats.
    let ready;
    const registered = new Promise((resolve) => {
      ready = resolve;
    });
    globalThis.wsnatsBoot = {
      bridge: createBridge,
      agents: supervisor ? (await supervisor).createSupervisor : undefined,
      receiver: makeReceiver,
      ready,
    };

    // go.run resolves when the Go program exits. The program is expected to
    // keep running, so an exit before registration is a failure.
    let exitCode = null;
    const origExit = go.exit;
    go.exit = (code) => {
      exitCode = code;
      origExit.call(go, code);
    };
    const exited = go.run(instance).then(
      () => {
        throw loadError(
          `the wsnats wasm program exited (code ${exitCode ?? "unknown"}) ` +
            "before it registered globalThis.wsnats; see the browser console",
        );
      },
      (err) => {
        throw loadError(`the wsnats wasm program crashed: ${messageOf(err)}`, err);
      },
    );
    return Promise.race([registered, exited]);
  })();
  return withDeadline(work, deadline, timeout);
}

function withDeadline(promise, deadline, timeout) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        loadError(
          `the wasm program did not register globalThis.wsnats within ${timeout} ms; ` +
            "see the browser console",
          undefined,
          "TIMEOUT",
        ),
      );
    }, Math.max(0, deadline - Date.now()));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

// loadExecScript makes Go's wasm_exec.js run in this global scope. In a page
// it adds a classic <script>; in a worker it uses importScripts; elsewhere it
// fetches the text and evaluates it globally.
async function loadExecScript(url) {
  if (typeof document !== "undefined" && document.head) {
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url.href;
      s.async = true;
      s.onload = () => resolve();
      s.onerror = () => {
        describeFetchFailure(url).then((why) =>
          reject(loadError(`could not load ${url.href}${why}; run "make build" to create it`)),
        );
      };
      document.head.appendChild(s);
    });
  } else if (typeof globalThis.importScripts === "function") {
    try {
      globalThis.importScripts(url.href);
    } catch (err) {
      throw loadError(`could not load ${url.href}: ${messageOf(err)}`, err);
    }
  } else {
    const resp = await fetchOrThrow(url);
    const text = await resp.text();
    (0, eval)(text); // indirect eval: runs in global scope
  }
  if (typeof globalThis.Go !== "function") {
    throw loadError(`${url.href} loaded, but it did not define globalThis.Go; is it Go's wasm_exec.js?`);
  }
}

// describeFetchFailure finds out, after a <script> failed, why: a script error
// event carries no details.
async function describeFetchFailure(url) {
  try {
    const resp = await fetch(url, { method: "HEAD", cache: "no-store" });
    return resp.ok ? "" : ` (HTTP ${resp.status} ${resp.statusText})`;
  } catch (err) {
    return ` (${messageOf(err)})`;
  }
}

async function fetchOrThrow(url) {
  let resp;
  try {
    resp = await fetch(url);
  } catch (err) {
    throw loadError(`could not fetch ${url.href}: ${messageOf(err)}`, err);
  }
  if (!resp.ok) {
    const hint = resp.status === 404 ? '; run "make build" to create it' : "";
    throw loadError(`could not fetch ${url.href}: HTTP ${resp.status} ${resp.statusText}${hint}`);
  }
  return resp;
}

// instantiate compiles the wasm file while it downloads when the server sends
// the right MIME type, and falls back to a plain download otherwise.
async function instantiate(url, importObject) {
  const resp = await fetchOrThrow(url);
  const type = (resp.headers.get("Content-Type") || "").split(";")[0].trim();
  try {
    if (type === "application/wasm" && typeof WebAssembly.instantiateStreaming === "function") {
      const { instance } = await WebAssembly.instantiateStreaming(resp, importObject);
      return instance;
    }
    const bytes = await resp.arrayBuffer();
    const { instance } = await WebAssembly.instantiate(bytes, importObject);
    return instance;
  } catch (err) {
    throw loadError(`could not instantiate ${url.href}: ${messageOf(err)}`, err);
  }
}

function messageOf(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

function loadError(message, cause, code = "LOAD_FAILED") {
  const err = new Error(`wsnats: ${message}`, cause === undefined ? undefined : { cause });
  return Object.assign(err, { code });
}
