package dataset

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout names the folders and files of a data set in the competition layout.
type Layout struct {
	Root string
}

// Names of the splits and files, relative to the root.
const (
	TrainDir       = "train"
	MetaDir        = "meta"
	TrainList      = "meta/train.txt"
	CleanList      = "meta/train_clean.txt"
	ManifestFile   = "meta/manifest.parquet"
	TestADir       = "testa"
	TestBDir       = "testb"
	ClassNamesFile = "meta/classes.txt"
)

// Path joins rel (slash-separated, relative to the root) onto the root.
func (l Layout) Path(rel string) string { return filepath.Join(l.Root, filepath.FromSlash(rel)) }

// Check returns a clear error when the root or its train folder or train list
// is missing.
func (l Layout) Check() error {
	for _, p := range []string{"", TrainDir, TrainList} {
		st, err := os.Stat(l.Path(p))
		if err != nil {
			what := "data folder"
			if p != "" {
				what = p
			}
			return fmt.Errorf("dataset: %s %s is missing (want DATA/train/<class>/<file> and DATA/meta/train.txt): %w", what, l.Path(p), err)
		}
		if p == TrainList && st.IsDir() {
			return fmt.Errorf("dataset: %s is a folder, want a text file", l.Path(p))
		}
	}
	return nil
}

// WalkFiles calls fn with the path (relative to the root, slash-separated) of
// every regular file under the folder rel (symbolic links to regular files
// included), in lexical order, without holding the listing of more than one
// folder at a time.
func (l Layout) WalkFiles(rel string, fn func(path string) error) error {
	return l.WalkEntries(rel, func(path string, regular bool) error {
		if regular {
			return fn(path)
		}
		return nil
	})
}

// WalkEntries is WalkFiles that also reports the entries that are not
// regular files (FIFOs, sockets, devices, links to folders or to nothing),
// with regular false, so that a manifest can account for them.
func (l Layout) WalkEntries(rel string, fn func(path string, regular bool) error) error {
	root := l.Path(rel)
	if st, err := os.Stat(root); err != nil {
		return fmt.Errorf("dataset: folder %s: %w", root, err)
	} else if !st.IsDir() {
		return fmt.Errorf("dataset: %s is not a folder", root)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("dataset: %s: %w", p, err)
		}
		if d.IsDir() {
			return nil
		}
		regular := d.Type().IsRegular()
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p) // a link counts as what it points to
			regular = err == nil && st.Mode().IsRegular()
		}
		r, err := filepath.Rel(l.Root, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(r), regular)
	})
}

// ListFiles returns WalkFiles' paths as a slice (names only: 835K paths are
// about 60 MB).
func (l Layout) ListFiles(rel string) ([]string, error) {
	var out []string
	err := l.WalkFiles(rel, func(p string) error { out = append(out, p); return nil })
	return out, err
}

// NumClassFolders counts the class folders under train/, the default number of
// classes when none is given.
func (l Layout) NumClassFolders() (int, error) {
	entries, err := os.ReadDir(l.Path(TrainDir))
	if err != nil {
		return 0, fmt.Errorf("dataset: %w", err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			n++
		}
	}
	return n, nil
}

// TestImages lists the images of a test split ("testa" or "testb") by file
// name, sorted.
func (l Layout) TestImages(split string) ([]string, error) {
	if split != TestADir && split != TestBDir {
		return nil, fmt.Errorf("dataset: unknown test split %q (want testa or testb)", split)
	}
	paths, err := l.ListFiles(split)
	if err != nil {
		return nil, err
	}
	for i, p := range paths {
		paths[i] = strings.TrimPrefix(p, split+"/")
	}
	sort.Strings(paths)
	return paths, nil
}
