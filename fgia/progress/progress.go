// Package progress reports long work. Where the output can show a line in
// place (a terminal, or a notebook cell through a LineUpdater such as
// fgia/nb's) a bar updates one line; where it is a log, a few plain lines
// appear (every 10% or 15 s), so logs stay readable. Counts continue
// across resumes (17/80, not 7/70), rates are measured over this process's
// own work, with decimals when slow, and no rate is shown before there is
// one to show.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// LineUpdater is an Output that shows a line in place: each bar (key)
// rewrites its own line, then finishes it.
type LineUpdater interface {
	UpdateLine(key, line string)
	FinishLine(key, line string)
}

// Output is where bars write; tests and quiet runs set it to io.Discard.
// When it is a terminal or a LineUpdater, bars update in place.
var Output io.Writer = os.Stderr

// throttle is the least time between in-place updates.
const throttle = 200 * time.Millisecond

var nextKey atomic.Int64

// Bar counts done items out of a known total. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	live     LineUpdater // nil: log lines
	key      string
	label    string
	from     int // items done before this process started (a resume)
	total    int
	done     int
	start    time.Time
	lastLine time.Time
	lastTen  int
	info     string
	finished bool
}

// New starts a bar for total items.
func New(total int, label string) *Bar { return NewAt(0, total, label) }

// NewAt starts a bar at done of total items: a resumed run continues its
// count.
func NewAt(done, total int, label string) *Bar {
	now := time.Now()
	b := &Bar{w: Output, label: label, from: done, done: done, total: total, start: now, key: fmt.Sprintf("fgia-progress-%d", nextKey.Add(1))}
	b.lastTen = b.tenth()
	switch w := Output.(type) {
	case LineUpdater:
		b.live = w
	case *os.File:
		if term.IsTerminal(int(w.Fd())) {
			b.live = terminal{w}
		}
	}
	b.lastLine = now.Add(-throttle)
	return b
}

// SetInfo sets text shown after the count (e.g. the current loss).
func (b *Bar) SetInfo(info string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.info = info
}

// Add marks n more items done.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.live != nil {
		if time.Since(b.lastLine) >= throttle {
			b.lastLine = time.Now()
			b.live.UpdateLine(b.key, b.line(true))
		}
		return
	}
	if b.total <= 0 || b.done >= b.total {
		return
	}
	if ten := b.tenth(); ten > b.lastTen || time.Since(b.lastLine) > 15*time.Second {
		b.lastTen, b.lastLine = ten, time.Now()
		fmt.Fprintln(b.w, b.line(false))
	}
}

func (b *Bar) tenth() int {
	if b.total <= 0 {
		return 0
	}
	return b.done * 10 / b.total
}

// line renders the bar: label, [bar,] count, percent, rate, time left, info.
func (b *Bar) line(drawn bool) string {
	var s strings.Builder
	s.WriteString(b.label + ": ")
	if drawn && b.total > 0 {
		const width = 24
		filled := min(width, b.done*width/b.total)
		s.WriteString("[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] ")
	}
	fmt.Fprintf(&s, "%d/%d", b.done, b.total)
	if b.total > 0 {
		fmt.Fprintf(&s, " (%.0f%%)", 100*float64(b.done)/float64(b.total))
	}
	if r := b.rate(); r != "" {
		s.WriteString(" " + r)
		if left := b.left(); left != "" {
			s.WriteString(", " + left + " left")
		}
	}
	if b.info != "" {
		s.WriteString(" " + b.info)
	}
	return s.String()
}

// perSecond is this process's items a second (0 until there is a measure).
func (b *Bar) perSecond() float64 {
	el := time.Since(b.start).Seconds()
	if el < 0.5 || b.done <= b.from {
		return 0
	}
	return float64(b.done-b.from) / el
}

// rate formats the rate: decimals when slow, seconds an item when slower
// than one a second.
func (b *Bar) rate() string { return Rate(b.perSecond()) }

// Rate formats items a second as a person reads it.
func Rate(r float64) string {
	switch {
	case r <= 0:
		return ""
	case r < 1:
		return fmt.Sprintf("%.1f s/it", 1/r)
	case r < 10:
		return fmt.Sprintf("%.2f it/s", r)
	case r < 100:
		return fmt.Sprintf("%.1f it/s", r)
	}
	return fmt.Sprintf("%.0f it/s", r)
}

func (b *Bar) left() string {
	r := b.perSecond()
	if r <= 0 || b.total <= b.done {
		return ""
	}
	return (time.Duration(float64(b.total-b.done)/r) * time.Second).Round(time.Second).String()
}

// Finish closes the bar with one summary line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	el := time.Since(b.start)
	line := fmt.Sprintf("%s: %d/%d done in %s", b.label, b.done, b.total, el.Round(time.Millisecond))
	if r := b.rate(); r != "" {
		line += " (" + r + ")"
	}
	if b.info != "" {
		line += " " + b.info
	}
	if b.live != nil {
		b.live.FinishLine(b.key, line)
		return
	}
	fmt.Fprintln(b.w, line)
}

// terminal updates a line in place with a carriage return.
type terminal struct{ f *os.File }

func (t terminal) UpdateLine(_, line string) { fmt.Fprintf(t.f, "\r%s\x1b[K", line) }
func (t terminal) FinishLine(_, line string) { fmt.Fprintf(t.f, "\r%s\x1b[K\n", line) }
