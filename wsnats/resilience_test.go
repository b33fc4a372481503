//go:build !js

package wsnats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// These tests break real servers under a running client: restarts,
// cluster failover, lame duck mode, black-holed links. Each runs over TCP
// and over WebSocket where both make sense.

const (
	resilWait   = 5 * time.Second // bound of every wait
	publishTick = 2 * time.Millisecond
	heldDelay   = time.Hour // a backoff that only ReconnectNow ends
)

// forEachScheme runs fn once for TCP and once for WebSocket; url picks
// the matching URL of a server.
func forEachScheme(t *testing.T, fn func(t *testing.T, url func(*natsserver.Server) string)) {
	urls := map[string]func(*natsserver.Server) string{
		"tcp": (*natsserver.Server).ClientURL,
		"ws":  (*natsserver.Server).WebsocketURL,
	}
	for _, name := range slices.Sorted(maps.Keys(urls)) {
		t.Run(name, func(t *testing.T) { fn(t, urls[name]) })
	}
}

// clustered puts a server in the test cluster under name, with routes to
// the given cluster URLs.
func clustered(name string, routes ...string) func(*natsserver.Options) {
	return func(o *natsserver.Options) {
		o.ServerName = name
		o.Cluster.Name = "wsnats-resilience"
		o.Cluster.Host = "127.0.0.1"
		o.Cluster.Port = -1
		if len(routes) > 0 {
			o.Routes = natsserver.RoutesFromStr(strings.Join(routes, ","))
		}
	}
}

func routeURL(s *natsserver.Server) string {
	return fmt.Sprintf("nats://127.0.0.1:%d", s.ClusterAddr().Port)
}

func waitRoutes(t *testing.T, n int, servers ...*natsserver.Server) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, s := range servers {
			if s.NumRoutes() < n {
				return false
			}
		}
		return true
	}, resilWait, 5*time.Millisecond, "routes did not form")
}

// waitInterest waits until s knows at least n subscriptions matching subj
// (local or through routes).
func waitInterest(t *testing.T, s *natsserver.Server, subj string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.GlobalAccount().Interest(subj) >= n },
		resilWait, 2*time.Millisecond, "no interest in %s on %s", subj, s.Name())
}

// serverPorts are the listening ports of a server, to start its successor
// on the same ones.
type serverPorts struct{ client, ws, cluster int }

func portsOf(t *testing.T, s *natsserver.Server) serverPorts {
	u, err := url.Parse(s.WebsocketURL())
	require.NoError(t, err)
	ws, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	p := serverPorts{client: s.Addr().(*net.TCPAddr).Port, ws: ws}
	if ca := s.ClusterAddr(); ca != nil {
		p.cluster = ca.Port
	}
	return p
}

func (p serverPorts) apply(o *natsserver.Options) {
	o.Port, o.Websocket.Port = p.client, p.ws
	if p.cluster > 0 {
		o.Cluster.Port = p.cluster
	}
}

// --- events -----------------------------------------------------------------

type loggedEvent struct {
	Event
	At time.Time
}

// episodeLog records a connection's events with the time they were delivered.
type episodeLog struct {
	disconnected atomic.Bool // a Disconnected event was delivered

	mu      sync.Mutex
	evs     []loggedEvent
	changed chan struct{}
}

func logEvents(nc *Conn) *episodeLog {
	r := &episodeLog{changed: make(chan struct{})}
	nc.OnEvent(r.add)
	return r
}

func (r *episodeLog) add(ev Event) {
	if ev.Type == EventDisconnected {
		r.disconnected.Store(true)
	}
	r.mu.Lock()
	r.evs = append(r.evs, loggedEvent{Event: ev, At: time.Now()})
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// waitFor returns the first recorded event that matches, waiting for it.
func (r *episodeLog) waitFor(t *testing.T, d time.Duration, what string, match func(Event) bool) loggedEvent {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, ev := range r.evs {
			if match(ev.Event) {
				r.mu.Unlock()
				return ev
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no %s event within %v; events: %s", what, d, r)
		}
	}
}

func (r *episodeLog) waitType(t *testing.T, typ EventType) loggedEvent {
	t.Helper()
	return r.waitFor(t, resilWait, string(typ), func(ev Event) bool { return ev.Type == typ })
}

// list returns the events so far, without Connected (which may be
// delivered before the recorder was registered).
func (r *episodeLog) list() []loggedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []loggedEvent
	for _, ev := range r.evs {
		if ev.Type != EventConnected {
			out = append(out, ev)
		}
	}
	return out
}

func (r *episodeLog) String() string {
	var b strings.Builder
	for _, ev := range r.list() {
		fmt.Fprintf(&b, "[%s", ev.Type)
		if ev.Type == EventReconnecting {
			fmt.Fprintf(&b, " #%d in %v", ev.Attempt, ev.Delay)
		}
		if ev.Err != nil {
			fmt.Fprintf(&b, " %v", ev.Err)
		}
		b.WriteString("] ")
	}
	return b.String()
}

