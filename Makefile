# wasm-nats. Main targets:
#   make demo   build the wasm client and run the demo (http://127.0.0.1:8000/)
#   make test   everything CI runs: format, vet, unit tests, fuzzing, browser tests

GO        ?= go
WASM      := web/wsnats.wasm
WASM_AGENTS := web/wsnats-agents.wasm
WASM_EXEC := web/wasm_exec.js
TEST_TIMEOUT ?= 10m
FUZZTIME  ?= 15s
DEMO_FLAGS ?=

# Native unit tests: every package except the demo, whose end-to-end tests
# need Chromium and run in test-browser (so they run once per make test).
UNIT_PKGS = $$($(GO) list ./... | grep -v '/cmd/wsnats-demo$$')

.PHONY: all build demo test fmt-check vet unit fuzz chromium test-browser bench bench-browser clean

all: build

## build: compile the wasm modules, web/wsnats.wasm (the client) and
## web/wsnats-agents.wasm (the client and wsnats.supervisor), with
## scripts/build-wasm.sh, and copy Go's wasm_exec.js next to them
build:
	GO=$(GO) scripts/build-wasm.sh web
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_EXEC)

## demo: build, then serve the demo page with an embedded nats-server
demo: build
	$(GO) run ./cmd/wsnats-demo $(DEMO_FLAGS)

## test: the full suite (what .ci/run runs)
test: fmt-check vet unit fuzz test-browser

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet -tags wsnats_noagents ./jsbridge/ ./cmd/wsnats-wasm/

unit:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(UNIT_PKGS)

fuzz:
	$(GO) test ./wsnats -run '^$$' -fuzz FuzzParser -fuzztime $(FUZZTIME)

chromium:
	scripts/install-chromium.sh

## test-browser: the tests that run in headless Chromium (installs it if needed)
test-browser:
	TEST_TIMEOUT=$(TEST_TIMEOUT) scripts/test-browser.sh

## bench: the browser benchmark (bench-browser), then the native benchmarks
bench: bench-browser
	$(GO) test -run '^$$' -bench . -benchmem ./wsnats/...

## bench-browser: wsnats (Go API in wasm and JS bridge) against nats.ws and a raw
## WebSocket in headless Chromium; prints a table, writes artifacts/browser-bench.md
## (needs npm for nats.ws; not part of CI). Extra flags: BENCH_BROWSER_FLAGS=-reps=5
BENCH_BROWSER_FLAGS ?=
bench-browser: chromium
	$(GO) run ./scripts/browserbench $(BENCH_BROWSER_FLAGS)

clean:
	rm -f $(WASM) $(WASM_AGENTS) $(WASM_EXEC)
	rm -rf artifacts
