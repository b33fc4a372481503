package agent

import "github.com/wasm-nats/wasm-nats/wsnats"

// The supervisor logs to a wsnats.Log (a *slog.Logger is one): importing
// log/slog here would put slog, its handlers and their encoders in the wasm
// module of every page that runs agents.

// nopLog discards everything: the default logger.
type nopLog struct{}

func (nopLog) Debug(string, ...any) {}
func (nopLog) Info(string, ...any)  {}
func (nopLog) Warn(string, ...any)  {}
func (nopLog) Error(string, ...any) {}

// agentLog is the logger of one agent's Context: it puts "agent", id
// before the attributes of every record.
type agentLog struct {
	log wsnats.Log
	id  string
}

func (l agentLog) with(args []any) []any {
	return append([]any{"agent", l.id}, args...)
}

func (l agentLog) Debug(msg string, args ...any) { l.log.Debug(msg, l.with(args)...) }
func (l agentLog) Info(msg string, args ...any)  { l.log.Info(msg, l.with(args)...) }
func (l agentLog) Warn(msg string, args ...any)  { l.log.Warn(msg, l.with(args)...) }
func (l agentLog) Error(msg string, args ...any) { l.log.Error(msg, l.with(args)...) }
