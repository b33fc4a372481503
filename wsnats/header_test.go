package wsnats

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppendHeaderSortsKeys checks the wire form lists keys in order (so the
// same header always encodes the same way) and round-trips.
func TestAppendHeaderSortsKeys(t *testing.T) {
	h := Header{}
	for _, k := range []string{"Zulu", "Alpha", "Mike", "Bravo", "Yankee", "Charlie"} {
		h.Add(k, "v-"+k)
	}
	h.Add("Mike", "second")
	got := string(appendHeader(nil, h))
	want := "NATS/1.0\r\nAlpha: v-Alpha\r\nBravo: v-Bravo\r\nCharlie: v-Charlie\r\n" +
		"Mike: v-Mike\r\nMike: second\r\nYankee: v-Yankee\r\nZulu: v-Zulu\r\n\r\n"
	require.Equal(t, want, got)
}

func TestSortKeys(t *testing.T) {
	for _, keys := range [][]string{nil, {"a"}, {"b", "a"}, {"c", "b", "a", "b"}, {"a", "b", "c"}} {
		sortKeys(keys)
		for i := 1; i < len(keys); i++ {
			require.LessOrEqual(t, keys[i-1], keys[i], "%v", keys)
		}
	}
}
