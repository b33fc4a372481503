//go:build !js

package wsnats

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// These tests break a connection while a burst of publishes is on its way
// and count, at an independent nats.go observer on another server of the
// cluster, what arrived. A publish the client accepted must arrive, or be
// counted in the PossiblyLost of the Disconnected event (bytes the kernel
// had taken when the connection broke). nats.go runs the same scenario
// through the same kind of proxy, as the reference for what the kernel's
// share costs.

const (
	lossMsgs    = 200_000
	lossPayload = 128
	lossSubject = "loss.seq"
)

// seqPayload is a payload of lossPayload bytes that starts with n.
func seqPayload(n int) []byte {
	b := make([]byte, lossPayload)
	copy(b, fmt.Appendf(nil, "%010d", n))
	return b
}

// seqCounter counts the numbered payloads an observer receives.
type seqCounter struct {
	mu    sync.Mutex
	seen  []bool
	count int
	dups  int
	bad   int
	last  int
	got   chan struct{} // closed when the number awaited arrives
	await int
}

func newSeqCounter(n int) *seqCounter { return &seqCounter{seen: make([]bool, n), last: -1, await: -1} }

func (s *seqCounter) add(data []byte) {
	n, err := strconv.Atoi(string(data[:min(len(data), 10)]))
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil || n < 0 || n >= len(s.seen):
		s.bad++
		return
	case s.seen[n]:
		s.dups++
		return
	}
	s.seen[n] = true
	s.count++
	s.last = n
	if n == s.await && s.got != nil {
		close(s.got)
		s.got = nil
	}
}

// waitFor waits until number n arrived.
func (s *seqCounter) waitFor(t *testing.T, n int, d time.Duration) {
	t.Helper()
	s.mu.Lock()
	if s.seen[n] {
		s.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	s.got, s.await = ch, n
	s.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("number %d did not arrive within %v (%d arrived)", n, d, s.received())
	}
}

// missingRuns lists the runs of numbers that did not arrive.
func (s *seqCounter) missingRuns() [][2]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var runs [][2]int
	for i, ok := range s.seen {
		switch {
		case ok:
		case len(runs) > 0 && runs[len(runs)-1][1] == i-1:
			runs[len(runs)-1][1] = i
		default:
			runs = append(runs, [2]int{i, i})
		}
	}
	return runs
}

func (s *seqCounter) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// lossCluster is two routed servers: A, which the client reaches through a
// fault proxy, and B, its failover, where the observer sits.
type lossCluster struct {
	a, b  *natsserver.Server
	proxy *faultProxy
	obs   *seqCounter
	marks *nats.Conn // on A: its route to B carries a marker after the stream
	msub  *nats.Subscription
}

func startLossCluster(t *testing.T) *lossCluster {
	b := startServer(t, clustered("B"))
	a := startServer(t, clustered("A", routeURL(b)))
	waitRoutes(t, 1, a, b)
	lc := &lossCluster{a: a, b: b, obs: newSeqCounter(lossMsgs)}
	obs, err := nats.Connect(b.ClientURL(), nats.Name("loss-observer"))
	require.NoError(t, err)
	t.Cleanup(obs.Close)
	sub, err := obs.Subscribe(lossSubject, func(m *nats.Msg) { lc.obs.add(m.Data) })
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	lc.msub, err = obs.SubscribeSync("loss.mark")
	require.NoError(t, err)
	require.NoError(t, obs.Flush())
	waitInterest(t, a, lossSubject, 1)
	waitInterest(t, a, "loss.mark", 1)
	lc.marks, err = nats.Connect(a.ClientURL())
	require.NoError(t, err)
	t.Cleanup(lc.marks.Close)
	return lc
}

// settle waits until what A received before the fault has crossed the
// route: a marker sent through A after it arrives at the observer after it.
func (lc *lossCluster) settle(t *testing.T) {
	t.Helper()
	require.NoError(t, lc.marks.Publish("loss.mark", nil))
	require.NoError(t, lc.marks.Flush())
	_, err := lc.msub.NextMsg(resilWait)
	require.NoError(t, err)
}

// lossResult is what one client's run gave.
type lossResult struct {
	accepted, received, dups int
	reported                 Loss // wsnats: PossiblyLost of the disconnect
	flushErr                 error
}

func (r lossResult) lost() int { return r.accepted - r.received }

