package nb

import (
	"fmt"
	"html"
	"os"

	"github.com/janpfeifer/gonb/gonbui"
)

// Must returns v, or stops the cell with err's message when err is not nil:
// `m := nb.Must(predict.ReadMatrix(path))`.
func Must[T any](v T, err error) T {
	if err != nil {
		fail(err)
	}
	return v
}

// Check stops the cell with err's message when err is not nil.
func Check(err error) {
	if err != nil {
		fail(err)
	}
}

// Failf stops the cell with a message.
func Failf(format string, args ...any) {
	fail(fmt.Errorf(format, args...))
}

// exit ends the process; tests replace it.
var exit = os.Exit

// fail shows err in the cell and on stderr, and ends the cell's process
// with status 1, which GoNB (and nbconvert) report as a failed cell: the
// message, not a goroutine dump.
func fail(err error) {
	msg := err.Error()
	if gonbui.IsNotebook {
		gonbui.DisplayHTML(ErrorHTML(msg))
		gonbui.Sync()
	}
	fmt.Fprintln(os.Stderr, "error:", msg)
	exit(1)
}

// ErrorHTML is the box a failed cell shows.
func ErrorHTML(msg string) string {
	return `<div style="border-left:4px solid #c62828;padding:4px 8px;background:#fdecea;color:#611a15">` +
		`<b>error:</b> ` + html.EscapeString(msg) + `</div>`
}
