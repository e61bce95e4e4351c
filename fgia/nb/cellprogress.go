package nb

import (
	"fmt"
	"html"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/janpfeifer/gonb/gonbui"
)

// cellLines is progress.Output in a notebook: each bar is one line of the
// cell's output that updates in place (gonbui.UpdateHTML), instead of a
// block of stderr lines. Plain writes (rare: bars are the only writers of
// progress.Output) go to stdout.
type cellLines struct {
	// prefix makes the display ids unique to this process: GoNB keeps the
	// ids of every cell run so far, and the bars of each process count
	// from 1, so a bare key would update an earlier cell's bar.
	prefix string
}

func newCellLines() *cellLines { return &cellLines{prefix: "fgia-" + gonbui.UniqueId() + "-"} }

func (c *cellLines) Write(p []byte) (int, error) { return os.Stdout.Write(p) }

// UpdateLine implements progress.LineUpdater.
func (c *cellLines) UpdateLine(key, line string) { gonbui.UpdateHTML(c.prefix+key, LineHTML(line)) }

// FinishLine implements progress.LineUpdater: the bar's summary stays.
func (c *cellLines) FinishLine(key, line string) {
	gonbui.UpdateHTML(c.prefix+key, LineHTML(line))
	gonbui.Sync()
}

// LineHTML is one line of progress as a cell shows it: monospace, so that
// the bar and the counts keep their places as it updates.
func LineHTML(line string) string {
	return `<pre style="margin:0;padding:0;background:none">` + html.EscapeString(line) + `</pre>`
}

// Status is an io.Writer for a long job's log (reproduce.Options.Log,
// train.Options.Log, ...): the cell shows its last line, updated in place,
// under a title, and the whole log folded below it.
type Status struct {
	mu      sync.Mutex
	title   string
	key     string
	partial []byte
	lines   []string
	dropped int // earlier lines no longer kept
	done    bool
}

// maxStatusLines bounds the folded log kept under a status line.
const maxStatusLines = 400

// NewStatus starts a status line.
func NewStatus(title string) *Status {
	open()
	return &Status{title: title, key: "fgia-status-" + gonbui.UniqueId()}
}

// Write takes log text; each complete line updates the display.
func (s *Status) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	changed := false
	for {
		i := strings.IndexByte(string(s.partial), '\n')
		if i < 0 {
			break
		}
		s.lines = append(s.lines, strings.TrimRight(string(s.partial[:i]), "\r"))
		s.partial = s.partial[i+1:]
		changed = true
	}
	if n := len(s.lines) - maxStatusLines; n > 0 {
		s.dropped += n
		s.lines = slices.Delete(s.lines, 0, n)
	}
	if changed && !s.done {
		s.show("")
	}
	return len(p), nil
}

// Done replaces the status line with a summary; the log stays folded
// below it.
func (s *Status) Done(summary string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.lines = append(s.lines, string(s.partial))
		s.partial = nil
	}
	s.done = true
	s.show(summary)
	if gonbui.IsNotebook {
		gonbui.Sync()
	}
}

// show renders the status: the summary, or the last line while running.
func (s *Status) show(summary string) {
	out := StatusHTML(s.title, summary, s.lines, s.dropped)
	if !gonbui.IsNotebook {
		if summary != "" {
			fmt.Println(s.title + ": " + summary)
		}
		return
	}
	gonbui.UpdateHTML(s.key, out)
}

// StatusHTML renders a status: the title and the summary (or, without one,
// the last log line), and the log folded in a <details> element (dropped:
// how many earlier lines it no longer holds).
func StatusHTML(title, summary string, lines []string, dropped int) string {
	head := summary
	if head == "" && len(lines) > 0 {
		head = lines[len(lines)-1]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div><b>%s</b>: <code>%s</code>`, html.EscapeString(title), html.EscapeString(head))
	if len(lines) > 0 {
		log := strings.Join(lines, "\n")
		if dropped > 0 {
			log = fmt.Sprintf("... %d earlier lines\n", dropped) + log
		}
		fmt.Fprintf(&b, `<details><summary>log (%d lines)</summary><pre style="max-height:20em;overflow:auto">%s</pre></details>`,
			dropped+len(lines), html.EscapeString(log))
	}
	b.WriteString("</div>")
	return b.String()
}
