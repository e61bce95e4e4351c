// Package nb is the notebooks' workbench: what a GoNB cell calls so that it
// stays a few lines. It finds the repository and makes its root the working
// directory (so every path a notebook prints is relative and no machine's
// folders end up in committed outputs), prepares a data set and the backend
// and says which once (Setup), shows Markdown, tables (a slice of structs or
// a Parquet file, with percent formatting), figures and images, turns long
// jobs into one line a job that updates in place (a progress.LineUpdater on
// gonbui.UpdateHTML, installed as progress.Output), opens reproductions
// (fgia/reproduce output folders) for notebooks 04-06, and stops a cell with
// a clear message on an error (Must, Check) instead of a panic's stack.
//
// Every GoNB cell runs as its own process: the package sets itself up once a
// process, on the first call of any of its functions (a notebook's
// declarations cell calls one, e.g. `var demo = nb.Demo()`, so that it
// happens before any cell's code).
package nb

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/fgia/fgia/fgia/progress"
)

// Module is the module path whose go.mod marks the repository root.
const Module = "github.com/fgia/fgia"

var (
	openOnce sync.Once
	root     string
	openErr  error
)

// open finds the repository root, makes it the working directory and, in a
// notebook, sends progress bars to the cell. Once a process.
func open() {
	openOnce.Do(func() {
		start := os.Getenv("GONB_DIR") // the notebook's folder, set by GoNB
		if start == "" {
			start, openErr = os.Getwd()
			if openErr != nil {
				return
			}
		}
		root, openErr = FindRoot(start)
		if openErr != nil {
			return
		}
		if openErr = os.Chdir(root); openErr != nil {
			return
		}
		if gonbui.IsNotebook {
			progress.Output = newCellLines()
		}
	})
	if openErr != nil {
		fail(fmt.Errorf("nb: %w", openErr))
	}
}

// FindRoot returns the first folder from dir upward whose go.mod declares
// Module: the repository, wherever it is checked out and wherever below it
// a notebook runs (notebooks/, or build/notebooks/ for the copies that
// `make test` executes).
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if moduleOf(filepath.Join(d, "go.mod")) == Module {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod of module %s in %s or any folder above it", Module, dir)
		}
	}
}

// moduleOf is the module path a go.mod declares ("" when unreadable).
func moduleOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Root is the repository root (the working directory of every cell). Show
// paths with Rel, not Root.
func Root() string {
	open()
	return root
}

// Rel writes a path for display: relative to the repository root when it is
// inside it, else only its base name after ".../", so that no absolute path
// of this machine (or of the one that wrote a file) reaches an output.
func Rel(path string) string {
	if path == "" || !filepath.IsAbs(path) {
		return filepath.ToSlash(path)
	}
	if r, err := filepath.Rel(Root(), path); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return filepath.ToSlash(r)
	}
	return ".../" + filepath.Base(path)
}

// Work is build/notebooks/NAME, a notebook's own folder for the runs and
// files it writes (ignored by git), created if needed.
func Work(name string) string {
	open()
	dir := filepath.Join("build", "notebooks", name)
	Check(os.MkdirAll(dir, 0o755))
	return dir
}
