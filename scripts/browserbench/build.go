//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed page
var pageFS embed.FS

// assets describes the directory the page is served from.
type assets struct {
	webDir        string
	wasmRaw       int // wsnats.wasm as shipped (-s -w, client only)
	wasmGzip      int // gzip -9
	agentsRaw     int // wsnats-agents.wasm as shipped (client and agents)
	agentsGzip    int
	execRaw       int // wasm_exec.js
	execGzip      int
	natsWSVersion string
	natsWSRaw     int // nats.ws ESM bundle
	natsWSGzip    int
	goVersion     string
	breakdown     string // wsnats.wasm code by package (markdown), or why not
}

// prepare builds the two wasm modules, installs nats.ws, and assembles the
// served directory in tmp/web.
func prepare(ctx context.Context, root, tmp string, cfg config) (*assets, error) {
	web := filepath.Join(tmp, "web")
	if err := os.MkdirAll(web, 0o755); err != nil {
		return nil, err
	}
	goroot, err := output(ctx, root, nil, "go", "env", "GOROOT")
	if err != nil {
		return nil, err
	}
	goVersion, _ := output(ctx, root, nil, "go", "env", "GOVERSION")
	a := &assets{webDir: web, goVersion: goVersion}

	wasmEnv := []string{"GOOS=js", "GOARCH=wasm"}
	// The modules as a page ships them, built by the script make build
	// uses: measured for size, and wsnats.wasm is served when not profiling.
	shippedDir := filepath.Join(tmp, "shipped")
	shipped := filepath.Join(shippedDir, "wsnats.wasm")
	shippedAgents := filepath.Join(shippedDir, "wsnats-agents.wasm")
	// The same modules with their symbols (function names): the code of
	// wsnats.wasm is attributed to packages, and it is served to -profile.
	symbolsDir := filepath.Join(tmp, "symbols")
	symbols := filepath.Join(symbolsDir, "wsnats.wasm")
	var wg sync.WaitGroup
	errs := make([]error, 5)
	step := func(i int, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	step(0, func() error {
		_, err := output(ctx, root, nil, "bash", "scripts/build-wasm.sh", shippedDir)
		return err
	})
	step(1, func() error {
		_, err := output(ctx, root, []string{"WASM_LDFLAGS="}, "bash", "scripts/build-wasm.sh", symbolsDir)
		return err
	})
	// With -profile, the Go API modules keep their symbols too.
	ldflags := "-ldflags=-s -w"
	if len(cfg.profile) > 0 {
		ldflags = "-ldflags="
	}
	step(2, func() error {
		_, err := output(ctx, root, wasmEnv, "go", "build", "-trimpath", ldflags, "-o", filepath.Join(web, "gobench.wasm"), "./scripts/browserbench/gowasm")
		return err
	})
	if cfg.variant != "" {
		step(4, func() error {
			_, err := output(ctx, cfg.variant, wasmEnv, "go", "build", "-trimpath", ldflags, "-o", filepath.Join(web, "gobenchB.wasm"), "./scripts/browserbench/gowasm")
			return err
		})
	}
	npmDir := filepath.Join(tmp, "npm")
	step(3, func() error { return installNatsWS(ctx, npmDir, cfg.natsWS) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	served := shipped
	if len(cfg.profile) > 0 {
		served = symbols
	}
	if err := copyFile(served, filepath.Join(web, "wsnats.wasm")); err != nil {
		return nil, err
	}

	// The page, the loader, Go's support script, the nats.ws bundle.
	sub, err := fs.Sub(pageFS, "page")
	if err != nil {
		return nil, err
	}
	if err := os.CopyFS(web, sub); err != nil {
		return nil, err
	}
	for _, f := range []string{"wsnats.js", "bridge.js", "bridge-agents.js", "receiver.js"} { // the loader and its modules
		if err := copyFile(filepath.Join(root, "web", f), filepath.Join(web, f)); err != nil {
			return nil, err
		}
	}
	if err := copyFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), filepath.Join(web, "wasm_exec.js")); err != nil {
		return nil, err
	}
	pkgDir := filepath.Join(npmDir, "node_modules", "nats.ws")
	bundle, version, err := natsWSBundle(pkgDir)
	if err != nil {
		return nil, err
	}
	a.natsWSVersion = version
	if err := copyFile(bundle, filepath.Join(web, "nats.js")); err != nil {
		return nil, err
	}

	if pkgs, code, data, err := wasmBreakdown(symbols); err != nil {
		a.breakdown = fmt.Sprintf("(no breakdown: %v)\n", err)
	} else {
		a.breakdown = renderBreakdown(pkgs, code, data, 20)
	}
	if a.wasmRaw, a.wasmGzip, err = sizes(shipped); err != nil {
		return nil, err
	}
	if a.agentsRaw, a.agentsGzip, err = sizes(shippedAgents); err != nil {
		return nil, err
	}
	if a.execRaw, a.execGzip, err = sizes(filepath.Join(web, "wasm_exec.js")); err != nil {
		return nil, err
	}
	if a.natsWSRaw, a.natsWSGzip, err = sizes(bundle); err != nil {
		return nil, err
	}
	return a, nil
}

// installNatsWS installs nats.ws@version with npm into dir (npm's own cache
// makes repeated runs fast).
func installNatsWS(ctx context.Context, dir, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to fetch the nats.ws client for comparison: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	_, err := output(ctx, dir, nil, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund",
		"--no-save", "--loglevel=error", "nats.ws@"+version)
	if err != nil {
		return fmt.Errorf("installing nats.ws@%s with npm: %w", version, err)
	}
	return nil
}

// natsWSBundle finds the package's self-contained ESM bundle: package.json
// "module" (or the "import" export).
func natsWSBundle(pkgDir string) (file, version string, err error) {
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return "", "", fmt.Errorf("nats.ws not installed: %w", err)
	}
	var pkg struct {
		Version string `json:"version"`
		Module  string `json:"module"`
		Exports struct {
			Import string `json:"import"`
		} `json:"exports"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return "", "", fmt.Errorf("nats.ws package.json: %w", err)
	}
	rel := pkg.Module
	if rel == "" {
		rel = pkg.Exports.Import
	}
	if rel == "" {
		return "", "", fmt.Errorf("nats.ws %s names no ESM bundle in package.json", pkg.Version)
	}
	file = filepath.Join(pkgDir, filepath.FromSlash(rel))
	src, err := os.ReadFile(file)
	if err != nil {
		return "", "", err
	}
	// The page serves the bundle alone, so it must not import anything.
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "import ") && strings.Contains(line, " from ") {
			return "", "", fmt.Errorf("%s imports other files (%q): it is not a self-contained bundle", file, line)
		}
	}
	return file, pkg.Version, nil
}

// sizes returns the raw and gzip -9 sizes of a file.
func sizes(file string) (raw, gz int, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, 0, err
	}
	if _, err := w.Write(data); err != nil {
		return 0, 0, err
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	return len(data), buf.Len(), nil
}

// output runs a command in dir and returns its trimmed stdout; on failure
// the error carries its output.
func output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s %s: %v\n%s%s", strings.Join(env, " "), name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	if d := time.Since(t0); d > 20*time.Second {
		log.Printf("%s %s took %v", name, strings.Join(args, " "), d.Round(time.Second))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
