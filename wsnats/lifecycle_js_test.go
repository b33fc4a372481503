//go:build js && wasm

package wsnats

import (
	"sync"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/require"
)

// These tests run inside headless Chromium (scripts/wasm-test.sh). The
// page's events are dispatched by the test: dispatchEvent calls the
// listeners the same way the browser does when the network or the tab
// changes. A headless tab cannot really be hidden or throttled, so a
// hidden tab is simulated: visibilityState is overridden and the page is
// frozen by busy loops, which holds back every timer and socket event the
// way a throttled or frozen background tab does.

// jsFunc builds a JS function from parameter names and a body.
func jsFunc(t *testing.T, params []string, body string) safejs.Value {
	t.Helper()
	ctor, err := safejs.Global().Get("Function")
	require.NoError(t, err)
	args := make([]any, 0, len(params)+1)
	for _, p := range params {
		args = append(args, p)
	}
	f, err := ctor.New(append(args, body)...)
	require.NoError(t, err)
	return f
}

// dispatch fires a plain Event of type typ on target (globalThis or document).
func dispatch(t *testing.T, target safejs.Value, typ string) {
	t.Helper()
	ctor, err := safejs.Global().Get("Event")
	require.NoError(t, err)
	ev, err := ctor.New(typ)
	require.NoError(t, err)
	_, err = target.Call("dispatchEvent", ev)
	require.NoError(t, err)
}

func jsDocument(t *testing.T) safejs.Value {
	t.Helper()
	doc, err := safejs.Global().Get("document")
	require.NoError(t, err)
	require.False(t, doc.IsUndefined(), "the tests run in a page, which has a document")
	return doc
}

// setVisibility overrides document.visibilityState and document.hidden and
// fires visibilitychange; the overrides are removed when the test ends.
func setVisibility(t *testing.T, state string) {
	t.Helper()
	doc := jsDocument(t)
	_, err := jsFunc(t, []string{"doc", "state"}, `
		Object.defineProperty(doc, "visibilityState", {configurable: true, get: () => state});
		Object.defineProperty(doc, "hidden", {configurable: true, get: () => state === "hidden"});
	`).Invoke(doc, state)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = jsFunc(t, []string{"doc"}, `delete doc.visibilityState; delete doc.hidden;`).Invoke(doc)
	})
	dispatch(t, doc, "visibilitychange")
}

func lifecycleOf(t *testing.T, nc *Conn) *browserLifecycle {
	t.Helper()
	nc.mu.Lock()
	life := nc.life
	nc.mu.Unlock()
	b, ok := life.(*browserLifecycle)
	require.True(t, ok, "no browser lifecycle on the connection: %T", life)
	return b
}

func socketOf(t *testing.T, nc *Conn) safejs.Value {
	t.Helper()
	l := nc.currentLink()
	require.NotNil(t, l)
	b, ok := l.t.(*browserSocket)
	require.True(t, ok)
	return b.ws
}

// lifeEvents records a connection's events.
type lifeEvents struct {
	mu  sync.Mutex
	evs []Event
}

func watchLife(nc *Conn) *lifeEvents {
	e := &lifeEvents{}
	nc.OnEvent(func(ev Event) {
		if ev.Type == EventConnected {
			return
		}
		e.mu.Lock()
		e.evs = append(e.evs, ev)
		e.mu.Unlock()
	})
	return e
}

func (e *lifeEvents) list() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.evs...)
}

func (e *lifeEvents) wait(t *testing.T, typ EventType, d time.Duration) Event {
	t.Helper()
	var found Event
	require.Eventually(t, func() bool {
		for _, ev := range e.list() {
			if ev.Type == typ {
				found = ev
				return true
			}
		}
		return false
	}, d, 5*time.Millisecond, "no %s event; events: %v", typ, e.list())
	return found
}

// "online" takes the fast path: a PING checks the link at once. "offline"
// is noted only. Close removes every listener.
func TestLifecycleOnlineFastPath(t *testing.T) {
	base := liveListeners.Load()
	nc := connect(t, testURLs(t)["ws"])
	lc := lifecycleOf(t, nc)
	events := watchLife(nc)
	require.Equal(t, base+3, liveListeners.Load(), "online, offline and visibilitychange")
	global := safejs.Global()

	dispatch(t, global, "offline")
	require.Equal(t, int64(1), lc.offlines.Load())
	time.Sleep(20 * time.Millisecond)
	require.Zero(t, lc.wakes.Load(), "offline is not a reason to check")

	before := time.Now()
	link := nc.currentLink()
	dispatch(t, global, "online")
	require.Eventually(t, func() bool { return lc.wakes.Load() == 1 }, 2*time.Second, time.Millisecond)
	// The check's PONG is the only thing the idle server sends.
	require.Eventually(t, func() bool { return link.lastReceived().After(before) }, 2*time.Second, time.Millisecond,
		"no PONG after the online check")
	require.True(t, nc.IsConnected())
	require.Same(t, link, nc.currentLink(), "a healthy link must be kept")
	require.Empty(t, events.list())

	nc.Close()
	require.Equal(t, base, liveListeners.Load(), "Close must remove every listener")
	dispatch(t, global, "online")
	dispatch(t, jsDocument(t), "visibilitychange")
	time.Sleep(20 * time.Millisecond)
	require.Equal(t, int64(1), lc.wakes.Load(), "a listener survived Close")
}

