package wsnats

import (
	"math/rand/v2"
	"slices"
	"strconv"
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
	rng := rand.New(rand.NewPCG(1, 2))
	cases := [][]string{nil, {"a"}, {"b", "a"}, {"c", "b", "a", "b"}, {"a", "b", "c"}}
	for _, n := range []int{11, 12, 13, 50, 1000, 60000} { // both sides of the switch to heapsort
		keys := make([]string, n)
		for i := range keys {
			keys[i] = strconv.Itoa(rng.IntN(n)) // with duplicates
		}
		cases = append(cases, keys)
	}
	for _, keys := range cases {
		want := slices.Clone(keys)
		slices.Sort(want)
		sortKeys(keys)
		require.Equal(t, want, keys)
	}
}
