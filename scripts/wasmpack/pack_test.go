package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// module assembles a wasm module from sections (id, body).
func module(sections ...[]byte) []byte {
	m := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		m = append(m, s[0])
		m = binary.AppendUvarint(m, uint64(len(s)-1))
		m = append(m, s[1:]...)
	}
	return m
}

// section is a section id followed by its body.
func section(id byte, body []byte) []byte { return append([]byte{id}, body...) }

func dataSection(segs ...segment) []byte { return section(sectionData, writeSegments(segs)) }

func TestPackMergesSmallGapsOnly(t *testing.T) {
	custom := section(0, []byte("\x04nameanything"))
	in := module(custom, dataSection(
		segment{offset: 100, data: []byte("ef")}, // out of order on purpose
		segment{offset: 0, data: []byte("ab")},
		segment{offset: 4, data: []byte("cd")},
		segment{offset: 300, data: []byte("gh")},
		segment{offset: 1 << 20, data: []byte("far")},
	))
	out, st, err := pack(in, 100)
	if err != nil {
		t.Fatal(err)
	}
	if st.segmentsBefore != 5 || st.segmentsAfter != 3 {
		t.Fatalf("segments %d -> %d, want 5 -> 3", st.segmentsBefore, st.segmentsAfter)
	}
	if !bytes.HasPrefix(out, module(custom)) {
		t.Fatal("the sections before the data section changed")
	}
	requireSameMemory(t, in, out)
	segs, err := readSegments(sectionBody(t, out, sectionData))
	if err != nil {
		t.Fatal(err)
	}
	if string(segs[0].data) != "ab\x00\x00cd"+string(make([]byte, 94))+"ef" {
		t.Fatalf("first merged segment is %q", segs[0].data)
	}
}

func TestPackRefusesWhatItCannotKeep(t *testing.T) {
	passive := section(sectionData, []byte{1, 1, 2, 'h', 'i'}) // one passive segment
	for name, tc := range map[string]struct {
		in   []byte
		want error
	}{
		"not wasm":        {[]byte("\x7fELF\x01\x00\x00\x00"), errNotWasm},
		"short":           {[]byte("\x00as"), errNotWasm},
		"truncated":       {module(dataSection(segment{0, []byte("abc")}))[:14], errTruncated},
		"passive segment": {module(passive), errUnsupported},
		"data count":      {module(section(sectionDataCount, []byte{0}), dataSection()), errUnsupported},
		"overlap": {module(dataSection(segment{0, []byte("abcd")}, segment{2, []byte("xy")})),
			errUnsupported},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := pack(tc.in, 64); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSLEBRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 63, 64, -1, -64, -65, 1<<31 - 1, 1 << 31, 1<<32 - 1, -1 << 31} {
		b := appendSLEB(nil, v)
		got, n := readSLEB(b)
		if got != v || n != len(b) {
			t.Fatalf("%d: encoded % x, decoded %d (%d bytes)", v, b, got, n)
		}
	}
	if _, n := readSLEB([]byte{0x80, 0x80}); n > 0 {
		t.Fatal("an unterminated number decoded")
	}
}

// TestPackRealModule packs a real client module (built unpacked here;
// scripts/build-wasm.sh also sets gcflags): the memory image and every
// other section stay the same, and gzip shrinks.
func TestPackRealModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	file := filepath.Join(t.TempDir(), "wsnats.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags=wsnats_noagents", "-o", file, "./cmd/wsnats-wasm")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module: %v\n%s", err, out)
	}
	in, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := pack(in, 64)
	if err != nil {
		t.Fatal(err)
	}
	if st.segmentsAfter >= st.segmentsBefore/100 {
		t.Fatalf("segments %d -> %d: expected far fewer", st.segmentsBefore, st.segmentsAfter)
	}
	requireSameMemory(t, in, out)
	if a, b := withoutData(t, in), withoutData(t, out); !bytes.Equal(a, b) {
		t.Fatal("a section other than data changed")
	}
	before, after := gzipSize(in), gzipSize(out)
	t.Logf("%d data segments -> %d; gzip -9 %d -> %d bytes", st.segmentsBefore, st.segmentsAfter, before, after)
	if after >= before {
		t.Fatalf("gzip size grew: %d -> %d", before, after)
	}
}

// requireSameMemory fails unless the two modules start with the same
// memory.
func requireSameMemory(t *testing.T, in, out []byte) {
	t.Helper()
	want, err := memoryImage(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := memoryImage(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the memory image changed")
	}
}

// sectionBody returns the body of the first section with the id.
func sectionBody(t *testing.T, m []byte, id byte) []byte {
	secs, err := sections(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secs {
		if sec.id == id {
			return sec.body
		}
	}
	return nil
}

// withoutData returns the module's sections other than data, in order.
func withoutData(t *testing.T, m []byte) []byte {
	secs, err := sections(m)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, sec := range secs {
		if sec.id != sectionData {
			out = append(out, sec.whole...)
		}
	}
	return out
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}
