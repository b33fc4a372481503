package wsnats

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// sentStream is a stream of commands as the client writes them, cut into
// blocks the way outbound cuts it, with the offsets where commands start
// (the oracle: known from construction, not from scanning).
type sentStream struct {
	blocks []block
	bytes  []byte
	starts []int  // command start offsets, then len(bytes)
	pub    []bool // whether command i is a publish
	pings  []int  // end offsets of the PINGs
}

func makeSentStream(blockSize int) *sentStream {
	s := &sentStream{}
	var cur block
	add := func(cmd []byte, pub bool) {
		if len(cur.b)+len(cmd) > blockSize && len(cur.b) > 0 {
			s.blocks = append(s.blocks, cur)
			cur = block{}
		}
		s.starts = append(s.starts, len(s.bytes))
		s.pub = append(s.pub, pub)
		s.bytes = append(s.bytes, cmd...)
		cur.b = append(cur.b, cmd...)
		if pub {
			cur.msgs++
		}
		if bytes.Equal(cmd, []byte(pingCmd)) {
			s.pings = append(s.pings, len(s.bytes))
		}
	}
	hdr := appendHeader(nil, Header{"K": {"v"}})
	for i := range 24 {
		data := bytes.Repeat([]byte{'a' + byte(i%26)}, (i*7)%23)
		switch i % 6 {
		case 0, 1, 4:
			add(appendPub(nil, fmt.Sprintf("s.%d", i), "", data), true)
		case 2:
			add(appendHPub(nil, "h", "_INBOX.x", hdr, data), true)
		case 3:
			add(appendSub(nil, "s.>", "", uint64(i)), false)
		case 5:
			add([]byte(pingCmd), false)
		}
	}
	s.blocks = append(s.blocks, cur)
	s.starts = append(s.starts, len(s.bytes))
	return s
}

// commandAt returns the index of the command that holds offset off (the
// end of the stream when off is past it).
func (s *sentStream) commandAt(off int) int {
	for i := 0; i+1 < len(s.starts); i++ {
		if off < s.starts[i+1] {
			return i
		}
	}
	return len(s.starts) - 1
}

// pubsFrom returns the publish commands from offset off (a command
// start) on.
func (s *sentStream) pubsFrom(off int) []byte {
	var out []byte
	for i := 0; i+1 < len(s.starts); i++ {
		if s.starts[i] >= off && s.pub[i] {
			out = append(out, s.bytes[s.starts[i]:s.starts[i+1]]...)
		}
	}
	return out
}

func (s *sentStream) pubsBefore(off int) int {
	n := 0
	for i := 0; i+1 < len(s.starts) && s.starts[i] < off; i++ {
		if s.pub[i] {
			n++
		}
	}
	return n
}

// TestSentLogSettleAtEverySplit hands the stream over up to every offset,
// with every amount of it still unsent in the transport and every PING
// confirmed or not, and checks what settle gives back and counts: the
// commands from the one holding the first unsent byte on, whole and in
// order; nothing the server confirmed; and as possibly lost exactly the
// publishes between the confirmation and those.
func TestSentLogSettleAtEverySplit(t *testing.T) {
	for _, blockSize := range []int{1, 40, 1 << 20} {
		st := makeSentStream(blockSize)
		total := len(st.bytes)
		confirms := append([]int{0}, st.pings...)
		for _, conf := range confirms {
			for handed := conf; handed <= total; handed++ {
				for unsent := 0; unsent <= handed; unsent += 1 + unsent/4 {
					var s sentLog
					s.take(st.blocks)
					s.wrote(st.blocks, int64(handed), unsent+total) // nothing leaves: all kept
					if conf > 0 {
						s.confirm(int64(conf), int64(st.pubsBefore(conf)))
					}
					again, lost := s.settle(unsent)

					from := max(handed-unsent, conf)
					cut := st.starts[st.commandAt(from)]
					if from == total {
						cut = total
					}
					name := fmt.Sprintf("block %d, confirmed %d, handed %d, unsent %d", blockSize, conf, handed, unsent)
					var got []byte
					msgs := 0
					for _, b := range again {
						got = append(got, b.b...)
						msgs += b.msgs
					}
					require.Equal(t, string(st.pubsFrom(cut)), string(got), name)
					require.Equal(t, st.pubsBefore(total)-st.pubsBefore(cut), msgs, name+": publishes written again")
					require.Equal(t, Loss{Msgs: st.pubsBefore(cut) - st.pubsBefore(conf), Bytes: cut - conf}, lost, name)
					require.Equal(t, sentLog{}, s, "settle empties the log")
				}
			}
		}
	}
}

// TestSentLogKeepsWhatTheTransportMayHold checks that written blocks stay
// only while the transport may still hold them unsent, and that what left
// is handed back for reuse.
func TestSentLogKeepsWhatTheTransportMayHold(t *testing.T) {
	st := makeSentStream(40)
	total := len(st.bytes)
	var s sentLog
	s.take(st.blocks)
	done := s.wrote(st.blocks, int64(total), 0)
	require.Len(t, done, len(st.blocks), "natively nothing is kept")
	require.Empty(t, s.kept)
	again, lost := s.settle(0)
	require.Empty(t, again)
	require.Equal(t, Loss{Msgs: st.pubsBefore(total), Bytes: total}, lost, "all of it unconfirmed")

	s = sentLog{}
	s.take(st.blocks)
	pending := 50
	done = s.wrote(st.blocks, int64(total), pending)
	keptBytes := 0
	for _, b := range s.kept {
		keptBytes += len(b.b)
	}
	require.GreaterOrEqual(t, keptBytes, pending, "the blocks the transport may hold stay")
	require.Less(t, keptBytes-len(s.kept[0].b), pending, "no more than those")
	require.Len(t, done, len(st.blocks)-len(s.kept))
	again, _ = s.settle(pending)
	var got []byte
	for _, b := range again {
		got = append(got, b.b...)
	}
	require.Equal(t, st.pubsFrom(st.starts[st.commandAt(total-pending)]), got)
}

func TestCommandLen(t *testing.T) {
	hdr := appendHeader(nil, Header{"A": {"1"}})
	for _, cmd := range [][]byte{
		appendPub(nil, "a", "", nil),
		appendPub(nil, "a.b", "r", []byte("hello\r\nPUB x 1\r\n")),
		appendHPub(nil, "a", "", hdr, []byte("x")),
		appendHPub(nil, "a", "r", hdr, nil),
		appendSub(nil, "a", "q", 7),
		appendUnsub(nil, 7, 3),
		[]byte(pingCmd), []byte(pongCmd),
	} {
		require.Equal(t, len(cmd), commandLen(append(cmd, "PING\r\n"...)), "%q", cmd)
	}
	require.Equal(t, 3, commandLen([]byte("PUB")), "no line end: the rest")
	require.Equal(t, 14, commandLen([]byte("PUB a x\r\n12345")), "a bad size: the rest")
}
