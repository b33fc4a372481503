//go:build !js

package wsnats

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// End-to-end benchmarks against an embedded server, wsnats (TCP and
// WebSocket) next to nats.go (TCP) in the same run. The server runs in the
// same process: allocs/op and CPU include its share of the work.

// benchClient is the little each benchmark needs from a client library.
type benchClient interface {
	publish(subj string, data []byte) error
	flush() error
	// subscribe calls fn for each message on subj, with no pending limits.
	subscribe(subj string, fn func()) error
	// respond answers every request on subj with an empty reply.
	respond(subj string) error
	request(subj string, data []byte) error
	// fullRetries is how often Publish found the outbound buffer full.
	fullRetries() int
	close()
}

type benchTarget struct {
	name    string
	connect func(b *testing.B) benchClient
}

// benchTargets starts a server and returns one connector per client/transport.
func benchTargets(b *testing.B) []benchTarget {
	s := startServer(b)
	return []benchTarget{
		{"wsnats-tcp", func(b *testing.B) benchClient { return connectWsnatsBench(b, s.ClientURL()) }},
		{"wsnats-ws", func(b *testing.B) benchClient { return connectWsnatsBench(b, s.WebsocketURL()) }},
		{"natsgo-tcp", func(b *testing.B) benchClient { return connectNatsGoBench(b, s.ClientURL()) }},
	}
}

var benchSizes = []struct {
	name string
	size int
}{{"16B", 16}, {"128B", 128}, {"1KiB", 1024}}

const benchWait = 30 * time.Second

// wsnatsBench adapts wsnats.
type wsnatsBench struct {
	c    *Conn
	full int
}

func connectWsnatsBench(b *testing.B, url string) *wsnatsBench {
	c, err := Connect(url, NoReconnect())
	if err != nil {
		b.Fatal(err)
	}
	return &wsnatsBench{c: c}
}

// publish retries after a Flush when the writer has fallen behind: that is
// what a caller of Publish is asked to do on ErrOutboundBufferFull.
func (w *wsnatsBench) publish(subj string, data []byte) error {
	for {
		err := w.c.Publish(subj, data)
		if err == nil || !errors.Is(err, ErrOutboundBufferFull) {
			return err
		}
		w.full++
		if err := w.flush(); err != nil {
			return err
		}
	}
}

func (w *wsnatsBench) flush() error {
	ctx, cancel := context.WithTimeout(context.Background(), benchWait)
	defer cancel()
	return w.c.Flush(ctx)
}

func (w *wsnatsBench) subscribe(subj string, fn func()) error {
	s, err := w.c.Subscribe(subj, func(*Msg) { fn() })
	if err != nil {
		return err
	}
	return s.SetPendingLimits(-1, -1)
}

func (w *wsnatsBench) respond(subj string) error {
	_, err := w.c.Subscribe(subj, func(m *Msg) { _ = m.Respond(nil) })
	return err
}

func (w *wsnatsBench) request(subj string, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), benchWait)
	defer cancel()
	_, err := w.c.Request(ctx, subj, data)
	return err
}

func (w *wsnatsBench) fullRetries() int { return w.full }
func (w *wsnatsBench) close()           { w.c.Close() }

// natsGoBench adapts nats.go.
type natsGoBench struct{ c *nats.Conn }

func connectNatsGoBench(b *testing.B, url string) *natsGoBench {
	c, err := nats.Connect(url, nats.NoReconnect())
	if err != nil {
		b.Fatal(err)
	}
	return &natsGoBench{c: c}
}

func (n *natsGoBench) publish(subj string, data []byte) error { return n.c.Publish(subj, data) }
func (n *natsGoBench) flush() error                           { return n.c.FlushTimeout(benchWait) }

func (n *natsGoBench) subscribe(subj string, fn func()) error {
	s, err := n.c.Subscribe(subj, func(*nats.Msg) { fn() })
	if err != nil {
		return err
	}
	return s.SetPendingLimits(-1, -1)
}

func (n *natsGoBench) respond(subj string) error {
	_, err := n.c.Subscribe(subj, func(m *nats.Msg) { _ = m.Respond(nil) })
	return err
}

func (n *natsGoBench) request(subj string, data []byte) error {
	_, err := n.c.Request(subj, data, benchWait)
	return err
}

func (n *natsGoBench) fullRetries() int { return 0 }
func (n *natsGoBench) close()           { n.c.Close() }

func reportFullRetries(b *testing.B, c benchClient) {
	if n := c.fullRetries(); n > 0 {
		b.ReportMetric(float64(n), "outbound-full-retries")
	}
}

// BenchmarkPublish publishes b.N messages nobody receives, then flushes:
// the time covers the messages reaching the server.
func BenchmarkPublish(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			for _, sz := range benchSizes {
				b.Run(sz.name, func(b *testing.B) {
					c := tg.connect(b)
					defer c.close()
					data := make([]byte, sz.size)
					b.SetBytes(int64(sz.size))
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						if err := c.publish("bench.pub", data); err != nil {
							b.Fatal(err)
						}
					}
					if err := c.flush(); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					reportFullRetries(b, c)
				})
			}
		})
	}
}

// BenchmarkPubSub publishes b.N messages on one connection and counts them
// back through a subscription on the same connection.
func BenchmarkPubSub(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			for _, sz := range benchSizes {
				b.Run(sz.name, func(b *testing.B) {
					c := tg.connect(b)
					defer c.close()
					var got atomic.Int64
					done := make(chan struct{})
					want := int64(b.N)
					if err := c.subscribe("bench.pubsub", func() {
						if got.Add(1) == want {
							close(done)
						}
					}); err != nil {
						b.Fatal(err)
					}
					if err := c.flush(); err != nil {
						b.Fatal(err)
					}
					data := make([]byte, sz.size)
					b.SetBytes(int64(sz.size))
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						if err := c.publish("bench.pubsub", data); err != nil {
							b.Fatal(err)
						}
					}
					if err := c.flush(); err != nil {
						b.Fatal(err)
					}
					select {
					case <-done:
					case <-time.After(benchWait):
						b.Fatalf("received %d of %d messages", got.Load(), b.N)
					}
					b.StopTimer()
					reportFullRetries(b, c)
				})
			}
		})
	}
}

// BenchmarkRequestReply sends b.N requests one after the other to a
// responder on another connection of the same client and transport, and
// reports the latency percentiles.
func BenchmarkRequestReply(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			responder := tg.connect(b)
			defer responder.close()
			if err := responder.respond("bench.req"); err != nil {
				b.Fatal(err)
			}
			if err := responder.flush(); err != nil {
				b.Fatal(err)
			}
			c := tg.connect(b)
			defer c.close()
			if err := c.request("bench.req", nil); err != nil { // warm up the reply subscription
				b.Fatal(err)
			}
			data := make([]byte, 16)
			lat := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if err := c.request("bench.req", data); err != nil {
					b.Fatal(err)
				}
				lat[i] = time.Since(start)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(percentile(lat, 0.50), "p50-µs")
			b.ReportMetric(percentile(lat, 0.99), "p99-µs")
		})
	}
}

// percentile returns the p-th quantile of sorted, in microseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i].Nanoseconds()) / 1e3
}
