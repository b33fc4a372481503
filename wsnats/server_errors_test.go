//go:build !js

package wsnats

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
)

// fakeInfoServer accepts connections and sends each one info (a whole
// INFO line, however broken), then reads until the client goes. It
// listens on TCP and on WebSocket; it returns the URL of each.
func fakeInfoServer(t *testing.T, info string) map[string]string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Write([]byte(info))
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		if err := c.Write(ctx, websocket.MessageBinary, []byte(info)); err != nil {
			return
		}
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}))
	t.Cleanup(ws.Close)
	return map[string]string{"tcp": "nats://" + ln.Addr().String(), "ws": "ws" + strings.TrimPrefix(ws.URL, "http")}
}

// A malformed INFO fails Connect with the reason it was refused, not with
// the read error that followed (nats.go names the JSON error too).
func TestMalformedInfoNamesTheCause(t *testing.T) {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	for name, info := range map[string]string{
		"bad JSON":   "INFO {\"server_id\":\r\n",
		"not object": "INFO [1,2]\r\n",
		"deep":       "INFO {\"x\":" + deep + "}\r\n",
		"bad field":  "INFO {\"max_payload\":\"big\"}\r\n",
	} {
		for scheme, url := range fakeInfoServer(t, info) {
			t.Run(name+"/"+scheme, func(t *testing.T) {
				_, err := Connect(url, Timeout(2*time.Second), NoReconnect())
				require.ErrorIs(t, err, ErrProtocol, "%v", err)
				require.Contains(t, err.Error(), "bad INFO")
				for _, wrong := range []string{"closed network connection", "acquire lock", "timeout"} {
					require.NotContains(t, err.Error(), wrong)
				}
			})
		}
	}
}

// A subscription the server refuses by closing the connection (a protocol
// line longer than its max_control_line) closes the client's connection
// with the server's reason, once, instead of reconnecting and sending it
// again without end. Subjects past MaxSubjectLen are refused at the call.
func TestRefusedSubscriptionDoesNotLoop(t *testing.T) {
	forEachScheme(t, func(t *testing.T, urlOf func(*natsserver.Server) string) {
		s := startServer(t, func(o *natsserver.Options) { o.MaxControlLine = 512 })
		var disconnects atomic.Int32
		errs := make(chan error, 4)
		closed := make(chan struct{})
		nc := connect(t, urlOf(s), ReconnectWait(10*time.Millisecond), MaxReconnects(-1),
			DisconnectErrHandler(func(*Conn, error) { disconnects.Add(1) }),
			ClosedHandler(func(*Conn) { close(closed) }),
			ErrorHandler(func(_ *Conn, _ *Subscription, err error) { errs <- err }))
		_, err := nc.SubscribeSync(strings.Repeat("x", MaxSubjectLen+1))
		require.ErrorIs(t, err, ErrBadSubject)
		require.True(t, nc.IsConnected(), "refused at the call: nothing was sent")

		_, err = nc.SubscribeSync("long." + strings.Repeat("x", 600)) // under MaxSubjectLen, over the server's 512
		require.NoError(t, err)
		select {
		case <-closed: // handlers run in order: the disconnect's before
		case <-time.After(resilWait):
			t.Fatalf("the connection did not close; %d disconnects", disconnects.Load())
		}
		require.EqualValues(t, 1, disconnects.Load(), "one disconnect, no reconnect loop")
		require.Contains(t, strings.ToLower(fmt.Sprint(nc.LastError())), "maximum control line")
		select {
		case err := <-errs:
			require.Contains(t, strings.ToLower(err.Error()), "maximum control line")
		case <-time.After(resilWait):
			t.Fatal("the ErrorHandler was not told")
		}
	})
}

// An -ERR the client does not know closes the connection for good, with
// the server's text as the cause, as in nats.go; a stale connection -ERR
// is worth a reconnect.
func TestUnknownServerErrorCloses(t *testing.T) {
	for _, tc := range []struct {
		err    string
		closes bool
	}{{"Something Odd Happened", true}, {"Stale Connection", false}} {
		t.Run(tc.err, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
			var accepted atomic.Int32
			sendErr := make(chan struct{})
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					n := accepted.Add(1)
					go func() {
						defer c.Close()
						_, _ = c.Write([]byte("INFO {\"server_id\":\"fake\",\"max_payload\":1048576,\"headers\":true}\r\n"))
						buf := make([]byte, 4096)
						for got := ""; ; {
							k, err := c.Read(buf)
							if err != nil {
								return
							}
							if got += string(buf[:k]); strings.Contains(got, "PING\r\n") {
								break
							}
						}
						_, _ = c.Write([]byte("PONG\r\n"))
						if n == 1 {
							<-sendErr // once the client is connected
							_, _ = c.Write([]byte("-ERR '" + tc.err + "'\r\n"))
						}
						for {
							if _, err := c.Read(buf); err != nil {
								return
							}
						}
					}()
				}
			}()
			closed := make(chan struct{})
			reconnected := make(chan struct{}, 1)
			nc := connect(t, "nats://"+ln.Addr().String(), ReconnectWait(10*time.Millisecond),
				ClosedHandler(func(*Conn) { close(closed) }),
				ReconnectHandler(func(*Conn) { reconnected <- struct{}{} }))
			close(sendErr)
			if tc.closes {
				select {
				case <-closed:
				case <-time.After(resilWait):
					t.Fatal("the connection did not close")
				}
				require.Contains(t, nc.LastError().Error(), tc.err)
				require.EqualValues(t, 1, accepted.Load(), "no reconnect")
				return
			}
			select {
			case <-reconnected:
			case <-time.After(resilWait):
				t.Fatal("no reconnect after a stale connection error")
			}
			require.True(t, nc.IsConnected())
		})
	}
}
