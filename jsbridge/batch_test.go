package jsbridge

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// pubRecordBytes encodes one record the way bridge.js's Batch.add does.
func pubRecordBytes(subject, reply string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(subject)))
	b = append(b, subject...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(reply)))
	b = append(b, reply...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func TestDecodePubBatch(t *testing.T) {
	r1, r2 := pubRecordBytes("a.b", "", []byte("one")), pubRecordBytes("c", "_INBOX.x", nil)
	batch := append(append(r1, r2...), pubRecordBytes("d", "", []byte{0, 1, 2})...)
	var got []string
	require.NoError(t, decodePubBatch(batch, func(r pubRecord) {
		got = append(got, string(r.subject)+"|"+string(r.reply)+"|"+string(r.data))
	}))
	require.Equal(t, []string{"a.b||one", "c|_INBOX.x|", "d||\x00\x01\x02"}, got)

	for cut := 1; cut < len(batch); cut++ {
		n := 0
		err := decodePubBatch(batch[:cut], func(pubRecord) { n++ })
		if cut == len(r1) || cut == len(r1)+len(r2) { // ends exactly after a record
			require.NoError(t, err, "cut at %d", cut)
			continue
		}
		require.Error(t, err, "truncated at %d must not pass", cut)
	}
}

// readMsgBatch decodes appendMsgBatch's layout the way bridge.js's Reader does.
func readMsgBatch(t *testing.T, b []byte) []string {
	t.Helper()
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	var out []string
	field := func(width int) string {
		var l int
		if width == 2 {
			l = int(binary.LittleEndian.Uint16(b))
		} else {
			l = int(binary.LittleEndian.Uint32(b))
		}
		s := string(b[width : width+l])
		b = b[width+l:]
		return s
	}
	for range n {
		out = append(out, field(2)+"|"+field(2)+"|"+field(4)+"|"+field(4))
	}
	require.Empty(t, b, "nothing after the last message")
	return out
}

func TestAppendMsgBatch(t *testing.T) {
	hdr := wsnats.Header{"X-Multi": {"a", "b"}, "lower": {"v"}}
	msgs := []*wsnats.Msg{
		{Subject: "s.one", Data: []byte("hi")},
		{Subject: "s.two", Reply: "r", Header: hdr, Data: nil},
	}
	got := readMsgBatch(t, appendMsgBatch(nil, msgs))
	require.Equal(t, []string{
		"s.one|||hi",
		"s.two|r|NATS/1.0\r\nX-Multi: a\r\nX-Multi: b\r\nlower: v\r\n\r\n|",
	}, got)
}

func TestBuildOptionsRejectsBadValues(t *testing.T) {
	neg, zero := -1.0, 0
	for name, co := range map[string]connectOptions{
		"no servers":        {},
		"empty server":      {Servers: []string{""}},
		"negative timeout":  {Servers: []string{"ws://h:1"}, Timeout: &neg},
		"zero maxPingOut":   {Servers: []string{"ws://h:1"}, MaxPingOut: &zero},
		"pass without user": {Servers: []string{"ws://h:1"}, Pass: "x"},
	} {
		_, _, err := buildOptions(co)
		require.ErrorIs(t, err, errInvalidOption, name)
		require.Equal(t, codeInvalidOption, errorCode(err), name)
	}
	ms := 1500.0
	o, _, err := buildOptions(connectOptions{Servers: []string{"ws://h:1"}, Timeout: &ms, MaxReconnectAttempts: &zero})
	require.NoError(t, err)
	require.Equal(t, int64(1500), o.Timeout.Milliseconds())
	require.False(t, o.AllowReconnect, "maxReconnectAttempts 0 turns reconnecting off")
}

// A record over the subject limit is well framed: it is passed with err
// set, and the records after it decode intact.
func TestDecodePubBatchFlagsLongSubjects(t *testing.T) {
	long := string(make([]byte, maxSubjectBytes+1))
	edge := string(make([]byte, maxSubjectBytes))
	batch := pubRecordBytes("a", "", []byte("1"))
	batch = append(batch, pubRecordBytes(long, "", []byte("2"))...)
	batch = append(batch, pubRecordBytes("b", long, []byte("3"))...)
	batch = append(batch, pubRecordBytes(edge, edge, []byte("4"))...)
	var good, bad []string
	require.NoError(t, decodePubBatch(batch, func(r pubRecord) {
		if r.err != nil {
			require.ErrorIs(t, r.err, wsnats.ErrBadSubject)
			require.Equal(t, codeBadSubject, errorCode(r.err))
			bad = append(bad, string(r.data))
			return
		}
		good = append(good, string(r.data))
	}))
	require.Equal(t, []string{"1", "4"}, good)
	require.Equal(t, []string{"2", "3"}, bad)
}

// TestSubjectLimitMatchesBridgeJS checks that bridge.js refuses subjects
// at the same length as the Go client.
func TestSubjectLimitMatchesBridgeJS(t *testing.T) {
	src, err := os.ReadFile("../web/bridge.js")
	require.NoError(t, err)
	require.Contains(t, string(src), fmt.Sprintf("const MAX_SUBJECT_BYTES = %d;", wsnats.MaxSubjectLen))
}
