// Package progress reports long work: a live bar on a terminal, and a few
// plain lines (every 10% or 15 s) where output is a log or a notebook, so
// logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts done items out of a known total. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	start    time.Time
	lastLine time.Time
	lastTen  int
	bar      *progressbar.ProgressBar
	info     string
}

// SetInfo sets text shown after the count (e.g. the current loss).
func (b *Bar) SetInfo(info string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.info = info
	if b.bar != nil {
		b.bar.Describe(b.label + " " + info)
	}
}

// Output is where bars write; tests and quiet runs can set it to io.Discard.
var Output io.Writer = os.Stderr

// New starts a bar for total items.
func New(total int, label string) *Bar {
	now := time.Now()
	b := &Bar{w: Output, label: label, total: total, start: now, lastLine: now}
	if f, ok := b.w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("it"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return b
}

// Add marks n more items done.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.bar != nil {
		_ = b.bar.Add(n)
		return
	}
	if b.total <= 0 {
		return
	}
	ten := b.done * 10 / b.total
	if ten > b.lastTen || time.Since(b.lastLine) > 15*time.Second {
		b.lastTen, b.lastLine = ten, time.Now()
		if b.done < b.total {
			fmt.Fprintf(b.w, "%s: %d/%d (%.0f%%) %s %s\n", b.label, b.done, b.total, 100*float64(b.done)/float64(b.total), b.rate(), b.info)
		}
	}
}

func (b *Bar) rate() string {
	s := time.Since(b.start).Seconds()
	if s <= 0 {
		return ""
	}
	return fmt.Sprintf("%.0f it/s", float64(b.done)/s)
}

// Finish closes the bar and prints one summary line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
	}
	fmt.Fprintf(b.w, "%s: %d done in %s (%s) %s\n", b.label, b.done, time.Since(b.start).Round(time.Millisecond), b.rate(), b.info)
}
