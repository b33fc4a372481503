//go:build js && wasm

package wsnats

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lossLog records what the client says about a lost link.
type lossLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lossLog) Debug(string, ...any) {}
func (l *lossLog) Warn(string, ...any)  {}
func (l *lossLog) Error(string, ...any) {}
func (l *lossLog) Info(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i+1 < len(args); i += 2 {
		if k, _ := args[i].(string); k == "possibly_lost" || k == "resent_msgs" || k == "socket_unsent_bytes" {
			msg += " " + k + "=" + toText(args[i+1])
		}
	}
	l.lines = append(l.lines, msg)
}

func toText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return "?"
}

// TestBrowserRestartBurst publishes a numbered burst from Go in the
// browser, fast enough that the socket's send buffer is full, while the
// server restarts; natsrun's nats.go observer records what arrives. Every
// number Publish accepted arrives once, or is counted in the
// PossiblyLost of the Disconnected event; what the browser's socket never
// sent (its bufferedAmount at the close) is written again after the
// reconnect, not lost.
func TestBrowserRestartBurst(t *testing.T) {
	url, control := os.Getenv("NATS_RESTART_WS_URL"), os.Getenv("NATS_CONTROL_URL")
	if url == "" || control == "" {
		t.Fatal("NATS_RESTART_WS_URL / NATS_CONTROL_URL not set: run through scripts/wasm-test.sh")
	}
	post := func(path string) {
		resp, err := http.Post(control+path, "text/plain", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	post("/reset")
	logs := &lossLog{}
	nc := connect(t, url, MaxReconnects(-1), ReconnectWait(100*time.Millisecond), ReconnectJitter(0), Logger(logs))
	var mu sync.Mutex
	var possiblyLost int
	reconnected := make(chan struct{}, 1)
	nc.OnEvent(func(ev Event) {
		switch ev.Type {
		case EventDisconnected:
			mu.Lock()
			possiblyLost += ev.PossiblyLost.Msgs
			mu.Unlock()
		case EventReconnected:
			reconnected <- struct{}{}
		}
	})
	require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

	const n = 80_000
	payload := make([]byte, 128)
	restarted := make(chan struct{})
	for i := range n {
		copy(payload, strconv.AppendInt(make([]byte, 0, 10), int64(i), 10))
		payload[len(strconv.Itoa(i))] = ' '
		for {
			err := nc.Publish("restart.burst", payload)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrReconnectBufExceeded) {
				require.ErrorIs(t, err, ErrOutboundBufferFull, "publish %d", i)
			}
			time.Sleep(time.Millisecond) // let the socket drain, or the reconnect come
		}
		if i == n/3 {
			go func() { post("/restart?down=200"); close(restarted) }()
		}
		if i%2000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	<-restarted
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconnect")
	}
	err := nc.Flush(ctxTimeout(t, 10*time.Second))
	if err != nil {
		require.ErrorIs(t, err, ErrPossiblyLost)
	}
	require.NoError(t, nc.Flush(ctxTimeout(t, 10*time.Second)))

	var got []string
	require.Eventually(t, func() bool {
		resp, err := http.Get(control + "/received")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		got = nil
		return json.NewDecoder(resp.Body).Decode(&got) == nil && len(got) > 0 && got[len(got)-1] != "" &&
			atoiField(got[len(got)-1]) == n-1
	}, 15*time.Second, 250*time.Millisecond, "the last number did not arrive")
	seen := make([]bool, n)
	for _, p := range got {
		v := atoiField(p)
		require.True(t, v >= 0 && v < n, "bad payload")
		require.False(t, seen[v], "%d arrived twice", v)
		seen[v] = true
	}
	missing := n - len(got)
	logs.mu.Lock()
	t.Logf("%d published, %d arrived, %d missing, %d reported possibly lost; client said: %q", n, len(got), missing, possiblyLost, logs.lines)
	logs.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	require.LessOrEqual(t, missing, possiblyLost, "lost more than reported")
}

// atoiField reads the number at the start of a payload.
func atoiField(p string) int {
	end := 0
	for end < len(p) && p[end] >= '0' && p[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(p[:end])
	if err != nil {
		return -1
	}
	return v
}
