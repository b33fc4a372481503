package wsnats

import (
	"strconv"
	"testing"
)

// benchBufSize is roughly how much data each benchmark iteration parses.
const benchBufSize = 64 << 10

// repeatMsg concatenates copies of msg into a buffer of about benchBufSize
// bytes and returns it with the number of copies.
func repeatMsg(msg []byte) ([]byte, int) {
	n := max(1, benchBufSize/len(msg))
	buf := make([]byte, 0, n*len(msg))
	for range n {
		buf = append(buf, msg...)
	}
	return buf, n
}

// benchParse parses buf, which holds count messages, once per iteration,
// in chunks of chunk bytes (0: whole).
func benchParse(b *testing.B, buf []byte, count, chunk int) {
	var p parser
	var h protoHandler = nopHandler{}
	var chunks [][]byte
	if chunk > 0 {
		chunks = chunked(buf, chunk)
	} else {
		chunks = [][]byte{buf}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range chunks {
			if err := p.parse(c, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*count), "ns/msg")
}

// BenchmarkParseMsg parses a buffer of MSGs with a reply subject, whole and
// in the 4096-byte frames nats-server sends to WebSocket clients.
func BenchmarkParseMsg(b *testing.B) {
	for _, size := range []int{16, 128, 1024} {
		buf, n := repeatMsg(makeMsg(size))
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) { benchParse(b, buf, n, 0) })
		b.Run(strconv.Itoa(size)+"B/4KiB-frames", func(b *testing.B) { benchParse(b, buf, n, 4096) })
	}
}

// BenchmarkParseHMsg parses a buffer of HMSGs with a two-field header block.
func BenchmarkParseHMsg(b *testing.B) {
	for _, size := range []int{16, 128, 1024} {
		buf, n := repeatMsg(makeHMsg(size))
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) { benchParse(b, buf, n, 0) })
	}
}
