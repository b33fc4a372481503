package wsnats

// Log is the logger the client writes its diagnostics to. *slog.Logger
// implements it: pass one with the Logger option. The client never logs
// credentials.
//
// wsnats does not import log/slog itself: in the browser, slog and the
// encoding/json it brings along would add a quarter of a megabyte to the
// wasm module.
type Log interface {
	Debug(msg string, args ...any)
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// nopLog discards everything.
type nopLog struct{}

func (nopLog) Debug(string, ...any) {}
func (nopLog) Info(string, ...any)  {}
func (nopLog) Warn(string, ...any)  {}
func (nopLog) Error(string, ...any) {}
