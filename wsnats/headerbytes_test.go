//go:build !js

package wsnats

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// HeaderBytes of a received message is the block as the publisher sent it
// (a raw client, so the keys are in no sorted order), and the payload
// after it is intact; the decoded Header and status agree with it.
func TestHeaderBytesOfReceivedMessages(t *testing.T) {
	s := startServer(t)
	for name, url := range transports(t, s) {
		t.Run(name, func(t *testing.T) {
			nc := connect(t, url)
			sub, err := nc.SubscribeSync("hb.>")
			require.NoError(t, err)
			require.NoError(t, nc.Flush(ctxTimeout(t, 5*time.Second)))

			raw := dialRaw(t, s)
			blocks := []string{
				"NATS/1.0\r\nZulu: 1\r\nalpha: 2\r\nMike: 3\r\nZulu: 4\r\n\r\n",
				"NATS/1.0 503 No Responders\r\nB: x\r\nA: y\r\n\r\n",
				"NATS/1.0 408\r\n\r\n",
			}
			for i, hb := range blocks {
				payload := fmt.Sprintf("payload %d", i)
				raw.send(t, fmt.Sprintf("HPUB hb.%d %d %d\r\n%s%s\r\n", i, len(hb), len(hb)+len(payload), hb, payload))
			}
			raw.send(t, "PUB hb.plain 5\r\nplain\r\n")
			raw.sync(t)

			got := make([]*Msg, 0, 4)
			for range 4 {
				m, err := sub.NextMsg(ctxTimeout(t, 5*time.Second))
				require.NoError(t, err)
				got = append(got, m)
			}
			for i, hb := range blocks {
				m := got[i]
				require.Equal(t, hb, string(m.HeaderBytes()), "block %d as sent", i)
				require.Equal(t, fmt.Sprintf("payload %d", i), string(m.Data))
				_ = append(m.HeaderBytes(), "overwrite"...) // the block has no room over the payload
				require.Equal(t, fmt.Sprintf("payload %d", i), string(m.Data))
			}
			require.Equal(t, []string{"1", "4"}, got[0].Header.Values("Zulu"))
			require.Equal(t, "2", got[0].Header.Get("alpha"))
			require.Equal(t, 0, got[0].Status())
			require.Equal(t, 503, got[1].Status())
			require.Equal(t, "No Responders", got[1].StatusDescription())
			require.Equal(t, "y", got[1].Header.Get("A"))
			require.Equal(t, 408, got[2].Status())
			require.Nil(t, got[3].HeaderBytes(), "a message without headers")
			require.Equal(t, "plain", string(got[3].Data))
		})
	}
}

// For a message built in Go, HeaderBytes is what PublishMsg sends.
func TestHeaderBytesOfBuiltMessages(t *testing.T) {
	require.Nil(t, (&Msg{Subject: "a"}).HeaderBytes())
	require.Nil(t, NewMsg("a").HeaderBytes(), "an empty Header sends no header block")
	m := NewMsg("a")
	m.Header.Add("B", "2")
	m.Header.Add("A", "1")
	m.Header.Add("B", "3")
	require.Equal(t, "NATS/1.0\r\nA: 1\r\nB: 2\r\nB: 3\r\n\r\n", string(m.HeaderBytes()))
}
