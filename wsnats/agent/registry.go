package agent

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wasm-nats/wasm-nats/wsnats/jsonlite"
)

// registry maps names to factories, for callers (the JS bridge) that
// start agents by name.
var registry = struct {
	sync.RWMutex
	m map[string]Factory
}{m: map[string]Factory{}}

// Register makes f available under name for Lookup. Like database/sql's
// Register, it panics when name is empty, f is nil, or the name is taken:
// those are programming errors, made at init time.
func Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("agent: Register needs a name and a factory")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[name]; dup {
		panic(fmt.Sprintf("agent: Register called twice for %q", name))
	}
	registry.m[name] = f
}

// Lookup returns the factory registered under name.
func Lookup(name string) (Factory, bool) {
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.m[name]
	return f, ok
}

// Names returns the registered names, sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func init() {
	Register("echo", NewEcho)
	Register("counter", NewCounter)
}

// NewEcho is the factory of the "echo" demo agent. For each message it
// sends the payload back: to the NATS reply subject when the message has
// one, else to the sender by Send when it is a local agent, else (sender
// unknown here, agent NATS-enabled) to the sender's subject <prefix>.<from>.
// Messages with no one to answer (From empty or "nats" without a reply
// subject) are only logged. A reply that cannot be delivered is logged and
// does not fail the agent. Two echo agents answering each other never stop.
func NewEcho(Config) (Agent, error) { return HandlerFunc(echo), nil }

func echo(ctx Context, msg Message) error {
	reply := Message{From: string(ctx.ID()), Payload: msg.Payload}
	log := ctx.Logger()
	var err error
	switch {
	case ctx.ReplyTo() != "":
		err = ctx.Publish(ctx.ReplyTo(), reply)
	case msg.From == "" || msg.From == FromNATSSender:
		log.Debug("echo: nothing to reply to", "id", msg.ID, "to", msg.To)
		return nil
	default:
		err = ctx.Send(AgentID(msg.From), reply)
		if errors.Is(err, ErrUnknownAgent) {
			if perr := ctx.Publish(ctx.Subject(AgentID(msg.From)), reply); perr == nil || !errors.Is(perr, ErrNATSDisabled) {
				err = perr
			}
		}
	}
	if err != nil {
		log.Warn("echo: reply not delivered", "id", msg.ID, "from", msg.From, "err", err)
	}
	return nil
}

// CounterKey is the memory key under which the "counter" agent keeps its
// count (a decimal number).
const CounterKey = "count"

// NewCounter is the factory of the "counter" demo agent. It counts the
// messages it handles in its memory under CounterKey, so the count
// survives restarts, and answers {"count":n} to a NATS reply subject when
// there is one. A message whose payload is {"crash":true} makes it panic
// (before counting), to show a restart.
func NewCounter(Config) (Agent, error) { return HandlerFunc(count), nil }

func count(ctx Context, msg Message) error {
	if crashRequested(msg.Payload) {
		panic("counter: crash requested")
	}
	n, err := Count(ctx.Memory())
	if err != nil {
		return err
	}
	n++
	if err := ctx.Memory().Set(CounterKey, []byte(strconv.Itoa(n))); err != nil {
		return fmt.Errorf("counter: %w", err)
	}
	if r := ctx.ReplyTo(); r != "" {
		p := []byte(`{"count":` + strconv.Itoa(n) + `}`)
		if err := ctx.Publish(r, Message{Payload: p}); err != nil {
			ctx.Logger().Warn("counter: reply not delivered", "err", err)
		}
	}
	return nil
}

// crashRequested reports whether payload is {"crash":true}: an object
// whose member "crash" is true, read as json.Unmarshal would read it into
// struct{ Crash bool }: the key matches case-insensitively, null changes
// nothing, the last member wins, and a value that is not a boolean means
// no crash.
func crashRequested(payload []byte) bool {
	crash, bad := false, false
	ok := jsonlite.Members(payload, func(key string, v []byte) bool {
		if strings.EqualFold(key, "crash") {
			switch string(v) {
			case "true":
				crash = true
			case "false":
				crash = false
			case "null":
			default:
				bad = true
			}
		}
		return true
	})
	return ok && !bad && crash
}

// Count reads the count the "counter" agent keeps in mem (0 when none).
func Count(mem MemoryBackend) (int, error) {
	b, err := mem.Get(CounterKey)
	if errors.Is(err, ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("counter: %w", err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, fmt.Errorf("counter: bad count %q: %w", b, err)
	}
	return n, nil
}
