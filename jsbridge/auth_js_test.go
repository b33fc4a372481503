//go:build js && wasm

package jsbridge

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// The servers of these tests come from `natsrun -auth` (scripts/wasm-test.sh):
// one per kind of credentials, with the secrets in NATS_* variables.

// authEnv returns the JS declaration of `env`: the servers and secrets of
// natsrun -auth, plus what the scripts derive from them.
func authEnv(t *testing.T) string {
	t.Helper()
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			t.Fatalf("%s is not set: run the browser tests through scripts/wasm-test.sh (natsrun -auth)", name)
		}
		return v
	}
	seed := get("NATS_AUTH_NKEY_SEED")
	kp, err := nkeys.FromSeed([]byte(seed))
	require.NoError(t, err)
	pub, err := kp.PublicKey()
	require.NoError(t, err)
	_, raw, err := nkeys.DecodeSeed([]byte(seed))
	require.NoError(t, err)
	jwt, jwtSeed := get("NATS_AUTH_JWT"), get("NATS_AUTH_JWT_SEED")
	// The layout nsc writes.
	creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
		"************************* IMPORTANT *************************\n" +
		"NKEY Seed printed below can be used to sign and prove identity.\n" +
		"NKEYs are sensitive and should be treated as secrets.\n\n" +
		"-----BEGIN USER NKEY SEED-----\n" + jwtSeed + "\n------END USER NKEY SEED------\n\n" +
		"*************************************************************\n"
	env := map[string]string{
		"tokenURL": get("NATS_WS_TOKEN_URL"), "token": get("NATS_AUTH_TOKEN"),
		"usersURL": get("NATS_WS_USERS_URL"), "user": get("NATS_AUTH_USER"), "pass": get("NATS_AUTH_PASS"),
		"nkeySeed": seed, "nkey": pub, "nkeyRawSeed": hex.EncodeToString(raw),
		"jwtURL": get("NATS_WS_JWT_URL"), "jwt": jwt, "jwtSeed": jwtSeed, "creds": creds,
		"bearerJWT": get("NATS_AUTH_BEARER_JWT"),
		"wssURL":    get("NATS_WSS_URL"),
	}
	b, err := json.Marshal(env)
	require.NoError(t, err)
	return "const env = " + string(b) + ";\n" + `
// works checks a connection with a message round trip.
const works = async (nc, what) => {
  const got = [];
  const subj = "auth.works." + Math.random().toString(36).slice(2);
  nc.subscribe(subj, { callback: (err, m) => { if (!err) got.push(m.string()); } });
  nc.publish(subj, "hi");
  await nc.flush();
  await until(() => got.length === 1, what + ": round trip");
};
// hidden fails when a secret shows in an error, the server URL or stats.
const hidden = (texts, ...secrets) => {
  const all = texts.join("\n");
  for (const s of secrets) assert(!all.includes(s), "a secret leaked: " + all.slice(0, 300));
};
// ed25519 key from a raw 32-byte seed, through WebCrypto: the page signs.
const importSeed = (hexSeed) => {
  const raw = new Uint8Array(hexSeed.match(/../g).map((h) => parseInt(h, 16)));
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...raw]);
  return crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
};
`
}

