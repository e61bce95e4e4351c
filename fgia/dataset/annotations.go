package dataset

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
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
	Reason string // bad_line, bad_label, duplicate_line, conflicting_line
	Msg    string
}

// Reasons of a LineError.
const (
	BadLine         = "bad_line"
	BadLabel        = "bad_label"
	DuplicateLine   = "duplicate_line"   // a path listed again with the same label: the later lines
	ConflictingLine = "conflicting_line" // a path listed with different labels: every line of it
)

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ReadAnnotations parses a list of "relative/path label" lines. numClasses > 0
// bounds the labels to [0, numClasses). Blank lines and lines starting with
// '#' are skipped, and a UTF-8 byte-order mark is ignored. Lines that cannot
// be used are returned as LineErrors (the caller decides whether to stop);
// a path listed twice keeps its first line when the labels agree and loses
// every line when they do not. A UTF-16 or binary file, or an I/O failure,
// is an error.
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
		first = map[string]int{} // path -> index in anns of its first occurrence
	)
	br := bufio.NewReader(r)
	if head, _ := br.Peek(4); len(head) >= 2 && (head[0] == 0xff && head[1] == 0xfe || head[0] == 0xfe && head[1] == 0xff) {
		return nil, nil, fmt.Errorf("dataset: %s is UTF-16 text; save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)", name)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	conflicting := map[string]bool{}
	for sc.Scan() {
		n++
		raw := sc.Text()
		if n == 1 {
			raw = strings.TrimPrefix(raw, "\ufeff") // a UTF-8 byte-order mark
		}
		if strings.IndexByte(raw, 0) >= 0 {
			return nil, nil, fmt.Errorf("dataset: %s:%d holds NUL bytes: not a text list (UTF-16 without a byte-order mark?)", name, n)
		}
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		bad := func(reason, format string, args ...any) {
			errs = append(errs, &LineError{File: name, Line: n, Text: text, Reason: reason, Msg: fmt.Sprintf(format, args...)})
		}
		// The path may contain spaces: the label is the last field.
		cut := strings.LastIndexAny(text, " \t")
		if cut < 0 {
			bad(BadLine, "want \"relative/path label\", got %q", text)
			continue
		}
		p, lbl := strings.TrimSpace(text[:cut]), text[cut+1:]
		label, err := strconv.Atoi(lbl)
		switch {
		case err != nil:
			bad(BadLabel, "label %q is not an integer", lbl)
			continue
		case label < 0 || (numClasses > 0 && label >= numClasses):
			bad(BadLabel, "label %d out of range [0, %d)", label, numClasses)
			continue
		}
		p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
		if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
			bad(BadLine, "path %q leaves the data folder", p)
			continue
		}
		if i, dup := first[p]; dup {
			if anns[i].Label == label {
				bad(DuplicateLine, "%s already listed at line %d", p, anns[i].Line)
			} else {
				bad(ConflictingLine, "%s is listed with label %d at line %d and %d here: both dropped", p, anns[i].Label, anns[i].Line, label)
				conflicting[p] = true
			}
			continue
		}
		first[p] = len(anns)
		anns = append(anns, Annotation{Path: p, Label: label, Line: n})
	}
	if err := sc.Err(); err != nil {
		return anns, errs, fmt.Errorf("dataset: %s:%d: %w", name, n+1, err)
	}
	if len(conflicting) > 0 {
		// The first line of a conflicting path goes too: no label of it
		// can be trusted.
		kept := anns[:0]
		for _, a := range anns {
			if conflicting[a.Path] {
				errs = append(errs, &LineError{File: name, Line: a.Line, Text: fmt.Sprintf("%s %d", a.Path, a.Label), Reason: ConflictingLine,
					Msg: fmt.Sprintf("%s is listed again with another label: both dropped", a.Path)})
				continue
			}
			kept = append(kept, a)
		}
		anns = kept
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
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
