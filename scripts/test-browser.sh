#!/usr/bin/env bash
# Browser tests: everything that needs headless Chromium.
#   1. the end-to-end tests of the demo page (cmd/wsnats-demo, chromedp);
#   2. the wsnats and jsbridge tests compiled to wasm and run in Chromium
#      against an embedded nats-server (scripts/wasm-test.sh).
# Run from anywhere; works from a fresh clone (installs Chromium if needed).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
TIMEOUT=${TEST_TIMEOUT:-10m}

scripts/install-chromium.sh

echo "== build the wasm modules (client, and client with agents)"
GO="$GO" scripts/build-wasm.sh web
cp "$("$GO" env GOROOT)/lib/wasm/wasm_exec.js" web/wasm_exec.js

echo "== end-to-end tests of the demo page"
"$GO" test -count=1 -timeout "$TIMEOUT" ./cmd/wsnats-demo/...

echo "== wsnats and jsbridge tests compiled to wasm, in Chromium"
scripts/wasm-test.sh -count=1 -timeout "$TIMEOUT" ./wsnats/... ./jsbridge/...

echo "== the JS bridge without agents (the client-only wsnats.wasm), in Chromium"
scripts/wasm-test.sh -count=1 -timeout "$TIMEOUT" -tags wsnats_noagents -run 'NoAgents|Bridge|Guard' ./jsbridge/
