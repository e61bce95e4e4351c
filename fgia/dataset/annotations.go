package dataset

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/atomicfile"
)

// Annotation is one usable line of an annotation list.
type Annotation struct {
	Path  string // relative to the data root, slash-separated
	Label int
	Line  int // 1-based line number in the list
}

// LineError is an annotation line that cannot be used, with where it is.
type LineError struct {
	File   string
	Line   int
	Text   string
	Reason string // bad_line, bad_label, duplicate_line
	Msg    string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ReadAnnotations parses a list of "relative/path label" lines. numClasses > 0
// bounds the labels to [0, numClasses). Blank lines and lines starting with
// '#' are skipped. Lines that cannot be used are returned as LineErrors (the
// caller decides whether to stop); only I/O failures are an error.
func ReadAnnotations(file string, numClasses int) ([]Annotation, []*LineError, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset: annotation list: %w", err)
	}
	defer f.Close()
	return ParseAnnotations(f, file, numClasses)
}

// ParseAnnotations is ReadAnnotations on a reader; name is used in errors.
func ParseAnnotations(r io.Reader, name string, numClasses int) ([]Annotation, []*LineError, error) {
	var (
		anns  []Annotation
		errs  []*LineError
		first = map[string]int{} // path -> line of its first occurrence
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		bad := func(reason, format string, args ...any) {
			errs = append(errs, &LineError{File: name, Line: n, Text: text, Reason: reason, Msg: fmt.Sprintf(format, args...)})
		}
		// The path may contain spaces: the label is the last field.
		cut := strings.LastIndexAny(text, " \t")
		if cut < 0 {
			bad("bad_line", "want \"relative/path label\", got %q", text)
			continue
		}
		p, lbl := strings.TrimSpace(text[:cut]), text[cut+1:]
		label, err := strconv.Atoi(lbl)
		switch {
		case err != nil:
			bad("bad_label", "label %q is not an integer", lbl)
			continue
		case label < 0 || (numClasses > 0 && label >= numClasses):
			bad("bad_label", "label %d out of range [0, %d)", label, numClasses)
			continue
		}
		p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
		if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
			bad("bad_line", "path %q leaves the data folder", p)
			continue
		}
		if prev, dup := first[p]; dup {
			bad("duplicate_line", "%s already listed at line %d", p, prev)
			continue
		}
		first[p] = n
		anns = append(anns, Annotation{Path: p, Label: label, Line: n})
	}
	if err := sc.Err(); err != nil {
		return anns, errs, fmt.Errorf("dataset: %s:%d: %w", name, n+1, err)
	}
	return anns, errs, nil
}

// WriteAnnotations writes anns as "path label" lines, atomically.
func WriteAnnotations(file string, anns []Annotation) error {
	return atomicfile.Write(file, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for _, a := range anns {
			if _, err := fmt.Fprintf(bw, "%s %d\n", a.Path, a.Label); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}