// requireEpisode checks that the events are exactly one disconnect, the
// reconnect attempts numbered 1..n, and the reconnect; it returns them.
func requireEpisode(t *testing.T, r *episodeLog) (disc loggedEvent, attempts []loggedEvent, reconn loggedEvent) {
	t.Helper()
	evs := r.list()
	require.GreaterOrEqual(t, len(evs), 3, "events: %s", r)
	require.Equal(t, EventDisconnected, evs[0].Type, "events: %s", r)
	require.Equal(t, EventReconnected, evs[len(evs)-1].Type, "events: %s", r)
	for i, ev := range evs[1 : len(evs)-1] {
		require.Equal(t, EventReconnecting, ev.Type, "events: %s", r)
		require.Equal(t, i+1, ev.Attempt, "events: %s", r)
	}
	return evs[0], evs[1 : len(evs)-1], evs[len(evs)-1]
}

// --- numbered streams -----------------------------------------------------------

// seqPublisher publishes 0, 1, 2, ... to a subject at a steady rate and
// notes the first number published after the Disconnected event.
type seqPublisher struct {
	n          atomic.Int64 // numbers published so far
	firstAfter atomic.Int64 // first number published after the disconnect, -1 before
	stopCh     chan struct{}
	done       chan error
}

func startPublisher(t *testing.T, nc *Conn, subj string, rec *episodeLog) *seqPublisher {
	return startBurstPublisher(t, nc, subj, rec, 1)
}

// startBurstPublisher publishes burst numbers per tick.
func startBurstPublisher(t *testing.T, nc *Conn, subj string, rec *episodeLog, burst int) *seqPublisher {
	p := &seqPublisher{stopCh: make(chan struct{}), done: make(chan error, 1)}
	p.firstAfter.Store(-1)
	go func() {
		tick := time.NewTicker(publishTick)
		defer tick.Stop()
		for i := int64(0); ; i++ {
			if i%int64(burst) == 0 {
				select {
				case <-p.stopCh:
					p.done <- nil
					return
				case <-tick.C:
				}
			}
			if rec.disconnected.Load() && p.firstAfter.Load() < 0 {
				p.firstAfter.Store(i)
			}
			if err := nc.Publish(subj, strconv.AppendInt(nil, i, 10)); err != nil {
				p.done <- fmt.Errorf("publish %d: %w", i, err)
				return
			}
			p.n.Store(i + 1)
		}
	}()
	t.Cleanup(p.stopNow)
	return p
}

func (p *seqPublisher) stopNow() {
	select {
	case <-p.stopCh:
	default:
		close(p.stopCh)
	}
}

// stop ends the stream and returns how many numbers were published.
func (p *seqPublisher) stop(t *testing.T) int {
	t.Helper()
	p.stopNow()
	require.NoError(t, <-p.done)
	return int(p.n.Load())
}

// seqs collects the numbers that arrive on a subscription.
type seqs struct {
	mu  sync.Mutex
	got []int
}

func (s *seqs) add(data []byte) {
	n, err := strconv.Atoi(string(data))
	if err != nil {
		n = -1
	}
	s.mu.Lock()
	s.got = append(s.got, n)
	s.mu.Unlock()
}

func (s *seqs) snapshot() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func (s *seqs) waitLast(t *testing.T, last int) []int {
	t.Helper()
	require.Eventually(t, func() bool {
		got := s.snapshot()
		return len(got) > 0 && got[len(got)-1] == last
	}, resilWait, 2*time.Millisecond, "number %d did not arrive", last)
	return s.snapshot()
}

// requireStream checks a received stream of 0..n-1: no number twice, all
// from firstAfter on present and in order. It returns how many numbers
// before firstAfter were lost (in flight at the fault).
//
// Numbers published before the disconnect event may arrive after later
// ones: they can travel through the old server and a route while later ones
// go straight to the new server, and NATS orders messages per connection
// path only.
func requireStream(t *testing.T, who string, got []int, firstAfter, n int) int {
	t.Helper()
	have := map[int]bool{}
	prev := -1
	for _, v := range got {
		require.False(t, have[v], "%s: %d arrived twice", who, v)
		require.True(t, v >= 0 && v < n, "%s: %d was never published", who, v)
		have[v] = true
		if v >= firstAfter {
			require.Greater(t, v, prev, "%s: %d after %d (out of order)", who, v, prev)
			prev = v
		}
	}
	for v := firstAfter; v < n; v++ {
		require.True(t, have[v], "%s: %d, published after the disconnect, was lost", who, v)
	}
	return n - len(got)
}

func natsGoStream(t *testing.T, url, subj string) (*nats.Conn, *seqs) {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("resilience-natsgo"), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	s := &seqs{}
	sub, err := nc.Subscribe(subj, func(m *nats.Msg) { s.add(m.Data) })
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	require.NoError(t, nc.Flush())
	return nc, s
}

func wsnatsStream(t *testing.T, nc *Conn, subj string) *seqs {
	t.Helper()
	s := &seqs{}
	sub, err := nc.Subscribe(subj, func(m *Msg) { s.add(m.Data) })
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	return s
}

