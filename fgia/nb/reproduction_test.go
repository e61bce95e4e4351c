package nb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/reproduce"
	"github.com/fgia/fgia/fgia/table"
)

// oldRow is the ablation row of fgia before intervals and seeds (the
// committed reports/reproduce had this shape).
type oldRow struct {
	Step  string  `parquet:"step"`
	Model string  `parquet:"model"`
	TestA float64 `parquet:"testa_acc"`
	TestB float64 `parquet:"testb_acc"`
	Base  string  `parquet:"base"`
	Delta float64 `parquet:"delta"`
	Note  string  `parquet:"note"`
}

func renderHTML(t *testing.T, tb *Table) string {
	t.Helper()
	s, err := tb.HTML()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOldAblationTable(t *testing.T) {
	dir := t.TempDir()
	if err := table.Write(filepath.Join(dir, reproduce.Table), []oldRow{
		{Step: "baseline", Model: "baseline", TestA: 0.62, TestB: 0.62},
		{Step: "clean", Model: "clean", TestA: 0.63, TestB: 0.6323, Base: "baseline", Delta: 0.0123},
	}); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReproduction(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Missing(), ","); got != strings.Join(IntervalColumns, ",") {
		t.Errorf("missing %s, want every interval column", got)
	}
	if r.Recipe != nil {
		t.Error("a folder without reproduction.json has a recipe")
	}
	s := renderHTML(t, r.AblationTable())
	for _, w := range []string{">63.23%</td>", ">+1.23</td>"} {
		if !strings.Contains(s, w) {
			t.Errorf("%q not in\n%s", w, s)
		}
	}
	for _, no := range []string{"interval", "excludes 0", "<b>"} {
		if strings.Contains(s, no) {
			t.Errorf("an old table shows %q (it has no such data):\n%s", no, s)
		}
	}
	if len(r.Significant()) != 0 {
		t.Error("an old table has significant rows")
	}
	// Old folders keep predictions at the top.
	if got := r.Pred("clean", "testb"); got != filepath.Join(dir, "preds", "clean_testb.parquet") {
		t.Errorf("Pred %s", got)
	}
	if tb, err := r.SeedSpread(); tb != nil || err != nil {
		t.Errorf("seed spread of a folder without seeds: %v %v", tb, err)
	}
	sum := r.Summary()
	for _, w := range []string{"older fgia", "none of its 2 rows' differences can be told from noise", "best Test-B row is **clean** at 63.23%"} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
}

func TestAblationTableWithIntervals(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	rows := []reproduce.Row{
		{Step: "clean", Model: "clean", Seeds: 2, TestA: 0.6, TestB: 0.62, TestBStd: 0.008 / math.Sqrt2, CILow: 0.61, CIHigh: 0.63, DeltaCILow: nan, DeltaCIHigh: nan, DeltaSeedMin: nan, DeltaSeedMax: nan, Status: "ok"},
		{Step: "arcface", Model: "arcface", Seeds: 2, TestB: 0.65, CILow: 0.64, CIHigh: 0.66, Base: "clean", Delta: 0.03, DeltaCILow: 0.01, DeltaCIHigh: 0.05, DeltaSeedMin: 0.026, DeltaSeedMax: 0.034, Status: "ok"},
		{Step: "tta", Model: "arcface_tta", Seeds: 2, TestB: 0.651, CILow: 0.64, CIHigh: 0.66, Base: "arcface", Delta: 0.001, DeltaCILow: -0.002, DeltaCIHigh: 0.004, DeltaSeedMin: -0.001, DeltaSeedMax: 0.003, Status: "ok"},
		{Step: "final", Model: "ensemble", Seeds: 1, TestB: 0.7, CILow: nan, CIHigh: nan, Base: "tta", Delta: 0.049, DeltaCILow: nan, DeltaCIHigh: nan, DeltaSeedMin: 0.049, DeltaSeedMax: 0.049, Status: "collapsed"},
	}
	if err := table.Write(filepath.Join(dir, reproduce.Table), rows); err != nil {
		t.Fatal(err)
	}
	seeds := []reproduce.SeedRow{
		{Step: "clean", Seed: 1, TestB: 0.616}, {Step: "clean", Seed: 2, TestB: 0.624},
		{Step: "arcface", Seed: 1, TestB: 0.65}, {Step: "arcface", Seed: 2, TestB: 0.65},
		{Step: "tta", Seed: 2, TestB: 0.651},
		{Step: "final", Seed: 1, TestB: 0.7},
	}
	if err := table.Write(filepath.Join(dir, reproduce.SeedTable), seeds); err != nil {
		t.Fatal(err)
	}
	rec, err := recipe.Get("quick")
	if err != nil {
		t.Fatal(err)
	}
	stamp, _ := json.Marshal(map[string]any{"recipe": rec})
	if err := os.WriteFile(filepath.Join(dir, reproduce.StampFile), stamp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "seed-1", "preds"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed-1", "preds", "ensemble_testb.parquet"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	r, err := OpenReproduction(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Missing(); len(m) != 0 {
		t.Fatalf("missing %v", m)
	}
	if r.Recipe == nil || r.Recipe.Name != "quick" || r.Step("redistribute").Method != recipe.Champion {
		t.Errorf("recipe not read from %s", reproduce.StampFile)
	}
	// A select row's prediction file is its chosen member's, under seed-1.
	if got := r.Pred("final", "testb"); got != filepath.Join(dir, "seed-1", "preds", "ensemble_testb.parquet") {
		t.Errorf("Pred(final) %s", got)
	}
	s := renderHTML(t, r.AblationTable())
	for _, w := range []string{
		">[61.00, 63.00%]</td>", ">+0.57</td>", // clean: interval, sd over 2 seeds
		"<b>+3.00</b>", ">[+1.00, +5.00]</td>", ">yes</td>", ">+2.60..+3.40 ✓</td>", // arcface: excludes 0, in every seed
		">+0.10</td>", ">[-0.20, +0.40]</td>", ">no</td>", ">-0.10..+0.30</td>", // tta: does not
		">collapsed</td>",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("%q not in\n%s", w, s)
		}
	}
	if strings.Contains(s, "<b>+0.10") || strings.Contains(s, "<b>+4.90") {
		t.Errorf("a delta whose interval includes 0 or is unknown is bold:\n%s", s)
	}
	if sig := r.Significant(); len(sig) != 1 || sig[0].Step != "arcface" {
		t.Errorf("significant %v", sig)
	}

	sum := r.Summary()
	for _, w := range []string{
		"4 rows, each the mean of 2 seeds; a row's 95% interval is ±1.0 points",
		"excludes 0 (real at 95%): arcface vs clean +3.00 [+1.00, +5.00], in every seed.",
		"Within noise (interval includes 0): tta; the largest of these differences is 0.10 points",
		"Marked collapsed by the guard and recorded (--allow-collapse): final (Test-B 70.00%)",
		"best Test-B row is **final** at 70.00% –",
	} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}

	spread, err := r.SeedSpread()
	if err != nil {
		t.Fatal(err)
	}
	s = renderHTML(t, spread)
	for _, w := range []string{">seed 1</th>", ">seed 2</th>", ">61.60%</td>", ">62.40%</td>", ">62.00%</td>", ">+0.57</td>", ">+0.80</td>"} {
		if !strings.Contains(s, w) {
			t.Errorf("%q not in seed spread\n%s", w, s)
		}
	}
}

