//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// webConfig is served as /config.json; the page reads the WebSocket port
// from it.
type webConfig struct {
	WSPort   int `json:"wsPort"`
	NATSPort int `json:"natsPort"`
}

// minGzipSize is the smallest file worth compressing.
const minGzipSize = 512

// webHandler serves the files of one directory, with the right MIME types,
// gzip for clients that accept it, and /config.json.
type webHandler struct {
	root   *os.Root
	config []byte
	log    *slog.Logger

	mu   sync.Mutex
	gzip map[string]gzipEntry // by file name; the compressed files
}

type gzipEntry struct {
	modTime time.Time
	size    int64
	data    []byte
}

// newWebHandler returns the handler for the web server, with the headers
// that every response gets.
func newWebHandler(dir string, cfg webConfig, logger *slog.Logger) (http.Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("web directory: %w", err)
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	h := &webHandler{root: root, config: cfgJSON, log: logger, gzip: make(map[string]gzipEntry)}
	return withCommonHeaders(logRequests(logger, h)), nil
}

// contentSecurityPolicy is the demo's policy: scripts only from the page's
// own origin, no eval of any kind except compiling WebAssembly. The client
// needs nothing more.
const contentSecurityPolicy = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'"

// withCommonHeaders adds the headers of every response: a strict Content
// Security Policy, the page is cross-origin isolated (finer
// performance.now(), SharedArrayBuffer), and the browser revalidates every
// file, so a rebuilt wasm file is picked up at once.
func withCommonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

func (h *webHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if p == "/config.json" {
		w.Header().Set("Content-Type", "application/json")
		w.Write(h.config)
		return
	}
	name := strings.TrimPrefix(p, "/")
	if name == "" {
		name = "index.html"
	}
	f, st, err := h.open(name)
	if err == nil && st.IsDir() {
		f.Close()
		name = path.Join(name, "index.html")
		if f, st, err = h.open(name); err == nil && st.IsDir() {
			f.Close()
			err = fs.ErrNotExist
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		h.log.Warn("web: open", "name", name, "err", err)
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	defer f.Close()

	ctype := contentType(name)
	w.Header().Set("Content-Type", ctype)
	etag := fmt.Sprintf(`"%x-%x`, st.ModTime().UnixNano(), st.Size())
	if !compressible(ctype) || st.Size() < minGzipSize {
		w.Header().Set("ETag", etag+`"`)
		http.ServeContent(w, r, name, st.ModTime(), f)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		w.Header().Set("ETag", etag+`"`)
		http.ServeContent(w, r, name, st.ModTime(), f)
		return
	}
	data, err := h.gzipped(name, f, st)
	if err != nil {
		h.log.Warn("web: gzip", "name", name, "err", err)
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data))) // ServeContent leaves it out for encoded content
	w.Header().Set("ETag", etag+`-gz"`)
	r.Header.Del("Range") // ranges of the compressed bytes are of no use here
	http.ServeContent(w, r, name, st.ModTime(), bytes.NewReader(data))
}

func (h *webHandler) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := h.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// gzipped returns the compressed content of the file, compressing it once
// per version (modification time and size) of the file.
func (h *webHandler) gzipped(name string, f io.Reader, st fs.FileInfo) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.gzip[name]; ok && e.modTime.Equal(st.ModTime()) && e.size == st.Size() {
		return e.data, nil
	}
	start := time.Now()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(zw, f); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	h.gzip[name] = gzipEntry{modTime: st.ModTime(), size: st.Size(), data: buf.Bytes()}
	h.log.Debug("web: compressed", "name", name, "size", st.Size(), "gzip", buf.Len(), "took", time.Since(start))
	return buf.Bytes(), nil
}

// contentType returns the MIME type for a file name. The common web types
// are fixed here rather than taken from the system's MIME database, which
// differs between machines (and is what gets .wasm and .js wrong).
func contentType(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".wasm":
		return "application/wasm"
	case ".json", ".map":
		return "application/json"
	case ".ts", ".txt", ".md":
		return "text/plain; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

func compressible(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	return strings.HasPrefix(mt, "text/") || mt == "application/wasm" ||
		mt == "application/json" || mt == "image/svg+xml"
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// logRequests logs every request at debug level (shown with -trace).
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