// --- (a) server restart -----------------------------------------------------

// A numbered stream is published from wsnats at a steady rate while its
// server is shut down and started again on the same ports. The nats.go
// subscriber sits on a second server of a cluster, connected throughout.
//
// Asserted: every number published after the Disconnected event arrives,
// exactly once and in order, at the nats.go subscriber and at wsnats' own
// subscription; numbers lost (if any) were all published before that event
// (in flight when the server died). To make this deterministic the client
// is held in its backoff (CustomReconnectDelay) after a few real failed
// attempts, until the restarted server has its route back with the
// subscriber's interest; ReconnectNow then releases it. Without that wait
// the client may reconnect a few milliseconds before the route is back and
// the server would drop the buffered messages for want of interest.
func TestResilienceServerRestart(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		b := startServer(t, clustered("B"))
		a := startServer(t, clustered("A", routeURL(b)))
		waitRoutes(t, 1, a, b)
		ng, remote := natsGoStream(t, b.ClientURL(), "resil.stream")

		var hold atomic.Bool
		wc := connect(t, urlOf(a), IgnoreDiscoveredServers(), MaxReconnects(-1), ReconnectJitter(0),
			CustomReconnectDelay(func(int) time.Duration {
				if hold.Load() {
					return heldDelay
				}
				return 20 * time.Millisecond
			}))
		rec := logEvents(wc)
		own := wsnatsStream(t, wc, "resil.stream")
		echo, err := wc.SubscribeSync("resil.echo")
		require.NoError(t, err)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		waitInterest(t, a, "resil.stream", 2) // wsnats here, nats.go through the route
		waitInterest(t, b, "resil.echo", 1)

		pub := startPublisher(t, wc, "resil.stream", rec)
		time.Sleep(60 * time.Millisecond)

		ports := portsOf(t, a)
		a.Shutdown()
		a.WaitForShutdown()
		rec.waitType(t, EventDisconnected)
		require.False(t, wc.IsConnected())
		// Let real attempts fail against the dead server.
		rec.waitFor(t, resilWait, "third attempt", func(ev Event) bool {
			return ev.Type == EventReconnecting && ev.Attempt == 3
		})
		flushed := make(chan error, 1)
		go func() { flushed <- wc.Flush(ctxTimeout(t, 2*resilWait)) }()
		hold.Store(true)
		rec.waitFor(t, resilWait, "held attempt", func(ev Event) bool {
			return ev.Type == EventReconnecting && ev.Delay == heldDelay
		})

		a2 := startServer(t, clustered("A", routeURL(b)), ports.apply)
		waitRoutes(t, 1, a2, b)
		waitInterest(t, a2, "resil.stream", 1) // nats.go's, through the new route
		select {
		case err := <-flushed:
			t.Fatalf("Flush returned while disconnected: %v", err)
		default:
		}
		start := time.Now()
		wc.ReconnectNow(time.Second)
		reconn := rec.waitType(t, EventReconnected)
		require.NoError(t, <-flushed, "Flush waiting through the reconnect")
		t.Logf("reconnected %v after ReconnectNow", reconn.At.Sub(start))
		waitInterest(t, b, "resil.echo", 1)

		time.Sleep(60 * time.Millisecond)
		n := pub.stop(t)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		firstAfter := int(pub.firstAfter.Load())
		require.GreaterOrEqual(t, firstAfter, 0)

		lost := requireStream(t, "nats.go", remote.waitLast(t, n-1), firstAfter, n)
		lostOwn := requireStream(t, "own subscription", own.waitLast(t, n-1), firstAfter, n)
		disc, attempts, _ := requireEpisode(t, rec)
		var buffered int
		for _, v := range remote.snapshot() {
			if v >= firstAfter && v < n {
				buffered++
			}
		}
		t.Logf("%d published, %d after the disconnect; lost in flight: %d (nats.go), %d (own); %d attempts, down %v",
			n, n-firstAfter, lost, lostOwn, len(attempts), reconn.At.Sub(disc.At))
		require.Greater(t, n-firstAfter, 20, "too few publishes while disconnected to mean anything")
		require.GreaterOrEqual(t, len(attempts), 4)
		require.Equal(t, heldDelay, attempts[len(attempts)-1].Delay)

		// The subscriptions of wsnats work again.
		require.NoError(t, ng.Publish("resil.echo", []byte("back")))
		m, err := echo.NextMsg(ctxTimeout(t, resilWait))
		require.NoError(t, err)
		require.Equal(t, "back", string(m.Data))

		require.Equal(t, uint64(1), wc.Stats().Reconnects)
		require.Equal(t, uint64(0), ng.Stats().Reconnects, "the nats.go subscriber must stay connected")
		require.Equal(t, urlOf(a2), wc.ConnectedURL())
	})
}

// --- (b) cluster discovery and failover ---------------------------------------

