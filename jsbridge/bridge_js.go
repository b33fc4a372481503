//go:build js && wasm

package jsbridge

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
	"github.com/wasm-nats/wasm-nats/wsnats"
)

// Version is reported as wsnats.version.
var Version = wsnats.Version

// bridge holds the connections the page opened, by id.
type bridge struct {
	mu     sync.Mutex
	conns  map[int]*bconn
	nextID int

	u8     safejs.Value // Uint8Array constructor
	pubBuf []byte
	intern interner
	log    wsnats.Log
}

// Register starts the bridge: it calls the JS half that the loader handed
// over (globalThis.wsnatsBoot, see the package doc) with the Go functions,
// sets globalThis.wsnats to the API it returns, tells the loader
// (wsnatsBoot.ready) and dispatches a "wsnats:ready" event on globalThis.
// Call it once from the wasm program's main, then block.
func Register() error {
	g := safejs.Global()
	u8, err := g.Get("Uint8Array")
	if err != nil {
		return fmt.Errorf("failed to register wsnats: %w", err)
	}
	boot, err := g.Get("wsnatsBoot")
	if err != nil || boot.Type() != safejs.TypeObject {
		return errors.New("failed to register wsnats: the page gave no JS half of the bridge " +
			"(globalThis.wsnatsBoot): load the module with wsnats.js's load()")
	}
	create, err := boot.Get("bridge")
	if err != nil || create.Type() != safejs.TypeFunction {
		return errors.New("failed to register wsnats: globalThis.wsnatsBoot.bridge is not bridge.js's createBridge")
	}
	withSupervisor := safejs.Undefined()
	if withAgents {
		if withSupervisor, err = boot.Get("agents"); err != nil || withSupervisor.Type() != safejs.TypeFunction {
			return errors.New("failed to register wsnats: this module has agents, and globalThis.wsnatsBoot.agents " +
				"is not bridge-agents.js's createSupervisor: load it with load({ agents: true })")
		}
	}
	b := &bridge{conns: map[int]*bconn{}, u8: u8, intern: interner{}, log: consoleLog{}}
	api, err := b.makeAPI()
	if err != nil {
		return fmt.Errorf("failed to register wsnats: %w", err)
	}
	started, err := create.Invoke(api, Version, withSupervisor)
	if err != nil {
		return fmt.Errorf("failed to start the JS bridge: %w", err)
	}
	ws, err := started.Get("wsnats")
	if err != nil {
		return fmt.Errorf("failed to start the JS bridge: %w", err)
	}
	if failureClass, err = started.Get("GoFailure"); err != nil || failureClass.Type() != safejs.TypeFunction {
		return fmt.Errorf("failed to start the JS bridge: it gave no GoFailure class (%v)", err)
	}
	if err := g.Set("wsnats", ws); err != nil {
		return fmt.Errorf("failed to register wsnats: %w", err)
	}
	if ready, err := boot.Get("ready"); err == nil && ready.Type() == safejs.TypeFunction {
		if _, err := ready.Invoke(ws); err != nil {
			consoleError("wsnatsBoot.ready failed", err)
		}
	}
	if evCtor, err := g.Get("Event"); err == nil && !evCtor.IsUndefined() {
		ev, err := evCtor.New("wsnats:ready")
		if err == nil {
			_, err = g.Call("dispatchEvent", ev)
		}
		if err != nil { // globalThis.wsnats is set: a page can still find it
			consoleError("failed to dispatch the wsnats:ready event", err)
		}
	}
	return nil
}

// apiFunc is a Go function reachable from bridge.js. It returns a value
// for JS, or an error that bridge.js turns into a thrown Error.
type apiFunc func(args []safejs.Value) (any, error)

func (b *bridge) makeAPI() (safejs.Value, error) {
	objCtor, err := safejs.Global().Get("Object")
	if err != nil {
		return safejs.Value{}, err
	}
	api, err := objCtor.New()
	if err != nil {
		return safejs.Value{}, err
	}
	funcs := map[string]apiFunc{
		"connect":    b.connect,
		"pub":        b.pub,
		"pubMsg":     b.pubMsg,
		"sub":        b.sub,
		"unsub":      b.unsub,
		"drainSub":   b.drainSub,
		"request":    b.request,
		"flush":      b.flush,
		"rtt":        b.rtt,
		"drain":      b.drain,
		"close":      b.close,
		"readyState": b.readyState,
		"state":      b.state,
		"stats":      b.stats,
		"info":       b.info,
		"server":     b.server,
		"subState":   b.subState,
	}
	b.addSupervisorAPI(funcs) // supervisor_js.go, or nothing without agents
	for name, fn := range funcs {
		f, err := safejs.FuncOf(guard(name, fn))
		if err != nil {
			return safejs.Value{}, err
		}
		if err := api.Set(name, f.Value()); err != nil {
			return safejs.Value{}, err
		}
	}
	return api, nil
}

