package clean

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/imagefile"
	"github.com/fgia/fgia/fgia/manifest"
	"github.com/fgia/fgia/fgia/scan"
)

// Reasons a row is dropped, as stored in the manifest (besides the
// imagefile and scan reasons unreadable, too_large and missing).
const (
	ConflictingLabels = "duplicate_conflicting_label"
	Duplicate         = "duplicate"
	TooSmall          = "too_small"
	Unlisted          = "unlisted"
	Outlier           = "outlier"
	// NotAClass is a folder under train/ that holds no listed image (a
	// stray folder, .ipynb_checkpoints, __MACOSX): reported, never a class.
	NotAClass = "not_a_class"
)

// Options control cleaning. The zero value is not meaningful; start from
// DefaultOptions.
type Options struct {
	NumClasses int     // <= 0: the number of class folders under train/
	MinSide    int     // drop images whose shorter side is below this
	MaxPixels  int     // refuse images declaring more pixels (decompression bombs)
	Outliers   bool    // run the optional outlier detector
	OutlierZ   float64 // robust z-score above which an image is an outlier
	Workers    int     // scan goroutines; <= 0: one per CPU
	Quiet      bool    // no progress output
	Log        io.Writer
}

// DefaultOptions are the kit's defaults.
func DefaultOptions() Options {
	return Options{MinSide: 16, MaxPixels: imagefile.DefaultMaxPixels, OutlierZ: 3.5, Log: os.Stderr}
}

// Validate checks the options, naming the option of a bad value.
func (o Options) Validate() error {
	switch {
	case o.NumClasses < 0:
		return fmt.Errorf("clean: classes %d: want >= 0 (0: from the annotations)", o.NumClasses)
	case o.MinSide < 1:
		return fmt.Errorf("clean: min side %d: want >= 1 pixel", o.MinSide)
	case o.MaxPixels < 1:
		return fmt.Errorf("clean: max pixels %d: want >= 1", o.MaxPixels)
	case o.OutlierZ <= 0:
		return fmt.Errorf("clean: outlier z %g: want > 0", o.OutlierZ)
	case o.Workers < 0:
		return fmt.Errorf("clean: workers %d: want >= 0 (0: one per CPU)", o.Workers)
	}
	return nil
}

// Summary is what a cleaning run did.
type Summary struct {
	Files, Lines, Kept int
	Reasons            map[string]int // dropped rows by reason
	LineErrors         []*dataset.LineError
	Rows               []manifest.Row
	List               []dataset.Annotation // kept annotations, as written to train_clean.txt
}