// The client is given the URL of one server of three. It learns the two
// others from the cluster (with the scheme it uses), then the server it is
// on is shut down: it fails over at once (the first attempt to another
// server does not wait) and a subscriber on another node keeps receiving.
func TestResilienceClusterFailover(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s1 := startServer(t, clustered("S1"))
		wc := connect(t, urlOf(s1), ReconnectWait(100*time.Millisecond), ReconnectJitter(0), MaxReconnects(-1))
		rec := logEvents(wc)
		s2 := startServer(t, clustered("S2", routeURL(s1)))
		s3 := startServer(t, clustered("S3", routeURL(s1)))
		waitRoutes(t, 2, s1, s2, s3)

		want := []string{urlOf(s2), urlOf(s3)}
		require.Eventually(t, func() bool {
			return len(wc.DiscoveredServers()) == 2
		}, resilWait, 5*time.Millisecond, "discovered: %v", wc.DiscoveredServers())
		require.ElementsMatch(t, want, wc.DiscoveredServers())
		require.ElementsMatch(t, append(want, urlOf(s1)), wc.Servers())
		rec.waitType(t, EventServersDiscovered)

		ng, remote := natsGoStream(t, s2.ClientURL(), "cluster.stream")
		echo, err := wc.SubscribeSync("cluster.echo")
		require.NoError(t, err)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		waitInterest(t, s1, "cluster.stream", 1)
		waitInterest(t, s3, "cluster.stream", 1)

		pub := startPublisher(t, wc, "cluster.stream", rec)
		time.Sleep(40 * time.Millisecond)
		s1.Shutdown()
		disc := rec.waitType(t, EventDisconnected)
		reconn := rec.waitType(t, EventReconnected)
		failover := reconn.At.Sub(disc.At)
		require.Contains(t, want, wc.ConnectedURL())
		_, attempts, _ := requireEpisode(t, rec.without(EventServersDiscovered))
		require.Len(t, attempts, 1, "events: %s", rec)
		require.Zero(t, attempts[0].Delay, "the first attempt to another server must not wait")
		require.Less(t, failover, time.Second)

		// If the client landed on S3, its interest must reach S2.
		waitInterest(t, s2, "cluster.echo", 1)
		time.Sleep(40 * time.Millisecond)
		n := pub.stop(t)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		firstAfter := int(pub.firstAfter.Load())
		lost := requireStream(t, "nats.go on S2", remote.waitLast(t, n-1), firstAfter, n)
		t.Logf("failover to %s in %v; %d published, %d after the disconnect, %d lost in flight",
			wc.ConnectedURL(), failover, n, n-firstAfter, lost)

		require.NoError(t, ng.Publish("cluster.echo", []byte("hi")))
		m, err := echo.NextMsg(ctxTimeout(t, resilWait))
		require.NoError(t, err)
		require.Equal(t, "hi", string(m.Data))
		require.Equal(t, uint64(1), wc.Stats().Reconnects)
		require.Equal(t, uint64(0), ng.Stats().Reconnects)
	})
}

// without returns a recorder holding a copy of r's events except those of
// type skip.
func (r *episodeLog) without(skip EventType) *episodeLog {
	out := &episodeLog{changed: make(chan struct{})}
	for _, ev := range r.list() {
		if ev.Type != skip {
			out.evs = append(out.evs, ev)
		}
	}
	return out
}

// --- (c) lame duck mode -------------------------------------------------------

// A server entering lame duck mode announces it; the client leaves for
// another server on its own, before the server starts closing clients, and
// without losing a single message: it stops writing to the old server, has
// it confirm what it got, then moves.
func TestResilienceLameDuck(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		const grace = time.Second
		a := startServer(t, clustered("A"), func(o *natsserver.Options) {
			o.LameDuckGracePeriod = grace
			o.LameDuckDuration = 2 * grace
		})
		b := startServer(t, clustered("B", routeURL(a)))
		waitRoutes(t, 1, a, b)
		wc := connect(t, urlOf(a), ReconnectWait(100*time.Millisecond), ReconnectJitter(0))
		rec := logEvents(wc)
		require.Eventually(t, func() bool { return len(wc.DiscoveredServers()) == 1 }, resilWait, 5*time.Millisecond)
		_, remote := natsGoStream(t, b.ClientURL(), "ldm.stream")
		waitInterest(t, a, "ldm.stream", 1)

		pub := startBurstPublisher(t, wc, "ldm.stream", rec, 100)
		time.Sleep(40 * time.Millisecond)
		go a.LameDuckShutdown()
		ldm := rec.waitType(t, EventLameDuckMode)
		disc := rec.waitType(t, EventDisconnected)
		reconn := rec.waitType(t, EventReconnected)
		require.ErrorIs(t, disc.Err, errLameDuck, "the client must leave before the server closes it")
		require.True(t, disc.At.After(ldm.At))
		require.Less(t, reconn.At.Sub(ldm.At), grace, "moved only after the grace period")
		require.Equal(t, urlOf(b), wc.ConnectedURL())

		time.Sleep(40 * time.Millisecond)
		n := pub.stop(t)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		require.Eventually(t, func() bool { return len(remote.snapshot()) >= n }, resilWait, 2*time.Millisecond,
			"lost in the move: %d of %d arrived", len(remote.snapshot()), n)
		got := remote.snapshot()
		require.Zero(t, requireStream(t, "nats.go on B", got, int(pub.firstAfter.Load()), n))
		overtaken := 0
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				overtaken++
			}
		}
		t.Logf("lame duck: left after %v, reconnected %v after the announcement; %d messages, none lost; "+
			"%d places where messages sent through the old server's route arrived after later direct ones",
			disc.At.Sub(ldm.At), reconn.At.Sub(ldm.At), n, overtaken)
	})
}

