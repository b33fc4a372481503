//go:build !js

package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// pkgSize is the code of one Go package in a wasm module.
type pkgSize struct {
	pkg   string
	code  int // function bodies, bytes
	flate int // the same bodies deflated on their own (roughly their gzip share)
	funcs int
}

// wasmBreakdown attributes the function bodies of a wasm module built with
// symbols (no -s) to Go packages by the names in its "name" section. It
// also returns the sizes of the code and data sections.
func wasmBreakdown(file string) (pkgs []pkgSize, codeSec, dataSec int, err error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(raw) < 8 || !bytes.Equal(raw[:4], []byte("\x00asm")) {
		return nil, 0, 0, errors.New("not a wasm module")
	}
	var (
		imports int      // imported functions come first in the index space
		bodies  [][]byte // defined functions, in order
		names   = map[int]string{}
	)
	p := raw[8:]
	for len(p) > 0 {
		id := p[0]
		size, n := binary.Uvarint(p[1:])
		if n <= 0 || int(size) > len(p)-1-n {
			return nil, 0, 0, errors.New("truncated section")
		}
		sec := p[1+n : 1+n+int(size)]
		p = p[1+n+int(size):]
		switch id {
		case 2: // imports
			cnt, k := binary.Uvarint(sec)
			r := sec[k:]
			for range cnt {
				for range 2 { // module and field names
					l, k := binary.Uvarint(r)
					r = r[k+int(l):]
				}
				kind := r[0]
				r = r[1:]
				switch kind {
				case 0: // function: type index
					imports++
					_, k := binary.Uvarint(r)
					r = r[k:]
				case 1: // table: elemtype, limits
					r = r[1:]
					r = skipLimits(r)
				case 2: // memory: limits
					r = skipLimits(r)
				case 3: // global: valtype, mutability
					r = r[2:]
				}
			}
		case 10: // code
			codeSec = len(sec)
			cnt, k := binary.Uvarint(sec)
			r := sec[k:]
			for range cnt {
				l, k := binary.Uvarint(r)
				bodies = append(bodies, r[k:k+int(l)])
				r = r[k+int(l):]
			}
		case 11: // data
			dataSec = len(sec)
		case 0: // custom
			l, k := binary.Uvarint(sec)
			name := string(sec[k : k+int(l)])
			if name != "name" {
				continue
			}
			r := sec[k+int(l):]
			for len(r) > 0 {
				sub := r[0]
				sl, k := binary.Uvarint(r[1:])
				body := r[1+k : 1+k+int(sl)]
				r = r[1+k+int(sl):]
				if sub != 1 { // function names
					continue
				}
				cnt, k := binary.Uvarint(body)
				b := body[k:]
				for range cnt {
					idx, k := binary.Uvarint(b)
					b = b[k:]
					nl, k := binary.Uvarint(b)
					names[int(idx)] = string(b[k : k+int(nl)])
					b = b[k+int(nl):]
				}
			}
		}
	}
	if len(names) == 0 {
		return nil, codeSec, dataSec, errors.New("no name section: build without -s")
	}
	byPkg := map[string]*pkgSize{}
	code := map[string][]byte{}
	for i, body := range bodies {
		pkg := goPackage(names[imports+i])
		ps := byPkg[pkg]
		if ps == nil {
			ps = &pkgSize{pkg: pkg}
			byPkg[pkg] = ps
		}
		ps.code += len(body)
		ps.funcs++
		code[pkg] = append(code[pkg], body...)
	}
	for pkg, ps := range byPkg {
		ps.flate = deflated(code[pkg])
		pkgs = append(pkgs, *ps)
	}
	slices.SortFunc(pkgs, func(a, b pkgSize) int { return b.code - a.code })
	return pkgs, codeSec, dataSec, nil
}

func skipLimits(r []byte) []byte {
	flags := r[0]
	r = r[1:]
	_, k := binary.Uvarint(r)
	r = r[k:]
	if flags&1 != 0 {
		_, k = binary.Uvarint(r)
		r = r[k:]
	}
	return r
}

// goPackage returns the package path of a function name as Go's wasm name
// section spells it: '/', '-', '(', '*' and ')' all became '_', so
// "github.com_wasm_nats_wasm_nats_wsnats.__Conn_.publish" is
// "github.com/wasm-nats/wasm-nats/wsnats". Dashes in paths are restored
// for the modules this repository uses.
func goPackage(sym string) string {
	if sym == "" {
		return "(unnamed)"
	}
	domain := ""
	for _, d := range []string{"github.com_", "golang.org_", "google.golang.org_", "gopkg.in_", "go.yaml.in_"} {
		if strings.HasPrefix(sym, d) {
			domain, sym = strings.TrimSuffix(d, "_")+"/", sym[len(d):]
			break
		}
	}
	if domain == "" && strings.HasPrefix(sym, "type_") {
		return "(generated type functions: equality, hashing)"
	}
	dot := strings.IndexByte(sym, '.')
	if dot < 0 {
		return domain + sym
	}
	pkg := strings.ReplaceAll(sym[:dot], "_", "/")
	for _, fix := range [][2]string{
		{"wasm/nats/wasm/nats", "wasm-nats/wasm-nats"}, {"hack/pad", "hack-pad"},
		{"go/json/experiment", "go-json-experiment"}, {"nats/io", "nats-io"},
	} {
		pkg = strings.Replace(pkg, fix[0], fix[1], 1)
	}
	return domain + pkg
}

func deflated(b []byte) int {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}

// renderBreakdown formats the package table for the report.
func renderBreakdown(pkgs []pkgSize, codeSec, dataSec, top int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Code section %s, data section %s. Function bodies by package (\"deflated\" compresses each package's code on its own, so it only approximates its share of the gzip size):\n\n", bytesStr(codeSec), bytesStr(dataSec))
	fmt.Fprintf(&b, "| Package | Functions | Code | Deflated |\n|---|--:|--:|--:|\n")
	rest := pkgSize{pkg: "other packages"}
	for i, p := range pkgs {
		if i >= top {
			rest.funcs += p.funcs
			rest.code += p.code
			rest.flate += p.flate
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", p.pkg, p.funcs, bytesStr(p.code), bytesStr(p.flate))
	}
	if rest.funcs > 0 {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", rest.pkg, rest.funcs, bytesStr(rest.code), bytesStr(rest.flate))
	}
	return b.String()
}
