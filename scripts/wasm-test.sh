#!/usr/bin/env bash
# Runs Go tests compiled for GOOS=js GOARCH=wasm inside headless Chromium,
# against an embedded nats-server. Usage: scripts/wasm-test.sh [go test args] [packages]
# A missing Chromium is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "wasm-test: $chromium not found: run scripts/install-chromium.sh" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wasmbrowsertest finds "chromium" on PATH: this wrapper adds the flags our
# tests need (root needs --no-sandbox; nothing may leave loopback).
mkdir -p "$work/bin"
cat > "$work/bin/chromium" <<WRAP
#!/bin/sh
exec $chromium --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --no-proxy-server \
  \${NATS_WSS_SPKI:+--ignore-certificate-errors-spki-list=\$NATS_WSS_SPKI} "\$@"
WRAP
# NATS_WSS_SPKI (from natsrun -auth) pins the key of the test wss:// server:
# Chromium accepts that one certificate, signed by a CA made for the run,
# and still rejects every other untrusted certificate.
chmod +x "$work/bin/chromium"
# Installed from its own module: it needs an older chromedp than our e2e tests.
GOBIN="$work/bin" go install github.com/agnivade/wasmbrowsertest@v0.11.0

# wasmbrowsertest copies its whole environment into the wasm program and
# fails past 8 KiB of argv+env: hand it a trimmed one.
export WASM_EXEC_PATH="$work/bin"
# It gets the NATS_* variables natsrun sets (URLs and test credentials, no
# spaces in any of them).
go run ./scripts/natsrun -auth -- sh -c '
  natsenv=$(env | grep "^NATS_" | sort | tr "\n" " ")
  GOOS=js GOARCH=wasm exec go test -exec "env -i PATH=$WASM_EXEC_PATH:/usr/bin:/bin HOME=$HOME $natsenv$WASM_EXEC_PATH/wasmbrowsertest" "$@"
' wasm-test "$@"