// --- (d) reconnect buffer -------------------------------------------------------

// While disconnected, publishes are kept up to ReconnectBufSize bytes of
// protocol (each PUB costs its payload plus its command line); the next
// one fails with ErrReconnectBufExceeded, and every accepted one is sent
// after the reconnect.
func TestResilienceReconnectBufferLimit(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		const limit = 64 * 1024
		s := startServer(t)
		wc := connect(t, urlOf(s), ReconnectBufSize(limit), ReconnectWait(heldDelay), ReconnectMaxWait(heldDelay), ReconnectJitter(0))
		rec := logEvents(wc)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		ports := portsOf(t, s)
		s.Shutdown()
		rec.waitType(t, EventReconnecting)

		// 973 bytes: a limit that counted payloads only would take one more.
		payload := make([]byte, 973)
		wire := len("PUB buf.data 973\r\n") + len(payload) + len("\r\n")
		accepted := 0
		var err error
		for ; accepted <= limit/wire; accepted++ {
			copy(payload, strconv.Itoa(accepted)+" ")
			if err = wc.Publish("buf.data", payload); err != nil {
				break
			}
		}
		require.ErrorIs(t, err, ErrReconnectBufExceeded)
		require.Equal(t, limit/wire, accepted, "accepted %d bytes of %d", accepted*wire, limit)
		t.Logf("buffer of %d bytes took %d messages of %d bytes (%d bytes of protocol)", limit, accepted, len(payload), accepted*wire)
		// Small messages still fit in what is left.
		require.NoError(t, wc.Publish("buf.data", []byte("9999999 tail")))
		require.ErrorIs(t, wc.Publish("buf.data", payload), ErrReconnectBufExceeded)

		// Nothing accepted is lost.
		s2 := startServer(t, ports.apply)
		ng, err := nats.Connect(s2.ClientURL())
		require.NoError(t, err)
		t.Cleanup(ng.Close)
		sub, err := ng.SubscribeSync("buf.data")
		require.NoError(t, err)
		require.NoError(t, ng.Flush())
		wc.ReconnectNow(time.Second)
		rec.waitType(t, EventReconnected)
		for i := range accepted + 1 {
			m, err := sub.NextMsg(resilWait)
			require.NoError(t, err, "message %d", i)
			want := strconv.Itoa(i) + " "
			if i == accepted {
				want = "9999999 tail"
			}
			require.True(t, strings.HasPrefix(string(m.Data), want), "message %d: %.20q", i, m.Data)
		}
		require.NoError(t, wc.Publish("buf.data", payload), "the buffer limit applies only while disconnected")
	})
}

// With ReconnectBufSize -1, Publish fails at once while disconnected.
func TestResilienceReconnectBufferDisabled(t *testing.T) {
	s := startServer(t)
	wc := connect(t, s.ClientURL(), ReconnectBufSize(-1), ReconnectWait(heldDelay))
	rec := logEvents(wc)
	require.NoError(t, wc.Publish("x", []byte("connected")))
	require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
	s.Shutdown()
	rec.waitType(t, EventReconnecting)
	require.ErrorIs(t, wc.Publish("x", []byte("away")), ErrReconnectBufExceeded)
	require.ErrorIs(t, wc.FlushTimeout(50*time.Millisecond), ErrTimeout, "Flush waits for a reconnect")
}

// --- (e) MaxReconnects ------------------------------------------------------------

func TestResilienceMaxReconnectsExhausted(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t)
		closed := make(chan struct{})
		wc := connect(t, urlOf(s), MaxReconnects(3), ReconnectWait(20*time.Millisecond), ReconnectJitter(0),
			ClosedHandler(func(*Conn) { close(closed) }))
		rec := logEvents(wc)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		s.Shutdown()
		rec.waitType(t, EventDisconnected)
		flushed := make(chan error, 1)
		go func() { flushed <- wc.Flush(ctxTimeout(t, resilWait)) }()
		require.NoError(t, wc.Publish("x", []byte("kept, then dropped")))

		ev := rec.waitType(t, EventClosed)
		select {
		case <-closed:
		case <-time.After(resilWait):
			t.Fatal("ClosedHandler did not run")
		}
		var types []string
		var delays []time.Duration
		for _, e := range rec.list() {
			types = append(types, string(e.Type))
			if e.Type == EventReconnecting {
				delays = append(delays, e.Delay)
			}
		}
		require.Equal(t, []string{"disconnect", "reconnecting", "reconnecting", "reconnecting", "close"}, types)
		require.Equal(t, []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}, delays)
		require.True(t, wc.IsClosed())
		require.Equal(t, Closed, wc.Status())
		require.Error(t, wc.LastError())
		require.Equal(t, wc.LastError(), ev.Err)
		require.ErrorIs(t, wc.LastError(), syscall.ECONNREFUSED, "the last attempt's error: %v", wc.LastError())
		require.ErrorIs(t, <-flushed, ErrConnectionClosed)
		require.ErrorIs(t, wc.Publish("x", nil), ErrConnectionClosed)
		require.Equal(t, uint64(0), wc.Stats().Reconnects)
	})
}

