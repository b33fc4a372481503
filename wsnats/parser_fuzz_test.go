package wsnats

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParser checks that the parser never panics and that splitting the
// input never changes the outcome: feeding it whole, cut in two at a chosen
// offset, or one byte at a time must give the same handler calls and either
// all succeed or all fail with ErrProtocol.
//
// The comparison is exact, including for input that ends in the middle of an
// operation and for input that fails: the parser delivers an operation when
// its last byte arrives, and every check it makes on a partial control line
// fails only if every continuation of that line would fail too, so the
// position of a cut can neither add, drop nor move a call or an error.
func FuzzParser(f *testing.F) {
	for _, tt := range parserTests {
		f.Add([]byte(tt.in), uint(len(tt.in)/2))
	}
	for _, tt := range parserErrorTests {
		if !tt.noSplit {
			f.Add([]byte(tt.in), uint(len(tt.in)/3))
		}
	}
	f.Add(makeMsg(100), uint(40))
	f.Add(makeHMsg(10), uint(70))

	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		off := int(cut % uint(len(data)+1))
		whole, wholeErr := feed(data)
		split, splitErr := feed(data[:off], data[off:])
		checkErr := func(how string, err error) {
			if err != nil && !errors.Is(err, ErrProtocol) {
				t.Fatalf("%s: error %v does not wrap ErrProtocol", how, err)
			}
		}
		checkErr("whole", wholeErr)
		checkErr("split", splitErr)
		if (wholeErr == nil) != (splitErr == nil) {
			t.Fatalf("whole: error %v; split at %d: error %v", wholeErr, off, splitErr)
		}
		if !slices.Equal(whole, split) {
			t.Fatalf("split at %d changes calls:\n whole %v\n split %v", off, whole, split)
		}
		if len(data) > 1<<12 {
			return // keep byte-at-a-time feeding cheap
		}
		bytewise, err := feed(chunked(data, 1)...)
		checkErr("byte at a time", err)
		if (wholeErr == nil) != (err == nil) || !slices.Equal(whole, bytewise) {
			t.Fatalf("byte at a time differs: error %v vs %v\n whole %v\n bytes %v", wholeErr, err, whole, bytewise)
		}
	})
}
