#!/usr/bin/env bash
# Builds the wasm modules a page loads, the one way they are built
# everywhere (make build, the browser tests, the e2e tests, the browser
# benchmark):
#   wsnats.wasm         the client (tag wsnats_noagents)
#   wsnats-agents.wasm  the client and wsnats.supervisor
# into DIR (default web/), then packs their data segments (scripts/wasmpack).
#
# Package wsnats is compiled without inlining (-l): about 14 KB less of the
# gzip module; the bridge's throughput in the browser benchmark stayed
# within noise. Go programs that import wsnats are built as their authors
# choose.
# Usage: scripts/build-wasm.sh [DIR]
# WASM_LDFLAGS replaces the default "-s -w" (an empty value keeps the
# symbols, for profiles and the size breakdown of the browser benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
dir=${1:-web}
mkdir -p "$dir"
flags=(-trimpath "-ldflags=${WASM_LDFLAGS-"-s -w"}" "-gcflags=github.com/wasm-nats/wasm-nats/wsnats=-l")
GOOS=js GOARCH=wasm "$GO" build "${flags[@]}" -tags wsnats_noagents -o "$dir/wsnats.wasm" ./cmd/wsnats-wasm
GOOS=js GOARCH=wasm "$GO" build "${flags[@]}" -o "$dir/wsnats-agents.wasm" ./cmd/wsnats-wasm
"$GO" run ./scripts/wasmpack "$dir/wsnats.wasm" "$dir/wsnats-agents.wasm"
