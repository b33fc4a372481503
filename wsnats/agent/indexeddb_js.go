//go:build js && wasm

package agent

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hack-pad/safejs"
)

// idbStore is the object store that holds every namespace's records,
// keyed by the array [namespace, key].
const idbStore = "memory"

// DefaultIndexedDBTimeout bounds each IndexedDB operation.
const DefaultIndexedDBTimeout = 10 * time.Second

// ErrIndexedDB wraps the failures of the IndexedDB backend.
var ErrIndexedDB = errors.New("agent: indexeddb")

// IndexedDB is a MemoryBackend kept in the browser's IndexedDB (browser
// builds only), so that an agent's state survives page reloads as well as
// restarts. Several agents share one database, each in its own namespace
// (normally its ID). Values are stored as Uint8Array.
//
// IndexedDB is asynchronous: each method waits for the browser to answer,
// so it must be called from a goroutine of its own (an agent's handler is
// one) and never from a JavaScript callback (a js.Func), where waiting
// would block the event loop that answers. Each operation gives up after
// Timeout.
type IndexedDB struct {
	db        safejs.Value
	namespace string
	// Timeout bounds each operation; DefaultIndexedDBTimeout when zero.
	Timeout time.Duration
}

// OpenIndexedDB opens (creating it if needed) the IndexedDB database
// named database and returns the backend for namespace within it.
func OpenIndexedDB(database, namespace string) (*IndexedDB, error) {
	if database == "" {
		return nil, fmt.Errorf("%w: empty database name", ErrIndexedDB)
	}
	factory, err := safejs.Global().Get("indexedDB")
	if err != nil || factory.IsUndefined() || factory.IsNull() {
		return nil, fmt.Errorf("%w: indexedDB is not available here", ErrIndexedDB)
	}
	req, err := factory.Call("open", database, 1)
	if err != nil {
		return nil, fmt.Errorf("%w: open %q: %v", ErrIndexedDB, database, err)
	}
	upgrade, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		if db, err := req.Get("result"); err == nil {
			_, _ = db.Call("createObjectStore", idbStore)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIndexedDB, err)
	}
	defer upgrade.Release()
	if err := req.Set("onupgradeneeded", upgrade.Value()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIndexedDB, err)
	}
	db, err := await(req, DefaultIndexedDBTimeout, "success", "error")
	if err != nil {
		return nil, fmt.Errorf("%w: open %q: %v", ErrIndexedDB, database, err)
	}
	return &IndexedDB{db: db, namespace: namespace}, nil
}

// Close closes the database connection.
func (b *IndexedDB) Close() error {
	_, err := b.db.Call("close")
	return err
}

func (b *IndexedDB) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return DefaultIndexedDBTimeout
}

// store opens the object store in a new transaction.
func (b *IndexedDB) store(mode string) (tx, store safejs.Value, err error) {
	tx, err = b.db.Call("transaction", idbStore, mode)
	if err == nil {
		store, err = tx.Call("objectStore", idbStore)
	}
	if err != nil {
		return tx, store, fmt.Errorf("%w: %v", ErrIndexedDB, err)
	}
	return tx, store, nil
}

// Get returns the value of key, or an error wrapping ErrKeyNotFound.
func (b *IndexedDB) Get(key string) ([]byte, error) {
	_, store, err := b.store("readonly")
	if err != nil {
		return nil, err
	}
	req, err := store.Call("get", []any{b.namespace, key})
	if err != nil {
		return nil, fmt.Errorf("%w: get %q: %v", ErrIndexedDB, key, err)
	}
	v, err := await(req, b.timeout(), "success", "error")
	if err != nil {
		return nil, fmt.Errorf("%w: get %q: %v", ErrIndexedDB, key, err)
	}
	if v.IsUndefined() {
		return nil, fmt.Errorf("%w: %q", ErrKeyNotFound, key)
	}
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("%w: get %q: value is not bytes: %v", ErrIndexedDB, key, err)
	}
	out := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(out, v); err != nil {
		return nil, fmt.Errorf("%w: get %q: value is not bytes: %v", ErrIndexedDB, key, err)
	}
	return out, nil
}

