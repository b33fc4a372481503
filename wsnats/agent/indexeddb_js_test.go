//go:build js && wasm

package agent

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nuid"
	"github.com/stretchr/testify/require"
)

// openTestDB opens a database of its own for one test.
func openTestDB(t *testing.T, database, namespace string) *IndexedDB {
	t.Helper()
	db, err := OpenIndexedDB(database, namespace)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestIndexedDBBackend(t *testing.T) {
	name := "agent-test-" + nuid.Next()
	var mem MemoryBackend = openTestDB(t, name, "a")
	other := openTestDB(t, name, "b")

	_, err := mem.Get("k")
	require.ErrorIs(t, err, ErrKeyNotFound)
	bin := []byte{0, 1, 0xff, 0x80}
	require.NoError(t, mem.Set("k", bin))
	require.NoError(t, mem.Set("j", []byte{}))
	require.NoError(t, other.Set("k", []byte("b's")))
	got, err := mem.Get("k")
	require.NoError(t, err)
	require.Equal(t, bin, got)
	got, err = mem.Get("j")
	require.NoError(t, err)
	require.Empty(t, got)

	keys, err := mem.Keys()
	require.NoError(t, err)
	require.Equal(t, []string{"j", "k"}, keys, "namespaces do not mix")
	require.NoError(t, mem.Delete("j"))
	require.NoError(t, mem.Delete("missing"))
	keys, err = mem.Keys()
	require.NoError(t, err)
	require.Equal(t, []string{"k"}, keys)

	// A new connection (as after a page reload) sees the stored data.
	again := openTestDB(t, name, "b")
	got, err = again.Get("k")
	require.NoError(t, err)
	require.Equal(t, "b's", string(got))

	_, err = OpenIndexedDB("", "x")
	require.ErrorIs(t, err, ErrIndexedDB)
}

func TestIndexedDBKeepsStateAcrossRestart(t *testing.T) {
	mem := openTestDB(t, "agent-test-"+nuid.Next(), "counter")
	s, rec := newTestSupervisor(t)
	require.NoError(t, s.Start(context.Background(), []Config{{ID: "counter", Memory: mem}}, NewCounter))
	for _, p := range []string{`1`, `{"crash":true}`, `2`} {
		require.NoError(t, s.Send("counter", Message{Payload: json.RawMessage(p)}))
	}
	rec.wait(t, EventRestarted, "counter", 1)
	waitStatus(t, s, "counter", func(st AgentStatus) bool { return st.Processed == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Stop(ctx))
	n, err := Count(mem)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}
