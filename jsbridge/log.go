package jsbridge

import (
	"fmt"
	"os"
	"strings"
)

// consoleLog writes "wsnats: level msg key=value ..." lines to standard
// output, which wasm_exec.js sends to the browser console. It is the
// logger of connections made with {debug: true}.
type consoleLog struct{}

func (consoleLog) Debug(msg string, args ...any) { logLine("DEBUG", msg, args) }
func (consoleLog) Info(msg string, args ...any)  { logLine("INFO", msg, args) }
func (consoleLog) Warn(msg string, args ...any)  { logLine("WARN", msg, args) }
func (consoleLog) Error(msg string, args ...any) { logLine("ERROR", msg, args) }

func logLine(level, msg string, args []any) {
	var b strings.Builder
	b.WriteString(level)
	b.WriteByte(' ')
	b.WriteString(msg)
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(&b, " %v=%v", args[i], args[i+1])
	}
	fmt.Fprintln(os.Stdout, b.String())
}
