package jsbridge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestClipMessage(t *testing.T) {
	require.Equal(t, "short", clipMessage("short", 10))
	long := "start " + strings.Repeat("é", 5000) + " end"
	got := clipMessage(long, 100)
	require.True(t, utf8.ValidString(got), got)
	require.True(t, strings.HasPrefix(got, "start "), got)
	require.True(t, strings.HasSuffix(got, " end"), got)
	require.Less(t, len(got), 150)
	require.Contains(t, got, "bytes cut")
}