// Run cleans the data set at root: it writes meta/manifest.parquet and
// meta/train_clean.txt and returns what it did.
func Run(root string, opt Options) (*Summary, error) {
	l := dataset.Layout{Root: root}
	if err := l.Check(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if opt.NumClasses == 0 {
		n, err := l.NumClasses()
		if err != nil {
			return nil, err
		}
		opt.NumClasses = n
	}
	anns, lineErrs, err := dataset.ReadAnnotations(l.Path(dataset.TrainList), opt.NumClasses)
	if err != nil {
		return nil, err
	}
	if len(anns) == 0 && len(lineErrs) == 0 {
		return nil, fmt.Errorf("clean: %s has no annotation lines (want \"relative/path label\" lines)", l.Path(dataset.TrainList))
	}
	for i, e := range lineErrs {
		e.File = l.Path(dataset.TrainList)
		if i < 20 {
			fmt.Fprintln(opt.Log, e.Error())
		} else if i == 20 {
			fmt.Fprintf(opt.Log, "... %d more annotation errors (all in the manifest)\n", len(lineErrs)-20)
		}
	}
	var files, irregular []string
	err = l.WalkEntries(dataset.TrainDir, func(p string, regular bool) error {
		if regular {
			files = append(files, p)
		} else {
			irregular = append(irregular, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Scan every listed path and every file on disk, once each.
	listed := make(map[string]int, len(anns))
	paths := make([]string, 0, len(files)+len(anns))
	for i, a := range anns {
		listed[a.Path] = i
		paths = append(paths, a.Path)
	}
	for _, f := range files {
		if _, ok := listed[f]; !ok {
			paths = append(paths, f)
		}
	}
	fmt.Fprintf(opt.Log, "clean %s: %d annotation lines, %d files under train/\n", root, len(anns)+len(lineErrs), len(files))
	thumb := 0
	if opt.Outliers {
		thumb = ThumbSide
	}
	scanned := scan.Files(root, paths, scan.Options{Workers: opt.Workers, MaxPixels: opt.MaxPixels, ThumbSide: thumb, Label: "clean: scan", Quiet: opt.Quiet})
	rows := decide(anns, scanned, opt)
	for _, p := range irregular {
		if _, ok := listed[p]; !ok { // a listed one was scanned: not_regular
			rows = append(rows, manifest.Row{Path: p, Label: -1, Status: manifest.Dropped, Reason: string(imagefile.NotRegular),
				Detail: "not a regular file (a FIFO, socket, device, or a link to a folder or to nothing): never opened"})
		}
	}
	strays, err := strayFolders(l, anns)
	if err != nil {
		return nil, err
	}
	rows = append(rows, strays...)
	for _, e := range lineErrs {
		p := e.Text // the path, when the line has a label field after it
		if i := strings.LastIndexAny(p, " \t"); i >= 0 {
			p = strings.TrimSpace(p[:i])
		}
		rows = append(rows, manifest.Row{Path: p, Label: -1, Line: int32(e.Line), Status: manifest.Dropped, Reason: e.Reason, Detail: e.Msg})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rowOrder(rows[i]) < rowOrder(rows[j]) })

	s := &Summary{Files: len(files), Lines: len(anns) + len(lineErrs), Reasons: map[string]int{}, LineErrors: lineErrs, Rows: rows}
	for _, r := range rows {
		if r.Status == manifest.Kept {
			s.Kept++
			s.List = append(s.List, dataset.Annotation{Path: r.Path, Label: int(r.Label), Line: int(r.Line)})
		} else {
			s.Reasons[r.Reason]++
		}
	}
	if err := manifest.Write(l.Path(dataset.ManifestFile), rows); err != nil {
		return nil, err
	}
	if s.Kept == 0 {
		return s, fmt.Errorf("clean: nothing of %s can be trained on (%d lines, %d files): see the reasons in %s",
			l.Path(dataset.TrainList), s.Lines, s.Files, l.Path(dataset.ManifestFile))
	}
	if err := dataset.WriteAnnotations(l.Path(dataset.CleanList), s.List); err != nil {
		return nil, err
	}
	return s, nil
}

// rowOrder sorts listed rows by line, then unlisted files (line 0) by path.
func rowOrder(r manifest.Row) int64 {
	if r.Line == 0 {
		return 1 << 40
	}
	return int64(r.Line)
}

// decide applies the rules, in order of precedence: unreadable / too_large /
// missing, conflicting labels, too_small, duplicate, outlier. scanned[i] is
// anns[i] for i < len(anns), unlisted files after.
func decide(anns []dataset.Annotation, scanned []scan.File, opt Options) []manifest.Row {
	rows := make([]manifest.Row, len(scanned))
	for i, f := range scanned {
		r := manifest.Row{Path: f.Path, Label: -1, SHA1: f.SHA1, Bytes: f.Bytes, Width: int32(f.Width), Height: int32(f.Height),
			Format: f.Format, Status: manifest.Kept, Reason: f.Reason, Detail: f.Detail}
		if i < len(anns) {
			r.Label, r.Line = int32(anns[i].Label), int32(anns[i].Line)
		} else if r.Reason == "" {
			r.Reason, r.Detail = Unlisted, "file is under train/ but not in the annotation list"
		}
		if r.Reason != "" {
			r.Status = manifest.Dropped
		}
		rows[i] = r
	}
	drop := func(i int, reason, detail string) {
		rows[i].Status, rows[i].Reason, rows[i].Detail = manifest.Dropped, reason, detail
	}

	// Same content under several labels: no copy can be trusted.
	bySHA := map[string][]int{}
	for i := range anns {
		if rows[i].Status == manifest.Kept {
			bySHA[rows[i].SHA1] = append(bySHA[rows[i].SHA1], i)
		}
	}
	for _, idx := range bySHA {
		if len(idx) < 2 {
			continue
		}
		labels := map[int32]bool{}
		for _, i := range idx {
			labels[rows[i].Label] = true
		}
		if len(labels) > 1 {
			var names []string
			for _, i := range idx {
				names = append(names, fmt.Sprintf("%s (label %d)", rows[i].Path, rows[i].Label))
			}
			for _, i := range idx {
				drop(i, ConflictingLabels, "same content as "+strings.Join(names, ", "))
			}
		}
	}
	for i := range anns {
		if rows[i].Status != manifest.Kept {
			continue
		}
		if s := min(rows[i].Width, rows[i].Height); int(s) < opt.MinSide {
			drop(i, TooSmall, fmt.Sprintf("shorter side %d < %d", s, opt.MinSide))
		}
	}
	// Same-label duplicates: keep the first listed copy.
	for _, idx := range bySHA {
		first := -1
		for _, i := range idx {
			if rows[i].Status != manifest.Kept {
				continue
			}
			if first < 0 {
				first = i
				continue
			}
			drop(i, Duplicate, "same content as "+rows[first].Path)
		}
	}
	if opt.Outliers {
		for i, z := range outlierScores(anns, scanned, rows) {
			if z > opt.OutlierZ {
				drop(i, Outlier, fmt.Sprintf("robust z-score %.1f from its class > %.1f", z, opt.OutlierZ))
			}
		}
	}
	return rows
}

// strayFolders are the folders under train/ that hold no listed image,
// at any depth: reported in the manifest, since classes come from the
// annotations and a folder is never one by itself.
func strayFolders(l dataset.Layout, anns []dataset.Annotation) ([]manifest.Row, error) {
	used := map[string]bool{}
	for _, a := range anns {
		for d := path.Dir(a.Path); d != "." && d != "/"; d = path.Dir(d) {
			used[d] = true
		}
	}
	var rows []manifest.Row
	root := l.Path(dataset.TrainDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == root {
			return nil
		}
		rel, err := filepath.Rel(l.Root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !used[rel] {
			rows = append(rows, manifest.Row{Path: rel + "/", Label: -1, Status: manifest.Dropped, Reason: NotAClass,
				Detail: "a folder under train/ with no listed image: classes come from meta/train.txt, so it is not a class"})
		}
		return nil
	})
	return rows, err
}
