package reproduce

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/recipe"
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

// TestSmokeOnAnotherDataSet runs every step of the quick recipe, a few
// training steps each, on RGB JPEGs of another size and
// class count than the demo set, and checks every promised output; then a
// rerun changes nothing, a damaged prediction file is made again without
// losing a row, and the comparison with itself finds every row identical.
func TestSmokeOnAnotherDataSet(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a few dozen small models")
	}
	data, labels := rgbSet(t)
	b, err := backend.NewWithConfig(backend.Choose().Config)
	if err != nil {
		t.Fatal(err)
	}
	progress.Output = &strings.Builder{}
	out := filepath.Join(t.TempDir(), "out")
	r, err := recipe.Get("quick")
	if err != nil {
		t.Fatal(err)
	}
	budget, _ := recipe.GetBudget("smoke")
	var log strings.Builder
	// Four training steps cannot teach anything: the guard would stop the
	// run, so the smoke test records collapsed rows instead.
	opts := Options{Data: data, Labels: labels, Out: out, Recipe: r, Budget: budget, Seeds: 1,
		Geometry: Geometry{Size: 16, RGB: true}, Backend: b, Log: &log, AllowCollapse: true}
	rows, err := Run(opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := r.RowNames()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, row := range rows {
		if row.Step != want[i] || row.Seeds != 1 {
			t.Errorf("row %d is %q with %d seeds, want %q with 1", i, row.Step, row.Seeds, want[i])
		}
		if row.TestA < 0 || row.TestA > 1 || row.TestB < 0 || row.TestB > 1 {
			t.Errorf("%s: accuracies %v %v", row.Step, row.TestA, row.TestB)
		}
		if !(row.CILow <= row.TestB && row.TestB <= row.CIHigh) {
			t.Errorf("%s: Test-B %v outside its interval [%v, %v]", row.Step, row.TestB, row.CILow, row.CIHigh)
		}
		if row.Base != "" && !(row.DeltaCILow <= row.Delta+1e-9 && row.Delta <= row.DeltaCIHigh+1e-9) {
			t.Errorf("%s: delta %v outside its interval [%v, %v]", row.Step, row.Delta, row.DeltaCILow, row.DeltaCIHigh)
		}
	}
	stored, err := table.Read[Row](filepath.Join(out, Table))
	if err != nil || len(stored) != len(rows) {
		t.Fatalf("ablation.parquet: %d rows, %v", len(stored), err)
	}
	seedRows, err := table.Read[SeedRow](filepath.Join(out, SeedTable))
	if err != nil || len(seedRows) != len(rows) {
		t.Fatalf("ablation_seeds.parquet: %d rows, %v", len(seedRows), err)
	}
	files := []string{Markdown, ResultsCSV, Provenance, "submission_testb.csv", "submission_testa.csv", KSweepTable,
		"seed-1/preds/baseline_testb.parquet", "seed-1/preds/ensemble_testa.parquet"}
	for _, plot := range []string{PlotAblation, PlotDeltas, PlotDistribution, PlotAccuracy, PlotKSweep} {
		files = append(files, "plots/"+plot+".png", "plots/"+plot+".svg")
	}
	for _, f := range files {
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
	if differ, missing, err := VerifyFiles(out); err != nil || len(differ) > 0 || len(missing) > 0 {
		t.Errorf("provenance.json: %v, files that differ: %v, missing: %v", err, differ, missing)
	}
	// A changed file differs; a removed one is missing.
	if err := os.WriteFile(filepath.Join(out, Markdown), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(out, ResultsCSV)); err != nil {
		t.Fatal(err)
	}
	if differ, missing, err := VerifyFiles(out); err != nil || !slices.Equal(differ, []string{Markdown}) || !slices.Equal(missing, []string{ResultsCSV}) {
		t.Errorf("after editing %s and removing %s: differ %v, missing %v (%v)", Markdown, ResultsCSV, differ, missing, err)
	}
	pv, err := ReadProvenance(out)
	if err != nil || pv.Seeds != 1 || pv.Recipe.Name != "quick" || pv.Files[Markdown] == "" || len(pv.StepWall) == 0 {
		t.Errorf("provenance: %+v, %v", pv, err)
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
	if strings.Contains(log.String(), ": training ") {
		t.Errorf("the rerun trained again:\n%s", log.String())
	}

	// A damaged prediction file is made again, and no row is lost.
	damaged := filepath.Join(out, "seed-1", "preds", "ensemble_testb.parquet")
	if err := os.Truncate(damaged, 100); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	again, err = Run(opts)
	if err != nil {
		t.Fatalf("rerun with a damaged file: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "ensemble_testb.parquet is unusable") || len(again) != len(rows) {
		t.Errorf("the damaged file was not reported and made again (%d rows):\n%s", len(again), log.String())
	}
	for i := range rows {
		if again[i].TestB != rows[i].TestB {
			t.Errorf("%s: Test-B %v after regenerating, %v before", rows[i].Step, again[i].TestB, rows[i].TestB)
		}
	}

	diffs, err := Compare(out, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if !d.Identical {
			t.Errorf("compared with itself, %s seed %d differs: %+v", d.Step, d.Seed, d)
		}
	}
	if md := CompareMarkdown(diffs, out); !strings.Contains(md, fmt.Sprintf("%d rows identical", len(diffs))) {
		t.Errorf("comparison:\n%s", md)
	}
	// A folder without a per-seed table (an older fgia's, or none yet) is no reference.
	if _, err := Compare(t.TempDir(), out); !errors.Is(err, ErrNoReference) {
		t.Errorf("compared with an empty folder: %v, want ErrNoReference", err)
	}
}

// TestSeeds runs a small recipe with two seeds: the seeds train different
// models, a row is their mean with a standard deviation, and the paired
// delta interval is computed over both seeds.
func TestSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small models")
	}
	data, labels := rgbSet(t)
	b, err := backend.NewWithConfig(backend.Choose().Config)
	if err != nil {
		t.Fatal(err)
	}
	progress.Output = &strings.Builder{}
	r := recipe.Recipe{Name: "two-rows", Steps: []recipe.Step{
		{Name: "baseline", Kind: recipe.Finetune, Preset: "demo-vit", List: recipe.BaselineList},
		{Name: "clean", Kind: recipe.Finetune, Preset: "demo-vit", Base: "baseline"},
		{Name: "tta", Kind: recipe.TTA, From: "clean", Base: "clean"},
	}}
	budget, _ := recipe.GetBudget("smoke")
	out := filepath.Join(t.TempDir(), "out")
	var log strings.Builder
	rows, err := Run(Options{Data: data, Labels: labels, Out: out, Recipe: r, Budget: budget, Seeds: 2,
		Geometry: Geometry{Size: 16, RGB: true}, Backend: b, Log: &log, AllowCollapse: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	seedRows, err := table.Read[SeedRow](filepath.Join(out, SeedTable))
	if err != nil || len(seedRows) != 6 {
		t.Fatalf("%d seed rows, %v", len(seedRows), err)
	}
	testB := map[string][3]float64{} // step -> Test-B of seeds 1 and 2
	for _, sr := range seedRows {
		v := testB[sr.Step]
		v[sr.Seed] = sr.TestB
		testB[sr.Step] = v
	}
	for _, row := range rows {
		a, b := testB[row.Step][1], testB[row.Step][2]
		if row.Seeds != 2 || math.Abs(row.TestB-(a+b)/2) > 1e-12 {
			t.Errorf("%s: %d seeds, Test-B %v, want the mean of %v and %v", row.Step, row.Seeds, row.TestB, a, b)
		}
		if want := math.Abs(a-b) / math.Sqrt2; math.Abs(row.TestBStd-want) > 1e-12 {
			t.Errorf("%s: sd %v, want %v", row.Step, row.TestBStd, want)
		}
		if row.Base == "" {
			continue
		}
		d1, d2 := a-testB[row.Base][1], b-testB[row.Base][2]
		if math.Abs(row.DeltaSeedMin-min(d1, d2)) > 1e-12 || math.Abs(row.DeltaSeedMax-max(d1, d2)) > 1e-12 {
			t.Errorf("%s: Δ by seed %v..%v, want the seeds' %v and %v", row.Step, row.DeltaSeedMin, row.DeltaSeedMax, d1, d2)
		}
	}
	ck := func(seed int) string {
		b, err := os.ReadFile(filepath.Join(out, SeedDir(seed), "runs", "clean", "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if !strings.Contains(ck(1), `"seed": 1`) || !strings.Contains(ck(2), `"seed": 2`) {
		t.Errorf("the seeds' runs do not carry seeds 1 and 2")
	}
}

func TestEverySeed(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name          string
		base          string
		delta, lo, hi float64
		want          bool
	}{
		{"gain in every seed", "a", 0.02, 0.01, 0.03, true},
		{"loss in every seed", "a", -0.02, -0.03, -0.01, true},
		{"a seed against the mean", "a", 0.02, -0.01, 0.05, false},
		{"a seed at zero", "a", -0.01, -0.02, 0, false},
		{"no base", "", 0.02, 0.01, 0.03, false},
		{"no per-seed deltas", "a", 0.02, nan, nan, false},
	} {
		r := Row{Base: tc.base, Delta: tc.delta, DeltaSeedMin: tc.lo, DeltaSeedMax: tc.hi}
		if got := r.EverySeed(); got != tc.want {
			t.Errorf("%s: EverySeed() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSeedDeltaRange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b    map[int]float64
		lo, hi  float64
		noSeeds bool
	}{
		{"three seeds", map[int]float64{1: 0.6, 2: 0.7, 3: 0.65}, map[int]float64{1: 0.5, 2: 0.72, 3: 0.6}, -0.02, 0.1, false},
		{"only shared seeds count", map[int]float64{1: 0.6, 2: 0.9}, map[int]float64{1: 0.5}, 0.1, 0.1, false},
		{"no shared seed", map[int]float64{2: 0.6}, map[int]float64{1: 0.5}, 0, 0, true},
	} {
		lo, hi := seedDeltaRange(tc.a, tc.b)
		if tc.noSeeds {
			if !math.IsNaN(lo) || !math.IsNaN(hi) {
				t.Errorf("%s: %v..%v, want NaN", tc.name, lo, hi)
			}
			continue
		}
		if math.Abs(lo-tc.lo) > 1e-12 || math.Abs(hi-tc.hi) > 1e-12 {
			t.Errorf("%s: %v..%v, want %v..%v", tc.name, lo, hi, tc.lo, tc.hi)
		}
	}
}

// TestGuard: a row whose model answers one class for most of Test-A, or
// trains no better than the largest class, stops the run with a message
// naming the row; with AllowCollapse it is recorded as collapsed.
func TestGuard(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	os.MkdirAll(run, 0o755)
	ri := `{"config":{},"images":100,"class_counts":[60,30,10]}`
	os.WriteFile(filepath.Join(run, "config.json"), []byte(ri), 0o644)
	writePreds := func(preds []int32) predictions {
		f := filepath.Join(dir, "p_testa.parquet")
		var rows []predict.Row
		for i, p := range preds {
			rows = append(rows, predict.Row{Image: fmt.Sprintf("%d.png", i), Pred: p, Logits: []float32{0, 0, 0}})
		}
		if err := predict.Write(f, rows, nil, nil); err != nil {
			t.Fatal(err)
		}
		return predictions{"testa": f}
	}
	metrics := func(acc float64) {
		os.WriteFile(filepath.Join(run, "metrics.jsonl"), []byte(fmt.Sprintf(`{"step":10,"epoch":1,"accuracy":%g}`+"\n", acc)), 0o644)
	}
	s := &seedRun{pipeline: &pipeline{classes: 3, names: []string{"a", "b", "c"}, Options: Options{Log: io.Discard}}, seed: 1}
	st := recipe.Step{Name: "arcface"}
	for _, tc := range []struct {
		preds []int32
		acc   float64
		want  string
	}{
		{[]int32{0, 1, 2, 0, 1, 2}, 0.9, ""},
		{[]int32{0, 0, 0, 0, 1, 2}, 0.9, "67% of Test-A is predicted as class 0 (a)"},
		{[]int32{0, 1, 2, 0, 1, 2}, 0.61, "no better than always answering the largest class (60.0%)"},
	} {
		metrics(tc.acc)
		files := writePreds(tc.preds)
		s.AllowCollapse = false
		status, err := s.guard(st, run, files)
		if tc.want == "" {
			if err != nil || status != "" {
				t.Errorf("%v at %v: %q, %v", tc.preds, tc.acc, status, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "row arcface collapsed") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v at %v: error %v, want one naming the row and %q", tc.preds, tc.acc, err, tc.want)
		}
		s.AllowCollapse = true
		if status, err := s.guard(st, run, files); err != nil || status != StatusCollapsed {
			t.Errorf("with AllowCollapse: %q, %v", status, err)
		}
	}
}