// A link that silently stopped carrying data (here: the socket's send is
// replaced by a no-op) is found by the online check within its timeout,
// and the client reconnects at once although its backoff is an hour.
func TestLifecycleOnlineDeadLink(t *testing.T) {
	old := lifecycleCheckTimeout
	lifecycleCheckTimeout = 300 * time.Millisecond
	t.Cleanup(func() { lifecycleCheckTimeout = old })
	nc := connect(t, testURLs(t)["ws"], ReconnectWait(time.Hour), ReconnectMaxWait(time.Hour), ReconnectJitter(0))
	events := watchLife(nc)

	_, err := jsFunc(t, []string{"ws"}, `ws.send = function() {};`).Invoke(socketOf(t, nc))
	require.NoError(t, err)
	start := time.Now()
	dispatch(t, safejs.Global(), "online")
	disc := events.wait(t, EventDisconnected, 3*time.Second)
	require.ErrorIs(t, disc.Err, ErrStaleConnection)
	events.wait(t, EventReconnected, 3*time.Second)
	took := time.Since(start)
	t.Logf("dead link found and replaced %v after online", took)
	require.GreaterOrEqual(t, took, lifecycleCheckTimeout)
	require.Less(t, took, 2*time.Second)
	require.NoError(t, nc.FlushTimeout(2*time.Second))
	require.Equal(t, uint64(1), nc.Stats().Reconnects)
}

// A hidden tab whose timers are held back must not be declared stale. The
// page is frozen (a busy loop) right after a keepalive PING leaves, three
// times, each for six ping intervals: when the page runs again, the ping
// timer fires before the PONG waiting in the socket is read. Counting
// ticks (or comparing wall time naively) declares the link stale then;
// the keepalive recognises the late tick and gives the server a fresh
// interval. Becoming visible again takes the fast path.
func TestLifecycleHiddenTabNoFalseStale(t *testing.T) {
	const interval = 100 * time.Millisecond
	nc := connect(t, testURLs(t)["ws"], PingInterval(interval), MaxPingsOutstanding(1))
	lc := lifecycleOf(t, nc)
	events := watchLife(nc)

	setVisibility(t, "hidden")
	ws := socketOf(t, nc)
	_, err := jsFunc(t, []string{"ws", "ms", "times"}, `
		const send = ws.send.bind(ws);
		ws.freezes = 0;
		ws.send = (data) => {
			send(data);
			if (ws.freezes < times && new TextDecoder().decode(data).includes("PING\r\n")) {
				ws.freezes++;
				const end = Date.now() + ms;
				while (Date.now() < end) {}
			}
		};
	`).Invoke(ws, (6 * interval).Milliseconds(), 3)
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if evs := events.list(); len(evs) > 0 {
			t.Fatalf("a frozen page caused a disconnect: %v", evs)
		}
		if n, err := getInt(ws, "freezes"); err == nil && n == 3 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the page was not frozen three times")
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * interval)
	require.Zero(t, lc.wakes.Load(), "hidden is not a reason to check")
	require.Empty(t, events.list(), "a frozen page caused a disconnect")

	setVisibility(t, "visible")
	require.Eventually(t, func() bool { return lc.wakes.Load() == 1 }, 2*time.Second, time.Millisecond)
	time.Sleep(3 * interval)
	require.Empty(t, events.list())
	require.True(t, nc.IsConnected())
	require.Equal(t, uint64(0), nc.Stats().Reconnects)
}

// When the socket drops and the client waits out a long backoff (the
// network went away), "online" ends the wait at once.
func TestLifecycleOnlineCutsBackoff(t *testing.T) {
	nc := connect(t, testURLs(t)["ws"], ReconnectWait(time.Hour), ReconnectMaxWait(time.Hour), ReconnectJitter(0))
	lc := lifecycleOf(t, nc)
	events := watchLife(nc)
	_, err := socketOf(t, nc).Call("close")
	require.NoError(t, err)
	wait := events.wait(t, EventReconnecting, 3*time.Second)
	require.Equal(t, time.Hour, wait.Delay)
	time.Sleep(50 * time.Millisecond)
	require.True(t, nc.IsReconnecting())

	start := time.Now()
	dispatch(t, safejs.Global(), "online")
	events.wait(t, EventReconnected, 3*time.Second)
	t.Logf("reconnected %v after online (backoff was an hour)", time.Since(start))
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, int64(1), lc.wakes.Load())
	require.NoError(t, nc.FlushTimeout(2*time.Second))
}
