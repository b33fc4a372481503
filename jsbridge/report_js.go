//go:build js && wasm

package jsbridge

import (
	"fmt"
	"os"

	"github.com/hack-pad/safejs"
)

// consoleError writes "wsnats: what: err" with the page's console.error:
// the last resort for a failure that cannot be handed to the page's code
// (a JS call that failed, an error that cannot cross). Standard error is
// the fallback when the console itself fails.
func consoleError(what string, err error) {
	text := "wsnats: " + what + ": " + err.Error()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, text)
		}
	}()
	console, cerr := safejs.Global().Get("console")
	if cerr == nil {
		_, cerr = console.Call("error", text)
	}
	if cerr != nil {
		fmt.Fprintln(os.Stderr, text)
	}
}