// --- (f) Close during a reconnect -------------------------------------------------

// clientGoroutines counts the goroutines running wsnats connection code or
// the WebSocket library, with their stacks.
func clientGoroutines() (int, string) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var stacks strings.Builder
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, mark := range []string{"wsnats.(*Conn)", "wsnats.(*link)", "wsnats.(*dispatcher)", "wsnats.(*Subscription)", "coder/websocket"} {
			if strings.Contains(g, mark) {
				n++
				stacks.WriteString(g + "\n\n")
				break
			}
		}
	}
	return n, stacks.String()
}

// requireNoLeak waits (a settle time) until the goroutine counts are back
// to their baselines.
func requireNoLeak(t *testing.T, baseAll, baseClient int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		all := runtime.NumGoroutine()
		client, stacks := clientGoroutines()
		if all <= baseAll && client <= baseClient {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d (baseline %d), client goroutines: %d (baseline %d):\n%s",
				all, baseAll, client, baseClient, stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close while the client waits in its backoff, or while a reconnect
// handshake hangs on a server that never answers, ends everything at once:
// no goroutine of the connection (or the WebSocket library) survives, and
// Close does not wait for the handshake's Timeout.
func TestResilienceCloseDuringReconnect(t *testing.T) {
	for _, stage := range []string{"backoff", "handshake"} {
		t.Run(stage, func(t *testing.T) {
			forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
				s := startServer(t)
				u, err := url.Parse(urlOf(s))
				require.NoError(t, err)
				proxy := newFaultProxy(t, u.Host)
				u.Host = proxy.addr()

				time.Sleep(20 * time.Millisecond) // let earlier tests' goroutines end
				baseAll := runtime.NumGoroutine()
				baseClient, _ := clientGoroutines()

				delay := heldDelay
				if stage == "handshake" {
					delay = 0
				}
				wc, err := Connect(u.String(), Timeout(5*time.Second), MaxReconnects(-1),
					CustomReconnectDelay(func(int) time.Duration { return delay }))
				require.NoError(t, err)
				rec := logEvents(wc)
				_, err = wc.Subscribe("leak.cb", func(*Msg) {})
				require.NoError(t, err)
				_, err = wc.SubscribeSync("leak.sync")
				require.NoError(t, err)
				require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
				flushed := make(chan error, 1)

				if stage == "handshake" {
					proxy.mode.Store(int32(proxySilent))
				} else {
					proxy.mode.Store(int32(proxyReject))
				}
				before := proxy.accepted.Load()
				proxy.kill()
				rec.waitType(t, EventDisconnected)
				go func() { flushed <- wc.Flush(context.Background()) }()
				if stage == "handshake" {
					require.Eventually(t, func() bool { return proxy.accepted.Load() > before }, resilWait, time.Millisecond)
					time.Sleep(20 * time.Millisecond) // well inside the handshake
				} else {
					rec.waitFor(t, resilWait, "held attempt", func(ev Event) bool { return ev.Delay == heldDelay })
				}
				require.True(t, wc.IsReconnecting())

				start := time.Now()
				wc.Close()
				rec.waitType(t, EventClosed)
				require.ErrorIs(t, <-flushed, ErrConnectionClosed)
				requireNoLeak(t, baseAll, baseClient)
				require.Less(t, time.Since(start), 2*time.Second)
				t.Logf("closed during the %s, all goroutines gone after %v", stage, time.Since(start))
			})
		})
	}
}

// --- (g) ReconnectNow and stale links ----------------------------------------------

// ReconnectNow ends a long backoff wait at once.
func TestResilienceReconnectNowCutsBackoff(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t)
		wc := connect(t, urlOf(s), ReconnectWait(heldDelay), ReconnectMaxWait(heldDelay), ReconnectJitter(0))
		rec := logEvents(wc)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))

		// On a healthy link it checks and changes nothing.
		wc.ReconnectNow(time.Second)
		time.Sleep(50 * time.Millisecond)
		require.Empty(t, rec.list())
		require.True(t, wc.IsConnected())

		ports := portsOf(t, s)
		s.Shutdown()
		rec.waitFor(t, resilWait, "held attempt", func(ev Event) bool { return ev.Delay == heldDelay })
		startServer(t, ports.apply)
		start := time.Now()
		wc.ReconnectNow(time.Second)
		reconn := rec.waitType(t, EventReconnected)
		took := reconn.At.Sub(start)
		t.Logf("ReconnectNow: reconnected %v after the call (backoff was %v)", took, heldDelay)
		require.Less(t, took, time.Second)
		requireEpisode(t, rec)
		require.Equal(t, uint64(1), wc.Stats().Reconnects)
	})
}

