package main

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The Go linker writes a wasm module's initial memory as one active data
// segment per run of non-zero bytes: any run of zeros longer than a
// segment's header starts a new segment. That keeps the raw file small, but
// a typical wsnats.wasm ends up with about 45,000 segments, and their
// headers (increasing offsets, lengths) are what gzip compresses worst:
// the zeros between them cost almost nothing compressed.
//
// pack merges neighbouring segments whose gap is at most maxGap bytes,
// writing the gap's zeros out. Linear memory starts zeroed, so the memory
// image after instantiation is the same byte for byte; only the data
// section changes, every other section is copied as it is.

const (
	sectionData      = 11
	sectionDataCount = 12
	opI32Const       = 0x41
	opEnd            = 0x0b
)

var (
	errNotWasm     = errors.New("not a wasm module (bad magic or version)")
	errTruncated   = errors.New("truncated module")
	errUnsupported = errors.New("unsupported data section")
)

// segment is an active data segment of memory 0 at a constant offset.
type segment struct {
	offset uint32
	data   []byte
}

// packStats says what pack did.
type packStats struct {
	segmentsBefore, segmentsAfter int
}

// wasmSection is one section of a module: its id, its whole encoding (id,
// size, body) and its body.
type wasmSection struct {
	id          byte
	whole, body []byte
}

// sections checks the module header and splits the rest into sections.
func sections(module []byte) ([]wasmSection, error) {
	if len(module) < 8 || string(module[:4]) != "\x00asm" || binary.LittleEndian.Uint32(module[4:8]) != 1 {
		return nil, errNotWasm
	}
	var secs []wasmSection
	for rest := module[8:]; len(rest) > 0; {
		id := rest[0]
		size, n := binary.Uvarint(rest[1:])
		if n <= 0 || uint64(len(rest)-1-n) < size {
			return nil, fmt.Errorf("%w: section %d", errTruncated, id)
		}
		end := 1 + n + int(size)
		secs = append(secs, wasmSection{id: id, whole: rest[:end], body: rest[1+n : end]})
		rest = rest[end:]
	}
	return secs, nil
}

// pack returns module with its data segments merged across gaps of at
// most maxGap zero bytes.
func pack(module []byte, maxGap int) ([]byte, packStats, error) {
	var st packStats
	secs, err := sections(module)
	if err != nil {
		return nil, st, err
	}
	out := append(make([]byte, 0, len(module)+len(module)/8), module[:8]...)
	for _, sec := range secs {
		switch sec.id {
		case sectionDataCount:
			// It would have to match the new count; the Go linker does not
			// write one.
			return nil, st, fmt.Errorf("%w: the module has a data count section", errUnsupported)
		case sectionData:
			segs, err := readSegments(sec.body)
			if err != nil {
				return nil, st, err
			}
			merged, err := mergeSegments(segs, maxGap)
			if err != nil {
				return nil, st, err
			}
			st.segmentsBefore, st.segmentsAfter = len(segs), len(merged)
			body := writeSegments(merged)
			out = append(out, sectionData)
			out = binary.AppendUvarint(out, uint64(len(body)))
			out = append(out, body...)
		default:
			out = append(out, sec.whole...)
		}
	}
	return out, st, nil
}

// readSegments reads a data section made only of active segments of
// memory 0 at i32.const offsets, as the Go linker writes them.
func readSegments(body []byte) ([]segment, error) {
	count, n := binary.Uvarint(body)
	if n <= 0 {
		return nil, fmt.Errorf("%w: data section count", errTruncated)
	}
	p := body[n:]
	segs := make([]segment, 0, min(count, uint64(len(p))))
	for i := range count {
		kind, n := binary.Uvarint(p)
		if n <= 0 {
			return nil, fmt.Errorf("%w: segment %d", errTruncated, i)
		}
		if kind != 0 {
			return nil, fmt.Errorf("%w: segment %d is not an active segment of memory 0 (kind %d)", errUnsupported, i, kind)
		}
		p = p[n:]
		if len(p) == 0 || p[0] != opI32Const {
			return nil, fmt.Errorf("%w: segment %d does not start at an i32.const offset", errUnsupported, i)
		}
		off, n := readSLEB(p[1:])
		if n <= 0 || 1+n >= len(p) || p[1+n] != opEnd {
			return nil, fmt.Errorf("%w: segment %d offset", errUnsupported, i)
		}
		if off < 0 || off > 1<<32-1 {
			return nil, fmt.Errorf("%w: segment %d offset %d", errUnsupported, i, off)
		}
		p = p[2+n:]
		size, n := binary.Uvarint(p)
		if n <= 0 || uint64(len(p)-n) < size {
			return nil, fmt.Errorf("%w: segment %d data", errTruncated, i)
		}
		segs = append(segs, segment{offset: uint32(off), data: p[n : n+int(size)]})
		p = p[n+int(size):]
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last segment", errUnsupported, len(p))
	}
	return segs, nil
}

// mergeSegments sorts segs by offset and joins neighbours whose gap is at
// most maxGap. Overlapping segments (the later one would win) are refused.
func mergeSegments(segs []segment, maxGap int) ([]segment, error) {
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b segment) int { return cmp.Compare(a.offset, b.offset) })
	var merged []segment
	for _, s := range segs {
		if len(merged) > 0 {
			last := &merged[len(merged)-1]
			end := uint64(last.offset) + uint64(len(last.data))
			if uint64(s.offset) < end {
				return nil, fmt.Errorf("%w: segments overlap at offset %d", errUnsupported, s.offset)
			}
			if gap := uint64(s.offset) - end; gap <= uint64(maxGap) {
				last.data = append(last.data, make([]byte, gap)...)
				last.data = append(last.data, s.data...)
				continue
			}
		}
		merged = append(merged, segment{offset: s.offset, data: slices.Clone(s.data)})
	}
	return merged, nil
}

// writeSegments encodes the body of a data section.
func writeSegments(segs []segment) []byte {
	size := 5
	for _, s := range segs {
		size += 16 + len(s.data)
	}
	b := binary.AppendUvarint(make([]byte, 0, size), uint64(len(segs)))
	for _, s := range segs {
		b = append(b, 0, opI32Const)
		b = appendSLEB(b, int64(s.offset))
		b = append(b, opEnd)
		b = binary.AppendUvarint(b, uint64(len(s.data)))
		b = append(b, s.data...)
	}
	return b
}

// readSLEB decodes a signed LEB128 number (at most 64 bits); n <= 0 when
// the input ends first or the number is too long.
func readSLEB(b []byte) (v int64, n int) {
	var shift uint
	for i, c := range b {
		if shift >= 64 {
			return 0, -1
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1
		}
	}
	return 0, 0
}

// appendSLEB appends v as signed LEB128.
func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// memoryImage returns the initial memory the data section of module
// writes (up to the end of its last segment): what pack must keep.
func memoryImage(module []byte) ([]byte, error) {
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	var mem []byte
	for _, sec := range secs {
		if sec.id != sectionData {
			continue
		}
		segs, err := readSegments(sec.body)
		if err != nil {
			return nil, err
		}
		for _, s := range segs {
			end := int(s.offset) + len(s.data)
			if end > len(mem) {
				mem = append(mem, make([]byte, end-len(mem))...)
			}
			copy(mem[s.offset:], s.data)
		}
	}
	return mem, nil
}