func TestAuthBridgeTokenAndUserPass(t *testing.T) {
	runJS(t, jsPrelude+authEnv(t)+`
const texts = [];
let nc = await wsnats.connect({ servers: env.tokenURL, token: env.token, debug: true });
await works(nc, "token");
texts.push(nc.getServer(), JSON.stringify(nc.info), JSON.stringify(nc.stats()));
await nc.close();

const at = env.tokenURL.replace("ws://", "ws://" + env.token + "@");
nc = await wsnats.connect({ servers: at });
await works(nc, "token in the URL");
texts.push(nc.getServer());
assert(!nc.getServer().includes("@"), "getServer shows credentials: " + nc.getServer());
await nc.close();

let e = await rejectsCode(wsnats.connect({ servers: env.tokenURL, token: "wrong" + env.token, maxReconnectAttempts: 0 }), "AUTHORIZATION_VIOLATION", "wrong token");
texts.push(e.message, String(e.stack));
e = await rejectsCode(wsnats.connect({ servers: env.tokenURL }), "AUTHORIZATION_VIOLATION", "no token");
assert(e.message.includes("Authorization Violation"), "message names the cause: " + e.message);

nc = await wsnats.connect({ servers: env.usersURL, user: env.user, pass: env.pass });
await works(nc, "user/pass");
await nc.close();
const up = env.usersURL.replace("ws://", "ws://" + env.user + ":" + env.pass + "@");
nc = await wsnats.connect({ servers: up });
await works(nc, "user:pass in the URL");
texts.push(nc.getServer());
await nc.close();
e = await rejectsCode(wsnats.connect({ servers: env.usersURL, user: env.user, pass: env.pass + "x" }), "AUTHORIZATION_VIOLATION", "wrong password");
texts.push(e.message);
hidden(texts, env.token, env.pass);
`)
}

func TestAuthBridgeNkeyJWTCreds(t *testing.T) {
	runJS(t, jsPrelude+authEnv(t)+`
const texts = [];
let nc = await wsnats.connect({ servers: env.usersURL, authenticator: { nkeySeed: env.nkeySeed } });
await works(nc, "nkeySeed");
await nc.close();

// The page signs with WebCrypto; the seed never enters the wasm module.
const key = await importSeed(env.nkeyRawSeed);
const nonces = [];
const sign = async (nonce) => {
  assert(nonce instanceof Uint8Array, "nonce is a Uint8Array");
  nonces.push(new TextDecoder().decode(nonce));
  await sleep(5);
  return new Uint8Array(await crypto.subtle.sign("Ed25519", key, nonce));
};
nc = await wsnats.connect({ servers: env.usersURL, authenticator: { nkey: env.nkey, sign } });
await works(nc, "nkey + async sign");
eq(nonces.length, 1, "sign called once");
assert(nonces[0].length > 10, "the server's nonce was passed: " + nonces[0]);
await nc.close();

nc = await wsnats.connect({ servers: env.jwtURL, authenticator: { creds: env.creds } });
await works(nc, "creds");
texts.push(nc.getServer(), JSON.stringify(nc.info));
await nc.close();
nc = await wsnats.connect({ servers: env.jwtURL, authenticator: { jwt: env.jwt, nkeySeed: env.jwtSeed } });
await works(nc, "jwt + nkeySeed");
await nc.close();

// Wrong keys: the server refuses.
let e = await rejectsCode(wsnats.connect({ servers: env.jwtURL, authenticator: { jwt: env.jwt, nkeySeed: env.nkeySeed } }), "AUTHORIZATION_VIOLATION", "JWT signed with another key");
texts.push(e.message);
e = await rejectsCode(wsnats.connect({ servers: env.jwtURL, authenticator: { nkeySeed: env.nkeySeed } }), "AUTHORIZATION_VIOLATION", "nkey on an operator server");
texts.push(e.message);

// A failing sign: its reason comes back, fast.
for (const [what, bad, want] of [
  ["throws", () => { throw new Error("token unplugged"); }, "token unplugged"],
  ["rejects", async () => { throw new Error("user said no"); }, "user said no"],
  ["short", () => new Uint8Array(3), "returned 3 bytes"],
  ["not bytes", () => "sig", "must return a Uint8Array"],
]) {
  const t0 = Date.now();
  try {
    await wsnats.connect({ servers: env.jwtURL, maxReconnectAttempts: 0, authenticator: { jwt: env.jwt, sign: bad } });
    throw new Error(what + ": connected");
  } catch (err) {
    assert(err.message.includes(want), what + ": " + err.message);
    texts.push(err.message);
  }
  assert(Date.now() - t0 < 3000, what + ": slow");
}

// Options that cannot work are INVALID_OPTION before anything is dialled.
for (const [what, a] of [
  ["empty", {}],
  ["account seed", { nkeySeed: "SAAGNJOZTRPYYXG2NJX3ZNGXYUSDYX2BWO447W3SHG6XQ7U66RWHQ3JUXM" }],
  ["garbage seed", { nkeySeed: "SUnotaseed" }],
  ["jwt alone", { jwt: env.jwt }],
  ["nkey alone", { nkey: env.nkey }],
  ["sign alone", { sign }],
  ["creds and seed", { creds: env.creds, nkeySeed: env.nkeySeed }],
  ["bad creds", { creds: "not a creds file" }],
  ["sign not a function", { nkey: env.nkey, sign: "x" }],
]) {
  e = await rejectsCode(wsnats.connect({ servers: env.jwtURL, authenticator: a }), "INVALID_OPTION", what);
  texts.push(e.message);
}
e = await rejectsCode(wsnats.connect({ servers: env.jwtURL, tls: { caFile: "ca.pem" } }), "INVALID_OPTION", "tls option");
assert(e.message.includes("browser"), "tls error explains: " + e.message);
hidden(texts, env.nkeySeed, env.jwtSeed, env.nkeyRawSeed);
`)
}