// Set stores value under key; it returns once the transaction committed.
func (b *IndexedDB) Set(key string, value []byte) error {
	u8, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrIndexedDB, err)
	}
	arr, err := u8.New(len(value))
	if err == nil {
		_, err = safejs.CopyBytesToJS(arr, value)
	}
	if err != nil {
		return fmt.Errorf("%w: set %q: %v", ErrIndexedDB, key, err)
	}
	return b.write("set", key, func(store safejs.Value) error {
		_, err := store.Call("put", arr, []any{b.namespace, key})
		return err
	})
}

// Delete removes key; it returns once the transaction committed.
func (b *IndexedDB) Delete(key string) error {
	return b.write("delete", key, func(store safejs.Value) error {
		_, err := store.Call("delete", []any{b.namespace, key})
		return err
	})
}

// write runs op in a readwrite transaction and waits for the commit.
func (b *IndexedDB) write(what, key string, op func(store safejs.Value) error) error {
	tx, store, err := b.store("readwrite")
	if err != nil {
		return err
	}
	if err := op(store); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrIndexedDB, what, key, err)
	}
	if _, err := await(tx, b.timeout(), "complete", "error", "abort"); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrIndexedDB, what, key, err)
	}
	return nil
}

// Keys returns the namespace's keys, sorted.
func (b *IndexedDB) Keys() ([]string, error) {
	_, store, err := b.store("readonly")
	if err != nil {
		return nil, err
	}
	kr, err := safejs.Global().Get("IDBKeyRange")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIndexedDB, err)
	}
	// [ns] sorts before every [ns, key] and [ns, []] after every string key.
	rng, err := kr.Call("bound", []any{b.namespace}, []any{b.namespace, []any{}})
	if err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrIndexedDB, err)
	}
	req, err := store.Call("getAllKeys", rng)
	if err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrIndexedDB, err)
	}
	all, err := await(req, b.timeout(), "success", "error")
	if err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrIndexedDB, err)
	}
	n, err := all.Length()
	if err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrIndexedDB, err)
	}
	keys := make([]string, 0, n)
	for i := range n {
		k, err := all.Index(i)
		if err == nil {
			k, err = k.Index(1)
		}
		var s string
		if err == nil {
			s, err = k.String()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: keys: %v", ErrIndexedDB, err)
		}
		keys = append(keys, s)
	}
	slices.Sort(keys) // Go's byte order, not IndexedDB's UTF-16 order
	return keys, nil
}

// await waits for the first of events on target (a request or a
// transaction): the first event means success and yields target.result
// (undefined for a transaction); the others are failures.
func await(target safejs.Value, timeout time.Duration, ok string, fail ...string) (safejs.Value, error) {
	type outcome struct {
		v   safejs.Value
		err error
	}
	done := make(chan outcome, 1)
	finish := func(o outcome) {
		select {
		case done <- o:
		default:
		}
	}
	var funcs []safejs.Func
	defer func() {
		for _, ev := range append([]string{ok}, fail...) {
			_ = target.Set("on"+ev, nil)
		}
		for _, f := range funcs {
			f.Release()
		}
	}()
	on := func(ev string, fn func() outcome) error {
		f, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
			finish(fn())
			return nil
		})
		if err != nil {
			return err
		}
		funcs = append(funcs, f)
		return target.Set("on"+ev, f.Value())
	}
	if err := on(ok, func() outcome {
		v, err := target.Get("result")
		if err != nil {
			v, err = safejs.Undefined(), nil // transactions have no result
		}
		return outcome{v: v}
	}); err != nil {
		return safejs.Value{}, err
	}
	for _, ev := range fail {
		if err := on(ev, func() outcome { return outcome{err: eventError(target, ev)} }); err != nil {
			return safejs.Value{}, err
		}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case o := <-done:
		return o.v, o.err
	case <-t.C:
		return safejs.Value{}, fmt.Errorf("no answer within %v", timeout)
	}
}

// eventError describes a failure event of target from its error property.
func eventError(target safejs.Value, ev string) error {
	if e, err := target.Get("error"); err == nil && !e.IsNull() && !e.IsUndefined() {
		if msg, err := e.Get("message"); err == nil {
			if s, err := msg.String(); err == nil && s != "" {
				return fmt.Errorf("%s: %s", ev, s)
			}
		}
	}
	return errors.New(ev)
}
