package demodata

import (
	"crypto/sha1"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/fashionmnist"
)

func needFashionMNIST(t *testing.T) {
	if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed (make test installs it)")
	}
}

// digest hashes every file under dirs (names and bytes).
func digest(t *testing.T, dirs ...string) string {
	t.Helper()
	h := sha1.New()
	for _, d := range dirs {
		var paths []string
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				paths = append(paths, p)
			}
			return err
		})
		sort.Strings(paths)
		for _, p := range paths {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(d, p)
			fmt.Fprintf(h, "%s %x\n", rel, sha1.Sum(b))
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	needFashionMNIST(t)
	build := func(seed uint64) string {
		d, l := t.TempDir(), t.TempDir()
		o := QuickOptions(d, l)
		o.Seed = seed
		o.Workers = 3 // more workers than cores: order must not matter
		if _, err := Build(o); err != nil {
			t.Fatal(err)
		}
		return digest(t, d, l)
	}
	a, b, c := build(7), build(7), build(8)
	if a != b {
		t.Error("same seed, different bytes")
	}
	if a == c {
		t.Error("different seeds, same bytes")
	}
}

func TestLayoutAndLabels(t *testing.T) {
	needFashionMNIST(t)
	d, l := t.TempDir(), t.TempDir()
	o := QuickOptions(d, l)
	res, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	// Long tail: the head is MaxPerClass, the tail MaxPerClass / imbalance,
	// and the head is not simply class 0.
	sorted := append([]int(nil), res.ClassCounts...)
	sort.Sort(sort.Reverse(sort.IntSlice(sorted)))
	if sorted[0] != o.MaxPerClass || sorted[len(sorted)-1] != o.MaxPerClass/100 {
		t.Errorf("class counts %v: want max %d and min %d", res.ClassCounts, o.MaxPerClass, o.MaxPerClass/100)
	}
	if sort.IsSorted(sort.Reverse(sort.IntSlice(res.ClassCounts))) {
		t.Errorf("class counts %v follow class ids", res.ClassCounts)
	}
	lay := dataset.Layout{Root: d}
	anns, lineErrs, err := dataset.ReadAnnotations(lay.Path(dataset.TrainList), 10)
	if err != nil || len(lineErrs) > 0 {
		t.Fatalf("train.txt: %v %v", lineErrs, err)
	}
	for _, a := range anns {
		if want := fmt.Sprintf("train/%04d/", a.Label); !strings.HasPrefix(a.Path, want) {
			t.Errorf("%s labelled %d is not under %s", a.Path, a.Label, want)
		}
		name := filepath.Base(a.Path)
		b, err := os.ReadFile(lay.Path(a.Path))
		if err != nil {
			t.Fatal(err)
		}
		// Readable files are named by the SHA-1 of their bytes.
		if len(b) > 0 && !strings.HasPrefix(name, fmt.Sprintf("%x", sha1.Sum(b))) && !isNoise(t, l, a.Path, KindUnreadable) {
			t.Errorf("%s is not named by its content hash", a.Path)
		}
	}
	for split, want := range map[string]int{"testa": 200, "testb": 300} {
		names, err := lay.TestImages(split)
		if err != nil || len(names) != want {
			t.Errorf("%s: %d images (%v), want %d", split, len(names), err, want)
		}
		hidden, _ := os.ReadFile(filepath.Join(l, split+".txt"))
		if n := strings.Count(string(hidden), "\n"); n != want {
			t.Errorf("%s.txt has %d lines, want %d", split, n, want)
		}
	}
	// Nothing under the data folder gives the hidden labels away.
	for _, f := range []string{"testa.txt", "testb.txt", "noise.txt"} {
		if _, err := os.Stat(filepath.Join(d, f)); err == nil {
			t.Errorf("%s leaked into the data folder", f)
		}
	}
	if _, err := Build(o); err == nil {
		t.Error("building into a non-empty folder: no error")
	}
	if r, err := Ensure(o); err != nil || !r.Reused {
		t.Errorf("Ensure with the same options: reused=%v err=%v", r != nil && r.Reused, err)
	}
}

func isNoise(t *testing.T, labels, path, kind string) bool {
	b, err := os.ReadFile(filepath.Join(labels, "noise.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), path+" "+kind+"\n")
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"no folders", func(o *Options) { o.Out = "" }},
		{"imbalance below 1", func(o *Options) { o.Imbalance = 0.5 }},
		{"too many per class", func(o *Options) { o.MaxPerClass = 7000 }},
		{"noise rate", func(o *Options) { o.Noise.Tiny = 0.5 }},
	} {
		o := QuickOptions("a", "b")
		tc.edit(&o)
		if err := o.validate(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestNoiseIsPerClass: every class gets each defect at the configured rate
// of its own size (so the tail is not swamped by wrong labels), wrong
// labels come from confusable classes, and the imbalance after noise stays
// the configured one.
func TestNoiseIsPerClass(t *testing.T) {
	needFashionMNIST(t)
	o := DefaultOptions()
	o.Out, o.Labels = "unused", "unused"
	train, err := fashionmnist.Load("", "train")
	if err != nil {
		t.Fatal(err)
	}
	test, err := fashionmnist.Load("", "t10k")
	if err != nil {
		t.Fatal(err)
	}
	p := plan(o, train, test)
	nc := len(p.result.ClassCounts)
	listed := make([]int, nc)
	byKind := map[string][]int{}
	for _, f := range p.files {
		if !f.listed || !strings.HasPrefix(f.dir, "train/") {
			continue
		}
		listed[f.label]++
		if f.noise != "" {
			if byKind[f.noise] == nil {
				byKind[f.noise] = make([]int, nc)
			}
			byKind[f.noise][f.label]++
		}
		if f.noise == KindLabelNoise && confusable[f.label][f.source] == 0 {
			t.Errorf("a %s image is labelled %s: not a confusable class", fashionmnist.ClassNames[f.source], fashionmnist.ClassNames[f.label])
		}
	}
	for kind, rate := range map[string]float64{KindLabelNoise: o.Noise.LabelNoise, KindChart: o.Noise.Chart, KindTiny: o.Noise.Tiny, KindUnreadable: o.Noise.Unreadable} {
		for c, n := range byKind[kind] {
			want := rate * float64(p.result.ClassCounts[c])
			if math.Abs(float64(n)-want) > 0.5+1e-9 {
				t.Errorf("%s: class %d has %d, want %.1f (rate %g of %d)", kind, c, n, want, rate, p.result.ClassCounts[c])
			}
		}
	}
	lo, hi := listed[0], listed[0]
	for _, n := range listed {
		lo, hi = min(lo, n), max(hi, n)
	}
	if imb := float64(hi) / float64(lo); math.Abs(imb-o.Imbalance) > 0.1*o.Imbalance {
		t.Errorf("imbalance after noise %.1f (listed %v), configured %g", imb, listed, o.Imbalance)
	}
}