// A link that silently stops carrying anything (a sleeping laptop, a NAT
// that forgot the connection) is found by ReconnectNow's PING within its
// timeout, and the client reconnects at once despite a long backoff.
func TestResilienceReconnectNowDeadLink(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t)
		u, err := url.Parse(urlOf(s))
		require.NoError(t, err)
		proxy := newFaultProxy(t, u.Host)
		u.Host = proxy.addr()
		wc := connect(t, u.String(), ReconnectWait(heldDelay), ReconnectMaxWait(heldDelay), ReconnectJitter(0))
		rec := logEvents(wc)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))

		proxy.freeze()
		start := time.Now()
		wc.ReconnectNow(200 * time.Millisecond)
		disc := rec.waitType(t, EventDisconnected)
		reconn := rec.waitType(t, EventReconnected)
		require.ErrorIs(t, disc.Err, ErrStaleConnection)
		require.GreaterOrEqual(t, disc.At.Sub(start), 200*time.Millisecond)
		require.Less(t, reconn.At.Sub(start), time.Second)
		t.Logf("dead link found after %v, reconnected after %v", disc.At.Sub(start), reconn.At.Sub(start))
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
	})
}

// The keepalive finds a black-holed link within PingInterval *
// MaxPingsOutstanding (plus a tick), and a healthy idle link is never
// declared stale.
func TestResilienceStaleLink(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		const interval = 50 * time.Millisecond
		s := startServer(t)
		u, err := url.Parse(urlOf(s))
		require.NoError(t, err)
		proxy := newFaultProxy(t, u.Host)
		u.Host = proxy.addr()
		wc := connect(t, u.String(), PingInterval(interval), MaxPingsOutstanding(2), ReconnectWait(20*time.Millisecond))
		rec := logEvents(wc)

		time.Sleep(8 * interval)
		require.Empty(t, rec.list(), "a healthy idle link was dropped")

		proxy.freeze()
		start := time.Now()
		disc := rec.waitType(t, EventDisconnected)
		require.ErrorIs(t, disc.Err, ErrStaleConnection)
		took := disc.At.Sub(start)
		t.Logf("stale after %v (interval %v, 2 outstanding)", took, interval)
		require.GreaterOrEqual(t, took, interval)
		require.Less(t, took, 6*interval)
		rec.waitType(t, EventReconnected)
	})
}

// --- keepalive decisions (the seam under pingLoop) ---------------------------------