// runWsnatsLoss publishes lossMsgs through the proxy to A while the proxy
// lets stallAfter bytes through and then stops reading, resets the
// connection, and lets the client fail over to B.
func runWsnatsLoss(t *testing.T, scheme string, stallAfter int64) lossResult {
	lc := startLossCluster(t)
	urlOf := (*natsserver.Server).ClientURL
	if scheme == "ws" {
		urlOf = (*natsserver.Server).WebsocketURL
	}
	target := urlOf(lc.a)
	lc.proxy = newFaultProxy(t, target[len(scheme)+3:])
	viaProxy := scheme + "://" + lc.proxy.addr()
	nc := connect(t, viaProxy+","+urlOf(lc.b), DontRandomize(), IgnoreDiscoveredServers(),
		ReconnectWait(10*time.Millisecond), ReconnectJitter(0), OutboundLimit(64<<20), ReconnectBufSize(64<<20))
	rec := logEvents(nc)
	require.NoError(t, nc.Flush(ctxTimeout(t, resilWait)))
	lc.proxy.stall(stallAfter)

	for i := range lossMsgs {
		require.NoError(t, nc.Publish(lossSubject, seqPayload(i)), "publish %d", i)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- nc.Flush(ctxTimeout(t, 4*resilWait)) }()
	// The writer is stuck on the stalled proxy with most of the burst still
	// queued or taken: wait until the kernel buffers are full (nothing
	// moves for a while), then reset.
	requireStuck(t, func() int { return nc.Buffered() })
	lc.proxy.reset()
	disc := rec.waitType(t, EventDisconnected)
	rec.waitType(t, EventReconnected)
	res := lossResult{accepted: lossMsgs, reported: disc.PossiblyLost}
	res.flushErr = <-flushed
	lc.obs.waitFor(t, lossMsgs-1, 4*resilWait)
	lc.settle(t)
	res.received, res.dups = lc.obs.received(), lc.obs.dups
	require.Zero(t, lc.obs.bad)
	return res
}

// runNatsGoLoss runs the same scenario with nats.go as the client. Its
// Publish blocks once its buffer and the kernel's are full; the reset comes
// once it is stuck.
func runNatsGoLoss(t *testing.T, stallAfter int64) lossResult {
	lc := startLossCluster(t)
	lc.proxy = newFaultProxy(t, lc.a.ClientURL()[len("nats://"):])
	reconnected := make(chan struct{}, 1)
	nc, err := nats.Connect("nats://"+lc.proxy.addr()+","+lc.b.ClientURL(), nats.DontRandomize(),
		nats.IgnoreDiscoveredServers(), nats.ReconnectWait(10*time.Millisecond), nats.ReconnectJitter(0, 0),
		nats.ReconnectBufSize(64<<20), nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.NoError(t, nc.Flush())
	lc.proxy.stall(stallAfter)
	var published atomic.Int64
	var accepted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range lossMsgs {
			if nc.Publish(lossSubject, seqPayload(i)) == nil {
				accepted.Add(1)
			}
			published.Add(1)
		}
	}()
	requireStuck(t, func() int { return int(published.Load()) })
	lc.proxy.reset()
	select {
	case <-reconnected:
	case <-time.After(resilWait):
		t.Fatal("nats.go did not reconnect")
	}
	<-done
	require.NoError(t, nc.FlushTimeout(4*resilWait))
	lc.settle(t)
	return lossResult{accepted: int(accepted.Load()), received: lc.obs.received(), dups: lc.obs.dups}
}

// requireStuck waits until progress() has not changed for 200 ms: the
// writer (or nats.go's publisher) is blocked on the stalled proxy.
func requireStuck(t *testing.T, progress func() int) {
	t.Helper()
	deadline := time.Now().Add(4 * resilWait)
	last, since := progress(), time.Now()
	for time.Since(since) < 200*time.Millisecond {
		require.True(t, time.Now().Before(deadline), "the client never got stuck on the stalled proxy")
		time.Sleep(10 * time.Millisecond)
		if p := progress(); p != last {
			last, since = p, time.Now()
		}
	}
}

