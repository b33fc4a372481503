//go:build !js

package main

// Helpers for the end-to-end tests of the demo page, part 1: building the
// wasm client into a copy of web/ and running the wsnats-demo binary on free
// ports. Part 2, driving headless Chromium, is in e2e_browser_test.go.
//
// Environment:
//
//	WSNATS_E2E_WASM  a directory with prebuilt wsnats.wasm and
//	                 wsnats-agents.wasm (make build's web/) to serve instead
//	                 of building them (for work on the harness)

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	chromiumPath = "/usr/bin/chromium"
	stepTimeout  = 30 * time.Second // one step of a test: a click, a wait
	startTimeout = 90 * time.Second // building and starting a process
	wasmTimeout  = 5 * time.Minute  // building both wasm modules (cold cache: the runtime too)
	readyPrefix  = "wsnats-demo: ready "
)

// testLog forwards log lines from other goroutines to t.Logf until the test
// ends; after that they are dropped (t.Logf would panic).
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func newTestLog(t *testing.T) *testLog {
	l := &testLog{t: t}
	t.Cleanup(func() { // registered first, so it runs after the other cleanups
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
	})
	return l
}

func (l *testLog) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf(format, args...)
	}
}

// lineWriter calls fn for each complete line written to it.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	fn  func(line string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.fn(strings.TrimRight(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
}

// repoRoot returns the directory that holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// goCmd runs the go command in dir with extra environment variables and
// fails the test with its output when it fails.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wasmModules are the two modules make build makes: the client alone, and
// the client with agents (which the demo page loads).
var wasmModules = []string{"wsnats.wasm", "wsnats-agents.wasm"}

// prepareWebDir copies web/ into a temporary directory and puts freshly
// built wasm modules and Go's wasm_exec.js next to it, so the test never
// depends on (or changes) the build output in the work tree.
func prepareWebDir(t *testing.T, root string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join(root, "web")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".wasm") || rel == "wasm_exec.js" {
			return nil // build output; made fresh below
		}
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatalf("copying web/: %v", err)
	}

	if prebuilt := os.Getenv("WSNATS_E2E_WASM"); prebuilt != "" {
		t.Logf("using the prebuilt modules in %s (WSNATS_E2E_WASM)", prebuilt)
		for _, m := range wasmModules {
			copyFile(t, filepath.Join(prebuilt, m), filepath.Join(dst, m))
		}
	} else {
		// As make build builds them.
		ctx, cancel := context.WithTimeout(context.Background(), wasmTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "scripts/build-wasm.sh", dst)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("scripts/build-wasm.sh: %v\n%s", err, out)
		}
	}
	goroot := goCmd(t, root, nil, "env", "GOROOT")
	copyFile(t, filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), filepath.Join(dst, "wasm_exec.js"))
	return dst
}

// demoServer is a running wsnats-demo process.
type demoServer struct {
	httpURL string // http://127.0.0.1:port/
	wsURL   string // ws://127.0.0.1:port
	natsURL string // nats://127.0.0.1:port
}

// startDemo builds the wsnats-demo binary, starts it on free ports serving
// webDir, and waits for its ready line. The process is stopped with SIGINT
// when the test ends.
func startDemo(t *testing.T, tl *testLog, webDir string) *demoServer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wsnats-demo")
	goCmd(t, ".", nil, "build", "-o", bin, ".")

	cmd := exec.Command(bin, "-http", "127.0.0.1:0", "-ws-port", "0", "-nats-port", "0", "-web", webDir)
	ready := make(chan string, 1)
	cmd.Stdout = &lineWriter{fn: func(line string) {
		tl.Logf("demo: %s", line)
		if strings.HasPrefix(line, readyPrefix) {
			select {
			case ready <- strings.TrimPrefix(line, readyPrefix):
			default:
			}
		}
	}}
	cmd.Stderr = &lineWriter{fn: func(line string) { tl.Logf("demo: %s", line) }}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("wsnats-demo did not exit cleanly: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("wsnats-demo did not stop within 10s of SIGINT; killing it")
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	var line string
	select {
	case line = <-ready:
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("wsnats-demo exited before it was ready: %v (its output is above)", err)
	case <-time.After(startTimeout):
		t.Fatalf("wsnats-demo printed no %q line within %v", strings.TrimSpace(readyPrefix), startTimeout)
	}
	srv := &demoServer{}
	for _, field := range strings.Fields(line) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "http":
			srv.httpURL = v
		case "ws":
			srv.wsURL = v
		case "nats":
			srv.natsURL = v
		}
	}
	if srv.httpURL == "" || srv.wsURL == "" || srv.natsURL == "" {
		t.Fatalf("cannot parse the ready line %q", line)
	}
	return srv
}