func TestResilienceKeepaliveWallClock(t *testing.T) {
	const iv = time.Second
	t0 := time.Unix(1_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	newK := func(maxOut int) *keepalive {
		k := &keepalive{interval: iv, maxOut: maxOut}
		k.start(nil, t0)
		return k
	}

	t.Run("silent server goes stale", func(t *testing.T) {
		k := newK(2)
		require.Equal(t, keepalivePing, k.check(at(iv), t0))
		require.Equal(t, keepaliveStale, k.check(at(2*iv), t0))
	})
	t.Run("answered pings never go stale", func(t *testing.T) {
		k := newK(2)
		for i := 1; i <= 100; i++ {
			now := at(time.Duration(i) * iv)
			require.NotEqual(t, keepaliveStale, k.check(now, now.Add(-time.Duration(i%3)*time.Millisecond)), "tick %d", i)
		}
	})
	t.Run("delayed tick with recent data is not stale", func(t *testing.T) {
		k := newK(2)
		require.Equal(t, keepalivePing, k.check(at(iv), t0))
		// The next tick comes 5 intervals late (throttled); data arrived just before.
		require.Equal(t, keepalivePing, k.check(at(6*iv), at(6*iv-10*time.Millisecond)))
		require.Equal(t, keepalivePing, k.check(at(7*iv), at(6*iv+time.Millisecond)))
	})
	t.Run("delayed tick after a frozen page restarts the measure", func(t *testing.T) {
		k := newK(1)
		require.Equal(t, keepalivePing, k.check(at(iv), t0))
		// Frozen ten minutes: the PONG may be waiting unread. Not stale now...
		require.Equal(t, keepalivePing, k.check(at(10*time.Minute), at(iv-time.Millisecond)))
		// ...and fine once it is read.
		require.Equal(t, keepalivePing, k.check(at(10*time.Minute+iv), at(10*time.Minute+time.Millisecond)))
	})
	t.Run("a dead link is still found after a delayed tick", func(t *testing.T) {
		k := newK(2)
		require.Equal(t, keepalivePing, k.check(at(iv), t0))
		require.Equal(t, keepalivePing, k.check(at(10*iv), t0))
		require.Equal(t, keepaliveWait, k.check(at(11*iv), t0))
		require.Equal(t, keepaliveStale, k.check(at(12*iv), t0))
	})
	t.Run("data without PONG keeps the link alive", func(t *testing.T) {
		k := newK(2)
		require.Equal(t, keepalivePing, k.check(at(iv), t0))
		require.Equal(t, keepalivePing, k.check(at(2*iv), at(2*iv-time.Millisecond)))
		require.Equal(t, keepaliveWait, k.check(at(3*iv), at(2*iv-time.Millisecond)))
		require.Equal(t, keepaliveStale, k.check(at(4*iv), at(2*iv-time.Millisecond)))
	})
	t.Run("MaxPingsOutstanding 0 never declares stale", func(t *testing.T) {
		k := newK(0)
		for i := 1; i <= 10; i++ {
			require.NotEqual(t, keepaliveStale, k.check(at(time.Duration(i)*iv), t0))
		}
	})
}

func TestResiliencePubLen(t *testing.T) {
	for _, c := range []struct {
		subj, reply string
		hdr, data   int
	}{
		{"a", "", 0, 0}, {"a.b", "r", 0, 9}, {"foo", "", 0, 10}, {"x", "_INBOX.x", 0, 99999},
		{"h", "", 12, 0}, {"h", "r.x", 12, 88}, {"h.h", "", 999, 1}, {"h", "", 9, 1},
	} {
		data := make([]byte, c.data)
		var b []byte
		if c.hdr > 0 {
			b = appendHPub(nil, c.subj, c.reply, make([]byte, c.hdr), data)
		} else {
			b = appendPub(nil, c.subj, c.reply, data)
		}
		require.Equal(t, len(b), pubLen(c.subj, c.reply, c.hdr, c.data), "%+v: %q", c, b[:min(len(b), 40)])
	}
}

var _ = errors.Is

// After a reconnect the client re-sends every live subscription: queue
// groups stay queue groups, an auto-unsubscribe limit continues with the
// remaining count, subscriptions made while disconnected are sent, those
// ended while disconnected are not.
func TestResilienceResubscribe(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t)
		wc := connect(t, urlOf(s), ReconnectWait(heldDelay), ReconnectMaxWait(heldDelay), ReconnectJitter(0))
		rec := logEvents(wc)
		queue, err := wc.QueueSubscribeSync("rs.q", "workers")
		require.NoError(t, err)
		auto, err := wc.SubscribeSync("rs.auto")
		require.NoError(t, err)
		require.NoError(t, auto.AutoUnsubscribe(5))
		gone, err := wc.SubscribeSync("rs.gone")
		require.NoError(t, err)
		for range 2 {
			require.NoError(t, wc.Publish("rs.auto", []byte("before")))
		}
		for range 2 {
			_, err := auto.NextMsg(ctxTimeout(t, resilWait))
			require.NoError(t, err)
		}

		ports := portsOf(t, s)
		s.Shutdown()
		rec.waitFor(t, resilWait, "held attempt", func(ev Event) bool { return ev.Delay == heldDelay })
		late, err := wc.SubscribeSync("rs.late")
		require.NoError(t, err)
		require.NoError(t, gone.Unsubscribe())
		s2 := startServer(t, ports.apply)
		wc.ReconnectNow(time.Second)
		rec.waitType(t, EventReconnected)
		require.NoError(t, wc.Flush(ctxTimeout(t, resilWait)))
		acc := s2.GlobalAccount()
		require.Equal(t, 1, acc.Interest("rs.q"))
		require.Equal(t, 1, acc.Interest("rs.auto"))
		require.Equal(t, 1, acc.Interest("rs.late"))
		require.Equal(t, 0, acc.Interest("rs.gone"))

		ng, err := nats.Connect(s2.ClientURL())
		require.NoError(t, err)
		t.Cleanup(ng.Close)
		// The queue group: another member shares the messages.
		other, err := ng.QueueSubscribeSync("rs.q", "workers")
		require.NoError(t, err)
		require.NoError(t, ng.Flush())
		const total = 200
		for range total {
			require.NoError(t, ng.Publish("rs.q", nil))
		}
		require.NoError(t, ng.Publish("rs.late", []byte("late")))
		for range 10 {
			require.NoError(t, ng.Publish("rs.auto", []byte("after")))
		}
		require.NoError(t, ng.Flush())
		m, err := late.NextMsg(ctxTimeout(t, resilWait))
		require.NoError(t, err)
		require.Equal(t, "late", string(m.Data))
		for i := range 3 {
			m, err := auto.NextMsg(ctxTimeout(t, resilWait))
			require.NoError(t, err, "auto-unsubscribe message %d of the 3 remaining", i)
			require.Equal(t, "after", string(m.Data))
		}
		_, err = auto.NextMsg(ctxTimeout(t, 50*time.Millisecond))
		require.ErrorIs(t, err, ErrMaxMessages)
		require.Eventually(t, func() bool { return acc.Interest("rs.auto") == 0 }, resilWait, time.Millisecond,
			"the server must know the remaining count")
		var mine, theirs int
		require.Eventually(t, func() bool {
			mine, _ = queue.Pending()
			theirs, _, _ = other.Pending()
			return mine+theirs == total
		}, resilWait, time.Millisecond, "queue group: %d + %d of %d", mine, theirs, total)
		require.Positive(t, mine)
		require.Positive(t, theirs)
	})
}