// TestLossResetWithBurst: nothing the client accepted is lost beyond what
// the kernel held at the reset, that share is reported, and wsnats loses no
// more than nats.go in the same scenario. Two variants: the server reads
// nothing of the burst, or 2 MiB of it before it stops reading.
func TestLossResetWithBurst(t *testing.T) {
	for _, stall := range []int64{0, 2 << 20} {
		t.Run(fmt.Sprintf("stall-after-%d", stall), func(t *testing.T) {
			ref := runNatsGoLoss(t, stall)
			require.Zero(t, ref.dups, "nats.go delivered a message twice")
			t.Logf("nats.go: %d accepted, %d lost", ref.accepted, ref.lost())
			for _, scheme := range []string{"nats", "ws"} {
				t.Run(scheme, func(t *testing.T) {
					res := runWsnatsLoss(t, scheme, stall)
					t.Logf("wsnats %s: %d accepted, %d lost, reported possibly lost %v, Flush: %v",
						scheme, res.accepted, res.lost(), res.reported, res.flushErr)
					require.Zero(t, res.dups, "a message arrived twice")
					require.LessOrEqual(t, res.lost(), res.reported.Msgs, "lost more than reported")
					if res.reported.Msgs > 0 {
						require.ErrorIs(t, res.flushErr, ErrPossiblyLost, "Flush must not claim delivery")
					} else {
						require.NoError(t, res.flushErr)
					}
					// What may be lost is what the kernel held: the client's send
					// buffer and the proxy's receive buffer, not the rest of the
					// burst. (And in the second variant the 2 MiB the server read
					// and processed without confirming.)
					bound := kernelSendBufferMax(t) + 2*proxyReadBuffer + int(stall) + 2*confirmBytes
					require.Less(t, res.reported.Bytes, bound, "reported more than kernel buffers hold")
					require.LessOrEqual(t, res.lost(), ref.lost()*5/4+1000, "wsnats lost more than nats.go")
				})
			}
		})
	}
}

// kernelSendBufferMax is the most a TCP socket's send buffer may grow to
// (Linux's tcp_wmem), 4 MiB where that cannot be read.
func kernelSendBufferMax(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if err != nil {
		return 4 << 20
	}
	f := strings.Fields(string(b))
	n, err := strconv.Atoi(f[len(f)-1])
	require.NoError(t, err)
	return n
}

// TestLossNodeDownTwice: a publisher pinned to one node of a 3-node
// cluster keeps publishing while that node goes down for a second, twice.
// wsnats and nats.go publish side by side, at the same pace, to the same
// node; an observer on another node counts both streams. Both clients
// reconnect only once the restarted node has its routes and the
// observer's interest back (a gate in their reconnect delay), so what is
// lost is what the clients lost. wsnats may lose no more than nats.go,
// and must report it.
func TestLossNodeDownTwice(t *testing.T) {
	// One route per pair: with pooled routes, a restarted node may count
	// its routes as up while the connection its account's traffic takes is not.
	single := func(o *natsserver.Options) { o.Cluster.PoolSize = -1 }
	s3 := startServer(t, clustered("N3"), single)
	s2 := startServer(t, clustered("N2", routeURL(s3)), single)
	s1 := startServer(t, clustered("N1", routeURL(s3), routeURL(s2)), single)
	waitRoutes(t, 2, s1, s2, s3)
	ports := portsOf(t, s1)
	url := s1.ClientURL()

	obsW, obsN := newSeqCounter(lossMsgs), newSeqCounter(lossMsgs)
	obs, err := nats.Connect(s3.ClientURL())
	require.NoError(t, err)
	t.Cleanup(obs.Close)
	for subj, cnt := range map[string]*seqCounter{"down.wsnats": obsW, "down.natsgo": obsN} {
		sub, err := obs.Subscribe(subj, func(m *nats.Msg) { cnt.add(m.Data) })
		require.NoError(t, err)
		require.NoError(t, sub.SetPendingLimits(-1, -1))
	}
	require.NoError(t, obs.Flush())
	waitInterest(t, s1, "down.wsnats", 1)
	waitInterest(t, s1, "down.natsgo", 1)

	var open atomic.Bool // the gate: reconnect attempts go ahead only when open
	open.Store(true)
	delay := func(int) time.Duration {
		if open.Load() {
			return 5 * time.Millisecond
		}
		return 20 * time.Millisecond
	}
	var acceptedW, acceptedN, refusedW atomic.Int64
	wc := connect(t, url, IgnoreDiscoveredServers(), MaxReconnects(-1), CustomReconnectDelay(delay))
	rec := logEvents(wc)
	ng, err := nats.Connect(url, nats.IgnoreDiscoveredServers(), nats.MaxReconnects(-1), nats.CustomReconnectDelay(delay))
	require.NoError(t, err)
	t.Cleanup(ng.Close)

	// Both publish 500 numbers every 10 ms; a refused publish is retried.
	var wg sync.WaitGroup
	pace := func(publish func(i int) error, accepted, refused *atomic.Int64) {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < lossMsgs; {
			<-tick.C
			for end := min(i+500, lossMsgs); i < end; {
				if publish(i) != nil {
					if refused != nil {
						refused.Add(1)
					}
					break // retry at the next tick
				}
				accepted.Add(1)
				i++
			}
		}
	}
	wg.Add(2)
	go pace(func(i int) error { return wc.Publish("down.wsnats", seqPayload(i)) }, &acceptedW, &refusedW)
	go pace(func(i int) error { return ng.Publish("down.natsgo", seqPayload(i)) }, &acceptedN, nil)

	for round := range 2 {
		time.Sleep(500 * time.Millisecond)
		open.Store(false)
		s1.Shutdown()
		s1.WaitForShutdown()
		time.Sleep(time.Second)
		s1 = startServer(t, clustered("N1", routeURL(s3), routeURL(s2)), single, ports.apply)
		waitRoutes(t, 2, s1)
		waitInterest(t, s1, "down.wsnats", 1)
		waitInterest(t, s1, "down.natsgo", 1)
		open.Store(true)
		rec.waitFor(t, 2*resilWait, "reconnect", func(ev Event) bool {
			return ev.Type == EventReconnected && wc.Stats().Reconnects == uint64(round+1)
		})
	}
	wg.Wait()
	require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
	require.NoError(t, ng.FlushTimeout(resilWait))
	obsW.waitFor(t, lossMsgs-1, resilWait)
	obsN.waitFor(t, lossMsgs-1, resilWait)

	t.Logf("wsnats missing: %v; nats.go missing: %v", obsW.missingRuns(), obsN.missingRuns())
	var reported int
	for _, ev := range rec.list() {
		if ev.Type == EventDisconnected {
			reported += ev.PossiblyLost.Msgs
		}
	}
	lostW := int(acceptedW.Load()) - obsW.received()
	lostN := int(acceptedN.Load()) - obsN.received()
	t.Logf("wsnats: %d accepted (%d refused and retried), %d lost (%.2f%%), reported possibly lost %d; nats.go: %d accepted, %d lost (%.2f%%)",
		acceptedW.Load(), refusedW.Load(), lostW, 100*float64(lostW)/lossMsgs, reported, acceptedN.Load(), lostN, 100*float64(lostN)/lossMsgs)
	require.Zero(t, obsW.dups+obsN.dups, "a message arrived twice")
	require.LessOrEqual(t, lostW, reported, "lost more than reported")
	require.LessOrEqual(t, lostW, lostN*5/4+1000, "wsnats lost more than nats.go") // a tick of slack: the one in flight
}