func TestAuthBridgeCookies(t *testing.T) {
	// The page's origin is http://127.0.0.1:<port>; cookies are per host,
	// not per port, so the browser sends them on the WebSocket upgrade to
	// the servers on 127.0.0.1. The client sends no credentials itself.
	runJS(t, jsPrelude+authEnv(t)+`
const clear = () => { for (const n of ["nats_token", "nats_user", "nats_pass", "nats_jwt"]) document.cookie = n + "=; path=/; max-age=0"; };
clear();
try {
  await rejectsCode(wsnats.connect({ servers: env.tokenURL }), "AUTHORIZATION_VIOLATION", "no cookie yet");
  document.cookie = "nats_token=" + env.token + "; path=/; SameSite=Strict";
  let nc = await wsnats.connect({ servers: env.tokenURL });
  await works(nc, "token_cookie");
  await nc.close();

  await rejectsCode(wsnats.connect({ servers: env.usersURL }), "AUTHORIZATION_VIOLATION", "no user cookie yet");
  document.cookie = "nats_user=" + env.user + "; path=/";
  document.cookie = "nats_pass=" + env.pass + "; path=/";
  nc = await wsnats.connect({ servers: env.usersURL });
  await works(nc, "user_cookie + pass_cookie");
  await nc.close();

  await rejectsCode(wsnats.connect({ servers: env.jwtURL }), "AUTHORIZATION_VIOLATION", "no jwt cookie yet");
  document.cookie = "nats_jwt=" + env.bearerJWT + "; path=/";
  nc = await wsnats.connect({ servers: env.jwtURL });
  await works(nc, "jwt_cookie with a bearer JWT");
  await nc.close();
} finally {
  clear();
}
await rejectsCode(wsnats.connect({ servers: env.tokenURL }), "AUTHORIZATION_VIOLATION", "cookie cleared");
`)
}

func TestAuthBridgeWSS(t *testing.T) {
	// Chromium trusts the test server's certificate because wasm-test.sh
	// pins its public key (--ignore-certificate-errors-spki-list); any
	// other untrusted certificate still fails.
	runJS(t, jsPrelude+authEnv(t)+`
assert(env.wssURL.startsWith("wss://"), "wss URL: " + env.wssURL);
const nc = await wsnats.connect({ servers: env.wssURL });
await works(nc, "wss");
assert(nc.getServer().startsWith("wss://"), "server: " + nc.getServer());
await nc.close();
`)
}

func TestAuthBrowserRejectsTLSConfig(t *testing.T) {
	o := wsnats.GetDefaultOptions()
	o.URL = os.Getenv("NATS_WSS_URL")
	o.TLSConfig = &wsnats.TLSConfig{}
	_, err := o.Connect()
	require.ErrorIs(t, err, wsnats.ErrBadURL)
	require.Contains(t, err.Error(), "browser's own TLS")
	require.False(t, strings.Contains(err.Error(), "panic"))
}
