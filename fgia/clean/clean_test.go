package clean

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/demodata"
	"github.com/fgia/fgia/fgia/fashionmnist"
	"github.com/fgia/fgia/fgia/manifest"
)

func pngBytes(t *testing.T, side int, shade uint8) []byte {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, side, side))
	for i := range m.Pix {
		m.Pix[i] = shade + uint8(i%7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func quiet() Options {
	o := DefaultOptions()
	o.Quiet, o.Log = true, nil
	return o
}

// TestRules builds a data set with one file per rule and checks the reason
// the manifest gives each path and line.
func TestRules(t *testing.T) {
	root := t.TempDir()
	l := dataset.Layout{Root: root}
	put := func(rel string, data []byte) {
		os.MkdirAll(filepath.Dir(l.Path(rel)), 0o755)
		if err := os.WriteFile(l.Path(rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := pngBytes(t, 32, 10), pngBytes(t, 32, 50), pngBytes(t, 32, 90)
	put("train/0000/good.png", a)
	put("train/0000/conflict.png", b)
	put("train/0001/conflict.png", b)
	put("train/0001/same1.png", c)
	put("train/0001/same2.png", c)
	put("train/0001/tiny.png", pngBytes(t, 8, 30))
	put("train/0002/broken.jpg", []byte("not an image"))
	put("train/0002/empty.png", nil)
	put("train/0002/unlisted.png", pngBytes(t, 32, 120))
	// The classes are named, so label 3 is out of range (without the names
	// the largest label would make it a fourth class).
	put("meta/classes.txt", []byte("a\nb\nc\n"))
	put("meta/train.txt", []byte(strings.Join([]string{
		"train/0000/good.png 0",
		"train/0000/conflict.png 0",
		"train/0001/conflict.png 1",
		"train/0001/same1.png 1",
		"train/0001/same2.png 1",
		"train/0001/tiny.png 1",
		"train/0002/broken.jpg 2",
		"train/0002/empty.png 2",
		"train/0002/gone.png 2",
		"train/0000/good.png 0",
		"train/0000/x.png seven",
		"train/0000/y.png 3",
	}, "\n")+"\n"))

	s, err := Run(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path   string
		line   int32
		reason string
	}{
		{"train/0000/good.png", 1, ""},
		{"train/0000/conflict.png", 2, ConflictingLabels},
		{"train/0001/conflict.png", 3, ConflictingLabels},
		{"train/0001/same1.png", 4, ""},
		{"train/0001/same2.png", 5, Duplicate},
		{"train/0001/tiny.png", 6, TooSmall},
		{"train/0002/broken.jpg", 7, "unreadable"},
		{"train/0002/empty.png", 8, "unreadable"},
		{"train/0002/gone.png", 9, "missing"},
		{"train/0000/good.png", 10, "duplicate_line"},
		{"train/0000/x.png", 11, "bad_label"},
		{"train/0000/y.png", 12, "bad_label"},
		{"train/0002/unlisted.png", 0, Unlisted},
	}
	rows, err := manifest.Read(l.Path(dataset.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("manifest has %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Path != w.path || r.Line != w.line || r.Reason != w.reason {
			t.Errorf("row %d: %s line %d reason %q; want %s line %d reason %q", i, r.Path, r.Line, r.Reason, w.path, w.line, w.reason)
		}
		if (r.Reason == "") != (r.Status == manifest.Kept) {
			t.Errorf("row %d: status %s with reason %q", i, r.Status, r.Reason)
		}
	}
	if s.Kept != 2 || s.Files != 9 || s.Lines != 12 {
		t.Errorf("summary kept %d files %d lines %d, want 2 9 12", s.Kept, s.Files, s.Lines)
	}
	clean, _ := os.ReadFile(l.Path(dataset.CleanList))
	if string(clean) != "train/0000/good.png 0\ntrain/0001/same1.png 1\n" {
		t.Errorf("train_clean.txt:\n%s", clean)
	}
}

func TestMissingFolder(t *testing.T) {
	_, err := Run(filepath.Join(t.TempDir(), "absent"), quiet())
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err = %v, want a clear missing-folder error", err)
	}
}

// TestDemoSet cleans a real WebFashion-LT build: every injected unreadable,
// conflicting duplicate and tiny image is dropped with that reason, and every
// file and annotation line is in the manifest.
func TestDemoSet(t *testing.T) {
	if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed (make test installs it)")
	}
	root, labels := t.TempDir(), t.TempDir()
	if _, err := demodata.Build(demodata.QuickOptions(root, labels)); err != nil {
		t.Fatal(err)
	}
	o := quiet()
	o.Outliers = true
	s, err := Run(root, o)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]manifest.Row{}
	for _, r := range s.Rows {
		byPath[r.Path] = r
	}
	// Every file under train/ and every line of train.txt is accounted for.
	l := dataset.Layout{Root: root}
	files, _ := l.ListFiles(dataset.TrainDir)
	for _, f := range files {
		if _, ok := byPath[f]; !ok {
			t.Errorf("file %s is not in the manifest", f)
		}
	}
	lines := 0
	listed, _ := os.ReadFile(l.Path(dataset.TrainList))
	for _, ln := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		lines++
		p := ln[:strings.LastIndex(ln, " ")]
		if _, ok := byPath[p]; !ok {
			t.Errorf("line %d (%s) is not in the manifest", lines, p)
		}
	}
	if len(s.Rows) != max(len(files), lines) {
		t.Errorf("%d manifest rows for %d files and %d lines", len(s.Rows), len(files), lines)
	}
	expect := map[string]string{
		demodata.KindUnreadable: "unreadable",
		demodata.KindDuplicate:  ConflictingLabels,
		demodata.KindTiny:       TooSmall,
		demodata.KindChart:      Outlier,
	}
	f, err := os.Open(filepath.Join(labels, "noise.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p, kind, _ := strings.Cut(sc.Text(), " ")
		seen[kind]++
		if want, ok := expect[kind]; ok && byPath[p].Reason != want {
			t.Errorf("%s (%s) has reason %q, want %q", p, kind, byPath[p].Reason, want)
		}
	}
	for kind := range expect {
		if seen[kind] == 0 {
			t.Errorf("the quick demo set injected no %s", kind)
		}
	}
}