// guard turns errors and panics into the failures (see failure) that
// bridge.js throws as Errors. A panic never reaches JS.
func guard(name string, fn apiFunc) func(this safejs.Value, args []safejs.Value) any {
	return func(_ safejs.Value, args []safejs.Value) (out any) {
		defer func() {
			if r := recover(); r != nil {
				out = failure(fmt.Errorf("%w in wsnats %s: %v", errInternal, name, r))
			}
		}()
		v, err := fn(args)
		if err != nil {
			return failure(err)
		}
		return v
	}
}

// failureClass is bridge.js's GoFailure class, set by Register.
var failureClass safejs.Value

// failure is the one JS form of an error at the boundary: an instance of
// bridge.js's GoFailure class, new GoFailure(code, message, ...extra). No
// result of a Go function can be one, so bridge.js tells errors from
// results (numbers, strings, arrays, objects) with instanceof alone.
// extra are the fields a caller adds (pub: failed count and room). A
// message that quotes a huge input is clipped (clipMessage).
func failure(err error, extra ...any) any {
	code := errorCode(err)
	if code == "" && errors.Is(err, errInternal) {
		code = codeInternal
	}
	args := append([]any{code, clipMessage(err.Error(), maxMessageLen)}, extra...)
	v, newErr := failureClass.New(args...)
	if newErr != nil {
		// Only before Register has the class; say so rather than return
		// something bridge.js could take for a result.
		consoleError("failed to pass an error to JS", fmt.Errorf("%v (the error: %w)", newErr, err))
		return safejs.Undefined()
	}
	return v
}

var errInternal = errors.New("internal error")

// settle runs work on its own goroutine and resolves or rejects with its
// result; a panic becomes a rejection.
func settle(resolve, reject safejs.Value, work func() (any, error)) {
	go func() {
		var v any
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%w: %v", errInternal, r)
				}
			}()
			v, err = work()
		}()
		if err == nil {
			_, jsErr := resolve.Invoke(v)
			if jsErr == nil {
				return
			}
			// The result could not be handed over: reject instead, so
			// the promise does not wait forever.
			err = fmt.Errorf("%w: the result could not be passed to JS: %v", errInternal, jsErr)
		}
		if _, jsErr := reject.Invoke(failure(err)); jsErr != nil {
			consoleError("a promise could not be settled and waits forever", fmt.Errorf("%w (rejecting failed: %v)", err, jsErr))
		}
	}()
}

// argument helpers: bridge.js passes well-typed values; these still check.

func argString(args []safejs.Value, i int) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("%w: missing argument %d", errInvalidOption, i)
	}
	if args[i].IsUndefined() || args[i].IsNull() {
		return "", nil
	}
	return args[i].String()
}

func argInt(args []safejs.Value, i int) (int, error) {
	if i >= len(args) || args[i].IsUndefined() || args[i].IsNull() {
		return 0, nil
	}
	return args[i].Int()
}

func argFloat(args []safejs.Value, i int) (float64, error) {
	if i >= len(args) || args[i].IsUndefined() || args[i].IsNull() {
		return 0, nil
	}
	return args[i].Float()
}

func argValue(args []safejs.Value, i int) safejs.Value {
	if i >= len(args) {
		return safejs.Undefined()
	}
	return args[i]
}

// argBytes copies a Uint8Array argument into dst (grown as needed).
func argBytes(args []safejs.Value, i int, dst []byte) ([]byte, error) {
	v := argValue(args, i)
	if v.IsUndefined() || v.IsNull() {
		return dst[:0], nil
	}
	n, err := v.Length()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadPayload, err)
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	if _, err := safejs.CopyBytesToGo(dst, v); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadPayload, err)
	}
	return dst, nil
}

// toJSBytes copies b into a new Uint8Array.
func (b *bridge) toJSBytes(p []byte) (safejs.Value, error) {
	arr, err := b.u8.New(len(p))
	if err != nil {
		return safejs.Value{}, err
	}
	if _, err := safejs.CopyBytesToJS(arr, p); err != nil {
		return safejs.Value{}, err
	}
	return arr, nil
}