func TestProvenanceFacts(t *testing.T) {
	dir := t.TempDir()
	data := []byte("step,top1\nclean,62.000\n")
	if err := os.WriteFile(filepath.Join(dir, reproduce.ResultsCSV), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	pv := reproduce.ProvenanceInfo{
		Commit: "0123456789abcdef0123", Go: "go1.26.8", Modules: map[string]string{"github.com/gomlx/gomlx": "v0.26.0"},
		Backend: "xla:/somewhere/else/build/xla/pjrt_c_api_cpu_plugin.so (installed XLA CPU plugin)",
		Plugin:  &reproduce.PluginInfo{Path: "/somewhere/else/build/xla/pjrt_c_api_cpu_plugin.so", SHA256: "ad1309ac822b1b24d51b"},
		CPU:     "Some CPU", Cores: 2, OS: "linux/amd64", Recipe: recipe.Recipe{Name: "demo"}, Budget: recipe.Budget{Name: "full"},
		Seeds: 3, Data: "/somewhere/else/data/webfashion", WallTotal: 600,
		Files: map[string]string{reproduce.ResultsCSV: hex.EncodeToString(sum[:])},
	}
	b, _ := json.Marshal(pv)
	if err := os.WriteFile(filepath.Join(dir, reproduce.Provenance), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Reproduction{Dir: dir}
	facts := func() string { // the provenance table as it renders now
		t.Helper()
		tb, err := r.Provenance()
		if err != nil {
			t.Fatal(err)
		}
		return renderHTML(t, tb)
	}
	s := facts()
	for _, w := range []string{">0123456789ab</td>", ">demo, full, 3</td>", "xla:.../pjrt_c_api_cpu_plugin.so (installed XLA CPU plugin)", ">.../webfashion</td>", "1 files with their SHA-256; all match", ">10 min over 0 steps<"} {
		if !strings.Contains(s, w) {
			t.Errorf("%q not in\n%s", w, s)
		}
	}
	if strings.Contains(s, "/somewhere") {
		t.Errorf("an absolute path of the machine that wrote it is shown:\n%s", s)
	}
	if err := os.WriteFile(filepath.Join(dir, reproduce.ResultsCSV), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := facts(); !strings.Contains(s, "1 differ, first results.csv") {
		t.Errorf("a changed file is not reported:\n%s", s)
	}

	csvTable, err := r.ResultsCSV()
	if err != nil || csvTable == nil || len(csvTable.Rows) != 0 || csvTable.Columns[0].Name != "changed" {
		t.Errorf("results.csv table %v %v", csvTable, err)
	}
	// A committed reproduction leaves files on the machine that ran it: missing, not changed.
	if err := os.Remove(filepath.Join(dir, reproduce.ResultsCSV)); err != nil {
		t.Fatal(err)
	}
	if s := facts(); !strings.Contains(s, "the 0 here match, 1 stayed on the machine that ran it") {
		t.Errorf("a missing file is not reported as such:\n%s", s)
	}
	if tb, err := (&Reproduction{Dir: t.TempDir()}).Provenance(); tb != nil || err != nil {
		t.Errorf("provenance of a folder without one: %v %v", tb, err)
	}
}