// TestCloseWritesWhatIsQueued: Close without Flush still writes what was
// accepted, as nats.go does, and reports nothing unsent.
func TestCloseWritesWhatIsQueued(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t)
		obs := newSeqCounter(lossMsgs)
		ng, err := nats.Connect(s.ClientURL())
		require.NoError(t, err)
		t.Cleanup(ng.Close)
		sub, err := ng.Subscribe("close.seq", func(m *nats.Msg) { obs.add(m.Data) })
		require.NoError(t, err)
		require.NoError(t, sub.SetPendingLimits(-1, -1))
		require.NoError(t, ng.Flush())

		closed := make(chan Event, 1)
		nc := connect(t, urlOf(s))
		nc.OnEvent(func(ev Event) {
			if ev.Type == EventClosed {
				closed <- ev
			}
		})
		const n = 50_000
		for i := range n {
			require.NoError(t, nc.Publish("close.seq", seqPayload(i)))
		}
		nc.Close()
		ev := <-closed
		require.Equal(t, Loss{}, ev.Unsent)
		obs.waitFor(t, n-1, resilWait)
		require.Equal(t, n, obs.received())
	})
}

// TestCloseWhileDisconnectedCountsUnsent: publishes kept for a reconnect
// that never comes are counted in Event.Unsent when Close drops them.
func TestCloseWhileDisconnectedCountsUnsent(t *testing.T) {
	s := startServer(t)
	nc := connect(t, s.ClientURL(), ReconnectWait(time.Hour))
	rec := logEvents(nc)
	s.Shutdown()
	rec.waitType(t, EventDisconnected)
	for i := range 10 {
		require.NoError(t, nc.Publish("unsent", seqPayload(i)))
	}
	nc.Close()
	ev := rec.waitType(t, EventClosed)
	require.Equal(t, 10, ev.Unsent.Msgs)
	require.Equal(t, 10*pubLen("unsent", "", 0, lossPayload), ev.Unsent.Bytes)
}
