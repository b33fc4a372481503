package agent

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ErrKeyNotFound is returned by MemoryBackend.Get for a key that holds no
// value. Test for it with errors.Is.
var ErrKeyNotFound = errors.New("agent: key not found")

// AgentID names an agent. It is also the last part of the agent's NATS
// subject (<prefix>.<id>), so it must not be empty nor hold white space or
// the wildcards '*' and '>'.
type AgentID string

// String returns the ID as a string.
func (id AgentID) String() string { return string(id) }

// MemoryBackend is an agent's key-value state. The supervisor keeps the
// same backend across restarts of an agent, so what an agent stored before
// a crash is there when it starts again. Implementations must be safe for
// concurrent use.
type MemoryBackend interface {
	// Get returns the value of key, or an error wrapping ErrKeyNotFound.
	Get(key string) ([]byte, error)
	// Set stores value under key, replacing any previous value.
	Set(key string, value []byte) error
	// Delete removes key; removing a missing key is not an error.
	Delete(key string) error
	// Keys returns every key, sorted.
	Keys() ([]string, error)
}

// InMemory is a MemoryBackend held in process memory. Values are copied in
// and out, so callers may reuse their slices. The zero value is ready to
// use.
type InMemory struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// NewInMemory returns an empty InMemory backend.
func NewInMemory() *InMemory { return &InMemory{m: map[string][]byte{}} }

// Get returns a copy of the value of key, or an error wrapping
// ErrKeyNotFound.
func (s *InMemory) Get(key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.m[key]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrKeyNotFound, key)
	}
	return append([]byte{}, v...), nil
}

// Set stores a copy of value under key.
func (s *InMemory) Set(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte{}, value...)
	return nil
}

// Delete removes key.
func (s *InMemory) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Keys returns the keys, sorted.
func (s *InMemory) Keys() ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// Config describes one agent for Supervisor.Start.
type Config struct {
	// ID names the agent; unique within a supervisor.
	ID AgentID
	// Memory is the agent's state, kept across restarts; nil means a new
	// InMemory.
	Memory MemoryBackend
	// NATSEnabled connects the agent to the supervisor's Messenger: it
	// receives what is published to <prefix>.<ID> and may Publish.
	NATSEnabled bool
	// MailboxSize bounds the agent's mailbox; 0 means the supervisor's
	// default (DefaultMailboxSize unless changed with WithMailboxSize).
	MailboxSize int
}
