package reproduce

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/table"
)

// rgbSet writes a small data set in the competition layout that is not the
// demo set: 3 classes of 20x20 RGB JPEGs told apart by their dominant
// colour, a long tail (24, 12, 6 training images), 6 test images a class
// in each of Test-A and Test-B, and one unreadable training file.
func rgbSet(t *testing.T) (data, labels string) {
	t.Helper()
	dir := t.TempDir()
	data, labels = filepath.Join(dir, "data"), filepath.Join(dir, "labels")
	rng := rand.New(rand.NewPCG(7, 8))
	encode := func(class int) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 20, 20))
		for i := 0; i < 20*20; i++ {
			c := [3]uint8{uint8(rng.IntN(90)), uint8(rng.IntN(90)), uint8(rng.IntN(90))}
			c[class] = uint8(150 + rng.IntN(100))
			img.Set(i%20, i/20, color.RGBA{c[0], c[1], c[2], 255})
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	write := func(path string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var list strings.Builder
	for class, n := range []int{24, 12, 6} {
		for i := 0; i < n; i++ {
			b := encode(class)
			rel := fmt.Sprintf("train/%04d/%x.jpg", class, sha1.Sum(b))
			write(filepath.Join(data, rel), b)
			fmt.Fprintf(&list, "%s %d\n", rel, class)
		}
	}
	write(filepath.Join(data, "train/0000/broken.jpg"), []byte("<html>not an image</html>"))
	list.WriteString("train/0000/broken.jpg 0\n")
	write(filepath.Join(data, "meta/train.txt"), []byte(list.String()))
	for _, split := range Splits {
		var l strings.Builder
		for class := 0; class < 3; class++ {
			for i := 0; i < 6; i++ {
				name := fmt.Sprintf("%s-%d-%d.jpg", split, class, i)
				write(filepath.Join(data, split, name), encode(class))
				fmt.Fprintf(&l, "%s %d\n", name, class)
			}
		}
		write(filepath.Join(labels, split+".txt"), []byte(l.String()))
	}
	return data, labels
}

// TestSmokeOnAnotherDataSet runs every stage of the reproduction, a few
// steps each, on RGB JPEGs of another size and class count than the demo
// set, and checks every promised output is there.
func TestSmokeOnAnotherDataSet(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a dozen small models")
	}
	data, labels := rgbSet(t)
	b, err := backend.NewWithConfig(backend.Choose().Config)
	if err != nil {
		t.Fatal(err)
	}
	progress.Output = &strings.Builder{}
	out := filepath.Join(t.TempDir(), "out")
	budget := Budgets["smoke"]
	var log strings.Builder
	opts := Options{Data: data, Labels: labels, Out: out, Budget: budget, Geometry: Geometry{Size: 16, RGB: true}, Backend: b, Log: &log}
	rows, err := Run(opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{"baseline", "clean", "arcface", "subcenter", "eql", "mae", "tta", "soup", "ensemble",
		"pseudo", "distill", "adjust", "redistribute", "redistribute_exclusive", "redistribute_sinkhorn"}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, r := range rows {
		if r.Step != want[i] {
			t.Errorf("row %d is %q, want %q", i, r.Step, want[i])
		}
		if r.TestA < 0 || r.TestA > 1 || r.TestB < 0 || r.TestB > 1 {
			t.Errorf("%s: accuracies %v %v", r.Step, r.TestA, r.TestB)
		}
	}
	stored, err := table.Read[Row](filepath.Join(out, Table))
	if err != nil || len(stored) != len(rows) {
		t.Fatalf("ablation.parquet: %d rows, %v", len(stored), err)
	}
	for _, f := range []string{Markdown, "submission_testb.csv", "submission_testa.csv", KSweepTable,
		"preds/baseline_testb.parquet", "preds/ensemble_testa.parquet",
		"plots/" + PlotDistribution + ".png", "plots/" + PlotAccuracy + ".png", "plots/" + PlotKSweep + ".png",
		"plots/" + PlotDistribution + ".svg", "plots/" + PlotAccuracy + ".svg", "plots/" + PlotKSweep + ".svg"} {
		if !exists(filepath.Join(out, f)) {
			t.Errorf("%s is missing", f)
		}
	}
	sub, err := os.ReadFile(filepath.Join(out, "submission_testb.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(sub)), "\n"); lines[0] != "image,label" || len(lines) != 1+18 {
		t.Errorf("submission: header %q, %d lines", lines[0], len(lines))
	}
	// The baseline list keeps what cleaning would drop but never the
	// unreadable file.
	base, _ := os.ReadFile(filepath.Join(out, ListsDir, "baseline.txt"))
	if strings.Contains(string(base), "broken.jpg") || strings.Count(string(base), "\n") != 42 {
		t.Errorf("baseline list:\n%s", base)
	}

	// A second run finds everything done and changes nothing.
	log.Reset()
	again, err := Run(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(rows) || again[len(again)-1] != rows[len(rows)-1] {
		t.Errorf("rerun gave %+v, first run %+v", again[len(again)-1], rows[len(rows)-1])
	}
	if strings.Contains(log.String(), "training") {
		t.Errorf("the rerun trained again:\n%s", log.String())
	}
}
