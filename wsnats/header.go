package wsnats

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Header holds the headers of a message. Keys set with Set and Add are
// canonicalised like HTTP headers ("content-type" becomes "Content-Type");
// keys received from the wire keep the case they were sent with, and the
// getters find them either way.
type Header map[string][]string

// Header status codes the server sends in a status-only header line.
const (
	StatusNoResponders = 503
	StatusTimeout      = 408
)

const hdrLine = "NATS/1.0"

// key finds the stored form of key: exact, canonical, then case-insensitive.
func (h Header) key(key string) (string, bool) {
	if _, ok := h[key]; ok {
		return key, true
	}
	ck := canonicalKey(key)
	if _, ok := h[ck]; ok {
		return ck, true
	}
	for k := range h {
		if asciiEqualFold(k, key) {
			return k, true
		}
	}
	return "", false
}

// Get returns the first value of key, or "".
func (h Header) Get(key string) string {
	if k, ok := h.key(key); ok && len(h[k]) > 0 {
		return h[k][0]
	}
	return ""
}

// Values returns all values of key.
func (h Header) Values(key string) []string {
	if k, ok := h.key(key); ok {
		return h[k]
	}
	return nil
}

// Set replaces the values of key with value.
func (h Header) Set(key, value string) {
	if k, ok := h.key(key); ok {
		delete(h, k)
	}
	h[canonicalKey(key)] = []string{value}
}

// Add appends value to the values of key.
func (h Header) Add(key, value string) {
	if k, ok := h.key(key); ok {
		h[k] = append(h[k], value)
		return
	}
	h[canonicalKey(key)] = []string{value}
}

// Del removes key.
func (h Header) Del(key string) {
	if k, ok := h.key(key); ok {
		delete(h, k)
	}
}

// validateHeader checks every key and value can be written to the wire.
func validateHeader(h Header) error {
	for k, vs := range h {
		if k == "" {
			return fmt.Errorf("%w: empty key", ErrBadHeader)
		}
		for i := 0; i < len(k); i++ {
			c := k[i]
			if c <= ' ' || c == ':' || c == 0x7f {
				return fmt.Errorf("%w: key %q has a forbidden character %q", ErrBadHeader, k, c)
			}
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return fmt.Errorf("%w: value of %q contains CR or LF", ErrBadHeader, k)
			}
		}
	}
	return nil
}

// appendHeader appends the wire form of h (status line, keys in sorted
// order, blank line) to b.
func appendHeader(b []byte, h Header) []byte {
	b = append(b, hdrLine...)
	b = append(b, "\r\n"...)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "\r\n"...)
}

// decodeHeader parses a header block received in HMSG. It returns the
// headers (nil when there are none), the status code (0 when absent) and the
// status description.
func decodeHeader(block []byte) (Header, int, string, error) {
	line, rest, ok := bytes.Cut(block, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(line, []byte(hdrLine)) {
		return nil, 0, "", fmt.Errorf("%w: header block does not start with %s", ErrBadHeader, hdrLine)
	}
	var code int
	var desc string
	if status := bytes.TrimSpace(line[len(hdrLine):]); len(status) > 0 {
		num, text, _ := bytes.Cut(status, []byte(" "))
		n, err := strconv.Atoi(string(num))
		if err != nil {
			return nil, 0, "", fmt.Errorf("%w: bad status %q", ErrBadHeader, status)
		}
		code, desc = n, string(bytes.TrimSpace(text))
	}
	var h Header
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		if len(line) == 0 {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 {
			return nil, 0, "", fmt.Errorf("%w: malformed line %q", ErrBadHeader, line)
		}
		if h == nil {
			h = Header{}
		}
		key := string(bytes.TrimSpace(k))
		h[key] = append(h[key], string(bytes.TrimSpace(v)))
	}
	return h, code, desc, nil
}

// canonicalKey capitalises the first letter and each letter after a '-'
// ("content-type" becomes "Content-Type"), like HTTP header keys. Keys with
// characters outside letters, digits and '-' are returned unchanged.
func canonicalKey(k string) string {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		ok := c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !ok {
			return k
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			b := []byte(k)
			upper = true
			for j := range b {
				if upper && 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				} else if !upper && 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
				upper = b[j] == '-'
			}
			return string(b)
		}
		upper = c == '-'
	}
	return k
}

// sortKeys sorts header keys for appendHeader: an insertion sort for the
// handful of keys headers have, a heapsort (O(n log n)) beyond, so that a
// header with thousands of keys cannot stall its publisher. The generic
// sort would add about 20 KB to the wasm module.
func sortKeys(keys []string) {
	if len(keys) <= 12 {
		for i := 1; i < len(keys); i++ {
			for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
		return
	}
	for i := len(keys)/2 - 1; i >= 0; i-- {
		siftDown(keys, i, len(keys))
	}
	for end := len(keys) - 1; end > 0; end-- {
		keys[0], keys[end] = keys[end], keys[0]
		siftDown(keys, 0, end)
	}
}

// siftDown restores the max-heap order of keys[:n] below root.
func siftDown(keys []string, root, n int) {
	for {
		child := 2*root + 1
		if child >= n {
			return
		}
		if child+1 < n && keys[child] < keys[child+1] {
			child++
		}
		if keys[root] >= keys[child] {
			return
		}
		keys[root], keys[child] = keys[child], keys[root]
		root = child
	}
}
